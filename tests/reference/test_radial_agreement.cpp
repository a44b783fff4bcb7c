// The radial sweep engine against the exact engine (path_loss_exact) on real
// terrain: SRTM3 Brindabella tile from ../shared/geodata/terrain, reprojected
// to UTM at 90 m by load_dem; three sites, 25 km radius, every model with a
// ray kernel.  Contract: >= 99 % of the cells within 1 dB, none beyond 6 dB,
// the same cells defined.  Also: bit-identical at 1 and 2 threads, and exact
// agreement for the distance-only kernel on a flat grid (every cell of the
// window written, each by one ray).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>
#include <tuple>

#include "phusong/engine/coverage.hpp"
#include "phusong/engine/radial.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/propagation/model.hpp"
#include "phusong/terrain/dem.hpp"
#include "phusong/terrain/profile.hpp"
#include "test_support.hpp"

using namespace phusong;

namespace {

struct Agreement {
  long both = 0, only_exact = 0, only_radial = 0;
  long within[5] = {0, 0, 0, 0, 0};  // 0.1, 0.5, 1, 3, 6 dB
  double max_abs = 0.0;
  double sum_abs = 0.0;
};

constexpr double kBins[5] = {0.1, 0.5, 1.0, 3.0, 6.0};

void accumulate(const Raster<float>& exact, const Raster<float>& radial, Agreement& a) {
  const auto& e = exact.data();
  const auto& r = radial.data();
  for (size_t i = 0; i < e.size(); ++i) {
    const bool fe = std::isfinite(e[i]), fr = std::isfinite(r[i]);
    if (fe && !fr) ++a.only_exact;
    if (!fe && fr) ++a.only_radial;
    if (!(fe && fr)) continue;
    ++a.both;
    const double d = std::abs(static_cast<double>(e[i]) - r[i]);
    for (int b = 0; b < 5; ++b)
      if (d <= kBins[b]) ++a.within[b];
    a.max_abs = std::max(a.max_abs, d);
    a.sum_abs += d;
  }
}

std::string describe(const std::string& model, const Agreement& a, double t_exact, double t_radial) {
  std::ostringstream s;
  s.precision(4);
  s << model << ": " << a.both << " cells; within 0.1/0.5/1/3/6 dB:";
  for (int b = 0; b < 5; ++b) s << " " << 100.0 * a.within[b] / std::max(1L, a.both) << "%";
  s << "; mean |d| " << a.sum_abs / std::max(1L, a.both) << " dB, max " << a.max_abs << " dB; only exact "
    << a.only_exact << ", only radial " << a.only_radial << "; exact " << t_exact << " s, radial " << t_radial
    << " s";
  return s.str();
}

// A tile of ../shared/geodata/terrain in its working CRS at resolution_m.
Dem load_tile(const char* file, double resolution_m) {
  DemRequest req;
  req.path = test::shared_path(std::string("geodata/terrain/") + file).string();
  req.resolution_m = resolution_m;
  return load_dem(req);
}

// A tile of ../shared/geodata/terrain at 30 m in the UTM zone of (lat,
// lon), over the square that `phusong coverage --radius-km` loads around
// that site (tools/agreement's runs); the site's coordinates in x, y.
Dem load_around(const char* file, double lat, double lon, double radius_m, double& x, double& y) {
  const std::string crs = "EPSG:" + std::to_string(utm_epsg_for(lon, lat));
  std::tie(x, y) = Transformer(kWgs84, crs).forward(lon, lat);
  const double margin = radius_m + 200.0;
  DemRequest req;
  req.path = test::shared_path(std::string("geodata/terrain/") + file).string();
  req.working_crs = crs;
  req.resolution_m = 30.0;
  req.extent = Extent{x - margin, y - margin, x + margin, y + margin};
  return load_dem(req);
}

const Dem& brindabella() {
  static const Dem dem = load_tile("srtm3_S36E149_brindabella.tif", 90.0);
  return dem;
}

// The link of the agreement tests: 1800 MHz, tx 30 m, rx 1.5 m.
prop::LinkParams test_link() {
  prop::LinkParams link;
  link.freq_mhz = 1800.0;
  link.tx_height_m = 30.0;
  link.rx_height_m = 1.5;
  return link;
}

double secs_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The exact engine's own sensitivity to where it samples the terrain: on a
// subsample of cells (every 3rd row and column within `radius_m`), the model
// on the exact engine's profile (extract_profile at the grid step, as
// path_loss_exact) against the same profile with every interior sample moved
// half a sample spacing towards the transmitter (same line, same ends).  The
// radial engine's cells over the same subsample are counted alongside, so
// the two spreads are measured on the same cells.
struct SelfSpread {
  long cells = 0, self_within_1db = 0, radial_within_1db = 0;
};

void measure_self_spread(const Raster<float>& z, double tx, double ty, const prop::Model& model,
                         const prop::LinkParams& link, double radius_m, const Raster<float>& radial,
                         SelfSpread& out) {
  const Grid& g = z.grid();
  const double step = std::min(g.dx, g.dy);
  const int r0 = static_cast<int>(std::floor(g.row_f(ty))), c0 = static_cast<int>(std::floor(g.col_f(tx)));
  const int n = static_cast<int>(radius_m / step) + 1;
  prop::Profile exact, shifted;
  for (int r = r0 - n; r <= r0 + n; r += 3) {
    for (int c = c0 - n; c <= c0 + n; c += 3) {
      if (!z.in_bounds(r, c)) continue;
      const double x = g.cell_x(c), y = g.cell_y(r);
      const double d = std::hypot(x - tx, y - ty);
      if (d > radius_m || d < 2.0 * step) continue;
      if (!extract_profile(z, tx, ty, x, y, step, exact)) continue;
      shifted = exact;
      const double half = 0.5 * exact.distance_m[1];
      bool ok = true;
      for (size_t i = 1; i + 1 < exact.size(); ++i) {
        const double t = (exact.distance_m[i] - half) / d;
        shifted.height_m[i] = sample_bilinear(z, tx + (x - tx) * t, ty + (y - ty) * t);
        ok = ok && std::isfinite(shifted.height_m[i]);
      }
      const double le = model.loss(exact, link).loss_db, ls = model.loss(shifted, link).loss_db;
      const float lr = radial.at(r, c);
      if (!ok || !std::isfinite(le) || !std::isfinite(ls) || !std::isfinite(lr)) continue;
      ++out.cells;
      out.self_within_1db += std::abs(le - ls) <= 1.0;
      out.radial_within_1db += std::abs(le - lr) <= 1.0;
    }
  }
}

// The contract: the same cells defined by both engines (more than
// min_cells), >= 99 % of them within 1 dB, none beyond 6 dB.
void check_contract(const Agreement& a, long min_cells) {
  CHECK(a.both > min_cells);
  CHECK(a.only_exact == 0);
  CHECK(a.only_radial == 0);
  CHECK(a.within[2] >= 0.99 * a.both);
  CHECK(a.within[4] == a.both);
}

// A model without a ray kernel (the engine's fallback: the model on each
// cell's ray profile): a built-in model under another name.
class WithoutKernel final : public prop::Model {
 public:
  explicit WithoutKernel(std::unique_ptr<prop::Model> m) : m_(std::move(m)) {}
  std::string_view name() const override { return "without-kernel"; }
  std::string_view description() const override { return m_->description(); }
  void check(const prop::LinkParams& p, const std::string& source) const override { m_->check(p, source); }
  prop::PathLoss loss(const prop::Profile& profile, const prop::LinkParams& p) const noexcept override {
    return m_->loss(profile, p);
  }

 private:
  std::unique_ptr<prop::Model> m_;
};

}  // namespace

// Every built-in model has a ray kernel, and each must meet the contract
// (>= 99 % within 1 dB, none beyond 6 dB) to be the scenario's default
// engine (radial_is_default()).  What got them there: a cell takes the
// terrain of a ray up to half a cell to its side and sampled at another
// phase than the exact engine's straight profile, and the knife-edge models
// are very sensitive to the samples next to the receiver (the fallback path,
// the model itself on the ray's profile, measures 49-87 % within 1 dB).  The
// ITM and p526 kernels take their last 16 samples from the cell's own line
// (RayKernel::tail_samples; ITM 73 -> 96.6 %, p526 91 -> 99.3 %); ITM finds
// both horizons on the cell's own line (RayKernel::cell_line, LineBounds);
// p526 hands the cells whose deciding samples could move its loss by more
// than 6 dB to a search on that line or the exact computation; deygout finds
// its three edges there (the exact engine's own values; 49 % before); p1812
// finds its horizons, vmax and hm there and shares p526's smooth-surface
// half (76 % on the fallback path).
TEST_CASE("radial agreement with the exact engine on real terrain, every ray kernel") {
  PHUSONG_REQUIRE_SHARED();
  const Dem& dem = brindabella();
  const Raster<float>& z = dem.elevation_m;
  Transformer tr(kWgs84, dem.info.working_crs);
  // A ridge-top site, a valley site and a plateau-edge site.
  const std::pair<double, double> sites_ll[] = {{149.30, -35.55}, {149.55, -35.40}, {149.70, -35.70}};
  const double radius_m = 25000.0;
  const prop::LinkParams link = test_link();
  for (const std::string& name : prop::model_names()) {
    CAPTURE(name);
    auto model = prop::make_model(name);
    REQUIRE(has_ray_kernel(*model));
    model->check(link, "test");
    Agreement a;
    SelfSpread spread;
    double te = 0.0, trd = 0.0;
    for (const auto& [lon, lat] : sites_ll) {
      const auto [x, y] = tr.forward(lon, lat);
      REQUIRE(z.grid().contains(x, y));
      auto t0 = std::chrono::steady_clock::now();
      const Raster<float> exact = path_loss_exact(z, x, y, *model, link, radius_m);
      te += secs_since(t0);
      t0 = std::chrono::steady_clock::now();
      const Raster<float> radial = path_loss_radial(z, x, y, *model, link, radius_m);
      trd += secs_since(t0);
      accumulate(exact, radial, a);
      measure_self_spread(z, x, y, *model, link, radius_m, radial, spread);
    }
    const bool meets = a.within[2] >= 0.99 * a.both && a.within[4] == a.both;  // (the message)
    const std::string verdict = meets ? "; meets the contract" : "; DOES NOT meet the contract";
    MESSAGE((describe(name, a, te, trd) + verdict));
    // The exact engine against itself with its samples moved half a spacing
    // along the same line: how far the 1-dB contract sits inside the exact
    // engine's own sampling noise (docs/performance.md).  The radial engine
    // is asked to be no farther from the exact engine than that.
    const double self_pct = 100.0 * spread.self_within_1db / std::max(1L, spread.cells);
    const double radial_pct = 100.0 * spread.radial_within_1db / std::max(1L, spread.cells);
    MESSAGE(name << ": on " << spread.cells << " subsampled cells, exact vs exact shifted half a sample: "
                 << self_pct << " % within 1 dB; radial vs exact: " << radial_pct << " % within 1 dB");
    CHECK(spread.cells > 50000);
    CHECK(radial_pct >= self_pct);
    CHECK(radial_is_default(name));
    check_contract(a, 500000);
  }
}

TEST_CASE("radial hata, deygout, p526, itm and p1812 meet the contract on the steepest tile (Swiss Alps, 90 m)") {
  // The Hata kernel bounds the error of its section mean by the terrain's
  // slope and hands ill-conditioned cells to the exact computation; its
  // constants were tuned on this tile (kernels_basic.cpp), where a looser
  // setting let a cell 9.9 dB off through.  Four sites spread over the tile.
  // The p526 kernel's checks (kernels_diffraction.cpp) were tuned here and
  // on Brindabella, the ITM and Deygout kernels' line searches there too.  All
  // five meet the contract on this tile.
  PHUSONG_REQUIRE_SHARED();
  const Dem dem = load_tile("srtm3_N46E008_swiss_alps.tif", 90.0);
  const Raster<float>& z = dem.elevation_m;
  const Grid& g = z.grid();
  const prop::LinkParams link = test_link();
  for (const std::string name : {"hata", "deygout", "p526", "itm", "p1812"}) {
    auto model = prop::make_model(name);
    Agreement a;
    for (int k = 0; k < 4; ++k) {
      const double x = g.x_min + g.dx * g.cols * (0.3 + 0.13 * k);
      const double y = g.y_top() - g.dy * g.rows * (0.35 + 0.1 * ((k * 7) % 4));
      accumulate(path_loss_exact(z, x, y, *model, link, 20000.0), path_loss_radial(z, x, y, *model, link, 20000.0),
                 a);
    }
    MESSAGE(describe(name + ", Swiss Alps", a, 0, 0));
    check_contract(a, 500000);
  }
}

TEST_CASE("radial hata, p526, itm and p1812 meet the contract on the district benchmark's terrain at 30 m") {
  // The 1" synthetic ridge warped to 30 m (tools/bench_district.py's
  // terrain): a receiver in a valley 7.1 km from the site, whose horizon on
  // its own line is a steep slope about 500 m away, just beyond the 16 tail
  // samples.  The ray beside it stood lower there (Srim 19.5 against 27.7
  // m/km), and with only the chosen horizon sample's own error checked the
  // kernel gave 147.8 dB for the exact engine's 154.4 (6.6 dB off); Srim is
  // now also checked upwards for every ray sample (kernels_diffraction.cpp).
  // The other kernels with estimates (Hata's section mean, ITM's held
  // delta h and fits, P.1812's smooth term) are checked on the same site:
  // ITM, the district's default model, is the nearest to the contract's
  // limits at 30 m (docs/performance.md, tools/agreement).
  PHUSONG_REQUIRE_SHARED();
  const Dem dem = load_tile("synthetic_ridge_1s.tif", 30.0);
  const Raster<float>& z = dem.elevation_m;
  const Grid& g = z.grid();
  const prop::LinkParams link = test_link();
  const double x = g.x_min + g.dx * g.cols * 0.3, y = g.y_top() - g.dy * g.rows * 0.3;
  for (const std::string name : {"hata", "p526", "itm", "p1812"}) {
    auto model = prop::make_model(name);
    Agreement a;
    accumulate(path_loss_exact(z, x, y, *model, link, 8000.0), path_loss_radial(z, x, y, *model, link, 8000.0), a);
    MESSAGE(describe(name + ", synthetic ridge 1\" at 30 m", a, 0, 0));
    check_contract(a, 200000);
  }
}

TEST_CASE("radial itm meets the contract on the Alps at 30 m, where delta h changes fast along a ray") {
  // ITM's delta h is held for the 1/32 of the path after each computation
  // (kernels_itm.cpp); two sites where that broke the contract, found by
  // tools/agreement on this tile at 30 m:
  //  * 46.5 N, 8.9 E: receivers going down into a deep valley 4-5 km east
  //    of the site, where delta h (line of sight, over the whole path) grows
  //    by 4-5 % a sample over 40 samples: the held value lagged by up to
  //    21 % and cells were 9.5 dB off.  Where it changed fast since its last
  //    computation it is now recomputed sooner.
  //  * 46.1 N, 8.7 E: a receiver climbing a slope out of a lake 7 km from
  //    the site: delta h held at 16.7 m over the flat water was 48.7 m six
  //    samples later, and the cell 6.8 dB off.  Where several new samples
  //    stray far from the section's line it is recomputed.
  PHUSONG_REQUIRE_SHARED();
  struct Site {
    double lat, lon, radius_m;
  };
  for (const Site site : {Site{46.5, 8.9, 5000.0}, Site{46.1, 8.7, 8000.0}}) {
    double x = 0.0, y = 0.0;
    const Dem dem = load_around("srtm3_N46E008_swiss_alps.tif", site.lat, site.lon, site.radius_m, x, y);
    const Raster<float>& z = dem.elevation_m;
    const prop::LinkParams link = test_link();
    auto model = prop::make_model("itm");
    Agreement a;
    accumulate(path_loss_exact(z, x, y, *model, link, site.radius_m),
               path_loss_radial(z, x, y, *model, link, site.radius_m), a);
    std::ostringstream what;
    what << "itm, Swiss Alps at 30 m (" << site.lat << " N, " << site.lon << " E)";
    MESSAGE(describe(what.str(), a, 0, 0));
    check_contract(a, 80000);
  }
}

TEST_CASE("radial itm meets the contract on short paths, where the ray lies farthest from the cell's line") {
  // 46.3 N, 8.9 E on the Alps at 30 m, 2600 MHz, tx 15 m (found by
  // tools/agreement over 25 sites of the tile with that link): a cell 1.5 km
  // from the site, 50 intervals, whose delta h over the ray's samples was
  // 153.8 m against 188.3 m over its own line, 6.2 dB off the exact engine.
  // Paths of at most 64 intervals are now computed exactly (kernels_itm.cpp).
  PHUSONG_REQUIRE_SHARED();
  const double radius_m = 8000.0;
  double x = 0.0, y = 0.0;
  const Dem dem = load_around("srtm3_N46E008_swiss_alps.tif", 46.3, 8.9, radius_m, x, y);
  const Raster<float>& z = dem.elevation_m;
  prop::LinkParams link = test_link();
  link.freq_mhz = 2600.0;
  link.tx_height_m = 15.0;
  auto model = prop::make_model("itm");
  Agreement a;
  accumulate(path_loss_exact(z, x, y, *model, link, radius_m), path_loss_radial(z, x, y, *model, link, radius_m), a);
  MESSAGE(describe("itm, Swiss Alps at 30 m (46.3 N, 8.9 E), 2600 MHz, tx 15 m", a, 0, 0));
  check_contract(a, 200000);
}

TEST_CASE("radial p526 meets the contract beside a sharp feature of the 1\" ridge at 30 m") {
  // Site 16.9 N, 106.1 E, 8 km (found by tools/agreement over 25 sites of
  // the tile): a receiver 2.1 km from the site in line of sight, grazing
  // an edge of the ray 3.8 m above the cell's own line there.  The ray
  // sample's error was estimated from its own cell's slope bound (0.047,
  // 1.1 m) while its neighbourhood's is 0.51, and the kernel gave 112.6 dB
  // for the exact engine's 103.9 (8.7 dB off).  The edge is now also
  // lowered by the neighbourhood's bound, which holds (kernels_diffraction.cpp).
  PHUSONG_REQUIRE_SHARED();
  double x = 0.0, y = 0.0;
  const Dem dem = load_around("synthetic_ridge_1s.tif", 16.9, 106.1, 8000.0, x, y);
  const Raster<float>& z = dem.elevation_m;
  auto model = prop::make_model("p526");
  Agreement a;
  accumulate(path_loss_exact(z, x, y, *model, test_link(), 8000.0),
             path_loss_radial(z, x, y, *model, test_link(), 8000.0), a);
  MESSAGE(describe("p526, synthetic ridge 1\" at 30 m (16.9 N, 106.1 E)", a, 0, 0));
  check_contract(a, 200000);
}

TEST_CASE("radial p1812 at 10 % of the time (Ldβ with aβ, and ducting) meets the contract") {
  // At 50 % of the time P.1812-6 eq. (40) gives Fi = 0 and the kernel skips
  // the second delta-Bullington; here it computes it (the horizons, vmax and
  // the smooth term at aβ = 3 x 6371 km).
  PHUSONG_REQUIRE_SHARED();
  const Dem& dem = brindabella();
  Transformer tr(kWgs84, dem.info.working_crs);
  prop::LinkParams link;
  link.freq_mhz = 900.0;
  link.tx_height_m = 40.0;
  link.rx_height_m = 1.5;
  link.time_pct = 10.0;
  auto model = prop::make_model("p1812");
  model->check(link, "test");
  Agreement a;
  for (const auto& [lon, lat] : {std::pair{149.35, -35.45}, std::pair{149.65, -35.65}}) {
    const auto [x, y] = tr.forward(lon, lat);
    accumulate(path_loss_exact(dem.elevation_m, x, y, *model, link, 20000.0),
               path_loss_radial(dem.elevation_m, x, y, *model, link, 20000.0), a);
  }
  MESSAGE(describe("p1812 at 10 % time", a, 0, 0));
  check_contract(a, 200000);
}

TEST_CASE("radial engine is bit-identical at 1 and 2 threads") {
  PHUSONG_REQUIRE_SHARED();
  const Dem& dem = brindabella();
  Transformer tr(kWgs84, dem.info.working_crs);
  const auto [x, y] = tr.forward(149.45, -35.5);
  prop::LinkParams link;
  link.freq_mhz = 900.0;
  // hata: cells handed to the exact computation (exact_needed); "no kernel":
  // the fallback path
  for (const std::string name : {"itm", "deygout", "hata", "p526", "p1812", "no kernel"}) {
    auto model = name == "no kernel" ? std::unique_ptr<prop::Model>(std::make_unique<WithoutKernel>(prop::make_model("p1812")))
                                     : prop::make_model(name);
    const double radius = name == "no kernel" ? 4000.0 : 15000.0;
    const Raster<float> one = path_loss_radial(dem.elevation_m, x, y, *model, link, radius, 1);
    const Raster<float> two = path_loss_radial(dem.elevation_m, x, y, *model, link, radius, 2);
    REQUIRE(one.data().size() == two.data().size());
    CHECK(std::memcmp(one.data().data(), two.data().data(), one.data().size() * sizeof(float)) == 0);
    long defined = 0;
    for (float v : one.data()) defined += std::isfinite(v);
    CHECK(defined > 1000);
  }
}

TEST_CASE("radial fallback (model without a kernel) agrees with the exact engine") {
  PHUSONG_REQUIRE_SHARED();
  const Dem& dem = brindabella();
  Transformer tr(kWgs84, dem.info.working_crs);
  const auto [x, y] = tr.forward(149.45, -35.5);
  prop::LinkParams link;
  link.freq_mhz = 900.0;
  const WithoutKernel model_without(prop::make_model("p1812"));
  const prop::Model* model = &model_without;
  REQUIRE_FALSE(has_ray_kernel(*model));
  Agreement a;
  accumulate(path_loss_exact(dem.elevation_m, x, y, *model, link, 5000.0),
             path_loss_radial(dem.elevation_m, x, y, *model, link, 5000.0), a);
  MESSAGE(describe("p1812 (fallback)", a, 0, 0));
  CHECK(a.both > 5000);
  CHECK(a.only_exact == 0);
  CHECK(a.only_radial == 0);
  // The geometric shortfall the kernels close (above): regression floors
  // under the measured 76 % / 97 %.
  CHECK(a.within[2] >= 0.74 * a.both);
  CHECK(a.within[4] >= 0.96 * a.both);
}

TEST_CASE("radial: every cell of the window is written once; distance-only kernel is exact") {
  // Flat 201 x 201 grid, 30 m; transmitter off the cell centre.
  const Grid g = test::square_grid(201, 30.0);
  Raster<float> flat(g, 250.0f);
  const double tx = g.x_min + 100.3 * 30.0, ty = g.y_max - 99.8 * 30.0;
  prop::LinkParams link;
  auto model = prop::make_model("fspl");
  const double radius = 2900.0;
  const Raster<float> exact = path_loss_exact(flat, tx, ty, *model, link, radius);
  const Raster<float> radial = path_loss_radial(flat, tx, ty, *model, link, radius);
  long n = 0, bad = 0;
  for (size_t i = 0; i < exact.data().size(); ++i) {
    const float e = exact.data()[i], r = radial.data()[i];
    if (std::isfinite(e) != std::isfinite(r)) ++bad;
    if (std::isfinite(e) && std::isfinite(r)) {
      ++n;
      if (std::abs(e - r) > 1e-4) ++bad;
    }
  }
  CHECK(n > 25000);
  CHECK(bad == 0);
}

TEST_CASE("radial: the unchecked sampling path (no NaN near the site) equals the checked one") {
  // Where the DEM has no NaN over the rays' square, the engine samples each
  // ray in one loop without per-sample checks and takes a cell's height from
  // the DEM directly.  One NaN in a corner of that square (outside the radius,
  // so no cell or sample touches it) sends the same site down the checked
  // path (sample_bilinear per sample): both must give the same losses.
  const Grid g = test::square_grid(161, 30.0);
  const Raster<float> dem = test::rolling_terrain(g);
  const double tx = g.x_min + 80.3 * 30.0, ty = g.y_max - 80.6 * 30.0, radius = 2000.0;
  Raster<float> holed = dem;
  const int n = static_cast<int>(std::ceil(radius / 30.0)) + 1;
  holed.at(80 - n - 1, 80 - n - 1) = kNoDataF;
  prop::LinkParams link;
  link.freq_mhz = 900.0;
  for (const std::string name : {"fspl", "hata", "deygout", "p526", "itm", "p1812"}) {
    CAPTURE(name);
    auto model = prop::make_model(name);
    const Raster<float> fast = path_loss_radial(dem, tx, ty, *model, link, radius, 1);
    const Raster<float> checked = path_loss_radial(holed, tx, ty, *model, link, radius, 1);
    long both = 0, mismatched = 0;
    double max_abs = 0.0;
    for (size_t i = 0; i < fast.data().size(); ++i) {
      const float a = fast.data()[i], b = checked.data()[i];
      if (std::isfinite(a) != std::isfinite(b)) ++mismatched;
      if (std::isfinite(a) && std::isfinite(b)) {
        ++both;
        max_abs = std::max(max_abs, std::abs(static_cast<double>(a) - b));
      }
    }
    CHECK(both > 12000);
    CHECK(mismatched == 0);
    CHECK(max_abs <= 1e-3);
  }
}
