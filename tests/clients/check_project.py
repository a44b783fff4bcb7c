#!/usr/bin/python3
"""Opens the QGIS project that `phusong run` delivers in a real, headless QGIS.

ctest `qgis_project` (label `clients`); by hand, from the repository root:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/clients/check_project.py \
        --phusong build/phusong --out /tmp/phusong-project-check

What it does:
  1. writes a scenario next to the output folder: the Brindabella test sites
     and villages (tests/data/brindabella) on the real SRTM tile from
     ../shared, plus four commune polygons (2 x 2 over the villages);
  2. runs `phusong run` on it;
  3. checks project.qgz as a zip (one entry, project.qgs, as QGIS writes a
     .qgz) and the project document as text: every layer's source is
     relative ("./coverage.gpkg|layername=...", "./rsrp_dbm.tif", ...) and
     no absolute path of the output folder appears;
  4. moves the output folder elsewhere (relative paths must follow) and
     reads project.qgz with QgsProject: it loads, the six layers (and one
     received-power raster per carrier) are valid with the working CRS,
     renderers are of the right type with the classes of the side-car
     styles, the received-power legend shows the threshold, groups and
     visibility are as designed, project CRS = the working CRS, the initial
     view holds every village, title = the scenario's name;
  5. renders the project's visible layers (villages on top) over the initial
     view with QgsMapRendererParallelJob to project.png and samples the
     rendered colour at every village's pixel (villages.csv lon/lat through
     the map settings' transform): it must be the villages style's covered
     or uncovered symbol colour, as villages.csv says;
  6. reads the received-power raster at every village through QGIS's raster
     data provider (sample) and compares it with villages.csv's rsrp_dbm
     (printed with 2 decimals: |delta| <= 0.005 dB);
  7. runs `phusong compare` of that run against the same scenario with a
     -120 dBm threshold and opens the comparison's project.qgz: villages
     (compare.gpkg, EPSG:4326), coverage change and B - A rasters valid and
     styled; every village rendered in its status's colour (some gained).
Exit status 0 when every check passes, 77 (skipped) when ../shared is absent
or QGIS's Python bindings are missing (a failure when CI=true), 1 otherwise;
each check is printed.
"""
import gc
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clientlib import (check, client_missing, exit_with, finish,  # noqa: E402
                       read_villages_csv, run_phusong, shared_check_args, work_dir, SKIP)

def check_text(qgz, out, carriers):
    with zipfile.ZipFile(qgz) as z:
        names = z.namelist()
        check(names == ["project.qgs"], f"project.qgz: entries {names} == ['project.qgs']")
        check(z.testzip() is None, "project.qgz: every entry's CRC is right")
        text = z.read("project.qgs").decode("utf-8") if "project.qgs" in names else ""
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


def check_project(qgz, summary, out_png, villages_csv):
    from qgis.core import (Qgis, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsLayerTreeGroup,
                           QgsMapRendererParallelJob, QgsMapSettings, QgsPointXY, QgsProject)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    print("QGIS", Qgis.QGIS_VERSION)
    prj = QgsProject.instance()
    t = time.monotonic()
    check(prj.read(qgz), f"QgsProject.read({os.path.basename(qgz)}) ({time.monotonic() - t:.2f} s)")
    check(os.path.basename(prj.fileName()) == "project.qgz", f"project file {prj.fileName()}")
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

    # Render the visible layers in tree order (top first: the villages'
    # markers over everything) over the initial view.
    ms = QgsMapSettings()
    visible = [n.layer() for n in root.findLayers() if n.isVisible()]
    check(visible and visible[0] is villages, "villages drawn on top")
    ms.setLayers(visible)
    ms.setDestinationCrs(prj.crs())
    ms.setExtent(ext)
    ms.setOutputSize(QSize(1200, int(1200 * ext.height() / ext.width())))
    ms.setOutputDpi(96)
    ms.setBackgroundColor(QColor(255, 255, 255))
    t = time.monotonic()
    job = QgsMapRendererParallelJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    check(img.save(out_png), f"rendered {out_png} {img.width()}x{img.height()} ({time.monotonic() - t:.2f} s)")
    colours = {QColor(img.pixel(x, y)).name() for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    check(len(colours) > 20, f"project.png: {len(colours)} distinct colours sampled")

    rows = read_villages_csv(villages_csv)
    check(len(rows) == summary["district"]["villages_total"], f"villages.csv: {len(rows)} rows")

    # The rendered colour at every village: its symbol's colour in the style.
    want_col = {}
    if villages is not None and villages.renderer().type() == "categorizedSymbol":
        for c in villages.renderer().categories():
            sym = c.symbol()
            want_col[c.value()] = sym.color()
            check(sym.opacity() == 1.0 and sym.color().alpha() == 255,
                  f"villages: symbol {c.value()} opaque ({sym.opacity()}, alpha {sym.color().alpha()})")
    to_map = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), prj.crs(), prj)
    m2p = ms.mapToPixel()
    sampled = {"1": [], "0": []}
    for row in rows:
        p = to_map.transform(QgsPointXY(float(row["lon"]), float(row["lat"])))
        px = m2p.transform(p)
        x, y = int(round(px.x())), int(round(px.y()))
        if not (0 <= x < img.width() and 0 <= y < img.height()):
            check(False, f"{row['name']}: pixel ({x}, {y}) outside the image")
            continue
        got = QColor(img.pixel(x, y))
        want = want_col.get(row["covered"])
        if want is None:
            check(False, f"{row['name']}: no symbol for covered={row['covered']}")
            continue
        d = max(abs(got.red() - want.red()), abs(got.green() - want.green()), abs(got.blue() - want.blue()))
        sampled[row["covered"]].append(row["name"])
        check(d <= 3, f"{row['name']} (covered={row['covered']}) at pixel ({x}, {y}): rendered {got.name()}, "
                      f"style {want.name()} (max channel difference {d})")
    check(sampled["1"] and sampled["0"],
          f"sampled {len(sampled['1'])} covered and {len(sampled['0'])} uncovered villages")

    # The received-power raster read through QGIS at every village (the
    # village's working-CRS point from the villages layer) vs villages.csv.
    if rsrp is not None and villages is not None:
        provider = rsrp.dataProvider()
        at = {f["name"]: f.geometry().asPoint() for f in villages.getFeatures()}
        worst, compared, no_data = 0.0, 0, 0
        for row in rows:
            pt = at.get(row["name"])
            if pt is None:
                check(False, f"{row['name']}: not in the villages layer")
                continue
            v, ok = provider.sample(QgsPointXY(pt), 1)
            csv_v = row["rsrp_dbm"]
            if csv_v == "":
                if check(not ok or v != v, f"{row['name']}: no signal in villages.csv and no data in rsrp_dbm.tif"):
                    no_data += 1
                continue
            if not check(ok, f"{row['name']}: rsrp_dbm.tif has a value"):
                continue
            delta = abs(v - float(csv_v))
            worst = max(worst, delta)
            compared += 1
            check(delta <= 0.005 + 1e-9, f"{row['name']}: rsrp_dbm.tif {v:.4f} dBm, villages.csv {csv_v} "
                                         f"(|delta| {delta:.4f} dB)")
        check(compared > 0 and compared + no_data == len(rows),
              f"rsrp_dbm.tif read at {len(rows)} villages: {compared} values (max |delta| {worst:.4f} dB), "
              f"{no_data} no signal as in villages.csv")
    prj.clear()


def check_compare(qgz, out_png):
    """The project of `phusong compare`: layers valid and styled, the villages'
    rendered colours those of their status's symbols in the style."""
    from qgis.core import (QgsCoordinateTransform, QgsMapRendererParallelJob, QgsMapSettings, QgsProject)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    with zipfile.ZipFile(qgz) as z:
        check(z.namelist() == ["project.qgs"], f"compare project.qgz: entries {z.namelist()}")
        text = z.read("project.qgs").decode("utf-8")
    check(os.path.dirname(qgz) not in text, "compare project: no absolute path")
    prj = QgsProject.instance()
    check(prj.read(qgz), f"QgsProject.read(compare {os.path.basename(qgz)})")
    layers = {lid.replace("phusong_", ""): l for lid, l in prj.mapLayers().items()}
    check(sorted(layers) == ["compare_villages", "coverage_change", "diff_rsrp_db"], f"compare layers {sorted(layers)}")
    for lid, l in layers.items():
        check(l.isValid(), f"compare {lid}: valid")
    want = {"compare_villages": "categorizedSymbol", "coverage_change": "paletted",
            "diff_rsrp_db": "singlebandpseudocolor"}
    for lid, rtype in want.items():
        l = layers.get(lid)
        got = l.renderer().type() if l is not None and l.renderer() else None
        check(got == rtype, f"compare {lid}: renderer {got} == {rtype}")
    villages = layers.get("compare_villages")
    change = layers.get("coverage_change")
    if villages is None or change is None or villages.renderer().type() != "categorizedSymbol":
        prj.clear()
        return
    check(villages.crs().authid() == "EPSG:4326", f"compare villages: CRS {villages.crs().authid()}")
    check(change.crs().authid() == prj.crs().authid(), f"compare rasters: CRS {change.crs().authid()} == project's")
    if change.renderer().type() == "paletted":
        labels = {c.value: c.label for c in change.renderer().classes()}
        check(labels == {1: "covered in both", 2: "gained in B", 3: "lost in B"}, f"coverage_change classes {labels}")
    sym = {c.value(): c.symbol().color() for c in villages.renderer().categories()}
    check(sorted(sym) == ["covered", "gained", "lost", "uncovered"], f"compare villages: categories {sorted(sym)}")

    root = prj.layerTreeRoot()
    visible = [n.layer() for n in root.findLayers() if n.isVisible()]
    check(visible and visible[0] is villages, "compare: villages drawn on top")
    ext = prj.viewSettings().defaultViewExtent()
    ms = QgsMapSettings()
    ms.setLayers(visible)
    ms.setDestinationCrs(prj.crs())
    ms.setExtent(ext)
    ms.setOutputSize(QSize(1000, int(1000 * ext.height() / ext.width())))
    ms.setOutputDpi(96)
    ms.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    check(img.save(out_png), f"rendered {out_png} {img.width()}x{img.height()}")
    to_map = QgsCoordinateTransform(villages.crs(), prj.crs(), prj)
    statuses = {}
    for f in villages.getFeatures():
        px = ms.mapToPixel().transform(to_map.transform(f.geometry().asPoint()))
        x, y = int(round(px.x())), int(round(px.y()))
        want_c = sym.get(f["status"])
        if not check(want_c is not None and 0 <= x < img.width() and 0 <= y < img.height(),
                     f"compare {f['name']}: status {f['status']} at pixel ({x}, {y})"):
            continue
        got = QColor(img.pixel(x, y))
        d = max(abs(got.red() - want_c.red()), abs(got.green() - want_c.green()), abs(got.blue() - want_c.blue()))
        statuses[f["status"]] = statuses.get(f["status"], 0) + 1
        check(d <= 3, f"compare {f['name']} ({f['status']}): rendered {got.name()}, style {want_c.name()}")
    check(statuses.get("gained", 0) > 0, f"compare: villages by status {statuses}")
    prj.clear()


def main():
    args = shared_check_args(__doc__)
    if args is None:
        return SKIP
    try:
        from qgis.core import QgsApplication
    except ImportError as e:
        return client_missing(f"QGIS's Python bindings do not import ({e})")
    work = work_dir(args, "phusong-project-")
    out, summary = run_phusong(args.phusong, args.shared, work, "Brindabella QGIS check")
    check_text(os.path.join(out, "project.qgz"), out, len(summary["by_carrier"]))
    moved = os.path.join(work, "moved", "deliverables")
    os.makedirs(os.path.dirname(moved))
    shutil.move(out, moved)

    app = QgsApplication([], False)
    app.initQgis()
    check_project(os.path.join(moved, "project.qgz"), summary, os.path.join(work, "project.png"),
                  os.path.join(moved, "villages.csv"))
    # phusong compare: the same run against one with a lower threshold (villages gained).
    with open(os.path.join(work, "scenario.yaml"), encoding="utf-8") as f:
        text = f.read()
    b_yaml = os.path.join(work, "scenario_b.yaml")
    with open(b_yaml, "w", encoding="utf-8") as f:
        f.write(text.replace("threshold_dbm: -105", "threshold_dbm: -120").replace(
            "name: Brindabella QGIS check", "name: Brindabella QGIS check, -120 dBm"))
    cmp_dir = os.path.join(work, "compare")
    t = time.monotonic()
    subprocess.run([os.path.abspath(args.phusong), "compare", moved, b_yaml, "--out", cmp_dir], check=True,
                   timeout=300, stdout=subprocess.DEVNULL)
    print(f"phusong compare: {time.monotonic() - t:.1f} s", flush=True)
    check_compare(os.path.join(cmp_dir, "project.qgz"), os.path.join(work, "compare.png"))
    gc.collect()  # every layer must be gone before exitQgis
    app.exitQgis()
    print(f"outputs in {work}")
    return finish("check_project")


if __name__ == "__main__":
    exit_with(main())
