// phusong make-demo-district [--out DIR] [--seed N]
//                            [--province --area-km2 A --sites N --radius-km R]
#include <boost/program_options.hpp>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/scenario/demo_district.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

namespace {
std::uint64_t parse_seed(const std::string& s) {
  const std::string expected = "a whole number from 0 to 18446744073709551615";
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
    throw InputError("command line", "--seed", "'" + s + "' is not a seed", expected);
  std::uint64_t v = 0;
  for (const char ch : s) {
    const std::uint64_t d = static_cast<std::uint64_t>(ch - '0');
    if (v > (UINT64_MAX - d) / 10) throw InputError("command line", "--seed", "'" + s + "' is too large", expected);
    v = v * 10 + d;
  }
  return v;
}
}  // namespace

int cmd_make_demo_district(int argc, char** argv) {
  DemoDistrictOptions opt;
  std::string out_dir = "geodata/demo";
  std::string seed = std::to_string(kDemoDefaultSeed);
  bool province = false;
  DemoProvinceOptions popt;
  po::options_description desc("Usage: phusong make-demo-district [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("out,o", po::value<std::string>(&out_dir)->default_value(out_dir), "output folder")
      ("seed,s", po::value<std::string>(&seed)->default_value(seed), "random seed (whole number)")
      ("province", po::bool_switch(&province), "a SYNTHETIC province for scale runs instead of the district")
      ("area-km2", po::value<double>(&popt.area_km2)->default_value(popt.area_km2), "--province: area (square, 30 m)")
      ("sites", po::value<int>(&popt.sites)->default_value(popt.sites), "--province: three-sector sites")
      ("radius-km", po::value<double>(&popt.radius_km)->default_value(popt.radius_km), "--province: scenario radius");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << desc
              << "\nWrites the SYNTHETIC demo district (fictional, modelled on the Truong Son\n"
                 "districts of Quang Tri): dem.tif, communes.geojson, villages.csv, sites.csv and\n"
                 "README.md.  The same seed always gives the same files.\n";
    return 0;
  }
  po::notify(vm);
  if (province) {
    if (vm["out"].defaulted()) throw InputError("command line", "--out", "missing with --province", "an output folder");
    popt.out_dir = out_dir;
    popt.seed = parse_seed(seed);
    const DemoProvinceSummary p = make_demo_province(popt);
    std::printf("Wrote %s: SYNTHETIC province, dem.tif %d x %d cells of 30 m, %d sites (%d cells), %d villages, "
                "scenario.yaml\n", out_dir.c_str(), p.cols, p.rows, p.sites, p.cells, p.villages);
    return 0;
  }
  opt.out_dir = out_dir;
  opt.seed = parse_seed(seed);
  const DemoDistrictSummary s = generate_demo_district(opt);
  std::printf("Wrote %s (seed %s)\n", opt.out_dir.string().c_str(), std::to_string(opt.seed).c_str());
  std::printf("  dem.tif           840 x 840 cells of 30 m, %.0f..%.0f m\n", s.min_height_m, s.max_height_m);
  std::printf("  communes.geojson  %d communes\n", s.communes);
  std::printf("  villages.csv      %d villages\n", s.villages);
  std::printf("  sites.csv         %d sites, %d cells\n", s.sites, s.cells);
  std::printf("  README.md\n");
  std::printf("Villages without LTE by the generator's estimate (RSRP < %.0f dBm): %d of %d\n",
              s.rsrp_threshold_dbm, s.villages_uncovered_estimate, s.villages);
  return 0;
}

}  // namespace phusong::cli
