#include "phusong/terrain/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

// Keep a*b+c as two roundings everywhere in this file (no fused multiply-add),
// so that every platform computes the same bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace phusong::synth {

// ---- PRNG ------------------------------------------------------------------

std::uint64_t splitmix64(std::uint64_t& state) {
  // S. Vigna's splitmix64 (public domain reference description).
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t hash3(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t s = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL ^
                    (c + 0x8CB92BA72F3D8DD7ULL) * 0x165667B19E3779F9ULL;
  return splitmix64(s);
}

namespace {
inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t st = seed;
  for (auto& s : s_) s = splitmix64(st);
}

std::uint64_t Rng::next() {
  // xoshiro256** 1.0 (Blackman & Vigna).
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

int Rng::uniform_int(int lo, int hi) {
  if (hi <= lo) return lo;
  const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo) + 1;
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % span;
  std::uint64_t x = next();
  while (x >= limit) x = next();
  return static_cast<int>(static_cast<std::int64_t>(lo) + static_cast<std::int64_t>(x % span));
}

Rng Rng::derive(std::uint64_t seed, std::uint64_t tag) { return Rng(hash3(seed, tag, 0x5EEDULL)); }

// ---- elementary functions --------------------------------------------------

namespace {
constexpr double kPiOver2Hi = 1.57079632673412561417;   // π/2 to 33 bits
constexpr double kPiOver2Lo = 6.07710050650619224932e-11;
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;

// Taylor series on |r| <= π/4 in nested (Horner) form, terms to r^21 / r^20.
//   sin r = r(1 − r²/(2·3)(1 − r²/(4·5)(1 − …)))
//   cos r =   1 − r²/(1·2)(1 − r²/(3·4)(1 − …))
double sin_poly(double r) {
  const double r2 = r * r;
  double s = 1.0;
  for (int k = 10; k >= 1; --k) s = 1.0 - r2 / ((2.0 * k) * (2.0 * k + 1.0)) * s;
  return r * s;
}
double cos_poly(double r) {
  const double r2 = r * r;
  double s = 1.0;
  for (int k = 10; k >= 1; --k) s = 1.0 - r2 / ((2.0 * k - 1.0) * (2.0 * k)) * s;
  return s;
}
// Reduces x to r in [-π/4, π/4] with x = q·π/2 + r (Cody-Waite, two constants).
double reduce_quadrant(double x, long long& q) {
  const double k = std::floor(x * (2.0 / kPi) + 0.5);
  q = static_cast<long long>(k);
  return (x - k * kPiOver2Hi) - k * kPiOver2Lo;
}
}  // namespace

double det_sin(double x) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  long long q = 0;
  const double r = reduce_quadrant(x, q);
  switch (((q % 4) + 4) % 4) {
    case 0: return sin_poly(r);
    case 1: return cos_poly(r);
    case 2: return -sin_poly(r);
    default: return -cos_poly(r);
  }
}

double det_cos(double x) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  long long q = 0;
  const double r = reduce_quadrant(x, q);
  switch (((q % 4) + 4) % 4) {
    case 0: return cos_poly(r);
    case 1: return -sin_poly(r);
    case 2: return -cos_poly(r);
    default: return sin_poly(r);
  }
}

double det_atan(double x) {
  if (std::isnan(x)) return x;
  const double sign = x < 0.0 ? -1.0 : 1.0;
  double a = x * sign;
  double base = 0.0;
  bool invert = false;
  if (a > 1.0) {
    a = 1.0 / a;
    invert = true;
  }
  // Two half-angle steps: atan(a) = 2·atan(a / (1 + sqrt(1 + a²))); |a| <= tan(π/16).
  a = a / (1.0 + std::sqrt(1.0 + a * a));
  a = a / (1.0 + std::sqrt(1.0 + a * a));
  const double a2 = a * a;
  double s = 0.0;
  for (int k = 13; k >= 1; --k) s = 1.0 / (2.0 * k + 1.0) - a2 * s;  // Σ (-1)^k a^(2k)/(2k+1), k>=1
  const double t = 4.0 * (a - a * a2 * s);
  base = invert ? (kPiOver2Hi - t) + kPiOver2Lo : t;
  return sign * base;
}

double det_atan2(double y, double x) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0 && y == 0.0) return 0.0;
  if (x == 0.0) return y > 0.0 ? kPi / 2.0 : -kPi / 2.0;
  const double t = det_atan(y / x);
  if (x > 0.0) return t;
  return y >= 0.0 ? t + kPi : t - kPi;
}

double det_exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.0) return std::numeric_limits<double>::infinity();
  if (x < -745.0) return 0.0;
  const double k = std::floor(x * 1.44269504088896340736 + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| <= ln2/2
  double s = 1.0;
  for (int n = 17; n >= 1; --n) s = 1.0 + s * r / n;
  return std::ldexp(s, static_cast<int>(k));  // exact scaling by 2^k
}

double det_log(double x) {
  if (!(x > 0.0)) return x == 0.0 ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(x)) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m·2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  // log m = 2·atanh(s), s = (m-1)/(m+1), |s| <= 0.1716.
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double t = 0.0;
  for (int k = 14; k >= 1; --k) t = 1.0 / (2.0 * k + 1.0) + s2 * t;
  const double logm = 2.0 * (s + s * s2 * t);
  return (e * kLn2Hi + logm) + e * kLn2Lo;
}

double smoothstep01(double t) {
  if (t <= 0.0) return 0.0;
  if (t >= 1.0) return 1.0;
  return t * t * (3.0 - 2.0 * t);
}

// ---- noise -----------------------------------------------------------------

namespace {
// 16 unit gradients at multiples of 22.5°.
constexpr double kC1 = 0.92387953251128675613, kS1 = 0.38268343236508977173,
                 kC2 = 0.70710678118654752440;
constexpr double kGrad[16][2] = {
    {1.0, 0.0},  {kC1, kS1},  {kC2, kC2},  {kS1, kC1},  {0.0, 1.0},   {-kS1, kC1},
    {-kC2, kC2}, {-kC1, kS1}, {-1.0, 0.0}, {-kC1, -kS1}, {-kC2, -kC2}, {-kS1, -kC1},
    {0.0, -1.0}, {kS1, -kC1}, {kC2, -kC2}, {kC1, -kS1}};

inline double fade(double t) { return t * t * t * (t * (t * 6.0 - 15.0) + 10.0); }

inline double corner(std::int64_t ix, std::int64_t iy, double fx, double fy, std::uint64_t seed) {
  const std::uint64_t h =
      hash3(static_cast<std::uint64_t>(ix), static_cast<std::uint64_t>(iy), seed);
  const double* g = kGrad[(h >> 32) & 15u];
  return g[0] * fx + g[1] * fy;
}
}  // namespace

double gradient_noise(double x, double y, std::uint64_t seed) {
  const double flx = std::floor(x), fly = std::floor(y);
  const auto ix = static_cast<std::int64_t>(flx);
  const auto iy = static_cast<std::int64_t>(fly);
  const double fx = x - flx, fy = y - fly;
  const double n00 = corner(ix, iy, fx, fy, seed);
  const double n10 = corner(ix + 1, iy, fx - 1.0, fy, seed);
  const double n01 = corner(ix, iy + 1, fx, fy - 1.0, seed);
  const double n11 = corner(ix + 1, iy + 1, fx - 1.0, fy - 1.0, seed);
  const double u = fade(fx), v = fade(fy);
  const double a = n00 + u * (n10 - n00);
  const double b = n01 + u * (n11 - n01);
  return a + v * (b - a);
}

double fbm(double x, double y, int octaves, std::uint64_t seed, double lacunarity, double gain) {
  double sum = 0.0, norm = 0.0, amp = 1.0, f = 1.0;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * gradient_noise(x * f, y * f, seed + 0x1000193ULL * static_cast<std::uint64_t>(o + 1));
    norm += amp;
    amp *= gain;
    f *= lacunarity;
  }
  return norm > 0.0 ? sum / norm : 0.0;
}

double ridged(double x, double y, int octaves, std::uint64_t seed, double lacunarity, double gain) {
  double sum = 0.0, norm = 0.0, amp = 1.0, f = 1.0, weight = 1.0;
  for (int o = 0; o < octaves; ++o) {
    const double n =
        gradient_noise(x * f, y * f, seed + 0x2545F491ULL * static_cast<std::uint64_t>(o + 1));
    double s = 1.0 - std::fabs(n) * 1.4;
    s = std::clamp(s, 0.0, 1.0);
    s = s * s * weight;
    sum += s * amp;
    norm += amp;
    weight = std::clamp(s * 2.0, 0.0, 1.0);
    amp *= gain;
    f *= lacunarity;
  }
  return norm > 0.0 ? sum / norm : 0.0;
}

double periodic_noise1(double t, int period, std::uint64_t seed) {
  if (period < 1) return 0.0;
  const double fl = std::floor(t);
  const auto i = static_cast<std::int64_t>(fl);
  const std::int64_t i0 = ((i % period) + period) % period;
  const std::int64_t i1 = (i0 + 1) % period;
  auto val = [&](std::int64_t k) {
    return static_cast<double>(hash3(static_cast<std::uint64_t>(k), seed, 0x77ULL) >> 11) *
               0x1.0p-52 - 1.0;
  };
  const double f = fade(t - fl);
  return val(i0) + f * (val(i1) - val(i0));
}

// ---- hydrology -------------------------------------------------------------

namespace {
constexpr int kDr[8] = {-1, -1, -1, 0, 0, 1, 1, 1};
constexpr int kDc[8] = {-1, 0, 1, -1, 1, -1, 0, 1};
constexpr double kDiag = 1.41421356237309504880;
using HeapItem = std::pair<double, int>;
using MinHeap = std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<HeapItem>>;
}  // namespace

FlowRouting route_flow(const std::vector<double>& h, int rows, int cols, double eps_m,
                       bool breach) {
  FlowRouting fr;
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  fr.filled_m.assign(n, 0.0);
  fr.receiver.assign(n, -1);
  fr.order.reserve(n);
  fr.area_cells.assign(n, 1.0);
  std::vector<unsigned char> seen(n, 0);
  MinHeap heap;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (r != 0 && c != 0 && r != rows - 1 && c != cols - 1) continue;
      const int i = r * cols + c;
      fr.filled_m[i] = h[i];
      seen[i] = 1;
      heap.emplace(h[i], i);
    }
  }
  while (!heap.empty()) {
    const auto [z, i] = heap.top();
    heap.pop();
    fr.order.push_back(i);
    const int r = i / cols, c = i % cols;
    for (int k = 0; k < 8; ++k) {
      const int rr = r + kDr[k], cc = c + kDc[k];
      if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
      const int j = rr * cols + cc;
      if (seen[j]) continue;
      seen[j] = 1;
      fr.filled_m[j] = std::max(h[j], fr.filled_m[i] + eps_m);
      fr.receiver[j] = i;
      heap.emplace(breach ? h[j] : fr.filled_m[j], j);
    }
  }
  for (std::size_t k = fr.order.size(); k-- > 0;) {
    const int i = fr.order[k];
    if (fr.receiver[i] >= 0) fr.area_cells[fr.receiver[i]] += fr.area_cells[i];
  }
  return fr;
}

std::vector<double> fill_depressions(const std::vector<double>& h, int rows, int cols) {
  return route_flow(h, rows, cols, 0.0, false).filled_m;
}

CarveResult carve_valleys(int rows, int cols, double cell_m, const std::vector<CarveSource>& sources,
                          const std::vector<double>& side_slope, double floor_slope,
                          double ramp_m) {
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  CarveResult out;
  out.surface_m.assign(n, std::numeric_limits<double>::infinity());
  out.source.assign(n, -1);
  out.dist_m.assign(n, 0.0);
  // Height above the bed at distance d from a source with floor half-width w
  // and side slope s: floor_slope·d on the floor, then a slope rising
  // linearly from 0.3 s to s over ramp_m, then s.
  auto rise = [&](double d, double w, double s) {
    if (d <= w) return floor_slope * d;
    const double base = floor_slope * w;
    const double e = d - w;
    const double sr = std::max(s, floor_slope);
    if (e < ramp_m) {
      const double t = e / ramp_m;
      return base + std::max(floor_slope * e, sr * ramp_m * (0.3 * t + 0.35 * t * t));
    }
    return base + sr * (0.65 * ramp_m + (e - ramp_m));
  };
  MinHeap heap;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    const int i = sources[s].cell;
    if (sources[s].bed_m < out.surface_m[i]) {
      out.surface_m[i] = sources[s].bed_m;
      out.source[i] = static_cast<int>(s);
      heap.emplace(sources[s].bed_m, i);
    }
  }
  // Label propagation in value order: each cell takes the source that gives
  // it the lowest bed + rise(Euclidean distance), offered by its neighbours
  // (an approximate nearest-feature transform; no chamfer-metric stripes).
  while (!heap.empty()) {
    const auto [z, i] = heap.top();
    heap.pop();
    if (z > out.surface_m[i]) continue;  // stale entry
    const int r = i / cols, c = i % cols;
    const int si = out.source[i];
    const CarveSource& src = sources[static_cast<std::size_t>(si)];
    const int sr = src.cell / cols, sc = src.cell % cols;
    for (int k = 0; k < 8; ++k) {
      const int rr = r + kDr[k], cc = c + kDc[k];
      if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
      const int j = rr * cols + cc;
      if (out.source[j] == si) continue;
      const double dr = static_cast<double>(rr - sr), dc = static_cast<double>(cc - sc);
      const double d = cell_m * std::sqrt(dr * dr + dc * dc);
      const double zn = src.bed_m + rise(d, src.floor_m, side_slope[j]);
      if (zn < out.surface_m[j]) {
        out.surface_m[j] = zn;
        out.source[j] = si;
        out.dist_m[j] = d;
        heap.emplace(zn, j);
      }
    }
  }
  return out;
}

double slope_tan_horn(const Raster<float>& dem, int r, int c) {
  const Grid& g = dem.grid();
  auto z = [&](int rr, int cc) {
    rr = std::clamp(rr, 0, g.rows - 1);
    cc = std::clamp(cc, 0, g.cols - 1);
    return static_cast<double>(dem.at(rr, cc));
  };
  const double a = z(r - 1, c - 1), b = z(r - 1, c), cc_ = z(r - 1, c + 1);
  const double d = z(r, c - 1), f = z(r, c + 1);
  const double gg = z(r + 1, c - 1), h = z(r + 1, c), i = z(r + 1, c + 1);
  const double dzdx = ((cc_ + 2.0 * f + i) - (a + 2.0 * d + gg)) / (8.0 * g.dx);
  const double dzdy = ((gg + 2.0 * h + i) - (a + 2.0 * b + cc_)) / (8.0 * g.dy);
  return std::sqrt(dzdx * dzdx + dzdy * dzdy);
}

}  // namespace phusong::synth
