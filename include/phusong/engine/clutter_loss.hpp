#pragma once
// Land-cover (clutter) losses added to the terrain path loss in the engine's
// combine step (docs/scenario.md "Land cover").
//
// Two terms, both from the land-cover raster on the working grid:
//   receiver term: the class at the receiver's grid cell: its `loss_db`, or,
//     with `p2108: true`, the ITU-R P.2108-1 §3.1 height-gain terminal
//     correction A_h (eqs. 2a/2b) for the class's clutter type and height
//     (representative height R = height_m, or Table 3's value when 0; street
//     width 27 m).
//   woodland term: ITU-R P.833-10 §2.1 eq. (1), A_ev = A_m [1 − exp(−d γ / A_m)],
//     A_m = A1 f^α (eq. 2, A1 = 0.18, α = 0.752), γ the class's
//     loss_db_per_km / 1000 (dB/m), d the depth of the path's last woodland
//     section: walking from the receiver back toward the site in grid steps,
//     the first run of samples whose class has γ > 0 AND where the straight
//     line between the antenna tips passes below the canopy (terrain +
//     class height_m); d = samples × step.  Woodland the ray overflies, or
//     that lies beyond the last section, adds nothing.  A section mixing
//     woodland classes uses the largest γ met.
#include <cstdint>
#include <string>
#include <vector>

#include "phusong/raster/raster.hpp"

namespace phusong {

struct ClutterMap {
  struct Class {
    int value = 0;
    std::string name;
    double height_m = 0;
    double loss_db = 0;
    double gamma_db_per_m = 0;  // > 0: woodland
    int p2108_type = 2;
  };
  Raster<std::int16_t> index;  // index into classes on the working grid; -1 = no data
  std::vector<Class> classes;
  bool p2108 = false;
  bool has_woodland() const;
};

// Receiver term at grid cell (r, c) (0 for no data).
double clutter_receiver_loss_db(const ClutterMap& m, int r, int c, double freq_mhz, double rx_height_m) noexcept;

// Depth (m) of the last woodland section on the path from the antenna tip at
// (tx_x, tx_y, tx_tip_m above datum) to the receiver at grid cell (r, c),
// rx_tip_m above datum; largest γ in it via gamma_out.
double clutter_woodland_depth_m(const ClutterMap& m, const Raster<float>& dem, double tx_x, double tx_y,
                                double tx_tip_m, int r, int c, double rx_tip_m, double* gamma_out) noexcept;

// Both terms.
double clutter_loss_db(const ClutterMap& m, const Raster<float>& dem, double tx_x, double tx_y, double tx_tip_m,
                       int r, int c, double rx_height_m, double freq_mhz) noexcept;

}  // namespace phusong
