#!/usr/bin/env bash
# sla_bench.sh BUILD [sla_bench options]: run every phase of bench/sla_bench,
# each in its own process, with a private PostgreSQL (scripts/pg.sh, port
# 34090) for the --pg phase.  BUILD is a
# build directory configured with -DSHOUWEN_SANITIZE=OFF.  Figures go to
# docs/performance.md, "sla timers".
set -euo pipefail
BUILD=$(cd "${1:?usage: sla_bench.sh BUILD [options]}" && pwd)
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
PGDIR=$BUILD/bench/sla_pg
export SHOUWEN_PG_FAST=1
bash "$SRC/scripts/pg.sh" destroy "$PGDIR" >/dev/null 2>&1 || true
trap 'bash "$SRC/scripts/pg.sh" destroy "$PGDIR" >/dev/null 2>&1 || true' EXIT
bash "$SRC/scripts/pg.sh" init "$PGDIR" 34090 >/dev/null
bash "$SRC/scripts/pg.sh" start "$PGDIR" >/dev/null
bash "$SRC/scripts/pg.sh" bootstrap "$PGDIR" sla_bench >/dev/null
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
PG=$(bash "$SRC/scripts/pg.sh" conninfo "$PGDIR" sla_bench shouwen_owner)
# each phase in a fresh process: a resident-memory figure must not reuse
# what an earlier phase freed
for phase in "rebuild" "rebuild --per-case 3" "rebuild --full" "burst" "libev" "hash" "pg"; do
    # shellcheck disable=SC2086
    "$BUILD/bench/sla_bench" --pg "$PG" --only $phase "$@" | grep -v '^sla_bench:'
done
