#!/usr/bin/python3
"""Reads the coverage.kmz that `phusong run` delivers back with OGR (GDAL's
Python bindings) and checks its placemarks against villages.csv and the sites.

ctest `kmz_ogr` (label `clients`); by hand, from the repository root:

    /usr/bin/python3 tests/clients/check_kmz.py --phusong build/phusong --out /tmp/phusong-kmz-check

What it does:
  1. runs `phusong run` on the Brindabella test scenario with communes (real
     SRTM tile from ../shared), as check_project.py does;
  2. opens coverage.kmz twice: with the LIBKML driver (the .kmz itself) and
     with the KML driver (/vsizip/.../doc.kml);
  3. through each: one village placemark per row of villages.csv, same
     names, at the row's lon/lat (1e-6 deg), styled #village-covered exactly
     when the row's covered is 1 (LIBKML: the KML driver does not read
     styleUrl), its popup saying "Covered: yes/no" and the
     received power of the row (within the printed precisions); one site
     placemark per (site, carrier) of sites.csv at its lon/lat, named after
     the site (its id when it has several cells), one carrier style per
     carrier; one commune outline per commune.
Exit status 0 when every check passes, 77 (skipped) when ../shared is absent
or GDAL's Python bindings are missing (a failure when CI=true), 1 otherwise.
"""
import csv
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clientlib import (COMMUNES, check, client_missing, exit_with, finish,  # noqa: E402
                       read_villages_csv, run_phusong, shared_check_args, work_dir, SKIP)


def placemarks(ds, name):
    lyr = ds.GetLayerByName(name)
    if lyr is None:
        return None
    out = []
    lyr.ResetReading()
    for f in lyr:
        g = f.GetGeometryRef()
        out.append({"name": f.GetField("Name"), "description": f.GetField("description") or "",
                    "style": f.GetStyleString() or "",
                    "lon": g.GetX() if g is not None and g.GetGeometryName() == "POINT" else None,
                    "lat": g.GetY() if g is not None and g.GetGeometryName() == "POINT" else None,
                    "geometry": g.GetGeometryName() if g is not None else None})
    return out


def cell(description, header):
    """The popup table's value for a row header."""
    m = re.search(r"<th[^>]*>" + re.escape(header) + r"</th><td>([^<]*)</td>", description)
    return m.group(1) if m else None


def expected_sites(sites_csv):
    """(site_id, carrier) in the order of first appearance -> name, lon, lat."""
    with open(sites_csv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    keys, cells = [], {}
    for r in rows:
        k = (r["site_id"], r["carrier"])
        if k not in cells:
            keys.append(k)
            cells[k] = []
        cells[k].append(r)
    out = []
    for k in keys:
        c0 = cells[k][0]
        name = c0["site_id"] if len(cells[k]) > 1 or not c0["name"] else c0["name"]
        out.append((name, k[1], float(c0["lon"]), float(c0["lat"])))
    return out


def check_through(label, ds, villages, sites, styles):
    check(ds is not None, f"{label}: opened")
    if ds is None:
        return
    pv = placemarks(ds, "Villages")
    check(pv is not None, f"{label}: a Villages layer")
    pv = pv or []
    check(len(pv) == len(villages), f"{label}: {len(pv)} village placemarks == {len(villages)} rows of villages.csv")
    by_name = {p["name"]: p for p in pv}
    check(len(by_name) == len(pv), f"{label}: village placemark names are distinct")
    covered = uncovered = 0
    for row in villages:
        p = by_name.get(row["name"])
        if not check(p is not None, f"{label}: placemark for {row['name']}"):
            continue
        near = p["lon"] is not None and abs(p["lon"] - float(row["lon"])) <= 1e-6 and \
            abs(p["lat"] - float(row["lat"])) <= 1e-6
        check(near, f"{label}: {row['name']} at ({p['lon']}, {p['lat']}) == ({row['lon']}, {row['lat']})")
        want_style = "@village-covered" if row["covered"] == "1" else "@village-uncovered"
        covered += row["covered"] == "1"
        uncovered += row["covered"] != "1"
        if styles:
            check(p["style"] == want_style, f"{label}: {row['name']} style {p['style']} (covered={row['covered']})")
        said = cell(p["description"], "Covered")
        check(said == ("yes" if row["covered"] == "1" else "no"), f"{label}: {row['name']} popup Covered: {said}")
        rx = cell(p["description"], "RSRP")
        if row["rsrp_dbm"] == "":
            check(rx == "no signal", f"{label}: {row['name']} popup RSRP {rx!r} (no signal)")
        else:
            m = re.fullmatch(r"(-?[0-9.]+) dBm", rx or "")
            # KML prints 1 decimal, the CSV 2: both round the same value.
            ok = m is not None and abs(float(m.group(1)) - float(row["rsrp_dbm"])) <= 0.05 + 0.005 + 1e-9
            check(ok, f"{label}: {row['name']} popup RSRP {rx!r}, villages.csv {row['rsrp_dbm']}")
    print(f"{label}: {covered} covered and {uncovered} uncovered villages compared", flush=True)

    ps = placemarks(ds, "Sites") or []
    check(len(ps) == len(sites), f"{label}: {len(ps)} site placemarks == {len(sites)} (site, carrier) pairs")
    style_of = {}
    for (name, carrier, lon, lat), p in zip(sites, ps):
        check(p["name"] == name and p["lon"] is not None and abs(p["lon"] - lon) <= 1e-6 and
              abs(p["lat"] - lat) <= 1e-6,
              f"{label}: site placemark {p['name']!r} at ({p['lon']}, {p['lat']}) == {name!r} ({lon}, {lat})")
        if styles:
            check(p["style"].startswith("@carrier-"), f"{label}: {name} style {p['style']}")
        style_of.setdefault(carrier, set()).add(p["style"])
    check(not styles or all(len(v) == 1 for v in style_of.values()) and
          len({next(iter(v)) for v in style_of.values()}) == len(style_of),
          f"{label}: one style per carrier {style_of}")

    pc = placemarks(ds, "Communes") or []
    names = sorted(p["name"] for p in pc)
    check(names == sorted(c[1] for c in COMMUNES), f"{label}: commune outlines {names}")
    check(all(p["geometry"] in ("POLYGON", "MULTIPOLYGON") for p in pc), f"{label}: communes are polygons")


def main():
    args = shared_check_args(__doc__)
    if args is None:
        return SKIP
    try:
        from osgeo import gdal
    except ImportError as e:
        return client_missing(f"GDAL's Python bindings (python3-gdal) do not import ({e})")
    gdal.UseExceptions()
    work = work_dir(args, "phusong-kmz-")
    out, _ = run_phusong(args.phusong, args.shared, work, "Brindabella KMZ check")
    villages = read_villages_csv(os.path.join(out, "villages.csv"))
    sites = expected_sites(os.path.join(work, "sites.csv"))
    kmz = os.path.join(out, "coverage.kmz")
    print("GDAL", gdal.__version__)
    for driver, path in (("LIBKML", kmz), ("KML", f"/vsizip/{kmz}/doc.kml")):
        if gdal.GetDriverByName(driver) is None:
            check(False, f"OGR driver {driver} is available")
            continue
        t = time.monotonic()
        try:
            ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, allowed_drivers=[driver])
        except RuntimeError as e:
            print(f"{driver}: {e}")
            ds = None
        check_through(driver, ds, villages, sites, styles=driver == "LIBKML")
        ds = None
        print(f"{driver}: {time.monotonic() - t:.2f} s", flush=True)
    return finish("check_kmz")


if __name__ == "__main__":
    exit_with(main())
