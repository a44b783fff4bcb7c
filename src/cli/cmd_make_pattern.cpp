// phusong make-pattern [--out FILE] [--freq-mhz F] [--gain-dbi G] [--hpbw-h DEG] [--hpbw-v DEG]
//                      [--front-to-back-db F] [--name TEXT]
// Writes an MSI/Planet pattern file of the project's analytical panel model
// (radio::make_panel_pattern, docs/scenario.md "Antenna patterns").
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/radio/antenna_pattern.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

int cmd_make_pattern(int argc, char** argv) {
  radio::PanelSpec spec;
  std::string out = "geodata/antennas/panel_65deg_17dbi_1800.msi";
  po::options_description desc("Usage: phusong make-pattern [options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("out,o", po::value<std::string>(&out)->default_value(out), "output .msi file")
      ("name", po::value<std::string>(&spec.name)->default_value(spec.name), "NAME line")
      ("freq-mhz", po::value<double>(&spec.freq_mhz)->default_value(spec.freq_mhz), "frequency, MHz")
      ("gain-dbi", po::value<double>(&spec.gain_dbi)->default_value(spec.gain_dbi), "boresight gain, dBi")
      ("hpbw-h", po::value<double>(&spec.hpbw_h_deg)->default_value(spec.hpbw_h_deg), "horizontal half-power beamwidth, degrees")
      ("hpbw-v", po::value<double>(&spec.hpbw_v_deg)->default_value(spec.hpbw_v_deg), "vertical half-power beamwidth, degrees (at most)")
      ("front-to-back-db", po::value<double>(&spec.front_to_back_db)->default_value(spec.front_to_back_db), "front-to-back ratio and pattern floor, dB");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << desc
              << "\nWrites a deterministic MSI/Planet antenna pattern: horizontal cut a cos^n(phi/2)\n"
                 "field pattern, vertical cut a uniform broadside array times the same element\n"
                 "pattern, both floored at the front-to-back ratio (docs/scenario.md).\n";
    return 0;
  }
  po::notify(vm);
  auto bad = [](const std::string& f, const std::string& ex) { throw InputError("command line", f, "out of range", ex); };
  if (!(spec.freq_mhz >= 30 && spec.freq_mhz <= 100000)) bad("--freq-mhz", "30 to 100000 MHz");
  if (!(spec.gain_dbi >= -20 && spec.gain_dbi <= 60)) bad("--gain-dbi", "-20 to 60 dBi");
  if (!(spec.hpbw_h_deg >= 10 && spec.hpbw_h_deg <= 180)) bad("--hpbw-h", "10 to 180 degrees");
  if (!(spec.hpbw_v_deg >= 2 && spec.hpbw_v_deg <= 90)) bad("--hpbw-v", "2 to 90 degrees");
  if (!(spec.front_to_back_db >= 10 && spec.front_to_back_db <= 60)) bad("--front-to-back-db", "10 to 60 dB");
  const radio::AntennaPattern p = radio::make_panel_pattern(spec);
  io::write_text_file_atomic(out, radio::format_msi(p));
  std::printf("Wrote %s (%s)\n", out.c_str(), p.name.c_str());
  return 0;
}

}  // namespace phusong::cli
