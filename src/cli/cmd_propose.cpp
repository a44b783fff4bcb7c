// phusong propose SCENARIO [--max-sites K] [--out DIR] [--baseline RUN_DIR] [--threads N] [--quiet]
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/planning/propose.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_propose(int argc, char** argv) {
  std::string scenario_path;
  planning::ProposeOptions opt;
  po::options_description desc("Usage: phusong propose SCENARIO.yaml [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("max-sites,k", po::value<int>(&opt.max_sites),
       "at most K new sites, 1 to 200 (overrides proposals.max_sites)")
      ("out,o", po::value<std::string>(&opt.out_dir), "output folder (default <output.dir>/proposals)")
      ("baseline", po::value<std::string>(&opt.baseline_dir),
       "output folder of `phusong run` of the same scenario: reuse its coverage of the existing network "
       "(checked against its summary.json)")
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
    std::cout << desc << "\nProposes new sites for the villages the existing network leaves without signal\n"
                         "(docs/planning.md): candidates from the terrain and the scenario's proposals: block,\n"
                         "evaluation by reciprocity, greedy and MILP selection, microwave backhaul, and a\n"
                         "forward confirmation. Writes proposals.gpkg, rsrp_dbm_proposed.tif, proposals.csv,\n"
                         "proposed_sites.csv, summary.json and report.md.\n";
    return 0;
  }
  po::notify(vm);
  if (scenario_path.empty()) throw InputError("command line", "SCENARIO", "missing", "phusong propose SCENARIO.yaml");
  if (opt.threads < 0) throw InputError("command line", "--threads", "negative", "0 (all cores) or more");
  if (vm.count("max-sites") && (opt.max_sites < 1 || opt.max_sites > 200))
    throw InputError("command line", "--max-sites", "value " + std::to_string(opt.max_sites) + " out of range",
                     "1 to 200 sites");

  const auto t0 = std::chrono::steady_clock::now();
  const Scenario s = load_scenario(scenario_path);
  const planning::ProposeResult r = planning::propose(s, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!opt.quiet) {
    std::printf("Output folder: %s\n", r.out_dir.c_str());
    for (const auto& f : r.files) std::printf("  %s\n", f.c_str());
    std::printf("Time: %.1f s\n", secs);
    for (const auto& p : r.sites)
      std::printf("  %s  %.5f, %.5f  %g m  +%d villages  backhaul: %s\n", p.site_id.c_str(), p.lon, p.lat, p.height_m,
                  p.villages_gained, p.backhaul.status.c_str());
  }
  std::printf("%s\n", planning::proposal_summary_line(r).c_str());
  return 0;
}

}  // namespace phusong::cli
