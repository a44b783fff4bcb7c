// Okumura-Hata / COST-231-Hata with terrain effective base-station height.
//
// Closed forms: Hata (1980) eqs. (1)-(4); COST 231 final report §4.4.1.
// Effective height: the base antenna's height above the average terrain of
// the section 3-15 km from it; for paths shorter than 15 km, of the section
// 0.2·d to d (the definition of h1 in ITU-R P.1546-6 Annex 5 §3).
// The loss never falls below free space (ITU-R P.525) at the same distance.
// Variant by frequency: < 1500 MHz Hata, >= 1500 MHz COST-231; the scenario's
// environment chooses urban / large city / suburban / open.
#include "phusong/propagation/hata.hpp"

#include <algorithm>
#include <cmath>

#include "phusong/core/error.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop {

double hata_a_hm_db(double f, double hm, bool large_city) {
  if (!large_city) return (1.1 * std::log10(f) - 0.7) * hm - (1.56 * std::log10(f) - 0.8);
  if (f <= 300.0) {
    const double t = std::log10(1.54 * hm);
    return 8.29 * t * t - 1.1;
  }
  const double t = std::log10(11.75 * hm);
  return 3.2 * t * t - 4.97;
}

double hata_loss_db(HataVariant v, double f, double hb, double hm, double d_km) {
  const double lf = std::log10(f);
  const double lhb = std::log10(hb);
  const double slope = (44.9 - 6.55 * lhb) * std::log10(d_km);
  switch (v) {
    case HataVariant::Cost231Medium:
    case HataVariant::Cost231Metropolitan: {
      // COST 231 §4.4.1: a(hm) is Hata's small/medium-city correction for
      // both classes; the metropolitan centres differ only by Cm = 3 dB.
      const double cm = v == HataVariant::Cost231Metropolitan ? 3.0 : 0.0;
      const double a = hata_a_hm_db(f, hm, false);
      return 46.3 + 33.9 * lf - 13.82 * lhb - a + slope + cm;
    }
    default:
      break;
  }
  const double a = hata_a_hm_db(f, hm, v == HataVariant::UrbanLarge);
  const double urban = 69.55 + 26.16 * lf - 13.82 * lhb - a + slope;
  switch (v) {
    case HataVariant::Suburban: {
      const double t = std::log10(f / 28.0);
      return urban - 2.0 * t * t - 5.4;
    }
    case HataVariant::Open:
      return urban - 4.78 * lf * lf + 18.33 * lf - 40.94;
    default:
      return urban;
  }
}

HataTerms hata_terms(const LinkParams& p) {
  HataTerms t;
  const bool cost = p.freq_mhz >= 1500.0;
  switch (p.environment) {
    case Environment::LargeCity:
      t.variant = cost ? HataVariant::Cost231Metropolitan : HataVariant::UrbanLarge;
      break;
    case Environment::Urban:
      t.variant = cost ? HataVariant::Cost231Medium : HataVariant::UrbanSmallMedium;
      break;
    case Environment::Suburban:
      t.variant = cost ? HataVariant::Cost231Medium : HataVariant::Suburban;
      break;
    case Environment::Open:
    default:
      t.variant = HataVariant::Open;
      break;
  }
  if (cost && t.variant == HataVariant::Open) {
    // COST-231 has no open-area class: apply Hata's open-area correction to
    // the COST-231 medium-city value (documented extrapolation).
    const double lf = std::log10(p.freq_mhz);
    t.k_db = hata_loss_db(HataVariant::Cost231Medium, p.freq_mhz, 1.0, p.rx_height_m, 1.0) - 4.78 * lf * lf +
             18.33 * lf - 40.94;
  } else {
    t.k_db = hata_loss_db(t.variant, p.freq_mhz, 1.0, p.rx_height_m, 1.0);
  }
  t.fspl_1km_db = fspl_db(p.freq_mhz, 1000.0);
  if (p.freq_mhz > 2000.0) t.warnings |= kWarnFrequency;
  return t;
}

namespace {

class Hata final : public Model {
 public:
  std::string_view name() const override { return "hata"; }
  std::string_view description() const override {
    return "Okumura-Hata (<1500 MHz) / COST-231-Hata (>=1500 MHz) with terrain effective base height";
  }
  void check(const LinkParams& p, const std::string& source) const override {
    check_common(p, source, 150.0, 3500.0);
    require_range(p.rx_height_m >= 1.0 && p.rx_height_m <= 10.0, source, "rx_height_m", p.rx_height_m,
                  "1 to 10 m for Okumura-Hata");
  }
  PathLoss loss(const Profile& prof, const LinkParams& p) const noexcept override {
    const std::size_t n = prof.size();
    if (n < 2) {
      PathLoss out;
      out.loss_db = std::nan("");
      return out;
    }
    const double d_m = std::max(prof.length_m(), 1.0);
    // Average terrain height over the effective-height section.
    const double a_m = d_m >= 15000.0 ? 3000.0 : 0.2 * d_m;
    const double b_m = std::min(d_m, 15000.0);
    double sum = 0.0;
    int cnt = 0;
    for (std::size_t i = 1; i < n; ++i) {
      const double di = prof.distance_m[i];
      if (di >= a_m && di <= b_m) {
        sum += prof.height_m[i];
        ++cnt;
      }
    }
    const double avg = cnt > 0 ? sum / cnt : prof.height_m.back();
    return hata_path_loss(hata_terms(p), p, d_m, prof.height_m.front(), prof.height_m.back(), avg);
  }
};

}  // namespace

std::unique_ptr<Model> make_hata() { return std::make_unique<Hata>(); }

}  // namespace phusong::prop
