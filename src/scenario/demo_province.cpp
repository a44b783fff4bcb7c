// A SYNTHETIC province for scale runs (scenario/demo_district.hpp,
// docs/performance.md "Scale").  Nothing in it describes real terrain,
// villages or sites.
#include <gdal.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/demo_district.hpp"
#include "phusong/terrain/synthetic.hpp"

namespace phusong {

namespace {

constexpr double kCellM = 30.0;
constexpr double kXMin = 600000.0;    // UTM 48N, on the 30 m lattice
constexpr double kYMax = 1950000.0;   // 1950000 = 65000 × 30

std::string fixed6(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6f", v);
  return b;
}

}  // namespace

DemoProvinceSummary make_demo_province(const DemoProvinceOptions& opt) {
  if (!(opt.area_km2 >= 10.0 && opt.area_km2 <= 50000.0))
    throw InputError("command line", "--area-km2", "out of range", "10 to 50000 km²");
  if (opt.sites < 1 || opt.sites > 10000) throw InputError("command line", "--sites", "out of range", "1 to 10000");
  if (!(opt.radius_km > 0.5 && opt.radius_km <= 50)) throw InputError("command line", "--radius-km", "out of range", "0.5 to 50 km");
  DemoProvinceSummary sum;
  const double side_m = std::sqrt(opt.area_km2) * 1000.0;
  const int n = static_cast<int>(std::lround(side_m / kCellM));
  sum.rows = sum.cols = n;
  std::filesystem::create_directories(opt.out_dir);

  // Terrain: ridged multifractal ranges (crest spacing ~15 km) over rolling
  // fBm hills, 100..2100 m, sampled at cell centres.
  const std::uint64_t s_ridge = opt.seed ^ 0x5269646765ULL, s_hill = opt.seed ^ 0x48696c6cULL;
  std::vector<std::int16_t> dem(static_cast<size_t>(n) * n);
  for (int r = 0; r < n; ++r) {
    const double y = kYMax - (r + 0.5) * kCellM;
    for (int c = 0; c < n; ++c) {
      const double x = kXMin + (c + 0.5) * kCellM;
      const double ridge = synth::ridged(x / 15000.0, y / 15000.0, 6, s_ridge);
      const double hill = synth::fbm(x / 4000.0, y / 4000.0, 4, s_hill);
      dem[static_cast<size_t>(r) * n + c] = static_cast<std::int16_t>(std::lround(100.0 + 1700.0 * ridge * ridge + 300.0 * (hill + 0.7)));
    }
  }
  gdal_init();
  const auto dem_path = (opt.out_dir / "dem.tif").string();
  const char* topts[] = {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "BIGTIFF=IF_SAFER", nullptr};
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GTiff"), dem_path.c_str(), n, n, 1, GDT_Int16, const_cast<char**>(topts)));
  if (!ds) throw Error("demo province: cannot create " + dem_path + ": " + gdal_last_error());
  double gt[6] = {kXMin, kCellM, 0, kYMax, 0, -kCellM};
  GDALSetGeoTransform(ds.get(), gt);
  OsrHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), 32648);
  GDALSetSpatialRef(ds.get(), static_cast<OGRSpatialReferenceH>(srs.get()));
  GDALSetMetadataItem(ds.get(), "PHUSONG_SYNTHETIC", "yes", nullptr);
  GDALSetRasterUnitType(GDALGetRasterBand(ds.get(), 1), "m");
  if (GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Write, 0, 0, n, n, dem.data(), n, n, GDT_Int16, 0, 0) != CE_None)
    throw Error("demo province: cannot write " + dem_path + ": " + gdal_last_error());
  ds.reset();

  // Sites: a jittered k × k lattice (first `sites` points), three sectors each.
  Transformer inv("EPSG:32648", kWgs84);
  synth::Rng rng(opt.seed);
  const int k = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(opt.sites))));
  const double pitch = side_m / k;
  const char* carriers[] = {"Viettel", "VNPT", "MobiFone"};
  std::ofstream sites(opt.out_dir / "sites.csv");
  sites << "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,freq_mhz,"
           "bandwidth_mhz,eirp_dbm\n";
  for (int i = 0; i < opt.sites; ++i) {
    const int gr = i / k, gc = i % k;
    const double x = kXMin + (gc + rng.uniform(0.2, 0.8)) * pitch;
    const double y = kYMax - (gr + rng.uniform(0.2, 0.8)) * pitch;
    const auto [lon, lat] = inv.forward(x, y);
    char id[16];
    std::snprintf(id, sizeof id, "P%04d", i + 1);
    for (int sct = 0; sct < 3; ++sct) {
      sites << id << ',' << id << '-' << (sct + 1) << ",site " << (i + 1) << ',' << carriers[i % 3] << ','
            << fixed6(lon) << ',' << fixed6(lat) << ",30," << sct * 120 << ",2,65,lte,1800,10,58\n";
      ++sum.cells;
    }
  }
  sum.sites = opt.sites;
  // Villages: two a site, uniform over the province inside a 1 km border.
  std::ofstream vil(opt.out_dir / "villages.csv");
  vil << "id,name,commune,population,lon,lat\n";
  for (int i = 0; i < 2 * opt.sites; ++i) {
    const double x = kXMin + 1000.0 + rng.uniform() * (side_m - 2000.0);
    const double y = kYMax - 1000.0 - rng.uniform() * (side_m - 2000.0);
    const auto [lon, lat] = inv.forward(x, y);
    vil << 'V' << (i + 1) << ",village " << (i + 1) << ",commune " << (1 + i % 20) << ','
        << rng.uniform_int(100, 2000) << ',' << fixed6(lon) << ',' << fixed6(lat) << '\n';
    ++sum.villages;
  }
  std::ofstream sc(opt.out_dir / "scenario.yaml");
  sc << "# SYNTHETIC province for scale runs: phusong make-demo-district --province --area-km2 "
     << opt.area_km2 << " --sites " << opt.sites << " --radius-km " << opt.radius_km << " --seed " << opt.seed << "\n"
     << "name: synthetic province (" << opt.area_km2 << " km2, " << opt.sites << " sites)\n"
     << "inputs:\n  dem: dem.tif\n  sites: sites.csv\n  villages: villages.csv\n"
     << "grid:\n  crs: EPSG:32648\n  resolution_m: 30\n"
     << "model:\n  name: fspl\n  engine: fast\n"
     << "radio:\n  technology: lte\n  threshold_dbm: -110\n  radius_km: " << opt.radius_km << "\n";
  return sum;
}

}  // namespace phusong
