// phusong command-line interface: a thin layer over the library.
#include <boost/program_options/errors.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/core/version.hpp"
#include "phusong/propagation/model.hpp"

namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "phusong %s — coverage planning for mountain districts\n\n"
               "Usage: phusong COMMAND [options]   (phusong COMMAND --help for details)\n\n"
               "Commands:\n"
               "  run SCENARIO.yaml     coverage, village coverage report and output layers\n"
               "  coverage              one transmitter's path loss / received power raster (fast radial engine)\n"
               "  merge DIRS --out DIR  merge the folders of shards 1..N (run --shard I/N) into one run's outputs\n"
               "  compare A B --out DIR two runs (folders or scenarios) side by side: villages gained/lost, difference rasters\n"
               "  propose SCENARIO.yaml new sites for villages without signal (docs/planning.md)\n"
               "  make-demo-district    regenerate the embedded synthetic demo district\n"
               "  make-pattern          write the project's analytical panel antenna pattern (MSI)\n"
               "  p2p                   one model's path loss over a terrain profile file\n"
               "  profile               terrain profile, line of sight and Fresnel zone between two points\n\n"
               "Options:\n"
               "  -h, --help            this help\n"
               "  --version             print the version\n\n"
               "Models:",
               phusong::kVersion);
  for (const auto& m : phusong::prop::model_names()) std::fprintf(out, " %s", m.c_str());
  std::fprintf(out, "\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      usage(stdout);
      return 0;
    }
    if (cmd == "--version" || cmd == "version") {
      std::printf("phusong %s\n", phusong::kVersion);
      return 0;
    }
    if (cmd == "run") return phusong::cli::cmd_run(argc - 1, argv + 1);
    if (cmd == "coverage") return phusong::cli::cmd_coverage(argc - 1, argv + 1);
    if (cmd == "merge") return phusong::cli::cmd_merge(argc - 1, argv + 1);
    if (cmd == "compare") return phusong::cli::cmd_compare(argc - 1, argv + 1);
    if (cmd == "propose") return phusong::cli::cmd_propose(argc - 1, argv + 1);
    if (cmd == "make-demo-district") return phusong::cli::cmd_make_demo_district(argc - 1, argv + 1);
    if (cmd == "make-pattern") return phusong::cli::cmd_make_pattern(argc - 1, argv + 1);
    if (cmd == "p2p") return phusong::cli::cmd_p2p(argc - 1, argv + 1);
    if (cmd == "profile") return phusong::cli::cmd_profile(argc - 1, argv + 1);
    std::fprintf(stderr, "phusong: unknown command '%s' (expected run, merge, coverage, compare, propose, make-demo-district, make-pattern, p2p, profile; see phusong --help)\n",
                 cmd.c_str());
    return 2;
  } catch (const phusong::InputError& e) {
    std::fprintf(stderr, "phusong: error: %s\n", e.what());
    return 1;
  } catch (const boost::program_options::error& e) {
    std::fprintf(stderr, "phusong: error: %s (see phusong %s --help)\n", e.what(), cmd.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phusong: error: %s\n", e.what());
    return 1;
  }
}
