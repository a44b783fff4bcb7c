#!/usr/bin/python3
"""The exact and the fast engine's loss rasters of the same sites compared
cell by cell (tools/agreement runs phusong for them).
Usage: agreement.py MODEL SITE EXACT.tif FAST.tif [SITE EXACT.tif FAST.tif ...]
Prints a line per site and one for all of them: cells defined by both, the
share within 0.1 / 0.5 / 1 / 3 / 6 dB, the mean and largest |difference|,
the cells defined by one engine only, the worst cell (row, column, both
values) and the verdict against the contract (>= 99 % within 1 dB, none
beyond 6 dB, the same cells defined).  Exit status 1 when it is broken.
"""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

BINS_DB = (0.1, 0.5, 1.0, 3.0, 6.0)


def read(path):
    ds = gdal.Open(path)
    return ds.GetRasterBand(1).ReadAsArray().astype(np.float64), ds.GetGeoTransform()


def summary(label, diffs, only_exact, only_fast, worst):
    n = diffs.size
    if n == 0:
        print("%s: no cell defined by both engines" % label)
        return False
    within = [100.0 * np.count_nonzero(diffs <= b) / n for b in BINS_DB]
    ok = within[2] >= 99.0 and np.count_nonzero(diffs > 6.0) == 0 and only_exact == 0 and only_fast == 0
    text = "%s: %d cells; within 0.1/0.5/1/3/6 dB: %s; mean |d| %.4f dB, max %.2f dB" % (
        label, n, " ".join("%.3f%%" % w for w in within), float(diffs.mean()), float(diffs.max()))
    text += "; only exact %d, only fast %d" % (only_exact, only_fast)
    if worst:
        text += "; worst at row %d col %d of %s (exact %.2f, fast %.2f)" % worst
    print(text + ("; meets the contract" if ok else "; DOES NOT meet the contract"))
    return ok


def main():
    if len(sys.argv) < 5 or (len(sys.argv) - 2) % 3 != 0:
        sys.exit(__doc__)
    model = sys.argv[1]
    all_diffs, all_only_exact, all_only_fast, all_worst = [], 0, 0, None
    for i in range(2, len(sys.argv), 3):
        site, exact_path, fast_path = sys.argv[i:i + 3]
        exact, gt_e = read(exact_path)
        fast, gt_f = read(fast_path)
        if exact.shape != fast.shape or any(abs(a - b) > 1e-6 for a, b in zip(gt_e, gt_f)):
            sys.exit("agreement.py: %s and %s are not on the same grid" % (exact_path, fast_path))
        fe, ff = np.isfinite(exact), np.isfinite(fast)
        both = fe & ff
        only_exact, only_fast = int(np.count_nonzero(fe & ~ff)), int(np.count_nonzero(ff & ~fe))
        d = np.abs(exact - fast)
        d[~both] = -1.0
        worst = None
        if np.any(both):
            r, c = np.unravel_index(int(np.argmax(d)), d.shape)
            worst = (r, c, fast_path, exact[r, c], fast[r, c])
            if all_worst is None or d[r, c] > abs(all_worst[3] - all_worst[4]):
                all_worst = worst
        diffs = d[both]
        summary("%s, site %s" % (model, site), diffs, only_exact, only_fast, worst)
        all_diffs.append(diffs)
        all_only_exact += only_exact
        all_only_fast += only_fast
    ok = summary("%s, all sites" % model, np.concatenate(all_diffs), all_only_exact, all_only_fast, all_worst)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
