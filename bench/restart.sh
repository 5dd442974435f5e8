#!/usr/bin/env bash
# restart.sh: restart and recovery figures of a whole hub (issue 10).
#
#   bash bench/restart.sh [BUILD]        # BUILD: a Release build (default build-c)
#
# Builds nothing: wants shouwen-{audit,intake,router,sla}, shouwen, bench/load
# and bench/restart_probe in BUILD (copied into the run directory first, so a
# rebuild of BUILD during the run changes nothing).  Brings up a private hub
# through scripts/hublib.sh under BUILD/bench/restart.run (base port 32550:
# intake 32551, the hub's sockets 32552-32554, PostgreSQL 32560 with fsync
# on, as deployed), loads the sample hotel, then:
#
# 1. fill: bench/load offers inquiries at RESTART_FILL_RATE/s (600) in
#    chunks of RESTART_CHUNK_S (30) s, the log left to settle after each
#    (no new position for 2 s), until the log holds RESTART_EVENTS (500000)
#    events: every one committed by audit through append_batch and
#    replayed by the daemons below.  Bounded by RESTART_FILL_MAX_S (1800) s.
#    RSS of every daemon (VmRSS, VmHWM) once it has settled.
# 2. intake: kill -9, started again at once; time from the kill to the
#    first acknowledged inquiry (bench/restart_probe: a submit every 20 ms
#    on one CURVE connection, the first OK), and to its log's "following the
#    log at position N".
# 3. router, then sla: kill -9, started again at once; time from the start
#    to its log's "live at position N" (the log line's own timestamp).
# 4. PostgreSQL: pg_ctl restart -m immediate (crash recovery on start); time
#    from the restart command and from pg_isready's first success to the
#    first acknowledged inquiry, and the postgres log's "ready to accept
#    connections".
# RESTART_FILL=generate fills the log with bench/fill_log instead (the 10 M
# figures): the hub's clock is a file held at the bench's start, a closed
# and an open template case are made through the CLI (submit, reply, close;
# submit, transfer, accept), intake, router and sla are stopped, and fill_log proposes
# RESTART_CASES (1000000) copies of them to audit, the last RESTART_OPEN
# (50000) open, one event at a time per copy through audit's commit path;
# then intake, router and sla start on the whole log without a snapshot
# (that replay is timed too) and write their snapshots.
# RESTART_SIGNAL=TERM stops intake, router and sla with SIGTERM (each writes
# its snapshot at stop) instead of kill -9 (which leaves the last periodic
# snapshot, every HUB_SNAPSHOT_INTERVAL_S, default 300 s, while the log
# moves); each run names the snapshot position the daemon loaded.
# Each of 2-4 RESTART_REPEAT (3) times; then RSS of every daemon again, and
# a table: min / median / max of each figure.  uptime before and after.
# The run directory is removed at the end (a trap) unless BENCH_KEEP=1.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build-c}" && pwd) || exit 64
EVENTS=${RESTART_EVENTS:-500000}
REPEAT=${RESTART_REPEAT:-3}
FILL_RATE=${RESTART_FILL_RATE:-600}
CHUNK_S=${RESTART_CHUNK_S:-30}
FILL_MAX_S=${RESTART_FILL_MAX_S:-1800}
BASE=32550
DIR=$BUILD/bench/restart.run
[[ "$EVENTS" =~ ^[0-9]+$ && "$REPEAT" =~ ^[0-9]+$ && "$FILL_RATE" =~ ^[0-9]+$ && "$CHUNK_S" =~ ^[0-9]+$ ]] &&
    ((REPEAT >= 1 && REPEAT <= 20 && FILL_RATE >= 1 && FILL_RATE <= 20000 && CHUNK_S >= 1 && CHUNK_S <= 600)) ||
    { echo "restart.sh: RESTART_EVENTS, RESTART_REPEAT (1-20), RESTART_FILL_RATE (1-20000), RESTART_CHUNK_S (1-600): numbers" >&2; exit 64; }
for f in services/audit/shouwen-audit services/intake/shouwen-intake services/router/shouwen-router \
    services/sla/shouwen-sla cli/shouwen bench/load bench/restart_probe; do
    [[ -x "$BUILD/$f" ]] || { echo "restart.sh: no $BUILD/$f (build the targets shouwen-audit shouwen-intake shouwen-router shouwen-sla shouwen load restart_probe)" >&2; exit 64; }
done
source "$SRC/bench/benchlib.sh"
bench_check_build restart.sh

source "$SRC/scripts/hublib.sh"
unset SHOUWEN_PG_FAST
PGSH=$SRC/scripts/pg.sh

cleanup() {
    [[ -n "${PROBE_PID:-}" ]] && kill "$PROBE_PID" 2>/dev/null
    [[ -n "${PGCTL_PID:-}" ]] && wait "$PGCTL_PID" 2>/dev/null
    bench_destroy_hub
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { local t=$EPOCHREALTIME; echo $((${t/./})); }

[[ -d "$DIR/hub/pg" ]] && bash "$PGSH" destroy "$DIR/hub/pg" >/dev/null 2>&1
rm -rf "$DIR"
mkdir -p "$DIR/bin"/{services/audit,services/intake,services/router,services/sla,cli,bench} && cd "$DIR" || exit 1
for f in services/audit/shouwen-audit services/intake/shouwen-intake services/router/shouwen-router \
    services/sla/shouwen-sla cli/shouwen bench/load bench/restart_probe; do
    cp "$BUILD/$f" "$DIR/bin/$f" || exit 1
done
BIN=$DIR/bin
say "# shouwen restart bench (issue 10): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)," \
    "build $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt"))"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    say "# source $SRC at git $(git -C "$SRC" rev-parse --short HEAD)$(git -C "$SRC" diff --quiet HEAD -- lib services proto scripts 2>/dev/null || echo ', with uncommitted changes in lib, services, proto or scripts')"
fi
say "# uptime at the start: $(uptime)"
say "# snapshots every ${HUB_SNAPSHOT_INTERVAL_S:-300} s while the log moves; daemons stopped with ${RESTART_SIGNAL:-KILL}"
UPTIME_START=$(uptime)

FILL=${RESTART_FILL:-load}
GEN_CASES=${RESTART_CASES:-1000000}
GEN_OPEN=${RESTART_OPEN:-50000}
if [[ "$FILL" == generate ]]; then
    [[ "$GEN_CASES" =~ ^[0-9]+$ && "$GEN_OPEN" =~ ^[0-9]+$ ]] && ((GEN_OPEN <= GEN_CASES && GEN_CASES <= 20000000)) ||
        { echo "restart.sh: RESTART_CASES (at most 20000000) and RESTART_OPEN (at most RESTART_CASES): numbers" >&2; exit 64; }
    [[ -x "$BUILD/bench/fill_log" ]] || { echo "restart.sh: no $BUILD/bench/fill_log" >&2; exit 64; }
    cp "$BUILD/bench/fill_log" "$DIR/bin/bench/" || exit 1
    CLOCK_US=$(now_us)
    echo "$CLOCK_US" >"$DIR/clock"
    export HUB_CLOCK="file:$DIR/clock"
    say "# RESTART_FILL=generate: the hub's clock held at $(date -d "@$((CLOCK_US / 1000000))" '+%Y-%m-%d %H:%M:%S %Z') ($CLOCK_US µs)"
elif [[ "$FILL" != load ]]; then
    echo "restart.sh: RESTART_FILL is load or generate" >&2; exit 64
fi
hub_init "$DIR/hub" "$BIN" "$BASE" >/dev/null || { echo "restart.sh: hub_init failed" >&2; exit 1; }
hub_start_all
hub_wait_ready 60 || exit 1
"$BIN/cli/shouwen" directory load "$SRC/deploy/directory/hotel.conf" >/dev/null || { echo "restart.sh: directory load failed" >&2; exit 1; }

PGHOME=$( [[ -f "$HUB/pg/home" ]] && cat "$HUB/pg/home" || echo "$HUB/pg")
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -n "${SHOUWEN_PG_BINDIR:-}" ]] && PGBIN=$SHOUWEN_PG_BINDIR
PGSOCK=$(cat "$HUB/pg/sockdir")
PGPORT=$(cat "$HUB/pg/port")
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
su_sql() { timeout 600 bash "$PGSH" psql "$HUB/pg" "$HUB_DB" postgres -qAt -v ON_ERROR_STOP=1 "$@"; }
head_pos() { su_sql -c 'SELECT shouwen.head_position()'; }
pg_ready() { "$PGBIN/pg_isready" -q -h "$PGSOCK" -p "$PGPORT" -t 1 >/dev/null 2>&1; }
say "# PostgreSQL $(su_sql -c 'SHOW server_version'): fsync $(su_sql -c 'SHOW fsync'), synchronous_commit $(su_sql -c 'SHOW synchronous_commit'); audit batch_max ${HUB_BATCH_MAX:-2000}, flush_ms ${HUB_FLUSH_MS:-2}"

# settle: until the log head has not moved for 2 s (at most 300 s)
settle() {
    local last cur same=0 i
    last=$(head_pos)
    for ((i = 0; i < 600 && same < 4; i++)); do
        sleep 0.5
        cur=$(head_pos)
        if [[ "$cur" == "$last" ]]; then same=$((same + 1)); else same=0; last=$cur; fi
    done
    echo "$last"
}

# rss NAME: "VmRSS VmHWM" of a daemon, in MB
rss() {
    local pid
    pid=$(hub_pid "$1")
    awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.0f %.0f", r / 1024, h / 1024 }' \
        "/proc/$pid/status" 2>/dev/null || echo "- -"
}
rss_line() {
    local d out=""
    for d in intake router sla audit; do
        read -r r h <<<"$(rss "$d")"
        out+="${out:+, }$d $r MB (peak $h MB)"
    done
    echo "$out"
}

# ------------------------------------------------------ measurement helpers
# log_ms LINE: the HH:MM:SS.mmm of a daemon's log line in ms since midnight
log_ms() { awk '{ split($1, t, /[:.]/); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }' <<<"$1"; }
# day_ms US: an EPOCHREALTIME in µs as local ms since midnight
day_ms() { local s=$(($1 / 1000000)) ms=$((($1 / 1000) % 1000)); echo $((10#$(date -d "@$s" +%H) * 3600000 + 10#$(date -d "@$s" +%M) * 60000 + 10#$(date -d "@$s" +%S) * 1000 + ms)); }
# wait_line NAME FROM_LINE PATTERN SECONDS: the first line after FROM_LINE
# of NAME's log matching PATTERN, polled every 20 ms
wait_line() {
    local name=$1 from=$2 pat=$3 limit=$4 i line
    for ((i = 0; i < limit * 50; i++)); do
        line=$(tail -n +$((from + 1)) "$HUB/log/$name.log" | grep -m 1 -- "$pat")
        [[ -n "$line" ]] && { echo "$line"; return 0; }
        sleep 0.02
    done
    return 1
}
# ------------------------------------------------------------------ fill
count_case() { su_sql -c "SELECT count(*) FROM shouwen.events WHERE case_id = '$1'"; }
# wait_grow CASE N: until CASE has at least N events and no new one for 1 s
wait_grow() {
    local i n last=-1 same=0
    for ((i = 0; i < 300 && same < 4; i++)); do
        n=$(count_case "$1")
        if ((n >= $2 && n == last)); then same=$((same + 1)); else same=0; fi
        last=$n
        sleep 0.25
    done
    ((last >= $2))
}
cli() { "$BIN/cli/shouwen" "$@"; }
generate_fill() {
    say ""
    say "## fill: bench/fill_log, $GEN_CASES cases of which $GEN_OPEN open; load average $(loadavg)"
    local closed open out
    closed=$(cli submit --channel phone --kind consultation --name 张三 --phone 13800000000 \
        --matter "客人询问账单上的迷你吧消费" --category billing --receiver fo-01 --request-id tpl-closed) ||
        { echo "restart.sh: template submit refused: $closed" >&2; exit 1; }
    wait_grow "$closed" 2 || { echo "restart.sh: template $closed not routed" >&2; exit 1; }
    cli reply "$closed" --staff fo-01 --text "已核对：迷你吧消费为两瓶矿泉水，共 20 元" >/dev/null ||
        { echo "restart.sh: template reply refused" >&2; exit 1; }
    wait_grow "$closed" 4 || exit 1
    cli close "$closed" --staff fo-01 --reason "已答复客人" >/dev/null ||
        { echo "restart.sh: template close refused" >&2; exit 1; }
    wait_grow "$closed" 6 || exit 1
    open=$(cli submit --channel visit --kind complaint --name 李四 --phone 13900000000 \
        --matter "房间卫生间地漏堵塞，要求尽快打扫" --category room_cleaning --receiver fo-01 --request-id tpl-open) ||
        { echo "restart.sh: template submit refused: $open" >&2; exit 1; }
    wait_grow "$open" 2 || { echo "restart.sh: template $open not routed" >&2; exit 1; }
    local n
    n=$(count_case "$open")
    cli transfer "$open" --staff fo-01 --to-department housekeeping --reason "客房清洁由客房部负责" >/dev/null ||
        { echo "restart.sh: template transfer refused" >&2; exit 1; }
    wait_grow "$open" $((n + 2)) || exit 1
    n=$(count_case "$open")
    cli accept "$open" --staff hk-01 >/dev/null || { echo "restart.sh: template accept refused" >&2; exit 1; }
    wait_grow "$open" $((n + 2)) || exit 1
    settle >/dev/null
    say "  templates: closed $closed: $(su_sql -c "SELECT string_agg(type, ', ' ORDER BY position) FROM shouwen.events WHERE case_id = '$closed'")"
    say "  templates: open $open: $(su_sql -c "SELECT string_agg(type, ', ' ORDER BY position) FROM shouwen.events WHERE case_id = '$open'")"
    local d
    for d in intake router sla; do hub_stop "$d" TERM; done
    rm -f "$HUB/state/"*
    FILL_T0=$SECONDS
    out=$("$BIN/bench/fill_log" --keys "$HUB/keys/own" --audit-cert "$HUB/keys/daemons/audit.cert" \
        --proposals "tcp://127.0.0.1:$((BASE + 2))" --committed "tcp://127.0.0.1:$((BASE + 3))" \
        --replay "tcp://127.0.0.1:$((BASE + 4))" --closed "$closed" --open "$open" \
        --cases "$GEN_CASES" --open-cases "$GEN_OPEN" --now-us "$CLOCK_US" 2>&1 | tee "$DIR/fill_log.out")
    grep -q '^FILL ' <<<"$out" || { echo "restart.sh: fill_log failed:" >&2; tail -n 20 "$DIR/fill_log.out" >&2; exit 1; }
    say "  $(grep '^FILL ' <<<"$out")"
    pos=$(settle)
    FILL_S=$((SECONDS - FILL_T0))
    say "  audit after the fill: $(rss audit | awk '{ print $1 " MB (peak " $2 " MB)" }')"
    # intake keeps request ids by commit time (intake/idempotency_window_s,
    # a day): the generated year was committed in FILL_S seconds, so a day
    # of it is FILL_S / 365 s; RESTART_WINDOW_S=default keeps the day (the
    # window then holds intake/idempotency_max requests)
    local win=${RESTART_WINDOW_S:-$(( (FILL_S + 364) / 365 ))}
    if [[ "$win" != default ]]; then
        sed -i "/^intake\$/a\\    idempotency_window_s = $win" "$HUB/etc/intake.conf"
        say "  intake/idempotency_window_s = $win: a day of the generated year, committed in $FILL_S s"
    fi
    # the first start on the whole log: no snapshot, a full replay
    local at
    for d in intake router sla; do
        at=$(wc -l <"$HUB/log/$d.log")
        local t_start
        t_start=$(now_us)
        hub_start "$d"
        local pat='live at position'
        [[ $d == intake ]] && pat='following the log at position'
        line=$(wait_line "$d" "$at" "$pat" 900) || { echo "restart.sh: $d not live within 900 s" >&2; exit 1; }
        live_ms=$(($(log_ms "$line") - $(day_ms "$t_start")))
        say "  $d, first start on the filled log (full replay, no snapshot): live after $live_ms ms: ${line#*: }; $(rss "$d" | awk '{ print $1 " MB (peak " $2 " MB)" }')"
    done
    hub_wait_ready 120 || exit 1
}

if [[ "$FILL" == load ]]; then
say ""
say "## fill: $FILL_RATE inquiries/s in chunks of $CHUNK_S s until $EVENTS events; load average $(loadavg)"
FILL_T0=$SECONDS
chunk=0
pos=$(head_pos)
fi
while [[ "$FILL" == load ]] && ((pos < EVENTS)); do
    if ((SECONDS - FILL_T0 > FILL_MAX_S)); then
        echo "restart.sh: the log holds $pos events after ${FILL_MAX_S} s of filling; giving up (raise RESTART_FILL_MAX_S or RESTART_FILL_RATE)" >&2
        exit 1
    fi
    chunk=$((chunk + 1))
    # the last chunk only as long as needed (about 3.6 events an inquiry)
    secs=$CHUNK_S
    if ((chunk > 1)); then
        need=$(awk -v n=$((EVENTS - pos)) -v e="$EV_PER_INQ" -v r="$FILL_RATE" 'BEGIN { s = int(n / e / r) + 1; print s }')
        ((need < secs)) && secs=$need
    fi
    c0=$SECONDS
    out=$(timeout $((secs + 150)) "$BIN/bench/load" --endpoint "tcp://127.0.0.1:$((BASE + 1))" \
        --rate "$FILL_RATE" --seconds "$secs" --clients 8 --drain 60 --tag "fill$chunk" 2>&1)
    rc=$?
    res=$(grep '^RESULT' <<<"$out")
    ((rc <= 1)) && [[ -n "$res" ]] || { echo "restart.sh: bench/load exited $rc:" >&2; echo "$out" >&2; exit 1; }
    prev=$pos
    pos=$(settle)
    acked=$(sed -n 's/.* acked=\([0-9]*\) .*/\1/p' <<<"$res")
    EV_PER_INQ=$(awk -v d=$((pos - prev)) -v a="$acked" 'BEGIN { printf "%.2f", (a > 0 ? d / a : 3.6) }')
    say "  chunk $chunk: $(sed -n 's/.* total=\([0-9]*\) .*/\1/p' <<<"$res") offered in $secs s, $acked acknowledged" \
        "(ack p99 $(sed -n 's/.* p99=\([-0-9.]*\) .*/\1/p' <<<"$res") ms, refused $(sed -n 's/.* refused=\([0-9]*\) .*/\1/p' <<<"$res")," \
        "unanswered $(sed -n 's/.* unanswered=\([0-9]*\) .*/\1/p' <<<"$res")); log $prev -> $pos" \
        "($EV_PER_INQ events an inquiry) in $((SECONDS - c0)) s; load average $(loadavg)"
done
[[ "$FILL" == load ]] && FILL_S=$((SECONDS - FILL_T0))
[[ "$FILL" == generate ]] && generate_fill
CASES=$(su_sql -c "SELECT count(*) FROM shouwen.events WHERE type = 'inquiry.received'")
TYPES=$(su_sql -c "SELECT string_agg(type || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT type, count(*) n FROM shouwen.events GROUP BY 1) s")
say "  the log: $pos events, $CASES inquiries, filled in $FILL_S s ($(awk -v p="$pos" -v s="$FILL_S" 'BEGIN { printf "%.0f", p / (s > 0 ? s : 1) }') events/s with the settling); $TYPES"
say "  resident memory after the fill (the daemons that took it live): $(rss_line)"
RSS_FILL="$(rss_line)"

# kill9 NAME: SIGKILL (SIGTERM with RESTART_SIGNAL=TERM: the daemon writes
# its snapshot), and wait (at most 10 s) for the process to be gone
kill9() {
    if [[ "${RESTART_SIGNAL:-KILL}" == TERM ]]; then
        hub_stop "$1" TERM
        return
    fi
    local pid
    pid=$(hub_pid "$1")
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for ((i = 0; i < 500; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
    rm -f "$HUB/run/$1.pid"
}
probe() {
    "$BIN/bench/restart_probe" --endpoint "tcp://127.0.0.1:$((BASE + 1))" --timeout "${1:-60}" --tag "probe$RANDOM$RANDOM"
}
alive() { local st; st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null); [[ -n "$st" && "$st" != Z ]]; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) / 1000 }'; }

# CPU seconds (utime+stime) of processes; of PostgreSQL: the postmaster, its
# live children and (cutime+cstime) those it has reaped
TCK=$(getconf CLK_TCK)
ticks() { local p; for p in "$@"; do awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'; }
pg_ticks() {
    local pm p sum
    pm=$(head -n 1 "$PGHOME/pgdata/postmaster.pid" 2>/dev/null)
    sum=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pm/stat" 2>/dev/null)
    for p in $(awk -v pm="$pm" '{ sub(/^.*\) /, ""); if ($2 == pm) print FILENAME }' /proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3); do
        sum=$((${sum:-0} + $(ticks "$p")))
    done
    echo "${sum:-0}"
}
cpu_ms() { echo $((($2 - $1) * 1000 / TCK)); }

declare -A FIG=()   # figure name -> "v1 v2 ..." (ms)
add() { FIG[$1]+="${FIG[$1]:+ }$2"; }

# the ack path itself, for reference: a probe on the running hub
for ((r = 1; r <= REPEAT; r++)); do
    p=$(probe 10) || { echo "restart.sh: no acknowledgement from the running hub: $p" >&2; exit 1; }
    add baseline "$(ms "$(field start_us "$p")" "$(field ok_us "$p")")"
done
say ""
say "## baseline: a probe on the running hub, first OK after ${FIG[baseline]// / ms, } ms"

# with kill -9 and short snapshot intervals: let each daemon write one at
# the filled log's head first
if [[ "${RESTART_SIGNAL:-KILL}" == KILL && "${HUB_SNAPSHOT_INTERVAL_S:-300}" -le 120 ]]; then
    sleep $((${HUB_SNAPSHOT_INTERVAL_S:-300} + 2))
fi

# ---------------------------------------------------------------- intake
say ""
say "## intake: kill -${RESTART_SIGNAL:-KILL}, started again at once; $REPEAT times"
for ((r = 1; r <= REPEAT; r++)); do
    at=$(wc -l <"$HUB/log/intake.log")
    la=$(loadavg)
    a0=$(ticks "$(hub_pid audit)"); g0=$(pg_ticks)
    t_kill=$(now_us)
    kill9 intake
    t_start=$(now_us)
    hub_start intake
    p=$(probe 120) || { echo "restart.sh: intake: no acknowledgement within 120 s: $p" >&2; exit 1; }
    line=$(wait_line intake "$at" 'following the log at position' 30) || { echo "restart.sh: intake never said it follows the log" >&2; exit 1; }
    c_self=$(cpu_ms 0 "$(ticks "$(hub_pid intake)")"); c_audit=$(cpu_ms "$a0" "$(ticks "$(hub_pid audit)")"); c_pg=$(cpu_ms "$g0" "$(pg_ticks)")
    add intake_cpu_self "$c_self"; add intake_cpu_audit "$c_audit"; add intake_cpu_pg "$c_pg"
    live_ms=$(($(log_ms "$line") - $(day_ms "$t_start")))
    n=$(sed -n 's/.*at position \([0-9]*\).*/\1/p' <<<"$line")
    ack=$(ms "$t_kill" "$(field ok_us "$p")")
    add intake_ack "$ack"
    add intake_live "$live_ms"
    add intake_rate "$(awk -v n="$n" -v t="$live_ms" 'BEGIN { printf "%.0f", n * 1000 / (t > 0 ? t : 1) }')"
    fa=$(field first_answer_us "$p")
    say "  run $r: $(tail -n +$((at + 1)) "$HUB/log/intake.log" | grep -o 'snapshot: [a-z]* [^;]*' | head -n 1)"
    say "  run $r: kill -> acknowledged $ack ms; start -> \"following the log at position $n\" $live_ms ms;" \
        "first answer (RETRY while catching up) $( ((fa > 0)) && ms "$t_start" "$fa" || echo -) ms after the start;" \
        "$(field not_ready "$p") HUB_NOT_READY, $(field no_directory "$p") NO_DIRECTORY, $(field sent "$p") sent;" \
        "CPU from the kill to the acknowledgement: intake $c_self ms, audit $c_audit ms, PostgreSQL $c_pg ms; load average $la"
    sleep 2
done

# ---------------------------------------------------------- router, sla
for d in router sla; do
    say ""
    say "## $d: kill -${RESTART_SIGNAL:-KILL}, started again at once; $REPEAT times"
    for ((r = 1; r <= REPEAT; r++)); do
        at=$(wc -l <"$HUB/log/$d.log")
        la=$(loadavg)
        a0=$(ticks "$(hub_pid audit)"); g0=$(pg_ticks)
        kill9 "$d"
        t_start=$(now_us)
        hub_start "$d"
        line=$(wait_line "$d" "$at" 'live at position' 120) || { echo "restart.sh: $d not live within 120 s" >&2; exit 1; }
        c_self=$(cpu_ms 0 "$(ticks "$(hub_pid "$d")")"); c_audit=$(cpu_ms "$a0" "$(ticks "$(hub_pid audit)")"); c_pg=$(cpu_ms "$g0" "$(pg_ticks)")
        add "${d}_cpu_self" "$c_self"; add "${d}_cpu_audit" "$c_audit"; add "${d}_cpu_pg" "$c_pg"
        live_ms=$(($(log_ms "$line") - $(day_ms "$t_start")))
        n=$(sed -n 's/.*live at position \([0-9]*\).*/\1/p' <<<"$line")
        add "${d}_live" "$live_ms"
        add "${d}_rate" "$(awk -v n="$n" -v t="$live_ms" 'BEGIN { printf "%.0f", n * 1000 / (t > 0 ? t : 1) }')"
        say "  run $r: $(tail -n +$((at + 1)) "$HUB/log/$d.log" | grep -o 'snapshot: [a-z]* [^;]*' | head -n 1)"
        say "  run $r: start -> live $live_ms ms: ${line#*: }; CPU in the replay: $d $c_self ms, audit $c_audit ms, PostgreSQL $c_pg ms; load average $la"
        sleep 2
    done
done

# ------------------------------------------------------------- PostgreSQL
say ""
say "## PostgreSQL: pg_ctl restart -m immediate; $REPEAT times"
for ((r = 1; r <= REPEAT; r++)); do
    la=$(loadavg)
    pm=$(head -n 1 "$PGHOME/pgdata/postmaster.pid")
    pgat=$(wc -l <"$PGHOME/postgres.log")
    t_cmd=$(now_us)
    as_pg "$PGBIN/pg_ctl" -D "$PGHOME/pgdata" -l "$PGHOME/postgres.log" -m immediate -w -t 120 restart >"$DIR/pgctl.out" 2>&1 &
    PGCTL_PID=$!
    # gone, or a zombie not yet reaped (kill -0 still succeeds on those)
    for ((i = 0; i < 1000; i++)); do alive "$pm" || break; sleep 0.01; done
    alive "$pm" && { echo "restart.sh: the postmaster $pm did not stop in 10 s" >&2; exit 1; }
    t_down=$(now_us)
    "$BIN/bench/restart_probe" --endpoint "tcp://127.0.0.1:$((BASE + 1))" --timeout 120 \
        --tag "pgprobe$RANDOM$RANDOM" >"$DIR/probe.out" 2>&1 &
    PROBE_PID=$!
    t_ready=0
    for ((i = 0; i < 6000; i++)); do
        if pg_ready; then t_ready=$(now_us); break; fi
        sleep 0.02
    done
    ((t_ready > 0)) || { echo "restart.sh: PostgreSQL not accepting connections after 120 s" >&2; exit 1; }
    wait "$PROBE_PID"
    prc=$?
    PROBE_PID=
    wait "$PGCTL_PID"
    PGCTL_PID=
    p=$(cat "$DIR/probe.out")
    ((prc == 0)) || { echo "restart.sh: no acknowledgement within 120 s after the PostgreSQL restart: $p" >&2; exit 1; }
    ok=$(field ok_us "$p")
    ((ok > t_ready)) || { echo "restart.sh: acknowledged before PostgreSQL was ready? $p (ready at $t_ready)" >&2; exit 1; }
    # the server's own word: "database system is ready to accept connections" (UTC)
    rl=$(tail -n +$((pgat + 1)) "$PGHOME/postgres.log" | grep -m 1 'ready to accept connections' | cut -d' ' -f1-2)
    srv_ready_us=$(($(date -u -d "$rl" +%s%N) / 1000))
    add pg_ready "$(ms "$t_cmd" "$t_ready")"
    add pg_ack_after_ready "$(ms "$t_ready" "$ok")"
    add pg_ack "$(ms "$t_cmd" "$ok")"
    say "  run $r: restart -> old postmaster gone $(ms "$t_cmd" "$t_down") ms -> server log \"ready to accept connections\" $(ms "$t_cmd" "$srv_ready_us") ms" \
        "-> pg_isready $(ms "$t_cmd" "$t_ready") ms -> acknowledged $(ms "$t_cmd" "$ok") ms ($(ms "$t_ready" "$ok") ms after pg_isready);" \
        "probe: $(field sent "$p") sent, $(field not_committed "$p") NOT_COMMITTED; load average $la"
    tail -n +$((pgat + 1)) "$PGHOME/postgres.log" | grep -m 1 -o 'redo done at.*\|redo is not required' | sed 's/^/    postgres: /'
    grep -h 'postgres\|PostgreSQL\|reconnect' "$HUB/log/audit.log" | tail -n 3 | sed 's/^/    audit: /'
    sleep 3
done

# ---------------------------------------------------------------- the end
sleep 2
pos_end=$(settle)
say ""
say "## resident memory at the end (intake, router and sla after their last replay): $(rss_line)"
RSS_END="$(rss_line)"
UPTIME_END=$(uptime)
say "# uptime at the end: $UPTIME_END"

# stat "v1 v2 ...": "min / median / max"
stat3() { tr ' ' '\n' <<<"$1" | sort -n | awk '{ v[NR] = $1 } END { printf "%s / %s / %s", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'; }
sec3() { tr ' ' '\n' <<<"$1" | sort -n | awk '{ v[NR] = $1 / 1000 } END { printf "%.2f / %.2f / %.2f s", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'; }
say ""
say "restart figures: $pos events in the log after the fill ($CASES inquiries), $pos_end at the end; $REPEAT runs each, min / median / max"
say ""
med() { tr ' ' '\n' <<<"$1" | sort -n | awk '{ v[NR] = $1 / 1000 } END { printf "%.2f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
cpu3() { echo "$(med "${FIG[${1}_cpu_self]}") / $(med "${FIG[${1}_cpu_audit]}") / $(med "${FIG[${1}_cpu_pg]}")"; }
say "| figure | min / median / max | replay rate, events/s (min / median / max) | CPU s in it, medians: the daemon / audit / PostgreSQL |"
say "|---|---|---|---|"
say "| acknowledgement on the running hub (probe baseline) | $(sec3 "${FIG[baseline]}") | | |"
say "| intake kill -${RESTART_SIGNAL:-KILL} -> next acknowledgement | $(sec3 "${FIG[intake_ack]}") | | |"
say "| intake start -> \"following the log\" | $(sec3 "${FIG[intake_live]}") | $(stat3 "${FIG[intake_rate]}") | $(cpu3 intake) |"
say "| router kill -${RESTART_SIGNAL:-KILL}, start -> \"live\" | $(sec3 "${FIG[router_live]}") | $(stat3 "${FIG[router_rate]}") | $(cpu3 router) |"
say "| sla kill -${RESTART_SIGNAL:-KILL}, start -> \"live\" | $(sec3 "${FIG[sla_live]}") | $(stat3 "${FIG[sla_rate]}") | $(cpu3 sla) |"
say "| PostgreSQL restart -m immediate -> pg_isready | $(sec3 "${FIG[pg_ready]}") | | |"
say "| pg_isready -> next acknowledgement | $(sec3 "${FIG[pg_ack_after_ready]}") | | |"
say "| PostgreSQL restart command -> next acknowledgement | $(sec3 "${FIG[pg_ack]}") | | |"
say ""
say "resident memory after the fill: $RSS_FILL"
say "resident memory at the end:     $RSS_END"
say "uptime at the start: $UPTIME_START"
say "uptime at the end:   $UPTIME_END"
