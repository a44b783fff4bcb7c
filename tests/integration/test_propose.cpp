// Acceptance of `phusong propose` (docs/planning.md): on real SRTM terrain
// (Brindabella, the test scenario of tests/data/brindabella) proposals raise
// village coverage; `phusong run` with the proposed sites appended to the
// sites file confirms every village the proposal claims; greedy vs MILP
// (MILP >= greedy >= (1 - 1/e) MILP); backhaul clearance in closed form.
#include <doctest/doctest.h>

#include <tuple>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "phusong/core/error.hpp"
#include "phusong/engine/coverage.hpp"
#include "phusong/planning/backhaul.hpp"
#include "phusong/planning/optimize.hpp"
#include "phusong/planning/propose.hpp"
#include "phusong/propagation/model.hpp"
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

using test::run_cli;

// One line (the message and its newline), no more.
bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }

// A GeoJSON polygon in WGS 84 (lon/lat rectangle).
void write_box(const fs::path& p, double lon0, double lat0, double lon1, double lat1) {
  char g[512];
  std::snprintf(g, sizeof g,
                "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {}, "
                "\"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[%.6f, %.6f], [%.6f, %.6f], [%.6f, %.6f], "
                "[%.6f, %.6f], [%.6f, %.6f]]]}}]}\n",
                lon0, lat0, lon1, lat0, lon1, lat1, lon0, lat1, lon0, lat0);
  write_text(p, g);
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

  // Every uncovered village is within reach of some candidate here.
  CHECK(r.coverable == 5);
  CHECK(r.unreachable.empty());

  // The confirmation (the proposed cells' footprint composited onto the
  // existing network's) is byte for byte compute_coverage over all cells.
  {
    auto model = prop::make_model(r.scenario.model, r.scenario.file);
    std::vector<radio::Cell> all = r.inputs.cells;
    all.insert(all.end(), r.proposed_cells.begin(), r.proposed_cells.end());
    EngineConfig cfg;
    cfg.radius_m = r.scenario.radius_km * 1000.0;
    cfg.threshold_dbm = r.scenario.effective_threshold_dbm();
    cfg.threads = 2;
    cfg.kind = r.scenario.engine == "fast" ? EngineKind::Fast : EngineKind::Exact;
    const Composite full = compute_coverage(r.inputs.dem.elevation_m, all, *model, r.scenario.link, cfg);
    const size_t n = full.best_dbm.grid().size();
    REQUIRE(r.after.best_dbm.grid().size() == n);
    CHECK(std::memcmp(full.best_dbm.data().data(), r.after.best_dbm.data().data(), n * sizeof(float)) == 0);
    CHECK(std::memcmp(full.best_cell.data().data(), r.after.best_cell.data().data(), n * sizeof(std::int16_t)) == 0);
    CHECK(std::memcmp(full.count.data().data(), r.after.count.data().data(), n) == 0);
    CHECK(std::memcmp(full.best_dbm.data().data(), r.before.best_dbm.data().data(), n * sizeof(float)) != 0);
  }

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

TEST_CASE("propose: min_sites keeps the MILP where it covers a village the greedy leaves out, even at a higher cost") {
  // One location L: 30 m covers A, B, C for 40; 45 m covers A, B, C, D for
  // 55; D is reachable from L only.  The greedy takes 30 m (3/40 > 4/55)
  // and never raises a tower at a location it has used: D stays uncovered.
  CoverInstance inst;
  inst.weight = {1, 1, 1, 1};
  Option low, high;
  low.location = high.location = 0;
  low.cost = 40;
  low.covers = {0, 1, 2};
  high.cost = 55;
  high.covers = {0, 1, 2, 3};
  inst.options = {low, high};
  const Selection g = greedy_min_cost(inst);
  const Selection m = milp_min_cost(inst, 30.0, g.chosen);
  REQUIRE(m.status == "optimal");
  CHECK(g.covered_targets == 3);
  CHECK(m.covered_targets == 4);
  CHECK(m.cost > g.cost);
  CHECK(milp_preferred(g, m, true));
  CHECK_FALSE(milp_preferred(m, g, true));
  // as many targets: the lower cost
  Selection cheaper = m;
  cheaper.cost = m.cost - 1;
  CHECK(milp_preferred(m, cheaper, true));
  CHECK_FALSE(milp_preferred(m, m, true));
}

TEST_CASE("propose: the MILP's cost term only breaks ties, also between close populations") {
  // Two villages of 100 and 101 people, each reachable from one location:
  // 1 for 100 people, 3 for 101, one site.  With eps = min w / (2 total
  // cost) the cost term was 12.5 per unit of cost and the MILP took the
  // 100 people (87.5 against 63.5).
  CoverInstance inst;
  inst.weight = {100, 101};
  Option a, b;
  a.location = 0;
  a.cost = 1;
  a.covers = {0};
  b.location = 1;
  b.cost = 3;
  b.covers = {1};
  inst.options = {a, b};
  const Selection m = milp_max_coverage(inst, 1, 30.0);
  REQUIRE(m.status == "optimal");
  CHECK(m.covered_weight == 101);
  // Equal weights: the cheaper one.
  inst.weight = {100, 100};
  const Selection tie = milp_max_coverage(inst, 1, 30.0);
  CHECK(tie.chosen == std::vector<int>{0});
  // A village of 0 people does not remove the tie-break.
  inst.weight = {100, 100, 0};
  inst.options[0].covers = {0, 2};
  CHECK(milp_max_coverage(inst, 1, 30.0).chosen == std::vector<int>{0});
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

TEST_CASE("propose: bad inputs give one clear line and exit status 1, never an empty result") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("propose_bad");
  std::string err;
  const std::string heights = "proposals:\n  max_sites: 3\n  tower_heights_m: [30]\n  solver: greedy\n";
  const fs::path ok = brindabella(dir, heights);
  const std::string out = " --quiet --threads 2 --out " + (dir / "out").string();

  SUBCASE("K <= 0") {
    for (const std::string k : {"0", "-2"}) {
      CHECK(run_cli("propose " + ok.string() + " --max-sites=" + k + out, &err) == 1);
      CHECK(one_line(err));
      CHECK(err.find("--max-sites") != std::string::npos);
      CHECK(err.find("1 to 200") != std::string::npos);
    }
    write_text(dir / "k0.yaml", slurp(ok).replace(slurp(ok).find("max_sites: 3"), 12, "max_sites: 0"));
    CHECK(run_cli("propose " + (dir / "k0.yaml").string() + out, &err) == 1);
    CHECK(one_line(err));
    CHECK(err.find("proposals.max_sites") != std::string::npos);
  }
  SUBCASE("no candidate inside the allowed area") {
    write_box(dir / "allowed.geojson", 148.60, -35.95, 148.62, -35.93);  // ~50 km from the villages
    const fs::path y = brindabella(dir, heights + "  allowed_area: allowed.geojson\n");
    CHECK(run_cli("propose " + y.string() + out, &err) == 1);
    CHECK(one_line(err));
    CHECK(err.find("no candidate position inside the allowed area") != std::string::npos);
  }
  SUBCASE("exclusion covering everything") {
    write_box(dir / "exclusion.geojson", 148.0, -36.5, 150.0, -34.5);
    const fs::path y = brindabella(dir, heights + "  exclusion: exclusion.geojson\n");
    CHECK(run_cli("propose " + y.string() + out, &err) == 1);
    CHECK(one_line(err));
    CHECK(err.find("exclusion polygons cover every candidate position") != std::string::npos);
  }
  SUBCASE("no village reachable") {
    const fs::path y = brindabella(dir, heights + "  eirp_dbm: -10\n");
    CHECK(run_cli("propose " + y.string() + out, &err) == 1);
    CHECK(one_line(err));
    CHECK(err.find("no candidate reaches any of the 5 uncovered villages") != std::string::npos);
  }
  // Nothing written on failure.
  CHECK(!fs::exists(dir / "out"));
}

TEST_CASE("propose: villages no candidate reaches are listed as unreachable in report.md and summary.json") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("propose_unreachable");
  // At 10 dBm EIRP, 3 of the 5 uncovered villages are within reach.
  const fs::path y = brindabella(dir, "proposals:\n  max_sites: 3\n  tower_heights_m: [30]\n  eirp_dbm: 10\n");
  std::string err;
  REQUIRE(run_cli("propose " + y.string() + " --quiet --threads 2 --out " + (dir / "out").string(), &err) == 0);
  const auto js = nlohmann::json::parse(slurp(dir / "out" / "summary.json"));
  CHECK(js["candidates"]["uncovered_villages"].get<int>() == 5);
  CHECK(js["candidates"]["coverable_villages"].get<int>() == 3);
  const auto& un = js["candidates"]["unreachable_villages"];
  REQUIRE(un.size() == 2);
  const std::string report = slurp(dir / "out" / "report.md");
  for (const auto& v : un) {
    const std::string line = "- " + v["name"].get<std::string>() + " (";
    const size_t at = report.find(line);
    REQUIRE_MESSAGE(at != std::string::npos, line);
    CHECK(report.substr(at, report.find('\n', at) - at).find("unreachable, no candidate position reaches it") !=
          std::string::npos);
  }
  // The reachable ones were proposed for and are covered now.
  CHECK(js["district"]["villages_covered_after"].get<int>() == 2 + 3);
}

TEST_CASE("propose --baseline: the existing network read from a phusong run gives the same proposal") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("propose_baseline");
  const fs::path y = brindabella(dir, "proposals:\n  max_sites: 3\n  tower_heights_m: [30, 45]\n");
  RunOptions ro;
  ro.quiet = true;
  ro.threads = 2;
  ro.out_dir = (dir / "run").string();
  run_scenario(load_scenario(brindabella(dir, "").string()), ro);

  ProposeOptions opt;
  opt.quiet = true;
  opt.threads = 2;
  opt.out_dir = (dir / "computed").string();
  const ProposeResult a = propose(load_scenario(y.string()), opt);
  opt.out_dir = (dir / "reused").string();
  opt.baseline_dir = (dir / "run").string();
  const ProposeResult b = propose(load_scenario(y.string()), opt);
  CHECK(a.baseline_from.empty());
  CHECK(b.baseline_from == opt.baseline_dir);
  const size_t n = a.before.best_dbm.grid().size();
  REQUIRE(b.before.best_dbm.grid().size() == n);
  CHECK(std::memcmp(a.before.best_dbm.data().data(), b.before.best_dbm.data().data(), n * sizeof(float)) == 0);
  CHECK(std::memcmp(a.before.best_cell.data().data(), b.before.best_cell.data().data(), n * sizeof(std::int16_t)) == 0);
  CHECK(std::memcmp(a.before.count.data().data(), b.before.count.data().data(), n) == 0);
  CHECK(std::memcmp(a.after.best_dbm.data().data(), b.after.best_dbm.data().data(), n * sizeof(float)) == 0);
  CHECK(slurp(dir / "computed" / "proposed_sites.csv") == slurp(dir / "reused" / "proposed_sites.csv"));
  CHECK(slurp(dir / "computed" / "proposals.csv") == slurp(dir / "reused" / "proposals.csv"));

  // A run of other settings, or a folder that is not a run's, is refused with the difference named.
  std::string yaml = slurp(dir / "run.yaml");
  yaml.replace(yaml.find("radius_km: 8"), 12, "radius_km: 7");
  write_text(dir / "run7.yaml", yaml);
  ro.out_dir = (dir / "run7").string();
  run_scenario(load_scenario((dir / "run7.yaml").string()), ro);
  opt.out_dir = (dir / "refused").string();
  opt.baseline_dir = (dir / "run7").string();
  std::string what;
  try {
    propose(load_scenario(y.string()), opt);
  } catch (const InputError& e) {
    what = e.what();
  }
  CHECK(what.find("'radio': differs from the scenario") != std::string::npos);
  CHECK(!fs::exists(dir / "refused"));
  opt.baseline_dir = (dir / "computed").string();  // a propose output
  what.clear();
  try {
    propose(load_scenario(y.string()), opt);
  } catch (const InputError& e) {
    what = e.what();
  }
  CHECK(what.find("not the summary of a phusong run") != std::string::npos);

  // Settings that only summary.json records: Hata's environment class and
  // the selected carriers (a run of another environment or carrier list
  // was taken as the baseline and proposed towers the scenario does not need).
  const std::vector<std::tuple<std::string, std::string, std::string>> edits = {
      {"\"environment\": \"open\"", "\"environment\": \"urban\"", "'model': differs from the scenario"},
      {"\"carriers\": []", "\"carriers\": [\"Viettel\"]", "'radio': differs from the scenario"}};
  for (const auto& edit : edits) {
    // (not structured bindings: clang 14 cannot capture them in CAPTURE's lambda)
    const std::string& from = std::get<0>(edit);
    const std::string& to = std::get<1>(edit);
    const std::string& expect = std::get<2>(edit);
    CAPTURE(to);
    const fs::path other = dir / "run_other";
    fs::remove_all(other);
    fs::copy(dir / "run", other, fs::copy_options::recursive);
    std::string sj = slurp(other / "summary.json");
    REQUIRE(sj.find(from) != std::string::npos);
    sj.replace(sj.find(from), from.size(), to);
    write_text(other / "summary.json", sj);
    opt.baseline_dir = other.string();
    what.clear();
    try {
      propose(load_scenario(y.string()), opt);
    } catch (const InputError& e) {
      what = e.what();
    }
    CHECK(what.find(expect) != std::string::npos);
  }
}
