// ITU-R P.833-10 §2.1 woodland attenuation, eqs. (1)-(2), against a case
// worked by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "phusong/core/error.hpp"
#include "phusong/propagation/clutter.hpp"

using namespace phusong;
using namespace phusong::prop;

TEST_CASE("P833 woodland attenuation, hand-computed case at 900 MHz through 50 m") {
  // Eq. (2): A_m = 0.18 · 900^0.752.  ln 900 = 6.802395, × 0.752 = 5.115401,
  // e^5.115401 = 166.5675, so A_m = 29.9822 dB.
  const double am = p833_max_attenuation_db(900.0);
  CHECK(am == doctest::Approx(29.9822).epsilon(2e-6));
  // Eq. (1) with gamma = 0.17 dB/m, d = 50 m: d·gamma = 8.5 dB,
  // 8.5 / 29.9822 = 0.283501, exp(-0.283501) = 0.753138,
  // A_ev = 29.9822 × (1 - 0.753138) = 7.4013 dB.
  CHECK(p833_woodland_db(50.0, 0.17, am) == doctest::Approx(7.4013).epsilon(1e-5));
  CHECK(p833_woodland_at_freq_db(900.0, 50.0, 0.17) == doctest::Approx(7.4013).epsilon(1e-5));
  // A_m given explicitly (e.g. from measurements): 1852 MHz-like woodland,
  // gamma = 0.30 dB/m, A_m = 29 dB, 100 m: e^(-30/29) = 0.355410, so
  // A_ev = 29 × 0.644590 = 18.6931 dB.
  CHECK(p833_woodland_db(100.0, 0.30, 29.0) ==
        doctest::Approx(29.0 * (1.0 - std::exp(-30.0 / 29.0))).epsilon(1e-12));
  CHECK(p833_woodland_db(100.0, 0.30, 29.0) == doctest::Approx(18.6931).epsilon(1e-5));
}

TEST_CASE("P833 woodland attenuation: linear for shallow woodland, saturating at A_m") {
  const double am = 30.0, gamma = 0.2;
  CHECK(p833_woodland_db(0.0, gamma, am) == 0.0);
  // d gamma << A_m: A_ev -> d gamma (specific-attenuation law).
  CHECK(p833_woodland_db(0.5, gamma, am) == doctest::Approx(0.1).epsilon(1e-3));
  // d gamma >> A_m: A_ev -> A_m.
  CHECK(p833_woodland_db(5000.0, gamma, am) == doctest::Approx(am).epsilon(1e-9));
  double prev = -1.0;
  for (double d = 0.0; d <= 1000.0; d += 25.0) {
    const double a = p833_woodland_db(d, gamma, am);
    CHECK(a > prev);
    CHECK(a <= gamma * d + 1e-12);
    CHECK(a < am);
    prev = a;
  }
}

TEST_CASE("P833 woodland attenuation rejects out-of-range inputs") {
  CHECK_NOTHROW(p833_check_woodland(900.0, 50.0, 0.17, 30.0, "s.yaml"));
  CHECK_THROWS_AS(p833_check_woodland(20.0, 50.0, 0.17, 30.0, "s.yaml"), InputError);
  CHECK_THROWS_AS(p833_check_woodland(900.0, -1.0, 0.17, 30.0, "s.yaml"), InputError);
  CHECK_THROWS_AS(p833_check_woodland(900.0, 50.0, 0.0, 30.0, "s.yaml"), InputError);
  CHECK_THROWS_AS(p833_check_woodland(900.0, 50.0, 0.17, -3.0, "s.yaml"), InputError);
  try {
    p833_check_woodland(900.0, 50.0, std::nan(""), 30.0, "s.yaml");
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.field() == "specific_atten_db_per_m");
    CHECK(e.source() == "s.yaml");
  }
  CHECK(std::isnan(p833_woodland_db(-1.0, 0.17, 30.0)));
  CHECK(std::isnan(p833_woodland_at_freq_db(50000.0, 10.0, 0.17)));
}
