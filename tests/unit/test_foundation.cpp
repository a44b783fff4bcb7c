// Unit tests of the foundation modules on tiny grids: raster, geo, terrain,
// analysis.
#include <doctest/doctest.h>
#include <geos_c.h>

#include <cmath>
#include <limits>
#include <vector>

#include <gdal.h>
#include <ogr_srs_api.h>

#include "phusong/analysis/villages.hpp"
#include "phusong/geo/crs.hpp"
#include "phusong/io/raster_output.hpp"
#include "phusong/raster/raster.hpp"
#include "phusong/raster/warp.hpp"
#include "phusong/terrain/dem.hpp"
#include "phusong/terrain/profile.hpp"
#include "test_support.hpp"

using namespace phusong;

namespace {
Grid tiny(int rows, int cols, double cell = 10.0) {
  Grid g;
  g.rows = rows;
  g.cols = cols;
  g.x_min = 1000;
  g.y_max = 2000;
  g.dx = g.dy = cell;
  return g;
}
}  // namespace

TEST_CASE("raster: row 0 is north, cell centres and containment") {
  const Grid g = tiny(3, 4);
  CHECK(g.cell_x(0) == 1005);
  CHECK(g.cell_y(0) == 1995);  // northern row
  CHECK(g.cell_y(2) == 1975);
  CHECK(g.y_min() == 1970);
  CHECK(g.contains(1000, 2000));
  CHECK_FALSE(g.contains(1040, 1990));  // east edge is exclusive
  CHECK(static_cast<int>(g.row_f(1971)) == 2);
}

TEST_CASE("raster: bilinear sampling is exact on a plane and NaN outside") {
  Raster<float> r(tiny(3, 3), 0.0f);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.at(i, j) = static_cast<float>(10 * j - 5 * i);  // z = x-linear, y-linear
  // Between the centres of (0,0) and (1,1): the average of the four corners.
  CHECK(sample_bilinear(r, 1010, 1990) == doctest::Approx((0 + 10 - 5 + 5) / 4.0));
  CHECK(sample_bilinear(r, 1005, 1995) == doctest::Approx(0));
  CHECK(std::isnan(sample_bilinear(r, 999, 1990)));
  r.at(1, 1) = kNoDataF;
  CHECK(std::isnan(sample_bilinear(r, 1012, 1988)));
}

TEST_CASE("geo: UTM zone choice and a PROJ round trip") {
  CHECK(utm_epsg_for(106.75, 16.65) == 32648);   // Hướng Hóa
  CHECK(utm_epsg_for(105.0, 20.4) == 32648);     // Quan Hóa
  CHECK(utm_epsg_for(149.5, -35.5) == 32755);    // Brindabella
  CHECK(utm_epsg_for(-179.9, 10) == 32601);
  Transformer t(kWgs84, "EPSG:32648");
  auto [x, y] = t.forward(105.0, 0.0);  // central meridian of zone 48 on the equator
  CHECK(x == doctest::Approx(500000.0).epsilon(1e-9));
  CHECK(y == doctest::Approx(0.0).epsilon(1e-6));
  auto [lon, lat] = t.inverse(712345.0, 1843210.0);
  auto [x2, y2] = t.forward(lon, lat);
  CHECK(x2 == doctest::Approx(712345.0).epsilon(1e-9));
  CHECK(y2 == doctest::Approx(1843210.0).epsilon(1e-9));
  CHECK(crs_is_geographic("EPSG:4326"));
  CHECK_FALSE(crs_is_geographic("EPSG:32648"));
}

TEST_CASE("warp: the lattice transform stays within 1e-4 source pixels of PROJ's exact one (UTM from 3-second lon/lat)") {
  // A 3-second lon/lat source whose values are its own pixel coordinates
  // (a ramp: bilinear sampling returns the position it samples), warped onto
  // a 30 m UTM grid 2 to 3.5 degrees east of the zone's central meridian
  // (Brindabella): each cell must hold the source position PROJ gives for its
  // centre.  The warp's transform is exact only every 16 columns; with a
  // lattice of 64 columns the error reaches 5.5e-4 pixels here and this fails.
  gdal_init();
  const double res_deg = 1.0 / 1200.0, lon0 = 148.9, lat0 = -35.1;
  const int src_cols = 840, src_rows = 600;
  for (const bool along_rows : {false, true}) {
    CAPTURE(along_rows);
    GdalDataset src(GDALCreate(GDALGetDriverByName("MEM"), "", src_cols, src_rows, 1, GDT_Float64, nullptr));
    REQUIRE(src);
    double gt[6] = {lon0, res_deg, 0.0, lat0, 0.0, -res_deg};
    GDALSetGeoTransform(src.get(), gt);
    GDALSetProjection(src.get(), SRS_WKT_WGS84_LAT_LONG);
    std::vector<double> ramp(static_cast<size_t>(src_cols) * src_rows);
    for (int r = 0; r < src_rows; ++r)
      for (int c = 0; c < src_cols; ++c) ramp[static_cast<size_t>(r) * src_cols + c] = (along_rows ? r : c) + 0.5;
    REQUIRE(GDALRasterIO(GDALGetRasterBand(src.get(), 1), GF_Write, 0, 0, src_cols, src_rows, ramp.data(), src_cols,
                         src_rows, GDT_Float64, 0, 0) == CE_None);
    WarpSource ws;
    ws.dataset = src.get();
    std::copy(gt, gt + 6, ws.file_gt);
    ws.crs_wkt = GDALGetProjectionRef(src.get());
    Grid g;
    g.crs_wkt = crs_to_wkt("EPSG:32755");
    g.dx = g.dy = 30.0;
    g.x_min = 692000.0;
    g.y_max = 6100000.0;
    g.cols = 1000;
    g.rows = 700;
    GdalDataset out = warp_to_grid(ws, g, g.rows, GRA_Bilinear, GDT_Float64, std::numeric_limits<double>::quiet_NaN());
    std::vector<double> v(g.size());
    REQUIRE(GDALRasterIO(GDALGetRasterBand(out.get(), 1), GF_Read, 0, 0, g.cols, g.rows, v.data(), g.cols, g.rows,
                         GDT_Float64, 0, 0) == CE_None);
    Transformer t(kWgs84, "EPSG:32755");
    double worst = 0.0;
    long checked = 0;
    for (int r = 0; r < g.rows; ++r)
      for (int c = 0; c < g.cols; ++c) {
        const auto [lon, lat] = t.inverse(g.cell_x(c), g.cell_y(r));
        const double px = (lon - lon0) / res_deg, py = (lat0 - lat) / res_deg;
        if (px < 1 || py < 1 || px > src_cols - 1 || py > src_rows - 1) continue;  // the ramp's edges clamp
        const double got = v[static_cast<size_t>(r) * g.cols + c];
        const double err = std::abs(got - (along_rows ? py : px));
        worst = std::isfinite(got) ? std::max(worst, err) : std::numeric_limits<double>::infinity();
        ++checked;
      }
    MESSAGE("largest error " << worst << " source pixels over " << checked << " cells");
    CHECK(checked > 600000);
    CHECK(worst < 1e-4);
  }
}

TEST_CASE("COG: the same bytes whatever the compression threads") {
  // 1 300 x 1 100 cells: 30 tiles of 256 and overviews, a NaN corner.
  Grid g = test::square_grid(1300, 30.0);
  g.rows = 1100;
  g.crs_wkt = crs_to_wkt("EPSG:32648");
  Raster<float> r = test::rolling_terrain(g);
  for (int i = 0; i < 300; ++i)
    for (int j = 0; j < 400; ++j) r.at(i, j) = kNoDataF;
  const auto dir = test::temp_dir("cog_threads");
  std::string first;
  for (const int threads : {1, 2, 0}) {
    CAPTURE(threads);
    const auto path = (dir / ("t" + std::to_string(threads) + ".tif")).string();
    io::write_cog(path, r, io::BandInfo{"test", "m", {}}, threads);
    const std::string bytes = test::slurp(path);
    REQUIRE(bytes.size() > 100000);
    if (first.empty()) first = bytes;
    CHECK(bytes == first);
  }
}

TEST_CASE("terrain: voids are filled from their edges, none left") {
  Raster<float> r(tiny(5, 5), 100.0f);
  r.at(2, 2) = kNoDataF;
  r.at(2, 3) = kNoDataF;
  r.at(0, 0) = kNoDataF;
  CHECK(fill_voids(r) == 3);
  for (float v : r.data()) CHECK(v == doctest::Approx(100.0f));
  // A void wider than the search distance still gets a value.
  Raster<float> wide(tiny(4, 40), kNoDataF);
  wide.at(0, 0) = 50.0f;
  CHECK(fill_voids(wide, 2.0) == 159);
  for (float v : wide.data()) CHECK_FALSE(std::isnan(v));
}

TEST_CASE("terrain: profile samples equally spaced, end exactly on the target") {
  Raster<float> r(tiny(10, 10), 0.0f);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) r.at(i, j) = static_cast<float>(j);  // rises eastward 0.1 m per metre
  prop::Profile p;
  REQUIRE(extract_profile(r, 1005, 1995, 1095, 1995, 10.0, p));
  CHECK(p.size() == 10);
  CHECK(p.length_m() == doctest::Approx(90));
  CHECK(p.distance_m[1] == doctest::Approx(10));
  CHECK(p.height_m.front() == doctest::Approx(0));
  CHECK(p.height_m.back() == doctest::Approx(9));
  CHECK_FALSE(extract_profile(r, 1005, 1995, 1500, 1995, 10.0, p));  // leaves the grid
}

TEST_CASE("analysis: villages read their grid cell; communes add up; GEOS assigns communes") {
  Composite comp{Raster<float>(tiny(2, 2), kNoDataF), Raster<std::int16_t>(tiny(2, 2), -1),
                 Raster<std::uint8_t>(tiny(2, 2), 0)};
  comp.best_dbm.at(0, 0) = -100.0f;
  comp.best_cell.at(0, 0) = 0;
  comp.count.at(0, 0) = 2;
  comp.best_dbm.at(0, 1) = -115.0f;
  comp.best_cell.at(0, 1) = 1;
  std::vector<analysis::Village> v(3);
  v[0] = {"1", "A", "", 100, 0, 0, 1004, 1996};  // cell (0,0): covered
  v[1] = {"2", "B", "", 300, 0, 0, 1014, 1996};  // cell (0,1): -115 < -110
  v[2] = {"3", "C", "", 50, 0, 0, 1004, 1984};   // cell (1,0): no signal
  // Two communes: west half and east half, as WKB from GEOS.
  GEOSContextHandle_t h = GEOS_init_r();
  GEOSWKBWriter* w = GEOSWKBWriter_create_r(h);
  GEOSWKTReader* rd = GEOSWKTReader_create_r(h);
  std::vector<analysis::Commune> communes;
  for (auto [name, wkt] : {std::pair{"West", "POLYGON((1000 1980,1010 1980,1010 2000,1000 2000,1000 1980))"},
                           std::pair{"East", "POLYGON((1010 1980,1020 1980,1020 2000,1010 2000,1010 1980))"}}) {
    GEOSGeometry* g = GEOSWKTReader_read_r(h, rd, wkt);
    size_t n = 0;
    unsigned char* buf = GEOSWKBWriter_write_r(h, w, g, &n);
    analysis::Commune c;
    c.name = name;
    c.wkb.assign(buf, buf + n);
    communes.push_back(c);
    GEOSFree_r(h, buf);
    GEOSGeom_destroy_r(h, g);
  }
  GEOSWKTReader_destroy_r(h, rd);
  GEOSWKBWriter_destroy_r(h, w);
  GEOS_finish_r(h);
  {
    // the villages' own column: B names the wrong commune, C none; a copy
    // of A lies outside both polygons
    auto w = v;
    w[1].commune = "West";
    w.push_back({"4", "D", "Elsewhere", 10, 0, 0, 990, 1996});
    const auto a = analysis::assign_communes(w, communes);
    CHECK(a.renamed == 1);  // B; an empty field is not counted
    CHECK(a.outside == 1);  // D keeps its own field
    CHECK(w[1].commune == "East");
    CHECK(w[3].commune == "Elsewhere");
  }
  const auto a = analysis::assign_communes(v, communes);
  CHECK(a.renamed == 0);
  CHECK(a.outside == 0);
  CHECK(v[0].commune == "West");
  CHECK(v[1].commune == "East");
  CHECK(v[2].commune == "West");
  const auto rep = analysis::analyse(comp, v, communes, -110.0);
  CHECK(rep.villages[0].covered);
  CHECK(rep.villages[0].margin_db == doctest::Approx(10));
  CHECK(rep.villages[0].servers == 2);
  CHECK_FALSE(rep.villages[1].covered);
  CHECK(rep.villages[1].cell_index == 1);
  CHECK(std::isnan(rep.villages[2].rsrp_dbm));
  CHECK(rep.district.villages_covered == 1);
  CHECK(rep.district.villages_total == 3);
  CHECK(rep.district.population_covered == 100);
  CHECK(rep.district.pct_population() == 22.2);  // 100 of 450, as reported
  REQUIRE(rep.communes.size() == 2);
  CHECK(rep.communes[0].name == "West");
  CHECK(rep.communes[0].villages_covered == 1);
  CHECK(rep.communes[0].villages_total == 2);
  CHECK(rep.communes[1].uncovered == std::vector<size_t>{1});
}

TEST_CASE("analysis: one rounding for every reported share; no 100.0 with a village missing; none without villages") {
  using analysis::pct_text;
  using analysis::reported_pct;
  // halves round up, from the counts (13/16 = 81.25 printed with %.1f gives 81.2)
  CHECK(reported_pct(13, 16) == 81.3);
  CHECK(pct_text(reported_pct(13, 16)) == "81.3");
  CHECK(reported_pct(1, 16) == 6.3);
  CHECK(reported_pct(361, 400) == 90.3);
  CHECK(reported_pct(89, 100) == 89.0);
  CHECK(reported_pct(2, 3) == 66.7);
  // the ends are reached only by all or none
  CHECK(reported_pct(5, 5) == 100.0);
  CHECK(reported_pct(0, 5) == 0.0);
  CHECK(reported_pct(24990, 25000) == 99.9);  // 99.96 would print 100.0
  CHECK(pct_text(reported_pct(24990, 25000)) == "99.9");
  CHECK(reported_pct(10, 25000) == 0.1);  // 0.04
  // no villages: no figure
  CHECK(std::isnan(reported_pct(0, 0)));
  CHECK(pct_text(reported_pct(0, 0)) == "n/a");
  analysis::CommuneStats empty;
  CHECK(std::isnan(empty.pct_villages()));
  CHECK(std::isnan(empty.pct_population()));
  // large populations do not overflow
  CHECK(reported_pct(4'000'000'000'000LL, 8'000'000'000'000LL) == 50.0);
}
