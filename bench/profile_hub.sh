#!/usr/bin/env bash
# bench/profile_hub.sh [BUILD] [RATE] [SECONDS]: where the whole hub's CPU
# goes under load (issue 10: the profile behind a missed target).  A private
# hub (base port 31660, PostgreSQL 31670 with fsync on, as deployed) takes
# RATE (1300) inquiries/s from bench/load for SECONDS (40) s; perf (Debian's
# linux-perf, run as root) samples every CPU (-a -g, 499 Hz) for the middle
# SECONDS - 20 s.  Prints bench/load's result, the share of the samples of
# each process (swapper is the idle CPU), and for PostgreSQL's backends and
# each daemon the functions with the most samples of their own (self) and
# including what they call (children).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build-c}" && pwd) || exit 64
RATE=${2:-1300}
SECS=${3:-40}
[[ "$RATE" =~ ^[0-9]+$ && "$SECS" =~ ^[0-9]+$ ]] && ((RATE >= 1 && RATE <= 20000 && SECS >= 25 && SECS <= 600)) ||
    { echo "profile_hub.sh: RATE 1-20000, SECONDS 25-600" >&2; exit 64; }
command -v perf >/dev/null || { echo "profile_hub.sh: no perf (apt-get install linux-perf)" >&2; exit 64; }
source "$SRC/scripts/hublib.sh"
source "$SRC/bench/benchlib.sh"
bench_check_build profile_hub.sh
unset SHOUWEN_PG_FAST
DIR=$BUILD/bench/profile_hub.run
[[ -d "$DIR/hub/pg" ]] && bash "$SRC/scripts/pg.sh" destroy "$DIR/hub/pg" >/dev/null 2>&1
rm -rf "$DIR"
mkdir -p "$DIR"
hub_init "$DIR/hub" "$BUILD" 31660 >/dev/null || exit 1
trap bench_destroy_hub EXIT
hub_start_all
hub_wait_ready 60 || exit 1
"$BUILD/cli/shouwen" directory load "$SRC/deploy/directory/hotel.conf" >/dev/null 2>&1
say "# shouwen hub profile (issue 10): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, git $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), $RATE inquiries/s for $SECS s; load average $(loadavg)"
"$BUILD/bench/load" --endpoint "tcp://127.0.0.1:31661" --rate "$RATE" --seconds "$SECS" --clients 16 \
    --drain 30 --tag prof >"$DIR/load.out" 2>&1 &
LPID=$!
sleep 10
perf record -a -g -F 499 -o "$DIR/perf.data" -- sleep $((SECS - 20)) >/dev/null 2>&1
wait $LPID
grep -E '^RESULT|^  (acknowledged|ack latency)' "$DIR/load.out"
say "# load average at the end: $(loadavg)"
say ""
bench_perf_report "$DIR/perf.data" postgres shouwen-audit shouwen-intake shouwen-router shouwen-sla load
