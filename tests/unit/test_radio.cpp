#include <doctest/doctest.h>

#include <cmath>

#include "phusong/radio/cell.hpp"
#include "phusong/radio/variability.hpp"

using namespace phusong::radio;

TEST_CASE("radio: LTE RSRP is EIRP - 10 log10(12 N_RB)") {
  Cell c;
  c.technology = Technology::Lte;
  c.eirp_dbm = 60;
  c.bandwidth_mhz = 20;  // 100 RB
  CHECK(reference_eirp_dbm(c) == doctest::Approx(60 - 10 * std::log10(1200.0)));
  c.bandwidth_mhz = 10;  // 50 RB
  CHECK(reference_eirp_dbm(c) == doctest::Approx(60 - 27.7815).epsilon(1e-4));
  c.technology = Technology::Umts;
  CHECK(reference_eirp_dbm(c) == doctest::Approx(50));
  c.technology = Technology::Gsm;
  CHECK(reference_eirp_dbm(c) == doctest::Approx(60));
  CHECK(resource_blocks(Technology::Lte, 7) == 0);
  CHECK(resource_blocks(Technology::Nr, 100) == 273);
}

TEST_CASE("radio: sector pattern — boresight, -3 dB at half beamwidth, back lobe") {
  Cell c;
  c.azimuth_deg = 90;
  c.beamwidth_deg = 65;
  c.tilt_deg = 0;
  CHECK(relative_gain_db(c, 90, 0) == doctest::Approx(0));
  CHECK(relative_gain_db(c, 90 + 32.5, 0) == doctest::Approx(-3));
  CHECK(relative_gain_db(c, 90 - 32.5, 0) == doctest::Approx(-3));
  CHECK(relative_gain_db(c, 270, 0) == doctest::Approx(-25));
  // Vertical: 10° beam, tilt 6° — a receiver 6° below the horizon is on boresight.
  c.tilt_deg = 6;
  CHECK(relative_gain_db(c, 90, 6) == doctest::Approx(0));
  CHECK(relative_gain_db(c, 90, 11) == doctest::Approx(-3));
  Cell omni;
  CHECK(relative_gain_db(omni, 0, 0) == doctest::Approx(0));
  CHECK(relative_gain_db(omni, 200, 0) == doctest::Approx(0));
}

TEST_CASE("radio: location-probability margin is sigma times the normal quantile") {
  CHECK(normal_quantile(0.5) == doctest::Approx(0).epsilon(1e-12));
  CHECK(normal_quantile(0.9) == doctest::Approx(1.2815515655).epsilon(1e-9));
  CHECK(normal_quantile(0.95) == doctest::Approx(1.6448536270).epsilon(1e-9));
  CHECK(normal_quantile(0.001) == doctest::Approx(-3.0902323062).epsilon(1e-9));
  CHECK(location_margin_db(8, 90) == doctest::Approx(8 * 1.2815515655).epsilon(1e-9));
  CHECK(location_margin_db(8, 50) == doctest::Approx(0).epsilon(1e-12));
  CHECK(std::isnan(normal_quantile(1.0)));
}
