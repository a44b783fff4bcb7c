#include "phusong/terrain/profile.hpp"

#include <cmath>

namespace phusong {

bool extract_profile(const Raster<float>& dem, double x0, double y0, double x1, double y1, double step_m,
                     prop::Profile& out) {
  out.clear();
  const double len = std::hypot(x1 - x0, y1 - y0);
  const int n = std::max(1, static_cast<int>(std::ceil(len / step_m - 1e-9)));
  out.distance_m.resize(static_cast<size_t>(n) + 1);
  out.height_m.resize(static_cast<size_t>(n) + 1);
  for (int i = 0; i <= n; ++i) {
    const double t = static_cast<double>(i) / n;
    const double z = sample_bilinear(dem, x0 + t * (x1 - x0), y0 + t * (y1 - y0));
    if (std::isnan(z)) return false;
    out.distance_m[i] = t * len;
    out.height_m[i] = z;
  }
  return true;
}

}  // namespace phusong
