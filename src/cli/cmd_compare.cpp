// phusong compare A B --out DIR
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/scenario/compare.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_compare(int argc, char** argv) {
  CompareOptions opt;
  std::vector<std::string> runs;
  po::options_description desc("Usage: phusong compare A B --out DIR\n\nA and B: run output folders or scenario .yaml files\n\nOptions");
  desc.add_options()("help,h", "this help")("out,o", po::value<std::string>(&opt.out_dir), "output folder (required)")(
      "threads,j", po::value<int>(&opt.threads)->default_value(0), "threads when scenarios are run")(
      "quiet,q", po::bool_switch(&opt.quiet), "no progress on stderr");
  po::options_description hidden;
  hidden.add_options()("runs", po::value<std::vector<std::string>>(&runs));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("runs", 2);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  po::notify(vm);
  if (runs.size() != 2) throw InputError("command line", "A B", "need two runs", "phusong compare A B --out DIR");
  const CompareResult r = compare_runs(runs[0], runs[1], opt);
  std::printf("A: %s\nB: %s\n", r.name_a.c_str(), r.name_b.c_str());
  for (const auto& v : r.villages)
    if (v.covered_a != v.covered_b)
      std::printf("  %-6s %s (%s), population %lld\n", v.status().c_str(), v.name.c_str(), v.commune.c_str(),
                  v.population);
  std::printf("Output folder: %s\n", r.out_dir.c_str());
  std::printf("Villages gained: %d (population %lld) · lost: %d (population %lld) · area %+.2f km2\n", r.gained,
              r.population_gained, r.lost, r.population_lost, r.km2_gained - r.km2_lost);
  return 0;
}

}  // namespace phusong::cli
