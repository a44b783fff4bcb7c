// ITU-R P.526-15 delta-Bullington against the ITU-R SG3 validation values on
// four real terrain profiles (../shared/reference/p526/, ΔN = 39 as stated in
// the table's header, omega = 0, horizontal polarization).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/propagation/p526.hpp"
#include "test_support.hpp"

using namespace phusong;
using namespace phusong::prop;

namespace {

struct XY {
  std::vector<double> d_km, h_m;
};

XY load_profile(const std::string& file) {
  const auto t = test::read_csv(test::shared_path("reference/p526/" + file));
  XY p;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    p.d_km.push_back(t.num(i, "d_km"));
    p.h_m.push_back(t.num(i, "h_m"));
  }
  return p;
}

struct MaxErr {
  std::size_t cases = 0;
  double bulla = 0.0, bulls = 0.0, sph = 0.0, ld = 0.0;
};

// Runs the 21 validation cases.  ae_override_km <= 0: the effective earth
// radius from the table's ΔN (6371·157/(157 - ΔN)); otherwise that radius.
MaxErr run_validation(double ae_override_km, double tol_bulla, double tol_ld) {
  const auto t = test::read_csv(test::shared_path("reference/p526/delta_bullington_itu_validation.csv"));
  REQUIRE(t.rows.size() == 21);
  std::map<std::string, XY> profiles;
  MaxErr m;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const std::string file = t.rows[i][t.col("profile_file")];
    if (!profiles.count(file)) profiles[file] = load_profile(file);
    const XY& p = profiles[file];
    REQUIRE(p.d_km.size() > 10);
    CHECK(t.rows[i][t.col("pol")] == "horizontal");
    p526::DeltaBullingtonInput in;
    in.d_km = p.d_km;
    in.h_m = p.h_m;
    in.hts_m = p.h_m.front() + t.num(i, "htg_m");
    in.hrs_m = p.h_m.back() + t.num(i, "hrg_m");
    in.ae_km = ae_override_km > 0.0 ? ae_override_km : p526::effective_radius_km(t.num(i, "DN"));
    in.freq_ghz = t.num(i, "f_GHz");
    in.omega = t.num(i, "omega");
    in.pol = Polarization::Horizontal;
    const auto r = p526::delta_bullington(in);
    const double e_bulla = std::fabs(r.lbulla_db - t.num(i, "Lbulla_dB"));
    const double e_bulls = std::fabs(r.lbulls_db - t.num(i, "Lbulls_dB"));
    const double e_sph = std::fabs(r.ldsph_db - t.num(i, "Ldsph_dB"));
    const double e_ld = std::fabs(r.ld_db - t.num(i, "Ld_dB"));
    INFO("case " << t.rows[i][0] << " " << file << " f=" << in.freq_ghz << " GHz ae=" << in.ae_km
                 << " km: Lbulla " << r.lbulla_db << " Lbulls " << r.lbulls_db << " Ldsph "
                 << r.ldsph_db << " Ld " << r.ld_db);
    CHECK(e_bulla <= tol_bulla);
    CHECK(e_ld <= tol_ld);
    ++m.cases;
    m.bulla = std::max(m.bulla, e_bulla);
    m.bulls = std::max(m.bulls, e_bulls);
    m.sph = std::max(m.sph, e_sph);
    m.ld = std::max(m.ld, e_ld);
  }
  return m;
}

}  // namespace

TEST_CASE("P526 delta-Bullington on the SG3 real profiles: Lbulla 0.1 dB, Ld 0.5 dB") {
  PHUSONG_REQUIRE_SHARED();
  // ΔN = 39 N-units/km from the table header: ae = 8476.6 km.
  const auto m = run_validation(0.0, 0.1, 0.5);
  MESSAGE("P.526 delta-Bullington (ae from dN=39), " << m.cases << " cases: max |dLbulla| "
          << m.bulla << " dB, |dLbulls| " << m.bulls << " dB, |dLdsph| " << m.sph
          << " dB, |dLd| " << m.ld << " dB");
}

TEST_CASE("P526 delta-Bullington with ae = 8500 km reproduces the SG3 values to 0.01 dB") {
  PHUSONG_REQUIRE_SHARED();
  // The SG3 values were evidently produced with the conventional 4/3 earth
  // of P.526, ae = 8500 km (ΔN = 39 is its rounded equivalent); with that
  // radius every intermediate agrees to a few thousandths of a dB.
  const auto m = run_validation(8500.0, 0.01, 0.01);
  CHECK(m.bulls <= 0.01);
  CHECK(m.sph <= 0.01);
  MESSAGE("P.526 delta-Bullington (ae = 8500 km), " << m.cases << " cases: max |dLbulla| "
          << m.bulla << " dB, |dLbulls| " << m.bulls << " dB, |dLdsph| " << m.sph
          << " dB, |dLd| " << m.ld << " dB");
}

TEST_CASE("P526 Bullington: flat earth line of sight has no loss; a screen in the middle matches J(v)") {
  // Three-point profile on a huge earth radius (flat): the middle point is a
  // knife edge; Luc must equal J(v) with v from the Fresnel-zone geometry.
  const std::vector<double> d = {0.0, 5.0, 10.0};
  const double f = 1.0;  // GHz
  const double lambda = 0.299792458 / f;
  std::vector<double> h = {0.0, 0.0, 0.0};
  // 100 m antennas clear the first Fresnel zone (radius ~27 m) over flat ground.
  auto b = p526::bullington(d, h.data(), 100.0, 100.0, 1e12, f);
  CHECK(b.line_of_sight);
  CHECK(b.luc_db == 0.0);
  CHECK(b.loss_db == 0.0);
  h[1] = 30.0;  // 20 m above the line of sight
  b = p526::bullington(d, h.data(), 10.0, 10.0, 1e12, f);
  CHECK_FALSE(b.line_of_sight);
  CHECK(b.dbp_km == doctest::Approx(5.0));
  const double v = 20.0 * std::sqrt(2.0 * 10e3 / (lambda * 5e3 * 5e3));
  CHECK(b.v == doctest::Approx(v).epsilon(1e-9));
  CHECK(b.luc_db == doctest::Approx(knife_edge_j_db(v)).epsilon(1e-9));
  CHECK(b.loss_db == doctest::Approx(b.luc_db + (1.0 - std::exp(-b.luc_db / 6.0)) * (10.0 + 0.2)));
}

TEST_CASE("P526 Deygout: single edge equals J(v); two edges add; empirical correction applies") {
  const std::vector<double> d = {0.0, 2.0, 5.0, 8.0, 10.0};
  std::vector<double> h = {0.0, 0.0, 30.0, 0.0, 0.0};
  const double f = 0.9;
  const double lambda = 0.299792458 / f;
  auto r = p526::deygout(d, h, 10.0, 10.0, 1e12, f, false);
  REQUIRE(r.edges == 1);
  CHECK(r.ip == 2);
  const double vp = 20.0 * std::sqrt(2.0 * 10e3 / (lambda * 5e3 * 5e3));
  CHECK(r.vp == doctest::Approx(vp).epsilon(1e-9));
  CHECK(r.loss_db == doctest::Approx(knife_edge_j_db(vp)).epsilon(1e-9));
  const auto rc = p526::deygout(d, h, 10.0, 10.0, 1e12, f, true);
  const double jp = knife_edge_j_db(vp);
  CHECK(rc.loss_db == doctest::Approx(jp + (1.0 - std::exp(-jp / 6.0)) * (10.0 + 0.04 * 10.0)));
  h[1] = 40.0;  // a second edge between Tx and the main one
  r = p526::deygout(d, h, 10.0, 10.0, 1e12, f, false);
  CHECK(r.edges >= 2);
  CHECK(r.loss_db > knife_edge_j_db(r.vp) + 1.0);
}

TEST_CASE("P526 spherical earth: beyond the horizon equals the first term; clear paths have no loss") {
  const double ae = p526::effective_radius_km(39.0);
  // 10 m antennas: radio horizon ~2·sqrt(2·ae·0.01) ≈ 26 km.
  const auto far = p526::spherical_earth(60.0, 10.0, 10.0, ae, 0.5, 0.0, Polarization::Vertical);
  CHECK(far.beyond_horizon);
  CHECK(far.loss_db == doctest::Approx(p526::first_term_db(60.0, 10.0, 10.0, ae, 0.5, 0.0,
                                                           Polarization::Vertical)));
  CHECK(far.loss_db > 20.0);
  const auto near = p526::spherical_earth(1.0, 100.0, 100.0, ae, 0.5, 0.0, Polarization::Vertical);
  CHECK_FALSE(near.beyond_horizon);
  CHECK(near.loss_db == 0.0);
  // Sea (omega = 1) vs land first term differ.
  const double land = p526::first_term_db(60.0, 10.0, 10.0, ae, 0.1, 0.0, Polarization::Vertical);
  const double sea = p526::first_term_db(60.0, 10.0, 10.0, ae, 0.1, 1.0, Polarization::Vertical);
  CHECK(std::fabs(land - sea) > 0.5);
}

TEST_CASE("P526 model: registered, free space on clear flat paths, more loss behind a ridge") {
  auto m = make_model("p526");
  CHECK(m->name() == "p526");
  LinkParams p;
  p.freq_mhz = 900.0;
  p.tx_height_m = 30.0;
  p.rx_height_m = 10.0;
  m->check(p, "test");
  std::vector<double> flat(101, 100.0);
  const auto prof = Profile::uniform(20.0, flat);  // 2 km
  const auto l = m->loss(prof, p);
  CHECK(l.mode == Mode::LineOfSight);
  CHECK(l.loss_db == doctest::Approx(fspl_db(900.0, std::hypot(2000.0, 20.0))).epsilon(1e-9));
  auto ridge = flat;
  ridge[50] = 250.0;
  const auto lr = m->loss(Profile::uniform(20.0, ridge), p);
  CHECK(lr.mode == Mode::Diffraction);
  CHECK(lr.loss_db > l.loss_db + 20.0);
  p.freq_mhz = 5.0;
  CHECK_THROWS_AS(m->check(p, "test"), InputError);
}
