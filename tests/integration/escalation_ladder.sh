#!/usr/bin/env bash
# Issue 4, acceptance 2 (R8, R15): a phone complaint nobody acts on breaches
# one time limit after another; router answers each committed breach by
# escalating one rung (head, supervising leader, QA office, deputy GM, GM),
# passing over a person a lower rung already named (the hotel's supervising
# leader dgm-01 is also its deputy GM), and the complaint counts one conflict
# escalation (R15) for the department holding it, in the monthly assessment.
source "$(dirname "$0")/lib.sh"
CLOCK=$SHOUWEN_BUILD/itest/escalation_ladder.clock
mkdir -p "$(dirname "$CLOCK")"
at() {
    printf '%s\n' "$(($(date -d "$1 +0800" +%s) * 1000000))" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
}
at "2026-03-02 09:00"
HUB_CLOCK=file:$CLOCK itest_hub escalation_ladder 31870
"$CLI" directory load "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" --by gm-01 >/dev/null
C=$(submit --channel phone --kind complaint --category room_cleaning --request-id ladder \
    --matter "投诉：房间三天没有打扫")
wait_sql "select count(*) from shouwen.events where type='sla.deadline_set' and case_id='$C'" 5 20 ||
    fail "deadlines set"
n=0
for t in "2026-03-02 10:01" "2026-03-02 17:31" "2026-03-03 09:01" "2026-03-05 09:01" "2026-03-09 09:01"; do
    at "$t"
    n=$((n + 1))
    wait_sql "select count(*) from shouwen.events where type='case.escalated' and case_id='$C'" $n 20 ||
        fail "escalation $n after the clock reached $t"
done
check_eq "five breaches, five escalations; dgm-01 is not asked twice" \
    "ESCALATION_LEVEL_HEAD:fo-head:,ESCALATION_LEVEL_SUPERVISING_LEADER:dgm-01:,ESCALATION_LEVEL_QA_OFFICE:qa-01:true,ESCALATION_LEVEL_GM:gm-01:,ESCALATION_LEVEL_GM:gm-01:" \
    "$(sql "select string_agg((body->>'level')||':'||(body->>'to_staff_id')||':'||coalesce(body->>'conflict',''), ','
            order by position) from shouwen.events where type='case.escalated' and case_id='$C'")"
check_eq "each escalation names the breach that caused it" 5 \
    "$(sql "select count(*) from shouwen.events e join shouwen.events b on b.event_id::text = e.body->>'cause_event_id'
            where e.type='case.escalated' and e.case_id='$C' and b.type='sla.breached'")"
check_eq "the complaint reaching the GM: one conflict escalation for front office (R15)" "5|1" \
    "$(sql "select escalations||'|'||conflict_escalations from shouwen.department_assessment('2026-03-01')
            where department_id='front_office'")"
itest_done
