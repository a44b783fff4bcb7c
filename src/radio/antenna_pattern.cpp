// MSI / Planet antenna pattern files and 3-D pattern interpolation.
// See include/phusong/radio/antenna_pattern.hpp for the method and references.
#include "phusong/radio/antenna_pattern.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "phusong/core/error.hpp"

namespace phusong::radio {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kDbdToDbi = 2.15;  // gain of a half-wave dipole over isotropic

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::vector<std::string> tokens(const std::string& line) {
  std::istringstream is(line);
  std::vector<std::string> out;
  std::string t;
  while (is >> t) out.push_back(t);
  return out;
}

bool to_num(const std::string& s, double& v) {
  try {
    size_t pos = 0;
    v = std::stod(s, &pos);
    return pos == s.size() && std::isfinite(v);
  } catch (const std::exception&) {
    return false;
  }
}

double wrap360(double a) {
  a = std::fmod(a, 360.0);
  if (a < 0) a += 360.0;
  return a;
}

double wrap180(double a) {
  a = wrap360(a);
  return a > 180.0 ? a - 360.0 : a;
}

double interp(const std::array<double, 360>& t, double angle_deg) {
  const double a = wrap360(angle_deg);
  const double f = std::floor(a);
  const int i = static_cast<int>(f) % 360;
  const int j = (i + 1) % 360;
  const double w = a - f;
  return t[i] + (t[j] - t[i]) * w;
}

}  // namespace

AntennaPattern parse_msi(const std::string& text, const std::string& source) {
  AntennaPattern p;
  p.source = source;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool have_gain = false, have_h = false, have_v = false;
  auto where = [&](const std::string& what) { return "line " + std::to_string(lineno) + ": " + what; };
  std::vector<std::string> lines;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  size_t k = 0;
  while (k < lines.size()) {
    lineno = static_cast<int>(k) + 1;
    const auto tok = tokens(lines[k]);
    ++k;
    if (tok.empty()) continue;
    const std::string key = upper(tok[0]);
    const std::string rest = lines[k - 1].substr(std::min(lines[k - 1].size(), lines[k - 1].find(tok[0]) + tok[0].size()));
    auto rest_trim = [&] {
      const auto b = rest.find_first_not_of(" \t");
      return b == std::string::npos ? std::string() : rest.substr(b);
    };
    double v = 0;
    if (key == "HORIZONTAL" || key == "VERTICAL") {
      const bool h = key == "HORIZONTAL";
      if ((h && have_h) || (!h && have_v)) throw InputError(source, where(key), "section appears twice", "one " + key + " section");
      double n = 0;
      if (tok.size() < 2 || !to_num(tok[1], n)) throw InputError(source, where(key), "point count missing", key + " 360");
      if (n != 360) throw InputError(source, where(key), "declares " + tok[1] + " points", key + " 360 (one point per degree)");
      auto& table = h ? p.horizontal_db : p.vertical_db;
      std::array<bool, 360> seen{};
      const int header_line = lineno;
      int count = 0;
      while (count < 360) {
        if (k >= lines.size()) {
          throw InputError(source, "line " + std::to_string(header_line) + ": " + key,
                           "only " + std::to_string(count) + " points before the end of the file", "360 points");
        }
        lineno = static_cast<int>(k) + 1;
        const auto d = tokens(lines[k]);
        if (d.empty()) {
          ++k;
          continue;
        }
        double ang = 0, att = 0;
        if (!to_num(d[0], ang)) {
          throw InputError(source, "line " + std::to_string(header_line) + ": " + key,
                           "only " + std::to_string(count) + " points before line " + std::to_string(lineno),
                           "360 points");
        }
        ++k;
        if (d.size() != 2 || !to_num(d[1], att)) {
          throw InputError(source, where(key + " point"), "'" + lines[k - 1] + "' is not 'angle attenuation_db'",
                           "two numbers");
        }
        const double ai = std::round(ang);
        if (std::abs(ang - ai) > 1e-6 || ai < 0 || ai > 359) {
          throw InputError(source, where(key + " angle"), "angle " + d[0] + " is not a whole degree from 0 to 359",
                           "angles 0, 1, ..., 359");
        }
        const int ia = static_cast<int>(ai);
        if (seen[ia]) throw InputError(source, where(key + " angle"), "angle " + d[0] + " repeated", "each angle once");
        if (att < 0) {
          throw InputError(source, where(key + " attenuation"), "attenuation " + d[1] + " dB is negative",
                           "attenuation relative to the maximum, >= 0 dB");
        }
        seen[ia] = true;
        table[ia] = att;
        ++count;
      }
      // A further numeric line right after the section means too many points.
      while (k < lines.size() && tokens(lines[k]).empty()) ++k;
      if (k < lines.size()) {
        const auto d = tokens(lines[k]);
        double x;
        if (to_num(d[0], x)) {
          lineno = static_cast<int>(k) + 1;
          throw InputError(source, "line " + std::to_string(header_line) + ": " + key,
                           "more than 360 points (extra point at line " + std::to_string(lineno) + ")", "360 points");
        }
      }
      (h ? have_h : have_v) = true;
    } else if (key == "GAIN") {
      if (tok.size() < 2 || !to_num(tok[1], v)) throw InputError(source, where("GAIN"), "no gain value", "GAIN <value> dBd|dBi");
      const std::string unit = tok.size() >= 3 ? upper(tok[2]) : "DBD";
      if (unit == "DBD") p.gain_dbi = v + kDbdToDbi;
      else if (unit == "DBI") p.gain_dbi = v;
      else throw InputError(source, where("GAIN"), "unknown unit '" + tok[2] + "'", "dBd or dBi");
      if (p.gain_dbi < -20 || p.gain_dbi > 60) throw InputError(source, where("GAIN"), "gain " + tok[1] + " out of range", "-20 to 60 dBi");
      have_gain = true;
    } else if (key == "FREQUENCY") {
      if (tok.size() < 2 || !to_num(tok[1], v) || v <= 0) throw InputError(source, where("FREQUENCY"), "not a frequency", "FREQUENCY <MHz>");
      p.freq_mhz = v;
    } else if (key == "TILT" || key == "ELECTRICAL_TILT") {
      if (tok.size() >= 2 && to_num(tok[1], v)) {
        if (v < -30 || v > 30) throw InputError(source, where(key), "tilt " + tok[1] + " out of range", "-30 to 30 degrees");
        p.electrical_tilt_deg = v;
      } else if (key == "ELECTRICAL_TILT") {
        throw InputError(source, where(key), "not a number", "ELECTRICAL_TILT <degrees>");
      }
      // "TILT ELECTRICAL" / "TILT MECHANICAL": the kind only.
    } else if (key == "NAME") {
      p.name = rest_trim();
    } else if (key == "COMMENT") {
      p.comment = rest_trim();
    } else {
      double x;
      if (to_num(tok[0], x)) {
        throw InputError(source, where("data"), "point outside a HORIZONTAL or VERTICAL section",
                         "points only after 'HORIZONTAL 360' or 'VERTICAL 360'");
      }
      // Other header lines (MAKE, H_WIDTH, V_WIDTH, FRONT_TO_BACK, POLARIZATION, ...) are informative.
    }
  }
  lineno = static_cast<int>(lines.size());
  if (!have_gain) throw InputError(source, "GAIN", "missing", "a line GAIN <value> dBd|dBi");
  if (!have_h) throw InputError(source, "HORIZONTAL", "section missing", "HORIZONTAL 360 and 360 points");
  if (!have_v) throw InputError(source, "VERTICAL", "section missing", "VERTICAL 360 and 360 points");
  p.floor_db = 0;
  for (double a : p.horizontal_db) p.floor_db = std::max(p.floor_db, a);
  for (double a : p.vertical_db) p.floor_db = std::max(p.floor_db, a);
  return p;
}

AntennaPattern load_msi(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path, "pattern", "cannot read the antenna pattern file", "an MSI/Planet pattern file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_msi(ss.str(), path);
}

std::string format_msi(const AntennaPattern& p) {
  std::ostringstream o;
  char buf[64];
  o << "NAME " << p.name << "\r\n";
  if (!p.comment.empty()) o << "COMMENT " << p.comment << "\r\n";
  std::snprintf(buf, sizeof buf, "%.0f", p.freq_mhz);
  o << "FREQUENCY " << buf << "\r\n";
  std::snprintf(buf, sizeof buf, "%.2f", p.gain_dbi);
  o << "GAIN " << buf << " dBi\r\n";
  std::snprintf(buf, sizeof buf, "%.0f", p.electrical_tilt_deg);
  o << "TILT ELECTRICAL\r\nELECTRICAL_TILT " << buf << "\r\n";
  for (int s = 0; s < 2; ++s) {
    o << (s == 0 ? "HORIZONTAL 360" : "VERTICAL 360") << "\r\n";
    const auto& t = s == 0 ? p.horizontal_db : p.vertical_db;
    for (int i = 0; i < 360; ++i) {
      std::snprintf(buf, sizeof buf, "%d %.1f", i, t[i]);
      o << buf << "\r\n";
    }
  }
  return o.str();
}

double horizontal_attenuation_db(const AntennaPattern& p, double azimuth_deg) { return interp(p.horizontal_db, azimuth_deg); }
double vertical_attenuation_db(const AntennaPattern& p, double angle_deg) { return interp(p.vertical_db, angle_deg); }

std::array<double, 2> rotate_for_mechanical_tilt(double az, double dep, double tilt) {
  if (tilt == 0.0) return {az, dep};
  // World frame: x along the boresight azimuth (horizontal), y to the right
  // (clockwise azimuth), z up.  Direction of the receiver:
  const double ca = std::cos(az * kDeg), sa = std::sin(az * kDeg);
  const double cd = std::cos(dep * kDeg), sd = std::sin(dep * kDeg);
  const double dx = cd * ca, dy = cd * sa, dz = -sd;
  // Antenna axes after a downtilt by `tilt` about y: boresight b = (cos t, 0, -sin t),
  // antenna up u = (sin t, 0, cos t).
  const double ct = std::cos(tilt * kDeg), st = std::sin(tilt * kDeg);
  const double fwd = dx * ct - dz * st;
  const double up = dx * st + dz * ct;
  const double az2 = std::atan2(dy, fwd) / kDeg;
  const double dep2 = -std::asin(std::clamp(up, -1.0, 1.0)) / kDeg;
  return {az2, dep2};
}

double pattern_attenuation_db(const AntennaPattern& p, double azimuth_off_deg, double depression_deg,
                              double electrical_tilt_deg, double mechanical_tilt_deg) {
  const auto d = rotate_for_mechanical_tilt(wrap180(azimuth_off_deg), depression_deg, mechanical_tilt_deg);
  const double ah = horizontal_attenuation_db(p, d[0]);
  // Front half of the vertical cut (depression -90..90 -> angles 270..359, 0..90),
  // shifted by the electrical tilt relative to the file's.
  const double av = vertical_attenuation_db(p, d[1] - (electrical_tilt_deg - p.electrical_tilt_deg));
  return std::min(ah + av, p.floor_db);
}

namespace {

// The smallest value of interp(t, .) over [lo, hi] (hi - lo >= 360: every
// angle): linear between the samples, it is the smallest of the two ends
// and of the whole-degree samples between them.
double min_over(const std::array<double, 360>& t, double lo, double hi) {
  if (!(hi - lo < 360.0)) return *std::min_element(t.begin(), t.end());
  if (hi < lo) hi = lo;
  double m = std::min(interp(t, lo), interp(t, hi));
  const double a = wrap360(lo);
  const double k0 = std::floor(a) + 1.0;                                    // the first sample after lo
  const int n = static_cast<int>(std::floor(a + (hi - lo)) - k0) + 1;      // samples up to hi (< 360)
  for (int k = 0; k < n; ++k) m = std::min(m, t[static_cast<size_t>(static_cast<int>(k0 + k) % 360)]);
  return m;
}

}  // namespace

double pattern_min_attenuation_db(const AntennaPattern& p, double azimuth_lo_deg, double azimuth_hi_deg,
                                  double depression_lo_deg, double depression_hi_deg, double electrical_tilt_deg,
                                  double mechanical_tilt_deg) {
  const auto box = mechanical_tilt_cover(azimuth_lo_deg, azimuth_hi_deg, depression_lo_deg, depression_hi_deg,
                                         mechanical_tilt_deg);
  const double shift = electrical_tilt_deg - p.electrical_tilt_deg;
  const double h = min_over(p.horizontal_db, box[0], box[1]);
  const double v = min_over(p.vertical_db, box[2] - shift, box[3] - shift);
  return std::min(h + v, p.floor_db);
}

std::array<double, 4> mechanical_tilt_cover(double az_lo, double az_hi, double dep_lo, double dep_hi, double tilt) {
  if (tilt == 0.0) return {az_lo, az_hi, dep_lo, dep_hi};
  const double t = std::abs(tilt) * (1.0 + 1e-12) + 1e-9;  // degrees, a little wide
  const double e = std::max(std::abs(dep_lo), std::abs(dep_hi));
  // the cap of directions within t of the box leaves out both poles
  const bool off_poles = e + t < 90.0;
  double az_pad = 180.0;  // every azimuth: the cap holds a pole
  if (off_poles) {
    const double q = std::sin(t * kDeg) / std::cos(e * kDeg);
    if (q < 1.0) az_pad = std::asin(q) / kDeg * (1.0 + 1e-12) + 1e-9;
  }
  // the depression in the antenna's frame, -asin(up) with up = cos(dep)
  // cos(az) sin(tilt) - sin(dep) cos(tilt) (rotate_for_mechanical_tilt):
  // linear in cos(az), and falling with dep where |dep| < 90 - |tilt|
  // (|tan dep tan tilt| < 1), so its extremes over the box lie at the ends
  // of the depressions and of cos(az)'s range; elsewhere the cap's bound
  double d_lo = dep_lo - t, d_hi = dep_hi + t;
  if (off_poles && az_hi - az_lo < 360.0) {
    auto holds = [&](double a) { return std::floor((az_hi - a) / 360.0) >= std::ceil((az_lo - a) / 360.0); };
    const double c_ends[2] = {std::cos(az_lo * kDeg), std::cos(az_hi * kDeg)};
    const double c_max = holds(0.0) ? 1.0 : std::max(c_ends[0], c_ends[1]);
    const double c_min = holds(180.0) ? -1.0 : std::min(c_ends[0], c_ends[1]);
    const double st = std::sin(tilt * kDeg), ct = std::cos(tilt * kDeg);
    auto up = [&](double ca, double dep) { return std::cos(dep * kDeg) * ca * st - std::sin(dep * kDeg) * ct; };
    const double up_max = std::max(up(c_max, dep_lo), up(c_min, dep_lo));
    const double up_min = std::min(up(c_max, dep_hi), up(c_min, dep_hi));
    d_lo = std::max(d_lo, -std::asin(std::clamp(up_max, -1.0, 1.0)) / kDeg - 1e-9);
    d_hi = std::min(d_hi, -std::asin(std::clamp(up_min, -1.0, 1.0)) / kDeg + 1e-9);
    // the azimuth in the antenna's frame, atan2(Y, X) with Y = cos(dep)
    // sin(az), X = cos(dep) cos(az) cos(tilt) + sin(dep) sin(tilt): its
    // derivative in az is cos(dep) (cos(dep) cos(tilt) + cos(az) sin(dep)
    // sin(tilt)) / (X^2 + Y^2) > 0 there, in dep -sin(az) sin(tilt) /
    // (X^2 + Y^2): so its least value lies at az_lo and a depression end,
    // its largest at az_hi and one (unwrapped next to az: they differ by
    // less than the cap's pad)
    auto az2 = [&](double az, double dep) {
      const double a = rotate_for_mechanical_tilt(az, dep, tilt)[0];
      return az + wrap180(a - az);
    };
    const double a_lo = std::min(az2(az_lo, dep_lo), az2(az_lo, dep_hi)) - 1e-9;
    const double a_hi = std::max(az2(az_hi, dep_lo), az2(az_hi, dep_hi)) + 1e-9;
    return {std::max(a_lo, az_lo - az_pad), std::min(a_hi, az_hi + az_pad), d_lo, d_hi};
  }
  if (az_hi - az_lo + 2.0 * az_pad >= 360.0) return {az_lo, az_lo + 360.0, d_lo, d_hi};
  return {az_lo - az_pad, az_hi + az_pad, d_lo, d_hi};
}

AntennaPattern make_panel_pattern(const PanelSpec& s) {
  AntennaPattern p;
  p.name = s.name;
  p.freq_mhz = s.freq_mhz;
  p.gain_dbi = s.gain_dbi;
  p.electrical_tilt_deg = 0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "phusong analytical panel: cos^n(phi/2) horizontal (HPBW %.0f deg), %s, F/B %.0f dB",
                s.hpbw_h_deg, "uniform vertical array", s.front_to_back_db);
  p.comment = buf;
  const double F = s.front_to_back_db;
  // cos^n(x/2) field pattern with 3 dB at hpbw/2: n = 3 / (-20 log10 cos(hpbw/4)).
  auto exponent = [](double hpbw) { return 3.0 / (-20.0 * std::log10(std::cos(hpbw / 4.0 * kDeg))); };
  const double n = exponent(s.hpbw_h_deg);
  auto element_db = [&](double off_deg) {
    const double c = std::abs(std::cos(wrap180(off_deg) / 2.0 * kDeg));
    if (c <= 0) return F;
    return std::min(-20.0 * n * std::log10(c), F);
  };
  // Uniform broadside array: |AF| = |sin(N psi/2) / (N sin(psi/2))|, psi = 2 pi d sin(theta).
  auto af_db = [&](int N, double theta_deg) {
    const double psi = 2.0 * kPi * s.element_spacing_wl * std::sin(theta_deg * kDeg);
    const double den = N * std::sin(psi / 2.0);
    if (std::abs(den) < 1e-12) return 0.0;
    const double a = std::abs(std::sin(N * psi / 2.0) / den);
    return a <= 1e-6 ? 120.0 : -20.0 * std::log10(a);
  };
  auto vert_db = [&](int N, double angle_deg) { return element_db(angle_deg) + af_db(N, angle_deg); };
  // Smallest N whose half-power beamwidth (found on a 0.01 deg grid) is within hpbw_v.
  int N = 1;
  for (; N < 64; ++N) {
    double half = 0;
    while (half < 90 && vert_db(N, half) < 3.0) half += 0.01;
    if (2.0 * half <= s.hpbw_v_deg) break;
  }
  for (int i = 0; i < 360; ++i) {
    p.horizontal_db[i] = std::round(element_db(i) * 10.0) / 10.0 + 0.0;  // no "-0.0"
    p.vertical_db[i] = std::round(std::min(vert_db(N, i), F) * 10.0) / 10.0 + 0.0;
  }
  p.floor_db = F;
  return p;
}

}  // namespace phusong::radio
