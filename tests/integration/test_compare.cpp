// phusong compare: two runs of the Brindabella test district, B with one
// more site next to a village that A leaves uncovered.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "phusong/core/error.hpp"
#include "phusong/scenario/compare.hpp"
#include "phusong/scenario/run.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace phusong;

TEST_CASE("compare: a site added next to an uncovered village shows as gained, figures add up") {
  PHUSONG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("compare");
  const fs::path src = test::source_dir() / "tests/data/brindabella";
  // B: the same scenario with one more omni site at the "Centre" village.
  std::string yaml = test::slurp(src / "scenario.yaml");
  const std::string dem_line = "../../../../shared/geodata/terrain/srtm3_S36E149_brindabella.tif";
  yaml.replace(yaml.find(dem_line), dem_line.size(), test::shared_path("geodata/terrain/srtm3_S36E149_brindabella.tif").string());
  yaml.replace(yaml.find("sites.csv"), 9, "sites_b.csv");
  yaml.replace(yaml.find("villages.csv"), 12, (src / "villages.csv").string());
  yaml.replace(yaml.find("name: Brindabella test"), 22, "name: Brindabella plus one");
  std::ofstream(dir / "b.yaml") << yaml;
  std::ofstream(dir / "sites_b.csv") << test::slurp(src / "sites.csv")
                                     << "B4,B4,Centre omni,Viettel,149.181,-35.501,30,,,360,lte,1800,10,58\n";
  CompareOptions opt;
  opt.quiet = true;
  opt.out_dir = (dir / "out").string();
  const CompareResult r = compare_runs((src / "scenario.yaml").string(), (dir / "b.yaml").string(), opt);

  // Independent check against the two runs' own summaries.
  RunOptions ro;
  ro.quiet = true;
  ro.out_dir = (dir / "a_again").string();
  const RunResult a = run_scenario(load_scenario((src / "scenario.yaml").string()), ro);
  ro.out_dir = (dir / "b_again").string();
  const RunResult b = run_scenario(load_scenario((dir / "b.yaml").string()), ro);
  CHECK(r.gained - r.lost == b.report.district.villages_covered - a.report.district.villages_covered);
  CHECK(r.both + r.neither + r.gained + r.lost == static_cast<int>(a.report.villages.size()));
  bool centre_gained = false;
  for (const auto& v : r.villages)
    if (v.name == "Centre") centre_gained = v.status() == "gained";
  CHECK(centre_gained);
  CHECK(r.lost == 0);               // adding a site never removes coverage
  CHECK(r.km2_gained > 0.0);
  CHECK(r.km2_lost == doctest::Approx(0.0));
  for (const auto& f : {"diff_rsrp_db.tif", "coverage_change.tif", "compare.gpkg", "compare.json", "compare.md"})
    CHECK_MESSAGE(fs::exists(dir / "out" / f), f);
  const std::string md = test::slurp(dir / "out" / "compare.md");
  CHECK(md.find("| Centre |") != std::string::npos);
}

TEST_CASE("compare: a folder that is not a run is a clear input error") {
  const fs::path dir = test::temp_dir("compare_bad");
  CompareOptions opt;
  opt.out_dir = (dir / "out").string();
  CHECK_THROWS_WITH_AS(compare_runs(dir.string(), dir.string(), opt),
                       doctest::Contains("not a phusong run folder"), InputError);
}

TEST_CASE("compare: villages are matched by id and name; a list with a row added or reordered is refused") {
  // Two minimal run folders (what compare reads before the rasters): A's
  // villages without ids (ids = row numbers), B's with one village added
  // at the top, so that every row number names another village.
  const fs::path dir = test::temp_dir("compare_ids");
  const std::string summary = R"({"scenario": {"name": "x"}, "radio": {"threshold_dbm": -110}})";
  const std::string head = "village_id,name,commune,population,covered,rsrp_dbm\n";
  auto run_dir = [&](const std::string& name, const std::string& rows) {
    fs::create_directories(dir / name);
    test::write_text(dir / name / "summary.json", summary);
    test::write_text(dir / name / "villages.csv", head + rows);
    return (dir / name).string();
  };
  const std::string a = run_dir("a", "1,Ban A,X,10,1,-70\n2,Ban B,X,20,0,-120\n");
  const std::string b = run_dir("b", "1,Ban New,X,5,0,-120\n2,Ban A,X,10,1,-70\n3,Ban B,X,20,0,-120\n");
  CompareOptions opt;
  opt.quiet = true;
  opt.out_dir = (dir / "out").string();
  CHECK_THROWS_WITH_AS(compare_runs(a, b, opt), doctest::Contains("village '1' is 'Ban A' in A but 'Ban New' in B"),
                       InputError);
  // Villages that B has and A lacks are refused too (they used to be left out).
  const std::string b2 = run_dir("b2", "1,Ban A,X,10,1,-70\n2,Ban B,X,20,0,-120\n3,Ban C,X,5,0,-120\n");
  CHECK_THROWS_WITH_AS(compare_runs(a, b2, opt), doctest::Contains("village '3' (Ban C) of B is missing in A"), InputError);
  // A villages.csv repeating an id is refused, not read as one village.
  const std::string b3 = run_dir("b3", "1,Ban A,X,10,1,-70\n1,Ban B,X,20,0,-120\n");
  CHECK_THROWS_WITH_AS(compare_runs(a, b3, opt), doctest::Contains("'1' appears twice"), InputError);
}

TEST_CASE("compare: demo baseline vs Viettel's proposal lists exactly the villages whose coverage changed") {
  // The expected list is built here from the two runs' villages.csv alone.
  const fs::path dir = test::temp_dir("compare_demo");
  CompareOptions opt;
  opt.quiet = true;
  opt.out_dir = (dir / "out").string();
  const fs::path sc = test::source_dir() / "scenarios";
  const CompareResult r =
      compare_runs((sc / "demo.yaml").string(), (sc / "demo_viettel_proposal.yaml").string(), opt);
  const auto a = test::read_csv(dir / "out" / "a" / "villages.csv");
  const auto b = test::read_csv(dir / "out" / "b" / "villages.csv");
  REQUIRE(a.rows.size() == b.rows.size());
  std::map<std::string, std::string> expected;  // village_id -> gained/lost
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const std::string id = a.rows[i][a.col("village_id")];
    size_t j = 0;
    while (j < b.rows.size() && b.rows[j][b.col("village_id")] != id) ++j;
    REQUIRE(j < b.rows.size());
    const bool ca = a.rows[i][a.col("covered")] == "1", cb = b.rows[j][b.col("covered")] == "1";
    if (ca != cb) expected[id] = cb ? "gained" : "lost";
  }
  std::map<std::string, std::string> listed;
  for (const auto& v : r.villages)
    if (v.covered_a != v.covered_b) listed[v.id] = v.status();
  CHECK(listed == expected);
  CHECK(expected.size() >= 5);  // the three towers serve the uncovered valleys of A Ro and Hướng Mây
  const std::string json = test::slurp(dir / "out" / "compare.json");
  for (const auto& [id, st] : expected) CHECK(json.find("\"village_id\": \"" + id + "\"") != std::string::npos);
}
