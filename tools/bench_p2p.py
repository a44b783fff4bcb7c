#!/usr/bin/python3
"""Cross-checks of a tools/bench single-site run against SPLAT! point to point.

For N points drawn at random (fixed seed) from SPLAT!'s area output (.ano) of
one run folder of tools/bench (RUN = OUT/TERRAIN-KM, holding splat.ano,
phusong.tif, tx.qth, tx.lrp), it runs SPLAT! point to point from the same
transmitter to each point (-olditm -metric) and phusong on the same two points
(`phusong profile`, then `phusong p2p --model itm`: the exact engine's
profile), and prints per point and as medians:
  * SPLAT!'s area value (.ano) against its own point-to-point value;
  * phusong's raster cell and exact profile against SPLAT!'s point to point;
  * both programs' ground heights at the transmitter and the receiver.
With --smoothing it also prints how far phusong's terrain (the DEM warped
bilinearly onto a UTM grid of RES metres, then read bilinearly, as the engines
read it) lies from the source DEM read bilinearly at the same points: random
points and the source's local maxima.

Usage: bench_p2p.py RUN DEM SDF_DIR PROGRAM TX_LON TX_LAT [--points N]
                    [--phusong BIN] [--smoothing EPSG RES]
  PROGRAM: splat or splat-hd (as tools/bench ran it); DEM: the terrain GeoTIFF.
Documented in docs/performance.md (phusong against SPLAT!).
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import tempfile

import numpy as np
from osgeo import gdal, osr

from bench_compare import read_ano

gdal.UseExceptions()


def gis_srs(wkt_or_epsg):
    s = osr.SpatialReference()
    if isinstance(wkt_or_epsg, int):
        s.ImportFromEPSG(wkt_or_epsg)
    else:
        s.ImportFromWkt(wkt_or_epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def bilinear(arr, fc, fr):
    """Bilinear value at fractional (column, row) with cell centres at integers."""
    c0, r0 = int(np.floor(fc)), int(np.floor(fr))
    tx, ty = fc - c0, fr - r0
    q = arr[r0:r0 + 2, c0:c0 + 2]
    return (q[0, 0] * (1 - tx) + q[0, 1] * tx) * (1 - ty) + (q[1, 0] * (1 - tx) + q[1, 1] * tx) * ty


def p2p_checks(a):
    tif = gdal.Open(os.path.join(a.run, "phusong.tif"))
    loss = tif.GetRasterBand(1).ReadAsArray()
    gt = tif.GetGeoTransform()
    to_grid = osr.CoordinateTransformation(gis_srs(4326), gis_srs(tif.GetProjection()))
    pts = read_ano(os.path.join(a.run, "splat.ano"))
    random.seed(4)
    sample = random.sample(pts, min(a.points, len(pts)))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in ("tx.qth", "tx.lrp"):
            with open(os.path.join(a.run, name)) as f, open(os.path.join(work, name), "w") as g:
                g.write(f.read())
        for lat, lon_w, area_db in sample:
            with open(os.path.join(work, "rx.qth"), "w") as g:
                g.write("rx\n%.7f\n%.7f\n1.5 meters\n" % (lat, lon_w))
            report = os.path.join(work, "tx-to-rx.txt")
            if os.path.exists(report):
                os.remove(report)
            try:
                subprocess.run([a.program, "-t", "tx.qth", "-r", "rx.qth", "-metric", "-olditm", "-d", a.sdf],
                               cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
            except subprocess.TimeoutExpired:
                print("SPLAT! timed out at %.7f N %.7f W: skipped" % (lat, lon_w))
                continue
            if not os.path.exists(report):
                continue
            txt = open(report, "rb").read().decode("latin-1")
            m = re.search(r"Longley-Rice path loss: ([0-9.]+) dB", txt)
            grounds = [float(x) for x in re.findall(r"Ground elevation: ([0-9.]+) meters", txt)]
            if not m or len(grounds) < 2:
                continue
            splat_db = float(m.group(1))
            lon = 360.0 - lon_w if lon_w > 180.0 else -lon_w
            csv = os.path.join(work, "p.csv")
            subprocess.run([a.phusong, "profile", "--dem", a.dem, "--from", "%.7f,%.7f" % (a.tx_lon, a.tx_lat),
                            "--to", "%.7f,%.7f" % (lon, lat), "--tx-height-m", "30", "--rx-height-m", "1.5",
                            "--freq-mhz", "900", "--out-csv", csv], check=True, capture_output=True)
            heights = [float(l.split(",")[1]) for l in open(csv) if l[:1].isdigit()]
            out = subprocess.run([a.phusong, "p2p", "--profile", csv, "--model", "itm", "--freq-mhz", "900",
                                  "--tx-height-m", "30", "--rx-height-m", "1.5"],
                                 check=True, capture_output=True, text=True).stdout
            exact_db = float(re.search(r"loss:\s+([0-9.]+)", out).group(1))
            x, y, _ = to_grid.TransformPoint(lon, lat)
            r, c = int((y - gt[3]) / gt[5]), int((x - gt[0]) / gt[1])
            cell_db = float(loss[r, c]) if 0 <= r < loss.shape[0] and 0 <= c < loss.shape[1] else float("nan")
            rows.append((area_db, splat_db, cell_db, exact_db, grounds[0], heights[0], grounds[1], heights[-1]))
            print("SPLAT! area %7.2f p2p %7.2f | phusong cell %7.2f exact %7.2f | tx ground %7.1f / %7.1f"
                  " | rx ground %7.1f / %7.1f" % (area_db, splat_db, cell_db, exact_db, grounds[0], heights[0],
                                                   grounds[1], heights[-1]))
    if not rows:
        print("no point compared")
        return

    def med(values):
        v = [x for x in values if x == x]
        return statistics.median(v) if v else float("nan")

    print("points %d" % len(rows))
    print("SPLAT! area - SPLAT! p2p: median %.2f dB, median |d| %.2f dB"
          % (med([r[0] - r[1] for r in rows]), med([abs(r[0] - r[1]) for r in rows])))
    print("phusong cell - SPLAT! p2p: median %.2f dB, median |d| %.2f dB"
          % (med([r[2] - r[1] for r in rows]), med([abs(r[2] - r[1]) for r in rows])))
    print("phusong exact - SPLAT! p2p: median %.2f dB, median |d| %.2f dB"
          % (med([r[3] - r[1] for r in rows]), med([abs(r[3] - r[1]) for r in rows])))
    print("ground phusong - SPLAT!: transmitter %.2f m, receivers' median %.2f m"
          % (rows[0][5] - rows[0][4], med([r[7] - r[6] for r in rows])))


def smoothing(a, epsg, res_m):
    ds = gdal.Open(a.dem)
    src = ds.GetRasterBand(1).ReadAsArray().astype(float)
    gt = ds.GetGeoTransform()
    with tempfile.TemporaryDirectory() as work:
        warped = gdal.Warp(os.path.join(work, "w.tif"), ds, dstSRS="EPSG:%d" % epsg, xRes=res_m, yRes=res_m,
                           resampleAlg="bilinear", errorThreshold=0)
        grid = warped.GetRasterBand(1).ReadAsArray().astype(float)
        wgt = warped.GetGeoTransform()
        to_grid = osr.CoordinateTransformation(gis_srs(ds.GetProjection()), gis_srs(epsg))
        rng = np.random.default_rng(1)
        rows, cols = src.shape
        errors, peaks = [], []
        for _ in range(20000):
            r, c = int(rng.integers(300, rows - 300)), int(rng.integers(300, cols - 300))
            if (src[r - 2:r + 3, c - 2:c + 3] < -1000).any():  # SRTM voids
                continue
            fr, fc = r + rng.random(), c + rng.random()
            x, y, _ = to_grid.TransformPoint(gt[0] + fc * gt[1], gt[3] + fr * gt[5])
            z_src = bilinear(src, fc - 0.5, fr - 0.5)
            z_grid = bilinear(grid, (x - wgt[0]) / wgt[1] - 0.5, (y - wgt[3]) / wgt[5] - 0.5)
            if not np.isfinite(z_grid):
                continue
            errors.append(z_grid - z_src)
            if src[r, c] == src[r - 1:r + 2, c - 1:c + 2].max():
                peaks.append(z_grid - z_src)
        e, p = np.array(errors), np.array(peaks)
        print("terrain as the engines read it - source DEM (bilinear): %d points, median |e| %.2f m, p95 |e| %.2f m,"
              " max |e| %.2f m; local maxima (%d): median e %.2f m, p95 |e| %.2f m"
              % (len(e), np.median(abs(e)), np.percentile(abs(e), 95), abs(e).max(), len(p), np.median(p),
                 np.percentile(abs(p), 95)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("dem")
    ap.add_argument("sdf")
    ap.add_argument("program")
    ap.add_argument("tx_lon", type=float)
    ap.add_argument("tx_lat", type=float)
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--phusong", default=os.path.join(os.path.dirname(__file__), "..", "build", "phusong"))
    ap.add_argument("--smoothing", nargs=2, metavar=("EPSG", "RES"))
    a = ap.parse_args()
    p2p_checks(a)
    if a.smoothing:
        smoothing(a, int(a.smoothing[0]), float(a.smoothing[1]))


if __name__ == "__main__":
    main()
