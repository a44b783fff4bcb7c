// Land-cover losses: ITU-R P.2108-1 §3.1 / class loss at the receiver and
// ITU-R P.833-10 §2.1 woodland excess loss along the path.  See
// include/phusong/engine/clutter_loss.hpp.
#include "phusong/engine/clutter_loss.hpp"

#include <algorithm>
#include <cmath>

#include "phusong/propagation/clutter.hpp"

namespace phusong {

bool ClutterMap::has_woodland() const {
  return std::any_of(classes.begin(), classes.end(), [](const Class& k) { return k.gamma_db_per_m > 0; });
}

double clutter_receiver_loss_db(const ClutterMap& m, int r, int c, double freq_mhz, double rx_height_m) noexcept {
  const int k = m.index.at(r, c);
  if (k < 0) return 0.0;
  const ClutterMap::Class& cl = m.classes[static_cast<size_t>(k)];
  if (!m.p2108) return cl.loss_db;
  const double R = cl.height_m > 0 ? cl.height_m
                                   : prop::p2108_default_clutter_height_m(static_cast<prop::ClutterType>(cl.p2108_type));
  const double a = prop::p2108_height_gain_db(freq_mhz / 1000.0, rx_height_m, prop::kP2108DefaultStreetWidthM, R,
                                              cl.p2108_type);
  return std::isfinite(a) ? a : 0.0;
}

double clutter_woodland_depth_m(const ClutterMap& m, const Raster<float>& dem, double tx_x, double tx_y,
                                double tx_tip_m, int r, int c, double rx_tip_m, double* gamma_out) noexcept {
  const Grid& g = m.index.grid();
  const double x1 = g.cell_x(c), y1 = g.cell_y(r);
  const double d = std::hypot(tx_x - x1, tx_y - y1);
  const double step = std::min(g.dx, g.dy);
  const int n = static_cast<int>(d / step);
  const double ux = d > 0 ? (tx_x - x1) / d : 0.0, uy = d > 0 ? (tx_y - y1) / d : 0.0;
  int run = 0;
  double gamma = 0;
  for (int k = 0; k <= n; ++k) {
    const double s = k * step;
    const int cc = static_cast<int>(std::floor(g.col_f(x1 + ux * s)));
    const int rr = static_cast<int>(std::floor(g.row_f(y1 + uy * s)));
    bool wood = false;
    if (m.index.in_bounds(rr, cc)) {
      const int ki = m.index.at(rr, cc);
      if (ki >= 0) {
        const ClutterMap::Class& cl = m.classes[static_cast<size_t>(ki)];
        if (cl.gamma_db_per_m > 0) {
          const float ground = dem.at(rr, cc);
          const double ray = rx_tip_m + (tx_tip_m - rx_tip_m) * (d > 0 ? s / d : 0.0);
          if (!std::isnan(ground) && ray - ground < cl.height_m) {
            wood = true;
            gamma = std::max(gamma, cl.gamma_db_per_m);
          }
        }
      }
    }
    if (wood) ++run;
    else if (run > 0) break;
  }
  if (gamma_out) *gamma_out = gamma;
  return run * step;
}

double clutter_loss_db(const ClutterMap& m, const Raster<float>& dem, double tx_x, double tx_y, double tx_tip_m,
                       int r, int c, double rx_height_m, double freq_mhz) noexcept {
  double loss = clutter_receiver_loss_db(m, r, c, freq_mhz, rx_height_m);
  if (m.has_woodland()) {
    double gamma = 0;
    const double depth =
        clutter_woodland_depth_m(m, dem, tx_x, tx_y, tx_tip_m, r, c, dem.at(r, c) + rx_height_m, &gamma);
    if (depth > 0 && gamma > 0) {
      const double a = prop::p833_woodland_at_freq_db(freq_mhz, depth, gamma);
      if (std::isfinite(a)) loss += a;
    }
  }
  return loss;
}

}  // namespace phusong
