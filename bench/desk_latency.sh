#!/usr/bin/env bash
# desk_latency: notification latency through the web desk, from the hub's
# commit of a staff action to the receiver's browser-side event stream
# (SSE), at RATE actions per second for SECONDS (docs/desk.md; the steps
# are in bench/desk_latency.py).
#
#   bash bench/desk_latency.sh [BUILD] [RATE] [SECONDS]     # build 100 30
#
# A private hub (PostgreSQL with SHOUWEN_PG_FAST=1: fsync off, the figures
# are the daemons', not the disk's) with the sample hotel, and the hotel's
# shouwen-branch serving its desk, under BUILD/bench/desk_latency; removed
# at the end unless BENCH_KEEP=1.  Ports 30970-30999: the hub on
# 30971-30974, PostgreSQL on 30980, the desk on 30990.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
RATE=${2:-100} SECONDS_=${3:-30}
PORT=30990
source "$SRC/scripts/hublib.sh"
export SHOUWEN_PG_FAST=1
DIR=$BUILD/bench/desk_latency

cleanup() {
    hub_destroy
    [[ -n "${BENCH_KEEP:-}" ]] || rm -rf "$DIR"
}
trap cleanup EXIT
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$DIR"
hub_init "$DIR" "$BUILD" 30970 >/dev/null || exit 1
hub_start_all
hub_wait_ready 60 || exit 1
"$BUILD/cli/shouwen" directory load "$SRC/deploy/directory/hotel.conf" >/dev/null || exit 1
hub_branch_conf hotel "$PORT"
hub_branch_accounts hotel shouwen2026 fo-01 hk-01 || exit 1
hub_branch_start hotel
hub_branch_wait hotel "$PORT" 30 || exit 1
# names and who may sign in come from the organisation the hub has in force
for ((i = 0; i < 100; i++)); do
    grep -q "the organisation in force is" "$HUB/log/branch-hotel.log" && break
    sleep 0.1
done
# bounded: registering, the run itself, at most 10 s to settle
timeout $((SECONDS_ + 400)) python3 "$SRC/bench/desk_latency.py" "$PORT" "$RATE" "$SECONDS_"
rc=$?
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $rc -eq 0 ]] || tail -n 20 "$HUB/log/branch-hotel.log"
exit $rc
