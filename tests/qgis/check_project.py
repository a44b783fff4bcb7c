#!/usr/bin/python3
"""Opens the QGIS project that `phusong run` delivers in a real QGIS and checks it.

Run by ctest (label `qgis`) when QGIS's Python bindings are present at configure
time; by hand, from the repository root:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/check_project.py \
        --phusong build/phusong --out /tmp/phusong-project-check

What it does:
  1. writes a scenario next to the output folder: the Brindabella test sites
     and villages (tests/data/brindabella) on the real SRTM tile from
     ../shared, plus four commune polygons (2 x 2 over the villages);
  2. runs `phusong run` on it;
  3. checks project.qgs as text: every layer's source is relative
     ("./coverage.gpkg|layername=...", "./rsrp_dbm.tif", ...) and no absolute
     path of the output folder appears;
  4. moves the output folder elsewhere (relative paths must follow) and
     reads the project with QgsProject: it loads, the six layers (and one
     received-power raster per carrier) are valid,
     renderers are of the right type with the classes of the side-car
     styles, the received-power legend shows the threshold, groups and
     visibility are as designed, project CRS = the working CRS, the initial
     view holds every village, title = the scenario's name;
  5. renders the project's visible layers over the initial view with
     QgsMapRendererParallelJob to project.png (non-blank).
Exit status 0 when every check passes, 77 (skipped) when ../shared is absent,
1 otherwise; each check is printed.
"""
import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEM_REL = os.path.join("geodata", "terrain", "srtm3_S36E149_brindabella.tif")
DATA = os.path.join(REPO, "tests", "data", "brindabella")
SKIP = 77

FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILURES.append(what)


# Four communes, 2 x 2 over the test villages (lon 149.02-149.34, lat -35.66 to -35.40).
COMMUNES = [
    ("XA-01", "Xã Bắc Tây", 148.98, -35.53, 149.19, -35.37),
    ("XA-02", "Xã Bắc Đông", 149.19, -35.53, 149.38, -35.37),
    ("XA-03", "Xã Nam Tây", 148.98, -35.69, 149.19, -35.53),
    ("XA-04", "Xã Nam Đông", 149.19, -35.69, 149.38, -35.53),
]


def write_scenario(work, dem):
    feats = []
    for cid, name, x0, y0, x1, y1 in COMMUNES:
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        feats.append({"type": "Feature", "properties": {"commune_id": cid, "name": name},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(os.path.join(work, "communes.geojson"), "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    shutil.copy(os.path.join(DATA, "sites.csv"), work)
    shutil.copy(os.path.join(DATA, "villages.csv"), work)
    path = os.path.join(work, "scenario.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""name: Brindabella QGIS check
description: Project check with communes.
inputs:
  dem: {dem}
  sites: sites.csv
  villages: villages.csv
  communes: communes.geojson
grid:
  resolution_m: 90
model:
  name: deygout
radio:
  technology: lte
  threshold_dbm: -105
  radius_km: 8
""")
    return path


def check_text(qgs, out, carriers):
    text = open(qgs, encoding="utf-8").read()
    root = ET.fromstring(text.split("\n", 1)[1])  # past the DOCTYPE line
    sources = [e.text for e in root.iter("datasource")]
    want = ["./coverage.gpkg|layername=villages", "./coverage.gpkg|layername=sites",
            "./coverage.gpkg|layername=communes", "./rsrp_dbm.tif", "./best_server.tif",
            "./server_count.tif"]
    check(sources[:6] == want, f"project.qgs: relative sources {sources[:6]}")
    extra = sources[6:]
    check(len(extra) == carriers and all(s.startswith("./rsrp_dbm_") and s.endswith(".tif") for s in extra),
          f"project.qgs: one relative received-power raster per carrier {extra}")
    check(out not in text and os.path.dirname(out) not in text, "project.qgs: no absolute path")
    absolute = root.find("properties/Paths/Absolute")
    check(absolute is not None and absolute.text == "false", "project.qgs: Paths/Absolute = false")


def check_project(qgs, summary, out_png):
    from qgis.core import (Qgis, QgsCoordinateReferenceSystem, QgsLayerTreeGroup, QgsLayerTreeLayer,
                           QgsMapRendererParallelJob, QgsMapSettings, QgsPointXY, QgsProject)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    print("QGIS", Qgis.QGIS_VERSION)
    prj = QgsProject.instance()
    check(prj.read(qgs), f"QgsProject.read({os.path.basename(qgs)})")
    layers = prj.mapLayers()
    carriers = [c["name"] for c in summary["by_carrier"]]
    check(len(layers) == 6 + len(carriers), f"{len(layers)} layers == 6 + {len(carriers)} carriers")
    for lid, lyr in layers.items():
        check(lyr.isValid(), f"layer {lid} ({lyr.name()}) valid")
    check(prj.title() == summary["scenario"]["name"], f"title {prj.title()!r}")
    check(prj.crs().authid() == summary["grid"]["crs"],
          f"project CRS {prj.crs().authid()} == {summary['grid']['crs']}")

    def lyr(lid):
        return layers.get("phusong_" + lid)

    want_renderers = {"villages": "categorizedSymbol", "sites": "categorizedSymbol",
                      "communes": "graduatedSymbol", "rsrp_dbm": "singlebandpseudocolor",
                      "best_server": "paletted", "server_count": "paletted"}
    for lid, rtype in want_renderers.items():
        l = lyr(lid)
        got = l.renderer().type() if l is not None and l.renderer() else None
        check(got == rtype, f"{lid}: renderer {got} == {rtype}")
        if l is not None:
            check(l.crs().authid() == summary["grid"]["crs"], f"{lid}: CRS {l.crs().authid()}")

    thr = summary["radio"]["threshold_dbm"]
    rsrp = lyr("rsrp_dbm")
    if rsrp is not None and rsrp.renderer().type() == "singlebandpseudocolor":
        sh = rsrp.renderer().shader().rasterShaderFunction()
        items = sh.colorRampItemList()
        check(len(items) == 7, f"rsrp_dbm: {len(items)} classes == 7")
        check(sh.colorRampType() == sh.Discrete, "rsrp_dbm: discrete ramp")
        check(any(abs(it.value - thr) < 1e-9 for it in items), f"rsrp_dbm: a class boundary at {thr} dBm")
        labels = [it.label for it in items]
        check(any("threshold" in t and f"{thr:g}" in t for t in labels),
              f"rsrp_dbm: legend shows the threshold ({labels})")
        check(abs(rsrp.renderer().opacity() - 0.85) < 1e-6, "rsrp_dbm: opacity 0.85 from the QML")
        ok, r, g, b, a = sh.shade(thr + 5)
        check(ok and (r, g, b) == (255, 217, 47), f"rsrp_dbm: {thr + 5} dBm shaded {(r, g, b)}")
    best = lyr("best_server")
    if best is not None and best.renderer().type() == "paletted":
        check(len(best.renderer().classes()) == summary["radio"]["cells"],
              f"best_server: {len(best.renderer().classes())} classes == cells")
    villages = lyr("villages")
    if villages is not None:
        check(villages.labelsEnabled(), "villages: labels enabled")
        check(villages.featureCount() == summary["district"]["villages_total"],
              f"villages: {villages.featureCount()} features")
        cats = villages.renderer().categories() if villages.renderer().type() == "categorizedSymbol" else []
        cols = {c.value(): c.symbol().color().name() for c in cats}
        check(cols.get("1") == "#1a9641" and cols.get("0") == "#d7191c", f"villages: colours {cols}")
    communes = lyr("communes")
    if communes is not None:
        check(communes.featureCount() == 4, f"communes: {communes.featureCount()} features")
        check(communes.labelsEnabled(), "communes: labels enabled")

    # Layer tree: groups, order and visibility.
    root = prj.layerTreeRoot()
    groups = [c.name() for c in root.children() if isinstance(c, QgsLayerTreeGroup)]
    check(groups == ["Villages & sites", "Communes", "Coverage rasters", "Received power per carrier"],
          f"groups {groups}")
    vis = {n.layerId().replace("phusong_", ""): n.isVisible() for n in root.findLayers()}
    base = {k: v for k, v in vis.items() if not k.startswith("rsrp_dbm_")}
    check(base == {"villages": True, "sites": True, "communes": False, "rsrp_dbm": True,
                   "best_server": False, "server_count": False}, f"visibility {base}")
    per_carrier = [n.layer() for n in root.findLayers() if n.layerId().startswith("phusong_rsrp_dbm_")]
    check(len(per_carrier) == len(carriers) and not any(vis[l.id().replace("phusong_", "")] for l in per_carrier),
          f"{len(per_carrier)} per-carrier rasters, hidden")
    for l in per_carrier:
        check(l.renderer().type() == "singlebandpseudocolor", f"{l.name()}: renderer {l.renderer().type()}")

    # Initial view holds every village.
    ext = prj.viewSettings().defaultViewExtent()
    check(not ext.isEmpty(), f"default view extent {ext.toString(0)}")
    if villages is not None:
        inside = all(ext.contains(QgsPointXY(f.geometry().asPoint())) for f in villages.getFeatures())
        check(inside, "default view holds every village")

    # Render the visible layers in tree order (top first) over the initial view.
    ms = QgsMapSettings()
    ms.setLayers([n.layer() for n in root.findLayers() if n.isVisible()])
    ms.setDestinationCrs(prj.crs())
    ms.setExtent(ext)
    ms.setOutputSize(QSize(1200, int(1200 * ext.height() / ext.width())))
    ms.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    check(img.save(out_png), f"rendered {out_png}")
    colours = {QColor(img.pixel(x, y)).name() for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    check(len(colours) > 20, f"project.png: {len(colours)} distinct colours sampled")
    prj.clear()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phusong", default=os.path.join(REPO, "build", "phusong"), help="the phusong program")
    ap.add_argument("--out", default=None, help="work folder (default: a fresh temporary one)")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"), help="the shared data folder")
    args = ap.parse_args()
    dem = os.path.abspath(os.path.join(args.shared, DEM_REL))
    if not os.path.exists(dem):
        print(f"skipped: {dem} is absent")
        return SKIP
    work = os.path.abspath(args.out or tempfile.mkdtemp(prefix="phusong-project-"))
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    scenario = write_scenario(work, dem)
    out = os.path.join(work, "out")
    subprocess.run([os.path.abspath(args.phusong), "run", scenario, "--quiet", "--out", out], check=True)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    check_text(os.path.join(out, "project.qgs"), out, len(summary["by_carrier"]))
    moved = os.path.join(work, "moved", "deliverables")
    os.makedirs(os.path.dirname(moved))
    shutil.move(out, moved)

    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    check_project(os.path.join(moved, "project.qgs"), summary, os.path.join(work, "project.png"))
    gc.collect()  # every layer must be gone before exitQgis
    app.exitQgis()
    print(f"outputs in {work}")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
