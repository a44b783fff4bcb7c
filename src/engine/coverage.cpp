#include "phusong/engine/coverage.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include "phusong/core/error.hpp"
#include "phusong/core/progress.hpp"
#include "phusong/engine/clutter_loss.hpp"
#include "phusong/engine/radial.hpp"
#include "phusong/terrain/profile.hpp"

namespace phusong {

namespace {

constexpr double kRadToDeg = 57.29577951308232;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Added to the radial engine's loss ceiling (compute_coverage): well above
// the float roundings between a kernel's double loss and the composites.
constexpr double kCeilingMarginDb = 0.01;
// The side, in cells, of the blocks over which the ceiling bounds the
// antenna gains.
constexpr int kCeilingBlock = 8;

std::unique_ptr<tbb::global_control> limit_threads(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<size_t>(threads));
}

}  // namespace

Raster<float> path_loss_exact(const Raster<float>& dem, double tx_x, double tx_y, const prop::Model& model,
                              const prop::LinkParams& link, double radius_m, int threads, const CellWindow* window) {
  auto ctl = limit_threads(threads);
  const Grid& g = dem.grid();
  // the raster: the window's block, or the whole grid; the cells computed:
  // those within the radius inside it
  const CellWindow out = window ? *window : whole_window(g);
  Raster<float> loss = window_raster(g, out, kNoDataF);
  CellWindow w = window_within(g, tx_x, tx_y, radius_m);
  w.r0 = std::max(w.r0, out.r0);
  w.r1 = std::min(w.r1, out.r1);
  w.c0 = std::max(w.c0, out.c0);
  w.c1 = std::min(w.c1, out.c1);
  const double step = std::min(g.dx, g.dy);
  const double r2 = radius_m * radius_m;
  tbb::parallel_for(tbb::blocked_range<int>(w.r0, w.r1 + 1), [&](const tbb::blocked_range<int>& rr) {
    prop::Profile prof;
    for (int r = rr.begin(); r != rr.end(); ++r) {
      const double y = g.cell_y(r);
      float* row = loss.row(r - out.r0);
      for (int c = w.c0; c <= w.c1; ++c) {
        const double x = g.cell_x(c);
        const double d2 = (x - tx_x) * (x - tx_x) + (y - tx_y) * (y - tx_y);
        if (d2 > r2) continue;
        double ex = x, ey = y;
        if (d2 < step * step * 0.25) {
          // The transmitter's own cell: evaluate half a cell away.
          ex = tx_x + step * 0.5;
        }
        if (!extract_profile(dem, tx_x, tx_y, ex, ey, step, prof)) continue;
        const prop::PathLoss pl = model.loss(prof, link);
        row[c - out.c0] = std::isfinite(pl.loss_db) ? static_cast<float>(pl.loss_db) : kNoDataF;
      }
    }
  });
  return loss;
}

Composite compute_coverage(const Raster<float>& dem, std::vector<radio::Cell>& cells, const prop::Model& model,
                           const prop::LinkParams& link, const EngineConfig& cfg, Progress* progress,
                           const CellGroups* groups, std::vector<Composite>* per_group) {
  const Grid& g = dem.grid();
  // ---- checks before any parallel work ----
  if (!(cfg.radius_m > 0.0)) throw InputError("engine", "radius_km", "must be positive", "> 0 km");
  for (auto& c : cells) {
    const double z = sample_bilinear(dem, c.x, c.y);
    if (!g.contains(c.x, c.y) || std::isnan(z)) {
      throw InputError("sites", "cell " + c.cell_id, "site " + c.site_id + " at lon " + fmt_num(c.lon) + ", lat " +
                                                        fmt_num(c.lat) + " lies outside the DEM",
                       "every site inside the terrain raster");
    }
    c.ground_m = z;
    prop::LinkParams p = link;
    p.freq_mhz = c.freq_mhz;
    p.tx_height_m = c.height_m;
    model.check(p, "sites: cell " + c.cell_id);
  }
  if (cells.size() > 32000) throw InputError("sites", "cells", "too many cells", "at most 32000");

  if (cfg.power_sum) {
    if (cfg.power_sum->member.size() != cells.size()) throw Error("compute_coverage: power_sum members do not match the cells");
    cfg.power_sum->sum_mw = Raster<double>(g, 0.0);
    cfg.power_sum->best_dbm = Raster<float>(g, kNoDataF);
  }
  if (groups && (groups->group_of_cell.size() != cells.size() || !per_group)) {
    throw Error("compute_coverage: cell groups do not match the cells");
  }
  auto ctl = limit_threads(cfg.threads);
  auto blank = [&] { return Composite{Raster<float>(g, kNoDataF), Raster<std::int16_t>(g, -1), Raster<std::uint8_t>(g, 0)}; };
  Composite out = blank();
  if (groups) {
    per_group->clear();
    for (int i = 0; i < groups->count; ++i) per_group->push_back(blank());
  }
  // Keeps the best server and the count of one composite at one grid cell.
  auto update = [&](Composite& comp, int r, int c, size_t idx, double rx) {
    const float rxf = static_cast<float>(rx);
    float& best = comp.best_dbm.at(r, c);
    if (std::isnan(best) || rxf > best) {
      best = rxf;
      comp.best_cell.at(r, c) = static_cast<std::int16_t>(idx);
    }
    if (rx >= cfg.threshold_dbm) {
      auto& n = comp.count.at(r, c);
      if (n < 255) ++n;
    }
  };

  // Cells sharing position, antenna height and frequency share one path-loss computation.
  std::map<std::tuple<double, double, double, double>, std::vector<size_t>> positions;
  for (size_t i = 0; i < cells.size(); ++i) {
    positions[{cells[i].x, cells[i].y, cells[i].height_m, cells[i].freq_mhz}].push_back(i);
  }
  // Process groups in the order of their first cell, for stable tie-breaking.
  std::vector<std::vector<size_t>> order;
  for (auto& [k, v] : positions) order.push_back(v);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });

  // The radial engine's loss ceiling (path_loss_radial), reused from site
  // to site: NaN (none) outside the current site's window.
  Raster<float> ceiling;
  for (const auto& members : order) {
    const radio::Cell& head = cells[members.front()];
    prop::LinkParams p = link;
    p.freq_mhz = head.freq_mhz;
    p.tx_height_m = head.height_m;
    const CellWindow w = window_within(g, head.x, head.y, cfg.radius_m);
    const double tip = head.ground_m + head.height_m;
    // Per member: its reference-signal EIRP; and whether any member's gain
    // needs the bearing (the second atan2 per cell is skipped otherwise).
    std::vector<double> eirp_dbm(members.size());
    bool need_bearing = false;
    // A cell where no member can reach the threshold nor beat the best so far
    // of the composite and of the members' group composites changes nothing
    // (power sums, which every member adds to, disable this): it is skipped
    // before the antenna angles.  The bound is the members' largest EIRP
    // plus antenna gain in any direction (0 dB: the main beam's, for the
    // parametric pattern and for pattern files, whose attenuations are
    // >= 0) minus the loss.
    bool can_skip = !cfg.power_sum;
    double eirp_max_dbm = -std::numeric_limits<double>::infinity();
    std::vector<int> member_groups;  // distinct groups of the members
    for (size_t m = 0; m < members.size(); ++m) {
      const radio::Cell& cell = cells[members[m]];
      eirp_dbm[m] = radio::reference_eirp_dbm(cell);
      eirp_max_dbm = std::max(eirp_max_dbm, eirp_dbm[m] + radio::max_relative_gain_db(cell, 0.0, 360.0, -90.0, 90.0));
      need_bearing = need_bearing || radio::gain_uses_bearing(cell);
      const int grp = groups ? groups->group_of_cell[members[m]] : -1;
      if (grp >= 0 && std::find(member_groups.begin(), member_groups.end(), grp) == member_groups.end())
        member_groups.push_back(grp);
    }
    // True when a member reaching upper_dbm at (r, c) could not change it.
    auto unchanged = [&](int r, int c, double upper_dbm) {
      if (!(upper_dbm < cfg.threshold_dbm)) return false;
      const float upper = static_cast<float>(upper_dbm);
      const float best = out.best_dbm.at(r, c);
      if (std::isnan(best) || upper > best) return false;
      for (int grp : member_groups) {
        const float gb = (*per_group)[static_cast<size_t>(grp)].best_dbm.at(r, c);
        if (std::isnan(gb) || upper > gb) return false;
      }
      return true;
    };
    // The members' largest EIRP plus antenna gain towards any cell centre of
    // rows r0..r1, columns c0..c1, whose terrain lies within [z_lo, z_hi]
    // (NaN or empty: every depression): the bearings of a box of cell
    // centres that leaves out the site span its corners'; the depression,
    // atan2(tip - (z + rx), distance) as the loop below computes it, rises
    // with the height difference and, for a positive one, falls with the
    // distance.  The result may exceed the cells' own powers, never fall
    // below them (up to roundings far under kCeilingMarginDb).
    auto block_eirp_dbm = [&](int r0, int r1, int c0, int c1, double z_lo, double z_hi) {
      const double x_lo = g.cell_x(c0) - head.x, x_hi = g.cell_x(c1) - head.x;
      const double y_lo = g.cell_y(r1) - head.y, y_hi = g.cell_y(r0) - head.y;
      double b_lo = 0.0, b_hi = 360.0;  // bearings, degrees
      const bool around_site = x_lo <= 0.0 && x_hi >= 0.0 && y_lo <= 0.0 && y_hi >= 0.0;
      if (!around_site) {
        const double b0 = std::atan2(x_lo, y_lo) * kRadToDeg;
        double lo = 0.0, hi = 0.0;
        for (const auto& [cx, cy] : {std::pair{x_hi, y_lo}, std::pair{x_lo, y_hi}, std::pair{x_hi, y_hi}}) {
          double t = std::atan2(cx, cy) * kRadToDeg - b0;
          if (t > 180.0) t -= 360.0;
          if (t < -180.0) t += 360.0;
          lo = std::min(lo, t);
          hi = std::max(hi, t);
        }
        b_lo = b0 + lo;
        b_hi = b0 + hi;
      }
      double dep_lo = -90.0, dep_hi = 90.0;  // depressions, degrees
      if (z_lo <= z_hi) {
        const double nx = std::max({x_lo, -x_hi, 0.0}), ny = std::max({y_lo, -y_hi, 0.0});
        const double fx = std::max(std::abs(x_lo), std::abs(x_hi)), fy = std::max(std::abs(y_lo), std::abs(y_hi));
        const double d_near = std::max(std::sqrt(nx * nx + ny * ny), 1.0);
        const double d_far = std::max(std::sqrt(fx * fx + fy * fy), 1.0);
        const double n_lo = tip - (z_hi + link.rx_height_m), n_hi = tip - (z_lo + link.rx_height_m);
        dep_lo = std::atan2(n_lo, n_lo >= 0.0 ? d_far : d_near) * kRadToDeg;
        dep_hi = std::atan2(n_hi, n_hi >= 0.0 ? d_near : d_far) * kRadToDeg;
      }
      double upper = -std::numeric_limits<double>::infinity();
      for (size_t m = 0; m < members.size(); ++m)
        upper = std::max(upper,
                         eirp_dbm[m] + radio::max_relative_gain_db(cells[members[m]], b_lo, b_hi, dep_lo, dep_hi));
      return upper;
    };
    // For the fast engine, where skipping is allowed and no land-cover loss
    // is added (the ceiling assumes the path loss is the cell's whole loss):
    // per cell, the loss beyond which no member reaching the cell changes
    // it (unchanged() for each member's own power), plus kCeilingMarginDb
    // for the float roundings, so that a kernel answering "beyond" only
    // drops cells the loop below would skip.  The members' powers are
    // bounded by block of kCeilingBlock x kCeilingBlock cells: each
    // member's EIRP plus its largest antenna gain over the block's bearings
    // and depressions (radio::max_relative_gain_db), which for sectors lies
    // 0-10 dB below the main beam's.
    const bool use_ceiling = cfg.kind == EngineKind::Fast && can_skip && !cfg.clutter;
    if (use_ceiling) {
      if (ceiling.grid().rows == 0) ceiling = Raster<float>(g, kNoDataF);
      const int block_rows = (w.r1 - w.r0) / kCeilingBlock + 1;
      tbb::parallel_for(tbb::blocked_range<int>(0, block_rows), [&](const tbb::blocked_range<int>& rb) {
        for (int br = rb.begin(); br != rb.end(); ++br) {
          const int r0 = w.r0 + br * kCeilingBlock, r1 = std::min(r0 + kCeilingBlock - 1, w.r1);
          for (int c0 = w.c0; c0 <= w.c1; c0 += kCeilingBlock) {
            const int c1 = std::min(c0 + kCeilingBlock - 1, w.c1);
            // per cell, the power the members must stay below (all of these;
            // none known, NaN: no ceiling, as unchanged() never holds there),
            // and the block's terrain heights
            std::array<double, kCeilingBlock * kCeilingBlock> floor_dbm;
            double z_lo = std::numeric_limits<double>::infinity(), z_hi = -z_lo;
            for (int r = r0; r <= r1; ++r)
              for (int c = c0; c <= c1; ++c) {
                const float best = out.best_dbm.at(r, c);
                double f = std::isnan(best) ? kNaN : std::min(cfg.threshold_dbm, static_cast<double>(best));
                for (int grp : member_groups) {
                  const float gb = (*per_group)[static_cast<size_t>(grp)].best_dbm.at(r, c);
                  f = std::isnan(gb) ? kNaN : std::min(f, static_cast<double>(gb));
                }
                floor_dbm[static_cast<size_t>((r - r0) * kCeilingBlock + (c - c0))] = f;
                const double z = dem.at(r, c);
                if (z < z_lo) z_lo = z;  // (false for NaN)
                if (z > z_hi) z_hi = z;
              }
            const double upper_dbm = block_eirp_dbm(r0, r1, c0, c1, z_lo, z_hi);
            for (int r = r0; r <= r1; ++r)
              for (int c = c0; c <= c1; ++c) {
                const double f = floor_dbm[static_cast<size_t>((r - r0) * kCeilingBlock + (c - c0))];
                ceiling.at(r, c) = std::isnan(f) ? kNoDataF : static_cast<float>(upper_dbm - f + kCeilingMarginDb);
              }
          }
        }
      });
    }
    const Raster<float> loss =
        cfg.kind == EngineKind::Fast
            ? path_loss_radial(dem, head.x, head.y, model, p, cfg.radius_m, 0, use_ceiling ? &ceiling : nullptr, &w,
                               cfg.stats)
            : path_loss_exact(dem, head.x, head.y, model, p, cfg.radius_m, 0, &w);
    tbb::parallel_for(tbb::blocked_range<int>(w.r0, w.r1 + 1), [&](const tbb::blocked_range<int>& rr) {
      for (int r = rr.begin(); r != rr.end(); ++r) {
        const double y = g.cell_y(r);
        for (int c = w.c0; c <= w.c1; ++c) {
          float l = loss.at(r - w.r0, c - w.c0);
          if (std::isnan(l)) continue;
          if (l == std::numeric_limits<float>::infinity()) continue;  // beyond the ceiling: unchanged()
          if (cfg.clutter) {
            l += static_cast<float>(clutter_loss_db(*cfg.clutter, dem, head.x, head.y, tip, r, c, link.rx_height_m, head.freq_mhz));
          }
          // beyond the ceiling (a kernel without one leaves it to here; with
          // the gains' bound, tighter than the next line's)
          if (use_ceiling && l > ceiling.at(r, c)) continue;
          if (can_skip && unchanged(r, c, eirp_max_dbm - l)) continue;
          const double x = g.cell_x(c);
          const double dx = x - head.x, dy = y - head.y;
          const double dist = std::max(std::sqrt(dx * dx + dy * dy), 1.0);
          double bearing = 0.0;  // degrees clockwise from north, [0, 360)
          if (need_bearing) {
            bearing = std::atan2(dx, dy) * kRadToDeg + 360.0;
            if (bearing >= 360.0) bearing -= 360.0;
          }
          const double depression = std::atan2(tip - (dem.at(r, c) + link.rx_height_m), dist) * kRadToDeg;
          for (size_t m = 0; m < members.size(); ++m) {
            const size_t idx = members[m];
            const radio::Cell& cell = cells[idx];
            const double rx = eirp_dbm[m] + radio::relative_gain_db(cell, bearing, depression) - l;
            update(out, r, c, idx, rx);
            if (cfg.power_sum && cfg.power_sum->member[idx]) {
              cfg.power_sum->sum_mw.at(r, c) += std::pow(10.0, rx / 10.0);
              float& b = cfg.power_sum->best_dbm.at(r, c);
              if (std::isnan(b) || rx > b) b = static_cast<float>(rx);
            }
            if (groups && groups->group_of_cell[idx] >= 0) update((*per_group)[groups->group_of_cell[idx]], r, c, idx, rx);
          }
        }
      }
    });
    if (progress) progress->advance(members.size());
  }
  return out;
}

}  // namespace phusong
