#!/usr/bin/env bash
# expiry.sh: issue 10's "100,000 deadlines falling due at one instant (the
# first working morning after a holiday): breaches, violations and
# escalations committed" — end to end, through sla, audit and PostgreSQL
# (docs/performance.md, "Mass expiry end to end").
#
#   bash bench/expiry.sh [BUILD] [CASES]     # default build-c, 25000
#
# BUILD must hold shouwen-audit, shouwen-intake, shouwen-sla and
# tests/integration/chain_probe (a Release build, e.g. build-c).
# A private hub (PostgreSQL fsync on unless EXPIRY_PG_FAST=1; audit,
# intake to seed the organisation and calendar, sla; no router, so that
# nothing but the clocks moves) on the test clock (hub/clock = file:...),
# base port 30760 (PostgreSQL 30770), under BUILD/bench/expiry.run;
# removed at the end unless BENCH_KEEP=1.  EXPIRY_PROJECTIONS=trailing
# runs audit with its projections trailing.  EXPIRY_PERF=SECONDS records
# perf record -a -g (root, linux-perf) for SECONDS from the move and prints
# where the CPU went (bench_perf_report in bench/benchlib.sh).
#   1. CASES inquiries, each with four deadlines due at the same minute
#      (chain_probe plain: 4 x CASES deadlines, due within CASES us of
#      2026-03-03 08:40 +0800), committed; sla follows and holds them.
#   2. The clock moves to 2026-03-03 10:00 +0800 at once.  Measured from
#      that moment to the commit of the last event sla proposed for it:
#      breaches, violations, warnings, escalations, per type.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build-c}" && pwd) || exit 64
N=${2:-25000}
BASE=30760
DIR=$BUILD/bench/expiry.run
PROBE=$BUILD/tests/integration/chain_probe
for d in audit intake sla; do
    [[ -x "$BUILD/services/$d/shouwen-$d" ]] || { echo "expiry.sh: no shouwen-$d in $BUILD" >&2; exit 64; }
done
[[ -x "$PROBE" ]] || { echo "expiry.sh: no $PROBE" >&2; exit 64; }
source "$SRC/bench/benchlib.sh"
bench_check_build expiry.sh
source "$SRC/scripts/hublib.sh"
[[ "${EXPIRY_PG_FAST:-0}" == 1 ]] && export SHOUWEN_PG_FAST=1 || unset SHOUWEN_PG_FAST
PGSH=$SRC/scripts/pg.sh
trap bench_destroy_hub EXIT
trap 'exit 130' INT TERM
rm -rf "$DIR"
mkdir -p "$DIR" && cd "$DIR" || exit 1
CLOCK=$DIR/clock
at() { printf '%s\n' "$(($(date -d "$1 +0800" +%s) * 1000000))" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"; }
at "2026-03-02 09:00"
say "# shouwen mass-expiry bench (issue 10): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, build $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")), git $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')"
say "# load average at the start: $(loadavg); projections ${EXPIRY_PROJECTIONS:-inline}"
HUB_CLOCK=file:$CLOCK HUB_PROJECTIONS=${EXPIRY_PROJECTIONS:-inline} HUB_SNAPSHOT_INTERVAL_S=0 \
    hub_init "$DIR/hub" "$BUILD" "$BASE" >/dev/null || { echo "expiry.sh: hub_init failed" >&2; exit 1; }
hub_start audit
hub_start intake
hub_start sla
su_sql() { timeout 900 bash "$PGSH" psql "$HUB/pg" "$HUB_DB" postgres -qAt -v ON_ERROR_STOP=1 "$@"; }
head_pos() { su_sql -c 'SELECT shouwen.head_position()'; }
# settle: the head still for 3 s (at most 900 s)
settle() {
    local last=-1 cur same=0 i
    for ((i = 0; i < 1800 && same < 6; i++)); do
        sleep 0.5
        cur=$(head_pos)
        if [[ "$cur" == "$last" ]]; then same=$((same + 1)); else same=0; last=$cur; fi
    done
    echo "$last"
}
for ((i = 0; i < 300; i++)); do grep -q "sla: calendar" "$HUB/log/sla.log" && break; sleep 0.1; done
K=$HUB/keys
t=$(date +%s.%N)
"$PROBE" "tcp://127.0.0.1:$((BASE + 2))" "$K/daemons/audit.cert" "$K/own/intake.cert" "$K/own/sla.cert" \
    plain "$N" >/dev/null || { echo "expiry.sh: chain_probe failed" >&2; exit 1; }
h0=$(settle)
say "1. $N cases and their deadlines committed: log head $h0 after $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a - 3 }') s"
say "   sla: $(grep -o 'live at position.*' "$HUB/log/sla.log" | tail -n 1)"
su_sql -c "SELECT '   ' || type || ' ' || count(*) FROM shouwen.events GROUP BY type ORDER BY 1"
PERF_PID=
if [[ -n "${EXPIRY_PERF:-}" ]]; then # seconds of perf record -a -g from the move (root, linux-perf)
    perf record -a -g -F 499 -o "$DIR/perf.data" -- sleep "$EXPIRY_PERF" >/dev/null 2>&1 &
    PERF_PID=$!
fi
at "2026-03-03 10:00"
t0=$(date +%s.%N)
h1=$(settle)
IFS='|' read -r n span <<<"$(su_sql -c "SELECT count(*), extract(epoch FROM max(committed_at)) - $t0 FROM shouwen.events WHERE position > $h0")"
say "2. the clock moved past them: $n events committed, the last $(printf '%.2f' "$span") s after the move (log head $h1)"
su_sql -c "SELECT '   ' || type || ' ' || count(*) || ', committed ' || round(extract(epoch FROM min(committed_at))::numeric - $t0, 2) || '..' || round(extract(epoch FROM max(committed_at))::numeric - $t0, 2) || ' s after the move' FROM shouwen.events WHERE position > $h0 GROUP BY type ORDER BY 1"
say "   sla: $(grep -c 'ERROR' "$HUB/log/sla.log") errors in its log; audit: $(grep -c 'ERROR' "$HUB/log/audit.log")"
say "   projections: $(su_sql -c "SELECT 'log ' || log_position || ', projected ' || projected_position FROM shouwen.projection_state")"
say "# load average at the end: $(loadavg)"
if [[ -n "$PERF_PID" ]]; then
    wait "$PERF_PID"
    say ""
    say "# perf record -a -g over the first $EXPIRY_PERF s after the move"
    bench_perf_report "$DIR/perf.data" postgres shouwen-audit shouwen-sla
fi
