// phusong p2p --profile FILE --model NAME --freq-mhz F --tx-height-m H --rx-height-m H [...]
//
// One point-to-point prediction: the basic transmission loss of a model over
// a terrain profile file (ITM PFL or CSV, see terrain/profile_io.hpp).  The
// same Model::loss() the coverage engine calls per grid cell, so a profile
// extracted from the engine's DEM gives the engine's loss.
#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/terrain/profile_io.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

namespace {

struct WarningName {
  std::uint32_t bit;
  const char* name;
  const char* words;
};

constexpr WarningName kWarnings[] = {
    {prop::kWarnFrequency, "frequency", "frequency outside the model's validity range"},
    {prop::kWarnDistance, "distance", "path length outside the model's validity range"},
    {prop::kWarnTxHeight, "tx_height", "transmitter (effective) height outside the model's validity range"},
    {prop::kWarnRxHeight, "rx_height", "receiver (effective) height outside the model's validity range"},
    {prop::kWarnTerrain, "terrain", "terrain geometry (horizon angles or distances) outside the model's validity range"},
    {prop::kWarnOther, "other", "other parameters at the edge of validity (variability or refractivity)"},
};

const char* mode_name(prop::Mode m) {
  switch (m) {
    case prop::Mode::LineOfSight: return "los";
    case prop::Mode::Diffraction: return "diffraction";
    case prop::Mode::Troposcatter: return "troposcatter";
    case prop::Mode::None: break;
  }
  return nullptr;
}

}  // namespace

int cmd_p2p(int argc, char** argv) {
  std::string profile_path, model_name, pol = "v", environment = "open";
  prop::LinkParams p;
  bool json = false;
  po::options_description desc(
      "Usage: phusong p2p --profile FILE --model NAME --freq-mhz F --tx-height-m H --rx-height-m H [options]\n\n"
      "Options");
  desc.add_options()
      ("help,h", "this help")
      ("profile", po::value<std::string>(&profile_path), "terrain profile: ITM PFL (np, xi_m, z0 .. z_np) or CSV "
                                                         "distance_m,height_m[,clutter_m][,zone]; transmitter first")
      ("model", po::value<std::string>(&model_name), "propagation model (phusong --help lists them)")
      ("freq-mhz", po::value<double>(&p.freq_mhz), "frequency, MHz")
      ("tx-height-m", po::value<double>(&p.tx_height_m), "transmitter antenna height above ground, m")
      ("rx-height-m", po::value<double>(&p.rx_height_m), "receiver antenna height above ground, m")
      ("pol", po::value<std::string>(&pol)->default_value("v"), "polarisation: v (vertical) or h (horizontal)")
      ("climate", po::value<int>(&p.climate)->default_value(p.climate), "ITM radio climate 1..7 (1 equatorial)")
      ("n0", po::value<double>(&p.n0)->default_value(p.n0), "surface refractivity, N-units")
      ("eps", po::value<double>(&p.eps)->default_value(p.eps), "relative permittivity of the ground")
      ("sigma", po::value<double>(&p.sigma)->default_value(p.sigma), "ground conductivity, S/m")
      ("time-pct", po::value<double>(&p.time_pct)->default_value(p.time_pct), "time percentage")
      ("location-pct", po::value<double>(&p.location_pct)->default_value(p.location_pct), "location percentage")
      ("situation-pct", po::value<double>(&p.situation_pct)->default_value(p.situation_pct),
       "situation (confidence) percentage")
      ("mdvar", po::value<int>(&p.mdvar)->default_value(p.mdvar), "ITM variability mode 0..3 (+10, +20)")
      ("k-factor", po::value<double>(&p.k_factor)->default_value(p.k_factor, "1.3333"),
       "effective earth-radius factor (geometric models)")
      ("environment", po::value<std::string>(&environment)->default_value("open"),
       "Okumura-Hata class: urban, large_city, suburban, open")
      ("delta-n", po::value<double>(&p.delta_n)->default_value(p.delta_n), "P.1812: refractivity lapse rate, N-units/km")
      ("lat-deg", po::value<double>(&p.lat_deg)->default_value(p.lat_deg), "P.1812: latitude of the path centre")
      ("location-sigma-db", po::value<double>(&p.location_sigma_db)->default_value(p.location_sigma_db),
       "P.1812: location variability standard deviation, dB")
      ("json", po::bool_switch(&json), "print one JSON object");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << desc
              << "\nPrints the basic transmission loss of one model over one terrain profile, its\n"
                 "propagation mode and the model's validity warnings (docs/models.md).\n";
    return 0;
  }
  po::notify(vm);
  for (const char* req : {"profile", "model", "freq-mhz", "tx-height-m", "rx-height-m"}) {
    if (!vm.count(req)) {
      throw InputError("command line", std::string("--") + req, "missing",
                       "phusong p2p --profile FILE --model NAME --freq-mhz F --tx-height-m H --rx-height-m H");
    }
  }
  if (pol == "v" || pol == "vertical") p.pol = prop::Polarization::Vertical;
  else if (pol == "h" || pol == "horizontal") p.pol = prop::Polarization::Horizontal;
  else throw InputError("command line", "--pol", "unknown value '" + pol + "'", "v (vertical) or h (horizontal)");
  if (const auto e = prop::parse_environment(environment)) p.environment = *e;
  else throw InputError("command line", "--environment", "unknown value '" + environment + "'",
                        "urban, large_city, suburban or open");

  // Everything is checked before the computation.
  const auto model = prop::make_model(model_name, "command line");
  model->check(p, "command line");
  prop::Profile prof = read_profile_file(profile_path);
  if (model_name == "itm") {
    // ITM takes a step, not distances (its PFL form): equal steps are
    // required, and distances rounded in a file (to the millimetre) are put
    // back on the exact grid of the mean step so the path length is kept.
    if (!is_equally_spaced(prof)) {
      throw InputError(profile_path, "distance_m", "samples are not equally spaced",
                       "equally spaced samples for ITM (its PFL form)");
    }
    if (!is_equally_spaced(prof, 1e-9, 0.0)) {
      const double step = prof.length_m() / static_cast<double>(prof.size() - 1);
      for (std::size_t i = 0; i < prof.size(); ++i) prof.distance_m[i] = static_cast<double>(i) * step;
    }
  }

  const prop::PathLoss r = model->loss(prof, p);
  if (!std::isfinite(r.loss_db)) {
    throw Error("model " + model_name + " gives no loss over " + profile_path + " (" + std::to_string(prof.size()) +
                " samples, " + fmt_num(prof.length_m()) + " m)");
  }
  const char* mode = mode_name(r.mode);

  if (json) {
    nlohmann::ordered_json j;
    j["model"] = model_name;
    j["loss_db"] = r.loss_db;
    j["mode"] = mode ? nlohmann::ordered_json(mode) : nlohmann::ordered_json(nullptr);
    j["warnings"] = nlohmann::ordered_json::array();
    for (const auto& w : kWarnings)
      if (r.warnings & w.bit) j["warnings"].push_back(w.name);
    j["distance_m"] = prof.length_m();
    j["samples"] = prof.size();
    nlohmann::ordered_json in;
    in["profile"] = profile_path;
    in["freq_mhz"] = p.freq_mhz;
    in["tx_height_m"] = p.tx_height_m;
    in["rx_height_m"] = p.rx_height_m;
    in["pol"] = p.pol == prop::Polarization::Vertical ? "v" : "h";
    in["climate"] = p.climate;
    in["n0"] = p.n0;
    in["eps"] = p.eps;
    in["sigma"] = p.sigma;
    in["time_pct"] = p.time_pct;
    in["location_pct"] = p.location_pct;
    in["situation_pct"] = p.situation_pct;
    in["mdvar"] = p.mdvar;
    in["k_factor"] = p.k_factor;
    in["environment"] = prop::environment_name(p.environment);
    in["delta_n"] = p.delta_n;
    in["lat_deg"] = p.lat_deg;
    in["location_sigma_db"] = p.location_sigma_db;
    j["inputs"] = in;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }

  const std::string desc_line(model->description());
  std::printf("model:     %s (%s)\n", model_name.c_str(), desc_line.c_str());
  std::printf("profile:   %s (%zu samples, %.1f m)\n", profile_path.c_str(), prof.size(), prof.length_m());
  std::printf("link:      %g MHz, tx %g m, rx %g m above ground\n", p.freq_mhz, p.tx_height_m, p.rx_height_m);
  std::printf("loss:      %.2f dB (basic transmission loss)\n", r.loss_db);
  std::printf("mode:      %s\n", mode ? mode : "not reported by this model");
  bool any = false;
  for (const auto& w : kWarnings) {
    if (r.warnings & w.bit) {
      std::printf("%s%s\n", any ? "           " : "warnings:  ", w.words);
      any = true;
    }
  }
  if (!any) std::printf("warnings:  none\n");
  return 0;
}

}  // namespace phusong::cli
