#include <doctest/doctest.h>

#include <cmath>

#include "phusong/core/error.hpp"
#include "phusong/propagation/hata.hpp"
#include "phusong/propagation/model.hpp"

using namespace phusong;
using namespace phusong::prop;

TEST_CASE("free-space loss at 1 km, 1000 MHz is 92.45 dB") {
  CHECK(fspl_db(1000.0, 1000.0) == doctest::Approx(92.4478).epsilon(1e-5));
}

TEST_CASE("knife-edge J(v) per P.526 eq. 31") {
  CHECK(knife_edge_j_db(-1.0) == 0.0);
  CHECK(knife_edge_j_db(0.0) == doctest::Approx(6.0329).epsilon(1e-4));
}

TEST_CASE("deygout: a ridge in the middle adds diffraction loss, flat ground does not") {
  auto m = make_model("deygout");
  LinkParams p;
  p.freq_mhz = 900;
  p.tx_height_m = 30;
  p.rx_height_m = 1.5;
  std::vector<double> flat(101, 100.0);
  auto prof = Profile::uniform(50.0, flat);  // 5 km
  const auto l_flat = m->loss(prof, p);
  CHECK(l_flat.mode == Mode::LineOfSight);
  auto ridge = flat;
  ridge[50] = 300.0;
  const auto l_ridge = m->loss(Profile::uniform(50.0, ridge), p);
  CHECK(l_ridge.mode == Mode::Diffraction);
  CHECK(l_ridge.loss_db > l_flat.loss_db + 15.0);
}

TEST_CASE("unknown model name is an input error naming the allowed models") {
  CHECK_THROWS_AS(make_model("nosuch"), InputError);
  try {
    make_model("nosuch", "scenario.yaml");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("deygout") != std::string::npos);
    CHECK(std::string(e.what()).find("scenario.yaml") != std::string::npos);
  }
}
