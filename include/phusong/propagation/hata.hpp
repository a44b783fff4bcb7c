#pragma once
// Okumura-Hata and COST-231-Hata median path loss (closed forms).
//   Hata, "Empirical formula for propagation loss in land mobile radio
//   services", IEEE Trans. VT-29 (1980), eqs. (1)-(4) [150-1500 MHz];
//   COST Action 231 final report (1999) §4.4.1, eq. (4.4.1) [1500-2000 MHz].
// Also tabulated in ITU-R SM.2028 and Report ITU-R P.2345.
#include <algorithm>
#include <cmath>

#include "phusong/propagation/model.hpp"

namespace phusong::prop {

enum class HataVariant {
  UrbanSmallMedium,   // Hata urban, small/medium city a(hm)
  UrbanLarge,         // Hata urban, large city a(hm)
  Suburban,           // Hata urban - 2[log(f/28)]^2 - 5.4
  Open,               // Hata urban - 4.78(log f)^2 + 18.33 log f - 40.94
  Cost231Medium,      // COST-231, Cm = 0 dB (medium city and suburban)
  Cost231Metropolitan // COST-231, Cm = 3 dB
};

// Mobile-antenna correction a(hm), dB.
double hata_a_hm_db(double freq_mhz, double hm_m, bool large_city);

// Median basic transmission loss, dB.  No range checks (see the model).
double hata_loss_db(HataVariant v, double freq_mhz, double hb_m, double hm_m, double d_km);

// What the model ("hata") computes once per link.  Every variant has the form
//   L = k_db - 13.82 log10(hb) + (44.9 - 6.55 log10(hb)) log10(d_km)
// (Hata eq. (1) and its corrections, COST 231 eq. (4.4.1)), where k_db holds
// the frequency, mobile-height and environment terms: k_db is the loss at
// hb = 1 m, d = 1 km.  The model's loss is max(L, free space over the slant
// path); fspl_1km_db is free space at 1 km, so free space at d is
// fspl_1km_db + 20 log10(d_km).
struct HataTerms {
  HataVariant variant = HataVariant::Open;
  double k_db = 0.0;         // L at hb = 1 m, d = 1 km, dB
  double fspl_1km_db = 0.0;  // ITU-R P.525-4 eq. (7) at 1 km, dB
  unsigned warnings = 0;     // link-only warnings (frequency)
};
HataTerms hata_terms(const LinkParams& p);

// L of the comment above from the link's terms (no free-space floor), dB.
inline double hata_loss_from_terms_db(const HataTerms& t, double log10_hb, double log10_d_km) {
  return t.k_db - 13.82 * log10_hb + (44.9 - 6.55 * log10_hb) * log10_d_km;
}

// The model's loss once the mean terrain height of the effective-height
// section is known (the model and the radial engine's kernel share this):
// hb = tx ground + tx height - section mean, clamped to 1..1000 m; the
// result never below free space over the slant path between the antenna tips.
// d_m: horizontal path length (taken as at least 1 m).
inline PathLoss hata_path_loss(const HataTerms& t, const LinkParams& p, double d_m, double tx_ground_m,
                               double rx_ground_m, double section_mean_m) noexcept {
  PathLoss out;
  out.mode = Mode::None;
  out.warnings = t.warnings;
  d_m = std::max(d_m, 1.0);
  double hb = tx_ground_m + p.tx_height_m - section_mean_m;
  if (hb < 30.0 || hb > 200.0) out.warnings |= kWarnTxHeight;
  hb = std::clamp(hb, 1.0, 1000.0);
  const double d_km = d_m / 1000.0;
  if (d_km < 1.0 || d_km > 20.0) out.warnings |= kWarnDistance;
  // log10 as log / ln 10: glibc's log is the faster of the two.
  constexpr double kLog10e = 0.43429448190325182765;
  const double log10_d_km = std::log(d_km) * kLog10e;
  const double l = hata_loss_from_terms_db(t, std::log(hb) * kLog10e, log10_d_km);
  // Free space over the slant path s = hypot(d, dz) is at most free space over
  // d plus 20 log10(1 + |dz|/d) <= (20 / ln 10) |dz| / d: when L clears that
  // bound the floor cannot apply and its logarithm is skipped.
  const double dz = (tx_ground_m + p.tx_height_m) - (rx_ground_m + p.rx_height_m);
  const double fs_bound = t.fspl_1km_db + 20.0 * log10_d_km + 8.685889638065037 * std::fabs(dz) / d_m + 1e-9;
  out.loss_db = l >= fs_bound ? l : std::max(l, fspl_db(p.freq_mhz, std::max(std::hypot(d_m, dz), 1.0)));
  return out;
}

}  // namespace phusong::prop
