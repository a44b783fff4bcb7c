// Line-of-sight backhaul with 60 % first-Fresnel-zone clearance.
//   F1 = sqrt(λ d1 d2 / d): ITU-R P.530-18 eq. (2) (first Fresnel ellipsoid radius).
//   Clearance criterion: 0.6 F1 at model.k_factor, the usual line-of-sight
//   screening rule.  It is not the whole of ITU-R P.530-18 §2.2.2.1, whose
//   planning criteria also ask for clearance at the k-factor exceeded 99.9 %
//   of the time, which depends on the path length (docs/planning.md).
//   Earth bulge d1 d2 / (2 k a): as in the diffraction models (models.hpp).
#include "phusong/planning/backhaul.hpp"

#include <cmath>
#include <limits>

#include "phusong/propagation/models.hpp"
#include "phusong/terrain/profile.hpp"

namespace phusong::planning {

double fresnel_clearance_ratio(const Raster<float>& dem, const Mast& a, const Mast& b, double freq_mhz,
                               double k_factor) {
  const Grid& g = dem.grid();
  const double step = std::min(g.dx, g.dy);
  prop::Profile prof;
  if (!extract_profile(dem, a.x, a.y, b.x, b.y, step, prof)) return std::nan("");
  const size_t n = prof.size();
  if (n < 3) return std::numeric_limits<double>::infinity();
  const double d = prof.length_m();
  const double lambda = prop::wavelength_m(freq_mhz);
  const double ya = prof.height_m.front() + a.height_m;
  const double yb = prof.height_m.back() + b.height_m;
  double worst = std::numeric_limits<double>::infinity();
  for (size_t i = 1; i + 1 < n; ++i) {
    const double d1 = prof.distance_m[i], d2 = d - d1;
    if (d1 <= 0 || d2 <= 0) continue;
    const double ray = ya + (yb - ya) * d1 / d;
    const double ground = prof.height_m[i] + prop::earth_bulge_m(d1, d2, k_factor);
    const double f1 = std::sqrt(lambda * d1 * d2 / d);
    worst = std::min(worst, (ray - ground) / f1);
  }
  return worst;
}

std::vector<BackhaulLink> plan_backhaul(const Raster<float>& dem, const std::vector<Mast>& existing,
                                        const std::vector<Mast>& proposed, double freq_mhz, double max_km,
                                        double k_factor) {
  const double max_m = max_km * 1000.0;
  auto dist = [](const Mast& a, const Mast& b) { return std::hypot(a.x - b.x, a.y - b.y); };
  std::vector<BackhaulLink> out(proposed.size());
  for (size_t i = 0; i < proposed.size(); ++i) {
    BackhaulLink& L = out[i];
    L.from = static_cast<int>(i);
    double best = INFINITY;
    for (size_t j = 0; j < existing.size(); ++j) {
      const double d = dist(proposed[i], existing[j]);
      if (d > max_m || d >= best) continue;
      const double r = fresnel_clearance_ratio(dem, proposed[i], existing[j], freq_mhz, k_factor);
      if (r >= 0.6) {
        best = d;
        L.to = static_cast<int>(j);
        L.distance_km = d / 1000.0;
        L.clearance_ratio = r;
        L.status = "clear to existing site " + existing[j].id;
      }
    }
  }
  // Relays through proposed sites that are connected, until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < proposed.size(); ++i) {
      if (out[i].to >= 0) continue;
      double best = INFINITY;
      for (size_t j = 0; j < proposed.size(); ++j) {
        if (j == i || out[j].to < 0) continue;
        const double d = dist(proposed[i], proposed[j]);
        if (d > max_m || d >= best) continue;
        const double r = fresnel_clearance_ratio(dem, proposed[i], proposed[j], freq_mhz, k_factor);
        if (r >= 0.6) {
          best = d;
          out[i].to = static_cast<int>(j);
          out[i].to_proposed = true;
          out[i].distance_km = d / 1000.0;
          out[i].clearance_ratio = r;
          out[i].status = "clear to proposed site " + proposed[j].id;
        }
      }
      if (out[i].to >= 0) changed = true;
    }
  }
  for (auto& L : out)
    if (L.to < 0) L.status = "needs relay / satellite";
  return out;
}

}  // namespace phusong::planning
