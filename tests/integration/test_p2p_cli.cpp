// `phusong p2p` and `phusong profile` through the built binary: NTIA ITM
// reference profiles, malformed profile files, and the consistency of the
// coverage engine with p2p (the same loss per path, to 0.01 dB).
#include <doctest/doctest.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "phusong/geo/crs.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/radio/cell.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/inputs.hpp"
#include "phusong/scenario/scenario.hpp"
#include "phusong/terrain/profile.hpp"
#include "phusong/terrain/profile_io.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

namespace {

using test::slurp;

using test::write_text;

struct CliResult {
  int rc = -1;
  std::string out, err;
};

// Runs the phusong binary with `args`, capturing stdout and stderr.
CliResult run_phusong(const std::string& args) {
  const fs::path dir = fs::current_path() / "tmp";
  fs::create_directories(dir);
  const fs::path outf = dir / "p2p_cli_stdout.txt", errf = dir / "p2p_cli_stderr.txt";
  const std::string cmd = std::string(PHUSONG_BINARY) + " " + args + " >" + outf.string() + " 2>" + errf.string();
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(outf);
  r.err = slurp(errf);
  return r;
}

std::string g17(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

// Command-line options for every LinkParams field p2p reads.
std::string link_args(const prop::LinkParams& p) {
  return " --freq-mhz " + g17(p.freq_mhz) + " --tx-height-m " + g17(p.tx_height_m) + " --rx-height-m " +
         g17(p.rx_height_m) + " --pol " + (p.pol == prop::Polarization::Vertical ? "v" : "h") + " --climate " +
         std::to_string(p.climate) + " --n0 " + g17(p.n0) + " --eps " + g17(p.eps) + " --sigma " + g17(p.sigma) +
         " --time-pct " + g17(p.time_pct) + " --location-pct " + g17(p.location_pct) + " --situation-pct " +
         g17(p.situation_pct) + " --mdvar " + std::to_string(p.mdvar) + " --k-factor " + g17(p.k_factor);
}

// `p2p --json` on a profile file; REQUIREs success.
nlohmann::json p2p_json(const fs::path& profile, const std::string& model, const prop::LinkParams& p) {
  const CliResult r = run_phusong("p2p --profile " + profile.string() + " --model " + model + link_args(p) + " --json");
  INFO(r.err);
  REQUIRE(r.rc == 0);
  return nlohmann::json::parse(r.out);
}

const char* mode_name(int m) { return m == 1 ? "los" : m == 2 ? "diffraction" : m == 3 ? "troposcatter" : "?"; }

}  // namespace

TEST_CASE("p2p cli: NTIA ITM reference profiles give the reference loss through --json") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("p2p_itm");
  double max_d = 0.0;
  int n = 0;

  SUBCASE("p2p.csv rows with their pfls.csv lines (PFL, comma separated), within 0.05 dB") {
    const auto t = test::read_csv(test::shared_path("reference/itm/p2p.csv"));
    std::ifstream pfls(test::shared_path("reference/itm/pfls.csv"));
    REQUIRE(t.rows.size() == 5);
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      std::string line;
      REQUIRE(std::getline(pfls, line));
      const fs::path f = dir / ("pfl" + std::to_string(i) + ".txt");
      write_text(f, line + "\n");
      prop::LinkParams p;
      p.tx_height_m = t.num(i, "h_tx__meter");
      p.rx_height_m = t.num(i, "h_rx__meter");
      p.eps = t.num(i, "epsilon");
      p.sigma = t.num(i, "sigma");
      p.n0 = t.num(i, "N_0");
      p.freq_mhz = t.num(i, "f__mhz");
      p.pol = t.num(i, "pol") == 0.0 ? prop::Polarization::Horizontal : prop::Polarization::Vertical;
      p.climate = static_cast<int>(t.num(i, "climate"));
      p.time_pct = t.num(i, "time");
      p.location_pct = t.num(i, "location");
      p.situation_pct = t.num(i, "situation");
      p.mdvar = static_cast<int>(t.num(i, "mdvar"));
      const auto j = p2p_json(f, "itm", p);
      const double np = std::stod(line.substr(0, line.find(',')));
      const double xi = std::stod(line.substr(line.find(',') + 1));
      CHECK(j["model"] == "itm");
      CHECK(j["mode"].is_string());
      CHECK(j["warnings"].is_array());
      CHECK(j["distance_m"].get<double>() == doctest::Approx(np * xi));
      CHECK(j["inputs"]["freq_mhz"].get<double>() == p.freq_mhz);
      CHECK(j["inputs"]["mdvar"].get<int>() == p.mdvar);
      const double d = std::abs(j["loss_db"].get<double>() - t.num(i, "A__db"));
      INFO("row " << i << ": " << j["loss_db"].get<double>() << " dB vs " << t.num(i, "A__db"));
      CHECK(d <= 0.05);
      max_d = std::max(max_d, d);
      ++n;
    }
    MESSAGE("p2p cli, NTIA p2p.csv: " << n << " rows, max |dA| = " << max_d << " dB");
  }

  SUBCASE("ITM driver example: 3.6 km at 3.5 GHz, A = 114.5 dB printed to 0.1 dB, line of sight") {
    prop::LinkParams p;
    p.tx_height_m = 15;
    p.rx_height_m = 3;
    p.climate = 5;
    p.n0 = 301;
    p.freq_mhz = 3500;
    p.pol = prop::Polarization::Vertical;
    p.eps = 15;
    p.sigma = 0.005;
    p.mdvar = 1;  // confidence and reliability 50 %: every percentage 50
    const auto j = p2p_json(test::shared_path("reference/itm/cmd_examples/pfl.txt"), "itm", p);
    CHECK(std::abs(j["loss_db"].get<double>() - 114.5) <= 0.05);
    CHECK(j["mode"] == "los");
    CHECK(j["warnings"].empty());
  }

  SUBCASE("generated mobile reference: one row per .pfl file, within 0.1 dB and the same mode") {
    const std::string rel = "reference/itm/generated_mobile/";
    const auto t = test::read_csv(test::shared_path(rel + "itm_mobile_reference.csv"));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      const std::string file = t.rows[i][t.col("profile_pfl")];
      // The last row of each file: the highest frequency and mast.
      if (i + 1 < t.rows.size() && t.rows[i + 1][t.col("profile_pfl")] == file) continue;
      seen.insert(file);
      prop::LinkParams p;
      p.tx_height_m = t.num(i, "h_tx_m");
      p.rx_height_m = t.num(i, "h_rx_m");
      p.freq_mhz = t.num(i, "f_MHz");
      p.pol = t.num(i, "pol") == 0.0 ? prop::Polarization::Horizontal : prop::Polarization::Vertical;
      p.climate = static_cast<int>(t.num(i, "climate"));
      p.n0 = t.num(i, "N_0");
      p.eps = t.num(i, "epsilon");
      p.sigma = t.num(i, "sigma_Sm");
      p.mdvar = static_cast<int>(t.num(i, "mdvar"));
      p.time_pct = t.num(i, "time");
      p.location_pct = t.num(i, "location");
      p.situation_pct = t.num(i, "situation");
      const auto j = p2p_json(test::shared_path(rel + file), "itm", p);
      const double d = std::abs(j["loss_db"].get<double>() - t.num(i, "A_db"));
      INFO(file << ": " << j["loss_db"].get<double>() << " dB vs " << t.num(i, "A_db"));
      CHECK(d <= 0.1);
      CHECK(j["mode"] == mode_name(static_cast<int>(t.num(i, "mode"))));
      CHECK(j["samples"].get<double>() == t.num(i, "n_points"));
      max_d = std::max(max_d, d);
      ++n;
    }
    CHECK(seen.size() == 9);
    MESSAGE("p2p cli, ITM mobile reference: " << n << " profile files, max |dA| = " << max_d << " dB");
  }
}

TEST_CASE("p2p cli: malformed profile files exit 1 with one error line naming the file, line and field") {
  const fs::path dir = test::temp_dir("p2p_bad");
  struct Case {
    std::string what, text, expect1, expect2;
  };
  const std::vector<Case> cases = {
      {"PFL with too few heights", "3 100\n10 20 30\n", ":2", "ends after 3 heights"},
      {"PFL with an extra value", "2, 100, 10, 20, 30,\n40\n", ":2", "extra value '40'"},
      {"PFL with NaN", "2,100,10,nan,30\n", "'z1'", "not finite"},
      {"PFL with a word", "2,100,10,abc,30\n", "'z1'", "not a number"},
      {"PFL with a fractional count", "2.5,100,10,20,30\n", "'np'", "interval count"},
      {"PFL with no-data height", "2,100,10,-32768,30\n", "'z1'", "out of range"},
      {"CSV with non-increasing distances", "distance_m,height_m\n0,10\n50,12\n50,13\n", ":4",
       "does not increase"},
      {"CSV with NaN height", "# comment\ndistance_m,height_m\n0,10\n30,NaN\n", ":4", "'height_m': value NaN"},
      {"CSV with a short row", "distance_m,height_m\n0,10\n30\n", ":3", "1 values but the header has 2"},
      {"CSV with an unknown column", "distance_m,elevation\n0,10\n30,11\n", "'elevation'", "unknown column"},
      {"CSV without height column", "distance_m,clutter_m\n0,10\n30,11\n", "'height_m'", "missing column"},
      {"CSV not starting at 0", "distance_m,height_m\n5,10\n30,11\n", ":2", "is not 0"},
      {"CSV with a bad zone", "distance_m,height_m,zone\n0,10,4\n30,11,2\n", "'zone'", "not a zone"},
      {"CSV with one sample", "distance_m,height_m\n0,10\n", "'profile'", "at least 2 samples"},
      {"empty file", "# nothing\n\n", "'profile'", "no values"},
  };
  for (const auto& c : cases) {
    const fs::path f = dir / "bad.txt";
    write_text(f, c.text);
    const CliResult r = run_phusong("p2p --profile " + f.string() + " --model deygout --freq-mhz 900 --tx-height-m 30 "
                                    "--rx-height-m 1.5 --json");
    CAPTURE(c.what);
    CAPTURE(r.err);
    CHECK(r.rc == 1);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("phusong: error: ", 0) == 0);
    CHECK(r.err.find(f.string()) != std::string::npos);
    CHECK(r.err.find(c.expect1) != std::string::npos);
    CHECK(r.err.find(c.expect2) != std::string::npos);
  }
  SUBCASE("missing file, bad parameters, uneven spacing for ITM") {
    const fs::path good = dir / "good.csv";
    write_text(good, "distance_m,height_m\n0,100\n500,120\n1000,110\n");
    const fs::path uneven = dir / "uneven.csv";
    write_text(uneven, "distance_m,height_m\n0,100\n400,120\n1000,110\n");
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"--profile " + (dir / "nosuch.csv").string() + " --model deygout --freq-mhz 900 --tx-height-m 30 --rx-height-m 2",
         "file not found"},
        {"--profile " + good.string() + " --model itm --freq-mhz 10 --tx-height-m 30 --rx-height-m 2", "'freq_mhz'"},
        {"--profile " + good.string() + " --model hata --freq-mhz 900 --tx-height-m 30 --rx-height-m 20",
         "'rx_height_m'"},
        {"--profile " + good.string() + " --model magic --freq-mhz 900 --tx-height-m 30 --rx-height-m 2",
         "unknown model 'magic'"},
        {"--profile " + good.string() + " --model deygout --freq-mhz 900 --tx-height-m 30 --rx-height-m 2 --pol x",
         "'--pol'"},
        {"--profile " + good.string() + " --model deygout --freq-mhz 900 --rx-height-m 2", "'--tx-height-m': missing"},
        {"--profile " + uneven.string() + " --model itm --freq-mhz 900 --tx-height-m 30 --rx-height-m 2",
         "not equally spaced"},
    };
    for (const auto& case_ : bad) {
      // (named members: clang before 16 cannot capture structured bindings, as CAPTURE does)
      const std::string& args = case_.first;
      const std::string& expect = case_.second;
      const CliResult r = run_phusong("p2p " + args);
      CAPTURE(args);
      CAPTURE(r.err);
      CHECK(r.rc == 1);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      CHECK(r.err.find(expect) != std::string::npos);
    }
    // The good file works, in plain text too.
    const CliResult ok = run_phusong("p2p --profile " + good.string() + " --model deygout --freq-mhz 900 "
                                     "--tx-height-m 30 --rx-height-m 2");
    CHECK(ok.rc == 0);
    CHECK(ok.out.find("loss:") != std::string::npos);
    CHECK(ok.out.find("mode:      los") != std::string::npos);
    CHECK(ok.out.find("warnings:  none") != std::string::npos);
  }
}

TEST_CASE("p2p cli: the clutter_m and zone columns reach P.1812") {
  const fs::path dir = test::temp_dir("p2p_clutter");
  // 5 km with a hill in the middle, without and with 15 m of clutter.
  std::string plain = "distance_m,height_m\n", clutter = "distance_m,height_m,clutter_m\n";
  for (int i = 0; i <= 50; ++i) {
    const std::string d = std::to_string(i * 100), h = std::to_string(20 + (i == 25 ? 30 : 0));
    plain += d + "," + h + "\n";
    clutter += d + "," + h + ",15\n";
  }
  // 60 km at sea level, all inland (zone 4) or all sea (zone 1).
  std::string land = "distance_m,height_m,zone\n", sea = land;
  for (int i = 0; i <= 120; ++i) {
    land += std::to_string(i * 500) + ",0,4\n";
    sea += std::to_string(i * 500) + ",0,1\n";
  }
  write_text(dir / "plain.csv", plain);
  write_text(dir / "clutter.csv", clutter);
  write_text(dir / "land.csv", land);
  write_text(dir / "sea.csv", sea);
  prop::LinkParams p;
  p.freq_mhz = 900;
  p.tx_height_m = 30;
  p.rx_height_m = 1.5;
  const double l_plain = p2p_json(dir / "plain.csv", "p1812", p)["loss_db"].get<double>();
  const double l_clutter = p2p_json(dir / "clutter.csv", "p1812", p)["loss_db"].get<double>();
  const double l_land = p2p_json(dir / "land.csv", "p1812", p)["loss_db"].get<double>();
  const double l_sea = p2p_json(dir / "sea.csv", "p1812", p)["loss_db"].get<double>();
  INFO("plain " << l_plain << " dB, 15 m clutter " << l_clutter << " dB; 60 km land " << l_land << " dB, sea "
                << l_sea << " dB");
  // 15 m of clutter around a 1.5 m receiver costs several dB; over sea the
  // 60 km path sees other propagation (ducting, sea diffraction) than over land.
  CHECK(l_clutter > l_plain + 3.0);
  CHECK(std::abs(l_sea - l_land) > 1.0);
  // Models that know neither ignore them.
  CHECK(p2p_json(dir / "clutter.csv", "deygout", p)["loss_db"].get<double>() ==
        p2p_json(dir / "plain.csv", "deygout", p)["loss_db"].get<double>());
}

namespace {

constexpr int kEpsg = 32648;
constexpr double kX0 = 699990, kY0 = 1850010, kCell = 30;  // UTM 48N, NW corner on the 30 m lattice
constexpr int kN = 200;                                     // 6 km square
const double kRidgeX = kX0 + 80.5 * kCell;                  // a north-south ridge 600 m west of the site

// Gently sloping ground with a 250 m Gaussian ridge.
double terrain(double x, double y) {
  const double u = (x - kRidgeX) / 90.0;
  return 100.0 + 0.004 * (x - kX0) + 0.002 * (kY0 - y) + 250.0 * std::exp(-u * u);
}

void write_dem(const fs::path& p) {
  gdal_init();
  GdalDataset ds(GDALCreate(GDALGetDriverByName("GTiff"), p.c_str(), kN, kN, 1, GDT_Float32, nullptr));
  REQUIRE(ds);
  double gt[6] = {kX0, kCell, 0, kY0, 0, -kCell};
  GDALSetGeoTransform(ds.get(), gt);
  OsrHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), kEpsg);
  GDALSetSpatialRef(ds.get(), static_cast<OGRSpatialReferenceH>(srs.get()));
  std::vector<float> buf(kN * kN);
  for (int r = 0; r < kN; ++r)
    for (int c = 0; c < kN; ++c)
      buf[r * kN + c] = static_cast<float>(terrain(kX0 + (c + 0.5) * kCell, kY0 - (r + 0.5) * kCell));
  REQUIRE(GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Write, 0, 0, kN, kN, buf.data(), kN, kN, GDT_Float32, 0,
                       0) == CE_None);
}

std::pair<double, double> lonlat(double x, double y) {
  Transformer t("EPSG:" + std::to_string(kEpsg), kWgs84);
  return t.forward(x, y);
}

std::string fmt8(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.8f", v);
  return b;
}

double cx(int c) { return kX0 + (c + 0.5) * kCell; }
double cy(int r) { return kY0 - (r + 0.5) * kCell; }

// A scenario with one omni LTE site (1800 MHz, 58 dBm EIRP, 30 m) at grid cell (100, 100),
// on the exact engine: it computes each cell on the profile p2p is given (the
// fast engine's agreement with it is tests/reference/test_radial_agreement.cpp's).
void write_scenario(const fs::path& dir, const std::string& model) {
  write_dem(dir / "dem.tif");
  auto [slon, slat] = lonlat(cx(100), cy(100));
  write_text(dir / "sites.csv",
             "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,freq_mhz,"
             "bandwidth_mhz,eirp_dbm\nS1,S1,Centre,Viettel," + fmt8(slon) + "," + fmt8(slat) +
                 ",30,,,360,lte,1800,10,58\n");
  // Villages at two opposite corners: the working grid spans their box (rows and columns 40 to 160).
  auto [alon, alat] = lonlat(cx(40), cy(40));
  auto [blon, blat] = lonlat(cx(160), cy(160));
  write_text(dir / "villages.csv", "id,name,commune,population,lon,lat\n1,North-west,Xa Test,100," + fmt8(alon) +
                                       "," + fmt8(alat) + "\n2,South-east,Xa Test,200," + fmt8(blon) + "," +
                                       fmt8(blat) + "\n");
  write_text(dir / "scenario.yaml", "name: consistency\ninputs:\n  dem: dem.tif\n  sites: sites.csv\n"
                                    "  villages: villages.csv\ngrid:\n  crs: EPSG:32648\n  resolution_m: 30\n"
                                    "model:\n  name: " + model + "\n  engine: exact\nradio:\n  technology: lte\n  threshold_dbm: -110\n"
                                    "  radius_km: 2.9\noutput:\n  dir: out\n");
}

struct Tif {
  int rows = 0, cols = 0;
  double gt[6] = {};
  std::vector<float> v;
};

Tif read_tif(const fs::path& p) {
  gdal_init();
  GdalDataset ds(GDALOpen(p.c_str(), GA_ReadOnly));
  REQUIRE(ds);
  Tif t;
  t.cols = GDALGetRasterXSize(ds.get());
  t.rows = GDALGetRasterYSize(ds.get());
  GDALGetGeoTransform(ds.get(), t.gt);
  t.v.resize(static_cast<size_t>(t.rows) * t.cols);
  REQUIRE(GDALRasterIO(GDALGetRasterBand(ds.get(), 1), GF_Read, 0, 0, t.cols, t.rows, t.v.data(), t.cols, t.rows,
                       GDT_Float32, 0, 0) == CE_None);
  return t;
}

}  // namespace

TEST_CASE("consistency: the engine's RSRP and p2p on the engine's profile give the same loss (0.01 dB)") {
  for (const std::string model : {"deygout", "itm"}) {
    CAPTURE(model);
    const fs::path dir = test::temp_dir("p2p_consistency_" + model);
    write_scenario(dir, model);
    const CliResult run = run_phusong("run " + (dir / "scenario.yaml").string() + " --quiet --out " +
                                      (dir / "out").string());
    INFO(run.err);
    REQUIRE(run.rc == 0);
    const Tif rsrp = read_tif(dir / "out" / "rsrp_dbm.tif");

    // The engine's working DEM and cell, through the same library calls `run` makes.
    const Scenario s = load_scenario((dir / "scenario.yaml").string());
    const Inputs in = load_inputs(s);
    const Raster<float>& dem = in.dem.elevation_m;
    const Grid& g = dem.grid();
    REQUIRE(in.cells.size() == 1);
    const radio::Cell& cell = in.cells[0];
    REQUIRE(rsrp.rows == g.rows);
    REQUIRE(rsrp.cols == g.cols);
    CHECK(rsrp.gt[0] == g.x_min);
    CHECK(rsrp.gt[3] == g.y_max);
    CHECK(rsrp.gt[1] == g.dx);
    const double ground = sample_bilinear(dem, cell.x, cell.y);
    const double tip = ground + cell.height_m;

    // Cells of the DEM file's lattice (row, col): behind the ridge due west,
    // behind it diagonally, in the open to the east, and to the south-east.
    const int targets[][2] = {{100, 50}, {70, 60}, {100, 150}, {140, 120}};
    int diffraction_paths = 0;
    double max_d = 0.0;
    for (const auto& t : targets) {
      // The same cell centre on the working grid.
      const int r = static_cast<int>(std::floor(g.row_f(cy(t[0])))), c = static_cast<int>(std::floor(g.col_f(cx(t[1]))));
      CAPTURE(r);
      CAPTURE(c);
      REQUIRE(dem.in_bounds(r, c));
      const double x = g.cell_x(c), y = g.cell_y(r);
      CHECK(std::abs(x - cx(t[1])) < 1e-6);
      CHECK(std::abs(y - cy(t[0])) < 1e-6);
      const float rx_dbm = rsrp.v[static_cast<size_t>(r) * rsrp.cols + c];
      REQUIRE(std::isfinite(rx_dbm));
      prop::Profile prof;
      REQUIRE(extract_profile(dem, cell.x, cell.y, x, y, std::min(g.dx, g.dy), prof));
      const fs::path f = dir / ("profile_" + std::to_string(r) + "_" + std::to_string(c) + ".csv");
      write_text(f, profile_to_csv(prof));
      prop::LinkParams p = s.link;
      p.freq_mhz = cell.freq_mhz;
      p.tx_height_m = cell.height_m;
      const auto j = p2p_json(f, model, p);
      // RSRP = reference EIRP + antenna gain - loss (the engine's link budget).
      const double dist = std::max(std::hypot(x - cell.x, y - cell.y), 1.0);
      const double bearing = std::fmod(std::atan2(x - cell.x, y - cell.y) * 180.0 / M_PI + 360.0, 360.0);
      const double depression = std::atan2(tip - (dem.at(r, c) + s.link.rx_height_m), dist) * 180.0 / M_PI;
      const double engine_loss =
          radio::reference_eirp_dbm(cell) + radio::relative_gain_db(cell, bearing, depression) - rx_dbm;
      const double loss = j["loss_db"].get<double>();
      INFO("p2p " << loss << " dB, engine " << engine_loss << " dB, mode " << j["mode"]);
      CHECK(std::abs(loss - engine_loss) <= 0.01);
      max_d = std::max(max_d, std::abs(loss - engine_loss));
      diffraction_paths += j["mode"] == "diffraction";
      // The ridge paths are far below free space: the comparison is not trivial.
      if (t[1] < 80) CHECK(loss - prop::fspl_db(cell.freq_mhz, dist) > 15.0);
    }
    // Deygout calls the ridge paths diffraction; ITM's mode is by distance
    // (within its smooth-earth horizons these short paths are "los").
    if (model == "deygout") CHECK(diffraction_paths == 2);
    MESSAGE("engine vs p2p (" << model << "): 4 paths, max |dL| = " << max_d << " dB");
  }
}

TEST_CASE("profile cli: clearance, Deygout obstacles, 60 % Fresnel test, SVG, and the CSV reads back into p2p") {
  const fs::path dir = test::temp_dir("profile_cli");
  write_dem(dir / "dem.tif");
  auto [slon, slat] = lonlat(cx(100), cy(100));
  auto [wlon, wlat] = lonlat(cx(40) + 10, cy(100));  // 1790 m west, behind the ridge
  auto [elon, elat] = lonlat(cx(160), cy(100));       // 1.8 km east, open ground
  auto [olon, olat] = lonlat(kX0 - 3000, cy(100));    // 3 km west of the DEM
  const std::string common = " --tx-height-m 30 --rx-height-m 1.5 --freq-mhz 1800 --step-m 30";

  const CliResult west = run_phusong("profile --dem " + (dir / "dem.tif").string() + " --from " + fmt8(slon) + "," +
                                     fmt8(slat) + " --to " + fmt8(wlon) + "," + fmt8(wlat) + common +
                                     " --out-svg " + (dir / "west.svg").string());
  INFO(west.err);
  REQUIRE(west.rc == 0);
  std::istringstream ss(west.out);
  std::string line;
  REQUIRE(std::getline(ss, line));
  CHECK(line == "distance_m,terrain_m,earth_bulge_m,los_m,fresnel1_radius_m,clearance_m,clearance_f1");
  int rows = 0;
  double min_clear = 1e9, at = 0;
  while (std::getline(ss, line) && line[0] != '#') {
    const auto v = test::split_csv_line(line);
    REQUIRE(v.size() == 7);
    ++rows;
    if (std::stod(v[5]) < min_clear) {
      min_clear = std::stod(v[5]);
      at = std::stod(v[0]);
    }
  }
  CHECK(rows == 61);                    // 1790 m in 60 steps of at most 30 m
  CHECK(min_clear < -100.0);            // the 250 m ridge stands above the line of sight
  CHECK(std::abs(at - 600.0) <= 30.0);  // the ridge crest, 600 m west of the site
  CHECK(west.out.find("# dominant obstacles (Deygout order):") != std::string::npos);
  CHECK(west.out.find("1. main edge at ") != std::string::npos);
  CHECK(west.out.find("60 % clear: no") != std::string::npos);
  const std::string svg = slurp(dir / "west.svg");
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("<polygon") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);

  // The printed profile reads back into p2p and gives the 'deygout' loss the summary printed.
  write_text(dir / "west.csv", west.out);
  prop::LinkParams p;
  p.freq_mhz = 1800;
  p.tx_height_m = 30;
  p.rx_height_m = 1.5;
  const auto j = p2p_json(dir / "west.csv", "deygout", p);
  const auto k = west.out.find("'deygout' model loss ");
  REQUIRE(k != std::string::npos);
  const double printed = std::stod(west.out.substr(k + 21));
  // Printed to 0.01 dB; the CSV rounds terrain to 1 mm.
  CHECK(std::abs(j["loss_db"].get<double>() - printed) <= 0.006);
  CHECK(j["mode"] == "diffraction");
  // ITM accepts it too: distances printed to the millimetre count as equally spaced.
  const auto ji = p2p_json(dir / "west.csv", "itm", p);
  CHECK(ji["distance_m"].get<double>() == doctest::Approx(1790.0).epsilon(1e-5));
  CHECK(std::isfinite(ji["loss_db"].get<double>()));

  const CliResult east = run_phusong("profile --dem " + (dir / "dem.tif").string() + " --from " + fmt8(slon) + "," +
                                     fmt8(slat) + " --to " + fmt8(elon) + "," + fmt8(elat) + common + " --out-csv " +
                                     (dir / "east.csv").string());
  REQUIRE(east.rc == 0);
  CHECK(east.out.find("60 % clear: yes") != std::string::npos);
  CHECK(east.out.rfind("distance_m", 0) == std::string::npos);  // the CSV went to the file
  CHECK(slurp(dir / "east.csv").rfind("distance_m,terrain_m,", 0) == 0);

  // Bad inputs: one error line, exit 1.
  for (const auto& case_ : std::vector<std::pair<std::string, std::string>>{
           {"--dem " + (dir / "dem.tif").string() + " --from 200,16 --to " + fmt8(elon) + "," + fmt8(elat) + common,
            "'--from'"},
           {"--dem " + (dir / "dem.tif").string() + " --from " + fmt8(slon) + "," + fmt8(slat) + " --to " + fmt8(olon) + "," + fmt8(olat) +
                common,
            "DEM"},
           {"--dem " + (dir / "nosuch.tif").string() + " --from " + fmt8(slon) + "," + fmt8(slat) + " --to " +
                fmt8(elon) + "," + fmt8(elat) + common,
            "file not found"}}) {
    // (named members: clang before 16 cannot capture structured bindings, as CAPTURE does)
    const std::string& args = case_.first;
    const std::string& expect = case_.second;
    const CliResult r = run_phusong("profile " + args);
    CAPTURE(args);
    CAPTURE(r.err);
    CHECK(r.rc == 1);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find(expect) != std::string::npos);
  }
}
