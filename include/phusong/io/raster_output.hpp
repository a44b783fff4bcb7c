#pragma once
// Writing rasters as Cloud-Optimized GeoTIFF (GDAL's COG driver): tiled,
// DEFLATE, with overviews, CRS, nodata, band description and unit.  Written
// to a temporary name beside the target and renamed when complete.
#include <cstdint>
#include <map>
#include <string>

#include "phusong/raster/raster.hpp"

namespace phusong::io {

struct BandInfo {
  std::string description;  // e.g. "best-server RSRP"
  std::string unit;         // e.g. "dBm"
  std::map<std::string, std::string> metadata;  // dataset metadata items
  bool categorical = false; // overviews by nearest neighbour instead of average
};

// threads: how many threads compress the tiles (GDAL's NUM_THREADS; 0 = all
// cores).  The file's bytes do not depend on it (unit test "COG: the same
// bytes whatever the compression threads").
void write_cog(const std::string& path, const Raster<float>& r, const BandInfo& info, int threads = 1);
void write_cog(const std::string& path, const Raster<std::int16_t>& r, std::int16_t nodata, const BandInfo& info,
               int threads = 1);
void write_cog(const std::string& path, const Raster<std::uint8_t>& r, const BandInfo& info, int threads = 1);

// A unique temporary name next to `path` (same folder, so rename is atomic).
std::string temp_name_for(const std::string& path);
// Renames tmp -> path, replacing it; throws Error on failure.
void commit_file(const std::string& tmp, const std::string& path);

}  // namespace phusong::io
