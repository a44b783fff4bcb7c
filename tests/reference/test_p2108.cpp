// ITU-R P.2108-1 clutter loss against the NTIA/ITS reference test data
// (U.S. reference implementation of P.2108, a US-government work) and an
// OFCOM table of the §3.2 terrestrial model at d = 0.65 km, both under
// ../shared/reference/p2108.  Rows with a non-zero return code are inputs the
// NTIA implementation rejects; they must raise InputError here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "phusong/core/error.hpp"
#include "phusong/propagation/clutter.hpp"
#include "test_support.hpp"

using namespace phusong;
using namespace phusong::prop;
using phusong::test::read_csv;
using phusong::test::shared_path;

namespace {
constexpr double kTolDb = 0.1;
}

TEST_CASE("P2108 height-gain terminal correction model (section 3.1) matches NTIA rows") {
  PHUSONG_REQUIRE_SHARED();
  const auto t =
      read_csv(shared_path("reference/p2108/ntia_HeightGainTerminalCorrectionModelTestData.csv"));
  int ok_rows = 0, err_rows = 0;
  double max_d = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double f = t.num(i, "f__ghz"), h = t.num(i, "h__meter"), ws = t.num(i, "w_s__meter");
    const double r = t.num(i, "R__meter");
    const int type = static_cast<int>(t.num(i, "clutter_type"));
    const int rtn = static_cast<int>(t.num(i, "rtn"));
    CAPTURE(i);
    if (rtn != 0) {
      ++err_rows;
      CHECK_THROWS_AS(p2108_check_height_gain(f, h, ws, r, type, "ntia row"), InputError);
      CHECK(std::isnan(p2108_height_gain_db(f, h, ws, r, type)));
      continue;
    }
    ++ok_rows;
    CHECK_NOTHROW(p2108_check_height_gain(f, h, ws, r, type, "ntia row"));
    const double got = p2108_height_gain_db(f, h, ws, r, type);
    const double want = t.num(i, "A_h__db");
    CAPTURE(got);
    CAPTURE(want);
    max_d = std::max(max_d, std::fabs(got - want));
    CHECK(std::fabs(got - want) <= kTolDb);
  }
  MESSAGE("P.2108 §3.1: " << ok_rows << " rows checked, max |delta| " << max_d << " dB; "
                          << err_rows << " error rows rejected");
  CHECK(ok_rows == 18);
  CHECK(err_rows == 5);
}

TEST_CASE("P2108 terrestrial statistical model (section 3.2) matches NTIA rows") {
  PHUSONG_REQUIRE_SHARED();
  const auto t =
      read_csv(shared_path("reference/p2108/ntia_TerrestrialStatisticalModelTestData.csv"));
  int ok_rows = 0, err_rows = 0;
  double max_d = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double f = t.num(i, "f__ghz"), d = t.num(i, "d__km"), p = t.num(i, "p");
    const int rtn = static_cast<int>(t.num(i, "rtn"));
    CAPTURE(i);
    if (rtn != 0) {
      ++err_rows;
      CHECK_THROWS_AS(p2108_check_terrestrial(f, d, p, "ntia row"), InputError);
      CHECK(std::isnan(p2108_terrestrial_db(f, d, p)));
      continue;
    }
    ++ok_rows;
    CHECK_NOTHROW(p2108_check_terrestrial(f, d, p, "ntia row"));
    const double got = p2108_terrestrial_db(f, d, p);
    const double want = t.num(i, "L_ctt__db");
    CAPTURE(got);
    CAPTURE(want);
    max_d = std::max(max_d, std::fabs(got - want));
    CHECK(std::fabs(got - want) <= kTolDb);
  }
  MESSAGE("P.2108 §3.2 (NTIA): " << ok_rows << " rows checked, max |delta| " << max_d << " dB; "
                                 << err_rows << " error rows rejected");
  CHECK(ok_rows == 7);
  CHECK(err_rows == 5);
}

TEST_CASE("P2108 terrestrial statistical model (section 3.2) matches the OFCOM table at 0.65 km") {
  PHUSONG_REQUIRE_SHARED();
  const auto t = read_csv(shared_path("reference/p2108/ofcom_p2108_sec3p2_d0.65km.csv"));
  const std::pair<const char*, double> cols[] = {{"Lctt_p5_dB", 5.0},
                                                 {"Lctt_p50_dB", 50.0},
                                                 {"Lctt_p95_dB", 95.0},
                                                 {"Lctt_p99.9_dB", 99.9}};
  int n = 0;
  double max_d = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double f = t.num(i, "f_GHz"), d = t.num(i, "d_km");
    for (const auto& entry : cols) {
      // (named members: clang before 16 cannot capture structured bindings, as CAPTURE does)
      const auto& col = entry.first;
      const auto p = entry.second;
      CAPTURE(f);
      CAPTURE(p);
      const double got = p2108_terrestrial_db(f, d, p);
      const double want = t.num(i, col);
      CAPTURE(got);
      CAPTURE(want);
      max_d = std::max(max_d, std::fabs(got - want));
      CHECK(std::fabs(got - want) <= kTolDb);
      ++n;
    }
  }
  MESSAGE("P.2108 §3.2 (OFCOM, d = 0.65 km): " << n << " values checked, max |delta| " << max_d
                                              << " dB");
  CHECK(n == 260);
}

TEST_CASE("P2108 aeronautical statistical model (section 3.3) matches NTIA rows") {
  PHUSONG_REQUIRE_SHARED();
  const auto t =
      read_csv(shared_path("reference/p2108/ntia_AeronauticalStatisticalModelTestData.csv"));
  int ok_rows = 0, err_rows = 0;
  double max_d = 0.0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double f = t.num(i, "f__ghz"), th = t.num(i, "theta_deg"), p = t.num(i, "p");
    const int rtn = static_cast<int>(t.num(i, "rtn"));
    CAPTURE(i);
    if (rtn != 0) {
      ++err_rows;
      CHECK_THROWS_AS(p2108_check_aeronautical(f, th, p, "ntia row"), InputError);
      CHECK(std::isnan(p2108_aeronautical_db(f, th, p)));
      continue;
    }
    ++ok_rows;
    CHECK_NOTHROW(p2108_check_aeronautical(f, th, p, "ntia row"));
    const double got = p2108_aeronautical_db(f, th, p);
    const double want = t.num(i, "L_ces__db");
    CAPTURE(got);
    CAPTURE(want);
    max_d = std::max(max_d, std::fabs(got - want));
    CHECK(std::fabs(got - want) <= kTolDb);
  }
  MESSAGE("P.2108 §3.3: " << ok_rows << " rows checked, max |delta| " << max_d << " dB; "
                          << err_rows << " error rows rejected");
  CHECK(ok_rows == 7);
  CHECK(err_rows == 6);
}

TEST_CASE("P2108 input errors name the field and the allowed range") {
  try {
    p2108_check_terrestrial(6.0, 3.0, 100.0, "scenario.yaml");
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.field() == "location_pct");
    CHECK(e.source() == "scenario.yaml");
    CHECK(std::string(e.what()).find("100") != std::string::npos);
  }
  try {
    p2108_check_height_gain(1.5, 2.0, 27.0, 10.0, 7, "clutter.csv");
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.field() == "clutter_type");
  }
  CHECK(p2108_default_clutter_height_m(ClutterType::DenseUrban) == 20.0);
  CHECK(p2108_default_clutter_height_m(ClutterType::Suburban) == 10.0);
  CHECK(p2108_default_clutter_height_m(ClutterType::TreesForest) == 15.0);
}
