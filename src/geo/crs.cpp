#include "phusong/geo/crs.hpp"

#include <proj.h>

#include <cmath>
#include <limits>

#include "phusong/core/error.hpp"

namespace phusong {

int utm_epsg_for(double lon_deg, double lat_deg) {
  double lon = std::fmod(lon_deg + 180.0, 360.0);
  if (lon < 0) lon += 360.0;
  int zone = static_cast<int>(lon / 6.0) + 1;
  if (zone > 60) zone = 60;
  return (lat_deg >= 0 ? 32600 : 32700) + zone;
}

namespace {
struct CtxGuard {
  PJ_CONTEXT* ctx = proj_context_create();
  ~CtxGuard() { proj_context_destroy(ctx); }
};
}  // namespace

std::string crs_to_wkt(const std::string& definition, const std::string& source) {
  CtxGuard g;
  PJ* crs = proj_create(g.ctx, definition.c_str());
  if (!crs) {
    throw InputError(source, "crs", "cannot interpret CRS '" + definition.substr(0, 80) + "'",
                     "an EPSG code such as EPSG:32648, WKT or a PROJ string");
  }
  const char* wkt = proj_as_wkt(g.ctx, crs, PJ_WKT2_2019, nullptr);
  std::string out = wkt ? wkt : "";
  proj_destroy(crs);
  if (out.empty()) throw InputError(source, "crs", "CRS has no WKT representation");
  return out;
}

bool crs_is_geographic(const std::string& definition) {
  CtxGuard g;
  PJ* crs = proj_create(g.ctx, definition.c_str());
  if (!crs) return false;
  const PJ_TYPE t = proj_get_type(crs);
  proj_destroy(crs);
  return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
         t == PJ_TYPE_GEOGRAPHIC_CRS;
}

struct Transformer::Impl {
  PJ_CONTEXT* ctx = nullptr;
  PJ* pj = nullptr;
  ~Impl() {
    if (pj) proj_destroy(pj);
    if (ctx) proj_context_destroy(ctx);
  }
};

Transformer::Transformer(const std::string& from, const std::string& to) : impl_(new Impl) {
  impl_->ctx = proj_context_create();
  PJ* raw = proj_create_crs_to_crs(impl_->ctx, from.c_str(), to.c_str(), nullptr);
  if (!raw) {
    throw InputError("crs", "transform", "PROJ cannot transform between the CRSs",
                     "two valid CRS definitions");
  }
  impl_->pj = proj_normalize_for_visualization(impl_->ctx, raw);
  proj_destroy(raw);
  if (!impl_->pj) throw InputError("crs", "transform", "PROJ cannot normalise axis order");
}

Transformer::~Transformer() = default;
Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;

std::pair<double, double> Transformer::forward(double x, double y) const {
  PJ_COORD c = proj_coord(x, y, 0, 0);
  PJ_COORD o = proj_trans(impl_->pj, PJ_FWD, c);
  if (o.xy.x == HUGE_VAL || !std::isfinite(o.xy.x) || !std::isfinite(o.xy.y)) {
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
  return {o.xy.x, o.xy.y};
}

std::pair<double, double> Transformer::inverse(double x, double y) const {
  PJ_COORD c = proj_coord(x, y, 0, 0);
  PJ_COORD o = proj_trans(impl_->pj, PJ_INV, c);
  if (o.xy.x == HUGE_VAL || !std::isfinite(o.xy.x) || !std::isfinite(o.xy.y)) {
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
  return {o.xy.x, o.xy.y};
}

double north_grid_bearing_deg(const Transformer& to_grid, double lon, double lat) {
  // the grid direction of a short step due north (south near the north pole)
  const double step = lat < 89.0 ? 1e-4 : -1e-4;
  const auto [x0, y0] = to_grid.forward(lon, lat);
  const auto [x1, y1] = to_grid.forward(lon, lat + step);
  const double dx = step > 0 ? x1 - x0 : x0 - x1, dy = step > 0 ? y1 - y0 : y0 - y1;
  if (!std::isfinite(dx) || !std::isfinite(dy) || (dx == 0.0 && dy == 0.0)) return 0.0;
  return std::atan2(dx, dy) * 180.0 / 3.14159265358979323846;
}

}  // namespace phusong
