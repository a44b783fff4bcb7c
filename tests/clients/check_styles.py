#!/usr/bin/python3
"""Checks phusong's QGIS styles in a real, headless QGIS.

ctest `qgis_styles` (label `clients`).  By hand: build the library first (e.g.
`ninja -C build phusong_lib`), install QGIS's Python bindings
(`tools/setup --with-clients`), then from the repository root:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/clients/check_styles.py \
        --build build --out /tmp/phusong-qgis-check

What it does:
  1. writes a tiny coverage.gpkg (villages, communes, sites) and three GeoTIFFs
     (rsrp_dbm.tif, best_server.tif, server_count.tif) with GDAL's Python
     bindings, like the ones the pipeline writes;
  2. compiles and runs a small C++ program against libphusong.a which stores
     the styles with phusong::io::store_layer_style and writes the raster
     .qml side-car files with phusong::io::write_text_file_atomic;
  3. opens everything with QgsVectorLayer / QgsRasterLayer and checks that the
     default styles were applied (renderer types, class counts, colours of
     given features, label settings), then renders map.png (and one PNG per
     layer) with QgsMapRendererSequentialJob for a visual look.
Exit status 0 when every check passes, 77 (skipped) when QGIS's Python
bindings are missing (a failure when CI=true), 1 otherwise; each check is
printed.
"""
import argparse
import gc
import math
import os
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clientlib import check, client_missing, exit_with, finish  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
THRESHOLD_DBM = -110.0

FIXTURE_CPP = r"""
// Stores phusong's styles in the fixture written by check_styles.py.
#include <gdal.h>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>
#include "phusong/io/atomic_file.hpp"
#include "phusong/io/styles.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  GDALAllRegister();
  GDALDatasetH ds = GDALOpenEx((dir + "/coverage.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE,
                               nullptr, nullptr, nullptr);
  if (!ds) { std::fprintf(stderr, "cannot open coverage.gpkg\n"); return 1; }
  using namespace phusong::io;
  store_layer_style(ds, "villages", "", qml_villages(-110.0), "phusong");
  store_layer_style(ds, "communes", "", qml_communes(), "phusong");
  store_layer_style(ds, "sites", "", qml_sites({"Viettel", "VNPT", "MobiFone", "Gmobile"}), "phusong");
  GDALClose(ds);
  write_text_file_atomic(dir + "/rsrp_dbm.qml", qml_rsrp_raster(-110.0));
  write_text_file_atomic(dir + "/best_server.qml",
                         qml_paletted_raster({{0, "Viettel HH-01 A"}, {1, "Viettel HH-01 B"},
                                              {2, "VNPT HH-02 A"}, {3, "MobiFone HH-03 A"}}));
  write_text_file_atomic(dir + "/server_count.qml",
                         qml_paletted_raster({{1, "1"}, {2, "2"}, {3, "3"}}));
  return 0;
}
"""

# Cells of the fixture: (index, site, name, carrier, x, y) in UTM 48N metres.
CELLS = [
    (0, "HH-01", "Viettel HH-01 A", "Viettel", 585000.0, 2320000.0),
    (1, "HH-01", "Viettel HH-01 B", "Viettel", 585000.0, 2320000.0),
    (2, "HH-02", "VNPT HH-02 A", "VNPT", 589000.0, 2323000.0),
    (3, "HH-03", "MobiFone HH-03 A", "MobiFone", 583000.0, 2324000.0),
    (4, "HH-04", "Other HH-04 A", "Reddi", 590000.0, 2318500.0),  # not in the style's list
]
ORIGIN_X, ORIGIN_Y, PIXEL_M, COLS, ROWS = 580000.0, 2326000.0, 100.0, 120, 90


def write_fixture(out):
    from osgeo import gdal, ogr, osr
    import numpy as np

    gdal.UseExceptions()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32648)

    # Rasters: RSRP falls off with distance from cells 0, 2, 3 (log-distance).
    xs = ORIGIN_X + (np.arange(COLS) + 0.5) * PIXEL_M
    ys = ORIGIN_Y - (np.arange(ROWS) + 0.5) * PIXEL_M
    gx, gy = np.meshgrid(xs, ys)
    powers = []
    for idx, _, _, _, x, y in CELLS[:4]:
        d_km = np.maximum(np.hypot(gx - x, gy - y) / 1000.0, 0.05)
        powers.append(-75.0 - 50.0 * np.log10(d_km) - (3.0 if idx == 1 else 0.0))
    powers = np.array(powers)
    best = np.max(powers, axis=0).astype(np.float32)
    server = np.argmax(powers, axis=0).astype(np.int16)
    count = np.sum(powers >= THRESHOLD_DBM, axis=0).astype(np.uint8)
    best[:, :8] = np.nan  # a strip without data
    server[:, :8] = -1
    count[:, :8] = 0
    server[best < THRESHOLD_DBM] = -1

    def tif(name, arr, gdt, nodata):
        ds = gdal.GetDriverByName("GTiff").Create(os.path.join(out, name), COLS, ROWS, 1, gdt)
        ds.SetGeoTransform([ORIGIN_X, PIXEL_M, 0, ORIGIN_Y, 0, -PIXEL_M])
        ds.SetProjection(srs.ExportToWkt())
        b = ds.GetRasterBand(1)
        b.SetNoDataValue(nodata)
        b.WriteArray(arr)
        ds = None

    tif("rsrp_dbm.tif", best, gdal.GDT_Float32, float("nan"))
    tif("best_server.tif", server, gdal.GDT_Int16, -1)
    tif("server_count.tif", count, gdal.GDT_Byte, 0)

    ds = gdal.GetDriverByName("GPKG").Create(os.path.join(out, "coverage.gpkg"), 0, 0, 0, gdal.GDT_Unknown)

    communes = ds.CreateLayer("communes", srs, ogr.wkbPolygon)
    for n, t in [("name", ogr.OFTString), ("villages_total", ogr.OFTInteger),
                 ("villages_covered", ogr.OFTInteger), ("pct_villages_covered", ogr.OFTReal),
                 ("population_total", ogr.OFTInteger), ("population_covered", ogr.OFTInteger),
                 ("pct_population_covered", ogr.OFTReal)]:
        communes.CreateField(ogr.FieldDefn(n, t))
    # Four communes in a 2 x 2 grid, one per class.
    w = COLS * PIXEL_M / 2
    h = ROWS * PIXEL_M / 2
    for k, (name, tot, cov) in enumerate([("Xa An", 10, 3), ("Xa Binh", 10, 7),
                                          ("Xa Cuong", 20, 17), ("Xa Dong", 8, 8)]):
        x0 = ORIGIN_X + (k % 2) * w
        y1 = ORIGIN_Y - (k // 2) * h
        f = ogr.Feature(communes.GetLayerDefn())
        f["name"], f["villages_total"], f["villages_covered"] = name, tot, cov
        f["pct_villages_covered"] = 100.0 * cov / tot
        f["population_total"], f["population_covered"] = tot * 500, cov * 500
        f["pct_population_covered"] = 100.0 * cov / tot
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON(({x0} {y1},{x0 + w} {y1},{x0 + w} {y1 - h},{x0} {y1 - h},{x0} {y1}))"))
        communes.CreateFeature(f)

    villages = ds.CreateLayer("villages", srs, ogr.wkbPoint)
    for n, t in [("name", ogr.OFTString), ("commune", ogr.OFTString), ("population", ogr.OFTInteger),
                 ("rsrp_dbm", ogr.OFTReal), ("covered", ogr.OFTInteger),
                 ("serving_site", ogr.OFTString), ("carrier", ogr.OFTString),
                 ("margin_db", ogr.OFTReal)]:
        villages.CreateField(ogr.FieldDefn(n, t))
    rng = np.random.default_rng(7)
    for i in range(30):
        col, row = int(rng.integers(8, COLS)), int(rng.integers(0, ROWS))
        x = ORIGIN_X + (col + 0.5) * PIXEL_M
        y = ORIGIN_Y - (row + 0.5) * PIXEL_M
        r = float(best[row, col])
        f = ogr.Feature(villages.GetLayerDefn())
        f["name"] = f"Thon {i + 1}"
        f["commune"] = "Xa An"
        f["population"] = 300 + 10 * i
        f["rsrp_dbm"] = r
        f["covered"] = 1 if r >= THRESHOLD_DBM else 0
        f["serving_site"] = CELLS[int(server[row, col])][1] if server[row, col] >= 0 else None
        f["carrier"] = "Viettel"
        f["margin_db"] = r - THRESHOLD_DBM
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT({x} {y})"))
        villages.CreateFeature(f)

    sites = ds.CreateLayer("sites", srs, ogr.wkbPoint)
    for n, t in [("site_id", ogr.OFTString), ("cell_id", ogr.OFTString), ("name", ogr.OFTString),
                 ("carrier", ogr.OFTString), ("technology", ogr.OFTString),
                 ("freq_mhz", ogr.OFTReal), ("height_m", ogr.OFTReal), ("azimuth_deg", ogr.OFTReal),
                 ("eirp_dbm", ogr.OFTReal), ("index", ogr.OFTInteger)]:
        sites.CreateField(ogr.FieldDefn(n, t))
    for idx, site, name, carrier, x, y in CELLS:
        f = ogr.Feature(sites.GetLayerDefn())
        f["site_id"], f["cell_id"], f["name"], f["carrier"] = site, name[-1], name, carrier
        f["technology"], f["freq_mhz"], f["height_m"] = "LTE", 1800.0, 30.0
        f["azimuth_deg"], f["eirp_dbm"], f["index"] = 120.0 * (idx % 3), 60.0, idx
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT({x} {y})"))
        sites.CreateFeature(f)
    ds = None


def build_and_run_fixture_program(build, out):
    lib = os.path.join(build, "libphusong.a")
    if not os.path.exists(lib):
        sys.exit(f"{lib} not found: build phusong_lib first")
    src = os.path.join(out, "store_styles.cpp")
    exe = os.path.join(out, "store_styles")
    with open(src, "w") as f:
        f.write(FIXTURE_CPP)
    gdal_libs = subprocess.run(["gdal-config", "--libs"], check=True, capture_output=True,
                               text=True).stdout.split()
    gdal_cflags = subprocess.run(["gdal-config", "--cflags"], check=True, capture_output=True,
                                 text=True).stdout.split()
    subprocess.run(["c++", "-std=c++20", "-O1", "-I", os.path.join(REPO, "include"),
                    "-I", os.path.join(build, "generated"), *gdal_cflags, src, lib, *gdal_libs,
                    "-o", exe], check=True)
    subprocess.run([exe, out], check=True)


def color_tuple(c):
    return (c.red(), c.green(), c.blue(), c.alpha())


def check_layers(out):
    from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsExpression,
                           QgsExpressionContext, QgsExpressionContextUtils, QgsMapRendererSequentialJob,
                           QgsMapSettings, QgsRasterLayer, QgsRenderContext, QgsSimpleMarkerSymbolLayerBase,
                           QgsVectorLayer, Qgis)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    print("QGIS", Qgis.QGIS_VERSION)
    gpkg = os.path.join(out, "coverage.gpkg")

    def vlayer(name):
        lyr = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        check(lyr.isValid(), f"{name}: layer valid")
        return lyr

    def symbol_color(lyr, feature):
        ctx = QgsRenderContext()
        r = lyr.renderer().clone()
        r.startRender(ctx, lyr.fields())
        sym = r.symbolForFeature(feature, ctx)
        col = None if sym is None else color_tuple(sym.color())
        r.stopRender(ctx)
        return col

    villages = vlayer("villages")
    r = villages.renderer()
    check(r.type() == "categorizedSymbol", f"villages: renderer {r.type()} is categorizedSymbol")
    check(getattr(r, "classAttribute", lambda: "")() == "covered", "villages: classified on covered")
    cats = r.categories() if r.type() == "categorizedSymbol" else []
    check(len(cats) == 2, f"villages: {len(cats)} categories == 2")
    check(villages.labelsEnabled(), "villages: labels enabled")
    if villages.labeling():
        check(villages.labeling().settings().fieldName == "name", "villages: labelled with name")
    for f in villages.getFeatures():
        want = (26, 150, 65, 255) if f["covered"] == 1 else (215, 25, 28, 255)
        got = symbol_color(villages, f)
        if got != want:
            check(False, f"villages: feature {f['name']} colour {got} != {want}")
            break
    else:
        check(True, "villages: covered green, not covered red")

    communes = vlayer("communes")
    r = communes.renderer()
    check(r.type() == "graduatedSymbol", f"communes: renderer {r.type()} is graduatedSymbol")
    ranges = r.ranges() if r.type() == "graduatedSymbol" else []
    bounds = [(round(rg.lowerValue(), 4), round(rg.upperValue(), 4)) for rg in ranges]
    check(bounds == [(0, 50), (50, 80), (80, 90), (90, 100)], f"communes: ranges {bounds}")
    # A break value belongs to the class above it (80 % of villages -> 80-90).
    if ranges:
        for v, k in [(0, 0), (49.9, 0), (50, 1), (79.9, 1), (80, 2), (90, 3), (100, 3)]:
            rg = r.rangeForValue(v)
            check(rg is not None and rg.label() == ranges[k].label(),
                  f"communes: {v} % in class {rg.label() if rg else None!r}")
    check(communes.labelsEnabled(), "communes: labels enabled")
    if communes.labeling():
        s = communes.labeling().settings()
        check(s.isExpression, "communes: label is an expression")
        exp = QgsExpression(s.fieldName)
        ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(communes))
        f = next(communes.getFeatures())
        ctx.setFeature(f)
        text = exp.evaluate(ctx)
        check(not exp.hasEvalError() and text == "Xa An\n3/10",
              f"communes: label of the first commune is {text!r}")
    for f in communes.getFeatures():
        col = symbol_color(communes, f)
        check(col is not None and col[3] < 255,
              f"communes: {f['name']} ({f['pct_villages_covered']:.0f} %) fill {col} semi-transparent")

    sites = vlayer("sites")
    r = sites.renderer()
    check(r.type() == "categorizedSymbol", f"sites: renderer {r.type()} is categorizedSymbol")
    cats = r.categories() if r.type() == "categorizedSymbol" else []
    check(len(cats) == 5, f"sites: {len(cats)} categories == 5")
    want = {"Viettel": (228, 26, 28, 255), "VNPT": (31, 92, 200, 255),
            "MobiFone": (0, 150, 136, 255), "Reddi": (150, 150, 150, 255)}
    for f in sites.getFeatures():
        if f["carrier"] in want:
            got = symbol_color(sites, f)
            check(got == want[f["carrier"]], f"sites: {f['carrier']} colour {got}")
    shapes = {c.symbol().symbolLayer(0).shape() for c in cats}
    check(shapes == {QgsSimpleMarkerSymbolLayerBase.Triangle}, f"sites: marker shapes {shapes} are triangles")

    def rlayer(name):
        lyr = QgsRasterLayer(os.path.join(out, name), name)
        check(lyr.isValid(), f"{name}: layer valid")
        return lyr

    rsrp = rlayer("rsrp_dbm.tif")
    r = rsrp.renderer()
    check(r.type() == "singlebandpseudocolor", f"rsrp_dbm: renderer {r.type()}")
    if r.type() == "singlebandpseudocolor":
        sh = r.shader().rasterShaderFunction()
        items = sh.colorRampItemList()
        values = [it.value for it in items]
        check(len(items) == 7, f"rsrp_dbm: {len(items)} classes == 7")
        check(values[:6] == [-130, -120, -110, -100, -90, -70] and math.isinf(values[6]),
              f"rsrp_dbm: class bounds {values}")
        check(sh.colorRampType() == sh.Discrete, "rsrp_dbm: discrete ramp")
        check(items[0].color.alpha() == 0, "rsrp_dbm: lowest class transparent")
        check("dBm" in items[3].label, f"rsrp_dbm: legend label {items[3].label!r}")
        # Pixel colour checks through the shader.
        for v, want_rgb in [(-125.0, (215, 25, 28)), (-105.0, (255, 217, 47)), (-60.0, (44, 123, 182))]:
            ok, red, green, blue, alpha = sh.shade(v)
            check(ok and (red, green, blue) == want_rgb, f"rsrp_dbm: {v} dBm shaded {(red, green, blue)}")

    for name, n in [("best_server.tif", 4), ("server_count.tif", 3)]:
        lyr = rlayer(name)
        r = lyr.renderer()
        check(r.type() == "paletted", f"{name}: renderer {r.type()}")
        if r.type() == "paletted":
            classes = r.classes()
            check(len(classes) == n, f"{name}: {len(classes)} palette entries == {n}")
            check(len({c.color.name() for c in classes}) == n, f"{name}: distinct colours")
        if name == "best_server.tif" and r.type() == "paletted":
            check(r.classes()[0].label == "Viettel HH-01 A", "best_server: labels")

    # Render: every layer together, and each raster alone.
    def render(layers, path):
        ms = QgsMapSettings()
        ms.setLayers(layers)
        ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:32648"))
        ext = rsrp.extent()
        ext.scale(1.05)
        ms.setExtent(ext)
        ms.setOutputSize(QSize(1200, 900))
        ms.setBackgroundColor(QColor(255, 255, 255))
        job = QgsMapRendererSequentialJob(ms)
        job.start()
        job.waitForFinished()
        img = job.renderedImage()
        check(img.save(path), f"rendered {os.path.basename(path)}")
        return img

    img = render([sites, villages, communes, rsrp], os.path.join(out, "map.png"))
    # The image must not be blank: count non-white pixels on a coarse grid.
    coloured = sum(1 for x in range(0, img.width(), 10) for y in range(0, img.height(), 10)
                   if QColor(img.pixel(x, y)).name() != "#ffffff")
    check(coloured > 1000, f"map.png: {coloured} coloured samples of 10800")
    render([sites, villages, rsrp], os.path.join(out, "rsrp_villages.png"))
    render([sites, rlayer("best_server.tif")], os.path.join(out, "best_server.png"))
    render([rlayer("server_count.tif")], os.path.join(out, "server_count.png"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"), help="CMake build folder")
    ap.add_argument("--out", default=None, help="output folder (default: a fresh temporary one)")
    args = ap.parse_args()
    try:
        from qgis.core import QgsApplication
    except ImportError as e:
        return client_missing(f"QGIS's Python bindings do not import ({e})")
    out = args.out or tempfile.mkdtemp(prefix="phusong-qgis-")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    write_fixture(out)
    build_and_run_fixture_program(os.path.abspath(args.build), out)
    app = QgsApplication([], False)
    app.initQgis()
    check_layers(out)
    gc.collect()  # every layer must be gone before exitQgis
    app.exitQgis()
    print(f"outputs in {out}")
    return finish("check_styles")


if __name__ == "__main__":
    exit_with(main())
