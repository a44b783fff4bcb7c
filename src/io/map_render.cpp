#include "phusong/io/map_render.hpp"

#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_utils.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "phusong/core/error.hpp"
#include "phusong/io/styles.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong::io {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Locale-independent number parsing ("inf" included).
bool parse_double(const char* s, double& out) {
  if (!s) return false;
  const char* end = s + std::strlen(s);
  const auto res = std::from_chars(s, end, out);
  return res.ec == std::errc() && res.ptr == end;
}

// A parsed QML document; `root` is its <qgis> element (the parser returns the
// <!DOCTYPE> node first, with <qgis> as its sibling).
struct XmlTree {
  CPLXMLNode* doc = nullptr;
  CPLXMLNode* root = nullptr;
  explicit XmlTree(const std::string& text) : doc(CPLParseXMLString(text.c_str())) {
    if (doc) root = CPLSearchXMLNode(doc, "=qgis");
  }
  ~XmlTree() {
    if (doc) CPLDestroyXMLNode(doc);
  }
  XmlTree(const XmlTree&) = delete;
  XmlTree& operator=(const XmlTree&) = delete;
};

// Unique /vsimem/ names (one per call, any thread).
std::string vsimem_name(const char* stem, const char* ext) {
  static std::atomic<unsigned long long> counter{0};
  return std::string("/vsimem/phusong-") + stem + "-" + std::to_string(counter.fetch_add(1)) + ext;
}

}  // namespace

Rgba8 parse_hex_color(const std::string& hex, std::uint8_t alpha) {
  if (hex.size() != 7 || hex[0] != '#') throw Error("colour '" + hex + "' is not of the form #rrggbb");
  int v[6];
  for (int i = 0; i < 6; ++i) {
    v[i] = hex_digit(hex[i + 1]);
    if (v[i] < 0) throw Error("colour '" + hex + "' is not of the form #rrggbb");
  }
  return {static_cast<std::uint8_t>(v[0] * 16 + v[1]), static_cast<std::uint8_t>(v[2] * 16 + v[3]),
          static_cast<std::uint8_t>(v[4] * 16 + v[5]), alpha};
}

std::string hex_color(const Rgba8& c) {
  static const char* digits = "0123456789abcdef";
  std::string s = "#";
  for (const int x : {c.r, c.g, c.b}) {
    s += digits[x / 16];
    s += digits[x % 16];
  }
  return s;
}

std::vector<RampClass> ramp_from_qml(const std::string& qml) {
  XmlTree doc(qml);
  if (!doc.root) throw Error("colour ramp: the QML does not parse as a QML document");
  const CPLXMLNode* shader = CPLSearchXMLNode(doc.root, "colorrampshader");
  if (!shader) throw Error("colour ramp: the QML has no <colorrampshader>");
  std::vector<RampClass> out;
  for (const CPLXMLNode* n = shader->psChild; n; n = n->psNext) {
    if (n->eType != CXT_Element || std::strcmp(n->pszValue, "item") != 0) continue;
    RampClass c;
    double alpha = 255;
    if (!parse_double(CPLGetXMLValue(n, "value", nullptr), c.upper) ||
        !parse_double(CPLGetXMLValue(n, "alpha", "255"), alpha) || alpha < 0 || alpha > 255) {
      throw Error("colour ramp: malformed <item> in the QML");
    }
    c.color = parse_hex_color(CPLGetXMLValue(n, "color", ""), static_cast<std::uint8_t>(alpha));
    c.label = CPLGetXMLValue(n, "label", "");
    out.push_back(std::move(c));
  }
  if (out.empty()) throw Error("colour ramp: the QML's <colorrampshader> has no items");
  return out;
}

std::vector<RampClass> rsrp_ramp(double threshold_dbm) { return ramp_from_qml(qml_rsrp_raster(threshold_dbm)); }

namespace {

std::vector<const CPLXMLNode*> children(const CPLXMLNode* parent, const char* name) {
  std::vector<const CPLXMLNode*> v;
  for (const CPLXMLNode* n = parent ? parent->psChild : nullptr; n; n = n->psNext) {
    if (n->eType == CXT_Element && std::strcmp(n->pszValue, name) == 0) v.push_back(n);
  }
  return v;
}

// The "color" property ("r,g,b,a") of the first symbol layer of the symbol
// named `name` in <symbols>.
Rgba8 symbol_color(const CPLXMLNode* syms, const std::string& name) {
  const CPLXMLNode* symbol = nullptr;
  for (const CPLXMLNode* s : children(syms, "symbol")) {
    if (name == CPLGetXMLValue(s, "name", "")) symbol = s;
  }
  const CPLXMLNode* layer = symbol ? CPLGetXMLNode(symbol, "layer") : nullptr;
  const CPLXMLNode* map = layer ? CPLGetXMLNode(layer, "Option") : nullptr;
  std::string rgba;
  for (const CPLXMLNode* o : children(map, "Option")) {
    if (std::strcmp(CPLGetXMLValue(o, "name", ""), "color") == 0) rgba = CPLGetXMLValue(o, "value", "");
  }
  int v[4] = {0, 0, 0, 255};
  if (std::sscanf(rgba.c_str(), "%d,%d,%d,%d", &v[0], &v[1], &v[2], &v[3]) < 3) {
    throw Error("QML style: symbol " + name + " has no colour");
  }
  auto u8 = [](int x) { return static_cast<std::uint8_t>(std::clamp(x, 0, 255)); };
  return {u8(v[0]), u8(v[1]), u8(v[2]), u8(v[3])};
}

}  // namespace

std::vector<StyleRange> ranges_from_qml(const std::string& qml) {
  XmlTree doc(qml);
  if (!doc.root) throw Error("style ranges: the QML does not parse as a QML document");
  const CPLXMLNode* ranges = CPLSearchXMLNode(doc.root, "ranges");
  const CPLXMLNode* syms = CPLSearchXMLNode(doc.root, "symbols");
  std::vector<StyleRange> out;
  for (const CPLXMLNode* r : children(ranges, "range")) {
    StyleRange x;
    if (!parse_double(CPLGetXMLValue(r, "lower", nullptr), x.lower) ||
        !parse_double(CPLGetXMLValue(r, "upper", nullptr), x.upper)) {
      throw Error("style ranges: malformed <range>");
    }
    x.label = CPLGetXMLValue(r, "label", "");
    x.color = symbol_color(syms, CPLGetXMLValue(r, "symbol", ""));
    out.push_back(std::move(x));
  }
  if (out.empty()) throw Error("style ranges: the QML has no ranges");
  return out;
}

std::vector<StyleCategory> categories_from_qml(const std::string& qml) {
  XmlTree doc(qml);
  if (!doc.root) throw Error("style categories: the QML does not parse as a QML document");
  std::vector<StyleCategory> out;
  if (const CPLXMLNode* palette = CPLSearchXMLNode(doc.root, "colorPalette")) {
    for (const CPLXMLNode* e : children(palette, "paletteEntry")) {
      double alpha = 255;
      if (!parse_double(CPLGetXMLValue(e, "alpha", "255"), alpha) || alpha < 0 || alpha > 255) {
        throw Error("style categories: malformed <paletteEntry>");
      }
      out.push_back({CPLGetXMLValue(e, "value", ""), CPLGetXMLValue(e, "label", ""),
                     parse_hex_color(CPLGetXMLValue(e, "color", ""), static_cast<std::uint8_t>(alpha))});
    }
    return out;
  }
  const CPLXMLNode* cats = CPLSearchXMLNode(doc.root, "categories");
  const CPLXMLNode* syms = CPLSearchXMLNode(doc.root, "symbols");
  if (!cats || !syms) throw Error("style categories: the QML has no categories");
  for (const CPLXMLNode* c : children(cats, "category")) {
    out.push_back({CPLGetXMLValue(c, "value", ""), CPLGetXMLValue(c, "label", ""),
                   symbol_color(syms, CPLGetXMLValue(c, "symbol", ""))});
  }
  if (out.empty()) throw Error("style categories: the QML has no categories");
  return out;
}

int ramp_class(const std::vector<RampClass>& ramp, double value) {
  if (std::isnan(value)) return -1;
  for (size_t i = 0; i < ramp.size(); ++i) {
    if (value <= ramp[i].upper) return static_cast<int>(i);
  }
  return -1;  // above the last class (only when its upper bound is finite)
}

// ------------------------------------------------------------------ Image

Image::Image(int width, int height, Rgba8 fill) : width_(width), height_(height) {
  if (width <= 0 || height <= 0) throw Error("image size must be positive");
  px_.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
  for (size_t i = 0; i < px_.size(); i += 4) {
    px_[i] = fill.r;
    px_[i + 1] = fill.g;
    px_[i + 2] = fill.b;
    px_[i + 3] = fill.a;
  }
}

Rgba8 Image::get(int x, int y) const {
  const size_t i = (static_cast<size_t>(y) * width_ + x) * 4;
  return {px_[i], px_[i + 1], px_[i + 2], px_[i + 3]};
}

void Image::set(int x, int y, Rgba8 c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t i = (static_cast<size_t>(y) * width_ + x) * 4;
  px_[i] = c.r;
  px_[i + 1] = c.g;
  px_[i + 2] = c.b;
  px_[i + 3] = c.a;
}

void Image::blend(int x, int y, Rgba8 c, double coverage) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const double sa = std::clamp(coverage, 0.0, 1.0) * c.a / 255.0;
  if (sa <= 0) return;
  const Rgba8 d = get(x, y);
  const double da = d.a / 255.0;
  const double oa = sa + da * (1 - sa);
  auto ch = [&](double s, double dst) {
    const double v = (s * sa + dst * da * (1 - sa)) / oa;
    return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
  };
  set(x, y, {ch(c.r, d.r), ch(c.g, d.g), ch(c.b, d.b), static_cast<std::uint8_t>(std::lround(oa * 255))});
}

namespace {

// Draws a shape given by `inside(x, y)` -> 0 outside, 1 outline, 2 fill,
// over the pixel box [x0, x1] x [y0, y1], 4 x 4 samples per pixel.
template <typename F>
void draw_shape(Image& img, double x0, double y0, double x1, double y1, Rgba8 fill, Rgba8 outline, F inside) {
  const int ix0 = std::max(0, static_cast<int>(std::floor(x0)));
  const int iy0 = std::max(0, static_cast<int>(std::floor(y0)));
  const int ix1 = std::min(img.width() - 1, static_cast<int>(std::ceil(x1)));
  const int iy1 = std::min(img.height() - 1, static_cast<int>(std::ceil(y1)));
  constexpr int kSub = 4;
  for (int y = iy0; y <= iy1; ++y) {
    for (int x = ix0; x <= ix1; ++x) {
      int n_fill = 0, n_line = 0;
      for (int sy = 0; sy < kSub; ++sy) {
        for (int sx = 0; sx < kSub; ++sx) {
          const int k = inside(x + (sx + 0.5) / kSub, y + (sy + 0.5) / kSub);
          n_fill += k == 2;
          n_line += k == 1;
        }
      }
      if (n_fill) img.blend(x, y, fill, n_fill / double(kSub * kSub));
      if (n_line) img.blend(x, y, outline, n_line / double(kSub * kSub));
    }
  }
}

}  // namespace

void draw_disc(Image& img, double cx, double cy, double radius_px, Rgba8 fill, Rgba8 outline, double outline_px) {
  const double r_in = std::max(0.0, radius_px - outline_px);
  draw_shape(img, cx - radius_px, cy - radius_px, cx + radius_px, cy + radius_px, fill, outline,
             [&](double x, double y) {
               const double d = std::hypot(x - cx, y - cy);
               return d <= r_in ? 2 : (d <= radius_px ? 1 : 0);
             });
}

void draw_triangle(Image& img, double cx, double cy, double radius_px, Rgba8 fill, Rgba8 outline,
                   double outline_px) {
  // Signed distances to the three edges (inward normals); the inradius is
  // radius/2.  A point is inside when all three are >= 0.
  const double kPi = 3.14159265358979323846;
  double nx[3], ny[3];
  for (int i = 0; i < 3; ++i) {
    // Edge normals point outward at 90°, 210°, 330° (y down: 90° = down).
    const double a = (90.0 + 120.0 * i) * kPi / 180.0;
    nx[i] = std::cos(a);
    ny[i] = std::sin(a);
  }
  const double inr = radius_px / 2.0;
  draw_shape(img, cx - radius_px, cy - radius_px, cx + radius_px, cy + radius_px, fill, outline,
             [&](double x, double y) {
               double worst = -1e300;
               for (int i = 0; i < 3; ++i) worst = std::max(worst, (x - cx) * nx[i] + (y - cy) * ny[i] - inr);
               return worst <= -outline_px ? 2 : (worst <= 0 ? 1 : 0);
             });
}

// ------------------------------------------------------------------ PNG

std::string encode_png(const Image& img) {
  gdal_init();
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDriverH png = GDALGetDriverByName("PNG");
  if (!mem || !png) throw Error("GDAL's MEM or PNG driver is missing");
  GdalDataset src(GDALCreate(mem, "", img.width(), img.height(), 4, GDT_Byte, nullptr));
  if (!src) throw Error("cannot create an in-memory image: " + gdal_last_error());
  std::vector<std::uint8_t> buf = img.rgba();
  int bands[4] = {1, 2, 3, 4};
  if (GDALDatasetRasterIO(src.get(), GF_Write, 0, 0, img.width(), img.height(), buf.data(), img.width(),
                          img.height(), GDT_Byte, 4, bands, 4, 4 * static_cast<GSpacing>(img.width()), 1) != CE_None) {
    throw Error("cannot fill an in-memory image: " + gdal_last_error());
  }
  const GDALColorInterp ci[4] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand};
  for (int b = 0; b < 4; ++b) GDALSetRasterColorInterpretation(GDALGetRasterBand(src.get(), b + 1), ci[b]);
  const std::string name = vsimem_name("image", ".png");
  // No auxiliary .aux.xml or metadata chunks: nothing but the pixels.
  char** opts = CSLSetNameValue(nullptr, "WRITE_METADATA_AS_TEXT", "NO");
  GDALDatasetH out = GDALCreateCopy(png, name.c_str(), src.get(), FALSE, opts, nullptr, nullptr);
  CSLDestroy(opts);
  if (!out) throw Error("cannot encode PNG: " + gdal_last_error());
  GDALClose(out);
  vsi_l_offset len = 0;
  GByte* data = VSIGetMemFileBuffer(name.c_str(), &len, TRUE);
  VSIUnlink((name + ".aux.xml").c_str());
  if (!data) throw Error("cannot read back the PNG from " + name);
  std::string bytes(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
  CPLFree(data);
  return bytes;
}

std::string base64(const std::string& bytes) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = p[i] << 16;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// ------------------------------------------------------------------ hillshade

Raster<std::uint8_t> hillshade(const Raster<float>& dem_m, double z_factor) {
  gdal_init();
  const Grid& g = dem_m.grid();
  GdalDataset src(GDALCreate(GDALGetDriverByName("MEM"), "", g.cols, g.rows, 1, GDT_Float32, nullptr));
  if (!src) throw Error("cannot create an in-memory DEM: " + gdal_last_error());
  double gt[6];
  g.geotransform(gt);
  GDALSetGeoTransform(src.get(), gt);
  GDALRasterBandH band = GDALGetRasterBand(src.get(), 1);
  GDALSetRasterNoDataValue(band, std::nan(""));
  std::vector<float> buf = dem_m.data();
  if (GDALRasterIO(band, GF_Write, 0, 0, g.cols, g.rows, buf.data(), g.cols, g.rows, GDT_Float32, 0, 0) != CE_None) {
    throw Error("cannot fill an in-memory DEM: " + gdal_last_error());
  }
  const std::string z = std::to_string(z_factor);
  const char* argv[] = {"-of", "MEM", "-compute_edges", "-z", z.c_str(), "-az", "315", "-alt", "45", nullptr};
  GDALDEMProcessingOptions* o = GDALDEMProcessingOptionsNew(const_cast<char**>(argv), nullptr);
  if (!o) throw Error("hillshade: bad options");
  int usage_error = 0;
  GdalDataset hs(GDALDEMProcessing("", src.get(), "hillshade", nullptr, o, &usage_error));
  GDALDEMProcessingOptionsFree(o);
  if (!hs) throw Error("hillshade failed: " + gdal_last_error());
  Raster<std::uint8_t> out(g, 0);
  if (GDALRasterIO(GDALGetRasterBand(hs.get(), 1), GF_Read, 0, 0, g.cols, g.rows, out.data().data(), g.cols, g.rows,
                   GDT_Byte, 0, 0) != CE_None) {
    throw Error("cannot read the hillshade: " + gdal_last_error());
  }
  // GDAL writes 0 for no data; keep that meaning and lift real zeros to 1.
  for (size_t i = 0; i < out.data().size(); ++i) {
    if (std::isnan(dem_m.data()[i])) {
      out.data()[i] = 0;
    } else if (out.data()[i] == 0) {
      out.data()[i] = 1;
    }
  }
  return out;
}

}  // namespace phusong::io
