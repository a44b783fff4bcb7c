#pragma once
// `phusong compare A B`: two runs side by side — villages gained / lost /
// unchanged, population and area gained, per-commune ratios, a difference
// raster (B − A received power) and a categorical gained/lost raster.
#include <string>
#include <vector>

namespace phusong {

struct CompareOptions {
  std::string out_dir;
  int threads = 0;
  bool quiet = false;
};

struct VillageChange {
  std::string id, name, commune;
  long long population = 0;
  bool covered_a = false, covered_b = false;
  double rsrp_a_dbm = 0, rsrp_b_dbm = 0;  // NaN = no signal
  std::string status() const;             // gained, lost, covered, uncovered
};

struct CompareResult {
  std::string name_a, name_b, dir_a, dir_b, out_dir;
  std::vector<VillageChange> villages;
  int gained = 0, lost = 0, both = 0, neither = 0;
  long long population_gained = 0, population_lost = 0;
  double km2_a = 0, km2_b = 0, km2_gained = 0, km2_lost = 0;  // on A's grid
  std::vector<std::string> files;
};

// A and B are run output folders (with summary.json, villages.csv,
// rsrp_dbm.tif) or scenario YAML files, which are run first into
// out_dir/a and out_dir/b.  Throws InputError.
CompareResult compare_runs(const std::string& a, const std::string& b, const CompareOptions& opt);

}  // namespace phusong
