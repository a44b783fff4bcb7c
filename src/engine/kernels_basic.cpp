// Ray kernels for models whose terrain dependence reduces to a few numbers:
//   * distance-only models (fspl, ITU-R P.525-4 eq. (7); any model with
//     uses_terrain() == false): the loss depends on the path length and the
//     antenna tips only, so the kernel calls the model on the two-point
//     profile (transmitter, receiver).  Exact.  fspl itself has its own
//     kernel (the same formula without the model call per cell).
//   * Okumura-Hata / COST-231 (hata.cpp): the only terrain input is the mean
//     height of the effective-height section (3-15 km, or 0.2 d to d for
//     paths shorter than 15 km; ITU-R P.1546-6 Annex 5 §3), kept as running
//     sums of the ray's samples.  Both ends of the section only move outward
//     as the receiver does, so the kernel keeps them as two indices (O(1)
//     amortised per cell); the link's terms (hata_terms()) are computed once,
//     and the cell's loss is the model's own hata_path_loss().  Exact for the
//     ray's samples; where the half cell between the ray and the cell's own
//     line could move the loss by decibels (effective height near the 1 m
//     clamp on steep terrain) the cell asks for the exact computation
//     (PathLoss::exact_needed; the bound is described at HataKernel).
// Also the dispatch of built-in models to their kernels.
#include <algorithm>
#include <cmath>
#include <string>

#include "phusong/propagation/hata.hpp"
#include "phusong/propagation/model.hpp"
#include "ray_kernels.hpp"

namespace phusong::kernels {

namespace {

class DistanceOnlyKernel final : public prop::RayKernel {
 public:
  DistanceOnlyKernel(const prop::Model& m, const prop::LinkParams& p) : model_(m), link_(p) {
    prof_.distance_m.assign(2, 0.0);
    prof_.height_m.assign(2, 0.0);
  }
  void begin(double tx_ground_m) noexcept override { prof_.height_m[0] = tx_ground_m; }
  void push(double, double) noexcept override {}
  bool uses_samples() const noexcept override { return false; }
  prop::PathLoss query(double distance_m, double ground_m) noexcept override {
    prof_.distance_m[1] = distance_m;
    prof_.height_m[1] = ground_m;
    return model_.loss(prof_, link_);
  }

 private:
  const prop::Model& model_;
  prop::LinkParams link_;
  prop::Profile prof_;
};

// Free space (the built-in "fspl", ITU-R P.525-4 eq. (7)) without the
// model call: 20 log10(4 pi d3 / lambda) = fspl(1 m) + 10 log10(d3^2), d3 the
// distance between the antenna tips (at least 1 m), as the model computes it.
class FreeSpaceKernel final : public prop::RayKernel {
 public:
  explicit FreeSpaceKernel(const prop::LinkParams& p)
      : fspl_1m_db_(prop::fspl_db(p.freq_mhz, 1.0)), tx_height_m_(p.tx_height_m), rx_height_m_(p.rx_height_m) {}
  void begin(double tx_ground_m) noexcept override { tx_tip_m_ = tx_ground_m + tx_height_m_; }
  void push(double, double) noexcept override {}
  bool uses_samples() const noexcept override { return false; }
  prop::PathLoss query(double distance_m, double ground_m) noexcept override {
    const double dz = tx_tip_m_ - (ground_m + rx_height_m_);
    prop::PathLoss out;
    out.loss_db = fspl_1m_db_ + 10.0 * std::log10(std::max(distance_m * distance_m + dz * dz, 1.0));
    out.mode = prop::Mode::LineOfSight;
    return out;
  }

 private:
  double fspl_1m_db_, tx_height_m_, rx_height_m_, tx_tip_m_ = 0.0;
};

class HataKernel final : public prop::RayKernel {
 public:
  // The effective height hb enters as log10(hb), clamped at 1 m:
  // dL/dhb = -(13.82 + 6.55 log10 d_km) / (hb ln 10), about 9 dB per metre at
  // hb = 1 m and 10 km.  The ray passes up to half a cell beside the cell's
  // own line and samples at other distances than the exact engine, so its
  // section mean differs from the exact one by metres on steep terrain.
  // The kernel (1) corrects the mean to first order for the lateral offset
  // (the line lies offset * s / d beside sample s; running sums of s times
  // the bilinear surface's derivative across the ray), and (2) estimates
  // what is left: kLateralResidual of the first-order bound (offset * s / d
  // times each sample's cell slope bound, running sums), plus the quadrature
  // phase (the section's end samples' deviations from the mean, times
  // step / section length).  Where that could move the loss by more than
  // kMaxErrorDb the cell is handed to the exact computation (exact_needed).
  // Sections of fewer than two ray samples are always exact.  The estimate
  // is half of that sum and the threshold applies to a loose bound of the
  // loss change (26.9 dB per decade of hb against about 20 at 10 km).
  // Tuned against the exact engine on the Swiss Alps and Brindabella at 90 m
  // and 30 m and the 1" synthetic ridge: max 0.85 dB, all cells within 1 dB
  // (docs/performance.md).  Without the correction the same accuracy needed
  // the full lateral bound and 20 % more time on the district benchmark; a
  // smaller phase term (0.6) let a cell 8.8 dB off through on the Alps.
  static constexpr double kLateralResidual = 0.3;
  static constexpr double kErrorScale = 0.5;
  static constexpr double kMaxErrorDb = 2.0;

  explicit HataKernel(const prop::LinkParams& p) : link_(p), terms_(prop::hata_terms(p)) {}
  void begin(double tx_ground_m) noexcept override {
    tx_ground_m_ = tx_ground_m;
    s_.clear();
    sum_.assign(1, 0.0);
    sum_sg_.assign(1, 0.0);
    sum_sgn_.assign(1, 0.0);
    lo_ = hi_ = 0;
    offset_m_ = 0.0;
  }
  void push(double distance_m, double height_m) noexcept override {
    s_.push_back(distance_m);
    sum_.push_back(sum_.back() + height_m);
  }
  void push_samples(const double* z, int first, int end, double step_m) noexcept override {
    double acc = sum_.back();
    for (int i = first; i < end; ++i) {
      acc += z[i];
      s_.push_back(i * step_m);
      sum_.push_back(acc);
    }
  }
  // the section ends at b = min(d, 15 km): no sample beyond 15 km is read
  double reach_m() const noexcept override { return 15000.0; }
  bool wants_slopes() const noexcept override { return true; }
  void push_slopes(const double* slope, const double* lateral, int first, int end) noexcept override {
    // sample i is s_[sum_sg_.size() - 1]: the slopes follow the samples
    double acc = sum_sg_.back(), acc_n = sum_sgn_.back();
    for (int i = first; i < end; ++i) {
      const double si = s_[sum_sg_.size() - 1];
      acc += si * slope[i];
      acc_n += si * lateral[i];
      sum_sg_.push_back(acc);
      sum_sgn_.push_back(acc_n);
    }
  }
  void cell_offset(double offset_m) noexcept override { offset_m_ = offset_m; }

  prop::PathLoss query(double d, double ground_m) noexcept override {
    const double inv_d = 1.0 / d;  // (early: off the path from the sums to the loss)
    const double dm = std::max(d, 1.0);
    const double a = dm >= 15000.0 ? 3000.0 : 0.2 * dm;
    const double b = std::min(dm, 15000.0);
    // Samples with a <= s <= b are s_[lo_, hi_) (sum_ is offset by one).  The
    // engine queries in order of distance, so both ends only move outward; a
    // query closer than the last one starts over.
    const size_t n = s_.size();
    if (lo_ > 0 && s_[lo_ - 1] >= a) lo_ = hi_ = 0;
    while (lo_ < n && s_[lo_] < a) ++lo_;
    if (hi_ < lo_) hi_ = lo_;
    while (hi_ < n && s_[hi_] <= b) ++hi_;
    double sum = sum_[hi_] - sum_[lo_];
    const size_t interior = hi_ - lo_;
    size_t cnt = interior;
    const bool rx_in = d >= a && d <= b;
    if (rx_in) {
      sum += ground_m;
      ++cnt;
    }
    // First order of the cell lying beside the ray: its own line passes
    // offset * s / d to the left of sample s, where the terrain changes by
    // the lateral derivative per metre.
    if (sum_sgn_.size() > hi_) sum += offset_m_ * inv_d * (sum_sgn_[hi_] - sum_sgn_[lo_]);
    const double avg = cnt > 0 ? sum / static_cast<double>(cnt) : ground_m;
    // the section's last height: the receiver's, else the last sample's
    const double z_last = rx_in || hi_ == 0 ? ground_m : sum_[hi_] - sum_[hi_ - 1];
    if (ill_conditioned(d, a, b, interior, avg, z_last)) {
      prop::PathLoss out;
      out.exact_needed = true;
      return out;
    }
    return prop::hata_path_loss(terms_, link_, d, tx_ground_m_, ground_m, avg);
  }

 private:
  bool ill_conditioned(double d, double a, double b, size_t interior, double avg, double z_last) const {
    if (interior < 2) return true;
    const double hb = tx_ground_m_ + link_.tx_height_m - avg;
    const bool have_slopes = sum_sg_.size() > hi_;
    if (!have_slopes) return false;  // samples pushed without slopes: no bound known
    const double step = s_[0];
    const double z_first = sum_[lo_ + 1] - sum_[lo_];
    // eps = kErrorScale (lateral + phase), with
    //   lateral = kLateralResidual |offset| sum(s slope) / (d interior)
    //   phase   = step (|z_first - avg| + |z_last - avg|) / L, L = max(b - a, step)
    // over one common denominator D: eps = e / D.
    const double len = std::max(b - a, step), den = d * static_cast<double>(interior);
    const double e = kErrorScale * (kLateralResidual * std::abs(offset_m_) * (sum_sg_[hi_] - sum_sg_[lo_]) * len +
                                    step * (std::abs(z_first - avg) + std::abs(z_last - avg)) * den);
    const double D = den * len;
    // With lo = max(hb - eps, 1) and hi = max(hb + eps, 1):
    // |L(lo) - L(hi)| <= (13.82 + 6.55 |log10 d_km|) log10(hi / lo), and
    // log10(hi / lo) <= (hi - lo) / (lo ln 10); 6.55 |log10 d_km| <= 13.1 up to
    // 100 km: ill-conditioned when 26.92 (hi - lo) > K lo, K = kMaxErrorDb ln 10.
    // Multiplied by D, without a division:
    constexpr double K = kMaxErrorDb * 2.302585092994046;
    const double m = (hb - 1.0) * D;  // (hb - 1) D
    if (m >= e) return (2.0 * 26.92 + K) * e > K * hb * D;  // lo = hb - eps, hi = hb + eps
    if (-m >= e) return false;                             // lo = hi = 1
    return 26.92 * (m + e) > K * D;                        // lo = 1, hi = hb + eps
  }

  prop::LinkParams link_;
  prop::HataTerms terms_;
  double tx_ground_m_ = 0.0, offset_m_ = 0.0;
  std::vector<double> s_, sum_, sum_sg_, sum_sgn_;
  size_t lo_ = 0, hi_ = 0;
};

}  // namespace

std::unique_ptr<prop::RayKernel> make_distance_only(const prop::Model& model, const prop::LinkParams& link) {
  return std::make_unique<DistanceOnlyKernel>(model, link);
}

std::unique_ptr<prop::RayKernel> make_hata(const prop::Model&, const prop::LinkParams& link) {
  return std::make_unique<HataKernel>(link);
}

std::unique_ptr<prop::RayKernel> make_builtin(const prop::Model& model, const prop::LinkParams& link) {
  const std::string_view n = model.name();
  if (n == "fspl") return std::make_unique<FreeSpaceKernel>(link);
  if (!model.uses_terrain()) return make_distance_only(model, link);
  if (n == "hata") return make_hata(model, link);
  if (n == "deygout") return make_deygout(model, link);
  if (n == "p526") return make_p526(link);
  if (n == "p1812") return make_p1812(link);
  if (n == "itm") return make_itm(link);
  return nullptr;
}

}  // namespace phusong::kernels
