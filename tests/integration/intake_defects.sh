#!/usr/bin/env bash
# What a branch says, recorded as it said it (issue 8, defects 1, 2, 4, 5;
# defects 3 and 6 are probed byte by byte in malformed.sh):
#   1. when the customer asked (received_at_us) reaches the log;
#   2. a load answered after an intake restart, and A -> B -> A in force;
#   4. a case query in flight when audit dies is answered RETRY, not never;
#   5. a calendar that sla would refuse is refused by intake, with its line.
source "$(dirname "$0")/lib.sh"
itest_hub intake_defects 32100
HOTEL=$SHOUWEN_SOURCE/deploy/directory/hotel.conf
CAL=$SHOUWEN_SOURCE/deploy/calendar/cn-2026.conf
# organisations in the log: intake seeded the first from hub/directory (the same file)
loads() { sql "select count(*) from shouwen.events where type='directory.loaded' and body->>'kind'='organisation'"; }

# 1. the branch took the inquiry ten minutes ago (a resend from its spool)
asked=$(($(date +%s) - 600))
C=$(submit --request-id d1 --received-at "@$asked")
check_eq "1: the log records when the customer asked, not when it arrived" \
    "$((asked * 1000000))" \
    "$(sql "select body->>'received_at_us' from shouwen.events where case_id='$C' and type='inquiry.received'")"
C=$(submit --request-id d1b --received-at "$(TZ=Asia/Shanghai date -d "@$asked" +%Y-%m-%dT%H:%M:%S+08:00)")
check_eq "1: ... given in the office's zone too" "$((asked * 1000000))" \
    "$(sql "select body->>'received_at_us' from shouwen.events where case_id='$C' and type='inquiry.received'")"
err=$(submit --request-id d1c --received-at "@$(($(date +%s) + 86400))" 2>&1)
[[ $? -eq 2 && "$err" == *BAD_TIME* ]] && pass "1: a time a day ahead is refused BAD_TIME" ||
    fail "1: future: $err"

# 2. a load whose answer was lost is resent after intake restarted: the
#    same request id, the same answer (not REQUEST_ID_REUSED)
out=$("$CLI" directory load "$HOTEL" --by gm-01 --request-id load-a 2>&1) &&
    pass "2: the organisation loads ($out)" || fail "2: first load: $out"
check_eq "2: one organisation in the log (the seed: the file is in force)" 1 "$(loads)"
out=$("$CLI" directory load "$HOTEL" --by gm-01 2>&1) && pass "2: loading it again is fine" ||
    fail "2: again: $out"
check_eq "2: ... and records nothing new (it is in force)" 1 "$(loads)"
hub_stop intake TERM
hub_start intake
hub_wait_ready 30 || fail "2: intake back"
out=$("$CLI" directory load "$HOTEL" --by gm-01 --request-id load-a 2>&1) &&
    pass "2: after an intake restart the resent load is answered OK" || fail "2: resend: $out"
out=$("$CLI" directory load "$HOTEL" --by gm-01 2>&1) &&
    pass "2: and a new load of the same file too" || fail "2: new load after restart: $out"
check_eq "2: still one directory.loaded" 1 "$(loads)"
sed 's/version = "hotel-[0-9.]*"/version = "hotel-b"/' "$HOTEL" >"$HUB/b.conf"
"$CLI" directory load "$HUB/b.conf" --by gm-01 >/dev/null || fail "2: load B"
"$CLI" directory load "$HOTEL" --by gm-01 >/dev/null || fail "2: back to A"
A=$(sed -n 's/^ *version = "\(hotel-[0-9.]*\)".*/\1/p' "$HOTEL")
check_eq "2: A -> B -> A: three organisations in the log (A the seed)" "$A hotel-b $A" \
    "$(sql "select string_agg(body->>'version', ' ' order by position) from shouwen.events where type='directory.loaded' and body->>'kind'='organisation'")"
C=$(submit --request-id d2)
wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id='$C'" 1 20
check_eq "2: router decides with A again" "$A" \
    "$(sql "select body->>'directory_version' from shouwen.events where type='case.routed' and case_id='$C'")"

# 4. audit dies while a case query waits for its answer
hub_stop audit KILL
t0=$(date +%s%N)
err=$("$CLI" show "$C" --timeout 6 2>&1)
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
[[ $rc -eq 75 && "$err" == *"did not answer in time"* ]] &&
    pass "4: the query is answered RETRY while audit is down (${ms} ms, exit 75)" ||
    fail "4: rc=$rc $err"
hub_start audit
for ((i = 0; i < 100; i++)); do
    out=$("$CLI" show "$C" --timeout 3 2>/dev/null) && break
    sleep 0.2
done
[[ "$out" == *inquiry.received* ]] && pass "4: answered again once audit is back" || fail "4: after: $out"
check_eq "4: no query left waiting in intake" 0 \
    "$("$CLI" stats | awk '$1=="queries_waiting"{print $2}')"

# 5. valid ZPL, but not a calendar sla can use: refused at the door
sed -e 's/^version = .*/version = "cn-2026.bad"/' -e 's/limit = 1 working hour/limit = soon/' \
    "$CAL" >"$HUB/bad.conf"
before=$(loads)
err=$("$CLI" directory load "$HUB/bad.conf" --kind calendar --by gm-01 2>&1)
rc=$?
[[ $rc -eq 2 && "$err" == *BAD_DIRECTORY* && "$err" == *"line "* && "$err" == *soon* ]] &&
    pass "5: a calendar sla would refuse is refused with its line and reason" ||
    fail "5: rc=$rc $err"
check_eq "5: and is not in the log" "$before" "$(loads)"
out=$("$CLI" directory load "$CAL" --kind calendar --by gm-01 2>&1) &&
    pass "5: the good calendar loads" || fail "5: good calendar: $out"
itest_done
