// Sharded runs and merge (docs/distributed.md): the shards' tiles merged give
// the single run's files byte for byte; --resume reuses a verified shard and
// recomputes a changed one; merge refuses incomplete sets; SIGINT/SIGTERM
// leave no output that looks complete; a SIGKILLed run's staging folder is
// removed by the next run.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace fs = std::filesystem;
using phusong::test::slurp;
using phusong::test::write_text;

namespace {

// The demo district (geodata/demo) at 90 m with land cover, SINR, three
// carriers and GSM cells of another technology: every layer a run writes.
std::string demo_scenario(const fs::path& dir, const std::string& model, int resolution_m, double radius_km) {
  const fs::path demo = phusong::test::source_dir() / "geodata" / "demo";
  const fs::path p = dir / "scenario.yaml";
  write_text(p, "name: shard test\n"
                "inputs:\n"
                "  dem: " + (demo / "dem.tif").string() + "\n"
                "  sites: " + (demo / "sites.csv").string() + "\n"
                "  villages: " + (demo / "villages.csv").string() + "\n"
                "  communes: " + (demo / "communes.geojson").string() + "\n"
                "grid:\n  resolution_m: " + std::to_string(resolution_m) + "\n"
                "model:\n  name: " + model + "\n"
                "radio:\n  technology: lte\n  threshold_dbm: -105\n  radius_km: " + std::to_string(radius_km) + "\n"
                "clutter:\n"
                "  raster: " + (demo / "landcover.tif").string() + "\n"
                "  classes:\n"
                "    10: {name: tree cover, height_m: 15, loss_db: 0, loss_db_per_km: 300, type: trees_forest}\n"
                "    40: {name: cropland, height_m: 0, loss_db: 0}\n"
                "    50: {name: built-up, height_m: 8, loss_db: 10, type: suburban}\n"
                "    80: {name: permanent water bodies, height_m: 0, loss_db: 0, type: water_sea}\n"
                "sinr:\n  carrier: Viettel\n  freq_mhz: 1800\n  noise_figure_db: 7\n"
                "output:\n  dir: " + (dir / "single").string() + "\n");
  return p.string();
}

// Runs a shell command; its stdout and stderr go to `log` (or nowhere).
int sh(const std::string& cmd, const std::string& log = "/dev/null") {
  const int rc = std::system((cmd + " > " + log + " 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string bin() { return PHUSONG_BINARY; }

std::vector<std::string> staging_folders(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(".phusong-staging-", 0) == 0) out.push_back(e.path().string());
  return out;
}

// Starts `phusong args...` with stdout/stderr to `log`; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(126);
    std::vector<char*> argv;
    std::string b = bin();
    argv.push_back(b.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(b.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until a staging folder appears in `dir` (the run is computing).
bool wait_for_staging(const fs::path& dir, pid_t pid) {
  for (int i = 0; i < 1200; ++i) {
    if (!staging_folders(dir).empty()) return true;
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

}  // namespace

TEST_CASE("shards 1..N merged equal the single run byte for byte (N = 1, 3; 1 and 2 threads)") {
  const fs::path dir = phusong::test::temp_dir("shard_equal");
  const std::string scn = demo_scenario(dir, "hata", 90, 6);
  REQUIRE(sh(bin() + " run " + scn + " -q -j 2") == 0);
  const fs::path single = dir / "single";
  const std::vector<std::string> files = {
      "rsrp_dbm.tif", "best_server.tif", "server_count.tif", "sinr_db.tif", "rsrp_dbm_mobifone.tif",
      "rsrp_dbm_viettel.tif", "rsrp_dbm_vnpt.tif", "villages.csv", "summary.json", "report.md", "coverage.gpkg",
      "rsrp_dbm.qml", "best_server.qml", "server_count.qml"};
  for (const auto& f : files) REQUIRE_MESSAGE(fs::exists(single / f), f);

  for (int n : {3, 1}) {
    CAPTURE(n);
    std::string shard_dirs;
    for (int i = 1; i <= n; ++i) {
      const fs::path sd = dir / ("s" + std::to_string(n)) / ("shard-" + std::to_string(i));
      REQUIRE(sh(bin() + " run " + scn + " -q -j 1 --shard " + std::to_string(i) + "/" + std::to_string(n) + " --out " +
                 sd.string()) == 0);
      CHECK(fs::exists(sd / "manifest.json"));
      CHECK(staging_folders(sd).empty());
      if (n == 3 && i != 2) {
        // The outer shards load a band of the terrain, not the whole grid.
        const auto m = nlohmann::json::parse(slurp(sd / "manifest.json"));
        const int rows = m["grid"]["rows"].get<int>();
        const int t0 = m["terrain_rows"][0].get<int>(), t1 = m["terrain_rows"][1].get<int>();
        CAPTURE(rows);
        CAPTURE(t0);
        CAPTURE(t1);
        CHECK(t1 - t0 < rows);
        CHECK(t0 <= m["rows"][0].get<int>());
        CHECK(t1 >= m["rows"][1].get<int>());
      }
      shard_dirs += " " + sd.string();
    }
    const fs::path merged = dir / ("merged" + std::to_string(n));
    REQUIRE(sh(bin() + " merge" + shard_dirs + " -q --out " + merged.string()) == 0);
    for (const auto& f : files) {
      CAPTURE(f);
      const std::string a = slurp(single / f), b = slurp(merged / f);
      CHECK(!a.empty());
      CHECK(a.size() == b.size());
      CHECK(a == b);
    }
  }
}

TEST_CASE("--resume reuses a verified shard, recomputes a changed one; merge needs every shard once") {
  const fs::path dir = phusong::test::temp_dir("shard_resume");
  const std::string scn = demo_scenario(dir, "fspl", 150, 4);
  const fs::path s1 = dir / "s1", s2 = dir / "s2";
  REQUIRE(sh(bin() + " run " + scn + " -q --shard 1/2 --out " + s1.string()) == 0);
  REQUIRE(sh(bin() + " run " + scn + " -q --shard 2/2 --out " + s2.string()) == 0);
  const std::string tile = slurp(s2 / "all.best_dbm.tif");
  const auto log = dir / "resume.log";
  REQUIRE(sh(bin() + " run " + scn + " --shard 2/2 --resume --out " + s2.string(), log.string()) == 0);
  CHECK(slurp(log).find("reused (verified)") != std::string::npos);
  // A changed output: not finished any more, computed again.
  write_text(s2 / "all.best_dbm.tif", "damaged");
  REQUIRE(sh(bin() + " run " + scn + " --shard 2/2 --resume --out " + s2.string(), log.string()) == 0);
  CHECK(slurp(log).find("changed (checksum)") != std::string::npos);
  CHECK(slurp(log).find("computed") != std::string::npos);
  CHECK(slurp(s2 / "all.best_dbm.tif") == tile);
  // Merge: a shard missing, a shard twice, a damaged shard: refused, nothing written.
  CHECK(sh(bin() + " merge " + s1.string() + " -q --out " + (dir / "m").string()) == 1);
  CHECK(sh(bin() + " merge " + s1.string() + " " + s1.string() + " -q --out " + (dir / "m").string()) == 1);
  write_text(s1 / "all.count.tif", "damaged");
  CHECK(sh(bin() + " merge " + s1.string() + " " + s2.string() + " -q --out " + (dir / "m").string()) == 1);
  CHECK(!fs::exists(dir / "m"));
  // Bad shard specifications.
  for (const char* bad : {"0/2", "3/2", "2", "a/b", "1/0"})
    CHECK(sh(bin() + " run " + scn + " -q --shard " + bad + " --out " + (dir / "x").string()) == 1);
}

TEST_CASE("SIGINT/SIGTERM: staging folder removed, exit 130/143, nothing that looks finished; SIGKILL's staging removed by the next run") {
  const fs::path dir = phusong::test::temp_dir("shard_signal");
  // Long enough to be interrupted while computing: the exact engine at 30 m.
  const std::string scn = demo_scenario(dir, "deygout", 30, 12);
  for (const auto& sc : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    // (named members: clang before 16 cannot capture structured bindings, as CAPTURE does)
    const int sig = sc.first, code = sc.second;
    CAPTURE(sig);
    const fs::path out = dir / ("sig" + std::to_string(sig));
    const pid_t pid = spawn({"run", scn, "--shard", "1/2", "--out", out.string()}, dir / "sig.log");
    REQUIRE(wait_for_staging(out, pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, sig);
    int st = 0;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == code);
    const std::string log = slurp(dir / "sig.log");
    CHECK(log.find(sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM") != std::string::npos);
    CHECK(staging_folders(out).empty());
    CHECK(!fs::exists(out / "manifest.json"));
  }
  // SIGKILL: only the clearly named staging folder is left; the next run removes it.
  const fs::path out = dir / "killed";
  const pid_t pid = spawn({"run", scn, "--shard", "1/2", "--out", out.string()}, dir / "kill.log");
  REQUIRE(wait_for_staging(out, pid));
  kill(pid, SIGKILL);
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  const auto left = staging_folders(out);
  REQUIRE(left.size() == 1);
  CHECK(!fs::exists(out / "manifest.json"));
  // A later run in the same folder (interrupted itself once computing) has removed it.
  const pid_t pid2 = spawn({"run", scn, "--shard", "1/2", "--out", out.string()}, dir / "kill2.log");
  bool started = false;
  for (int i = 0; i < 1200 && !started; ++i) {
    for (const auto& f : staging_folders(out)) started = started || f != left.front();
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(started);
  CHECK(!fs::exists(left.front()));
  kill(pid2, SIGTERM);
  REQUIRE(waitpid(pid2, &st, 0) == pid2);
  CHECK(staging_folders(out).empty());
}
