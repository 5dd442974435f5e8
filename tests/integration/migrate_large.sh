#!/usr/bin/env bash
# migrate_large: `shouwen-audit --migrate` over a large log (issue 11).
#
# A hub at schema version 3 (before 004's projections) with a generated log
# of at least 300,000 events (bench/views_schema.sql: valid positions, case
# versions, hash chain) is migrated by the real binary: 004..011 are applied
# in moments, 011 finds 004's note and marks the projection rebuild due,
# and --migrate runs it in chunks with progress lines.  It is killed
# (SIGKILL) after its first progress line; --migrate --status must then say
# the rebuild is pending at a position (also read with audit's own writer
# connection), audit must refuse to start (78), and the
# next --migrate must resume at that position (its first progress line one
# chunk further on, not one chunk from zero) and finish.  The projections
# must then equal those of a one-shot shouwen.rebuild_projections() over a
# copy of the same log (made on the other core meanwhile), table by table.
# Took 66 s on a 2-CPU machine at load average 3, 114 s at load average 6.
set -u
source "$(dirname "$0")/sqllib.sh"

AUDIT="$BUILD/services/audit/shouwen-audit"
CASES=${MIGRATE_LARGE_CASES:-41100} # about 7.3 events a case: just over 300,000 events
CHUNK=25000
[[ -x "$AUDIT" ]] || { echo "no $AUDIT: build shouwen-audit first"; exit 1; }

sqllib_cluster migrate_large 30500 30549
W=$SQLLIB_TMP
started=$(date +%s)
say() { echo "# $* ($(($(date +%s) - started)) s)"; }

# 1. Schema version 3, as a hub had it before migration 004, and the log.
out=$(sql shouwen_owner <<'SQL'
CREATE SCHEMA IF NOT EXISTS shouwen;
CREATE TABLE IF NOT EXISTS shouwen.schema_version (
    version int PRIMARY KEY, name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now());
SQL
) || { echo "schema_version: $out"; exit 1; }
for f in "$SRC"/services/audit/sql/00[1-3]_*.sql; do
    name=$(basename "$f")
    out=$(sql shouwen_owner --single-transaction -f "$f") || { echo "$name: $out"; exit 1; }
    out=$(sql shouwen_owner -v v="${name%%_*}" -v n="$name" \
        <<<"INSERT INTO shouwen.schema_version (version, name) VALUES (:'v'::int, :'n')") ||
        { echo "$name: $out"; exit 1; }
done
out=$(sql shouwen_owner -f "$SRC/bench/views_schema.sql") || { echo "bench schema: $out"; exit 1; }
EVENTS=$(sql shouwen_owner <<<"SELECT bench.load_chunk(1, $CASES, $CASES)") || { echo "load: $EVENTS"; exit 1; }
check "a large log at schema version 3 (at least 300,000 events)" yes \
    "$( ((EVENTS >= 300000)) && echo yes || echo "no: $EVENTS events")"
say "loaded $EVENTS events"

# The reference, on the other core while --migrate works: a copy of the
# log, migrated as sqllib_migrate does, then rebuilt in one transaction.
out=$(sql postgres <<<"CREATE DATABASE migrate_ref TEMPLATE $DB OWNER shouwen_owner") || { echo "copy: $out"; exit 1; }
(
    DB=migrate_ref
    for f in "$SRC"/services/audit/sql/[0-9][0-9][0-9]_*.sql; do
        name=$(basename "$f")
        ((10#${name%%_*} > 3)) || continue
        sql shouwen_owner --single-transaction -f "$f" >/dev/null || { echo "$name failed"; exit 1; }
    done
    sql shouwen_owner <<<"SELECT shouwen.rebuild_projections()"
) >"$W/ref.out" 2>&1 &
ref=$!

owner=$(bash "$PGSH" conninfo "$D" "$DB" shouwen_owner)
writer=$(bash "$PGSH" conninfo "$D" "$DB" shouwen_writer)
cat >"$W/migrate.conf" <<EOF
audit
    migrate_postgres = "$owner"
    rebuild_chunk = $CHUNK
EOF
cat >"$W/audit.conf" <<EOF
audit
    postgres = "$writer"
EOF
chmod 0644 "$W"/*.conf

status() { # the output of --migrate --status, then "exit N"
    "$AUDIT" -c "$W/migrate.conf" --migrate --status 2>&1
    echo "exit $?"
}
# 1234567 as the log writes it: 1,234,567
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

s=$(status)
# the newest migration in the tree (this test was written at 011)
LATEST=$((10#$(ls "$SHOUWEN_SOURCE/services/audit/sql" | grep -E '^[0-9]{3}_' | sort | tail -n 1 | cut -c1-3)))
check "--status before: version 3, latest $LATEST, 004..$LATEST pending, exit 75" \
    "schema version: 3|latest known: $LATEST|$((LATEST - 3)) pending|exit 75" \
    "$(grep -m1 '^schema version' <<<"$s")|$(grep -m1 '^latest known' <<<"$s")|$(grep -c '^pending migration: 0' <<<"$s") pending|$(tail -n1 <<<"$s")"

# 2. --migrate, killed after its first progress line.
"$AUDIT" -c "$W/migrate.conf" --migrate >"$W/run1.log" 2>&1 &
pid=$!
for ((i = 0; i < 600; i++)); do
    grep -q 'rebuilding projections: [0-9,]* of' "$W/run1.log" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.2
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
say "first run killed"
show_log() { [[ $failed -eq 0 ]] || { echo "--- $1"; tail -n 20 "$1"; }; }
check "first run: migrations applied, then the rebuild started from an empty projection" \
    "applied 011_rebuild_chunks.sql|due since migration 004" \
    "$(grep -o 'applied 011_rebuild_chunks.sql' "$W/run1.log")|$(grep -o 'rebuilding projections (due since migration 004)' "$W/run1.log" | grep -o 'due since migration 004')"
line1=$(grep -m1 'rebuilding projections: [0-9,]* of' "$W/run1.log")
check "first run: a progress line after the first chunk" \
    "rebuilding projections: $(group $CHUNK) of $(group "$EVENTS") events" \
    "$(grep -oE 'rebuilding projections: [0-9,]+ of [0-9,]+ events' <<<"$line1")"
check "first run: the line says elapsed time and time left" yes \
    "$(grep -qE 'events \([0-9]+%\), [0-9]+ (s|min)[^,]*, about [0-9]+ (s|min|h)' <<<"$line1" && echo yes || echo "no: $line1")"
show_log "$W/run1.log"

# The killed client's server process ends its statement (committed or not)
# within client_connection_check_interval.
for ((i = 0; i < 300; i++)); do
    n=$(sql postgres <<<"SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND usename = 'shouwen_owner'")
    [[ "$n" == 0 ]] && break
    sleep 0.2
done

# 3. Pending, at a position; audit refuses to start.
next=$(sql shouwen_owner <<<"SELECT next_position FROM shouwen.rebuild_state")
[[ "$next" =~ ^[0-9]+$ ]] || { echo "rebuild_state: $next"; next=0; }
s=$(status)
check "--status after the kill: rebuild pending at the saved position, exit 75" \
    "schema version: $LATEST|pending migrations: none|rebuild: pending (due since migration 004): $((next - 1)) of $EVENTS events applied, resumes at position $next|exit 75" \
    "$(grep -m1 '^schema version' <<<"$s")|$(grep -m1 '^pending migrations' <<<"$s")|$(grep -m1 '^rebuild:' <<<"$s")|$(tail -n1 <<<"$s")"
check "the saved position is past a chunk (the kill lost at most the chunk under way)" yes \
    "$( ((next > CHUNK && next <= EVENTS)) && echo yes || echo "no: next $next")"
s=$("$AUDIT" -c "$W/audit.conf" --migrate --status 2>&1)
rc=$?
check "--status reads with the writer's connection alone (audit.conf), exit 75" \
    "resumes at position $next|75" "$(grep -m1 -o 'resumes at position [0-9]*' <<<"$s")|$rc"
"$AUDIT" -c "$W/audit.conf" >"$W/audit.log" 2>&1
rc=$?
check "audit refuses to start while the rebuild is due (78, names --migrate)" "78 yes" \
    "$rc $(grep -q 'projections are being rebuilt.*run shouwen-audit --migrate' "$W/audit.log" && echo yes || echo "no: $(tail -n2 "$W/audit.log")")"

# 4. Resumed.
"$AUDIT" -c "$W/migrate.conf" --migrate >"$W/run2.log" 2>&1
rc=$?
say "second run done"
check "second run: exit 0" 0 $rc
check "second run: resumes at the saved position, does not start over" \
    "resuming the projection rebuild (due since migration 004) at event $(group "$next") of $(group "$EVENTS")|0" \
    "$(grep -oE 'resuming the projection rebuild .* of [0-9,]+' "$W/run2.log")|$(grep -c 'rebuilding projections (due since' "$W/run2.log")"
first=$(grep -m1 -oE 'rebuilding projections: [0-9,]+ of' "$W/run2.log" | tr -dc '0-9')
want=$((next - 1 + CHUNK))
((want > EVENTS)) && want=""
check "second run: its first progress line is one chunk past the saved position" "$want" "$first"
check "second run: finished" "projections rebuilt: $(group "$EVENTS") events" \
    "$(grep -oE 'projections rebuilt: [0-9,]+ events' "$W/run2.log")"
show_log "$W/run2.log"
s=$(status)
check "--status after: up to date, rebuild done, exit 0" \
    "rebuild: done (due since migration 004): $EVENTS events|state: up to date|exit 0" \
    "$(grep -m1 '^rebuild:' <<<"$s" | sed 's/, finished .*//')|$(grep -m1 '^state' <<<"$s")|$(tail -n1 <<<"$s")"

wait $ref
check "reference: one-shot rebuild_projections() over the copy" "$EVENTS" "$(cat "$W/ref.out")"
say "reference done"

# 5. The chunked rebuild equals the one-shot one, table by table.
snap() {
    DB=$1 sql shouwen_owner <<'SQL'
SELECT string_agg(t || '=' || n || ':' || h, ' ' ORDER BY t)
  FROM (SELECT t, count(*) n, md5(string_agg(r, '|' ORDER BY r)) h
          FROM (SELECT 'cases' t, x::text r FROM shouwen.cases x UNION ALL
                SELECT 'deadlines', x::text FROM shouwen.deadlines x UNION ALL
                SELECT 'handoffs', x::text FROM shouwen.handoffs x UNION ALL
                SELECT 'breaches', x::text FROM shouwen.breaches x UNION ALL
                SELECT 'violations', x::text FROM shouwen.violations x UNION ALL
                SELECT 'escalations', x::text FROM shouwen.escalations x UNION ALL
                SELECT 'coordinations', x::text FROM shouwen.coordinations x UNION ALL
                SELECT 'callbacks', x::text FROM shouwen.callbacks x UNION ALL
                SELECT 'directory_versions', x::text FROM shouwen.directory_versions x UNION ALL
                SELECT 'directory_entries', x::text FROM shouwen.directory_entries x UNION ALL
                SELECT 'register_counts', x::text FROM shouwen.register_counts x) s
         GROUP BY t) g
SQL
}
chunked=$(snap "$DB")
check "projections after the chunked, resumed rebuild equal a one-shot rebuild_projections()" \
    "$(snap migrate_ref)" "$chunked"
check "... and are not empty: every case, its deadlines, handoffs, callbacks, counters" yes \
    "$(grep -qE "cases=$CASES:" <<<"$chunked" && grep -qE 'deadlines=[1-9]' <<<"$chunked" &&
        grep -qE 'handoffs=[1-9]' <<<"$chunked" && grep -qE 'callbacks=[1-9]' <<<"$chunked" &&
        grep -qE 'register_counts=[1-9]' <<<"$chunked" && echo yes || echo "no: $chunked")"
say "compared"
sqllib_done
