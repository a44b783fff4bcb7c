// `phusong propose --baseline DIR` (docs/planning.md "Reusing a run").
#include "phusong/planning/baseline.hpp"

#include <gdal.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "phusong/core/checksum.hpp"
#include "phusong/core/error.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong::planning {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();  // a double default for json::value

template <class T>
Raster<T> read_band(const fs::path& p, const Grid& g, GDALDataType type) {
  if (!fs::exists(p)) throw InputError(p.string(), "file", "not found", "the outputs of phusong run");
  GdalDataset ds(GDALOpen(p.string().c_str(), GA_ReadOnly));
  if (!ds) throw InputError(p.string(), "file", "cannot be read as a raster", "the outputs of phusong run");
  auto* h = static_cast<GDALDatasetH>(ds.get());
  double gt[6], want[6];
  g.geotransform(want);
  if (GDALGetRasterXSize(h) != g.cols || GDALGetRasterYSize(h) != g.rows || GDALGetRasterCount(h) < 1 ||
      GDALGetGeoTransform(h, gt) != CE_None || gt[0] != want[0] || gt[1] != want[1] || gt[3] != want[3] ||
      gt[5] != want[5]) {
    throw InputError(p.string(), "grid", "differs from the scenario's working grid", "a run of the same scenario");
  }
  GDALRasterBandH b = GDALGetRasterBand(h, 1);
  if (GDALGetRasterDataType(b) != type)
    throw InputError(p.string(), "band", "unexpected data type", "the outputs of phusong run");
  Raster<T> r(g, T{});
  if (GDALRasterIO(b, GF_Read, 0, 0, g.cols, g.rows, r.data().data(), g.cols, g.rows, type, 0, 0) != CE_None)
    throw InputError(p.string(), "band", "read error", "a readable raster");
  return r;
}

}  // namespace

Composite read_run_baseline(const std::string& dir, const Scenario& s, const Inputs& in) {
  gdal_init();
  const fs::path d(dir);
  const std::string sp = (d / "summary.json").string();
  if (!fs::is_directory(d) || !fs::exists(sp))
    throw InputError(dir, "--baseline", "no summary.json in this folder", "the output folder of phusong run");
  nlohmann::json j;
  try {
    std::ifstream f(sp);
    j = nlohmann::json::parse(f);
  } catch (const std::exception&) {
    throw InputError(sp, "summary.json", "not valid JSON", "the summary.json of phusong run");
  }
  auto differs = [&](const std::string& field, const std::string& what) {
    return InputError(sp, field, "differs from the scenario (" + what + ")", "a phusong run of the same inputs and settings");
  };
  if (!j.contains("software") || j["software"].value("name", "") != "phusong" || j["software"].contains("command") ||
      !j.contains("inputs") || !j.contains("grid") || !j.contains("model") || !j.contains("radio"))
    throw InputError(sp, "summary.json", "not the summary of a phusong run", "the output folder of phusong run");
  if (s.clutter.present || j.contains("clutter"))
    throw InputError(sp, "clutter", "a land-cover block cannot be checked from summary.json", "no --baseline with clutter:");
  if (s.freq_override_mhz)
    throw InputError(s.file, "radio.freq_mhz", "a what-if frequency cannot be checked from summary.json",
                     "no --baseline with radio.freq_mhz");

  // Input files, by content.
  std::vector<std::pair<std::string, std::string>> files = {{"dem", s.dem_path}, {"sites", s.sites_path}};
  for (size_t i = 0; i < s.extra_sites_paths.size(); ++i)
    files.emplace_back("sites_" + std::to_string(i + 2), s.extra_sites_paths[i]);
  files.emplace_back("villages", s.villages_path);
  if (!s.communes_path.empty()) files.emplace_back("communes", s.communes_path);
  const auto& ji = j["inputs"];
  size_t listed = 0;
  for (const auto& [key, v] : ji.items()) listed += key != "scenario";
  if (listed != files.size()) throw differs("inputs", "not the same input files");
  for (const auto& [key, path] : files) {
    if (!ji.contains(key) || ji[key].value("sha256", "") != sha256_file(path))
      throw differs("inputs." + key, fs::path(path).filename().string() + " has other content");
  }
  // Grid.
  const Grid& g = in.dem.elevation_m.grid();
  const auto& jg = j["grid"];
  if (jg.value("crs", "") != in.working_crs || jg.value("rows", -1) != g.rows || jg.value("cols", -1) != g.cols ||
      jg.value("resolution_m", 0.0) != g.dx || jg.value("x_min", 0.0) != g.x_min || jg.value("y_max", 0.0) != g.y_max)
    throw differs("grid", "working grid");
  // Model and engine (every parameter run's summary lists).
  const auto& L = s.link;
  const auto& jm = j["model"];
  const bool model_ok =
      jm.value("name", "") == s.model && jm.value("engine", "") == s.engine && jm.value("k_factor", kNaN) == L.k_factor &&
      jm.value("environment", "") == prop::environment_name(L.environment) &&
      jm.value("climate", -1) == L.climate && jm.value("n0", kNaN) == L.n0 && jm.value("eps", kNaN) == L.eps &&
      jm.value("sigma", kNaN) == L.sigma &&
      jm.value("polarization", "") == (L.pol == prop::Polarization::Vertical ? "vertical" : "horizontal") &&
      jm.value("time_pct", kNaN) == L.time_pct && jm.value("location_pct", kNaN) == L.location_pct &&
      jm.value("situation_pct", kNaN) == L.situation_pct;
  if (!model_ok) throw differs("model", "model, engine or a model parameter");
  const auto& jr = j["radio"];
  const bool radio_ok = jr.value("technology", "") == radio::technology_name(s.technology) &&
                        jr.value("effective_threshold_dbm", kNaN) == std::round(s.effective_threshold_dbm() * 100) / 100 &&
                        jr.value("rx_height_m", kNaN) == L.rx_height_m && jr.value("radius_km", kNaN) == s.radius_km &&
                        jr.value("carriers", std::vector<std::string>{"(none)"}) == s.carriers &&
                        jr.value("cells", -1) == static_cast<int>(in.cells.size()) &&
                        jr.value("cells_other_technology_or_carrier", -1) == in.cells_other;
  if (!radio_ok) throw differs("radio", "technology, threshold, receiver height, radius, carriers or cells");

  Composite c{read_band<float>(d / "rsrp_dbm.tif", g, GDT_Float32),
              read_band<std::int16_t>(d / "best_server.tif", g, GDT_Int16),
              read_band<std::uint8_t>(d / "server_count.tif", g, GDT_Byte)};
  for (auto k : c.best_cell.data())
    if (k < -1 || k >= static_cast<int>(in.cells.size()))
      throw InputError((d / "best_server.tif").string(), "best_server", "cell index out of range", "a run of the same cells");
  return c;
}

}  // namespace phusong::planning
