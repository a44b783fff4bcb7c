#include "phusong/analysis/villages.hpp"

#include <geos_c.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>

#include "phusong/core/error.hpp"

namespace phusong::analysis {

namespace {

// A GEOS context with RAII, one per call (GEOS _r API).
struct GeosContext {
  GEOSContextHandle_t h = GEOS_init_r();
  ~GeosContext() { GEOS_finish_r(h); }
};

}  // namespace

double reported_pct(long long part, long long total) {
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  // tenths of a percent, half up: floor((1000 part + total / 2) / total),
  // in integers (part <= total <= 1e8 people a village times the villages)
  const __int128 p = part, t = total;
  long long tenths = static_cast<long long>((2000 * p + t) / (2 * t));
  if (part < total) tenths = std::min(tenths, 999LL);
  if (part > 0) tenths = std::max(tenths, 1LL);
  return static_cast<double>(tenths) / 10.0;
}

std::string pct_text(double reported) {
  if (std::isnan(reported)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", reported);
  return buf;
}

CommuneAssignment assign_communes(std::vector<Village>& villages, const std::vector<Commune>& communes) {
  if (communes.empty()) return {};
  GeosContext ctx;
  GEOSWKBReader* reader = GEOSWKBReader_create_r(ctx.h);
  std::vector<GEOSGeometry*> geoms;
  std::vector<const GEOSPreparedGeometry*> prepared;
  for (const auto& c : communes) {
    GEOSGeometry* g = GEOSWKBReader_read_r(ctx.h, reader, c.wkb.data(), c.wkb.size());
    if (!g) {
      GEOSWKBReader_destroy_r(ctx.h, reader);
      for (size_t i = 0; i < geoms.size(); ++i) {
        GEOSPreparedGeom_destroy_r(ctx.h, prepared[i]);
        GEOSGeom_destroy_r(ctx.h, geoms[i]);
      }
      throw InputError("communes", c.name, "invalid polygon geometry", "valid polygons");
    }
    geoms.push_back(g);
    prepared.push_back(GEOSPrepare_r(ctx.h, g));
  }
  CommuneAssignment out;
  for (auto& v : villages) {
    GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(ctx.h, v.x, v.y);
    bool inside = false;
    for (size_t i = 0; i < geoms.size(); ++i) {
      if (GEOSPreparedIntersects_r(ctx.h, prepared[i], pt) == 1) {
        if (!v.commune.empty() && v.commune != communes[i].name) ++out.renamed;
        v.commune = communes[i].name;
        inside = true;
        break;
      }
    }
    out.outside += !inside;
    GEOSGeom_destroy_r(ctx.h, pt);
  }
  for (size_t i = 0; i < geoms.size(); ++i) {
    GEOSPreparedGeom_destroy_r(ctx.h, prepared[i]);
    GEOSGeom_destroy_r(ctx.h, geoms[i]);
  }
  GEOSWKBReader_destroy_r(ctx.h, reader);
  return out;
}

CoverageReport analyse(const Composite& comp, const std::vector<Village>& villages,
                       const std::vector<Commune>& communes, double threshold_dbm) {
  CoverageReport rep;
  const Grid& g = comp.best_dbm.grid();
  std::map<std::string, size_t> index;
  for (const auto& c : communes) {
    if (index.count(c.name)) continue;
    index[c.name] = rep.communes.size();
    rep.communes.emplace_back().name = c.name;
  }
  rep.district.name = "district";
  for (size_t i = 0; i < villages.size(); ++i) {
    const Village& v = villages[i];
    VillageResult res;
    res.rsrp_dbm = std::nan("");
    res.margin_db = std::nan("");
    if (g.contains(v.x, v.y)) {
      const int r = static_cast<int>(g.row_f(v.y)), c = static_cast<int>(g.col_f(v.x));
      const float best = comp.best_dbm.at(r, c);
      if (!std::isnan(best)) {
        res.rsrp_dbm = best;
        res.cell_index = comp.best_cell.at(r, c);
        res.servers = comp.count.at(r, c);
        res.margin_db = best - threshold_dbm;
        res.covered = best >= threshold_dbm;
      }
    }
    rep.villages.push_back(res);
    const std::string cname = v.commune.empty() ? "(no commune)" : v.commune;
    if (!index.count(cname)) {
      index[cname] = rep.communes.size();
      rep.communes.emplace_back().name = cname;
    }
    for (CommuneStats* s : {&rep.communes[index[cname]], &rep.district}) {
      ++s->villages_total;
      s->population_total += v.population;
      if (res.covered) {
        ++s->villages_covered;
        s->population_covered += v.population;
      } else {
        s->uncovered.push_back(i);
      }
    }
  }
  return rep;
}

}  // namespace phusong::analysis
