#pragma once
// The parallel coverage engine: for every cell (sector) of every site, the
// received reference-signal power over the grid within the site's radius,
// and the composite (best server, its power, number of servers above the
// threshold).  The only module that uses TBB.
#include <cstdint>
#include <functional>
#include <vector>

#include "phusong/propagation/model.hpp"
#include "phusong/radio/cell.hpp"
#include "phusong/raster/raster.hpp"

namespace phusong {

class Progress;

// Exact: path_loss_exact (reference, O(R^3)); Fast: path_loss_radial
// (engine/radial.hpp, O(R^2)).
enum class EngineKind { Exact, Fast };

struct ClutterMap;   // engine/clutter_loss.hpp
struct RadialStats;  // engine/radial.hpp

// Optional SINR accumulator: over the cells marked in `member`, the linear
// sum of the received powers (mW) and the strongest one, per grid cell.
struct PowerSum {
  std::vector<char> member;  // per cell of compute_coverage's vector
  Raster<double> sum_mw;     // 0 where none reaches
  Raster<float> best_dbm;    // NaN where none reaches
};

struct EngineConfig {
  double radius_m = 10000.0;
  double threshold_dbm = -110.0;
  int threads = 0;  // 0 = all cores
  EngineKind kind = EngineKind::Exact;
  const ClutterMap* clutter = nullptr;  // land-cover losses added to the path loss (optional)
  PowerSum* power_sum = nullptr;        // SINR accumulation (optional; sized by compute_coverage)
  RadialStats* stats = nullptr;         // the fast engine's counts, added to over the sites (optional)
};

struct Composite {
  Raster<float> best_dbm;        // NaN where no cell reaches
  Raster<std::int16_t> best_cell;  // index into the cells vector, -1 none
  Raster<std::uint8_t> count;    // cells at or above the threshold
};

// Path loss from one antenna position to every grid cell within radius_m:
// NaN outside the radius or where the terrain is unknown.  `exact` builds a
// full bilinear terrain profile (one sample per grid step) to each cell and
// calls the model on it: the reference that faster engines are checked against.
//
// window (optional; raster.hpp's window_within() of the same antenna and
// radius): the result covers that block only (window_raster()), so that a site's raster
// costs its own window and not the whole grid; the cells hold the same values.
Raster<float> path_loss_exact(const Raster<float>& dem, double tx_x, double tx_y, const prop::Model& model,
                              const prop::LinkParams& link, double radius_m, int threads = 0,
                              const CellWindow* window = nullptr);

// Computes the composite over all cells.  Checks first (throws InputError):
// every cell inside the DEM and the model's parameters.  `link` carries the
// receiver height and model parameters; frequency and tx height come per cell.
//
// Optional groups (e.g. carriers): group_of_cell[i] in [0, per_group->size())
// or -1; each group gets its own composite over its cells only, computed in
// the same pass (one path-loss computation per antenna position).
struct CellGroups {
  std::vector<int> group_of_cell;
  int count = 0;
};
Composite compute_coverage(const Raster<float>& dem, std::vector<radio::Cell>& cells, const prop::Model& model,
                           const prop::LinkParams& link, const EngineConfig& cfg, Progress* progress = nullptr,
                           const CellGroups* groups = nullptr, std::vector<Composite>* per_group = nullptr);

}  // namespace phusong
