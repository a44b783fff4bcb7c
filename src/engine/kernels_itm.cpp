// Ray kernel for the Longley-Rice ITM 1.2.2 point-to-point mode (itm.cpp).
//
// The receiver's profile is taken in ITM's PFL form: the ray's samples
// 0..m (m pushed samples after the transmitter) and the receiver, n = m + 1
// intervals of xi = d / n (the samples respaced uniformly, as the radial
// engine does for every model).  The terrain analysis of Hufford's
// Algorithm §2-§3 is kept incrementally and handed to
// itm::point_to_point_analysed(), which does the rest (§4-§5) exactly as
// itm::point_to_point() does:
//   * N_s from the mean elevation of the path without its first and last
//     10 % [Alg §2]: running sums, O(1).
//   * transmitter horizon [Alg §3]: the sample of steepest elevation angle
//     from the transmitter, a running maximum; receiver horizon: the upper
//     tangent from the receiver to the convex hull of the samples (binary
//     search).  Over the ray's samples both are searched with the earth
//     curvature of the ray's first N_s (at the transmitter's elevation)
//     folded into the heights; that candidate and the tail's best are then
//     compared with the path's own gamma_e; the curvatures differ by a few
//     per cent, so only near-ties between two ray samples can pick another
//     horizon sample.
//   * effective heights: the least-squares lines of the Algorithm (end
//     samples at half weight) from running sums of z and i z, O(1).
//   * delta_h, the interdecile range of the detrended profile [Alg §3], has no
//     cheap incremental form (it resamples the section and takes order
//     statistics).  It is recomputed exactly (itm::delta_h) for the current
//     receiver whenever the path has grown by max(1 sample, 1/32 of its
//     length) since the last computation, and held in between: the held value
//     belongs to a path at most 3 % shorter (on short paths, where ITM's
//     line-of-sight attenuation reacts strongly to it, at every sample;
//     1/16 gave 99.1 % of the test's cells within 1 dB, 1/32 99.8 %).
//     Cost per cell: O(1) amortised plus the O(1) reference attenuation.
// The last kCellTail samples before the receiver come from the cell's own line
// (RayKernel::tail_samples; the straight profile the exact engine samples):
// the receiver horizon and the foreground heights depend most on them, and
// the ray passes up to half a cell beside the cell.  Sums over the profile
// take the ray's prefix sums up to the tail and add the tail directly; the
// transmitter horizon is the prefix's running maximum or a tail sample; the
// receiver horizon is the tangent to the prefix's hull
// (PrefixHull::tangent_from_right_upto) or a tail sample.  O(kCellTail) a cell.
// Both horizons are then found on the cell's own line (RayKernel::cell_line):
// the prefix's candidate read there, then every prefix sample whose height on
// the line could give a steeper angle (LineBounds: its ray height raised by
// its neighbourhood's slope bound times how far the line's sample lies from
// it, a bound that holds; blocks of samples are skipped whole), so the
// horizons are the line's own and a horizon no longer changes with the side of the
// ray the cell lies on (a horizon 180 m away on the ray against 2.3 km on the
// cell's line moved the loss by 10 dB).  About 7 reads a horizon.
// Where the ray's own samples still decide (no cell line: the tail could
// not be read), a near-tie between a ray sample and a tail sample goes to the
// exact computation.  And, as the P.526 kernel does, the cells in line of
// sight within the terrain's slope bound times (offset + step) / d of the
// transmitter horizon go to the exact computation: there the foreground
// fits, delta_h and N_s, which stay the ray's, decide between ITM's
// line-of-sight and diffraction terms (without this check 7 cells of the
// test stayed beyond 6 dB, up to 10.5 dB).  Measured in
// tests/reference/test_radial_agreement.cpp and docs/performance.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "phusong/propagation/itm.hpp"
#include "ray_kernels.hpp"

namespace phusong::kernels {

namespace {

inline double dim(double x, double y) { return x > y ? x - y : 0.0; }

// Horizon angles closer than this (rad) are a tie: the kernel's N_s, and so
// its curvature, come from the ray's samples, which moves an angle by less
// than 1e-6 rad for 10 m of mean elevation over 30 km.
constexpr double kTieRad = 1e-5;

class ItmKernel final : public prop::RayKernel {
 public:
  explicit ItmKernel(const prop::LinkParams& p) : link_(p), prepared_(prop::itm::prepare_link(p)) {}

  void begin(double tx_ground_m) noexcept override {
    z0_ = tx_ground_m;
    za_ = z0_ + link_.tx_height_m;
    qc0_ = 0.5 * prop::itm::effective_curvature(link_.n0, z0_);
    h_.assign(1, z0_);
    p0_.assign(1, z0_);
    p1_.assign(1, 0.0);
    s_.assign(1, 0.0);
    hull_.clear();
    bounds_.clear();
    best_tx_ = -1;
    best_tx_slope_ = -1e300;
    best_upto_.assign(1, -1);
    dh_n_ = -1;
    dh_every_ = 1;
    tail_.n = 0;
    line_ = nullptr;
    beside_.clear();
  }

  bool wants_slopes() const noexcept override { return true; }
  void push_slopes(const double* slope, const double* /*lateral*/, int first, int end) noexcept override {
    beside_.push(slope, first, end);
  }
  bool wants_neighbourhood_slopes() const noexcept override { return true; }
  void push_neighbourhood_slopes(const double* slope5, int first, int end) noexcept override {
    beside_.push_near(slope5, first, end);
  }
  void cell_offset(double offset_m) noexcept override { beside_.offset_m = std::abs(offset_m); }

  int tail_samples() const noexcept override { return kCellTail; }
  void cell_line(const CellLine* line) noexcept override { line_ = line; }
  void cell_tail(const double* h, int count, int total) noexcept override { tail_.set(h, count, total); }
  long bound_tests() const noexcept override { return bounds_.tests; }

  void push(double s, double h) noexcept override {
    const int i = static_cast<int>(h_.size());
    h_.push_back(h);
    s_.push_back(s);
    p0_.push_back(p0_.back() + h);
    p1_.push_back(p1_.back() + i * h);
    const double w = h - qc0_ * s * s;
    hull_.push(s, w);
    const double slope = (w - za_) / s;
    if (slope > best_tx_slope_) {
      best_tx_slope_ = slope;
      best_tx_ = i;
    }
    best_upto_.push_back(best_tx_);
  }

  prop::PathLoss query(double d, double zc) noexcept override {
    prop::PathLoss out;
    // interior samples 1..m: the ray's up to base_, then the tail's
    int count = 0;
    const int m = tail_.take(static_cast<int>(h_.size()) - 1, count);
    const int n = m + 1;
    // Short paths go to the exact computation: there the ray lies farthest
    // from the cell's line relative to the path, and delta h and the
    // terrain fits, which take the ray's samples, moved the loss by up to
    // 6.2 dB (the Alps at 2600 MHz, tx 15 m, a cell 1.5 km out: delta h
    // 153.8 m on the ray's samples, 188.3 m on the line's); the exact
    // computation costs little there.
    if (n <= kShortPath) {
      out.exact_needed = true;
      return out;
    }
    const double xi = d / n;
    zc_ = zc;
    n_ = n;
    xi_ = xi;
    base_ = m - count;
    // sums of the tail from its start: tp0_[j] = z(base_+1) + .. + z(base_+j), tp1_ with i z(i)
    for (int j = 1; j <= m - base_; ++j) {
      const double h = tail_.h[static_cast<std::size_t>(j - 1)];
      tp0_[static_cast<std::size_t>(j)] = tp0_[static_cast<std::size_t>(j - 1)] + h;
      tp1_[static_cast<std::size_t>(j)] = tp1_[static_cast<std::size_t>(j - 1)] + (base_ + j) * h;
    }
    prop::itm::TerrainAnalysis t;
    t.distance_m = d;
    t.z_m[0] = z0_;
    t.z_m[1] = zc;
    const int p10 = static_cast<int>(0.1 * n);
    t.zsys_m = sum0(p10, n - p10) / (n - 2 * p10 + 1);
    const double qc = 0.5 * prop::itm::effective_curvature(link_.n0, t.zsys_m);
    const double zb = zc + link_.rx_height_m;
    const double slope = (zb - za_) / d;
    double the0 = slope - qc * d, the1 = -slope - qc * d, dl0 = d, dl1 = d;
    if (m >= 1) {
      // Where the cell's own line could open or close the line of sight, or
      // move a horizon to another sample far away (a near-tie between a ray
      // sample and a tail sample: the horizon distance, and with it the
      // foreground fit, jumps), the cell is computed exactly.  dn / up: how
      // far the horizon's elevation could move down / up (height_error()
      // over its distance; up also by any ray sample raised by the steepest
      // slope bound so far).  With the cell's line (horizons searched on it)
      // dn = kTieRad: a path grazing its horizon that closely can fall on
      // either side in the kernel's arithmetic (its N_s from the ray's
      // samples; ITM's loss jumps there: 134 against 117 dB for a path
      // whose horizon angle equalled the direct ray's to 1e-6 rad).
      if (line_) extend_bounds();
      const Horizon ht = tx_horizon(d, qc);
      const double sa = ht.k * xi;
      const double dn = ht.exact ? kTieRad : height_error(ht.k, d) / sa;
      const double step = ray_step(xi);
      const double up = std::max(dn, beside_.max_slope(base_) * (beside_.offset_m + step) / d);
      if (ht.tie || (ht.q > the0 ? ht.q - dn <= the0 : ht.q + up > the0)) {
        out.exact_needed = true;
        return out;
      }
      if (ht.q > the0) {
        the0 = ht.q;
        dl0 = sa;
        const Horizon hr = rx_horizon(d, zb, qc);
        const double sb = d - hr.k * xi;
        const double dr = hr.exact ? kTieRad : height_error(hr.k, d) / sb;
        if (hr.tie || (hr.q > the1 ? hr.q - dr <= the1 : hr.q + dr > the1)) {
          out.exact_needed = true;
          return out;
        }
        if (hr.q > the1) {
          the1 = hr.q;
          dl1 = sb;
        }
      }
    }
    t.theta_hzn_rad[0] = the0;
    t.theta_hzn_rad[1] = the1;
    t.d_hzn_m[0] = dl0;
    t.d_hzn_m[1] = dl1;
    const double xl0 = std::min(15.0 * link_.tx_height_m, 0.1 * dl0);
    const double xl1 = d - std::min(15.0 * link_.rx_height_m, 0.1 * dl1);
    // (recomputed too where the section's ends moved by more than a sample
    // since: they follow the horizons, which can jump from cell to cell, and
    // delta h with them: 1 012 m held against 505 m on the Alps at 700 MHz)
    if (dh_n_ < 0 || n >= dh_n_ + dh_every_ || std::abs(xl0 - dh_x0_) > xi || std::abs((d - xl1) - dh_x1_) > xi ||
        dh_outgrown(xi, xl0, xl1)) {
      dh_buf_.assign(h_.begin(), h_.begin() + base_ + 1);
      for (int i = base_ + 1; i <= m; ++i) dh_buf_.push_back(z(i));
      dh_buf_.push_back(zc);
      const double dh = prop::itm::delta_h(dh_buf_.data(), static_cast<std::size_t>(n) + 1, xi, xl0, xl1);
      dh_every_ = refresh_interval(n, dh);
      dh_ = dh;
      dh_n_ = n;
      dh_x0_ = xl0;
      dh_x1_ = d - xl1;
    }
    t.delta_h_m = dh_;
    double unused = 0.0;
    if (dl0 + dl1 > 1.5 * d) {
      fit(xi, xl0, xl1, t.fit_m[0], t.fit_m[1]);
    } else {
      fit(xi, xl0, 0.9 * dl0, t.fit_m[0], unused);
      fit(xi, d - 0.9 * dl1, xl1, unused, t.fit_m[1]);
    }
    const prop::itm::Result r = prop::itm::point_to_point_analysed(t, prepared_);
    out.loss_db = r.loss_db;
    out.mode = r.mode;
    out.warnings = prop::itm::to_warnings(r.flags);
    return out;
  }

 private:
  // How far ray sample i's height could be from the terrain of the cell's
  // own line (BesideRay).
  double height_error(int i, double d) const {
    return i >= 1 && i < static_cast<int>(s_.size()) ? beside_.height_error(i, s_[i], d, s_[1]) : 0.0;
  }
  // Heights of the current PFL profile: samples 0..n-1 (those after base_
  // from the cell's own line), receiver at n.
  double z(int i) const {
    if (i == n_) return zc_;
    return i > base_ ? tail_.h[static_cast<std::size_t>(i - base_ - 1)] : h_[i];
  }
  // sum of z_i and of i z_i over lo..hi (inclusive; empty when hi < lo)
  double sum0(int lo, int hi) const { return sum(lo, hi, false); }
  double sum1(int lo, int hi) const { return sum(lo, hi, true); }
  double sum(int lo, int hi, bool weighted) const {
    if (hi < lo) return 0.0;
    double s = 0.0;
    if (hi == n_) {  // the receiver
      s += weighted ? n_ * zc_ : zc_;
      --hi;
    }
    if (hi > base_ && hi >= lo) {  // tail samples max(lo, base_ + 1) .. hi
      const std::array<double, kCellTail + 1>& tp = weighted ? tp1_ : tp0_;
      const int a = std::max(lo, base_ + 1) - base_ - 1, b = hi - base_;
      s += tp[static_cast<std::size_t>(b)] - tp[static_cast<std::size_t>(a)];
      hi = base_;
    }
    if (hi >= lo) {
      const std::vector<double>& p = weighted ? p1_ : p0_;
      s += p[hi] - (lo > 0 ? p[lo - 1] : 0.0);
    }
    return s;
  }
  // A horizon [Alg §3] of the current profile: its sample, its elevation
  // angle with the path's curvature qc, and whether a ray sample and a tail
  // sample are within the ray sample's height error of each other.
  struct Horizon {
    int k = -1;
    double q = -1e300;
    bool tie = false;
    bool exact = false;  // its height is the cell's own line's (a tail sample, or probed)
  };
  // The candidates: the prefix's (searched with the ray's curvature: `kp`)
  // and the tail's best (with qc), the larger at qc (ties to the prefix for
  // the transmitter, to the tail for the receiver, as the Algorithm scans).
  template <class Angle, class Y>
  Horizon pick(int kp, double sp, Angle angle, Y y_of, double zend, double qc, bool tail_wins_ties, double d) const {
    Horizon h;
    double qp = -1e300;
    if (kp >= 1) {
      // with the cell's own line known (cell_line): the candidate at its
      // height there, then every prefix sample that could stand higher
      if (line_) {
        search_line(kp, qp, y_of, zend, qc, d);
      } else {
        qp = angle(kp, z(kp));
      }
      h = {kp, qp, false, line_ != nullptr};
    }
    int kb = -1;
    double qb = -1e300;
    for (int i = base_ + 1; i < n_; ++i) {
      const double qi = angle(i, z(i));
      if (qi > qb || (tail_wins_ties && qi == qb)) {
        qb = qi;
        kb = i;
      }
    }
    if (kb >= 0 && (qb > h.q || (tail_wins_ties && qb == h.q))) h = {kb, qb, false, true};
    // without the cell's line, another ray sample near the candidate may
    // still stand higher there: a near-tie with the tail is left to the
    // exact computation (with it, a tie within kTieRad, which the kernel's
    // arithmetic could decide otherwise than the Algorithm's)
    h.tie = kp >= 1 && kb >= 0 && std::abs(qp - qb) <= (line_ ? kTieRad : height_error(kp, d) / sp);
    return h;
  }
  // Steepest elevation from the transmitter: the prefix's running maximum.
  Horizon tx_horizon(double d, double qc) const {
    const int kp = best_upto_[static_cast<std::size_t>(base_)];
    auto angle = [&](int i, double zi) {
      const double si = i * xi_;
      return (zi - za_) / si - qc * si;
    };
    auto y_of = [&](int i) { return i * xi_; };
    return pick(kp, kp * xi_, angle, y_of, za_, qc, false, d);
  }
  // Steepest elevation from the receiver (zb: its antenna): the upper tangent
  // to the prefix's hull (hull point k = sample k + 1).
  Horizon rx_horizon(double d, double zb, double qc) const {
    const int kp = base_ >= 1 ? hull_.tangent_from_right_upto(base_ - 1, d, zb - qc0_ * d * d) + 1 : -1;
    auto angle = [&](int i, double zi) {
      const double si = d - i * xi_;
      return (zi - zb) / si - qc * si;
    };
    auto y_of = [&](int i) { return d - i * xi_; };
    return pick(kp, d - kp * xi_, angle, y_of, zb, qc, true, d);
  }
  double ray_step(double xi) const { return s_.size() > 1 ? s_[1] : xi; }  // (the tail can hold the only sample)
  // LineBounds over the ray's samples 0..base_, bounds that hold
  // (LineBoundsT::extend_held)
  void extend_bounds() {
    bounds_.extend_held(
        base_, beside_, [&](int i) { return h_[static_cast<std::size_t>(i)]; },
        [&](int i) { return s_[static_cast<std::size_t>(i)]; });
  }
  // The prefix sample (1..base_) of steepest angle on the cell's own line,
  // seeded with the ray's candidate kp (steepest_on_line).
  template <class Y>
  void search_line(int& kp, double& qp, Y y_of, double zend, double qc, double d) const {
    const double k = LineBounds::held_factor(beside_.offset_m, d, xi_, ray_step(xi_));
    steepest_on_line(bounds_, *line_, 1, base_, y_of, zend, qc, k, kp, qp);
  }
  // The Algorithm's least-squares line between x1 and x2 (end samples at half
  // weight), its values at the transmitter (z0) and the receiver (zn).
  void fit(double xi, double x1, double x2, double& z0, double& zn) const {
    const double xn = n_;
    double xa = std::trunc(dim(x1 / xi, 0.0));
    double xb = xn - std::trunc(dim(xn, x2 / xi));
    if (xb <= xa) {
      xa = dim(xa, 1.0);
      xb = xn - dim(xn, xb + 1.0);
    }
    const int ja = static_cast<int>(xa), jb = static_cast<int>(xb);
    const double len = xb - xa;
    const double x0 = -0.5 * len;
    const double centre = xb + x0;
    const double s0 = sum0(ja + 1, jb - 1), s1 = sum1(ja + 1, jb - 1);
    double a = 0.5 * (z(ja) + z(jb)) + s0;
    double b = 0.5 * (z(ja) - z(jb)) * x0 + s1 + (x0 - ja) * s0;
    a /= len;
    b = b * 12.0 / ((len * len + 2.0) * len);
    z0 = a - b * centre;
    zn = a + b * (xn - centre);
  }

  prop::LinkParams link_;
  prop::itm::PreparedLink prepared_;
  double z0_ = 0.0, za_ = 0.0, qc0_ = 0.0;
  std::vector<double> h_, p0_, p1_, s_;
  PrefixHull hull_;  // point k is sample k + 1
  LineBounds bounds_;
  int best_tx_ = -1;
  double best_tx_slope_ = -1e300;
  std::vector<int> best_upto_;  // best_tx_ after sample i
  std::vector<double> dh_buf_;
  CellTail tail_;
  const CellLine* line_ = nullptr;
  std::array<double, kCellTail + 1> tp0_{}, tp1_{};  // tail sums (tp[0] = 0)
  BesideRay beside_;
  int base_ = 0;
  int dh_n_ = -1;
  double dh_ = 0.0;
  int dh_every_ = 1;  // refresh_interval()
  double dh_x0_ = 0.0, dh_x1_ = 0.0;  // the section delta h was computed over: xl0 and d - xl1
  // After delta_h was recomputed as dh for a path of n intervals: how many
  // intervals more the path may grow before it is recomputed.  1/32 of the
  // path where delta_h changes slowly.  Where, at the rate it changed since
  // its last computation (relative change a sample), it would change by
  // more than kDhStep over that, the number of samples it takes to change
  // by kDhStep at that rate, down to every sample.  (A receiver going down
  // into a deep valley on the Alps at 30 m: delta_h grew by 4-5 % a sample
  // over 40 samples; a value held for 3 samples was 21 % low and the loss
  // 9.8 dB off the exact engine's.)
  static constexpr double kDhStep = 0.05;
  // query(): paths of at most this many intervals are computed exactly
  static constexpr int kShortPath = 64;
  // Whether the held delta h no longer describes the current profile (the
  // section xl0..xl1 of query()): three or more of the samples it has not
  // seen as they are now (those after the start of the tail it was
  // computed with, up to the end of the section) lie farther from the
  // section's least-squares line than twice its interdecile range (delta_h
  // with [Alg §3]'s scale for short paths undone) plus 1 m.  (On the
  // Brindabella throughput run this adds 0.3 % delta h computations.)  A receiver
  // climbing a slope out of a flat valley: held at 16.7 m over a lake on
  // the Alps at 30 m, delta h was 48.7 m six samples later, and the loss
  // 6.8 dB off the exact engine's.
  bool dh_outgrown(double xi, double xl0, double xl1) const {
    const double range = 2.0 * dh_ * (1.0 - 0.8 * std::exp(-(xl1 - xl0) / 50e3)) + 1.0;
    double f0 = 0.0, fn = 0.0;
    fit(xi, xl0, xl1, f0, fn);
    const double slope = (fn - f0) / n_;
    const int last = std::min(n_, static_cast<int>(xl1 / xi));
    int out = 0;
    for (int i = std::max(1, dh_n_ - kCellTail); i <= last; ++i)
      if (std::abs(z(i) - (f0 + slope * i)) > range && ++out >= 3) return true;
    return false;
  }
  int refresh_interval(int n, double dh) const {
    const int most = std::max(1, n / 32);
    if (dh_n_ < 0 || n <= dh_n_) return most;
    const double big = std::max(std::abs(dh), std::abs(dh_));
    if (!(big > 0.0)) return most;
    const double rate = std::abs(dh - dh_) / (big * (n - dh_n_));  // relative change a sample
    if (!(rate * most > kDhStep)) return most;
    return std::clamp(static_cast<int>(kDhStep / rate), 1, most);
  }
  // current query
  double zc_ = 0.0, xi_ = 0.0;
  int n_ = 0;
};

}  // namespace

std::unique_ptr<prop::RayKernel> make_itm(const prop::LinkParams& link) {
  return std::make_unique<ItmKernel>(link);
}

}  // namespace phusong::kernels
