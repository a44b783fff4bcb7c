// Free space plus terrain knife-edge diffraction by the Deygout construction
// (up to three edges: the main edge, then the dominant edge on each side).
//
//   Free space: ITU-R P.525-4 eq. (7) on the 3-D distance between antennas.
//   Diffraction parameter v: ITU-R P.526-15 eq. (26), v = h·sqrt(2 d / (λ d1 d2)).
//   Single edge loss J(v): ITU-R P.526-15 eq. (31) (0 dB for v <= -0.78).
//   Edge construction: J. Deygout, "Multiple knife-edge diffraction of
//   microwaves", IEEE Trans. AP-14 (1966); the same scheme is the main-edge
//   plus secondary-edge method of ITU-R P.526 (earlier editions §4.5.1).
// Earth curvature: terrain is raised by the bulge d1·d2/(2·k·a) of the whole
// path (effective earth radius k·a, k from the scenario, 4/3 by default).
#include <algorithm>
#include <cmath>

#include "phusong/propagation/models.hpp"

namespace phusong::prop {

namespace {

struct Edge {
  double v = -1e9;
  std::size_t k = 0;
};

// Largest v over samples strictly between i and j, with the ray between
// (d_i, ya) and (d_j, yb).  z holds curvature-adjusted terrain.
Edge main_edge(const double* d, const double* z, std::size_t i, std::size_t j, double ya,
               double yb, double lambda) {
  Edge e;
  const double dij = d[j] - d[i];
  if (j <= i + 1 || dij <= 0.0) return e;
  const double slope = (yb - ya) / dij;
  for (std::size_t k = i + 1; k < j; ++k) {
    const double d1 = d[k] - d[i];
    const double d2 = d[j] - d[k];
    if (d1 <= 0.0 || d2 <= 0.0) continue;
    const double h = z[k] - (ya + slope * d1);
    const double v = h * std::sqrt(2.0 * dij / (lambda * d1 * d2));
    if (v > e.v) {
      e.v = v;
      e.k = k;
    }
  }
  return e;
}

class Deygout final : public Model {
 public:
  std::string_view name() const override { return "deygout"; }
  std::string_view description() const override {
    return "free space + Deygout 3-edge knife-edge diffraction over terrain (ITU-R P.526 J(v))";
  }
  void check(const LinkParams& p, const std::string& source) const override {
    check_common(p, source, 30.0, 100000.0);
  }
  PathLoss loss(const Profile& prof, const LinkParams& p) const noexcept override {
    PathLoss out;
    const std::size_t n = prof.size();
    if (n < 2) {
      out.loss_db = std::nan("");
      return out;
    }
    const double total = prof.length_m();
    const double lambda = wavelength_m(p.freq_mhz);
    // Curvature-adjusted terrain, kept per thread to avoid allocation per cell.
    thread_local std::vector<double> z;
    z.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const double dk = prof.distance_m[k];
      z[k] = prof.height_m[k] + earth_bulge_m(dk, total - dk, p.k_factor);
    }
    const double ya = z[0] + p.tx_height_m;
    const double yb = z[n - 1] + p.rx_height_m;
    const double* d = prof.distance_m.data();
    const double d3 = std::max(std::hypot(total, ya - yb), 1.0);
    const Edge m = main_edge(d, z.data(), 0, n - 1, ya, yb, lambda);
    Edge l, r;
    if (m.v > -0.78) {
      const double ym = z[m.k];
      l = main_edge(d, z.data(), 0, m.k, ya, ym, lambda);
      r = main_edge(d, z.data(), m.k, n - 1, ym, yb, lambda);
    }
    const double diff = deygout_diffraction_db(m.v, l.v, r.v);
    out.mode = (m.v > 0.0) ? Mode::Diffraction : Mode::LineOfSight;
    out.loss_db = fspl_db(p.freq_mhz, d3) + diff;
    return out;
  }
};

}  // namespace

double deygout_diffraction_db(double vm, double vl, double vr) {
  if (!(vm > -0.78)) return 0.0;
  double diff = knife_edge_j_db(vm);
  if (vl > -0.78) diff += knife_edge_j_db(vl);
  if (vr > -0.78) diff += knife_edge_j_db(vr);
  return diff;
}

std::unique_ptr<Model> make_deygout() { return std::make_unique<Deygout>(); }

}  // namespace phusong::prop
