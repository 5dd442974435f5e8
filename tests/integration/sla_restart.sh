#!/usr/bin/env bash
# Issue 4: restarting sla mid-way emits no duplicate and loses no breach.
# sla is killed (-9) just before a breach instant and started after it; then
# killed right after a breach commits (before or after its violation does);
# then stopped and started cleanly twice.  Every deadline is warned at most
# once, breached exactly once, with exactly one violation.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sla_lib.sh"
sla_hub sla_restart 30040

live_count() { grep -c "live at position [1-9]" "$HUB/log/sla.log"; }
# restart_sla SIGNAL: stop sla with SIGNAL, start it, wait until it is live again
restart_sla() {
    local before
    before=$(live_count)
    hub_stop sla "$1"
    hub_start sla
    for ((i = 0; i < 200; i++)); do
        [[ $(live_count) -gt $before ]] && return 0
        sleep 0.05
    done
    fail "sla live again after $1"
}

R1=$(submit --channel visit --kind business --category billing --request-id r1)
clock_set "2026-03-02 10:00"
R2=$(submit --channel visit --kind business --category billing --receiver fo-02 --request-id r2)
set_for "$R1" && set_for "$R2" || fail "deadlines"
D1=$(deadline_id "$R1" REPLY)
D2=$(deadline_id "$R2" REPLY)

clock_set "2026-03-02 16:20" # R1's warning point (16:15) passed
wait_sql "select count(*) from shouwen.events where type='sla.warning' and body->>'deadline_event_id'='$D1'" 1 20 ||
    fail "R1's warning"

# killed across R1's breach instant (Tuesday 09:00)
clock_set "2026-03-03 08:59"
sleep 0.2
hub_stop sla KILL
clock_set "2026-03-03 09:01"
sleep 0.5
check_eq "sla is down: nothing breached yet" 0 "$(events sla.breached "$R1")"
restart_sla KILL # (already down: just started)
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$R1'" 1 20 &&
    pass "the breach that fell due while sla was down is recorded after the restart" || fail "R1 after restart"

# killed right after R2's breach commits (its violation may not have)
clock_set "2026-03-03 10:01"
for ((i = 0; i < 400; i++)); do
    [[ $(events sla.breached "$R2") == 1 ]] && break
    sleep 0.01
done
restart_sla KILL
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$R2'" 1 20 &&
    pass "R2's violation recorded once sla is back" || fail "R2's violation"

restart_sla TERM
restart_sla KILL
clock_set "2026-03-03 10:30"
sleep 1.5 # anything proposed again would have landed

for pair in "R1:$D1" "R2:$D2"; do
    name=${pair%%:*} id=${pair#*:}
    check_eq "$name: one warning at most, one breach, one violation" "t|1|1" \
        "$(sql "select count(*) <= 1 from shouwen.events where type='sla.warning' and body->>'deadline_event_id'='$id'")|$(sql "select count(*) from shouwen.events where type='sla.breached' and body->>'deadline_event_id'='$id'")|$(violation_of "$id" | wc -l)"
done
check_eq "the violations: R11 against each holder, first and second of the month" \
    "fo-01|1|R11 fo-02|1|R11" \
    "$(sql "select string_agg(concat_ws('|', body->>'staff_id', body->>'occurrence_in_month', body->>'rule'), ' ' order by body->>'staff_id')
            from shouwen.events where type='violation.recorded' and coalesce(body->>'staff_id','') <> ''")"
check_eq "each case still has exactly one deadline of each kind set at routing" 0 \
    "$(sql "select count(*) from (select case_id, body->>'kind' from shouwen.events where type='sla.deadline_set'
            group by 1,2 having count(*) > 1) d")"
check_eq "no event of sla's was recorded twice" 0 \
    "$(sql "select count(*) from (select type, body->>'deadline_event_id' from shouwen.events
            where type in ('sla.warning','sla.breached','sla.deadline_cleared') group by 1,2 having count(*) > 1) d")"
[[ $(live_count) -ge 4 ]] && pass "sla rebuilt its timers from the log at each start ($(live_count) times)" ||
    fail "sla live count $(live_count)"
itest_done
