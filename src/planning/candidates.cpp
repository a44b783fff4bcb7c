// Candidate positions for new sites: terrain peaks and ridge cells thinned on
// a lattice, the user's list, and the optional restrictions (allowed area,
// exclusion polygons, roads, separation from existing sites).  Geometry tests
// use the GEOS C API with a reentrant (_r) context per call.
#include "phusong/planning/candidates.hpp"

#include <cpl_conv.h>
#include <geos_c.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "phusong/core/error.hpp"
#include "phusong/io/vector_input.hpp"
#include "phusong/raster/gdal_raii.hpp"

namespace phusong::planning {

namespace {

// A GEOS context plus the geometries and prepared geometries it owns.
class Geos {
 public:
  Geos() : h_(GEOS_init_r()) {}
  ~Geos() {
    for (auto* p : prepared_) GEOSPreparedGeom_destroy_r(h_, p);
    for (auto* g : owned_) GEOSGeom_destroy_r(h_, g);
    GEOS_finish_r(h_);
  }
  Geos(const Geos&) = delete;
  Geos& operator=(const Geos&) = delete;
  GEOSContextHandle_t h() const { return h_; }
  GEOSGeometry* own(GEOSGeometry* g) {
    if (g) owned_.push_back(g);
    return g;
  }
  const GEOSPreparedGeometry* prepare(const GEOSGeometry* g) {
    const GEOSPreparedGeometry* p = GEOSPrepare_r(h_, g);
    if (p) prepared_.push_back(p);
    return p;
  }
  // Union of WKB geometries (collection then unary union); nullptr when empty.
  GEOSGeometry* union_of(const std::vector<std::vector<unsigned char>>& wkbs, const std::string& path) {
    if (wkbs.empty()) return nullptr;
    GEOSWKBReader* rd = GEOSWKBReader_create_r(h_);
    std::vector<GEOSGeometry*> parts;
    for (const auto& w : wkbs) {
      GEOSGeometry* g = GEOSWKBReader_read_r(h_, rd, w.data(), w.size());
      if (!g) {
        for (auto* p : parts) GEOSGeom_destroy_r(h_, p);
        GEOSWKBReader_destroy_r(h_, rd);
        throw InputError(path, "geometry", "invalid geometry", "valid polygons or lines");
      }
      if (GEOSisValid_r(h_, g) != 1) {  // repair self-intersections before the union
        GEOSGeometry* fixed = GEOSMakeValid_r(h_, g);
        GEOSGeom_destroy_r(h_, g);
        g = fixed;
      }
      if (g) parts.push_back(g);
    }
    GEOSWKBReader_destroy_r(h_, rd);
    GEOSGeometry* coll = GEOSGeom_createCollection_r(h_, GEOS_GEOMETRYCOLLECTION, parts.data(),
                                                     static_cast<unsigned>(parts.size()));
    GEOSGeometry* u = GEOSUnaryUnion_r(h_, coll);
    GEOSGeom_destroy_r(h_, coll);
    if (!u) throw InputError(path, "geometry", "cannot merge the geometries", "valid polygons or lines");
    return own(u);
  }
  bool contains(const GEOSPreparedGeometry* p, double x, double y) const {
    GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(h_, x, y);
    const bool in = GEOSPreparedIntersects_r(h_, p, pt) == 1;
    GEOSGeom_destroy_r(h_, pt);
    return in;
  }
  bool within_distance(const GEOSPreparedGeometry* p, double x, double y, double d) const {
    GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(h_, x, y);
    const bool in = GEOSPreparedDistanceWithin_r(h_, p, pt, d) == 1;
    GEOSGeom_destroy_r(h_, pt);
    return in;
  }

 private:
  GEOSContextHandle_t h_;
  std::vector<GEOSGeometry*> owned_;
  std::vector<const GEOSPreparedGeometry*> prepared_;
};

// Line (or any) geometries of the first layer of an OGR source, as ISO WKB in
// the working CRS.
std::vector<std::vector<unsigned char>> read_lines(const std::string& path, const std::string& working_crs,
                                                   const std::string& key) {
  gdal_init();
  if (!std::filesystem::exists(path)) throw InputError(path, key, "file not found", "an existing line layer");
  GdalDataset ds(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds || GDALDatasetGetLayerCount(ds.get()) < 1)
    throw InputError(path, key, "cannot open as a vector layer", "a GeoPackage, GeoJSON or Shapefile of lines");
  OGRLayerH layer = GDALDatasetGetLayer(ds.get(), 0);
  OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(layer);
  if (!lsrs) throw InputError(path, "crs", "layer has no coordinate reference system", "a layer with a CRS");
  OsrHandle src(OSRClone(lsrs));
  OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(src.get()), OAMS_TRADITIONAL_GIS_ORDER);
  OsrHandle dst(OSRNewSpatialReference(nullptr));
  OSRSetFromUserInput(static_cast<OGRSpatialReferenceH>(dst.get()), working_crs.c_str());
  OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(dst.get()), OAMS_TRADITIONAL_GIS_ORDER);
  OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(static_cast<OGRSpatialReferenceH>(src.get()),
                                                                   static_cast<OGRSpatialReferenceH>(dst.get()));
  if (!ct) throw InputError(path, "crs", "cannot transform to the working CRS " + working_crs);
  std::vector<std::vector<unsigned char>> out;
  OGR_L_ResetReading(layer);
  while (OgrFeature f{OGR_L_GetNextFeature(layer)}) {
    OGRGeometryH g = OGR_F_GetGeometryRef(static_cast<OGRFeatureH>(f.get()));
    if (!g || OGR_G_IsEmpty(g)) continue;
    OgrGeometry gc(OGR_G_Clone(g));
    if (OGR_G_Transform(static_cast<OGRGeometryH>(gc.get()), ct) != OGRERR_NONE) {
      OCTDestroyCoordinateTransformation(ct);
      throw InputError(path, key, "geometry cannot be projected to " + working_crs);
    }
    std::vector<unsigned char> w(static_cast<size_t>(OGR_G_WkbSize(static_cast<OGRGeometryH>(gc.get()))));
    OGR_G_ExportToIsoWkb(static_cast<OGRGeometryH>(gc.get()), wkbNDR, w.data());
    out.push_back(std::move(w));
  }
  OCTDestroyCoordinateTransformation(ct);
  if (out.empty()) throw InputError(path, key, "no features", "at least one line");
  return out;
}

std::vector<std::vector<unsigned char>> read_polygons(const std::string& path, const std::string& crs) {
  std::vector<std::vector<unsigned char>> out;
  for (auto& row : io::read_vector(path, crs, io::GeomKind::Polygon).rows) out.push_back(std::move(row.wkb));
  return out;
}

}  // namespace

bool is_peak(const Raster<float>& dem, int r, int c) {
  if (r < 1 || c < 1 || r >= dem.rows() - 1 || c >= dem.cols() - 1) return false;
  const float z = dem.at(r, c);
  if (std::isnan(z)) return false;
  bool higher = false;
  for (int dr = -1; dr <= 1; ++dr)
    for (int dc = -1; dc <= 1; ++dc) {
      if (!dr && !dc) continue;
      const float n = dem.at(r + dr, c + dc);
      if (std::isnan(n) || n > z) return false;
      if (n < z) higher = true;
    }
  return higher;
}

bool is_ridge(const Raster<float>& dem, int r, int c) {
  if (r < 1 || c < 1 || r >= dem.rows() - 1 || c >= dem.cols() - 1) return false;
  const float z = dem.at(r, c);
  if (std::isnan(z)) return false;
  static constexpr int kDir[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
  int n = 0;
  for (const auto& d : kDir) {
    const float a = dem.at(r + d[0], c + d[1]), b = dem.at(r - d[0], c - d[1]);
    if (z > a && z > b) ++n;
  }
  return n >= 2;
}

CandidateSet make_candidates(const Scenario& s, const Inputs& in, const std::vector<size_t>& targets) {
  const ProposalConfig& P = s.proposals;
  const Raster<float>& dem = in.dem.elevation_m;
  const Grid& g = dem.grid();
  const double rad = s.radius_km * 1000.0;
  const double margin = P.search_margin_km * 1000.0;
  CandidateSet out;
  out.spacing_m = P.candidate_spacing_m > 0 ? P.candidate_spacing_m : std::max(500.0, 4.0 * g.dx);

  // The area the DEM was loaded for (load_inputs): villages and communes,
  // grown by the evaluated cells, within one radius of them.  Candidates stay
  // inside it so that adding them to the sites file leaves the grid unchanged.
  Extent core{INFINITY, INFINITY, -INFINITY, -INFINITY};
  auto grow = [](Extent& e, double x0, double y0, double x1, double y1) {
    e.x_min = std::min(e.x_min, x0);
    e.y_min = std::min(e.y_min, y0);
    e.x_max = std::max(e.x_max, x1);
    e.y_max = std::max(e.y_max, y1);
  };
  for (const auto& v : in.villages) grow(core, v.x, v.y, v.x, v.y);
  for (const auto& c : in.communes) grow(core, c.x_min, c.y_min, c.x_max, c.y_max);
  Extent box = core;
  for (const auto& c : in.cells) grow(box, c.x, c.y, c.x, c.y);
  box = {std::max(box.x_min, core.x_min - rad), std::max(box.y_min, core.y_min - rad),
         std::min(box.x_max, core.x_max + rad), std::min(box.y_max, core.y_max + rad)};

  Geos geos;
  // Search area: communes (or the villages' bounding box) grown by the margin.
  const GEOSPreparedGeometry* district = nullptr;
  Extent search = box;
  if (!in.communes.empty()) {
    std::vector<std::vector<unsigned char>> w;
    for (const auto& c : in.communes) w.push_back(c.wkb);
    GEOSGeometry* u = geos.union_of(w, s.communes_path);
    GEOSGeometry* b = margin > 0 ? geos.own(GEOSBuffer_r(geos.h(), u, margin, 8)) : u;
    district = geos.prepare(b);
  } else {
    Extent vb{INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (const auto& v : in.villages) grow(vb, v.x, v.y, v.x, v.y);
    search = {std::max(box.x_min, vb.x_min - margin), std::max(box.y_min, vb.y_min - margin),
              std::min(box.x_max, vb.x_max + margin), std::min(box.y_max, vb.y_max + margin)};
  }
  const GEOSPreparedGeometry* allowed = nullptr;
  const GEOSPreparedGeometry* excluded = nullptr;
  const GEOSPreparedGeometry* roads = nullptr;
  if (!P.allowed_area_path.empty())
    allowed = geos.prepare(geos.union_of(read_polygons(P.allowed_area_path, in.working_crs), P.allowed_area_path));
  if (!P.exclusion_path.empty())
    excluded = geos.prepare(geos.union_of(read_polygons(P.exclusion_path, in.working_crs), P.exclusion_path));
  if (!P.roads_path.empty())
    roads = geos.prepare(geos.union_of(read_lines(P.roads_path, in.working_crs, "proposals.roads"), P.roads_path));

  // Existing towers of any carrier or technology in the sites file.
  std::vector<std::pair<double, double>> towers;
  if (P.min_separation_m > 0) {
    for (const auto& c : parse_scenario_cells(s, in.working_crs)) towers.emplace_back(c.x, c.y);
  }
  const double sep2 = P.min_separation_m * P.min_separation_m;
  const double step2 = std::min(g.dx, g.dy) * std::min(g.dx, g.dy);
  // Village positions as the engine sees them: their grid cell's centre.
  std::vector<std::pair<double, double>> tv;
  for (size_t t : targets) {
    const auto& v = in.villages[t];
    tv.emplace_back(g.cell_x(static_cast<int>(g.col_f(v.x))), g.cell_y(static_cast<int>(g.row_f(v.y))));
  }
  auto in_reach = [&](double x, double y) {
    for (const auto& [vx, vy] : tv) {
      const double d2 = (x - vx) * (x - vx) + (y - vy) * (y - vy);
      if (d2 <= rad * rad && d2 >= step2 * 0.99) return true;  // not the village's own cell
    }
    return false;
  };
  // Rules in a fixed order; returns true when the cell may hold a site.
  auto admissible = [&](double x, double y, bool count) {
    if (allowed && !geos.contains(allowed, x, y)) return count && ++out.rejected_allowed_area, false;
    if (excluded && geos.contains(excluded, x, y)) return count && ++out.rejected_exclusion, false;
    if (roads && !geos.within_distance(roads, x, y, P.max_road_distance_m)) return count && ++out.rejected_roads, false;
    for (const auto& [tx, ty] : towers)
      if ((x - tx) * (x - tx) + (y - ty) * (y - ty) < sep2) return count && ++out.rejected_separation, false;
    return true;
  };

  // ---- terrain candidates: per lattice square, the best admissible cell ----
  if (targets.size() > 0) {
    const int cells_per = std::max(1, static_cast<int>(std::lround(out.spacing_m / g.dx)));
    const int c_lo = std::max(1, static_cast<int>(std::ceil(g.col_f(search.x_min) - 0.5)));
    const int c_hi = std::min(g.cols - 2, static_cast<int>(std::floor(g.col_f(search.x_max) - 0.5)));
    const int r_lo = std::max(1, static_cast<int>(std::ceil(g.row_f(search.y_max) - 0.5)));
    const int r_hi = std::min(g.rows - 2, static_cast<int>(std::floor(g.row_f(search.y_min) - 0.5)));
    struct Cell {
      int rank;  // 2 peak, 1 ridge, 0 other
      float z;
      int r, c;
    };
    std::vector<Cell> cells;
    int next_id = 0;
    for (int br = r_lo; br <= r_hi; br += cells_per) {
      for (int bc = c_lo; bc <= c_hi; bc += cells_per) {
        cells.clear();
        for (int r = br; r < std::min(br + cells_per, r_hi + 1); ++r)
          for (int c = bc; c < std::min(bc + cells_per, c_hi + 1); ++c) {
            const float z = dem.at(r, c);
            if (std::isnan(z)) continue;
            const double x = g.cell_x(c), y = g.cell_y(r);
            if (x < box.x_min || x > box.x_max || y < box.y_min || y > box.y_max) continue;
            cells.push_back({is_peak(dem, r, c) ? 2 : is_ridge(dem, r, c) ? 1 : 0, z, r, c});
          }
        if (cells.empty()) continue;
        const Cell centre = cells[cells.size() / 2];
        if (district && !geos.contains(district, g.cell_x(centre.c), g.cell_y(centre.r))) continue;
        ++out.squares;
        std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
          if (a.rank != b.rank) return a.rank > b.rank;
          if (a.z != b.z) return a.z > b.z;
          return a.r != b.r ? a.r < b.r : a.c < b.c;
        });
        // Try the cells of the square in rank order until one is admissible
        // (as documented: the best admissible cell, not the best of the first
        // few); count the square's rejection once, by the rule that turned
        // down its best cell.
        bool first = true;
        for (size_t i = 0; i < cells.size(); ++i) {
          const Cell& k = cells[i];
          const double x = g.cell_x(k.c), y = g.cell_y(k.r);
          if (!in_reach(x, y)) continue;
          if (!admissible(x, y, first)) {
            first = false;
            continue;
          }
          char id[16];
          std::snprintf(id, sizeof id, "T%05d", ++next_id);
          out.list.push_back({id, k.rank == 2 ? "peak" : k.rank == 1 ? "ridge" : "lattice", k.r, k.c, x, y, k.z});
          break;
        }
      }
    }
  }

  // ---- the user's candidates, snapped to their cell's centre ----
  if (!P.candidates_path.empty()) {
    const io::VectorTable t = io::read_vector(P.candidates_path, in.working_crs, io::GeomKind::Point);
    const int idc = t.field("id") >= 0 ? t.field("id") : t.field("site_id");
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const auto& row = t.rows[i];
      ++out.user_given;
      const std::string id = idc >= 0 && !row.values[idc].empty() ? row.values[idc] : "U" + std::to_string(i + 1);
      if (!(row.x > box.x_min && row.x < box.x_max && row.y > box.y_min && row.y < box.y_max) ||
          !g.contains(row.x, row.y)) {
        throw InputError(P.candidates_path, "candidate " + id, "lies outside the area the DEM was loaded for",
                         "candidates within radio.radius_km of the villages");
      }
      const int r = static_cast<int>(g.row_f(row.y)), c = static_cast<int>(g.col_f(row.x));
      const double x = g.cell_x(c), y = g.cell_y(r);
      if (std::isnan(dem.at(r, c))) throw InputError(P.candidates_path, "candidate " + id, "on unknown terrain");
      if (!in_reach(x, y)) {
        ++out.out_of_reach;
        continue;
      }
      if (!admissible(x, y, true)) continue;
      out.list.push_back({id, "user", r, c, x, y, dem.at(r, c)});
    }
  }
  return out;
}

}  // namespace phusong::planning
