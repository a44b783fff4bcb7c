// QGIS style of sinr_db.tif (see include/phusong/io/styles_radio.hpp).  The
// document has the same structure as the other raster styles of
// src/io/styles.cpp (QGIS 3.22 QML, singleband pseudocolour, DISCRETE ramp).
#include "phusong/io/styles_radio.hpp"

#include <limits>

namespace phusong::io {

std::string qml_sinr_raster() {
  struct Item {
    const char* value;  // inclusive upper bound
    const char* color;
    const char* label;
  };
  const Item items[] = {
      {"-5", "#d7191c", "&lt; -5 dB (no reliable service)"},
      {"0", "#fd8d3c", "-5 to 0 dB"},
      {"5", "#ffd92f", "0 to 5 dB"},
      {"10", "#a6d96a", "5 to 10 dB"},
      {"20", "#1a9641", "10 to 20 dB"},
      {"inf", "#2c7bb6", "&gt;= 20 dB"},
  };
  std::string s =
      "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
      "<qgis version=\"3.22.0\" styleCategories=\"Symbology\" hasScaleBasedVisibilityFlag=\"0\""
      " minScale=\"100000000\" maxScale=\"0\">\n"
      "  <pipe>\n"
      "    <provider>\n"
      "      <resampling enabled=\"false\" zoomedInResamplingMethod=\"nearestNeighbour\""
      " zoomedOutResamplingMethod=\"nearestNeighbour\" maxOversampling=\"2\"/>\n"
      "    </provider>\n"
      "    <rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" opacity=\"0.85\" alphaBand=\"-1\""
      " nodataColor=\"\" classificationMin=\"-10\" classificationMax=\"30\">\n"
      "      <rasterTransparency/>\n"
      "      <minMaxOrigin>\n"
      "        <limits>None</limits>\n"
      "        <extent>WholeRaster</extent>\n"
      "        <statAccuracy>Estimated</statAccuracy>\n"
      "        <cumulativeCutLower>0.02</cumulativeCutLower>\n"
      "        <cumulativeCutUpper>0.98</cumulativeCutUpper>\n"
      "        <stdDevFactor>2</stdDevFactor>\n"
      "      </minMaxOrigin>\n"
      "      <rastershader>\n"
      "        <colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" clip=\"0\""
      " labelPrecision=\"0\" minimumValue=\"-10\" maximumValue=\"30\">\n";
  for (const Item& it : items) {
    s += std::string("          <item value=\"") + it.value + "\" color=\"" + it.color + "\" alpha=\"255\" label=\"" +
         it.label + "\"/>\n";
  }
  s += "        </colorrampshader>\n      </rastershader>\n"
       "    </rasterrenderer>\n"
       "    <brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>\n"
       "    <huesaturation saturation=\"0\" grayscaleMode=\"0\" invertColors=\"0\""
       " colorizeOn=\"0\" colorizeRed=\"255\" colorizeGreen=\"128\" colorizeBlue=\"128\""
       " colorizeStrength=\"100\"/>\n"
       "    <rasterresampler maxOversampling=\"2\"/>\n"
       "    <resamplingStage>resamplingFilter</resamplingStage>\n"
       "  </pipe>\n"
       "  <blendMode>0</blendMode>\n"
       "</qgis>\n";
  return s;
}

}  // namespace phusong::io
