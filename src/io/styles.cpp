#include "phusong/io/styles.hpp"
#include "phusong/io/styles_planning.hpp"
#include "phusong/io/styles_radio.hpp"
#include "phusong/io/text_format.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <ogr_api.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "phusong/core/error.hpp"

// The QML written here is the document QGIS itself writes for a layer style
// (QgsMapLayer::exportNamedStyle), reduced to the style categories that
// matter (symbology, labels).  Element and attribute names are those of the
// QGIS 3.22 file format; QGIS fills in defaults for whatever is absent.

namespace phusong::io {
namespace {

// ---------------------------------------------------------------- formatting

struct Rgba {
  int r, g, b, a = 255;
};

// Shortest round-trip decimal form, independent of the C locale.
std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0.0) v = 0.0;  // no "-0"
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), res.ptr);
}

std::string hex(const Rgba& c) {
  static const char* digits = "0123456789abcdef";
  std::string s = "#";
  for (const int v : {c.r, c.g, c.b}) {
    const int x = std::clamp(v, 0, 255);
    s += digits[x / 16];
    s += digits[x % 16];
  }
  return s;
}

// QGIS's colour encoding in symbol properties: "r,g,b,a".
std::string rgba_list(const Rgba& c) {
  return std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + "," +
         std::to_string(c.a);
}

std::string attr(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + xml_escape(value) + "\"";
}

// ---------------------------------------------------------------- palettes

// Distinct qualitative colours for integer classes (ordered so that
// neighbours in the list contrast strongly).
constexpr std::array<Rgba, 20> kQualitative{{{230, 25, 75},   {60, 180, 75},   {67, 99, 216},
                                             {245, 130, 49},  {145, 30, 180},  {66, 212, 244},
                                             {240, 50, 230},  {191, 239, 69},  {154, 99, 36},
                                             {70, 153, 144},  {128, 0, 0},     {0, 0, 117},
                                             {128, 128, 0},   {250, 190, 212}, {220, 190, 255},
                                             {255, 225, 25},  {170, 255, 195}, {255, 216, 177},
                                             {169, 169, 169}, {0, 0, 0}}};

// HSV (h in degrees, s and v in [0,1]) to 8-bit RGB.
Rgba hsv(double h_deg, double s, double v) {
  const double h = std::fmod(h_deg, 360.0) / 60.0;
  const int sector = static_cast<int>(std::floor(h)) % 6;
  const double f = h - std::floor(h);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = v, g = t, b = p;
  switch (sector) {
    case 0: r = v; g = t; b = p; break;
    case 1: r = q; g = v; b = p; break;
    case 2: r = p; g = v; b = t; break;
    case 3: r = p; g = q; b = v; break;
    case 4: r = t; g = p; b = v; break;
    default: r = v; g = p; b = q; break;
  }
  auto to8 = [](double x) { return static_cast<int>(std::lround(std::clamp(x, 0.0, 1.0) * 255.0)); };
  return {to8(r), to8(g), to8(b), 255};
}

Rgba palette_color(size_t i) {
  if (i < kQualitative.size()) return kQualitative[i];
  // Beyond the fixed list: golden-angle hue steps, alternating saturation and
  // value so that successive entries stay apart.
  const size_t k = i - kQualitative.size();
  const double hue = std::fmod(17.0 + 137.50776405 * static_cast<double>(k), 360.0);
  const double sat = (k % 2 == 0) ? 0.80 : 0.55;
  const double val = ((k / 2) % 2 == 0) ? 0.90 : 0.65;
  return hsv(hue, sat, val);
}

// Carrier colours.  Fixed ones for the Vietnamese operators, then a palette
// that avoids red, blue, teal and orange for the others.
constexpr Rgba kViettel{228, 26, 28};
constexpr Rgba kVnpt{31, 92, 200};
constexpr Rgba kMobifone{0, 150, 136};
constexpr Rgba kVietnamobile{255, 140, 0};
constexpr Rgba kOtherCarrier{150, 150, 150};
constexpr std::array<Rgba, 8> kCarrierOthers{{{123, 50, 148},
                                              {140, 81, 10},
                                              {197, 27, 125},
                                              {128, 128, 0},
                                              {0, 0, 117},
                                              {102, 189, 99},
                                              {255, 215, 0},
                                              {64, 64, 64}}};

std::string carrier_key(const std::string& s) {
  std::string k;
  for (const char c : s) {
    if (c == ' ' || c == '-' || c == '_') continue;
    k += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  }
  return k;
}

const Rgba* fixed_carrier(const std::string& carrier) {
  const std::string k = carrier_key(carrier);
  if (k == "viettel") return &kViettel;
  if (k == "vnpt" || k == "vinaphone") return &kVnpt;
  if (k == "mobifone") return &kMobifone;
  if (k == "vietnamobile") return &kVietnamobile;
  return nullptr;
}

// ---------------------------------------------------------------- documents

const char* const kDoctype = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n";
const char* const kVersion = "3.22.0";

std::string opt(const std::string& name, const std::string& value) {
  return "<Option type=\"QString\"" + attr("name", name) + attr("value", value) + "/>";
}

// QGIS 'SimpleMarker' symbol (size and widths in millimetres).
std::string marker_symbol(const std::string& name, const std::string& shape, const Rgba& fill,
                          const Rgba& outline, double size_mm, double outline_mm) {
  const std::string in = "          ";
  std::string s = "      <symbol type=\"marker\"" + attr("name", name) +
                  " alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
                  "        <layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
                  "          <Option type=\"Map\">\n";
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"angle", "0"},
           {"color", rgba_list(fill)},
           {"horizontal_anchor_point", "1"},
           {"joinstyle", "bevel"},
           {"name", shape},
           {"offset", "0,0"},
           {"offset_unit", "MM"},
           {"outline_color", rgba_list(outline)},
           {"outline_style", "solid"},
           {"outline_width", num(outline_mm)},
           {"outline_width_unit", "MM"},
           {"scale_method", "diameter"},
           {"size", num(size_mm)},
           {"size_unit", "MM"},
           {"vertical_anchor_point", "1"}}) {
    s += in + "  " + opt(k, v) + "\n";
  }
  s += in + "</Option>\n";
  s += "        </layer>\n      </symbol>\n";
  return s;
}

// QGIS 'SimpleFill' symbol (solid fill, solid outline, width in millimetres).
std::string fill_symbol(const std::string& name, const Rgba& fill, const Rgba& outline,
                        double outline_mm) {
  const std::string in = "          ";
  std::string s = "      <symbol type=\"fill\"" + attr("name", name) +
                  " alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
                  "        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
                  "          <Option type=\"Map\">\n";
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"color", rgba_list(fill)},
           {"joinstyle", "bevel"},
           {"offset", "0,0"},
           {"offset_unit", "MM"},
           {"outline_color", rgba_list(outline)},
           {"outline_style", "solid"},
           {"outline_width", num(outline_mm)},
           {"outline_width_unit", "MM"},
           {"style", "solid"}}) {
    s += in + "  " + opt(k, v) + "\n";
  }
  s += in + "</Option>\n";
  s += "        </layer>\n      </symbol>\n";
  return s;
}

enum class LabelAt { AroundPoint, PolygonCentre, AlongLine };

// <labeling type="simple"> with one text style: dark text, white buffer.
// `text` is a field name, or an expression when is_expression.
std::string simple_labeling(const std::string& text, bool is_expression, double font_pt,
                            bool bold, LabelAt where) {
  std::string s = "  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n";
  s += "      <text-style" + attr("fieldName", text) + attr("isExpression", is_expression ? "1" : "0") +
       " fontFamily=\"Sans Serif\" namedStyle=\"" + (bold ? "Bold" : "Regular") +
       "\" fontWeight=\"" + (bold ? "75" : "50") + "\" fontItalic=\"0\"" +
       attr("fontSize", num(font_pt)) +
       " fontSizeUnit=\"Point\" textColor=\"20,20,20,255\" textOpacity=\"1\""
       " multilineHeight=\"1\" capitalization=\"0\" allowHtml=\"0\" blendMode=\"0\">\n";
  s += "        <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\""
       " bufferColor=\"255,255,255,255\" bufferOpacity=\"0.85\" bufferNoFill=\"1\""
       " bufferJoinStyle=\"128\" bufferBlendMode=\"0\"/>\n";
  s += "      </text-style>\n";
  s += std::string("      <text-format wrapChar=\"\" autoWrapLength=\"0\" multilineAlign=\"") +
       (where == LabelAt::PolygonCentre ? "1" : "3") +
       "\" formatNumbers=\"0\" decimals=\"3\" plussign=\"0\" addDirectionSymbol=\"0\"/>\n";
  if (where == LabelAt::AroundPoint) {
    // placement 0 = around point, offset 1.5 mm from the marker.
    s += "      <placement placement=\"0\" dist=\"1.5\" distUnits=\"MM\" quadOffset=\"4\""
         " xOffset=\"0\" yOffset=\"0\" offsetUnits=\"MM\" priority=\"5\"/>\n";
  } else if (where == LabelAt::AlongLine) {
    // placement 2 = parallel to the line, 1.5 mm from it.
    s += "      <placement placement=\"2\" dist=\"1.5\" distUnits=\"MM\" quadOffset=\"4\""
         " xOffset=\"0\" yOffset=\"0\" offsetUnits=\"MM\" priority=\"5\"/>\n";
  } else {
    // placement 1 = over the centroid ("offset from centroid" with no offset),
    // kept inside the polygon.
    s += "      <placement placement=\"1\" quadOffset=\"4\" xOffset=\"0\" yOffset=\"0\""
         " offsetUnits=\"MM\" dist=\"0\" distUnits=\"MM\" centroidInside=\"1\""
         " centroidWhole=\"0\" fitInPolygonOnly=\"0\" priority=\"5\"/>\n";
  }
  s += "      <rendering drawLabels=\"1\" obstacle=\"1\" obstacleFactor=\"1\" obstacleType=\"1\""
       " displayAll=\"0\" upsidedownLabels=\"0\" labelPerPart=\"0\" mergeLines=\"0\""
       " limitNumLabels=\"0\" maxNumLabels=\"2000\" minFeatureSize=\"0\" scaleVisibility=\"0\""
       " zIndex=\"0\" unplacedVisibility=\"0\"/>\n";
  s += "    </settings>\n  </labeling>\n";
  return s;
}

// Root element shared by the vector styles.
std::string vector_open() {
  return std::string(kDoctype) + "<qgis" + attr("version", kVersion) +
         " styleCategories=\"Symbology|Labeling\" labelsEnabled=\"1\""
         " hasScaleBasedVisibilityFlag=\"0\" minScale=\"100000000\" maxScale=\"0\""
         " symbologyReferenceScale=\"-1\">\n";
}

// geometry_type: 0 point, 1 line, 2 polygon (QgsWkbTypes::GeometryType).
std::string vector_close(int geometry_type) {
  return "  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n"
         "  <layerOpacity>1</layerOpacity>\n  <layerGeometryType>" +
         std::to_string(geometry_type) + "</layerGeometryType>\n</qgis>\n";
}

std::string raster_open(const std::string& renderer_attrs) {
  return std::string(kDoctype) + "<qgis" + attr("version", kVersion) +
         " styleCategories=\"Symbology\" hasScaleBasedVisibilityFlag=\"0\""
         " minScale=\"100000000\" maxScale=\"0\">\n"
         "  <pipe>\n"
         "    <provider>\n"
         "      <resampling enabled=\"false\" zoomedInResamplingMethod=\"nearestNeighbour\""
         " zoomedOutResamplingMethod=\"nearestNeighbour\" maxOversampling=\"2\"/>\n"
         "    </provider>\n"
         "    <rasterrenderer" +
         renderer_attrs +
         ">\n"
         "      <rasterTransparency/>\n"
         "      <minMaxOrigin>\n"
         "        <limits>None</limits>\n"
         "        <extent>WholeRaster</extent>\n"
         "        <statAccuracy>Estimated</statAccuracy>\n"
         "        <cumulativeCutLower>0.02</cumulativeCutLower>\n"
         "        <cumulativeCutUpper>0.98</cumulativeCutUpper>\n"
         "        <stdDevFactor>2</stdDevFactor>\n"
         "      </minMaxOrigin>\n";
}

std::string raster_close() {
  return "    </rasterrenderer>\n"
         "    <brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>\n"
         "    <huesaturation saturation=\"0\" grayscaleMode=\"0\" invertColors=\"0\""
         " colorizeOn=\"0\" colorizeRed=\"255\" colorizeGreen=\"128\" colorizeBlue=\"128\""
         " colorizeStrength=\"100\"/>\n"
         "    <rasterresampler maxOversampling=\"2\"/>\n"
         "    <resamplingStage>resamplingFilter</resamplingStage>\n"
         "  </pipe>\n"
         "  <blendMode>0</blendMode>\n"
         "</qgis>\n";
}

void require_finite_threshold(double threshold_dbm, const char* what) {
  if (!std::isfinite(threshold_dbm) || threshold_dbm < -200.0 || threshold_dbm > 50.0) {
    throw InputError(what, "threshold_dbm", "is " + fmt_num(threshold_dbm),
                     "a finite value in [-200, 50] dBm");
  }
}

}  // namespace

std::string palette_color_hex(size_t i) { return hex(palette_color(i)); }

std::string fixed_carrier_color_hex(const std::string& carrier) {
  const Rgba* c = fixed_carrier(carrier);
  return c ? hex(*c) : std::string();
}

// ------------------------------------------------------------------- rasters

namespace {

// One class of a DISCRETE colour ramp: values up to `upper` (inclusive).
struct RampClass {
  double upper;
  Rgba color;
  std::string label;
};

// Singleband pseudocolour raster style with a DISCRETE ramp over [vmin, vmax].
std::string discrete_ramp_raster(const std::vector<RampClass>& classes, double vmin, double vmax) {
  std::string s = raster_open(
      " type=\"singlebandpseudocolor\" band=\"1\" opacity=\"0.85\" alphaBand=\"-1\""
      " nodataColor=\"\"" +
      attr("classificationMin", num(vmin)) + attr("classificationMax", num(vmax)));
  s += "      <rastershader>\n";
  s += "        <colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" clip=\"0\""
       " labelPrecision=\"0\"" +
       attr("minimumValue", num(vmin)) + attr("maximumValue", num(vmax)) + ">\n";
  for (const auto& c : classes) {
    s += "          <item" + attr("value", num(c.upper)) + attr("color", hex(c.color)) +
         attr("alpha", std::to_string(c.color.a)) + attr("label", c.label) + "/>\n";
  }
  s += "        </colorrampshader>\n      </rastershader>\n";
  s += raster_close();
  return s;
}

}  // namespace

std::string qml_rsrp_raster(double threshold_dbm) {
  require_finite_threshold(threshold_dbm, "rsrp style");
  const double t = threshold_dbm;
  auto dbm = [](double v) { return label_num(v) + " dBm"; };
  auto range = [&](double lo, double hi) { return label_num(lo) + " to " + dbm(hi); };
  return discrete_ramp_raster(
      {
          {t - 20, {215, 25, 28, 0}, "< " + dbm(t - 20) + " (not drawn)"},
          {t - 10, {215, 25, 28, 255}, range(t - 20, t - 10)},
          {t, {253, 141, 60, 255}, range(t - 10, t) + " (below threshold)"},
          {t + 10, {255, 217, 47, 255}, range(t, t + 10) + " (threshold " + dbm(t) + ")"},
          {t + 20, {166, 217, 106, 255}, range(t + 10, t + 20)},
          {t + 40, {26, 150, 65, 255}, range(t + 20, t + 40)},
          {std::numeric_limits<double>::infinity(), {44, 123, 182, 255}, ">= " + dbm(t + 40)},
      },
      t - 30, t + 50);
}

// Declared in styles_radio.hpp (sinr_db.tif).
std::string qml_sinr_raster() {
  return discrete_ramp_raster(
      {
          {-5, {215, 25, 28, 255}, "< -5 dB (no reliable service)"},
          {0, {253, 141, 60, 255}, "-5 to 0 dB"},
          {5, {255, 217, 47, 255}, "0 to 5 dB"},
          {10, {166, 217, 106, 255}, "5 to 10 dB"},
          {20, {26, 150, 65, 255}, "10 to 20 dB"},
          {std::numeric_limits<double>::infinity(), {44, 123, 182, 255}, ">= 20 dB"},
      },
      -10, 30);
}

std::string qml_paletted_raster(const std::vector<std::pair<int, std::string>>& values_labels) {
  std::set<int> seen;
  for (const auto& [v, label] : values_labels) {
    if (!seen.insert(v).second) {
      throw InputError("paletted style", "values", "value " + std::to_string(v) + " appears twice",
                       "distinct raster values");
    }
  }
  std::string s = raster_open(
      " type=\"paletted\" band=\"1\" opacity=\"0.85\" alphaBand=\"-1\" nodataColor=\"\"");
  s += "      <colorPalette>\n";
  for (size_t i = 0; i < values_labels.size(); ++i) {
    const auto& [v, label] = values_labels[i];
    const Rgba c = palette_color(i);
    s += "        <paletteEntry" + attr("value", std::to_string(v)) + attr("color", hex(c)) +
         attr("alpha", std::to_string(c.a)) + attr("label", label) + "/>\n";
  }
  s += "      </colorPalette>\n";
  s += raster_close();
  return s;
}

// ------------------------------------------------------------------- vectors

std::string qml_villages(double threshold_dbm) {
  require_finite_threshold(threshold_dbm, "villages style");
  const std::string t = label_num(threshold_dbm);
  const Rgba outline{35, 35, 35, 255};
  std::string s = vector_open();
  s += "  <renderer-v2 type=\"categorizedSymbol\" attr=\"covered\" symbollevels=\"0\""
       " forceraster=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n";
  s += "    <categories>\n";
  s += "      <category render=\"true\" symbol=\"0\" value=\"1\"" +
       attr("label", "covered (RSRP >= " + t + " dBm)") + "/>\n";
  s += "      <category render=\"true\" symbol=\"1\" value=\"0\"" +
       attr("label", "not covered (RSRP < " + t + " dBm)") + "/>\n";
  s += "    </categories>\n    <symbols>\n";
  s += marker_symbol("0", "circle", {26, 150, 65, 255}, outline, 2.4, 0.2);
  s += marker_symbol("1", "circle", {215, 25, 28, 255}, outline, 2.4, 0.2);
  s += "    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += simple_labeling("name", false, 7, false, LabelAt::AroundPoint);
  s += vector_close(0);
  return s;
}

std::string qml_communes() {
  struct Range {
    double lower, upper;
    Rgba fill;
    std::string label;
  };
  // QGIS puts a value in the first range with lower <= value <= upper, so a
  // break value belongs to the class below it.  Coverage targets read "at
  // least 80 %", so the breaks sit kBreakEps below 50, 80 and 90: a commune
  // at exactly 80 % (e.g. 4 of 5 villages) is in the 80-90 class.  The
  // percentages come from village counts, far coarser than kBreakEps.
  constexpr double kBreakEps = 1e-6;
  // Semi-transparent fills (alpha 140 of 255) so the rasters below show.
  const std::vector<Range> ranges{
      {0, 50 - kBreakEps, {215, 25, 28, 140}, "< 50 % villages covered"},
      {50 - kBreakEps, 80 - kBreakEps, {253, 174, 97, 140}, "50 to < 80 % villages covered"},
      {80 - kBreakEps, 90 - kBreakEps, {166, 217, 106, 140}, "80 to < 90 % villages covered"},
      {90 - kBreakEps, 100, {26, 150, 65, 140}, ">= 90 % villages covered"}};
  const Rgba outline{40, 40, 40, 255};
  std::string s = vector_open();
  s += "  <renderer-v2 type=\"graduatedSymbol\" attr=\"pct_villages_covered\""
       " graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" forceraster=\"0\""
       " enableorderby=\"0\" referencescale=\"-1\">\n";
  s += "    <ranges>\n";
  for (size_t i = 0; i < ranges.size(); ++i) {
    const auto& r = ranges[i];
    s += "      <range render=\"true\"" + attr("symbol", std::to_string(i)) +
         attr("lower", num(r.lower)) + attr("upper", num(r.upper)) +
         attr("label", r.label) + "/>\n";
  }
  s += "    </ranges>\n    <symbols>\n";
  for (size_t i = 0; i < ranges.size(); ++i) {
    s += fill_symbol(std::to_string(i), ranges[i].fill, outline, 0.4);
  }
  s += "    </symbols>\n";
  s += "    <classificationMethod id=\"Custom\">\n"
       "      <symmetricMode enabled=\"0\" symmetrypoint=\"0\" astride=\"0\"/>\n"
       "      <labelFormat format=\"%1 - %2\" labelprecision=\"0\" trimtrailingzeroes=\"1\"/>\n"
       "      <parameters><Option/></parameters>\n"
       "      <extraInformation/>\n"
       "    </classificationMethod>\n";
  s += "    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += simple_labeling(
      "\"name\" || '\\n' || \"villages_covered\" || '/' || \"villages_total\"", true, 8, true,
      LabelAt::PolygonCentre);
  s += vector_close(2);
  return s;
}

std::string qml_sites(const std::vector<std::string>& carriers) {
  std::vector<std::string> unique;
  for (const auto& c : carriers) {
    if (std::find(unique.begin(), unique.end(), c) == unique.end()) unique.push_back(c);
  }
  const Rgba outline{30, 30, 30, 255};
  std::string cats, syms;
  size_t others = 0;
  for (size_t i = 0; i < unique.size(); ++i) {
    const Rgba* fixed = fixed_carrier(unique[i]);
    Rgba col{};
    if (fixed) {
      col = *fixed;
    } else if (others < kCarrierOthers.size()) {
      col = kCarrierOthers[others++];
    } else {
      col = palette_color(kQualitative.size() + others++);
    }
    const std::string id = std::to_string(i);
    cats += "      <category render=\"true\"" + attr("symbol", id) + attr("value", unique[i]) +
            attr("label", unique[i]) + "/>\n";
    syms += marker_symbol(id, "triangle", col, outline, 4.0, 0.3);
  }
  // Catch-all: QGIS draws values matching no category with the category whose
  // value is empty ("all other values").
  const std::string id = std::to_string(unique.size());
  cats += "      <category render=\"true\"" + attr("symbol", id) +
          " value=\"\" label=\"other carrier\"/>\n";
  syms += marker_symbol(id, "triangle", kOtherCarrier, outline, 4.0, 0.3);

  std::string s = vector_open();
  s += "  <renderer-v2 type=\"categorizedSymbol\" attr=\"carrier\" symbollevels=\"0\""
       " forceraster=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n";
  s += "    <categories>\n" + cats + "    </categories>\n";
  s += "    <symbols>\n" + syms + "    </symbols>\n";
  s += "    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += simple_labeling("name", false, 8, false, LabelAt::AroundPoint);
  s += vector_close(0);
  return s;
}

// ------------------------------------------------------- GeoPackage storage

// ------------------------------------------------------ proposals (planning)
// Declared in styles_planning.hpp.

std::string qml_proposals() {
  const Rgba outline{35, 35, 35, 255};
  std::string s = vector_open();
  s += "  <renderer-v2 type=\"categorizedSymbol\" attr=\"backhaul\" symbollevels=\"0\""
       " forceraster=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n";
  s += "    <categories>\n";
  s += "      <category render=\"true\" symbol=\"0\" value=\"existing\""
       " label=\"backhaul: line of sight to an existing site\"/>\n";
  s += "      <category render=\"true\" symbol=\"1\" value=\"relay\""
       " label=\"backhaul: through another proposed site\"/>\n";
  s += "      <category render=\"true\" symbol=\"2\" value=\"none\""
       " label=\"backhaul: needs relay / satellite\"/>\n";
  s += "    </categories>\n    <symbols>\n";
  s += marker_symbol("0", "star", {26, 150, 65, 255}, outline, 5.0, 0.3);
  s += marker_symbol("1", "star", {253, 174, 97, 255}, outline, 5.0, 0.3);
  s += marker_symbol("2", "star", {215, 25, 28, 255}, outline, 5.0, 0.3);
  s += "    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += simple_labeling("\"site_id\" || ' ' || \"height_m\" || ' m, +' || \"villages_gained\"", true, 8, true,
                       LabelAt::AroundPoint);
  s += vector_close(0);
  return s;
}

std::string qml_backhaul() {
  const std::string in = "          ";
  std::string s = vector_open();
  s += "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\""
       " referencescale=\"-1\">\n    <symbols>\n"
       "      <symbol type=\"line\" name=\"0\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
       "        <layer class=\"SimpleLine\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
       "          <Option type=\"Map\">\n";
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"capstyle", "round"},
           {"customdash", "3;2"},
           {"customdash_unit", "MM"},
           {"joinstyle", "round"},
           {"line_color", rgba_list({94, 60, 153, 255})},
           {"line_style", "dash"},
           {"line_width", "0.6"},
           {"line_width_unit", "MM"},
           {"offset", "0"},
           {"offset_unit", "MM"},
           {"use_custom_dash", "1"}}) {
    s += in + "  " + opt(k, v) + "\n";
  }
  s += in + "</Option>\n";
  s += "        </layer>\n      </symbol>\n    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  s += simple_labeling("\"distance_km\" || ' km'", true, 8, true, LabelAt::AlongLine);
  s += vector_close(1);
  return s;
}

namespace {

const char* const kStylesTable = "layer_styles";

struct FieldSpec {
  const char* name;
  OGRFieldType type;
  int width;
};

// The columns QGIS creates (QGIS 3.22, OGR provider, "save style in
// database"): TEXT(256) for the table identification, TEXT(30) for the style
// name, owner and ui, a boolean flag and a timestamp defaulting to now.
constexpr std::array<FieldSpec, 12> kStyleFields{{{"f_table_catalog", OFTString, 256},
                                                  {"f_table_schema", OFTString, 256},
                                                  {"f_table_name", OFTString, 256},
                                                  {"f_geometry_column", OFTString, 256},
                                                  {"styleName", OFTString, 30},
                                                  {"styleQML", OFTString, 0},
                                                  {"styleSLD", OFTString, 0},
                                                  {"useAsDefault", OFTInteger, 0},
                                                  {"description", OFTString, 0},
                                                  {"owner", OFTString, 30},
                                                  {"ui", OFTString, 30},
                                                  {"update_time", OFTDateTime, 0}}};

std::string ogr_error(const std::string& what) {
  const char* msg = CPLGetLastErrorMsg();
  return "GeoPackage " + what + (msg && *msg ? std::string(": ") + msg : std::string());
}

OGRLayerH create_styles_table(GDALDatasetH ds) {
  char** opts = CSLSetNameValue(nullptr, "FID", "id");
  OGRLayerH lyr = GDALDatasetCreateLayer(ds, kStylesTable, nullptr, wkbNone, opts);
  CSLDestroy(opts);
  if (!lyr) throw Error(ogr_error("cannot create table layer_styles"));
  for (const auto& f : kStyleFields) {
    OGRFieldDefnH fd = OGR_Fld_Create(f.name, f.type);
    if (f.width > 0) OGR_Fld_SetWidth(fd, f.width);
    if (f.type == OFTInteger) OGR_Fld_SetSubType(fd, OFSTBoolean);
    if (f.type == OFTDateTime) OGR_Fld_SetDefault(fd, "CURRENT_TIMESTAMP");
    const OGRErr err = OGR_L_CreateField(lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    if (err != OGRERR_NONE) throw Error(ogr_error(std::string("cannot add column ") + f.name));
  }
  return lyr;
}

std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

int field_index(OGRLayerH lyr, const char* name) {
  const int i = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name);
  if (i < 0) throw Error(std::string("GeoPackage table layer_styles has no column ") + name);
  return i;
}

void write_style_row(OGRLayerH styles, const std::string& layer, const std::string& geom_col,
                     const std::string& qml, const std::string& style_name) {
  // Earlier rows of this layer: same style name -> replaced; others -> no
  // longer the default.
  const std::string filter = "f_table_name = " + sql_quote(layer);
  if (OGR_L_SetAttributeFilter(styles, filter.c_str()) != OGRERR_NONE) {
    throw Error(ogr_error("cannot query layer_styles"));
  }
  const int i_name = field_index(styles, "styleName");
  const int i_default = field_index(styles, "useAsDefault");
  std::vector<GIntBig> to_delete, to_clear;
  OGR_L_ResetReading(styles);
  while (OGRFeatureH f = OGR_L_GetNextFeature(styles)) {
    const std::string name = OGR_F_IsFieldSetAndNotNull(f, i_name) ? OGR_F_GetFieldAsString(f, i_name) : "";
    if (name == style_name) {
      to_delete.push_back(OGR_F_GetFID(f));
    } else if (OGR_F_GetFieldAsInteger(f, i_default) != 0) {
      to_clear.push_back(OGR_F_GetFID(f));
    }
    OGR_F_Destroy(f);
  }
  OGR_L_SetAttributeFilter(styles, nullptr);
  for (const GIntBig fid : to_delete) {
    if (OGR_L_DeleteFeature(styles, fid) != OGRERR_NONE) {
      throw Error(ogr_error("cannot replace the style of " + layer));
    }
  }
  for (const GIntBig fid : to_clear) {
    OGRFeatureH f = OGR_L_GetFeature(styles, fid);
    if (!f) continue;
    OGR_F_SetFieldInteger(f, i_default, 0);
    const OGRErr err = OGR_L_SetFeature(styles, f);
    OGR_F_Destroy(f);
    if (err != OGRERR_NONE) throw Error(ogr_error("cannot update layer_styles"));
  }

  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(styles));
  OGR_F_SetFieldString(f, field_index(styles, "f_table_catalog"), "");
  OGR_F_SetFieldString(f, field_index(styles, "f_table_schema"), "");
  OGR_F_SetFieldString(f, field_index(styles, "f_table_name"), layer.c_str());
  OGR_F_SetFieldString(f, field_index(styles, "f_geometry_column"), geom_col.c_str());
  OGR_F_SetFieldString(f, i_name, style_name.c_str());
  OGR_F_SetFieldString(f, field_index(styles, "styleQML"), qml.c_str());
  OGR_F_SetFieldString(f, field_index(styles, "styleSLD"), "");
  OGR_F_SetFieldInteger(f, i_default, 1);
  OGR_F_SetFieldString(f, field_index(styles, "description"), "phusong default style");
  OGR_F_SetFieldString(f, field_index(styles, "owner"), "");
  OGR_F_SetFieldString(f, field_index(styles, "ui"), "");
  // Fixed timestamp (UTC, tz flag 100) so that repeated runs are identical.
  OGR_F_SetFieldDateTimeEx(f, field_index(styles, "update_time"), 2000, 1, 1, 0, 0, 0.0f, 100);
  const OGRErr err = OGR_L_CreateFeature(styles, f);
  OGR_F_Destroy(f);
  if (err != OGRERR_NONE) throw Error(ogr_error("cannot insert the style of " + layer));
}

}  // namespace

void store_layer_style(GDALDatasetH gpkg, const std::string& layer,
                       const std::string& geometry_column, const std::string& qml,
                       const std::string& style_name) {
  if (!gpkg) throw Error("store_layer_style: no dataset");
  OGRLayerH target = GDALDatasetGetLayerByName(gpkg, layer.c_str());
  if (!target) {
    throw InputError(GDALGetDescription(gpkg), "layer", "'" + layer + "' does not exist",
                     "an existing layer of the GeoPackage");
  }
  if (style_name.empty() || style_name.size() > 30) {
    throw InputError(GDALGetDescription(gpkg), "styleName", "'" + style_name + "'",
                     "1 to 30 characters");
  }
  std::string geom_col = geometry_column;
  if (geom_col.empty()) {
    const char* g = OGR_L_GetGeometryColumn(target);
    geom_col = g ? g : "";
  }

  // One transaction when the caller has none open (GeoPackage supports them).
  // (Quietly: GDAL reports an error when a transaction is already active.)
  CPLPushErrorHandler(CPLQuietErrorHandler);
  const bool own_tx = GDALDatasetStartTransaction(gpkg, FALSE) == OGRERR_NONE;
  CPLPopErrorHandler();
  CPLErrorReset();
  try {
    OGRLayerH styles = GDALDatasetGetLayerByName(gpkg, kStylesTable);
    if (!styles) styles = create_styles_table(gpkg);
    write_style_row(styles, layer, geom_col, qml, style_name);
  } catch (...) {
    if (own_tx) GDALDatasetRollbackTransaction(gpkg);
    throw;
  }
  if (own_tx && GDALDatasetCommitTransaction(gpkg) != OGRERR_NONE) {
    throw Error(ogr_error("cannot commit layer_styles"));
  }
}

}  // namespace phusong::io
