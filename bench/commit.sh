#!/usr/bin/env bash
# commit.sh: audit's commit path alone (issue 10), against two baselines in
# the same run on the same rows: the SQL path it replaced
# (shouwen.append_batch, everything per event in PL/pgSQL) and raw COPY
# (docs/performance.md, "The commit path in C").
#
#   bash bench/commit.sh [BUILD] [INQUIRIES]   # default build-c, 10000
#
# BUILD must hold shouwen-audit and tests/integration/chain_probe, e.g.
#   cmake -S . -B build-c -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-c -j2 --target shouwen-audit chain_probe
#
# A private PostgreSQL (fsync on, unless COMMIT_PG_FAST=1) and audit alone
# under BUILD/bench/commit.run, base port 30700 (hub 30702-30704,
# PostgreSQL 30710); removed at the end unless BENCH_KEEP=1.
#   1. C path: chain_probe "plain" publishes INQUIRIES inquiries as intake
#      and four deadlines on each as sla (5 events an inquiry) as fast as
#      the sockets take them; audit batches, numbers, chains and appends
#      them (append_rows).  Committed events/s = events / (last commit
#      time - first commit time), from shouwen.events.
#   2. SQL path: audit stopped, the very same rows (new event and case
#      ids) through shouwen.append_batch in batches of 500 (audit's
#      batch_max before 013), one statement each from one psql session, timed by psql.
#   2b. trailing: audit restarted with audit/projections = "trailing"
#      (append_rows only appends, the projector follows), INQUIRIES more
#      inquiries as in 1: committed events/s as in 1, and how long after
#      the last commit the projections caught up (projection_state).
#   3. COPY: the rows of step 1 copied out and COPY'd into a logged scratch
#      table of the same columns (no index, trigger or projection), timed.
#   4. Where a commit's time goes, on the rows of step 1, each in a
#      transaction rolled back: INSERT ... SELECT of the rows into a table
#      with the log's indexes, against shouwen.project() over them in
#      position order into emptied projections.
#   Checks that verify_chain() accepts the whole log afterwards.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build-c}" && pwd) || exit 64
N=${2:-10000}
BASE=30700
DIR=$BUILD/bench/commit.run
PROBE=$BUILD/tests/integration/chain_probe
[[ -x "$BUILD/services/audit/shouwen-audit" && -x "$PROBE" ]] ||
    { echo "commit.sh: build shouwen-audit and chain_probe in $BUILD first" >&2; exit 64; }
source "$SRC/bench/benchlib.sh"
bench_check_build commit.sh
source "$SRC/scripts/hublib.sh"
[[ "${COMMIT_PG_FAST:-0}" == 1 ]] && export SHOUWEN_PG_FAST=1 || unset SHOUWEN_PG_FAST
PGSH=$SRC/scripts/pg.sh
trap bench_destroy_hub EXIT
trap 'exit 130' INT TERM
rm -rf "$DIR"
mkdir -p "$DIR" && cd "$DIR" || exit 1
say "# shouwen commit-path bench (issue 10): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, build $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt"))"
say "# source at git $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'); load average at the start: $(loadavg)"
hub_init "$DIR/hub" "$BUILD" "$BASE" >/dev/null || { echo "commit.sh: hub_init failed" >&2; exit 1; }
hub_start audit
for ((i = 0; i < 100; i++)); do grep -q "audit: ready" "$HUB/log/audit.log" && break; sleep 0.1; done
PGHOME=$([[ -f "$HUB/pg/home" ]] && cat "$HUB/pg/home" || echo "$HUB/pg")
su_sql() { timeout 900 bash "$PGSH" psql "$HUB/pg" "$HUB_DB" postgres -qAt -v ON_ERROR_STOP=1 "$@"; }
head_pos() { su_sql -c 'SELECT shouwen.head_position()'; }
say "# PostgreSQL $(su_sql -c 'SHOW server_version'): fsync $(su_sql -c 'SHOW fsync'), synchronous_commit $(su_sql -c 'SHOW synchronous_commit'); audit batch_max ${HUB_BATCH_MAX:-2000}, flush_ms ${HUB_FLUSH_MS:-2}"
su_sql -c 'CREATE TABLE public.commit_scratch (LIKE shouwen.events)' || exit 1

# 1. the C path
want=$((5 * N))
KEYS=$HUB/keys
"$PROBE" "tcp://127.0.0.1:$((BASE + 2))" "$KEYS/daemons/audit.cert" "$KEYS/own/intake.cert" \
    "$KEYS/own/sla.cert" plain "$N" >/dev/null || { echo "commit.sh: chain_probe failed" >&2; exit 1; }
last=-1
for ((i = 0; i < 600; i++)); do
    cur=$(head_pos)
    [[ "$cur" -ge "$want" || "$cur" == "$last" && $i -gt 10 ]] && break
    last=$cur
    sleep 1
done
hi=$(head_pos)
IFS='|' read -r n_c span_c <<<"$(su_sql -c "SELECT count(*), extract(epoch FROM max(committed_at) - min(committed_at)) FROM shouwen.events WHERE position <= $hi")"
c_s=$(awk -v n="$n_c" -v s="$span_c" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
say ""
say "C path (audit, append_rows): $n_c of $want events committed in ${span_c} s = $c_s events/s; audit's CPU $(ps -o cputime= -p "$(hub_pid audit)")"
hub_stop audit

# 2. the SQL path, on the very rows (new ids so that none is a duplicate)
su_sql <<SQL || exit 1
CREATE TABLE public.commit_batches AS
SELECT (e.position - 1) / 500 AS k,
       jsonb_agg(jsonb_build_object(
           'event_id', gen_random_uuid(), 'type', e.type, 'case_id', e.case_id || '-SQL',
           'case_version', e.based_on_version, 'producer', e.producer,
           'producer_seq', e.producer_seq, 'actor', e.actor,
           'occurred_at_us', shouwen.ts_to_us(e.occurred_at), 'body', e.body,
           'envelope', encode(e.envelope, 'hex')) ORDER BY e.position) AS batch
  FROM shouwen.events e WHERE e.position <= $hi GROUP BY 1;
SQL
nb=$(su_sql -c 'SELECT count(*) FROM public.commit_batches')
sql_ms=$( (echo '\timing on'; su_sql -c 'SELECT k FROM public.commit_batches ORDER BY k' |
    while read -r k; do echo "SELECT count(*) FILTER (WHERE status = 'committed') FROM shouwen.append_batch((SELECT batch FROM public.commit_batches WHERE k = $k));"; done) |
    su_sql | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ s += $1 } END { printf "%.1f", s }')
n_sql=$(su_sql -c "SELECT count(*) FROM shouwen.events WHERE case_id LIKE '%-SQL'")
sql_s=$(awk -v n="$n_sql" -v ms="$sql_ms" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }')
say "SQL path (append_batch, $nb batches): $n_sql events in $sql_ms ms = $sql_s events/s"

# 2b. trailing projections
sed -i 's/projections = "inline"/projections = "trailing"/' "$HUB/etc/audit.conf"
hub_start audit
for ((i = 0; i < 100; i++)); do [[ $(grep -c "audit: ready" "$HUB/log/audit.log") -ge 2 ]] && break; sleep 0.1; done
h0=$(head_pos)
"$PROBE" "tcp://127.0.0.1:$((BASE + 2))" "$KEYS/daemons/audit.cert" "$KEYS/own/intake.cert" \
    "$KEYS/own/sla.cert" plain "$N" "$N" >/dev/null || { echo "commit.sh: chain_probe failed" >&2; exit 1; }
for ((i = 0; i < 6000; i++)); do
    IFS='|' read -r lp lag <<<"$(su_sql -c 'SELECT log_position, lag_events FROM shouwen.projection_state')"
    [[ "$lp" -ge $((h0 + want)) && "$lag" == 0 ]] && break
    sleep 0.1
done
IFS='|' read -r n_t span_t behind_t <<<"$(su_sql -c "SELECT count(*), extract(epoch FROM max(committed_at) - min(committed_at)), extract(epoch FROM clock_timestamp() - max(committed_at)) FROM shouwen.events WHERE position > $h0")"
t_s=$(awk -v n="$n_t" -v s="$span_t" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
say "C path, projections trailing: $n_t events committed in ${span_t} s = $t_s events/s; projections caught up ${behind_t} s after the last commit (polled every 0.1 s)"
hub_stop audit

# 3. raw COPY of the rows of step 1
copyfile=$PGHOME/rows.copy
copy_ms=$(su_sql <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
COPY (SELECT * FROM shouwen.events WHERE position <= $hi ORDER BY position) TO '$copyfile';
CHECKPOINT;
\timing on
COPY public.commit_scratch FROM '$copyfile';
SQL
)
rm -f "$copyfile"
copy_s=$(awk -v n="$n_c" -v ms="$copy_ms" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }')
say "raw COPY of the $n_c rows of the C path: $copy_ms ms = $copy_s events/s"
# 4. the append against the projections
split=$(su_sql <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | paste -sd' '
CREATE TABLE public.commit_indexed (LIKE shouwen.events INCLUDING INDEXES);
BEGIN;
\timing on
INSERT INTO public.commit_indexed SELECT * FROM shouwen.events WHERE position <= $hi;
\timing off
ROLLBACK;
BEGIN;
SELECT shouwen.clear_projections();
\timing on
DO \$\$ DECLARE ev shouwen.events; BEGIN
  FOR ev IN SELECT * FROM shouwen.events WHERE position <= $hi ORDER BY position LOOP
    PERFORM shouwen.project(ev);
  END LOOP;
END \$\$;
\timing off
ROLLBACK;
SQL
)
read -r ins_ms proj_ms <<<"$split"
say "where the time goes, on the $n_c rows of step 1: INSERT into a table with the log's indexes $ins_ms ms ($(awk -v n="$n_c" -v ms="$ins_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }') events/s); shouwen.project() over them $proj_ms ms ($(awk -v n="$n_c" -v ms="$proj_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }') events/s)"
say ""
say "| path | events/s | / COPY |"
say "|---|---|---|"
say "| C: append_rows, projections trailing | $t_s | $(awk -v a="$t_s" -v b="$copy_s" 'BEGIN { printf "%.3f", a / b }') |"
say "| C: append_rows | $c_s | $(awk -v a="$c_s" -v b="$copy_s" 'BEGIN { printf "%.3f", a / b }') |"
say "| SQL: append_batch | $sql_s | $(awk -v a="$sql_s" -v b="$copy_s" 'BEGIN { printf "%.3f", a / b }') |"
say "| raw COPY | $copy_s | 1 |"
say "verify_chain over the whole log: $(su_sql -c "SELECT ok || ' ' || checked || ' ' || reason FROM shouwen.verify_chain()")"
say "# load average at the end: $(loadavg)"
