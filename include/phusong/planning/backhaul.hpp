#pragma once
// Microwave backhaul for proposed sites: line of sight with the first
// Fresnel zone at least 60 % clear (docs/planning.md).
#include <string>
#include <vector>

#include "phusong/raster/raster.hpp"

namespace phusong::planning {

struct Mast {
  std::string id;
  double x = 0, y = 0;  // working CRS
  double height_m = 30; // antenna above ground
  bool proposed = false;
};

// Worst ratio clearance / (first Fresnel zone radius) along the path between
// the antennas of a and b over the DEM, with the earth's bulge for effective
// radius k·a: clearance = ray height - (terrain + d1 d2 / (2 k a)), the first
// Fresnel zone radius F1 = sqrt(λ d1 d2 / d) (ITU-R P.530-18 eq. (2)).  The
// path is clear (ITU-R P.530 §2.2.2.1 criterion for k = 4/3, here at the
// scenario's k) when the ratio is >= 0.6.  NaN when the terrain is unknown on
// the path; +inf for paths with no interior sample.
double fresnel_clearance_ratio(const Raster<float>& dem, const Mast& a, const Mast& b, double freq_mhz,
                               double k_factor);

struct BackhaulLink {
  int from = -1;             // index into `proposed`
  int to = -1;               // index into `existing`, or into `proposed` (to_proposed), or -1
  bool to_proposed = false;
  double distance_km = 0;
  double clearance_ratio = 0;  // worst clearance / F1 along the chosen link
  std::string status;          // "clear to existing site X", "clear to proposed site Y (...)", "needs relay / satellite"
};

// For each proposed mast: the shortest clear link within max_km to an
// existing mast; failing that, to a proposed mast that has a path to the
// existing network (iterated until nothing changes); else "needs relay /
// satellite".
std::vector<BackhaulLink> plan_backhaul(const Raster<float>& dem, const std::vector<Mast>& existing,
                                        const std::vector<Mast>& proposed, double freq_mhz, double max_km,
                                        double k_factor);

}  // namespace phusong::planning
