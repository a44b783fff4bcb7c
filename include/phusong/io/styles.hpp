#pragma once
// QGIS layer styles (QML documents) for phusong's outputs, and their storage
// in a GeoPackage so that QGIS applies them when the layer is opened.
//
// The QML documents follow the format QGIS 3.22 and later read (root element
// <qgis version="3.22.0" ...>, <pipe>/<rasterrenderer> for rasters,
// <renderer-v2> and <labeling type="simple"> for vector layers, symbol layer
// properties as <Option type="Map">).  They carry only the symbology and
// labelling categories; everything else keeps QGIS's defaults.
//
// For the GeoTIFF outputs the QML is written next to the raster with the same
// base name (rsrp_dbm.tif -> rsrp_dbm.qml), which QGIS loads as the default
// style.  For GeoPackage layers it goes into the `layer_styles` table.
//
// All functions are deterministic: the same arguments give the same bytes.
#include <gdal.h>

#include <string>
#include <utility>
#include <vector>

namespace phusong::io {

// rsrp_dbm.tif (Float32, dBm, NaN = nodata): singleband pseudocolour with a
// DISCRETE colour ramp.  Classes (T = threshold_dbm):
//   < T-20 transparent | T-20..T-10 red | T-10..T orange | T..T+10 yellow |
//   T+10..T+20 light green | T+20..T+40 green | >= T+40 blue.
// One class boundary is exactly T.  QGIS's DISCRETE ramp gives each item's
// colour to values <= the item's value, so a pixel exactly equal to a
// boundary takes the colour of the class below it.
// threshold_dbm must be finite (throws phusong::InputError otherwise).
std::string qml_rsrp_raster(double threshold_dbm);

// Integer rasters (best_server.tif: cell index -> "Viettel HH-01 A";
// server_count.tif: 1..N): paletted renderer, one entry per value, in the
// given order, with distinct deterministic colours (by position in the list).
// Duplicate values throw phusong::InputError.
std::string qml_paletted_raster(const std::vector<std::pair<int, std::string>>& values_labels);

// Colour given to position `i` of a list by qml_paletted_raster, as "#rrggbb".
std::string palette_color_hex(size_t i);

// villages (points): categorized on the integer field `covered`
// (1 = covered: green circle, 0 = not covered: red circle), labelled with
// `name`.  The threshold appears in the category labels.
std::string qml_villages(double threshold_dbm);

// communes (polygons): graduated fill on `pct_villages_covered` with classes
// [0, 50), [50, 80), [80, 90), [90, 100] % (each break belongs to the upper
// class: the stored bounds are 1e-6 % below 50, 80, 90 because QGIS gives a
// value equal to a bound to the lower range), semi-transparent, dark
// outline, labelled with
// "name" || '\n' || "villages_covered" || '/' || "villages_total".
std::string qml_communes();

// sites (points, one per cell): categorized on `carrier`, triangle markers.
// Fixed colours: Viettel red, VNPT blue, MobiFone teal, Vietnamobile orange
// (matched ignoring case, spaces, '-' and '_'); other carriers take colours
// from a fixed palette in the order given.  A last catch-all category (grey)
// draws carriers not in the list.  Labelled with `name`.
std::string qml_sites(const std::vector<std::string>& carriers);

// Colour of a carrier name when it is one of the fixed ones, as "#rrggbb";
// empty string otherwise.
std::string fixed_carrier_color_hex(const std::string& carrier);

// Stores `qml` as the default style of `layer` in the GeoPackage `gpkg`
// (opened for update), the way QGIS does ("Save as default" / "in database"):
//  - creates the `layer_styles` table through OGR (a non-spatial layer, so it
//    is registered in gpkg_contents as "attributes") with QGIS's columns:
//    id, f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
//    styleName, styleQML, styleSLD, useAsDefault, description, owner, ui,
//    update_time;
//  - deletes an earlier row with the same layer and style name, clears
//    useAsDefault on the layer's other rows, and inserts the new row with
//    useAsDefault = 1 and a fixed update_time (2000-01-01T00:00:00Z) so
//    that repeated runs give identical files.
// geometry_column may be empty: it is then taken from the layer.  Throws
// phusong::InputError when the layer does not exist, phusong::Error when OGR
// fails.  (gpkg_contents.last_change follows GDAL's OGR_CURRENT_DATE option.)
void store_layer_style(GDALDatasetH gpkg, const std::string& layer,
                       const std::string& geometry_column, const std::string& qml,
                       const std::string& style_name);

}  // namespace phusong::io
