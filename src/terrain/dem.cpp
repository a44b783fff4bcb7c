#include "phusong/terrain/dem.hpp"

#include <cpl_string.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/raster/warp.hpp"

namespace phusong {

namespace {

constexpr double kSentinel = -32768.0;
// Void filling searches this far (source cells) before the row/column fallback.
constexpr double kFillDistanceCells = 200.0;
// Heights outside this range are treated as voids even without a nodata flag
// (SRTM writes -32768/-32767 in voids; no terrain is outside ±12 km).
constexpr double kMinValid = -12000.0, kMaxValid = 12000.0;

// Values that mark voids in DEMs written without a nodata flag (SRTM's
// -32768/-32767, Int16 maximum, float extremes): voids, not a unit problem.
bool is_sentinel(double v) { return v == -32768.0 || v == -32767.0 || v == 32767.0 || std::abs(v) >= 1e30; }

// Share of the valid cells beyond which heights outside ±12 km mean the file
// is not in metres (centimetres, decimetres) rather than a few bad cells.
constexpr double kImplausibleShare = 0.01;

std::string gib(double bytes) { return fmt_num(std::round(bytes / (1024.0 * 1024.0 * 1024.0) * 10.0) / 10.0); }

void check_memory(double need_bytes, const std::string& source, const std::string& field, const std::string& what,
                  const std::string& expected) {
  const double limit = memory_limit_bytes();
  if (need_bytes > limit) {
    throw InputError(source, field, what + " needs about " + gib(need_bytes) + " GiB, more than the " + gib(limit) +
                                        " GiB of memory available",
                     expected);
  }
}

GdalDataset make_mem(int cols, int rows, const double gt[6], const std::string& wkt) {
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GdalDataset ds(GDALCreate(mem, "", cols, rows, 1, GDT_Float32, nullptr));
  if (!ds) throw Error("cannot create an in-memory raster of " + std::to_string(cols) + "x" + std::to_string(rows));
  GDALSetGeoTransform(ds.get(), const_cast<double*>(gt));
  if (!wkt.empty()) GDALSetProjection(ds.get(), wkt.c_str());
  return ds;
}

}  // namespace

double memory_limit_bytes() {
  double limit = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  // A container's cgroup v2 limit, when there is one ("max" = none).
  std::ifstream cg("/sys/fs/cgroup/memory.max");
  std::string v;
  if (cg >> v && v != "max") {
    char* end = nullptr;
    const double b = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && b > 0) limit = std::min(limit, b);
  }
  return limit;
}

long long fill_voids(Raster<float>& r, double max_distance_cells) {
  long long voids = 0;
  for (float v : r.data()) voids += std::isnan(v) ? 1 : 0;
  if (voids == 0) return 0;
  gdal_init();
  double gt[6];
  r.grid().geotransform(gt);
  GdalDataset ds = make_mem(r.cols(), r.rows(), gt, "");
  GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
  std::vector<float> buf(r.data());
  for (float& v : buf) if (std::isnan(v)) v = static_cast<float>(kSentinel);
  GDALSetRasterNoDataValue(band, kSentinel);
  if (GDALRasterIO(band, GF_Write, 0, 0, r.cols(), r.rows(), buf.data(), r.cols(), r.rows(), GDT_Float32, 0, 0) != CE_None)
    throw Error("void filling: cannot write the in-memory raster");
  if (GDALFillNodata(band, nullptr, max_distance_cells, 0, 0, nullptr, nullptr, nullptr) != CE_None)
    throw Error("void filling failed: " + gdal_last_error());
  if (GDALRasterIO(band, GF_Read, 0, 0, r.cols(), r.rows(), buf.data(), r.cols(), r.rows(), GDT_Float32, 0, 0) != CE_None)
    throw Error("void filling: cannot read back the in-memory raster");
  // Anything still empty (voids wider than the search distance): nearest
  // valid value along the row, then along the column.
  for (float& v : buf) if (v == static_cast<float>(kSentinel)) v = kNoDataF;
  const int rows = r.rows(), cols = r.cols();
  auto pass = [&](bool by_row) {
    const int outer = by_row ? rows : cols, inner = by_row ? cols : rows;
    for (int o = 0; o < outer; ++o) {
      auto at = [&](int i) -> float& { return by_row ? buf[o * (size_t)cols + i] : buf[i * (size_t)cols + o]; };
      int last = -1;
      for (int i = 0; i < inner; ++i) {
        if (!std::isnan(at(i))) {
          if (last < i - 1) {
            for (int k = last + 1; k < i; ++k) {
              at(k) = (last >= 0 && (k - last) <= (i - k)) ? at(last) : at(i);
            }
          }
          last = i;
        }
      }
      if (last >= 0) for (int k = last + 1; k < inner; ++k) at(k) = at(last);
    }
  };
  pass(true);
  pass(false);
  r.data() = std::move(buf);
  return voids;
}

Dem load_dem(const DemRequest& req) {
  gdal_init();
  const std::string& path = req.path;
  if (!std::filesystem::exists(path)) {
    throw InputError(path, "dem", "file not found", "an existing GDAL-readable raster");
  }
  GdalDataset src(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!src) {
    throw InputError(path, "dem", "cannot open as a raster: " + gdal_last_error(),
                     "a GDAL-readable raster such as GeoTIFF or SRTM .hgt");
  }
  OGRSpatialReferenceH srs = GDALGetSpatialRef(src.get());
  char* wkt_c = nullptr;
  const char* wkt_opts[] = {"FORMAT=WKT2_2019", nullptr};
  if (srs) OSRExportToWktEx(srs, &wkt_c, wkt_opts);
  std::string src_wkt = wkt_c ? wkt_c : "";
  CPLFree(wkt_c);
  double gt[6];
  const bool north_up = GDALGetGeoTransform(src.get(), gt) == CE_None && gt[2] == 0.0 && gt[4] == 0.0 && gt[5] < 0.0;
  if (GDALGetRasterCount(src.get()) < 1) throw InputError(path, "band", "raster has no band", "one elevation band");
  const int cols = GDALGetRasterXSize(src.get()), rows = GDALGetRasterYSize(src.get());
  GDALRasterBandH band = GDALGetRasterBand(src.get(), 1);
  // Reads source rows [r0, r1) into a raster on the file's lattice (row0 = r0).
  auto read_rows = [&](int r0, int r1) {
    // Reading holds the heights, the void-filling copy and the in-memory stage.
    check_memory(static_cast<double>(cols) * (r1 - r0) * 12.0, path, "dem",
                 "reading the raster of " + std::to_string(cols) + " x " + std::to_string(r1 - r0) + " cells",
                 "a DEM clipped to the area (e.g. gdal_translate -projwin)");
    Grid sg;
    sg.rows = rows;
    sg.cols = cols;
    sg.x_min = gt[0];
    sg.y_max = gt[3];
    sg.dx = gt[1];
    sg.dy = -gt[5];
    sg.crs_wkt = src_wkt;
    Raster<float> elev(sg.band(r0, r1), 0.0f);
    if (r1 > r0 && GDALRasterIO(band, GF_Read, 0, r0, cols, r1 - r0, elev.data().data(), cols, r1 - r0, GDT_Float32, 0,
                                0) != CE_None) {
      throw InputError(path, "band 1", "cannot read elevations (truncated or damaged file?): " + gdal_last_error(),
                       "a complete GDAL-readable raster");
    }
    return elev;
  };
  // Without a CRS or a north-up geotransform no window can be chosen: the
  // whole file is read first so that a truncated file is reported as such.
  if (!north_up || !srs || OSRIsLocal(srs)) {
    (void)read_rows(0, rows);
    if (!north_up) throw InputError(path, "geotransform", "raster is not north-up", "a north-up grid without rotation");
    throw InputError(path, "crs", "raster has no coordinate reference system",
                     "a georeferenced DEM (e.g. SRTM in EPSG:4326 or a UTM GeoTIFF)");
  }
  DemInfo info;
  info.path = path;
  info.source_crs_wkt = src_wkt;
  if (const char* u = GDALGetRasterUnitType(band); u && *u) info.vertical_unit = u;
  if (info.vertical_unit == "ft" || info.vertical_unit == "foot" || info.vertical_unit == "US survey foot") {
    throw InputError(path, "unit", "elevations are in " + info.vertical_unit, "metres");
  }

  // Working CRS and resolution.
  const bool geographic = OSRIsGeographic(srs);
  const double cx = gt[0] + gt[1] * cols / 2.0, cy = gt[3] + gt[5] * rows / 2.0;
  double clon = cx, clat = cy;
  if (!geographic) {
    Transformer t(src_wkt, kWgs84);
    std::tie(clon, clat) = t.forward(cx, cy);
  }
  info.working_crs = req.working_crs.empty() ? "EPSG:" + std::to_string(utm_epsg_for(clon, clat)) : req.working_crs;
  double res = req.resolution_m;
  if (res <= 0.0) {
    if (geographic) {
      const double m_per_deg = 111320.0;
      res = std::min(gt[1] * m_per_deg * std::cos(clat * M_PI / 180.0), -gt[5] * m_per_deg);
      res = std::max(1.0, std::round(res));
    } else {
      res = std::min(gt[1], -gt[5]);
    }
  }
  const std::string work_wkt = crs_to_wkt(info.working_crs, path);

  // The whole working grid: the requested extent, or the DEM's, snapped
  // outward to multiples of the resolution.
  double ex0, ey0, ex1, ey1;
  if (req.extent) {
    ex0 = req.extent->x_min;
    ey0 = req.extent->y_min;
    ex1 = req.extent->x_max;
    ey1 = req.extent->y_max;
  } else {
    char** topts = CSLSetNameValue(nullptr, "DST_SRS", work_wkt.c_str());
    void* t = GDALCreateGenImgProjTransformer2(src.get(), nullptr, topts);
    CSLDestroy(topts);
    double sgt[6], ext[4];
    int px = 0, py = 0;
    const bool ok = t && GDALSuggestedWarpOutput2(src.get(), GDALGenImgProjTransform, t, sgt, &px, &py, ext, 0) == CE_None;
    if (t) GDALDestroyGenImgProjTransformer(t);
    if (!ok) throw InputError(path, "dem", "cannot reproject to " + info.working_crs + ": " + gdal_last_error());
    ex0 = ext[0];
    ey0 = ext[1];
    ex1 = ext[2];
    ey1 = ext[3];
  }
  Grid whole;
  whole.x_min = std::floor(ex0 / res) * res;
  whole.y_max = std::ceil(ey1 / res) * res;
  whole.dx = whole.dy = res;
  whole.crs_wkt = work_wkt;
  const double wc = std::max(1.0, std::round((std::ceil(ex1 / res) * res - whole.x_min) / res));
  const double hc = std::max(1.0, std::round((whole.y_max - std::floor(ey0 / res) * res) / res));
  if (wc > 2e9 || hc > 2e9) throw InputError(path, "grid", "the working grid is too large", "fewer than 2e9 columns");
  whole.cols = static_cast<int>(wc);
  whole.rows = static_cast<int>(hc);
  info.whole_grid = whole;
  int b0 = 0, b1 = whole.rows;
  if (req.rows) std::tie(b0, b1) = req.rows(whole);
  if (!(0 <= b0 && b0 < b1 && b1 <= whole.rows)) throw Error("load_dem: rows outside the working grid");
  const Grid wg = whole.band(b0, b1);

  // The source rows the band reads, with the margin void filling needs, and
  // the memory of the whole stage refused up front.
  WarpSource ws;
  ws.dataset = src.get();
  std::copy(gt, gt + 6, ws.file_gt);
  ws.crs_wkt = src_wkt;
  const int fill_margin = static_cast<int>(kFillDistanceCells) + 2;
  const auto [s0, s1] = source_rows_for(ws, rows, wg, fill_margin);
  {
    const double need = static_cast<double>(cols) * (s1 - s0) * 12.0 + static_cast<double>(wg.size()) * (8.0 + req.run_bytes_per_cell);
    check_memory(need, req.memory_source.empty() ? path : req.memory_source, "grid",
                 "the working grid of " + fmt_num(wc) + " x " + fmt_num(wg.rows) + " cells of " + fmt_num(res) + " m",
                 req.memory_expected.empty() ? "a smaller area or a coarser resolution" : req.memory_expected);
  }
  if (s1 <= s0) {
    throw InputError(path, "extent", "the DEM does not cover the area of interest", "a DEM covering the sites and villages");
  }
  Raster<float> elev = read_rows(s0, s1);
  int has_nd = 0;
  const double nd = GDALGetRasterNoDataValue(band, &has_nd);
  long long voids = 0, implausible = 0;
  double implausible_example = 0;
  for (float& v : elev.data()) {
    const bool flagged = has_nd && (v == static_cast<float>(nd) || (std::isnan(nd) && std::isnan(v)));
    if (flagged || !(v >= kMinValid && v <= kMaxValid)) {
      if (!flagged && !std::isnan(v) && !is_sentinel(v)) {
        ++implausible;
        implausible_example = v;
      }
      v = kNoDataF;
      ++voids;
    }
  }
  if (voids == static_cast<long long>(elev.data().size()) && implausible == 0) {
    throw InputError(path, "band 1", "every cell is no data", "a DEM with elevations");
  }
  // Heights beyond ±12 km in more than a few cells: not metres (e.g. cm).
  const long long valid = static_cast<long long>(elev.data().size()) - voids + implausible;
  if (implausible > 0 && static_cast<double>(implausible) > kImplausibleShare * static_cast<double>(valid)) {
    throw InputError(path, "band 1", std::to_string(implausible) + " of " + std::to_string(valid) +
                                         " cells have heights beyond ±12000 m (e.g. " + fmt_num(implausible_example) +
                                         "): elevations not in metres?",
                     "elevations in metres, voids flagged with the band's nodata value");
  }
  info.source_cells = static_cast<long long>(elev.data().size());
  info.voids_filled = fill_voids(elev, kFillDistanceCells);

  // Staged in memory (the window's own geotransform) and warped bilinearly.
  double wgt[6];
  elev.grid().geotransform(wgt);
  GdalDataset mem = make_mem(cols, s1 - s0, wgt, src_wkt);
  if (GDALRasterIO(GDALGetRasterBand(mem.get(), 1), GF_Write, 0, 0, cols, s1 - s0, elev.data().data(), cols, s1 - s0,
                   GDT_Float32, 0, 0) != CE_None)
    throw Error("cannot stage the DEM in memory");
  elev = Raster<float>();
  ws.dataset = mem.get();
  ws.file_row0 = s0;
  GdalDataset out;
  try {
    out = warp_to_grid(ws, wg, whole.rows, GRA_Bilinear, GDT_Float32, std::numeric_limits<double>::quiet_NaN());
  } catch (const Error& e) {
    throw InputError(path, "dem", "cannot reproject to " + info.working_crs + ": " + e.what());
  }
  mem.reset();
  Dem dem{Raster<float>(wg, 0.0f), info};
  if (GDALRasterIO(GDALGetRasterBand(out.get(), 1), GF_Read, 0, 0, wg.cols, wg.rows, dem.elevation_m.data().data(),
                   wg.cols, wg.rows, GDT_Float32, 0, 0) != CE_None)
    throw Error("cannot read the reprojected DEM");
  double lo = INFINITY, hi = -INFINITY;
  for (float v : dem.elevation_m.data()) {
    if (std::isnan(v)) continue;
    lo = std::min(lo, static_cast<double>(v));
    hi = std::max(hi, static_cast<double>(v));
  }
  if (!std::isfinite(lo) && !req.rows) {
    throw InputError(path, "extent", "the DEM does not cover the area of interest", "a DEM covering the sites and villages");
  }
  dem.info.min_m = std::isfinite(lo) ? lo : 0.0;
  dem.info.max_m = std::isfinite(hi) ? hi : 0.0;
  return dem;
}

}  // namespace phusong
