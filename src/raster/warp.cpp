#include "phusong/raster/warp.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_alg.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "phusong/core/error.hpp"

namespace phusong {

namespace {

// The whole-grid transformer with the band's and the source window's row
// offsets applied to pixel rows (integers: exact for rows within range).
struct OffsetTransform {
  void* base = nullptr;
  double dst_row0 = 0.0;
  double src_row0 = 0.0;
};

int offset_transform(void* arg, int dst_to_src, int n, double* x, double* y, double* z, int* ok) {
  const auto* t = static_cast<const OffsetTransform*>(arg);
  const double in_off = dst_to_src ? t->dst_row0 : t->src_row0;
  const double out_off = dst_to_src ? t->src_row0 : t->dst_row0;
  for (int i = 0; i < n; ++i) y[i] += in_off;
  const int r = GDALGenImgProjTransform(t->base, dst_to_src, n, x, y, z, ok);
  for (int i = 0; i < n; ++i) y[i] -= out_off;
  return r;
}

struct BaseTransformer {
  void* h = nullptr;
  BaseTransformer(const WarpSource& src, const Grid& grid) {
    double dgt[6];
    Grid whole = grid;
    whole.row0 = 0;
    whole.geotransform(dgt);
    h = GDALCreateGenImgProjTransformer3(src.crs_wkt.c_str(), src.file_gt, grid.crs_wkt.c_str(), dgt);
    if (!h) throw Error("cannot build the transformation onto the working grid: " + gdal_last_error());
  }
  ~BaseTransformer() { GDALDestroyGenImgProjTransformer(h); }
  BaseTransformer(const BaseTransformer&) = delete;
  BaseTransformer& operator=(const BaseTransformer&) = delete;
};

// The source pixel bounds (the whole file's pixel coordinates) of a grid's
// outline: {x_min, y_min, x_max, y_max}; false when a point does not transform.
bool outline_in_source(void* base, const Grid& grid, double out[4]) {
  std::vector<double> xs, ys;
  const int nx = std::min(grid.cols, 1024), ny = std::min(grid.rows, 1024);
  for (int i = 0; i <= nx; ++i) {
    const double px = static_cast<double>(grid.cols) * i / nx;
    xs.insert(xs.end(), {px, px});
    ys.insert(ys.end(), {static_cast<double>(grid.row0), static_cast<double>(grid.row0 + grid.rows)});
  }
  for (int j = 0; j <= ny; ++j) {
    const double py = grid.row0 + static_cast<double>(grid.rows) * j / ny;
    xs.insert(xs.end(), {0.0, static_cast<double>(grid.cols)});
    ys.insert(ys.end(), {py, py});
  }
  std::vector<double> zs(xs.size(), 0.0);
  std::vector<int> ok(xs.size(), 0);
  GDALGenImgProjTransform(base, TRUE, static_cast<int>(xs.size()), xs.data(), ys.data(), zs.data(), ok.data());
  out[0] = out[1] = INFINITY;
  out[2] = out[3] = -INFINITY;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!ok[i] || !std::isfinite(xs[i]) || !std::isfinite(ys[i])) return false;
    out[0] = std::min(out[0], xs[i]);
    out[1] = std::min(out[1], ys[i]);
    out[2] = std::max(out[2], xs[i]);
    out[3] = std::max(out[3], ys[i]);
  }
  return true;
}

}  // namespace

GdalDataset warp_to_grid(const WarpSource& src, const Grid& grid, int grid_whole_rows, GDALResampleAlg resampling,
                         GDALDataType type, double dst_nodata) {
  gdal_init();
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GdalDataset dst(GDALCreate(mem, "", grid.cols, grid.rows, 1, type, nullptr));
  if (!dst) throw Error("cannot create an in-memory raster of " + std::to_string(grid.cols) + "x" + std::to_string(grid.rows));
  double gt[6];
  grid.geotransform(gt);
  GDALSetGeoTransform(dst.get(), gt);
  GDALSetProjection(dst.get(), grid.crs_wkt.c_str());
  GDALSetRasterNoDataValue(GDALGetRasterBand(dst.get(), 1), dst_nodata);

  BaseTransformer base(src, grid);
  OffsetTransform off{base.h, static_cast<double>(grid.row0), static_cast<double>(src.file_row0)};

  GDALWarpOptions* wo = GDALCreateWarpOptions();
  wo->hSrcDS = src.dataset;
  wo->hDstDS = dst.get();
  wo->nBandCount = 1;
  wo->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  wo->panSrcBands[0] = 1;
  wo->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  wo->panDstBands[0] = 1;
  wo->eResampleAlg = resampling;
  wo->eWorkingDataType = type;
  int has_nd = 0;
  const double src_nd = GDALGetRasterNoDataValue(GDALGetRasterBand(src.dataset, 1), &has_nd);
  if (has_nd) {
    wo->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
    wo->padfSrcNoDataReal[0] = src_nd;
  }
  wo->padfDstNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
  wo->padfDstNoDataReal[0] = dst_nodata;
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "NO_DATA");
  // GDAL widens the bilinear/cubic kernel by the destination-to-source size
  // ratio of each chunk it warps, so values would depend on the chunking and
  // on the band.  One ratio, from the whole grid's outline, for every chunk.
  if (resampling != GRA_NearestNeighbour) {
    Grid whole = grid;
    whole.row0 = 0;
    whole.rows = grid_whole_rows;
    double ext[4];
    if (outline_in_source(base.h, whole, ext) && ext[2] > ext[0] && ext[3] > ext[1]) {
      wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "XSCALE", CPLSPrintf("%.17g", whole.cols / (ext[2] - ext[0])));
      wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "YSCALE", CPLSPrintf("%.17g", whole.rows / (ext[3] - ext[1])));
    }
  }
  wo->pfnTransformer = offset_transform;
  wo->pTransformerArg = &off;
  GDALWarpOperationH op = GDALCreateWarpOperation(wo);
  CPLErr err = CE_Failure;
  if (op) {
    err = GDALChunkAndWarpImage(op, 0, 0, grid.cols, grid.rows);
    GDALDestroyWarpOperation(op);
  }
  GDALDestroyWarpOptions(wo);
  if (!op || err != CE_None) throw Error("cannot warp onto the working grid: " + gdal_last_error());
  return dst;
}

std::pair<int, int> source_rows_for(const WarpSource& src, int file_rows, const Grid& grid, int margin_rows) {
  BaseTransformer base(src, grid);
  double ext[4];
  if (!outline_in_source(base.h, grid, ext)) return {0, file_rows};
  const double first = std::floor(ext[1]) - margin_rows, end = std::ceil(ext[3]) + 1 + margin_rows;
  const int f = static_cast<int>(std::clamp(first, 0.0, static_cast<double>(file_rows)));
  const int e = static_cast<int>(std::clamp(end, 0.0, static_cast<double>(file_rows)));
  if (e <= f) return {0, 0};
  return {f, e};
}

}  // namespace phusong
