#pragma once
// `phusong propose`: new sites for the villages the existing network leaves
// without signal (docs/planning.md).  Coverage of the existing network,
// candidates, evaluation of every candidate at every uncovered village by
// reciprocity (one path-loss sweep from each village), selection (greedy
// and/or MILP), backhaul, and a forward confirmation with the chosen sites.
#include <string>
#include <utility>
#include <vector>

#include "phusong/analysis/villages.hpp"
#include "phusong/engine/coverage.hpp"
#include "phusong/planning/backhaul.hpp"
#include "phusong/planning/candidates.hpp"
#include "phusong/planning/optimize.hpp"
#include "phusong/scenario/inputs.hpp"
#include "phusong/scenario/scenario.hpp"

namespace phusong::planning {

struct ProposeOptions {
  std::string out_dir;  // overrides <output.dir>/proposals
  int max_sites = 0;    // overrides proposals.max_sites when > 0
  int threads = 0;      // 0 = all cores
  bool quiet = false;
  std::string baseline_dir;  // a `phusong run` output folder of the same scenario: its composite is the existing network
};

struct ProposedSite {
  std::string site_id;          // P01, P02, ... in the order chosen
  Candidate candidate;
  double height_m = 30;
  double cost = 0;
  double lon = 0, lat = 0;
  std::vector<size_t> claimed;          // villages the estimate says it covers (indices into inputs.villages)
  std::vector<double> claimed_dbm;      // the estimated power at each
  int villages_gained = 0;              // confirmed: newly covered villages it serves (best server)
  long long population_gained = 0;
  BackhaulLink backhaul;
  std::string backhaul_class;           // "existing", "relay" or "none"
};

struct ProposeResult {
  Scenario scenario;
  Inputs inputs;                         // the existing network's cells
  std::vector<radio::Cell> proposed_cells;
  Composite before, after;
  analysis::CoverageReport report_before, report_after;
  std::vector<size_t> targets;           // villages uncovered before
  CandidateSet candidates;
  std::string baseline_from;             // run folder the existing network was read from ("" = computed)
  std::string evaluation;                // "reciprocal" or "forward" (model not valid with swapped heights)
  int options = 0;                       // (candidate, height) pairs covering at least one target
  int coverable = 0;                     // targets some option covers
  std::vector<size_t> unreachable;       // targets no option covers (indices into inputs.villages)
  Selection greedy, milp;
  bool greedy_ran = false, milp_ran = false;
  std::string chosen_by;                 // "greedy" or "milp"
  std::vector<ProposedSite> sites;
  std::vector<Mast> existing_masts;
  int claims = 0, claims_confirmed = 0, confirmed_unclaimed = 0;
  double max_estimate_error_db = 0;      // |estimate - forward loss recomputation| over the claims
  std::string out_dir;
  std::vector<std::string> files;
  double seconds = 0;
  std::vector<std::pair<std::string, double>> phase_seconds;  // wall time per phase, in order
};

ProposeResult propose(const Scenario& s, const ProposeOptions& opt);

// Output writers (propose_outputs.cpp), into the staging folder `dir`.
void write_proposals_outputs(const std::string& dir, ProposeResult& r);

// "Proposals: 4 sites · villages covered 2 -> 6 / 7 · population 20.9 % -> 88.1 %"
std::string proposal_summary_line(const ProposeResult& r);

}  // namespace phusong::planning
