#pragma once
// Okumura-Hata and COST-231-Hata median path loss (closed forms).
//   Hata, "Empirical formula for propagation loss in land mobile radio
//   services", IEEE Trans. VT-29 (1980), eqs. (1)-(4) [150-1500 MHz];
//   COST Action 231 final report (1999) §4.4.1, eq. (4.4.1) [1500-2000 MHz].
// Also tabulated in ITU-R SM.2028 and Report ITU-R P.2345.
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

}  // namespace phusong::prop
