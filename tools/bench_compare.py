#!/usr/bin/python3
"""Agreement between a SPLAT! alphanumeric (-ano) path-loss file and a phusong
loss raster: each SPLAT! point (lat N, lon W, azimuth, elevation, loss [*]) is
transformed into the raster's CRS and compared with the cell it falls in.
Prints: points, common points, median and 95th percentile |delta| dB, median delta.
Usage: bench_compare.py SPLAT.ano PHUSONG.tif
"""
import sys

from osgeo import gdal, osr

gdal.UseExceptions()


def read_ano(path):
    """SPLAT!'s .ano points: (latitude N, longitude W, value), comments and
    the header lines skipped."""
    pts = []
    with open(path) as f:
        for line in f:
            line = line.split(";")[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in line.replace("*", "").split(",")]
            if len(parts) < 5:
                continue
            pts.append((float(parts[0]), float(parts[1]), float(parts[4])))
    return pts


def main():
    ano, tif = sys.argv[1], sys.argv[2]
    ds = gdal.Open(tif)
    band = ds.GetRasterBand(1)
    arr = band.ReadAsArray()
    gt = ds.GetGeoTransform()
    dst = osr.SpatialReference()
    dst.ImportFromWkt(ds.GetProjection())
    src = osr.SpatialReference()
    src.ImportFromEPSG(4326)
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(src, dst)
    pts = [(-lon_w if lon_w <= 180 else 360 - lon_w, lat, loss) for lat, lon_w, loss in read_ano(ano)]
    deltas = []
    if pts:
        xy = tr.TransformPoints([(p[0], p[1]) for p in pts])
        rows, cols = arr.shape
        for (x, y, _), (_, _, loss) in zip(xy, pts):
            c = int((x - gt[0]) / gt[1])
            r = int((y - gt[3]) / gt[5])
            if 0 <= r < rows and 0 <= c < cols:
                v = float(arr[r, c])
                if v == v and loss > 0:
                    deltas.append(v - loss)
    ad = sorted(abs(d) for d in deltas)
    sd = sorted(deltas)

    def q(a, p):
        return a[min(len(a) - 1, int(p * len(a)))] if a else float("nan")

    print("points %d common %d median_abs_db %.2f p95_abs_db %.2f median_delta_db %.2f"
          % (len(pts), len(ad), q(ad, 0.5), q(ad, 0.95), q(sd, 0.5)))


if __name__ == "__main__":
    main()
