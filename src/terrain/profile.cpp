#include "phusong/terrain/profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace phusong {

bool extract_profile(const Raster<float>& dem, double x0, double y0, double x1, double y1, double step_m,
                     prop::Profile& out) {
  out.clear();
  const double len = std::hypot(x1 - x0, y1 - y0);
  const int n = std::max(1, static_cast<int>(std::ceil(len / step_m - 1e-9)));
  out.distance_m.resize(static_cast<size_t>(n) + 1);
  out.height_m.resize(static_cast<size_t>(n) + 1);
  const Grid& g = dem.grid();
  // Fractional (column, row) of the ends, cell centres at integers, as in
  // sample_bilinear.  When both ends have their four bilinear neighbours
  // inside the grid, so has every point between them: interpolate without
  // sample_bilinear's bounds checks and clamps, stepping in grid coordinates
  // (the margin keeps the interpolated positions' rounding off the last
  // column and row).
  const double fc0 = g.col_f(x0) - 0.5, fr0 = g.row_f(y0) - 0.5;
  const double fc1 = g.col_f(x1) - 0.5, fr1 = g.row_f(y1) - 0.5;
  if (segment_inside(g, fc0, fr0, fc1, fr1)) {
    const float* data = dem.data().data();
    const std::size_t cols = static_cast<std::size_t>(g.cols);
    for (int i = 0; i <= n; ++i) {
      const double t = static_cast<double>(i) / n;
      const double z = bilinear_cell_inside(data, cols, fc0 + t * (fc1 - fc0), fr0 + t * (fr1 - fr0)).value();
      if (std::isnan(z)) return false;
      out.distance_m[i] = t * len;
      out.height_m[i] = z;
    }
    return true;
  }
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
