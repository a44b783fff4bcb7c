#include "phusong/radio/cell.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "phusong/radio/antenna_pattern.hpp"

namespace phusong::radio {

std::optional<Technology> parse_technology(const std::string& s) {
  std::string t;
  for (char ch : s) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  if (t == "gsm" || t == "2g") return Technology::Gsm;
  if (t == "umts" || t == "3g" || t == "wcdma") return Technology::Umts;
  if (t == "lte" || t == "4g") return Technology::Lte;
  if (t == "nr" || t == "5g") return Technology::Nr;
  return std::nullopt;
}

std::string technology_name(Technology t) {
  switch (t) {
    case Technology::Gsm: return "gsm";
    case Technology::Umts: return "umts";
    case Technology::Lte: return "lte";
    case Technology::Nr: return "nr";
  }
  return "?";
}

std::string technology_quantity(Technology t) {
  switch (t) {
    case Technology::Gsm: return "RxLev";
    case Technology::Umts: return "RSCP";
    case Technology::Lte: return "RSRP";
    case Technology::Nr: return "SS-RSRP";
  }
  return "?";
}

double default_threshold_dbm(Technology t) {
  switch (t) {
    case Technology::Gsm: return -95.0;
    case Technology::Umts: return -100.0;
    case Technology::Lte: return -110.0;
    case Technology::Nr: return -110.0;
  }
  return -110.0;
}

int resource_blocks(Technology t, double bw) {
  auto near = [&](double v) { return std::abs(bw - v) < 1e-6; };
  if (t == Technology::Lte) {
    if (near(1.4)) return 6;
    if (near(3)) return 15;
    if (near(5)) return 25;
    if (near(10)) return 50;
    if (near(15)) return 75;
    if (near(20)) return 100;
    return 0;
  }
  if (t == Technology::Nr) {  // FR1, 30 kHz subcarrier spacing
    if (near(5)) return 11;
    if (near(10)) return 24;
    if (near(15)) return 38;
    if (near(20)) return 51;
    if (near(25)) return 65;
    if (near(30)) return 78;
    if (near(40)) return 106;
    if (near(50)) return 133;
    if (near(60)) return 162;
    if (near(80)) return 217;
    if (near(90)) return 245;
    if (near(100)) return 273;
    return 0;
  }
  return 0;
}

namespace {
constexpr double kCpichShareDb = 10.0;  // UMTS CPICH: 10 % of the carrier power
}  // namespace

double full_load_over_reference_db(Technology t) { return t == Technology::Umts ? kCpichShareDb : 0.0; }

double reference_eirp_dbm(const Cell& c) {
  switch (c.technology) {
    case Technology::Gsm: return c.eirp_dbm;
    case Technology::Umts: return c.eirp_dbm - kCpichShareDb;
    case Technology::Lte:
    case Technology::Nr: {
      const int nrb = resource_blocks(c.technology, c.bandwidth_mhz);
      return c.eirp_dbm - 10.0 * std::log10(12.0 * std::max(nrb, 1));
    }
  }
  return c.eirp_dbm;
}

namespace {

// The parametric pattern, 3GPP TR 36.814 Table A.2.1.1-2, from the angles
// off the main beam: phi_deg horizontally (unused by an omnidirectional
// cell) and dep_off_deg vertically (the depression minus the tilt).
double parametric_gain_db(const Cell& c, double phi_deg, double dep_off_deg) {
  constexpr double kAm = 25.0, kSlaV = 20.0;
  double ah = 0.0;
  if (c.azimuth_deg) {
    const double r = phi_deg / c.beamwidth_deg;
    ah = -std::min(12.0 * r * r, kAm);
  }
  const double rv = dep_off_deg / c.vertical_beamwidth_deg;
  const double av = -std::min(12.0 * rv * rv, kSlaV);
  return -std::min(-(ah + av), kAm);
}

}  // namespace

double relative_gain_db(const Cell& c, double bearing_deg, double depression_deg) {
  double phi = 0.0;  // unused by an omnidirectional parametric cell
  if (gain_uses_bearing(c)) {
    // into [-180, 180] (fmod is slow and the difference is usually in range)
    phi = bearing_deg - c.north_grid_bearing_deg - c.azimuth_deg.value_or(0.0);
    if (phi > 180.0 || phi < -180.0) phi -= 360.0 * std::floor((phi + 180.0) / 360.0);
  }
  if (c.pattern) {
    return -pattern_attenuation_db(*c.pattern, phi, depression_deg, c.tilt_deg,
                                   c.azimuth_deg ? c.mechanical_tilt_deg : 0.0);
  }
  if (c.azimuth_deg && c.mechanical_tilt_deg != 0.0) {
    const auto d = rotate_for_mechanical_tilt(phi, depression_deg, c.mechanical_tilt_deg);
    phi = d[0];
    depression_deg = d[1];
  }
  return parametric_gain_db(c, phi, depression_deg - c.tilt_deg);
}

double max_relative_gain_db(const Cell& c, double bearing_lo_deg, double bearing_hi_deg, double depression_lo_deg,
                            double depression_hi_deg) {
  bearing_lo_deg -= c.north_grid_bearing_deg;  // grid bearings to true ones
  bearing_hi_deg -= c.north_grid_bearing_deg;
  if (c.pattern) {
    // the bearings as azimuths off the boresight, as relative_gain_db()
    const double az = c.azimuth_deg.value_or(0.0);
    return -pattern_min_attenuation_db(*c.pattern, bearing_lo_deg - az, bearing_hi_deg - az, depression_lo_deg,
                                       depression_hi_deg, c.tilt_deg, c.azimuth_deg ? c.mechanical_tilt_deg : 0.0);
  }
  // a mechanical downtilt: the directions in the antenna's frame
  // (relative_gain_db rotates them first) lie in the cover of the box
  double az_lo = bearing_lo_deg, az_hi = bearing_hi_deg;
  if (c.azimuth_deg && c.mechanical_tilt_deg != 0.0) {
    const auto box = mechanical_tilt_cover(bearing_lo_deg - *c.azimuth_deg, bearing_hi_deg - *c.azimuth_deg,
                                           depression_lo_deg, depression_hi_deg, c.mechanical_tilt_deg);
    az_lo = box[0] + *c.azimuth_deg;
    az_hi = box[1] + *c.azimuth_deg;
    depression_lo_deg = box[2];
    depression_hi_deg = box[3];
  }
  double off = 0.0;  // smallest |phi| over the bearings (wrapped)
  if (c.azimuth_deg && az_hi - az_lo < 360.0) {
    // the interval as angles from the azimuth, phi in [lo, lo + width],
    // lo in [-180, 180); |phi| (wrapped) is smallest at an end unless the
    // interval holds a multiple of 360 (the main beam)
    const double width = std::max(az_hi - az_lo, 0.0);
    double lo = az_lo - *c.azimuth_deg;
    lo -= 360.0 * std::floor((lo + 180.0) / 360.0);
    const double hi = lo + width;
    if (!(lo <= 0.0 && hi >= 0.0) && !(hi >= 360.0)) {
      const double hi_wrapped = hi > 180.0 ? 360.0 - hi : std::abs(hi);
      off = std::min(std::abs(lo), hi_wrapped);
    }
  }
  double dv = 0.0;  // smallest |depression - tilt| over the interval
  if (c.tilt_deg < depression_lo_deg) dv = depression_lo_deg - c.tilt_deg;
  if (c.tilt_deg > depression_hi_deg) dv = c.tilt_deg - depression_hi_deg;
  return parametric_gain_db(c, off, dv);
}

}  // namespace phusong::radio
