// Ray kernels for models whose terrain dependence reduces to a few numbers:
//   * distance-only models (fspl, ITU-R P.525-4 eq. (7); any model with
//     uses_terrain() == false): the loss depends on the path length and the
//     antenna tips only, so the kernel calls the model on the two-point
//     profile (transmitter, receiver).  Exact.
//   * Okumura-Hata / COST-231 (hata.cpp): the only terrain input is the mean
//     height of the effective-height section (3-15 km, or 0.2 d to d for
//     paths shorter than 15 km; ITU-R P.1546-6 Annex 5 §3), kept as running
//     sums of the ray's samples (a binary search finds the section's ends).
//     The kernel then calls the model itself on a three-point profile whose
//     middle sample carries that mean (so the model's own variant logic and
//     free-space floor apply unchanged).  Exact for the ray's samples.
// Also the dispatch of built-in models to their kernels.
#include <algorithm>
#include <cmath>
#include <string>

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

class HataKernel final : public prop::RayKernel {
 public:
  HataKernel(const prop::Model& m, const prop::LinkParams& p) : model_(m), link_(p) {
    prof_.distance_m.assign(3, 0.0);
    prof_.height_m.assign(3, 0.0);
  }
  void begin(double tx_ground_m) noexcept override {
    prof_.height_m[0] = tx_ground_m;
    s_.clear();
    sum_.assign(1, 0.0);
  }
  void push(double distance_m, double height_m) noexcept override {
    s_.push_back(distance_m);
    sum_.push_back(sum_.back() + height_m);
  }
  prop::PathLoss query(double d, double ground_m) noexcept override {
    const double dm = std::max(d, 1.0);
    const double a = dm >= 15000.0 ? 3000.0 : 0.2 * dm;
    const double b = std::min(dm, 15000.0);
    // samples with a <= s <= b: indices [lo, hi) in s_ (sum_ is offset by one)
    const auto lo = std::lower_bound(s_.begin(), s_.end(), a) - s_.begin();
    const auto hi = std::upper_bound(s_.begin(), s_.end(), b) - s_.begin();
    double sum = hi > lo ? sum_[hi] - sum_[lo] : 0.0;
    long cnt = hi > lo ? hi - lo : 0;
    const bool rx_in = d >= a && d <= b;
    if (rx_in) {
      sum += ground_m;
      ++cnt;
    }
    const double avg = cnt > 0 ? sum / static_cast<double>(cnt) : ground_m;
    prof_.distance_m[2] = d;
    prof_.height_m[2] = ground_m;
    if (rx_in) {
      // middle sample inside the section; mean of (middle, receiver) = avg
      prof_.distance_m[1] = 0.5 * (a + d);
      prof_.height_m[1] = 2.0 * avg - ground_m;
    } else {
      // receiver beyond 15 km: the middle sample alone is the section
      prof_.distance_m[1] = 0.5 * (a + b);
      prof_.height_m[1] = avg;
    }
    if (!(prof_.distance_m[1] > 0.0 && prof_.distance_m[1] < d)) {
      // degenerate (receiver closer than 1 m): no interior sample
      prof_.distance_m[1] = 0.5 * d;
      prof_.height_m[1] = ground_m;
    }
    return model_.loss(prof_, link_);
  }

 private:
  const prop::Model& model_;
  prop::LinkParams link_;
  prop::Profile prof_;
  std::vector<double> s_, sum_;
};

}  // namespace

std::unique_ptr<prop::RayKernel> make_distance_only(const prop::Model& model, const prop::LinkParams& link) {
  return std::make_unique<DistanceOnlyKernel>(model, link);
}

std::unique_ptr<prop::RayKernel> make_hata(const prop::Model& model, const prop::LinkParams& link) {
  return std::make_unique<HataKernel>(model, link);
}

std::unique_ptr<prop::RayKernel> make_builtin(const prop::Model& model, const prop::LinkParams& link) {
  const std::string_view n = model.name();
  if (!model.uses_terrain()) return make_distance_only(model, link);
  if (n == "hata") return make_hata(model, link);
  if (n == "deygout") return make_deygout(model, link);
  if (n == "p526") return make_p526(link);
  if (n == "itm") return make_itm(link);
  return nullptr;
}

}  // namespace phusong::kernels
