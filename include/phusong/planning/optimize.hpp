#pragma once
// Choosing sites among options (a candidate position with a tower height):
// weighted maximal covering under a site budget, or minimum-cost covering
// (docs/planning.md).  Both a lazy greedy and an exact MILP (GLPK).
#include <string>
#include <vector>

namespace phusong::planning {

struct Option {
  int location = 0;        // candidate index; at most one option per location is chosen
  double cost = 1.0;       // > 0 in min-cost mode
  std::vector<int> covers; // targets (villages) this option covers, ascending, no repeats
};

struct CoverInstance {
  std::vector<double> weight;  // per target, > 0 (1 per village, or its population)
  std::vector<Option> options;
};

struct Selection {
  std::vector<int> chosen;     // option indices, in the order chosen (greedy) or ascending (MILP)
  double covered_weight = 0;   // sum of the weights of targets covered
  int covered_targets = 0;
  double cost = 0;
  std::string status;          // "greedy", "optimal", "time limit (feasible)", "no solution", ...
  // Greedy: proven lower bound on value / optimum (1 - 1/e when no choice was
  // blocked by the one-option-per-location rule, else 1/2).  MILP: upper
  // bound on the optimum (max) / lower bound (min) from the solver.
  double guarantee = 0;
  double bound = 0;
  double seconds = 0;
};

// Value of a set of options (weight covered, targets covered, cost).
Selection evaluate(const CoverInstance& inst, const std::vector<int>& chosen);

// Lazy greedy for maximal covering with at most k options (Minoux's
// accelerated greedy: stale marginal gains in a max-heap are upper bounds by
// submodularity, so only the top is re-evaluated).  Ties: smaller cost, then
// lower option index.  Nemhauser, Wolsey & Fisher (1978): for a monotone
// submodular objective under a cardinality constraint the greedy value is at
// least (1 - 1/e) of the optimum; under a matroid constraint (here: one
// option per location and at most k) at least 1/2 (Fisher, Nemhauser &
// Wolsey 1978).  `guarantee` reports which applies.
Selection greedy_max_coverage(const CoverInstance& inst, int k);

// Greedy weighted set cover of every coverable target, minimising cost:
// repeatedly the option with the largest (newly covered weight) / cost
// (Chvátal 1979: within H(max |covers|) of the optimum).
Selection greedy_min_cost(const CoverInstance& inst);

// Exact MILP with GLPK (branch and cut), within time_limit_s.
//   max:  maximise sum_t w_t y_t - eps sum_o c_o x_o
//         s.t. y_t <= sum_{o covers t} x_o,  sum_o x_o <= k,
//              sum_{o at location l} x_o <= 1,  x binary, 0 <= y <= 1
//         (eps makes cost break ties only: eps * total cost = 1/2 with whole
//         weights, below any difference of covered weight).
//   min:  minimise sum_o c_o x_o  s.t. sum_{o covers t} x_o >= 1 for every
//         coverable target, location rows as above.
// `bound` is the LP-relaxation bound when the search stops early.
// start: a feasible selection (e.g. the greedy's) offered to the solver.
Selection milp_max_coverage(const CoverInstance& inst, int k, double time_limit_s, const std::vector<int>& start = {});
Selection milp_min_cost(const CoverInstance& inst, double time_limit_s, const std::vector<int>& start = {});

// Whether a solved MILP's selection replaces the greedy's.  max coverage:
// more covered weight, or the same at a lower cost.  min cost (min_sites):
// more covered targets, or as many at a lower cost (the greedy never raises
// a tower at a location it has used, so it can miss a target that only a
// taller tower there reaches, where the MILP covers it at a higher cost).
bool milp_preferred(const Selection& greedy, const Selection& milp, bool min_cost);

}  // namespace phusong::planning
