// ITU-R P.833-10 (09/2021) "Attenuation in vegetation", Annex 1 §2
// (obstruction by woodland), §2.1 terrestrial path with one terminal in
// woodland or similar extensive vegetation:
//
//   A_ev = A_m [1 - exp(-d gamma / A_m)]   dB            eq. (1)
//     d      length of the path within woodland, m
//     gamma  specific attenuation for very short vegetative paths, dB/m
//            (P.833-10 Fig. 1, 30 MHz - 30 GHz, or measured)
//     A_m    maximum attenuation for one terminal within a given type and
//            depth of vegetation, dB
//   A_m = A1 f^alpha   dB, f in MHz                        eq. (2)
//     A1 = 0.18 dB, alpha = 0.752 from measurements in tropical woodland
//     (Rio de Janeiro, 900-1800 MHz) quoted in §2.1.
//
// For short depths A_ev ~ d gamma (the linear specific-attenuation law); for
// deep woodland it saturates at A_m (the signal then arrives mainly by paths
// over or around the vegetation rather than through it).
#include <cmath>
#include <limits>

#include "phusong/core/error.hpp"
#include "phusong/propagation/clutter.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
bool positive(double v) { return std::isfinite(v) && v > 0.0; }
}  // namespace

double p833_max_attenuation_db(double freq_mhz, double a1_db, double alpha) noexcept {
  if (!positive(freq_mhz) || !positive(a1_db) || !std::isfinite(alpha)) return kNaN;
  return a1_db * std::pow(freq_mhz, alpha);  // eq. (2)
}

void p833_check_woodland(double freq_mhz, double depth_m, double specific_atten_db_per_m,
                         double max_atten_db, const std::string& source) {
  require_range(std::isfinite(freq_mhz) && freq_mhz >= 30.0 && freq_mhz <= 30000.0,
                source, "freq_mhz", freq_mhz,
                "30 to 30000 MHz for ITU-R P.833 woodland attenuation");
  require_range(std::isfinite(depth_m) && depth_m >= 0.0, source, "depth_m", depth_m,
                "a woodland depth >= 0 m");
  require_range(positive(specific_atten_db_per_m), source, "specific_atten_db_per_m", specific_atten_db_per_m,
                "a specific attenuation > 0 dB/m");
  require_range(positive(max_atten_db), source, "max_atten_db", max_atten_db,
                "a maximum attenuation > 0 dB");
}

double p833_woodland_db(double depth_m, double gamma_db_per_m, double max_atten_db) noexcept {
  if (!(std::isfinite(depth_m) && depth_m >= 0.0) || !positive(gamma_db_per_m) ||
      !positive(max_atten_db)) {
    return kNaN;
  }
  // eq. (1); -expm1(-x) = 1 - exp(-x) without cancellation for shallow depths.
  return -max_atten_db * std::expm1(-depth_m * gamma_db_per_m / max_atten_db);
}

double p833_woodland_at_freq_db(double freq_mhz, double depth_m,
                                double gamma_db_per_m) noexcept {
  if (!(std::isfinite(freq_mhz) && freq_mhz >= 30.0 && freq_mhz <= 30000.0)) return kNaN;
  return p833_woodland_db(depth_m, gamma_db_per_m, p833_max_attenuation_db(freq_mhz));
}

}  // namespace phusong::prop
