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

struct CommuneStats {
  std::string name;
  int villages_total = 0, villages_covered = 0;
  long long population_total = 0, population_covered = 0;
  std::vector<size_t> uncovered;  // village indices
  double pct_villages() const { return villages_total ? 100.0 * villages_covered / villages_total : 0.0; }
  double pct_population() const {
    return population_total ? 100.0 * static_cast<double>(population_covered) / population_total : 0.0;
  }
};

struct CoverageReport {
  std::vector<VillageResult> villages;
  std::vector<CommuneStats> communes;  // in the order of the commune layer, then extra names
  CommuneStats district;
};

// Assigns each village to the commune polygon containing it (GEOS, prepared
// geometries); villages outside every polygon keep their own `commune`
// field.  Returns the number reassigned from their field's value.
int assign_communes(std::vector<Village>& villages, const std::vector<Commune>& communes);

// Reads the composite at each village's grid cell and aggregates.
CoverageReport analyse(const Composite& comp, const std::vector<Village>& villages,
                       const std::vector<Commune>& communes, double threshold_dbm);

}  // namespace phusong::analysis
