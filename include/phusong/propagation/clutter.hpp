#pragma once
// Clutter and vegetation losses that are added to a basic transmission loss.
//
//   ITU-R P.2108-1 (09/2021) "Prediction of clutter loss", Annex 1 §3:
//     §3.1 height-gain terminal correction model      (eqs. 2a-2h)
//     §3.2 terrestrial statistical model              (eqs. 3-6)
//     §3.3 aeronautical (Earth-space) statistical model (eqs. 7-8)
//   ITU-R P.833-10 (09/2021) "Attenuation in vegetation", Annex 1 §2.1
//     terrestrial path with one terminal in woodland  (eqs. 1-2)
//
// Every loss comes as a pair: check_*() validates the inputs against the
// recommendation's range and throws phusong::InputError(source, field, ...);
// the *_db() function is pure, never throws, and returns NaN for inputs that
// check_*() would reject.  P.2108 frequencies are in GHz (as in the
// recommendation), P.833 frequencies in MHz.
#include <string>

namespace phusong::prop {

// ---- ITU-R P.2108-1 §3.1: height-gain terminal correction ------------------
// Clutter types of P.2108-1 Table 3 (numbering as in the NTIA reference data).
enum class ClutterType : int {
  WaterSea = 1,     // eq. (2b), R = 10 m
  OpenRural = 2,    // eq. (2b), R = 10 m
  Suburban = 3,     // eq. (2a), R = 10 m
  Urban = 4,        // eq. (2a), R = 15 m
  TreesForest = 5,  // eq. (2a), R = 15 m
  DenseUrban = 6,   // eq. (2a), R = 20 m
};

// Representative clutter height R of P.2108-1 Table 3, metres.
double p2108_default_clutter_height_m(ClutterType type) noexcept;
// Default street width w_s of §3.1, metres.
inline constexpr double kP2108DefaultStreetWidthM = 27.0;

// Valid: 0.03 <= freq_ghz <= 3, antenna_height_m > 0, street_width_m > 0,
// clutter_height_m > 0, type one of ClutterType.
void p2108_check_height_gain(double freq_ghz, double antenna_height_m, double street_width_m,
                             double clutter_height_m, int clutter_type,
                             const std::string& source);
// Additional loss A_h (dB) at a terminal of height h inside clutter of height R;
// 0 when h >= R.  clutter_type is the integer value of ClutterType.
double p2108_height_gain_db(double freq_ghz, double antenna_height_m, double street_width_m,
                            double clutter_height_m, int clutter_type) noexcept;

// ---- ITU-R P.2108-1 §3.2: terrestrial statistical model --------------------
// Valid: 0.5 <= freq_ghz <= 67, distance_km >= 0.25, 0 < location_pct < 100.
void p2108_check_terrestrial(double freq_ghz, double distance_km, double location_pct,
                             const std::string& source);
// Clutter loss L_ctt (dB) not exceeded for location_pct % of locations, for one
// end of a terrestrial path of length distance_km in urban/suburban clutter.
double p2108_terrestrial_db(double freq_ghz, double distance_km, double location_pct) noexcept;

// ---- ITU-R P.2108-1 §3.3: aeronautical statistical model -------------------
// Valid: 10 <= freq_ghz <= 100, 0 <= elevation_deg <= 90, 0 < location_pct < 100.
void p2108_check_aeronautical(double freq_ghz, double elevation_deg, double location_pct,
                              const std::string& source);
// Clutter loss L_ces (dB) not exceeded for location_pct % of locations for an
// Earth-space or aeronautical path leaving urban/suburban clutter at elevation_deg.
double p2108_aeronautical_db(double freq_ghz, double elevation_deg, double location_pct) noexcept;

// ---- ITU-R P.833-10 §2.1: one terminal in woodland --------------------------
// A1 and alpha of eq. (2) measured in tropical woodland (Rio de Janeiro,
// 900-1800 MHz), the values quoted in P.833-10 §2.1.
inline constexpr double kP833A1Db = 0.18;
inline constexpr double kP833Alpha = 0.752;

// Maximum attenuation A_m = A1 f^alpha (dB), eq. (2), f in MHz.
double p833_max_attenuation_db(double freq_mhz, double a1_db = kP833A1Db,
                               double alpha = kP833Alpha) noexcept;
// Valid: 30 <= freq_mhz <= 30000 (range of the specific attenuation of
// P.833-10 Fig. 1), depth_m >= 0, specific_atten_db_per_m > 0, max_atten_db > 0.
void p833_check_woodland(double freq_mhz, double depth_m, double specific_atten_db_per_m,
                         double max_atten_db, const std::string& source);
// Excess attenuation A_ev = A_m [1 - exp(-d gamma / A_m)] (dB), eq. (1), for a
// path whose last depth_m metres run through woodland of specific attenuation
// gamma (dB/m, P.833-10 Fig. 1 or measured) and maximum attenuation A_m (dB).
double p833_woodland_db(double depth_m, double specific_atten_db_per_m,
                        double max_atten_db) noexcept;
// Same with A_m from eq. (2) and the default A1, alpha of §2.1.
double p833_woodland_at_freq_db(double freq_mhz, double depth_m,
                                double specific_atten_db_per_m) noexcept;

}  // namespace phusong::prop
