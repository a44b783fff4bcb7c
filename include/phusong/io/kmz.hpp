#pragma once
// coverage.kmz for Google Earth: a zipped KML document (doc.kml, first
// entry) with
//   - a GroundOverlay of the received-power raster warped to EPSG:4326
//     (files/rsrp_dbm.png, coloured with the classes of rsrp_dbm.qml;
//     no data and values below the lowest drawn class are transparent),
//     its legend in the overlay's description;
//   - commune outlines (when the scenario has communes) with their figures;
//   - one placemark per site and carrier, coloured like the sites layer's
//     style, with a popup of its cells;
//   - one placemark per village, green when covered and red when not (the
//     villages layer's colours), with a popup of its figures (name, commune,
//     population, received power, margin, servers, serving cell/carrier).
// The archive is written with GDAL's CPLCreateZip API.  GDAL 3.6 stamps
// entries written that way with DOS date 0 (no clock), so the file is the
// same for the same run.
#include <string>

#include "phusong/io/map_render.hpp"

namespace phusong {
struct RunResult;
}

namespace phusong::io {

// The received-power raster in EPSG:4326 (nearest neighbour, at most 4096
// pixels a side), coloured; bounds in degrees.
struct GeoOverlay {
  Image image;
  double west = 0, south = 0, east = 0, north = 0;
};
GeoOverlay rsrp_overlay_wgs84(const RunResult& run);

// The KML document; `overlay` gives the GroundOverlay's LatLonBox.
std::string coverage_kml(const RunResult& run, const GeoOverlay& overlay);

// Writes <dir>/coverage.kmz (to a temporary name, then renamed).  Throws
// phusong::Error on failure.
void write_coverage_kmz(const std::string& dir, const RunResult& run);

}  // namespace phusong::io
