#pragma once
// Small raster-graphics helpers shared by the deliverables that carry
// pictures (coverage.kmz, report.html): the received-power colour classes
// (read back from the QML style so that every output colours a value the same
// way), an RGBA image with antialiased markers, PNG encoding through GDAL's
// PNG driver in /vsimem/, base64, and a DEM hillshade through GDAL.
//
// Everything is deterministic: the same arguments give the same bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "phusong/raster/raster.hpp"

namespace phusong::io {

struct Rgba8 {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Rgba8&) const = default;
};

// "#rrggbb" -> colour with the given alpha; throws phusong::Error when the
// text is not of that form.
Rgba8 parse_hex_color(const std::string& hex, std::uint8_t alpha = 255);
// "#rrggbb" (alpha left out).
std::string hex_color(const Rgba8& c);

// One class of a DISCRETE colour ramp: values <= upper (and above the
// previous class's upper) take `color`.
struct RampClass {
  double upper = 0;
  Rgba8 color;
  std::string label;
};

// The classes of the received-power style, parsed from the QML document that
// qml_rsrp_raster(threshold_dbm) writes for rsrp_dbm.tif (its
// <colorrampshader> items, in order).  Throws like qml_rsrp_raster.
std::vector<RampClass> rsrp_ramp(double threshold_dbm);
// The same from any QML text with a <colorrampshader>; throws phusong::Error
// when there is none or an item is malformed.
std::vector<RampClass> ramp_from_qml(const std::string& qml);
// Index of the class a value falls in (QGIS's DISCRETE rule: the first class
// with value <= upper); -1 for NaN.
int ramp_class(const std::vector<RampClass>& ramp, double value);

// One category of a categorized vector style (<categories>/<symbols>: the
// first symbol layer's "color") or of a paletted raster style
// (<paletteEntry>), in document order.  `value` is the category's value
// (empty for QGIS's "all other values" category).
struct StyleCategory {
  std::string value, label;
  Rgba8 color;
};
// Throws phusong::Error when the QML has neither kind of category.
std::vector<StyleCategory> categories_from_qml(const std::string& qml);

// One range of a graduated vector style (<ranges>/<symbols>), in order.
struct StyleRange {
  double lower = 0, upper = 0;
  std::string label;
  Rgba8 color;
};
// Throws phusong::Error when the QML has no ranges.
std::vector<StyleRange> ranges_from_qml(const std::string& qml);

// An 8-bit RGBA picture, row 0 at the top, not premultiplied.
class Image {
 public:
  Image() = default;
  Image(int width, int height, Rgba8 fill = {0, 0, 0, 0});
  int width() const { return width_; }
  int height() const { return height_; }
  Rgba8 get(int x, int y) const;
  void set(int x, int y, Rgba8 c);
  // Source-over compositing of `c` with its alpha scaled by `coverage` (0..1).
  void blend(int x, int y, Rgba8 c, double coverage = 1.0);
  const std::vector<std::uint8_t>& rgba() const { return px_; }

 private:
  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> px_;
};

// Markers centred on (cx, cy) in pixels (x to the right, y down), filled
// and outlined, antialiased by 4 x 4 supersampling.
void draw_disc(Image& img, double cx, double cy, double radius_px, Rgba8 fill, Rgba8 outline,
               double outline_px);
// An upward-pointing equilateral triangle whose circumscribed circle has
// radius `radius_px`.
void draw_triangle(Image& img, double cx, double cy, double radius_px, Rgba8 fill, Rgba8 outline,
                   double outline_px);

// The PNG file of an image (RGBA, 8 bit), written by GDAL's PNG driver to
// /vsimem/ and read back.  Throws phusong::Error when GDAL fails.
std::string encode_png(const Image& img);

// Standard base64 (RFC 4648, with padding, no line breaks).
std::string base64(const std::string& bytes);

// Hillshade of a DEM on its own grid, 1..255 (GDAL DEMProcessing
// "hillshade": Horn's slope, sun azimuth 315°, altitude 45°, edges computed);
// 0 where the elevation is unknown (NaN).
Raster<std::uint8_t> hillshade(const Raster<float>& dem_m, double z_factor = 1.0);

}  // namespace phusong::io
