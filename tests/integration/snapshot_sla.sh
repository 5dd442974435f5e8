#!/usr/bin/env bash
# Issue 10: sla's snapshot.  On a real hub with a file clock: sla writes its
# state on SIGTERM (and every second here, while the log moves), loads it at
# start and replays only the tail; a deadline falling due after each restart
# is still breached exactly once (rows in shouwen.events); a corrupt snapshot
# is not used ("checksum mismatch") and the whole log is replayed, still
# exactly once; after kill -9 the last periodic snapshot is loaded; the
# snapshot of another log (one made anew) is dropped and the log replayed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sla_lib.sh"
export HUB_SNAPSHOT_INTERVAL_S=1
sla_hub snapshot_sla 31450
LOG=$HUB/log/sla.log
SNAP=$HUB/state/sla.snapshot

# restart_sla SIGNAL: stop sla with SIGNAL, start it, wait until it is live
restart_sla() {
    local before
    before=$(grep -c "live at position" "$LOG")
    hub_stop sla "$1"
    hub_start sla
    wait_log "$LOG" "live at position" 30 $((before + 1)) || fail "sla live again after $1"
}
head_position() { sql "select max(position) from shouwen.events"; }
# last_line PATTERN: the log's last line matching PATTERN
last_line() { grep -- "$1" "$LOG" | tail -n 1; }

grep -q "snapshot: $SNAP not used (none): replaying the whole log" "$LOG" &&
    pass "first start: no snapshot yet, the whole log replayed" || fail "first start: $(last_line 'snapshot:')"

R1=$(submit --channel visit --kind business --category billing --request-id r1)
clock_set "2026-03-02 10:00"
R2=$(submit --channel visit --kind business --category billing --receiver fo-02 --request-id r2)
set_for "$R1" && set_for "$R2" || fail "deadlines set"
D1=$(deadline_id "$R1" REPLY)
D2=$(deadline_id "$R2" REPLY)
wait_log "$LOG" "(periodic)" 10 && pass "a periodic snapshot while the log moves" ||
    fail "no periodic snapshot: $(last_line 'snapshot:')"

# ---- SIGTERM: written at the position applied, loaded, only the tail replayed
sleep 0.5 # sla has applied its own deadlines
hub_stop sla TERM
written=$(last_line "(SIGTERM)")
N=$(sed -n 's/.*snapshot: position \([0-9]*\) .*/\1/p' <<<"$written")
[[ -n "$N" && -s "$SNAP" ]] && pass "SIGTERM: snapshot written at position $N" || fail "SIGTERM: '$written'"
set_pos=$(sql "select max(position) from shouwen.events where type='sla.deadline_set' and case_id='$R2'")
[[ -n "$N" && $N -ge $set_pos ]] && pass "the snapshot holds R2's committed deadline (position $set_pos)" ||
    fail "snapshot position $N before R2's deadline at $set_pos"
R3=$(submit --channel visit --kind business --category billing --receiver fo-03 --request-id r3) # the tail
wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id='$R3'" 1 20 || fail "R3 routed"
before=$(grep -c "live at position" "$LOG")
hub_start sla
wait_log "$LOG" "live at position" 30 $((before + 1)) || fail "sla live after SIGTERM"
loaded=$(last_line "snapshot: loaded")
[[ "$loaded" == *"snapshot: loaded position $N ("*"from $SNAP in "*"replaying the tail"* ]] &&
    pass "restart: loaded position $N" || fail "restart: '$loaded'"
grep -q "snapshot: event at position $N matches" "$LOG" && pass "the event at position $N is the snapshot's" ||
    fail "no event check: $(last_line 'snapshot:')"
replayed=$(last_line "replayed positions")
[[ "$replayed" == *"replayed positions $((N + 1))..$((N + 1))"* || "$replayed" == *"replayed positions $((N + 1))."* ]] &&
    pass "only the tail replayed: $replayed" || fail "tail: '$replayed'"
events=$(sed -n 's/.*(\([0-9]*\) events).*/\1/p' <<<"$replayed")
all=$(head_position)
[[ -n "$events" && $events -lt $((all / 2)) ]] && pass "the tail ($events events) is not the log ($all)" ||
    fail "replayed $events of $all events"
set_for "$R3" && pass "sla sets R3's deadline, recorded while it was down" || fail "R3's deadline"
D3=$(deadline_id "$R3" REPLY)
wait_log "$HUB/run/sla.health" '"snapshot_position"' 10 && pass "health shows snapshot_position" ||
    fail "health: $(cat "$HUB/run/sla.health" 2>/dev/null)"

# R1 falls due (Tuesday 09:00) after the restart: breached exactly once
clock_set "2026-03-03 09:01"
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$R1'" 1 20 &&
    pass "R1 breached after the snapshot restart, its violation recorded" || fail "R1's breach"

# ---- a corrupt snapshot: not used, the whole log replayed
hub_stop sla TERM
size=$(stat -c %s "$SNAP")
printf 'X' | dd of="$SNAP" bs=1 seek=$((size - 20)) conv=notrunc status=none
hub_start sla
wait_log "$LOG" "not used (checksum mismatch): replaying the whole log" 20 &&
    pass "corrupt snapshot: not used (checksum mismatch)" || fail "corrupt: $(last_line 'snapshot:')"
wait_log "$LOG" "replayed positions 1\.\." 30 && pass "corrupt snapshot: the whole log replayed from 1" ||
    fail "full replay: $(last_line 'replayed positions')"
clock_set "2026-03-03 10:01" # R2 falls due
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$R2'" 1 20 &&
    pass "R2 breached after the full replay" || fail "R2's breach"

# ---- kill -9: the last periodic snapshot, then the tail
wait_log "$LOG" "(periodic)" 10 2 || fail "no periodic snapshot after the replay"
sleep 1.2
restart_sla KILL
loaded=$(last_line "snapshot: loaded")
grep -c "snapshot: loaded position" "$LOG" | grep -q '^2$' && pass "kill -9: the periodic snapshot loaded: $loaded" ||
    fail "kill -9: $(last_line 'snapshot:')"
clock_set "2026-03-04 10:01" # R3 (fo-03, received Monday 10:00) is long due
wait_sql "select count(*) from shouwen.events where type='sla.breached' and body->>'deadline_event_id'='$D3'" 1 20 &&
    pass "R3's reply deadline breached after kill -9" || fail "R3's breach"
for ((i = 0; i < 100; i++)); do [[ $(violation_of "$D3" | wc -l) -ge 1 ]] && break; sleep 0.1; done
restart_sla TERM
clock_set "2026-03-04 10:30"
sleep 1.5 # anything proposed again would have landed

for pair in "R1:$D1" "R2:$D2" "R3:$D3"; do
    name=${pair%%:*} id=${pair#*:}
    check_eq "$name: one warning at most, one breach, one violation" "t|1|1" \
        "$(sql "select count(*) <= 1 from shouwen.events where type='sla.warning' and body->>'deadline_event_id'='$id'")|$(sql "select count(*) from shouwen.events where type='sla.breached' and body->>'deadline_event_id'='$id'")|$(violation_of "$id" | wc -l)"
done
check_eq "each case has exactly one deadline of each kind set at routing" 0 \
    "$(sql "select count(*) from (select case_id, body->>'kind' from shouwen.events where type='sla.deadline_set'
            group by 1,2 having count(*) > 1) d")"
check_eq "no event of sla's was recorded twice" 0 \
    "$(sql "select count(*) from (select type, body->>'deadline_event_id' from shouwen.events
            where type in ('sla.warning','sla.breached','sla.deadline_cleared') group by 1,2 having count(*) > 1) d")"

# ---- a log made anew: the old snapshot's event is not at its position
OLD=$SHOUWEN_BUILD/itest/snapshot_sla.old-snapshot
cp "$SNAP" "$OLD"
OLD_N=$(sed -n 's/.*snapshot: position \([0-9]*\) .*(SIGTERM).*/\1/p' "$LOG" | tail -n 1)
hub_destroy
rm -rf "$HUB"
sla_hub snapshot_sla_anew 31470
LOG=$HUB/log/sla.log
SNAP=$HUB/state/sla.snapshot
for i in 1 2 3 4 5 6; do
    C=$(submit --channel visit --kind business --category billing --request-id anew$i)
done
set_for "$C" || fail "the new log's deadlines"
for ((i = 0; i < 100; i++)); do [[ $(head_position) -gt $OLD_N ]] && break; submit --request-id more$i >/dev/null; sleep 0.1; done
sleep 0.5
hub_stop sla TERM
cp "$OLD" "$SNAP"
hub_start sla
wait_log "$LOG" "is not the log the snapshot of position $OLD_N was taken from (another event at position $OLD_N): dropping it and replaying the whole log" 20 &&
    pass "another log: the snapshot of position $OLD_N is dropped" || fail "another log: $(last_line 'snapshot:')"
wait_log "$LOG" "replayed positions 1\.\." 30 2 && pass "another log: replayed from position 1" ||
    fail "another log: $(last_line 'replayed positions')"
D=$(deadline_id "$C" REPLY)
clock_set "2026-03-03 09:01"
wait_sql "select count(*) from shouwen.events where type='sla.breached' and body->>'deadline_event_id'='$D'" 1 20 &&
    pass "another log: its own deadline breached" || fail "another log: no breach"
sleep 1
check_eq "another log: no event of sla's recorded twice" 0 \
    "$(sql "select count(*) from (select type, body->>'deadline_event_id' from shouwen.events
            where type in ('sla.warning','sla.breached','sla.deadline_cleared') group by 1,2 having count(*) > 1) d")"
check_eq "another log: each case has one deadline of each kind set at routing" 0 \
    "$(sql "select count(*) from (select case_id, body->>'kind' from shouwen.events where type='sla.deadline_set'
            group by 1,2 having count(*) > 1) d")"
rm -f "$OLD"
itest_done
