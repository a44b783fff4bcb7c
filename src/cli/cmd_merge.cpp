// phusong merge RUN_DIRS... --out DIR [--scenario FILE] [--threads N] [--quiet]
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/scenario/shard.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_merge(int argc, char** argv) {
  install_interrupt_handler();
  std::vector<std::string> dirs;
  MergeOptions opt;
  po::options_description desc("Usage: phusong merge SHARD_DIR... --out DIR [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("out,o", po::value<std::string>(&opt.out_dir), "output folder of the merged run")
      ("scenario", po::value<std::string>(&opt.scenario_path), "scenario file (default: the one in the shards' manifests)")
      ("threads,j", po::value<int>(&opt.threads)->default_value(0), "worker threads (0 = all cores)")
      ("quiet,q", po::bool_switch(&opt.quiet), "no information on stderr");
  po::options_description hidden;
  hidden.add_options()("dirs", po::value<std::vector<std::string>>(&dirs));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("dirs", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << desc << "\nMerges the folders of shards 1..N (phusong run SCENARIO --shard I/N --out DIR)\n"
                         "into the outputs a single run writes: each raster through a VRT of the tiles\n"
                         "and written as the same COG, village and commune statistics recomputed by the\n"
                         "run's analysis.  Every shard's manifest is verified first (docs/distributed.md).\n";
    return 0;
  }
  po::notify(vm);
  if (opt.threads < 0) throw InputError("command line", "--threads", "negative", "0 (all cores) or more");
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult run = merge_shards(dirs, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!opt.quiet) {
    std::printf("Merged %zu shards into %s\n", dirs.size(), run.out_dir.c_str());
    for (const auto& f : run.files) std::printf("  %s\n", f.c_str());
    std::printf("Time: %.1f s\n", secs);
  }
  std::printf("%s\n", village_summary_line(run.report).c_str());
  return 0;
}

}  // namespace phusong::cli
