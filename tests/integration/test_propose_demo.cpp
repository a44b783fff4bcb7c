// Acceptance of `phusong propose` on the demo district (docs/planning.md):
// scenarios/demo_proposals.yaml (the demo network of scenarios/demo.yaml,
// 30 m terrain, deygout, exact engine, 12 km radius) with up to 5 new sites.
// The proposal raises village coverage; report.md and summary.json show the
// district and every commune before -> after; an independent `phusong run`
// (the binary) with proposed_sites.csv added to the scenario's sites confirms
// every village the proposal claims.  About 2 x the demo's `phusong run` time.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "phusong/planning/propose.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;
using namespace phusong::planning;

namespace {

using test::run_cli;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("propose demo: new sites raise village coverage, per commune before/after, phusong run confirms every claim") {
  const fs::path dir = test::temp_dir("propose_demo");
  const fs::path src = test::source_dir();
  ProposeOptions opt;
  opt.quiet = true;
  opt.threads = 2;
  opt.out_dir = (dir / "out").string();
  auto t0 = std::chrono::steady_clock::now();
  const ProposeResult r = propose(load_scenario((src / "scenarios/demo_proposals.yaml").string()), opt);
  const double propose_s = seconds_since(t0);

  const auto& before = r.report_before.district;
  const auto& after = r.report_after.district;
  MESSAGE("demo: villages covered " << before.villages_covered << " -> " << after.villages_covered << " / "
                                    << after.villages_total << " with " << r.sites.size() << " sites; claims "
                                    << r.claims << ", confirmed " << r.claims_confirmed << "; propose "
                                    << propose_s << " s");
  REQUIRE(before.villages_total == 100);
  REQUIRE(!r.targets.empty());
  CHECK(r.evaluation == "reciprocal");
  REQUIRE(!r.sites.empty());
  CHECK(static_cast<int>(r.sites.size()) <= 5);
  CHECK(after.villages_covered > before.villages_covered);
  CHECK(after.population_covered > before.population_covered);
  CHECK(r.claims > 0);
  CHECK(r.claims_confirmed == r.claims);
  CHECK(r.max_estimate_error_db < 1e-3);

  // summary.json: the district and every commune, before and after, as computed.
  const auto js = nlohmann::json::parse(test::slurp(dir / "out" / "summary.json"));
  CHECK(js["district"]["villages_covered_before"].get<int>() == before.villages_covered);
  CHECK(js["district"]["villages_covered_after"].get<int>() == after.villages_covered);
  REQUIRE(r.report_after.communes.size() >= 2);
  REQUIRE(js["communes"].size() == r.report_after.communes.size());
  const std::string report = test::slurp(dir / "out" / "report.md");
  REQUIRE(report.find("## Communes, before → after") != std::string::npos);
  bool some_commune_gains = false;
  for (size_t i = 0; i < r.report_after.communes.size(); ++i) {
    const auto& cb = r.report_before.communes[i];
    const auto& ca = r.report_after.communes[i];
    const auto& jc = js["communes"][i];
    CHECK(jc["name"].get<std::string>() == ca.name);
    CHECK(jc["villages_covered_before"].get<int>() == cb.villages_covered);
    CHECK(jc["villages_covered_after"].get<int>() == ca.villages_covered);
    CHECK(jc["population_covered_before"].get<long long>() == cb.population_covered);
    CHECK(jc["population_covered_after"].get<long long>() == ca.population_covered);
    CHECK(ca.villages_covered >= cb.villages_covered);
    some_commune_gains = some_commune_gains || ca.villages_covered > cb.villages_covered;
    const std::string row = "| " + ca.name + " | " + std::to_string(cb.villages_covered) + " → " +
                            std::to_string(ca.villages_covered) + " / " + std::to_string(ca.villages_total) + " |";
    CHECK_MESSAGE(report.find(row) != std::string::npos, row);
  }
  CHECK(some_commune_gains);

  // Independent check: `phusong run` of the same inputs with the proposed
  // sites as a second sites file.
  const fs::path demo = src / "geodata/demo";
  test::write_text(dir / "run_plus.yaml",
                   "name: demo plus proposals\ninputs:\n  dem: " + (demo / "dem.tif").string() + "\n  sites: [" +
                       (demo / "sites.csv").string() + ", " + (dir / "out" / "proposed_sites.csv").string() +
                       "]\n  villages: " + (demo / "villages.csv").string() + "\n  communes: " +
                       (demo / "communes.geojson").string() +
                       "\ngrid:\n  crs: auto\n  resolution_m: 30\nmodel:\n  name: deygout\n  k_factor: 1.3333\n"
                       "radio:\n  technology: lte\n  rx_height_m: 1.5\n  threshold_dbm: -110\n  radius_km: 12\n");
  t0 = std::chrono::steady_clock::now();
  std::string err;
  const int rc = run_cli("run " + (dir / "run_plus.yaml").string() + " --out " + (dir / "run_plus").string() +
                             " --threads 2 --quiet",
                         &err);
  MESSAGE("phusong run with the proposed sites: " << seconds_since(t0) << " s");
  REQUIRE_MESSAGE(rc == 0, err);
  const test::Csv v = test::read_csv(dir / "run_plus" / "villages.csv");
  REQUIRE(v.rows.size() == r.inputs.villages.size());
  const int id_col = v.col("village_id"), cov_col = v.col("covered"), site_col = v.col("serving_site");
  std::map<std::string, const std::vector<std::string>*> by_id;
  for (const auto& row : v.rows) {
    REQUIRE(row.size() == v.header.size());
    by_id[row[id_col]] = &row;
  }
  std::set<std::string> proposed_ids;
  for (const auto& p : r.sites) proposed_ids.insert(p.site_id);
  int confirmed = 0, covered = 0;
  for (const auto& p : r.sites) {
    for (size_t vi : p.claimed) {
      const auto it = by_id.find(r.inputs.villages[vi].id);
      REQUIRE(it != by_id.end());
      const bool ok = (*it->second)[cov_col] == "1";
      CHECK_MESSAGE(ok, "claimed village " << r.inputs.villages[vi].name << " not covered by phusong run");
      confirmed += ok;
    }
  }
  int gained_by_proposed = 0;
  for (size_t i = 0; i < r.inputs.villages.size(); ++i) {
    const auto& row = *by_id.at(r.inputs.villages[i].id);
    const bool c = row[cov_col] == "1";
    covered += c;
    CHECK(c == r.report_after.villages[i].covered);  // the proposal's forward figures are a run's
    if (c && !r.report_before.villages[i].covered) {
      CHECK(proposed_ids.count(row[site_col]) == 1);
      ++gained_by_proposed;
    }
  }
  MESSAGE("phusong run confirms " << confirmed << " of the claimed villages; " << covered << " covered");
  CHECK(covered == after.villages_covered);
  CHECK(gained_by_proposed == after.villages_covered - before.villages_covered);
}
