#include "phusong/scenario/run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

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
#include "phusong/scenario/shard.hpp"

namespace phusong {

namespace fs = std::filesystem;

namespace {

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string village_summary_line(const analysis::CoverageReport& r) {
  const auto& d = r.district;
  return "Villages covered: " + std::to_string(d.villages_covered) + " / " + std::to_string(d.villages_total) + " (" +
         analysis::pct_text(d.pct_villages()) + " %) \u00b7 population " + analysis::pct_text(d.pct_population()) +
         " %";
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

void prepare_run(RunStages& stg, const Scenario& s_in, const RunOptions& opt) {
  RunResult& run = stg.run;
  run.scenario = s_in;
  Scenario& s = run.scenario;
  if (!opt.out_dir.empty()) s.out_dir = opt.out_dir;
  run.out_dir = s.out_dir;

  // ---- everything checked before any computation ----
  stg.model = prop::make_model(s.model, s.file);
  log_info(opt.quiet, "phusong: scenario '" + s.name + "', model " + s.model);
  run.inputs = load_inputs(s, opt.dem_rows);
  const Grid& g = run.inputs.dem.elevation_m.grid();
  log_info(opt.quiet, "phusong: grid " + std::to_string(g.cols) + " x " + std::to_string(g.rows) + " cells of " +
                          pct(g.dx) + " m in " + run.inputs.working_crs + "; " +
                          std::to_string(run.inputs.cells.size()) + " cells (sectors), " +
                          std::to_string(run.inputs.villages.size()) + " villages");
  if (run.inputs.dem.info.voids_filled > 0) {
    log_info(opt.quiet, "phusong: warning: " + std::to_string(run.inputs.dem.info.voids_filled) +
                            " void cells in the DEM were filled by interpolation");
  }
  if (const auto& ca = run.inputs.communes_assigned; ca.renamed > 0 || ca.outside > 0) {
    log_info(opt.quiet, "phusong: warning: " + std::to_string(ca.renamed) +
                            " villages lie in another commune's polygon than their commune column names, " +
                            std::to_string(ca.outside) + " outside every commune polygon (report.md)");
  }
  // The model's parameter ranges for every cell, before any folder or progress.
  for (const auto* list : {&run.inputs.cells, &run.inputs.other_cells}) {
    for (const auto& c : *list) {
      prop::LinkParams p = s.link;
      p.freq_mhz = c.freq_mhz;
      p.tx_height_m = c.height_m;
      stg.model->check(p, "sites: cell " + c.cell_id);
    }
  }
  EngineConfig& cfg = stg.cfg;
  cfg.radius_m = s.radius_km * 1000.0;
  cfg.threshold_dbm = s.effective_threshold_dbm();
  if (s.margin_db() != 0.0) {
    log_info(opt.quiet, "phusong: threshold " + pct(s.threshold_dbm) + " dBm + margin " + pct(s.margin_db()) +
                            " dB (location " + pct(s.location_pct) + " %, shadowing sigma " +
                            pct(s.shadowing_sigma_db) + " dB, indoor " + pct(s.indoor_margin_db) + " dB)");
  }
  cfg.threads = opt.threads;
  cfg.stats = opt.engine_stats;
  if (!run.inputs.clutter.classes.empty()) {
    cfg.clutter = &run.inputs.clutter;
    log_info(opt.quiet, "phusong: land cover " + s.clutter.raster_path + ", " +
                            std::to_string(run.inputs.clutter.classes.size()) + " classes" +
                            (s.clutter.p2108 ? " (receiver: ITU-R P.2108 3.1)" : "") +
                            (run.inputs.clutter.has_woodland() ? ", woodland by ITU-R P.833" : ""));
  }
  // Downlink SINR: the carrier's cells on the chosen frequency.
  if (s.sinr.present) {
    for (const auto& c : run.inputs.cells) {
      const bool m = c.carrier == s.sinr.carrier && std::abs(c.freq_mhz - s.sinr.freq_mhz) < 1e-6;
      stg.sinr_acc.member.push_back(m ? 1 : 0);
      run.sinr_cells += m ? 1 : 0;
    }
    if (run.sinr_cells == 0) {
      throw InputError(s.file, "sinr", "no " + radio::technology_name(s.technology) + " cell of carrier '" +
                                           s.sinr.carrier + "' on " + pct(s.sinr.freq_mhz) + " MHz near the area",
                       "a carrier and frequency of the scenario's cells");
    }
  }
  cfg.kind = s.engine == "fast" ? EngineKind::Fast : EngineKind::Exact;
  // Per carrier (scenario technology) and per other technology, in output order.
  for (const auto& c : run.inputs.cells) stg.carriers.push_back(c.carrier);
  std::sort(stg.carriers.begin(), stg.carriers.end());
  stg.carriers.erase(std::unique(stg.carriers.begin(), stg.carriers.end()), stg.carriers.end());
  for (const auto& name : stg.carriers) run.by_carrier.push_back({name, identifier_of(name), cfg.threshold_dbm, {}, {}});
  for (radio::Technology t : other_technologies(run.inputs)) {
    run.by_technology.push_back({radio::technology_name(t), radio::technology_name(t),
                                 radio::default_threshold_dbm(t) + s.margin_db(), {}, {}});
  }
  // Each carrier and technology names its own files and columns
  // (rsrp_dbm_<id>.tif, covered_<id>): two names with one identifier would
  // overwrite each other's.
  std::map<std::string, std::string> seen;  // identifier -> name
  for (const auto* groups : {&run.by_carrier, &run.by_technology}) {
    for (const auto& g : *groups) {
      const auto [it, fresh] = seen.emplace(g.key, g.name);
      if (!fresh) {
        throw InputError(s.sites_path, "carrier",
                         "'" + it->second + "' and '" + g.name + "' would share the output names rsrp_dbm_" + g.key +
                             ".tif and covered_" + g.key,
                         "carrier names that differ in more than case and punctuation, and none named after a "
                         "technology (one spelling per carrier)");
      }
    }
  }
}

std::vector<radio::Technology> other_technologies(const Inputs& in) {
  std::vector<radio::Technology> out;
  for (radio::Technology t : {radio::Technology::Gsm, radio::Technology::Umts, radio::Technology::Lte,
                              radio::Technology::Nr}) {
    for (const auto& c : in.other_cells) {
      if (c.technology == t) {
        out.push_back(t);
        break;
      }
    }
  }
  return out;
}

std::vector<radio::Cell> technology_cells(const Inputs& in, radio::Technology t) {
  std::vector<radio::Cell> cells;
  for (const auto& c : in.other_cells)
    if (c.technology == t) cells.push_back(c);
  return cells;
}

namespace {

// Best-server indices of a composite computed over a subset: back to the
// indices of the full list.
void remap_best_cell(Composite& comp, const std::vector<size_t>& global_index) {
  for (auto& v : comp.best_cell.data())
    if (v >= 0) v = static_cast<std::int16_t>(global_index[static_cast<size_t>(v)]);
}

}  // namespace

void compute_run(RunStages& stg, const RunOptions& opt, const std::function<bool(const radio::Cell&)>& keep) {
  RunResult& run = stg.run;
  const Scenario& s = run.scenario;
  const Raster<float>& dem = run.inputs.dem.elevation_m;
  // The cells kept (all for a full run), in their order: the engine breaks
  // ties by that order, so a subset gives a full run's values on its tile.
  std::vector<size_t> kept;
  std::vector<radio::Cell> cells;
  for (size_t i = 0; i < run.inputs.cells.size(); ++i) {
    if (keep && !keep(run.inputs.cells[i])) continue;
    kept.push_back(i);
    cells.push_back(run.inputs.cells[i]);
  }
  std::vector<std::vector<radio::Cell>> tech_cells;
  std::vector<std::vector<size_t>> tech_kept;
  size_t total = cells.size();
  for (radio::Technology t : other_technologies(run.inputs)) {
    tech_cells.emplace_back();
    tech_kept.emplace_back();
    const auto all = technology_cells(run.inputs, t);
    for (size_t i = 0; i < all.size(); ++i) {
      if (keep && !keep(all[i])) continue;
      tech_kept.back().push_back(i);
      tech_cells.back().push_back(all[i]);
    }
    total += tech_cells.back().size();
  }
  const auto blank = [&] {
    const Grid& g = dem.grid();
    return Composite{Raster<float>(g, kNoDataF), Raster<std::int16_t>(g, -1), Raster<std::uint8_t>(g, 0)};
  };
  const auto t0 = std::chrono::steady_clock::now();
  Progress prog("propagation", total, Progress::auto_mode(opt.quiet));
  EngineConfig cfg = stg.cfg;
  PowerSum sub_acc;
  if (s.sinr.present) {
    for (size_t i : kept) sub_acc.member.push_back(stg.sinr_acc.member[i]);
    cfg.power_sum = &sub_acc;
  }
  CellGroups groups;
  groups.count = static_cast<int>(stg.carriers.size());
  for (const auto& c : cells) {
    groups.group_of_cell.push_back(static_cast<int>(
        std::lower_bound(stg.carriers.begin(), stg.carriers.end(), c.carrier) - stg.carriers.begin()));
  }
  std::vector<Composite> per_carrier;
  if (cells.empty()) {
    run.composite = blank();
    for (int k = 0; k < groups.count; ++k) per_carrier.push_back(blank());
    if (s.sinr.present) {
      sub_acc.sum_mw = Raster<double>(dem.grid(), 0.0);
      sub_acc.best_dbm = Raster<float>(dem.grid(), kNoDataF);
    }
  } else {
    run.composite = compute_coverage(dem, cells, *stg.model, s.link, cfg, &prog, &groups, &per_carrier);
  }
  remap_best_cell(run.composite, kept);
  for (size_t k = 0; k < per_carrier.size(); ++k) {
    remap_best_cell(per_carrier[k], kept);
    run.by_carrier[k].composite = std::move(per_carrier[k]);
  }
  // The engine sets each cell's ground height; keep it for the outputs.
  for (size_t j = 0; j < kept.size(); ++j) run.inputs.cells[kept[j]].ground_m = cells[j].ground_m;
  // Other technologies of the same carriers, each at its own default threshold.
  for (size_t k = 0; k < tech_cells.size(); ++k) {
    GroupResult& gr = run.by_technology[k];
    if (tech_cells[k].empty()) {
      gr.composite = blank();
      continue;
    }
    EngineConfig tcfg = stg.cfg;
    tcfg.power_sum = nullptr;
    tcfg.threshold_dbm = gr.threshold_dbm;
    gr.composite = compute_coverage(dem, tech_cells[k], *stg.model, s.link, tcfg, &prog);
    remap_best_cell(gr.composite, tech_kept[k]);
  }
  if (s.sinr.present) {
    stg.sinr_acc.sum_mw = std::move(sub_acc.sum_mw);
    stg.sinr_acc.best_dbm = std::move(sub_acc.best_dbm);
  }
  run.compute_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void compute_sinr(RunStages& stg) {
  RunResult& run = stg.run;
  const Scenario& s = run.scenario;
  if (!s.sinr.present) return;
  // SINR = S / (I + N): S the strongest cell of the set, I the sum of the
  // others at full load (linear mW: their reference powers, times the full
  // load's share over it: UMTS interferers send their whole carrier, not
  // just the CPICH), N thermal noise in the quantity's bandwidth.
  run.sinr_noise_bandwidth_hz = sinr_noise_bandwidth_hz(s);
  run.sinr_noise_dbm = sinr_noise_dbm(s);
  const double n_mw = std::pow(10.0, run.sinr_noise_dbm / 10.0);
  const double load = std::pow(10.0, radio::full_load_over_reference_db(s.technology) / 10.0);
  run.sinr_db = Raster<float>(run.inputs.dem.elevation_m.grid(), kNoDataF);
  for (size_t i = 0; i < run.sinr_db.data().size(); ++i) {
    const float best = stg.sinr_acc.best_dbm.data()[i];
    if (std::isnan(best)) continue;
    const double s_mw = std::pow(10.0, best / 10.0);
    const double i_mw = load * std::max(stg.sinr_acc.sum_mw.data()[i] - s_mw, 0.0);
    run.sinr_db.data()[i] = static_cast<float>(10.0 * std::log10(s_mw / (i_mw + n_mw)));
  }
}

void analyse_run(RunStages& stg) {
  RunResult& run = stg.run;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto* list : {&run.by_carrier, &run.by_technology})
    for (auto& gr : *list)
      gr.report = analysis::analyse(gr.composite, run.inputs.villages, run.inputs.communes, gr.threshold_dbm);
  run.report = analysis::analyse(run.composite, run.inputs.villages, run.inputs.communes, stg.cfg.threshold_dbm);
  run.compute_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

RunResult run_scenario(const Scenario& s_in, const RunOptions& opt) {
  RunStages stg;
  prepare_run(stg, s_in, opt);
  // The output folder is checked (created) before the computation.
  StagingDir staging(stg.run.out_dir, stg.run.scenario.file);
  compute_run(stg, opt);
  compute_sinr(stg);
  analyse_run(stg);
  write_run_outputs(stg, staging);
  return std::move(stg.run);
}

void write_run_outputs(RunStages& stg, StagingDir& st) {
  RunResult& run = stg.run;
  const Scenario& s = run.scenario;
  const EngineConfig& cfg = stg.cfg;

  // ---- outputs, staged then moved into place ----
  const std::string q = radio::technology_quantity(s.technology);
  auto at = [&](const std::string& f) { return (st.path() / f).string(); };
  io::BandInfo rsrp{"best-server " + q, "dBm", {{"PHUSONG_MODEL", s.model},
                                               {"PHUSONG_THRESHOLD_DBM", pct(s.threshold_dbm)},
                                               {"PHUSONG_EFFECTIVE_THRESHOLD_DBM", pct(cfg.threshold_dbm)},
                                               {"PHUSONG_LOCATION_PCT", pct(s.location_pct)},
                                               {"PHUSONG_SHADOWING_SIGMA_DB", pct(s.shadowing_sigma_db)},
                                               {"PHUSONG_INDOOR_MARGIN_DB", pct(s.indoor_margin_db)},
                                               {"PHUSONG_TECHNOLOGY", radio::technology_name(s.technology)}}};
  io::write_cog(at("rsrp_dbm.tif"), run.composite.best_dbm, rsrp, cfg.threads);
  io::write_text_file_atomic(at("rsrp_dbm.qml"), io::qml_rsrp_raster(cfg.threshold_dbm));
  io::BandInfo best{"best-server cell index (sites layer 'index')", "", {}, true};
  io::write_cog(at("best_server.tif"), run.composite.best_cell, -1, best, cfg.threads);
  std::vector<std::pair<int, std::string>> labels;
  for (size_t i = 0; i < run.inputs.cells.size(); ++i) {
    const auto& c = run.inputs.cells[i];
    labels.emplace_back(static_cast<int>(i), c.carrier + " " + c.cell_id);
  }
  io::write_text_file_atomic(at("best_server.qml"), io::qml_paletted_raster(labels));
  io::BandInfo cnt{"cells at or above " + pct(cfg.threshold_dbm) + " dBm", "count", {}, true};
  io::write_cog(at("server_count.tif"), run.composite.count, cnt, cfg.threads);
  int maxc = 0;
  for (auto v : run.composite.count.data()) maxc = std::max<int>(maxc, v);
  std::vector<std::pair<int, std::string>> cl;
  for (int i = 1; i <= std::max(maxc, 1); ++i) cl.emplace_back(i, std::to_string(i) + (i == 1 ? " server" : " servers"));
  io::write_text_file_atomic(at("server_count.qml"), io::qml_paletted_raster(cl));
  std::vector<std::string> carrier_files;
  for (const auto& gr : run.by_carrier) {
    const std::string f = "rsrp_dbm_" + gr.key;
    io::BandInfo bi{"best-server " + q + " of " + gr.name, "dBm", {{"PHUSONG_CARRIER", gr.name}}};
    io::write_cog(at(f + ".tif"), gr.composite.best_dbm, bi, cfg.threads);
    io::write_text_file_atomic(at(f + ".qml"), io::qml_rsrp_raster(gr.threshold_dbm));
    carrier_files.push_back(f + ".tif");
    carrier_files.push_back(f + ".qml");
  }
  run.files = {"rsrp_dbm.tif", "rsrp_dbm.qml", "best_server.tif", "best_server.qml", "server_count.tif",
               "server_count.qml", "coverage.gpkg", "villages.csv", "summary.json", "report.md",
               "project.qgz", "coverage.kmz", "report.html"};
  run.files.insert(run.files.begin() + 6, carrier_files.begin(), carrier_files.end());
  if (s.sinr.present) {
    io::BandInfo bi{"downlink SINR of " + s.sinr.carrier + " on " + pct(s.sinr.freq_mhz) + " MHz", "dB",
                    {{"PHUSONG_SINR_CARRIER", s.sinr.carrier},
                     {"PHUSONG_SINR_FREQ_MHZ", pct(s.sinr.freq_mhz)},
                     {"PHUSONG_NOISE_DBM", pct(run.sinr_noise_dbm)},
                     {"PHUSONG_NOISE_FIGURE_DB", pct(s.sinr.noise_figure_db)},
                     {"PHUSONG_LOAD", "full"}}};
    io::write_cog(at("sinr_db.tif"), run.sinr_db, bi, cfg.threads);
    io::write_text_file_atomic(at("sinr_db.qml"), io::qml_sinr_raster());
    run.files.insert(run.files.begin() + 6, {"sinr_db.tif", "sinr_db.qml"});
  }
  io::write_coverage_gpkg(at("coverage.gpkg"), run);
  io::write_villages_csv(at("villages.csv"), run);
  io::write_text_file_atomic(at("summary.json"), io::summary_json(run).dump(2) + "\n");
  io::write_text_file_atomic(at("report.md"), io::report_markdown(run));
  io::write_qgis_project(st.path().string(), run);  // reads the styles written above
  io::write_coverage_kmz(st.path().string(), run);
  io::write_report_html(st.path().string(), run);

  st.commit(run.files);
}

}  // namespace phusong
