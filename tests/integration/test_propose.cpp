// Acceptance of `phusong propose` (docs/planning.md): on real SRTM terrain
// (Brindabella, the test scenario of tests/data/brindabella) proposals raise
// village coverage; `phusong run` with the proposed sites appended to the
// sites file confirms every village the proposal claims; greedy vs MILP
// (MILP >= greedy >= (1 - 1/e) MILP); backhaul clearance in closed form.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "phusong/planning/backhaul.hpp"
#include "phusong/planning/optimize.hpp"
#include "phusong/planning/propose.hpp"
#include "phusong/scenario/run.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;
using namespace phusong::planning;

namespace {

const double kBound = 1.0 - std::exp(-1.0);

using test::slurp;

using test::write_text;

// The Brindabella test scenario (5 of 7 villages uncovered at 90 m) in `dir`,
// with an optional proposals block.
fs::path brindabella(const fs::path& dir, const std::string& proposals, const std::string& sites = "sites.csv") {
  const fs::path data = test::source_dir() / "tests/data/brindabella";
  if (!fs::exists(dir / "sites.csv")) fs::copy_file(data / "sites.csv", dir / "sites.csv");
  if (!fs::exists(dir / "villages.csv")) fs::copy_file(data / "villages.csv", dir / "villages.csv");
  const fs::path y = dir / (proposals.empty() ? "run.yaml" : "propose.yaml");
  write_text(y, "name: Brindabella proposals\ninputs:\n  dem: " +
                    test::shared_path("geodata/terrain/srtm3_S36E149_brindabella.tif").string() + "\n  sites: " + sites +
                    "\n  villages: villages.csv\ngrid:\n  resolution_m: 90\nmodel:\n  name: deygout\nradio:\n"
                    "  technology: lte\n  threshold_dbm: -110\n  radius_km: 8\n" + proposals);
  return y;
}

}  // namespace

TEST_CASE("propose: new sites raise village coverage and phusong run confirms every claim") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("propose_brindabella");
  const fs::path y = brindabella(dir, "proposals:\n  max_sites: 3\n  tower_heights_m: [30, 45]\n  solver: both\n");
  ProposeOptions opt;
  opt.quiet = true;
  opt.threads = 2;
  opt.out_dir = (dir / "out").string();
  const ProposeResult r = propose(load_scenario(y.string()), opt);

  const auto& before = r.report_before.district;
  const auto& after = r.report_after.district;
  MESSAGE("villages covered " << before.villages_covered << " -> " << after.villages_covered << " / "
                              << after.villages_total << " with " << r.sites.size() << " sites; claims "
                              << r.claims << ", confirmed " << r.claims_confirmed << ", max estimate error "
                              << r.max_estimate_error_db << " dB");
  REQUIRE(before.villages_total == 7);
  CHECK(before.villages_covered == 2);
  CHECK(r.evaluation == "reciprocal");
  CHECK(r.sites.size() == 3);
  CHECK(after.villages_covered > before.villages_covered);
  CHECK(after.population_covered > before.population_covered);
  // The reciprocal estimate and the forward confirmation agree exactly (deygout is reciprocal).
  CHECK(r.claims > 0);
  CHECK(r.claims_confirmed == r.claims);
  CHECK(r.confirmed_unclaimed == 0);
  CHECK(r.max_estimate_error_db < 1e-3);
  CHECK(after.villages_covered == before.villages_covered + r.claims);
  int gained = 0;
  for (const auto& p : r.sites) gained += p.villages_gained;
  CHECK(gained == r.claims);
  // Every output file, and no staging folder left behind.
  for (const auto& f : r.files) CHECK(fs::exists(dir / "out" / f));
  for (const auto& e : fs::directory_iterator(dir / "out")) CHECK(e.path().filename().string()[0] != '.');

  // phusong run with the proposed sites appended to the sites file.
  std::string plus = slurp(dir / "sites.csv");
  const std::string proposed = slurp(dir / "out" / "proposed_sites.csv");
  plus += proposed.substr(proposed.find('\n') + 1);
  write_text(dir / "sites_plus.csv", plus);
  RunOptions ro;
  ro.quiet = true;
  ro.threads = 2;
  ro.out_dir = (dir / "run_plus").string();
  const RunResult run = run_scenario(load_scenario(brindabella(dir, "", "sites_plus.csv").string()), ro);
  CHECK(run.report.district.villages_covered == after.villages_covered);
  CHECK(run.report.district.villages_covered == before.villages_covered + r.claims);
  CHECK(run.report.district.population_covered == after.population_covered);
  for (size_t i = 0; i < run.report.villages.size(); ++i) {
    CHECK(run.report.villages[i].covered == r.report_after.villages[i].covered);
    const double a = run.report.villages[i].rsrp_dbm, b = r.report_after.villages[i].rsrp_dbm;
    CHECK(std::isnan(a) == std::isnan(b));
    if (!std::isnan(a) && !std::isnan(b)) CHECK(a == doctest::Approx(b).epsilon(1e-6));
  }

  // Greedy vs MILP on this instance.
  REQUIRE(r.greedy_ran);
  REQUIRE(r.milp_ran);
  CHECK(r.milp.status == "optimal");
  CHECK(r.milp.covered_weight >= r.greedy.covered_weight);
  CHECK(r.greedy.covered_weight >= kBound * r.milp.covered_weight);
}

TEST_CASE("propose: a village target the greedy misses, the MILP finds") {
  // Targets 0..5; A covers 0-3, B covers 0,1,4, C covers 2,3,5; k = 2.
  // Greedy takes A (4) then one more (5); the optimum is B + C (6).
  CoverInstance inst;
  inst.weight.assign(6, 1.0);
  inst.options = {{0, 1.0, {0, 1, 2, 3}}, {1, 1.0, {0, 1, 4}}, {2, 1.0, {2, 3, 5}}};
  const Selection g = greedy_max_coverage(inst, 2);
  const Selection m = milp_max_coverage(inst, 2, 10.0);
  CHECK(g.covered_targets == 5);
  CHECK(m.status == "optimal");
  CHECK(m.covered_targets == 6);
  CHECK(m.covered_weight >= g.covered_weight);
  CHECK(g.covered_weight >= kBound * m.covered_weight);
  CHECK(g.guarantee == doctest::Approx(kBound));
}

TEST_CASE("propose: greedy vs MILP on random small instances (max coverage and min cost)") {
  std::mt19937 rng(20240611);
  int greedy_below_optimum = 0;
  for (int trial = 0; trial < 40; ++trial) {
    CoverInstance inst;
    const int targets = 12 + trial % 7, options = 15 + trial % 11;
    for (int t = 0; t < targets; ++t) inst.weight.push_back(1.0 + rng() % 500);  // population weights
    for (int o = 0; o < options; ++o) {
      Option op;
      op.location = o;  // one option per location: the cardinality-constrained problem
      op.cost = 1.0 + (rng() % 3);
      for (int t = 0; t < targets; ++t)
        if (rng() % 100 < 22) op.covers.push_back(t);
      inst.options.push_back(op);
    }
    const int k = 2 + trial % 3;
    const Selection g = greedy_max_coverage(inst, k);
    const Selection m = milp_max_coverage(inst, k, 30.0, g.chosen);
    REQUIRE(m.status == "optimal");
    CHECK(static_cast<int>(m.chosen.size()) <= k);
    CHECK(m.covered_weight >= g.covered_weight - 1e-9);
    CHECK(g.covered_weight >= kBound * m.covered_weight);
    if (g.covered_weight < m.covered_weight - 1e-9) ++greedy_below_optimum;
    // Minimum cost covering every coverable target.
    const Selection gc = greedy_min_cost(inst);
    const Selection mc = milp_min_cost(inst, 30.0, gc.chosen);
    REQUIRE(mc.status == "optimal");
    CHECK(mc.covered_targets == gc.covered_targets);
    CHECK(mc.cost <= gc.cost + 1e-9);
    CHECK(gc.cost * gc.guarantee <= mc.cost + 1e-9);  // Chvátal: greedy <= H(max|S|) * optimum
  }
  MESSAGE("greedy strictly below the MILP optimum in " << greedy_below_optimum << " of 40 instances");
}

TEST_CASE("propose: backhaul Fresnel clearance over flat ground matches the closed form") {
  Grid g;
  g.rows = 20;
  g.cols = 250;
  g.x_min = 0;
  g.y_max = 2000;
  g.dx = g.dy = 50;
  const Raster<float> dem(g, 100.0f);
  const Mast a{"A", 1025, 1025, 30, false}, b{"B", 11025, 1025, 30, true};
  // Worst point at mid-path: clearance 30 - d^2 / (8 k a), F1 = sqrt(λ d / 4).
  const double d = 10000, k = 4.0 / 3.0, lambda = 299792458.0 / 15000e6;
  const double expected = (30 - d * d / (8 * k * 6371000.0)) / std::sqrt(lambda * d / 4);
  CHECK(fresnel_clearance_ratio(dem, a, b, 15000, k) == doctest::Approx(expected).epsilon(1e-6));
  // Clear at 15 GHz; a 25 m tower in the middle blocks it.
  const auto links = plan_backhaul(dem, {a}, {b}, 15000, 30, k);
  REQUIRE(links.size() == 1);
  CHECK(links[0].to == 0);
  CHECK(links[0].distance_km == doctest::Approx(10.0));
  Raster<float> ridge(g, 100.0f);
  for (int r = 0; r < g.rows; ++r) ridge.at(r, 120) = 128.0f;
  const auto blocked = plan_backhaul(ridge, {a}, {b}, 15000, 30, k);
  CHECK(blocked[0].to == -1);
  CHECK(blocked[0].status == "needs relay / satellite");
  CHECK(plan_backhaul(dem, {a}, {b}, 15000, 5, k)[0].to == -1);  // beyond backhaul_max_km
}
