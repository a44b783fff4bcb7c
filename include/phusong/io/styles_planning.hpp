#pragma once
// QGIS layer styles (QML) for the outputs of `phusong propose`, written in
// src/io/styles.cpp with the other styles, in the form
// of include/phusong/io/styles.hpp (QGIS 3.22+, symbology and labelling
// only), stored with io::store_layer_style.  Deterministic.
#include <string>

namespace phusong::io {

// proposals (points): categorized on the text field `backhaul`:
//   "existing" (line of sight to an existing site) green star,
//   "relay" (line of sight to another proposed site that reaches one) amber star,
//   "none" (needs relay / satellite) red star;
// labelled with "site_id" || ' ' || "height_m" || ' m, +' || "villages_gained".
std::string qml_proposals();

// backhaul (lines): one dashed dark-violet line symbol, labelled along the
// line with "distance_km" || ' km'.
std::string qml_backhaul();

}  // namespace phusong::io
