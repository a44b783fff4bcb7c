// `phusong propose` (docs/planning.md).
//
// Reciprocity.  The basic transmission loss of a path is the same in both
// directions (reciprocity theorem for the path: ITU-R P.341-7 defines the
// basic transmission loss between isotropic antennas, a property of the path
// and not of its direction).  So one path-loss sweep with an uncovered village
// as the "transmitter" (antenna height = the receivers' height) and every
// grid cell as the "receiver" (antenna height = the candidate tower height)
// gives the loss of the path candidate -> village at every candidate: one
// sweep per village and tower height instead of one per candidate.  The
// engine samples a profile symmetrically (extract_profile: n equal steps from
// one end), so the reversed profile has exactly the same terrain samples.
// The models are reciprocal in principle; where an implementation is not
// exactly (tests/unit/test_reciprocity.cpp; docs/planning.md) the forward run
// with the chosen sites, which is what phusong reports, decides.
#include "phusong/planning/propose.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>

#include "phusong/core/error.hpp"
#include "phusong/core/progress.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/terrain/profile.hpp"

namespace phusong::planning {

namespace fs = std::filesystem;

namespace {

constexpr double kRadToDeg = 57.29577951308232;

struct Staging {
  fs::path dir, out;
  bool created_out = false;
  ~Staging() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
    if (created_out && fs::is_empty(out, ec)) fs::remove(out, ec);
  }
};

std::string fixed(double v, int d) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", d, v);
  return b;
}

// The most common frequency among the cells (ties: the lowest).
double common_freq(const std::vector<radio::Cell>& cells) {
  std::map<double, int> n;
  for (const auto& c : cells) ++n[c.freq_mhz];
  double best = 1800;
  int cnt = 0;
  for (const auto& [f, k] : n)
    if (k > cnt) best = f, cnt = k;
  return best;
}

// Received reference-signal power as the engine computes it
// (compute_coverage): EIRP_ref + G(depression) - L, with the loss as stored
// in the float raster.
double received_dbm(const radio::Cell& cell, double ground_tx_m, double tx_x, double tx_y, float loss_db,
                    double rx_x, double rx_y, double rx_ground_m, double rx_height_m) {
  const double dx = rx_x - tx_x, dy = rx_y - tx_y;
  const double dist = std::max(std::hypot(dx, dy), 1.0);
  const double bearing = std::fmod(std::atan2(dx, dy) * kRadToDeg + 360.0, 360.0);
  const double depression = std::atan2(ground_tx_m + cell.height_m - (rx_ground_m + rx_height_m), dist) * kRadToDeg;
  return radio::reference_eirp_dbm(cell) + radio::relative_gain_db(cell, bearing, depression) - loss_db;
}

}  // namespace

ProposeResult propose(const Scenario& s_in, const ProposeOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  ProposeResult R;
  R.scenario = s_in;
  Scenario& s = R.scenario;
  ProposalConfig& P = s.proposals;
  if (opt.max_sites > 0) P.max_sites = opt.max_sites;
  R.out_dir = !opt.out_dir.empty() ? opt.out_dir : (fs::path(s.out_dir) / "proposals").string();

  // ---- inputs and checks before any computation ----
  auto model = prop::make_model(s.model, s.file);
  log_info(opt.quiet, "phusong propose: scenario '" + s.name + "', model " + s.model);
  R.inputs = load_inputs(s);
  const Raster<float>& dem = R.inputs.dem.elevation_m;
  const Grid& g = dem.grid();
  if (P.freq_mhz <= 0) P.freq_mhz = common_freq(R.inputs.cells);
  radio::Cell tmpl;  // the proposed cell: omnidirectional, no tilt
  tmpl.carrier = P.carrier;
  tmpl.technology = s.technology;
  tmpl.freq_mhz = P.freq_mhz;
  tmpl.bandwidth_mhz = P.bandwidth_mhz;
  tmpl.eirp_dbm = P.eirp_dbm;
  tmpl.beamwidth_deg = 360;
  tmpl.tilt_deg = 0;
  prop::LinkParams fwd = s.link;
  fwd.freq_mhz = P.freq_mhz;
  for (double h : P.tower_heights_m) {
    fwd.tx_height_m = h;
    model->check(fwd, s.file + ": proposals (tower height " + fmt_num(h) + " m)");
  }
  // The reciprocal sweep swaps the antenna heights; a model whose validity
  // range excludes the swapped heights (Okumura-Hata: receiver 1-10 m) is
  // evaluated in the forward direction, candidate by candidate.
  R.evaluation = "reciprocal";
  try {
    prop::LinkParams rev = s.link;
    rev.freq_mhz = P.freq_mhz;
    rev.tx_height_m = s.link.rx_height_m;
    for (double h : P.tower_heights_m) {
      rev.rx_height_m = h;
      model->check(rev, "reciprocal");
    }
  } catch (const InputError&) {
    R.evaluation = "forward";
  }
  EngineConfig cfg;
  cfg.radius_m = s.radius_km * 1000.0;
  cfg.threshold_dbm = s.effective_threshold_dbm();
  cfg.threads = opt.threads;

  Staging st;
  st.out = R.out_dir;
  if (!fs::exists(st.out)) {
    std::error_code ec;
    fs::create_directories(st.out, ec);
    if (ec) throw InputError(s.file, "output.dir", "cannot create folder " + R.out_dir, "a writable folder");
    st.created_out = true;
  }
  st.dir = st.out / (".phusong-staging-" + std::to_string(getpid()));
  fs::remove_all(st.dir);
  fs::create_directories(st.dir);

  // ---- the existing network ----
  {
    Progress prog("existing network", R.inputs.cells.size(), Progress::auto_mode(opt.quiet));
    R.before = compute_coverage(dem, R.inputs.cells, *model, s.link, cfg, &prog);
  }
  R.report_before = analysis::analyse(R.before, R.inputs.villages, R.inputs.communes, s.effective_threshold_dbm());
  R.targets = R.report_before.district.uncovered;
  log_info(opt.quiet, "phusong propose: " + std::to_string(R.targets.size()) + " of " +
                          std::to_string(R.inputs.villages.size()) + " villages without coverage");

  // ---- candidates ----
  R.candidates = make_candidates(s, R.inputs, R.targets);
  const auto& cands = R.candidates.list;
  log_info(opt.quiet, "phusong propose: " + std::to_string(cands.size()) + " candidate positions (lattice " +
                          fixed(R.candidates.spacing_m, 0) + " m, " + std::to_string(R.candidates.user_given) +
                          " from the user's list), evaluation " + R.evaluation);
  const size_t nh = P.tower_heights_m.size();
  const size_t nt = R.targets.size();
  // Village positions as the engine reads them: their grid cell.
  std::vector<int> vr(nt), vc(nt);
  for (size_t t = 0; t < nt; ++t) {
    const auto& v = R.inputs.villages[R.targets[t]];
    vr[t] = static_cast<int>(g.row_f(v.y));
    vc[t] = static_cast<int>(g.col_f(v.x));
  }
  const double r2 = cfg.radius_m * cfg.radius_m;
  const double step = std::min(g.dx, g.dy);

  // est[ci * nh + hi] = (target, dBm) pairs at or above the threshold.
  std::vector<std::vector<std::pair<int, double>>> est(cands.size() * nh);
  {
    Progress prog(R.evaluation == "reciprocal" ? "reciprocal sweeps" : "forward evaluation",
                  R.evaluation == "reciprocal" ? nt * nh : cands.size() * nh, Progress::auto_mode(opt.quiet));
    for (size_t hi = 0; hi < nh; ++hi) {
      radio::Cell cell = tmpl;
      cell.height_m = P.tower_heights_m[hi];
      if (R.evaluation == "reciprocal") {
        prop::LinkParams rev = s.link;
        rev.freq_mhz = P.freq_mhz;
        rev.tx_height_m = s.link.rx_height_m;
        rev.rx_height_m = cell.height_m;
        for (size_t t = 0; t < nt; ++t) {
          const double vx = g.cell_x(vc[t]), vy = g.cell_y(vr[t]);
          const Raster<float> loss = path_loss_exact(dem, vx, vy, *model, rev, cfg.radius_m, opt.threads);
          for (size_t ci = 0; ci < cands.size(); ++ci) {
            const Candidate& k = cands[ci];
            const double d2 = (k.x - vx) * (k.x - vx) + (k.y - vy) * (k.y - vy);
            if (d2 > r2 || d2 < step * step * 0.25) continue;
            const float l = loss.at(k.row, k.col);
            if (std::isnan(l)) continue;
            const double rx = received_dbm(cell, k.ground_m, k.x, k.y, l, vx, vy, dem.at(vr[t], vc[t]), s.link.rx_height_m);
            if (static_cast<float>(rx) >= s.effective_threshold_dbm()) est[ci * nh + hi].emplace_back(static_cast<int>(t), rx);
          }
          prog.advance();
        }
      } else {
        prop::LinkParams f = fwd;
        f.tx_height_m = cell.height_m;
        prop::Profile prof;
        for (size_t ci = 0; ci < cands.size(); ++ci) {
          const Candidate& k = cands[ci];
          for (size_t t = 0; t < nt; ++t) {
            const double vx = g.cell_x(vc[t]), vy = g.cell_y(vr[t]);
            const double d2 = (k.x - vx) * (k.x - vx) + (k.y - vy) * (k.y - vy);
            if (d2 > r2 || d2 < step * step * 0.25) continue;
            if (!extract_profile(dem, k.x, k.y, vx, vy, step, prof)) continue;
            const prop::PathLoss pl = model->loss(prof, f);
            if (!std::isfinite(pl.loss_db)) continue;
            const double rx = received_dbm(cell, k.ground_m, k.x, k.y, static_cast<float>(pl.loss_db), vx, vy,
                                           dem.at(vr[t], vc[t]), s.link.rx_height_m);
            if (static_cast<float>(rx) >= s.effective_threshold_dbm()) est[ci * nh + hi].emplace_back(static_cast<int>(t), rx);
          }
          prog.advance();
        }
      }
    }
  }

  // ---- the covering instance ----
  CoverInstance inst;
  for (size_t t = 0; t < nt; ++t) {
    const auto& v = R.inputs.villages[R.targets[t]];
    inst.weight.push_back(P.weight_population ? std::max<double>(static_cast<double>(v.population), 1e-3) : 1.0);
  }
  std::vector<size_t> opt_slot;  // option -> est index
  for (size_t i = 0; i < est.size(); ++i) {
    if (est[i].empty()) continue;
    Option o;
    o.location = static_cast<int>(i / nh);
    o.cost = P.cost_per_site + P.cost_per_m * P.tower_heights_m[i % nh];
    for (const auto& [t, dbm] : est[i]) o.covers.push_back(t);
    inst.options.push_back(std::move(o));
    opt_slot.push_back(i);
  }
  R.options = static_cast<int>(inst.options.size());
  {
    std::set<int> cov;
    for (const auto& o : inst.options) cov.insert(o.covers.begin(), o.covers.end());
    R.coverable = static_cast<int>(cov.size());
  }

  // ---- selection ----
  const bool run_greedy = P.solver != "milp", run_milp = P.solver != "greedy";
  if (run_greedy) {
    R.greedy = P.min_sites ? greedy_min_cost(inst) : greedy_max_coverage(inst, P.max_sites);
    R.greedy_ran = true;
  }
  if (run_milp) {
    const std::vector<int> start = R.greedy_ran ? R.greedy.chosen : std::vector<int>{};
    R.milp = P.min_sites ? milp_min_cost(inst, P.milp_time_limit_s, start)
                         : milp_max_coverage(inst, P.max_sites, P.milp_time_limit_s, start);
    R.milp_ran = true;
  }
  const Selection* pick = R.greedy_ran ? &R.greedy : &R.milp;
  R.chosen_by = R.greedy_ran ? "greedy" : "milp";
  if (R.greedy_ran && R.milp_ran && (R.milp.status == "optimal" || R.milp.status.find("feasible") != std::string::npos)) {
    const bool better = P.min_sites ? (R.milp.covered_targets >= R.greedy.covered_targets && R.milp.cost < R.greedy.cost - 1e-9)
                                    : (R.milp.covered_weight > R.greedy.covered_weight + 1e-9 ||
                                       (R.milp.covered_weight >= R.greedy.covered_weight - 1e-9 &&
                                        R.milp.cost < R.greedy.cost - 1e-9));
    if (better) pick = &R.milp, R.chosen_by = "milp";
  }
  // Order the chosen options by marginal gain (largest first).
  std::vector<int> order;
  {
    std::vector<int> left = pick->chosen;
    std::vector<char> covered(nt, 0);
    while (!left.empty()) {
      size_t best = 0;
      double bg = -1;
      for (size_t i = 0; i < left.size(); ++i) {
        double gsum = 0;
        for (int t : inst.options[left[i]].covers)
          if (!covered[t]) gsum += inst.weight[t];
        if (gsum > bg) bg = gsum, best = i;
      }
      order.push_back(left[best]);
      for (int t : inst.options[left[best]].covers) covered[t] = 1;
      left.erase(left.begin() + static_cast<long>(best));
    }
  }

  // ---- the proposed sites, as a sites table (the same file a user appends) ----
  std::set<std::string> ids;
  for (const auto& c : parse_scenario_cells(s, R.inputs.working_crs)) ids.insert(c.cell_id), ids.insert(c.site_id);
  Transformer to_ll(R.inputs.working_crs, kWgs84);
  std::string csv = "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,"
                    "freq_mhz,bandwidth_mhz,eirp_dbm\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const size_t slot = opt_slot[order[i]];
    ProposedSite ps;
    ps.candidate = cands[slot / nh];
    ps.height_m = P.tower_heights_m[slot % nh];
    ps.cost = inst.options[order[i]].cost;
    char id[32];
    std::snprintf(id, sizeof id, "NEW%02zu", i + 1);
    ps.site_id = id;
    while (ids.count(ps.site_id)) ps.site_id += "x";
    std::tie(ps.lon, ps.lat) = to_ll.forward(ps.candidate.x, ps.candidate.y);
    for (const auto& [t, dbm] : est[slot]) {
      ps.claimed.push_back(R.targets[t]);
      ps.claimed_dbm.push_back(dbm);
    }
    char line[512];
    std::snprintf(line, sizeof line, "%s,%s,Proposed %s (%s),%s,%.9f,%.9f,%s,,0,360,%s,%s,%s,%s\n", ps.site_id.c_str(),
                  ps.site_id.c_str(), ps.site_id.c_str(), ps.candidate.id.c_str(), P.carrier.c_str(), ps.lon, ps.lat,
                  fmt_num(ps.height_m).c_str(), radio::technology_name(s.technology).c_str(),
                  fmt_num(P.freq_mhz).c_str(), fmt_num(P.bandwidth_mhz).c_str(), fmt_num(P.eirp_dbm).c_str());
    csv += line;
    R.sites.push_back(std::move(ps));
  }
  const fs::path sites_csv = st.dir / "proposed_sites.csv";
  io::write_text_file_atomic(sites_csv.string(), csv);
  if (!R.sites.empty()) R.proposed_cells = parse_cells(sites_csv.string(), R.inputs.working_crs);

  // ---- confirmation: the forward computation with the proposed cells ----
  // compute_coverage over (existing + proposed) equals merging the proposed
  // cells' composite into the existing one: cells are processed in order and
  // a later cell takes a grid cell only with strictly more power.
  R.after = R.before;
  if (!R.proposed_cells.empty()) {
    Progress prog("confirmation", R.proposed_cells.size(), Progress::auto_mode(opt.quiet));
    const Composite add = compute_coverage(dem, R.proposed_cells, *model, s.link, cfg, &prog);
    const auto n0 = static_cast<std::int16_t>(R.inputs.cells.size());
    for (size_t i = 0; i < g.size(); ++i) {
      const float a = add.best_dbm.data()[i];
      float& b = R.after.best_dbm.data()[i];
      if (!std::isnan(a) && (std::isnan(b) || a > b)) {
        b = a;
        R.after.best_cell.data()[i] = static_cast<std::int16_t>(n0 + add.best_cell.data()[i]);
      }
      const int c = R.after.count.data()[i] + add.count.data()[i];
      R.after.count.data()[i] = static_cast<std::uint8_t>(std::min(c, 255));
    }
  }
  R.report_after = analysis::analyse(R.after, R.inputs.villages, R.inputs.communes, s.effective_threshold_dbm());
  std::set<size_t> claimed_all;
  for (auto& ps : R.sites) claimed_all.insert(ps.claimed.begin(), ps.claimed.end());
  R.claims = static_cast<int>(claimed_all.size());
  for (size_t vi : R.targets) {
    const auto& a = R.report_after.villages[vi];
    if (!a.covered) continue;
    if (claimed_all.count(vi)) ++R.claims_confirmed;
    else ++R.confirmed_unclaimed;
    const int k = a.cell_index - static_cast<int>(R.inputs.cells.size());
    if (k >= 0 && k < static_cast<int>(R.sites.size())) {
      ++R.sites[k].villages_gained;
      R.sites[k].population_gained += R.inputs.villages[vi].population;
    }
  }
  // The estimate against a forward recomputation of each claimed path.
  {
    prop::Profile prof;
    for (size_t k = 0; k < R.sites.size(); ++k) {
      const radio::Cell& cell = R.proposed_cells[k];
      prop::LinkParams f = fwd;
      f.tx_height_m = cell.height_m;
      for (size_t j = 0; j < R.sites[k].claimed.size(); ++j) {
        const auto& v = R.inputs.villages[R.sites[k].claimed[j]];
        const int r = static_cast<int>(g.row_f(v.y)), c = static_cast<int>(g.col_f(v.x));
        if (!extract_profile(dem, cell.x, cell.y, g.cell_x(c), g.cell_y(r), step, prof)) continue;
        const prop::PathLoss pl = model->loss(prof, f);
        const double rx = received_dbm(cell, cell.ground_m, cell.x, cell.y, static_cast<float>(pl.loss_db), g.cell_x(c),
                                       g.cell_y(r), dem.at(r, c), s.link.rx_height_m);
        R.max_estimate_error_db = std::max(R.max_estimate_error_db, std::abs(rx - R.sites[k].claimed_dbm[j]));
      }
    }
  }

  // ---- backhaul ----
  {
    std::map<std::string, Mast> by_site;
    for (const auto& c : R.inputs.cells) {
      auto it = by_site.find(c.site_id);
      if (it == by_site.end()) by_site[c.site_id] = Mast{c.site_id, c.x, c.y, c.height_m, false};
      else it->second.height_m = std::max(it->second.height_m, c.height_m);
    }
    for (auto& [id, m] : by_site) R.existing_masts.push_back(m);
    std::vector<Mast> prop_masts;
    for (size_t k = 0; k < R.sites.size(); ++k)
      prop_masts.push_back(Mast{R.sites[k].site_id, R.proposed_cells[k].x, R.proposed_cells[k].y, R.sites[k].height_m, true});
    const auto links = plan_backhaul(dem, R.existing_masts, prop_masts, P.backhaul_freq_mhz, P.backhaul_max_km,
                                     s.link.k_factor);
    for (size_t k = 0; k < R.sites.size(); ++k) {
      R.sites[k].backhaul = links[k];
      R.sites[k].backhaul_class = links[k].to < 0 ? "none" : links[k].to_proposed ? "relay" : "existing";
    }
  }

  // ---- outputs, staged then moved into place ----
  R.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_proposals_outputs(st.dir.string(), R);
  for (const auto& f : R.files) {
    std::error_code ec;
    fs::rename(st.dir / f, st.out / f, ec);
    if (ec) throw Error("cannot move " + f + " into " + R.out_dir + ": " + ec.message());
  }
  st.created_out = false;
  return R;
}

std::string proposal_summary_line(const ProposeResult& r) {
  const auto& b = r.report_before.district;
  const auto& a = r.report_after.district;
  return "Proposals: " + std::to_string(r.sites.size()) + " site" + (r.sites.size() == 1 ? "" : "s") +
         " \u00b7 villages covered " + std::to_string(b.villages_covered) + " -> " + std::to_string(a.villages_covered) +
         " / " + std::to_string(a.villages_total) + " \u00b7 population " + fixed(b.pct_population(), 1) + " % -> " +
         fixed(a.pct_population(), 1) + " %";
}

}  // namespace phusong::planning
