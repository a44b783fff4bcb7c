// The embedded synthetic demo district: generated twice into temporary
// folders, the files must be identical and satisfy the data contract.
#include <doctest/doctest.h>

#define GEOS_USE_ONLY_R_API
#include <gdal.h>
#include <geos_c.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "phusong/geo/crs.hpp"
#include "phusong/scenario/demo_district.hpp"
#include "phusong/terrain/synthetic.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

namespace {

struct Generated {
  fs::path dir;
  DemoDistrictSummary summary;
};

// Generated once per test run and shared by the cases below.
const Generated& demo() {
  static const Generated g = [] {
    Generated out;
    out.dir = test::temp_dir("demo_district_a");
    DemoDistrictOptions opt;
    opt.out_dir = out.dir;
    out.summary = generate_demo_district(opt);
    return out;
  }();
  return g;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Dem {
  int rows = 0, cols = 0;
  double gt[6] = {};
  std::vector<std::int16_t> z;
  std::string epsg, synthetic, description;
  int at(int r, int c) const {
    r = std::clamp(r, 0, rows - 1);
    c = std::clamp(c, 0, cols - 1);
    return z[static_cast<size_t>(r) * cols + c];
  }
  bool cell_of(double x, double y, int& r, int& c) const {
    const double fc = (x - gt[0]) / gt[1], fr = (y - gt[3]) / gt[5];
    if (fc < 0 || fr < 0 || fc >= cols || fr >= rows) return false;
    c = static_cast<int>(fc);
    r = static_cast<int>(fr);
    return true;
  }
  // Slope (degrees) by Horn's 3×3 method, written independently of the library.
  double slope_deg(int r, int c) const {
    const double a = at(r - 1, c - 1), b = at(r - 1, c), cc = at(r - 1, c + 1), d = at(r, c - 1),
                 f = at(r, c + 1), g = at(r + 1, c - 1), h = at(r + 1, c), i = at(r + 1, c + 1);
    const double dzdx = ((cc + 2 * f + i) - (a + 2 * d + g)) / (8 * gt[1]);
    const double dzdy = ((g + 2 * h + i) - (a + 2 * b + cc)) / (8 * -gt[5]);
    return std::atan(std::hypot(dzdx, dzdy)) * 57.29577951308232;
  }
};

Dem read_dem(const fs::path& p) {
  GDALAllRegister();
  Dem d;
  GDALDatasetH ds = GDALOpen(p.string().c_str(), GA_ReadOnly);
  REQUIRE(ds != nullptr);
  d.rows = GDALGetRasterYSize(ds);
  d.cols = GDALGetRasterXSize(ds);
  GDALGetGeoTransform(ds, d.gt);
  GDALRasterBandH band = GDALGetRasterBand(ds, 1);
  CHECK(GDALGetRasterDataType(band) == GDT_Int16);
  d.z.resize(static_cast<size_t>(d.rows) * d.cols);
  CHECK(GDALRasterIO(band, GF_Read, 0, 0, d.cols, d.rows, d.z.data(), d.cols, d.rows, GDT_Int16, 0, 0) ==
        CE_None);
  OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
  if (srs && OSRGetAuthorityCode(srs, nullptr)) d.epsg = OSRGetAuthorityCode(srs, nullptr);
  if (const char* m = GDALGetMetadataItem(ds, "PHUSONG_SYNTHETIC", nullptr)) d.synthetic = m;
  if (const char* m = GDALGetMetadataItem(ds, "DESCRIPTION", nullptr)) d.description = m;
  const char* comp = GDALGetMetadataItem(ds, "COMPRESSION", "IMAGE_STRUCTURE");
  CHECK(std::string(comp ? comp : "") == "DEFLATE");
  int bx = 0, by = 0;
  GDALGetBlockSize(band, &bx, &by);
  CHECK(bx == 256);
  CHECK(by == 256);
  GDALClose(ds);
  return d;
}

// GEOS helpers for the commune polygons (lon/lat).
struct Geos {
  GEOSContextHandle_t h = GEOS_init_r();
  ~Geos() { GEOS_finish_r(h); }
  GEOSGeometry* ring(const nlohmann::json& coords) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, static_cast<unsigned>(coords.size()), 2);
    for (size_t k = 0; k < coords.size(); ++k)
      GEOSCoordSeq_setXY_r(h, seq, static_cast<unsigned>(k), coords[k][0].get<double>(), coords[k][1].get<double>());
    return GEOSGeom_createLinearRing_r(h, seq);
  }
  GEOSGeometry* polygon(const nlohmann::json& rings) {
    GEOSGeometry* shell = ring(rings[0]);
    std::vector<GEOSGeometry*> holes;
    for (size_t k = 1; k < rings.size(); ++k) holes.push_back(ring(rings[k]));
    return GEOSGeom_createPolygon_r(h, shell, holes.data(), static_cast<unsigned>(holes.size()));
  }
  GEOSGeometry* geometry(const nlohmann::json& g) {
    if (g["type"] == "Polygon") return polygon(g["coordinates"]);
    std::vector<GEOSGeometry*> parts;
    for (const auto& p : g["coordinates"]) parts.push_back(polygon(p));
    return GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts.data(), static_cast<unsigned>(parts.size()));
  }
};

double signed_area(const nlohmann::json& ring) {
  double a = 0;
  for (size_t k = 0; k + 1 < ring.size(); ++k)
    a += ring[k][0].get<double>() * ring[k + 1][1].get<double>() - ring[k + 1][0].get<double>() * ring[k][1].get<double>();
  return a / 2;
}

}  // namespace

TEST_CASE("synthetic: portable elementary functions agree with libm") {
  for (double x = -20.0; x <= 20.0; x += 0.173) {
    CHECK(synth::det_sin(x) == doctest::Approx(std::sin(x)).epsilon(1e-14).scale(1.0));
    CHECK(synth::det_cos(x) == doctest::Approx(std::cos(x)).epsilon(1e-14).scale(1.0));
    CHECK(synth::det_atan(x) == doctest::Approx(std::atan(x)).epsilon(1e-14));
    CHECK(synth::det_exp(x) == doctest::Approx(std::exp(x)).epsilon(1e-14));
    CHECK(synth::det_atan2(x, 3.0 - x) == doctest::Approx(std::atan2(x, 3.0 - x)).epsilon(1e-14));
  }
  for (double x = 1e-6; x < 1e6; x *= 1.7)
    CHECK(synth::det_log(x) == doctest::Approx(std::log(x)).epsilon(1e-14).scale(1.0));
}

TEST_CASE("synthetic: splitmix64 reference values and a reproducible xoshiro stream") {
  // First outputs of splitmix64 from state 0 (S. Vigna's reference generator).
  std::uint64_t st = 0;
  CHECK(synth::splitmix64(st) == 0xE220A8397B1DCDAFULL);
  CHECK(synth::splitmix64(st) == 0x6E789E6AA1B965F4ULL);
  CHECK(synth::splitmix64(st) == 0x06C45D188009454FULL);
  synth::Rng a(42), b(42), c(43);
  bool differs = false;
  for (int k = 0; k < 100; ++k) {
    const double ua = a.uniform();
    CHECK(ua == b.uniform());
    CHECK(ua >= 0.0);
    CHECK(ua < 1.0);
    differs = differs || ua != c.uniform();
    const int n = a.uniform_int(-3, 5);
    b.uniform_int(-3, 5);
    CHECK(n >= -3);
    CHECK(n <= 5);
  }
  CHECK(differs);
}

TEST_CASE("synthetic: priority-flood routing drains every cell to the edge") {
  // A 5×5 bowl with a pit in the middle and a notch on the east edge.
  const int n = 5;
  std::vector<double> h(n * n, 10.0);
  h[2 * n + 2] = 1.0;  // pit
  h[2 * n + 4] = 5.0;  // notch (edge)
  h[2 * n + 3] = 6.0;
  const auto fr = synth::route_flow(h, n, n, 1e-3, false);
  // Receivers lead to an edge cell from everywhere.
  for (int i = 0; i < n * n; ++i) {
    int j = i, steps = 0;
    while (fr.receiver[j] >= 0 && steps < n * n) {
      j = fr.receiver[j];
      ++steps;
    }
    const int r = j / n, c = j % n;
    CHECK((r == 0 || c == 0 || r == n - 1 || c == n - 1));
  }
  // The pit drains through the notch, and is filled up to the spill level.
  CHECK(fr.receiver[2 * n + 2] == 2 * n + 3);
  CHECK(fr.filled_m[2 * n + 2] > 6.0);
  CHECK(fr.area_cells[2 * n + 4] >= 2.0);
  const auto filled = synth::fill_depressions(h, n, n);
  CHECK(filled[2 * n + 2] == 6.0);
}

TEST_CASE("demo district: two runs give identical bytes") {
  const Generated& a = demo();
  const fs::path b = test::temp_dir("demo_district_b");
  DemoDistrictOptions opt;
  opt.out_dir = b;
  make_demo_district(opt);
  for (const char* f : {"dem.tif", "communes.geojson", "villages.csv", "sites.csv", "README.md"}) {
    INFO(f);
    REQUIRE(fs::exists(a.dir / f));
    CHECK(fs::file_size(a.dir / f) > 100);
    CHECK(slurp(a.dir / f) == slurp(b / f));
  }
}

TEST_CASE("demo district: DEM grid, CRS, metadata and height range") {
  const Generated& g = demo();
  const Dem d = read_dem(g.dir / "dem.tif");
  CHECK(d.rows == 840);
  CHECK(d.cols == 840);
  CHECK(d.gt[1] == 30.0);
  CHECK(d.gt[5] == -30.0);
  CHECK(std::fmod(d.gt[0], 30.0) == 0.0);
  CHECK(std::fmod(d.gt[3], 30.0) == 0.0);
  CHECK(d.epsg == "32648");
  CHECK(d.synthetic == "yes");
  CHECK(d.description.find("make-demo-district") != std::string::npos);
  CHECK(d.description.find(std::to_string(kDemoDefaultSeed)) != std::string::npos);
  // Centred near 106.75 E 16.65 N.
  Transformer t("EPSG:32648", kWgs84);
  const auto [lon, lat] = t.forward(d.gt[0] + 420 * 30.0, d.gt[3] - 420 * 30.0);
  CHECK(std::fabs(lon - 106.75) < 0.005);
  CHECK(std::fabs(lat - 16.65) < 0.005);
  int mn = 99999, mx = -99999;
  for (const auto z : d.z) {
    mn = std::min<int>(mn, z);
    mx = std::max<int>(mx, z);
  }
  CHECK(mn >= 80);
  CHECK(mn <= 160);
  CHECK(mx >= 1500);
  CHECK(mx <= 1800);
  CHECK(g.summary.min_height_m == mn);
  CHECK(g.summary.max_height_m == mx);
  // Mountains: a large share of steep cells, and gentle valley floors too.
  int steep = 0, gentle = 0, total = 0;
  for (int r = 1; r < d.rows - 1; r += 3)
    for (int c = 1; c < d.cols - 1; c += 3) {
      const double s = d.slope_deg(r, c);
      steep += s > 20.0;
      gentle += s < 5.0;
      ++total;
    }
  CHECK(steep > total / 4);
  CHECK(gentle > total / 20);
}

TEST_CASE("demo district: communes tile an outline inside the DEM") {
  const Generated& g = demo();
  const auto j = nlohmann::json::parse(slurp(g.dir / "communes.geojson"));
  REQUIRE(j["type"] == "FeatureCollection");
  REQUIRE(j["features"].size() == 13);
  const Dem d = read_dem(g.dir / "dem.tif");
  Transformer to_utm(kWgs84, "EPSG:32648");
  Geos geos;
  std::set<std::string> ids, names;
  std::vector<GEOSGeometry*> polys;
  double area_sum = 0;
  int thi_tran = 0;
  for (const auto& f : j["features"]) {
    const auto& p = f["properties"];
    ids.insert(p["commune_id"].get<std::string>());
    names.insert(p["name"].get<std::string>());
    thi_tran += p["name"].get<std::string>().rfind("Thị trấn ", 0) == 0;
    CHECK(p["district"].get<std::string>().find("(synthetic)") != std::string::npos);
    const auto& geom = f["geometry"];
    const bool poly = geom["type"] == "Polygon";
    CHECK((poly || geom["type"] == "MultiPolygon"));
    const auto parts = poly ? nlohmann::json::array({geom["coordinates"]}) : geom["coordinates"];
    for (const auto& part : parts) {
      CHECK(signed_area(part[0]) > 0);  // RFC 7946: exterior rings counterclockwise
      for (size_t k = 1; k < part.size(); ++k) CHECK(signed_area(part[k]) < 0);
      for (const auto& pt : part[0]) {
        const auto [x, y] = to_utm.forward(pt[0].get<double>(), pt[1].get<double>());
        const double margin = std::min({x - d.gt[0], d.gt[0] + d.cols * 30.0 - x, d.gt[3] - y,
                                        y - (d.gt[3] - d.rows * 30.0)});
        CHECK(margin >= 1500.0);
      }
    }
    GEOSGeometry* gg = geos.geometry(geom);
    REQUIRE(gg != nullptr);
    CHECK(GEOSisValid_r(geos.h, gg) == 1);
    double a = 0;
    GEOSArea_r(geos.h, gg, &a);
    CHECK(a > 0.0003);  // > ~3 km²
    area_sum += a;
    polys.push_back(gg);
  }
  CHECK(ids.size() == 13);
  CHECK(ids.count("C01") == 1);
  CHECK(ids.count("C13") == 1);
  CHECK(names.size() == 13);
  CHECK(thi_tran == 1);
  // No overlaps: the union has the summed area (to rounding of the shared edges).
  GEOSGeometry* coll = GEOSGeom_createCollection_r(geos.h, GEOS_GEOMETRYCOLLECTION, polys.data(),
                                                   static_cast<unsigned>(polys.size()));
  GEOSGeometry* uni = GEOSUnaryUnion_r(geos.h, coll);
  double ua = 0;
  GEOSArea_r(geos.h, uni, &ua);
  CHECK(ua == doctest::Approx(area_sum).epsilon(1e-6));
  CHECK(GEOSGeomTypeId_r(geos.h, uni) == GEOS_POLYGON);  // one connected district
  GEOSGeom_destroy_r(geos.h, uni);
  GEOSGeom_destroy_r(geos.h, coll);
}

TEST_CASE("demo district: villages sit in their commune, on gentle slopes, apart") {
  const Generated& g = demo();
  const auto villages = test::read_csv(g.dir / "villages.csv");
  CHECK(villages.header == std::vector<std::string>{"id", "name", "commune", "population", "lon", "lat"});
  CHECK(villages.rows.size() >= 90);
  CHECK(villages.rows.size() <= 110);
  CHECK(static_cast<int>(villages.rows.size()) == g.summary.villages);
  const auto j = nlohmann::json::parse(slurp(g.dir / "communes.geojson"));
  Geos geos;
  std::map<std::string, GEOSGeometry*> commune;
  for (const auto& f : j["features"]) commune[f["properties"]["name"].get<std::string>()] = geos.geometry(f["geometry"]);
  const Dem d = read_dem(g.dir / "dem.tif");
  Transformer to_utm(kWgs84, "EPSG:32648");
  std::set<std::string> ids, names;
  std::vector<std::pair<double, double>> xy;
  std::map<std::string, int> per_commune;
  double max_slope = 0;
  for (size_t i = 0; i < villages.rows.size(); ++i) {
    const auto& row = villages.rows[i];
    REQUIRE(row.size() == 6);
    INFO(row[0] << " " << row[1]);
    ids.insert(row[0]);
    names.insert(row[1]);
    const int pop = std::stoi(row[3]);
    CHECK(pop >= 60);
    CHECK(pop <= 1500);
    CHECK(row[4].size() - row[4].find('.') - 1 == 6);  // 6 decimals
    const double lon = std::stod(row[4]), lat = std::stod(row[5]);
    REQUIRE(commune.count(row[2]) == 1);
    ++per_commune[row[2]];
    GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(geos.h, lon, lat);
    CHECK(GEOSContains_r(geos.h, commune[row[2]], pt) == 1);
    GEOSGeom_destroy_r(geos.h, pt);
    const auto [x, y] = to_utm.forward(lon, lat);
    int r = 0, c = 0;
    REQUIRE(d.cell_of(x, y, r, c));
    const double s = d.slope_deg(r, c);
    max_slope = std::max(max_slope, s);
    CHECK(s < 12.0);
    xy.emplace_back(x, y);
  }
  CHECK(ids.size() == villages.rows.size());
  CHECK(names.size() == villages.rows.size());
  CHECK(per_commune.size() == 13);  // every commune has villages
  double min_spacing = 1e18;
  for (size_t a = 0; a < xy.size(); ++a)
    for (size_t b = a + 1; b < xy.size(); ++b)
      min_spacing = std::min(min_spacing, std::hypot(xy[a].first - xy[b].first, xy[a].second - xy[b].second));
  CHECK(min_spacing >= 500.0);
  MESSAGE("villages: " << villages.rows.size() << ", max slope " << max_slope << " deg, min spacing "
                       << min_spacing << " m");
  for (auto& [k, v] : commune) GEOSGeom_destroy_r(geos.h, v);
}

TEST_CASE("demo district: sites and cells follow the contract and lie in the DEM") {
  const Generated& g = demo();
  const auto sites = test::read_csv(g.dir / "sites.csv");
  CHECK(sites.header == std::vector<std::string>{"site_id", "cell_id", "name", "carrier", "lon", "lat",
                                                 "height_m", "azimuth_deg", "tilt_deg", "beamwidth_deg",
                                                 "technology", "freq_mhz", "bandwidth_mhz", "eirp_dbm", "pattern"});
  const Dem d = read_dem(g.dir / "dem.tif");
  Transformer to_utm(kWgs84, "EPSG:32648");
  std::map<std::string, std::string> carrier_of;
  std::set<std::string> cell_ids;
  int omni = 0, gsm = 0, lte900 = 0;
  for (const auto& row : sites.rows) {
    REQUIRE(row.size() == 15);
    INFO(row[1]);
    // MobiFone's 1800 MHz sectors name the project's panel pattern file.
    const bool panel = row[3] == "MobiFone" && row[9] == "65" && row[11] == "1800";
    CHECK(row[14] == (panel ? "../antennas/panel_65deg_17dbi_1800.msi" : ""));
    cell_ids.insert(row[1]);
    CHECK(row[1].rfind(row[0], 0) == 0);
    const std::string& carrier = row[3];
    CHECK((carrier == "Viettel" || carrier == "VNPT" || carrier == "MobiFone"));
    if (carrier_of.count(row[0])) CHECK(carrier_of[row[0]] == carrier);
    carrier_of[row[0]] = carrier;
    const auto [x, y] = to_utm.forward(std::stod(row[4]), std::stod(row[5]));
    int r = 0, c = 0;
    CHECK(d.cell_of(x, y, r, c));
    const int h = std::stoi(row[6]);
    CHECK(h >= 20);
    CHECK(h <= 45);
    const std::string& tech = row[10];
    CHECK((tech == "lte" || tech == "gsm"));
    const double f = std::stod(row[11]), bw = std::stod(row[12]), eirp = std::stod(row[13]);
    CHECK((f == 900.0 || f == 1800.0));
    if (row[9] == "360") {
      ++omni;
      CHECK(row[7].empty());
      CHECK(row[8].empty());
      CHECK(eirp >= 48.0);
      CHECK(eirp <= 53.0);
    } else {
      CHECK(row[9] == "65");
      const int az = std::stoi(row[7]), tilt = std::stoi(row[8]);
      CHECK(az >= 0);
      CHECK(az < 360);
      CHECK(tilt >= 2);
      CHECK(tilt <= 6);
      CHECK(tech == "lte");
      CHECK(eirp >= 55.0);
      CHECK(eirp <= 62.0);
    }
    if (tech == "gsm") {
      ++gsm;
      CHECK(f == 900.0);
      CHECK(bw == 0.2);
    } else if (f == 1800.0) {
      CHECK((bw == 10.0 || bw == 20.0));
    } else {
      ++lte900;
      CHECK((bw == 5.0 || bw == 10.0));
    }
  }
  CHECK(cell_ids.size() == sites.rows.size());
  std::map<std::string, int> per_carrier;
  for (const auto& [s, c] : carrier_of) ++per_carrier[c];
  CHECK(carrier_of.size() >= 25);
  CHECK(carrier_of.size() <= 35);
  CHECK(static_cast<int>(carrier_of.size()) == g.summary.sites);
  CHECK(per_carrier["Viettel"] > per_carrier["VNPT"]);
  CHECK(per_carrier["Viettel"] > per_carrier["MobiFone"]);
  CHECK(omni >= 2);
  CHECK(gsm >= 2);
  CHECK(lte900 >= 3);
  // A few remote valleys are left without service (8–15 % of the villages).
  const double frac = static_cast<double>(g.summary.villages_uncovered_estimate) / g.summary.villages;
  MESSAGE("uncovered villages (generator estimate): " << g.summary.villages_uncovered_estimate);
  CHECK(frac >= 0.08);
  CHECK(frac <= 0.15);
}
