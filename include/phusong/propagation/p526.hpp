#pragma once
// ITU-R P.526-15 "Propagation by diffraction": the pieces other models share.
//
//   * single knife edge J(v): the approximation eq. (31)
//     (prop::knife_edge_j_db, physics.cpp, used by every method here) and the
//     exact Fresnel-integral form (prop::knife_edge_j_exact_db, fresnel.cpp);
//   * the Bullington construction for a general terrain path;
//   * the spherical-earth diffraction loss for any distance (§3.2, with the
//     first-term residue series of §3.1.1 for land and sea);
//   * the "delta-Bullington" method (P.526-15 §4.5; the same algorithm is
//     ITU-R P.1812-6 §4.3 and ITU-R P.452-18 §4.2), returning its
//     intermediates;
//   * the three-edge Deygout construction.
//
// Units follow the recommendations: distances in km, heights in m above sea
// level, frequency in GHz.  All functions are pure and never throw; inputs
// are assumed validated by the caller (a Model's check()).
#include <cstddef>
#include <span>

#include "phusong/propagation/model.hpp"

namespace phusong::prop::p526 {

// Ground electrical properties for the spherical-earth first-term loss.
struct Ground {
  double eps_r = 22.0;     // relative permittivity
  double sigma_s_m = 0.003;  // conductivity, S/m
};
inline constexpr Ground kLand{22.0, 0.003};  // P.1812-6 §4.3.3 / P.452-18 §4.2.2.1
inline constexpr Ground kSea{80.0, 5.0};

// --- Bullington ------------------------------------------------------------
// One Bullington evaluation (P.1812-6 §4.3.1 eqs. (13)-(21); P.526-15 §4.5.1).
// The profile is (d_km[i], h_m[i]), i = 0 .. n-1, transmitter first; only the
// interior points i = 1 .. n-2 are obstacles.  hts/hrs are the antenna
// heights above sea level.  A null h_m means a zero-height profile (used for
// the smooth path in delta-Bullington).
struct Bullington {
  double loss_db = 0.0;   // Lbull, eq. (21): Luc + (1 - exp(-Luc/6))(10 + 0.02 d)
  double luc_db = 0.0;    // knife-edge loss J(v) of the Bullington point/edge
  double v = 0.0;         // vmax (line of sight) or vb (trans-horizon)
  bool line_of_sight = true;  // Stim < Str
  double stim = 0.0;      // greatest slope from the transmitter to the profile, m/km
  double str = 0.0;       // slope of the straight Tx-Rx line, m/km
  double srim = 0.0;      // greatest slope from the receiver (trans-horizon only), m/km
  double dbp_km = 0.0;    // distance of the Bullington point (trans-horizon) or of
                          // the edge with the largest v (line of sight) from Tx
  double hbp_m = 0.0;     // height of that point above sea level (curved earth)
  std::size_t edge = 0;   // index of the edge with the largest v (line of sight)
                          // or of the profile point defining Stim (trans-horizon)
};

Bullington bullington(std::span<const double> d_km, const double* h_m, double hts_m,
                      double hrs_m, double ae_km, double freq_ghz);
// The trans-horizon case (Stim >= Str) from its two slopes (m/km): the
// Bullington point (dbp, vb) and Lbull, eq. (21), for a path of d km.
// bullington() ends with it; a caller that finds Stim and Srim otherwise (the
// radial engine's hull queries) gets the same formulas.  edge is left 0.
Bullington bullington_trans_horizon(double stim, double srim, double d_km, double hts_m, double hrs_m,
                                    double freq_ghz);

// --- spherical earth ---------------------------------------------------------
// First-term spherical-earth diffraction loss for one ground type
// (P.526-15 §3.1.1; P.1812-6 §4.3.3), effective radius adft.
double first_term_one_db(double d_km, double hte_m, double hre_m, double adft_km,
                         double freq_ghz, Ground ground, Polarization pol);
// Land/sea mix: omega·Ldft(sea) + (1 - omega)·Ldft(land) (P.1812-6 §4.3.3).
double first_term_db(double d_km, double hte_m, double hre_m, double adft_km, double freq_ghz,
                     double omega, Polarization pol, Ground land = kLand);

// Spherical-earth diffraction loss for any distance (P.526-15 §3.2;
// P.1812-6 §4.3.2 eqs. (22)-(27)); heights above the smooth surface.
struct SphericalEarth {
  double loss_db = 0.0;
  double dlos_km = 0.0;      // marginal line-of-sight distance
  bool beyond_horizon = false;  // d >= dlos: first term used directly
  double hse_m = 0.0;        // clearance of the smooth-earth ray (d < dlos)
  double hreq_m = 0.0;       // required clearance 0.552 of the first Fresnel zone
};
SphericalEarth spherical_earth(double d_km, double hte_m, double hre_m, double ap_km,
                               double freq_ghz, double omega, Polarization pol,
                               Ground land = kLand);

// --- smooth surface ----------------------------------------------------------
// Least-squares smooth surface and its diffraction version
// (P.1812-6 Attachment 1 §5; P.452-18 Attachment 2 §5.1.6).
struct SmoothSurface {
  double hst_m = 0.0;   // least-squares surface height at Tx, eq. (85)
  double hsr_m = 0.0;   // ... at Rx, eq. (86)
  double hstd_m = 0.0;  // smooth-surface heights for diffraction, eq. (89)
  double hsrd_m = 0.0;
  double hobs_m = 0.0;  // highest obstruction above the straight Tx-Rx line
};
SmoothSurface smooth_surface(std::span<const double> d_km, std::span<const double> h_m,
                             double hts_m, double hrs_m);

// --- delta-Bullington ----------------------------------------------------------
struct DeltaBullingtonInput {
  std::span<const double> d_km;   // profile distances from Tx, strictly increasing
  std::span<const double> h_m;    // heights used for the Bullington part (terrain + clutter)
  // Heights for the least-squares smooth surface; empty: h_m is used.
  std::span<const double> h_smooth_m;
  double hts_m = 0.0;   // Tx antenna height above sea level
  double hrs_m = 0.0;   // Rx antenna height above sea level
  double ae_km = 8500.0;  // effective earth radius
  double freq_ghz = 1.0;
  double omega = 0.0;   // fraction of the path over sea
  Polarization pol = Polarization::Horizontal;
  Ground land = kLand;
};

struct DeltaBullington {
  double ld_db = 0.0;      // Ld = Lbulla + max(Ldsph - Lbulls, 0)  (P.1812-6 eq. (38))
  double lbulla_db = 0.0;  // Bullington over the actual profile
  double lbulls_db = 0.0;  // Bullington over the smooth (zero-height) profile
  double ldsph_db = 0.0;   // spherical-earth loss with htc', hrc'
  double htc_prime_m = 0.0;  // hts - hstd, eq. (37a)
  double hrc_prime_m = 0.0;  // hrs - hsrd, eq. (37b)
  SmoothSurface smooth;
  Bullington actual;       // Bullington point/edge of the actual profile
  Bullington smooth_path;  // ... of the smooth profile
  SphericalEarth sph;
};

DeltaBullington delta_bullington(const DeltaBullingtonInput& in);
// Its smooth-profile half alone (all but actual and lbulla_db; ld_db =
// max(Ldsph - Lbulls, 0)): what delta_bullington() adds to Lbulla.
DeltaBullington delta_bullington_smooth(const DeltaBullingtonInput& in);

// --- Deygout -----------------------------------------------------------------------
// Deygout construction limited to three edges: the principal edge p of
// largest v on the whole path, then the edge of largest v between Tx and p
// (t) and between p and Rx (r).  Earth curvature enters through the bulge
// d1·d2/(2 ae).  With `empirical_correction` the loss is the P.526 three-edge
// method  L = J(vp) + T·[J(vt) + J(vr) + C],  T = 1 - exp(-J(vp)/6),
// C = 10 + 0.04 D (D in km); without it the plain sum J(vp) + J(vt) + J(vr).
// Secondary edges are only sought when vp > -0.78.  J is eq. (31).
struct Deygout {
  double loss_db = 0.0;
  int edges = 0;  // number of edges with v > -0.78 (0..3)
  double vp = -1e9, vt = -1e9, vr = -1e9;
  std::size_t ip = 0, it = 0, ir = 0;  // profile indices (0 when absent)
};
Deygout deygout(std::span<const double> d_km, std::span<const double> h_m, double hts_m,
                double hrs_m, double ae_km, double freq_ghz, bool empirical_correction = true);

// Effective earth radius (km) from the refractivity gradient ΔN
// (P.1812-6 eqs. (6)-(7a); the same in P.452-18): 6371·157/(157 - ΔN).
double effective_radius_km(double delta_n);

}  // namespace phusong::prop::p526
