#pragma once
// Digital elevation models: reading any GDAL raster, filling voids, and
// resampling onto the working grid (a projected CRS, square cells).
#include <functional>
#include <optional>
#include <utility>
#include <string>

#include "phusong/raster/raster.hpp"

namespace phusong {

struct Extent {
  double x_min, y_min, x_max, y_max;
};

struct DemRequest {
  std::string path;
  std::string working_crs;          // "EPSG:n"/WKT; empty = UTM zone of the DEM centre
  double resolution_m = 0.0;        // 0 = about the DEM's own resolution
  std::optional<Extent> extent;     // in the working CRS; empty = the DEM's extent
  // Rows [first, end) of the whole working grid to load (a shard's tile and
  // its margin), given that grid; empty = all.  Only the source rows the band
  // needs (plus the void-filling margin) are read, and every cell of the band
  // gets the value the whole grid has there (raster/warp.hpp).
  std::function<std::pair<int, int>(const Grid& whole)> rows;
  // Memory the caller will need per working-grid cell on top of the DEM's;
  // load_dem refuses (InputError naming memory_source, with the estimate in
  // GiB and memory_expected) a grid whose estimate exceeds the memory limit.
  double run_bytes_per_cell = 0.0;
  std::string memory_source, memory_expected;
};

// Memory this process may use: the smaller of the physical memory and the
// cgroup limit (bytes).
double memory_limit_bytes();

struct DemInfo {
  std::string path;
  std::string source_crs_wkt;
  std::string working_crs;          // "EPSG:n" when chosen automatically, else as given
  long long voids_filled = 0;       // source cells read that were no data and were filled
  long long source_cells = 0;       // source cells read (the rows the grid needs)
  double min_m = 0.0, max_m = 0.0;  // after filling, on the working grid (band)
  Grid whole_grid;                  // the whole working grid (elevation_m may be a band of it)
  std::string vertical_unit = "m";
};

struct Dem {
  Raster<float> elevation_m;  // working grid; NaN only outside the source DEM's coverage
  DemInfo info;
};

// Reads the source rows the working grid (or the requested band of it) needs
// with a margin of 202 rows, checks them (CRS present, band numeric, not all
// void, heights plausible in metres, source and working grid within memory),
// fills voids by inverse-distance interpolation from the void's edge
// (GDALFillNodata, up to 200 cells, then the nearest valid value along the
// row, then the column), and warps bilinearly onto the grid with the exact
// transformer.  The margin makes a cell's value independent of the band it is
// loaded in, except where a whole source row is void (the column fallback).
// Throws InputError naming the file.
Dem load_dem(const DemRequest& req);

// Fills NaN cells in place by inverse-distance weighting from the void's
// edge (GDALFillNodata); returns how many cells were filled.  Cells still
// empty after max_distance_cells take the nearest filled value row-wise.
long long fill_voids(Raster<float>& r, double max_distance_cells = 200.0);

}  // namespace phusong
