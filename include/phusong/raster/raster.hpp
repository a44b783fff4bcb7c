#pragma once
// A north-up grid and a typed raster on it.  Row 0 is the northern edge;
// cell (r, c) covers x in [x_min + c*dx, x_min + (c+1)*dx) and
// y in (y_max - (row0+r+1)*dy, y_max - (row0+r)*dy].  Floating rasters use NaN
// as no data.
//
// A band of a larger grid (a shard's tile and its margin) keeps the larger
// grid's y_max and counts its rows from row0: positions and fractional rows
// are computed exactly as on the larger grid (row_f subtracts the integer
// row0 last, which is exact), so that a value computed on the band is the
// same double as on the whole grid.  row0 = 0 for an ordinary grid.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace phusong {

struct Grid {
  int rows = 0;
  int cols = 0;
  double x_min = 0.0;   // western edge (CRS units)
  double y_max = 0.0;   // northern edge (CRS units)
  double dx = 1.0;      // cell width  (> 0)
  double dy = 1.0;      // cell height (> 0)
  std::string crs_wkt;  // working CRS, WKT2
  int row0 = 0;         // rows of the whole grid above this band (see above)

  std::size_t size() const { return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols); }
  double x_max() const { return x_min + cols * dx; }
  double y_top() const { return y_max - row0 * dy; }  // northern edge of this band
  double y_min() const { return y_max - (row0 + rows) * dy; }
  double cell_x(int c) const { return x_min + (c + 0.5) * dx; }
  double cell_y(int r) const { return y_max - ((row0 + r) + 0.5) * dy; }
  // Continuous (fractional) column/row of a point; cell centres are at .5.
  double col_f(double x) const { return (x - x_min) / dx; }
  double row_f(double y) const { return (y_max - y) / dy - row0; }
  bool contains(double x, double y) const {
    return x >= x_min && x < x_max() && y > y_min() && y <= y_top();
  }
  // GDAL geotransform of this band.
  void geotransform(double gt[6]) const {
    gt[0] = x_min; gt[1] = dx; gt[2] = 0.0; gt[3] = y_top(); gt[4] = 0.0; gt[5] = -dy;
  }
  bool same_layout(const Grid& o) const {
    return rows == o.rows && cols == o.cols && x_min == o.x_min && y_max == o.y_max &&
           dx == o.dx && dy == o.dy && row0 == o.row0;
  }
  // Rows [first, end) of this grid (counted from this grid's first row) as a
  // band of the same whole grid.
  Grid band(int first, int end) const {
    Grid b = *this;
    b.row0 = row0 + first;
    b.rows = end - first;
    return b;
  }
};

template <typename T>
class Raster {
 public:
  Raster() = default;
  Raster(Grid grid, T fill) : grid_(std::move(grid)), data_(grid_.size(), fill) {}

  const Grid& grid() const { return grid_; }
  int rows() const { return grid_.rows; }
  int cols() const { return grid_.cols; }
  T& at(int r, int c) { return data_[index(r, c)]; }
  const T& at(int r, int c) const { return data_[index(r, c)]; }
  T* row(int r) { return data_.data() + index(r, 0); }
  const T* row(int r) const { return data_.data() + index(r, 0); }
  std::vector<T>& data() { return data_; }
  const std::vector<T>& data() const { return data_; }
  bool in_bounds(int r, int c) const { return r >= 0 && c >= 0 && r < grid_.rows && c < grid_.cols; }

 private:
  std::size_t index(int r, int c) const {
    return static_cast<std::size_t>(r) * static_cast<std::size_t>(grid_.cols) + static_cast<std::size_t>(c);
  }
  Grid grid_;
  std::vector<T> data_;
};

// The block of a grid's cells whose centres can lie within radius_m of
// (x, y): rows r0..r1 and columns c0..c1 (inclusive), clipped to the grid
// (empty when r1 < r0 or c1 < c0).
struct CellWindow {
  int r0 = 0, r1 = -1, c0 = 0, c1 = -1;
  int rows() const { return std::max(0, r1 - r0 + 1); }
  int cols() const { return std::max(0, c1 - c0 + 1); }
  bool contains(int r, int c) const { return r >= r0 && r <= r1 && c >= c0 && c <= c1; }
};
inline CellWindow window_within(const Grid& g, double x, double y, double radius_m) {
  CellWindow w;
  w.c0 = std::max(0, static_cast<int>(std::floor(g.col_f(x - radius_m))));
  w.c1 = std::min(g.cols - 1, static_cast<int>(std::floor(g.col_f(x + radius_m))));
  w.r0 = std::max(0, static_cast<int>(std::floor(g.row_f(y + radius_m))));
  w.r1 = std::min(g.rows - 1, static_cast<int>(std::floor(g.row_f(y - radius_m))));
  return w;
}

// Every cell of g as a window.
inline CellWindow whole_window(const Grid& g) { return CellWindow{0, g.rows - 1, 0, g.cols - 1}; }

// A raster over window w of grid g only: w.rows() x w.cols() cells, cell
// (i, j) standing for g's cell (w.r0 + i, w.c0 + j).  Its grid is that block
// of g (a band of the same whole grid; its x_min shifted by w.c0 cells), for
// writing it out; computations take positions from g itself.
template <typename T>
Raster<T> window_raster(const Grid& g, const CellWindow& w, T fill) {
  Grid b = g.band(w.r0, w.r0 + w.rows());
  b.x_min = g.x_min + w.c0 * g.dx;
  b.cols = w.cols();
  return Raster<T>(std::move(b), fill);
}

inline constexpr float kNoDataF = std::numeric_limits<float>::quiet_NaN();

// The bilinear interpolation every terrain sampler shares (sample_bilinear,
// extract_profile, the radial engine's rays): the four values around a
// fractional grid position and the position's fractions in that cell.
// Fractional positions put cell centres at integers (fc = col_f(x) - 0.5,
// fr = row_f(y) - 0.5).
struct BilinearCell {
  double a, b, c, d;  // corners (r0, c0) (r0, c1) / (r1, c0) (r1, c1), the north row first
  double tx, ty;      // fractions towards c1 (east) and r1 (south)
  double value() const { return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty; }
};

// The cell at (fc, fr) with the position clamped to the outermost cell
// centres (the edge half-cells take the edge values).
inline BilinearCell bilinear_cell_clamped(const Raster<float>& ras, double fc, double fr) {
  const Grid& g = ras.grid();
  fc = std::clamp(fc, 0.0, static_cast<double>(g.cols - 1));
  fr = std::clamp(fr, 0.0, static_cast<double>(g.rows - 1));
  const int c0 = std::min(static_cast<int>(fc), g.cols - 1);
  const int r0 = std::min(static_cast<int>(fr), g.rows - 1);
  const int c1 = std::min(c0 + 1, g.cols - 1);
  const int r1 = std::min(r0 + 1, g.rows - 1);
  return {ras.at(r0, c0), ras.at(r0, c1), ras.at(r1, c0), ras.at(r1, c1), fc - c0, fr - r0};
}

// The same without clamps or bounds checks, for the hot loops: the caller
// guarantees 0 <= fc < cols - 1 and 0 <= fr < rows - 1 (data: the raster's
// row-major values, cols: its width).
inline BilinearCell bilinear_cell_inside(const float* data, std::size_t cols, double fc, double fr) {
  const int c0 = static_cast<int>(fc), r0 = static_cast<int>(fr);
  const float* p = data + static_cast<std::size_t>(r0) * cols + static_cast<std::size_t>(c0);
  return {p[0], p[1], p[cols], p[cols + 1], fc - c0, fr - r0};
}

// True when every point of the segment from (fc0, fr0) to (fc1, fr1)
// (fractional positions as above) may go to bilinear_cell_inside(): both
// ends at or past the first cell centres and a margin short of the last,
// which keeps the roundings of positions stepped between them off the last
// column and row.
inline bool segment_inside(const Grid& g, double fc0, double fr0, double fc1, double fr1) {
  constexpr double kMargin = 1e-6;
  return std::min(fc0, fc1) >= 0.0 && std::max(fc0, fc1) < g.cols - 1 - kMargin && std::min(fr0, fr1) >= 0.0 &&
         std::max(fr0, fr1) < g.rows - 1 - kMargin;
}

// Bilinear sample at a point in CRS units; NaN outside the grid or where a
// neighbour is NaN.  Edge cells clamp to the outermost cell centres.
// Inline: the radial engine calls it a few times per cell.
inline double sample_bilinear(const Raster<float>& ras, double x, double y) {
  const Grid& g = ras.grid();
  if (!(x >= g.x_min && x <= g.x_max() && y >= g.y_min() && y <= g.y_top())) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return bilinear_cell_clamped(ras, g.col_f(x) - 0.5, g.row_f(y) - 0.5).value();
}

}  // namespace phusong
