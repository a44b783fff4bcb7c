#pragma once
// coverage.kmz for Google Earth: a zipped KML document (doc.kml, first
// entry) with
//   - a GroundOverlay of the received-power raster warped to EPSG:4326
//     (files/rsrp_dbm.png, coloured with the classes of rsrp_dbm.qml;
//     no data and values below the lowest drawn class are transparent),
//     its legend in the overlay's description; with several carriers, one
//     more overlay per carrier, hidden at first;
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
#include <utility>
#include <vector>

#include "phusong/io/map_render.hpp"
#include "phusong/raster/raster.hpp"

namespace phusong {
struct RunResult;
}

namespace phusong::io {

// A received-power raster warped to EPSG:4326 (nearest neighbour, at most
// 4096 pixels a side) and coloured with the classes of
// qml_rsrp_raster(threshold_dbm); bounds in degrees.
struct GeoOverlay {
  Image image;
  double west = 0, south = 0, east = 0, north = 0;
};
GeoOverlay rsrp_overlay_wgs84(const Raster<float>& rsrp_dbm, double threshold_dbm);

// The KML document.  overlays[0] is the best server over all cells
// (files/rsrp_dbm.png, shown); when there are more, overlays[k] is
// run.by_carrier[k-1] (files/rsrp_dbm_<key>.png, hidden at first).
std::string coverage_kml(const RunResult& run, const std::vector<GeoOverlay>& overlays);

// A zip archive of `entries` (name, bytes) in the given order, written to a
// temporary name beside `path` and then renamed over it (the same atomic
// output as every other deliverable).  CPLCreateZip deflates each entry and
// stamps it with DOS date 0, so the same entries give the same bytes.  Used
// for coverage.kmz and project.qgz.  Throws phusong::Error on failure.
void write_zip_atomic(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries);

// Writes <dir>/coverage.kmz (to a temporary name, then renamed).  Throws
// phusong::Error on failure.
void write_coverage_kmz(const std::string& dir, const RunResult& run);

}  // namespace phusong::io
