#pragma once
// Reprojection onto a working grid, or onto a band of it, through GDAL's warp
// kernel.  The transformer is PROJ's exact one at every 16th column of the
// whole grid and linear in between on each row (not GDAL's approximating
// transformer, whose nodes depend on the chunk being warped): within
// 3.5e-5 of a 3-second source pixel for 30 m UTM cells (see warp.cpp).
//
// A band (Grid::row0 > 0) is warped so that each of its cells gets the very
// value a warp onto the whole grid gives that cell: the transformer is built
// on the whole grid's and the whole source file's geotransforms, and the
// band's and the source window's row offsets are added to and taken from the
// pixel coordinates as integers (exact).  This is what lets a shard load only
// its tile of the terrain and still compute a single run's values.
#include <gdal.h>
#include <gdalwarper.h>

#include <string>
#include <utility>

#include "phusong/raster/gdal_raii.hpp"
#include "phusong/raster/raster.hpp"

namespace phusong {

struct WarpSource {
  GDALDatasetH dataset = nullptr;  // band 1 is warped
  double file_gt[6] = {0, 1, 0, 0, 0, -1};  // geotransform of the whole file
  int file_row0 = 0;                // rows of the file above `dataset` (a window read by rows; 0: the file)
  std::string crs_wkt;
};

// Warps onto `grid` (its crs_wkt; a band when row0 > 0 of a whole grid of
// `grid_whole_rows` rows) into an in-memory dataset of grid.cols x grid.rows
// of `type`, cells no source covers set to `dst_nodata`.  Averaging kernels
// (bilinear and wider) use the one destination-to-source ratio of the whole
// grid, not GDAL's per-chunk ratio.  Throws Error when GDAL fails.
GdalDataset warp_to_grid(const WarpSource& src, const Grid& grid, int grid_whole_rows, GDALResampleAlg resampling,
                         GDALDataType type, double dst_nodata);

// The smallest window of source rows [first, end) (of a file of `file_rows`
// rows and the geotransform and CRS in `src`) that the cells of `grid` can
// read, widened by `margin_rows` on each side: from the band's outline
// transformed into the source.  The whole file when the outline does not
// transform.
std::pair<int, int> source_rows_for(const WarpSource& src, int file_rows, const Grid& grid, int margin_rows);

}  // namespace phusong
