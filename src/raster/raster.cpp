#include "phusong/raster/raster.hpp"

#include <algorithm>

namespace phusong {

double sample_bilinear(const Raster<float>& ras, double x, double y) {
  const Grid& g = ras.grid();
  if (!(x >= g.x_min && x <= g.x_max() && y >= g.y_min() && y <= g.y_top())) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double fc = std::clamp(g.col_f(x) - 0.5, 0.0, static_cast<double>(g.cols - 1));
  const double fr = std::clamp(g.row_f(y) - 0.5, 0.0, static_cast<double>(g.rows - 1));
  const int c0 = std::min(static_cast<int>(fc), g.cols - 1);
  const int r0 = std::min(static_cast<int>(fr), g.rows - 1);
  const int c1 = std::min(c0 + 1, g.cols - 1);
  const int r1 = std::min(r0 + 1, g.rows - 1);
  const double tx = fc - c0, ty = fr - r0;
  const double a = ras.at(r0, c0), b = ras.at(r0, c1), c = ras.at(r1, c0), d = ras.at(r1, c1);
  return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
}

}  // namespace phusong
