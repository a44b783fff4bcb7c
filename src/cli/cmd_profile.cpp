// phusong profile --dem DEM --from LON,LAT --to LON,LAT --tx-height-m H --rx-height-m H --freq-mhz F
//                 [--step-m S] [--k-factor K] [--out-csv FILE] [--out-svg FILE]
//
// The terrain profile between two points as the coverage engine sees it
// (the DEM warped onto a UTM grid, bilinear samples every grid step), with
// the earth bulge, the line of sight, the first Fresnel zone and the
// clearance, the dominant obstacles in Deygout order and whether the first
// Fresnel zone is 60 % clear.
//
//   Earth bulge d1·d2 / (2 k a) (effective earth radius k·a, as the models).
//   First Fresnel zone radius r1 = sqrt(λ d1 d2 / (d1 + d2)): ITU-R P.526-15
//   eq. (2) (Fresnel ellipsoids and Fresnel zones) with n = 1.
//   Diffraction parameter v = h sqrt(2 d / (λ d1 d2)): ITU-R P.526-15 eq. (26);
//   J(v): ITU-R P.526-15 eq. (31).
//   60 % clearance of the first Fresnel zone: the customary planning criterion
//   for a path without obstruction loss (cf. ITU-R P.530 §2.2.2, path
//   clearance); an obstacle at 0.6 r1 below the ray has v ≈ -0.85, where
//   J(v) of eq. (31) is 0 dB.
#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/propagation/models.hpp"
#include "phusong/terrain/dem.hpp"
#include "phusong/terrain/profile.hpp"

namespace po = boost::program_options;

namespace phusong::cli {

namespace {

struct LonLat {
  double lon = 0, lat = 0;
};

LonLat parse_lonlat(const std::string& s, const std::string& option) {
  const auto comma = s.find(',');
  const std::string expected = "LON,LAT in decimal degrees, e.g. 106.7,16.6 (use --" + option + "=-72.5,41.3 for a negative longitude)";
  if (comma == std::string::npos) throw InputError("command line", "--" + option, "'" + s + "' is not LON,LAT", expected);
  LonLat p;
  try {
    size_t used = 0;
    const std::string a = s.substr(0, comma), b = s.substr(comma + 1);
    p.lon = std::stod(a, &used);
    if (used != a.size()) throw std::invalid_argument("lon");
    p.lat = std::stod(b, &used);
    if (used != b.size()) throw std::invalid_argument("lat");
  } catch (const std::exception&) {
    throw InputError("command line", "--" + option, "'" + s + "' is not LON,LAT", expected);
  }
  if (!(p.lon >= -180.0 && p.lon <= 180.0) || !(p.lat >= -90.0 && p.lat <= 90.0)) {
    throw InputError("command line", "--" + option, "'" + s + "' out of range", "longitude -180..180, latitude -90..90");
  }
  return p;
}

// Per-sample geometry of the path.
struct Row {
  double d, terrain, bulge, los, r1, clearance;
};

struct Obstacle {
  std::string role;
  std::size_t k = 0;
  double v = -1e9;
};

// Largest v strictly between samples i and j for the ray (d_i, ya) -> (d_j, yb),
// z = terrain + bulge (the Deygout construction of the "deygout" model).
Obstacle main_edge(const std::vector<Row>& rows, std::size_t i, std::size_t j, double ya, double yb, double lambda) {
  Obstacle e;
  const double dij = rows[j].d - rows[i].d;
  if (j <= i + 1 || dij <= 0.0) return e;
  for (std::size_t k = i + 1; k < j; ++k) {
    const double d1 = rows[k].d - rows[i].d, d2 = rows[j].d - rows[k].d;
    const double h = rows[k].terrain + rows[k].bulge - (ya + (yb - ya) * d1 / dij);
    const double v = h * std::sqrt(2.0 * dij / (lambda * d1 * d2));
    if (v > e.v) {
      e.v = v;
      e.k = k;
    }
  }
  return e;
}

std::string num(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string svg_plot(const std::vector<Row>& rows, const std::vector<Obstacle>& obstacles, double freq_mhz,
                     double k_factor) {
  const double W = 960, H = 420, L = 70, R = 20, T = 40, B = 50;
  const double dmax = rows.back().d;
  double lo = 1e300, hi = -1e300;
  for (const auto& r : rows) {
    lo = std::min({lo, r.terrain + r.bulge, r.los - r.r1});
    hi = std::max({hi, r.terrain + r.bulge, r.los + r.r1});
  }
  const double pad = std::max(1.0, 0.06 * (hi - lo));
  lo -= pad;
  hi += pad;
  auto X = [&](double d) { return L + (W - L - R) * d / dmax; };
  auto Y = [&](double z) { return T + (H - T - B) * (hi - z) / (hi - lo); };
  auto pt = [&](double d, double z) { return num(X(d), 1) + "," + num(Y(z), 1) + " "; };

  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W, 0) + "\" height=\"" + num(H, 0) +
       "\" viewBox=\"0 0 " + num(W, 0) + " " + num(H, 0) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + num(W, 0) + "\" height=\"" + num(H, 0) + "\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(L, 0) + "\" y=\"22\" font-size=\"14\">Terrain profile: " + num(dmax / 1000.0, 2) +
       " km, " + num(freq_mhz, 0) + " MHz; terrain raised by the earth bulge (k = " + num(k_factor, 3) +
       ")</text>\n";
  // Axes with ticks.
  s += "<rect x=\"" + num(L, 1) + "\" y=\"" + num(T, 1) + "\" width=\"" + num(W - L - R, 1) + "\" height=\"" +
       num(H - T - B, 1) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (int i = 0; i <= 5; ++i) {
    const double d = dmax * i / 5.0, z = lo + (hi - lo) * i / 5.0;
    s += "<text x=\"" + num(X(d), 1) + "\" y=\"" + num(H - B + 16, 1) + "\" text-anchor=\"middle\">" +
         num(d / 1000.0, 2) + "</text>\n";
    s += "<text x=\"" + num(L - 6, 1) + "\" y=\"" + num(Y(z) + 4, 1) + "\" text-anchor=\"end\">" + num(z, 0) +
         "</text>\n";
  }
  s += "<text x=\"" + num((L + W - R) / 2, 1) + "\" y=\"" + num(H - 10, 1) +
       "\" text-anchor=\"middle\">distance from the transmitter, km</text>\n";
  s += "<text x=\"16\" y=\"" + num((T + H - B) / 2, 1) + "\" transform=\"rotate(-90 16 " + num((T + H - B) / 2, 1) +
       ")\" text-anchor=\"middle\">height, m</text>\n";
  // Terrain (with bulge), filled down to the frame.
  std::string poly = pt(0, lo);
  for (const auto& r : rows) poly += pt(r.d, r.terrain + r.bulge);
  poly += pt(dmax, lo);
  s += "<polygon points=\"" + poly + "\" fill=\"#d9c79a\" stroke=\"#7a6a3a\" stroke-width=\"1\"/>\n";
  // First Fresnel zone and its 60 % boundary below the line of sight.
  std::string ell;
  for (const auto& r : rows) ell += pt(r.d, r.los + r.r1);
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) ell += pt(it->d, it->los - it->r1);
  s += "<polygon points=\"" + ell +
       "\" fill=\"#5b8fd6\" fill-opacity=\"0.18\" stroke=\"#2d5fa8\" stroke-dasharray=\"5,3\"/>\n";
  std::string sixty;
  for (const auto& r : rows) sixty += pt(r.d, r.los - 0.6 * r.r1);
  s += "<polyline points=\"" + sixty + "\" fill=\"none\" stroke=\"#2d5fa8\" stroke-dasharray=\"1,3\"/>\n";
  s += "<line x1=\"" + num(X(0), 1) + "\" y1=\"" + num(Y(rows.front().los), 1) + "\" x2=\"" + num(X(dmax), 1) +
       "\" y2=\"" + num(Y(rows.back().los), 1) + "\" stroke=\"#c0392b\" stroke-width=\"1.5\"/>\n";
  for (const auto& o : obstacles) {
    const Row& r = rows[o.k];
    s += "<circle cx=\"" + num(X(r.d), 1) + "\" cy=\"" + num(Y(r.terrain + r.bulge), 1) +
         "\" r=\"4\" fill=\"#c0392b\"/>\n";
    s += "<text x=\"" + num(X(r.d), 1) + "\" y=\"" + num(Y(r.terrain + r.bulge) - 8, 1) +
         "\" text-anchor=\"middle\">v = " + num(o.v, 2) + "</text>\n";
  }
  s += "<text x=\"" + num(W - R, 1) + "\" y=\"" + num(T - 6, 1) +
       "\" text-anchor=\"end\" fill=\"#2d5fa8\">red: line of sight; blue: first Fresnel zone (dotted: 60 %)</text>\n";
  s += "</svg>\n";
  return s;
}

}  // namespace

int cmd_profile(int argc, char** argv) {
  std::string dem_path, from_s, to_s, out_csv, out_svg;
  prop::LinkParams link;
  double step_m = 0.0;
  po::options_description desc(
      "Usage: phusong profile --dem DEM --from LON,LAT --to LON,LAT --tx-height-m H --rx-height-m H --freq-mhz F "
      "[options]\n\nOptions");
  desc.add_options()
      ("help,h", "this help")
      ("dem", po::value<std::string>(&dem_path), "elevation raster (any GDAL format with a CRS)")
      ("from", po::value<std::string>(&from_s), "transmitter LON,LAT (WGS 84 degrees)")
      ("to", po::value<std::string>(&to_s), "receiver LON,LAT (WGS 84 degrees)")
      ("tx-height-m", po::value<double>(&link.tx_height_m), "transmitter antenna height above ground, m")
      ("rx-height-m", po::value<double>(&link.rx_height_m), "receiver antenna height above ground, m")
      ("freq-mhz", po::value<double>(&link.freq_mhz), "frequency, MHz (Fresnel zone)")
      ("step-m", po::value<double>(&step_m)->default_value(0.0, "grid step"), "sample spacing, m")
      ("k-factor", po::value<double>(&link.k_factor)->default_value(link.k_factor, "1.3333"),
       "effective earth-radius factor")
      ("out-csv", po::value<std::string>(&out_csv), "write the profile CSV to FILE (else to stdout)")
      ("out-svg", po::value<std::string>(&out_svg), "write an SVG plot to FILE");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << desc
              << "\nSamples the DEM (warped onto the UTM zone of the path midpoint) between the two\n"
                 "points as the coverage engine does and prints the CSV\n"
                 "  distance_m,terrain_m,earth_bulge_m,los_m,fresnel1_radius_m,clearance_m,clearance_f1\n"
                 "(clearance = line of sight - (terrain + bulge); clearance_f1 = clearance / first Fresnel\n"
                 "radius), then '#' lines: the dominant obstacles in Deygout order and whether the first\n"
                 "Fresnel zone is 60 % clear.  The CSV reads back with phusong p2p --profile.\n";
    return 0;
  }
  po::notify(vm);
  for (const char* req : {"dem", "from", "to", "tx-height-m", "rx-height-m", "freq-mhz"}) {
    if (!vm.count(req)) {
      throw InputError("command line", std::string("--") + req, "missing",
                       "phusong profile --dem DEM --from LON,LAT --to LON,LAT --tx-height-m H --rx-height-m H "
                       "--freq-mhz F");
    }
  }
  const LonLat a = parse_lonlat(from_s, "from"), b = parse_lonlat(to_s, "to");
  const auto deygout = prop::make_model("deygout", "command line");
  deygout->check(link, "command line");
  if (!(step_m >= 0.0 && step_m <= 10000.0)) {
    throw InputError("command line", "--step-m", "value " + fmt_num(step_m) + " out of range",
                     "0 (the grid step) or up to 10000 m");
  }

  // Working CRS: UTM of the path midpoint; extent: the path's box plus a margin.
  const std::string crs = "EPSG:" + std::to_string(utm_epsg_for(0.5 * (a.lon + b.lon), 0.5 * (a.lat + b.lat)));
  const Transformer tr(kWgs84, crs);
  const auto [x0, y0] = tr.forward(a.lon, a.lat);
  const auto [x1, y1] = tr.forward(b.lon, b.lat);
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) {
    throw InputError("command line", "--from/--to", "cannot project the points to " + crs, "points on land");
  }
  const double len = std::hypot(x1 - x0, y1 - y0);
  if (!(len >= 1.0)) throw InputError("command line", "--to", "the two points coincide", "a path of at least 1 m");
  if (len > 1.0e6) throw InputError("command line", "--to", "path of " + fmt_num(len / 1000.0) + " km", "at most 1000 km");
  const double margin = 1000.0;
  DemRequest req;
  req.path = dem_path;
  req.working_crs = crs;
  req.extent = Extent{std::min(x0, x1) - margin, std::min(y0, y1) - margin, std::max(x0, x1) + margin,
                      std::max(y0, y1) + margin};
  const Dem dem = load_dem(req);
  const Grid& g = dem.elevation_m.grid();
  const double step = step_m > 0.0 ? step_m : std::min(g.dx, g.dy);
  if (len / step > 1.0e6) {
    throw InputError("command line", "--step-m", "more than a million samples", "a larger step for this path");
  }
  prop::Profile prof;
  if (!extract_profile(dem.elevation_m, x0, y0, x1, y1, step, prof)) {
    throw InputError(dem_path, "extent", "the path from " + from_s + " to " + to_s + " leaves the DEM's coverage",
                     "both ends and the whole path inside the DEM");
  }

  // Geometry per sample.
  const double lambda = prop::wavelength_m(link.freq_mhz);
  const double D = prof.length_m();
  const double tx_tip = prof.height_m.front() + link.tx_height_m;
  const double rx_tip = prof.height_m.back() + link.rx_height_m;
  std::vector<Row> rows(prof.size());
  for (std::size_t i = 0; i < prof.size(); ++i) {
    const double d = prof.distance_m[i];
    Row& r = rows[i];
    r.d = d;
    r.terrain = prof.height_m[i];
    r.bulge = prop::earth_bulge_m(d, D - d, link.k_factor);
    r.los = tx_tip + (rx_tip - tx_tip) * d / D;
    r.r1 = std::sqrt(std::max(0.0, lambda * d * (D - d) / D));
    r.clearance = r.los - (r.terrain + r.bulge);
  }

  // Deygout construction: main edge, then the dominant edge on each side.
  std::vector<Obstacle> obstacles;
  const std::size_t n = rows.size();
  Obstacle m = main_edge(rows, 0, n - 1, tx_tip, rx_tip, lambda);
  if (n > 2) {
    m.role = "main edge";
    obstacles.push_back(m);
    const double ym = rows[m.k].terrain + rows[m.k].bulge;
    if (m.v > -0.78) {
      Obstacle l = main_edge(rows, 0, m.k, tx_tip, ym, lambda);
      Obstacle r = main_edge(rows, m.k, n - 1, ym, rx_tip, lambda);
      l.role = "transmitter side";
      r.role = "receiver side";
      if (l.v > -0.78) obstacles.push_back(l);
      if (r.v > -0.78) obstacles.push_back(r);
    }
  }
  // Least clearance relative to the first Fresnel radius (interior samples).
  double min_f1 = 1e300;
  std::size_t min_k = 0;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (rows[i].r1 <= 0.0) continue;
    const double f = rows[i].clearance / rows[i].r1;
    if (f < min_f1) {
      min_f1 = f;
      min_k = i;
    }
  }

  std::string csv = "distance_m,terrain_m,earth_bulge_m,los_m,fresnel1_radius_m,clearance_m,clearance_f1\n";
  for (std::size_t i = 0; i < n; ++i) {
    const Row& r = rows[i];
    char line[256];
    std::snprintf(line, sizeof line, "%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,", r.d, r.terrain, r.bulge, r.los, r.r1,
                  r.clearance);
    csv += line;
    if (r.r1 > 0.0) csv += num(r.clearance / r.r1, 4);
    csv += "\n";
  }

  std::string sum;
  auto say = [&](const std::string& s) { sum += "# " + s + "\n"; };
  say("path: " + num(D, 1) + " m, " + std::to_string(n) + " samples every " + num(D / (n - 1), 2) + " m on " + crs +
      " (DEM " + num(g.dx, 1) + " m grid), k = " + num(link.k_factor, 4) + ", " + num(link.freq_mhz, 1) + " MHz");
  say("transmitter: ground " + num(prof.height_m.front(), 1) + " m + antenna " + num(link.tx_height_m, 1) +
      " m; receiver: ground " + num(prof.height_m.back(), 1) + " m + antenna " + num(link.rx_height_m, 1) + " m");
  say("dominant obstacles (Deygout order):");
  double diffraction = 0.0;
  for (std::size_t i = 0; i < obstacles.size(); ++i) {
    const Obstacle& o = obstacles[i];
    const Row& r = rows[o.k];
    const double j = prop::knife_edge_j_db(o.v);
    if (o.v > -0.78) diffraction += j;
    say("  " + std::to_string(i + 1) + ". " + o.role + " at " + num(r.d, 1) + " m: terrain " + num(r.terrain, 1) +
        " m, clearance " + num(r.clearance, 1) + " m (" + num(r.clearance / r.r1, 2) + " F1), v = " + num(o.v, 3) +
        ", J(v) = " + num(j, 2) + " dB");
  }
  if (obstacles.empty()) say("  none (the profile has no interior samples)");
  if (n > 2) {
    say(std::string("first Fresnel zone 60 % clear: ") + (min_f1 >= 0.6 ? "yes" : "no") + " (least clearance " +
        num(min_f1, 2) + " F1 at " + num(rows[min_k].d, 1) + " m)");
  }
  const prop::PathLoss dl = deygout->loss(prof, link);
  say("free-space loss " + num(prop::fspl_db(link.freq_mhz, std::max(std::hypot(D, tx_tip - rx_tip), 1.0)), 2) +
      " dB; Deygout diffraction " + num(diffraction, 2) + " dB; 'deygout' model loss " + num(dl.loss_db, 2) + " dB");

  if (!out_csv.empty()) {
    io::write_text_file_atomic(out_csv, csv + sum);
    std::printf("%s", sum.c_str());
    std::printf("# profile written to %s\n", out_csv.c_str());
  } else {
    std::printf("%s%s", csv.c_str(), sum.c_str());
  }
  if (!out_svg.empty()) {
    io::write_text_file_atomic(out_svg, svg_plot(rows, obstacles, link.freq_mhz, link.k_factor));
    std::printf("# plot written to %s\n", out_svg.c_str());
  }
  return 0;
}

}  // namespace phusong::cli
