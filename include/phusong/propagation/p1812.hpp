#pragma once
// ITU-R P.1812-6 (09/2021): a path-specific propagation prediction method for
// point-to-area terrestrial services in the frequency range 30 MHz to 6 GHz.
//
// predict() is the pure method: it takes every input of the recommendation
// explicitly (Input) and returns the basic transmission loss with all the
// intermediates of the ITU-R SG3 validation tables (Result).  The "p1812"
// Model (make_p1812()) maps LinkParams and the Profile onto it.
//
// Units follow the recommendation: frequency in GHz, distances in km,
// heights in m (amsl unless the name says otherwise), angles in mrad.
#include <cstddef>
#include <span>

#include "phusong/propagation/model.hpp"
#include "phusong/propagation/p526.hpp"

namespace phusong::prop::p1812 {

// Radio-climatic zones (P.1812-6 §3.3, Table 3).
enum Zone : int { kSea = 1, kCoastalLand = 3, kInland = 4 };

struct Input {
  double freq_ghz = 1.0;        // 0.03 .. 6
  double time_pct = 50.0;       // p, 1 .. 50
  double location_pct = 50.0;   // pL, 1 .. 99
  double sigma_loc_db = 0.0;    // σL, standard deviation of the location variability (§4.7)
  double loc_loss_db = 0.0;     // Lloc, mean location loss (0 outdoors; §4.8 building entry)
  double htg_m = 10.0;          // Tx antenna height above ground
  double hrg_m = 10.0;          // Rx antenna height above ground
  Polarization pol = Polarization::Horizontal;
  double delta_n = 45.0;        // ΔN, average radio-refractive index lapse-rate, N-units/km
  double n0 = 325.0;            // N0, sea-level surface refractivity, N-units
  double phi_path_deg = 45.0;   // latitude of the path centre (§3.5, eq. (4))
  double dct_km = 500.0;        // Tx distance from the coast along the path (§3.4)
  double dcr_km = 500.0;        // Rx distance from the coast along the path
  // Profile, Tx first: distances (km, from 0, increasing), terrain heights
  // (m amsl), representative clutter heights R (m, may be empty: no clutter)
  // and radio-climatic zones (may be empty: all inland).
  std::span<const double> d_km;
  std::span<const double> h_m;
  std::span<const double> r_m;
  std::span<const int> zone;
};

struct Result {
  // Path geometry (Attachment 1).
  double d_km = 0.0;
  double hts_m = 0.0, hrs_m = 0.0;     // antenna heights amsl
  bool trans_horizon = false;
  double theta_t_mrad = 0.0, theta_r_mrad = 0.0, theta_mrad = 0.0;  // eqs. (76)-(82)
  double dlt_km = 0.0, dlr_km = 0.0;   // horizon distances, eqs. (78), (81a)
  std::size_t ilt = 0, ilr = 0;        // profile indices of the horizons
  double hst_m = 0.0, hsr_m = 0.0;     // smooth surface, eqs. (85)-(86), (90)
  double hstd_m = 0.0, hsrd_m = 0.0;   // smooth surface for diffraction, eq. (89)
  double hte_m = 0.0, hre_m = 0.0;     // effective heights for ducting, eq. (92)
  double hm_m = 0.0;                   // terrain roughness, eq. (93)
  // Radio-meteorology and zones.
  double omega = 0.0;                  // fraction of the path over sea
  double dtm_km = 0.0, dlm_km = 0.0;   // longest continuous land / inland sections
  double beta0_pct = 0.0;              // β0, eq. (5)
  double ae_km = 0.0, abeta_km = 0.0;  // effective earth radii, eqs. (7a), (7b)
  // Line of sight.
  double lbfs_db = 0.0;                // eq. (8)
  double lb0p_db = 0.0, lb0b_db = 0.0; // eqs. (10), (11)
  // Diffraction.
  p526::DeltaBullington diff50;        // delta-Bullington with ae (Lbulla, Lbulls, Ldsph, Ld50)
  p526::DeltaBullington diffb;         // ... with aβ (Ldβ)
  double ld50_db = 0.0, ldb_db = 0.0;  // eq. (39)
  double fi = 0.0;                     // eq. (40)
  double ldp_db = 0.0;                 // eq. (41)
  double lbd50_db = 0.0, lbd_db = 0.0; // eqs. (42), (43)
  // Troposcatter and ducting.
  double lbs_db = 0.0;                 // eq. (44)
  double lba_db = 0.0;                 // eq. (46)
  // Combination (§4.6).
  double fj = 0.0, fk = 0.0;           // eqs. (57), (58)
  double lminb0p_db = 0.0;             // eq. (59)
  double lminbap_db = 0.0;             // eq. (60)
  double lbda_db = 0.0;                // eq. (61)
  double lbam_db = 0.0;                // eq. (62)
  double lbc_db = 0.0;                 // eq. (63), p% time, 50% locations
  double lb_db = 0.0;                  // eq. (69), p% time, pL% locations
  double ep_dbuv_m = 0.0;              // eq. (70), field strength for 1 kW e.r.p.
  bool valid = false;                  // false when the input cannot be evaluated
};

// The prediction.  Never throws; returns valid = false (and NaN losses) for
// profiles with fewer than 2 points or a non-positive length.
Result predict(const Input& in);

// The second half of predict(): from the path analysis in r (d_km, hts_m,
// hrs_m, trans_horizon, theta_t_mrad, theta_r_mrad, dlt_km, dlr_km, hte_m,
// hre_m, hm_m, omega, dtm_km, dlm_km, ae_km, ld50_db, ldb_db) and the
// scalar inputs of in (its profile spans are not read), everything else:
// β0, eq. (82), line of sight, eqs. (40)-(43), troposcatter, ducting, the
// combination and the location variability, up to lb_db and valid.
// predict() is the analysis of the profile followed by finish(); the radial
// engine's kernel finds the same analysis incrementally and calls it.
void finish(const Input& in, Result& r);

// A lower bound of finish()'s Lb (eq. (69)), dB, for a path of d_km
// between antennas at hts_m, hrs_m (amsl) over an earth of effective radius
// ae_km (r.ae_km), given only ld50_low_db <= Ld50 (eq.
// (39)), from finish()'s own inequalities; NaN (no bound) unless
// in.time_pct and in.location_pct are 50.  At p = 50 %:
//   Lb0p = Lbfs (eq. (9)) and Fi = 0 (eq. (40)), so Lbd = Lbfs + Ld50
//   (eqs. (41)-(43)) and Lminb0p = Lbd50 = Lbd (eq. (59): beta0 < 50 % at
//   any latitude, eq. (5));
//   Lminbap >= Lb0p (eq. (60), a soft maximum), so Lbda >= Lbfs + Fk Ld50
//   (eq. (61): Lbd, or (1 - Fk) Lminbap + Fk Lbd with Lminbap <= Lbd, Fk in
//   [0, 1] from d alone, eq. (58)); Lbam >= Lbda (eq. (62): Fj in [0, 1]
//   and Lminb0p = Lbd >= Lbda);
//   Lbc (eq. (63)) rises with both Lbs and Lbam;
//   Lbs (eq. (44)) rises with theta (eq. (82)), and theta_t >= theta_td,
//   theta_r >= theta_rd (eqs. (76)-(80): equal in line of sight; beyond it
//   a sample lies above the chord between the antennas, in either end's
//   frame, the two differing by a linear term, so it is steeper than the
//   other antenna from both ends);
//   and at pL = 50 %, Lb = max(Lb0p, Lbc + Lloc) (eq. (69)).
// So Lb >= max(Lbfs, Lbc(Lbs(theta_td + theta_rd), Lbfs + Fk ld50_low) +
// Lloc); the radial engine's kernel bounds Ld50 by the Bullington loss of
// one sample (its loss ceiling).
double lb_lower_bound_db(const Input& in, double d_km, double hts_m, double hrs_m, double ae_km,
                         double ld50_low_db);

// The scalar inputs from a link: f, p, pL, σL, htg, hrg, polarization, ΔN,
// N0 and the path-centre latitude (LinkParams freq_mhz, time_pct,
// location_pct, location_sigma_db, tx_height_m, rx_height_m, pol, delta_n,
// n0, lat_deg); the profile, dct and dcr are left at their defaults.  The
// "p1812" model's mapping, shared by the radial engine's kernel.
Input link_input(const LinkParams& p);

// Elevation angle (mrad) of a point dh_m above (below) a terminal, dist_km
// away, over an earth of effective radius ae_km: Attachment 1 eqs. (76),
// (77), (79), (80), 1000 arctan(dh / (1000 dist) - dist / (2 ae)).
double elevation_mrad(double dh_m, double dist_km, double ae_km);

// Inverse complementary cumulative normal distribution I(x), 0 < x < 1
// (the rational approximation given in P.1812-6 Annex 1, Abramowitz & Stegun
// 26.2.23; |error| < 4.5e-4).
double inv_cum_norm(double x);

// Latitude (deg) of the path centre (§3.5, eq. (4)): the point at distance
// d_km/2 from the Tx along the great circle towards the Rx (d_km: the
// profile length; negative: the great-circle distance between the ends,
// giving the great-circle midpoint).
double path_centre_lat_deg(double phi_t_deg, double lam_t_deg, double phi_r_deg, double lam_r_deg,
                           double d_km = -1.0);

}  // namespace phusong::prop::p1812
