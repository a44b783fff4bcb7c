// phusong run SCENARIO [--out DIR] [--threads N] [--quiet]
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/scenario/run.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_run(int argc, char** argv) {
  std::string scenario_path;
  RunOptions opt;
  po::options_description desc("Usage: phusong run SCENARIO.yaml [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("out,o", po::value<std::string>(&opt.out_dir), "output folder (overrides the scenario's output.dir)")
      ("threads,j", po::value<int>(&opt.threads)->default_value(0), "worker threads (0 = all cores)")
      ("quiet,q", po::bool_switch(&opt.quiet), "no progress or information on stderr");
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
                         "villages.csv, summary.json, report.md).\n";
    return 0;
  }
  po::notify(vm);
  if (scenario_path.empty()) throw InputError("command line", "SCENARIO", "missing", "phusong run SCENARIO.yaml");
  if (opt.threads < 0) throw InputError("command line", "--threads", "negative", "0 (all cores) or more");

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
  return 0;
}

}  // namespace phusong::cli
