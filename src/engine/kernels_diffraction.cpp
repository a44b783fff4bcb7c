// Ray kernels for the knife-edge models: "deygout" (deygout.cpp), "p526"
// (delta-Bullington, ITU-R P.526-15 §4.5 = P.1812-6 §4.3 eqs. (13)-(38)) and
// "p1812" (P.1812-6, p1812.cpp: the path analysis on the cell's own line,
// the p526 kernel's smooth-surface half, then the model's own formulas).
//
// Both keep, along the ray, the upper convex hull of the samples with the
// earth's curvature folded in (w = h - s^2 / (2 a_e): heights relative to the
// transmitter's tangent plane, in which the bulge d1 d2 / (2 a_e) of any path
// from the transmitter becomes a straight-line term).  In that frame:
//   * the transmitter horizon (Bullington Stim, eq. (14)) is the steepest
//     line from the transmitter to a sample: a hull vertex;
//   * the receiver horizon (Srim, eq. (18)) is the upper tangent from the
//     receiver to the hull: a binary search (O(log n));
//   * the edge of largest diffraction parameter v (P.526-15 eq. (26); the
//     Deygout main edge, Bullington vmax eq. (16)) is a hull vertex whenever
//     that v is positive: the level curves v = c > 0 are concave in distance,
//     so a sample strictly below the hull cannot touch one first.  Below
//     grazing (v <= 0) a sample under a hull edge can have a larger v than
//     the edge's ends; the kernels then use the hull vertices only (an
//     approximation whose effect is the J(v) difference of near-grazing
//     line-of-sight paths, measured by tests/reference/test_radial_agreement.cpp).
// Deygout: where the engine offers the cell's own line (RayKernel::
// cell_line, with the last kTail samples as cell_tail), the main edge and
// the two secondary edges are the largest v of their sections of the cell's
// own profile as the exact engine samples it: the tail directly, the ray's
// part by the line search (LineBounds: from a seed, the ray's best hull
// vertex, only the samples whose bound could beat the best so far, or the
// floor v = -0.78 below which an edge adds nothing, are read), and the loss
// is the model's free space plus deygout_diffraction_db() of those three
// edges.  The bounds hold (the ray's height plus the neighbourhood's slope
// bound times the distance between the ray's sample and the line's:
// extend_bounds()), so these are the exact engine's edges and losses on any
// terrain, ties between equal v aside (tested on one-cell cliffs and
// pillars; measured: max 0 dB on Brindabella, the Alps and the district
// benchmark's terrain, docs/performance.md).  Without the line the edges come
// from the ray's hull: the secondary edge between the transmitter and the
// main edge m is a vertex of the hull of the samples before m, which the
// persistent hull keeps (the chain from m-1); the edge between m and the
// receiver uses the vertices of the current hull after m.
//
// Otherwise each query builds a reduced profile of those candidate samples
// and calls the model itself (Deygout without the line) or the P.526
// Bullington function (p526), so the formulas are the models' own.  The P.1812 smooth surface
// (Attachment 1 §5 eqs. (85)-(89)) uses running sums of the trapezoid terms
// for v1, v2 and a second hull of the plain heights for hobs, alpha_obt,
// alpha_obr; the Bullington over the smooth (zero-height) profile evaluates
// only the samples next to the continuous optima of Stim and Srim (both are
// concave in distance) and those of a ternary search for vmax.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "phusong/propagation/model.hpp"
#include "phusong/propagation/models.hpp"
#include "phusong/propagation/p1812.hpp"
#include "phusong/propagation/p526.hpp"
#include "ray_kernels.hpp"

namespace phusong::kernels {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kPosInf = std::numeric_limits<double>::infinity();

// The v >= -0.78 at which J(v) (ITU-R P.526-15 eq. (31), knife_edge_j_db)
// equals j_db >= J(-0.78): 20 log10(sqrt(t^2 + 1) + t) = j_db - 6.9 with
// t = v - 0.1 gives t = (y - 1 / y) / 2, y = 10^((j_db - 6.9) / 20).
double knife_edge_v(double j_db) {
  const double y = std::pow(10.0, (j_db - 6.9) / 20.0);
  return std::max(0.5 * (y - 1.0 / y) + 0.1, -0.78);
}

// ---------------------------------------------------------------------------
class DeygoutKernel final : public prop::RayKernel {
 public:
  DeygoutKernel(const prop::Model& m, const prop::LinkParams& p)
      : model_(m), link_(p), inv_2ae_(1.0 / (2.0 * p.k_factor * prop::kEarthRadiusM)),
        lambda_(prop::wavelength_m(p.freq_mhz)) {}
  void begin(double tx_ground_m) noexcept override {
    z0_ = tx_ground_m;
    hull_.clear();
    h_.clear();
    beside_.clear();
    bounds_.clear();
    tail_.n = 0;
    line_ = nullptr;
  }
  bool wants_slopes() const noexcept override { return true; }
  bool wants_neighbourhood_slopes() const noexcept override { return true; }
  void push_slopes(const double* slope, const double* /*lateral*/, int first, int end) noexcept override {
    beside_.push(slope, first, end);
  }
  void push_neighbourhood_slopes(const double* slope5, int first, int end) noexcept override {
    beside_.push_near(slope5, first, end);
  }
  void cell_offset(double offset_m) noexcept override { beside_.offset_m = std::abs(offset_m); }
  // The last samples before the receiver taken as they are from the
  // cell's line (the rest is read there only where the bounds say a sample
  // could beat the best so far).  Any count gives the same edges, the
  // bounds holding; 4 rather than the other kernels' 16: the deygout
  // district 47.2-47.7 -> 45.0-45.4 s (docs/performance.md).
  static constexpr int kTail = 4;
  int tail_samples() const noexcept override { return kTail; }
  void cell_tail(const double* h, int count, int total) noexcept override { tail_.set(h, count, total); }
  void cell_line(const CellLine* line) noexcept override { line_ = line; }
  void loss_ceiling(double ceiling_db) noexcept override { ceiling_db_ = ceiling_db; }
  long bound_tests() const noexcept override { return bounds_.tests; }
  void push(double s, double h) noexcept override {
    hull_.push(s, h - s * s * inv_2ae_);
    h_.push_back(h);
  }
  prop::PathLoss query(double d, double zc) noexcept override {
    int nt = 0;
    const int n_int = tail_.take(hull_.size(), nt);
    const double ceiling_db = ceiling_db_;
    ceiling_db_ = kPosInf;
    if (line_ && n_int >= 1) return on_line(d, zc, n_int, n_int - nt, ceiling_db);
    return on_ray(d, zc);
  }

 private:
  // The edges over the ray's hull vertices (no cell line).
  prop::PathLoss on_ray(double d, double zc) {
    const double wt = z0_ + link_.tx_height_m;
    const double wr = zc + link_.rx_height_m - d * d * inv_2ae_;
    // main edge over the hull vertices
    int m = -1;
    double vbest = kNegInf;
    for (int k : hull_.hull) {
      const double s = hull_.s[k];
      const double hgt = hull_.w[k] - (wt + (wr - wt) * s / d);
      const double v = hgt * std::sqrt(2.0 * d / (lambda_ * s * (d - s)));
      if (v > vbest) {
        vbest = v;
        m = k;
      }
    }
    idx_.clear();
    if (m >= 0 && vbest > 0.0) {
      for (int k = m - 1; k >= 0; k = hull_.pred[k]) idx_.push_back(k);
      std::reverse(idx_.begin(), idx_.end());
      for (int k : hull_.hull)
        if (k >= m) idx_.push_back(k);
    } else {
      idx_.assign(hull_.hull.begin(), hull_.hull.end());
    }
    prof_.clear();
    prof_.distance_m.push_back(0.0);
    prof_.height_m.push_back(z0_);
    for (int k : idx_) {
      prof_.distance_m.push_back(hull_.s[k]);
      prof_.height_m.push_back(h_[k]);
    }
    prof_.distance_m.push_back(d);
    prof_.height_m.push_back(zc);
    return model_.loss(prof_, link_);
  }

  // The three edges of the cell's own profile (samples 0..n_int + 1 at
  // i d / (n_int + 1): the ray's part read on the cell's line where
  // LineBounds says a sample could beat the best so far, the tail as it is),
  // and the Deygout loss of those edges (the model's formulas: fspl_db on
  // the 3-D distance, deygout_diffraction_db).  No state passes from cell to
  // cell, so a cell's loss does not depend on which cells before it were
  // computed.
  //
  // With a finite loss ceiling: the loss is free space plus J(vm) + J(vl) +
  // J(vr), J non-decreasing and >= 0, and each search only raises its best v,
  // so once free space plus the J of the edges found so far (for the edge
  // being searched, its best so far: a tail sample, the seed, then any
  // better sample) passes the ceiling, the loss would too: the search stops
  // and the cell answers +infinity (RayKernel::loss_ceiling).
  prop::PathLoss on_line(double d, double zc, int n_int, int base, double ceiling_db) {
    const double dx = d / (n_int + 1);
    const double step = hull_.size() > 0 ? hull_.s[0] : dx;
    extend_bounds(base);
    const double kb = LineBounds::held_factor(beside_.offset_m, d, dx, step);
    auto x_of = [&](int i) { return i * dx; };
    auto height = [&](int i) {
      return i > base ? tail_.h[static_cast<std::size_t>(i - base - 1)] : line_->height_m(i);
    };
    // the earth's bulge x (d - x) / (2 k a), by a product with the
    // reciprocal (within an ulp of earth_bulge_m; no division per sample or
    // block of the searches)
    auto bulge = [&](double x) { return x * (d - x) * inv_2ae_; };
    struct Best {
      double v = -1e300;
      int i = -1;
      bool beyond = false;  // stopped: J(v) > stop_j_db
    };
    // the largest v over samples lo..hi of the section from (xa, ya) to
    // (xb, yb) (heights with the bulge), as the model computes it; it stops
    // early (beyond) once the best so far has J(v) > stop_j_db
    auto largest_v = [&](int lo, int hi, double xa, double ya, double xb, double yb, double stop_j_db) {
      Best b;
      if (lo > hi) return b;
      const double dij = xb - xa, slope = (yb - ya) / dij, c = std::sqrt(2.0 * dij / lambda_);
      // v = H c / sqrt(d1 d2) (H: the sample's height above the section's
      // ray); samples are compared by v |v| / c^2 = H |H| / (d1 d2), without
      // a square root; r = v / c of the best.  Only an edge with v > -0.78
      // adds loss (J(v) = 0 below: deygout_diffraction_db), so the best
      // starts at that floor: a sample that cannot pass it is not read, and
      // a section with none answers b.i = -1 (v = -1e300, no loss), as a
      // section whose largest v is below the floor contributes nothing.
      double r = -0.78 / c, key = -r * r;
      // with a stop: r above r_stop is worth the J(v) test (J^-1 of
      // stop_j_db, a little low: the test decides)
      const bool stops = stop_j_db < kPosInf;
      const double r_stop = stops ? (knife_edge_v(stop_j_db) - 1e-6) / c : kPosInf;
      // key = num / u; beats(num, u, best) is num / u > best, with the
      // division only where the product test cannot tell (a relative margin
      // far above the roundings of both forms; false for NaN)
      auto num_u = [&](int i, double h, double& u) {
        const double x = x_of(i), d1 = x - xa, d2 = xb - x;
        const double hh = h + bulge(x) - (ya + slope * d1);
        u = d1 * d2;
        return hh * std::abs(hh);
      };
      auto beats = [](double num, double u, double best, double& k) {
        const double t = best * u;
        if (num < t - 1e-9 * std::abs(t)) return false;
        k = num / u;
        return k > best;
      };
      auto offer = [&](int i, double h) {
        double u, k;
        const double num = num_u(i, h, u);
        if (beats(num, u, key, k)) {
          key = k;
          b.i = i;
          r = std::copysign(std::sqrt(std::abs(k)), k);
          if (r > r_stop && prop::knife_edge_j_db(r * c) > stop_j_db) b.beyond = true;
        }
      };
      for (int i = std::max(lo, base + 1); i <= hi; ++i) offer(i, height(i));
      const int phi = std::min(hi, base);
      if (lo <= phi) {
        // seed: the ray's hull vertex of largest v in the range, read on
        // the line (from the ray's state alone, not from earlier cells, so
        // that a cell's loss does not depend on which cells before it were
        // computed: loss_ceiling)
        int seed = -1;
        double ks = kNegInf;
        // (the chain of the hull of samples 1..phi, hull point phi - 1,
        // runs towards the transmitter: below lo it is done)
        for (int k = phi - 1; k >= 0 && k + 1 >= lo; k = hull_.pred[k]) {
          const int i = k + 1;
          double u, kv;
          const double num = num_u(i, h_[static_cast<std::size_t>(k)], u);
          if (beats(num, u, ks, kv)) {
            ks = kv;
            seed = i;
          }
        }
        if (seed >= 0 && !b.beyond) offer(seed, line_->height_m(seed));
        bounds_.visit(
            lo, phi,
            [&](int first, int last, double ba, double bb) {
              if (b.beyond) return false;
              const double x0 = x_of(first), x1 = x_of(last);
              const double xm = std::clamp(0.5 * d, x0, x1), xc = std::clamp(0.5 * (xa + xb), x0, x1);
              const double umin = std::min((x0 - xa) * (xb - x0), (x1 - xa) * (xb - x1));
              const double umax = (xc - xa) * (xb - xc);
              const double line_min = ya + slope * ((slope >= 0.0 ? x0 : x1) - xa);
              // A - r sqrt(u) > 0, squared: no square root per block
              const double a = ba + kb * bb + bulge(xm) - line_min;
              return r >= 0.0 ? a > 0.0 && a * a > r * r * umin : a > 0.0 || r * r * umax > a * a;
            },
            [&](int i) { offer(i, line_->height_m(i)); });
      }
      if (b.i >= 0) b.v = r * c;
      return b;
    };
    const double ya = z0_ + link_.tx_height_m, yb = zc + link_.rx_height_m;
    // the J(v) above which free space (the model's, on the 3-D distance)
    // passes the ceiling
    const double fspl_d3_db = prop::fspl_db(link_.freq_mhz, std::max(std::hypot(d, ya - yb), 1.0));
    const double stop_j_db = ceiling_db < kPosInf ? ceiling_db - fspl_d3_db : kPosInf;
    const bool capped = stop_j_db < kPosInf;
    prop::PathLoss beyond;
    beyond.loss_db = kPosInf;
    beyond.mode = prop::Mode::Diffraction;
    // each search stops once the J(v) found so far pass what the edges
    // before it left of stop_j_db
    const Best m = largest_v(1, n_int, 0.0, ya, d, yb, stop_j_db);
    const double jm = capped && m.i >= 1 ? prop::knife_edge_j_db(m.v) : 0.0;
    if (m.beyond || jm > stop_j_db) return beyond;
    Best l, r;
    if (m.i >= 1 && m.v > -0.78) {
      const double xm = x_of(m.i), zm = height(m.i) + bulge(xm);
      l = largest_v(1, m.i - 1, 0.0, ya, xm, zm, stop_j_db - jm);
      const double jl = capped && l.i >= 1 ? prop::knife_edge_j_db(l.v) : 0.0;
      if (l.beyond || jm + jl > stop_j_db) return beyond;
      r = largest_v(m.i + 1, n_int, xm, zm, d, yb, stop_j_db - jm - jl);
      if (r.beyond) return beyond;
    }
    prop::PathLoss out;
    out.mode = m.v > 0.0 ? prop::Mode::Diffraction : prop::Mode::LineOfSight;
    out.loss_db = fspl_d3_db + prop::deygout_diffraction_db(m.v, l.v, r.v);
    return out;
  }
  // LineBounds over samples 0..last (hull point k is sample k + 1; s in m)
  // that hold (LineBoundsT::extend_held), so the searches find the largest v
  // of the line itself: the exact engine's edges, whatever the terrain
  // (ties aside)
  void extend_bounds(int last) {
    bounds_.extend_held(
        last, beside_, [&](int i) { return h_[static_cast<std::size_t>(i - 1)]; },
        [&](int i) { return hull_.s[static_cast<std::size_t>(i - 1)]; });
  }

  const prop::Model& model_;
  prop::LinkParams link_;
  double inv_2ae_, lambda_;
  double z0_ = 0.0;
  PrefixHull hull_;  // point k is sample k + 1
  std::vector<double> h_;
  std::vector<int> idx_;
  prop::Profile prof_;
  BesideRay beside_;
  LineBoundsT<2, 6> bounds_;
  CellTail tail_;
  const CellLine* line_ = nullptr;
  double ceiling_db_ = kPosInf;           // loss_ceiling() for the next query
};

// ---------------------------------------------------------------------------
// A cell lies up to half a ray spacing beside its ray, and the exact engine
// samples its own line at another phase (i d / N against the ray's i step),
// so a ray sample's height can be off the cell's terrain by up to the DEM
// cell's slope bound times (lateral distance + half a step), the lateral
// distance at distance s being |offset| s / d (height_error()).  Where that
// could move the loss by more than 2 kMaxErrorDb, checked on what decides it:
//   * beyond the line of sight, Lbull (eq. (21)) at both ends of the
//     intervals of Stim and Srim: their samples' own errors, and upwards for
//     Stim also any ray sample raised by the steepest slope bound so far
//     (another sample of the cell's line can overtake the horizon);
//   * within it, J(v) for the edge of largest v lowered and for every vertex
//     of the ray's hull raised by its own error;
// the kernel computes Bullington with Stim, Srim or vmax searched on the
// cell's own line instead (line_bullington: steepest_on_line / LineBounds,
// the few samples whose bound could beat the best read there), or, without
// the line, hands the cell to the exact computation (exact_needed).  And
//   * hobs (eq. (87)) from a ray sample and the smooth surface's hst, hsr
//     (eqs. (85)-(86), from the ray's samples; a share of their sums' worst
//     case): the antenna heights above the smooth surface, htc' and hrc'
//     (eqs. (89), (37)), at both ends of their intervals; where their ratio
//     (the spherical-earth height gain, about 20 log h) could move
//     max(Ldsph - Lbulls, 0) by kMaxErrorDb, that term evaluated at both
//     ends (held to kMaxErrorDb, not twice it), and the cell computed
//     exactly if it moves more.
// These are estimates, not bounds of the whole profile, so they are
// measured, as the other kernels are (tests/reference/test_radial_agreement.cpp,
// docs/performance.md): none beyond 6 dB on Brindabella (84 without them)
// and on the Swiss Alps tile.
// Running trapezoid sums of a value along the ray, as P.1812-6 Attachment 1
// eqs. (85)-(86) take them: after sample i (distance s_i),
//   m1[i] = sum (s_k - s_k-1) (v_k + v_k-1),
//   m2[i] = sum (s_k - s_k-1) (v_k (2 s_k + s_k-1) + v_k-1 (s_k + 2 s_k-1)).
struct TrapezoidSums {
  std::vector<double> m1{0.0}, m2{0.0};
  double last = 0.0;  // v at the previous sample
  void clear(double v0) {
    m1.assign(1, 0.0);
    m2.assign(1, 0.0);
    last = v0;
  }
  // v at distance si, the previous sample at ps
  void push(double si, double ps, double v) {
    const double step = si - ps;
    m1.push_back(m1.back() + step * (v + last));
    m2.push_back(m2.back() + step * (v * (2.0 * si + ps) + last * (si + 2.0 * ps)));
    last = v;
  }
};

class P526Kernel : public prop::RayKernel {
 public:
  static constexpr double kMaxErrorDb = 3.0;
  // Shares of the worst case of the smooth surface's sums (smooth_term()):
  // what the first-order lateral correction leaves, and the sampling phase.
  static constexpr double kLateralShare = 0.1;
  static constexpr double kPhaseShare = 0.1;

  explicit P526Kernel(const prop::LinkParams& p) : P526Kernel(p, p.k_factor * prop::kEarthRadiusM / 1000.0) {}
  // with the effective earth radius ae_km (P.1812: from delta_n)
  P526Kernel(const prop::LinkParams& p, double ae_km) : link_(p), ae_km_(ae_km), f_ghz_(p.freq_mhz / 1000.0) {}

  void begin(double tx_ground_m) noexcept override {
    z0_ = tx_ground_m;
    hts_ = z0_ + link_.tx_height_m;
    curved_.clear();
    plain_.clear();
    h_.clear();
    v_.clear(z0_);
    last_s_km_ = 0.0;
    aobt_num_ = kNegInf;
    stim0_ = kNegInf;
    stim_arg_ = -1;
    stim0_upto_.assign(1, kNegInf);
    stim_arg_upto_.assign(1, -1);
    aobt_upto_.assign(1, kNegInf);
    beside_.clear();
    ea_.clear(0.0);
    eb_.clear(0.0);
    ec_.clear(0.0);
    last_e_s_ = 0.0;
    offset_m_ = 0.0;
    bounds_.clear();
    tail_.n = 0;
    line_ = nullptr;
  }

  bool wants_slopes() const noexcept override { return true; }
  bool wants_neighbourhood_slopes() const noexcept override { return true; }
  void push_slopes(const double* slope, const double* lateral, int first, int end) noexcept override {
    // the trapezoid sums (as v_) of each sample's slope bound and of
    // that times its distance: how far v1, v2 could move on the cell's line;
    // and of its distance times the terrain's derivative across the ray: how
    // far they move to first order (smooth_term())
    for (int i = first; i < end; ++i) {
      const std::size_t j = ea_.m1.size();  // the sample these slopes belong to
      const double si = j >= 1 && j <= curved_.s.size() ? curved_.s[j - 1] : 0.0;
      ea_.push(si, last_e_s_, si * slope[i]);
      eb_.push(si, last_e_s_, slope[i]);
      ec_.push(si, last_e_s_, si * lateral[i]);
      last_e_s_ = si;
    }
    beside_.push(slope, first, end);
  }
  void push_neighbourhood_slopes(const double* slope5, int first, int end) noexcept override {
    beside_.push_near(slope5, first, end);
  }
  void cell_offset(double offset_m) noexcept override {
    beside_.offset_m = std::abs(offset_m);
    offset_m_ = offset_m;
  }

  int tail_samples() const noexcept override { return kCellTail; }
  void cell_tail(const double* h, int count, int total) noexcept override { tail_.set(h, count, total); }
  void cell_line(const CellLine* line) noexcept override { line_ = line; }

  void push(double s_m, double h) noexcept override {
    const double s = s_m / 1000.0;
    curved_.push(s, h - 500.0 * s * s / ae_km_);
    plain_.push(s, h);
    h_.push_back(h);
    // P.1812-6 Attachment 1 eqs. (85)-(86) sums, segment (i-1, i)
    v_.push(s, last_s_km_, h);
    aobt_num_ = std::max(aobt_num_, (h - hts_) / s);
    const double st = (h - 500.0 * s * s / ae_km_ - hts_) / s;  // Stim - 500 d / ae
    if (st > stim0_) {
      stim0_ = st;
      stim_arg_ = static_cast<int>(h_.size()) - 1;
    }
    stim0_upto_.push_back(stim0_);
    stim_arg_upto_.push_back(stim_arg_);
    aobt_upto_.push_back(aobt_num_);
    last_s_km_ = s;
  }

  void loss_ceiling(double ceiling_db) noexcept override { ceiling_db_ = ceiling_db; }
  // above_ceiling() before the tail is read: free space, and the ray's
  // transmitter horizon sample with the line's sample of the same index
  // bounded from below (line_v_low()).
  bool beyond_ceiling(double d_m, double zc, int total) noexcept override {
    const double ceiling_db = ceiling_db_;
    if (!(ceiling_db < kPosInf)) return false;
    const double d = d_m / 1000.0, hrs = zc + link_.rx_height_m;
    const double free_db = free_space_db(d_m, hrs);
    bool beyond = free_db > ceiling_db;
    if (!beyond) {
      const double v = line_v_low(d_m, hrs, total, true);
      beyond = v > kNegInf && free_db + los_bullington(v, d, (hrs - hts_) / d).loss_db > ceiling_db + 1e-6;
    }
    if (beyond) ceiling_db_ = kPosInf;
    return beyond;
  }
  long bound_tests() const noexcept override { return bounds_.tests; }

  prop::PathLoss query(double d_m, double zc) noexcept override {
    prop::PathLoss out;
    const double d = d_m / 1000.0;
    const double hrs = zc + link_.rx_height_m;
    const Tail t = take_tail(d);
    const int n_int = t.n_int, base = t.base, nt = t.nt;
    const double ceiling_db = ceiling_db_;
    ceiling_db_ = kPosInf;
    if (ceiling_db < kPosInf && above_ceiling(t, d, d_m, hrs, ceiling_db)) {
      out.loss_db = kPosInf;  // RayKernel::loss_ceiling
      out.mode = prop::Mode::Diffraction;
      return out;
    }
    const double* ts = tail_s_.data();
    const double* th = tail_.h.data();
    const double* inv_t = tail_inv_t_.data();
    const double* inv_r = tail_inv_r_.data();

    // --- Bullington over the actual profile.  Trans-horizon: Stim from the
    // running maximum, Srim by the hull tangent from the receiver, O(log n).
    // Line of sight: vmax over the hull vertices (reduced profile), O(hull).
    const double str = (hrs - hts_) / d;
    // Where the checks below find that the ray's samples could move the loss
    // too far: Bullington with the prefix's Stim, Srim or vmax searched on
    // the cell's own line (line sample i at i d / (n_int + 1)), the tail's
    // as they are; false (the exact computation) without the line or when
    // a search read only NaN.
    auto line_bullington = [&](prop::p526::Bullington& b) {
      if (!line_ || base < 1) return false;
      extend_bounds(base);
      const double dx = d / (n_int + 1);
      const double kb = LineBounds::held_factor(beside_.offset_m, d_m, dx * 1000.0, step_m());
      auto x_of = [&](int i) { return i * dx; };
      auto y_of = [&](int i) { return d - i * dx; };
      const double a = 500.0 / ae_km_;
      int kt = stim_arg_upto_[static_cast<std::size_t>(base)] + 1;
      double stim0 = 0.0;
      steepest_on_line(bounds_, *line_, 1, base, x_of, hts_, a, kb, kt, stim0);
      if (!(stim0 > -1e300)) return false;
      for (int j = 0; j < nt; ++j) stim0 = std::max(stim0, (th[j] - a * ts[j] * ts[j] - hts_) * inv_t[j]);
      const double stim = stim0 + a * d;
      if (stim >= str) {
        const double wr = hrs - a * d * d;
        int kr = curved_.tangent_from_right_upto(base - 1, d, wr) + 1;
        double best = 0.0;  // max (w_i - wr) / (d - s_i) = angle from (hrs, curvature a) + 2 a d
        steepest_on_line(bounds_, *line_, 1, base, y_of, hrs, a, kb, kr, best);
        if (!(best > -1e300)) return false;
        best += 2.0 * a * d;
        for (int j = 0; j < nt; ++j) best = std::max(best, (th[j] - a * ts[j] * ts[j] - wr) * inv_r[j]);
        b = prop::p526::bullington_trans_horizon(stim, best - a * d, d, hts_, hrs, f_ghz_);
        return true;
      }
      // line of sight: vmax (eq. (16))
      int im = kt;
      b = los_bullington(los_vmax(t, d, hrs, a, kb, im), d, str);
      return true;
    };
    double stim0 = stim0_upto_[static_cast<std::size_t>(base)];
    int stim_k = stim_arg_upto_[static_cast<std::size_t>(base)];  // a ray sample, or -1: a tail sample
    for (int j = 0; j < nt; ++j) {
      const double v = (th[j] - 500.0 * ts[j] * ts[j] / ae_km_ - hts_) * inv_t[j];
      if (v > stim0) {
        stim0 = v;
        stim_k = -1;
      }
    }
    const double stim = n_int > 0 ? stim0 + 500.0 * d / ae_km_ : kNegInf;
    prop::p526::Bullington actual;
    if (n_int > 0 && stim >= str) {
      const double wr = hrs - 500.0 * d * d / ae_km_;
      double best = kNegInf;  // max (w_i - wr) / (d - s_i)
      int srim_k = -1;
      if (base >= 1) {
        srim_k = curved_.tangent_from_right_upto(base - 1, d, wr);
        best = (curved_.w[srim_k] - wr) / (d - curved_.s[srim_k]);
      }
      for (int j = 0; j < nt; ++j) {
        const double v = (th[j] - 500.0 * ts[j] * ts[j] / ae_km_ - wr) * inv_r[j];
        if (v > best) {
          best = v;
          srim_k = -1;
        }
      }
      const double srim = best - 500.0 * d / ae_km_;
      actual = prop::p526::bullington_trans_horizon(stim, srim, d, hts_, hrs, f_ghz_);
      // How far the two horizon slopes could move on the cell's own line
      // (Stim: also any ray sample raised by the steepest slope bound so far,
      // its error over its distance being at most that slope times
      // (|offset| + step) / d)
      const double dt = stim_k >= 0 ? height_error(stim_k, d) / curved_.s[stim_k] : 0.0;
      const double dt_up = std::max(dt, beside_.max_slope(base) * (beside_.offset_m + step_m()) / d);
      const double dr = srim_k >= 0 ? height_error(srim_k, d) / (d - curved_.s[srim_k]) : 0.0;
      // (Srim upwards: also any ray sample raised by its own error, over its
      // distance from the receiver; the last kCellTail ray samples one by
      // one, those before them by the steepest slope bound up to there)
      double dr_up = dr;
      const int lo = std::max(0, base - kCellTail);
      for (int k = lo; k < base; ++k) dr_up = std::max(dr_up, height_error(k, d) / (d - curved_.s[k]));
      if (lo > 0)
        dr_up = std::max(dr_up, beside_.max_slope(lo) * (beside_.offset_m + 0.5 * step_m()) / (d - curved_.s[lo - 1]));
      if (dt_up > 0.0 || dr_up > 0.0) {
        const double hi = prop::p526::bullington_trans_horizon(stim + dt_up, srim + dr_up, d, hts_, hrs, f_ghz_).loss_db;
        // (below the straight line, the path could be in line of sight: as low as 0 dB)
        const double lo =
            stim - dt >= str ? prop::p526::bullington_trans_horizon(stim - dt, srim - dr, d, hts_, hrs, f_ghz_).loss_db
                             : 0.0;
        if (!(hi - lo <= 2.0 * kMaxErrorDb) && !line_bullington(actual)) {
          out.exact_needed = true;
          return out;
        }
      }
    } else {
      dkm_.clear();
      hm_.clear();
      dkm_.push_back(0.0);
      hm_.push_back(z0_);
      // the hull of samples 1..base (its persistent chain; the whole hull
      // without a tail), then the tail
      chain_.clear();
      for (int k = base - 1; k >= 0; k = curved_.pred[k]) chain_.push_back(k);
      for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
        dkm_.push_back(curved_.s[*it]);
        hm_.push_back(h_[*it]);
      }
      for (int j = 0; j < nt; ++j) {
        dkm_.push_back(ts[j]);
        hm_.push_back(th[j]);
      }
      dkm_.push_back(d);
      hm_.push_back(zc);
      actual = prop::p526::bullington(dkm_, hm_.data(), hts_, hrs, ae_km_, f_ghz_);
      // the edge of largest v, if a ray sample: how far v could move
      const std::size_t e = actual.edge;
      auto lbull = [&](double v) { return los_bullington(v, d, str).loss_db; };  // eq. (21)
      const double vk = v_factor(d);
      double v_lo = actual.v, v_hi = actual.v;
      if (e >= 1 && e <= chain_.size()) {
        const int k = chain_[chain_.size() - e];
        const double sk = curved_.s[k];
        const double dv = height_error(k, d) * vk / std::sqrt(sk * (d - sk));
        v_lo -= dv;
        v_hi += dv;
        // and downwards at most to the line's sample of the same index at
        // its lowest (the neighbourhood's slope bound, which holds: the
        // own cell's slope can be ten times smaller beside a sharp feature;
        // on the 1" ridge a ray edge 3.8 m above the line's samples, its
        // estimate 1.1 m, put a cell 8.7 dB off)
        if (static_cast<std::size_t>(k) + 1 < beside_.near.size())
          v_lo = std::min(v_lo, line_sample_v_low(k, d_m, hrs, n_int));
      }
      // any other vertex of the ray's hull raised by its own error (eq. (16)'s
      // v with the bulge 500 d_i (d - d_i) / ae)
      const double ce = 500.0 / ae_km_;
      for (int k : chain_) {
        const double sk = curved_.s[k], u = sk * (d - sk);
        const double hgt = h_[k] + ce * u - (hts_ * (d - sk) + hrs * sk) / d;
        v_hi = std::max(v_hi, (hgt + height_error(k, d)) * vk / std::sqrt(u));
      }
      if (lbull(v_hi) - lbull(v_lo) > 2.0 * kMaxErrorDb && !line_bullington(actual)) {
        out.exact_needed = true;
        return out;
      }
    }

    SmoothTerm sm;
    if (!smooth_term(d, zc, hrs, t, ae_km_, prop::p526::Ground{link_.eps, link_.sigma}, sm)) {
      out.exact_needed = true;
      return out;
    }
    const double ld = actual.loss_db + sm.term_db;
    out.loss_db = free_space_db(d_m, hrs) + ld;
    out.mode = actual.line_of_sight ? prop::Mode::LineOfSight : prop::Mode::Diffraction;
    return out;
  }

 protected:
  // The profile's interior samples 1 .. n_int: the ray's up to sample base
  // (the persistent hulls' chains, the running maxima and sums recorded
  // after each sample), then the last nt from the cell's own line
  // (cell_tail), base + 1 .. n_int at i / (n_int + 1) of the way, heights
  // tail_.h, distances (km) tail_s_ and the reciprocals of those from each
  // end tail_inv_t_, tail_inv_r_.
  struct Tail {
    int n_int = 0, base = 0, nt = 0;
  };
  Tail take_tail(double d) {
    Tail t;
    t.n_int = tail_.take(curved_.size(), t.nt);
    t.base = t.n_int - t.nt;
    for (int j = 0; j < t.nt; ++j) {
      const std::size_t u = static_cast<std::size_t>(j);
      tail_s_[u] = (t.base + 1 + j) * d / (t.n_int + 1);
      tail_inv_t_[u] = 1.0 / tail_s_[u];
      tail_inv_r_[u] = 1.0 / (d - tail_s_[u]);
    }
    return t;
  }
  // For RayKernel::beyond_ceiling, before the cell's tail is read (its
  // line to be offered, `total` interior samples): a lower bound of eq.
  // (16)'s v of one sample of every profile a query can end on, as
  // above_ceiling() takes it: the ray's transmitter horizon sample k + 1 of
  // the ray's part (samples 1 .. total - the tail) and, for the line's
  // profile, the line's sample of the same index, whose height is at least
  // h - k slope5 s (the bound the line searches use upwards,
  // LineBoundsT::held_factor; 1 mm lower against roundings): the smaller
  // of the two v with_ray, else the line's (as tail_v()).  -inf when there
  // is no such sample.
  double line_v_low(double d_m, double hrs, int total, bool with_ray) const {
    const int base = total - std::min(kCellTail, total);
    const int k = base >= 1 && static_cast<std::size_t>(base) < stim_arg_upto_.size()
                      ? stim_arg_upto_[static_cast<std::size_t>(base)]
                      : -1;
    const auto ku = static_cast<std::size_t>(k);
    if (k < 0 || ku + 1 >= beside_.near.size() || ku >= h_.size()) return kNegInf;
    const double vl = line_sample_v_low(k, d_m, hrs, total);
    if (!with_ray) return vl;
    const double d = d_m / 1000.0;
    return std::min(vl, los_v(curved_.s[ku], h_[ku], d, hrs, 500.0 / ae_km_, v_factor(d)));
  }
  // Eq. (16)'s v of the cell's line sample k + 1 (of `total` interior
  // samples, at (k + 1) / (total + 1) of the way) at its lowest: ray sample
  // k's height less the neighbourhood's slope bound times its distance (the
  // bound the line searches use upwards, LineBoundsT::held_factor; 1 mm lower
  // against roundings).  Needs k + 1 < beside_.near.size().
  double line_sample_v_low(int k, double d_m, double hrs, int total) const {
    const auto ku = static_cast<std::size_t>(k);
    const double d = d_m / 1000.0;
    const double kb = LineBounds::held_factor(beside_.offset_m, d_m, d_m / (total + 1), step_m());
    const double z_low = h_[ku] - kb * beside_.near[ku + 1] * (1000.0 * curved_.s[ku]) - 1e-3;
    return los_v((k + 1) * d / (total + 1), z_low, d, hrs, 500.0 / ae_km_, v_factor(d));
  }
  // True when the loss is sure to exceed ceiling_db, from free space, the
  // tail and one more sample.  Every way query() can end (Bullington over
  // the ray and the tail, over the cell's line, or the exact computation on
  // that line) gives free space + Lbull + a term >= 0, Lbull (eq. (21))
  // increasing in Luc, and Luc >= J(v) of every sample of its profile
  // (eq. (16); beyond the horizon the Bullington point lies on both horizon
  // lines, above every sample, so its vb (eq. (20)) is at least each
  // sample's v).  The tail samples, the cell's own line, belong to each of
  // those profiles; so does, for the ray's, its transmitter-horizon sample
  // (a vertex of the hull whose chain the line-of-sight branch takes) and,
  // for the line's, the line's sample of the same index.
  bool above_ceiling(const Tail& t, double d, double d_m, double hrs, double ceiling_db) const {
    const double free_db = free_space_db(d_m, hrs);
    if (free_db > ceiling_db) return true;
    if (t.nt == 0) return false;
    const double v = tail_v(t, d, hrs, true);
    return free_db + los_bullington(v, d, (hrs - hts_) / d).loss_db > ceiling_db;  // Lbull of J(v), eq. (21)
  }
  // above_ceiling()'s v: the largest of the tail samples' and, with the
  // line, the ray's transmitter horizon k read on the line at the same
  // index: the ray's profile holds the one, the line's (and the exact
  // computation's) the other, so with_ray takes the smaller of the two v
  // (only with the line: without it the exact computation's samples are
  // unread); without with_ray (a kernel whose every branch ends on the
  // line's profile) the line's.
  double tail_v(const Tail& t, double d, double hrs, bool with_ray) const {
    const double vk = v_factor(d), ce = 500.0 / ae_km_;
    double v = kNegInf;
    for (int j = 0; j < t.nt; ++j) {
      const auto u = static_cast<std::size_t>(j);
      v = std::max(v, los_v(tail_s_[u], tail_.h[u], d, hrs, ce, vk));
    }
    const int k = t.base >= 1 ? stim_arg_upto_[static_cast<std::size_t>(t.base)] : -1;
    if (line_ && k >= 0) {
      const double z = line_->height_m(k + 1);
      const auto ku = static_cast<std::size_t>(k);
      const double vl = los_v((k + 1) * d / (t.n_int + 1), z, d, hrs, ce, vk);
      const double vr = with_ray ? los_v(curved_.s[ku], h_[ku], d, hrs, ce, vk) : vl;
      if (!std::isnan(vl)) v = std::max(v, std::min(vl, vr));
    }
    return v;
  }
  // The loss's free-space part: the model's, on the 3-D distance between
  // the antennas (d_m along the ground)
  double free_space_db(double d_m, double hrs) const {
    return prop::fspl_db(link_.freq_mhz, std::max(std::hypot(d_m, hts_ - hrs), 1.0));
  }
  // P.526-15 eq. (16)'s factor sqrt(0.002 d / lambda), path of d km
  double v_factor(double d) const { return std::sqrt(0.002 * d * f_ghz_ / 0.299792458); }
  // eq. (16)'s v of a sample s km along a path of d km at height h (m), for
  // the curvature term a = 500 / ae and vk = v_factor(d)
  double los_v(double s, double h, double d, double hrs, double a, double vk) const {
    const double u = s * (d - s);
    return (h + a * u - (hts_ * (d - s) + hrs * s) / d) * vk / std::sqrt(u);
  }
  // Line of sight: vmax, P.526-15 eq. (16) (= P.1812-6 eq. (78)), over the
  // cell's own profile for the curvature term a = 500 / ae: the tail as it
  // is, the seed im, then the samples 1 .. base read on the line where
  // LineBounds (factor kb) says they could exceed the best so far: a sample
  // can exceed v* only if H + a u - lin(x) > (v* / vk) sqrt(u), u = x (d - x).
  // im becomes the sample of vmax; -inf when every reading is NaN.
  double los_vmax(const Tail& t, double d, double hrs, double a, double kb, int& im) const {
    const double dx = d / (t.n_int + 1);
    auto x_of = [&](int i) { return i * dx; };
    const double vk = v_factor(d);
    auto lin = [&](double x) { return (hts_ * (d - x) + hrs * x) / d; };
    double vmax = kNegInf;
    auto offer = [&](int i, double x, double z) {
      const double v = los_v(x, z, d, hrs, a, vk);
      if (v > vmax) {  // false for NaN
        vmax = v;
        im = i;
      }
    };
    const int seed = im;
    for (int j = 0; j < t.nt; ++j)
      offer(t.base + 1 + j, tail_s_[static_cast<std::size_t>(j)], tail_.h[static_cast<std::size_t>(j)]);
    offer(seed, x_of(seed), line_->height_m(seed));
    bounds_.visit(
        1, t.base,
        [&](int first, int last, double ba, double bb) {
          const double x0 = x_of(first), x1 = x_of(last);
          const double xm = std::clamp(0.5 * d, x0, x1);
          const double umax = xm * (d - xm), umin = std::min(x0 * (d - x0), x1 * (d - x1));
          const double r = vmax / vk;
          return ba + kb * bb + a * umax - std::min(lin(x0), lin(x1)) - r * std::sqrt(r >= 0.0 ? umin : umax) > 0.0;
        },
        [&](int i) { offer(i, x_of(i), line_->height_m(i)); });
    return vmax;
  }
  // Bullington in line of sight from vmax, eq. (21)
  static prop::p526::Bullington los_bullington(double vmax, double d, double str) {
    prop::p526::Bullington b;
    b.line_of_sight = true;
    b.v = vmax;
    b.str = str;
    b.luc_db = prop::knife_edge_j_db(vmax);
    b.loss_db = b.luc_db + (1.0 - std::exp(-b.luc_db / 6.0)) * (10.0 + 0.02 * d);
    return b;
  }
  // The smooth-surface half of delta-Bullington (P.1812-6 eqs. (22)-(38)
  // with Attachment 1 §5): max(Ldsph - Lbulls, 0) for effective radius
  // ae_km over ground `ground`, and the least-squares hst, hsr (eqs.
  // (85)-(86), before (90)); false when the checks below hand the cell to
  // the exact computation.
  struct SmoothTerm {
    double term_db = 0.0, hst_m = 0.0, hsr_m = 0.0;
  };
  bool smooth_term(double d, double zc, double hrs, const Tail& t, double ae_km, prop::p526::Ground ground,
                   SmoothTerm& out) {
    const int n_int = t.n_int, base = t.base, nt = t.nt, n_ray = curved_.size();
    const double* ts = tail_s_.data();
    const double* th = tail_.h.data();
    const double* inv_t = tail_inv_t_.data();
    const double* inv_r = tail_inv_r_.data();
    const double str = (hrs - hts_) / d;
    // --- smooth surface (eqs. (85)-(89)) from the running sums, the tail's
    // trapezoids added
    double v1 = v_.m1[static_cast<std::size_t>(base)], v2 = v_.m2[static_cast<std::size_t>(base)];
    double ps = base >= 1 ? curved_.s[base - 1] : 0.0, ph = base >= 1 ? h_[base - 1] : z0_;
    auto segment = [&](double s1, double h1) {
      const double step = s1 - ps;
      v1 += step * (h1 + ph);
      v2 += step * (h1 * (2.0 * s1 + ps) + ph * (s1 + 2.0 * ps));
      ps = s1;
      ph = h1;
    };
    // the ray's part moved to the cell's line to first order: sample i lies
    // offset s_i / d beside the line's, across the ray
    if (static_cast<std::size_t>(base) < ec_.m1.size()) {
      const double fc = offset_m_ / d;
      v1 += fc * ec_.m1[static_cast<std::size_t>(base)];
      v2 += fc * ec_.m2[static_cast<std::size_t>(base)];
    }
    for (int j = 0; j < nt; ++j) segment(ts[j], th[j]);
    segment(d, zc);
    const double hst = (2.0 * v1 * d - v2) / (d * d);
    const double hsr = (v2 - v1 * d) / (d * d);
    // how far they could still be off on the cell's line: shares of the
    // sums' worst case (every sample's height_error() with the same sign),
    // kLateralShare of its across-the-ray part (what the first-order
    // correction leaves) and kPhaseShare of its sampling-phase part.
    // Without any, a cell of the Alps had hsr 10 m off and the
    // spherical-earth term 7.3 dB (8.2 dB with the correction); the whole
    // worst case cost half the throughput.  Before the correction the
    // shares were 0.25 each: p526 handed 2.8 % of the cells of the
    // throughput benchmark (Brindabella, 30 m, 30 km) to the exact
    // computation, now 1.4 %, for the same agreement (docs/performance.md).
    double dhst = 0.0, dhsr = 0.0;
    if (static_cast<std::size_t>(base) < ea_.m1.size()) {
      const auto b = static_cast<std::size_t>(base);
      const double fa = kLateralShare * beside_.offset_m / d, fb = kPhaseShare * 0.5 * step_m();
      const double dv1 = fa * ea_.m1[b] + fb * eb_.m1[b], dv2 = fa * ea_.m2[b] + fb * eb_.m2[b];
      dhst = (2.0 * dv1 * d + dv2) / (d * d);
      dhsr = (dv2 + dv1 * d) / (d * d);
    }
    double hstp = hst, hsrp = hsr;
    double smooth_swing_db = 0.0;  // how far Ldsph - Lbulls could move (hobs from a ray sample)
    // htc', hrc' at their lowest (a) and highest (b), without hobs
    double htc_a = hts_ - std::min(hst + dhst, z0_), hrc_a = hrs - std::min(hsr + dhsr, zc);
    double htc_b = hts_ - std::min(hst - dhst, z0_), hrc_b = hrs - std::min(hsr - dhsr, zc);
    if (n_int > 0) {
      // hobs = max h_i - (hts (d - d_i) + hrs d_i) / d: the support point of
      // the plain hull in the direction of the Tx-Rx slope; aobr = max of
      // that height over (d - d_i): the hull tangent from (d, hrs), as
      // (h_i - hrs) / (d - d_i) + slope.  Both O(log n).
      double hobs = kNegInf, aobr = kNegInf, aobt_num = aobt_upto_[static_cast<std::size_t>(base)];
      auto height = [&](double si, double hi) { return hi - (hts_ * (d - si) + hrs * si) / d; };
      int ko = -1;
      if (base >= 1) {
        ko = plain_.support_upto(base - 1, str);
        hobs = height(plain_.s[ko], plain_.w[ko]);
        const int kr = plain_.tangent_from_right_upto(base - 1, d, hrs);
        aobr = (plain_.w[kr] - hrs) / (d - plain_.s[kr]) + str;
      }
      double hobs_t = kNegInf, aobr_t = kNegInf;
      for (int j = 0; j < nt; ++j) {
        hobs_t = std::max(hobs_t, th[j] - str * ts[j]);  // = height(ts, th) + hts
        aobr_t = std::max(aobr_t, (th[j] - hrs) * inv_r[j]);
        aobt_num = std::max(aobt_num, (th[j] - hts_) * inv_t[j]);
      }
      if (hobs_t - hts_ > hobs) {
        hobs = hobs_t - hts_;
        ko = -1;
      }
      aobr = std::max(aobr, aobr_t + str);
      const double aobt = aobt_num - (hrs - hts_) / d;
      if (hobs > 0.0) {
        const double gt = aobt / (aobt + aobr);
        const double gr = aobr / (aobt + aobr);
        hstp = hst - hobs * gt;
        hsrp = hsr - hobs * gr;
        // hobs from a ray sample: how far the antenna heights above the
        // smooth surface (eqs. (89), (37)) could move; the spherical-earth
        // term's height gain is about 20 log of those heights
        const double dh = ko >= 0 ? height_error(ko, d) : 0.0;
        // htc', hrc' with hobs - dh (a) and hobs + dh (b)
        htc_a = hts_ - std::min(hst + dhst - (hobs - dh) * gt, z0_);
        hrc_a = hrs - std::min(hsr + dhsr - (hobs - dh) * gr, zc);
        htc_b = hts_ - std::min(hst - dhst - (hobs + dh) * gt, z0_);
        hrc_b = hrs - std::min(hsr - dhsr - (hobs + dh) * gr, zc);
      }
    }
    if (htc_b > htc_a || hrc_b > hrc_a)
      smooth_swing_db = 20.0 * std::log10(std::max(htc_b / htc_a, hrc_b / hrc_a));
    const double hstd = std::min(hstp, z0_);
    const double hsrd = std::min(hsrp, zc);
    const double htc = hts_ - hstd, hrc = hrs - hsrd;

    // --- Bullington over the smooth profile, on the candidate samples
    cand_.clear();
    if (n_ray > 0) {
      const auto& s = curved_.s;
      auto near = [&](double x) {
        const int i = static_cast<int>(std::lower_bound(s.begin(), s.end(), x) - s.begin());
        if (i < n_ray) cand_.push_back(i);
        if (i > 0) cand_.push_back(i - 1);
      };
      // Stim: 500 (d - s)/ae - htc/s, concave for htc > 0, optimum s = sqrt(htc ae / 500)
      if (htc > 0.0) near(std::sqrt(htc * ae_km / 500.0));
      else cand_.push_back(0);
      // Srim: the same in t = d - s
      if (hrc > 0.0) near(d - std::sqrt(hrc * ae_km / 500.0));
      else cand_.push_back(n_ray - 1);
      // Stim over these candidates is the exact maximum over all samples (a
      // concave function's, or a decreasing one's); the vmax search is needed
      // only when the smooth path is in line of sight (Stim < Str), as
      // bullington() decides (same formula).
      const double ce = 1.0 / ae_km;
      double stim = kNegInf;
      for (int i : cand_) stim = std::max(stim, (500.0 * ce * s[i] * (d - s[i]) - htc) / s[i]);
      const bool los = stim < (hrc - htc) / d;
      // vmax (line of sight): ternary search on the sample index.  v = H
      // sqrt(K / u), u = s (d - s) > 0, is compared through v |v| = H |H| K / u,
      // cross-multiplied: no square root or division per step.
      const double a = 500.0 / ae_km, inv_d = 1.0 / d;
      auto less_v = [&](int i, int j) {
        const double ui = s[i] * (d - s[i]), uj = s[j] * (d - s[j]);
        const double hi = a * ui - (htc * (d - s[i]) + hrc * s[i]) * inv_d;
        const double hj = a * uj - (htc * (d - s[j]) + hrc * s[j]) * inv_d;
        return hi * std::abs(hi) * uj < hj * std::abs(hj) * ui;
      };
      int lo = 0, hi = los ? n_ray - 1 : -1;
      while (hi - lo > 2) {
        const int m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
        if (less_v(m1, m2)) lo = m1 + 1;
        else hi = m2 - 1;
      }
      for (int i = lo; i <= hi; ++i) cand_.push_back(i);
      std::sort(cand_.begin(), cand_.end());
      cand_.erase(std::unique(cand_.begin(), cand_.end()), cand_.end());
    }
    dkm_.clear();
    dkm_.push_back(0.0);
    for (int i : cand_) dkm_.push_back(curved_.s[i]);
    dkm_.push_back(d);
    const auto smooth = prop::p526::bullington(dkm_, nullptr, htc, hrc, ae_km, f_ghz_);
    const auto sph = prop::p526::spherical_earth(d, htc, hrc, ae_km, f_ghz_, 0.0, link_.pol, ground);
    // eq. (38)
    const double term = sph.loss_db - smooth.loss_db;
    // Where the height gain (20 log of the heights' ratio) could move
    // max(term, 0) by more than kMaxErrorDb, the term itself at both ends of
    // hobs's interval (with the same smooth-profile candidates; the
    // threshold is half the others': at 2 kMaxErrorDb a cell 7.6 dB off
    // passed on the Alps)
    if (smooth_swing_db > 0.0) {
      const double up = std::max(term + smooth_swing_db, 0.0) - std::max(term, 0.0);
      const double down = std::max(term, 0.0) - std::max(term - smooth_swing_db, 0.0);
      if (std::max(up, down) > kMaxErrorDb) {
        auto term_at = [&](double ht, double hr) {
          const double sm = prop::p526::bullington(dkm_, nullptr, ht, hr, ae_km, f_ghz_).loss_db;
          const double sp =
              prop::p526::spherical_earth(d, ht, hr, ae_km, f_ghz_, 0.0, link_.pol, ground).loss_db;
          return std::max(sp - sm, 0.0);
        };
        const double t0 = std::max(term, 0.0);
        if (std::max(std::abs(term_at(htc_a, hrc_a) - t0), std::abs(term_at(htc_b, hrc_b) - t0)) > kMaxErrorDb) {
          return false;
        }
      }
    }
    out.term_db = std::max(term, 0.0);
    out.hst_m = hst;
    out.hsr_m = hsr;
    return true;
  }

  // How far hull point k's height (ray sample k + 1) could be from the
  // terrain of the cell's own line (BesideRay).
  double height_error(int k, double d_km) const { return beside_.height_error(k + 1, curved_.s[k], d_km, step_m()); }
  // the ray's sample spacing, m (its first sample's distance)
  double step_m() const { return curved_.s.empty() ? 0.0 : curved_.s[0] * 1000.0; }
  // LineBounds over samples 0..last (hull point k is sample k + 1; s in km)
  // (LineBoundsT::extend_held: bounds that hold)
  void extend_bounds(int last) {
    bounds_.extend_held(
        last, beside_, [&](int i) { return h_[static_cast<std::size_t>(i - 1)]; },
        [&](int i) { return curved_.s[static_cast<std::size_t>(i - 1)] * 1000.0; });
  }

  prop::LinkParams link_;
  double ae_km_, f_ghz_;
  double z0_ = 0.0, hts_ = 0.0;
  PrefixHull curved_, plain_;  // s in km
  std::vector<double> h_;
  TrapezoidSums v_;  // of the heights: eqs. (85)-(86)'s v1, v2
  double last_s_km_ = 0.0, aobt_num_ = kNegInf, stim0_ = kNegInf;
  std::vector<double> stim0_upto_, aobt_upto_;  // stim0_, aobt_num_ after sample i
  int stim_arg_ = -1;
  std::vector<int> stim_arg_upto_;  // the sample of stim0_ after sample i (-1: none)
  BesideRay beside_;
  // (push_slopes) of each sample's slope bound times its distance (a) and
  // alone (b), and of its distance times the derivative across the ray (c)
  TrapezoidSums ea_, eb_, ec_;
  double last_e_s_ = 0.0;
  double offset_m_ = 0.0;  // the cell's signed offset from the ray (cell_offset)
  LineBounds bounds_;
  const CellLine* line_ = nullptr;
  CellTail tail_;
  std::array<double, kCellTail> tail_s_{}, tail_inv_t_{}, tail_inv_r_{};
  std::vector<int> chain_;
  std::vector<double> dkm_, hm_;
  std::vector<int> cand_;
  double ceiling_db_ = kPosInf;  // loss_ceiling() for the next query
};

// ---------------------------------------------------------------------------
// ITU-R P.1812-6 over the profile the exact engine gives the model (bare
// terrain, all inland: no clutter heights or zones in it).  The path
// analysis of Attachment 1, found incrementally, then p1812::finish() (the
// model's own formulas for everything after it):
//   * both horizons (eqs. (76)-(81)): the elevation angle 1000 arctan(q /
//     1000), q = (h_i - hs) / d_i - 500 d_i / ae, is monotone in q, which is
//     Stim's (Srim's) slope less a constant; the sample of largest q is found
//     on the cell's own line (steepest_on_line, as the ITM kernel does), so
//     the angles, the horizon distances and Bullington's Stim / Srim are the
//     exact engine's wherever the line bounds hold;
//   * line of sight: the edge of largest v (eq. (78), Bullington's vmax,
//     eq. (16)) by the same search, which gives ilt = ilr;
//   * hm (eq. (93)): the largest height above the smooth surface between the
//     horizons, the same block search over that range;
//   * hst, hsr and the smooth-profile half of delta-Bullington as the p526
//     kernel finds them (smooth_term(), with its checks), over land of
//     P.1812's ground (its delta-Bullington's default, kLand);
//   * Ldβ (effective radius aβ = 3 x 6371 km, eq. (7b)) by the same searches
//     and smooth term at aβ, only when time_pct != 50: at 50 % eq. (40)'s
//     Fi is 0 and Ldβ enters nothing.
class P1812Kernel final : public P526Kernel {
 public:
  explicit P1812Kernel(const prop::LinkParams& p)
      : P526Kernel(p, prop::p526::effective_radius_km(p.delta_n)), in_(prop::p1812::link_input(p)) {}
  // The loss ceiling.  P.1812 combines diffraction with troposcatter and
  // ducting, the smaller losses weighing most, so the p526 kernel's bound
  // (free space + Lbull) does not hold as such; p1812::lb_lower_bound_db()
  // gives one at p = 50 % and pL = 50 % from a lower bound of Ld50: Ld50 =
  // Lbulla + a term >= 0 (eq. (39)), and Lbulla >= Lbull of the v of any
  // sample of the profile (P526Kernel::above_ceiling()).  Every branch of
  // query() ends on the cell's own line (the horizons and vmax searched
  // there, or the exact computation), so the line's samples count: before
  // the line is read, one of them bounded from below (line_v_low()), and
  // in query() the tail and that sample read (tail_v()).
  bool beyond_ceiling(double d_m, double zc, int total) noexcept override {
    if (!(ceiling_db_ < kPosInf)) return false;
    const double hrs = zc + link_.rx_height_m;
    if (!above_p1812_ceiling(d_m / 1000.0, hrs, line_v_low(d_m, hrs, total, false), ceiling_db_)) return false;
    ceiling_db_ = kPosInf;
    return true;
  }
  bool above_p1812_ceiling(double d, double hrs, double v, double ceiling_db) const {
    const double ld_low = v > kNegInf ? los_bullington(v, d, (hrs - hts_) / d).loss_db : 0.0;
    return prop::p1812::lb_lower_bound_db(in_, d, hts_, hrs, ae_km_, ld_low) > ceiling_db + 1e-6;  // false for NaN
  }

  prop::PathLoss query(double d_m, double zc) noexcept override {
    prop::PathLoss out;
    const double d = d_m / 1000.0;
    const double hrs = zc + link_.rx_height_m;
    const Tail t = take_tail(d);
    if (!line_ || t.base < 1) {
      out.exact_needed = true;
      return out;
    }
    const double ceiling_db = ceiling_db_;
    ceiling_db_ = kPosInf;
    if (ceiling_db < kPosInf && above_p1812_ceiling(d, hrs, tail_v(t, d, hrs, false), ceiling_db)) {
      out.loss_db = kPosInf;  // RayKernel::loss_ceiling
      out.mode = prop::Mode::Diffraction;
      return out;
    }
    extend_bounds(t.base);
    Search q{*this, t, d, hrs, LineBounds::held_factor(beside_.offset_m, d_m, d / (t.n_int + 1) * 1000.0, step_m())};
    const double abeta_km = 3.0 * prop::p526::effective_radius_km(0.0);  // 3 x 6371 km, eq. (7b)

    // The transmitter horizon; the path is trans-horizon when its angle
    // exceeds the receiver's (eqs. (76)-(77)).
    auto elev = [&](double dh_m, double dist_km) { return prop::p1812::elevation_mrad(dh_m, dist_km, ae_km_); };
    const double a = 500.0 / ae_km_;
    Extreme tx{stim_arg_upto_[static_cast<std::size_t>(t.base)] + 1, 0.0};
    if (!q.steepest(true, a, tx)) return exact(out);
    prop::p1812::Result r;
    r.d_km = d;
    r.hts_m = hts_;
    r.hrs_m = hrs;
    const double theta_max = elev(q.height(tx.i) - hts_, q.x(tx.i));
    const double theta_td = elev(hrs - hts_, d);
    r.trans_horizon = theta_max > theta_td;
    Extreme rx{curved_.tangent_from_right_upto(t.base - 1, d, hrs - a * d * d) + 1, 0.0};
    int ilt = 0, ilr = 0;
    double vmax = 0.0;
    if (r.trans_horizon) {
      if (!q.steepest(false, a, rx)) return exact(out);
      r.theta_t_mrad = theta_max;
      r.theta_r_mrad = elev(q.height(rx.i) - hrs, d - q.x(rx.i));
      ilt = tx.i;
      ilr = rx.i;
      r.dlt_km = q.x(ilt);
      r.dlr_km = d - q.x(ilr);
    } else {
      int im = tx.i;
      if (!q.largest_v(a, im, vmax)) return exact(out);
      r.theta_t_mrad = theta_td;
      r.theta_r_mrad = elev(hts_ - hrs, d);
      ilt = ilr = im;
      r.dlt_km = q.x(im);
      r.dlr_km = d - q.x(im);
    }

    // delta-Bullington with ae (the actual profile's Bullington from what
    // was just found) and the smooth surface
    const double str = (hrs - hts_) / d;
    const prop::p526::Ground ground = prop::p526::kLand;
    // (where its checks fail, the smooth term from the whole of the cell's
    // own profile instead: the exact engine's, without its O(n) horizon
    // and actual-profile passes, which the searches above replace)
    SmoothTerm sm;
    const bool on_line = !smooth_term(d, zc, hrs, t, ae_km_, ground, sm);
    if (on_line) {
      if (!load_line(q, zc)) return exact(out);
      smooth_on_line(hrs, ae_km_, ground, sm);
    }
    double lbull = 0.0;
    if (tx.q + a * d >= str) {
      if (!r.trans_horizon && !q.steepest(false, a, rx)) return exact(out);  // (a tie of eq. (77))
      lbull = prop::p526::bullington_trans_horizon(tx.q + a * d, rx.q + a * d, d, hts_, hrs, f_ghz_).loss_db;
    } else {
      if (r.trans_horizon) {  // (a tie the other way)
        int im = tx.i;
        if (!q.largest_v(a, im, vmax)) return exact(out);
      }
      lbull = los_bullington(vmax, d, str).loss_db;
    }
    r.ld50_db = lbull + sm.term_db;  // eq. (39)
    r.ldb_db = r.ld50_db;
    if (in_.time_pct != 50.0) {
      // the same with aβ
      const double ab = 500.0 / abeta_km;
      Extreme txb = tx, rxb = rx;
      if (!q.steepest(true, ab, txb)) return exact(out);
      if (txb.q + ab * d >= str) {
        if (!q.steepest(false, ab, rxb)) return exact(out);
        lbull = prop::p526::bullington_trans_horizon(txb.q + ab * d, rxb.q + ab * d, d, hts_, hrs, f_ghz_).loss_db;
      } else {
        double vb = 0.0;
        int im = txb.i;
        if (!q.largest_v(ab, im, vb)) return exact(out);
        lbull = los_bullington(vb, d, str).loss_db;
      }
      SmoothTerm smb;
      if (on_line || !smooth_term(d, zc, hrs, t, abeta_km, ground, smb)) {
        if (!on_line && !load_line(q, zc)) return exact(out);
        smooth_on_line(hrs, abeta_km, ground, smb);
      }
      r.ldb_db = lbull + smb.term_db;
    }

    // eqs. (90)-(93)
    r.hst_m = std::min(sm.hst_m, z0_);
    r.hsr_m = std::min(sm.hsr_m, zc);
    r.hte_m = link_.tx_height_m + z0_ - r.hst_m;
    r.hre_m = link_.rx_height_m + zc - r.hsr_m;
    r.hm_m = ilt <= ilr ? q.highest_above(ilt, ilr, r.hst_m, (r.hsr_m - r.hst_m) / d) : 0.0;
    // all inland (§3.3): the longest land and inland sections are the path
    r.omega = 0.0;
    r.dtm_km = r.dlm_km = d;
    r.ae_km = ae_km_;
    r.abeta_km = abeta_km;
    prop::p1812::finish(in_, r);
    out.loss_db = r.valid ? r.lb_db : std::nan("");
    if (r.lbs_db < r.lbam_db) out.mode = prop::Mode::Troposcatter;
    else out.mode = r.trans_horizon ? prop::Mode::Diffraction : prop::Mode::LineOfSight;
    if (d < 0.25) out.warnings |= prop::kWarnDistance;
    return out;
  }

 private:
  static prop::PathLoss& exact(prop::PathLoss& out) {
    out.exact_needed = true;
    return out;
  }
  struct Search;
  // The whole of the cell's own profile: samples 0 .. n_int + 1 at i d /
  // (n_int + 1), the transmitter's ground, the line, the tail, the cell's
  // ground; false when the line reads NaN.
  bool load_line(const Search& q, double zc) {
    const auto n = static_cast<std::size_t>(q.t.n_int + 2);
    line_d_.resize(n);
    line_h_.resize(n);
    line_d_[0] = 0.0;
    line_h_[0] = z0_;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      line_d_[i] = q.x(static_cast<int>(i));
      line_h_[i] = q.height(static_cast<int>(i));
      if (std::isnan(line_h_[i])) return false;
    }
    line_d_[n - 1] = q.d;
    line_h_[n - 1] = zc;
    return true;
  }
  // The smooth-surface half of delta-Bullington (P.1812-6 eqs. (22)-(38),
  // Attachment 1 §5) as the model computes it (p526::delta_bullington_smooth)
  // over the profile load_line() read.
  void smooth_on_line(double hrs, double ae_km, prop::p526::Ground ground, SmoothTerm& out) const {
    prop::p526::DeltaBullingtonInput in;
    in.d_km = line_d_;
    in.h_m = line_h_;
    in.hts_m = hts_;
    in.hrs_m = hrs;
    in.ae_km = ae_km;
    in.freq_ghz = f_ghz_;
    in.pol = link_.pol;
    in.land = ground;
    const auto r = prop::p526::delta_bullington_smooth(in);
    out.term_db = r.ld_db;
    out.hst_m = r.smooth.hst_m;
    out.hsr_m = r.smooth.hsr_m;
  }
  // a sample of the cell's profile (1 .. n_int) and its q (or v)
  struct Extreme {
    int i = 0;
    double q = 0.0;
  };
  // Searches over the cell's own profile: samples 1 .. base read on its line
  // where the line bounds say they could matter, the tail as it is.
  struct Search {
    const P1812Kernel& k;
    const Tail& t;
    double d, hrs, kb;
    double x(int i) const { return i * (d / (t.n_int + 1)); }
    // vmax and its sample (im: the seed on entry); false when only NaN was read
    bool largest_v(double a, int& im, double& vmax) const {
      vmax = k.los_vmax(t, d, hrs, a, kb, im);
      return vmax > kNegInf;
    }
    double height(int i) const {
      return i > t.base ? k.tail_.h[static_cast<std::size_t>(i - t.base - 1)] : k.line_->height_m(i);
    }
    // the sample of largest (h_i - hs) / y_i - a y_i, y_i its distance from
    // the transmitter (from_tx, hs = hts) or the receiver (hs = hrs); e.i
    // is the seed on entry; false when the line reads only NaN
    bool steepest(bool from_tx, double a, Extreme& e) const {
      const double hs = from_tx ? k.hts_ : hrs;
      auto y_of = [&](int i) { return from_tx ? x(i) : d - x(i); };
      double q = 0.0;
      steepest_on_line(k.bounds_, *k.line_, 1, t.base, y_of, hs, a, kb, e.i, q);
      if (!(q > -1e300)) return false;
      for (int i = t.base + 1; i <= t.n_int; ++i) {
        const double y = y_of(i), qi = (height(i) - hs) / y - a * y;
        if (qi > q) {
          q = qi;
          e.i = i;
        }
      }
      e.q = q;
      return true;
    }
    // eq. (93): the largest h_i - (hst + slope x_i) over samples lo .. hi
    double highest_above(int lo, int hi, double hst, double slope) const {
      double best = kNegInf;
      auto offer = [&](int i) { best = std::max(best, height(i) - (hst + slope * x(i))); };
      offer(lo);
      for (int i = std::max(lo, t.base + 1); i <= hi; ++i) offer(i);
      k.bounds_.visit(
          lo, std::min(hi, t.base),
          [&](int first, int last, double ba, double bb) {
            return ba + kb * bb - std::min(hst + slope * x(first), hst + slope * x(last)) > best;
          },
          offer);
      return best;
    }
  };

  prop::p1812::Input in_;
  std::vector<double> line_d_, line_h_;  // the cell's profile (load_line), km and m
};

}  // namespace

std::unique_ptr<prop::RayKernel> make_deygout(const prop::Model& model, const prop::LinkParams& link) {
  return std::make_unique<DeygoutKernel>(model, link);
}

std::unique_ptr<prop::RayKernel> make_p526(const prop::LinkParams& link) {
  return std::make_unique<P526Kernel>(link);
}

std::unique_ptr<prop::RayKernel> make_p1812(const prop::LinkParams& link) {
  return std::make_unique<P1812Kernel>(link);
}

}  // namespace phusong::kernels
