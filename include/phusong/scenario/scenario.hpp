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
  prop::LinkParams link;      // rx height, model parameters (freq/tx height per cell)
  // radio
  radio::Technology technology = radio::Technology::Lte;
  double threshold_dbm = -110.0;
  double radius_km = 10.0;
  std::vector<std::string> carriers;  // empty = all
  // output
  std::string out_dir;
};

// Parses and validates; throws InputError.
Scenario load_scenario(const std::string& path);

}  // namespace phusong
