#pragma once
// Internal to the radial engine: the built-in ray kernels and the prefix
// upper convex hull they share.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "phusong/propagation/model.hpp"

namespace phusong::kernels {

// Kernel for a built-in model (by name), or null.
std::unique_ptr<prop::RayKernel> make_builtin(const prop::Model& model, const prop::LinkParams& link);

// Factories (kernels_basic.cpp, kernels_diffraction.cpp, kernels_itm.cpp).
std::unique_ptr<prop::RayKernel> make_distance_only(const prop::Model& model, const prop::LinkParams& link);
std::unique_ptr<prop::RayKernel> make_hata(const prop::Model& model, const prop::LinkParams& link);
std::unique_ptr<prop::RayKernel> make_deygout(const prop::Model& model, const prop::LinkParams& link);
std::unique_ptr<prop::RayKernel> make_p526(const prop::LinkParams& link);
std::unique_ptr<prop::RayKernel> make_p1812(const prop::LinkParams& link);
std::unique_ptr<prop::RayKernel> make_itm(const prop::LinkParams& link);

// The samples a kernel takes from the cell's own line (RayKernel::
// tail_samples / cell_tail): the ITM and p526 kernels take 16 (measured:
// docs/performance.md).  set() keeps what cell_tail() offers; take() hands
// it to the next query and forgets it.
inline constexpr int kCellTail = 16;
struct CellTail {
  std::array<double, kCellTail> h{};
  int n = 0, total = 0;
  void set(const double* src, int count, int total_samples) {
    n = src ? std::clamp(count, 0, kCellTail) : 0;
    total = total_samples;
    for (int i = 0; i < n; ++i) h[static_cast<std::size_t>(i)] = src[i];
  }
  // With `pushed` ray samples: the interior sample count of the query's
  // profile (the line's own when a tail was offered whose prefix the ray
  // covers, else `pushed`) and, in count, the tail samples that end it.
  int take(int pushed, int& count) {
    const bool ok = n > 0 && total >= n && total - n <= pushed;
    count = ok ? n : 0;
    n = 0;
    return ok ? total : pushed;
  }
};

// The terrain beside the ray, for kernels that hand ill-conditioned cells to
// the exact computation (RayKernel::wants_slopes): each sample's slope bound
// (m/m) and their running maximum, indexed by sample (0: the transmitter,
// unused), and the cell's distance from the ray.  A cell's own line passes
// |offset| s / d beside ray sample s and samples at another phase, so ray
// sample i's height can be off the line's by up to its slope bound times
// (|offset| s / d + half a sample spacing).
struct BesideRay {
  std::vector<double> slope{0.0}, smax_upto{0.0};
  // the neighbourhood's bounds, for kernels that take them
  // (RayKernel::push_neighbourhood_slopes; LineBoundsT::extend_held)
  std::vector<double> near{0.0};
  double offset_m = 0.0;
  void clear() {
    slope.assign(1, 0.0);
    smax_upto.assign(1, 0.0);
    near.assign(1, 0.0);
    offset_m = 0.0;
  }
  void push(const double* s, int first, int end) {
    for (int i = first; i < end; ++i) {
      slope.push_back(s[i]);
      smax_upto.push_back(std::max(smax_upto.back(), s[i]));
    }
  }
  void push_near(const double* s5, int first, int end) { near.insert(near.end(), s5 + first, s5 + end); }
  // sample i at distance s of a path of length d (the same unit), samples
  // step_m apart; 0 when no slopes were pushed
  double height_error(int i, double s, double d, double step_m) const {
    if (i < 1 || static_cast<std::size_t>(i) >= slope.size()) return 0.0;
    return slope[static_cast<std::size_t>(i)] * (offset_m * s / d + 0.5 * step_m);
  }
  // the largest slope bound of samples 1..n (0 when unknown)
  double max_slope(int n) const {
    return n >= 0 && static_cast<std::size_t>(n) < smax_upto.size() ? smax_upto[static_cast<std::size_t>(n)] : 0.0;
  }
};

// Upper bounds of the cell's own line's heights at the ray's samples, kept
// over blocks of samples, so that a kernel can find every sample whose
// height on the cell's line could pass a test without reading them all.
// Sample i's height on the line is at most a_i + k b_i, with a_i = h_i and
// b_i = slope5_i s_i (s_i its distance along the ray, slope5_i the bound of
// the terrain's gradient around it, RayKernel::wants_neighbourhood_slopes)
// and k = held_factor() for the cell: bounds that hold, not estimates
// (extend_held()).  Levels of 2^Bits-fold maxima: with the default, samples
// and blocks of 8, 64, 512.  Which samples visit() reads does not depend on
// the blocking (a block passes whenever one of its samples would, and the
// test only tightens as the search goes on), only how many tests it takes:
// the Deygout kernel's three searches per cell take fewer with 4-fold
// blocks, the kernels that search for horizons with 8-fold ones
// (docs/performance.md).
template <int Bits, int Levels>
struct LineBoundsT {
  static constexpr int kBits = Bits, kFan = 1 << kBits, kLevels = Levels;
  std::array<std::vector<double>, kLevels> a, b;
  mutable long tests = 0;  // may() calls by visit() (RayKernel::bound_tests); clear() keeps it
  void clear() {
    for (auto& v : a) v.clear();
    for (auto& v : b) v.clear();
  }
  int size() const { return static_cast<int>(a[0].size()); }
  // Bounds that hold rather than estimates, for a kernel that takes the
  // neighbourhood slopes (RayKernel::wants_neighbourhood_slopes; slope5 =
  // BesideRay::near, indexed by sample, 0 the transmitter): line sample i of a cell at
  // distance d_m, |offset_m| beside the ray, whose line is sampled every
  // xi_m, lies within k s_i of ray sample i (s_i its distance, the ray
  // sampled every step_m), with k = held_factor(): s_i times the chord
  // 2 sin(t / 2) between the two directions (sin t = |offset| / d) across,
  // and i (step - xi) along.  That is under 1.5 steps in all (|offset| is at
  // most half a cell, xi >= step d / (d + step)), within the 5 x 5 squares
  // of slope5.  So the line's height there is at most h_i + k slope5_i s_i:
  // a_i = h_i, b_i = slope5_i s_i.
  static double held_factor(double offset_m, double d_m, double xi_m, double step_m) {
    const double q = std::min(offset_m / d_m, 1.0);  // sin t
    const double chord = q * std::sqrt(2.0 / (1.0 + std::sqrt(1.0 - q * q)));  // 2 sin(t / 2) = sin t / cos(t / 2)
    return chord * (1.0 + 1e-9) + std::max(0.0, 1.0 - xi_m / step_m);
  }
  template <class H, class S>
  void extend_held(int last, const BesideRay& beside, H h_m, S s_m) {
    const std::vector<double>& slope5 = beside.near;
    for (int i = size(); i <= last; ++i) {
      const auto iu = static_cast<std::size_t>(i);
      if (i == 0) push(-1e300, 0.0);
      else push(h_m(i), (iu < slope5.size() ? slope5[iu] : 0.0) * s_m(i));
    }
  }
  void push(double ai, double bi) {
    const auto i = static_cast<std::size_t>(size());
    for (int l = 0; l < kLevels; ++l) {
      const std::size_t j = i >> (kBits * l);
      if (j == a[l].size()) {
        a[l].push_back(ai);
        b[l].push_back(bi);
      } else {
        a[l][j] = std::max(a[l][j], ai);
        b[l][j] = std::max(b[l][j], bi);
      }
    }
  }
  // Samples lo..hi (< size()) in increasing order: a block is entered only
  // when may(first, last, max a, max b) holds for its samples first..last
  // within lo..hi, and leaf(i) is called for each sample i that passes
  // may(i, i, a_i, b_i).  may may depend on what leaf has found so far.
  template <class May, class Leaf>
  void visit(int lo, int hi, May&& may, Leaf&& leaf) const {
    if (lo > hi) return;
    constexpr int top = kLevels - 1;
    for (int j = lo >> (kBits * top); j <= hi >> (kBits * top); ++j) visit_block(top, j, lo, hi, may, leaf);
  }

 private:
  template <class May, class Leaf>
  void visit_block(int l, int j, int lo, int hi, May& may, Leaf& leaf) const {
    const int first = std::max(lo, j << (kBits * l)), last = std::min(hi, ((j + 1) << (kBits * l)) - 1);
    if (first > last) return;
    const auto ju = static_cast<std::size_t>(j);
    ++tests;
    if (!may(first, last, a[l][ju], b[l][ju])) return;
    if (l == 0) {
      leaf(first);
      return;
    }
    for (int c = j * kFan; c < j * kFan + kFan && (c << (kBits * (l - 1))) <= last; ++c)
      visit_block(l - 1, c, lo, hi, may, leaf);
  }
};

using LineBounds = LineBoundsT<3, 4>;

// The sample i of lo..hi that maximises the elevation angle
// (z_i - zend) / y_i - a y_i on the cell's own line (z_i = line.height_m(i),
// y_i = y_of(i) > 0 its distance from the end whose antenna is at zend; a:
// the earth's curvature term), starting from the sample kp: every sample
// whose LineBounds bound (factor k) could give more than the best so far is
// read.  Sample i can beat q only if z - zend - a y^2 - q y > 0; a block is
// skipped when its bound minus the least of a y^2 + q y over its y range
// stays below zend.  On return kp, q are the best sample and its angle (q
// stays -1e300 and kp unchanged when every reading is NaN).
template <class Y>
void steepest_on_line(const LineBounds& bounds, const prop::RayKernel::CellLine& line, int lo, int hi, Y y_of,
                      double zend, double a, double k, int& kp, double& q) {
  auto angle = [&](int i) {
    const double yi = y_of(i);
    return (line.height_m(i) - zend) / yi - a * yi;
  };
  q = angle(kp);
  if (!(q > -1e300)) q = -1e300;  // NaN: every sample is read
  auto least = [&](double y0, double y1) {  // of g(y) = a y^2 + q y over [y0, y1]
    auto g = [&](double y) { return (a * y + q) * y; };
    double m = std::min(g(y0), g(y1));
    if (a > 0.0) {
      const double yv = -q / (2.0 * a);
      if (yv > y0 && yv < y1) m = std::min(m, g(yv));
    }
    return m;
  };
  bounds.visit(
      lo, hi,
      [&](int first, int last, double ba, double bb) {
        const double y0 = y_of(first), y1 = y_of(last);
        return ba + k * bb - zend - least(std::min(y0, y1), std::max(y0, y1)) > 0.0;
      },
      [&](int i) {
        const double qi = angle(i);
        if (qi > q) {  // false for NaN
          q = qi;
          kp = i;
        }
      });
}

// Upper convex hull of the points pushed so far, (s, w) with s strictly
// increasing (Andrew's monotone chain: amortised O(1) per push).  Heights w
// usually have the earth's curvature folded in: w = h - s^2 / (2 a_e), the
// height relative to the transmitter's tangent plane, so that straight lines
// in (s, w) are radio rays over the curved earth.
//
// pred[k] is the hull vertex before k in the hull of points 0..k, so the hull
// of any prefix 0..k is the chain k, pred[k], pred[pred[k]], ... (a
// persistent stack).
struct PrefixHull {
  std::vector<double> s, w;
  std::vector<int> pred;
  std::vector<int> hull;  // current hull, indices in increasing s

  void clear() {
    s.clear();
    w.clear();
    pred.clear();
    hull.clear();
  }
  int size() const { return static_cast<int>(s.size()); }
  void push(double si, double wi) {
    const int k = size();
    s.push_back(si);
    w.push_back(wi);
    // Pop b while it lies on or below the segment a -> k.
    while (hull.size() >= 2) {
      const int b = hull[hull.size() - 1], a = hull[hull.size() - 2];
      const double cross = (s[b] - s[a]) * (wi - w[a]) - (w[b] - w[a]) * (si - s[a]);
      if (cross >= 0.0) hull.pop_back();
      else break;
    }
    pred.push_back(hull.empty() ? -1 : hull.back());
    hull.push_back(k);
  }
  // The point maximising (w_i - wq) / (sq - s_i), i.e. the upper tangent from
  // a point (sq, wq) to the right of every point.  Binary search on the hull:
  // the first vertex whose next edge's line passes on or below the point.
  int tangent_from_right(double sq, double wq) const {
    int lo = 0, hi = static_cast<int>(hull.size()) - 1;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      const int a = hull[mid], b = hull[mid + 1];
      // Is (sq, wq) on or above the line through a, b?
      const double cross = (s[b] - s[a]) * (wq - w[a]) - (w[b] - w[a]) * (sq - s[a]);
      if (cross >= 0.0) hi = mid;
      else lo = mid + 1;
    }
    return hull.empty() ? -1 : hull[lo];
  }
  // On the hull of points 0..last (the persistent chain from last): the
  // vertex maximising f, a function unimodal along the chain (a tangent
  // slope from a point to the right of all of them, or w - m s), walking
  // from last towards the transmitter while f does not decrease.  Returns
  // the vertex and sets best = f(vertex); O(vertices walked).
  template <class F>
  int chain_argmax(int last, F f, double& best) const {
    int k = last;
    best = f(k);
    for (int p = pred[k]; p >= 0; p = pred[p]) {
      const double fp = f(p);
      if (fp < best) break;
      k = p;
      best = fp;
    }
    return k;
  }
  // tangent_from_right() and support() over points 0..last only: the whole
  // hull's answer when it is one of them (it maximises over a superset),
  // else the walk along the prefix's chain (short when the whole hull's
  // answer lies just after last, as it then usually does).
  int tangent_from_right_upto(int last, double sq, double wq) const {
    const int k = tangent_from_right(sq, wq);
    if (k <= last) return k;
    double unused = 0.0;
    return chain_argmax(last, [&](int i) { return (w[i] - wq) / (sq - s[i]); }, unused);
  }
  int support_upto(int last, double m) const {
    const int k = support(m);
    if (k <= last) return k;
    double unused = 0.0;
    return chain_argmax(last, [&](int i) { return w[i] - m * s[i]; }, unused);
  }
  // The point maximising w_i - m s_i (the support point in direction m): the
  // first hull vertex whose next edge is not steeper than m (binary search).
  int support(double m) const {
    int lo = 0, hi = static_cast<int>(hull.size()) - 1;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      const int a = hull[mid], b = hull[mid + 1];
      if (w[b] - w[a] <= m * (s[b] - s[a])) hi = mid;
      else lo = mid + 1;
    }
    return hull.empty() ? -1 : hull[lo];
  }
};

}  // namespace phusong::kernels
