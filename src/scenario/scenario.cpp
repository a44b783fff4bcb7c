#include "phusong/scenario/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "phusong/core/error.hpp"
#include "phusong/engine/radial.hpp"
#include "phusong/radio/variability.hpp"

namespace phusong {

namespace {

namespace fs = std::filesystem;

struct Ctx {
  std::string file;
  fs::path dir;
};

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& k : s) out += (out.empty() ? "" : ", ") + k;
  return out;
}

void only_keys(const Ctx& c, const YAML::Node& n, const std::string& where, const std::set<std::string>& allowed) {
  if (!n.IsMap()) throw InputError(c.file, where, "must be a mapping of keys", "keys " + join(allowed));
  for (const auto& kv : n) {
    const std::string k = kv.first.as<std::string>();
    if (!allowed.count(k)) {
      throw InputError(c.file, where.empty() ? k : where + "." + k, "unknown key", "one of " + join(allowed));
    }
  }
}

std::string key_path(const std::string& where, const std::string& k) { return where.empty() ? k : where + "." + k; }

std::string get_str(const Ctx& c, const YAML::Node& n, const std::string& where, const std::string& k,
                    const std::string& def, bool required = false) {
  if (!n[k]) {
    if (required) throw InputError(c.file, key_path(where, k), "missing", "a value");
    return def;
  }
  if (!n[k].IsScalar()) throw InputError(c.file, key_path(where, k), "must be a single value", "text");
  return n[k].as<std::string>();
}

double get_num(const Ctx& c, const YAML::Node& n, const std::string& where, const std::string& k, double def,
               double lo, double hi, const std::string& unit) {
  if (!n[k]) return def;
  const std::string raw = n[k].IsScalar() ? n[k].as<std::string>() : "(not a number)";
  double v;
  try {
    size_t pos = 0;
    v = std::stod(raw, &pos);
    if (pos != raw.size()) throw std::invalid_argument(raw);
  } catch (const std::exception&) {
    throw InputError(c.file, key_path(where, k), "value '" + raw + "' is not a number",
                     "a number from " + fmt_num(lo) + " to " + fmt_num(hi) + unit);
  }
  if (!std::isfinite(v) || v < lo || v > hi) {
    throw InputError(c.file, key_path(where, k), "value " + raw + " out of range",
                     fmt_num(lo) + " to " + fmt_num(hi) + unit);
  }
  return v;
}

std::string resolve(const Ctx& c, const std::string& p) {
  if (p.empty()) return p;
  fs::path pp(p);
  if (pp.is_absolute()) return pp.lexically_normal().string();
  return (c.dir / pp).lexically_normal().string();
}

}  // namespace

const ClutterClass* ClutterConfig::find(int value) const {
  auto it = std::lower_bound(classes.begin(), classes.end(), value,
                             [](const ClutterClass& c, int v) { return c.value < v; });
  return it != classes.end() && it->value == value ? &*it : nullptr;
}

double Scenario::margin_db() const {
  return radio::location_margin_db(shadowing_sigma_db, location_pct) + indoor_margin_db;
}

Scenario load_scenario(const std::string& path) {
  if (!fs::exists(path)) throw InputError(path, "scenario", "file not found", "an existing YAML scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "scenario", "cannot read the file", "a readable YAML scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

namespace {
Scenario interpret(const std::string& text, const std::string& path);
}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& path) {
  try {
    return interpret(text, path);
  } catch (const YAML::Exception& e) {
    // A node of an unexpected kind (a list or mapping where text is expected).
    throw InputError(path, "yaml", "unexpected structure at line " + std::to_string(e.mark.line + 1) + ", column " +
                                       std::to_string(e.mark.column + 1) + ": " + e.msg,
                     "the keys and values of docs/scenario.md");
  }
}

namespace {

Scenario interpret(const std::string& text, const std::string& path) {
  Ctx c{path, fs::absolute(path).parent_path()};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(path, "yaml", "malformed YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                                       std::to_string(e.mark.column + 1) + ": " + e.msg,
                     "valid YAML (see docs/scenario.md)");
  }
  if (!root || !root.IsMap()) throw InputError(path, "", "scenario is not a YAML mapping", "keys such as inputs, model, radio");
  only_keys(c, root, "", {"name", "description", "inputs", "grid", "model", "radio", "output", "proposals", "clutter",
                    "sinr"});
  Scenario s;
  s.file = path;
  s.name = get_str(c, root, "", "name", fs::path(path).stem().string());
  s.description = get_str(c, root, "", "description", "");

  if (!root["inputs"]) throw InputError(path, "inputs", "missing", "a mapping with dem, sites, villages");
  const YAML::Node in = root["inputs"];
  only_keys(c, in, "inputs", {"dem", "sites", "villages", "communes"});
  s.dem_path = resolve(c, get_str(c, in, "inputs", "dem", "", true));
  if (in["sites"] && in["sites"].IsSequence()) {
    for (const auto& x : in["sites"]) {
      if (!x.IsScalar()) throw InputError(path, "inputs.sites", "list items must be file names", "a file or a list of files");
      (s.sites_path.empty() ? s.sites_path : s.extra_sites_paths.emplace_back()) = resolve(c, x.as<std::string>());
    }
    if (s.sites_path.empty()) throw InputError(path, "inputs.sites", "empty list", "a file or a list of files");
  } else {
    s.sites_path = resolve(c, get_str(c, in, "inputs", "sites", "", true));
  }
  s.villages_path = resolve(c, get_str(c, in, "inputs", "villages", "", true));
  s.communes_path = resolve(c, get_str(c, in, "inputs", "communes", ""));

  if (const YAML::Node g = root["grid"]) {
    only_keys(c, g, "grid", {"crs", "resolution_m"});
    const std::string crs = get_str(c, g, "grid", "crs", "auto");
    s.crs = crs == "auto" ? "" : crs;
    s.resolution_m = get_num(c, g, "grid", "resolution_m", 0.0, 1.0, 5000.0, " m");
  }

  if (const YAML::Node m = root["model"]) {
    only_keys(c, m, "model", {"name", "k_factor", "environment", "climate", "n0", "eps", "sigma", "polarization",
                              "time_pct", "location_pct", "situation_pct", "engine"});
    s.model = get_str(c, m, "model", "name", s.model);
    auto& L = s.link;
    L.k_factor = get_num(c, m, "model", "k_factor", L.k_factor, 0.5, 10.0, "");
    const std::string env = get_str(c, m, "model", "environment", "open");
    if (const auto e = prop::parse_environment(env)) L.environment = *e;
    else throw InputError(path, "model.environment", "unknown value '" + env + "'", "urban, large_city, suburban, open");
    L.climate = static_cast<int>(get_num(c, m, "model", "climate", L.climate, 1, 7, " (ITM radio climate)"));
    L.n0 = get_num(c, m, "model", "n0", L.n0, 250, 400, " N-units");
    L.eps = get_num(c, m, "model", "eps", L.eps, 1, 100, "");
    L.sigma = get_num(c, m, "model", "sigma", L.sigma, 0.00001, 100, " S/m");
    const std::string pol = get_str(c, m, "model", "polarization", "vertical");
    if (pol == "vertical" || pol == "v") L.pol = prop::Polarization::Vertical;
    else if (pol == "horizontal" || pol == "h") L.pol = prop::Polarization::Horizontal;
    else throw InputError(path, "model.polarization", "unknown value '" + pol + "'", "vertical or horizontal");
    L.time_pct = get_num(c, m, "model", "time_pct", L.time_pct, 0.1, 99.9, " %");
    L.location_pct = get_num(c, m, "model", "location_pct", L.location_pct, 0.1, 99.9, " %");
    L.situation_pct = get_num(c, m, "model", "situation_pct", L.situation_pct, 0.1, 99.9, " %");
  }
  {
    // model.engine: fast (radial sweep) or exact; the default is fast only for the
    // models for which the radial engine meets its agreement contract.
    const std::string def = radial_is_default(s.model) ? "fast" : "exact";
    s.engine = root["model"] ? get_str(c, root["model"], "model", "engine", def) : def;
    if (s.engine != "fast" && s.engine != "exact")
      throw InputError(path, "model.engine", "unknown value '" + s.engine + "'", "fast or exact");
  }

  if (const YAML::Node r = root["radio"]) {
    only_keys(c, r, "radio", {"technology", "rx_height_m", "threshold_dbm", "radius_km", "carriers",
                              "location_probability_pct", "shadowing_sigma_db", "indoor_margin_db", "freq_mhz"});
    const std::string tech = get_str(c, r, "radio", "technology", "lte");
    auto t = radio::parse_technology(tech);
    if (!t) throw InputError(path, "radio.technology", "unknown value '" + tech + "'", "gsm, umts, lte or nr");
    s.technology = *t;
    s.link.rx_height_m = get_num(c, r, "radio", "rx_height_m", 1.5, 0.5, 100, " m");
    s.threshold_dbm = get_num(c, r, "radio", "threshold_dbm", radio::default_threshold_dbm(s.technology), -150, -30,
                              " dBm");
    s.radius_km = get_num(c, r, "radio", "radius_km", s.radius_km, 0.1, 200, " km");
    s.location_pct = get_num(c, r, "radio", "location_probability_pct", 50.0, 1, 99.9, " %");
    s.shadowing_sigma_db = get_num(c, r, "radio", "shadowing_sigma_db",
                                   radio::default_shadowing_sigma_db(static_cast<int>(s.link.environment)), 0, 20,
                                   " dB");
    s.indoor_margin_db = get_num(c, r, "radio", "indoor_margin_db", 0.0, 0, 40, " dB");
    if (r["freq_mhz"]) s.freq_override_mhz = get_num(c, r, "radio", "freq_mhz", 0, 30, 100000, " MHz");
    if (const YAML::Node cs = r["carriers"]) {
      if (!cs.IsSequence()) throw InputError(path, "radio.carriers", "must be a list", "e.g. [Viettel, VNPT]");
      for (const auto& x : cs) s.carriers.push_back(x.as<std::string>());
    }
  } else {
    s.threshold_dbm = radio::default_threshold_dbm(s.technology);
  }

  if (const YAML::Node o = root["output"]) {
    only_keys(c, o, "output", {"dir"});
    s.out_dir = resolve(c, get_str(c, o, "output", "dir", ""));
  }
  if (s.out_dir.empty()) s.out_dir = (fs::current_path() / "out" / fs::path(path).stem()).string();

  if (const YAML::Node cl = root["clutter"]) {
    const std::string w = "clutter";
    only_keys(c, cl, w, {"raster", "p2108", "classes"});
    ClutterConfig& C = s.clutter;
    C.present = true;
    C.raster_path = resolve(c, get_str(c, cl, w, "raster", "", true));
    const std::string p2108 = get_str(c, cl, w, "p2108", "false");
    if (p2108 != "true" && p2108 != "false")
      throw InputError(path, "clutter.p2108", "value '" + p2108 + "'", "true or false");
    C.p2108 = p2108 == "true";
    const YAML::Node cs = cl["classes"];
    if (!cs || !cs.IsMap() || cs.size() == 0)
      throw InputError(path, "clutter.classes", "missing or empty",
                       "a mapping from class value to {name, height_m, loss_db, loss_db_per_km}");
    for (const auto& kv : cs) {
      const std::string key = kv.first.as<std::string>();
      const std::string kw = "clutter.classes." + key;
      ClutterClass k;
      try {
        size_t pos = 0;
        k.value = std::stoi(key, &pos);
        if (pos != key.size()) throw std::invalid_argument(key);
      } catch (const std::exception&) {
        throw InputError(path, kw, "class '" + key + "' is not a whole number", "the raster's class values, e.g. 10");
      }
      only_keys(c, kv.second, kw, {"name", "height_m", "loss_db", "loss_db_per_km", "type"});
      k.name = get_str(c, kv.second, kw, "name", "class " + key);
      k.height_m = get_num(c, kv.second, kw, "height_m", 0, 0, 100, " m");
      k.loss_db = get_num(c, kv.second, kw, "loss_db", 0, 0, 60, " dB");
      k.loss_db_per_km = get_num(c, kv.second, kw, "loss_db_per_km", 0, 0, 2000, " dB/km");
      const std::string type = get_str(c, kv.second, kw, "type", "open_rural");
      static const std::vector<std::string> types = {"water_sea", "open_rural", "suburban", "urban", "trees_forest",
                                                     "dense_urban"};
      auto it = std::find(types.begin(), types.end(), type);
      if (it == types.end())
        throw InputError(path, kw + ".type", "unknown value '" + type + "'",
                         "water_sea, open_rural, suburban, urban, trees_forest or dense_urban (ITU-R P.2108 Table 3)");
      k.p2108_type = static_cast<int>(it - types.begin()) + 1;
      if (C.find(k.value)) throw InputError(path, kw, "class listed twice", "each class value once");
      C.classes.insert(std::lower_bound(C.classes.begin(), C.classes.end(), k.value,
                                        [](const ClutterClass& a, int v) { return a.value < v; }),
                       k);
    }
  }

  if (const YAML::Node sn = root["sinr"]) {
    const std::string w = "sinr";
    only_keys(c, sn, w, {"carrier", "freq_mhz", "noise_figure_db", "bandwidth_mhz"});
    SinrConfig& S = s.sinr;
    S.present = true;
    S.carrier = get_str(c, sn, w, "carrier", "", true);
    if (!s.carriers.empty() && std::find(s.carriers.begin(), s.carriers.end(), S.carrier) == s.carriers.end())
      throw InputError(path, "sinr.carrier", "'" + S.carrier + "' is not in radio.carriers",
                       "one of the carriers the scenario evaluates");
    if (!sn["freq_mhz"]) throw InputError(path, "sinr.freq_mhz", "missing", "the carrier frequency, MHz");
    S.freq_mhz = get_num(c, sn, w, "freq_mhz", 0, 30, 100000, " MHz");
    S.noise_figure_db = get_num(c, sn, w, "noise_figure_db", S.noise_figure_db, 0, 30, " dB");
    S.bandwidth_mhz = get_num(c, sn, w, "bandwidth_mhz", 0, 0, 400, " MHz");
  }

  if (const YAML::Node p = root["proposals"]) {
    const std::string w = "proposals";
    only_keys(c, p, w, {"max_sites", "objective", "mode", "tower_heights_m", "carrier", "technology", "freq_mhz",
                        "bandwidth_mhz", "eirp_dbm", "candidates", "allowed_area", "exclusion", "roads",
                        "max_road_distance_m", "min_separation_m", "candidate_spacing_m", "search_margin_km",
                        "cost_per_site", "cost_per_m", "solver", "milp_time_limit_s", "backhaul_freq_mhz",
                        "backhaul_max_km"});
    ProposalConfig& P = s.proposals;
    P.present = true;
    P.max_sites = static_cast<int>(get_num(c, p, w, "max_sites", P.max_sites, 1, 200, " sites"));
    const std::string obj = get_str(c, p, w, "objective", "villages");
    if (obj != "villages" && obj != "population")
      throw InputError(path, "proposals.objective", "unknown value '" + obj + "'", "villages or population");
    P.weight_population = obj == "population";
    const std::string mode = get_str(c, p, w, "mode", "max_coverage");
    if (mode != "max_coverage" && mode != "min_sites")
      throw InputError(path, "proposals.mode", "unknown value '" + mode + "'", "max_coverage or min_sites");
    P.min_sites = mode == "min_sites";
    if (const YAML::Node hs = p["tower_heights_m"]) {
      if (!hs.IsSequence() || hs.size() == 0 || hs.size() > 8)
        throw InputError(path, "proposals.tower_heights_m", "must be a list of 1 to 8 heights", "e.g. [30, 45]");
      P.tower_heights_m.clear();
      for (const auto& h : hs) {
        const std::string raw = h.IsScalar() ? h.as<std::string>() : "?";
        char* end = nullptr;
        const double v = std::strtod(raw.c_str(), &end);
        if (end == raw.c_str() || *end != '\0' || !(v >= 3 && v <= 200))
          throw InputError(path, "proposals.tower_heights_m", "value '" + raw + "' out of range", "3 to 200 m");
        P.tower_heights_m.push_back(v);
      }
    }
    P.carrier = get_str(c, p, w, "carrier", "");
    if (P.carrier.empty()) P.carrier = s.carriers.size() == 1 ? s.carriers.front() : "Proposed";
    if (!s.carriers.empty() && std::find(s.carriers.begin(), s.carriers.end(), P.carrier) == s.carriers.end())
      throw InputError(path, "proposals.carrier", "'" + P.carrier + "' is not in radio.carriers",
                       "one of the carriers the scenario evaluates");
    const std::string tech = get_str(c, p, w, "technology", radio::technology_name(s.technology));
    const auto t = radio::parse_technology(tech);
    if (!t || *t != s.technology)
      throw InputError(path, "proposals.technology", "value '" + tech + "' differs from radio.technology",
                       radio::technology_name(s.technology) + " (proposed cells join the evaluated network)");
    P.freq_mhz = get_num(c, p, w, "freq_mhz", 0, 30, 100000, " MHz");
    P.bandwidth_mhz = get_num(c, p, w, "bandwidth_mhz", P.bandwidth_mhz, 0.1, 400, " MHz");
    if ((s.technology == radio::Technology::Lte || s.technology == radio::Technology::Nr) &&
        radio::resource_blocks(s.technology, P.bandwidth_mhz) == 0)
      throw InputError(path, "proposals.bandwidth_mhz", "value " + fmt_num(P.bandwidth_mhz) + " is not a standard channel",
                       s.technology == radio::Technology::Lte ? "1.4, 3, 5, 10, 15 or 20 MHz" : "5 to 100 MHz (FR1)");
    P.eirp_dbm = get_num(c, p, w, "eirp_dbm", P.eirp_dbm, -10, 90, " dBm");
    P.candidates_path = resolve(c, get_str(c, p, w, "candidates", ""));
    P.allowed_area_path = resolve(c, get_str(c, p, w, "allowed_area", ""));
    P.exclusion_path = resolve(c, get_str(c, p, w, "exclusion", ""));
    P.roads_path = resolve(c, get_str(c, p, w, "roads", ""));
    P.max_road_distance_m = get_num(c, p, w, "max_road_distance_m", P.max_road_distance_m, 0, 100000, " m");
    P.min_separation_m = get_num(c, p, w, "min_separation_m", P.min_separation_m, 0, 100000, " m");
    P.candidate_spacing_m = get_num(c, p, w, "candidate_spacing_m", P.candidate_spacing_m, 0, 20000, " m");
    P.search_margin_km = get_num(c, p, w, "search_margin_km", P.search_margin_km, 0, 100, " km");
    P.cost_per_site = get_num(c, p, w, "cost_per_site", P.cost_per_site, 0, 1e12, "");
    P.cost_per_m = get_num(c, p, w, "cost_per_m", P.cost_per_m, 0, 1e12, "");
    if (P.min_sites && P.cost_per_site + P.cost_per_m <= 0)
      throw InputError(path, "proposals.cost_per_site", "costs are all zero in mode min_sites", "a positive cost");
    P.solver = get_str(c, p, w, "solver", P.solver);
    if (P.solver != "greedy" && P.solver != "milp" && P.solver != "both")
      throw InputError(path, "proposals.solver", "unknown value '" + P.solver + "'", "greedy, milp or both");
    P.milp_time_limit_s = get_num(c, p, w, "milp_time_limit_s", P.milp_time_limit_s, 1, 86400, " s");
    P.backhaul_freq_mhz = get_num(c, p, w, "backhaul_freq_mhz", P.backhaul_freq_mhz, 100, 100000, " MHz");
    P.backhaul_max_km = get_num(c, p, w, "backhaul_max_km", P.backhaul_max_km, 0.1, 200, " km");
  }
  return s;
}

}  // namespace

}  // namespace phusong
