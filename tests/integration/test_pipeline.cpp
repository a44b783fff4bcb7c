// End-to-end tests of `phusong run`: closed-form flat earth, a blocking
// ridge, determinism across thread counts, real SRTM terrain (with voids),
// and bad inputs through the CLI.
#include <doctest/doctest.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/radio/cell.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"
#include "phusong/terrain/dem.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

namespace {

constexpr int kEpsg = 32648;
constexpr double kX0 = 699990, kY0 = 1850010, kCell = 30;  // UTM 48N, NW corner on the 30 m lattice
constexpr int kN = 200;                                     // 6 km square

// Writes a GeoTIFF DEM whose height is f(x, y) at cell centres.
void write_dem(const fs::path& p, const std::function<double(double, double)>& f, bool with_crs = true) {
  gdal_init();
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GTiff"), p.c_str(), kN, kN, 1, GDT_Float32, nullptr));
  REQUIRE(ds);
  double gt[6] = {kX0, kCell, 0, kY0, 0, -kCell};
  GDALSetGeoTransform(ds.get(), gt);
  if (with_crs) {
    OsrHandle srs(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), kEpsg);
    GDALSetSpatialRef(ds.get(), static_cast<OGRSpatialReferenceH>(srs.get()));
  }
  std::vector<float> buf(kN * kN);
  for (int r = 0; r < kN; ++r)
    for (int c = 0; c < kN; ++c) buf[r * kN + c] = static_cast<float>(f(kX0 + (c + 0.5) * kCell, kY0 - (r + 0.5) * kCell));
  REQUIRE(GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Write, 0, 0, kN, kN, buf.data(), kN, kN, GDT_Float32, 0, 0) ==
          CE_None);
}

std::pair<double, double> lonlat(double x, double y) {
  Transformer t("EPSG:" + std::to_string(kEpsg), kWgs84);
  return t.forward(x, y);
}

using test::write_text;

std::string fmt(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.8f", v);
  return b;
}

struct Place {
  std::string name;
  double x, y;
};

// A site (omni, 1800 MHz LTE 10 MHz, 58 dBm EIRP, 30 m) and villages at cell centres.
void write_case(const fs::path& dir, const Place& site, const std::vector<Place>& villages, const std::string& model,
                double threshold = -110) {
  auto [slon, slat] = lonlat(site.x, site.y);
  write_text(dir / "sites.csv",
             "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,freq_mhz,"
             "bandwidth_mhz,eirp_dbm\nS1,S1," + site.name + ",Viettel," + fmt(slon) + "," + fmt(slat) +
                 ",30,,,360,lte,1800,10,58\n");
  std::string v = "id,name,commune,population,lon,lat\n";
  int i = 0;
  for (const auto& p : villages) {
    auto [lon, lat] = lonlat(p.x, p.y);
    v += std::to_string(++i) + "," + p.name + ",Xa Test," + std::to_string(100 * i) + "," + fmt(lon) + "," + fmt(lat) + "\n";
  }
  write_text(dir / "villages.csv", v);
  write_text(dir / "scenario.yaml", "name: test\ninputs:\n  dem: dem.tif\n  sites: sites.csv\n  villages: villages.csv\n"
                                    "grid:\n  crs: EPSG:32648\n  resolution_m: 30\nmodel:\n  name: " + model +
                                        "\nradio:\n  technology: lte\n  threshold_dbm: " + std::to_string(threshold) +
                                        "\n  radius_km: 2.9\noutput:\n  dir: out\n");
}

double cx(int c) { return kX0 + (c + 0.5) * kCell; }
double cy(int r) { return kY0 - (r + 0.5) * kCell; }

using test::slurp;

using test::run_cli;

}  // namespace

TEST_CASE("pipeline: flat earth received power equals the closed form") {
  const fs::path dir = test::temp_dir("flat");
  write_dem(dir / "dem.tif", [](double, double) { return 100.0; });
  const Place site{"Centre", cx(100), cy(100)};
  // Villages on cell centres 1.2 km east and 2.1 km north.
  write_case(dir, site, {{"East", cx(140), cy(100)}, {"North", cx(100), cy(30)}}, "fspl");
  RunOptions opt;
  opt.quiet = true;
  const RunResult run = run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  REQUIRE(run.report.villages.size() == 2);
  radio::Cell cell;
  cell.technology = radio::Technology::Lte;
  cell.bandwidth_mhz = 10;
  cell.eirp_dbm = 58;
  const double ref = 58 - 10 * std::log10(12.0 * 50);  // RSRP per resource element
  CHECK(radio::reference_eirp_dbm(cell) == doctest::Approx(ref));
  for (int i = 0; i < 2; ++i) {
    const double d = i == 0 ? 1200.0 : 2100.0;
    const double dz = 30 - 1.5;
    const double loss = 20 * std::log10(4 * M_PI * std::hypot(d, dz) / (299792458.0 / 1800e6));
    const double depr = std::atan2(dz, d) * 180 / M_PI;
    const double gv = -std::min(12 * (depr / 10) * (depr / 10), 20.0);
    const double expected = ref + gv - loss;
    CHECK(run.report.villages[i].rsrp_dbm == doctest::Approx(expected).epsilon(0.0005));
    CHECK(run.report.villages[i].covered == (expected >= -110));
  }
  CHECK(fs::exists(dir / "out" / "rsrp_dbm.tif"));
  CHECK(fs::exists(dir / "out" / "coverage.gpkg"));
  // No staging folder is left behind.
  for (const auto& e : fs::directory_iterator(dir / "out")) CHECK(e.path().filename().string()[0] != '.');
}

TEST_CASE("pipeline: a ridge blocks the village behind it and not the one in the open") {
  const fs::path dir = test::temp_dir("ridge");
  // A 500 m high north-south wall 600 m west of the site.
  const double wall_x = cx(80);
  write_dem(dir / "dem.tif", [&](double x, double) { return std::abs(x - wall_x) < 45 ? 600.0 : 100.0; });
  const Place site{"Centre", cx(100), cy(100)};
  write_case(dir, site, {{"Open east", cx(150), cy(100)}, {"Behind ridge", cx(50), cy(100)}}, "deygout", -100);
  RunOptions opt;
  opt.quiet = true;
  const RunResult run = run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  const auto& open = run.report.villages[0];
  const auto& hidden = run.report.villages[1];
  CHECK(open.covered);
  CHECK_FALSE(hidden.covered);
  // Same distance: the difference is the ridge's diffraction loss (> 20 dB).
  CHECK(open.rsrp_dbm - hidden.rsrp_dbm > 20.0);
  CHECK(run.report.district.villages_covered == 1);
  CHECK(run.report.district.uncovered == std::vector<size_t>{1});
}

TEST_CASE("pipeline: outputs are byte-identical with 1 and 2 threads") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path a = test::temp_dir("threads1"), b = test::temp_dir("threads2");
  const std::string scen = (test::source_dir() / "tests/data/brindabella/scenario.yaml").string();
  REQUIRE(run_cli("run " + scen + " --quiet --threads 1 --out " + a.string()) == 0);
  REQUIRE(run_cli("run " + scen + " --quiet --threads 2 --out " + b.string()) == 0);
  int files = 0;
  for (const auto& e : fs::directory_iterator(a)) {
    ++files;
    const fs::path other = b / e.path().filename();
    REQUIRE_MESSAGE(fs::exists(other), other.string());
    CHECK_MESSAGE(slurp(e.path()) == slurp(other), e.path().filename().string() << " differs");
  }
  // Every file the run lists in summary.json is there (rasters, per-carrier
  // rasters, styles, GeoPackage, CSV, reports, QGIS project, KMZ).
  const std::string summary = slurp(a / "summary.json");
  int listed = 0;
  for (const auto& e : fs::directory_iterator(a))
    if (summary.find("\"" + e.path().filename().string() + "\"") != std::string::npos) ++listed;
  CHECK(listed == files);
  CHECK(files >= 13);
}

TEST_CASE("pipeline: real SRTM terrain in a geographic CRS is reprojected to UTM") {
  PHUSONG_REQUIRE_SHARED();
  RunOptions opt;
  opt.quiet = true;
  opt.out_dir = test::temp_dir("brindabella").string();
  const RunResult run =
      run_scenario(load_scenario((test::source_dir() / "tests/data/brindabella/scenario.yaml").string()), opt);
  CHECK(run.inputs.working_crs == "EPSG:32755");  // UTM 55S for 149°E, 35°S
  CHECK(run.inputs.dem.info.voids_filled == 0);
  CHECK(run.inputs.dem.info.min_m > 400);
  CHECK(run.inputs.dem.info.max_m < 2000);
  // Every village near a site receives a finite signal; the report adds up.
  int with_signal = 0;
  for (const auto& v : run.report.villages) with_signal += std::isnan(v.rsrp_dbm) ? 0 : 1;
  CHECK(with_signal >= 4);
  int covered = 0;
  for (const auto& v : run.report.villages) covered += v.covered ? 1 : 0;
  CHECK(covered == run.report.district.villages_covered);
}

TEST_CASE("pipeline: DEM voids (Swiss Alps SRTM) are filled, never read as -32767 m") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("alps");
  const fs::path dem = test::shared_path("geodata/terrain/srtm3_N46E008_swiss_alps.tif");
  // Find a void in the tile and put a village on it.
  gdal_init();
  GdalDataset ds(GDALOpen(dem.c_str(), GA_ReadOnly));
  REQUIRE(ds);
  const int n = GDALGetRasterXSize(ds.get());
  std::vector<float> buf(static_cast<size_t>(n) * n);
  REQUIRE(GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Read, 0, 0, n, n, buf.data(), n, n, GDT_Float32, 0, 0) == CE_None);
  double gt[6];
  GDALGetGeoTransform(ds.get(), gt);
  int vr = -1, vc = -1;
  for (int r = n / 4; r < 3 * n / 4 && vr < 0; ++r)
    for (int c = n / 4; c < 3 * n / 4; ++c)
      if (buf[static_cast<size_t>(r) * n + c] < -1000) {
        vr = r;
        vc = c;
        break;
      }
  REQUIRE(vr >= 0);
  const double vlon = gt[0] + (vc + 0.5) * gt[1], vlat = gt[3] + (vr + 0.5) * gt[5];
  write_text(dir / "sites.csv", "site_id,carrier,lon,lat,height_m,technology,freq_mhz,bandwidth_mhz,eirp_dbm\nA,VNPT," +
                                    fmt(vlon + 0.02) + "," + fmt(vlat + 0.01) + ",30,lte,900,10,58\n");
  write_text(dir / "villages.csv", "name,population,lon,lat\nIn the void,100," + fmt(vlon) + "," + fmt(vlat) + "\n");
  write_text(dir / "scenario.yaml", "inputs:\n  dem: " + dem.string() +
                                        "\n  sites: sites.csv\n  villages: villages.csv\ngrid:\n  resolution_m: 90\n"
                                        "model:\n  name: deygout\nradio:\n  radius_km: 4\n");
  RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (dir / "out").string();
  const RunResult run = run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  CHECK(run.inputs.dem.info.voids_filled > 0);
  CHECK(run.inputs.dem.info.min_m > 150);  // the tile's lowest terrain is ~190 m
  CHECK_FALSE(std::isnan(run.report.villages[0].rsrp_dbm));
}

TEST_CASE("DEM bands (a shard's terrain) equal the whole grid's rows byte for byte, voids and reprojection included") {
  PHUSONG_REQUIRE_SHARED();
  for (const char* name : {"srtm3_N46E008_swiss_alps.tif", "srtm3_S36E149_brindabella.tif"}) {
    CAPTURE(name);
    DemRequest req;
    req.path = test::shared_path(std::string("geodata/terrain/") + name).string();
    req.resolution_m = 90;
    const Dem whole = load_dem(req);
    const Grid& w = whole.elevation_m.grid();
    REQUIRE(w.row0 == 0);
    REQUIRE(whole.info.whole_grid.same_layout(w));
    REQUIRE(w.rows > 600);
    if (std::string(name).find("alps") != std::string::npos) CHECK(whole.info.voids_filled > 0);
    for (const auto& band_rows : std::vector<std::pair<int, int>>{{0, 37}, {37, 300}, {w.rows / 2, w.rows / 2 + 1},
                                                                  {w.rows - 250, w.rows}}) {
      const int b0 = band_rows.first, b1 = band_rows.second;
      CAPTURE(b0);
      CAPTURE(b1);
      DemRequest breq = req;
      breq.rows = [&, b0 = b0, b1 = b1](const Grid& g) {
        CHECK(g.same_layout(w));
        return std::pair<int, int>{b0, b1};
      };
      const Dem band = load_dem(breq);
      const Grid& g = band.elevation_m.grid();
      CHECK(g.row0 == b0);
      CHECK(g.rows == b1 - b0);
      CHECK(g.cols == w.cols);
      CHECK(g.cell_y(0) == w.cell_y(b0));
      CHECK(g.row_f(w.cell_y(b0 + 1) + 0.3) == w.row_f(w.cell_y(b0 + 1) + 0.3) - b0);
      // Fewer source rows read than for the whole grid (the tile plus a 202-row margin).
      CHECK(band.info.source_cells < whole.info.source_cells);
      long long differ = 0;
      for (int r = b0; r < b1; ++r)
        differ += std::memcmp(band.elevation_m.row(r - b0), whole.elevation_m.row(r), sizeof(float) * w.cols) != 0;
      CHECK(differ == 0);
    }
  }
}

TEST_CASE("cli: bad inputs give one clear error line, exit 1 and no output files") {
  const fs::path dir = test::temp_dir("bad");
  write_dem(dir / "dem.tif", [](double, double) { return 100.0; });
  write_dem(dir / "nocrs.tif", [](double, double) { return 100.0; }, false);
  const Place site{"Centre", cx(100), cy(100)};
  write_case(dir, site, {{"East", cx(140), cy(100)}}, "deygout");
  const std::string good_yaml = slurp(dir / "scenario.yaml");
  const std::string good_sites = slurp(dir / "sites.csv");

  struct Case {
    std::string what, yaml, sites, villages, expect;
  };
  auto replace = [](std::string s, const std::string& a, const std::string& b) {
    const auto p = s.find(a);
    REQUIRE(p != std::string::npos);
    return s.replace(p, a.size(), b);
  };
  const std::vector<Case> cases = {
      {"missing file", replace(good_yaml, "dem.tif", "nosuch.tif"), "", "", "file not found"},
      {"raster without CRS", replace(good_yaml, "dem.tif", "nocrs.tif"), "", "", "no coordinate reference system"},
      {"negative antenna height", "", replace(good_sites, ",30,,,360,", ",-5,,,360,"), "", "height_m"},
      {"unknown model", replace(good_yaml, "name: deygout", "name: magic"), "", "", "unknown model 'magic'"},
      {"malformed YAML", good_yaml + "radio: [unclosed\n", "", "", "malformed YAML"},
      {"unknown key", replace(good_yaml, "radius_km", "radius_kms"), "", "", "unknown key"},
      {"out-of-range value", replace(good_yaml, "radius_km: 2.9", "radius_km: -3"), "", "", "out of range"},
      {"village CSV without lon/lat", "", "", "id,name,population,x_coord,y_coord\n1,A,10,1,2\n", "no longitude/latitude"},
  };
  for (const auto& c : cases) {
    const fs::path d = test::temp_dir("bad_case");
    fs::copy_file(dir / "dem.tif", d / "dem.tif");
    fs::copy_file(dir / "nocrs.tif", d / "nocrs.tif");
    write_text(d / "scenario.yaml", c.yaml.empty() ? good_yaml : c.yaml);
    write_text(d / "sites.csv", c.sites.empty() ? good_sites : c.sites);
    write_text(d / "villages.csv", c.villages.empty() ? slurp(dir / "villages.csv") : c.villages);
    std::string err;
    const int rc = run_cli("run " + (d / "scenario.yaml").string(), &err);
    CAPTURE(c.what);
    CAPTURE(err);
    CHECK(rc == 1);
    CHECK(err.find(c.expect) != std::string::npos);
    // Exactly one error line (information lines before it are progress).
    size_t errors = 0;
    for (size_t p = err.find("error"); p != std::string::npos; p = err.find("error", p + 1)) ++errors;
    CHECK(errors == 1);
    CHECK_FALSE(fs::exists(d / "out"));
  }
  // A site 20 km outside the 6 km DEM but within reach of the villages' area.
  {
    const fs::path d = test::temp_dir("bad_site");
    fs::copy_file(dir / "dem.tif", d / "dem.tif");
    write_text(d / "scenario.yaml", replace(good_yaml, "radius_km: 2.9", "radius_km: 30"));
    auto [lon, lat] = lonlat(kX0 - 15000, kY0 - 3000);
    write_text(d / "sites.csv", "site_id,carrier,lon,lat,height_m,technology,freq_mhz,bandwidth_mhz,eirp_dbm\nFAR,VNPT," +
                                    fmt(lon) + "," + fmt(lat) + ",30,lte,1800,10,58\n");
    write_text(d / "villages.csv", slurp(dir / "villages.csv"));
    std::string err;
    CHECK(run_cli("run " + (d / "scenario.yaml").string(), &err) == 1);
    CAPTURE(err);
    CHECK(err.find("outside the DEM") != std::string::npos);
    CHECK_FALSE(fs::exists(d / "out"));
  }
}
