// The embedded default district "Huyện Sơn Khê (synthetic)": terrain,
// communes, villages and mobile sites, all generated here from one seed.
//
// Terrain recipe (30 m cells, local metres from the grid centre):
//   * a regional surface: a main river trough running NNW–SSE (the Truong
//     Son grain, strike N20°W) falling from ~340 m to ~110 m, low hills to
//     the west (towards the Lao border) and a high ridge belt to the east;
//   * anisotropic, domain-warped ridged multifractal noise stretched along
//     strike (steep parallel ridges) plus fine fBm detail;
//   * a small basin by the river where the district town sits;
//   * D8 drainage by Priority-Flood (breaching variant) on that surface plus
//     a few metres of white noise; every cell draining more than 0.18 km² is
//     a stream whose bed is cut below the surface by an amount growing with
//     √(area) and never lies above the bed of a stream feeding it (rivers
//     cut gorges through ridges instead of forming lakes);
//   * valleys carved outwards from the stream beds (bed + rise(Euclidean
//     distance), lowest over the streams: flat floors widening with √(area),
//     side slopes ~25–38° in the mountains, gentle in the river valley and the
//     town basin), remaining pits filled flat, three passes of 3×3 binomial
//     smoothing, and rounding to whole metres.
// Only IEEE-754 double basic operations feed the terrain (see
// terrain/synthetic.hpp), so its pixel values are the same on every machine
// with IEEE double arithmetic; the placement of villages and sites uses the
// project's Deygout model and PROJ, whose libm calls could differ only in the
// last bits.
#include "phusong/scenario/demo_district.hpp"

#define GEOS_USE_ONLY_R_API
#include <gdal.h>
#include <geos_c.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "phusong/core/error.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/raster/gdal_raii.hpp"
#include "phusong/terrain/synthetic.hpp"

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace phusong {

namespace {

using synth::Rng;

// ---- the grid ----------------------------------------------------------------
// 106.75 E 16.65 N is E 686642 N 1841654 in UTM 48N; the grid is the 840 × 840
// block of 30 m cells centred there, origin snapped to multiples of 30 m.
constexpr int kRows = 840;
constexpr int kCols = 840;
constexpr double kCellM = 30.0;
constexpr double kXMin = 674040.0;
constexpr double kYMax = 1854240.0;
constexpr double kXc = kXMin + 0.5 * kCols * kCellM;  // 686640
constexpr double kYc = kYMax - 0.5 * kRows * kCellM;  // 1841640
constexpr const char* kUtmCrs = "EPSG:32648";
constexpr const char* kDistrictName = "Huyện Sơn Khê (synthetic)";
constexpr const char* kTownName = "Thị trấn Sơn Khê";

// Strike of the ridges: N20°W.  u runs along strike (towards N20°W), v across
// it (towards N70°E).
constexpr double kCos20 = 0.93969262078590838405;
constexpr double kSin20 = 0.34202014332566873304;
inline double along(double x, double y) { return -kSin20 * x + kCos20 * y; }
inline double across(double x, double y) { return kCos20 * x + kSin20 * y; }
inline double x_of(double u, double v) { return -kSin20 * u + kCos20 * v; }
inline double y_of(double u, double v) { return kCos20 * u + kSin20 * v; }

inline double local_x(int c) { return kXMin + (c + 0.5) * kCellM - kXc; }
inline double local_y(int r) { return kYMax - (r + 0.5) * kCellM - kYc; }

// Independent streams of randomness, one per purpose.
enum Tag : std::uint64_t {
  kTagWarpU = 1, kTagWarpV, kTagRiver, kTagAmp, kTagRidge, kTagDetail, kTagSlope, kTagBasin,
  kTagOutline, kTagCommunes, kTagVillages, kTagNames, kTagPopulation, kTagSites
};
inline std::uint64_t sub_seed(std::uint64_t seed, Tag t) { return synth::hash3(seed, t, 0xD15C0ULL); }

double hypot2(double dx, double dy) { return std::sqrt(dx * dx + dy * dy); }

// ---- terrain -------------------------------------------------------------------

struct Terrain {
  std::vector<std::int16_t> dem;   // final heights, row-major
  Raster<float> demf;              // the same as float
  std::vector<double> bed_m;       // bed height of the stream each cell drains towards (carve source)
  std::vector<double> stream_km2;  // drainage area of that stream
  std::vector<double> stream_dist_m;
  double town_x = 0.0, town_y = 0.0;  // local metres
};

struct RiverAxis {
  std::uint64_t seed;
  double v_of(double u) const {
    return -4800.0 + 2600.0 * synth::gradient_noise(u / 9000.0, 0.37, seed);
  }
  static double bed(double u) { return 215.0 + 0.0085 * u; }
};

Terrain make_terrain(std::uint64_t seed) {
  Terrain t;
  const RiverAxis axis{sub_seed(seed, kTagRiver)};
  const std::uint64_t s_wu = sub_seed(seed, kTagWarpU), s_wv = sub_seed(seed, kTagWarpV),
                      s_amp = sub_seed(seed, kTagAmp), s_ridge = sub_seed(seed, kTagRidge),
                      s_det = sub_seed(seed, kTagDetail), s_slope = sub_seed(seed, kTagSlope),
                      s_basin = sub_seed(seed, kTagBasin);
  // District town: on the east bank of the main river, a little north of centre.
  const double u_town = 2200.0;
  const double v_town = axis.v_of(u_town) + 1300.0;
  t.town_x = x_of(u_town, v_town);
  t.town_y = y_of(u_town, v_town);
  const double basin_level = RiverAxis::bed(u_town) + 55.0;

  const std::size_t n = static_cast<std::size_t>(kRows) * kCols;
  std::vector<double> h0(n), side(n), basin_w(n);
  for (int r = 0; r < kRows; ++r) {
    const double y = local_y(r);
    for (int c = 0; c < kCols; ++c) {
      const double x = local_x(c);
      const std::size_t i = static_cast<std::size_t>(r) * kCols + c;
      const double u = along(x, y), v = across(x, y);
      const double wu = u + 1800.0 * synth::fbm(x / 8000.0, y / 8000.0, 3, s_wu);
      const double wv = v + 900.0 * synth::fbm(x / 6000.0, y / 6000.0, 3, s_wv);
      const double dv = v - axis.v_of(u);
      double env;
      if (dv < 0.0) {
        const double q = -dv / 2600.0;
        env = 430.0 * q * q / (1.0 + q * q);
      } else {
        const double q = dv / 1600.0;
        env = 200.0 * q * q / (1.0 + q * q) + 600.0 * synth::smoothstep01((dv - 1500.0) / 10000.0);
      }
      const double adv = std::fabs(dv);
      double amp = 70.0 + (dv > 0.0 ? 380.0 : 280.0) * synth::smoothstep01(adv / 4500.0);
      amp *= 0.8 + 0.6 * (synth::fbm(x / 9000.0, y / 9000.0, 2, s_amp) + 0.35);
      const double rid = synth::ridged(wu / 6000.0, wv / 1700.0, 5, s_ridge);
      const double detail = 30.0 * synth::fbm(x / 800.0, y / 800.0, 4, s_det);
      double h = RiverAxis::bed(u) + env + 1.5 * amp * rid + detail;
      // Town basin.
      const double dt = hypot2(x - t.town_x, y - t.town_y);
      const double w = 1.0 - synth::smoothstep01((dt - 1300.0) / 2200.0);
      h = h * (1.0 - w) + (basin_level + 12.0 * synth::fbm(x / 1500.0, y / 1500.0, 3, s_basin)) * w;
      h0[i] = h;
      basin_w[i] = w;
      // Valley side slopes (tan): steep in the mountains, gentle by the main river and in the basin.
      double s = 0.60 + 0.25 * synth::fbm(x / 4000.0, y / 4000.0, 3, s_slope);
      if (dv < 0.0) s *= 0.85;
      const double fm = synth::smoothstep01((adv - 600.0) / 2500.0);
      s = 0.22 + (s - 0.22) * fm;
      s = 0.07 + (s - 0.07) * (1.0 - w);
      side[i] = std::max(s, 0.05);
    }
  }

  // Drainage and stream beds.  The routing surface carries a few metres of
  // white noise so that flow lines on smooth slopes wander (no parallel D8 rows).
  std::vector<double> h_route(h0);
  {
    Rng jr = Rng::derive(seed, kTagDetail);
    for (double& z : h_route) z += 3.0 * (jr.uniform() - 0.5);
  }
  const synth::FlowRouting fr = synth::route_flow(h_route, kRows, kCols, 1e-3, true);
  constexpr double kCellKm2 = kCellM * kCellM * 1e-6;
  constexpr double kStreamKm2 = 0.18;
  // Beds, from the channel heads downstream: cut below the surface by a depth
  // growing with √area, never above the bed of any stream feeding the cell
  // (so a river keeps falling where it crosses a ridge: a gorge, no lake).
  std::vector<double> bed(n, 0.0);
  std::vector<double> lowest_in(n, std::numeric_limits<double>::infinity());
  for (std::size_t k = fr.order.size(); k-- > 0;) {
    const int i = fr.order[k];
    const double a_km2 = fr.area_cells[i] * kCellKm2;
    if (a_km2 < kStreamKm2) continue;
    const int r = i / kCols, c = i % kCols;
    const double u = along(local_x(c), local_y(r));
    const double depth = std::min(20.0 + 40.0 * std::sqrt(a_km2), 220.0);
    const double b = std::min(std::max(h0[i] - depth, RiverAxis::bed(u) - 5.0), lowest_in[i]);
    bed[i] = b;
    const int rc = fr.receiver[i];
    if (rc >= 0) {
      const int dr = std::abs(rc / kCols - r), dc = std::abs(rc % kCols - c);
      const double len = (dr != 0 && dc != 0) ? kCellM * 1.41421356237309504880 : kCellM;
      lowest_in[rc] = std::min(lowest_in[rc], b - 0.003 * len);
    }
  }
  std::vector<synth::CarveSource> sources;
  std::vector<double> source_km2;
  for (const int i : fr.order) {
    const double a_km2 = fr.area_cells[i] * kCellKm2;
    if (a_km2 < kStreamKm2) continue;
    const double floor_m = std::min(25.0 * std::sqrt(a_km2), 450.0) + 500.0 * basin_w[i];
    sources.push_back({i, bed[i], floor_m});
    source_km2.push_back(a_km2);
  }
  const synth::CarveResult cv =
      synth::carve_valleys(kRows, kCols, kCellM, sources, side, 0.01, 200.0);

  std::vector<double> h1(n);
  for (std::size_t i = 0; i < n; ++i) h1[i] = std::min(h0[i], cv.surface_m[i]);
  // Pits left where a basin floor lies below its carved outlet become flat
  // alluvial floors.
  h1 = synth::fill_depressions(h1, kRows, kCols);
  // Three passes of 3×3 binomial smoothing (weights 1 2 1 / 2 4 2 / 1 2 1,
  // edges clamped): about a Gaussian of σ = 37 m, which removes the ripples
  // of the discrete stream lines and leaves the ridges sharp at 30 m.
  std::vector<double> h2(n);
  for (int pass = 0; pass < 3; ++pass) {
    for (int r = 0; r < kRows; ++r) {
      for (int c = 0; c < kCols; ++c) {
        double acc = 0.0;
        for (int dr = -1; dr <= 1; ++dr) {
          const int rr = std::clamp(r + dr, 0, kRows - 1);
          const double wr = dr == 0 ? 2.0 : 1.0;
          for (int dc = -1; dc <= 1; ++dc) {
            const int cc = std::clamp(c + dc, 0, kCols - 1);
            const double wc = dc == 0 ? 2.0 : 1.0;
            acc += wr * wc * h1[static_cast<std::size_t>(rr) * kCols + cc];
          }
        }
        h2[static_cast<std::size_t>(r) * kCols + c] = acc / 16.0;
      }
    }
    if (pass < 2) h1.swap(h2);
  }

  Grid g = demo_district_grid();
  t.demf = Raster<float>(g, 0.0f);
  t.dem.resize(n);
  t.bed_m.resize(n);
  t.stream_km2.resize(n);
  t.stream_dist_m.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = std::clamp(std::floor(h2[i] + 0.5), -32767.0, 32767.0);
    t.dem[i] = static_cast<std::int16_t>(v);
    t.demf.data()[i] = static_cast<float>(v);
    const int s = cv.source[i];
    t.bed_m[i] = s >= 0 ? sources[static_cast<std::size_t>(s)].bed_m : h2[i];
    t.stream_km2[i] = s >= 0 ? source_km2[static_cast<std::size_t>(s)] : 0.0;
    t.stream_dist_m[i] = s >= 0 ? cv.dist_m[i] : 1e9;
  }
  return t;
}

// ---- GEOS (C API, reentrant functions on one context) ------------------------

struct GeosContext {
  GEOSContextHandle_t h = GEOS_init_r();
  GeosContext() {
    if (!h) throw Error("demo district: cannot create a GEOS context");
  }
  ~GeosContext() { GEOS_finish_r(h); }
  GeosContext(const GeosContext&) = delete;
  GeosContext& operator=(const GeosContext&) = delete;
};
struct GeomDeleter {
  GEOSContextHandle_t h;
  void operator()(GEOSGeometry* g) const {
    if (g) GEOSGeom_destroy_r(h, g);
  }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;
struct PrepDeleter {
  GEOSContextHandle_t h;
  void operator()(const GEOSPreparedGeometry* g) const {
    if (g) GEOSPreparedGeom_destroy_r(h, g);
  }
};
using PrepPtr = std::unique_ptr<const GEOSPreparedGeometry, PrepDeleter>;

GeomPtr own(const GeosContext& ctx, GEOSGeometry* g, const char* what) {
  if (!g) throw Error(std::string("demo district: GEOS failed to build ") + what);
  return GeomPtr(g, GeomDeleter{ctx.h});
}

using Ring = std::vector<std::pair<double, double>>;  // closed (first == last)

GeomPtr make_polygon(const GeosContext& ctx, const std::vector<Ring>& rings) {
  std::vector<GEOSGeometry*> made;
  for (const Ring& ring : rings) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx.h, static_cast<unsigned>(ring.size()), 2);
    if (!seq) throw Error("demo district: GEOS failed to build a coordinate sequence");
    for (std::size_t k = 0; k < ring.size(); ++k)
      GEOSCoordSeq_setXY_r(ctx.h, seq, static_cast<unsigned>(k), ring[k].first, ring[k].second);
    GEOSGeometry* lr = GEOSGeom_createLinearRing_r(ctx.h, seq);
    if (!lr) {
      for (GEOSGeometry* g : made) GEOSGeom_destroy_r(ctx.h, g);
      throw Error("demo district: GEOS failed to build a ring");
    }
    made.push_back(lr);
  }
  GEOSGeometry* poly = GEOSGeom_createPolygon_r(ctx.h, made[0], made.size() > 1 ? &made[1] : nullptr,
                                                static_cast<unsigned>(made.size() - 1));
  return own(ctx, poly, "a polygon");
}

GeomPtr make_point(const GeosContext& ctx, double x, double y) {
  return own(ctx, GEOSGeom_createPointFromXY_r(ctx.h, x, y), "a point");
}

Ring read_ring(const GeosContext& ctx, const GEOSGeometry* ring) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.h, ring);
  unsigned size = 0;
  GEOSCoordSeq_getSize_r(ctx.h, seq, &size);
  Ring out(size);
  for (unsigned k = 0; k < size; ++k) GEOSCoordSeq_getXY_r(ctx.h, seq, k, &out[k].first, &out[k].second);
  return out;
}

// Polygons of a Polygon / MultiPolygon / collection, each as its rings (shell first).
std::vector<std::vector<Ring>> read_polygons(const GeosContext& ctx, const GEOSGeometry* g) {
  std::vector<std::vector<Ring>> out;
  const int type = GEOSGeomTypeId_r(ctx.h, g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(ctx.h, g)) return out;
    std::vector<Ring> rings{read_ring(ctx, GEOSGetExteriorRing_r(ctx.h, g))};
    const int holes = GEOSGetNumInteriorRings_r(ctx.h, g);
    for (int k = 0; k < holes; ++k) rings.push_back(read_ring(ctx, GEOSGetInteriorRingN_r(ctx.h, g, k)));
    out.push_back(std::move(rings));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    const int parts = GEOSGetNumGeometries_r(ctx.h, g);
    for (int k = 0; k < parts; ++k) {
      auto sub = read_polygons(ctx, GEOSGetGeometryN_r(ctx.h, g, k));
      for (auto& p : sub) out.push_back(std::move(p));
    }
  }
  return out;
}

double signed_area(const Ring& ring) {
  double a = 0.0;
  for (std::size_t k = 0; k + 1 < ring.size(); ++k)
    a += ring[k].first * ring[k + 1].second - ring[k + 1].first * ring[k].second;
  return 0.5 * a;
}

// ---- text formatting -----------------------------------------------------------

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // No negative zero ("-0.000000").
  if (!s.empty() && s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}
double rounded(double v, int decimals) { return std::strtod(fixed(v, decimals).c_str(), nullptr); }

// ---- district outline and communes -----------------------------------------------

struct Commune {
  std::string id, name;
  double seed_x = 0.0, seed_y = 0.0;             // local metres
  std::vector<std::vector<Ring>> utm;             // polygons (UTM, absolute metres)
  std::vector<std::vector<Ring>> lonlat;          // the same, rounded to 7 decimals, RFC 7946 winding
  GeomPtr utm_geom, utm_boundary, lonlat_geom;
  PrepPtr lonlat_prep;
};

const std::array<const char*, 12> kCommuneNames = {
    "Xã Tân Khê", "Xã Khe Mây", "Xã A Ro",     "Xã Ka Lư",    "Xã Xa Mưng",  "Xã Tà Pun",
    "Xã Hướng Mây", "Xã Pa Lin", "Xã Ba Rền", "Xã Thuận Khê", "Xã Rào Lốc", "Xã Đồi Thông"};

struct District {
  Ring outline_utm;  // absolute UTM metres
  GeomPtr outline, outline_boundary;
  PrepPtr outline_prep;
  std::vector<Commune> communes;  // [0] is the town
};

District make_district(const GeosContext& ctx, const Terrain& terrain, std::uint64_t seed,
                       const Transformer& to_lonlat) {
  District d;
  // Irregular star-shaped outline around the grid centre: an ellipse
  // elongated along strike (semi-axes 11.0 and 9.4 km) with its radius
  // modulated by two periodic noises, kept >= 1.5 km inside the grid.
  const std::uint64_t so = sub_seed(seed, kTagOutline);
  constexpr int kN = 120;
  constexpr double kLim = 12600.0 - 1500.0 - 200.0;
  for (int k = 0; k < kN; ++k) {
    const double ang = 2.0 * synth::kPi * k / kN;
    const double f = 1.0 + 0.17 * synth::periodic_noise1(k * 6.0 / kN, 6, so) +
                     0.06 * synth::periodic_noise1(k * 17.0 / kN, 17, so + 1);
    const double u = 11000.0 * f * synth::det_cos(ang), v = 9400.0 * f * synth::det_sin(ang);
    const double x = std::clamp(x_of(u, v), -kLim, kLim);
    const double y = std::clamp(y_of(u, v), -kLim, kLim);
    d.outline_utm.emplace_back(kXc + std::floor(x + 0.5), kYc + std::floor(y + 0.5));
  }
  d.outline_utm.push_back(d.outline_utm.front());
  d.outline = make_polygon(ctx, {d.outline_utm});
  if (GEOSisValid_r(ctx.h, d.outline.get()) != 1) throw Error("demo district: invalid outline");
  d.outline_boundary = own(ctx, GEOSBoundary_r(ctx.h, d.outline.get()), "the outline boundary");
  d.outline_prep = PrepPtr(GEOSPrepare_r(ctx.h, d.outline.get()), PrepDeleter{ctx.h});

  auto inside_by = [&](double lx, double ly, double margin) {
    GeomPtr p = make_point(ctx, kXc + lx, kYc + ly);
    if (GEOSPreparedContains_r(ctx.h, d.outline_prep.get(), p.get()) != 1) return false;
    double dist = 0.0;
    GEOSDistance_r(ctx.h, p.get(), d.outline_boundary.get(), &dist);
    return dist >= margin;
  };

  // Commune seeds: the town first, then 12 spread by dart throwing.
  std::vector<std::pair<double, double>> seeds{{terrain.town_x, terrain.town_y}};
  Rng rng = Rng::derive(seed, kTagCommunes);
  double min_d = 4400.0;
  int fails = 0;
  while (seeds.size() < 13) {
    const double x = rng.uniform(-11000.0, 11000.0), y = rng.uniform(-11000.0, 11000.0);
    bool ok = hypot2(x - seeds[0].first, y - seeds[0].second) >= 3600.0;
    for (std::size_t k = 1; ok && k < seeds.size(); ++k)
      ok = hypot2(x - seeds[k].first, y - seeds[k].second) >= min_d;
    if (ok) ok = inside_by(x, y, 1800.0);
    if (ok) {
      seeds.emplace_back(std::floor(x + 0.5), std::floor(y + 0.5));
      fails = 0;
    } else if (++fails > 3000) {
      min_d *= 0.95;
      fails = 0;
    }
  }
  // Order: the town, then the others from north to south.
  std::sort(seeds.begin() + 1, seeds.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });

  // Voronoi cells of the seeds, clipped to the outline.
  std::vector<GEOSGeometry*> pts;
  for (const auto& s : seeds) pts.push_back(GEOSGeom_createPointFromXY_r(ctx.h, kXc + s.first, kYc + s.second));
  GeomPtr mp = own(ctx, GEOSGeom_createCollection_r(ctx.h, GEOS_MULTIPOINT, pts.data(),
                                                    static_cast<unsigned>(pts.size())),
                   "the seed points");
  GeomPtr vor = own(ctx, GEOSVoronoiDiagram_r(ctx.h, mp.get(), d.outline.get(), 0.0, 0), "the Voronoi diagram");
  const int ncell = GEOSGetNumGeometries_r(ctx.h, vor.get());
  d.communes.resize(seeds.size());
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    Commune& cm = d.communes[k];
    char id[8];
    std::snprintf(id, sizeof id, "C%02d", static_cast<int>(k + 1));
    cm.id = id;
    cm.name = k == 0 ? kTownName : kCommuneNames[k - 1];
    cm.seed_x = seeds[k].first;
    cm.seed_y = seeds[k].second;
    GeomPtr p = make_point(ctx, kXc + cm.seed_x, kYc + cm.seed_y);
    for (int j = 0; j < ncell; ++j) {
      const GEOSGeometry* cell = GEOSGetGeometryN_r(ctx.h, vor.get(), j);
      if (GEOSContains_r(ctx.h, cell, p.get()) == 1) {
        cm.utm_geom = own(ctx, GEOSIntersection_r(ctx.h, cell, d.outline.get()), "a commune");
        break;
      }
    }
    if (!cm.utm_geom) throw Error("demo district: a commune seed has no Voronoi cell");
    cm.utm = read_polygons(ctx, cm.utm_geom.get());
    cm.utm_boundary = own(ctx, GEOSBoundary_r(ctx.h, cm.utm_geom.get()), "a commune boundary");
    // Lon/lat, rounded to 7 decimals; RFC 7946 winding (shell CCW, holes CW).
    for (const auto& poly : cm.utm) {
      std::vector<Ring> out;
      for (std::size_t ri = 0; ri < poly.size(); ++ri) {
        Ring rr;
        for (const auto& [x, y] : poly[ri]) {
          const auto [lon, lat] = to_lonlat.forward(x, y);
          std::pair<double, double> q{rounded(lon, 7), rounded(lat, 7)};
          if (rr.empty() || rr.back() != q) rr.push_back(q);
        }
        if (rr.size() < 4) continue;
        const bool ccw = signed_area(rr) > 0.0;
        if ((ri == 0) != ccw) std::reverse(rr.begin(), rr.end());
        out.push_back(std::move(rr));
      }
      if (!out.empty()) cm.lonlat.push_back(std::move(out));
    }
    std::vector<GEOSGeometry*> polys;
    for (const auto& poly : cm.lonlat) polys.push_back(make_polygon(ctx, poly).release());
    cm.lonlat_geom = own(ctx, GEOSGeom_createCollection_r(ctx.h, GEOS_MULTIPOLYGON, polys.data(),
                                                          static_cast<unsigned>(polys.size())),
                         "a commune (lon/lat)");
    cm.lonlat_prep = PrepPtr(GEOSPrepare_r(ctx.h, cm.lonlat_geom.get()), PrepDeleter{ctx.h});
  }
  return d;
}

// ---- villages -------------------------------------------------------------------

struct Village {
  int cell = 0;
  double x = 0.0, y = 0.0;  // local metres (cell centre)
  double lon = 0.0, lat = 0.0;
  int commune = 0;
  int population = 0;
  bool khom = false;
  std::string name, id;
};

const std::array<const char*, 22> kBruFirst = {"A",  "Ka", "Xa", "Ta",  "Pa",  "Ra",  "La", "Cu",
                                               "Ba", "Tà", "Ha", "Kơ",  "Pi",  "Ma",  "Xi", "Ro",
                                               "Tu", "Cợp", "Ve", "Lìa", "Ăng", "Chà"};
const std::array<const char*, 44> kBruSecond = {
    "Xing", "Dơi",  "Tăng", "Re",   "Ly",   "Công", "Rùng", "Lệ",   "Vây",  "Bời",  "Chít",
    "Cóc",  "Hô",   "Ruộc", "Lòng", "Sau",  "Nin",  "Pun",  "Mèng", "Búng", "Rec",  "Roi",
    "Lem",  "Ngo",  "Cheng", "Moong", "Hui", "Rao",  "Ven",  "Kooc", "Lo",   "Bung", "Klu",
    "Tuông", "Đin", "Pâng", "Xóc",  "Vin",  "Linh", "Trỗ",  "Rầng", "Tôn",  "Cha",  "Lăng"};
const std::array<const char*, 12> kKinhFirst = {"Tân", "Xuân", "Phú", "Hòa",   "An",   "Thuận",
                                                "Trung", "Đông", "Tây", "Hưng", "Vĩnh", "Quang"};
const std::array<const char*, 12> kKinhSecond = {"Hợp", "Lộc",  "Thành", "Lập", "Phước", "Mỹ",
                                                 "Bình", "Tiến", "Sơn",  "Long", "Hà",   "Đức"};

template <std::size_t N>
const char* pick(Rng& rng, const std::array<const char*, N>& a) {
  return a[static_cast<std::size_t>(rng.uniform_int(0, static_cast<int>(N) - 1))];
}

std::vector<Village> place_villages(const GeosContext& ctx, const Terrain& t, const District& d,
                                    std::uint64_t seed, const Transformer& to_lonlat) {
  constexpr double kTanMax = 0.17632698070846497347;  // tan 10°
  constexpr int kTarget = 100;
  constexpr int kKhom = 5;
  constexpr double kSpacingM = 550.0;
  Rng rng = Rng::derive(seed, kTagVillages);

  struct Cand {
    double score;
    int cell;
  };
  std::vector<Cand> cands;
  std::vector<Cand> town_cands;
  for (int r = 2; r < kRows - 2; ++r) {
    for (int c = 2; c < kCols - 2; ++c) {
      const int i = r * kCols + c;
      const double jitter = rng.uniform();  // drawn for every cell: keeps the stream aligned
      const double tan_s = synth::slope_tan_horn(t.demf, r, c);
      if (tan_s >= kTanMax) continue;
      const double dtown = hypot2(local_x(c) - t.town_x, local_y(r) - t.town_y);
      const double hand = t.dem[i] - t.bed_m[i];
      if (dtown < 1500.0 && hand < 60.0) {
        town_cands.push_back({-dtown + 200.0 * jitter, i});
      }
      if (hand > 30.0 || t.stream_dist_m[i] > 500.0 || t.stream_km2[i] < 0.3) continue;
      int flat = 0;
      for (int dr = -3; dr <= 3; ++dr)
        for (int dc = -3; dc <= 3; ++dc)
          if (synth::slope_tan_horn(t.demf, r + dr, c + dc) < kTanMax) ++flat;
      const double score = std::min(std::sqrt(t.stream_km2[i]), 6.0) / 6.0 + flat / 49.0 +
                           0.8 / (1.0 + (dtown / 4000.0) * (dtown / 4000.0)) + 0.8 * jitter;
      cands.push_back({score, i});
    }
  }
  auto by_score = [](const Cand& a, const Cand& b) {
    return a.score != b.score ? a.score > b.score : a.cell < b.cell;
  };
  std::sort(cands.begin(), cands.end(), by_score);
  std::sort(town_cands.begin(), town_cands.end(), by_score);

  std::vector<Village> vs;
  std::vector<int> per_commune(d.communes.size(), 0);
  auto try_accept = [&](int cell, int max_in_commune, bool khom) {
    const int r = cell / kCols, c = cell % kCols;
    const double x = local_x(c), y = local_y(r);
    for (const Village& v : vs)
      if (hypot2(v.x - x, v.y - y) < kSpacingM) return false;
    const auto [lon0, lat0] = to_lonlat.forward(kXc + x, kYc + y);
    const double lon = rounded(lon0, 6), lat = rounded(lat0, 6);
    GeomPtr pll = make_point(ctx, lon, lat);
    GeomPtr putm = make_point(ctx, kXc + x, kYc + y);
    for (std::size_t k = 0; k < d.communes.size(); ++k) {
      const Commune& cm = d.communes[k];
      if (GEOSPreparedContains_r(ctx.h, cm.lonlat_prep.get(), pll.get()) != 1) continue;
      if (per_commune[k] >= max_in_commune) return false;
      if (khom && k != 0) return false;
      double dist = 0.0;
      GEOSDistance_r(ctx.h, putm.get(), cm.utm_boundary.get(), &dist);
      if (dist < 150.0) return false;
      Village v;
      v.cell = cell;
      v.x = x;
      v.y = y;
      v.lon = lon;
      v.lat = lat;
      v.commune = static_cast<int>(k);
      v.khom = khom;
      vs.push_back(v);
      ++per_commune[k];
      return true;
    }
    return false;
  };
  // The town's quarters (khóm) first, then at least four villages per
  // commune, then the best remaining sites up to the target.
  for (const Cand& cd : town_cands) {
    if (static_cast<int>(vs.size()) >= kKhom) break;
    try_accept(cd.cell, 1000, true);
  }
  for (const Cand& cd : cands) {
    bool need = false;
    for (std::size_t k = 0; k < per_commune.size(); ++k) need = need || per_commune[k] < 4;
    if (!need) break;
    try_accept(cd.cell, 4, false);  // only communes still short of four take it
  }
  for (const Cand& cd : cands) {
    if (static_cast<int>(vs.size()) >= kTarget) break;
    try_accept(cd.cell, 10, false);
  }

  // Names and populations.
  Rng rn = Rng::derive(seed, kTagNames);
  Rng rp = Rng::derive(seed, kTagPopulation);
  std::set<std::string> used;
  int khom_no = 0;
  // Stable order for naming: by commune, then north to south, then west to east.
  std::sort(vs.begin(), vs.end(), [](const Village& a, const Village& b) {
    if (a.khom != b.khom) return a.khom;
    if (a.commune != b.commune) return a.commune < b.commune;
    if (a.y != b.y) return a.y > b.y;
    return a.x < b.x;
  });
  for (std::size_t k = 0; k < vs.size(); ++k) {
    Village& v = vs[k];
    char id[8];
    std::snprintf(id, sizeof id, "V%03d", static_cast<int>(k + 1));
    v.id = id;
    const double dtown = hypot2(v.x - t.town_x, v.y - t.town_y);
    if (v.khom) {
      v.name = "Khóm " + std::to_string(++khom_no);
    } else {
      for (;;) {
        std::string nm;
        if (dtown < 5000.0) {
          nm = std::string("Thôn ") + pick(rn, kKinhFirst) + " " + pick(rn, kKinhSecond);
        } else {
          const double u = rn.uniform();
          const char* pre = u < 0.45 ? "Bản " : (u < 0.9 ? "Thôn " : "Làng ");
          if (rn.uniform() < 0.15) nm = std::string(pre) + pick(rn, kBruSecond);
          else nm = std::string(pre) + pick(rn, kBruFirst) + " " + pick(rn, kBruSecond);
        }
        // Unique also without the prefix, so that names stay distinguishable.
        const std::string root = nm.substr(nm.find(' ') + 1);
        if (used.insert(root).second) {
          v.name = nm;
          break;
        }
      }
    }
    // Population: 60–1500, larger near the town and on bigger rivers.
    const double q = dtown / 2500.0;
    const double u = rp.uniform();
    double pop = 60.0 + 380.0 * u * u + 900.0 / (1.0 + q * q) +
                 25.0 * std::min(std::sqrt(t.stream_km2[v.cell]), 8.0);
    if (v.khom) pop = 900.0 + 600.0 * rp.uniform();
    v.population = static_cast<int>(std::clamp(std::floor(pop + 0.5), 60.0, 1500.0));
  }
  return vs;
}

// ---- mobile sites ---------------------------------------------------------------

enum Carrier { kViettel = 0, kVnpt = 1, kMobifone = 2 };
const char* carrier_name(int k) { return k == kViettel ? "Viettel" : (k == kVnpt ? "VNPT" : "MobiFone"); }
const char* carrier_prefix(int k) { return k == kViettel ? "VTL" : (k == kVnpt ? "VNP" : "MBF"); }

struct Slot {
  int carrier;
  double freq_mhz;
  double bw_mhz;
  double eirp_lo, eirp_hi;  // dBm over the channel, main beam
  bool omni;
  bool gsm_extra;           // a co-located GSM 900 omni cell
  bool town;
};

// 10·log10(12 · resource blocks): the share of one resource element in the
// channel's EIRP (5, 10, 20 MHz → 25, 50, 100 RB).
double re_share_db(double bw_mhz) {
  if (bw_mhz <= 5.0) return 24.771212547196624;
  if (bw_mhz <= 10.0) return 27.781512503836436;
  return 30.791812460476248;
}

struct SiteCell {
  std::string cell_id;
  int azimuth_deg = -1;  // -1: omni
  int tilt_deg = -1;
  int beamwidth_deg = 360;
  bool gsm = false;
  double freq_mhz = 1800.0, bw_mhz = 20.0, eirp_dbm = 60.0;
};
struct Site {
  std::string id, name;
  int carrier = 0;
  int cell = 0;
  double x = 0.0, y = 0.0;
  double lon = 0.0, lat = 0.0;
  int height_m = 30;
  std::vector<SiteCell> cells;
};

constexpr double kRsrpThresholdDbm = -110.0;
constexpr double kClutterAllowanceDb = 10.0;

// Terrain profile from (x0, y0) to (x1, y1) in local metres, 30 m steps.
prop::Profile profile_between(const Raster<float>& dem, double x0, double y0, double x1, double y1) {
  const double d = hypot2(x1 - x0, y1 - y0);
  const int steps = std::max(2, static_cast<int>(std::ceil(d / kCellM)));
  std::vector<double> h(static_cast<std::size_t>(steps) + 1);
  for (int k = 0; k <= steps; ++k) {
    const double f = static_cast<double>(k) / steps;
    h[static_cast<std::size_t>(k)] =
        sample_bilinear(dem, kXc + x0 + f * (x1 - x0), kYc + y0 + f * (y1 - y0));
  }
  return prop::Profile::uniform(d / steps, std::move(h));
}

// 3GPP TR 36.814 Table A.2.1.1-2 sector pattern: horizontal 12(φ/φ3dB)²,
// vertical 12((θ−tilt)/10°)², combined and capped at 25 dB.
double pattern_loss_db(double az_off_deg, double elev_down_deg, int tilt_deg, int beamwidth_deg) {
  if (beamwidth_deg >= 360) return 0.0;
  const double ah = std::min(12.0 * (az_off_deg / beamwidth_deg) * (az_off_deg / beamwidth_deg), 25.0);
  const double dv = elev_down_deg - tilt_deg;
  const double av = std::min(12.0 * (dv / 10.0) * (dv / 10.0), 20.0);
  return std::min(ah + av, 25.0);
}

double bearing_deg(double dx, double dy) {
  double b = synth::rad_to_deg(synth::det_atan2(dx, dy));
  if (b < 0.0) b += 360.0;
  return b;
}
double angle_diff_deg(double a, double b) {
  double d = std::fmod(std::fabs(a - b), 360.0);
  return d > 180.0 ? 360.0 - d : d;
}

struct SitePlan {
  std::vector<Site> sites;
  int uncovered = 0;
};

SitePlan place_sites(const GeosContext& ctx, const Terrain& t, const District& d,
                     const std::vector<Village>& vs, std::uint64_t seed,
                     const Transformer& to_lonlat) {
  Rng rng = Rng::derive(seed, kTagSites);
  const auto model = prop::make_model("deygout");
  prop::LinkParams lp;
  lp.rx_height_m = 1.5;
  const std::size_t nv = vs.size();

  // Candidate masts: local maxima (5×5) inside the district or within 800 m of it.
  struct Cand {
    int cell;
    double x, y, prominence;
    bool town;
  };
  std::vector<Cand> raw;
  for (int r = 3; r < kRows - 3; ++r) {
    for (int c = 3; c < kCols - 3; ++c) {
      const int i = r * kCols + c;
      const double h = t.dem[i];
      bool top = true;
      double mean = 0.0;
      for (int dr = -2; dr <= 2 && top; ++dr)
        for (int dc = -2; dc <= 2; ++dc) {
          const int j = (r + dr) * kCols + (c + dc);
          if (j == i) continue;
          if (t.dem[j] > h || (t.dem[j] == h && j < i)) {
            top = false;
            break;
          }
          mean += t.dem[j];
        }
      if (!top) continue;
      const double x = local_x(c), y = local_y(r);
      const double dtown = hypot2(x - t.town_x, y - t.town_y);
      raw.push_back({i, x, y, h - mean / 24.0, dtown < 2500.0});
    }
  }
  std::sort(raw.begin(), raw.end(), [](const Cand& a, const Cand& b) {
    return a.prominence != b.prominence ? a.prominence > b.prominence : a.cell < b.cell;
  });
  std::vector<Cand> cands;
  for (const Cand& cd : raw) {
    if (cands.size() >= 900) break;
    bool ok = true;
    for (const Cand& o : cands)
      if (hypot2(o.x - cd.x, o.y - cd.y) < 350.0) {
        ok = false;
        break;
      }
    if (!ok) continue;
    GeomPtr p = make_point(ctx, kXc + cd.x, kYc + cd.y);
    if (GEOSPreparedContains_r(ctx.h, d.outline_prep.get(), p.get()) != 1) {
      double dist = 0.0;
      GEOSDistance_r(ctx.h, p.get(), d.outline_boundary.get(), &dist);
      if (dist > 800.0) continue;
    }
    double nearest = 1e9;
    for (const Village& v : vs) nearest = std::min(nearest, hypot2(v.x - cd.x, v.y - cd.y));
    if (nearest > 3000.0) continue;
    cands.push_back(cd);
  }
  const std::size_t nc = cands.size();

  // Path loss from each candidate (mast 30 m) to each village within 15 km, at 900 and 1800 MHz.
  constexpr double kNoLink = 1e9;
  std::vector<double> loss900(nc * nv, kNoLink), loss1800(nc * nv, kNoLink);
  lp.tx_height_m = 30.0;
  for (std::size_t a = 0; a < nc; ++a) {
    for (std::size_t b = 0; b < nv; ++b) {
      const double dist = hypot2(vs[b].x - cands[a].x, vs[b].y - cands[a].y);
      if (dist > 15000.0) continue;
      const prop::Profile pr = profile_between(t.demf, cands[a].x, cands[a].y, vs[b].x, vs[b].y);
      lp.freq_mhz = 900.0;
      loss900[a * nv + b] = model->loss(pr, lp).loss_db;
      lp.freq_mhz = 1800.0;
      loss1800[a * nv + b] = model->loss(pr, lp).loss_db;
    }
  }

  // Remote valleys left without service: clusters (3 km) around the villages
  // farthest from the town, until 6 % of the villages are set aside; no mast
  // within 3 km of them or giving them within 18 dB of the threshold.
  std::vector<char> reserved(nv, 0);
  {
    std::vector<std::size_t> order(nv);
    for (std::size_t k = 0; k < nv; ++k) order[k] = k;
    auto dtown = [&](std::size_t k) { return hypot2(vs[k].x - t.town_x, vs[k].y - t.town_y); };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return dtown(a) != dtown(b) ? dtown(a) > dtown(b) : a < b;
    });
    std::vector<std::size_t> heads;
    int count = 0;
    const int want = static_cast<int>(std::floor(0.06 * nv + 0.5));
    for (std::size_t k : order) {
      if (count >= want) break;
      if (vs[k].commune == 0) continue;
      bool far = true;
      for (std::size_t h : heads) far = far && hypot2(vs[k].x - vs[h].x, vs[k].y - vs[h].y) > 8000.0;
      if (!far) continue;
      heads.push_back(k);
      for (std::size_t j = 0; j < nv; ++j) {
        if (count >= want) break;
        if (!reserved[j] && vs[j].commune != 0 && hypot2(vs[j].x - vs[k].x, vs[j].y - vs[k].y) <= 3000.0) {
          reserved[j] = 1;
          ++count;
        }
      }
    }
  }

  // The build-out, slot by slot: who builds what, in the order a greedy
  // planner fills them.  Viettel has the most sites.
  std::vector<Slot> slots;
  const Slot vt18{kViettel, 1800, 20, 58, 62, false, false, false};
  const Slot vt9{kViettel, 900, 10, 57, 60, false, false, false};
  const Slot vn18{kVnpt, 1800, 10, 55, 59, false, false, false};
  const Slot vn9{kVnpt, 900, 10, 56, 59, false, false, false};
  const Slot mf18{kMobifone, 1800, 10, 55, 59, false, false, false};
  const Slot mf9o{kMobifone, 900, 5, 50, 52, true, false, false};
  auto town = [](Slot s) { s.town = true; s.bw_mhz = 20; s.eirp_lo = 58; s.eirp_hi = 61; return s; };
  auto gsm = [](Slot s) { s.gsm_extra = true; return s; };
  slots = {town(vt18), town(vn18), town(mf18), town(vt18),
           vt18, vt18, vn18, mf18, vt9, gsm(vt18), vn9, mf18, vt18, vt18, gsm(vn18), mf18,
           vt9, vt18, vn18, mf9o, gsm(vt18), vt18, vn18, mf18, vt9, vn18, mf9o, vt18, gsm(mf18), vt18};

  std::vector<char> used(nc, 0);
  std::vector<char> cov_any(nv, 0);
  std::vector<std::array<char, 3>> cov_by(nv, {0, 0, 0});
  std::vector<std::pair<std::size_t, Slot>> chosen;
  for (const Slot& sl : slots) {
    const double eirp_mid = 0.5 * (sl.eirp_lo + sl.eirp_hi);
    const double avg_pattern = sl.omni ? 0.0 : 3.0;
    const std::vector<double>& L = sl.freq_mhz < 1000.0 ? loss900 : loss1800;
    std::size_t best = nc;
    double best_gain = -1.0;
    for (std::size_t a = 0; a < nc; ++a) {
      if (used[a] || cands[a].town != sl.town) continue;
      bool ok = true;
      for (const auto& [b, s2] : chosen) {
        const double dmin = (sl.town && s2.town) ? 700.0 : 1500.0;
        if (hypot2(cands[b].x - cands[a].x, cands[b].y - cands[a].y) < dmin) {
          ok = false;
          break;
        }
      }
      for (std::size_t v = 0; ok && v < nv; ++v) {
        if (!reserved[v]) continue;
        const double dist = hypot2(vs[v].x - cands[a].x, vs[v].y - cands[a].y);
        const double rsrp = eirp_mid - re_share_db(sl.bw_mhz) - L[a * nv + v] - kClutterAllowanceDb;
        if (dist < 3000.0 || rsrp > kRsrpThresholdDbm - 18.0) ok = false;
      }
      if (!ok) continue;
      double gain = 0.0, redundancy = 0.0;
      for (std::size_t v = 0; v < nv; ++v) {
        if (reserved[v]) continue;
        const double rsrp =
            eirp_mid - re_share_db(sl.bw_mhz) - L[a * nv + v] - kClutterAllowanceDb - avg_pattern;
        if (rsrp < kRsrpThresholdDbm) continue;
        const double pop = vs[v].population;
        if (!cov_any[v]) gain += 10.0 * pop;
        if (!cov_by[v][sl.carrier]) gain += pop;
        redundancy += pop;
      }
      const double score = gain * 10.0 + redundancy * 1e-3;
      if (score > best_gain) {
        best_gain = score;
        best = a;
      }
    }
    if (best == nc) continue;  // nothing eligible left for this slot
    used[best] = 1;
    chosen.emplace_back(best, sl);
    for (std::size_t v = 0; v < nv; ++v) {
      const double rsrp = eirp_mid - re_share_db(sl.bw_mhz) - L[best * nv + v] - kClutterAllowanceDb -
                          (sl.omni ? 0.0 : 3.0);
      if (!reserved[v] && rsrp >= kRsrpThresholdDbm) {
        cov_any[v] = 1;
        cov_by[v][sl.carrier] = 1;
      }
    }
  }

  // Turn the chosen candidates into sites with cells.
  SitePlan plan;
  std::array<int, 3> numbering{0, 0, 0};
  int town_no = 0;
  std::set<std::string> site_names;
  for (const auto& [a, sl] : chosen) {
    const Cand& cd = cands[a];
    Site s;
    s.carrier = sl.carrier;
    s.cell = cd.cell;
    s.x = cd.x;
    s.y = cd.y;
    char id[16];
    std::snprintf(id, sizeof id, "%s%02d", carrier_prefix(sl.carrier), ++numbering[sl.carrier]);
    s.id = id;
    const auto [lon, lat] = to_lonlat.forward(kXc + s.x, kYc + s.y);
    s.lon = rounded(lon, 6);
    s.lat = rounded(lat, 6);
    s.height_m = sl.town ? rng.uniform_int(30, 45) : rng.uniform_int(20, 40);
    if (sl.town) {
      s.name = std::string(kTownName) + " " + std::to_string(++town_no);
    } else {
      // Named after the nearest village whose name no other site has taken.
      std::vector<std::pair<double, std::size_t>> near;
      for (std::size_t v = 0; v < nv; ++v)
        if (!vs[v].khom) near.emplace_back(hypot2(vs[v].x - s.x, vs[v].y - s.y), v);
      std::sort(near.begin(), near.end());
      for (const auto& [dd, v] : near) {
        const std::string& vn = vs[v].name;
        const std::string cand = "Đồi " + vn.substr(vn.find(' ') + 1);
        if (site_names.insert(cand).second) {
          s.name = cand;
          break;
        }
      }
    }
    const std::vector<double>& L = sl.freq_mhz < 1000.0 ? loss900 : loss1800;
    const double eirp = sl.eirp_lo + 0.5 * rng.uniform_int(0, static_cast<int>((sl.eirp_hi - sl.eirp_lo) * 2.0));
    const double site_top = t.dem[s.cell] + s.height_m;
    if (sl.omni) {
      SiteCell cl;
      cl.cell_id = s.id + "-1";
      cl.freq_mhz = sl.freq_mhz;
      cl.bw_mhz = sl.bw_mhz;
      cl.eirp_dbm = eirp;
      s.cells.push_back(cl);
    } else {
      // First sector towards the most populous village this site serves;
      // tilt from the mean drop to the villages it serves at 1–4 km.
      double best_pop = -1.0, az0 = 0.0, drop_sum = 0.0, drop_w = 0.0;
      for (std::size_t v = 0; v < nv; ++v) {
        const double rsrp = eirp - re_share_db(sl.bw_mhz) - L[a * nv + v] - kClutterAllowanceDb;
        if (rsrp < kRsrpThresholdDbm) continue;
        const double dx = vs[v].x - s.x, dy = vs[v].y - s.y;
        if (vs[v].population > best_pop) {
          best_pop = vs[v].population;
          az0 = bearing_deg(dx, dy);
        }
        const double dist = hypot2(dx, dy);
        if (dist > 1000.0 && dist < 4000.0) {
          drop_sum += synth::rad_to_deg(synth::det_atan((site_top - t.dem[vs[v].cell]) / dist));
          drop_w += 1.0;
        }
      }
      const int az = static_cast<int>(std::floor(az0 + 0.5)) % 120;
      const int tilt = drop_w > 0.0
                           ? static_cast<int>(std::clamp(std::floor(drop_sum / drop_w + 1.5), 2.0, 6.0))
                           : 3;
      for (int k = 0; k < 3; ++k) {
        SiteCell cl;
        cl.cell_id = s.id + "-" + std::to_string(k + 1);
        cl.azimuth_deg = (az + 120 * k) % 360;
        cl.tilt_deg = tilt;
        cl.beamwidth_deg = 65;
        cl.freq_mhz = sl.freq_mhz;
        cl.bw_mhz = sl.bw_mhz;
        cl.eirp_dbm = eirp;
        s.cells.push_back(cl);
      }
    }
    if (sl.gsm_extra) {
      SiteCell cl;
      cl.cell_id = s.id + "-G";
      cl.gsm = true;
      cl.freq_mhz = 900.0;
      cl.bw_mhz = 0.2;
      cl.eirp_dbm = 49.0 + 0.5 * rng.uniform_int(0, 4);
      s.cells.push_back(cl);
    }
    plan.sites.push_back(std::move(s));
  }
  // Sites listed by carrier, then number.
  std::sort(plan.sites.begin(), plan.sites.end(), [](const Site& a, const Site& b) {
    return a.carrier != b.carrier ? a.carrier < b.carrier : a.id < b.id;
  });

  // Estimated LTE coverage of the villages with the final antennas.
  for (std::size_t v = 0; v < nv; ++v) {
    double best = -1e9;
    for (const Site& s : plan.sites) {
      const double dx = vs[v].x - s.x, dy = vs[v].y - s.y;
      const double dist = hypot2(dx, dy);
      if (dist > 15000.0) continue;
      const prop::Profile pr = profile_between(t.demf, s.x, s.y, vs[v].x, vs[v].y);
      lp.tx_height_m = s.height_m;
      for (const SiteCell& cl : s.cells) {
        if (cl.gsm) continue;
        lp.freq_mhz = cl.freq_mhz;
        const double loss = model->loss(pr, lp).loss_db;
        const double elev = synth::rad_to_deg(synth::det_atan(
            (t.dem[s.cell] + s.height_m - t.dem[vs[v].cell] - 1.5) / std::max(dist, 1.0)));
        const double pat = cl.beamwidth_deg >= 360
                               ? 0.0
                               : pattern_loss_db(angle_diff_deg(bearing_deg(dx, dy), cl.azimuth_deg),
                                                 elev, cl.tilt_deg, cl.beamwidth_deg);
        best = std::max(best, cl.eirp_dbm - re_share_db(cl.bw_mhz) - loss - pat - kClutterAllowanceDb);
      }
    }
    if (best < kRsrpThresholdDbm) ++plan.uncovered;
  }
  return plan;
}

// ---- writers --------------------------------------------------------------------

void write_dem(const std::filesystem::path& path, const Terrain& t, std::uint64_t seed) {
  gdal_init();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  if (!drv) throw Error("demo district: GDAL has no GTiff driver");
  std::filesystem::remove(path);
  const char* opts[] = {"TILED=YES",   "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE",
                        "PREDICTOR=2", "ZLEVEL=9",       nullptr};
  GdalDataset ds(GDALCreate(drv, path.string().c_str(), kCols, kRows, 1, GDT_Int16,
                            const_cast<char**>(opts)));
  if (!ds) throw Error("demo district: cannot create " + path.string() + ": " + gdal_last_error());
  const GDALDatasetH h = static_cast<GDALDatasetH>(ds.get());
  double gt[6];
  demo_district_grid().geotransform(gt);
  GDALSetGeoTransform(h, gt);
  OsrHandle srs(OSRNewSpatialReference(nullptr));
  if (!srs || OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), 32648) != OGRERR_NONE)
    throw Error("demo district: GDAL cannot build EPSG:32648: " + gdal_last_error());
  OSRSetAxisMappingStrategy(static_cast<OGRSpatialReferenceH>(srs.get()), OAMS_TRADITIONAL_GIS_ORDER);
  GDALSetSpatialRef(h, static_cast<OGRSpatialReferenceH>(srs.get()));
  const std::string desc = "SYNTHETIC terrain, not real elevation data: fictional district " +
                           std::string("Huyen Son Khe, generated by 'phusong make-demo-district --seed ") +
                           std::to_string(seed) + "'";
  GDALSetMetadataItem(h, "PHUSONG_SYNTHETIC", "yes", nullptr);
  GDALSetMetadataItem(h, "PHUSONG_SEED", std::to_string(seed).c_str(), nullptr);
  GDALSetMetadataItem(h, "DESCRIPTION", desc.c_str(), nullptr);
  GDALRasterBandH band = GDALGetRasterBand(h, 1);
  GDALSetRasterNoDataValue(band, -32768.0);
  GDALSetDescription(band, "height_m");
  GDALSetRasterUnitType(band, "m");
  std::vector<std::int16_t> buf(t.dem);
  if (GDALRasterIO(band, GF_Write, 0, 0, kCols, kRows, buf.data(), kCols, kRows, GDT_Int16, 0, 0) !=
      CE_None)
    throw Error("demo district: cannot write " + path.string() + ": " + gdal_last_error());
  ds.reset();
}

// Land cover in ESA WorldCover class codes (for scenarios/demo_clutter.yaml):
//   80 permanent water  river channels (drainage >= 25 km², within 30 m of the stream)
//   50 built-up         within 700 m of the district town
//   40 cropland         valley floors: less than 30 m above the stream bed
//   10 tree cover       everything higher: the forested slopes and ridges
// A pure function of the terrain: deterministic, no random numbers.
void write_landcover(const std::filesystem::path& path, const Terrain& t) {
  gdal_init();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  if (!drv) throw Error("demo district: GDAL has no GTiff driver");
  std::filesystem::remove(path);
  const char* opts[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "ZLEVEL=9", nullptr};
  GdalDataset ds(GDALCreate(drv, path.string().c_str(), kCols, kRows, 1, GDT_Byte, const_cast<char**>(opts)));
  if (!ds) throw Error("demo district: cannot create " + path.string() + ": " + gdal_last_error());
  const GDALDatasetH h = static_cast<GDALDatasetH>(ds.get());
  double gt[6];
  demo_district_grid().geotransform(gt);
  GDALSetGeoTransform(h, gt);
  OsrHandle srs(OSRNewSpatialReference(nullptr));
  if (!srs || OSRImportFromEPSG(static_cast<OGRSpatialReferenceH>(srs.get()), 32648) != OGRERR_NONE)
    throw Error("demo district: GDAL cannot build EPSG:32648: " + gdal_last_error());
  GDALSetSpatialRef(h, static_cast<OGRSpatialReferenceH>(srs.get()));
  GDALSetMetadataItem(h, "PHUSONG_SYNTHETIC", "yes", nullptr);
  GDALSetMetadataItem(h, "DESCRIPTION", "SYNTHETIC land cover (ESA WorldCover codes) of the fictional demo district", nullptr);
  GDALRasterBandH band = GDALGetRasterBand(h, 1);
  GDALSetRasterNoDataValue(band, 0.0);
  GDALSetDescription(band, "worldcover_class");
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(kRows) * kCols);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * kCols + c;
      const double x = kXMin + (c + 0.5) * kCellM - kXc, y = kYMax - (r + 0.5) * kCellM - kYc;
      std::uint8_t cls = 10;
      if (t.stream_km2[i] >= 25.0 && t.stream_dist_m[i] <= 30.0) cls = 80;
      else if (hypot2(x - t.town_x, y - t.town_y) <= 700.0) cls = 50;
      else if (t.dem[i] - t.bed_m[i] < 30.0) cls = 40;
      buf[i] = cls;
    }
  }
  if (GDALRasterIO(band, GF_Write, 0, 0, kCols, kRows, buf.data(), kCols, kRows, GDT_Byte, 0, 0) != CE_None)
    throw Error("demo district: cannot write " + path.string() + ": " + gdal_last_error());
  ds.reset();
}

std::ofstream open_text(const std::filesystem::path& p) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("demo district: cannot write " + p.string());
  return out;
}

void write_communes(const std::filesystem::path& path, const District& d) {
  std::ofstream out = open_text(path);
  out << "{\n\"type\": \"FeatureCollection\",\n\"name\": \"communes\",\n\"features\": [\n";
  for (std::size_t k = 0; k < d.communes.size(); ++k) {
    const Commune& cm = d.communes[k];
    out << "{\"type\": \"Feature\", \"properties\": {\"commune_id\": \"" << cm.id << "\", \"name\": \""
        << cm.name << "\", \"district\": \"" << kDistrictName << "\"}, \"geometry\": {\"type\": \""
        << (cm.lonlat.size() == 1 ? "Polygon" : "MultiPolygon") << "\", \"coordinates\": ";
    auto write_poly = [&](const std::vector<Ring>& poly) {
      out << "[";
      for (std::size_t r = 0; r < poly.size(); ++r) {
        out << (r ? ", [" : "[");
        for (std::size_t p = 0; p < poly[r].size(); ++p)
          out << (p ? ", [" : "[") << fixed(poly[r][p].first, 7) << ", " << fixed(poly[r][p].second, 7) << "]";
        out << "]";
      }
      out << "]";
    };
    if (cm.lonlat.size() == 1) {
      write_poly(cm.lonlat[0]);
    } else {
      out << "[";
      for (std::size_t p = 0; p < cm.lonlat.size(); ++p) {
        if (p) out << ", ";
        write_poly(cm.lonlat[p]);
      }
      out << "]";
    }
    out << "}}" << (k + 1 < d.communes.size() ? ",\n" : "\n");
  }
  out << "]\n}\n";
  if (!out) throw Error("demo district: cannot write " + path.string());
}

void write_villages(const std::filesystem::path& path, const std::vector<Village>& vs, const District& d) {
  std::ofstream out = open_text(path);
  out << "id,name,commune,population,lon,lat\n";
  for (const Village& v : vs)
    out << v.id << ',' << v.name << ',' << d.communes[static_cast<std::size_t>(v.commune)].name << ','
        << v.population << ',' << fixed(v.lon, 6) << ',' << fixed(v.lat, 6) << '\n';
  if (!out) throw Error("demo district: cannot write " + path.string());
}

std::string num_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// MobiFone's 1800 MHz sectors use the project's panel pattern file
// (geodata/antennas, written by `phusong make-pattern`; path relative to
// sites.csv); every other cell the parametric TR 36.814 pattern.
constexpr const char* kPanelPatternPath = "../antennas/panel_65deg_17dbi_1800.msi";
bool uses_panel_file(const Site& s, const SiteCell& c) {
  return s.carrier == kMobifone && !c.gsm && c.beamwidth_deg == 65 && c.freq_mhz == 1800.0;
}

int write_sites(const std::filesystem::path& path, const std::vector<Site>& sites) {
  std::ofstream out = open_text(path);
  out << "site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,"
         "freq_mhz,bandwidth_mhz,eirp_dbm,pattern\n";
  int rows = 0;
  for (const Site& s : sites) {
    for (const SiteCell& c : s.cells) {
      out << s.id << ',' << c.cell_id << ',' << s.name << ',' << carrier_name(s.carrier) << ','
          << fixed(s.lon, 6) << ',' << fixed(s.lat, 6) << ',' << s.height_m << ','
          << (c.azimuth_deg >= 0 ? std::to_string(c.azimuth_deg) : "") << ','
          << (c.tilt_deg >= 0 ? std::to_string(c.tilt_deg) : "") << ',' << c.beamwidth_deg << ','
          << (c.gsm ? "gsm" : "lte") << ',' << num_g(c.freq_mhz) << ',' << num_g(c.bw_mhz) << ','
          << fixed(c.eirp_dbm, 1) << ',' << (uses_panel_file(s, c) ? kPanelPatternPath : "") << '\n';
      ++rows;
    }
  }
  if (!out) throw Error("demo district: cannot write " + path.string());
  return rows;
}

void write_readme(const std::filesystem::path& path, std::uint64_t seed, const DemoDistrictSummary& s) {
  std::ofstream out = open_text(path);
  const std::string seed_s = std::to_string(seed);
  const bool default_seed = seed == kDemoDefaultSeed;
  out << "# Demo district: " << kDistrictName << "\n\n"
      << "**Everything in this folder is SYNTHETIC.** The terrain, the district and commune\n"
      << "boundaries, the villages and the mobile sites are invented by phusong's own generator.\n"
      << "They are modelled on the Truong Son mountain districts of Quảng Trị (steep NNW–SSE ridges,\n"
      << "a dendritic river network, a district town in a river basin), but none of it describes a\n"
      << "real place, a real village or a real operator's network.\n\n"
      << "## Regenerate\n\n"
      << "```\n"
      << (default_seed ? "tools/make-demo-district\n" : "")
      << "build/phusong make-demo-district --out geodata/demo --seed " << seed_s << "\n"
      << "```\n\n"
      << "Seed: `" << seed_s << "`" << (default_seed ? " (the default)" : "") << ". The output is deterministic: the same seed gives the\n"
      << "same files, byte for byte. The terrain uses only the generator's own PRNG and IEEE-754 basic\n"
      << "arithmetic, so its heights are the same on every machine; village and site placement also\n"
      << "use PROJ and the Deygout model, whose last-bit differences between platforms lie far below\n"
      << "the decimals written; the compressed bytes of `dem.tif` depend on the GDAL/zlib build.\n\n"
      << "## Files\n\n"
      << "| file | content |\n|---|---|\n"
      << "| `dem.tif` | elevation, GeoTIFF Int16 metres, EPSG:32648 (WGS 84 / UTM 48N), 840 × 840 cells of "
      << "30 m (25.2 km square, origin E " << static_cast<long>(kXMin) << " N " << static_cast<long>(kYMax)
      << ", centred near 106.75 E 16.65 N), heights " << static_cast<int>(s.min_height_m) << "–"
      << static_cast<int>(s.max_height_m) << " m; DEFLATE, predictor 2, 256² tiles; metadata "
      << "`PHUSONG_SYNTHETIC=yes` |\n"
      << "| `communes.geojson` | " << s.communes << " commune polygons (RFC 7946, lon/lat, 7 decimals) tiling the district "
      << "outline; properties `commune_id`, `name`, `district` |\n"
      << "| `villages.csv` | " << s.villages << " villages and hamlets: `id,name,commune,population,lon,lat` (WGS 84, "
      << "6 decimals); on valley floors and gentle slopes near rivers; `commune` is the name of the "
      << "containing commune polygon |\n"
      << "| `sites.csv` | " << s.sites << " mobile sites, " << s.cells << " cells, one row per cell: "
      << "`site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,technology,"
      << "freq_mhz,bandwidth_mhz,eirp_dbm,pattern`; omni cells have empty azimuth and tilt and beamwidth 360; "
      << "`eirp_dbm` is the total over the channel in the main beam; `pattern` (MobiFone's 1800 MHz sectors) "
      << "names the antenna pattern file `" << kPanelPatternPath << "` (written by `phusong make-pattern`) |\n"
      << "| `landcover.tif` | land cover in ESA WorldCover class codes on the DEM grid (Byte, nodata 0): 80 water "
      << "(river channels), 50 built-up (700 m around the town), 40 cropland (valley floors less than 30 m above the "
      << "stream bed), 10 tree cover (the slopes above); used by `scenarios/demo_clutter.yaml` |\n\n"
      << "## How it is made\n\n"
      << "Ridged, anisotropic gradient noise stretched along N20°W on a regional surface (a main river\n"
      << "trough, low hills to the west, a high ridge belt to the east); D8 drainage by Priority-Flood\n"
      << "(depressions breached, so rivers cut gorges instead of forming lakes); stream beds cut below\n"
      << "the surface and valleys carved outwards from them (flat floors widening\n"
      << "with catchment area, steep sides in the mountains, a gentle basin around the town). Communes are\n"
      << "the Voronoi cells of 13 seed points clipped to an irregular outline that stays at least 1.5 km\n"
      << "inside the DEM. Villages take the best valley-floor cells (slope < 10°, less than 30 m above the\n"
      << "nearest stream) at least 550 m apart. Sites sit on hilltops chosen greedily to serve the\n"
      << "villages, except a few remote valleys that are deliberately left without a nearby site.\n\n"
      << "By the generator's own estimate (Deygout terrain loss, 3GPP sector pattern, "
      << static_cast<int>(kClutterAllowanceDb) << " dB clutter allowance,\nRSRP ≥ "
      << static_cast<int>(s.rsrp_threshold_dbm) << " dBm) " << s.villages_uncovered_estimate << " of the "
      << s.villages << " villages have no LTE service.\n";
  if (!out) throw Error("demo district: cannot write " + path.string());
}

}  // namespace

Grid demo_district_grid() {
  Grid g;
  g.rows = kRows;
  g.cols = kCols;
  g.x_min = kXMin;
  g.y_max = kYMax;
  g.dx = kCellM;
  g.dy = kCellM;
  g.crs_wkt = crs_to_wkt(kUtmCrs, "demo district");
  return g;
}

DemoDistrictSummary generate_demo_district(const DemoDistrictOptions& opt) {
  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (ec || !std::filesystem::is_directory(opt.out_dir))
    throw InputError(opt.out_dir.string(), "out", "cannot create the output folder", "a writable folder");

  const Terrain terrain = make_terrain(opt.seed);
  const Transformer to_lonlat(kUtmCrs, kWgs84);
  const GeosContext ctx;
  const District district = make_district(ctx, terrain, opt.seed, to_lonlat);
  const std::vector<Village> villages = place_villages(ctx, terrain, district, opt.seed, to_lonlat);
  const SitePlan plan = place_sites(ctx, terrain, district, villages, opt.seed, to_lonlat);

  DemoDistrictSummary s;
  const auto [mn, mx] = std::minmax_element(terrain.dem.begin(), terrain.dem.end());
  s.min_height_m = *mn;
  s.max_height_m = *mx;
  s.communes = static_cast<int>(district.communes.size());
  s.villages = static_cast<int>(villages.size());
  s.sites = static_cast<int>(plan.sites.size());
  s.villages_uncovered_estimate = plan.uncovered;
  s.rsrp_threshold_dbm = kRsrpThresholdDbm;

  write_dem(opt.out_dir / "dem.tif", terrain, opt.seed);
  write_landcover(opt.out_dir / "landcover.tif", terrain);
  write_communes(opt.out_dir / "communes.geojson", district);
  write_villages(opt.out_dir / "villages.csv", villages, district);
  s.cells = write_sites(opt.out_dir / "sites.csv", plan.sites);
  write_readme(opt.out_dir / "README.md", opt.seed, s);
  return s;
}

void make_demo_district(const DemoDistrictOptions& opt) { (void)generate_demo_district(opt); }

}  // namespace phusong
