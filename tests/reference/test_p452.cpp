// ITU-R P.452-18 median diffraction loss Ld50 (§4.2, delta-Bullington, the
// same algorithm as P.526-15 §4.5 and P.1812-6 §4.3) against the ITU-R SG3
// validation results in ../shared/reference/p452/ (17 profiles x 35 rows).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "phusong/propagation/model.hpp"
#include "phusong/propagation/p526.hpp"
#include "test_support.hpp"

using namespace phusong;
using namespace phusong::prop;

namespace {

// Heights for the Bullington part: terrain plus ground-cover height at the
// intermediate points (P.452-18 adds representative clutter heights to the
// profile as P.1812-6 does).  Ground cover closer than 50 m to either
// terminal is left out: this is inferred from the validation data, not
// quoted from the text -- 14 of the 17 files are insensitive to it, and the
// three with ground cover 20-40 m from a terminal (cebreros_3995,
// flat_land_5km_Dense_Urban / _Dense_Suburban) match to 1e-4 dB only with it
// (and are 4-8 dB off without it), while flat_land_5km_Industrial, whose
// cover starts exactly 50 m from the terminals, needs that cover kept.
struct P452Profile {
  std::vector<double> d_km, h_m, g_m;
};

P452Profile load_p452_profile(const std::filesystem::path& file) {
  const auto t = test::read_csv(file);
  P452Profile p;
  const std::size_t n = t.rows.size();
  std::vector<double> r_m;
  for (std::size_t i = 0; i < n; ++i) {
    p.d_km.push_back(std::stod(t.rows[i][0]));
    p.h_m.push_back(std::stod(t.rows[i][1]));
    r_m.push_back(std::stod(t.rows[i][2]));
  }
  const double d = p.d_km.back();
  for (std::size_t i = 0; i < n; ++i) {
    const bool near_terminal = p.d_km[i] < 0.05 - 1e-9 || d - p.d_km[i] < 0.05 - 1e-9;
    p.g_m.push_back(p.h_m[i] + (near_terminal ? 0.0 : r_m[i]));
  }
  return p;
}

}  // namespace

TEST_CASE("P452 Ld50 (delta-Bullington) on the SG3 validation rows within 0.1 dB") {
  PHUSONG_REQUIRE_SHARED();
  const auto dir = test::shared_path("reference/p452/results");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 17);
  std::size_t rows = 0;
  double max_err = 0.0, max_err_sph = 0.0, max_hstd = 0.0;
  std::string worst;
  for (const auto& rf : files) {
    const auto t = test::read_csv(rf);
    REQUIRE(!t.rows.empty());
    const std::string pname = t.rows[0][t.col("profile")];
    const auto prof = load_p452_profile(test::shared_path("reference/p452/profiles/" + pname));
    REQUIRE(prof.d_km.size() > 2);
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      p526::DeltaBullingtonInput in;
      in.d_km = prof.d_km;
      in.h_m = prof.g_m;
      in.h_smooth_m = prof.h_m;
      in.hts_m = prof.h_m.front() + t.num(i, "htg (m)");
      in.hrs_m = prof.h_m.back() + t.num(i, "hrg (m)");
      in.ae_km = p526::effective_radius_km(t.num(i, "DN"));
      in.freq_ghz = t.num(i, "f (GHz)");
      in.omega = t.num(i, "omega");
      in.pol = t.num(i, "pol (1-h/2-v)") == 1.0 ? Polarization::Horizontal : Polarization::Vertical;
      const auto r = p526::delta_bullington(in);
      const double ref = t.num(i, "Ld50");
      const double err = std::fabs(r.ld_db - ref);
      INFO(rf.filename().string() << " row " << i + 1 << " f=" << in.freq_ghz << " GHz: Ld50 "
                                  << r.ld_db << " ref " << ref << " (Lbulla " << r.lbulla_db
                                  << " Lbulls " << r.lbulls_db << " Ldsph " << r.ldsph_db
                                  << " ref " << t.num(i, "Ldsph") << ")");
      CHECK(err <= 0.1);
      CHECK(std::fabs(r.ldsph_db - t.num(i, "Ldsph")) <= 0.1);
      CHECK(in.ae_km == doctest::Approx(t.num(i, "ae")).epsilon(1e-6));
      CHECK(std::fabs(r.smooth.hstd_m - t.num(i, "hstd")) <= 0.01);
      CHECK(std::fabs(r.smooth.hsrd_m - t.num(i, "hsrd")) <= 0.01);
      if (err > max_err) {
        max_err = err;
        worst = rf.filename().string() + " row " + std::to_string(i + 1);
      }
      max_err_sph = std::max(max_err_sph, std::fabs(r.ldsph_db - t.num(i, "Ldsph")));
      max_hstd = std::max({max_hstd, std::fabs(r.smooth.hstd_m - t.num(i, "hstd")),
                           std::fabs(r.smooth.hsrd_m - t.num(i, "hsrd"))});
      ++rows;
    }
  }
  CHECK(rows == 595);
  MESSAGE("P.452 Ld50: " << rows << " rows, max |dLd50| " << max_err << " dB (" << worst
                         << "), max |dLdsph| " << max_err_sph << " dB, max |dhstd/hsrd| "
                         << max_hstd << " m");
}
