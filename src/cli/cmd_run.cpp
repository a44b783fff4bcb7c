// phusong run SCENARIO [--out DIR] [--threads N] [--quiet] [--shard I/N] [--resume] [--engine-stats]
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/engine/radial.hpp"
#include "phusong/scenario/run.hpp"
#include "phusong/scenario/shard.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_run(int argc, char** argv) {
  install_interrupt_handler();
  std::string scenario_path, shard_text;
  RunOptions opt;
  bool resume = false, engine_stats = false;
  int shards = 0;
  po::options_description desc("Usage: phusong run SCENARIO.yaml [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("out,o", po::value<std::string>(&opt.out_dir), "output folder (overrides the scenario's output.dir)")
      ("threads,j", po::value<int>(&opt.threads)->default_value(0), "worker threads (0 = all cores)")
      ("quiet,q", po::bool_switch(&opt.quiet), "no progress or information on stderr")
      ("engine-stats", po::bool_switch(&engine_stats),
       "print what the fast engine's kernels did over all sites (counts for profiling, docs/performance.md)")
      ("shard", po::value<std::string>(&shard_text), "compute shard I/N (rows of the grid) into --out, to merge later")
      ("resume", po::bool_switch(&resume), "reuse shards whose manifest verifies (inputs and outputs unchanged)")
      ("shards", po::value<int>(&shards)->default_value(0), "under mpirun: number of shards (0 = one per rank)");
  po::options_description hidden;
  hidden.add_options()("scenario", po::value<std::string>(&scenario_path));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << desc << "\nRuns a scenario (docs/scenario.md): coverage of every site, village coverage\n"
                         "per commune and district, and the output files (COG rasters, coverage.gpkg,\n"
                         "villages.csv, summary.json, report.md).\n\n"
                         "--shard I/N computes one tile and writes it with a manifest.json; merge the\n"
                         "folders of shards 1..N with `phusong merge`.  Under mpirun (MPI build) the\n"
                         "ranks share the shards and rank 0 merges (docs/distributed.md).\n";
    return 0;
  }
  po::notify(vm);
  if (scenario_path.empty()) throw InputError("command line", "SCENARIO", "missing", "phusong run SCENARIO.yaml");
  if (opt.threads < 0) throw InputError("command line", "--threads", "negative", "0 (all cores) or more");
  if (shards < 0) throw InputError("command line", "--shards", "negative", "0 (one per rank) or more");
  RadialStats stats;
  if (engine_stats) opt.engine_stats = &stats;
#ifdef PHUSONG_WITH_MPI
  if (launched_by_mpi()) {
    if (engine_stats) throw InputError("command line", "--engine-stats", "given under mpirun", "a run without mpirun");
    if (!shard_text.empty()) throw InputError("command line", "--shard", "given under mpirun", "--shards N (or none)");
    return cmd_run_mpi(scenario_path, opt, shards, resume);
  }
#endif
  if (shards > 0) throw InputError("command line", "--shards", "only under mpirun (MPI build)", "--shard I/N");
  if (!shard_text.empty()) {
    const ShardSpec spec = parse_shard(shard_text);
    const Scenario s = load_scenario(scenario_path);
    const ShardRunResult r = run_shard(s, opt, spec, resume);
    if (!opt.quiet && !r.reused && resume && !r.resume_note.empty())
      std::fprintf(stderr, "phusong: shard %d/%d recomputed: %s\n", spec.index, spec.count, r.resume_note.c_str());
    std::printf("Shard %d/%d: rows %d..%d, %d cells (sectors) %s: %s\n", spec.index, spec.count, r.rows_first,
                r.rows_end - 1, r.cells_computed, r.reused ? "reused (verified)" : "computed", r.dir.c_str());
    if (engine_stats) std::printf("Kernel: %s\n", stats_line(stats).c_str());
    return 0;
  }
  if (resume) throw InputError("command line", "--resume", "without --shard", "--shard I/N --resume (or mpirun)");

  const auto t0 = std::chrono::steady_clock::now();
  const Scenario s = load_scenario(scenario_path);
  const RunResult run = run_scenario(s, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!opt.quiet) {
    std::printf("Output folder: %s\n", run.out_dir.c_str());
    for (const auto& f : run.files) std::printf("  %s\n", f.c_str());
    std::printf("Time: %.1f s (propagation and analysis %.1f s)\n", secs, run.compute_seconds);
    const auto& d = run.report.district;
    if (!d.uncovered.empty()) {
      std::printf("Uncovered villages (%zu):", d.uncovered.size());
      for (size_t i = 0; i < d.uncovered.size(); ++i) {
        const auto& v = run.inputs.villages[d.uncovered[i]];
        std::printf("%s %s (%s)", i ? "," : "", v.name.c_str(), v.commune.c_str());
      }
      std::printf("\n");
    }
  }
  std::printf("%s\n", village_summary_line(run.report).c_str());
  if (engine_stats) std::printf("Kernel: %s\n", stats_line(stats).c_str());
  return 0;
}

}  // namespace phusong::cli
