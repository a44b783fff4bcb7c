#pragma once
// `phusong run`: a scenario end to end — inputs, engine, analysis, outputs.
#include <string>
#include <vector>

#include "phusong/analysis/villages.hpp"
#include "phusong/engine/coverage.hpp"
#include "phusong/scenario/inputs.hpp"
#include "phusong/scenario/scenario.hpp"

namespace phusong {

struct RunOptions {
  std::string out_dir;  // overrides the scenario's
  int threads = 0;      // 0 = all cores
  bool quiet = false;
};

// Coverage of a subset of cells: one carrier, or one other technology.
struct GroupResult {
  std::string name;             // carrier name, or technology name
  std::string key;              // lowercase identifier for file and field names
  double threshold_dbm = 0;     // effective threshold (with margins)
  Composite composite;
  analysis::CoverageReport report;
};

struct RunResult {
  Scenario scenario;
  Inputs inputs;
  Composite composite;
  analysis::CoverageReport report;
  std::vector<GroupResult> by_carrier;     // scenario technology, per carrier (sorted by name)
  std::vector<GroupResult> by_technology;  // other technologies in the sites file, any carrier
  std::string out_dir;
  std::vector<std::string> files;  // written, relative to out_dir
  double compute_seconds = 0;
  // Downlink SINR (scenario `sinr:`; empty raster when absent): best server of
  // the carrier on the frequency over the others on it plus thermal noise.
  Raster<float> sinr_db;
  double sinr_noise_dbm = 0;        // noise power in the noise bandwidth
  double sinr_noise_bandwidth_hz = 0;
  int sinr_cells = 0;               // cells of the carrier on the frequency
};

// Thermal noise bandwidth of the scenario's SINR: sinr.bandwidth_mhz, or the
// bandwidth the technology's power quantity is measured in: one LTE resource
// element (15 kHz), one NR resource element at 30 kHz subcarrier spacing, a
// GSM carrier (200 kHz), the UMTS chip rate (3.84 MHz).
double sinr_noise_bandwidth_hz(const Scenario& s);
// -174 dBm/Hz + 10 log10(bandwidth) + noise figure.
double sinr_noise_dbm(const Scenario& s);

RunResult run_scenario(const Scenario& s, const RunOptions& opt);

// The closing console line, e.g.
// "Villages covered: 87 / 97 (89.7 %) · population 91.2 %".
std::string village_summary_line(const analysis::CoverageReport& r);

// Lowercase ASCII identifier for a name ("MobiFone" -> "mobifone").
std::string identifier_of(const std::string& name);

}  // namespace phusong
