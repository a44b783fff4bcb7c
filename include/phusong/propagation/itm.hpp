#pragma once
// Longley-Rice Irregular Terrain Model (ITM), version 1.2.2, as pure functions.
//
// The algorithm follows G. A. Hufford, "The ITS Irregular Terrain Model,
// version 1.2.2: the Algorithm" (NTIA/ITS, 1995), with the area-mode siting
// rules of Hufford, Longley & Kissick, NTIA Report 82-100 (1982), and the
// empirical curves of Longley & Rice, ESSA Tech. Report ERL 79-ITS 67 (1968)
// and NBS Tech. Note 101 (Rice et al., 1967).  Warning-flag bit values are
// those published with the NTIA reference implementation of ITM, so results
// can be compared flag for flag with its outputs.
//
// Two entry points:
//   point_to_point(): terrain profile in ITM's PFL form (np + 1 equally spaced
//                     heights, step xi, transmitter first).
//   area():           distance, terrain irregularity delta_h and the siting
//                     criteria of each terminal (no profile).
// Both return the basic transmission loss together with the intermediate
// values (horizons, delta_h, effective heights, mode) in `Result`.
//
// Variability is set by LinkParams::time_pct / location_pct / situation_pct and
// LinkParams::mdvar (see model.hpp).  Confidence/reliability inputs map onto
// these with cr_params().
#include <cstddef>
#include <cstdint>
#include <string>

#include "phusong/propagation/model.hpp"

namespace phusong::prop::itm {

// ITM warning flags (bit values of the NTIA reference implementation).
enum Flag : std::uint32_t {
  kFlagTxTerminalHeight = 0x0001,    // tx height outside 1..1000 m
  kFlagRxTerminalHeight = 0x0002,    // rx height outside 1..1000 m
  kFlagFrequency = 0x0004,           // frequency outside 40..10000 MHz
  kFlagPathDistanceTooBig1 = 0x0008, // path longer than 1000 km
  kFlagPathDistanceTooBig2 = 0x0010, // path longer than 2000 km
  kFlagPathDistanceTooSmall1 = 0x0020, // path shorter than |he1 - he2| / 0.2 rad
  kFlagPathDistanceTooSmall2 = 0x0040, // path shorter than 1 km
  kFlagTxHorizonAngle = 0x0080,      // |theta_hzn_tx| > 200 mrad
  kFlagRxHorizonAngle = 0x0100,      // |theta_hzn_rx| > 200 mrad
  kFlagTxHorizonDistance1 = 0x0200,  // tx horizon < 0.1 x smooth-earth horizon
  kFlagRxHorizonDistance1 = 0x0400,  // rx horizon < 0.1 x smooth-earth horizon
  kFlagTxHorizonDistance2 = 0x0800,  // tx horizon > 3 x smooth-earth horizon
  kFlagRxHorizonDistance2 = 0x1000,  // rx horizon > 3 x smooth-earth horizon
  kFlagExtremeVariabilities = 0x2000, // a standard normal deviate beyond +-3.1
  kFlagSurfaceRefractivity = 0x4000, // computed N_s below 250 N-units
};

// Area-mode siting criteria (NTIA Report 82-100, §3 "effective heights").
enum class Siting : int { Random = 0, Careful = 1, VeryCareful = 2 };

struct AreaInput {
  double distance_km = 10.0;
  double delta_h_m = 90.0;  // terrain irregularity parameter
  Siting tx_siting = Siting::Random;
  Siting rx_siting = Siting::Random;
};

struct Result {
  double loss_db = 0.0;       // basic transmission loss A = A_fs + variability-adjusted attenuation
  double free_space_db = 0.0; // A_fs = 32.45 + 20 log f_MHz + 20 log d_km
  double a_ref_db = 0.0;      // reference (median) attenuation relative to free space
  double distance_m = 0.0;
  double delta_h_m = 0.0;     // terrain irregularity parameter used
  double n_s = 0.0;           // surface refractivity, N-units
  double gamma_e_per_m = 0.0; // effective earth curvature, 1/m
  double h_e_m[2] = {0.0, 0.0};           // effective antenna heights (tx, rx)
  double d_hzn_m[2] = {0.0, 0.0};         // horizon distances (tx, rx)
  double theta_hzn_rad[2] = {0.0, 0.0};   // horizon elevation angles (tx, rx)
  double d_sml_m = 0.0;       // smooth-earth line-of-sight distance d_Ls
  double d_ml_m = 0.0;        // sum of horizon distances d_L
  double d_x_m = 0.0;         // distance where troposcatter takes over
  Mode mode = Mode::None;     // region used for A_ref
  std::uint32_t flags = 0;    // Flag bits
  int kwx = 0;                // ITM 1.2.2 error indicator 0..4 (4: results not valid)
};

// Point-to-point mode.  `height_m` holds count = np + 1 terrain heights
// (metres above the datum) spaced `step_m` apart, transmitter first.
// Never throws; invalid geometry (count < 2, step <= 0) gives loss_db = NaN.
Result point_to_point(const double* height_m, std::size_t count, double step_m,
                      const LinkParams& p) noexcept;

// ---- the profile analysis done elsewhere (the radial engine's ray kernel) ----
// point_to_point() = profile analysis [Alg §3] + the rest.  These let a caller
// that keeps the analysis incrementally along a ray supply it directly.
// Effective earth curvature gamma_e (1/m) for N_0 = n0 reduced to the mean
// elevation zsys_m [Alg §2] (point_to_point(): the mean of the profile
// without its first and last 10 %).
double effective_curvature(double n0, double zsys_m);
// What a prediction computes from the link parameters alone [Alg §2, §5]
// (wave number, ground impedance, the standard normal deviates of the
// percentages, the climate's frequency factors, ...): prepare_link() once,
// then point_to_point_analysed() for each path of a sweep.  Every entry
// point goes through it, so a prepared link gives the same bits as p.
struct PreparedLink {
  LinkParams params;
  double wn = 0.0;                    // wave number f / f0, f0 = 47.7 MHz·m (1/m)
  double zgnd_re = 0.0, zgnd_im = 0.0;  // surface transfer impedance Z_g
  double inv_abs_zgnd = 0.0;          // 1 / |Z_g|
  double zt = 0.0, zl = 0.0, zc = 0.0;  // deviates of time, location, situation
  double gm = 0.0, gp = 0.0;          // climate frequency factors (below / above the median)
  double dexa_wn_m = 0.0;             // cbrt(575.7e12 / wn), the frequency term of d_ex
  double free_space_f_db = 0.0;       // 32.45 + 20 log10 f
  std::uint32_t input_flags = 0;      // terminal-height and frequency Flag bits
};
PreparedLink prepare_link(const LinkParams& p) noexcept;
// delta_h of a PFL profile (count heights, step_m apart) between x1 and x2 [Alg §3].
double delta_h(const double* height_m, std::size_t count, double step_m, double x1_m, double x2_m);
struct TerrainAnalysis {
  double distance_m = 0.0;
  double zsys_m = 0.0;                  // mean elevation for N_s
  double z_m[2] = {0.0, 0.0};           // terrain at the transmitter and the receiver
  double theta_hzn_rad[2] = {0.0, 0.0}; // horizon angles (tx, rx) with the gamma_e of zsys
  double d_hzn_m[2] = {0.0, 0.0};       // horizon distances
  double delta_h_m = 0.0;
  // Least-squares terrain line at the transmitter / receiver end: over the
  // whole section between the foregrounds when d_hzn0 + d_hzn1 > 1.5 d, else
  // over each terminal's foreground up to 0.9 of its horizon.
  double fit_m[2] = {0.0, 0.0};
};
// The prediction point_to_point() makes after its profile analysis.  Only the
// loss, mode and flags are those of point_to_point(): the troposcatter
// boundary d_x is not computed (Result::d_x_m = NaN) for a path shorter than
// its lower bound max(d_Ls, d_L + 0.3 X_ae ln(47.7 k)) [Alg §4], where the
// scatter line cannot apply.
Result point_to_point_analysed(const TerrainAnalysis& t, const PreparedLink& link) noexcept;
Result point_to_point_analysed(const TerrainAnalysis& t, const LinkParams& p) noexcept;

// Area mode.  N_s equals LinkParams::n0 (no elevation correction).
Result area(const AreaInput& a, const LinkParams& p) noexcept;

// Confidence/reliability form, as in the ITS point_to_point() driver of
// version 1.2.2 (avar(z_r, 0, z_c)): reliability is the time percentage,
// confidence the situation percentage, location stays at the median (50 %).
// Returns a copy of p with those three fields set.
LinkParams cr_params(const LinkParams& p, double confidence_pct, double reliability_pct);

// Validates the inputs ITM accepts (throws InputError naming the field):
// frequency 20..20000 MHz, heights 0.5..3000 m, n0 250..400 N-units,
// eps >= 1, sigma > 0, climate 1..7, mdvar in {0..3} + {0, 10, 20, 30},
// percentages strictly between 0 and 100.
void check_params(const LinkParams& p, const std::string& source);
// Area-mode extras: distance > 0 km, delta_h >= 0 m, siting 0..2.
void check_area(const AreaInput& a, const std::string& source);

// Maps ITM flags onto the project-wide Warning bits.
std::uint32_t to_warnings(std::uint32_t flags);

// Inverse of the complementary standard normal distribution, Q^-1(q), by the
// rational approximation Abramowitz & Stegun 26.2.23 used by ITM (|error| < 4.5e-4).
double inverse_ccdf(double q);

}  // namespace phusong::prop::itm
