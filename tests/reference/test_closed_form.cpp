// Closed-form checks of the basic physics against worked values in
// ../shared/reference/closed_form: free-space loss (ITU-R P.525-4), knife-edge
// J(v) exact (P.526-15 eq. 30) and approximate (eq. 31), Okumura-Hata and
// COST-231-Hata.  Every row must agree to 0.01 dB.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "phusong/propagation/hata.hpp"
#include "phusong/propagation/model.hpp"
#include "test_support.hpp"

using namespace phusong::prop;
using phusong::test::read_csv;
using phusong::test::shared_path;

namespace {
constexpr double kTolDb = 0.01;
}

TEST_CASE("closed form free-space loss matches every fspl.csv row") {
  PHUSONG_REQUIRE_SHARED();
  const auto t = read_csv(shared_path("reference/closed_form/fspl.csv"));
  double max_exact = 0.0, max_3245 = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double f = t.num(i, "f_MHz"), d_km = t.num(i, "d_km");
    const double got = fspl_db(f, d_km * 1000.0);
    CAPTURE(f);
    CAPTURE(d_km);
    CAPTURE(got);
    // Exact column: 20 log(4 pi d / lambda) with c = 299 792 458 m/s.
    const double exact = t.num(i, "Lbf_exact_dB");
    max_exact = std::max(max_exact, std::fabs(got - exact));
    CHECK(std::fabs(got - exact) <= kTolDb);
    // P.525 eq. (8) with the rounded constant 32.45 dB is 0.002 dB higher.
    const double approx = t.num(i, "Lbf_32.45_dB");
    max_3245 = std::max(max_3245, std::fabs(got - approx));
    CHECK(std::fabs(got - approx) <= kTolDb);
  }
  MESSAGE("fspl: " << t.rows.size() << " rows checked, max |delta| " << max_exact
                   << " dB (exact), " << max_3245 << " dB (32.45 form)");
  CHECK(t.rows.size() == 40);
}

TEST_CASE("closed form knife-edge J(v): exact Fresnel form and the P.526 eq. 31 approximation") {
  PHUSONG_REQUIRE_SHARED();
  const auto t = read_csv(shared_path("reference/closed_form/knife_edge_Jv.csv"));
  double max_exact = 0.0, max_approx = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double v = t.num(i, "v");
    CAPTURE(v);
    const double exact = knife_edge_j_exact_db(v);
    const double approx = knife_edge_j_db(v);
    CAPTURE(exact);
    CAPTURE(approx);
    max_exact = std::max(max_exact, std::fabs(exact - t.num(i, "J_exact_dB")));
    max_approx = std::max(max_approx, std::fabs(approx - t.num(i, "J_p526_eq31_approx_dB")));
    CHECK(std::fabs(exact - t.num(i, "J_exact_dB")) <= kTolDb);
    CHECK(std::fabs(approx - t.num(i, "J_p526_eq31_approx_dB")) <= kTolDb);
  }
  MESSAGE("J(v): " << t.rows.size() << " rows checked, max |delta| " << max_exact
                   << " dB (exact), " << max_approx << " dB (eq. 31)");
  CHECK(t.rows.size() == 15);
}

TEST_CASE("closed form exact J(v): limits and continuity across the series/continued-fraction switch") {
  // v = 0: the edge grazes the ray, |F| = 1/2, J = 20 log 2.
  CHECK(knife_edge_j_exact_db(0.0) == doctest::Approx(20.0 * std::log10(2.0)).epsilon(1e-12));
  // Deep shadow: J -> 20 log(pi v sqrt 2) (P.526: approaches the eq. 31 asymptote).
  const double v = 200.0;
  CHECK(knife_edge_j_exact_db(v) ==
        doctest::Approx(20.0 * std::log10(3.14159265358979323846 * v * std::sqrt(2.0))).epsilon(1e-5));
  // Far in the lit region the loss oscillates about 0 with decaying amplitude.
  CHECK(std::fabs(knife_edge_j_exact_db(-50.0)) < 0.1);
  // No jump where the method changes (|v| = 2).
  for (double s : {1.0, -1.0}) {
    const double lo = knife_edge_j_exact_db(s * (2.0 - 1e-9));
    const double hi = knife_edge_j_exact_db(s * (2.0 + 1e-9));
    CHECK(std::fabs(lo - hi) < 1e-7);
  }
  CHECK(std::isnan(knife_edge_j_exact_db(std::nan(""))));
}

TEST_CASE("closed form Okumura-Hata and COST-231-Hata match every hata_cost231.csv row") {
  PHUSONG_REQUIRE_SHARED();
  const auto t = read_csv(shared_path("reference/closed_form/hata_cost231.csv"));
  const std::map<std::string, HataVariant> variants = {
      {"hata_urban_smallmedium", HataVariant::UrbanSmallMedium},
      {"hata_urban_large", HataVariant::UrbanLarge},
      {"hata_suburban", HataVariant::Suburban},
      {"hata_open", HataVariant::Open},
      {"cost231_medium_suburban_Cm0", HataVariant::Cost231Medium},
      {"cost231_metropolitan_Cm3", HataVariant::Cost231Metropolitan},
  };
  double max_d = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const std::string model = t.rows[i][t.col("model")];
    REQUIRE(variants.count(model) == 1);
    const double f = t.num(i, "f_MHz"), hb = t.num(i, "hb_m"), hm = t.num(i, "hm_m");
    const double d = t.num(i, "d_km");
    const double got = hata_loss_db(variants.at(model), f, hb, hm, d);
    const double want = t.num(i, "L_dB");
    CAPTURE(model);
    CAPTURE(f);
    CAPTURE(hb);
    CAPTURE(d);
    CAPTURE(got);
    CAPTURE(want);
    const double dd = std::fabs(got - want);
    max_d = std::max(max_d, dd);
    CHECK(dd <= kTolDb);
  }
  MESSAGE("Hata/COST-231: " << t.rows.size() << " rows checked, max |delta| " << max_d << " dB");
  CHECK(t.rows.size() == 240);
}
