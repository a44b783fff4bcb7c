#pragma once
// Terrain profiles sampled from a DEM on the working grid.
#include "phusong/propagation/model.hpp"
#include "phusong/raster/raster.hpp"

namespace phusong {

// Fills `out` with heights along the straight line (x0,y0) -> (x1,y1) (grid
// CRS), one sample every step_m with the last exactly at the end, bilinear.
// Returns false (out left partial) if any sample is no data or outside.
bool extract_profile(const Raster<float>& dem, double x0, double y0, double x1, double y1, double step_m,
                     prop::Profile& out);

}  // namespace phusong
