"""Shared by the real-client checks in this folder (ctest label `clients`).

Exit statuses: 0 every check passed, 1 a check failed, 77 skipped (ctest
SKIP_RETURN_CODE).  A client program that is missing is a skip on a
developer's machine (`tools/setup --with-clients` installs them) but a
failure when the environment variable CI is `true`: the client tests are not
skipped in CI.  A missing ../shared is a skip everywhere (the run needs its
SRTM tile).
"""
import json
import os
import shutil
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(REPO, "tests", "data", "brindabella")
DEM_REL = os.path.join("geodata", "terrain", "srtm3_S36E149_brindabella.tif")
SKIP = 77

FAILURES = []
_T0 = time.monotonic()


def check(cond, what):
    """Prints one check and records a failure."""
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def client_missing(what):
    """Exit status for a missing client program: skip, or fail under CI=true."""
    if in_ci():
        print(f"FAIL  {what} (CI=true: the client tests are not skipped in CI; "
              f"tools/setup --with-clients installs the clients)", flush=True)
        return 1
    print(f"skipped: {what} (tools/setup --with-clients installs it)", flush=True)
    return SKIP


def finish(name):
    """Closing lines and exit status from the recorded checks."""
    took = time.monotonic() - _T0
    if FAILURES:
        print(f"{name}: {len(FAILURES)} check(s) failed ({took:.1f} s)")
        return 1
    print(f"{name}: all checks passed ({took:.1f} s)")
    return 0


# Four communes, 2 x 2 over the test villages (lon 149.02-149.34, lat -35.66 to -35.40).
COMMUNES = [
    ("XA-01", "Xã Bắc Tây", 148.98, -35.53, 149.19, -35.37),
    ("XA-02", "Xã Bắc Đông", 149.19, -35.53, 149.38, -35.37),
    ("XA-03", "Xã Nam Tây", 148.98, -35.69, 149.19, -35.53),
    ("XA-04", "Xã Nam Đông", 149.19, -35.69, 149.38, -35.53),
]


def write_scenario(work, dem, name="Brindabella client check"):
    """The Brindabella test sites and villages on the real SRTM tile, plus four
    commune polygons; returns the scenario's path."""
    feats = []
    for cid, cname, x0, y0, x1, y1 in COMMUNES:
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        feats.append({"type": "Feature", "properties": {"commune_id": cid, "name": cname},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(os.path.join(work, "communes.geojson"), "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    shutil.copy(os.path.join(DATA, "sites.csv"), work)
    shutil.copy(os.path.join(DATA, "villages.csv"), work)
    path = os.path.join(work, "scenario.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""name: {name}
description: Real-client check with communes.
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


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def dem_path(shared):
    return os.path.abspath(os.path.join(shared, DEM_REL))


def run_phusong(phusong, shared, work, name="Brindabella client check"):
    """Writes the scenario into `work` and runs `phusong run` on it; returns
    (output folder, summary.json).  The caller checks dem_path() first."""
    scenario = write_scenario(work, dem_path(shared), name)
    out = os.path.join(work, "out")
    t = time.monotonic()
    subprocess.run([os.path.abspath(phusong), "run", scenario, "--quiet", "--out", out], check=True,
                   timeout=300)
    print(f"phusong run: {time.monotonic() - t:.1f} s", flush=True)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        return out, json.load(f)


def read_villages_csv(path):
    import csv
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def common_args(description):
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--phusong", default=os.path.join(REPO, "build", "phusong"), help="the phusong program")
    ap.add_argument("--out", default=None, help="work folder (default: a fresh temporary one)")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"), help="the shared data folder")
    return ap


def shared_check_args(doc):
    """The command line of a check that runs phusong on ../shared's DEM: the
    parsed arguments, or None (after saying so) when the DEM is absent and the
    check is a skip."""
    args = common_args(doc.split("\n")[1]).parse_args()
    if not os.path.exists(dem_path(args.shared)):
        print(f"skipped: {dem_path(args.shared)} is absent")
        return None
    return args


def work_dir(args, prefix):
    import tempfile
    return fresh_dir(os.path.abspath(args.out or tempfile.mkdtemp(prefix=prefix)))


def exit_with(code):
    sys.stdout.flush()
    sys.exit(code)
