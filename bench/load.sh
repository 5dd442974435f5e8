#!/usr/bin/env bash
# load.sh: issue 10's load bench — branch clients (bench/load.c) against a
# whole hub started here, and in the same run COPY of the very event rows
# the hub committed (docs/performance.md, "Load (issue 10)").
#
#   bash bench/load.sh [BUILD]          # BUILD: a release build, default build-c
#
# Builds nothing: BUILD must hold the daemons, the CLI and bench/load, e.g.
#   cmake -S . -B build-c -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-c -j2 --target shouwen-audit shouwen-intake \
#       shouwen-router shouwen-sla shouwen load
#
# A private hub (scripts/hublib.sh: PostgreSQL with fsync on, as deployed,
# unless LOAD_PG_FAST=1; the sample hotel) under BUILD/bench/load.run, base port
# 30600 (intake 30601, hub 30602-30604, PostgreSQL 30610); removed at the
# end, also on failure or ^C, unless BENCH_KEEP=1.
#
# Steps, each `bench/load` with its own request ids (TAG-n):
#   ramp      LOAD_RATES (default "250 400 500 600 750 1000 2000")
#             inquiries/s offered, LOAD_STEP_S (20) s each
#   sustained LOAD_SUSTAIN_S (60) s at the highest ramp rate whose ack
#             p99 was at most 50 ms with every request acknowledged
#             (LOAD_SUSTAIN_RATE overrides; MAX/2 if no step was)
#   max       LOAD_SUSTAIN_S (60) s at MAX.  MAX is the most the whole
#             hub kept up with in the ramp: per step, the log's committed
#             events/s divided by the events an inquiry makes (inquiry,
#             routing, deadlines), capped at the offered rate; the highest
#             of the steps, rounded down to 50/s (LOAD_MAX overrides).
#             Acknowledgements alone would overstate it: intake answers
#             once the inquiry is committed, while router's and sla's
#             events for it queue behind and commit later.
#   half      MAX/2 for LOAD_STEP_S
#   overload  2*MAX for LOAD_STEP_S, intake as configured (max_pending
#             20000 unless HUB_MAX_PENDING says otherwise)
#   overload-bp  2*MAX again after intake's max_pending is set to
#             LOAD_BP_PENDING (default MAX/5: some 200 ms of the log's work)
#             by SIGHUP: back-pressure (RETRY HUB_BUSY) as it is meant to
#             act; LOAD_BP_PENDING=0 skips the step
# LOAD_CLIENTS (16) connections, LOAD_DRAIN_S (30) s after the last
# scheduled send for answers and resends.  After each step the log is left
# to settle (no new position for 2 s), then, in PostgreSQL:
#   - the step's events (positions lo..hi): committed events/s over their
#     commit times, events per inquiry;
#   - nothing lost: every request id the client counted acknowledged is an
#     inquiry.received in the log, none twice;
#   - COPY (SELECT * FROM shouwen.events WHERE position BETWEEN lo AND hi)
#     TO a file, then COPY into a logged scratch table of the same columns
#     (no index, trigger or projection), timed: raw COPY events/s, and the
#     ratio committed / COPY.
# CPU (% of one core over the offered seconds) and peak resident memory of
# intake, router, sla, audit and the PostgreSQL server (postmaster and its
# backends, Pss) come from /proc, sampled by bench/load every 500 ms.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build-c}" && pwd) || exit 64
RATES=${LOAD_RATES:-250 400 500 600 750 1000 2000}
STEP_S=${LOAD_STEP_S:-20}
SUSTAIN_S=${LOAD_SUSTAIN_S:-60}
CLIENTS=${LOAD_CLIENTS:-16}
DRAIN_S=${LOAD_DRAIN_S:-30}
BASE=30600
DIR=$BUILD/bench/load.run
LOAD=$BUILD/bench/load
for d in audit intake router sla; do
    [[ -x "$BUILD/services/$d/shouwen-$d" ]] || { echo "load.sh: no $BUILD/services/$d/shouwen-$d (build it first)" >&2; exit 64; }
done
[[ -x "$LOAD" && -x "$BUILD/cli/shouwen" ]] || { echo "load.sh: no $LOAD or $BUILD/cli/shouwen (build the targets load and shouwen)" >&2; exit 64; }
source "$SRC/bench/benchlib.sh"
bench_check_build load.sh

source "$SRC/scripts/hublib.sh"
[[ "${LOAD_PG_FAST:-0}" == 1 ]] && export SHOUWEN_PG_FAST=1 || unset SHOUWEN_PG_FAST
PGSH=$SRC/scripts/pg.sh

trap bench_destroy_hub EXIT
trap 'exit 130' INT TERM

rm -rf "$DIR"
bash "$PGSH" destroy "$DIR/pg" >/dev/null 2>&1
mkdir -p "$DIR" && cd "$DIR" || exit 1
say "# shouwen load bench (issue 10): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)," \
    "build $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt"))"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    say "# source $SRC at git $(git -C "$SRC" rev-parse --short HEAD)$(git -C "$SRC" diff --quiet HEAD -- lib services proto scripts 2>/dev/null || echo ', with uncommitted changes in lib, services, proto or scripts')"
else
    say "# source $SRC (not a git checkout${LOAD_SOURCE:+: $LOAD_SOURCE})"
fi
say "# uptime at the start: $(uptime)"

hub_init "$DIR/hub" "$BUILD" "$BASE" >/dev/null || { echo "load.sh: hub_init failed" >&2; exit 1; }
hub_start_all
hub_wait_ready 60 || exit 1
"$BUILD/cli/shouwen" directory load "$SRC/deploy/directory/hotel.conf" >/dev/null || { echo "load.sh: directory load failed" >&2; exit 1; }

PGHOME=$( [[ -f "$HUB/pg/home" ]] && cat "$HUB/pg/home" || echo "$HUB/pg")
PMPID=$(head -n 1 "$PGHOME/pgdata/postmaster.pid")
su_sql() { timeout 600 bash "$PGSH" psql "$HUB/pg" "$HUB_DB" postgres -qAt -v ON_ERROR_STOP=1 "$@"; }
head_pos() { su_sql -c 'SELECT shouwen.head_position()'; }
say "# PostgreSQL $(su_sql -c 'SHOW server_version'): fsync $(su_sql -c 'SHOW fsync'), synchronous_commit $(su_sql -c 'SHOW synchronous_commit'), shared_buffers $(su_sql -c 'SHOW shared_buffers'); audit batch_max ${HUB_BATCH_MAX:-2000}, flush_ms ${HUB_FLUSH_MS:-2}; intake max_pending ${HUB_MAX_PENDING:-20000}, ack_timeout_ms ${HUB_ACK_TIMEOUT_MS:-3000}"
su_sql -c 'CREATE TABLE public.load_scratch (LIKE shouwen.events)' || exit 1

# settle: until the log head has not moved for 2 s (at most 180 s)
settle() {
    local last cur same=0 i
    last=$(head_pos)
    for ((i = 0; i < 360 && same < 4; i++)); do
        sleep 0.5
        cur=$(head_pos)
        if [[ "$cur" == "$last" ]]; then same=$((same + 1)); else same=0; last=$cur; fi
    done
    echo "$last"
}

# the hub's counters (shouwen stats: intake's own, audit's from its heartbeat)
stats() { timeout 20 "$BUILD/cli/shouwen" stats --timeout 5 2>/dev/null | awk 'NF == 2 && $2 ~ /^[0-9]+$/ { print $1 "=" $2 }'; }
# stats_delta BEFORE AFTER NAME...: "NAME +N" for each
stats_delta() {
    local before=$1 after=$2 n b a out=""
    shift 2
    for n in "$@"; do
        b=$(sed -n "s/^$n=//p" <<<"$before")
        a=$(sed -n "s/^$n=//p" <<<"$after")
        out+="${out:+, }${n#audit.} $(( ${a:-0} - ${b:-0} ))"
    done
    echo "$out"
}

declare -a ROWS=()
RUN=$(date +%H%M%S)
# step NAME RATE SECONDS: one run of bench/load, then the log's side
step() {
    local name=$1 rate=$2 secs=$3 tag lo hi out rc
    tag="$name-$rate-$RUN"
    lo=$(($(head_pos) + 1))
    local st0
    st0=$(stats)
    say ""
    say "## $name: $rate inquiries/s for $secs s ($CLIENTS connections); load average before: $(loadavg)"
    out=$DIR/out-$tag
    local pglog_at
    pglog_at=$(wc -l <"$PGHOME/postgres.log")
    timeout $((secs + DRAIN_S + 90)) "$LOAD" --endpoint "tcp://127.0.0.1:$((BASE + 1))" \
        --rate "$rate" --seconds "$secs" --clients "$CLIENTS" --drain "$DRAIN_S" --tag "$tag" \
        --acked "$DIR/acked-$tag" \
        --proc "intake=$(hub_pid intake)" --proc "router=$(hub_pid router)" \
        --proc "sla=$(hub_pid sla)" --proc "audit=$(hub_pid audit)" \
        --proc-tree "postgres=$PMPID" >"$out" 2>&1
    rc=$?
    grep -v '^RESULT' "$out"
    [[ $rc -le 1 ]] || { echo "load.sh: bench/load exited $rc" >&2; return 1; }
    local la_end
    la_end=$(loadavg)
    # PostgreSQL's checkpoints while the requests were offered and answered
    # (log_checkpoints is on by default): a checkpoint's fsyncs stall commits
    local ckpt
    ckpt=$(tail -n +$((pglog_at + 1)) "$PGHOME/postgres.log" | grep -o 'checkpoint complete:.*' |
        sed -n 's/.*write=\([0-9.]*\) s, sync=\([0-9.]*\) s, total=\([0-9.]*\) s.*/write \1 s, sync \2 s, total \3 s/p' | paste -sd';')
    say "  PostgreSQL checkpoints during the step: ${ckpt:-none}"
    hi=$(settle)
    sleep 2 # audit's counters come with its heartbeat
    say "  audit's proposals during the step: $(stats_delta "$st0" "$(stats)" audit.received audit.committed audit.duplicate audit.stale) (a duplicate: a proposal republished by its producer, sw_producer, before its commit came back)"
    # the log's side: events of the step, the acknowledged ids in the log
    local acked_file="$PGHOME/acked-$tag"
    cp "$DIR/acked-$tag" "$acked_file" && chmod 644 "$acked_file"
    local dbline
    dbline=$(su_sql <<SQL
CREATE TEMP TABLE acked (request_id text PRIMARY KEY);
COPY acked FROM '$acked_file';
CREATE TEMP TABLE inq AS
  SELECT body->>'request_id' AS request_id FROM shouwen.events
   WHERE position BETWEEN $lo AND $hi AND type = 'inquiry.received'
     AND body->>'request_id' LIKE '$tag-%';
SELECT (SELECT count(*) FROM shouwen.events WHERE position BETWEEN $lo AND $hi),
       (SELECT round(extract(epoch FROM max(committed_at) - min(committed_at))::numeric, 3)
          FROM shouwen.events WHERE position BETWEEN $lo AND $hi),
       (SELECT count(*) FROM inq),
       (SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT FROM inq i WHERE i.request_id = a.request_id)),
       (SELECT count(*) - count(DISTINCT request_id) FROM inq),
       (SELECT count(*) FROM inq i WHERE NOT EXISTS (SELECT FROM acked a WHERE a.request_id = i.request_id)),
       (SELECT string_agg(type || ' ' || n, ', ' ORDER BY n DESC) FROM
          (SELECT type, count(*) n FROM shouwen.events WHERE position BETWEEN $lo AND $hi GROUP BY 1) s);
SQL
)
    rm -f "$acked_file"
    local n_ev span n_inq missing dups unacked types
    IFS='|' read -r n_ev span n_inq missing dups unacked types <<<"$dbline"
    # raw COPY of the very rows, into the logged scratch table
    local copyfile="$PGHOME/rows-$tag.copy" copy_ms
    copy_ms=$(su_sql <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
COPY (SELECT * FROM shouwen.events WHERE position BETWEEN $lo AND $hi ORDER BY position) TO '$copyfile';
TRUNCATE public.load_scratch;
CHECKPOINT;
\timing on
COPY public.load_scratch FROM '$copyfile';
SQL
)
    rm -f "$copyfile"
    local ev_s copy_s ratio per_inq
    ev_s=$(awk -v n="$n_ev" -v s="$span" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
    copy_s=$(awk -v n="$n_ev" -v ms="$copy_ms" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }')
    ratio=$(awk -v a="$ev_s" -v b="$copy_s" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')
    per_inq=$(awk -v n="$n_ev" -v i="$n_inq" 'BEGIN { printf "%.2f", (i > 0 ? n / i : 0) }')
    say "  log: positions $lo..$hi, $n_ev events committed in ${span} s = $ev_s events/s ($per_inq per inquiry: $types)"
    say "  log: $n_inq inquiries of this step; acknowledged but not in the log: $missing; twice in the log: $dups; in the log, not acknowledged (refused or unanswered, committed anyway): $unacked"
    say "  raw COPY of the same $n_ev rows into a logged table: $copy_ms ms = $copy_s events/s; committed / COPY = $ratio"
    say "  load average after: $la_end"
    LAST_CAP=$(awk -v e="$ev_s" -v p="$per_inq" -v o="$rate" 'BEGIN { c = (p > 0 ? e / p : 0); print (c > o ? o : c) }')
    say "  the hub kept up with $LAST_CAP inquiries/s (committed events/s / events per inquiry, at most the offered rate)"
    local r
    r=$(grep '^RESULT' "$out")
    LAST_P99=$(sed -n 's/.* p99=\([-0-9.]*\) .*/\1/p' <<<"$r")
    LAST_CLEAN=$(awk -v row="$r" 'BEGIN { n = split(row, f, " "); for (i = 2; i <= n; i++) { k = f[i]; sub(/=.*/, "", k); v = f[i]; sub(/^[^=]*=/, "", v); x[k] = v } print (x["acked"] == x["total"] ? 1 : 0) }')
    ROWS+=("$name $r n_ev=$n_ev ev_s=$ev_s copy_s=$copy_s ratio=$ratio db_missing=$missing db_dups=$dups db_unacked=$unacked la=${la_end// /,} cap=$LAST_CAP")
    return 0
}

MAX_SEEN=0
SUSTAIN_RATE=0
for rate in $RATES; do
    step ramp "$rate" "$STEP_S" || exit 1
    MAX_SEEN=$(awk -v a="$MAX_SEEN" -v b="$LAST_CAP" 'BEGIN { print (b > a ? b : a) }')
    if [[ "$LAST_CLEAN" == 1 ]] && awk -v p="$LAST_P99" 'BEGIN { exit !(p >= 0 && p <= 50) }' &&
        ((rate > SUSTAIN_RATE)); then
        SUSTAIN_RATE=$rate
    fi
done
MAX=${LOAD_MAX:-$(awk -v m="$MAX_SEEN" 'BEGIN { v = int(m / 50) * 50; print (v < 50 ? 50 : v) }')}
say ""
say "# the most the hub kept up with in the ramp: $MAX_SEEN inquiries/s; MAX = $MAX/s"
((SUSTAIN_RATE > 0)) || SUSTAIN_RATE=$((MAX / 2))
SUSTAIN_RATE=${LOAD_SUSTAIN_RATE:-$SUSTAIN_RATE}
say "# the highest ramp rate with ack p99 <= 50 ms, everything acknowledged: $SUSTAIN_RATE/s"
step sustained "$SUSTAIN_RATE" "$SUSTAIN_S" || exit 1
step max "$MAX" "$SUSTAIN_S" || exit 1
step half $((MAX / 2)) "$STEP_S" || exit 1
step overload $((MAX * 2)) "$STEP_S" || exit 1
BP=${LOAD_BP_PENDING:-$((MAX / 5 > 10 ? MAX / 5 : 10))}
if ((BP > 0)); then
    sed -i "s/^    max_pending = .*/    max_pending = $BP/" "$HUB/etc/intake.conf"
    kill -HUP "$(hub_pid intake)"
    for ((i = 0; i < 100; i++)); do
        grep -q "max_pending.*-> $BP, in force now" "$HUB/log/intake.log" && break
        sleep 0.1
    done
    grep -q "max_pending.*-> $BP, in force now" "$HUB/log/intake.log" ||
        { echo "load.sh: intake did not take max_pending = $BP on SIGHUP" >&2; exit 1; }
    say ""
    say "# intake/max_pending = $BP now (SIGHUP)"
    step overload-bp $((MAX * 2)) "$STEP_S" || exit 1
fi

say ""
say "# uptime at the end: $(uptime)"
say ""
say "| step | offered/s | acked/s | log kept up, inquiries/s | committed events/s | raw COPY events/s | ratio | ack p50 / p99 / p99.9 ms | accepted p99 ms | HUB_BUSY p99 ms | RETRY busy / not committed | refused | lost | CPU % intake / router / sla / audit / postgres / client | peak RSS MB intake / router / sla / audit / postgres | load avg after |"
say "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---|---|---|"
for row in "${ROWS[@]}"; do
    awk -v row="$row" 'BEGIN {
        n = split(row, f, " ")
        name = f[1]
        for (i = 2; i <= n; i++) { k = f[i]; sub(/=.*/, "", k); v = f[i]; sub(/^[^=]*=/, "", v); x[k] = v }
        lost = x["unanswered"] + x["db_missing"]
        printf "| %s | %d | %.0f | %.0f | %d | %d | %s | %s / %s / %s | %s | %s | %d / %d | %d | %d | %s / %s / %s / %s / %s / %s | %s / %s / %s / %s / %s | %s |\n",
            name, x["offered"], x["acked_per_s"], x["cap"], x["ev_s"], x["copy_s"], x["ratio"],
            x["p50"], x["p99"], x["p999"], x["acc_p99"], (x["busy_p99"] < 0 ? "-" : x["busy_p99"]),
            x["busy"], x["not_committed"], x["refused"], lost,
            x["cpu_intake"], x["cpu_router"], x["cpu_sla"], x["cpu_audit"], x["cpu_postgres"], x["client_cpu"],
            x["rss_intake"], x["rss_router"], x["rss_sla"], x["rss_audit"], x["rss_postgres"], x["la"]
    }'
done
lost_total=0
for row in "${ROWS[@]}"; do
    l=$(awk -v row="$row" 'BEGIN { n = split(row, f, " "); for (i = 2; i <= n; i++) { k = f[i]; sub(/=.*/, "", k); v = f[i]; sub(/^[^=]*=/, "", v); x[k] = v } print x["unanswered"] + x["db_missing"] + x["db_dups"] + x["ok_twice"] }')
    lost_total=$((lost_total + l))
done
say ""
say "lost, duplicated or twice-acknowledged over every step: $lost_total"
[[ $lost_total -eq 0 ]]
