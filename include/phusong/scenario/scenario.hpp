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

// The `clutter:` block (docs/scenario.md "Land cover"): a land-cover raster
// and what each class value means.
struct ClutterClass {
  int value = 0;               // raster value
  std::string name;
  double height_m = 0;         // representative clutter (canopy/roof) height
  double loss_db = 0;          // extra loss at a receiver standing in this class
  double loss_db_per_km = 0;   // > 0: woodland; specific attenuation gamma for ITU-R P.833
  int p2108_type = 2;          // prop::ClutterType for `p2108: true` (default open/rural)
};
struct ClutterConfig {
  bool present = false;
  std::string raster_path;
  bool p2108 = false;          // receiver term from ITU-R P.2108 §3.1 instead of loss_db
  std::vector<ClutterClass> classes;  // sorted by value
  const ClutterClass* find(int value) const;
};

// The `sinr:` block: downlink SINR of one carrier on one frequency.
struct SinrConfig {
  bool present = false;
  std::string carrier;
  double freq_mhz = 0;
  double noise_figure_db = 7;
  double bandwidth_mhz = 0;    // noise bandwidth; 0 = one resource element (15 kHz) for RSRP/SS-RSRP
};

struct Scenario {
  std::string file;  // the YAML file
  std::string name, description;
  // inputs
  std::string dem_path, sites_path, villages_path, communes_path;  // communes optional
  std::vector<std::string> extra_sites_paths;  // inputs.sites given as a list: the files after the first
  std::optional<double> freq_override_mhz;      // radio.freq_mhz: what-if frequency for the scenario's cells
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
  // land cover (optional)
  ClutterConfig clutter;
  // downlink SINR (optional)
  SinrConfig sinr;
};

// Parses and validates; throws InputError.
Scenario load_scenario(const std::string& path);
// The same from the file's text; `path` names it in errors and locates the
// relative paths (nothing is read).
Scenario parse_scenario(const std::string& text, const std::string& path);

}  // namespace phusong
