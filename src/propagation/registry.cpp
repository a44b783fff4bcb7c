// Registry of built-in propagation models.  Add a model: write
// src/propagation/<name>.cpp with a make_<name>() factory, declare it in
// models.hpp and list it here.
#include <cmath>
#include <functional>
#include <utility>

#include "phusong/core/error.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop {

const char* environment_name(Environment e) {
  switch (e) {
    case Environment::Urban: return "urban";
    case Environment::LargeCity: return "large_city";
    case Environment::Suburban: return "suburban";
    case Environment::Open: break;
  }
  return "open";
}

std::optional<Environment> parse_environment(std::string_view name) {
  if (name == "urban") return Environment::Urban;
  if (name == "large_city") return Environment::LargeCity;
  if (name == "suburban") return Environment::Suburban;
  if (name == "open" || name == "rural") return Environment::Open;
  return std::nullopt;
}

namespace {
using Factory = std::unique_ptr<Model> (*)();
const std::vector<std::pair<std::string, Factory>>& builtins() {
  static const std::vector<std::pair<std::string, Factory>> list = {
      {"fspl", &make_fspl},
      {"hata", &make_hata},
      {"deygout", &make_deygout},
      {"itm", &make_itm},
      {"p526", &make_p526},
      {"p1812", &make_p1812},
  };
  return list;
}
}  // namespace

std::unique_ptr<Model> make_model(const std::string& name, const std::string& source) {
  for (const auto& [n, f] : builtins()) {
    if (n == name) return f();
  }
  std::string allowed;
  for (const auto& [n, f] : builtins()) allowed += (allowed.empty() ? "" : ", ") + n;
  throw InputError(source, "model", "unknown model '" + name + "'", "one of " + allowed);
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : builtins()) out.push_back(n);
  return out;
}

void require_range(bool ok, const std::string& source, const std::string& field, double value,
                   const std::string& expected) {
  if (!ok) throw InputError(source, field, "value " + fmt_num(value) + " out of range", expected);
}

void check_common(const LinkParams& p, const std::string& source, double fmin_mhz,
                  double fmax_mhz) {
  require_range(p.freq_mhz >= fmin_mhz && p.freq_mhz <= fmax_mhz, source, "freq_mhz", p.freq_mhz,
                fmt_num(fmin_mhz) + " to " + fmt_num(fmax_mhz) + " MHz for this model");
  for (auto [v, n] : {std::pair{p.tx_height_m, "tx_height_m"}, std::pair{p.rx_height_m, "rx_height_m"}})
    require_range(v >= 0.0 && v <= 3000.0, source, n, v, "0 to 3000 m above ground");
  for (auto [v, n] : {std::pair{p.time_pct, "time_pct"}, std::pair{p.location_pct, "location_pct"},
                      std::pair{p.situation_pct, "situation_pct"}})
    require_range(v > 0.0 && v < 100.0, source, n, v, "strictly between 0 and 100 %");
  require_range(p.k_factor > 0.1 && p.k_factor < 100.0, source, "k_factor", p.k_factor, "0.1 to 100");
}

}  // namespace phusong::prop
