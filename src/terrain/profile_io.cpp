#include "phusong/terrain/profile_io.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "phusong/core/error.hpp"

namespace phusong {

namespace {

// Terrain heights outside this range are certainly wrong (no-data markers
// such as -32768, or feet mistaken for metres would still pass, but not
// garbage).
constexpr double kMinHeightM = -1000.0;
constexpr double kMaxHeightM = 10000.0;
constexpr double kMaxClutterM = 1000.0;
constexpr double kMaxIntervals = 1.0e7;
constexpr double kMaxPathM = 1.0e7;  // 10 000 km: longer than any terrestrial path model's range

// Columns written by `phusong profile` that a profile read ignores.
constexpr std::string_view kDerivedColumns[] = {"earth_bulge_m", "los_m", "fresnel1_radius_m", "clearance_m",
                                                "clearance_f1"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_comment_or_blank(std::string_view line) {
  const std::string_view t = trim(line);
  return t.empty() || t.front() == '#';
}

// A number in the C locale; nullopt when the token is not entirely a number.
// "nan" and "inf" parse (and are then rejected as not finite by the callers).
std::optional<double> parse_number(std::string_view tok) {
  if (!tok.empty() && tok.front() == '+') tok.remove_prefix(1);
  if (tok.empty()) return std::nullopt;
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || ptr != tok.data() + tok.size()) return std::nullopt;
  return v;
}

std::string where(const std::string& source, std::size_t line) { return source + ":" + std::to_string(line); }

// A finite number or an InputError naming the place and the field.
double need_finite(std::string_view tok, const std::string& source, std::size_t line, const std::string& field,
                   const std::string& expected) {
  const auto v = parse_number(tok);
  if (!v) throw InputError(where(source, line), field, "'" + std::string(tok) + "' is not a number", expected);
  if (!std::isfinite(*v)) throw InputError(where(source, line), field, "value " + fmt_num(*v) + " is not finite", expected);
  return *v;
}

void check_height(double z, const std::string& source, std::size_t line, const std::string& field) {
  if (z < kMinHeightM || z > kMaxHeightM) {
    throw InputError(where(source, line), field, "terrain height " + fmt_num(z) + " m out of range",
                     fmt_num(kMinHeightM) + " to " + fmt_num(kMaxHeightM) + " m (no-data values are not allowed)");
  }
}

std::vector<std::pair<std::string_view, std::size_t>> pfl_tokens(std::string_view text) {
  std::vector<std::pair<std::string_view, std::size_t>> out;
  std::size_t line = 1, pos = 0;
  while (pos <= text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view l = text.substr(pos, eol - pos);
    if (!is_comment_or_blank(l)) {
      std::size_t i = 0;
      while (i < l.size()) {
        while (i < l.size() && (l[i] == ',' || l[i] == ' ' || l[i] == '\t' || l[i] == '\r' || l[i] == ';')) ++i;
        std::size_t j = i;
        while (j < l.size() && !(l[j] == ',' || l[j] == ' ' || l[j] == '\t' || l[j] == '\r' || l[j] == ';')) ++j;
        if (j > i) out.emplace_back(l.substr(i, j - i), line);
        i = j;
      }
    }
    if (eol == text.size()) break;
    pos = eol + 1;
    ++line;
  }
  return out;
}

// ITM PFL: np, xi, z0 .. z_np.
prop::Profile parse_pfl(std::string_view text, const std::string& source) {
  const auto toks = pfl_tokens(text);
  if (toks.empty()) throw InputError(source, "profile", "the file holds no values", "ITM PFL values or a CSV profile");
  const double np_d = need_finite(toks[0].first, source, toks[0].second, "np",
                                  "the number of intervals (an integer >= 1) as the first PFL value");
  if (np_d < 1.0 || np_d > kMaxIntervals || np_d != std::floor(np_d)) {
    throw InputError(where(source, toks[0].second), "np", "value " + fmt_num(np_d) + " is not a valid interval count",
                     "an integer from 1 to 10000000");
  }
  const std::size_t np = static_cast<std::size_t>(np_d);
  if (toks.size() < 2) {
    throw InputError(where(source, toks[0].second), "xi_m", "missing", "the sample spacing in metres after np");
  }
  const double xi = need_finite(toks[1].first, source, toks[1].second, "xi_m", "the sample spacing in metres (> 0)");
  if (!(xi > 0.0)) {
    throw InputError(where(source, toks[1].second), "xi_m", "value " + fmt_num(xi) + " out of range",
                     "a sample spacing > 0 m");
  }
  // np · xi_m is the path length: finite and terrestrial (a spacing of
  // 1e308 m gave infinite distances; caught by the fuzz target's round trip).
  if (!(static_cast<double>(np) * xi <= kMaxPathM)) {
    throw InputError(where(source, toks[1].second), "xi_m",
                     "path length " + fmt_num(static_cast<double>(np) * xi) + " m (np * xi_m) out of range",
                     "at most " + fmt_num(kMaxPathM) + " m");
  }
  const std::size_t heights = toks.size() - 2;
  if (heights < np + 1) {
    throw InputError(where(source, toks.back().second), "z" + std::to_string(heights),
                     "the file ends after " + std::to_string(heights) + " heights",
                     "np + 1 = " + std::to_string(np + 1) + " heights after np and xi_m");
  }
  if (heights > np + 1) {
    const auto& extra = toks[np + 3];
    throw InputError(where(source, extra.second), "z" + std::to_string(np + 1),
                     "extra value '" + std::string(extra.first) + "' after the last height",
                     "np + 1 = " + std::to_string(np + 1) + " heights after np and xi_m");
  }
  prop::Profile p;
  p.distance_m.resize(np + 1);
  p.height_m.resize(np + 1);
  for (std::size_t i = 0; i <= np; ++i) {
    const auto& [tok, line] = toks[i + 2];
    const std::string field = "z" + std::to_string(i);
    const double z = need_finite(tok, source, line, field, "a terrain height in metres");
    check_height(z, source, line, field);
    p.height_m[i] = z;
    p.distance_m[i] = static_cast<double>(i) * xi;
  }
  return p;
}

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t c = line.find(',', pos);
    out.push_back(trim(line.substr(pos, c == std::string_view::npos ? std::string_view::npos : c - pos)));
    if (c == std::string_view::npos) break;
    pos = c + 1;
  }
  return out;
}

// CSV with a header: distance_m, height_m (or terrain_m), [clutter_m], [zone].
prop::Profile parse_csv(std::string_view text, const std::string& source) {
  enum Col { kIgnore, kDistance, kHeight, kClutter, kZone };
  std::vector<Col> cols;
  std::vector<std::string> names;
  int have[5] = {0, 0, 0, 0, 0};
  prop::Profile p;
  std::size_t line = 0, pos = 0, header_line = 0;
  bool header = false;
  while (pos <= text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view l = text.substr(pos, eol - pos);
    ++line;
    const bool last = eol == text.size();
    pos = eol + 1;
    if (!is_comment_or_blank(l)) {
      const auto cells = split_commas(l);
      if (!header) {
        header = true;
        header_line = line;
        for (const auto& c : cells) {
          const std::string name(c);
          Col k = kIgnore;
          if (name == "distance_m") k = kDistance;
          else if (name == "height_m" || name == "terrain_m") k = kHeight;
          else if (name == "clutter_m") k = kClutter;
          else if (name == "zone") k = kZone;
          else if (std::find(std::begin(kDerivedColumns), std::end(kDerivedColumns), c) == std::end(kDerivedColumns)) {
            throw InputError(where(source, line), name.empty() ? "header" : name,
                             name.empty() ? "empty column name" : "unknown column",
                             "distance_m, height_m (or terrain_m), optional clutter_m and zone");
          }
          if (k != kIgnore && ++have[k] > 1) {
            throw InputError(where(source, line), name, "column given twice", "each column once");
          }
          cols.push_back(k);
          names.push_back(name);
        }
        if (!have[kDistance] || !have[kHeight]) {
          throw InputError(where(source, line), have[kDistance] ? "height_m" : "distance_m", "missing column",
                           "a CSV header with distance_m and height_m, or ITM PFL values (np, xi_m, z0 ... z_np)");
        }
        continue;
      }
      if (cells.size() != cols.size()) {
        throw InputError(where(source, line), "row",
                         std::to_string(cells.size()) + " values but the header has " + std::to_string(cols.size()) +
                             " columns",
                         "one value per column");
      }
      double d = 0.0, z = 0.0, clutter = 0.0;
      int zone = 0;
      for (std::size_t i = 0; i < cols.size(); ++i) {
        if (cols[i] == kIgnore) continue;
        const std::string& f = names[i];
        if (cells[i].empty()) throw InputError(where(source, line), f, "empty value", "a number");
        switch (cols[i]) {
          case kDistance:
            d = need_finite(cells[i], source, line, f, "a distance in metres from the transmitter");
            if (d > kMaxPathM) {
              throw InputError(where(source, line), f, "distance " + fmt_num(d) + " m out of range",
                               "at most " + fmt_num(kMaxPathM) + " m");
            }
            break;
          case kHeight:
            z = need_finite(cells[i], source, line, f, "a terrain height in metres");
            check_height(z, source, line, f);
            break;
          case kClutter:
            clutter = need_finite(cells[i], source, line, f, "a clutter height in metres");
            if (clutter < 0.0 || clutter > kMaxClutterM) {
              throw InputError(where(source, line), f, "value " + fmt_num(clutter) + " out of range", "0 to 1000 m");
            }
            break;
          case kZone: {
            const double v = need_finite(cells[i], source, line, f, "1 (sea), 3 (coastal land) or 4 (inland)");
            if (v != 1.0 && v != 3.0 && v != 4.0) {
              throw InputError(where(source, line), f, "value " + fmt_num(v) + " is not a zone",
                               "1 (sea), 3 (coastal land) or 4 (inland)");
            }
            zone = static_cast<int>(v);
            break;
          }
          case kIgnore:
            break;
        }
      }
      if (p.distance_m.empty()) {
        if (d != 0.0) {
          throw InputError(where(source, line), "distance_m", "first distance " + fmt_num(d) + " m is not 0",
                           "the first sample at the transmitter, distance 0");
        }
      } else if (!(d > p.distance_m.back())) {
        throw InputError(where(source, line), "distance_m",
                         "distance " + fmt_num(d) + " m does not increase (previous " + fmt_num(p.distance_m.back()) +
                             " m)",
                         "strictly increasing distances");
      }
      p.distance_m.push_back(d);
      p.height_m.push_back(z);
      if (have[kClutter]) p.clutter_m.push_back(clutter);
      if (have[kZone]) p.zone.push_back(zone);
    }
    if (last) break;
  }
  if (p.size() < 2) {
    throw InputError(where(source, header_line), "profile", std::to_string(p.size()) + " sample(s)",
                     "at least 2 samples (transmitter and receiver)");
  }
  return p;
}

void append_number(std::string& out, double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

prop::Profile parse_profile_text(const std::string& text, const std::string& source) {
  // The first value of the first non-comment line tells the format apart.
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view l(text.data() + pos, eol - pos);
    if (!is_comment_or_blank(l)) {
      const std::string_view t = trim(l);
      const std::size_t end = t.find_first_of(", \t;");
      if (parse_number(t.substr(0, end))) return parse_pfl(text, source);
      return parse_csv(text, source);
    }
    pos = eol + 1;
  }
  throw InputError(source, "profile", "the file holds no values", "ITM PFL values or a CSV profile");
}

prop::Profile read_profile_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "file not found or not readable", "a profile file (ITM PFL or CSV)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_profile_text(ss.str(), path);
}

std::string profile_to_csv(const prop::Profile& p) {
  const bool clutter = p.clutter_m.size() == p.size() && p.size() > 0;
  const bool zone = p.zone.size() == p.size() && p.size() > 0;
  std::string out = "distance_m,height_m";
  if (clutter) out += ",clutter_m";
  if (zone) out += ",zone";
  out += "\n";
  for (std::size_t i = 0; i < p.size(); ++i) {
    append_number(out, p.distance_m[i]);
    out += ',';
    append_number(out, p.height_m[i]);
    if (clutter) {
      out += ',';
      append_number(out, p.clutter_m[i]);
    }
    if (zone) out += "," + std::to_string(p.zone[i]);
    out += '\n';
  }
  return out;
}

bool is_equally_spaced(const prop::Profile& p, double rel_tol, double abs_tol_m) {
  const std::size_t n = p.distance_m.size();
  if (n < 2) return false;
  const double step = p.distance_m.back() / static_cast<double>(n - 1);
  if (!(step > 0.0)) return false;
  const double tol = std::max(rel_tol * step, abs_tol_m);
  for (std::size_t i = 1; i < n; ++i) {
    if (std::abs(p.distance_m[i] - p.distance_m[i - 1] - step) > tol) return false;
  }
  return true;
}

}  // namespace phusong
