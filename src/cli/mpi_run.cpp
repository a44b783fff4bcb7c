// MPI build only (-DPHUSONG_MPI=ON; CMakeLists.txt leaves this file out
// otherwise): `mpirun -np N phusong run SCENARIO --out DIR` shares the shards
// of the run between the ranks (shard i to rank (i-1) mod N) into
// DIR/shards/shard-i-of-K/, then rank 0 merges them into DIR.  The MPI code
// of the project is confined to this file (docs/distributed.md).
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/scenario/shard.hpp"

namespace phusong::cli {

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

int cmd_run_mpi(const std::string& scenario_path, const RunOptions& opt, int shards, bool resume) {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int count = shards > 0 ? shards : size;
  int failed = 0;
  std::filesystem::path out;
  Scenario s;
  try {
    s = load_scenario(scenario_path);
    out = opt.out_dir.empty() ? s.out_dir : opt.out_dir;
    for (int i = rank + 1; i <= count && !interrupted(); i += size) {
      RunOptions o = opt;
      o.out_dir = (out / "shards" / shard_folder_name(ShardSpec{i, count})).string();
      o.quiet = opt.quiet || rank != 0;
      const ShardRunResult r = run_shard(s, o, ShardSpec{i, count}, resume);
      if (!opt.quiet) {
        std::fprintf(stderr, "phusong: rank %d: shard %d/%d %s\n", rank, i, count,
                     r.reused ? "reused (verified)" : "computed");
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phusong: rank %d: error: %s\n", rank, e.what());
    failed = 1;
  }
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  int rc = any_failed ? 1 : 0;
  if (!any_failed && rank == 0) {
    try {
      std::vector<std::string> dirs;
      for (int i = 1; i <= count; ++i) dirs.push_back((out / "shards" / shard_folder_name(ShardSpec{i, count})).string());
      MergeOptions mo;
      mo.out_dir = out.string();
      mo.scenario_path = scenario_path;
      mo.threads = opt.threads;
      mo.quiet = opt.quiet;
      const RunResult run = merge_shards(dirs, mo);
      if (!opt.quiet) {
        std::printf("Output folder: %s (%d shards on %d ranks)\n", run.out_dir.c_str(), count, size);
        for (const auto& f : run.files) std::printf("  %s\n", f.c_str());
      }
      std::printf("%s\n", village_summary_line(run.report).c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phusong: rank 0: merge failed: %s\n", e.what());
      rc = 1;
    }
  }
  MPI_Finalize();
  return rc;
}

}  // namespace phusong::cli
