#pragma once
// Reading point and polygon layers from any OGR source (GeoPackage,
// GeoJSON, Shapefile, ...) or a CSV with lon/lat columns, reprojected to the
// working CRS with PROJ.
#include <string>
#include <vector>

namespace phusong::io {

enum class GeomKind { Point, Polygon };

struct VectorRow {
  std::vector<std::string> values;  // attribute values as text, one per field
  double lon = 0, lat = 0;          // WGS 84 (points: the point; polygons: centroid)
  double x = 0, y = 0;              // working CRS
  std::vector<unsigned char> wkb;   // polygons: geometry in the working CRS (ISO WKB)
  double env_min_x = 0, env_min_y = 0, env_max_x = 0, env_max_y = 0;  // envelope, working CRS
  long long fid = 0;
};

struct VectorTable {
  std::string path;
  std::vector<std::string> fields;
  std::vector<VectorRow> rows;
  // Index of a field by name (case-insensitive), or -1.
  int field(const std::string& name) const;
};

// Reads the first layer.  CSV files need lon/lat (or longitude/latitude,
// x/y) columns in WGS 84 degrees.  Throws InputError naming the file.
VectorTable read_vector(const std::string& path, const std::string& working_crs, GeomKind kind);

// The same from a file's contents held in memory (e.g. a CSV); `name` names
// it in errors and its extension chooses the format (".csv" for CSV).
VectorTable read_vector_text(const std::string& text, const std::string& name, const std::string& working_crs,
                             GeomKind kind);

}  // namespace phusong::io
