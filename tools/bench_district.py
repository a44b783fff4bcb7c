#!/usr/bin/python3
"""Writes the district benchmark: a 35 x 35 km DEM at 30 m (UTM 48N) cut from
the synthetic ridge tile, 150 omni sites and 100 villages at fixed
pseudo-random places, and a scenario (engine fast, 15 km radius).
Usage: bench_district.py SYNTHETIC_RIDGE_1S.tif OUT_DIR [--model M] [--sectors 1|3]
                         [--pattern FILE.msi] [--mechanical-tilt DEG]
  --model    propagation model of the scenario (default itm)
  --sectors  1: omnidirectional sites (default); 3: three 65-degree sectors per
             site at azimuths 0/120/240 (one path-loss computation per site,
             an antenna gain per sector and cell)
  --pattern  an MSI antenna pattern for every cell (the sites' `pattern`
             column, relative to OUT_DIR) instead of the parametric one
  --mechanical-tilt  the sectors' mechanical downtilt, degrees (default 0)
"""
import argparse
import os
import random

from osgeo import gdal, osr

gdal.UseExceptions()


def main():
    ap = argparse.ArgumentParser(description="writes the 150-site district benchmark")
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--model", default="itm")
    ap.add_argument("--sectors", type=int, choices=(1, 3), default=1)
    ap.add_argument("--pattern", default="")
    ap.add_argument("--mechanical-tilt", type=float, default=0.0)
    args = ap.parse_args()
    src, out = args.src, args.out
    os.makedirs(out, exist_ok=True)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32648)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    fwd = osr.CoordinateTransformation(wgs, utm)
    inv = osr.CoordinateTransformation(utm, wgs)
    cx, cy, _ = fwd.TransformPoint(106.5, 16.5)
    cx, cy = round(cx / 30) * 30, round(cy / 30) * 30
    half = 17490.0  # 35 km square (1166 cells)
    dem = os.path.join(out, "dem.tif")
    if not os.path.exists(dem):
        gdal.Warp(dem, src, dstSRS="EPSG:32648", xRes=30, yRes=30, resampleAlg="bilinear",
                  outputBounds=(cx - half, cy - half, cx + half, cy + half), format="GTiff")
    rng = random.Random(150)
    with open(os.path.join(out, "sites.csv"), "w") as f:
        f.write("site_id,cell_id,name,carrier,lon,lat,height_m,azimuth_deg,tilt_deg,beamwidth_deg,"
                "technology,freq_mhz,bandwidth_mhz,eirp_dbm,pattern,mechanical_tilt_deg\n")
        pat = args.pattern
        for i in range(150):
            x = cx + rng.uniform(-0.8, 0.8) * half
            y = cy + rng.uniform(-0.8, 0.8) * half
            lon, lat, _ = inv.TransformPoint(x, y)
            if args.sectors == 1:
                f.write("S%03d,S%03d,site %d,Bench,%.6f,%.6f,30,,,360,lte,900,10,58,%s,\n" % (i, i, i, lon, lat, pat))
            else:
                for k, az in enumerate((0, 120, 240)):
                    f.write("S%03d,S%03d-%d,site %d,Bench,%.6f,%.6f,30,%d,4,65,lte,900,10,58,%s,%g\n"
                            % (i, i, k + 1, i, lon, lat, az, pat, args.mechanical_tilt))
    with open(os.path.join(out, "villages.csv"), "w") as f:
        f.write("id,name,commune,population,lon,lat\n")
        for i in range(100):
            x = cx + rng.uniform(-0.9, 0.9) * half
            y = cy + rng.uniform(-0.9, 0.9) * half
            lon, lat, _ = inv.TransformPoint(x, y)
            f.write("V%03d,village %d,commune %d,500,%.6f,%.6f\n" % (i, i, i % 10, lon, lat))
    with open(os.path.join(out, "scenario.yaml"), "w") as f:
        f.write("# tools/bench district benchmark (generated)\n"
                "name: bench district\ninputs:\n  dem: dem.tif\n  sites: sites.csv\n  villages: villages.csv\n"
                "grid:\n  crs: EPSG:32648\n  resolution_m: 30\n"
                "model:\n  name: %s\n  engine: fast\n"
                "radio:\n  technology: lte\n  radius_km: 15\n" % args.model)


if __name__ == "__main__":
    main()
