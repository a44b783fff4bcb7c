#pragma once
// project.qgz: a QGIS project (a zip holding project.qgs, the plain XML
// project document, as QGIS 3.22 and later save it) that opens every layer a
// run delivers, styled and grouped:
//
//   Villages & sites   villages, sites        (./coverage.gpkg|layername=...)
//   Communes           communes               (when the scenario has them;
//                                             listed but not shown at first)
//   Coverage rasters   received power (shown), best server, server count
//                      (./rsrp_dbm.tif, ./best_server.tif, ./server_count.tif;
//                      only the received power is shown at first)
//   Received power per carrier   ./rsrp_dbm_<carrier>.tif (not shown at first)
//
// Paths are relative to the project file (QGIS resolves them against the
// .qgz's folder), so the output folder can be moved or zipped as a whole.  Each layer embeds the same style as its side-car
// .qml (rasters) or its default row in coverage.gpkg's layer_styles
// (vectors): those documents are read back from the folder, so the project
// must be written after them.  Project CRS = the working CRS; initial view =
// the villages' and communes' bounding box with a margin; title = the
// scenario's name.  No timestamps: the same run gives the same bytes.
// `phusong compare` writes a project of its own outputs with the same
// writer (QgisProject below).
#include <limits>
#include <string>
#include <vector>

namespace phusong {
struct RunResult;
}

namespace phusong::io {

// One layer of a project, by a source relative to the project's folder.
struct QgisLayer {
  std::string id;             // unique, more than 10 characters (QGIS renews shorter ids)
  std::string name;           // in the layer panel
  bool raster = false;        // raster (provider gdal) or vector (provider ogr)
  std::string source;         // "./x.tif" or "./x.gpkg|layername=y"
  std::string geometry = "Point", wkb_type = "Point";  // vectors: e.g. "Polygon", "MultiPolygon"
  std::string crs_wkt;        // the layer's CRS; empty: the project's
  double x_min = std::numeric_limits<double>::quiet_NaN(), y_min = x_min, x_max = x_min,
         y_max = x_min;       // extent in the layer's CRS (NaN: none written)
  std::string qml;            // its style, a QML document, embedded in the project
  bool visible = true;
};
struct QgisGroup {
  std::string name;
  std::vector<QgisLayer> layers;  // top first
};
struct QgisProject {
  std::string title, abstract;
  std::string crs_wkt;            // project CRS
  double view_x_min = 0, view_y_min = 0, view_x_max = 0, view_y_max = 0;  // initial view, project CRS
  std::vector<QgisGroup> groups;  // top first
};

// The project document (.qgs XML).  Throws phusong::Error when a style does
// not parse or a layer id is too short or repeated.
std::string qgis_project_xml(const QgisProject& project);

// Writes `path` (a .qgz) atomically with write_zip_atomic: one entry,
// <stem>.qgs, holding qgis_project_xml(project).
void write_qgis_project(const std::string& path, const QgisProject& project);

// The default style (QML) of `layer` in the GeoPackage's layer_styles table.
// Throws phusong::Error when there is none.
std::string gpkg_default_style(const std::string& gpkg, const std::string& layer);

// The project of a run's outputs in `dir` (the run's staging folder, which
// must already hold the rasters' .qml files and coverage.gpkg).  Throws
// phusong::Error when a style cannot be read.
QgisProject qgis_project_of_run(const std::string& dir, const RunResult& run);

// qgis_project_xml(qgis_project_of_run(dir, run)).
std::string qgis_project_xml(const std::string& dir, const RunResult& run);

// Writes <dir>/project.qgz: one entry, project.qgs.
void write_qgis_project(const std::string& dir, const RunResult& run);

}  // namespace phusong::io
