// Site selection: lazy greedy (maximal covering / weighted set cover) and an
// exact MILP with GLPK.  Formulations in include/phusong/planning/optimize.hpp.
#include "phusong/planning/optimize.hpp"

#include <glpk.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <queue>
#include <set>

namespace phusong::planning {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double gain_of(const Option& o, const std::vector<char>& covered, const std::vector<double>& w) {
  double g = 0;
  for (int t : o.covers)
    if (!covered[t]) g += w[t];
  return g;
}

// Targets at least one option covers.
std::vector<char> coverable(const CoverInstance& inst) {
  std::vector<char> c(inst.weight.size(), 0);
  for (const auto& o : inst.options)
    for (int t : o.covers) c[t] = 1;
  return c;
}

struct HeapItem {
  double key;  // upper bound on the gain (max) or gain/cost (min)
  double cost;
  int option;
  bool operator<(const HeapItem& b) const {  // std::priority_queue: top = largest
    if (key != b.key) return key < b.key;
    if (cost != b.cost) return cost > b.cost;
    return option > b.option;
  }
};

}  // namespace

Selection evaluate(const CoverInstance& inst, const std::vector<int>& chosen) {
  Selection s;
  s.chosen = chosen;
  std::vector<char> covered(inst.weight.size(), 0);
  for (int o : chosen) {
    s.cost += inst.options[o].cost;
    for (int t : inst.options[o].covers) covered[t] = 1;
  }
  for (size_t t = 0; t < covered.size(); ++t)
    if (covered[t]) {
      ++s.covered_targets;
      s.covered_weight += inst.weight[t];
    }
  return s;
}

Selection greedy_max_coverage(const CoverInstance& inst, int k) {
  const auto t0 = Clock::now();
  std::vector<char> covered(inst.weight.size(), 0);
  std::set<int> used_locations;
  std::priority_queue<HeapItem> heap;
  for (size_t i = 0; i < inst.options.size(); ++i) {
    const double g = gain_of(inst.options[i], covered, inst.weight);
    if (g > 0) heap.push({g, inst.options[i].cost, static_cast<int>(i)});
  }
  std::vector<int> chosen;
  bool blocked = false;
  while (static_cast<int>(chosen.size()) < k && !heap.empty()) {
    HeapItem top = heap.top();
    heap.pop();
    const Option& o = inst.options[top.option];
    const double g = gain_of(o, covered, inst.weight);
    if (g <= 0) continue;
    if (g < top.key) {  // stale: re-insert with the fresh gain (an upper bound stays valid)
      heap.push({g, top.cost, top.option});
      continue;
    }
    if (used_locations.count(o.location)) {  // the best option sits where a site already is
      blocked = true;
      continue;
    }
    chosen.push_back(top.option);
    used_locations.insert(o.location);
    for (int t : o.covers) covered[t] = 1;
  }
  Selection s = evaluate(inst, chosen);
  s.status = "greedy";
  s.guarantee = blocked ? 0.5 : 1.0 - std::exp(-1.0);
  s.seconds = since(t0);
  return s;
}

Selection greedy_min_cost(const CoverInstance& inst) {
  const auto t0 = Clock::now();
  std::vector<char> covered(inst.weight.size(), 0);
  const std::vector<char> need = coverable(inst);
  std::set<int> used_locations;
  std::priority_queue<HeapItem> heap;
  for (size_t i = 0; i < inst.options.size(); ++i) {
    const Option& o = inst.options[i];
    const double g = gain_of(o, covered, inst.weight);
    if (g > 0) heap.push({g / std::max(o.cost, 1e-12), o.cost, static_cast<int>(i)});
  }
  std::vector<int> chosen;
  while (!heap.empty()) {
    HeapItem top = heap.top();
    heap.pop();
    const Option& o = inst.options[top.option];
    const double key = gain_of(o, covered, inst.weight) / std::max(o.cost, 1e-12);
    if (key <= 0) continue;
    if (key < top.key) {
      heap.push({key, top.cost, top.option});
      continue;
    }
    if (used_locations.count(o.location)) continue;
    chosen.push_back(top.option);
    used_locations.insert(o.location);
    for (int t : o.covers) covered[t] = 1;
  }
  Selection s = evaluate(inst, chosen);
  s.status = "greedy";
  double hmax = 0;  // H(max |covers|), Chvátal's bound
  size_t mx = 0;
  for (const auto& o : inst.options) mx = std::max(mx, o.covers.size());
  for (size_t i = 1; i <= mx; ++i) hmax += 1.0 / static_cast<double>(i);
  s.guarantee = hmax > 0 ? 1.0 / hmax : 1.0;
  s.seconds = since(t0);
  (void)need;
  return s;
}

namespace {

struct CallbackData {
  std::vector<double> start;  // 1-based column values of a feasible solution, or empty
  bool offered = false;
  double best_bound = NAN;
};

void callback(glp_tree* tree, void* info) {
  auto* d = static_cast<CallbackData*>(info);
  if (glp_ios_reason(tree) == GLP_IHEUR && !d->offered && !d->start.empty()) {
    d->offered = true;
    glp_ios_heur_sol(tree, d->start.data());
  }
  const int node = glp_ios_best_node(tree);
  if (node) d->best_bound = glp_ios_node_bound(tree, node);
}

struct GlpProb {
  glp_prob* p = glp_create_prob();
  ~GlpProb() { glp_delete_prob(p); }
};

Selection solve(const CoverInstance& inst, int k, bool min_cost, double time_limit_s, const std::vector<int>& start) {
  const auto t0 = Clock::now();
  glp_term_out(GLP_OFF);
  const int n = static_cast<int>(inst.options.size());
  const int m = static_cast<int>(inst.weight.size());
  const std::vector<char> need = coverable(inst);
  GlpProb prob;
  glp_prob* lp = prob.p;
  glp_set_obj_dir(lp, min_cost ? GLP_MIN : GLP_MAX);
  // eps: cost only breaks ties, so eps * (total cost) stays below the
  // smallest difference between two selections' covered weights: 1 where
  // every weight is a whole number (villages, or a whole population), else
  // (not reached by phusong's objectives) the smallest positive weight.
  double total_cost = 0, resolution = 1.0;
  for (const auto& o : inst.options) total_cost += o.cost;
  if (std::any_of(inst.weight.begin(), inst.weight.end(), [](double w) { return w != std::floor(w); })) {
    resolution = INFINITY;
    for (double w : inst.weight)
      if (w > 0) resolution = std::min(resolution, w);
  }
  const double eps = total_cost > 0 && std::isfinite(resolution) ? 0.5 * resolution / total_cost : 0.0;
  // Columns: x_1..x_n (options), then y_1..y_m (targets, max mode only).
  const int ncols = n + (min_cost ? 0 : m);
  if (ncols == 0) {
    Selection s = evaluate(inst, {});
    s.status = "optimal";
    return s;
  }
  glp_add_cols(lp, ncols);
  for (int j = 1; j <= n; ++j) {
    glp_set_col_kind(lp, j, GLP_BV);
    glp_set_obj_coef(lp, j, min_cost ? inst.options[j - 1].cost : -eps * inst.options[j - 1].cost);
  }
  if (!min_cost)
    for (int t = 0; t < m; ++t) {
      glp_set_col_bnds(lp, n + 1 + t, GLP_DB, 0.0, 1.0);
      glp_set_obj_coef(lp, n + 1 + t, inst.weight[t]);
    }
  std::vector<int> ia{0}, ja{0};
  std::vector<double> ar{0.0};
  auto add_row = [&](int type, double lo, double hi) {
    const int r = glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, r, type, lo, hi);
    return r;
  };
  // Cover rows: per target, sum of covering x (>= 1, or >= y).
  std::vector<std::vector<int>> by_target(m);
  for (int j = 0; j < n; ++j)
    for (int t : inst.options[j].covers) by_target[t].push_back(j);
  for (int t = 0; t < m; ++t) {
    if (min_cost && !need[t]) continue;
    const int r = min_cost ? add_row(GLP_LO, 1.0, 0.0) : add_row(GLP_LO, 0.0, 0.0);
    for (int j : by_target[t]) {
      ia.push_back(r), ja.push_back(j + 1), ar.push_back(1.0);
    }
    if (!min_cost) ia.push_back(r), ja.push_back(n + 1 + t), ar.push_back(-1.0);
  }
  // Budget row.
  if (!min_cost && n > 0) {
    const int r = add_row(GLP_UP, 0.0, static_cast<double>(k));
    for (int j = 1; j <= n; ++j) ia.push_back(r), ja.push_back(j), ar.push_back(1.0);
  }
  // One option per location.
  std::vector<std::vector<int>> by_loc;
  for (int j = 0; j < n; ++j) {
    const int l = inst.options[j].location;
    if (l >= static_cast<int>(by_loc.size())) by_loc.resize(l + 1);
    by_loc[l].push_back(j);
  }
  for (const auto& js : by_loc) {
    if (js.size() < 2) continue;
    const int r = add_row(GLP_UP, 0.0, 1.0);
    for (int j : js) ia.push_back(r), ja.push_back(j + 1), ar.push_back(1.0);
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());

  Selection s;
  glp_smcp sp;
  glp_init_smcp(&sp);
  sp.msg_lev = GLP_MSG_OFF;
  sp.presolve = GLP_OFF;  // glp_intopt (presolve off) needs the optimal basis
  const int lp_ret = glp_simplex(lp, &sp);
  if (lp_ret != 0 || glp_get_status(lp) != GLP_OPT) {
    s = evaluate(inst, {});
    s.status = "LP relaxation not solved";
    s.seconds = since(t0);
    return s;
  }
  // Bounds on the objective; in max mode the tie-break term is added back so
  // that the bound is one on the covered weight.
  const double back = min_cost ? 0.0 : eps * total_cost;
  const double lp_bound = glp_get_obj_val(lp) + back;

  CallbackData cb;
  if (!start.empty()) {
    cb.start.assign(static_cast<size_t>(ncols) + 1, 0.0);
    std::vector<char> cov(m, 0);
    for (int o : start) {
      cb.start[o + 1] = 1.0;
      for (int t : inst.options[o].covers) cov[t] = 1;
    }
    if (!min_cost)
      for (int t = 0; t < m; ++t) cb.start[n + 1 + t] = cov[t];
  }
  glp_iocp ip;
  glp_init_iocp(&ip);
  ip.msg_lev = GLP_MSG_OFF;
  ip.presolve = GLP_OFF;
  ip.tm_lim = static_cast<int>(std::min(time_limit_s, 2.0e6) * 1000.0);
  ip.cb_func = callback;
  ip.cb_info = &cb;
  const int ret = glp_intopt(lp, &ip);
  const int st = glp_mip_status(lp);
  std::vector<int> chosen;
  if (st == GLP_OPT || st == GLP_FEAS) {
    for (int j = 1; j <= n; ++j)
      if (glp_mip_col_val(lp, j) > 0.5) chosen.push_back(j - 1);
  }
  s = evaluate(inst, chosen);
  if (st == GLP_OPT && ret == 0) {
    s.status = "optimal";
    s.bound = min_cost ? s.cost : s.covered_weight;
  } else if (st == GLP_OPT || st == GLP_FEAS) {
    s.status = ret == GLP_ETMLIM ? "time limit (feasible)" : "stopped (feasible)";
    s.bound = std::isfinite(cb.best_bound) ? cb.best_bound + back : lp_bound;
  } else {
    s.status = ret == GLP_ETMLIM ? "time limit (no solution)" : "no solution";
    s.bound = std::isfinite(cb.best_bound) ? cb.best_bound + back : lp_bound;
  }
  s.seconds = since(t0);
  return s;
}

}  // namespace

Selection milp_max_coverage(const CoverInstance& inst, int k, double time_limit_s, const std::vector<int>& start) {
  return solve(inst, k, false, time_limit_s, start);
}

Selection milp_min_cost(const CoverInstance& inst, double time_limit_s, const std::vector<int>& start) {
  return solve(inst, 0, true, time_limit_s, start);
}

bool milp_preferred(const Selection& greedy, const Selection& milp, bool min_cost) {
  if (min_cost) {
    return milp.covered_targets > greedy.covered_targets ||
           (milp.covered_targets == greedy.covered_targets && milp.cost < greedy.cost - 1e-9);
  }
  return milp.covered_weight > greedy.covered_weight + 1e-9 ||
         (milp.covered_weight >= greedy.covered_weight - 1e-9 && milp.cost < greedy.cost - 1e-9);
}

}  // namespace phusong::planning
