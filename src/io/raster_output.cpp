#include "phusong/io/raster_output.hpp"

#include <gdal.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong::io {

std::string temp_name_for(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".tmp-" + std::to_string(getpid()))).string();
}

void commit_file(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot rename " + tmp + " to " + path);
  }
}

namespace {

template <typename T>
void write_any(const std::string& path, const Raster<T>& r, GDALDataType type, double nodata, bool has_nodata,
               const BandInfo& info, int threads) {
  gdal_init();
  const Grid& g = r.grid();
  GdalDataset mem(GDALCreate(GDALGetDriverByName("MEM"), "", g.cols, g.rows, 1, type, nullptr));
  if (!mem) throw Error("cannot create in-memory raster for " + path);
  double gt[6];
  g.geotransform(gt);
  GDALSetGeoTransform(mem.get(), gt);
  GDALSetProjection(mem.get(), g.crs_wkt.c_str());
  GDALRasterBandH b = GDALGetRasterBand(mem.get(), 1);
  if (has_nodata) GDALSetRasterNoDataValue(b, nodata);
  GDALSetDescription(b, info.description.c_str());
  if (!info.unit.empty()) GDALSetRasterUnitType(b, info.unit.c_str());
  for (const auto& [k, v] : info.metadata) GDALSetMetadataItem(mem.get(), k.c_str(), v.c_str(), nullptr);
  if (GDALRasterIO(b, GF_Write, 0, 0, g.cols, g.rows, const_cast<T*>(r.data().data()), g.cols, g.rows, type, 0, 0) !=
      CE_None)
    throw Error("cannot fill in-memory raster for " + path);

  std::vector<std::string> opts = {"COMPRESS=DEFLATE", "BLOCKSIZE=256", "OVERVIEWS=AUTO",
                                    "NUM_THREADS=" + (threads <= 0 ? std::string("ALL_CPUS") : std::to_string(threads)),
                                    std::string("RESAMPLING=") + (info.categorical ? "NEAREST" : "AVERAGE"),
                                    std::string("PREDICTOR=") + (type == GDT_Float32 ? "FLOATING_POINT" : "STANDARD")};
  std::vector<char*> copts;
  for (auto& o : opts) copts.push_back(o.data());
  copts.push_back(nullptr);
  const std::string tmp = temp_name_for(path);
  GdalDataset out(GDALCreateCopy(GDALGetDriverByName("COG"), tmp.c_str(), mem.get(), FALSE, copts.data(), nullptr,
                                 nullptr));
  if (!out) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write " + path + ": " + gdal_last_error());
  }
  out.reset();
  commit_file(tmp, path);
}

}  // namespace

void write_cog(const std::string& path, const Raster<float>& r, const BandInfo& info, int threads) {
  write_any(path, r, GDT_Float32, std::nan(""), true, info, threads);
}
void write_cog(const std::string& path, const Raster<std::int16_t>& r, std::int16_t nodata, const BandInfo& info,
               int threads) {
  write_any(path, r, GDT_Int16, nodata, true, info, threads);
}
void write_cog(const std::string& path, const Raster<std::uint8_t>& r, const BandInfo& info, int threads) {
  write_any(path, r, GDT_Byte, 0, false, info, threads);
}

}  // namespace phusong::io
