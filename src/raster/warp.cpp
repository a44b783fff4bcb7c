#include "phusong/raster/warp.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_alg.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "phusong/core/error.hpp"

namespace phusong {

namespace {

// The whole-grid transformer with the band's and the source window's row
// offsets applied to pixel rows (integers: exact for rows within range).
//
// Destination to source (every warped cell asks this way), the exact
// transform is taken only at the lattice columns, multiples of
// kLatticeCols of the whole grid, on the point's own row, and linearly
// interpolated between them.  The lattice is the whole grid's, so a cell's
// source position does not depend on the chunk, the band or the batch that
// asks for it.  The linear term's error is the projection's curvature over
// kLatticeCols cells: for a 30 m UTM grid 2-3.5 degrees off its central
// meridian, 3.5e-5 of a 3-second source pixel (about 3 mm on the ground;
// unit test "warp: the lattice transform stays within 1e-4 source pixels
// ..."), while PROJ's exact inverse (an atan2, a sincos and a sinh per
// point) is called 16 times less often.  Source to destination stays exact.
constexpr int kLatticeCols = 16;

struct OffsetTransform {
  void* base = nullptr;
  double dst_row0 = 0.0;
  double src_row0 = 0.0;
  // work space of the lattice nodes (one batch per call)
  std::vector<double> nx, ny, nz;
  std::vector<int> nok;
  std::vector<std::size_t> node_of;
};

int offset_transform(void* arg, int dst_to_src, int n, double* x, double* y, double* z, int* ok) {
  auto* t = static_cast<OffsetTransform*>(arg);
  const double in_off = dst_to_src ? t->dst_row0 : t->src_row0;
  const double out_off = dst_to_src ? t->src_row0 : t->dst_row0;
  if (!dst_to_src || n <= 0) {
    for (int i = 0; i < n; ++i) y[i] += in_off;
    const int r = GDALGenImgProjTransform(t->base, dst_to_src, n, x, y, z, ok);
    for (int i = 0; i < n; ++i) y[i] -= out_off;
    return r;
  }
  // The nodes (k K, row) and ((k + 1) K, row) of each point, shared by
  // consecutive points of a row; node_of[i] is the first of its two.
  t->nx.clear();
  t->ny.clear();
  t->node_of.resize(static_cast<std::size_t>(n));
  double prev_row = std::numeric_limits<double>::quiet_NaN();
  double prev_k = 0.0;
  for (int i = 0; i < n; ++i) {
    const double row = y[i] + in_off;
    const double k = std::floor(x[i] / kLatticeCols);
    if (!(row == prev_row && k == prev_k)) {
      if (!(row == prev_row && k == prev_k + 1.0)) {
        t->nx.push_back(k * kLatticeCols);
        t->ny.push_back(row);
      }
      t->nx.push_back((k + 1.0) * kLatticeCols);
      t->ny.push_back(row);
      prev_row = row;
      prev_k = k;
    }
    t->node_of[static_cast<std::size_t>(i)] = t->nx.size() - 2;
  }
  const std::size_t m = t->nx.size();
  t->nz.assign(m, 0.0);
  t->nok.assign(m, 0);
  const int r = GDALGenImgProjTransform(t->base, TRUE, static_cast<int>(m), t->nx.data(), t->ny.data(), t->nz.data(),
                                       t->nok.data());
  for (int i = 0; i < n; ++i) {
    const std::size_t a = t->node_of[static_cast<std::size_t>(i)], b = a + 1;
    const double f = x[i] / kLatticeCols - std::floor(x[i] / kLatticeCols);
    ok[i] = t->nok[a] && t->nok[b] && std::isfinite(t->nx[a]) && std::isfinite(t->nx[b]);
    if (!ok[i]) continue;
    x[i] = t->nx[a] + f * (t->nx[b] - t->nx[a]);
    y[i] = t->ny[a] + f * (t->ny[b] - t->ny[a]) - out_off;
    z[i] = t->nz[a] + f * (t->nz[b] - t->nz[a]);
  }
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
  OffsetTransform off;
  off.base = base.h;
  off.dst_row0 = static_cast<double>(grid.row0);
  off.src_row0 = static_cast<double>(src.file_row0);

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
