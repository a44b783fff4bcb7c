// Shared physics for the propagation models.
#include <cmath>

#include "phusong/propagation/model.hpp"

namespace phusong::prop {

Profile Profile::uniform(double step_m, std::vector<double> heights) {
  Profile p;
  p.height_m = std::move(heights);
  p.distance_m.resize(p.height_m.size());
  for (std::size_t i = 0; i < p.height_m.size(); ++i) p.distance_m[i] = step_m * static_cast<double>(i);
  return p;
}

double wavelength_m(double freq_mhz) { return kSpeedOfLight / (freq_mhz * 1e6); }

double fspl_db(double freq_mhz, double distance_m) {
  constexpr double kPi = 3.14159265358979323846;
  return 20.0 * std::log10(4.0 * kPi * distance_m / wavelength_m(freq_mhz));
}

double knife_edge_j_db(double v) {
  if (v <= -0.78) return 0.0;
  const double t = v - 0.1;
  return 6.9 + 20.0 * std::log10(std::sqrt(t * t + 1.0) + t);
}

}  // namespace phusong::prop
