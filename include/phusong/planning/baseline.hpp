#pragma once
// The existing network's coverage taken from a `phusong run` output folder
// instead of being computed again (`phusong propose --baseline DIR`,
// docs/planning.md "Reusing a run").
#include <string>

#include "phusong/engine/coverage.hpp"
#include "phusong/scenario/inputs.hpp"
#include "phusong/scenario/scenario.hpp"

namespace phusong::planning {

// Reads rsrp_dbm.tif, best_server.tif and server_count.tif of the run in
// `dir` as the composite of `in.cells`, after checking that the run's
// summary.json describes the same computation: the input files' SHA-256
// (DEM, sites files, villages, communes), the working grid, every model
// parameter and engine, technology, effective threshold, receiver height,
// radius and number of cells.  Runs with a clutter: block or a what-if
// radio.freq_mhz are refused (summary.json does not identify them fully).
// Throws InputError naming the first difference.
Composite read_run_baseline(const std::string& dir, const Scenario& s, const Inputs& in);

}  // namespace phusong::planning
