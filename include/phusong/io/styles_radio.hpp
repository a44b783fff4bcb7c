#pragma once
// QGIS styles for the radio-quality rasters (sinr_db.tif), written with the
// other raster styles in src/io/styles.cpp (one DISCRETE-ramp writer).
#include <string>
#include <utility>
#include <vector>

namespace phusong::io {

// sinr_db.tif (Float32, dB, NaN = nodata): singleband pseudocolour with a
// DISCRETE ramp: < -5 red, -5..0 orange, 0..5 yellow, 5..10 light green,
// 10..20 green, >= 20 blue (the usual LTE downlink quality bands: below
// -5 dB no reliable control channel, above 20 dB the highest MCS).
std::string qml_sinr_raster();

}  // namespace phusong::io
