#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "phusong/geo/crs.hpp"
#include "phusong/radio/antenna_pattern.hpp"
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

namespace {

// A reproducible uniform draw in [lo, hi) (a 64-bit LCG's top 53 bits).
struct Uniform {
  std::uint64_t state;
  double operator()(double lo, double hi) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * static_cast<double>(state >> 11) / 9007199254740992.0;
  }
};

double wrap360(double b) { return b - 360.0 * std::floor(b / 360.0); }

}  // namespace

TEST_CASE("radio: max_relative_gain_db bounds the gain over a box of bearings and depressions, and reaches it") {
  // Random parametric cells and boxes (bearings anywhere on the real line,
  // across north, up to and beyond a full turn); the gain on a 41 x 41 grid
  // of the box, plus the main beam's bearing and the tilt where the box
  // holds them, never exceeds the bound, and its largest value equals it
  // (no mechanical tilt: the bound is the gain at the box's point nearest
  // the main beam).  With a mechanical tilt the bound (over the box's
  // cover) lies within 3 dB of the largest gain probed on most cells and
  // below -3 dB on many.
  Uniform uniform{12345ULL};
  int reached = 0, mech = 0, sectors = 0, mech_close = 0, mech_low = 0;
  long above = 0;  // probes whose gain exceeds the bound
  for (int t = 0; t < 4000; ++t) {
    Cell c;
    if (uniform(0, 1) < 0.8) {
      c.azimuth_deg = uniform(0, 360);
      ++sectors;
    }
    c.beamwidth_deg = uniform(30, 120);
    c.vertical_beamwidth_deg = uniform(5, 20);
    c.tilt_deg = uniform(-2, 12);
    if (c.azimuth_deg && uniform(0, 1) < 0.1) {
      c.mechanical_tilt_deg = uniform(1, 8);
      ++mech;
    }
    const double b_lo = uniform(-400, 400);
    const double width = uniform(0, 1) < 0.05 ? 360.0 : uniform(0, 1) < 0.5 ? uniform(0, 20) : uniform(0, 200);
    const double dep_lo = uniform(-30, 30), dep_hi = dep_lo + (uniform(0, 1) < 0.3 ? 0.0 : uniform(0, 15));
    const double bound = max_relative_gain_db(c, b_lo, b_lo + width, dep_lo, dep_hi);
    double best = -1e300;
    auto probe = [&](double b, double dep) {
      const double gain = relative_gain_db(c, wrap360(b), dep);
      if (gain > bound + 1e-9) ++above;
      best = std::max(best, gain);
    };
    for (int i = 0; i <= 40; ++i)
      for (int j = 0; j <= 40; ++j) probe(b_lo + width * i / 40.0, dep_lo + (dep_hi - dep_lo) * j / 40.0);
    const double dep_main = std::clamp(c.tilt_deg, dep_lo, dep_hi);
    if (c.azimuth_deg) {
      for (int k = -2; k <= 2; ++k) {
        const double b = *c.azimuth_deg + 360.0 * k;
        if (b >= b_lo && b <= b_lo + width) probe(b, dep_main);
      }
    }
    for (int i = 0; i <= 40; ++i) probe(b_lo + width * i / 40.0, dep_main);
    if (c.mechanical_tilt_deg == 0.0) {
      reached += std::abs(best - bound) <= 1e-9;
    } else {
      mech_close += bound - best <= 3.0;
      mech_low += bound < -3.0;
    }
  }
  MESSAGE("cells: ", sectors, " sectors (", mech, " with a mechanical tilt: the bound within 3 dB of the best probe on ",
          mech_close, ", below -3 dB on ", mech_low, "), the bound reached on ", reached);
  CHECK(above == 0);
  CHECK(reached == 4000 - mech);
  CHECK(mech_close >= mech * 9 / 10);
  CHECK(mech_low >= mech / 2);
}

TEST_CASE("radio: max_relative_gain_db bounds a pattern file's gain over a box, and reaches it") {
  // Random MSI-like patterns (cuts of random samples, so that the smallest
  // attenuation often lies between the box's ends; some with no 0 dB
  // sample), the project's panel pattern, random electrical tilts against
  // the file's, omni and sector cells, some with a mechanical tilt.  The
  // gain over the box's ends, a 21 x 21 grid and every whole-degree sample
  // of both cuts inside it never exceeds the bound; without a mechanical
  // tilt its largest value equals it (the samples hold both cuts' minima);
  // with one it lies within 3 dB of it on most cells.
  Uniform uniform{777ULL};
  const auto panel = std::make_shared<const AntennaPattern>(make_panel_pattern(PanelSpec{}));
  int reached = 0, mech = 0, cells = 0, mech_close = 0;
  long above = 0, probes = 0;
  for (int t = 0; t < 600; ++t) {
    Cell c;
    if (uniform(0, 1) < 0.2) {
      c.pattern = panel;
    } else {
      AntennaPattern p;
      const double base_db = uniform(0, 1) < 0.3 ? uniform(0.5, 6) : 0.0;  // no 0 dB sample
      for (int i = 0; i < 360; ++i) {
        p.horizontal_db[static_cast<size_t>(i)] = base_db + uniform(0, 30);
        p.vertical_db[static_cast<size_t>(i)] = base_db + uniform(0, 30);
      }
      p.horizontal_db[static_cast<size_t>(uniform(0, 360))] = base_db;
      p.electrical_tilt_deg = uniform(0, 1) < 0.5 ? 0.0 : uniform(0, 10);
      p.floor_db = uniform(0, 1) < 0.3 ? base_db + uniform(5, 20) : base_db + 60.0;
      c.pattern = std::make_shared<const AntennaPattern>(p);
    }
    if (uniform(0, 1) < 0.8) c.azimuth_deg = uniform(0, 360);
    c.tilt_deg = uniform(-2, 12);
    if (c.azimuth_deg && uniform(0, 1) < 0.1) {
      c.mechanical_tilt_deg = uniform(1, 8);
      ++mech;
    }
    ++cells;
    const double b_lo = uniform(-400, 400);
    const double width = uniform(0, 1) < 0.05 ? 360.0 : uniform(0, 1) < 0.5 ? uniform(0, 6) : uniform(0, 200);
    const double dep_lo = uniform(-30, 30), dep_hi = dep_lo + (uniform(0, 1) < 0.3 ? 0.0 : uniform(0, 15));
    const double bound = max_relative_gain_db(c, b_lo, b_lo + width, dep_lo, dep_hi);
    // the probes: the ends, a grid, and the bearings and depressions where
    // either cut has a sample
    std::vector<double> bearings{b_lo, b_lo + width}, depressions{dep_lo, dep_hi};
    for (int i = 0; i <= 20; ++i) {
      bearings.push_back(b_lo + width * i / 20.0);
      depressions.push_back(dep_lo + (dep_hi - dep_lo) * i / 20.0);
    }
    const double az = c.azimuth_deg.value_or(0.0);
    for (double k = std::ceil(b_lo - az); k <= b_lo + width - az; k += 1.0) bearings.push_back(az + k);
    const double shift = c.tilt_deg - c.pattern->electrical_tilt_deg;
    for (double k = std::ceil(dep_lo - shift); k <= dep_hi - shift; k += 1.0) depressions.push_back(k + shift);
    double best = -1e300;
    for (double b : bearings)
      for (double dep : depressions) {
        if (b < b_lo || b > b_lo + width || dep < dep_lo || dep > dep_hi) continue;
        const double gain = relative_gain_db(c, wrap360(b), dep);
        ++probes;
        if (gain > bound + 1e-9) ++above;
        best = std::max(best, gain);
      }
    CHECK(bound <= 0.0);
    if (c.mechanical_tilt_deg == 0.0 || !c.azimuth_deg) reached += std::abs(best - bound) <= 1e-9;
    else mech_close += bound - best <= 3.0;
  }
  MESSAGE("pattern cells: ", cells, " (", mech, " with a mechanical tilt, the bound within 3 dB of the best probe on ",
          mech_close, "), ", probes, " probes, the bound reached on ", reached);
  CHECK(above == 0);
  CHECK(reached == cells - mech);
  CHECK(mech_close >= mech * 3 / 4);  // jagged random cuts: 38 of 48 when written
}

TEST_CASE("radio: mechanical_tilt_cover holds every rotated direction of the box") {
  // Random boxes of directions (azimuths off the boresight anywhere on the
  // real line, across the back, up to a full turn; depressions up to 85
  // degrees) and mechanical tilts (-20 to 30 degrees, the sites table's
  // range): every direction of a 41 x 41 grid of the box, the boresight's
  // and the back's azimuths among them where the box holds them, rotated
  // into the antenna's frame (rotate_for_mechanical_tilt), lies in the
  // cover.  Where the cover is exact (|depression| + |tilt| < 90) its
  // depressions are those of the probes, within 1e-6 degrees.
  Uniform uniform{4242ULL};
  long outside = 0, exact = 0, tight = 0;
  for (int t = 0; t < 3000; ++t) {
    const double tilt = uniform(0, 1) < 0.1 ? 0.0 : uniform(-20, 30);
    const double a_lo = uniform(-400, 400);
    const double width = uniform(0, 1) < 0.05 ? 360.0 : uniform(0, 1) < 0.5 ? uniform(0, 10) : uniform(0, 200);
    const double d_lo = uniform(-85, 80), d_hi = std::min(85.0, d_lo + (uniform(0, 1) < 0.3 ? 0.0 : uniform(0, 20)));
    const auto box = mechanical_tilt_cover(a_lo, a_lo + width, d_lo, d_hi, tilt);
    std::vector<double> azimuths;
    for (int i = 0; i <= 40; ++i) azimuths.push_back(i == 40 ? a_lo + width : a_lo + width * i / 40.0);
    for (double k = std::ceil(a_lo / 180.0); k * 180.0 <= a_lo + width; k += 1.0) azimuths.push_back(k * 180.0);
    double dep_min = 1e300, dep_max = -1e300;
    for (double a : azimuths)
      for (int j = 0; j <= 40; ++j) {
        const double dep = j == 40 ? d_hi : d_lo + (d_hi - d_lo) * j / 40.0;  // the box's own ends
        const auto r = rotate_for_mechanical_tilt(a, dep, tilt);
        const bool az_in = box[1] - box[0] >= 360.0 ||
                           std::floor((box[1] - r[0]) / 360.0) >= std::ceil((box[0] - r[0]) / 360.0);
        outside += !(az_in && r[1] >= box[2] && r[1] <= box[3]);
        dep_min = std::min(dep_min, r[1]);
        dep_max = std::max(dep_max, r[1]);
      }
    if (std::max(std::abs(d_lo), std::abs(d_hi)) + std::abs(tilt) < 89.0 && width < 360.0) {
      ++exact;
      tight += std::abs(box[2] - dep_min) <= 1e-6 && std::abs(box[3] - dep_max) <= 1e-6;
    }
  }
  MESSAGE("boxes: 3000, probes outside their cover: ", outside, "; exact depressions on ", tight, " of ", exact);
  CHECK(outside == 0);
  CHECK(exact > 2000);
  CHECK(tight == exact);
}

TEST_CASE("radio: azimuths are from true north; the grid's meridian convergence is taken out of the bearings") {
  // UTM 48N (central meridian 105 E): east of it true north points west of
  // grid north by the convergence, atan(tan(dlon) sin(lat)).
  const phusong::Transformer to_utm(phusong::kWgs84, "EPSG:32648");
  const double expect = std::atan(std::tan(1.7 * M_PI / 180) * std::sin(16.6 * M_PI / 180)) * 180 / M_PI;
  CHECK(phusong::north_grid_bearing_deg(to_utm, 106.7, 16.6) == doctest::Approx(-expect).epsilon(1e-3));
  CHECK(phusong::north_grid_bearing_deg(to_utm, 105.0, 16.6) == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(phusong::north_grid_bearing_deg(to_utm, 103.3, 16.6) == doctest::Approx(expect).epsilon(1e-3));
  CHECK(phusong::north_grid_bearing_deg(phusong::Transformer(phusong::kWgs84, phusong::kWgs84), 106.7, 16.6) == 0.0);
  // A sector at 90 degrees true: its boresight lies at grid bearing 90 + that.
  Cell c;
  c.azimuth_deg = 90.0;
  c.beamwidth_deg = 10.0;
  c.north_grid_bearing_deg = phusong::north_grid_bearing_deg(to_utm, 106.7, 16.6);
  CHECK(relative_gain_db(c, 90.0 + c.north_grid_bearing_deg, 0.0) == doctest::Approx(0.0));
  CHECK(relative_gain_db(c, 90.0, 0.0) < -0.02);  // half a degree off a 10 degree beam
  Cell grid = c;
  grid.north_grid_bearing_deg = 0.0;
  CHECK(relative_gain_db(grid, 90.0, 0.0) == doctest::Approx(0.0));
  // the bound over a box of bearings shifts with it
  CHECK(max_relative_gain_db(c, 80.0 + c.north_grid_bearing_deg, 85.0 + c.north_grid_bearing_deg, 0.0, 0.0) ==
        doctest::Approx(relative_gain_db(c, 85.0 + c.north_grid_bearing_deg, 0.0)));
}
