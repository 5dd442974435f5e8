#!/usr/bin/env bash
# The writer's lease (issue 10): one shouwen-audit appends to the log at a
# time.  A second audit on the same database waits for the lease (and says
# so); a writer's session that does not hold it cannot append while another
# does (migration 012, checked in the database at every batch); when the
# holder dies, the waiting audit takes the lease over; nothing acknowledged
# is lost or doubled.
source "$(dirname "$0")/lib.sh"
itest_hub writer_lease 32500
AUDIT=$SHOUWEN_BUILD/services/audit/shouwen-audit
writer_sql() { bash "$SHOUWEN_SOURCE/scripts/pg.sh" psql "$HUB/pg" "$HUB_DB" shouwen_writer -qAt -c "$1" 2>&1; }

C1=$(submit --request-id lease-1) || fail "first inquiry"
FIRST=$(hub_pid audit)
holder=$(sql "select shouwen.lease_holder()")
check_eq "the running audit's writer session holds the lease" "shouwen_writer" \
    "$(sql "select usename from pg_stat_activity where pid = ${holder:-0}")"

# a second audit on the same database, on ports of its own
sed -e "s|:$((HUB_BASE + 2))\"|:$((HUB_BASE + 12))\"|; s|:$((HUB_BASE + 3))\"|:$((HUB_BASE + 13))\"|" \
    -e "s|:$((HUB_BASE + 4))\"|:$((HUB_BASE + 14))\"|; s|anchors.log|anchors2.log|" \
    "$HUB/etc/audit.conf" >"$HUB/etc/audit2.conf"
sed -i "/health_dir/d" "$HUB/etc/audit2.conf"
"$AUDIT" -c "$HUB/etc/audit2.conf" >"$HUB/log/audit2.log" 2>&1 &
SECOND=$!
wait_log "$HUB/log/audit2.log" "holds the log's writer lease"
grep -q "another shouwen-audit (PostgreSQL backend $holder) holds the log's writer lease" "$HUB/log/audit2.log" &&
    pass "a second audit waits for the lease and names its holder" ||
    fail "second audit: $(tail -n 3 "$HUB/log/audit2.log")"
C2=$(submit --request-id lease-2) && pass "the first audit goes on committing" || fail "lease-2"

# a writer's session without the lease cannot append while the audit holds it
ev='[{"event_id":"00000000-0000-8000-8000-000000000099","type":"inquiry.received","case_id":"SW-20260101-ZZZZZZ",
  "case_version":0,"producer":"intake","producer_seq":1,"occurred_at_us":1767225600000000,
  "body":{"branch_id":"hotel","request_id":"lease-x","channel":"CHANNEL_PHONE","kind":"REQUEST_KIND_CONSULTATION",
   "customer":{"name":"张三","phone":"13800000000"},"matter":"订房咨询","category":"room_booking",
   "urgency":"URGENCY_NORMAL","receiver_staff_id":"fo-01","received_at_us":1767225600000000},
  "envelope":"0a00"}]'
out=$(writer_sql "select status from shouwen.append_batch('$ev'::jsonb)")
[[ "$out" == *"writer lease is held by another session"* ]] &&
    pass "a writer's session without the lease is refused by the database" || fail "append without lease: $out"
check_eq "  and nothing was appended" 0 \
    "$(sql "select count(*) from shouwen.events where case_id = 'SW-20260101-ZZZZZZ'")"

# the holder dies: the waiting audit takes the lease over
hub_stop audit KILL
wait_log "$HUB/log/audit2.log" "the log's writer lease is ours now"
grep -q "the log's writer lease is ours now" "$HUB/log/audit2.log" &&
    pass "after kill -9 of the holder the waiting audit takes the lease" || fail "no takeover"
# the hub's audit comes back and waits in its turn
hub_start audit
wait_log "$HUB/log/audit.log" "holds the log's writer lease"
grep -q "holds the log's writer lease" "$HUB/log/audit.log" &&
    pass "the restarted audit waits while the other holds the lease" || fail "restarted audit did not wait"
kill -TERM "$SECOND"
wait "$SECOND" 2>/dev/null
wait_log "$HUB/log/audit.log" "the log's writer lease is ours now"
grep -q "the log's writer lease is ours now" "$HUB/log/audit.log" &&
    pass "once the other stops, the hub's audit takes the lease" || fail "no takeover back"
ok=0
for ((k = 0; k < 50; k++)); do
    submit --request-id lease-3 --timeout 2 >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.2
done
check_eq "the hub commits again" 1 "$ok"
check_eq "every acknowledged inquiry is in the log once" "3/3" \
    "$(sql "select count(*) || '/' || count(distinct body->>'request_id') from shouwen.events
            where type = 'inquiry.received' and body->>'request_id' like 'lease-%'")"
check_eq "the chain verifies" "t" "$(sql "select ok from shouwen.verify_chain()")"
itest_done
