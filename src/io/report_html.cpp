#include "phusong/io/report_html.hpp"

#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "phusong/core/error.hpp"
#include "phusong/core/version.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/deliverables.hpp"
#include "phusong/io/map_render.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/io/text_format.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/scenario/run.hpp"

namespace phusong::io {

namespace {

namespace fs = std::filesystem;

constexpr double kPi = 3.14159265358979323846;
constexpr int kMapMaxPx = 960;     // longer side of a map picture
constexpr double kRasterOpacity = 0.85;  // the rasters' QML opacity

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string rgba_css(const Rgba8& c, double alpha) {
  return "rgba(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + "," +
         fixed(alpha, 2) + ")";
}

std::string thousands(long long v) {
  std::string s = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), "\u202f");
  return (v < 0 ? "-" : "") + s;
}

const radio::Cell* serving(const RunResult& run, int idx) {
  return idx >= 0 && idx < static_cast<int>(run.inputs.cells.size()) ? &run.inputs.cells[idx] : nullptr;
}

// ------------------------------------------------------------------ maps

// Pixels <-> working CRS for a map of the whole grid.
struct Frame {
  Grid g;
  double f = 1;  // pixels per grid cell
  int w = 0, h = 0;
  explicit Frame(const Grid& grid) : g(grid) {
    f = static_cast<double>(kMapMaxPx) / std::max(g.cols, g.rows);
    if (f > 1) f = std::min(std::floor(f), 8.0);  // enlarge small grids by whole pixels
    w = std::max(1, static_cast<int>(std::lround(g.cols * f)));
    h = std::max(1, static_cast<int>(std::lround(g.rows * f)));
  }
  double px(double x) const { return (x - g.x_min) / g.dx * f; }
  double py(double y) const { return (g.y_max - y) / g.dy * f; }
  int col(int x) const { return std::clamp(static_cast<int>((x + 0.5) / f), 0, g.cols - 1); }
  int row(int y) const { return std::clamp(static_cast<int>((y + 0.5) / f), 0, g.rows - 1); }
  double metres_per_px() const { return g.dx / f; }
};

// Terrain colour from the hillshade (0 = unknown), and a colour laid over
// it with the rasters' opacity, keeping some of the relief in it.
Rgba8 shade_pixel(std::uint8_t hs, const Rgba8* over) {
  if (hs == 0) return {245, 245, 245, 255};
  const double s = hs / 255.0;
  const double t = 0.42 + 0.58 * s;
  double r = 236 * t, g = 234 * t, b = 226 * t;
  if (over && over->a > 0) {
    const double a = kRasterOpacity * over->a / 255.0;
    const double k = 0.72 + 0.28 * s;
    r = a * over->r * k + (1 - a) * r;
    g = a * over->g * k + (1 - a) * g;
    b = a * over->b * k + (1 - a) * b;
  }
  auto u8 = [](double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0))); };
  return {u8(r), u8(g), u8(b), 255};
}

struct Symbols {
  std::vector<StyleCategory> carriers;  // sites style
  Rgba8 covered{26, 150, 65, 255}, uncovered{215, 25, 28, 255};
  Rgba8 carrier_color(const std::string& carrier) const {
    for (const auto& c : carriers)
      if (c.value == carrier) return c.color;
    for (const auto& c : carriers)
      if (c.value.empty()) return c.color;
    return {150, 150, 150, 255};
  }
};

Symbols symbols(const RunResult& run) {
  Symbols s;
  std::set<std::string> carriers;
  for (const auto& c : run.inputs.cells) carriers.insert(c.carrier);
  s.carriers = categories_from_qml(qml_sites({carriers.begin(), carriers.end()}));
  for (const auto& c : categories_from_qml(qml_villages(run.scenario.effective_threshold_dbm()))) {
    if (c.value == "1") s.covered = c.color;
    if (c.value == "0") s.uncovered = c.color;
  }
  return s;
}

void draw_points(Image& img, const Frame& fr, const RunResult& run, const Symbols& sym) {
  const double k = std::max(1.0, std::min(fr.w, fr.h) / 700.0);
  const Rgba8 dark{30, 30, 30, 255};
  for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
    const auto& v = run.inputs.villages[i];
    draw_disc(img, fr.px(v.x), fr.py(v.y), 4.5 * k, run.report.villages[i].covered ? sym.covered : sym.uncovered,
              dark, 1.0 * k);
  }
  std::set<std::pair<std::string, std::string>> drawn;  // one marker per site and carrier
  for (const auto& c : run.inputs.cells) {
    if (!drawn.insert({c.site_id, c.carrier}).second) continue;
    draw_triangle(img, fr.px(c.x), fr.py(c.y), 8.0 * k, sym.carrier_color(c.carrier), dark, 1.2 * k);
  }
}

Image rsrp_map(const RunResult& run, const Frame& fr, const Raster<std::uint8_t>& hs, const Symbols& sym) {
  const auto ramp = rsrp_ramp(run.scenario.effective_threshold_dbm());
  Image img(fr.w, fr.h);
  const auto& best = run.composite.best_dbm;
  for (int y = 0; y < fr.h; ++y) {
    const int r = fr.row(y);
    for (int x = 0; x < fr.w; ++x) {
      const int c = fr.col(x);
      const int k = ramp_class(ramp, best.at(r, c));
      img.set(x, y, shade_pixel(hs.at(r, c), k >= 0 ? &ramp[k].color : nullptr));
    }
  }
  draw_points(img, fr, run, sym);
  return img;
}

Image best_server_map(const RunResult& run, const Frame& fr, const Raster<std::uint8_t>& hs, const Symbols& sym) {
  std::vector<Rgba8> colors;
  for (size_t i = 0; i < run.inputs.cells.size(); ++i) colors.push_back(parse_hex_color(palette_color_hex(i)));
  Image img(fr.w, fr.h);
  const auto& best = run.composite.best_cell;
  for (int y = 0; y < fr.h; ++y) {
    const int r = fr.row(y);
    for (int x = 0; x < fr.w; ++x) {
      const int c = fr.col(x);
      const int idx = best.at(r, c);
      const bool has = idx >= 0 && idx < static_cast<int>(colors.size());
      img.set(x, y, shade_pixel(hs.at(r, c), has ? &colors[idx] : nullptr));
    }
  }
  draw_points(img, fr, run, sym);
  return img;
}

// Clockwise angle from grid north (up) to true north, degrees, at the
// centre of the grid.
double grid_convergence_deg(const Grid& g) {
  try {
    Transformer t(g.crs_wkt, kWgs84);
    const double cx = (g.x_min + g.x_max()) / 2, cy = (g.y_min() + g.y_max) / 2;
    const auto [lon, lat] = t.forward(cx, cy);
    const auto [x2, y2] = t.inverse(lon, std::min(lat + 0.01, 89.9));
    const double a = std::atan2(x2 - cx, y2 - cy) * 180 / kPi;
    return std::isfinite(a) ? a : 0.0;
  } catch (const std::exception&) {
    return 0.0;
  }
}

// A round length (1, 2 or 5 x 10^k metres) close to `target_m`.
double nice_length(double target_m) {
  const double p = std::pow(10.0, std::floor(std::log10(target_m)));
  for (const double m : {5.0, 2.0, 1.0})
    if (m * p <= target_m) return m * p;
  return p;
}

std::string length_text(double m) { return m >= 1000 ? fixed(m / 1000, m >= 10000 ? 0 : (std::fmod(m, 1000) == 0 ? 0 : 1)) + " km" : fixed(m, 0) + " m"; }

// Greedy label placement: each label takes the first of its candidate
// positions (right, left, above, below its point) that stays inside the
// picture and overlaps no label placed before; otherwise it is left out.
struct LabelPlacer {
  struct Box {
    double x0, y0, x1, y1;
  };
  int w, h;
  std::vector<Box> taken;
  std::ostringstream svg;
  LabelPlacer(int width, int height) : w(width), h(height) {}

  static size_t code_points(const std::string& s) {
    size_t n = 0;
    for (const unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }
  bool free(const Box& b) const {
    if (b.x0 < 0 || b.y0 < 0 || b.x1 > w || b.y1 > h) return false;
    for (const auto& t : taken)
      if (b.x0 < t.x1 && t.x0 < b.x1 && b.y0 < t.y1 && t.y0 < b.y1) return false;
    return true;
  }
  // (x, y): the point; `centred`: one candidate, centred on the point.
  void place(double x, double y, const std::string& text, double font_px, bool bold, double offset,
             bool centred) {
    const double tw = code_points(text) * font_px * (bold ? 0.62 : 0.56), th = font_px * 1.15;
    struct Cand {
      double bx0, by0;     // box corner
      double tx, ty;       // text anchor, baseline
      const char* anchor;  // start | end | middle
    };
    std::vector<Cand> cands;
    if (centred) {
      cands.push_back({x - tw / 2, y - th / 2, x, y + font_px * 0.35, "middle"});
    } else {
      cands.push_back({x + offset, y - th / 2, x + offset, y + font_px * 0.35, "start"});
      cands.push_back({x - offset - tw, y - th / 2, x - offset, y + font_px * 0.35, "end"});
      cands.push_back({x - tw / 2, y - offset - th, x, y - offset - font_px * 0.25, "middle"});
      cands.push_back({x - tw / 2, y + offset, x, y + offset + font_px * 0.9, "middle"});
    }
    for (const auto& c : cands) {
      const Box b{c.bx0, c.by0, c.bx0 + tw, c.by0 + th};
      if (!free(b)) continue;
      taken.push_back(b);
      svg << "<text x=\"" << fixed(c.tx, 1) << "\" y=\"" << fixed(c.ty, 1) << "\" font-size=\"" << fixed(font_px, 1)
          << "\" text-anchor=\"" << c.anchor << "\"" << (bold ? " font-weight=\"bold\" fill=\"#222\" fill-opacity=\"0.8\""
                                                               : " fill=\"#111\"")
          << " class=\"halo\">" << xml_escape(text) << "</text>";
      return;
    }
  }
};

// Labels, commune outlines, scale bar and north arrow over a map picture.
std::string overlay_svg(const RunResult& run, const Frame& fr, bool labels) {
  const double fs_px = std::max(11.0, fr.w / 75.0);
  LabelPlacer placer(fr.w, fr.h);
  // Keep the scale bar (bottom left) and the north arrow (top right) clear.
  placer.taken.push_back({0, fr.h * 0.88, fr.w * 0.32, static_cast<double>(fr.h)});
  placer.taken.push_back({fr.w * 0.85, 0, static_cast<double>(fr.w), fr.h * 0.17});
  std::ostringstream o;
  o << "<svg class=\"overlay\" viewBox=\"0 0 " << fr.w << " " << fr.h
    << "\" preserveAspectRatio=\"none\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\">";
  // Commune outlines.
  for (const auto& c : run.inputs.communes) {
    OGRGeometryH g = nullptr;
    if (OGR_G_CreateFromWkb(c.wkb.data(), nullptr, &g, static_cast<int>(c.wkb.size())) != OGRERR_NONE || !g) continue;
    OgrGeometry owned(g);
    std::string d;
    auto ring = [&](OGRGeometryH r) {
      const int n = OGR_G_GetPointCount(r);
      for (int i = 0; i < n; ++i) {
        d += (i == 0 ? "M" : "L") + fixed(fr.px(OGR_G_GetX(r, i)), 1) + " " + fixed(fr.py(OGR_G_GetY(r, i)), 1);
      }
      if (n) d += "Z";
    };
    auto polygon = [&](OGRGeometryH p) {
      for (int i = 0; i < OGR_G_GetGeometryCount(p); ++i) ring(OGR_G_GetGeometryRef(p, i));
    };
    if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon) {
      polygon(g);
    } else {
      for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) polygon(OGR_G_GetGeometryRef(g, i));
    }
    o << "<path d=\"" << d << "\" fill=\"none\" stroke=\"#333\" stroke-width=\"" << fixed(fr.w / 600.0, 2)
      << "\" stroke-dasharray=\"" << fixed(fr.w / 120.0, 1) << " " << fixed(fr.w / 240.0, 1) << "\"/>";
    if (labels) {
      placer.place(fr.px((c.x_min + c.x_max) / 2), fr.py((c.y_min + c.y_max) / 2), c.name, fs_px * 1.1, true, 0,
                   true);
    }
  }
  if (labels) {
    // Villages without coverage first: their names matter most.
    const double off = 6.5 * std::max(1.0, std::min(fr.w, fr.h) / 700.0);
    for (const bool covered : {false, true}) {
      for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
        if (run.report.villages[i].covered != covered) continue;
        const auto& v = run.inputs.villages[i];
        placer.place(fr.px(v.x), fr.py(v.y), v.name, fs_px, false, off, false);
      }
    }
    o << placer.svg.str();
  }
  // Scale bar: about a fifth of the width, bottom left.
  const double len_m = nice_length(fr.w * fr.metres_per_px() / 5);
  const double len_px = len_m / fr.metres_per_px();
  const double x0 = fr.w * 0.03, y0 = fr.h - fr.h * 0.04, bh = std::max(5.0, fr.h / 130.0);
  o << "<rect x=\"" << fixed(x0 - 6, 1) << "\" y=\"" << fixed(y0 - bh - fs_px * 1.6, 1) << "\" width=\""
    << fixed(len_px + 12 + fs_px * 3, 1) << "\" height=\"" << fixed(bh + fs_px * 1.6 + 6, 1)
    << "\" fill=\"white\" fill-opacity=\"0.8\" rx=\"3\"/>";
  for (int i = 0; i < 4; ++i) {
    o << "<rect x=\"" << fixed(x0 + i * len_px / 4, 1) << "\" y=\"" << fixed(y0 - bh, 1) << "\" width=\""
      << fixed(len_px / 4, 1) << "\" height=\"" << fixed(bh, 1) << "\" fill=\"" << (i % 2 ? "white" : "#222")
      << "\" stroke=\"#222\" stroke-width=\"1\"/>";
  }
  o << "<text x=\"" << fixed(x0, 1) << "\" y=\"" << fixed(y0 - bh - fs_px * 0.4, 1) << "\" font-size=\""
    << fixed(fs_px, 1) << "\" fill=\"#111\">0</text>";
  o << "<text x=\"" << fixed(x0 + len_px, 1) << "\" y=\"" << fixed(y0 - bh - fs_px * 0.4, 1) << "\" font-size=\""
    << fixed(fs_px, 1) << "\" fill=\"#111\" text-anchor=\"middle\">" << length_text(len_m) << "</text>";
  // North arrow (true north), top right.
  const double ax = fr.w - fr.w * 0.06, ay = fr.h * 0.08, as = std::max(14.0, fr.w / 35.0);
  o << "<g transform=\"translate(" << fixed(ax, 1) << " " << fixed(ay, 1) << ") rotate("
    << fixed(grid_convergence_deg(fr.g), 2) << ")\">";
  o << "<circle r=\"" << fixed(as * 1.05, 1) << "\" fill=\"white\" fill-opacity=\"0.8\"/>";
  o << "<path d=\"M0 " << fixed(-as * 0.9, 1) << " L" << fixed(as * 0.4, 1) << " " << fixed(as * 0.6, 1)
    << " L0 " << fixed(as * 0.3, 1) << " Z\" fill=\"#222\"/>";
  o << "<path d=\"M0 " << fixed(-as * 0.9, 1) << " L" << fixed(-as * 0.4, 1) << " " << fixed(as * 0.6, 1)
    << " L0 " << fixed(as * 0.3, 1) << " Z\" fill=\"white\" stroke=\"#222\" stroke-width=\"1\"/>";
  o << "<text y=\"" << fixed(-as * 1.1, 1) << "\" font-size=\"" << fixed(fs_px * 1.1, 1)
    << "\" font-weight=\"bold\" text-anchor=\"middle\" class=\"halo\">N</text></g>";
  o << "</svg>";
  return o.str();
}

std::string png_img(const Image& img, const std::string& alt) {
  return "<img src=\"data:image/png;base64," + base64(encode_png(img)) + "\" width=\"" + std::to_string(img.width()) +
         "\" height=\"" + std::to_string(img.height()) + "\" alt=\"" + xml_escape(alt) + "\">";
}

std::string swatch(const Rgba8& c, double alpha) {
  return "<span class=\"sw\" style=\"background:" + rgba_css(c, alpha) + "\"></span>";
}

std::string point_legend(const RunResult& run, const Symbols& sym) {
  const std::string thr = fixed(run.scenario.effective_threshold_dbm(), 1);
  const std::string q = radio::technology_quantity(run.scenario.technology);
  std::string s = "<h4>Villages</h4><ul>";
  s += "<li><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"5.5\" fill=\"" + hex_color(sym.covered) +
       "\" stroke=\"#1e1e1e\"/></svg> covered (" + xml_escape(q) + " &ge; " + thr + " dBm)</li>";
  s += "<li><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"5.5\" fill=\"" + hex_color(sym.uncovered) +
       "\" stroke=\"#1e1e1e\"/></svg> not covered</li></ul><h4>Sites</h4><ul>";
  std::set<std::string> carriers;
  for (const auto& c : run.inputs.cells) carriers.insert(c.carrier);
  for (const auto& c : carriers) {
    s += "<li><svg width=\"16\" height=\"14\"><path d=\"M8 1 L15 13 L1 13 Z\" fill=\"" +
         hex_color(sym.carrier_color(c)) + "\" stroke=\"#1e1e1e\"/></svg> " + xml_escape(c.empty() ? "(no carrier)" : c) +
         "</li>";
  }
  s += "</ul>";
  if (!run.inputs.communes.empty()) {
    s += "<ul><li><svg width=\"24\" height=\"10\"><path d=\"M0 5 H24\" stroke=\"#333\" stroke-width=\"1.5\" "
         "stroke-dasharray=\"6 3\"/></svg> commune boundary</li></ul>";
  }
  s += "<p class=\"note\">Shaded relief from the DEM.</p>";
  return s;
}

std::string map_figure(const std::string& title, const Image& img, const std::string& svg, const std::string& legend,
                       const std::string& caption) {
  return "<figure class=\"mapfig\"><figcaption>" + title + "</figcaption><div class=\"maprow\"><div class=\"map\">" +
         png_img(img, title) + svg + "</div><div class=\"legend\">" + legend + "</div></div><p class=\"note\">" +
         caption + "</p></figure>\n";
}

// ------------------------------------------------------------------ charts

std::string commune_chart(const RunResult& run) {
  const auto& cs = run.report.communes;
  if (cs.empty()) return "<p>No communes.</p>";
  const auto ranges = ranges_from_qml(qml_communes());
  const int row_h = 24, label_w = 190, bar_w = 460, right_w = 150;
  const int w = label_w + bar_w + right_w, h = static_cast<int>(cs.size()) * row_h + 34;
  std::ostringstream o;
  o << "<svg class=\"chart\" width=\"" << w << "\" height=\"" << h << "\" viewBox=\"0 0 " << w << " " << h
    << "\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" font-size=\"12\">";
  o << "<title>Villages covered by commune (%)</title>";
  for (int p = 0; p <= 100; p += 20) {
    const double x = label_w + bar_w * p / 100.0;
    o << "<line x1=\"" << fixed(x, 1) << "\" y1=\"4\" x2=\"" << fixed(x, 1) << "\" y2=\"" << h - 24
      << "\" stroke=\"#ddd\"/><text x=\"" << fixed(x, 1) << "\" y=\"" << h - 8
      << "\" text-anchor=\"middle\" fill=\"#555\">" << p << " %</text>";
  }
  for (size_t i = 0; i < cs.size(); ++i) {
    const auto& c = cs[i];
    const double pct = c.pct_villages();  // NaN: no villages, no bar
    Rgba8 col{150, 150, 150, 255};
    for (const auto& r : ranges) {
      if (pct >= r.lower && pct <= r.upper) {
        col = r.color;
        break;
      }
    }
    col.a = 255;
    const double y = 6 + static_cast<double>(i) * row_h;
    o << "<text x=\"" << label_w - 8 << "\" y=\"" << fixed(y + 14, 1) << "\" text-anchor=\"end\">" << xml_escape(c.name)
      << "</text>";
    o << "<rect x=\"" << label_w << "\" y=\"" << fixed(y + 2, 1) << "\" width=\"" << fixed(std::isnan(pct) ? 0.0 : bar_w * pct / 100.0, 1)
      << "\" height=\"" << row_h - 6 << "\" fill=\"" << hex_color(col) << "\"><title>" << xml_escape(c.name) << ": "
      << analysis::pct_text(pct) << " %</title></rect>";
    o << "<text x=\"" << label_w + bar_w + 8 << "\" y=\"" << fixed(y + 14, 1) << "\">" << c.villages_covered << " / "
      << c.villages_total << " (" << analysis::pct_text(pct) << " %)</text>";
  }
  o << "</svg>";
  return o.str();
}

std::string histogram_chart(const RunResult& run) {
  const double t = run.scenario.effective_threshold_dbm();
  const auto ramp = rsrp_ramp(t);
  const Grid& g = run.inputs.dem.elevation_m.grid();
  const double lo = t - 40, hi = t + 60, bin = 5;
  const int nb = static_cast<int>((hi - lo) / bin);
  std::vector<long long> counts(static_cast<size_t>(nb), 0);
  long long total = 0;
  for (const float v : run.composite.best_dbm.data()) {
    if (std::isnan(v)) continue;
    ++total;
    const int b = std::clamp(static_cast<int>(std::floor((v - lo) / bin)), 0, nb - 1);
    ++counts[static_cast<size_t>(b)];
  }
  const double cell_km2 = g.dx * g.dy / 1e6;
  long long maxc = 1;
  for (auto c : counts) maxc = std::max(maxc, c);
  const double max_km2 = maxc * cell_km2;
  // A round top for the y axis.
  const double step = nice_length(max_km2 / 4 > 0 ? max_km2 / 4 : 1);
  const double top = std::max(step, std::ceil(max_km2 / step) * step);
  const int left = 60, right = 20, topm = 24, bottom = 44, pw = 640, ph = 230;
  const int w = left + pw + right, h = topm + ph + bottom;
  auto X = [&](double dbm) { return left + (dbm - lo) / (hi - lo) * pw; };
  auto Y = [&](double km2) { return topm + ph - km2 / top * ph; };
  std::ostringstream o;
  o << "<svg class=\"chart\" width=\"" << w << "\" height=\"" << h << "\" viewBox=\"0 0 " << w << " " << h
    << "\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" font-size=\"12\">";
  o << "<title>Received power over the grid</title>";
  const int decimals = step >= 1 ? 0 : (step >= 0.1 ? 1 : 2);
  for (double v = 0; v <= top + 1e-9; v += step) {
    o << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << fixed(Y(v), 1) << "\" y2=\""
      << fixed(Y(v), 1) << "\" stroke=\"#ddd\"/><text x=\"" << left - 6 << "\" y=\"" << fixed(Y(v) + 4, 1)
      << "\" text-anchor=\"end\" fill=\"#555\">" << fixed(v, decimals) << "</text>";
  }
  for (int b = 0; b < nb; ++b) {
    const double a = lo + b * bin, mid = a + bin / 2;
    const int k = ramp_class(ramp, mid);
    Rgba8 col = k >= 0 && ramp[k].color.a > 0 ? ramp[k].color : Rgba8{190, 190, 190, 255};
    const double km2 = counts[static_cast<size_t>(b)] * cell_km2;
    std::string range = b == 0 ? "< " + fixed(a + bin, 0) : (b == nb - 1 ? ">= " + fixed(a, 0) : fixed(a, 0) + " to " + fixed(a + bin, 0));
    o << "<rect x=\"" << fixed(X(a) + 1, 1) << "\" y=\"" << fixed(Y(km2), 1) << "\" width=\""
      << fixed(X(a + bin) - X(a) - 2, 1) << "\" height=\"" << fixed(topm + ph - Y(km2), 1) << "\" fill=\""
      << hex_color(col) << "\"><title>" << range << " dBm: " << fixed(km2, 2) << " km²</title></rect>";
  }
  for (double v = lo; v <= hi + 1e-9; v += 10) {
    o << "<text x=\"" << fixed(X(v), 1) << "\" y=\"" << topm + ph + 16 << "\" text-anchor=\"middle\" fill=\"#555\">"
      << fixed(v, 0) << "</text>";
  }
  o << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << topm + ph << "\" y2=\"" << topm + ph
    << "\" stroke=\"#333\"/>";
  o << "<line x1=\"" << fixed(X(t), 1) << "\" x2=\"" << fixed(X(t), 1) << "\" y1=\"" << topm - 6 << "\" y2=\""
    << topm + ph << "\" stroke=\"#111\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>";
  o << "<text x=\"" << fixed(X(t) + 5, 1) << "\" y=\"" << topm + 6 << "\" fill=\"#111\">threshold " << fixed(t, 1)
    << " dBm</text>";
  o << "<text x=\"" << left + pw / 2 << "\" y=\"" << h - 8 << "\" text-anchor=\"middle\">best-server "
    << xml_escape(radio::technology_quantity(run.scenario.technology)) << " (dBm, 5 dB bins; end bins open)</text>";
  o << "<text transform=\"translate(14 " << topm + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">area (km²)</text>";
  o << "</svg>";
  o << "<p class=\"note\">" << thousands(total) << " grid cells with a signal ("
    << fixed(total * cell_km2, 1) << " km²) of " << thousands(static_cast<long long>(g.size())) << ".</p>";
  return o.str();
}

// ------------------------------------------------------------------ tables

std::string json_value_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string kv_table(const nlohmann::ordered_json& obj, const std::string& cls = "kv") {
  std::string s = "<table class=\"" + cls + "\">";
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    s += "<tr><th>" + xml_escape(it.key()) + "</th><td>" + xml_escape(json_value_text(it.value())) + "</td></tr>";
  }
  return s + "</table>";
}

const char* const kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#222;max-width:1180px;margin:0 auto;padding:16px 24px;line-height:1.4}
h1{font-size:1.6em;margin:0.2em 0}h2{border-bottom:2px solid #2c7bb6;padding-bottom:2px;margin-top:1.6em}h4{margin:0.6em 0 0.2em}
.meta{color:#555}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:180px;background:#fafafa}
.card b{display:block;font-size:1.5em}
.mapfig{margin:1em 0}.mapfig figcaption{font-weight:bold;margin-bottom:4px}
.maprow{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
.map{position:relative;flex:0 1 800px;max-width:800px;line-height:0}
.map img{width:100%;height:auto;display:block;border:1px solid #999}
.map svg.overlay{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}
.halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.legend{flex:1 1 220px;font-size:0.9em}.legend ul{list-style:none;padding:0;margin:0}.legend li{margin:2px 0}
.legend svg{vertical-align:middle}.legend ul.cols{columns:11em 2;column-gap:10px;font-size:0.9em}
.sw{display:inline-block;width:22px;height:14px;border:1px solid #888;vertical-align:middle;margin-right:6px}
.note{color:#555;font-size:0.88em}
table{border-collapse:collapse;margin:8px 0;font-size:0.92em}th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#f0f0f0;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{width:14em}.hash{font-family:monospace;font-size:0.85em}
.chart{max-width:100%;height:auto}
@media print{.map{flex-basis:100%;max-width:100%}h2{break-after:avoid}figure,table{break-inside:avoid}}
)";

}  // namespace

std::string report_html(const RunResult& run) {
  gdal_init();
  const Scenario& s = run.scenario;
  const auto& d = run.report.district;
  const Grid& g = run.inputs.dem.elevation_m.grid();
  const std::string q = radio::technology_quantity(s.technology);
  const double thr_dbm = s.effective_threshold_dbm();  // with the location and indoor margins
  const nlohmann::ordered_json sum = summary_json(run);

  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta name=\"generator\" content=\"phusong " << kVersion << "\">\n"
    << "<title>Coverage report — " << xml_escape(s.name) << "</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n";
  o << "<h1>Coverage report — " << xml_escape(s.name) << "</h1>\n";
  if (!s.description.empty()) o << "<p>" << xml_escape(s.description) << "</p>\n";
  o << "<p class=\"meta\">phusong " << kVersion << " · model <code>" << xml_escape(s.model) << "</code> · "
    << xml_escape(radio::technology_name(s.technology)) << " " << xml_escape(q) << " &ge; " << fixed(thr_dbm, 1) << " dBm";
  if (s.margin_db() != 0.0) {
    o << " (" << fixed(s.threshold_dbm, 1) << " dBm + margin " << fixed(s.margin_db(), 1) << " dB: location "
      << fixed(s.location_pct, 1) << " %, shadowing &sigma; " << fixed(s.shadowing_sigma_db, 1) << " dB, indoor "
      << fixed(s.indoor_margin_db, 1) << " dB)";
  }
  o << " at " << fixed(s.link.rx_height_m, 1) << " m · radius " << fixed(s.radius_km, 1) << " km · grid "
    << fixed(g.dx, 1) << " m in " << xml_escape(run.inputs.working_crs) << "</p>\n";

  // District figures.
  long long covered_cells = 0;
  for (const float v : run.composite.best_dbm.data())
    if (!std::isnan(v) && v >= thr_dbm) ++covered_cells;
  o << "<div class=\"cards\">"
    << "<div class=\"card\">Villages covered<b>" << d.villages_covered << " / " << d.villages_total << "</b>"
    << analysis::pct_text(d.pct_villages()) << " %</div>"
    << "<div class=\"card\">Population covered<b>" << thousands(d.population_covered) << " / "
    << thousands(d.population_total) << "</b>" << analysis::pct_text(d.pct_population()) << " %</div>"
    << "<div class=\"card\">Cells evaluated<b>" << run.inputs.cells.size() << "</b>"
    << (run.inputs.cells_other ? std::to_string(run.inputs.cells_other) + " of other technologies/carriers left out"
                               : std::string("all in the sites file"))
    << "</div>"
    << "<div class=\"card\">Area at or above threshold<b>" << fixed(covered_cells * g.dx * g.dy / 1e6, 1)
    << " km²</b>of " << fixed(g.size() * g.dx * g.dy / 1e6, 0) << " km² computed</div></div>\n";

  // Maps.
  const Frame fr(g);
  const Raster<std::uint8_t> hs = hillshade(run.inputs.dem.elevation_m);
  const Symbols sym = symbols(run);
  o << "<h2>Maps</h2>\n";
  {
    std::string legend = "<h4>Best-server " + xml_escape(q) + "</h4><ul>";
    for (const auto& c : rsrp_ramp(thr_dbm)) {
      if (c.color.a == 0) continue;
      legend += "<li>" + swatch(c.color, kRasterOpacity) + xml_escape(c.label) + "</li>";
    }
    legend += "<li>" + swatch({245, 245, 245, 255}, 1.0) + "weaker or no signal (relief only)</li></ul>";
    legend += point_legend(run, sym);
    o << map_figure("Received power (" + xml_escape(q) + ")", rsrp_map(run, fr, hs, sym), overlay_svg(run, fr, true),
                    legend,
                    "Best-server " + xml_escape(q) + " at " + fixed(s.link.rx_height_m, 1) +
                        " m above ground, the colours of <code>rsrp_dbm.qml</code>. Grid north is up; the arrow "
                        "points to true north. Names that would overlap are left out (every village is in the "
                        "tables below).");
  }
  {
    std::string legend = std::string("<h4>Best server (cell)</h4><ul") +
                         (run.inputs.cells.size() > 16 ? " class=\"cols\"" : "") + ">";
    for (size_t i = 0; i < run.inputs.cells.size(); ++i) {
      const auto& c = run.inputs.cells[i];
      legend += "<li>" + swatch(parse_hex_color(palette_color_hex(i)), kRasterOpacity) + xml_escape(c.carrier) + " " +
                xml_escape(c.cell_id) + "</li>";
    }
    legend += "</ul>" + point_legend(run, sym);
    o << map_figure("Best server", best_server_map(run, fr, hs, sym), overlay_svg(run, fr, false), legend,
                    "The cell giving the strongest " + xml_escape(q) + " wherever any cell reaches, the colours of "
                    "<code>best_server.qml</code>.");
  }

  // Charts.
  o << "<h2>Village coverage by commune</h2>\n" << commune_chart(run) << "\n";
  o << "<h2>Received power over the grid</h2>\n" << histogram_chart(run) << "\n";

  // Tables.
  o << "<h2>Communes</h2>\n<table id=\"communes\"><thead><tr><th>Commune</th><th>Villages covered</th><th>%</th>"
       "<th>Population covered</th><th>%</th><th>Villages not covered</th></tr></thead><tbody>\n";
  for (const auto& c : run.report.communes) {
    std::string un;
    for (size_t vi : c.uncovered) un += (un.empty() ? "" : ", ") + run.inputs.villages[vi].name;
    o << "<tr><td>" << xml_escape(c.name) << "</td><td class=\"n\">" << c.villages_covered << " / " << c.villages_total
      << "</td><td class=\"n\">" << analysis::pct_text(c.pct_villages()) << "</td><td class=\"n\">"
      << thousands(c.population_covered) << " / " << thousands(c.population_total) << "</td><td class=\"n\">"
      << analysis::pct_text(c.pct_population()) << "</td><td>" << xml_escape(un) << "</td></tr>\n";
  }
  o << "<tr><th>District</th><th class=\"n\">" << d.villages_covered << " / " << d.villages_total
    << "</th><th class=\"n\">" << analysis::pct_text(d.pct_villages()) << "</th><th class=\"n\">"
    << thousands(d.population_covered) << " / " << thousands(d.population_total) << "</th><th class=\"n\">"
    << analysis::pct_text(d.pct_population()) << "</th><th></th></tr>\n</tbody></table>\n";

  if (!run.by_carrier.empty() || !run.by_technology.empty()) {
    o << "<h2>Coverage per carrier and technology</h2>\n<table id=\"carriers\"><thead><tr><th>Carrier / "
         "technology</th><th>Threshold (dBm)</th><th>Villages covered</th><th>%</th><th>Population covered</th>"
         "<th>%</th></tr></thead><tbody>\n";
    for (const auto* groups : {&run.by_carrier, &run.by_technology}) {
      for (const auto& gr : *groups) {
        const auto& c = gr.report.district;
        o << "<tr><td>" << xml_escape(gr.name) << "</td><td class=\"n\">" << fixed(gr.threshold_dbm, 1)
          << "</td><td class=\"n\">" << c.villages_covered << " / " << c.villages_total << "</td><td class=\"n\">"
          << analysis::pct_text(c.pct_villages()) << "</td><td class=\"n\">" << thousands(c.population_covered) << " / "
          << thousands(c.population_total) << "</td><td class=\"n\">" << analysis::pct_text(c.pct_population())
          << "</td></tr>\n";
      }
    }
    o << "</tbody></table>\n";
  }

  o << "<h2>Villages without coverage</h2>\n";
  if (d.uncovered.empty()) {
    o << "<p>None: every village reaches the threshold.</p>\n";
  } else {
    o << "<table id=\"uncovered\"><thead><tr><th>Village</th><th>Commune</th><th>Population</th>"
         "<th>Best signal (dBm)</th><th>Missing (dB)</th><th>Best server</th></tr></thead><tbody>\n";
    for (size_t vi : d.uncovered) {
      const auto& v = run.inputs.villages[vi];
      const auto& r = run.report.villages[vi];
      const radio::Cell* c = serving(run, r.cell_index);
      o << "<tr><td>" << xml_escape(v.name) << "</td><td>" << xml_escape(v.commune) << "</td><td class=\"n\">"
        << thousands(v.population) << "</td><td class=\"n\">"
        << (std::isnan(r.rsrp_dbm) ? "no signal" : fixed(r.rsrp_dbm, 1)) << "</td><td class=\"n\">"
        << (std::isnan(r.margin_db) ? "—" : fixed(-r.margin_db, 1)) << "</td><td>"
        << (c ? xml_escape(c->carrier + " " + c->cell_id) : "—") << "</td></tr>\n";
    }
    o << "</tbody></table>\n";
  }

  o << "<h2>Every village</h2>\n<details><summary>" << run.inputs.villages.size()
    << " villages</summary>\n<table id=\"villages\"><thead><tr><th>Village</th><th>Commune</th><th>Population</th>"
       "<th>"
    << xml_escape(q)
    << " (dBm)</th><th>Margin (dB)</th><th>Servers</th><th>Serving cell</th><th>Carrier</th><th>Covered</th>"
       "</tr></thead><tbody>\n";
  for (size_t i = 0; i < run.inputs.villages.size(); ++i) {
    const auto& v = run.inputs.villages[i];
    const auto& r = run.report.villages[i];
    const radio::Cell* c = serving(run, r.cell_index);
    o << "<tr><td>" << xml_escape(v.name) << "</td><td>" << xml_escape(v.commune) << "</td><td class=\"n\">"
      << thousands(v.population) << "</td><td class=\"n\">" << (std::isnan(r.rsrp_dbm) ? "—" : fixed(r.rsrp_dbm, 1))
      << "</td><td class=\"n\">" << (std::isnan(r.margin_db) ? "—" : fixed(r.margin_db, 1))
      << "</td><td class=\"n\">" << r.servers << "</td><td>" << (c ? xml_escape(c->site_id + " / " + c->cell_id) : "—")
      << "</td><td>" << (c ? xml_escape(c->carrier) : "—") << "</td><td>" << (r.covered ? "yes" : "no") << "</td></tr>\n";
  }
  o << "</tbody></table></details>\n";

  // Model, parameters, inputs.
  o << "<h2>Model and parameters</h2>\n<h4>Propagation model</h4>" << kv_table(sum["model"]) << "\n";
  o << "<h4>Radio</h4>" << kv_table(sum["radio"]) << "\n";
  o << "<h4>Grid</h4>" << kv_table(sum["grid"]) << "\n";
  o << "<h4>Terrain</h4>" << kv_table(sum["terrain"]) << "\n";
  o << "<h2>Inputs</h2>\n<table id=\"inputs\"><thead><tr><th>Input</th><th>File</th><th>SHA-256</th></tr></thead>"
       "<tbody>\n";
  for (auto it = sum["inputs"].begin(); it != sum["inputs"].end(); ++it) {
    o << "<tr><td>" << xml_escape(it.key()) << "</td><td>" << xml_escape(json_value_text(it.value()["file"]))
      << "</td><td class=\"hash\">" << xml_escape(json_value_text(it.value()["sha256"])) << "</td></tr>\n";
  }
  o << "</tbody></table>\n";
  o << "<h2>Files</h2>\n<ul>";
  for (const auto& f : run.files) o << "<li><code>" << xml_escape(f) << "</code></li>";
  o << "</ul>\n<p class=\"note\">Open <code>project.qgz</code> in QGIS 3.22 or later, <code>coverage.kmz</code> in "
       "Google Earth. Every figure above is also in <code>summary.json</code> and <code>villages.csv</code>.</p>\n";
  o << "</body>\n</html>\n";
  return o.str();
}

void write_report_html(const std::string& dir, const RunResult& run) {
  write_text_file_atomic((fs::path(dir) / "report.html").string(), report_html(run));
}

}  // namespace phusong::io
