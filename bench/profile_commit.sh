#!/usr/bin/env bash
# bench/profile_commit.sh [BUILD]: where PostgreSQL's time goes in audit's
# commit path (issue 10).  A private hub (base port 32570) takes 500
# inquiries/s for 45 s from bench/load; perf (Debian's linux-perf) samples
# the busiest shouwen_writer backend for 20 s, and the script prints
# the inclusive profile of the backend by function.  Run as root (perf).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build-c}" && pwd)
source "$SRC/scripts/hublib.sh"
source "$SRC/bench/benchlib.sh"
DIR=$BUILD/bench/perf.run
rm -rf "$DIR"
hub_init "$DIR/hub" "$BUILD" 32570 >/dev/null || exit 1
trap bench_destroy_hub EXIT
hub_start_all
hub_wait_ready 60 || exit 1
"$BUILD/bench/load" --endpoint "tcp://127.0.0.1:32571" --rate 500 --seconds 45 --clients 8 --drain 20 --tag perf >"$DIR/load.out" 2>&1 &
LPID=$!
sleep 10
# the writer's backend: the busiest postgres process of shouwen_writer
PGPID=$(ps -eo pid,pcpu,args --sort=-pcpu | awk '/postgres: shouwen_writer/ {print $1; exit}')
echo "postgres writer backend $PGPID"
perf record -F 499 -g -o "$DIR/pg.data" -p "$PGPID" -- sleep 20 2>&1 | tail -1
wait $LPID
grep -E "^  (acknowledged|ack latency)" "$DIR/load.out"
echo "# the writer backend, inclusive (children) per function, named frames only"
perf report -i "$DIR/pg.data" --children --stdio --sort symbol -g none 2>/dev/null |
    grep -E "^ +[0-9]" | grep -v "0x0000" | awk '{print $1, $2, $4}' | sed -n 1,70p
