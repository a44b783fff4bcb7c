#!/usr/bin/env bash
# mpirun -np 2 phusong run SCENARIO --out A  vs  phusong run SCENARIO --out B:
# every raster, table and report of B equal to A's byte for byte; then a
# second mpirun with --resume reuses both shards (verified) and gives the
# same bytes.  Usage: check_mpirun.sh PHUSONG SOURCE_DIR WORK_DIR
set -euo pipefail
phusong="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
demo="$src/geodata/demo"
cat > "$work/scenario.yaml" <<YAML
name: mpirun test
inputs:
  dem: $demo/dem.tif
  sites: $demo/sites.csv
  villages: $demo/villages.csv
  communes: $demo/communes.geojson
grid:
  resolution_m: 90
model:
  name: hata
radio:
  technology: lte
  threshold_dbm: -105
  radius_km: 6
sinr:
  carrier: Viettel
  freq_mhz: 1800
output:
  dir: $work/single
YAML
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2)
"$phusong" run "$work/scenario.yaml" -q -j 1 > "$work/single.log"
"${mpirun[@]}" "$phusong" run "$work/scenario.yaml" -q -j 1 --out "$work/mpi" > "$work/mpi.log"
files=(rsrp_dbm.tif best_server.tif server_count.tif sinr_db.tif rsrp_dbm_mobifone.tif rsrp_dbm_viettel.tif
       rsrp_dbm_vnpt.tif villages.csv summary.json report.md coverage.gpkg)
check() {
  local fail=0
  for f in "${files[@]}"; do
    if ! cmp -s "$work/single/$f" "$work/mpi/$f"; then echo "DIFFERS: $f"; fail=1; fi
  done
  [ "$fail" -eq 0 ] || exit 1
}
check
test -f "$work/mpi/shards/shard-1-of-2/manifest.json"
test -f "$work/mpi/shards/shard-2-of-2/manifest.json"
cmp -s "$work/single.log" "$work/mpi.log" || { echo "summary lines differ"; cat "$work/single.log" "$work/mpi.log"; exit 1; }
# --resume: both shards verified and reused, same bytes.
rm -f "$work/mpi/rsrp_dbm.tif"
"${mpirun[@]}" "$phusong" run "$work/scenario.yaml" -j 1 --resume --out "$work/mpi" > "$work/resume.log" 2>&1
[ "$(grep -c 'reused (verified)' "$work/resume.log")" -eq 2 ] || { cat "$work/resume.log"; echo "shards not reused"; exit 1; }
check
echo "mpirun -np 2: ${#files[@]} files equal to the single run; --resume reused 2 shards"
