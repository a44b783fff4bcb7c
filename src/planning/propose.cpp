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
#include "phusong/planning/baseline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "phusong/core/error.hpp"
#include "phusong/core/progress.hpp"
#include "phusong/engine/clutter_loss.hpp"
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
  // Wall time of each phase (summary.json "timing", and on stderr).
  auto mark = t0;
  auto phase = [&](const std::string& name) {
    const auto now = std::chrono::steady_clock::now();
    R.phase_seconds.emplace_back(name, std::chrono::duration<double>(now - mark).count());
    mark = now;
    log_info(opt.quiet, "phusong propose: " + name + " " + fixed(R.phase_seconds.back().second, 1) + " s");
  };
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
  // The same engine and land cover as `phusong run`, so that the existing
  // network's coverage, and the confirmation, are those of a run.
  cfg.kind = s.engine == "fast" ? EngineKind::Fast : EngineKind::Exact;
  if (!R.inputs.clutter.classes.empty()) cfg.clutter = &R.inputs.clutter;

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

  phase("inputs");
  // ---- the existing network ----
  if (!opt.baseline_dir.empty()) {
    // A run of the same scenario already computed it (checked in read_run_baseline).
    for (auto& c : R.inputs.cells) c.ground_m = sample_bilinear(dem, c.x, c.y);
    R.before = read_run_baseline(opt.baseline_dir, s, R.inputs);
    R.baseline_from = opt.baseline_dir;
    log_info(opt.quiet, "phusong propose: existing network read from " + opt.baseline_dir);
  } else {
    Progress prog("existing network", R.inputs.cells.size(), Progress::auto_mode(opt.quiet));
    R.before = compute_coverage(dem, R.inputs.cells, *model, s.link, cfg, &prog);
  }
  R.report_before = analysis::analyse(R.before, R.inputs.villages, R.inputs.communes, s.effective_threshold_dbm());
  R.targets = R.report_before.district.uncovered;
  log_info(opt.quiet, "phusong propose: " + std::to_string(R.targets.size()) + " of " +
                          std::to_string(R.inputs.villages.size()) + " villages without coverage");

  phase("existing network");
  // ---- candidates ----
  R.candidates = make_candidates(s, R.inputs, R.targets);
  const auto& cands = R.candidates.list;
  if (R.targets.empty()) {
    log_info(opt.quiet, "phusong propose: every village is already covered; nothing to propose");
  } else if (cands.empty()) {
    // Never a silent empty proposal: say which rule left no position.
    const CandidateSet& C = R.candidates;
    const std::string n = std::to_string(R.targets.size()) + " uncovered village" + (R.targets.size() == 1 ? "" : "s");
    const int other = C.rejected_roads + C.rejected_separation;
    if (C.rejected_allowed_area > 0 && C.rejected_exclusion == 0 && other == 0)
      throw InputError(P.allowed_area_path, "proposals.allowed_area",
                       "no candidate position inside the allowed area within " + fmt_num(s.radius_km) + " km of the " + n,
                       "an allowed area that overlaps the reach of the uncovered villages");
    if (C.rejected_exclusion > 0 && C.rejected_allowed_area == 0 && other == 0)
      throw InputError(P.exclusion_path, "proposals.exclusion",
                       "the exclusion polygons cover every candidate position within " + fmt_num(s.radius_km) +
                           " km of the " + n,
                       "exclusion polygons that leave room for new sites");
    throw InputError(s.file, "proposals",
                     "no candidate position for the " + n + " (rejected: " + std::to_string(C.rejected_allowed_area) +
                         " outside allowed_area, " + std::to_string(C.rejected_exclusion) + " in exclusion, " +
                         std::to_string(C.rejected_roads) + " far from roads, " + std::to_string(C.rejected_separation) +
                         " too close to existing sites, " + std::to_string(C.out_of_reach) +
                         " user candidates beyond radio.radius_km)",
                     "candidate rules that leave positions within radio.radius_km of the uncovered villages");
  }
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

  // est[ci * nh + hi] = (target, dBm) pairs at or above the threshold, in
  // ascending target order.
  //
  // Only the candidate cells are evaluated, not a full raster around each
  // village: for a village and a candidate within the radius, the profile is
  // extracted once exactly as path_loss_exact() extracts it (reciprocal: from
  // the village's cell centre to the candidate's, n equal steps; forward: the
  // other way) and the model is called on it for every tower height.  The
  // results are those of a full sweep read at the candidates, at a fraction
  // of the cost (candidates x heights profiles per village instead of every
  // cell within the radius).  Villages are spread over worker threads; each
  // writes its own list, merged in target order afterwards.
  std::vector<std::vector<std::pair<int, double>>> est(cands.size() * nh);
  {
    const bool reciprocal = R.evaluation == "reciprocal";
    const float thr = static_cast<float>(s.effective_threshold_dbm());
    const ClutterMap* clutter = R.inputs.clutter.classes.empty() ? nullptr : &R.inputs.clutter;
    std::vector<radio::Cell> hcell(nh, tmpl);
    std::vector<prop::LinkParams> hlink(nh);
    for (size_t hi = 0; hi < nh; ++hi) {
      hcell[hi].height_m = P.tower_heights_m[hi];
      hlink[hi] = s.link;
      hlink[hi].freq_mhz = P.freq_mhz;
      if (reciprocal) {
        hlink[hi].tx_height_m = s.link.rx_height_m;
        hlink[hi].rx_height_m = hcell[hi].height_m;
      } else {
        hlink[hi].tx_height_m = hcell[hi].height_m;
      }
    }
    struct Hit {
      int slot;
      double dbm;
    };
    std::vector<std::vector<Hit>> hits(nt);
    Progress prog(reciprocal ? "reciprocal evaluation" : "forward evaluation", nt, Progress::auto_mode(opt.quiet));
    auto work = [&](size_t t) {
      prop::Profile prof;
      const double vx = g.cell_x(vc[t]), vy = g.cell_y(vr[t]);
      const double vz = dem.at(vr[t], vc[t]);
      for (size_t ci = 0; ci < cands.size(); ++ci) {
        const Candidate& k = cands[ci];
        const double d2 = (k.x - vx) * (k.x - vx) + (k.y - vy) * (k.y - vy);
        if (d2 > r2 || d2 < step * step * 0.25) continue;
        const bool ok = reciprocal ? extract_profile(dem, vx, vy, k.x, k.y, step, prof)
                                   : extract_profile(dem, k.x, k.y, vx, vy, step, prof);
        if (!ok) continue;
        for (size_t hi = 0; hi < nh; ++hi) {
          const prop::PathLoss pl = model->loss(prof, hlink[hi]);
          if (!std::isfinite(pl.loss_db)) continue;
          float l = static_cast<float>(pl.loss_db);
          if (clutter) {
            l += static_cast<float>(clutter_loss_db(*clutter, dem, k.x, k.y, k.ground_m + hcell[hi].height_m, vr[t],
                                                    vc[t], s.link.rx_height_m, P.freq_mhz));
          }
          const double rx = received_dbm(hcell[hi], k.ground_m, k.x, k.y, l, vx, vy, vz, s.link.rx_height_m);
          if (static_cast<float>(rx) >= thr) hits[t].push_back({static_cast<int>(ci * nh + hi), rx});
        }
      }
      prog.advance();
    };
    const unsigned nthreads = static_cast<unsigned>(std::max<size_t>(
        1, std::min<size_t>(nt, opt.threads > 0 ? static_cast<size_t>(opt.threads)
                                                : std::max(1u, std::thread::hardware_concurrency()))));
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    std::exception_ptr failure;
    std::mutex failure_mu;
    for (unsigned w = 0; w < nthreads; ++w) {
      pool.emplace_back([&] {
        try {
          for (size_t t; (t = next.fetch_add(1)) < nt;) work(t);
        } catch (...) {
          std::lock_guard<std::mutex> lk(failure_mu);
          if (!failure) failure = std::current_exception();
          next = nt;
        }
      });
    }
    for (auto& th : pool) th.join();
    if (failure) std::rethrow_exception(failure);
    for (size_t t = 0; t < nt; ++t)
      for (const Hit& h : hits[t]) est[static_cast<size_t>(h.slot)].emplace_back(static_cast<int>(t), h.dbm);
  }

  phase("candidates and evaluation");
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
    for (size_t t = 0; t < nt; ++t)
      if (!cov.count(static_cast<int>(t))) R.unreachable.push_back(R.targets[t]);
  }
  if (nt > 0 && R.coverable == 0) {
    std::string heights;
    for (double h : P.tower_heights_m) heights += (heights.empty() ? "" : ", ") + fmt_num(h);
    throw InputError(s.file, "proposals",
                     "no candidate reaches any of the " + std::to_string(nt) + " uncovered villages at " +
                         fmt_num(s.effective_threshold_dbm()) + " dBm (" + std::to_string(cands.size()) +
                         " positions, towers " + heights + " m)",
                     "higher towers, more EIRP, or more candidate positions");
  }
  if (!R.unreachable.empty())
    log_info(opt.quiet, "phusong propose: " + std::to_string(R.unreachable.size()) +
                            " uncovered villages no candidate reaches (listed in report.md)");

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
  const bool milp_solved = R.milp_ran && (R.milp.status == "optimal" || R.milp.status.find("feasible") != std::string::npos);
  if (!R.greedy_ran && !milp_solved) {
    throw Error("phusong propose: the MILP found no solution (" + R.milp.status +
                "); solver: both falls back on the greedy, or raise proposals.milp_time_limit_s");
  }
  const Selection* pick = R.greedy_ran ? &R.greedy : &R.milp;
  R.chosen_by = R.greedy_ran ? "greedy" : "milp";
  if (R.greedy_ran && milp_solved && milp_preferred(R.greedy, R.milp, P.min_sites)) pick = &R.milp, R.chosen_by = "milp";
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

  phase("selection");
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
        float l = static_cast<float>(pl.loss_db);
        if (cfg.clutter)
          l += static_cast<float>(clutter_loss_db(*cfg.clutter, dem, cell.x, cell.y, cell.ground_m + cell.height_m, r, c,
                                                  s.link.rx_height_m, cell.freq_mhz));
        const double rx = received_dbm(cell, cell.ground_m, cell.x, cell.y, l, g.cell_x(c), g.cell_y(r), dem.at(r, c),
                                       s.link.rx_height_m);
        R.max_estimate_error_db = std::max(R.max_estimate_error_db, std::abs(rx - R.sites[k].claimed_dbm[j]));
      }
    }
  }

  phase("confirmation");
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

  phase("backhaul");
  // ---- outputs, staged then moved into place ----
  R.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_proposals_outputs(st.dir.string(), R);
  phase("outputs");
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
         " / " + std::to_string(a.villages_total) + " \u00b7 population " + analysis::pct_text(b.pct_population()) + " % -> " +
         analysis::pct_text(a.pct_population()) + " %";
}

}  // namespace phusong::planning
