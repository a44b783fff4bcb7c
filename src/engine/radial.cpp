// The radial sweep engine (see include/phusong/engine/radial.hpp for the ray
// geometry, the cell-to-ray rule and what each cell gets).
#include "phusong/engine/radial.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/terrain/profile.hpp"
#include "ray_kernels.hpp"

namespace phusong {

namespace {

std::unique_ptr<tbb::global_control> limit_threads(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<size_t>(threads));
}

// ceil(a k / d) for k = 1, 2, 3, ... (d > 0, |a| <= d + 1), one k per
// next(), without a division: a k = q d - rem with 0 <= rem < d.
struct CeilSteps {
  long a, d, q = 0, rem = 0;
  CeilSteps(long a_, long d_) : a(a_), d(d_) {}
  long next() {
    rem -= a;
    while (rem < 0) {
      rem += d;
      ++q;
    }
    while (rem >= d) {
      rem -= d;
      --q;
    }
    return q;
  }
};
int sgn(int v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

// The ring-N cell of ray m, m in [0, 8N): four sides of 2N cells each,
// counter-clockwise in (column, row) offsets starting at (N, -N).
void perimeter_cell(int m, int n, int& pi, int& pj) {
  const int side = m / (2 * n), t = m % (2 * n);
  switch (side) {
    case 0: pi = n; pj = -n + t; break;
    case 1: pi = n - t; pj = n; break;
    case 2: pi = -n; pj = n - t; break;
    default: pi = -n + t; pj = -n; break;
  }
}

struct RayCell {
  double d;   // distance from the transmitter, m
  double zc;  // terrain at the cell centre
  int r, c;
};

// Per-thread work space, reused from ray to ray.
struct Workspace {
  std::vector<RayCell> cells;
  std::vector<double> z;  // terrain samples along the ray (index m at m * step)
  std::vector<double> slope, lateral;  // their cell_gradients(), for kernels that want them
  std::vector<double> slope5;  // their neighbourhood's bounds (SlopeField), for kernels that want them
  std::vector<double> tail;  // samples along a cell's own line (RayKernel::tail_samples)
  prop::Profile prof;
  std::unique_ptr<prop::RayKernel> kernel;
  RadialStats stats;  // of the rays traced here (bound_tests: added at the end, from the kernel)
};

// A bound of the terrain gradient's length over the 5 x 5 bilinear squares
// around each square (square (r, c): corners at the cell centres r, r + 1
// and c, c + 1; a square with an unknown corner counts 0), for the squares
// a ray can sample (RayKernel::wants_neighbourhood_slopes).  Within a
// square the gradient's components are bounded by its steepest edge
// differences along each axis, so |z(P) - z(Q)| is at most the largest
// bound of the squares that P Q crosses times |P - Q|.  Kept as floats
// rounded up (a bound still), one per square like the output raster's cells.
struct SlopeField {
  int r0 = 0, c0 = 0, rows = 0, cols = 0;
  std::vector<float> v;
  // the square holding fractional position (fc, fr) (cell centres at
  // integers), clamped to the field
  double at(double fc, double fr) const {
    const int r = std::clamp(static_cast<int>(std::floor(fr)) - r0, 0, rows - 1);
    const int c = std::clamp(static_cast<int>(std::floor(fc)) - c0, 0, cols - 1);
    return v[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c)];
  }
};

// x as a float no smaller than x
float float_up(double x) {
  const float f = static_cast<float>(x);
  return static_cast<double>(f) < x ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

// The field over squares rows ra..rb, columns ca..cb (clipped to the grid's
// squares; a grid of one row or column has none: every bound is 0).  Memory:
// the field and one more array of its size (the row maxima), floats.
SlopeField slope_field(const Raster<float>& dem, int ra, int rb, int ca, int cb) {
  const Grid& g = dem.grid();
  SlopeField f;
  const int sr = std::max(g.rows - 1, 1), sc = std::max(g.cols - 1, 1);  // squares (at least one)
  ra = std::clamp(ra, 0, sr - 1);
  rb = std::clamp(rb, ra, sr - 1);
  ca = std::clamp(ca, 0, sc - 1);
  cb = std::clamp(cb, ca, sc - 1);
  f.r0 = ra;
  f.c0 = ca;
  f.rows = rb - ra + 1;
  f.cols = cb - ca + 1;
  // rows of squares ea..eb (the field's grown by two each way): the largest
  // bound of the five squares around each of the field's columns
  const int ea = std::max(ra - 2, 0), eb = std::min(rb + 2, sr - 1);
  const int fa = std::max(ca - 2, 0), fb = std::min(cb + 2, sc - 1);
  const int er = eb - ea + 1, ec = fb - fa + 1;
  const double inv_dx = 1.0 / g.dx, inv_dy = 1.0 / g.dy;
  const auto cols = static_cast<std::size_t>(f.cols);
  std::vector<float> across(static_cast<std::size_t>(er) * cols, 0.0f);
  tbb::parallel_for(tbb::blocked_range<int>(0, er, 32), [&](const tbb::blocked_range<int>& rr) {
    std::vector<double> own(static_cast<std::size_t>(ec));  // the row's squares' own bounds
    for (int i = rr.begin(); i != rr.end(); ++i) {
      const int r = ea + i, r1 = std::min(r + 1, g.rows - 1);
      for (int j = 0; j < ec; ++j) {
        const int c = fa + j, c1 = std::min(c + 1, g.cols - 1);
        const double a = dem.at(r, c), b = dem.at(r, c1), cc = dem.at(r1, c), d = dem.at(r1, c1);
        // the gradient's length: its components are bounded by the
        // steepest edge differences along each axis
        const double bound = std::hypot(std::max(std::abs(b - a), std::abs(d - cc)) * inv_dx,
                                        std::max(std::abs(cc - a), std::abs(d - b)) * inv_dy);
        own[static_cast<std::size_t>(j)] = std::isnan(bound) ? 0.0 : bound;
      }
      float* x = across.data() + static_cast<std::size_t>(i) * cols;
      for (int j = 0; j < f.cols; ++j) {
        const int c = ca + j;
        double m = 0.0;
        for (int t = std::max(c - 2, fa); t <= std::min(c + 2, fb); ++t) m = std::max(m, own[static_cast<std::size_t>(t - fa)]);
        x[j] = float_up(m);
      }
    }
  });
  f.v.assign(static_cast<std::size_t>(f.rows) * cols, 0.0f);
  tbb::parallel_for(tbb::blocked_range<int>(0, f.rows, 32), [&](const tbb::blocked_range<int>& rr) {
    for (int i = rr.begin(); i != rr.end(); ++i) {
      const int r = ra + i;
      float* out = f.v.data() + static_cast<std::size_t>(i) * cols;
      for (int t = std::max(r - 2, ea); t <= std::min(r + 2, eb); ++t) {
        const float* x = across.data() + static_cast<std::size_t>(t - ea) * cols;
        for (std::size_t j = 0; j < cols; ++j) out[j] = std::max(out[j], x[j]);
      }
    }
  });
  return f;
}

// Where the window has NaN (Setup::nan_free false): cells within kNearNan
// cells (either axis) of an unknown DEM value, over the rays' square plus
// that margin.  A cell's own line (the exact engine's profile) passes within
// 1.5 cells of the ray's samples (LineBoundsT::held_factor), so the floors of
// their positions differ by at most 2 and a line sample's bilinear
// neighbours lie within 3 cells of the square of the ray's sample there: a
// ray whose samples so far all fall on squares not near NaN, ending at a
// cell not near NaN, has every line sample of that cell known.
constexpr int kNearNan = 3;
struct NearNan {
  int r0 = 0, c0 = 0, rows = 0, cols = 0;
  std::vector<unsigned char> v;  // 1: within kNearNan of a NaN (or off the mask)
  bool at(int r, int c) const {
    r -= r0;
    c -= c0;
    if (r < 0 || c < 0 || r >= rows || c >= cols) return true;
    return v[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c)] != 0;
  }
  // the square of fractional position (fc, fr) (cell centres at integers)
  bool at_f(double fc, double fr) const {
    return at(static_cast<int>(std::floor(fr)), static_cast<int>(std::floor(fc)));
  }
};
// The mask over rows r0 - n - 1 - kNearNan .. r0 + n + 1 + kNearNan and the
// same columns: a NaN cell dilated by kNearNan each way (rows, then columns).
NearNan near_nan_mask(const Raster<float>& dem, int r0, int c0, int n) {
  NearNan m;
  const int k = n + 1 + kNearNan;
  m.r0 = r0 - k;
  m.c0 = c0 - k;
  m.rows = m.cols = 2 * k + 1;
  const auto cols = static_cast<std::size_t>(m.cols);
  std::vector<unsigned char> nan(static_cast<std::size_t>(m.rows) * cols, 0), rows_done(nan.size(), 0);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) {
      const int r = m.r0 + i, c = m.c0 + j;
      nan[static_cast<std::size_t>(i) * cols + static_cast<std::size_t>(j)] =
          dem.in_bounds(r, c) && std::isnan(dem.at(r, c)) ? 1 : 0;
    }
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) {
      unsigned char any = 0;
      for (int t = std::max(0, i - kNearNan); t <= std::min(m.rows - 1, i + kNearNan); ++t)
        any |= nan[static_cast<std::size_t>(t) * cols + static_cast<std::size_t>(j)];
      rows_done[static_cast<std::size_t>(i) * cols + static_cast<std::size_t>(j)] = any;
    }
  m.v.assign(nan.size(), 0);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) {
      unsigned char any = 0;
      for (int t = std::max(0, j - kNearNan); t <= std::min(m.cols - 1, j + kNearNan); ++t)
        any |= rows_done[static_cast<std::size_t>(i) * cols + static_cast<std::size_t>(t)];
      m.v[static_cast<std::size_t>(i) * cols + static_cast<std::size_t>(j)] = any;
    }
  return m;
}

struct Setup {
  const Raster<float>& dem;
  const prop::Model& model;
  const prop::LinkParams& link;
  double tx_x, tx_y, step, r2;
  int r0, c0, n;
  // No NaN in the DEM over the rays' square (+1 cell for the bilinear
  // neighbours): no sample or cell can be unknown, so the per-sample checks
  // are skipped and a cell's own height is its DEM value (the bilinear
  // sample at a cell centre).
  bool nan_free = false;
  // The transmitter in fractional (column, row) of sample_bilinear (cell
  // centres at integers).
  double fc_tx = 0.0, fr_tx = 0.0;
  // path_loss_radial's ceiling_db, or null
  const Raster<float>* ceiling = nullptr;
  // the block of the grid the output raster covers (the whole grid when
  // path_loss_radial has no window)
  CellWindow out = {};
  // for a kernel that wants neighbourhood slopes, else null
  const SlopeField* slopes5 = nullptr;
  // where the window has NaN (nan_free false), else null
  const NearNan* near_nan = nullptr;
};

// Stores grid cell (r, c)'s value in the output raster; nothing outside its
// window (every cell is computed all the same: a kernel's state may depend
// on the queries before).
void put(const Setup& s, Raster<float>& loss, int r, int c, float v) {
  if (s.out.contains(r, c)) loss.at(r - s.out.r0, c - s.out.c0) = v;
}

// True when no cell of rows [r0 - n - 1, r0 + n + 1] x columns
// [c0 - n - 1, c0 + n + 1] (clipped to the grid) is NaN.
bool window_nan_free(const Raster<float>& dem, int r0, int c0, int n) {
  const int ra = std::max(0, r0 - n - 1), rb = std::min(dem.rows() - 1, r0 + n + 1);
  const int ca = std::max(0, c0 - n - 1), cb = std::min(dem.cols() - 1, c0 + n + 1);
  bool ok = true;
  for (int r = ra; r <= rb; ++r) {
    const float* row = dem.row(r);
    for (int c = ca; c <= cb; ++c) ok &= !std::isnan(row[c]);
    if (!ok) return false;
  }
  return true;
}

// Cells of ray m in order of distance (see the header for the rule).
void collect_cells(const Setup& s, int m, std::vector<RayCell>& out) {
  out.clear();
  const Grid& g = s.dem.grid();
  int pi = 0, pj = 0;
  perimeter_cell(m, s.n, pi, pj);
  const long n2 = 2L * s.n;
  auto add = [&](int i, int j) {
    const int r = s.r0 + j, c = s.c0 + i;
    if (!s.dem.in_bounds(r, c)) return;
    const double x = g.cell_x(c), y = g.cell_y(r);
    const double d2 = (x - s.tx_x) * (x - s.tx_x) + (y - s.tx_y) * (y - s.tx_y);
    if (d2 > s.r2) return;
    const double zc = s.nan_free ? static_cast<double>(s.dem.at(r, c)) : sample_bilinear(s.dem, x, y);
    if (std::isnan(zc)) return;
    out.push_back({std::sqrt(d2), zc, r, c});
  };
  const bool corner = std::abs(pi) == s.n && std::abs(pj) == s.n;
  const bool on_column_side = std::abs(pi) == s.n;  // the minor coordinate is j
  const long minor = on_column_side ? pj : pi;
  // The minor coordinates on ring k are ceil((2 minor - 1) k / 2N) ..
  // ceil((2 minor + 1) k / 2N) - 1, stepped in k without dividing.
  CeilSteps lo_steps(2L * minor - 1, n2), hi_steps(2L * minor + 1, n2);
  for (int k = 1; k <= s.n; ++k) {
    const long lo = lo_steps.next(), hi = hi_steps.next() - 1;
    if (corner) {
      add(sgn(pi) * k, sgn(pj) * k);
    } else if (on_column_side) {
      for (long j = lo; j <= hi; ++j) add(sgn(pi) * k, static_cast<int>(j));
    } else {
      for (long i = lo; i <= hi; ++i) add(static_cast<int>(i), sgn(pj) * k);
    }
  }
  // Nearly sorted already (ring order); insertion sort, ties by ring order.
  for (size_t a = 1; a < out.size(); ++a) {
    RayCell v = out[a];
    size_t b = a;
    while (b > 0 && out[b - 1].d > v.d) {
      out[b] = out[b - 1];
      --b;
    }
    out[b] = v;
  }
}

// True when samples 0..last of the ray (m * step along (ux, uy)) all have
// their four bilinear neighbours inside the grid, without clamping.  The
// margin keeps rounding in sample_ray()'s stepped positions (a few ulps off
// this end point) from reaching the last column or row.
bool sample_inside(const Setup& s, double ux, double uy, int last) {
  const Grid& g = s.dem.grid();
  const double t = last * s.step;
  const double fc1 = s.fc_tx + t * ux / g.dx, fr1 = s.fr_tx - t * uy / g.dy;
  return segment_inside(g, s.fc_tx, s.fr_tx, fc1, fr1);
}

// For a bilinear sample at fractions (tx, ty) of the DEM cell whose corners
// are a b / c d (north row first): a bound of the terrain's slope, m/m,
// inside that cell (the steepest edge difference along each axis, summed),
// and the derivative of the bilinear surface at the sample along the unit
// vector (nx, ny) (east, north).
struct Gradients {
  double bound, along;
};
// inv_dx, inv_dy: 1 / cell width and height.
inline Gradients cell_gradients(const BilinearCell& cell, double inv_dx, double inv_dy, double nx, double ny) {
  const auto [a, b, c, d, tx, ty] = cell;
  const double dz_east = ((b - a) * (1 - ty) + (d - c) * ty) * inv_dx;
  const double dz_north = -((c - a) * (1 - tx) + (d - b) * tx) * inv_dy;  // rows run south
  return {std::max(std::abs(b - a), std::abs(d - c)) * inv_dx + std::max(std::abs(c - a), std::abs(d - b)) * inv_dy,
          nx * dz_east + ny * dz_north};
}

// cell_gradients() at (x, y) as sample_bilinear(dem, x, y) interpolates
// there (the same clamping at the grid's edges).
Gradients gradients_at(const Raster<float>& dem, double x, double y, double nx, double ny) {
  const Grid& g = dem.grid();
  return cell_gradients(bilinear_cell_clamped(dem, g.col_f(x) - 0.5, g.row_f(y) - 0.5), 1.0 / g.dx, 1.0 / g.dy, nx,
                        ny);
}

// Samples 1..last of the ray into z (z[0], the transmitter, is already
// there): sample_bilinear's interpolation with the position stepped in grid
// coordinates (inside the grid, no clamping: see sample_inside()).  With
// slope and lateral, also each sample's cell_gradients() across the ray
// (index 0 too).
void sample_ray(const Setup& s, double ux, double uy, int last, std::vector<double>& z,
                std::vector<double>* slope, std::vector<double>* lateral, std::vector<double>* slope5) {
  const Grid& g = s.dem.grid();
  const float* data = s.dem.data().data();
  const std::size_t cols = static_cast<std::size_t>(g.cols);
  const double dc = s.step * ux / g.dx, dr = -s.step * uy / g.dy;
  const double inv_dx = 1.0 / g.dx, inv_dy = 1.0 / g.dy;
  z.resize(static_cast<std::size_t>(last) + 1);
  if (slope) {
    slope->resize(static_cast<std::size_t>(last) + 1);
    lateral->resize(static_cast<std::size_t>(last) + 1);
  }
  if (slope5) slope5->resize(static_cast<std::size_t>(last) + 1);
  for (int m = slope ? 0 : 1; m <= last; ++m) {
    const BilinearCell cell = bilinear_cell_inside(data, cols, s.fc_tx + m * dc, s.fr_tx + m * dr);
    if (m > 0) z[static_cast<std::size_t>(m)] = cell.value();
    if (slope) {
      const Gradients gr = cell_gradients(cell, inv_dx, inv_dy, -uy, ux);
      (*slope)[static_cast<std::size_t>(m)] = gr.bound;
      if (slope5) (*slope5)[static_cast<std::size_t>(m)] = s.slopes5->at(s.fc_tx + m * dc, s.fr_tx + m * dr);
      (*lateral)[static_cast<std::size_t>(m)] = gr.along;
    }
  }
}

// The cell's own line (RayKernel::CellLine): sample i at (fc0 + i dfc,
// fr0 + i dfr) in fractional grid coordinates, bilinear as the exact
// engine's profile (NaN where unknown).
struct LineProbe final : prop::RayKernel::CellLine {
  const Raster<float>& dem;
  long& reads;  // RadialStats::line_reads
  double fc0, fr0, dfc = 0.0, dfr = 0.0;
  // both ends (the transmitter, the cell's centre) inside the cell centres'
  // frame (segment_inside): every point between them has its four bilinear
  // neighbours in the grid and the clamps do nothing (set_cell)
  bool inside = false;
  LineProbe(const Raster<float>& d, long& n, double fc, double fr) : dem(d), reads(n), fc0(fc), fr0(fr) {}
  void set_cell(int r, int c, int segments) {
    dfc = (c - fc0) / segments;
    dfr = (r - fr0) / segments;
    inside = segment_inside(dem.grid(), fc0, fr0, c, r);
  }
  double height_m(int i) const noexcept override {
    ++reads;
    const double fc = fc0 + i * dfc, fr = fr0 + i * dfr;
    if (inside) return bilinear_cell_inside(dem.data().data(), static_cast<std::size_t>(dem.grid().cols), fc, fr).value();
    return bilinear_cell_clamped(dem, fc, fr).value();
  }
};

// A kernel's answer as the cell's value; where the kernel asks for it, the
// cell computed as the exact engine does (path_loss_exact: the model on the
// profile sampled along the cell's own line).
float cell_loss(const Setup& s, const prop::PathLoss& pl, const RayCell& cell, prop::Profile& prof,
                RadialStats& stats) {
  ++stats.cells;
  if (s.ceiling && pl.loss_db == std::numeric_limits<double>::infinity()) {
    // beyond the cell's ceiling (RayKernel::loss_ceiling), where one was given
    const float ceil_db = s.ceiling->at(cell.r, cell.c);
    if (ceil_db < std::numeric_limits<float>::infinity()) {
      ++stats.beyond;
      return std::numeric_limits<float>::infinity();
    }
  }
  if (pl.exact_needed) {
    ++stats.exact;
    const Grid& g = s.dem.grid();
    if (!extract_profile(s.dem, s.tx_x, s.tx_y, g.cell_x(cell.c), g.cell_y(cell.r), s.step, prof)) return kNoDataF;
    const prop::PathLoss e = s.model.loss(prof, s.link);
    return std::isfinite(e.loss_db) ? static_cast<float>(e.loss_db) : kNoDataF;
  }
  return std::isfinite(pl.loss_db) ? static_cast<float>(pl.loss_db) : kNoDataF;
}

void trace_ray(const Setup& s, int m, Workspace& w, Raster<float>& loss) {
  collect_cells(s, m, w.cells);
  if (w.cells.empty()) return;
  const Grid& g = s.dem.grid();
  int pi = 0, pj = 0;
  perimeter_cell(m, s.n, pi, pj);
  const double ex = g.cell_x(s.c0 + pi) - s.tx_x, ey = g.cell_y(s.r0 + pj) - s.tx_y;
  const double len = std::hypot(ex, ey);
  const double ux = ex / len, uy = ey / len;
  const double step = s.step;
  w.z.clear();
  w.z.push_back(sample_bilinear(s.dem, s.tx_x, s.tx_y));
  // Samples closer than (d - step/2) are the interior of the cell's profile.
  auto interior_count = [&](double d) {
    // largest m with m * step < d - step / 2
    const double lim = d / step - 0.5;
    int mm = static_cast<int>(std::ceil(lim)) - 1;
    return std::max(mm, 0);
  };
  auto sample = [&](int mm) {
    while (static_cast<int>(w.z.size()) <= mm) {
      const double t = static_cast<double>(w.z.size()) * step;
      w.z.push_back(sample_bilinear(s.dem, s.tx_x + ux * t, s.tx_y + uy * t));
    }
    return w.z[mm];
  };
  if (std::isnan(w.z[0])) return;
  // Near unknown terrain (NearNan) a cell's own line can cross a NaN the ray
  // misses, or miss one the ray crosses: from the first ray sample on a
  // square near NaN on, and for cells near NaN, each cell is computed
  // exactly (its own line decides whether it is known).
  auto near_nan_sample = [&](int i) {  // ray sample i's square is near NaN
    const double t = i * step;
    return s.near_nan->at_f(g.col_f(s.tx_x + ux * t) - 0.5, g.row_f(s.tx_y + uy * t) - 0.5);
  };
  prop::PathLoss exact;
  exact.exact_needed = true;

  if (w.kernel) {
    prop::RayKernel& k = *w.kernel;
    k.begin(w.z[0]);
    const bool slopes = k.wants_slopes();
    const bool near = slopes && s.slopes5;  // the kernel wants neighbourhood slopes too
    // Before each query: the cell's loss ceiling, where there is one; for a
    // kernel that bounds its error, the cell centre's distance from the ray.
    auto offer_offset = [&](const RayCell& cell) {
      if (s.ceiling) {
        const float ceil_db = s.ceiling->at(cell.r, cell.c);
        k.loss_ceiling(std::isnan(ceil_db) ? std::numeric_limits<double>::infinity() : static_cast<double>(ceil_db));
      }
      if (!slopes) return;
      const double cx = g.cell_x(cell.c) - s.tx_x, cy = g.cell_y(cell.r) - s.tx_y;
      k.cell_offset(ux * cy - uy * cx);
    };
    // Before each query of a kernel that wants them: the last interior
    // samples of the cell's own profile as the exact engine samples it
    // (extract_profile: ceil(d / step) segments, so need or need + 1
    // interior samples; in fractional grid coordinates the cell centre is
    // (c, r)).
    const int tail_wanted = k.tail_samples();
    LineProbe probe{s.dem, w.stats.line_reads, s.fc_tx, s.fr_tx};
    // The cell's line: its segments (extract_profile's), or 0 where the
    // kernel wants no tail or the ray's `need` samples cannot hold the
    // line's prefix before the tail.
    auto line_segments = [&](const RayCell& cell, int need) {
      if (tail_wanted <= 0) return 0;
      const int segments = std::max(1, static_cast<int>(std::ceil(cell.d / step - 1e-9)));
      const int total = segments - 1;
      const int count = std::min(tail_wanted, total);
      return count <= 0 || total > need + 1 || total - count > need ? 0 : segments;
    };
    auto offer_tail = [&](const RayCell& cell, int need) {
      if (tail_wanted <= 0) return;
      const int segments = line_segments(cell, need);
      if (segments == 0) {
        k.cell_tail(nullptr, 0, 0);
        k.cell_line(nullptr);
        return;
      }
      const int total = segments - 1;
      const int count = std::min(tail_wanted, total);
      w.tail.resize(static_cast<std::size_t>(count));
      probe.set_cell(cell.r, cell.c, segments);
      for (int i = 0; i < count; ++i) {
        const double z = probe.height_m(total - count + 1 + i);
        if (std::isnan(z)) {
          k.cell_tail(nullptr, 0, 0);
          k.cell_line(nullptr);
          return;
        }
        w.tail[static_cast<std::size_t>(i)] = z;
      }
      k.cell_tail(w.tail.data(), count, total);
      k.cell_line(&probe);
    };
    // Before offer_tail, where the cell has a ceiling (offer_offset gave
    // it; a kernel answers true only under a finite one) and its line will
    // be offered: the kernel may settle the cell as beyond its ceiling from
    // the ray's state alone (RayKernel::beyond_ceiling); only where no line
    // sample can be unknown (the NaN-free path), so that the line is sure
    // to be offered.
    auto settled_beyond = [&](const RayCell& cell, int need) {
      if (!s.ceiling) return false;
      const int segments = line_segments(cell, need);
      if (segments == 0 || !k.beyond_ceiling(cell.d, cell.zc, segments - 1)) return false;
      ++w.stats.cells;
      ++w.stats.beyond;
      ++w.stats.unread;
      put(s, loss, cell.r, cell.c, std::numeric_limits<float>::infinity());
      return true;
    };
    int pushed = 0;
    // the last sample the kernel can read: the first one beyond its reach
    const double reach = k.reach_m();
    const int cap = reach < std::numeric_limits<double>::infinity()
                        ? static_cast<int>(std::min(std::floor(reach / step) + 1.0, 1e9))
                        : std::numeric_limits<int>::max();
    const int last = std::min(interior_count(w.cells.back().d), cap);
    if (s.nan_free && sample_inside(s, ux, uy, last)) {
      // Every sample known and away from the grid's edges: sample the whole
      // ray at once (the same bilinear rule, stepping in grid coordinates).
      if (!k.uses_samples()) {
        for (const RayCell& cell : w.cells) {
          offer_offset(cell);
          put(s, loss, cell.r, cell.c, cell_loss(s, k.query(cell.d, cell.zc), cell, w.prof, w.stats));
        }
        return;
      }
      sample_ray(s, ux, uy, last, w.z, slopes ? &w.slope : nullptr, slopes ? &w.lateral : nullptr,
                 near ? &w.slope5 : nullptr);
      for (const RayCell& cell : w.cells) {
        const int need = interior_count(cell.d);
        const int upto = std::min(need, cap);
        if (upto > pushed) {
          k.push_samples(w.z.data(), pushed + 1, upto + 1, step);
          if (slopes) k.push_slopes(w.slope.data(), w.lateral.data(), pushed + 1, upto + 1);
          if (near) k.push_neighbourhood_slopes(w.slope5.data(), pushed + 1, upto + 1);
          pushed = upto;
        }
        offer_offset(cell);
        if (settled_beyond(cell, need)) continue;
        offer_tail(cell, need);
        put(s, loss, cell.r, cell.c, cell_loss(s, k.query(cell.d, cell.zc), cell, w.prof, w.stats));
      }
      return;
    }
    // a sample's neighbourhood bound
    auto near_at = [&](double x, double y) { return s.slopes5->at(g.col_f(x) - 0.5, g.row_f(y) - 0.5); };
    if (near) w.slope5.assign(1, near_at(s.tx_x, s.tx_y));
    if (slopes) {
      const Gradients gr = gradients_at(s.dem, s.tx_x, s.tx_y, -uy, ux);
      w.slope.assign(1, gr.bound);
      w.lateral.assign(1, gr.along);
    }
    // (near unknown terrain, or after a NaN sample: the exact computation)
    bool clear = true, broken = false;
    for (const RayCell& cell : w.cells) {
      const int need = interior_count(cell.d);
      while (!broken && pushed < need) {
        const double z = sample(pushed + 1);
        if (std::isnan(z)) {
          broken = true;
          break;
        }
        if (clear && s.near_nan) clear = !near_nan_sample(pushed + 1);
        ++pushed;
        k.push_samples(w.z.data(), pushed, pushed + 1, step);
        if (slopes) {
          const double t = pushed * step;
          const Gradients gr = gradients_at(s.dem, s.tx_x + ux * t, s.tx_y + uy * t, -uy, ux);
          w.slope.push_back(gr.bound);
          w.lateral.push_back(gr.along);
          k.push_slopes(w.slope.data(), w.lateral.data(), pushed, pushed + 1);
          if (near) {
            w.slope5.push_back(near_at(s.tx_x + ux * t, s.tx_y + uy * t));
            k.push_neighbourhood_slopes(w.slope5.data(), pushed, pushed + 1);
          }
        }
      }
      if (broken || !clear || (s.near_nan && s.near_nan->at(cell.r, cell.c))) {
        put(s, loss, cell.r, cell.c, cell_loss(s, exact, cell, w.prof, w.stats));
        continue;
      }
      offer_offset(cell);
      offer_tail(cell, need);
      put(s, loss, cell.r, cell.c, cell_loss(s, k.query(cell.d, cell.zc), cell, w.prof, w.stats));
    }
    return;
  }

  // Fallback: the model on the receiver's profile, samples respaced uniformly
  // (near unknown terrain, as above, the exact computation).
  prop::Profile& prof = w.prof;
  bool clear = true;
  int checked = 0;
  for (const RayCell& cell : w.cells) {
    const int need = interior_count(cell.d);
    if (s.near_nan) {
      for (; clear && checked < need; ++checked) clear = !near_nan_sample(checked + 1);
      if (!clear || s.near_nan->at(cell.r, cell.c)) {
        put(s, loss, cell.r, cell.c, cell_loss(s, exact, cell, prof, w.stats));
        continue;
      }
    }
    if (std::isnan(sample(need))) return;
    for (int i = 1; i <= need; ++i)
      if (std::isnan(w.z[i])) return;
    const size_t np = static_cast<size_t>(need) + 2;
    prof.clear();
    prof.distance_m.resize(np);
    prof.height_m.resize(np);
    for (size_t i = 0; i + 1 < np; ++i) {
      prof.distance_m[i] = cell.d * static_cast<double>(i) / static_cast<double>(np - 1);
      prof.height_m[i] = w.z[i];
    }
    prof.distance_m[np - 1] = cell.d;
    prof.height_m[np - 1] = cell.zc;
    const prop::PathLoss pl = s.model.loss(prof, s.link);
    put(s, loss, cell.r, cell.c, std::isfinite(pl.loss_db) ? static_cast<float>(pl.loss_db) : kNoDataF);
  }
}

}  // namespace

std::string stats_line(const RadialStats& s) {
  const double per = 1.0 / static_cast<double>(std::max(s.cells, 1L));
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%ld cells (%ld beyond the ceiling, %ld of them before reading their line, %ld exact), %.2f line reads "
                "and %.2f bound tests per cell",
                s.cells, s.beyond, s.unread, s.exact, static_cast<double>(s.line_reads) * per,
                static_cast<double>(s.bound_tests) * per);
  return buf;
}

std::unique_ptr<prop::RayKernel> make_ray_kernel(const prop::Model& model, const prop::LinkParams& link) {
  if (auto k = model.ray_kernel(link)) return k;
  return kernels::make_builtin(model, link);
}

bool radial_is_default(std::string_view model_name) {
  // Every built-in kernel meets the contract, measured in
  // tests/reference/test_radial_agreement.cpp (docs/performance.md).
  return model_name == "fspl" || model_name == "hata" || model_name == "deygout" || model_name == "p526" ||
         model_name == "itm" || model_name == "p1812";
}

bool has_ray_kernel(const prop::Model& model) {
  return make_ray_kernel(model, prop::LinkParams{}) != nullptr;
}

Raster<float> path_loss_radial(const Raster<float>& dem, double tx_x, double tx_y, const prop::Model& model,
                               const prop::LinkParams& link, double radius_m, int threads,
                               const Raster<float>* ceiling_db, const CellWindow* window, RadialStats* stats) {
  const Grid& g = dem.grid();
  if (ceiling_db && !ceiling_db->grid().same_layout(g)) {
    throw Error("path_loss_radial: the loss ceiling is not on the DEM's grid");
  }
  auto ctl = limit_threads(threads);
  const CellWindow out = window ? *window : whole_window(g);
  Raster<float> loss = window_raster(g, out, kNoDataF);
  const double step = std::min(g.dx, g.dy);
  Setup s{dem, model, link, tx_x, tx_y, step, radius_m * radius_m,
          static_cast<int>(std::floor(g.row_f(tx_y))), static_cast<int>(std::floor(g.col_f(tx_x))),
          std::max(1, static_cast<int>(std::ceil(radius_m / step)) + 1)};
  s.nan_free = window_nan_free(dem, s.r0, s.c0, s.n);
  NearNan near_nan;
  if (!s.nan_free) {
    near_nan = near_nan_mask(dem, s.r0, s.c0, s.n);
    s.near_nan = &near_nan;
  }
  s.fc_tx = g.col_f(tx_x) - 0.5;
  s.fr_tx = g.row_f(tx_y) - 0.5;
  s.ceiling = ceiling_db;
  s.out = out;
  const auto probe_kernel = make_ray_kernel(model, link);
  const bool fast = probe_kernel != nullptr;
  SlopeField slopes5;
  if (fast && probe_kernel->wants_slopes() && probe_kernel->wants_neighbourhood_slopes()) {
    // every square a ray samples: the rays' square plus the bilinear neighbours
    slopes5 = slope_field(dem, s.r0 - s.n - 1, s.r0 + s.n + 1, s.c0 - s.n - 1, s.c0 + s.n + 1);
    s.slopes5 = &slopes5;
  }
  const int rays = 8 * s.n;
  std::mutex stats_mutex;
  tbb::parallel_for(tbb::blocked_range<int>(0, rays, 16), [&](const tbb::blocked_range<int>& rr) {
    Workspace w;
    if (fast) w.kernel = make_ray_kernel(model, link);
    for (int m = rr.begin(); m != rr.end(); ++m) trace_ray(s, m, w, loss);
    if (stats) {
      if (w.kernel) w.stats.bound_tests = w.kernel->bound_tests();
      const std::lock_guard<std::mutex> lock(stats_mutex);
      *stats += w.stats;
    }
  });
  // The transmitter's own cell, as the exact engine computes it.
  if (dem.in_bounds(s.r0, s.c0)) {
    const double x = g.cell_x(s.c0), y = g.cell_y(s.r0);
    const double d2 = (x - tx_x) * (x - tx_x) + (y - tx_y) * (y - tx_y);
    if (d2 <= s.r2) {
      double ex = x;
      if (d2 < step * step * 0.25) ex = tx_x + step * 0.5;
      prop::Profile prof;
      if (extract_profile(dem, tx_x, tx_y, ex, y, step, prof)) {
        const prop::PathLoss pl = model.loss(prof, link);
        put(s, loss, s.r0, s.c0, std::isfinite(pl.loss_db) ? static_cast<float>(pl.loss_db) : kNoDataF);
      }
    }
  }
  return loss;
}

}  // namespace phusong
