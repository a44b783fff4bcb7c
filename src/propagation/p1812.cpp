// ITU-R P.1812-6 path-specific prediction, written from the text of the
// recommendation (09/2021).  Equation numbers are those of P.1812-6, Annex 1
// and its Attachments; the diffraction core (Bullington, spherical earth,
// smooth surface, delta-Bullington) is shared with ITU-R P.526 / P.452 in
// p526.cpp.
//
// Clutter: P.1812-6 §3.2.1 models the terminals' surroundings by adding the
// representative clutter heights Ri to the terrain heights hi of the
// intermediate profile points, gi = hi + Ri (the terminal points carry no
// clutter: the antennas stand on the ground, g1 = h1, gn = hn).  gi enters
// the Bullington part of the diffraction loss; the horizon analysis, the
// least-squares smooth surface and the roughness use the bare terrain hi.
// There is no separate terminal clutter loss term in P.1812-6 (P.1812-4's
// Aht/Ahr were replaced by this); the SG3 results agree (Lb = Lbc at pL = 50).
#include "phusong/propagation/p1812.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop::p1812 {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kRe = 6371.0;  // earth radius, km

// Length of the path section represented by each profile point: from the
// midpoint with the previous point to the midpoint with the next one (the
// first and last points represent half a step).
inline double point_span(std::span<const double> d, std::size_t i) {
  const std::size_t n = d.size();
  const double a = i == 0 ? d[0] : 0.5 * (d[i - 1] + d[i]);
  const double b = i + 1 == n ? d[n - 1] : 0.5 * (d[i] + d[i + 1]);
  return b - a;
}

// η·ln(exp(a/η) + exp(b/η)) without overflow.
inline double soft_max(double a, double b, double eta) {
  const double m = std::max(a, b);
  return m + eta * std::log(std::exp((a - m) / eta) + std::exp((b - m) / eta));
}

}  // namespace

// P.1812-6 Annex 1 approximation of I(x): I(x) = T(x) - ξ(x) for 0 < x <= 0.5, with
// T(x) = sqrt(-2 ln x) and ξ(x) = ((C2 T + C1) T + C0) / (((D3 T + D2) T + D1) T + 1);
// I(x) = -I(1 - x) above 0.5.
double inv_cum_norm(double x) {
  if (!(x > 0.0 && x < 1.0)) return std::nan("");
  const bool upper = x > 0.5;
  const double xx = upper ? 1.0 - x : x;
  constexpr double c0 = 2.515516698, c1 = 0.802853, c2 = 0.010328;
  constexpr double d1 = 1.432788, d2 = 0.189269, d3 = 0.001308;
  const double t = std::sqrt(-2.0 * std::log(xx));
  const double xi = ((c2 * t + c1) * t + c0) / (((d3 * t + d2) * t + d1) * t + 1.0);
  const double v = t - xi;
  return upper ? -v : v;
}

// Great-circle geometry on a sphere of radius 6371 km (the method of ITU-R
// P.2001-4 Attachment H, which P.1812-6 §3.5 refers to): the bearing Bt of
// the Rx seen from the Tx, then the point at distance d/2 along it:
//   φ = arcsin(sin φt cos(δ) + cos φt sin(δ) cos Bt),  δ = (d/2) / 6371.
double path_centre_lat_deg(double phi_t_deg, double lam_t_deg, double phi_r_deg,
                           double lam_r_deg, double d_km) {
  const double deg = kPi / 180.0;
  const double pt = phi_t_deg * deg, pr = phi_r_deg * deg;
  const double dl = (lam_r_deg - lam_t_deg) * deg;
  const double bt = std::atan2(std::cos(pr) * std::sin(dl),
                               std::cos(pt) * std::sin(pr) - std::sin(pt) * std::cos(pr) * std::cos(dl));
  if (!(d_km >= 0.0)) {
    // Distance between the end points (haversine).
    const double a = std::pow(std::sin((pr - pt) / 2.0), 2.0) +
                     std::cos(pt) * std::cos(pr) * std::pow(std::sin(dl / 2.0), 2.0);
    d_km = 2.0 * kRe * std::asin(std::min(1.0, std::sqrt(a)));
  }
  const double delta = 0.5 * d_km / kRe;
  const double s = std::sin(pt) * std::cos(delta) + std::cos(pt) * std::sin(delta) * std::cos(bt);
  return std::asin(std::clamp(s, -1.0, 1.0)) / deg;
}

namespace {

// Basic transmission loss in free space on the slant distance between the
// antennas, eq. (8) (f GHz, d km, antenna heights m).
double free_space_db(double f, double d, double hts, double hrs) {
  const double dfs = std::sqrt(d * d + std::pow((hts - hrs) / 1000.0, 2.0));
  return 92.4 + 20.0 * std::log10(f) + 20.0 * std::log10(dfs);
}

// Troposcatter, eqs. (44)-(45), for the path angular distance theta (mrad).
double troposcatter_db(double f, double d, double theta_mrad, double n0, double p) {
  const double lf = 25.0 * std::log10(f) - 2.5 * std::pow(std::log10(f / 2.0), 2.0);       // (45)
  return 190.1 + lf + 20.0 * std::log10(d) + 0.573 * theta_mrad - 0.15 * n0 -
         10.125 * std::pow(std::log10(50.0 / p), 0.7);                                    // (44)
}

// The distance interpolation factor Fk, eq. (58).
double fk_factor(double d) { return 1.0 - 0.5 * (1.0 + std::tanh(3.0 * 0.5 * (d - 20.0) / 20.0)); }

// The combination of troposcatter and the other mechanisms, eq. (63).
double combined_db(double lbs, double lbam) {
  const double m = std::min(lbs, lbam);
  return m - 5.0 * std::log10(std::pow(10.0, -0.2 * (lbs - m)) + std::pow(10.0, -0.2 * (lbam - m)));
}

}  // namespace

// Everything after the path analysis: §3.6 β0, §4.2 line of sight, §4.3
// eqs. (39)-(43), troposcatter, ducting, the combination and the location
// variability, from the geometry and the two diffraction losses in r.
void finish(const Input& in, Result& r) {
  const double f = in.freq_ghz;
  const double p = in.time_pct;
  const double d = r.d_km;
  const double ae = r.ae_km;
  const double hts = r.hts_m, hrs = r.hrs_m;
  r.theta_mrad = 1e3 * d / ae + r.theta_t_mrad + r.theta_r_mrad;                         // (82)
  // β0, the time percentage for which refractive-index lapse rates exceeding
  // 100 N-units/km can be expected in the first 100 m (§3.6, up to eq. (5)).
  {
    const double tau = 1.0 - std::exp(-(4.12e-4 * std::pow(r.dlm_km, 2.41)));        
    double mu1 = std::pow(std::pow(10.0, -r.dtm_km / (16.0 - 6.6 * tau)) +
                              std::pow(10.0, -5.0 * (0.496 + 0.354 * tau)),
                          0.2);                                                        
    mu1 = std::min(mu1, 1.0);
    const double aphi = std::fabs(in.phi_path_deg);
    const double mu4 = aphi <= 70.0 ? std::pow(10.0, (-0.935 + 0.0176 * aphi) * std::log10(mu1))
                                    : std::pow(10.0, 0.3 * std::log10(mu1));           
    r.beta0_pct = aphi <= 70.0 ? std::pow(10.0, -0.015 * aphi + 1.67) * mu1 * mu4
                               : 4.17 * mu1 * mu4;                                       // (5)
  }

  // Line of sight with multipath/focusing, §4.2 eqs. (8)-(12); free space on
  // the slant distance between the antennas.
  r.lbfs_db = free_space_db(f, d, hts, hrs);                                                // (8)
  const double esk = 2.6 * (1.0 - std::exp(-0.1 * (r.dlt_km + r.dlr_km)));
  r.lb0p_db = r.lbfs_db + esk * std::log10(p / 50.0);                                      // (9), (10)
  r.lb0b_db = r.lbfs_db + esk * std::log10(r.beta0_pct / 50.0);                            // (11)

  if (p == 50.0) {
    r.fi = 0.0;
  } else if (p > r.beta0_pct) {
    r.fi = inv_cum_norm(p / 100.0) / inv_cum_norm(r.beta0_pct / 100.0);                    // (40)
  } else {
    r.fi = 1.0;
  }
  r.ldp_db = r.ld50_db + r.fi * (r.ldb_db - r.ld50_db);                                    // (41)
  r.lbd50_db = r.lbfs_db + r.ld50_db;                                                      // (42)
  r.lbd_db = r.lb0p_db + r.ldp_db;                                                         // (43)

  // Troposcatter, §4.4 eqs. (44)-(45).
  r.lbs_db = troposcatter_db(f, d, r.theta_mrad, in.n0, p);

  // Ducting / layer reflection, §4.5 eqs. (46)-(56): Lba = Af + Ad(p).
  {
    // Site-shielding diffraction losses Ast, Asr.
    auto shield = [&](double theta, double dl) {
      const double t2 = theta - 0.1 * dl;                                                
      return t2 > 0.0 ? 20.0 * std::log10(1.0 + 0.361 * t2 * std::sqrt(f * dl)) +
                            0.264 * t2 * std::cbrt(f)
                      : 0.0;                                                             
    };
    const double ast = shield(r.theta_t_mrad, r.dlt_km);
    const double asr = shield(r.theta_r_mrad, r.dlr_km);
    // Over-sea surface duct coupling corrections Act, Acr.
    auto coupling = [&](double dc, double dl, double hs) {
      return (r.omega >= 0.75 && dc <= dl && dc <= 5.0)
                 ? -3.0 * std::exp(-0.25 * dc * dc) * (1.0 + std::tanh(0.07 * (50.0 - hs)))
                 : 0.0;
    };
    const double act = coupling(in.dct_km, r.dlt_km, hts);
    const double acr = coupling(in.dcr_km, r.dlr_km, hrs);
    // Empirical correction for the increasing attenuation with wavelength in
    // ducted propagation below 0.5 GHz, Alf.
    const double alf = f < 0.5 ? 45.375 - 137.0 * f + 92.5 * f * f : 0.0;
    const double af = 102.45 + 20.0 * std::log10(f) + 20.0 * std::log10(r.dlt_km + r.dlr_km) +
                      alf + ast + asr + act + acr;                                        // Af
    const double gamma_d = 5e-5 * ae * std::cbrt(f);                                       // γd
    const double tht = std::min(r.theta_t_mrad, 0.1 * r.dlt_km);                           // θ't, θ'r
    const double thr = std::min(r.theta_r_mrad, 0.1 * r.dlr_km);
    const double theta_p = 1e3 * d / ae + tht + thr;                                       // θ'
    const double dI = std::min(d - r.dlt_km - r.dlr_km, 40.0);
    const double mu3 = r.hm_m > 10.0 ? std::exp(-4.6e-5 * (r.hm_m - 10.0) * (43.0 + 6.0 * dI)) : 1.0;
    const double tau = 1.0 - std::exp(-(4.12e-4 * std::pow(r.dlm_km, 2.41)));
    const double alpha = std::max(-0.6 - 3.5e-9 * std::pow(d, 3.1) * tau, -3.4);
    const double sq = std::sqrt(std::max(r.hte_m, 0.0)) + std::sqrt(std::max(r.hre_m, 0.0));
    double mu2 = std::pow(500.0 * d * d / (ae * sq * sq), alpha);
    mu2 = std::min(mu2, 1.0);
    const double beta = r.beta0_pct * mu2 * mu3;
    const double lb = std::log10(beta);
    const double gamma = 1.076 / std::pow(2.0058 - lb, 1.012) *
                         std::exp(-(9.51 - 4.8 * lb + 0.198 * lb * lb) * 1e-6 * std::pow(d, 1.13));  // Γ
    const double ap = -12.0 + (1.2 + 3.7e-3 * d) * std::log10(p / beta) +
                      12.0 * std::pow(p / beta, gamma);                                   // A(p)
    r.lba_db = af + gamma_d * theta_p + ap;                                                 // (46)
  }

  // Combination, §4.6 eqs. (57)-(63).
  r.fj = 1.0 - 0.5 * (1.0 + std::tanh(3.0 * 0.8 * (r.theta_mrad - 0.3) / 0.3));           // (57)
  r.fk = fk_factor(d);                                                                       // (58)
  r.lminb0p_db = p < r.beta0_pct
                     ? r.lb0p_db + (1.0 - r.omega) * r.ldp_db
                     : r.lbd50_db + (r.lb0b_db + (1.0 - r.omega) * r.ldp_db - r.lbd50_db) * r.fi;  // (59)
  r.lminbap_db = soft_max(r.lba_db, r.lb0p_db, 2.5);                                       // (60)
  r.lbda_db = r.lminbap_db > r.lbd_db ? r.lbd_db
                                      : r.lminbap_db + (r.lbd_db - r.lminbap_db) * r.fk;   // (61)
  r.lbam_db = r.lbda_db + (r.lminb0p_db - r.lbda_db) * r.fj;                               // (62)
  r.lbc_db = combined_db(r.lbs_db, r.lbam_db);                                              // (63)

  // Location variability and the result, §4.7-§4.10 eqs. (64)-(70).  Building
  // entry loss (§4.8) is not modelled: Lloc is an input (0 outdoors).
  const double il = in.location_pct == 50.0 ? 0.0 : inv_cum_norm(in.location_pct / 100.0);
  r.lb_db = std::max(r.lb0p_db, r.lbc_db + in.loc_loss_db - il * in.sigma_loc_db);       // (69)
  r.ep_dbuv_m = 199.36 + 20.0 * std::log10(f) - r.lb_db;                                   // (70)
  r.valid = std::isfinite(r.lb_db);
}

double lb_lower_bound_db(const Input& in, double d, double hts, double hrs, double ae, double ld50_low_db) {
  if (in.time_pct != 50.0 || in.location_pct != 50.0) return std::nan("");
  const double lbfs = free_space_db(in.freq_ghz, d, hts, hrs);  // = Lb0p
  const double theta = 1e3 * d / ae + elevation_mrad(hrs - hts, d, ae) + elevation_mrad(hts - hrs, d, ae);  // (82)
  const double lbam = lbfs + fk_factor(d) * std::max(ld50_low_db, 0.0);
  const double lbc = combined_db(troposcatter_db(in.freq_ghz, d, theta, in.n0, 50.0), lbam);
  return std::max(lbfs, lbc + in.loc_loss_db);  // (69)
}

double elevation_mrad(double dh_m, double dist_km, double ae_km) {
  return 1e3 * std::atan(dh_m / (1e3 * dist_km) - dist_km / (2.0 * ae_km));
}

Input link_input(const LinkParams& p) {
  Input in;
  in.freq_ghz = p.freq_mhz / 1000.0;
  in.time_pct = p.time_pct;
  in.location_pct = p.location_pct;
  in.sigma_loc_db = p.location_sigma_db;
  in.htg_m = p.tx_height_m;
  in.hrg_m = p.rx_height_m;
  in.pol = p.pol;
  in.delta_n = p.delta_n;
  in.n0 = p.n0;
  in.phi_path_deg = p.lat_deg;
  return in;
}

Result predict(const Input& in) {
  Result r;
  const std::size_t n = in.d_km.size();
  const double nan = std::nan("");
  auto fail = [&]() {
    r.lb_db = r.lbc_db = r.ep_dbuv_m = nan;
    r.valid = false;
    return r;
  };
  if (n < 2 || in.h_m.size() != n || !(in.d_km[n - 1] - in.d_km[0] > 0.0)) return fail();
  const double f = in.freq_ghz;
  const double lambda = 0.299792458 / f;

  // Profile with clutter, gi = hi + Ri for the intermediate points (§3.2.1).
  thread_local std::vector<double> dk, g;
  dk.resize(n);
  g.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    dk[i] = in.d_km[i] - in.d_km[0];
    const double rc = (in.r_m.size() == n && i > 0 && i + 1 < n) ? in.r_m[i] : 0.0;
    g[i] = in.h_m[i] + rc;
  }
  const std::span<const double> d_span(dk.data(), n);
  const std::span<const double> h_span = in.h_m;
  const std::span<const double> g_span(g.data(), n);
  const double d = dk[n - 1];
  r.d_km = d;
  r.hts_m = in.h_m[0] + in.htg_m;
  r.hrs_m = in.h_m[n - 1] + in.hrg_m;
  const double hts = r.hts_m, hrs = r.hrs_m;

  // Zones: ω, dtm, dlm (§3.3, Table 3).
  {
    double sea = 0.0, run_land = 0.0, run_inland = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const int z = in.zone.size() == n ? in.zone[i] : kInland;
      const double w = point_span(d_span, i);
      if (z == kSea) {
        sea += w;
        run_land = 0.0;
      } else {
        run_land += w;
      }
      if (z == kInland || (z != kSea && z != kCoastalLand)) {
        run_inland += w;
      } else {
        run_inland = 0.0;
      }
      r.dtm_km = std::max(r.dtm_km, run_land);
      r.dlm_km = std::max(r.dlm_km, run_inland);
    }
    r.omega = sea / d;
  }

  // Effective earth radii, §3.7 eqs. (6)-(7b).
  r.ae_km = p526::effective_radius_km(in.delta_n);
  r.abeta_km = 3.0 * kRe;
  const double ae = r.ae_km;

  // Path classification and horizons, Attachment 1 §4 eqs. (76)-(82).  The
  // elevation angles are 1000·arctan(Δh/(1000 dist) - dist/(2 ae)) mrad; the
  // profile used is the bare terrain hi (the SG3 results confirm that clutter
  // does not enter the horizon analysis).
  {
    auto elev = [&](double dh_m, double dist_km) { return elevation_mrad(dh_m, dist_km, ae); };
    double theta_max = kNegInf;
    std::size_t imax = 1;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      const double th = elev(in.h_m[i] - hts, dk[i]);                                     // (76)
      if (th > theta_max) {
        theta_max = th;
        imax = i;
      }
    }
    const double theta_td = elev(hrs - hts, d);                                           // (77)
    r.trans_horizon = theta_max > theta_td;
    if (r.trans_horizon) {
      r.theta_t_mrad = theta_max;
      r.ilt = imax;
      r.dlt_km = dk[imax];                                                                // (78)
      double theta_rm = kNegInf;
      std::size_t jmax = n - 2;
      for (std::size_t j = 1; j + 1 < n; ++j) {
        const double th = elev(in.h_m[j] - hrs, d - dk[j]);                               // (79)
        if (th > theta_rm) {
          theta_rm = th;
          jmax = j;
        }
      }
      r.theta_r_mrad = theta_rm;
      r.ilr = jmax;
      r.dlr_km = d - dk[jmax];                                                            // (81)
    } else {
      r.theta_t_mrad = theta_td;
      r.theta_r_mrad = elev(hts - hrs, d);                                                // (80)
      double vmax = kNegInf;
      std::size_t im = 1;
      for (std::size_t i = 1; i + 1 < n; ++i) {
        const double v = (in.h_m[i] + 500.0 * dk[i] * (d - dk[i]) / ae -
                          (hts * (d - dk[i]) + hrs * dk[i]) / d) *
                         std::sqrt(0.002 * d / (lambda * dk[i] * (d - dk[i])));          // (78)
        if (v > vmax) {
          vmax = v;
          im = i;
        }
      }
      r.ilt = r.ilr = im;
      r.dlt_km = dk[im];
      r.dlr_km = d - dk[im];                                                              // (81a)
    }
  }

  // Smooth surface and effective heights, Attachment 1 §5 eqs. (84)-(93)
  // (least squares, eqs. (85)-(86), and hstd/hsrd, eq. (89), in p526.cpp).
  const p526::SmoothSurface ss = p526::smooth_surface(d_span, h_span, hts, hrs);
  r.hst_m = std::min(ss.hst_m, in.h_m[0]);                                                 // (90a)
  r.hsr_m = std::min(ss.hsr_m, in.h_m[n - 1]);                                             // (90b)
  r.hstd_m = ss.hstd_m;
  r.hsrd_m = ss.hsrd_m;
  r.hte_m = in.htg_m + in.h_m[0] - r.hst_m;                                                // (92a)
  r.hre_m = in.hrg_m + in.h_m[n - 1] - r.hsr_m;                                            // (92b)
  {
    double hm = 0.0;
    bool any = false;
    for (std::size_t i = r.ilt; i <= r.ilr && i < n; ++i) {
      const double hi = in.h_m[i] - (r.hst_m + (r.hsr_m - r.hst_m) * dk[i] / d);        // (93)
      hm = any ? std::max(hm, hi) : hi;
      any = true;
    }
    r.hm_m = hm;
  }

  // Diffraction, §4.3 eqs. (13)-(43).
  p526::DeltaBullingtonInput db;
  db.d_km = d_span;
  db.h_m = g_span;
  db.h_smooth_m = h_span;
  db.hts_m = hts;
  db.hrs_m = hrs;
  db.freq_ghz = f;
  db.omega = r.omega;
  db.pol = in.pol;
  db.ae_km = ae;
  r.diff50 = p526::delta_bullington(db);
  db.ae_km = r.abeta_km;
  r.diffb = p526::delta_bullington(db);
  r.ld50_db = r.diff50.ld_db;                                                              // (39)
  r.ldb_db = r.diffb.ld_db;
  finish(in, r);
  return r;
}

}  // namespace phusong::prop::p1812

namespace phusong::prop {

namespace {

// The "p1812" model: ITU-R P.1812-6 over the terrain profile.
//   f, p, pL, htg, hrg, polarization: LinkParams freq_mhz, time_pct,
//   location_pct, tx_height_m, rx_height_m, pol;  N0 = n0, ΔN = delta_n,
//   path-centre latitude = lat_deg, σL = location_sigma_db (LinkParams).
//   Clutter heights R and radio-climatic zones: Profile::clutter_m / zone
//   when present (else no clutter, all inland).
//   dct / dcr (§3.4, distance of each terminal from the coast in the
//   direction of the other): 0 when the terminal's own point is sea (zone 1),
//   else the distance along the profile to the first sea point, 500 km when
//   the profile has no sea (the recommendation's value for inland terminals
//   far from the coast).
class P1812Model final : public Model {
 public:
  std::string_view name() const override { return "p1812"; }
  std::string_view description() const override {
    return "ITU-R P.1812-6 path-specific prediction (30 MHz-6 GHz): LoS, delta-Bullington, "
           "troposcatter, ducting, clutter from the profile";
  }
  void check(const LinkParams& p, const std::string& source) const override {
    check_common(p, source, 30.0, 6000.0);
    require_range(p.time_pct >= 1.0 && p.time_pct <= 50.0, source, "time_pct", p.time_pct,
                  "1 to 50 % for ITU-R P.1812");
    require_range(p.location_pct >= 1.0 && p.location_pct <= 99.0, source, "location_pct", p.location_pct,
                  "1 to 99 % for ITU-R P.1812");
    for (auto [v, n] : {std::pair{p.tx_height_m, "tx_height_m"}, std::pair{p.rx_height_m, "rx_height_m"}})
      require_range(v >= 1.0 && v <= 3000.0, source, n, v, "1 to 3000 m above ground for ITU-R P.1812");
    require_range(p.delta_n > 0.0 && p.delta_n < 150.0, source, "delta_n", p.delta_n,
                  "above 0 and below 150 N-units/km");
    require_range(p.n0 >= 200.0 && p.n0 <= 500.0, source, "n0", p.n0, "200 to 500 N-units");
    require_range(p.lat_deg >= -90.0 && p.lat_deg <= 90.0, source, "lat_deg", p.lat_deg, "-90 to 90 degrees");
    require_range(p.location_sigma_db >= 0.0 && p.location_sigma_db <= 30.0, source, "location_sigma_db",
                  p.location_sigma_db, "0 to 30 dB");
  }
  PathLoss loss(const Profile& prof, const LinkParams& p) const noexcept override {
    PathLoss out;
    const std::size_t n = prof.size();
    if (n < 2 || prof.distance_m.size() != n || !(prof.length_m() > 0.0)) {
      out.loss_db = std::nan("");
      return out;
    }
    thread_local std::vector<double> d_km;
    d_km.resize(n);
    for (std::size_t i = 0; i < n; ++i) d_km[i] = prof.distance_m[i] / 1000.0;
    const double d = d_km[n - 1];
    p1812::Input in = p1812::link_input(p);
    in.d_km = d_km;
    in.h_m = prof.height_m;
    if (prof.clutter_m.size() == n) in.r_m = prof.clutter_m;
    if (prof.zone.size() == n) {
      in.zone = prof.zone;
      in.dct_km = in.dcr_km = 500.0;
      for (std::size_t i = 0; i < n; ++i) {
        if (prof.zone[i] == p1812::kSea) {
          in.dct_km = d_km[i];
          break;
        }
      }
      for (std::size_t i = n; i-- > 0;) {
        if (prof.zone[i] == p1812::kSea) {
          in.dcr_km = d - d_km[i];
          break;
        }
      }
    }
    const auto r = p1812::predict(in);
    out.loss_db = r.valid ? r.lb_db : std::nan("");
    if (r.lbs_db < r.lbam_db) {
      out.mode = Mode::Troposcatter;
    } else {
      out.mode = r.trans_horizon ? Mode::Diffraction : Mode::LineOfSight;
    }
    if (d < 0.25 || d > 3000.0) out.warnings |= kWarnDistance;
    return out;
  }
};

}  // namespace

std::unique_ptr<Model> make_p1812() { return std::make_unique<P1812Model>(); }

}  // namespace phusong::prop
