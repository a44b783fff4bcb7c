// Reliability: every kind of bad input is refused up front through the CLI
// with one clear error line, exit status 1 and no output folder; DEM voids
// are filled and counted; outputs are byte-identical at 1, 2 and 4 threads.
// docs/reliability.md lists the cases and their messages.
#include <doctest/doctest.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/radio/cell.hpp"
#include "phusong/scenario/inputs.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/terrain/profile_io.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

namespace {

// A GeoTIFF of n x n cells, north-west corner (x0, y0), square cells of
// `cell` CRS units, height f(col, row); epsg 0 writes no CRS.
struct DemSpec {
  int n = 200;
  double x0 = 699990, y0 = 1850010, cell = 30;  // UTM 48N, a 6 km square
  int epsg = 32648;
  std::function<double(int, int)> height = [](int, int) { return 100.0; };
  std::optional<double> nodata;
  std::string unit;
};

void write_dem(const fs::path& p, const DemSpec& s) {
  gdal_init();
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GTiff"), p.c_str(), s.n, s.n, 1, GDT_Float32, nullptr));
  REQUIRE(ds);
  double gt[6] = {s.x0, s.cell, 0, s.y0, 0, -s.cell};
  GDALSetGeoTransform(ds.get(), gt);
  if (s.epsg) {
    OsrHandle srs(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), s.epsg);
    GDALSetSpatialRef(ds.get(), static_cast<OGRSpatialReferenceH>(srs.get()));
  }
  GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
  if (s.nodata) GDALSetRasterNoDataValue(band, *s.nodata);
  if (!s.unit.empty()) GDALSetRasterUnitType(band, s.unit.c_str());
  std::vector<float> buf(static_cast<size_t>(s.n) * s.n);
  for (int r = 0; r < s.n; ++r)
    for (int c = 0; c < s.n; ++c) buf[static_cast<size_t>(r) * s.n + c] = static_cast<float>(s.height(c, r));
  REQUIRE(GDALRasterIO(band, GF_Write, 0, 0, s.n, s.n, buf.data(), s.n, s.n, GDT_Float32, 0, 0) == CE_None);
}

std::string fmt(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.8f", v);
  return b;
}

// lon/lat of a point of the default UTM 48N DEM, by cell column/row.
std::pair<double, double> lonlat_of_cell(double col, double row) {
  Transformer t("EPSG:32648", kWgs84);
  return t.forward(699990 + (col + 0.5) * 30, 1850010 - (row + 0.5) * 30);
}

std::string replace(std::string s, const std::string& a, const std::string& b) {
  const auto p = s.find(a);
  REQUIRE_MESSAGE(p != std::string::npos, "'" << a << "' not in the text");
  return s.replace(p, a.size(), b);
}

// A good case: flat DEM, three LTE cells on two sites, three villages.  The
// texts hold placeholders {S1}, {S2}, {V1}, {V2}, {V3} ("lon,lat" of the
// places) that render() fills, so that a case can replace one of them.
struct Files {
  std::string yaml, sites, villages;
};

std::string place(double col, double row) {
  const auto [lon, lat] = lonlat_of_cell(col, row);
  return fmt(lon) + "," + fmt(lat);
}

std::string render(std::string s) {
  const std::vector<std::pair<std::string, std::string>> places = {
      {"{S1}", place(100, 100)}, {"{S2}", place(60, 140)}, {"{V1}", place(140, 100)},
      {"{V2}", place(100, 40)},  {"{V3}", place(50, 150)}, {"{OUT}", place(260, 100)}};  // OUT: 1.8 km east of the DEM
  for (const auto& [k, v] : places)
    for (auto p = s.find(k); p != std::string::npos; p = s.find(k)) s.replace(p, k.size(), v);
  return s;
}

Files good_files() {
  Files f;
  f.sites =
      "site_id,cell_id,carrier,lon,lat,height_m,azimuth_deg,technology,freq_mhz,bandwidth_mhz,eirp_dbm\n"
      "S1,S1A,Viettel,{S1},30,0,lte,1800,10,58\n"
      "S1,S1B,Viettel,{S1},30,120,lte,1800,10,58\n"
      "S2,S2A,VNPT,{S2},25,,lte,900,10,55\n";
  f.villages = "id,name,commune,population,lon,lat\n1,Ban A,Xa Test,300,{V1}\n2,Ban B,Xa Test,200,{V2}\n"
               "3,Ban C,Xa Test,100,{V3}\n";
  f.yaml =
      "name: reliability\ninputs:\n  dem: dem.tif\n  sites: sites.csv\n  villages: villages.csv\n"
      "grid:\n  crs: EPSG:32648\n  resolution_m: 30\nmodel:\n  name: deygout\n"
      "radio:\n  technology: lte\n  threshold_dbm: -110\n  radius_km: 2.9\noutput:\n  dir: out\n";
  return f;
}

void write_files(const fs::path& d, const Files& f) {
  test::write_text(d / "scenario.yaml", f.yaml);
  test::write_text(d / "sites.csv", render(f.sites));
  test::write_text(d / "villages.csv", render(f.villages));
}

using test::run_cli;

size_t count_of(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// One refused input: a folder with the case's files (dem.tif written by the
// caller or the default), `phusong run`, checks.  Returns the error line.
std::string expect_refused(const fs::path& d, const Files& f, const std::string& expect) {
  if (!fs::exists(d / "dem.tif")) write_dem(d / "dem.tif", DemSpec{});
  write_files(d, f);
  std::string err;
  const int rc = run_cli("run " + (d / "scenario.yaml").string() + " --quiet", &err);
  CAPTURE(err);
  CHECK(rc == 1);
  CHECK(err.find(expect) != std::string::npos);
  CHECK(count_of(err, "error") == 1);
  CHECK(count_of(err, "\n") == 1);  // one line
  CHECK_FALSE(fs::exists(d / "out"));
  return err;
}

}  // namespace

TEST_CASE("reliability: the good case runs (the refusals below differ from it in one input)") {
  const fs::path d = test::temp_dir("rel_good");
  write_dem(d / "dem.tif", DemSpec{});
  const Files f = good_files();
  write_files(d, f);
  std::string err;
  CHECK(run_cli("run " + (d / "scenario.yaml").string() + " --quiet", &err) == 0);
  CHECK(err.empty());
  CHECK(fs::exists(d / "out" / "summary.json"));
}

TEST_CASE("reliability: bad terrain rasters are refused with one line") {
  const Files f = good_files();
  // A good GeoTIFF, then damaged copies.
  const fs::path src = test::temp_dir("rel_dem_src") / "dem.tif";
  write_dem(src, DemSpec{});
  const std::string bytes = test::slurp(src);
  REQUIRE(bytes.size() > 100000);
  struct Case {
    std::string what, content, expect;
  };
  const std::vector<Case> cases = {
      {"GeoTIFF truncated to its first half", bytes.substr(0, bytes.size() / 2), "truncated or damaged file?"},
      {"GeoTIFF truncated to 300 bytes", bytes.substr(0, 300), "truncated or damaged file?"},
      {"GeoTIFF truncated to 0 bytes", "", "cannot open as a raster"},
      {"text file named .tif", "this is not a raster\n", "cannot open as a raster"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const fs::path d = test::temp_dir("rel_dem");
    test::write_text(d / "dem.tif", c.content);
    MESSAGE(c.what << ": " << expect_refused(d, f, c.expect));
  }
  struct Spec {
    std::string what;
    DemSpec spec;
    std::string expect;
  };
  DemSpec nocrs;
  nocrs.epsg = 0;
  DemSpec all_void;
  all_void.nodata = -32768;
  all_void.height = [](int, int) { return -32768.0; };
  DemSpec centimetres;  // 150 m to 250 m written in cm
  centimetres.height = [](int c, int) { return 15000.0 + 50.0 * c; };
  DemSpec feet;
  feet.unit = "ft";
  const std::vector<Spec> specs = {
      {"DEM without CRS", nocrs, "no coordinate reference system"},
      {"DEM that is all voids", all_void, "every cell is no data"},
      {"DEM heights in centimetres", centimetres, "not in metres"},
      {"DEM declaring feet", feet, "elevations are in ft"},
  };
  for (const auto& s : specs) {
    CAPTURE(s.what);
    const fs::path d = test::temp_dir("rel_dem");
    write_dem(d / "dem.tif", s.spec);
    MESSAGE(s.what << ": " << expect_refused(d, f, s.expect));
  }
}

TEST_CASE("reliability: DEM voids are filled and counted, the run goes on") {
  const fs::path d = test::temp_dir("rel_voids");
  DemSpec s;
  s.nodata = -32767;
  // A 7 x 7 void under village 1 (cell 140, 100) and a few scattered ones.
  s.height = [](int c, int r) {
    if (std::abs(c - 140) <= 3 && std::abs(r - 100) <= 3) return -32767.0;
    if ((c * 7 + r * 13) % 997 == 0) return -32767.0;
    return 100.0 + 0.1 * c;
  };
  write_dem(d / "dem.tif", s);
  const Files f = good_files();
  write_files(d, f);
  std::string err;
  REQUIRE(run_cli("run " + (d / "scenario.yaml").string(), &err) == 0);
  CAPTURE(err);
  CHECK(err.find("void cells in the DEM were filled") != std::string::npos);
  const std::string summary = test::slurp(d / "out" / "summary.json");
  CHECK(summary.find("\"voids_filled\"") != std::string::npos);
  // The village on the void has a finite received power.
  const auto villages = test::read_csv(d / "out" / "villages.csv");
  REQUIRE(villages.rows.size() == 3);
  CHECK_FALSE(std::isnan(villages.num(0, "rsrp_dbm")));
}

TEST_CASE("reliability: bad sites, villages and scenario values are refused with one line") {
  const Files g = good_files();
  struct Case {
    std::string what;
    Files f;
    std::string expect;
  };
  auto sites = [&](const std::string& a, const std::string& b) {
    Files f = g;
    f.sites = replace(g.sites, a, b);
    return f;
  };
  auto villages = [&](const std::string& a, const std::string& b) {
    Files f = g;
    f.villages = replace(g.villages, a, b);
    return f;
  };
  auto yaml = [&](const std::string& a, const std::string& b) {
    Files f = g;
    f.yaml = replace(g.yaml, a, b);
    return f;
  };
  const std::vector<Case> cases = {
      // sites
      {"duplicate site id (no cell_id column)",
       [&] {
         Files f = g;
         f.sites = "site_id,carrier,lon,lat,height_m,technology,freq_mhz,bandwidth_mhz,eirp_dbm\n"
                   "S1,Viettel,{S1},30,lte,1800,10,58\nS1,Viettel,{S2},30,lte,1800,10,58\n";
         return f;
       }(),
       "duplicate id 'S1'"},
      {"duplicate cell id", sites("S1B", "S1A"), "duplicate id 'S1A'"},
      {"NaN antenna height", sites(",25,,lte", ",nan,,lte"), "not a finite number"},
      {"inf EIRP", sites("10,55\n", "10,inf\n"), "not a finite number"},
      {"-inf frequency", sites(",lte,900,", ",lte,-inf,"), "not a finite number"},
      {"NaN longitude", sites("VNPT,{S2}", "VNPT,nan,16.7"), "lon/lat empty or not numbers"},
      {"frequency in Hz", sites(",lte,900,", ",lte,900000000,"), "out of range"},
      {"antenna height in feet-like units", sites(",25,,lte", ",2500,,lte"), "out of range"},
      {"longitude out of range", sites("VNPT,{S2}", "VNPT,200,16.7"), "lon 200, lat 16.7 out of range"},
      {"lon and lat swapped", sites("VNPT,{S2}", "VNPT,16.7,105.1"), "are lon and lat swapped?"},
      // A header with `lon` twice crashed GDAL 3.6's CSV reader (found by fuzz_csv): refused first.
      {"column named twice", [&] {
         Files f = g;
         f.sites = "site_id,carrier,lon,lat,height_m,technology,freq_mhz,bandwidth_mhz,eirp_dbm,LON\n"
                   "S1,Viettel,{S1},30,lte,1800,10,58,1\n";
         return f;
       }(), "column 'lon' appears more than once (columns 3 and 10)"},
      {"sites header only", [&] {
         Files f = g;
         f.sites = g.sites.substr(0, g.sites.find('\n') + 1);
         return f;
       }(), "no features"},
      {"unknown technology", sites(",lte,900,", ",wimax,900,"), "unknown value 'wimax'"},
      {"site outside the terrain (within the radius of a village)", [&] {
         Files f = sites("VNPT,{S2}", "VNPT,{OUT}");
         f.yaml = replace(f.yaml, "radius_km: 2.9", "radius_km: 5");
         return f;
       }(), "lies outside the DEM"},
      // villages
      {"village outside the terrain", villages("300,{V1}", "300,{OUT}"),
       "lies outside the DEM"},
      {"NaN population", villages(",300,", ",nan,"), "not a finite number"},
      {"village latitude inf", villages("300,{V1}", "300,105.0,inf"), "lon/lat empty or not numbers"},
      {"village without name", villages("Ban B", ""), "'name'"},
      {"duplicate village id", villages("2,Ban B", "1,Ban B"), "duplicate village id '1' in row 3"},
      {"population written with a thousands dot", villages(",300,", ",1.122,"), "'1.122' in row 2 is not a whole number"},
      {"population left blank", villages(",200,", ",,"), "'population': empty in row 3 (expected a whole number of people for every village (0 if none))"},
      {"a selected carrier that no site has (misspelt)",
       yaml("radius_km: 2.9", "radius_km: 2.9\n  carriers: [Viettel, Vinaphone]"),
       "'Vinaphone' is not a carrier of the sites"},
      {"two spellings of one carrier", sites("S2A,VNPT,", "S2A,viettel,"),
       "'Viettel' and 'viettel' would share the output names rsrp_dbm_viettel.tif"},
      {"NR above FR1", sites(",lte,900,10,55", ",nr,28000,100,55"), "value 28000 in row 4 is outside NR FR1"},
      // scenario values in wrong units / not numbers
      {"radius in metres", yaml("radius_km: 2.9", "radius_km: 2900"), "out of range"},
      {"receiver height in centimetres", yaml("threshold_dbm: -110", "threshold_dbm: -110\n  rx_height_m: 150"),
       "out of range"},
      {"threshold without its sign", yaml("threshold_dbm: -110", "threshold_dbm: 110"), "out of range"},
      {"NaN resolution", yaml("resolution_m: 30", "resolution_m: .nan"), "not a number"},
      {"scenario truncated mid-way", [&] {
         Files f = g;
         f.yaml = g.yaml.substr(0, g.yaml.find("grid:") + 12);
         return f;
       }(), "grid"},
      {"empty scenario", [&] {
         Files f = g;
         f.yaml = "";
         return f;
       }(), "not a YAML mapping"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const fs::path d = test::temp_dir("rel_case");
    MESSAGE(c.what << ": " << expect_refused(d, c.f, c.expect));
  }
}

TEST_CASE("reliability: a directional pattern file needs an azimuth; with one, a 360 degree beamwidth keeps it") {
  const fs::path d = test::temp_dir("rel_pattern");
  REQUIRE(run_cli("make-pattern --freq-mhz 1800 --out " + (d / "panel.msi").string()) == 0);
  Files f = good_files();
  f.sites = "site_id,cell_id,carrier,lon,lat,height_m,azimuth_deg,beamwidth_deg,pattern,technology,freq_mhz,"
            "bandwidth_mhz,eirp_dbm\nS1,S1A,Viettel,{S1},30,,,panel.msi,lte,1800,10,58\n";
  MESSAGE(expect_refused(d, f, "'azimuth_deg': empty in row 2, but pattern 'panel.msi' is directional"));
  // With an azimuth, a beamwidth of 360 (ignored with a pattern) no longer
  // turns the panel to face north: its boresight stays east.
  test::write_text(d / "sites.csv", render("site_id,cell_id,carrier,lon,lat,height_m,azimuth_deg,beamwidth_deg,pattern,"
                                           "technology,freq_mhz,bandwidth_mhz,eirp_dbm\n"
                                           "S1,S1A,Viettel,{S1},30,90,360,panel.msi,lte,1800,10,58\n"));
  const auto cells = parse_cells((d / "sites.csv").string(), "EPSG:32648");
  REQUIRE(cells.size() == 1);
  REQUIRE(cells[0].azimuth_deg.has_value());
  CHECK(*cells[0].azimuth_deg == 90.0);
  // east of the site: the main beam; north: the side, far weaker
  CHECK(radio::relative_gain_db(cells[0], 90.0 + cells[0].north_grid_bearing_deg, 0.0) >
        radio::relative_gain_db(cells[0], 0.0 + cells[0].north_grid_bearing_deg, 0.0) + 10.0);
}

TEST_CASE("reliability: a commune polygon without a name is refused") {
  const fs::path d = test::temp_dir("rel_commune_name");
  const std::string poly = "[[[106.9,16.7],[106.95,16.7],[106.95,16.75],[106.9,16.75],[106.9,16.7]]]";
  auto feature = [&](const std::string& name) {
    return R"({"type":"Feature","properties":{"name":")" + name + R"("},"geometry":{"type":"Polygon","coordinates":)" +
           poly + "}}";
  };
  test::write_text(d / "communes.geojson",
                   R"({"type":"FeatureCollection","features":[)" + feature("Xa A") + "," + feature("") + "]}");
  CHECK_THROWS_WITH_AS(parse_communes((d / "communes.geojson").string(), "EPSG:32648"),
                       doctest::Contains("'name': empty in feature"), InputError);
  test::write_text(d / "communes.geojson",
                   R"({"type":"FeatureCollection","features":[)" + feature("Xa A") + "," + feature("Xa B") + "]}");
  CHECK(parse_communes((d / "communes.geojson").string(), "EPSG:32648").size() == 2);
}

TEST_CASE("reliability: a grid that would not fit in memory is refused with the estimate") {
  // A coarse geographic DEM over 5 x 5 degrees (small file, large area), a
  // site 190 km from the village within a 200 km radius and a 1 m grid: the
  // working grid would need hundreds of GiB.
  const fs::path d = test::temp_dir("rel_memory");
  DemSpec s;
  s.n = 50;
  s.x0 = 105;
  s.y0 = 20;
  s.cell = 0.1;
  s.epsg = 4326;
  s.height = [](int c, int r) { return 200.0 + 5.0 * ((c + r) % 7); };
  write_dem(d / "dem.tif", s);
  Files f;
  f.sites = "site_id,carrier,lon,lat,height_m,technology,freq_mhz,bandwidth_mhz,eirp_dbm\n"
            "FAR,Viettel,107.20,17.95,30,lte,900,10,58\n";
  f.villages = "name,population,lon,lat\nBan Xa,100,106.0,16.6\n";
  f.yaml = "inputs:\n  dem: dem.tif\n  sites: sites.csv\n  villages: villages.csv\n"
           "grid:\n  crs: EPSG:32648\n  resolution_m: 1\nradio:\n  radius_km: 200\noutput:\n  dir: out\n";
  const std::string err = expect_refused(d, f, "GiB");
  CHECK(err.find("radius_km") != std::string::npos);
  MESSAGE("grid too large for memory: " << err);
  // The same with a 100 m grid runs (sanity of the estimate: it is not refusing everything).
  f.yaml = replace(f.yaml, "resolution_m: 1\n", "resolution_m: 500\n");
  test::write_text(d / "scenario.yaml", f.yaml);
  std::string err2;
  CHECK(run_cli("run " + (d / "scenario.yaml").string() + " --quiet", &err2) == 0);
  CAPTURE(err2);
}

TEST_CASE("reliability: outputs are byte-identical at 1, 2 and 4 threads (exact and fast engines)") {
  // Synthetic ridges (no ../shared needed), three cells, both engines.
  const fs::path d = test::temp_dir("rel_threads");
  DemSpec s;
  s.height = [](int c, int r) { return 100.0 + 80.0 * std::sin(c * 0.07) * std::cos(r * 0.05) + 0.3 * r; };
  write_dem(d / "dem.tif", s);
  const Files f = good_files();
  write_files(d, f);
  for (const std::string engine : {"exact", "fast"}) {
    CAPTURE(engine);
    test::write_text(d / "scenario.yaml", replace(f.yaml, "name: deygout", "name: deygout\n  engine: " + engine));
    std::vector<fs::path> outs;
    for (int threads : {1, 2, 4}) {
      outs.push_back(d / ("out_" + engine + "_" + std::to_string(threads)));
      REQUIRE(run_cli("run " + (d / "scenario.yaml").string() + " --quiet --threads " + std::to_string(threads) +
                      " --out " + outs.back().string()) == 0);
    }
    int files = 0;
    for (const auto& e : fs::directory_iterator(outs[0])) {
      ++files;
      const std::string ref = test::slurp(e.path());
      for (size_t k = 1; k < outs.size(); ++k) {
        const fs::path other = outs[k] / e.path().filename();
        REQUIRE_MESSAGE(fs::exists(other), other.string());
        CHECK_MESSAGE(test::slurp(other) == ref, other.string() << " differs from 1 thread");
      }
    }
    CHECK(files >= 13);
  }
}

TEST_CASE("reliability: real terrain outputs are byte-identical at 1, 2 and 4 threads") {
  PHUSONG_REQUIRE_SHARED();
  const std::string scen = (test::source_dir() / "tests/data/brindabella/scenario.yaml").string();
  std::vector<fs::path> outs;
  for (int threads : {1, 2, 4}) {
    outs.push_back(test::temp_dir("rel_brindabella_" + std::to_string(threads)));
    REQUIRE(run_cli("run " + scen + " --quiet --threads " + std::to_string(threads) + " --out " + outs.back().string()) ==
            0);
  }
  int files = 0;
  for (const auto& e : fs::directory_iterator(outs[0])) {
    ++files;
    const std::string ref = test::slurp(e.path());
    for (size_t k = 1; k < outs.size(); ++k) {
      CHECK_MESSAGE(test::slurp(outs[k] / e.path().filename()) == ref,
                    e.path().filename().string() << " differs at " << (k == 1 ? 2 : 4) << " threads");
    }
  }
  CHECK(files >= 13);
}

TEST_CASE("reliability: profiles whose length is not finite are refused") {
  // tests/fuzz/fuzz_profile's round trip: a PFL spacing of 1e308 m made
  // np * xi_m infinite, and the accepted profile did not read back.
  CHECK_THROWS_WITH_AS(parse_profile_text("2, 1e308, 1 2 3\n", "p.pfl"), doctest::Contains("path length"), InputError);
  CHECK_THROWS_WITH_AS(parse_profile_text("distance_m,height_m\n0,1\n1e300,2\n", "p.csv"),
                       doctest::Contains("out of range"), InputError);
  CHECK(parse_profile_text("2, 5000, 1 2 3\n", "p.pfl").length_m() == 10000.0);
}
