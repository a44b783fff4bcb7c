#!/usr/bin/python3
"""How far a loss raster is from linear along the radials: what computing
only one cell in k along each ray and interpolating the rest would cost.

Reads a single-site loss raster (`phusong coverage` output), takes the cell
of least loss as the transmitter, walks RAYS straight lines out from it
(the nearest cell every cell width), and for k = 2, 4, 8, 16, 32 compares
each cell between two knots k cells apart with the linear interpolation of
the knots' losses (the knots from k cells out; cells with no value are
skipped).  Prints, per k, the cells compared, the share within 1 dB, the
share beyond 6 dB and the 99th percentile of |error| — the radial engine's
agreement contract is >= 99 % within 1 dB and none beyond 6 dB.

Nearest-cell lines step sideways between neighbouring rays, as the radial
engine's cells lie beside their ray, each with its own receiver height; so
the figures are those of interpolating a kernel's output between cells,
not of a smoother quantity.

Usage: bench_smoothness.py LOSS.tif [RAYS]   (RAYS default 1440)
"""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-1])
    rays = int(sys.argv[2]) if len(sys.argv) == 3 else 1440
    ds = gdal.Open(sys.argv[1])
    band = ds.GetRasterBand(1)
    a = band.ReadAsArray().astype(np.float64)
    nd = band.GetNoDataValue()
    if nd is not None:
        a[a == nd] = np.nan
    a[~np.isfinite(a)] = np.nan
    if np.all(np.isnan(a)):
        sys.exit(f"bench_smoothness: {sys.argv[1]} holds no value")
    rows, cols = a.shape
    r0, c0 = np.unravel_index(np.nanargmin(a), a.shape)
    nmax = int(min(r0, c0, rows - 1 - r0, cols - 1 - c0))
    s = np.arange(0, nmax)
    lines = []
    for t in np.linspace(0.0, 2.0 * np.pi, rays, endpoint=False):
        rr = np.rint(r0 - s * np.cos(t)).astype(int)
        cc = np.rint(c0 + s * np.sin(t)).astype(int)
        lines.append(a[rr, cc])
    print(f"{sys.argv[1]}: transmitter cell row {r0}, column {c0}; {rays} rays of {nmax} cells")
    for k in (2, 4, 8, 16, 32):
        f = np.arange(1, k) / k
        errs = []
        for line in lines:
            n = (len(line) - 1) // k * k
            for j in range(k, n, k):  # from the first knot k cells out
                x0, x1 = line[j], line[j + k]
                if np.isnan(x0) or np.isnan(x1):
                    continue
                e = np.abs(x0 + (x1 - x0) * f - line[j + 1:j + k])
                errs.append(e[~np.isnan(e)])
        if not errs:
            print(f"one cell in {k:2d}: no two knots {k} cells apart hold values")
            continue
        e = np.concatenate(errs)
        print(f"one cell in {k:2d}: {e.size} cells interpolated; within 1 dB {100 * np.mean(e <= 1.0):.2f} %, "
              f"beyond 6 dB {100 * np.mean(e > 6.0):.2f} %, p99 |error| {np.percentile(e, 99):.2f} dB")


if __name__ == "__main__":
    main()
