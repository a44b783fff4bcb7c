// ITU-R P.1812-6 against the ITU-R SG3 validation data set
// (../shared/reference/p1812/: 19 profiles, 63 cases, every intermediate).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/propagation/p1812.hpp"
#include "test_support.hpp"

using namespace phusong;
using namespace phusong::prop;

namespace {

struct Profile1812 {
  std::vector<double> d_km, h_m, r_m;
  std::vector<int> zone;
};

// The SG3 profile files: a header, then "Number of Points:,N" and N rows of
// distance (km), height (m), coverage code, ground cover height R (m),
// radio-meteorological zone (1 sea, 3 coastal land, 4 inland).
Profile1812 load_profile(const std::filesystem::path& file) {
  std::ifstream in(file);
  REQUIRE(in.good());
  std::string line;
  Profile1812 p;
  long count = -1;
  while (std::getline(in, line)) {
    const auto c = test::split_csv_line(line);
    if (c.empty()) continue;
    if (count < 0) {
      if (c[0] == "Number of Points:") count = std::stol(c.at(1));
      continue;
    }
    if (static_cast<long>(p.d_km.size()) == count) break;
    p.d_km.push_back(std::stod(c.at(0)));
    p.h_m.push_back(std::stod(c.at(1)));
    p.r_m.push_back(std::stod(c.at(3)));
    p.zone.push_back(std::stoi(c.at(4)));
  }
  REQUIRE(static_cast<long>(p.d_km.size()) == count);
  return p;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

// Result files: "name,equation,,value".  Keys are the trimmed names; a name
// used twice (hst, hsr: eqs. (85) and (90)) is also stored as "name|equation".
std::map<std::string, double> load_result(const std::filesystem::path& file) {
  std::ifstream in(file);
  REQUIRE(in.good());
  std::map<std::string, double> m;
  std::string line;
  while (std::getline(in, line)) {
    const auto c = test::split_csv_line(line);
    if (c.size() < 4 || c[0].empty() || c[0][0] == '#' || trim(c[3]).empty()) continue;
    const std::string key = trim(c[0]);
    const double v = std::stod(c[3]);
    if (!m.count(key)) m[key] = v;
    m[key + "|" + trim(c[1])] = v;
  }
  return m;
}

struct Stat {
  double max_abs = 0.0;
  std::string where;
  void add(double err, const std::string& w) {
    if (std::fabs(err) > max_abs) {
      max_abs = std::fabs(err);
      where = w;
    }
  }
};

}  // namespace

TEST_CASE("P1812 all 63 SG3 validation cases: Lb and the intermediates within 0.1 dB") {
  PHUSONG_REQUIRE_SHARED();
  const auto dir = test::shared_path("reference/p1812/validation_results");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name != "combined_results.csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 63);
  std::map<std::string, Profile1812> profiles;
  std::map<std::string, Stat> stats;
  std::size_t cases = 0;
  for (const auto& rf : files) {
    const std::string stem = rf.stem().string();
    const std::string pname = stem.substr(0, stem.rfind('_')) + ".csv";
    if (!profiles.count(pname))
      profiles[pname] = load_profile(test::shared_path("reference/p1812/validation_profiles/" + pname));
    const Profile1812& pr = profiles[pname];
    auto ref = load_result(rf);

    p1812::Input in;
    in.freq_ghz = ref.at("f (GHz)");
    in.time_pct = ref.at("p (%)");
    in.location_pct = ref.at("pL (%)");
    in.sigma_loc_db = ref.at("sigmaL (dB)");
    in.htg_m = ref.at("htg (m)");
    in.hrg_m = ref.at("hrg (m)");
    in.pol = ref.at("pol") == 1.0 ? Polarization::Horizontal : Polarization::Vertical;
    in.delta_n = ref.at("DN");
    in.n0 = ref.at("N0");
    in.dct_km = ref.at("dct (km)");
    in.dcr_km = ref.at("dcr (km)");
    in.phi_path_deg = p1812::path_centre_lat_deg(ref.at("phi_t (deg)"), ref.at("lam_t (deg)"),
                                                 ref.at("phi_r (deg)"), ref.at("lam_r (deg)"),
                                                 pr.d_km.back() - pr.d_km.front());
    in.d_km = pr.d_km;
    in.h_m = pr.h_m;
    in.r_m = pr.r_m;
    in.zone = pr.zone;
    const auto r = p1812::predict(in);
    REQUIRE(r.valid);
    ++cases;

    const std::string w = stem;
    // Losses (dB): name in the result file -> computed value.
    const std::vector<std::pair<std::string, double>> losses = {
        {"Lbfs", r.lbfs_db},          {"Lb0p", r.lb0p_db},           {"Lb0b", r.lb0b_db},
        {"Lbulla (dB)", r.diff50.lbulla_db}, {"Lbulls (dB)", r.diff50.lbulls_db},
        {"Ldsph (dB)", r.diff50.ldsph_db},   {"Ld50 (dB)", r.ld50_db},  {"Ldb (dB)", r.ldb_db},
        {"Ldp (dB)", r.ldp_db},       {"Lbd50 (dB)", r.lbd50_db},    {"Lbd (dB)", r.lbd_db},
        {"Lminb0p (dB)", r.lminb0p_db}, {"Lba (dB)", r.lba_db},       {"Lminbap (dB)", r.lminbap_db},
        {"Lbda (dB)", r.lbda_db},     {"Lbam (dB)", r.lbam_db},      {"Lbs (dB)", r.lbs_db},
        {"Lbc (dB)", r.lbc_db},       {"Lb (dB)", r.lb_db},          {"Ep (dBuV/m)", r.ep_dbuv_m},
    };
    // Geometry and other intermediates: name -> (computed, tolerance).
    struct G {
      std::string key;
      double v;
      double tol;
    };
    const std::vector<G> geo = {
        {"d (km)", r.d_km, 1e-6},           {"dlt (km)", r.dlt_km, 1e-6},
        {"dlr (km)", r.dlr_km, 1e-6},       {"th_t (mrad)", r.theta_t_mrad, 1e-4},
        {"th_r (mrad)", r.theta_r_mrad, 1e-4}, {"th (mrad)", r.theta_mrad, 1e-4},
        {"hts (m)", r.hts_m, 1e-6},         {"hrs (m)", r.hrs_m, 1e-6},
        {"hst (m)|Eq (90a)", r.hst_m, 1e-4}, {"hsr (m)|Eq (90b)", r.hsr_m, 1e-4},
        {"hstd (m)", r.hstd_m, 1e-4},       {"hsrd (m)", r.hsrd_m, 1e-4},
        {"htc' (m)", r.diff50.htc_prime_m, 1e-4}, {"hrc' (m)", r.diff50.hrc_prime_m, 1e-4},
        {"hte (m)", r.hte_m, 1e-4},         {"hre (m)", r.hre_m, 1e-4},
        {"hm (m)", r.hm_m, 1e-4},           {"w", r.omega, 1e-6},
        {"dtm (km)", r.dtm_km, 1e-6},       {"dlm (km)", r.dlm_km, 1e-6},
        {"phi (deg)", in.phi_path_deg, 1e-6}, {"b0 (%)", r.beta0_pct, 1e-5},
        {"ae (km)", r.ae_km, 1e-4},         {"Fi", r.fi, 1e-5},
        {"Fj", r.fj, 1e-5},                 {"Fk", r.fk, 1e-5},
    };
    for (const auto& loss : losses) {
      // (named members: clang before 16 cannot capture structured bindings, as INFO does)
      const auto& k = std::get<0>(loss);
      const auto& v = std::get<1>(loss);
      REQUIRE(ref.count(k));
      const double err = v - ref.at(k);
      INFO(w << ": " << k << " = " << v << ", reference " << ref.at(k));
      CHECK(std::fabs(err) <= 0.1);
      stats[k].add(err, w);
    }
    for (const auto& g : geo) {
      REQUIRE(ref.count(g.key));
      const double err = g.v - ref.at(g.key);
      INFO(w << ": " << g.key << " = " << g.v << ", reference " << ref.at(g.key));
      CHECK(std::fabs(err) <= g.tol);
      stats[g.key].add(err, w);
    }
  }
  CHECK(cases == 63);
  std::string summary;
  for (const auto& [k, s] : stats) summary += "\n  " + k + ": max |d| " + std::to_string(s.max_abs);
  MESSAGE("P.1812-6, " << cases << " SG3 cases: Lb max |d| " << stats["Lb (dB)"].max_abs
                       << " dB (" << stats["Lb (dB)"].where << ")" << summary);
}

TEST_CASE("P1812 inverse cumulative normal and path centre") {
  CHECK(p1812::inv_cum_norm(0.5) == doctest::Approx(0.0).epsilon(1e-3));
  CHECK(p1812::inv_cum_norm(0.1) == doctest::Approx(1.2816).epsilon(6e-4));
  CHECK(p1812::inv_cum_norm(0.9) == doctest::Approx(-1.2816).epsilon(6e-4));
  CHECK(p1812::inv_cum_norm(0.01) == doctest::Approx(2.3263).epsilon(6e-4));
  // A meridian path: the centre is the mean latitude.
  CHECK(p1812::path_centre_lat_deg(10.0, 106.0, 20.0, 106.0) == doctest::Approx(15.0));
}

TEST_CASE("P1812 model: LinkParams and Profile mapping reproduce the SG3 urban cases") {
  PHUSONG_REQUIRE_SHARED();
  // rburg_urban_with_clutter: 96 km inland path with clutter, 30 MHz - 6 GHz.
  const auto pr = load_profile(
      test::shared_path("reference/p1812/validation_profiles/rburg_urban_with_clutter.csv"));
  Profile prof;
  for (std::size_t i = 0; i < pr.d_km.size(); ++i) {
    prof.distance_m.push_back(pr.d_km[i] * 1000.0);
    prof.height_m.push_back(pr.h_m[i]);
    prof.clutter_m.push_back(pr.r_m[i]);
    prof.zone.push_back(pr.zone[i]);
  }
  auto m = make_model("p1812");
  CHECK(m->name() == "p1812");
  double max_err = 0.0;
  for (int k = 1; k <= 6; ++k) {
    const auto ref = load_result(test::shared_path(
        "reference/p1812/validation_results/rburg_urban_with_clutter_" + std::to_string(k) + ".csv"));
    LinkParams p;
    p.freq_mhz = ref.at("f (GHz)") * 1000.0;
    p.time_pct = ref.at("p (%)");
    p.location_pct = ref.at("pL (%)");
    p.location_sigma_db = ref.at("sigmaL (dB)");
    p.tx_height_m = ref.at("htg (m)");
    p.rx_height_m = ref.at("hrg (m)");
    p.pol = ref.at("pol") == 1.0 ? Polarization::Horizontal : Polarization::Vertical;
    p.delta_n = ref.at("DN");
    p.n0 = ref.at("N0");
    p.lat_deg = ref.at("phi (deg)");
    m->check(p, "test");
    const auto l = m->loss(prof, p);
    INFO("case " << k << ": " << l.loss_db << " vs " << ref.at("Lb (dB)"));
    CHECK(std::fabs(l.loss_db - ref.at("Lb (dB)")) <= 0.1);
    CHECK(l.mode != Mode::LineOfSight);
    max_err = std::max(max_err, std::fabs(l.loss_db - ref.at("Lb (dB)")));
  }
  MESSAGE("P.1812 model wrapper, 6 urban cases: max |dLb| " << max_err << " dB");
}

TEST_CASE("P1812 model: validity checks and location variability") {
  auto m = make_model("p1812");
  LinkParams p;
  p.freq_mhz = 900.0;
  p.tx_height_m = 30.0;
  p.rx_height_m = 1.5;
  p.time_pct = 50.0;
  CHECK_NOTHROW(m->check(p, "test"));
  p.freq_mhz = 7000.0;
  CHECK_THROWS_AS(m->check(p, "test"), InputError);
  p.freq_mhz = 900.0;
  p.time_pct = 60.0;
  CHECK_THROWS_AS(m->check(p, "test"), InputError);
  p.time_pct = 10.0;
  p.rx_height_m = 0.5;
  CHECK_THROWS_AS(m->check(p, "test"), InputError);
  p.rx_height_m = 1.5;
  p.delta_n = 200.0;
  CHECK_THROWS_AS(m->check(p, "test"), InputError);
  p.delta_n = 45.0;
  // A 20 km path over a ridge: pL = 90 % with σL = 5 dB adds I(0.1)·5 ≈ 6.4 dB.
  std::vector<double> h(201, 50.0);
  for (int i = 90; i <= 110; ++i) h[i] = 250.0;
  const auto prof = Profile::uniform(100.0, h);
  const auto l50 = m->loss(prof, p);
  CHECK(std::isfinite(l50.loss_db));
  p.location_pct = 90.0;
  p.location_sigma_db = 5.0;
  const auto l90 = m->loss(prof, p);
  CHECK(l90.loss_db - l50.loss_db == doctest::Approx(5.0 * p1812::inv_cum_norm(0.1)).epsilon(1e-9));
  // A sea path is computed with omega = 1 and differs from the same path inland.
  Profile sea = Profile::uniform(100.0, std::vector<double>(201, 0.0));
  sea.zone.assign(201, p1812::kSea);
  Profile land = Profile::uniform(100.0, std::vector<double>(201, 0.0));
  p.location_pct = 50.0;
  p.time_pct = 1.0;
  CHECK(m->loss(sea, p).loss_db != doctest::Approx(m->loss(land, p).loss_db));
}

TEST_CASE("P1812 model: a two-point profile (no intermediate terrain) is line of sight near free space") {
  auto m = make_model("p1812");
  LinkParams p;
  p.freq_mhz = 900.0;
  p.tx_height_m = 30.0;
  p.rx_height_m = 1.5;
  Profile prof = Profile::uniform(500.0, {100.0, 100.0});
  const auto l = m->loss(prof, p);
  REQUIRE(std::isfinite(l.loss_db));
  CHECK(l.mode == Mode::LineOfSight);
  // p = 50 %: Lb0p = Lbfs on the slant distance (eq. (8)), no diffraction.
  const double lbfs = 92.4 + 20.0 * std::log10(0.9) + 20.0 * std::log10(std::hypot(0.5, 0.0285));
  CHECK(l.loss_db == doctest::Approx(lbfs).epsilon(1e-6));
}
