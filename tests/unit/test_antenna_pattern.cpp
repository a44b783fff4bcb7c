// Antenna pattern files (MSI/Planet): parsing, errors, 3-D interpolation,
// electrical and mechanical tilt, and a downtilted sector on flat earth.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "phusong/core/error.hpp"
#include "phusong/engine/coverage.hpp"
#include "phusong/propagation/models.hpp"
#include "phusong/radio/antenna_pattern.hpp"
#include "phusong/radio/cell.hpp"
#include "test_support.hpp"

using namespace phusong;
using namespace phusong::radio;

namespace {

// A pattern with H(φ) = min(12 (φ/60)², 30) and V(θ) = min(12 (θ/8)², 30)
// (front half; back half 30 dB), GAIN in dBd.
std::string synthetic_msi(int h_points = 360, int v_points = 360, const std::string& gain = "GAIN 15.85 dBd") {
  std::ostringstream o;
  o << "NAME test panel\nMAKE phusong tests\nFREQUENCY 1800\n" << gain << "\nTILT ELECTRICAL\nELECTRICAL_TILT 2\n";
  o << "HORIZONTAL 360\n";
  for (int i = 0; i < h_points; ++i) {
    const double phi = i <= 180 ? i : i - 360;
    o << i << " " << std::min(12.0 * (phi / 60) * (phi / 60), 30.0) << "\n";
  }
  o << "VERTICAL 360\n";
  for (int i = 0; i < v_points; ++i) {
    double th = i <= 180 ? i : i - 360;
    th -= 2;  // the file's own 2° electrical tilt
    const double a = (i > 90 && i < 270) ? 30.0 : std::min(12.0 * (th / 8) * (th / 8), 30.0);
    o << i << " " << a << "\n";
  }
  return o.str();
}

std::string error_of(const std::string& text) {
  try {
    parse_msi(text, "bad.msi");
  } catch (const InputError& e) {
    return e.field() + " | " + e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("antenna pattern: parsing an MSI file") {
  const AntennaPattern p = parse_msi(synthetic_msi(), "test.msi");
  CHECK(p.name == "test panel");
  CHECK(p.freq_mhz == 1800);
  CHECK(p.gain_dbi == doctest::Approx(18.0));  // 15.85 dBd + 2.15
  CHECK(p.electrical_tilt_deg == 2);
  CHECK(p.horizontal_db[30] == doctest::Approx(3.0));
  CHECK(p.floor_db == doctest::Approx(30.0));
  CHECK(parse_msi(synthetic_msi(360, 360, "GAIN 18 dBi"), "t").gain_dbi == doctest::Approx(18.0));
  CHECK(parse_msi(synthetic_msi(360, 360, "GAIN 15.85"), "t").gain_dbi == doctest::Approx(18.0));  // dBd by default
  // Linear interpolation between whole degrees, wrapping at 360.
  CHECK(horizontal_attenuation_db(p, 30.5) == doctest::Approx((p.horizontal_db[30] + p.horizontal_db[31]) / 2));
  CHECK(horizontal_attenuation_db(p, -0.5) == doctest::Approx((p.horizontal_db[359] + p.horizontal_db[0]) / 2));
  // format → parse round trip (one decimal).
  const AntennaPattern q = parse_msi(format_msi(p), "round-trip");
  CHECK(q.gain_dbi == doctest::Approx(p.gain_dbi));
  CHECK(q.electrical_tilt_deg == p.electrical_tilt_deg);
  for (int i = 0; i < 360; ++i) {
    CHECK(std::abs(q.horizontal_db[i] - p.horizontal_db[i]) <= 0.0501);
    CHECK(std::abs(q.vertical_db[i] - p.vertical_db[i]) <= 0.0501);
  }
}

TEST_CASE("antenna pattern: bad files give errors naming the line and section") {
  std::string e = error_of(synthetic_msi(359));
  CHECK(e.find("HORIZONTAL") != std::string::npos);
  CHECK(e.find("only 359 points") != std::string::npos);
  CHECK(e.find("line 7") != std::string::npos);  // the HORIZONTAL line
  e = error_of(synthetic_msi(360, 300));
  CHECK(e.find("VERTICAL") != std::string::npos);
  CHECK(e.find("only 300 points") != std::string::npos);
  // One point too many: an extra line after the vertical section.
  e = error_of(synthetic_msi() + "360 0\n");
  CHECK(e.find("more than 360 points") != std::string::npos);
  // Declared count other than 360.
  std::string t = synthetic_msi();
  t.replace(t.find("HORIZONTAL 360"), 14, "HORIZONTAL 180");
  e = error_of(t);
  CHECK(e.find("declares 180 points") != std::string::npos);
  // Bad angle, repeated angle, negative attenuation.
  t = synthetic_msi();
  t.replace(t.find("\n5 "), 3, "\n5.5 ");
  CHECK(error_of(t).find("not a whole degree") != std::string::npos);
  t = synthetic_msi();
  t.replace(t.find("\n5 "), 3, "\n4 ");
  CHECK(error_of(t).find("repeated") != std::string::npos);
  t = synthetic_msi();
  const size_t at = t.find("\n5 ");
  t.replace(at, t.find('\n', at + 1) - at, "\n5 -1");
  CHECK(error_of(t).find("negative") != std::string::npos);
  // Missing sections and gain.
  t = synthetic_msi();
  CHECK(error_of(t.substr(0, t.find("VERTICAL"))).find("VERTICAL | ") == 0);
  t.replace(t.find("GAIN 15.85 dBd"), 14, "COMMENT no gain");
  CHECK(error_of(t).find("GAIN | ") == 0);
  CHECK(error_of(synthetic_msi(360, 360, "GAIN 15 dBx")).find("unknown unit") != std::string::npos);
  // The file loader names the file.
  CHECK_THROWS_AS(load_msi("/nonexistent/x.msi"), InputError);
}

TEST_CASE("antenna pattern: analytical 65° / 17 dBi panel — boresight, -3 dB at half beamwidth, back lobe") {
  const AntennaPattern p = make_panel_pattern(PanelSpec{});
  CHECK(p.gain_dbi == 17);
  CHECK(pattern_attenuation_db(p, 0, 0, 0, 0) == doctest::Approx(0));
  // Horizontal half-power beamwidth 65°: 3 dB at ±32.5° (0.1 dB rounding of the samples).
  CHECK(std::abs(pattern_attenuation_db(p, 32.5, 0, 0, 0) - 3.0) <= 0.1);
  CHECK(std::abs(pattern_attenuation_db(p, -32.5, 0, 0, 0) - 3.0) <= 0.1);
  // Back lobe: front-to-back ratio 28 dB.
  CHECK(pattern_attenuation_db(p, 180, 0, 0, 0) == doctest::Approx(28.0));
  // Vertical beam: 3 dB points within ±3.5° (hpbw_v 7°), narrower than the horizontal.
  const double v3 = vertical_attenuation_db(p, 3.5);
  CHECK(v3 >= 3.0);
  CHECK(vertical_attenuation_db(p, 2.0) < 3.0);
  CHECK(vertical_attenuation_db(p, -2.0) == doctest::Approx(vertical_attenuation_db(p, 2.0)));
  // The project's file is this model, written by `phusong make-pattern`.
  const auto file = test::source_dir() / "geodata/antennas/panel_65deg_17dbi_1800.msi";
  REQUIRE(std::filesystem::exists(file));
  const AntennaPattern f = load_msi(file.string());
  CHECK(format_msi(f) == format_msi(p));
}

TEST_CASE("antenna pattern: electrical tilt shifts, mechanical tilt rotates") {
  const AntennaPattern p = parse_msi(synthetic_msi(), "t");  // built-in 2° electrical tilt
  // File's own tilt: main beam 2° below the horizon.
  CHECK(pattern_attenuation_db(p, 0, 2, 2, 0) == doctest::Approx(0));
  CHECK(pattern_attenuation_db(p, 0, 10, 2, 0) == doctest::Approx(12.0));
  // Electrical tilt 8°: the vertical cut moves down by 6°.
  CHECK(pattern_attenuation_db(p, 0, 8, 8, 0) == doctest::Approx(0));
  CHECK(pattern_attenuation_db(p, 0, 16, 8, 0) == doctest::Approx(12.0));
  CHECK(pattern_attenuation_db(p, 0, 8, 8, 0) == doctest::Approx(pattern_attenuation_db(p, 0, 2, 2, 0)));
  // Mechanical 6° downtilt: on the boresight azimuth the same as a 6° shift.
  CHECK(pattern_attenuation_db(p, 0, 8, 2, 6) == doctest::Approx(0).epsilon(1e-9));
  // Off to the side (90°) a mechanical tilt hardly changes the depression
  // (rotation about the axis pointing there), unlike an electrical tilt:
  // sin δ' = sin δ cos t.
  const double k = M_PI / 180;
  const auto r90 = rotate_for_mechanical_tilt(90, 2, 6);
  CHECK(r90[1] == doctest::Approx(std::asin(std::sin(2 * k) * std::cos(6 * k)) / k).epsilon(1e-12));
  CHECK(std::abs(r90[1] - 2.0) < 0.02);
  // At 60° off boresight the tilt seen is about 6 cos 60° = 3°.
  const auto r60 = rotate_for_mechanical_tilt(60, 0, 6);
  CHECK(r60[1] == doctest::Approx(-3.0).epsilon(0.01));
  // Behind the antenna the mechanical tilt lifts the back lobe.
  const auto r180 = rotate_for_mechanical_tilt(180, 0, 6);
  CHECK(std::abs(r180[0]) == doctest::Approx(180.0));
  CHECK(r180[1] == doctest::Approx(6.0));
  // Through Cell: pattern cells use the file, azimuth relative to north.
  Cell c;
  c.azimuth_deg = 120;
  c.pattern = std::make_shared<const AntennaPattern>(p);
  c.tilt_deg = 2;
  CHECK(relative_gain_db(c, 120, 2) == doctest::Approx(0));
  CHECK(relative_gain_db(c, 150, 2) == doctest::Approx(-3.0));
  CHECK(relative_gain_db(c, 300, 2) == doctest::Approx(-30.0));
}

TEST_CASE("antenna pattern: downtilted sector on flat earth against a hand calculation") {
  // 100 m flat terrain, 60 x 60 cells of 30 m; a site at the centre, 40 m mast,
  // azimuth 90° (east), pattern file with its own 2° tilt, electrical tilt 6°
  // and mechanical tilt 2°; free-space loss.
  const Grid g = test::square_grid(60, 30.0);
  Raster<float> dem(g, 100.0f);
  Cell c;
  c.cell_id = c.site_id = "S1";
  c.x = g.cell_x(30);
  c.y = g.cell_y(30);
  c.height_m = 40;
  c.azimuth_deg = 90;
  c.tilt_deg = 6;
  c.mechanical_tilt_deg = 2;
  c.freq_mhz = 1800;
  c.bandwidth_mhz = 10;
  c.eirp_dbm = 60;
  c.pattern = std::make_shared<const AntennaPattern>(parse_msi(synthetic_msi(), "t"));
  std::vector<Cell> cells{c};
  auto model = prop::make_model("fspl", "test");
  prop::LinkParams link;
  link.rx_height_m = 1.5;
  EngineConfig cfg;
  cfg.radius_m = 900;
  cfg.threads = 1;
  const Composite comp = compute_coverage(dem, cells, *model, link, cfg);
  const double ref = 60 - 10 * std::log10(12.0 * 50);  // RSRP per resource element, 50 RB
  auto fspl = [](double d3_m) { return 20 * std::log10(4 * M_PI * d3_m / (299792458.0 / 1800e6)); };
  // (a) 300 m due east (boresight azimuth): depression atan(38.5/300) = 7.313°;
  //     tilts 6 (electrical, +4 over the file's 2) + 2 (mechanical) put the beam at 8°.
  {
    const double dz = 38.5, d = 300;
    const double dep = std::atan2(dz, d) * 180 / M_PI;
    const double th = dep - 8.0;  // off the beam, degrees
    // V(θ) = 12 (θ/8)² sampled at whole degrees and interpolated: |θ| = 0.687 lies
    // between 0° (0 dB) and 1° (12/64 dB).
    const double av = std::abs(th) * 12.0 / 64.0;
    const double expected = ref - av - fspl(std::hypot(d, dz));
    CHECK(comp.best_dbm.at(30, 40) == doctest::Approx(expected).epsilon(1e-5));
  }
  // (b) 300 m due north, 90° off boresight.  The mechanical tilt (2°) rotates
  //     the direction into the antenna frame: with the unit vector (forward,
  //     right, up) = (0, -cos δ, -sin δ), forward' = sin δ sin 2°, up' = -sin δ cos 2°,
  //     so the depression becomes asin(sin δ cos 2°) and the azimuth
  //     atan2(-cos δ, sin δ sin 2°) (just inside -90°).
  {
    const double dz = 38.5, d = 300, k = M_PI / 180;
    const double dep = std::atan2(dz, d) / k;
    const double dep2 = std::asin(std::sin(dep * k) * std::cos(2 * k)) / k;
    const double az2 = std::atan2(-std::cos(dep * k), std::sin(dep * k) * std::sin(2 * k)) / k;
    // The file's samples, interpolated by hand.
    auto h = [](double phi) { return std::min(12.0 * (phi / 60) * (phi / 60), 30.0); };
    auto v = [](double th) { return std::min(12.0 * (th / 8) * (th / 8), 30.0); };
    auto lin = [](auto f, double a) {
      const double a0 = std::floor(a);
      return f(a0) + (f(a0 + 1) - f(a0)) * (a - a0);
    };
    const double ah = lin(h, az2);
    const double av = lin([&](double a) { return v(a - 2.0); }, dep2 - 4.0);  // file tilt 2°, +4° electrical shift
    CHECK(ah == doctest::Approx(26.85).epsilon(0.001));
    const double expected = ref - std::min(ah + av, 30.0) - fspl(std::hypot(d, dz));
    CHECK(comp.best_dbm.at(20, 30) == doctest::Approx(expected).epsilon(1e-5));
  }
}
