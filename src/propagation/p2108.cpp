// ITU-R P.2108-1 (09/2021) "Prediction of clutter loss", Annex 1 §3.
//
//   §3.1 Height-gain terminal correction model, eqs. (2a)-(2h), clutter types
//        and representative heights of Table 3; 0.03-3 GHz.
//   §3.2 Statistical clutter loss model for terrestrial paths, eqs. (3)-(6);
//        0.5-67 GHz, d >= 0.25 km.  Eq. (3) is evaluated at d and at 2 km and
//        the smaller value is used, so that the loss at one end never exceeds
//        its 2 km value (P.2108-1 §3.2; the NTIA reference rows and the OFCOM
//        table in ../shared/reference/p2108 both reproduce only with it).
//   §3.3 Earth-space and aeronautical statistical clutter loss model,
//        eqs. (7)-(8); 10-100 GHz, elevation 0-90 degrees.
// Q^-1 is the inverse complementary standard normal distribution.
#include <algorithm>
#include <cmath>
#include <limits>

#include "phusong/core/error.hpp"
#include "phusong/propagation/clutter.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Q^-1(q) for 0 < q < 1: the x with Q(x) = erfc(x / sqrt 2) / 2 = q.
// Start from the rational approximation of Abramowitz & Stegun 26.2.23
// (|error| < 4.5e-4, the one tabulated in ITU-R P.1546-6 Annex 5 §13), then
// polish with Newton steps on Q(x) - q (Q'(x) = -phi(x)) to full precision.
double inv_q(double q) {
  const double pp = q < 0.5 ? q : 1.0 - q;
  const double t = std::sqrt(-2.0 * std::log(pp));
  const double num = 2.515517 + t * (0.802853 + t * 0.010328);
  const double den = 1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308));
  double x = t - num / den;
  if (q > 0.5) x = -x;
  const double inv_sqrt2 = 1.0 / std::sqrt(2.0);
  const double inv_sqrt2pi = 1.0 / std::sqrt(2.0 * kPi);
  for (int i = 0; i < 4; ++i) {
    const double qx = 0.5 * std::erfc(x * inv_sqrt2);
    const double pdf = inv_sqrt2pi * std::exp(-0.5 * x * x);
    if (!(pdf > 0.0)) break;
    const double step = (qx - q) / pdf;
    x += step;
    if (std::fabs(step) < 1e-15 * (1.0 + std::fabs(x))) break;
  }
  return x;
}

bool finite_in(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }
bool pct_ok(double p) { return std::isfinite(p) && p > 0.0 && p < 100.0; }
bool type_ok(int t) { return t >= 1 && t <= 6; }

// Eq. (3) with (4)-(6) at one distance; z = Q^-1(p/100).
double terrestrial_eq3_db(double f_ghz, double d_km, double z) {
  constexpr double kSigmaL = 4.0;  // dB, §3.2
  constexpr double kSigmaS = 6.0;  // dB, §3.2
  const double lf = std::log10(f_ghz);
  // Eq. (4): L_l = -2 log(10^(-5 log f - 12.5) + 10^(-16.5)).
  const double l_l = -2.0 * std::log10(std::pow(10.0, -5.0 * lf - 12.5) + std::pow(10.0, -16.5));
  // Eq. (5): L_s = 32.98 + 23.9 log d + 3 log f.
  const double l_s = 32.98 + 23.9 * std::log10(d_km) + 3.0 * lf;
  const double a = std::pow(10.0, -0.2 * l_l);
  const double b = std::pow(10.0, -0.2 * l_s);
  // Eq. (6): sigma_cb.
  const double sigma_cb = std::sqrt((kSigmaL * kSigmaL * a + kSigmaS * kSigmaS * b) / (a + b));
  // Eq. (3).
  return -5.0 * std::log10(a + b) - sigma_cb * z;
}

}  // namespace

// ---- §3.1 -------------------------------------------------------------------

double p2108_default_clutter_height_m(ClutterType type) noexcept {
  switch (type) {
    case ClutterType::WaterSea:
    case ClutterType::OpenRural:
    case ClutterType::Suburban:
      return 10.0;
    case ClutterType::Urban:
    case ClutterType::TreesForest:
      return 15.0;
    case ClutterType::DenseUrban:
      return 20.0;
  }
  return kNaN;
}

void p2108_check_height_gain(double freq_ghz, double antenna_height_m, double street_width_m,
                             double clutter_height_m, int clutter_type,
                             const std::string& source) {
  require_range(finite_in(freq_ghz, 0.03, 3.0), source, "freq_ghz", freq_ghz,
                "0.03 to 3 GHz for the P.2108 height-gain model");
  require_range(std::isfinite(antenna_height_m) && antenna_height_m > 0.0,
                source, "antenna_height_m", antenna_height_m,
                "a height above ground > 0 m");
  require_range(std::isfinite(street_width_m) && street_width_m > 0.0,
                source, "street_width_m", street_width_m,
                "a street width > 0 m");
  require_range(std::isfinite(clutter_height_m) && clutter_height_m > 0.0,
                source, "clutter_height_m", clutter_height_m,
                "a representative clutter height > 0 m");
  require_range(type_ok(clutter_type), source, "clutter_type", clutter_type,
                "1 water/sea, 2 open/rural, 3 suburban, 4 urban, 5 trees/forest, 6 dense urban");
}

double p2108_height_gain_db(double f, double h, double ws, double r, int type) noexcept {
  if (!finite_in(f, 0.03, 3.0) || !(std::isfinite(h) && h > 0.0) ||
      !(std::isfinite(ws) && ws > 0.0) || !(std::isfinite(r) && r > 0.0) || !type_ok(type)) {
    return kNaN;
  }
  if (h >= r) return 0.0;  // terminal above the clutter: no correction
  const auto t = static_cast<ClutterType>(type);
  if (t == ClutterType::WaterSea || t == ClutterType::OpenRural) {
    const double k_h2 = 21.8 + 6.2 * std::log10(f);  // eq. (2g)
    return -k_h2 * std::log10(h / r);                 // eq. (2b)
  }
  const double h_dif = r - h;                                  // eq. (2e), m
  const double theta_clut_deg = std::atan(h_dif / ws) * 180.0 / kPi;  // eq. (2f), degrees
  const double k_nu = 0.342 * std::sqrt(f);                    // eq. (2h)
  const double nu = k_nu * std::sqrt(h_dif * theta_clut_deg);  // eq. (2d)
  const double u = nu - 0.1;
  const double j_nu = 6.9 + 20.0 * std::log10(std::sqrt(u * u + 1.0) + u);  // eq. (2c)
  return j_nu - 6.03;                                                        // eq. (2a)
}

// ---- §3.2 -------------------------------------------------------------------

void p2108_check_terrestrial(double freq_ghz, double distance_km, double location_pct,
                             const std::string& source) {
  require_range(finite_in(freq_ghz, 0.5, 67.0), source, "freq_ghz", freq_ghz,
                "0.5 to 67 GHz for the P.2108 terrestrial model");
  require_range(std::isfinite(distance_km) && distance_km >= 0.25, source, "distance_km", distance_km,
                "a path length >= 0.25 km");
  require_range(pct_ok(location_pct), source, "location_pct", location_pct,
                "strictly between 0 and 100 %");
}

double p2108_terrestrial_db(double f, double d_km, double p) noexcept {
  if (!finite_in(f, 0.5, 67.0) || !(std::isfinite(d_km) && d_km >= 0.25) || !pct_ok(p)) {
    return kNaN;
  }
  const double z = inv_q(p / 100.0);
  return std::min(terrestrial_eq3_db(f, d_km, z), terrestrial_eq3_db(f, 2.0, z));
}

// ---- §3.3 -------------------------------------------------------------------

void p2108_check_aeronautical(double freq_ghz, double elevation_deg, double location_pct,
                              const std::string& source) {
  require_range(finite_in(freq_ghz, 10.0, 100.0), source, "freq_ghz", freq_ghz,
                "10 to 100 GHz for the P.2108 aeronautical model");
  require_range(finite_in(elevation_deg, 0.0, 90.0), source, "elevation_deg", elevation_deg,
                "0 to 90 degrees");
  require_range(pct_ok(location_pct), source, "location_pct", location_pct,
                "strictly between 0 and 100 %");
}

double p2108_aeronautical_db(double f, double theta_deg, double p) noexcept {
  if (!finite_in(f, 10.0, 100.0) || !finite_in(theta_deg, 0.0, 90.0) || !pct_ok(p)) return kNaN;
  constexpr double kA1 = 0.05;                  // §3.3
  const double k1 = 93.0 * std::pow(f, 0.175);  // eq. (8)
  const double arg = kA1 * (1.0 - theta_deg / 90.0) + kPi * theta_deg / 180.0;  // rad
  const double cot = std::cos(arg) / std::sin(arg);
  const double base = std::max(-k1 * std::log(1.0 - p / 100.0) * cot, 0.0);
  const double expo = 0.5 * (90.0 - theta_deg) / 90.0;
  return std::pow(base, expo) - 1.0 - 0.6 * inv_q(p / 100.0);  // eq. (7)
}

}  // namespace phusong::prop
