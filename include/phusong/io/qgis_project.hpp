#pragma once
// project.qgs: a QGIS project (plain XML, the format QGIS 3.22 and later
// read) that opens every layer a run delivers, styled and grouped:
//
//   Villages & sites   villages, sites        (./coverage.gpkg|layername=...)
//   Communes           communes               (when the scenario has them;
//                                             listed but not shown at first)
//   Coverage rasters   received power (shown), best server, server count
//                      (./rsrp_dbm.tif, ./best_server.tif, ./server_count.tif;
//                      only the received power is shown at first)
//   Received power per carrier   ./rsrp_dbm_<carrier>.tif (not shown at first)
//
// Paths are relative to the project file, so the output folder can be moved
// or zipped as a whole.  Each layer embeds the same style as its side-car
// .qml (rasters) or its default row in coverage.gpkg's layer_styles
// (vectors): those documents are read back from the folder, so the project
// must be written after them.  Project CRS = the working CRS; initial view =
// the villages' and communes' bounding box with a margin; title = the
// scenario's name.  No timestamps: the same run gives the same bytes.
#include <string>

namespace phusong {
struct RunResult;
}

namespace phusong::io {

// The project document for the outputs in `dir` (the run's staging folder,
// which must already hold the rasters' .qml files and coverage.gpkg).
// Throws phusong::Error when a style cannot be read.
std::string qgis_project_xml(const std::string& dir, const RunResult& run);

// Writes <dir>/project.qgs (atomically).
void write_qgis_project(const std::string& dir, const RunResult& run);

}  // namespace phusong::io
