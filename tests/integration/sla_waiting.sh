#!/usr/bin/env bash
# Issue 4: waiting on the customer pauses the clock.  A case waits from
# Monday 10:00 to Tuesday 09:30; its reply deadline (Tuesday 09:00) does not
# breach while it waits, and when the customer is back the deadline moves by
# the paused working time (390 working minutes): to Tuesday 17:30.  sla is
# killed while the case waits: the pause is rebuilt from the log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sla_lib.sh"
sla_hub sla_waiting 30020

W=$(submit --channel visit --kind business --category billing --request-id w)
set_for "$W" || fail "W's deadlines"
REPLY=$(deadline_id "$W" REPLY)
check_eq "R11 reply due Tuesday 09:00" "$(us "2026-03-03 09:00")" \
    "$(sql "select body->>'due_at_us' from shouwen.events where event_id='$REPLY'")"

clock_set "2026-03-02 10:00"
"$CLI" wait "$W" --staff fo-01 --reason "等待客人补充发票抬头" >/dev/null || fail "wait"
wait_sql "select count(*) from shouwen.events where type='case.waiting' and case_id='$W'" 1 20 || fail "case.waiting"

clock_set "2026-03-02 12:00"
hub_stop sla KILL # the pause must come back from the log
hub_start sla
wait_sql "select count(*) from shouwen.events where type='case.waiting'" 1 5
for ((i = 0; i < 100; i++)); do
    [[ $(grep -c "live at position [1-9]" "$HUB/log/sla.log") -ge 1 ]] && break
    sleep 0.1
done
clock_set "2026-03-03 09:30" # past the original due instant
sleep 1
check_eq "no breach while the case waits on the customer (also after a restart)" 0 "$(events sla.breached "$W")"
check_eq "no warning either" 0 "$(events sla.warning "$W")"

"$CLI" resume "$W" --staff fo-01 >/dev/null || fail "resume"
wait_sql "select count(*) from shouwen.events where type='sla.deadline_set' and case_id='$W' and body->>'kind'='DEADLINE_KIND_REPLY'" 2 20 ||
    fail "the moved reply deadline"
check_eq "the old deadline is superseded, naming the paused working time" \
    "superseded: paused 390 working minutes while the case waited on the customer" \
    "$(field sla.deadline_cleared "$REPLY" reason)"
MOVED=$(deadline_id "$W" REPLY 2)
check_eq "the new reply deadline: the 6 working hours left, from Tuesday 09:30" \
    "$(us "2026-03-03 17:30")|fo-01|front_office" \
    "$(sql "select concat_ws('|', body->>'due_at_us', body->>'holder_staff_id', body->>'department_id')
            from shouwen.events where event_id='$MOVED'")"
[[ "$(sql "select body->>'policy' from shouwen.events where event_id='$MOVED'")" == R11*waited* ]] &&
    pass "its policy says it was moved for the wait" || fail "policy text of the moved deadline"
check_eq "every clock of the case moved (reply, completion, stage feedback)" 3 \
    "$(sql "select count(*) from shouwen.events where type='sla.deadline_cleared' and case_id='$W' and body->>'reason' like 'superseded: paused%'")"

clock_set "2026-03-03 17:29"
sleep 0.5
check_eq "not breached before the moved instant" 0 "$(events sla.breached "$W")"
clock_set "2026-03-03 17:31"
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$W'" 1 20 || fail "violation"
check_eq "breached once, at the moved instant, against the holder" "1|$(us "2026-03-03 17:30")|fo-01" \
    "$(events sla.breached "$W")|$(field sla.breached "$MOVED" due_at_us)|$(field sla.breached "$MOVED" holder_staff_id)"
check_eq "the superseded deadline never breaches" 0 \
    "$(sql "select count(*) from shouwen.events where type='sla.breached' and body->>'deadline_event_id'='$REPLY'")"
itest_done
