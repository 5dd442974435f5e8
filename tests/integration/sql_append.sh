#!/usr/bin/env bash
# sql_append: audit's side of PostgreSQL, without the daemon.
#
# Starts a private cluster (scripts/pg.sh) under the build tree, applies the
# migrations of services/audit/sql as shouwen-audit --migrate does, then
# calls shouwen.append_batch as shouwen_writer with hand-written batches and
# checks the log, the projections, the first-inquiry register (R1), replay,
# the hash chain and the roles' privileges with SQL.
set -u
source "$(dirname "$0")/sqllib.sh"
sqllib_cluster sql_append 30300 30399
sqllib_migrate

expected_migrations=$(for f in "$SRC"/services/audit/sql/[0-9][0-9][0-9]_*.sql; do
    n=$(basename "$f"); echo "$((10#${n%%_*})):$n"; done | paste -sd' ')
check "migrations applied in order" "$expected_migrations" \
    "$(sql shouwen_auditor <<<"SELECT string_agg(version || ':' || name, ' ' ORDER BY version) FROM shouwen.schema_version")"
check "empty log: head_position is 0" 0 "$(sql shouwen_writer <<<'SELECT shouwen.head_position()')"

# ---------------------------------------------------------------- events

CASE_A=SW-AAAA-AAAA-AAAA
CASE_B=SW-BBBB-BBBB-BBBB
T0=1795000000000000       # received / occurred (UTC microseconds)
DUE=1795086400000123      # reply deadline, one day later (odd µs on purpose)
WARN=1795080000000000

id() { printf '00000000-0000-8000-8000-%012d' "$1"; }

# inquiry.received: N CASE CUSTOMER_NAME CHANNEL
inquiry() {
    cat <<EOF
{"event_id":"$(id "$1")","type":"inquiry.received","case_id":"$2","case_version":0,
 "producer":"intake","producer_seq":$1,"actor":"fo-01","occurred_at_us":$((T0 + $1)),
 "body":{"branch_id":"hotel-a","request_id":"r-$1","channel":"$4","kind":"REQUEST_KIND_CONSULTATION",
   "customer":{"unit":"某公司","name":"$3","phone":"13800000000","address":"北京路1号"},
   "matter":"订房咨询","category":"room_booking","urgency":"URGENCY_NORMAL",
   "receiver_staff_id":"fo-01","received_at_us":$T0,"request_digest":"ab12"},
 "envelope":"0a10$(printf '%04x' "$1")"}
EOF
}

# case.routed: N CASE VERSION DISPOSITION DEPARTMENT HANDLER
routed() {
    cat <<EOF
{"event_id":"$(id "$1")","type":"case.routed","case_id":"$2","case_version":$3,
 "causation_id":"$(id 1)","producer":"router","producer_seq":$1,"actor":"router",
 "occurred_at_us":$((T0 + $1)),
 "body":{"disposition":"$4","natural_owner_id":"fo-01","factual_owner_id":"$6",
   "handler_id":"$6","department_id":"$5","notification":"客房部, 2楼, 电话 8001",
   "directory_version":"2025-01"},
 "envelope":"0a10$(printf '%04x' "$1")"}
EOF
}

# sla.deadline_set: N CASE VERSION KIND HOLDER DEPARTMENT
deadline() {
    cat <<EOF
{"event_id":"$(id "$1")","type":"sla.deadline_set","case_id":"$2","case_version":$3,
 "causation_id":"$(id 3)","producer":"sla","producer_seq":$1,"actor":"sla",
 "occurred_at_us":$((T0 + $1)),
 "body":{"kind":"$4","due_at_us":$DUE,"warn_at_us":$WARN,"holder_staff_id":"$5",
   "department_id":"$6","policy":"R11 reply within 1 working day","trigger_event_id":"$(id 3)"},
 "envelope":"0a10$(printf '%04x' "$1")"}
EOF
}

# APPEND BATCH_JSON: "idx:position:case_version:status ..." ('-' for NULL)
append() {
    sql shouwen_writer -v batch="$1" <<'SQL'
SELECT coalesce(string_agg(format('%s:%s:%s:%s', idx, coalesce(event_position::text, '-'),
                                  coalesce(case_version::text, '-'), status), ' ' ORDER BY idx), '')
  FROM shouwen.append_batch(:'batch'::jsonb);
SQL
}

batch1="[$(inquiry 1 $CASE_A 张三 CHANNEL_PHONE),
 $(inquiry 2 $CASE_B 李四 CHANNEL_VISIT),
 $(inquiry 1 $CASE_A 张三 CHANNEL_PHONE),
 $(routed 3 $CASE_A 1 DISPOSITION_OTHER_DEPARTMENT housekeeping hk-01),
 $(routed 4 $CASE_A 1 DISPOSITION_IN_SCOPE front-office fo-01)]"
check "batch 1: commits, duplicate within the batch, stale decision" \
    "0:1:1:committed 1:2:1:committed 2:1:1:duplicate 3:3:2:committed 4:-:2:stale" \
    "$(append "$batch1")"

batch2="[$(deadline 5 $CASE_A 2 DEADLINE_KIND_REPLY hk-01 housekeeping),
 $(routed 6 SW-ZZZZ-ZZZZ-ZZZZ 1 DISPOSITION_IN_SCOPE front-office fo-01),
 $(inquiry 7 $CASE_A 王五 CHANNEL_PHONE),
 $(routed 3 $CASE_A 1 DISPOSITION_OTHER_DEPARTMENT housekeeping hk-01),
 {\"event_id\":\"$(id 8)\",\"type\":\"directory.loaded\",\"producer\":\"intake\",\"producer_seq\":8,
  \"occurred_at_us\":$((T0 + 8)),\"body\":{\"kind\":\"organisation\",\"version\":\"2025-01\"},
  \"envelope\":\"0a100008\"},
 $(routed 9 $CASE_B 1 DISPOSITION_IN_SCOPE front-office fo-02),
 {\"event_id\":\"not-an-event-id\",\"type\":\"case.routed\",\"producer\":\"router\",
  \"occurred_at_us\":$T0,\"body\":{},\"envelope\":\"00\"},
 $(deadline 10 $CASE_B 0 DEADLINE_KIND_TRANSFER fo-02 front-office)]"
check "batch 2: unknown_case, case_exists, duplicate across batches, non-case event, invalid, fact" \
    "0:4:3:committed 1:-:-:unknown_case 2:-:3:case_exists 3:3:2:duplicate 4:5:0:committed 5:6:2:committed 6:-:-:invalid 7:7:3:committed" \
    "$(append "$batch2")"

check "empty batch returns no rows" "" "$(append '[]')"
check_refused "a batch that is not an array is an error" shouwen_writer 'must be a JSON array' \
    <<<"SELECT * FROM shouwen.append_batch('{}'::jsonb)"

check "positions are gapless 1..7" "7|1|7|7" \
    "$(sql shouwen_writer <<<'SELECT count(*), min(position), max(position), count(DISTINCT position) FROM shouwen.events')"
check "duplicate, stale, unknown_case, case_exists wrote nothing" "0" \
    "$(sql shouwen_writer <<<"SELECT count(*) FROM shouwen.events WHERE event_id IN ('$(id 4)', '$(id 6)', '$(id 7)')")"
check "each event id once" "1 1 1" \
    "$(sql shouwen_writer <<<"SELECT string_agg(n::text, ' ') FROM (SELECT count(*) n FROM shouwen.events WHERE event_id IN ('$(id 1)', '$(id 3)', '$(id 2)') GROUP BY event_id) s")"
check "head_position is 7" 7 "$(sql shouwen_writer <<<'SELECT shouwen.head_position()')"
check "case versions in the log (position:version)" "1:1 2:1 3:2 4:3 5:- 6:2 7:3" \
    "$(sql shouwen_writer <<<"SELECT string_agg(position || ':' || coalesce(case_version::text, '-'), ' ' ORDER BY position) FROM shouwen.events")"
check "decision records the version it was made on; fact records 0" "1|0" \
    "$(sql shouwen_writer <<<'SELECT (SELECT based_on_version FROM shouwen.events WHERE position = 3), (SELECT based_on_version FROM shouwen.events WHERE position = 7)')"
check "envelope fields stored (producer, seq, actor, causation, occurred_at µs)" \
    "router|3|router|$(id 1)|$((T0 + 3))" \
    "$(sql shouwen_writer <<<'SELECT producer, producer_seq, actor, causation_id, shouwen.ts_to_us(occurred_at) FROM shouwen.events WHERE position = 3')"
check "body and envelope stored" "张三|0a100001" \
    "$(sql shouwen_writer <<<"SELECT body #>> '{customer,name}', encode(envelope, 'hex') FROM shouwen.events WHERE position = 1")"

# committed_at_us returned equals the stored committed_at (duplicate path).
check "committed_at_us returned equals stored committed_at" "t" \
    "$(sql shouwen_writer -v batch="[$(inquiry 1 $CASE_A 张三 CHANNEL_PHONE)]" <<'SQL'
SELECT r.committed_at_us = shouwen.ts_to_us(e.committed_at) AND r.status = 'duplicate'
  FROM shouwen.append_batch(:'batch'::jsonb) r JOIN shouwen.events e ON e.position = r.event_position;
SQL
)"

# ---------------------------------------------------------------- projections

check "cases: case A (routed to another department, reply deadline)" \
    "3|1|4|hotel-a|r-1|phone|consultation|normal|room_booking|某公司|张三|13800000000|北京路1号|订房咨询|fo-01|$T0|other_department|fo-01|hk-01|hk-01|housekeeping|routed|$DUE" \
    "$(sql shouwen_writer <<<"SELECT version, opened_position, updated_position, branch_id, request_id, channel, request_kind, urgency, category, customer_unit, customer_name, customer_phone, customer_address, matter, receiver_staff_id, shouwen.ts_to_us(received_at), disposition, natural_owner_id, factual_owner_id, handler_id, department_id, state, shouwen.ts_to_us(reply_due_at) FROM shouwen.cases WHERE case_id = '$CASE_A'")"
check "cases: case B (in scope, no reply deadline yet)" \
    "3|2|7|visit|in_scope|fo-02|front-office|routed|" \
    "$(sql shouwen_writer <<<"SELECT version, opened_position, updated_position, channel, disposition, handler_id, department_id, state, reply_due_at FROM shouwen.cases WHERE case_id = '$CASE_B'")"
check "cases: version equals the number of events of the case" "0" \
    "$(sql shouwen_writer <<<'SELECT count(*) FROM shouwen.cases c WHERE c.version <> (SELECT count(*) FROM shouwen.events e WHERE e.case_id = c.case_id)')"
check "deadlines: one open row per deadline_set" \
    "$(id 5)|$CASE_A|reply|$DUE|$WARN|hk-01|housekeeping|R11 reply within 1 working day|$(id 3)|open|4;$(id 10)|$CASE_B|transfer|$DUE|$WARN|fo-02|front-office|R11 reply within 1 working day|$(id 3)|open|7" \
    "$(sql shouwen_writer <<<"SELECT string_agg(concat_ws('|', deadline_event_id, case_id, kind, shouwen.ts_to_us(due_at), shouwen.ts_to_us(warn_at), holder_staff_id, department_id, policy, trigger_event_id, state, set_position), ';' ORDER BY set_position) FROM shouwen.deadlines")"

check "register (auditor): one row per case with disposition, department, reply deadline" \
    "$CASE_A|phone|consultation|某公司|张三|13800000000|订房咨询|normal|fo-01|other_department|housekeeping|hk-01|$DUE|routed|1;$CASE_B|visit|consultation|某公司|李四|13800000000|订房咨询|normal|fo-01|in_scope|front-office|fo-02||routed|2" \
    "$(sql shouwen_auditor <<<"SELECT string_agg(concat_ws('|', case_id, channel, request_kind, customer_unit, customer_name, customer_phone, matter, urgency, natural_owner_id, disposition, department_id, factual_owner_id, coalesce(shouwen.ts_to_us(reply_due_at)::text, ''), state, position), ';' ORDER BY position) FROM shouwen.first_inquiry_register")"
check "register received_at is the branch's time, to the microsecond" "$T0" \
    "$(sql shouwen_auditor <<<"SELECT shouwen.ts_to_us(received_at) FROM shouwen.first_inquiry_register WHERE case_id = '$CASE_B'")"

# ---------------------------------------------------------------- replay

replay() { # FROM MAX [CASE] -> "position:version:envelope ..."
    sql shouwen_writer -v f="$1" -v m="$2" -v c="${3:-}" <<'SQL'
SELECT coalesce(string_agg(format('%s:%s:%s', position, case_version, encode(envelope, 'hex')), ' ' ORDER BY position), '')
  FROM shouwen.replay(:'f'::bigint, :'m'::int, nullif(:'c', ''));
SQL
}
check "replay page 1..3" "1:1:0a100001 2:1:0a100002 3:2:0a100003" "$(replay 1 3)"
check "replay page 4..6" "4:3:0a100005 5:0:0a100008 6:2:0a100009" "$(replay 4 3)"
check "replay last page" "7:3:0a10000a" "$(replay 7 3)"
check "replay past the head is empty" "" "$(replay 8 3)"
check "replay of one case" "1:1:0a100001 3:2:0a100003 4:3:0a100005" "$(replay 1 100 $CASE_A)"
check "replay of one case from a position" "4:3:0a100005" "$(replay 4 100 $CASE_A)"
check "replay of one case, paged" "2:1:0a100002" "$(replay 1 1 $CASE_B)"
check "replay committed_at_us equals stored committed_at" "7" \
    "$(sql shouwen_writer <<<'SELECT count(*) FROM shouwen.replay(1, 100) r JOIN shouwen.events e USING (position) WHERE r.committed_at_us = shouwen.ts_to_us(e.committed_at)')"

# ---------------------------------------------------------------- transactions

check "a rolled back batch leaves no gap" "7|8:4:committed" \
    "$(sql shouwen_writer -v batch="[$(routed 11 $CASE_B 3 DISPOSITION_IN_SCOPE front-office fo-02)]" \
        -v batch2="[$(routed 12 $CASE_B 3 DISPOSITION_IN_SCOPE front-office fo-02)]" <<'SQL'
BEGIN;
SELECT 1 FROM shouwen.append_batch(:'batch'::jsonb) \g /dev/null
ROLLBACK;
SELECT shouwen.head_position() || '|' || (SELECT concat_ws(':', event_position, case_version, status)
                                            FROM shouwen.append_batch(:'batch2'::jsonb));
SQL
)"
check "case B at version 4 after the routing" "4|8" \
    "$(sql shouwen_writer <<<"SELECT version, updated_position FROM shouwen.cases WHERE case_id = '$CASE_B'")"

# A batch holding the log head makes the next one wait: commit order.
sql shouwen_writer -v batch="[$(deadline 13 $CASE_B 0 DEADLINE_KIND_REPLY fo-02 front-office)]" \
    >"$SQLLIB_TMP/slow.out" <<'SQL' &
BEGIN;
SELECT event_position || ':' || committed_at_us FROM shouwen.append_batch(:'batch'::jsonb);
SELECT pg_sleep(1);
COMMIT;
SQL
slow=$!
for _ in $(seq 50); do
    [[ "$(sql postgres <<<"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%' AND state = 'active' AND pid <> pg_backend_pid()")" == 1 ]] && break
    sleep 0.1
done
fast=$(sql shouwen_writer -v batch="[$(deadline 14 $CASE_B 0 DEADLINE_KIND_CALLBACK fo-02 front-office)]" <<'SQL'
SELECT event_position || ':' || committed_at_us FROM shouwen.append_batch(:'batch'::jsonb);
SQL
)
wait $slow
slow_out=$(grep ':' "$SQLLIB_TMP/slow.out")
check "concurrent batches: the waiting one gets the next position" "9 10" "${slow_out%%:*} ${fast%%:*}"
check "concurrent batches: the waiting one committed after the holder" "t" \
    "$( (( ${fast#*:} - ${slow_out#*:} >= 900000 )) && echo t || echo "f (${fast#*:} - ${slow_out#*:})")"
check "reply deadline set later updates the register" "1795086400000123|6" \
    "$(sql shouwen_auditor <<<"SELECT shouwen.ts_to_us(reply_due_at), (SELECT version FROM shouwen.cases WHERE case_id = '$CASE_B') FROM shouwen.first_inquiry_register WHERE case_id = '$CASE_B'")"

# ---------------------------------------------------------------- privileges

check_refused "writer cannot INSERT into events" shouwen_writer 'permission denied' \
    <<<"INSERT INTO shouwen.events SELECT * FROM shouwen.events WHERE position = 1"
check_refused "writer cannot UPDATE events" shouwen_writer 'permission denied' \
    <<<"UPDATE shouwen.events SET actor = 'x' WHERE position = 1"
check_refused "writer cannot DELETE events" shouwen_writer 'permission denied' \
    <<<"DELETE FROM shouwen.events WHERE position = 1"
check_refused "writer cannot UPDATE projections" shouwen_writer 'permission denied' \
    <<<"UPDATE shouwen.cases SET state = 'closed'"
check_refused "writer cannot move the log head" shouwen_writer 'permission denied' \
    <<<"UPDATE shouwen.log_head SET position = 0"
check_refused "writer cannot rebuild projections" shouwen_writer 'permission denied' \
    <<<"SELECT shouwen.rebuild_projections()"
check_refused "owner cannot UPDATE events (append-only trigger)" shouwen_owner 'append-only' \
    <<<"UPDATE shouwen.events SET actor = 'x' WHERE position = 1"
check_refused "owner cannot DELETE events (append-only trigger)" shouwen_owner 'append-only' \
    <<<"DELETE FROM shouwen.events WHERE position = 1"
check_refused "owner cannot TRUNCATE events" shouwen_owner 'append-only' \
    <<<"TRUNCATE shouwen.events CASCADE"
check "auditor reads the register and the log" "2|10" \
    "$(sql shouwen_auditor <<<'SELECT (SELECT count(*) FROM shouwen.first_inquiry_register), (SELECT count(*) FROM shouwen.events)')"
check_refused "auditor cannot INSERT into events" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; INSERT INTO shouwen.events SELECT * FROM shouwen.events WHERE position = 1"
check_refused "auditor cannot UPDATE the register's cases" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; UPDATE shouwen.cases SET state = 'closed'"
check_refused "auditor cannot call append_batch" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; SELECT * FROM shouwen.append_batch('[]')"
check_refused "auditor cannot call replay" shouwen_auditor 'permission denied' \
    <<<"SELECT * FROM shouwen.replay(1, 1)"
check "server listens on loopback only" "127.0.0.1" \
    "$(sql postgres <<<'SHOW listen_addresses')"
check "no role is superuser" "false|false|false" \
    "$(sql postgres <<<"SELECT string_agg(rolsuper::text, '|' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'shouwen\_%'")"

# ---------------------------------------------------------------- audit trail

check "projections rebuilt from the log are identical" "same" \
    "$(sql shouwen_owner <<'SQL'
CREATE TEMP TABLE before AS
SELECT (SELECT md5(string_agg(c::text, '|' ORDER BY case_id)) FROM shouwen.cases c) AS cases_md5,
       (SELECT md5(string_agg(d::text, '|' ORDER BY deadline_event_id)) FROM shouwen.deadlines d) AS deadlines_md5;
SELECT shouwen.rebuild_projections() \g /dev/null
SELECT CASE WHEN b.cases_md5 = (SELECT md5(string_agg(c::text, '|' ORDER BY case_id)) FROM shouwen.cases c)
             AND b.deadlines_md5 = (SELECT md5(string_agg(d::text, '|' ORDER BY deadline_event_id)) FROM shouwen.deadlines d)
            THEN 'same' ELSE 'different' END FROM before b;
SQL
)"
check "hash chain intact, head holds the last link" "0|t" \
    "$(sql shouwen_auditor <<<'SELECT (SELECT count(*) FROM shouwen.event_chain_check WHERE NOT (gapless AND hash_ok)), (SELECT h.hash = e.hash FROM shouwen.log_head h JOIN shouwen.events e USING (position))')"
sql postgres >/dev/null <<'SQL'
ALTER TABLE shouwen.events DISABLE TRIGGER events_append_only;
UPDATE shouwen.events SET body = jsonb_set(body, '{matter}', '"改过的"') WHERE position = 2;
ALTER TABLE shouwen.events ENABLE TRIGGER events_append_only;
SQL
check "tampering by a superuser is detected by the chain" "2" \
    "$(sql shouwen_auditor <<<"SELECT string_agg(position::text, ' ') FROM shouwen.event_chain_check WHERE NOT (gapless AND hash_ok)")"

sqllib_done
