// Land cover (clutter) and downlink SINR through `phusong run`: a forest
// lowers coverage behind it and nowhere else; a land-cover class missing from
// the table is an error before any computation; SINR between two co-channel
// sites against the closed form.
#include <doctest/doctest.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/propagation/clutter.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

namespace {

constexpr double kX0 = 699990, kY0 = 1850010, kCell = 30;  // UTM 48N
constexpr int kN = 200;                                     // 6 km square

double cx(int c) { return kX0 + (c + 0.5) * kCell; }
double cy(int r) { return kY0 - (r + 0.5) * kCell; }

template <typename T>
void write_tif(const fs::path& p, GDALDataType type, const std::function<T(int, int)>& f, double nodata) {
  gdal_init();
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GTiff"), p.c_str(), kN, kN, 1, type, nullptr));
  REQUIRE(ds);
  double gt[6] = {kX0, kCell, 0, kY0, 0, -kCell};
  GDALSetGeoTransform(ds.get(), gt);
  OsrHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), 32648);
  GDALSetSpatialRef(ds.get(), static_cast<OGRSpatialReferenceH>(srs.get()));
  GDALSetRasterNoDataValue(GDALGetRasterBand(ds.get(), 1), nodata);
  std::vector<T> buf(kN * kN);
  for (int r = 0; r < kN; ++r)
    for (int c = 0; c < kN; ++c) buf[r * kN + c] = f(r, c);
  REQUIRE(GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Write, 0, 0, kN, kN, buf.data(), kN, kN, type, 0, 0) ==
          CE_None);
}

std::vector<float> read_tif(const fs::path& p) {
  GdalDataset ds(GDALOpen(p.c_str(), GA_ReadOnly));
  REQUIRE(ds);
  const int w = GDALGetRasterXSize(ds.get()), h = GDALGetRasterYSize(ds.get());
  std::vector<float> v(static_cast<size_t>(w) * h);
  REQUIRE(GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float32, 0, 0) == CE_None);
  return v;
}

std::string fmt(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.8f", v);
  return b;
}

using test::write_text;

struct Place {
  std::string name;
  int r, c;
};

std::string ll(int r, int c) {
  Transformer t("EPSG:32648", kWgs84);
  auto [lon, lat] = t.forward(cx(c), cy(r));
  return fmt(lon) + "," + fmt(lat);
}

// Flat 100 m terrain; omni sites of one carrier (30 m, 1800 MHz, 10 MHz, 58 dBm).
void write_case(const fs::path& dir, const std::vector<Place>& sites, const std::vector<Place>& villages,
                const std::string& extra_yaml) {
  write_tif<float>(dir / "dem.tif", GDT_Float32, [](int, int) { return 100.0f; }, -9999);
  std::string s = "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,freq_mhz,"
                  "bandwidth_mhz,eirp_dbm\n";
  for (const auto& p : sites) s += p.name + "," + p.name + "," + p.name + ",Viettel," + ll(p.r, p.c) + ",30,,,360,lte,1800,10,58\n";
  write_text(dir / "sites.csv", s);
  std::string v = "id,name,commune,population,lon,lat\n";
  int i = 0;
  for (const auto& p : villages) v += std::to_string(++i) + "," + p.name + ",Xa Test,100," + ll(p.r, p.c) + "\n";
  write_text(dir / "villages.csv", v);
  write_text(dir / "scenario.yaml", "name: test\ninputs:\n  dem: dem.tif\n  sites: sites.csv\n  villages: villages.csv\n"
                                    "grid:\n  crs: EPSG:32648\n  resolution_m: 30\nmodel:\n  name: fspl\n"
                                    "radio:\n  technology: lte\n  threshold_dbm: -90\n  radius_km: 2.9\n"
                                    "output:\n  dir: out\n" + extra_yaml);
}

// Forest rectangle: rows 80..120, columns 130..135 (180 m deep, east of the site).
bool in_forest(int r, int c) { return r >= 80 && r <= 120 && c >= 130 && c <= 135; }

// Does the segment from the site's cell centre to cell (r, c) pass through
// the forest rectangle (in map units, slab test)?
bool crosses_forest(double x0, double y0, int r, int c) {
  const double x1 = cx(c), y1 = cy(r);
  const double fx0 = kX0 + 130 * kCell, fx1 = kX0 + 136 * kCell;
  const double fy1 = kY0 - 80 * kCell, fy0 = kY0 - 121 * kCell;
  double t0 = 0, t1 = 1;
  auto slab = [&](double p, double d, double lo, double hi) {
    if (std::abs(d) < 1e-12) return p >= lo && p <= hi;
    double a = (lo - p) / d, b = (hi - p) / d;
    if (a > b) std::swap(a, b);
    t0 = std::max(t0, a);
    t1 = std::min(t1, b);
    return t0 <= t1;
  };
  return slab(x0, x1 - x0, fx0, fx1) && slab(y0, y1 - y0, fy0, fy1);
}

}  // namespace

TEST_CASE("clutter: a forest lowers coverage behind it and nowhere else") {
  const Place site{"S1", 100, 100};
  const std::vector<Place> villages = {{"Behind", 100, 150}, {"Open", 100, 50}, {"Side", 40, 100}};
  const fs::path plain = test::temp_dir("clutter_plain"), wood = test::temp_dir("clutter_forest");
  write_case(plain, {site}, villages, "");
  const std::string clutter_yaml =
      "clutter:\n  raster: landcover.tif\n  classes:\n"
      "    10: {name: forest, height_m: 15, loss_db: 0, loss_db_per_km: 300}\n"
      "    30: {name: grassland, height_m: 0, loss_db: 0}\n";
  write_case(wood, {site}, villages, clutter_yaml);
  write_tif<std::uint8_t>(wood / "landcover.tif", GDT_Byte,
                          [](int r, int c) { return static_cast<std::uint8_t>(in_forest(r, c) ? 10 : 30); }, 0);
  RunOptions opt;
  opt.quiet = true;
  const RunResult a = run_scenario(load_scenario((plain / "scenario.yaml").string()), opt);
  const RunResult b = run_scenario(load_scenario((wood / "scenario.yaml").string()), opt);

  // Village behind the forest: the path's last woodland section is the
  // forest's 6 cells (180 m, the ray 1.5-13 m above the ground there, below
  // the 15 m canopy): ITU-R P.833 eq. (1) with gamma 0.3 dB/m.
  const double am = 0.18 * std::pow(1800.0, 0.752);
  const double expected_db = am * (1 - std::exp(-180 * 0.3 / am));
  CHECK(expected_db == doctest::Approx(prop::p833_woodland_at_freq_db(1800, 180, 0.3)));
  const double drop = a.report.villages[0].rsrp_dbm - b.report.villages[0].rsrp_dbm;
  CHECK(drop == doctest::Approx(expected_db).epsilon(1e-4));
  CHECK(a.report.villages[0].covered);
  CHECK_FALSE(b.report.villages[0].covered);
  // The others are untouched.
  CHECK(a.report.villages[1].rsrp_dbm == b.report.villages[1].rsrp_dbm);
  CHECK(a.report.villages[2].rsrp_dbm == b.report.villages[2].rsrp_dbm);
  CHECK(b.report.district.villages_covered == a.report.district.villages_covered - 1);

  // Cell by cell: never better; worse only where the line to the site crosses
  // the forest (or the cell is in it).
  const auto ra = read_tif(plain / "out" / "rsrp_dbm.tif"), rb = read_tif(wood / "out" / "rsrp_dbm.tif");
  REQUIRE(ra.size() == rb.size());
  const Grid& g = a.inputs.dem.elevation_m.grid();
  REQUIRE(static_cast<size_t>(g.rows) * g.cols == ra.size());
  const double sx = a.inputs.cells[0].x, sy = a.inputs.cells[0].y;
  int lowered = 0, wrong = 0, higher = 0;
  for (int r = 0; r < g.rows; ++r) {
    for (int c = 0; c < g.cols; ++c) {
      const size_t i = static_cast<size_t>(r) * g.cols + c;
      if (std::isnan(ra[i])) {
        CHECK(std::isnan(rb[i]));
        continue;
      }
      // Grid and test rasters share the lattice: map (r, c) of the working grid to the test's.
      const int tr = static_cast<int>(std::floor((kY0 - g.cell_y(r)) / kCell));
      const int tc = static_cast<int>(std::floor((g.cell_x(c) - kX0) / kCell));
      if (rb[i] > ra[i]) ++higher;
      if (rb[i] < ra[i]) {
        ++lowered;
        if (!crosses_forest(sx, sy, tr, tc)) ++wrong;
      }
    }
  }
  MESSAGE("cells lowered by the forest: " << lowered);
  CHECK(higher == 0);
  CHECK(wrong == 0);
  CHECK(lowered > 500);
  // Summary records the land cover.
  std::ifstream sj(wood / "out" / "summary.json");
  std::stringstream ss;
  ss << sj.rdbuf();
  CHECK(ss.str().find("\"clutter\"") != std::string::npos);
  CHECK(ss.str().find("\"vertical_datum\"") != std::string::npos);
}

TEST_CASE("clutter: a land-cover class missing from the table is an error before any computation") {
  const fs::path dir = test::temp_dir("clutter_missing");
  write_case(dir, {{"S1", 100, 100}}, {{"V", 100, 150}},
             "clutter:\n  raster: landcover.tif\n  classes:\n    10: {name: forest, height_m: 15, loss_db_per_km: 300}\n");
  write_tif<std::uint8_t>(dir / "landcover.tif", GDT_Byte,
                          [](int r, int c) { return static_cast<std::uint8_t>(in_forest(r, c) ? 10 : (c >= 140 && c < 146 ? 20 : 40)); }, 0);
  RunOptions opt;
  opt.quiet = true;
  std::string msg, field;
  try {
    run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  } catch (const InputError& e) {
    msg = e.what();
    field = e.field();
  }
  CHECK(field == "clutter.classes");
  CHECK(msg.find("20, 40") != std::string::npos);
  CHECK(msg.find("missing from the table") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out"));  // nothing computed or written
}

namespace {

// Received power at d metres from an omni cell of reference power ref_dbm
// (EIRP of the reference quantity) 30 m above the flat 100 m ground, rx at
// 1.5 m, 1800 MHz: free space and the cell's 10 degree vertical beam.
double omni_rx_dbm(double ref_dbm, double d) {
  const double dz = 28.5;
  const double loss = 20 * std::log10(4 * M_PI * std::hypot(d, dz) / (299792458.0 / 1800e6));
  const double depr = std::atan2(dz, d) * 180 / M_PI;
  return ref_dbm - std::min(12 * (depr / 10) * (depr / 10), 20.0) - loss;
}

double mw(double dbm) { return std::pow(10.0, dbm / 10); }

double sinr_of(const RunResult& run, const Place& v) {
  const Grid& g = run.sinr_db.grid();
  return run.sinr_db.at(static_cast<int>(g.row_f(cy(v.r))), static_cast<int>(g.col_f(cx(v.c))));
}

}  // namespace

TEST_CASE("sinr: two co-channel sites, SINR against the closed form") {
  const fs::path dir = test::temp_dir("sinr_two_sites");
  // Sites 1.2 km apart on row 100; villages at the midpoint, and 600 m beyond the west site.
  write_case(dir, {{"W", 100, 80}, {"E", 100, 120}}, {{"Mid", 100, 100}, {"West", 100, 60}},
             "sinr:\n  carrier: Viettel\n  freq_mhz: 1800\n  noise_figure_db: 7\n");
  RunOptions opt;
  opt.quiet = true;
  const RunResult run = run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  const double noise_dbm = -174 + 10 * std::log10(15e3) + 7;  // one resource element
  CHECK(run.sinr_noise_dbm == doctest::Approx(noise_dbm));
  const double ref = 58 - 10 * std::log10(600.0);
  auto rx = [&](double d) { return omni_rx_dbm(ref, d); };
  auto sinr_at = [&](const Place& v) { return sinr_of(run, v); };
  // Midpoint: equal signal and interference, SINR = S / (S + N) just below 0 dB.
  const double s_mid = rx(600);
  const double mid = 10 * std::log10(mw(s_mid) / (mw(s_mid) + mw(noise_dbm)));
  CHECK(sinr_at({"Mid", 100, 100}) == doctest::Approx(mid).epsilon(1e-4));
  // West village: 600 m from W, 1800 m from E.
  const double s = rx(600), i = rx(1800);
  const double west = 10 * std::log10(mw(s) / (mw(i) + mw(noise_dbm)));
  CHECK(sinr_at({"West", 100, 60}) == doctest::Approx(west).epsilon(1e-4));
  CHECK(fs::exists(dir / "out" / "sinr_db.tif"));
  CHECK(fs::exists(dir / "out" / "sinr_db.qml"));
  // Per-village column.
  const auto csv = test::read_csv(dir / "out" / "villages.csv");
  CHECK(std::stod(csv.rows[1][csv.col("sinr_db")]) == doctest::Approx(west).epsilon(0.001));
  // A carrier/frequency without cells is an error naming the block.
  write_case(dir, {{"W", 100, 80}}, {{"Mid", 100, 100}}, "sinr:\n  carrier: Viettel\n  freq_mhz: 900\n");
  CHECK_THROWS_AS(run_scenario(load_scenario((dir / "scenario.yaml").string()), opt), InputError);
}

TEST_CASE("sinr: UMTS interferers send their whole carrier at full load, CPICH + 10 dB") {
  const fs::path dir = test::temp_dir("sinr_umts");
  write_case(dir, {{"W", 100, 80}, {"E", 100, 120}}, {{"Mid", 100, 100}, {"West", 100, 60}},
             "sinr:\n  carrier: Viettel\n  freq_mhz: 1800\n  noise_figure_db: 7\n");
  std::string sites = test::slurp(dir / "sites.csv");
  for (auto p = sites.find(",lte,"); p != std::string::npos; p = sites.find(",lte,")) sites.replace(p, 5, ",umts,");
  write_text(dir / "sites.csv", sites);
  std::string yaml = test::slurp(dir / "scenario.yaml");
  yaml.replace(yaml.find("technology: lte"), 15, "technology: umts");
  write_text(dir / "scenario.yaml", yaml);
  RunOptions opt;
  opt.quiet = true;
  const RunResult run = run_scenario(load_scenario((dir / "scenario.yaml").string()), opt);
  const double noise_dbm = -174 + 10 * std::log10(3.84e6) + 7;  // the chip rate
  CHECK(run.sinr_noise_dbm == doctest::Approx(noise_dbm));
  const double cpich = 58 - 10;  // 10 % of the carrier
  auto rx = [&](double ref, double d) { return omni_rx_dbm(ref, d); };
  auto sinr_at = [&](const Place& v) { return sinr_of(run, v); };
  // Midpoint: the serving CPICH against the other cell's whole carrier: about -10 dB.
  const double mid = 10 * std::log10(mw(rx(cpich, 600)) / (mw(rx(58, 600)) + mw(noise_dbm)));
  CHECK(mid < -9.9);
  CHECK(sinr_at({"Mid", 100, 100}) == doctest::Approx(mid).epsilon(1e-4));
  const double west = 10 * std::log10(mw(rx(cpich, 600)) / (mw(rx(58, 1800)) + mw(noise_dbm)));
  CHECK(sinr_at({"West", 100, 60}) == doctest::Approx(west).epsilon(1e-4));
}
