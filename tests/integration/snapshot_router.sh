#!/usr/bin/env bash
# Issue 10: router's snapshot.  On a real hub: router stopped with SIGTERM
# writes its state to HUB/state/router.snapshot; started again it loads it
# and replays only the tail (the inquiries received while it was down are
# routed, once each); a snapshot with a flipped byte is not used (checksum
# mismatch) and the whole log is replayed, still routing correctly; after a
# kill -9 the last periodic snapshot is loaded; a snapshot of another log
# (a second hub) is dropped for a full replay; a closed case is kept
# packed through a restart and a late action and a reopen on it answered.
source "$(dirname "$0")/lib.sh"
export HUB_SNAPSHOT_INTERVAL_S=2
itest_hub snapshot_router 31400
SNAP=$HUB/state/router.snapshot
RLOG=$HUB/log/router.log

feed() { # request ids $1..$2
    local i
    for ((i = $1; i <= $2; i++)); do
        "$CLI" submit --channel visit --kind consultation --name "客人$i" \
            --phone "1390000$i" --matter "事项$i" --category room_cleaning \
            --receiver fo-01 --request-id "${PREFIX:-snap}-$i" --timeout 30 >/dev/null \
            2>>"$HUB/log/cli.err" || echo "  submit $i failed"
    done
}
routed() { sql "select count(*) from shouwen.events where type='case.routed'"; }
once() { # every case routed exactly once: "N|N"
    sql "select count(distinct case_id), count(*) from shouwen.events where type='case.routed'"
}
head_position() { sql "select max(position) from shouwen.events"; }
# the number in the last line of the log matching a sed pattern's group
last_number() { sed -n "s/.*$1.*/\\1/p" "$RLOG" | tail -n 1; }

# ---- SIGTERM writes the snapshot; the restart replays only the tail
feed 1 20
wait_sql "select count(*) from shouwen.events where type='case.routed'" 20 30 ||
    fail "first 20 routed"
hub_stop router TERM
grep -q "snapshot: wrote position [0-9]* (.*) to $SNAP in [0-9]* ms (stopping)" "$RLOG" &&
    pass "SIGTERM: router wrote its snapshot" || fail "no snapshot written at SIGTERM"
[[ -s $SNAP ]] && pass "the snapshot file exists" || fail "no $SNAP"
P=$(last_number 'snapshot: wrote position \([0-9]*\) .*(stopping)')
cp "$SNAP" "$SHOUWEN_BUILD/itest/snapshot_router.other" # for the second hub
feed 21 30 # router down: received, not routed
HEAD=$(head_position)
hub_start router
wait_log "$RLOG" "snapshot: loaded position $P (.* open cases, .* closed) from $SNAP in [0-9]* ms, replaying the tail" 20 &&
    pass "restart loaded the snapshot at position $P" || fail "snapshot at $P not loaded"
wait_log "$RLOG" "live at position" 20 2 || fail "router did not go live"
R=$(last_number 'live at position [0-9]*: .* \([0-9]*\) events replayed')
((R > 0 && R <= HEAD - P)) &&
    pass "only the tail replayed: $R events after position $P (head $HEAD)" ||
    fail "replayed $R events, tail after $P is $((HEAD - P))"
wait_sql "select count(*) from shouwen.events where type='case.routed'" 30 30 &&
    pass "the inquiries received while router was down are routed" || fail "routed $(routed)"
feed 31 35
wait_sql "select count(*) from shouwen.events where type='case.routed'" 35 30 &&
    pass "a new case is routed after the restart" || fail "routed $(routed)"
check_eq "each case routed exactly once" "35|35" "$(once)"
wait_log "$RLOG" "snapshot: wrote position [0-9]* .*(periodic)" 10 &&
    pass "periodic snapshot while the position moves" || fail "no periodic snapshot"

# ---- a flipped byte: not used, the whole log replayed
hub_stop router TERM
SIZE=$(stat -c %s "$SNAP")
OFF=$((SIZE / 2))
BYTE=$(od -An -tu1 -j "$OFF" -N1 "$SNAP" | tr -d ' ')
printf "\\$(printf '%03o' $(((BYTE + 1) % 256)))" |
    dd of="$SNAP" bs=1 seek="$OFF" conv=notrunc 2>/dev/null
feed 36 40
HEAD=$(head_position)
LIVE_BEFORE=$(grep -c "live at position" "$RLOG")
PERIODIC=$(grep -c "snapshot: wrote position .*(periodic)" "$RLOG")
hub_start router
wait_log "$RLOG" "snapshot: $SNAP not used (checksum mismatch): replaying the whole log" 20 &&
    pass "a corrupt snapshot is not used (checksum mismatch)" || fail "corrupt snapshot not refused"
wait_log "$RLOG" "live at position" 20 $((LIVE_BEFORE + 1)) || fail "router did not go live"
R=$(last_number 'live at position [0-9]*: .* \([0-9]*\) events replayed')
((R >= HEAD)) && pass "the whole log replayed ($R events, head $HEAD)" ||
    fail "replayed $R events of $HEAD"
wait_sql "select count(*) from shouwen.events where type='case.routed'" 40 30 &&
    pass "routing correct after the full replay" || fail "routed $(routed)"
feed 41 45
wait_sql "select count(*) from shouwen.events where type='case.routed'" 45 30 &&
    pass "a new case is routed" || fail "routed $(routed)"
check_eq "each case routed exactly once" "45|45" "$(once)"

# ---- kill -9: the last periodic snapshot is loaded
wait_log "$RLOG" "snapshot: wrote position .*(periodic)" 10 $((PERIODIC + 1)) ||
    fail "no periodic snapshot after the full replay"
hub_stop router KILL
P=$(last_number 'snapshot: wrote position \([0-9]*\) .*(periodic)')
feed 46 50
LOADED=$(grep -c "snapshot: loaded position" "$RLOG")
hub_start router
wait_log "$RLOG" "snapshot: loaded position" 20 $((LOADED + 1)) &&
    [[ $(last_number 'snapshot: loaded position \([0-9]*\) ') == "$P" ]] &&
    pass "after kill -9 the periodic snapshot at $P is loaded" || fail "not loaded after kill -9"
wait_sql "select count(*) from shouwen.events where type='case.routed'" 50 30 &&
    pass "routing continues after kill -9" || fail "routed $(routed)"
check_eq "each case routed exactly once" "50|50" "$(once)"
grep -q "snapshot_position" "$HUB/run/router.health" &&
    pass "router's health record names its snapshot position" || fail "no snapshot_position"

# ---- a snapshot of another log (the first one above): its position holds
# another event here; dropped, the whole log replayed
OTHER_P=$(head -n 1 <(sed -n 's/.*snapshot: wrote position \([0-9]*\) .*(stopping)/\1/p' "$RLOG"))
hub_destroy
rm -rf "$HUB"
itest_hub snapshot_router_2 31420
RLOG=$HUB/log/router.log
SNAP=$HUB/state/router.snapshot
PREFIX=other # other inquiries: other event ids at the same positions
feed 1 25
wait_sql "select count(*) from shouwen.events where type='case.routed'" 25 30 ||
    fail "second hub routes"
hub_stop router TERM
(($(head_position) >= OTHER_P)) || fail "the second log is shorter than $OTHER_P"
mv "$SHOUWEN_BUILD/itest/snapshot_router.other" "$SNAP"
hub_start router
wait_log "$RLOG" "snapshot: position $OTHER_P holds another event: the log was made anew; dropping the loaded state, replaying the whole log" 20 &&
    pass "a snapshot of another log is dropped" || fail "another log's snapshot not noticed"
feed 26 28
wait_sql "select count(*) from shouwen.events where type='case.routed'" 28 30 &&
    pass "routing correct after dropping it" || fail "routed $(routed)"
check_eq "each case routed exactly once" "28|28" "$(once)"

# ---- a closed case goes into the snapshot packed, and a late action on it
# after the restart is answered from it; a reopen brings it back to work
C=$(submit --category visa --request-id snap-closed)
wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id='$C'" 1 20 ||
    fail "visa case not routed"
"$CLI" close "$C" --staff fo-01 --reason "已告知客人办理渠道" \
    --guidance "已告知客人到出入境管理局办理" >/dev/null 2>&1 || fail "close $C refused"
wait_sql "select count(*) from shouwen.events where type='case.closed' and case_id='$C'" 1 20 ||
    fail "case not closed"
hub_stop router TERM
grep -q "snapshot: wrote position [0-9]* ([0-9]* open cases, 1 closed, .*(stopping)" "$RLOG" &&
    pass "the closed case is in the snapshot, packed" || fail "no closed case in the snapshot"
hub_start router
wait_log "$RLOG" "snapshot: loaded position [0-9]* ([0-9]* open cases, 1 closed)" 20 &&
    pass "the restart loads it packed" || fail "closed case not loaded"
wait_log "$RLOG" "live at position" 20 $(($(grep -c "live at position" "$RLOG") + 1)) || true
err=$("$CLI" progress "$C" --staff fo-01 --text "补充说明" 2>&1 >/dev/null)
[[ "$err" == *CASE_CLOSED* ]] && pass "a late action on the closed case is answered CASE_CLOSED" ||
    fail "late action: $err"
"$CLI" reopen "$C" --staff fo-01 --reason "客人再次来电" >/dev/null 2>&1 &&
    wait_sql "select count(*) from shouwen.events where type='case.reopened' and case_id='$C'" 1 20 &&
    pass "a reopen brings the closed case back" || fail "reopen of the closed case"
itest_done
