#include "phusong/scenario/run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "phusong/core/error.hpp"
#include "phusong/core/progress.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/deliverables.hpp"
#include "phusong/io/kmz.hpp"
#include "phusong/io/qgis_project.hpp"
#include "phusong/io/report_html.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/io/styles_radio.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/radio/variability.hpp"

namespace phusong {

namespace fs = std::filesystem;

namespace {

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A staging folder inside the output folder; removed unless released.
struct Staging {
  fs::path dir;
  bool created_out = false;
  fs::path out;
  ~Staging() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
    if (created_out && fs::is_empty(out, ec)) fs::remove(out, ec);
  }
};

}  // namespace

std::string village_summary_line(const analysis::CoverageReport& r) {
  const auto& d = r.district;
  return "Villages covered: " + std::to_string(d.villages_covered) + " / " + std::to_string(d.villages_total) + " (" +
         pct(d.pct_villages()) + " %) \u00b7 population " + pct(d.pct_population()) + " %";
}

std::string identifier_of(const std::string& name) {
  std::string out;
  for (unsigned char ch : name) {
    if (std::isalnum(ch) && ch < 128) out.push_back(static_cast<char>(std::tolower(ch)));
    else if (!out.empty() && out.back() != '_') out.push_back('_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "x" : out;
}

double sinr_noise_bandwidth_hz(const Scenario& s) {
  if (s.sinr.bandwidth_mhz > 0) return s.sinr.bandwidth_mhz * 1e6;
  switch (s.technology) {
    case radio::Technology::Gsm: return 200e3;
    case radio::Technology::Umts: return 3.84e6;
    case radio::Technology::Lte: return 15e3;
    case radio::Technology::Nr: return 30e3;
  }
  return 15e3;
}

double sinr_noise_dbm(const Scenario& s) {
  return -174.0 + 10.0 * std::log10(sinr_noise_bandwidth_hz(s)) + s.sinr.noise_figure_db;
}

RunResult run_scenario(const Scenario& s_in, const RunOptions& opt) {
  RunResult run;
  run.scenario = s_in;
  Scenario& s = run.scenario;
  if (!opt.out_dir.empty()) s.out_dir = opt.out_dir;
  run.out_dir = s.out_dir;

  // ---- everything checked before any computation ----
  auto model = prop::make_model(s.model, s.file);
  log_info(opt.quiet, "phusong: scenario '" + s.name + "', model " + s.model);
  run.inputs = load_inputs(s);
  const Grid& g = run.inputs.dem.elevation_m.grid();
  log_info(opt.quiet, "phusong: grid " + std::to_string(g.cols) + " x " + std::to_string(g.rows) + " cells of " +
                          pct(g.dx) + " m in " + run.inputs.working_crs + "; " +
                          std::to_string(run.inputs.cells.size()) + " cells (sectors), " +
                          std::to_string(run.inputs.villages.size()) + " villages");
  if (run.inputs.dem.info.voids_filled > 0) {
    log_info(opt.quiet, "phusong: warning: " + std::to_string(run.inputs.dem.info.voids_filled) +
                            " void cells in the DEM were filled by interpolation");
  }
  // The model's parameter ranges for every cell, before any folder or progress.
  for (const auto* list : {&run.inputs.cells, &run.inputs.other_cells}) {
    for (const auto& c : *list) {
      prop::LinkParams p = s.link;
      p.freq_mhz = c.freq_mhz;
      p.tx_height_m = c.height_m;
      model->check(p, "sites: cell " + c.cell_id);
    }
  }
  EngineConfig cfg;
  cfg.radius_m = s.radius_km * 1000.0;
  cfg.threshold_dbm = s.effective_threshold_dbm();
  if (s.margin_db() != 0.0) {
    log_info(opt.quiet, "phusong: threshold " + pct(s.threshold_dbm) + " dBm + margin " + pct(s.margin_db()) +
                            " dB (location " + pct(s.location_pct) + " %, shadowing sigma " +
                            pct(s.shadowing_sigma_db) + " dB, indoor " + pct(s.indoor_margin_db) + " dB)");
  }
  cfg.threads = opt.threads;
  if (!run.inputs.clutter.classes.empty()) {
    cfg.clutter = &run.inputs.clutter;
    log_info(opt.quiet, "phusong: land cover " + s.clutter.raster_path + ", " +
                            std::to_string(run.inputs.clutter.classes.size()) + " classes" +
                            (s.clutter.p2108 ? " (receiver: ITU-R P.2108 3.1)" : "") +
                            (run.inputs.clutter.has_woodland() ? ", woodland by ITU-R P.833" : ""));
  }
  // Downlink SINR: the carrier's cells on the chosen frequency.
  PowerSum sinr_acc;
  if (s.sinr.present) {
    for (const auto& c : run.inputs.cells) {
      const bool m = c.carrier == s.sinr.carrier && std::abs(c.freq_mhz - s.sinr.freq_mhz) < 1e-6;
      sinr_acc.member.push_back(m ? 1 : 0);
      run.sinr_cells += m ? 1 : 0;
    }
    if (run.sinr_cells == 0) {
      throw InputError(s.file, "sinr", "no " + radio::technology_name(s.technology) + " cell of carrier '" +
                                           s.sinr.carrier + "' on " + pct(s.sinr.freq_mhz) + " MHz near the area",
                       "a carrier and frequency of the scenario's cells");
    }
    cfg.power_sum = &sinr_acc;
  }
  cfg.kind = s.engine == "fast" ? EngineKind::Fast : EngineKind::Exact;

  Staging st;
  st.out = s.out_dir;
  if (!fs::exists(st.out)) {
    std::error_code ec;
    fs::create_directories(st.out, ec);
    if (ec) throw InputError(s.file, "output.dir", "cannot create folder " + s.out_dir, "a writable folder");
    st.created_out = true;
  }
  st.dir = st.out / (".phusong-staging-" + std::to_string(getpid()));
  fs::remove_all(st.dir);
  fs::create_directories(st.dir);

  const auto t0 = std::chrono::steady_clock::now();
  {
    Progress prog("propagation", run.inputs.cells.size() + run.inputs.other_cells.size(),
                  Progress::auto_mode(opt.quiet));
    // Per carrier, in the same pass.
    CellGroups groups;
    std::vector<std::string> carriers;
    for (const auto& c : run.inputs.cells) carriers.push_back(c.carrier);
    std::sort(carriers.begin(), carriers.end());
    carriers.erase(std::unique(carriers.begin(), carriers.end()), carriers.end());
    groups.count = static_cast<int>(carriers.size());
    for (const auto& c : run.inputs.cells) {
      groups.group_of_cell.push_back(
          static_cast<int>(std::lower_bound(carriers.begin(), carriers.end(), c.carrier) - carriers.begin()));
    }
    std::vector<Composite> per_carrier;
    run.composite = compute_coverage(run.inputs.dem.elevation_m, run.inputs.cells, *model, s.link, cfg, &prog,
                                     &groups, &per_carrier);
    for (size_t k = 0; k < carriers.size(); ++k) {
      GroupResult gr{carriers[k], identifier_of(carriers[k]), cfg.threshold_dbm, std::move(per_carrier[k]), {}};
      gr.report = analysis::analyse(gr.composite, run.inputs.villages, run.inputs.communes, gr.threshold_dbm);
      run.by_carrier.push_back(std::move(gr));
    }
    // Other technologies of the same carriers, each at its own default threshold.
    for (radio::Technology t : {radio::Technology::Gsm, radio::Technology::Umts, radio::Technology::Lte,
                                radio::Technology::Nr}) {
      std::vector<radio::Cell> cells;
      for (const auto& c : run.inputs.other_cells)
        if (c.technology == t) cells.push_back(c);
      if (cells.empty()) continue;
      EngineConfig tcfg = cfg;
      tcfg.power_sum = nullptr;
      tcfg.threshold_dbm = radio::default_threshold_dbm(t) + s.margin_db();
      GroupResult gr{radio::technology_name(t), radio::technology_name(t), tcfg.threshold_dbm,
                     compute_coverage(run.inputs.dem.elevation_m, cells, *model, s.link, tcfg, &prog), {}};
      gr.report = analysis::analyse(gr.composite, run.inputs.villages, run.inputs.communes, gr.threshold_dbm);
      run.by_technology.push_back(std::move(gr));
    }
  }
  run.report = analysis::analyse(run.composite, run.inputs.villages, run.inputs.communes, cfg.threshold_dbm);
  if (s.sinr.present) {
    // SINR = S / (I + N): S the strongest cell of the set, I the sum of the
    // others (linear mW, full load: every resource element transmitted at the
    // reference power), N thermal noise in the quantity's bandwidth.
    run.sinr_noise_bandwidth_hz = sinr_noise_bandwidth_hz(s);
    run.sinr_noise_dbm = sinr_noise_dbm(s);
    const double n_mw = std::pow(10.0, run.sinr_noise_dbm / 10.0);
    run.sinr_db = Raster<float>(g, kNoDataF);
    for (size_t i = 0; i < run.sinr_db.data().size(); ++i) {
      const float best = sinr_acc.best_dbm.data()[i];
      if (std::isnan(best)) continue;
      const double s_mw = std::pow(10.0, best / 10.0);
      const double i_mw = std::max(sinr_acc.sum_mw.data()[i] - s_mw, 0.0);
      run.sinr_db.data()[i] = static_cast<float>(10.0 * std::log10(s_mw / (i_mw + n_mw)));
    }
  }
  run.compute_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // ---- outputs, staged then moved into place ----
  const std::string q = radio::technology_quantity(s.technology);
  auto at = [&](const std::string& f) { return (st.dir / f).string(); };
  io::BandInfo rsrp{"best-server " + q, "dBm", {{"PHUSONG_MODEL", s.model},
                                               {"PHUSONG_THRESHOLD_DBM", pct(s.threshold_dbm)},
                                               {"PHUSONG_EFFECTIVE_THRESHOLD_DBM", pct(cfg.threshold_dbm)},
                                               {"PHUSONG_LOCATION_PCT", pct(s.location_pct)},
                                               {"PHUSONG_SHADOWING_SIGMA_DB", pct(s.shadowing_sigma_db)},
                                               {"PHUSONG_INDOOR_MARGIN_DB", pct(s.indoor_margin_db)},
                                               {"PHUSONG_TECHNOLOGY", radio::technology_name(s.technology)}}};
  io::write_cog(at("rsrp_dbm.tif"), run.composite.best_dbm, rsrp);
  io::write_text_file_atomic(at("rsrp_dbm.qml"), io::qml_rsrp_raster(cfg.threshold_dbm));
  io::BandInfo best{"best-server cell index (sites layer 'index')", "", {}, true};
  io::write_cog(at("best_server.tif"), run.composite.best_cell, -1, best);
  std::vector<std::pair<int, std::string>> labels;
  for (size_t i = 0; i < run.inputs.cells.size(); ++i) {
    const auto& c = run.inputs.cells[i];
    labels.emplace_back(static_cast<int>(i), c.carrier + " " + c.cell_id);
  }
  io::write_text_file_atomic(at("best_server.qml"), io::qml_paletted_raster(labels));
  io::BandInfo cnt{"cells at or above " + pct(cfg.threshold_dbm) + " dBm", "count", {}, true};
  io::write_cog(at("server_count.tif"), run.composite.count, cnt);
  int maxc = 0;
  for (auto v : run.composite.count.data()) maxc = std::max<int>(maxc, v);
  std::vector<std::pair<int, std::string>> cl;
  for (int i = 1; i <= std::max(maxc, 1); ++i) cl.emplace_back(i, std::to_string(i) + (i == 1 ? " server" : " servers"));
  io::write_text_file_atomic(at("server_count.qml"), io::qml_paletted_raster(cl));
  std::vector<std::string> carrier_files;
  for (const auto& gr : run.by_carrier) {
    const std::string f = "rsrp_dbm_" + gr.key;
    io::BandInfo bi{"best-server " + q + " of " + gr.name, "dBm", {{"PHUSONG_CARRIER", gr.name}}};
    io::write_cog(at(f + ".tif"), gr.composite.best_dbm, bi);
    io::write_text_file_atomic(at(f + ".qml"), io::qml_rsrp_raster(gr.threshold_dbm));
    carrier_files.push_back(f + ".tif");
    carrier_files.push_back(f + ".qml");
  }
  run.files = {"rsrp_dbm.tif", "rsrp_dbm.qml", "best_server.tif", "best_server.qml", "server_count.tif",
               "server_count.qml", "coverage.gpkg", "villages.csv", "summary.json", "report.md",
               "project.qgs", "coverage.kmz", "report.html"};
  run.files.insert(run.files.begin() + 6, carrier_files.begin(), carrier_files.end());
  if (s.sinr.present) {
    io::BandInfo bi{"downlink SINR of " + s.sinr.carrier + " on " + pct(s.sinr.freq_mhz) + " MHz", "dB",
                    {{"PHUSONG_SINR_CARRIER", s.sinr.carrier},
                     {"PHUSONG_SINR_FREQ_MHZ", pct(s.sinr.freq_mhz)},
                     {"PHUSONG_NOISE_DBM", pct(run.sinr_noise_dbm)},
                     {"PHUSONG_NOISE_FIGURE_DB", pct(s.sinr.noise_figure_db)},
                     {"PHUSONG_LOAD", "full"}}};
    io::write_cog(at("sinr_db.tif"), run.sinr_db, bi);
    io::write_text_file_atomic(at("sinr_db.qml"), io::qml_sinr_raster());
    run.files.insert(run.files.begin() + 6, {"sinr_db.tif", "sinr_db.qml"});
  }
  io::write_coverage_gpkg(at("coverage.gpkg"), run);
  io::write_villages_csv(at("villages.csv"), run);
  io::write_text_file_atomic(at("summary.json"), io::summary_json(run).dump(2) + "\n");
  io::write_text_file_atomic(at("report.md"), io::report_markdown(run));
  io::write_qgis_project(st.dir.string(), run);  // reads the styles written above
  io::write_coverage_kmz(st.dir.string(), run);
  io::write_report_html(st.dir.string(), run);

  for (const auto& f : run.files) {
    std::error_code ec;
    fs::rename(st.dir / f, st.out / f, ec);
    if (ec) throw Error("cannot move " + f + " into " + s.out_dir + ": " + ec.message());
  }
  st.created_out = false;
  return run;
}

}  // namespace phusong
