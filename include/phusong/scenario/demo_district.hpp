#pragma once
// The project's embedded default district: a SYNTHETIC mountain district
// modelled on the Truong Son districts of Quảng Trị ("Huyện Sơn Khê
// (synthetic)").  make_demo_district() writes, deterministically (same seed →
// same bytes on the same GDAL build; same pixel values and text everywhere):
//   dem.tif            Int16 GeoTIFF, EPSG:32648, 30 m, 840 × 840 cells
//   communes.geojson   13 commune polygons (EPSG:4326, RFC 7946)
//   villages.csv       id,name,commune,population,lon,lat
//   sites.csv          one row per cell (sector) of the mobile networks
//   README.md          what the files are, the seed and the command
// Nothing in it describes real villages, sites or terrain.
#include <cstdint>
#include <filesystem>
#include <string>

#include "phusong/raster/raster.hpp"

namespace phusong {

inline constexpr std::uint64_t kDemoDefaultSeed = 16650106750ULL;  // 16.650 N, 106.750 E

struct DemoDistrictOptions {
  std::filesystem::path out_dir = "geodata/demo";
  std::uint64_t seed = kDemoDefaultSeed;
};

// What was written, for the CLI's report and for tests.
struct DemoDistrictSummary {
  double min_height_m = 0.0;
  double max_height_m = 0.0;
  int communes = 0;
  int villages = 0;
  int sites = 0;
  int cells = 0;
  // Villages whose best LTE cell gives an estimated RSRP below the threshold
  // (Deygout terrain loss, sector pattern and a 10 dB allowance for clutter).
  int villages_uncovered_estimate = 0;
  double rsrp_threshold_dbm = -110.0;
};

// Writes the district into opt.out_dir (created if needed; existing files of
// the same names are replaced).  Throws phusong::Error on I/O failure.
void make_demo_district(const DemoDistrictOptions& opt);
// The same, returning the summary.
DemoDistrictSummary generate_demo_district(const DemoDistrictOptions& opt);

// A SYNTHETIC province for scale runs (docs/performance.md): a square of
// area_km2 at 30 m (Int16 GeoTIFF, EPSG:32648, ridged-noise mountains),
// `sites` three-sector LTE sites of three carriers on a jittered lattice,
// two villages a site in 20 communes (names only), and scenario.yaml
// (model fspl, engine fast, radius_km).  Same seed, same files.
struct DemoProvinceOptions {
  std::filesystem::path out_dir;
  double area_km2 = 5000.0;
  int sites = 1000;
  double radius_km = 8.0;
  std::uint64_t seed = kDemoDefaultSeed;
};
struct DemoProvinceSummary {
  int rows = 0, cols = 0, sites = 0, cells = 0, villages = 0;
};
DemoProvinceSummary make_demo_province(const DemoProvinceOptions& opt);

// The DEM grid (EPSG:32648): 840 × 840 cells of 30 m, origin on multiples of
// 30 m, centred on 106.75 E 16.65 N to within 30 m.
Grid demo_district_grid();

}  // namespace phusong
