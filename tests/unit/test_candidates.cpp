// Candidate positions for `phusong propose` (docs/planning.md, "Candidates"):
// each restriction option changes the candidate set as documented.  A flat
// 41 x 41 DEM of 100 m cells in UTM 48N with one uncovered village in the
// middle and a 10 km radius: every cell is in reach, no cell is a peak or a
// ridge, so the candidate of each 500 m lattice square is its first
// admissible cell in row-major order (the unrestricted set is the squares'
// top-left cells).  The lattice starts at row/col 1 (border cells are never
// candidates): squares begin at 1, 6, 11, ..., 36.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/planning/candidates.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;
using namespace phusong::planning;

namespace {

using Cells = std::set<std::pair<int, int>>;  // (row, col)

constexpr double kX0 = 500000, kY1 = 1800000, kCell = 100;
const std::string kCrs = "EPSG:32648";
const std::string kGeoJsonCrs = R"("crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}})";

double cx(int c) { return kX0 + (c + 0.5) * kCell; }
double cy(int r) { return kY1 - (r + 0.5) * kCell; }

struct Fixture {
  fs::path dir;
  Scenario s;
  Inputs in;
  explicit Fixture(const std::string& name) : dir(test::temp_dir("candidates_" + name)) {
    Grid g;
    g.rows = g.cols = 41;
    g.x_min = kX0;
    g.y_max = kY1;
    g.dx = g.dy = kCell;
    in.working_crs = kCrs;
    in.dem.elevation_m = Raster<float>(g, 100.0f);
    analysis::Village v;
    v.id = "V1";
    v.name = "village";
    v.population = 100;
    v.x = cx(20);
    v.y = cy(20);
    in.villages.push_back(v);
    // Two existing cells at opposite corners: the area the DEM was loaded for
    // (villages grown by the cells) is then the whole grid.
    for (int k : {0, 40}) {
      radio::Cell c;
      c.cell_id = c.site_id = "E" + std::to_string(k);
      c.x = cx(k);
      c.y = cy(k);
      in.cells.push_back(c);
    }
    s.file = (dir / "scenario.yaml").string();
    s.radius_km = 10;
    s.proposals.candidate_spacing_m = 500;
    s.proposals.search_margin_km = 10;
    // The sites file (read for min_separation_m): one tower at cell (8, 8).
    Transformer to_ll(kCrs, "EPSG:4326");
    const auto [lon, lat] = to_ll.forward(cx(8), cy(8));
    char row[256];
    std::snprintf(row, sizeof row, "T1,T1,tower,Other,%.9f,%.9f,30,,,360,lte,900,10,58\n", lon, lat);
    s.sites_path = (dir / "sites.csv").string();
    test::write_text(s.sites_path, "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,"
                                   "technology,freq_mhz,bandwidth_mhz,eirp_dbm\n" + std::string(row));
  }
  // A GeoJSON file in the working CRS.
  std::string geojson(const std::string& name, const std::string& geometry) const {
    const fs::path p = dir / (name + ".geojson");
    test::write_text(p, "{\"type\": \"FeatureCollection\", " + kGeoJsonCrs +
                            ", \"features\": [{\"type\": \"Feature\", \"properties\": {\"id\": 1}, \"geometry\": " +
                            geometry + "}]}\n");
    return p.string();
  }
  std::string rectangle(const std::string& name, double x0, double y0, double x1, double y1) const {
    char g[512];
    std::snprintf(g, sizeof g,
                  "{\"type\": \"Polygon\", \"coordinates\": [[[%.3f, %.3f], [%.3f, %.3f], [%.3f, %.3f], [%.3f, %.3f], "
                  "[%.3f, %.3f]]]}",
                  x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return geojson(name, g);
  }
  CandidateSet run() const { return make_candidates(s, in, {0}); }
};

Cells cells_of(const CandidateSet& c) {
  Cells out;
  for (const auto& k : c.list) out.insert({k.row, k.col});
  return out;
}

// The unrestricted set: every square's top-left cell.
Cells top_left() {
  Cells out;
  for (int r = 1; r <= 39; r += 5)
    for (int c = 1; c <= 39; c += 5) out.insert({r, c});
  return out;
}

}  // namespace

TEST_CASE("candidates: unrestricted, one per lattice square; a local high point wins its square") {
  Fixture f("plain");
  const CandidateSet c = f.run();
  CHECK(c.squares == 64);
  CHECK(c.list.size() == 64);
  CHECK(cells_of(c) == top_left());
  for (const auto& k : c.list) {
    CHECK(k.origin == "lattice");
    CHECK(k.x == doctest::Approx(cx(k.col)));
    CHECK(k.y == doctest::Approx(cy(k.row)));
  }
  CHECK(c.rejected_allowed_area + c.rejected_exclusion + c.rejected_roads + c.rejected_separation == 0);
  // A one-cell hill at (23, 27) becomes the candidate of its square (21..25, 26..30).
  f.in.dem.elevation_m.at(23, 27) = 105.0f;
  const CandidateSet h = f.run();
  Cells expected = top_left();
  expected.erase({21, 26});
  expected.insert({23, 27});
  CHECK(cells_of(h) == expected);
  for (const auto& k : h.list)
    if (k.row == 23 && k.col == 27) CHECK(k.origin == "peak");
}

TEST_CASE("candidates: allowed_area keeps only positions inside the polygons") {
  Fixture f("allowed");
  // Cell centres of cols 3..7 and rows 1..7 inside.
  f.s.proposals.allowed_area_path = f.rectangle("allowed", 500320, 1799180, 500830, 1799900);
  const CandidateSet c = f.run();
  CHECK(cells_of(c) == Cells{{1, 3}, {1, 6}, {6, 3}, {6, 6}});
  // Squares whose best cell was outside: 64 - 2 (the squares at cols 6.. keep their top-left cell).
  CHECK(c.rejected_allowed_area == 62);
  CHECK(c.rejected_exclusion + c.rejected_roads + c.rejected_separation == 0);
}

TEST_CASE("candidates: exclusion polygons remove positions; the square's next cell takes over") {
  Fixture f("exclusion");
  // Columns 0..2 excluded over the whole height.
  f.s.proposals.exclusion_path = f.rectangle("exclusion", 499000, 1795000, 500320, 1801000);
  const CandidateSet c = f.run();
  Cells expected;
  for (const auto& [r, col] : top_left()) expected.insert({r, col == 1 ? 3 : col});
  CHECK(cells_of(c) == expected);
  CHECK(c.rejected_exclusion == 8);
  CHECK(c.rejected_allowed_area + c.rejected_roads + c.rejected_separation == 0);
}

TEST_CASE("candidates: a square takes its best admissible cell however many better cells are refused") {
  Fixture f("deep");
  // 2 km squares (20 x 20 cells: rows/cols 1..20 and 21..40); rows 0..17
  // excluded, so the first admissible cell of each northern square is its
  // 341st in rank order (a cap of 64 tries left those squares empty).
  f.s.proposals.candidate_spacing_m = 2000;
  f.s.proposals.exclusion_path = f.rectangle("exclusion", 499000, 1798200, 505000, 1801000);
  const CandidateSet c = f.run();
  CHECK(cells_of(c) == Cells{{18, 1}, {18, 21}, {21, 1}, {21, 21}});
  CHECK(c.rejected_exclusion == 2);
}

TEST_CASE("candidates: max_road_distance_m from a road layer") {
  Fixture f("roads");
  // An east-west road through the centres of row 20; 250 m keeps rows 18..22.
  f.s.proposals.roads_path =
      f.geojson("roads", "{\"type\": \"LineString\", \"coordinates\": [[499900, 1797950], [504200, 1797950]]}");
  f.s.proposals.max_road_distance_m = 250;
  const CandidateSet c = f.run();
  Cells expected;
  for (int col = 1; col <= 39; col += 5) expected.insert({18, col}), expected.insert({21, col});
  CHECK(cells_of(c) == expected);
  // Counted once per square whose best cell was turned down: all but the
  // squares starting at row 21 (their top-left cell is 100 m from the road).
  CHECK(c.rejected_roads == 64 - 8);
  // 350 m keeps rows 17..23: the square starting at row 16 now takes row 17.
  f.s.proposals.max_road_distance_m = 350;
  Cells wider;
  for (int col = 1; col <= 39; col += 5) wider.insert({17, col}), wider.insert({21, col});
  CHECK(cells_of(f.run()) == wider);
}

TEST_CASE("candidates: min_separation_m from every tower in the sites file") {
  Fixture f("separation");
  // The tower stands at cell (8, 8); 450 m removes the whole square
  // (6..10, 6..10) and moves the neighbouring squares' candidates away.
  f.s.proposals.min_separation_m = 450;
  const CandidateSet c = f.run();
  Cells expected = top_left();
  expected.erase({6, 6});
  expected.erase({11, 6});   // (11,6) 361 m ... (12,10) 447 m: next admissible (13, 6) at 539 m
  expected.insert({13, 6});
  expected.erase({6, 11});   // (6,11) 361 m, (6,12) 447 m: (6, 13) at 539 m
  expected.insert({6, 13});
  expected.erase({11, 11});  // (11,11) 424 m: (11, 12) at 500 m
  expected.insert({11, 12});
  CHECK(cells_of(c) == expected);
  CHECK(c.rejected_separation == 4);
  for (const auto& k : c.list) CHECK(std::hypot(k.x - cx(8), k.y - cy(8)) >= 450.0);
  // Without the option the tower does not matter.
  f.s.proposals.min_separation_m = 0;
  CHECK(cells_of(f.run()) == top_left());
}

TEST_CASE("candidates: a user list is snapped to cell centres and subject to the same rules") {
  Fixture f("user");
  f.s.proposals.allowed_area_path = f.rectangle("allowed", 500320, 1799180, 500830, 1799900);
  Transformer to_ll(kCrs, "EPSG:4326");
  std::string csv = "id,lon,lat\n";
  auto add = [&](const std::string& id, double x, double y) {
    const auto [lon, lat] = to_ll.forward(x, y);
    char row[128];
    std::snprintf(row, sizeof row, "%s,%.9f,%.9f\n", id.c_str(), lon, lat);
    csv += row;
  };
  add("inside", 500433, 1799377);   // cell (6, 4), inside the allowed area
  add("outside", 502433, 1798377);  // cell (16, 24), outside
  add("village", cx(20) + 10, cy(20) - 10);  // the village's own cell: not a position for it
  f.s.proposals.candidates_path = (f.dir / "candidates.csv").string();
  test::write_text(f.s.proposals.candidates_path, csv);
  const CandidateSet c = f.run();
  CHECK(c.user_given == 3);
  CHECK(c.out_of_reach == 1);
  int users = 0;
  for (const auto& k : c.list) {
    if (k.origin != "user") continue;
    ++users;
    CHECK(k.id == "inside");
    CHECK(k.row == 6);
    CHECK(k.col == 4);
    CHECK(k.x == cx(4));  // snapped to the centre of its cell
    CHECK(k.y == cy(6));
    CHECK(k.ground_m == 100.0);
  }
  CHECK(users == 1);
  CHECK(c.rejected_allowed_area == 62 + 1);  // the terrain squares and the user's "outside"

  // Beyond the radius of every uncovered village: counted, not kept.
  f.s.proposals.allowed_area_path.clear();
  f.s.radius_km = 1.5;
  csv = "id,lon,lat\n";
  add("far", cx(20) + 1200, cy(20) + 1200);  // 1.7 km: inside the loaded area, beyond the radius
  add("near", cx(20) + 1000, cy(20));
  test::write_text(f.s.proposals.candidates_path, csv);
  const CandidateSet r = f.run();
  CHECK(r.out_of_reach == 1);
  int near = 0;
  for (const auto& k : r.list) {
    if (k.origin == "user") CHECK(k.id == "near");
    near += k.origin == "user";
    CHECK(std::hypot(k.x - cx(20), k.y - cy(20)) <= 1500.0);
  }
  CHECK(near == 1);

  // A user candidate off the DEM is an input error naming it.
  csv = "id,lon,lat\n";
  add("offgrid", kX0 - 5000, kY1 + 5000);
  test::write_text(f.s.proposals.candidates_path, csv);
  CHECK_THROWS_AS(f.run(), InputError);
}
