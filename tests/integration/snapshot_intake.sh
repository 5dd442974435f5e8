#!/usr/bin/env bash
# intake's snapshot and idempotency window (issue 10, docs/snapshots-intake.md):
#   1. SIGTERM writes a snapshot; a restart loads it and replays only the
#      tail; an in-window retry is answered with its original case; new
#      inquiries are accepted;
#   2. kill -9 after more inquiries: the last snapshot and a longer tail;
#   3. a corrupt snapshot: the whole log replayed, logged, still correct;
#   4. a retry older than the idempotency window (2 s here) is answered
#      from the log with its original case, never a second case; a reused
#      id with other content is still refused;
#   5. a closed case leaves intake's memory and a show of it reads it from
#      the log;
#   6. snapshots of another log (a second hub): one beyond its head, one
#      whose position holds another event: dropped, the whole log replayed;
#   7. a watch resuming from before the notifications kept is read from the
#      log: the same notifications as when they were kept.
source "$(dirname "$0")/lib.sh"
BASE=30220
rm -rf "$SHOUWEN_BUILD/itest/snapshot_intake"
hub_init "$SHOUWEN_BUILD/itest/snapshot_intake" "$SHOUWEN_BUILD" $BASE || {
    echo "FAIL: hub_init"
    exit 1
}
hub_start_all
hub_wait_ready 60 || {
    fail "hub ready"
    itest_done
}
LOG=$HUB/log/intake.log
SNAP=$HUB/state/intake.snapshot
inquiries() { sql "select count(*) from shouwen.events where type='inquiry.received'"; }
rows_of() { sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id'='$1'"; }
counter() { "$CLI" stats | awk -v k="$1" '$1 == k {print $2}'; }
# what the queries answer, to compare state kept live, loaded with its tail
# and rebuilt by a full replay (the round trip is the replay)
answers() {
    local s d
    {
        for s in fo-01 fo-02 hk-01; do "$CLI" inbox --staff "$s" --json; done
        for d in front_office housekeeping; do "$CLI" queue --department "$d" --json; done
        "$CLI" due --within 100000 --json
        for p in 1 3 8; do "$CLI" find --phone "1390000000$p" --json; done
    } | sed 's/"request_id":"cli-[0-9a-f]*",//' # the CLI's own, new each time
}
restart_intake() { # SIGNAL
    hub_stop intake "$1"
    hub_start intake
    hub_wait_ready 60 || fail "intake ready again after $1"
}

declare -A CASE
for i in 1 2 3 4 5; do
    CASE[a$i]=$(submit --request-id "a-$i" --phone "1390000000$i")
done
[[ ${CASE[a1]} == SW-* && ${CASE[a5]} == SW-* ]] && pass "five inquiries accepted" ||
    fail "submit: '${CASE[a1]}' '${CASE[a5]}'"
wait_sql "select count(*) from shouwen.events where type='case.routed'" 5 30 || fail "routed"

# 1. SIGTERM: written; restart: loaded, tail replayed
restart_intake TERM
grep -q "snapshot: wrote position [1-9][0-9]* .*(on SIGTERM)" "$LOG" &&
    pass "1: SIGTERM writes a snapshot" || fail "1: no snapshot written on SIGTERM"
[[ -s $SNAP ]] && pass "1: the snapshot is in the state directory" || fail "1: $SNAP missing"
grep -q "snapshot: loaded position [1-9][0-9]* (5 open cases" "$LOG" &&
    pass "1: the restart loads it (5 open cases)" || fail "1: not loaded: $(grep snapshot: "$LOG" | tail -3)"
grep -q "snapshot: position [0-9]* is the same event in the log" "$LOG" &&
    pass "1: the snapshot's event is the log's at its position" || fail "1: not verified"
P_EARLY=$(sed -n 's/.*snapshot: wrote position \([0-9]*\) .*(on SIGTERM)/\1/p' "$LOG" | head -1)
cp "$SNAP" "$SHOUWEN_BUILD/itest/snapshot_intake.early" # for the second hub
again=$(submit --request-id a-3 --phone 13900000003)
check_eq "1: an in-window retry after the restart: its original case" "${CASE[a3]}" "$again"
check_eq "1: ... not looked up in the log (the window came back with the snapshot)" 0 \
    "$(counter requests_looked_up)"
CASE[a6]=$(submit --request-id a-6 --phone 13900000006)
[[ ${CASE[a6]} == SW-* && ${CASE[a6]} != "${CASE[a5]}" ]] &&
    pass "1: a new inquiry is accepted after the restart" || fail "1: a-6: ${CASE[a6]}"

# 2. kill -9: the SIGTERM snapshot, and the tail since
for i in 7 8; do CASE[a$i]=$(submit --request-id "a-$i" --phone "1390000000$i"); done
wait_sql "select count(*) from shouwen.events where type='case.routed'" 8 30 || fail "routed 8"
sleep 1
LIVE=$(answers)
loaded=$(grep -c "snapshot: loaded position" "$LOG")
restart_intake KILL
wait_log "$LOG" "snapshot: loaded position" 10 $((loaded + 1)) &&
    pass "2: after kill -9 the last snapshot is loaded" || fail "2: not loaded"
tail_n=$(grep "following the log at position" "$LOG" | tail -1 | sed -n 's/.* \([0-9]*\) events replayed.*/\1/p')
[[ ${tail_n:-0} -ge 3 ]] && pass "2: ... and only the tail replayed ($tail_n events)" ||
    fail "2: tail: $(grep "following the log" "$LOG" | tail -1)"
TAIL=$(answers)
[[ -n $LIVE && $TAIL == "$LIVE" ]] && pass "2: the snapshot and its tail answer every query as the live state did" ||
    fail "2: answers differ: $(diff <(echo "$LIVE") <(echo "$TAIL") | head -8 | cut -c1-400)"
check_eq "2: a retry of an inquiry of the tail: its original case" "${CASE[a8]}" \
    "$(submit --request-id a-8 --phone 13900000008)"
check_eq "2: a retry from before the snapshot: its original case" "${CASE[a1]}" \
    "$(submit --request-id a-1 --phone 13900000001)"

# 3. a corrupt snapshot: the whole log, logged, still right
hub_stop intake TERM
size=$(stat -c %s "$SNAP" 2>/dev/null || echo 0)
printf 'XXXXXXXX' | dd of="$SNAP" bs=1 seek=$((size / 2)) conv=notrunc status=none
hub_start intake
hub_wait_ready 60 || fail "3: ready after a corrupt snapshot"
grep -q "snapshot: $SNAP not used (checksum mismatch): replaying the whole log" "$LOG" &&
    pass "3: a corrupt snapshot is not used, and that is logged" ||
    fail "3: $(grep "snapshot:" "$LOG" | tail -2)"
full=$(grep "following the log at position" "$LOG" | tail -1 | sed -n 's/.* \([0-9]*\) events replayed.*/\1/p')
head=$(sql "select max(position) from shouwen.events")
[[ ${full:-0} -ge $((head - 2)) ]] && pass "3: the whole log replayed ($full of $head events)" ||
    fail "3: replayed $full of $head"
FULL=$(answers)
[[ $FULL == "$TAIL" ]] && pass "3: the full replay answers every query as the snapshot and its tail did" ||
    fail "3: answers differ: $(diff <(echo "$TAIL") <(echo "$FULL") | head -8 | cut -c1-400)"
check_eq "3: a retry after the full replay: its original case" "${CASE[a2]}" \
    "$(submit --request-id a-2 --phone 13900000002)"
check_eq "3: the open cases rebuilt" 8 "$(counter cases_known)"

# 4. a window of 2 s: older retries answered from the log
sed -i '/^intake$/a\    idempotency_window_s = 2' "$HUB/etc/intake.conf"
restart_intake TERM
sleep 3
CASE[b1]=$(submit --request-id b-1 --phone 13900000011) # moves the log's time on
[[ ${CASE[b1]} == SW-* ]] && pass "4: a new inquiry accepted" || fail "4: b-1: ${CASE[b1]}"
sleep 0.5
known=$(counter inquiries_known)
[[ ${known:-99} -le 4 ]] && pass "4: requests older than the window leave memory ($known kept)" ||
    fail "4: $known requests kept"
check_eq "4: a retry older than the window: its original case" "${CASE[a4]}" \
    "$(submit --request-id a-4 --phone 13900000004)"
check_eq "4: ... looked up in the log" 1 "$(counter requests_found_in_log)"
grep -q "older than the idempotency window: answered from the log (case ${CASE[a4]}" "$LOG" &&
    pass "4: ... and logged" || fail "4: not logged"
check_eq "4: ... once: still one inquiry.received for it" 1 "$(rows_of a-4)"
out=$(submit --request-id a-5 --phone 13900000099 2>&1)
[[ $out == *REQUEST_ID_REUSED* ]] && pass "4: an old id reused for another inquiry is refused" ||
    fail "4: reused: $out"
check_eq "4: a new inquiry is not looked up (not in the log's filter)" \
    "$(counter requests_looked_up)" "$(
        submit --request-id c-1 --phone 13900000021 >/dev/null
        counter requests_looked_up
    )"
# after a restart with the same small window: answered from the log again
restart_intake TERM
check_eq "4: after a restart, an old retry: its original case" "${CASE[a6]}" \
    "$(submit --request-id a-6 --phone 13900000006)"
check_eq "4: every request id one inquiry.received" "10|10" \
    "$(sql "select count(*), count(distinct body->>'request_id') from shouwen.events where type='inquiry.received'")"
check_eq "4: one case per inquiry" 10 "$(inquiries)"

# 5. a closed case leaves memory; show and a late action read it from the log
C=${CASE[a7]}
staff=$(sql "select body->>'handler_id' from shouwen.events where type='case.routed' and case_id='$C'")
"$CLI" resolve "$C" --staff "$staff" --summary "已处理完毕" >/dev/null 2>&1
"$CLI" close "$C" --staff "$staff" --reason "已办结" >/dev/null 2>&1
if wait_sql "select count(*) from shouwen.events where type='case.closed' and case_id='$C'" 1 10; then
    sleep 0.5
    check_eq "5: the closed case left intake's memory" 9 "$(counter cases_known)"
    "$CLI" show "$C" 2>&1 | grep -q "case.closed" && pass "5: show of the closed case reads it from the log" ||
        fail "5: show: $("$CLI" show "$C" 2>&1 | head -3)"
    out=$("$CLI" progress "$C" --staff "$staff" --text "补充说明" 2>&1)
    [[ $out == *CASE_CLOSED* ]] && pass "5: a late action on it reaches router (CASE_CLOSED), not UNKNOWN_CASE" ||
        fail "5: late action: $out"
    "$CLI" reopen "$C" --staff "$staff" --reason "客人再次来电" >/dev/null 2>&1 || fail "5: reopen"
    wait_log "$LOG" "case $C reopened: its [0-9]* events read from the log (open again)" 10 &&
        pass "5: the reopened case is read back from the log" || fail "5: not read back"
    check_eq "5: ... and is open in intake's memory again" 10 "$(counter cases_known)"
else
    echo "  ($C: $(sql "select string_agg(type, ',') from shouwen.events where case_id='$C'"))"
    fail "5: close a case"
fi

# 6. a second hub: the first one's snapshots are of another log
hub_stop intake TERM
P_LATE=$(sed -n 's/.*snapshot: wrote position \([0-9]*\) .*(on SIGTERM)/\1/p' "$LOG" | tail -1)
cp "$SNAP" "$SHOUWEN_BUILD/itest/snapshot_intake.late"
grep -h "Sanitizer\|runtime error" "$HUB"/log/*.log && fail "sanitizer reports on the first hub" # sanitized builds
hub_destroy
rm -rf "$HUB" "$SHOUWEN_BUILD/itest/snapshot_intake_2"
hub_init "$SHOUWEN_BUILD/itest/snapshot_intake_2" "$SHOUWEN_BUILD" $((BASE + 20)) || fail "6: hub_init"
hub_start_all
hub_wait_ready 60 || fail "6: second hub ready"
LOG=$HUB/log/intake.log
SNAP=$HUB/state/intake.snapshot
hub_stop intake TERM
mv "$SHOUWEN_BUILD/itest/snapshot_intake.late" "$SNAP"
hub_start intake
hub_wait_ready 60 || fail "6: ready after a snapshot beyond the log"
grep -q "snapshot: $SNAP not used (the log ends before position $P_LATE): replaying the whole log" "$LOG" &&
    pass "6: a snapshot beyond the log's head is dropped ($P_LATE)" ||
    fail "6: $(grep "snapshot:" "$LOG" | tail -2)"
check_eq "6: ... nothing of it kept" 0 "$(counter cases_known)"
for i in 1 2 3 4 5 6 7 8; do CASE[x$i]=$(submit --request-id "x-$i" --phone "1370000000$i"); done
wait_sql "select count(*) from shouwen.events where type='case.routed'" 8 30 || fail "6: routed"
head=$(sql "select max(position) from shouwen.events")
((head >= P_EARLY)) || fail "6: the second log ($head) is shorter than $P_EARLY"
hub_stop intake TERM
mv "$SHOUWEN_BUILD/itest/snapshot_intake.early" "$SNAP"
hub_start intake
hub_wait_ready 60 || fail "6: ready after another log's snapshot"
grep -q "snapshot: $SNAP not used (position $P_EARLY of the log is not event [0-9a-f-]*: another log): replaying the whole log" "$LOG" &&
    pass "6: a snapshot whose position holds another event is dropped ($P_EARLY)" ||
    fail "6: $(grep "snapshot:" "$LOG" | tail -2)"
check_eq "6: the whole log replayed: this log's 8 open cases" 8 "$(counter cases_known)"
check_eq "6: a retry: its original case on this log" "${CASE[x3]}" \
    "$(submit --request-id x-3 --phone 13700000003)"
check_eq "6: a request id of the other log is new here" 9 \
    "$(submit --request-id a-1 --phone 13900000001 >/dev/null; inquiries)"

# 7. a watch that resumes from before the notifications kept reads the log
watched() { "$CLI" watch --from "$1" --for 3 2>/dev/null | grep '^\[位置'; }
KEPT=$(watched 0)
[[ $(grep -c . <<<"$KEPT") -ge 8 ]] && pass "7: a watch from 0 shows the 8 new cases (kept)" ||
    fail "7: watch: $KEPT"
sed -i '/^intake$/a\    watch_keep = 2' "$HUB/etc/intake.conf"
restart_intake TERM
PAGED=$(watched 0)
[[ -n $PAGED && $PAGED == "$KEPT" ]] &&
    pass "7: with 2 kept, the same watch from 0 shows the same, read from the log" ||
    fail "7: differs: $(diff <(echo "$KEPT") <(echo "$PAGED") | head -6)"
grep -q "resumes a watch from position 0, before the notifications kept" "$LOG" &&
    pass "7: ... logged" || fail "7: resume not logged"
mid=$(sed -n 4p <<<"$KEPT" | tr -dc '0-9 ' | awk '{print $1}')
check_eq "7: a watch from the 4th notification's position shows the rest once" \
    "$(tail -n +5 <<<"$KEPT")" "$(watched "$mid")"
hub_stop intake TERM
grep -h "Sanitizer\|runtime error" "$HUB"/log/*.log && fail "sanitizer reports on the second hub"
itest_done
