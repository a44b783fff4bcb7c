#include "phusong/io/vector_input.hpp"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <strings.h>
#include <type_traits>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong::io {

int VectorTable::field(const std::string& name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (strcasecmp(fields[i].c_str(), name.c_str()) == 0) return static_cast<int>(i);
  return -1;
}

namespace {
bool is_csv(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".csv" || ext == ".txt";
}

// A CSV header naming a column twice is refused before GDAL reads it: it is
// ambiguous (which `lon`?), and GDAL 3.6's CSV driver crashes on some such
// headers with the lon/lat options used here (found by tests/fuzz/fuzz_csv).
// The delimiter is picked as GDAL does for a header: comma, else semicolon,
// else tab.
void check_csv_header(const std::string& path, std::string line) {
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
  const auto nl = line.find_first_of("\r\n");
  if (nl != std::string::npos) line.resize(nl);
  const char sep = line.find(',') != std::string::npos   ? ','
                   : line.find(';') != std::string::npos ? ';'
                   : line.find('\t') != std::string::npos ? '\t'
                                                          : ',';
  std::vector<std::string> names(1);
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') {
      quoted = !quoted;
    } else if (ch == sep && !quoted) {
      names.emplace_back();
    } else {
      names.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  for (auto& n : names) {
    const auto b = n.find_first_not_of(" \t"), e = n.find_last_not_of(" \t");
    n = b == std::string::npos ? "" : n.substr(b, e - b + 1);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) continue;
    for (size_t j = i + 1; j < names.size(); ++j) {
      if (names[j] == names[i]) {
        throw InputError(path, "header", "column '" + names[i] + "' appears more than once (columns " +
                                             std::to_string(i + 1) + " and " + std::to_string(j + 1) + ")",
                         "each column name once");
      }
    }
  }
}

std::string first_line_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  char ch;
  while (line.size() < (1u << 20) && in.get(ch) && ch != '\n') line += ch;
  return line;
}
}  // namespace

namespace {
VectorTable read_dataset(const std::string& path, const std::string& gdal_path, const std::string& working_crs,
                         GeomKind kind, const char* const* drivers = nullptr);
}  // namespace

VectorTable read_vector(const std::string& path, const std::string& working_crs, GeomKind kind) {
  gdal_init();
  if (!std::filesystem::exists(path)) {
    throw InputError(path, "file", "file not found", "an existing vector file or CSV");
  }
  if (is_csv(path)) check_csv_header(path, first_line_of_file(path));
  return read_dataset(path, path, working_crs, kind);
}

VectorTable read_vector_text(const std::string& text, const std::string& name, const std::string& working_crs,
                             GeomKind kind) {
  gdal_init();
  if (is_csv(name)) check_csv_header(name, text.substr(0, std::min<size_t>(text.size(), 1u << 20)));
  // A private in-memory file named after `name` (its extension picks the driver).
  static std::atomic<unsigned long long> serial{0};
  const std::string mem = "/vsimem/phusong_text_" + std::to_string(serial++) + "/" +
                          std::filesystem::path(name).filename().string();
  VSILFILE* f = VSIFileFromMemBuffer(mem.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(text.data())),
                                     static_cast<vsi_l_offset>(text.size()), FALSE);
  if (!f) throw Error("cannot create the in-memory file " + mem);
  VSIFCloseL(f);
  struct Unlink {
    std::string p;
    ~Unlink() { VSIUnlink(p.c_str()); }
  } unlink{mem};
  // Text named .csv is read by the CSV driver only (not sniffed as another format).
  const char* const csv_only[] = {"CSV", nullptr};
  return read_dataset(name, mem, working_crs, kind, is_csv(name) ? csv_only : nullptr);
}

namespace {

VectorTable read_dataset(const std::string& path, const std::string& gdal_path, const std::string& working_crs,
                         GeomKind kind, const char* const* drivers) {
  const bool csv = is_csv(path);
  const char* csv_opts[] = {"X_POSSIBLE_NAMES=lon,longitude,lng,x", "Y_POSSIBLE_NAMES=lat,latitude,y",
                            "KEEP_GEOM_COLUMNS=NO", "AUTODETECT_TYPE=NO", nullptr};
  GdalDataset ds(GDALOpenEx(gdal_path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, csv ? csv_opts : nullptr,
                            nullptr));
  if (!ds) {
    throw InputError(path, "file", "cannot open as a vector layer: " + gdal_last_error(),
                     "a GDAL/OGR vector format (GeoPackage, GeoJSON, Shapefile) or a CSV with lon/lat");
  }
  if (GDALDatasetGetLayerCount(ds.get()) < 1) throw InputError(path, "layer", "no layer in file", "one layer");
  OGRLayerH layer = GDALDatasetGetLayer(ds.get(), 0);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);

  VectorTable t;
  t.path = path;
  const int nf = OGR_FD_GetFieldCount(defn);
  for (int i = 0; i < nf; ++i) t.fields.emplace_back(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
  if (csv && OGR_FD_GetGeomFieldCount(defn) == 0) {
    throw InputError(path, "lon/lat", "CSV has no longitude/latitude columns",
                     "columns named lon and lat (WGS 84 degrees)");
  }
  // Source CRS: the layer's; CSV without one is WGS 84 lon/lat.
  std::string src_crs = kWgs84;
  if (OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer)) {
    char* w = nullptr;
    const char* o[] = {"FORMAT=WKT2_2019", nullptr};
    OSRExportToWktEx(srs, &w, o);
    if (w) src_crs = w;
    CPLFree(w);
  } else if (!csv) {
    throw InputError(path, "crs", "layer has no coordinate reference system", "a layer with a CRS");
  }
  Transformer to_work(src_crs, working_crs);
  Transformer to_ll(src_crs, kWgs84);
  OsrHandle work_srs(OSRNewSpatialReference(nullptr));
  OSRSetFromUserInput(static_cast<OGRSpatialReferenceH>(work_srs.get()), working_crs.c_str());
  OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(work_srs.get()), OAMS_TRADITIONAL_GIS_ORDER);
  OsrHandle src_srs(OSRNewSpatialReference(nullptr));
  OSRSetFromUserInput(static_cast<OGRSpatialReferenceH>(src_srs.get()), src_crs.c_str());
  OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(src_srs.get()), OAMS_TRADITIONAL_GIS_ORDER);
  // Released on every path, errors included.
  struct CtDeleter {
    void operator()(OGRCoordinateTransformationH h) const { OCTDestroyCoordinateTransformation(h); }
  };
  std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, CtDeleter> ct_owner;
  OGRCoordinateTransformationH ct = nullptr;
  if (kind == GeomKind::Polygon) {
    ct = OCTNewCoordinateTransformation(static_cast<OGRSpatialReferenceH>(src_srs.get()),
                                        static_cast<OGRSpatialReferenceH>(work_srs.get()));
    if (!ct) throw InputError(path, "crs", "cannot transform to the working CRS " + working_crs);
    ct_owner.reset(ct);
  }

  OGR_L_ResetReading(layer);
  long long rowno = 0;
  while (OgrFeature f{OGR_L_GetNextFeature(layer)}) {
    ++rowno;
    OGRFeatureH fh = static_cast<OGRFeatureH>(f.get());
    VectorRow row;
    row.fid = OGR_F_GetFID(fh);
    for (int i = 0; i < nf; ++i) {
      row.values.emplace_back(OGR_F_IsFieldSetAndNotNull(fh, i) ? OGR_F_GetFieldAsString(fh, i) : "");
    }
    OGRGeometryH g = OGR_F_GetGeometryRef(fh);
    // CSV rows are numbered as in a spreadsheet (header = row 1).
    const std::string where = csv ? "row " + std::to_string(rowno + 1) : "feature " + std::to_string(rowno);
    if (!g || OGR_G_IsEmpty(g)) {
      if (csv) throw InputError(path, where, "lon/lat empty or not numbers", "lon and lat in WGS 84 degrees on every row");
      throw InputError(path, where, "missing geometry", "a valid location for every feature");
    }
    const auto gtype = wkbFlatten(OGR_G_GetGeometryType(g));
    if (kind == GeomKind::Point) {
      if (gtype != wkbPoint) throw InputError(path, where, "geometry is not a point", "point features");
      const double sx = OGR_G_GetX(g, 0), sy = OGR_G_GetY(g, 0);
      if (!std::isfinite(sx) || !std::isfinite(sy)) {
        throw InputError(path, where, "non-finite coordinates", "finite lon/lat");
      }
      if (csv && (std::abs(sx) > 180.0 || std::abs(sy) > 90.0)) {
        throw InputError(path, where, "lon " + fmt_num(sx) + ", lat " + fmt_num(sy) + " out of range",
                         "lon -180 to 180 and lat -90 to 90 (WGS 84 degrees; are lon and lat swapped?)");
      }
      std::tie(row.x, row.y) = to_work.forward(sx, sy);
      std::tie(row.lon, row.lat) = to_ll.forward(sx, sy);
      row.env_min_x = row.env_max_x = row.x;
      row.env_min_y = row.env_max_y = row.y;
      if (!std::isfinite(row.x) || !std::isfinite(row.lon) || std::abs(row.lat) > 90.0) {
        throw InputError(path, where, "coordinates cannot be projected", "lon in [-180,180], lat in [-90,90]");
      }
    } else {
      if (gtype != wkbPolygon && gtype != wkbMultiPolygon) {
        throw InputError(path, where, "geometry is not a polygon", "polygon or multipolygon features");
      }
      OgrGeometry gc(OGR_G_Clone(g));
      if (OGR_G_Transform(static_cast<OGRGeometryH>(gc.get()), ct) != OGRERR_NONE) {
        throw InputError(path, where, "polygon cannot be projected to " + working_crs);
      }
      row.wkb.resize(static_cast<size_t>(OGR_G_WkbSize(static_cast<OGRGeometryH>(gc.get()))));
      OGR_G_ExportToIsoWkb(static_cast<OGRGeometryH>(gc.get()), wkbNDR, row.wkb.data());
      OGREnvelope env;
      OGR_G_GetEnvelope(static_cast<OGRGeometryH>(gc.get()), &env);
      row.env_min_x = env.MinX;
      row.env_min_y = env.MinY;
      row.env_max_x = env.MaxX;
      row.env_max_y = env.MaxY;
      OgrGeometry cen(OGR_G_CreateGeometry(wkbPoint));
      OGR_G_Centroid(static_cast<OGRGeometryH>(gc.get()), static_cast<OGRGeometryH>(cen.get()));
      row.x = OGR_G_GetX(static_cast<OGRGeometryH>(cen.get()), 0);
      row.y = OGR_G_GetY(static_cast<OGRGeometryH>(cen.get()), 0);
      Transformer back(working_crs, kWgs84);
      std::tie(row.lon, row.lat) = back.forward(row.x, row.y);
    }
    t.rows.push_back(std::move(row));
  }
  if (t.rows.empty()) throw InputError(path, "layer", "no features", "at least one feature");
  return t;
}

}  // namespace

}  // namespace phusong::io
