#pragma once
// Village coverage analysis: per village, per commune and for the district.
#include <cstdint>
#include <string>
#include <vector>

#include "phusong/engine/coverage.hpp"
#include "phusong/radio/cell.hpp"

namespace phusong::analysis {

struct Village {
  std::string id, name, commune;
  long long population = 0;
  double lon = 0, lat = 0, x = 0, y = 0;
};

struct Commune {
  std::string id, name;
  std::vector<unsigned char> wkb;  // polygon in the working CRS
  double x_min = 0, y_min = 0, x_max = 0, y_max = 0;  // envelope, working CRS
};

struct VillageResult {
  double rsrp_dbm = 0;   // best server at the village's grid cell; NaN = no signal
  int cell_index = -1;   // serving cell (into the cells vector), -1 none
  int servers = 0;       // cells at or above the threshold
  double margin_db = 0;  // rsrp - threshold (NaN with no signal)
  bool covered = false;
};

// A covered share as every output reports it (summary.json, the
// GeoPackage, report.md and report.html, the KMZ, compare, propose, the
// console): percent to one decimal, rounded half up from the counts
// themselves (13 of 16 is 81.3 everywhere: no binary 81.25 printed to even
// in one file and rounded up in another), never 100.0 while one is missing
// nor 0.0 while one is covered (99.9 and 0.1 instead), and NaN when the
// total is 0: no villages, no figure ("n/a" in text, null in JSON and the
// GeoPackage).
double reported_pct(long long part, long long total);

// reported_pct() as text: "81.3", or "n/a".
std::string pct_text(double reported);

struct CommuneStats {
  std::string name;
  int villages_total = 0, villages_covered = 0;
  long long population_total = 0, population_covered = 0;
  std::vector<size_t> uncovered;  // village indices
  double pct_villages() const { return reported_pct(villages_covered, villages_total); }
  double pct_population() const { return reported_pct(population_covered, population_total); }
};

struct CoverageReport {
  std::vector<VillageResult> villages;
  std::vector<CommuneStats> communes;  // in the order of the commune layer, then extra names
  CommuneStats district;
};

// What assign_communes() did, for the report: a planner should know when
// the villages' own commune column and the commune polygons disagree.
struct CommuneAssignment {
  int renamed = 0;  // villages whose own commune field named another commune than the polygon holding them
  int outside = 0;  // villages outside every polygon (they keep their own field)
};

// Assigns each village to the commune polygon containing it (GEOS, prepared
// geometries); villages outside every polygon keep their own `commune`
// field.  Nothing to do (and nothing counted) without polygons.
CommuneAssignment assign_communes(std::vector<Village>& villages, const std::vector<Commune>& communes);

// Reads the composite at each village's grid cell and aggregates.
CoverageReport analyse(const Composite& comp, const std::vector<Village>& villages,
                       const std::vector<Commune>& communes, double threshold_dbm);

}  // namespace phusong::analysis
