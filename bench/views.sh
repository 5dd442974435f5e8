#!/usr/bin/env bash
# bench/views.sh [CASES]: the auditors' PostgreSQL under a year of history.
#
# 1. A private cluster (scripts/pg.sh, SHOUWEN_PG_FAST=1) with the
#    migrations of services/audit/sql.
# 2. Consistency: the bulk loader's projections equal
#    shouwen.rebuild_projections() on a small log (3,000 cases).
# 3. A year of CASES cases (default 1,000,000; about 7.3 events each),
#    bulk-loaded by bench/views_schema.sql with valid positions, case
#    versions and hash chain (bench.load_chunk), and their projections
#    (bench.project_chunk, pipelined on the second core); two organisation
#    directory versions go through shouwen.append_batch first.
# 4. Every auditor view and function timed on a typical question (best of
#    3 runs, psql's \timing, Beijing time), and the hash chain check over
#    one day and over the whole log.
# 5. audit's append path: events/s through shouwen.append_batch in batches
#    of 500, one transaction each, as shouwen_writer, against raw COPY of the
#    same rows into a plain table, in the same run; the ratio.
#
# Prints one line per figure; the cluster is removed at the end (kept, to
# explore the data with psql, when BENCH_KEEP=1).  Takes
# 7 to 10 minutes on a 2-CPU machine for 1,000,000 cases.  See bench/README.md.
set -u
source "$(dirname "$0")/../tests/integration/sqllib.sh"

CASES=${1:-1000000}
CHUNK=50000                 # cases per bulk-load chunk
APPEND_CASES=$((CASES / 70)) # cases appended through append_batch (about 100,000 events)
BENCH_SQL="$SRC/bench/views_schema.sql"
[[ "$CASES" =~ ^[0-9]+$ ]] && ((CASES >= 1000)) || { echo "usage: bench/views.sh [CASES >= 1000]"; exit 64; }

started=$(date +%s)
say() { printf '%s\n' "$*"; }
elapsed() { echo "$(($(date +%s) - started)) s"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

sqllib_cluster bench_views 32050 32099
# Server settings for a year of history on this machine (in bench/README.md).
sql postgres >/dev/null <<'SQL' || { echo "ALTER SYSTEM failed"; exit 1; }
ALTER SYSTEM SET shared_buffers = '2GB';
ALTER SYSTEM SET work_mem = '64MB';
ALTER SYSTEM SET maintenance_work_mem = '1GB';
ALTER SYSTEM SET max_wal_size = '16GB';
ALTER SYSTEM SET checkpoint_timeout = '30min';
ALTER SYSTEM SET max_parallel_maintenance_workers = 2;
SQL
bash "$PGSH" stop "$D" >/dev/null && bash "$PGSH" start "$D" >/dev/null || { echo "restart failed"; exit 1; }
sqllib_migrate
out=$(sql shouwen_owner -f "$BENCH_SQL") || { echo "bench schema: $out"; exit 1; }

say "# shouwen auditors' PostgreSQL benchmark: $CASES cases, $(nproc) CPUs, PostgreSQL $(sql postgres <<<'SHOW server_version'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- consistency

bash "$PGSH" bootstrap "$D" bench_check >/dev/null || exit 1
DB=bench_check
sqllib_migrate
sql shouwen_owner -f "$BENCH_SQL" >/dev/null || exit 1
same=$(sql shouwen_owner <<'SQL'
CREATE FUNCTION pg_temp.snap() RETURNS TABLE (t text, h text) LANGUAGE sql AS $$
SELECT t, md5(string_agg(r, '|' ORDER BY r))
  FROM (SELECT 'cases' t, x::text r FROM shouwen.cases x UNION ALL
        SELECT 'deadlines', x::text FROM shouwen.deadlines x UNION ALL
        SELECT 'handoffs', x::text FROM shouwen.handoffs x UNION ALL
        SELECT 'breaches', x::text FROM shouwen.breaches x UNION ALL
        SELECT 'violations', x::text FROM shouwen.violations x UNION ALL
        SELECT 'escalations', x::text FROM shouwen.escalations x UNION ALL
        SELECT 'coordinations', x::text FROM shouwen.coordinations x UNION ALL
        SELECT 'callbacks', x::text FROM shouwen.callbacks x) s GROUP BY t $$;
SELECT bench.load_chunk(1, 3000, 3000) \g /dev/null
ANALYZE shouwen.events;
SELECT bench.project_chunk(1, shouwen.head_position()) \g /dev/null
CREATE TEMP TABLE bulk AS SELECT * FROM pg_temp.snap();
SELECT shouwen.rebuild_projections() \g /dev/null
SELECT CASE WHEN count(*) = 8 AND bool_and(b.h = r.h) THEN 'yes' ELSE 'NO' END
  FROM bulk b JOIN pg_temp.snap() r USING (t);
SQL
)
chain_ok=$(sql shouwen_auditor <<<'SELECT ok FROM shouwen.verify_chain()')
DB=shouwen_test
say "bulk loader's projections equal rebuild_projections() on 3000 cases: $same; its hash chain verifies: $chain_ok [$(elapsed)]"
[[ "$same" == yes && "$chain_ok" == t ]] || exit 1

# ---------------------------------------------------------------- directory

dir1=$(od -An -tx1 -v "$SRC/deploy/directory/hotel.conf" | tr -d ' \n')
dir2=$(sed 's/hotel-2026.1/hotel-2026.2/; s/handler = "en-01"/handler = "fo-02"/' "$SRC/deploy/directory/hotel.conf" | od -An -tx1 -v | tr -d ' \n')
# the entries intake writes into directory.loaded (PostgreSQL parses no ZPL)
ent1=$("$BUILD/tests/integration/zpl_entries" "$SRC/deploy/directory/hotel.conf")
sed 's/hotel-2026.1/hotel-2026.2/; s/handler = "en-01"/handler = "fo-02"/' "$SRC/deploy/directory/hotel.conf" >"$SQLLIB_TMP/hotel-2.conf"
ent2=$("$BUILD/tests/integration/zpl_entries" "$SQLLIB_TMP/hotel-2.conf")
t1=$(($(date -u -d '2024-12-20 09:00' +%s) * 1000000))
t2=$(($(date -u -d '2025-07-01 02:00' +%s) * 1000000))
out=$(sql shouwen_writer -v batch="[
 {\"event_id\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"directory.loaded\",\"producer\":\"intake\",\"producer_seq\":1,\"actor\":\"admin-01\",\"occurred_at_us\":$t1,\"body\":{\"kind\":\"organisation\",\"version\":\"hotel-2026.1\",\"content\":\"$dir1\",\"loaded_by\":\"admin-01\",\"entries\":$ent1},\"envelope\":\"0a01\"},
 {\"event_id\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"directory.loaded\",\"producer\":\"intake\",\"producer_seq\":2,\"actor\":\"admin-01\",\"occurred_at_us\":$t2,\"body\":{\"kind\":\"organisation\",\"version\":\"hotel-2026.2\",\"content\":\"$dir2\",\"loaded_by\":\"admin-01\",\"entries\":$ent2},\"envelope\":\"0a02\"}]" \
    <<<"SELECT string_agg(status, ' ') FROM shouwen.append_batch(:'batch'::jsonb)")
[[ "$out" == "committed committed" ]] || { echo "directory append: $out"; exit 1; }

# ---------------------------------------------------------------- bulk load

t=$(date +%s%N)
sql shouwen_owner >/dev/null <<'SQL' || exit 1
ALTER TABLE shouwen.events DROP CONSTRAINT events_event_id_key;
DROP INDEX shouwen.events_case_position;
SQL
proj_pid=""
for ((first = 1; first <= CASES; first += CHUNK)); do
    last=$((first + CHUNK - 1 > CASES ? CASES : first + CHUNK - 1))
    lo=$(($(sql shouwen_owner <<<'SELECT shouwen.head_position()') + 1))
    out=$(sql shouwen_owner -c "SET work_mem = '512MB'" -c "SELECT bench.load_chunk($first, $last, $CASES)") || { echo "load $first: $out"; exit 1; }
    hi=$(sql shouwen_owner <<<'SELECT shouwen.head_position()')
    # The projections of chunk k are built while chunk k+1 loads.
    [[ -n "$proj_pid" ]] && { wait "$proj_pid" || { echo "projection failed"; exit 1; }; }
    [[ $first -eq 1 ]] && sql shouwen_owner <<<'ANALYZE shouwen.events' >/dev/null
    sql shouwen_owner -c "SET work_mem = '512MB'" -c "SELECT bench.project_chunk($lo, $hi)" >"$SQLLIB_TMP/project.out" 2>&1 &
    proj_pid=$!
done
wait "$proj_pid" || { echo "projection failed: $(cat "$SQLLIB_TMP/project.out")"; exit 1; }
load_ms=$(ms_since "$t")
t=$(date +%s%N)
sql shouwen_owner >/dev/null <<'SQL' || exit 1
ALTER TABLE shouwen.events ADD CONSTRAINT events_event_id_key UNIQUE (event_id);
CREATE INDEX events_case_position ON shouwen.events (case_id, position) WHERE case_id IS NOT NULL;
SQL
index_ms=$(ms_since "$t")
t=$(date +%s%N)
sql shouwen_owner <<<'VACUUM (ANALYZE) shouwen.events, shouwen.cases, shouwen.deadlines, shouwen.handoffs, shouwen.breaches, shouwen.violations, shouwen.escalations, shouwen.coordinations, shouwen.callbacks, shouwen.directory_versions, shouwen.directory_entries' >/dev/null
vacuum_ms=$(ms_since "$t")
read -r n_events n_cases db_size <<<"$(sql shouwen_owner <<<"SELECT (SELECT count(*) FROM shouwen.events), (SELECT count(*) FROM shouwen.cases), pg_size_pretty(pg_database_size(current_database()))" | tr '|' ' ')"
say "loaded $n_cases cases, $n_events events ($db_size) in $((load_ms / 1000)) s (events and projections, 2 sessions), indexes $((index_ms / 1000)) s, vacuum analyze $((vacuum_ms / 1000)) s [$(elapsed)]"
say "  by type: $(sql shouwen_owner <<<"SELECT string_agg(type || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT type, count(*) n FROM shouwen.events GROUP BY 1) s")"

# ---------------------------------------------------------------- views

# timeq NAME SQL: best of 3 runs as the auditor (the first run included).
timeq() {
    local name=$1 q=$2 rows times best
    rows=$(PGOPTIONS="-c TimeZone=Asia/Shanghai" sql shouwen_auditor <<<"SELECT count(*) FROM ($q) s") || { say "$name: $rows"; return; }
    times=$(printf '\\timing on\n\\o /dev/null\n%s;\n%s;\n%s;\n' "$q" "$q" "$q" |
        PGOPTIONS="-c TimeZone=Asia/Shanghai" sql shouwen_auditor | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    best=$(sort -n <<<"$times" | head -1)
    printf '| %s | %s | %s | %s |\n' "$name" "$rows" "$best" "$(paste -sd/ <<<"$times")"
}

CASE_T=$(sql shouwen_owner <<<"SELECT case_id FROM shouwen.cases WHERE hops > 0 AND received_at >= '2025-06-10' ORDER BY received_at LIMIT 1")
CASE_C=$(sql shouwen_owner <<<"SELECT case_id FROM shouwen.cases WHERE lead_department_id IS NOT NULL AND received_at >= '2025-06-10' ORDER BY received_at LIMIT 1")
LATE_STAFF=$(sql shouwen_owner <<<"SELECT holder_staff_id FROM shouwen.deadlines WHERE kind = 'transfer' AND outcome = 'late' ORDER BY due_at LIMIT 1")
DAY_FROM=$(sql shouwen_owner <<<"SELECT min(position) FROM shouwen.events WHERE case_id = (SELECT case_id FROM shouwen.cases WHERE received_at >= '2025-06-10 00:00+08' ORDER BY received_at LIMIT 1)")
DAY_TO=$(sql shouwen_owner <<<"SELECT min(position) - 1 FROM shouwen.events WHERE case_id = (SELECT case_id FROM shouwen.cases WHERE received_at >= '2025-06-11 00:00+08' ORDER BY received_at LIMIT 1)")

say ""
say "| question (June 2025 of a year of $n_cases cases) | rows | best ms | runs ms |"
say "|---|---:|---:|---|"
timeq "register: one day of one branch (first_inquiry_register)" \
    "SELECT * FROM shouwen.first_inquiry_register WHERE received_at >= '2025-06-10' AND received_at < '2025-06-11' AND branch_id = 'branch-07' ORDER BY position"
timeq "register_by_day: a month, all branches" \
    "SELECT * FROM shouwen.register_by_day('2025-06-01', '2025-06-30')"
timeq "register_by_day: a month, one branch" \
    "SELECT * FROM shouwen.register_by_day('2025-06-01', '2025-06-30', 'branch-07')"
timeq "case_timeline: a transferred case" "SELECT * FROM shouwen.case_timeline('$CASE_T')"
timeq "custody_chain: a transferred case" "SELECT * FROM shouwen.custody_chain('$CASE_T')"
timeq "custody_chain: a coordinated case" "SELECT * FROM shouwen.custody_chain('$CASE_C')"
timeq "late_transfers: a month" \
    "SELECT * FROM shouwen.late_transfers WHERE due_at >= '2025-06-01' AND due_at < '2025-07-01'"
timeq "late_transfers: one person, all year" \
    "SELECT * FROM shouwen.late_transfers WHERE staff_id = '$LATE_STAFF'"
timeq "late_transfers_by_person: a month" "SELECT * FROM shouwen.late_transfers_by_person('2025-06-01')"
timeq "reply_callback_compliance: a month" "SELECT * FROM shouwen.reply_callback_compliance('2025-06-01')"
timeq "department_assessment: a month" "SELECT * FROM shouwen.department_assessment('2025-06-01')"
timeq "qa_sample: a month, 10 per department" "SELECT * FROM shouwen.qa_sample('2025-06-01', 10, 'QA-2025-06')"
timeq "directory_history" "SELECT * FROM shouwen.directory_history"
timeq "directory_scopes: one category" "SELECT * FROM shouwen.directory_scopes WHERE category = 'repair'"
timeq "responsible_at: a category at a time" "SELECT * FROM shouwen.responsible_at('repair', '2025-06-15 10:00+08')"
timeq "verify_chain: one day of events" "SELECT * FROM shouwen.verify_chain($DAY_FROM, $DAY_TO)"
timeq "register_by_day: the whole year (every case read)" "SELECT * FROM shouwen.register_by_day('2025-01-01', '2025-12-31')"
timeq "department_assessment: a month (repeat, warm)" "SELECT * FROM shouwen.department_assessment('2025-11-01')"
t=$(date +%s%N)
whole=$(sql shouwen_auditor <<<'SELECT ok, checked FROM shouwen.verify_chain()')
whole_ms=$(ms_since "$t")
say "| verify_chain: the whole log (once) | $whole | $whole_ms | $((${whole#*|} * 1000 / (whole_ms + 1))) events/s |"
say ""

# ---------------------------------------------------------------- append rate

first=$((CASES + 1))
last=$((CASES + APPEND_CASES))
sql shouwen_owner -v f="$first" -v l="$last" -v n="$CASES" >"$SQLLIB_TMP/batches.sql" <<'SQL' || exit 1
SELECT format('SELECT count(*) FROM shouwen.append_batch(%L::jsonb);', jsonb_agg(j ORDER BY k))
  FROM (SELECT row_number() OVER (ORDER BY v.n, v.seq) AS k,
               jsonb_build_object('event_id', md5('bench/' || v.n || '/' || v.seq)::uuid, 'type', v.type,
                   'case_id', bench.case_id(v.n), 'case_version', 0, 'producer', v.producer,
                   'producer_seq', v.n * 100 + v.seq, 'actor', v.actor, 'occurred_at_us', bench.us(v.at),
                   'body', v.body, 'envelope', repeat(md5(v.n || '/' || v.seq), 4)) AS j
          FROM bench.case_events(:f, :l, :n) v) s
 GROUP BY (k - 1) / 500
 ORDER BY (k - 1) / 500;
SQL
batches=$(wc -l <"$SQLLIB_TMP/batches.sql")
p0=$(sql shouwen_owner <<<'SELECT shouwen.head_position()')
t=$(date +%s%N)
sql shouwen_writer -f "$SQLLIB_TMP/batches.sql" >/dev/null || { echo "append failed"; exit 1; }
append_ms=$(ms_since "$t")
appended=$(($(sql shouwen_owner <<<'SELECT shouwen.head_position()') - p0))
sql shouwen_owner -c "\\copy (SELECT * FROM shouwen.events WHERE position > $p0 ORDER BY position) TO '$SQLLIB_TMP/rows.copy'" >/dev/null || exit 1
sql shouwen_owner <<<'CREATE TABLE bench.raw_events (LIKE shouwen.events)' >/dev/null || exit 1
t=$(date +%s%N)
sql shouwen_owner -c "\\copy bench.raw_events FROM '$SQLLIB_TMP/rows.copy'" >/dev/null || exit 1
copy_ms=$(ms_since "$t")
copied=$(sql shouwen_owner <<<'SELECT count(*) FROM bench.raw_events')
append_rate=$((appended * 1000 / (append_ms + 1)))
copy_rate=$((copied * 1000 / (copy_ms + 1)))
say "append_batch: $appended events in $batches batches of 500 (one transaction each) in $append_ms ms: $append_rate events/s"
say "raw COPY of the same rows into a plain table: $copied rows in $copy_ms ms: $copy_rate events/s"
say "append_batch / raw COPY: $(awk -v a="$append_rate" -v c="$copy_rate" 'BEGIN { printf "%.3f (COPY is %.1fx faster)", a / c, c / a }')"
say "chain after the appends: $(sql shouwen_auditor <<<"SELECT ok || ' (' || checked || ' checked)' FROM shouwen.verify_chain($p0)")"
say "total $(elapsed), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n "${BENCH_KEEP:-}" ]]; then
    trap - EXIT
    say "kept: scripts/pg.sh psql $D $DB shouwen_auditor (scripts/pg.sh destroy $D when done)"
fi
