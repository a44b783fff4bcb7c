#pragma once
// Scenarios: a YAML file naming the inputs, the model, the radio settings and
// the output folder.  Documented in docs/scenario.md.  Paths are relative to
// the scenario file.  Unknown keys and out-of-range values are InputErrors
// naming the file, the key, the value and what is allowed.
#include <optional>
#include <string>
#include <vector>

#include "phusong/propagation/model.hpp"
#include "phusong/radio/cell.hpp"

namespace phusong {

// The `proposals:` block (docs/scenario.md, docs/planning.md): where
// `phusong propose` may build new sites and how it chooses them.
struct ProposalConfig {
  bool present = false;                 // the block was in the file
  int max_sites = 5;
  bool weight_population = false;       // objective: villages (false) | population (true)
  bool min_sites = false;               // mode: max_coverage (false) | min_sites (true)
  std::vector<double> tower_heights_m = {30, 45};
  std::string carrier;                  // empty: the only radio.carriers entry, else "Proposed"
  double freq_mhz = 0;                  // 0: the most common frequency among the scenario's cells
  double bandwidth_mhz = 10;
  double eirp_dbm = 58;
  std::string candidates_path, allowed_area_path, exclusion_path, roads_path;  // optional
  double max_road_distance_m = 2000;    // with roads
  double min_separation_m = 0;          // from existing sites
  double candidate_spacing_m = 0;       // terrain candidates: one per square of this side; 0 = auto
  double search_margin_km = 2;          // candidates up to this far outside the district
  double cost_per_site = 1;
  double cost_per_m = 0;                // per metre of tower
  std::string solver = "both";          // greedy | milp | both
  double milp_time_limit_s = 60;
  double backhaul_freq_mhz = 15000;
  double backhaul_max_km = 30;
};

struct Scenario {
  std::string file;  // the YAML file
  std::string name, description;
  // inputs
  std::string dem_path, sites_path, villages_path, communes_path;  // communes optional
  // grid
  std::string crs;            // empty = automatic UTM
  double resolution_m = 0.0;  // 0 = the DEM's
  // model
  std::string model = "deygout";
  std::string engine;         // "fast" (engine/radial.hpp) or "exact"; set by load_scenario
  prop::LinkParams link;      // rx height, model parameters (freq/tx height per cell)
  // radio
  radio::Technology technology = radio::Technology::Lte;
  double threshold_dbm = -110.0;
  double radius_km = 10.0;
  std::vector<std::string> carriers;  // empty = all
  // Location variability and indoor service: a village is covered when the
  // median prediction exceeds threshold + σ·z(location_pct) + indoor margin.
  double location_pct = 50.0;
  double shadowing_sigma_db = 6.0;
  double indoor_margin_db = 0.0;
  double margin_db() const;              // σ·z(p) + indoor margin
  double effective_threshold_dbm() const { return threshold_dbm + margin_db(); }
  // output
  std::string out_dir;
  // proposals (phusong propose)
  ProposalConfig proposals;
};

// Parses and validates; throws InputError.
Scenario load_scenario(const std::string& path);

}  // namespace phusong
