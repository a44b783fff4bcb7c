#pragma once
// `phusong run`: a scenario end to end — inputs, engine, analysis, outputs.
#include <functional>
#include <memory>
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
  RadialStats* engine_stats = nullptr;  // the fast engine's counts, added to (optional; engine/radial.hpp)
  // Rows of the whole working grid to load and compute (a shard's tile and
  // its margin; see load_inputs); empty = all.
  std::function<std::pair<int, int>(const Grid& whole)> dem_rows;
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

// ---- the stages of a run, shared with sharded runs and merge (scenario/shard.hpp) ----
// A run is prepare (inputs loaded and every check made), compute (the
// composites), finish (SINR and village analysis) and write (the output
// files, staged then moved).  A shard computes only the cells whose radius
// reaches its tile; merge replaces compute by reading the shards' tiles.
struct RunStages {
  RunResult run;
  std::unique_ptr<prop::Model> model;
  EngineConfig cfg;
  PowerSum sinr_acc;               // SINR accumulator (scenario `sinr:`)
  std::vector<std::string> carriers;  // sorted; the index is the carrier group
};
void prepare_run(RunStages& st, const Scenario& s, const RunOptions& opt);
// Composites of the cells that `keep` accepts (all when empty); best-server
// indices refer to run.inputs.cells (by_technology: that technology's cells
// of run.inputs.other_cells, in order), as in a full run.
void compute_run(RunStages& st, const RunOptions& opt, const std::function<bool(const radio::Cell&)>& keep = {});
// Cells of one other technology (run.by_technology's best_cell indices refer to these).
std::vector<radio::Cell> technology_cells(const Inputs& in, radio::Technology t);
// The other technologies present in run.inputs.other_cells, in output order.
std::vector<radio::Technology> other_technologies(const Inputs& in);
// SINR raster from the accumulator (when the scenario asks for it).
void compute_sinr(RunStages& st);
// Village and commune analysis of every composite.
void analyse_run(RunStages& st);
// Writes every output file into the staging folder, then moves them into the
// run's out_dir (scenario/shard.hpp).
class StagingDir;
void write_run_outputs(RunStages& st, StagingDir& staging);

// The closing console line, e.g.
// "Villages covered: 87 / 97 (89.7 %) · population 91.2 %".
std::string village_summary_line(const analysis::CoverageReport& r);

// Lowercase ASCII identifier for a name ("MobiFone" -> "mobifone").
std::string identifier_of(const std::string& name);

}  // namespace phusong
