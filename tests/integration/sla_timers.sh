#!/usr/bin/env bash
# Issue 4: every time limit as a timer, on the file test clock, with the real
# daemons and PostgreSQL.  One Monday-to-Wednesday in March 2026 (Shanghai,
# 08:30-12:00 and 14:00-17:30):
#   R10 a transfer left 61 working minutes breaches against the holder, after
#       a warning; a transfer in time meets the clock;
#   R21 a phone call not answered the same day breaches; one answered is met;
#   R11 a reply after 1 working day breaches;
#   R16 a complaint not called back within 2 working days breaches;
#   V2  the second violation in the month brings a self-criticism and 200
#       yuan; a department's third costs the department 200 yuan;
#   and router answers each breach by escalating one rung.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sla_lib.sh"
sla_hub sla_timers 30000

visit() { submit --channel visit "$@"; }

# ---- Monday 09:00: two cases for another department (R10)
A=$(visit --kind consultation --category room_cleaning --request-id a)
B=$(visit --kind consultation --category room_cleaning --request-id b)
set_for "$A" && set_for "$B" || fail "deadlines set for A and B"
TA=$(deadline_id "$A" TRANSFER)
check_eq "R10 transfer clock: 1 working hour, on the first owner" \
    "$(us "2026-03-02 10:00")|$(us "2026-03-02 09:45")|fo-01|front_office" \
    "$(sql "select concat_ws('|', body->>'due_at_us', body->>'warn_at_us', body->>'holder_staff_id', body->>'department_id')
            from shouwen.events where event_id='$TA'")"
check_eq "R11 reply clock: 1 working day, on the handler of the other department" \
    "$(us "2026-03-03 09:00")|hk-01|housekeeping" \
    "$(sql "select concat_ws('|', body->>'due_at_us', body->>'holder_staff_id', body->>'department_id')
            from shouwen.events where type='sla.deadline_set' and case_id='$A' and body->>'kind'='DEADLINE_KIND_REPLY'")"
check_eq "a visit sets no R21 clock; R22 completion of a consultation is 1 working day" "0|$(us "2026-03-03 09:00")" \
    "$(events sla.deadline_set "$A" PHONE_SAME_DAY)|$(sql "select body->>'due_at_us' from shouwen.events
        where type='sla.deadline_set' and case_id='$A' and body->>'kind'='DEADLINE_KIND_COMPLETION'")"

# ---- 09:30: B is transferred in time and signed for
clock_set "2026-03-02 09:30"
"$CLI" transfer "$B" --staff fo-01 --to-department housekeeping --reason "客房清洁由客房部负责" >/dev/null &&
    "$CLI" accept "$B" --staff hk-01 >/dev/null || fail "transfer and accept B"
TB=$(deadline_id "$B" TRANSFER)
wait_sql "select body->>'reason' from shouwen.events where type='sla.deadline_cleared' and body->>'deadline_event_id'='$TB'" \
    "met: case.transferred" 20 && pass "R10 a transfer within the hour meets the clock" || fail "B's transfer clock"
wait_sql "select count(*) from shouwen.events where type='sla.deadline_set' and case_id='$B' and body->>'kind'='DEADLINE_KIND_REPLY'" 2 20 &&
    pass "R11 the receiving department gets its own working day from the transfer" || fail "B's new reply clock"
check_eq "... due one working day after the handoff, for housekeeping" "$(us "2026-03-03 09:30")|housekeeping" \
    "$(sql "select concat_ws('|', body->>'due_at_us', body->>'department_id') from shouwen.events
            where type='sla.deadline_set' and case_id='$B' and body->>'kind'='DEADLINE_KIND_REPLY' order by position desc limit 1")"

# ---- 09:46: A's transfer clock warns; 10:01 (61 working minutes): breached
clock_set "2026-03-02 09:46"
wait_sql "select count(*) from shouwen.events where type='sla.warning' and body->>'deadline_event_id'='$TA'" 1 20 &&
    pass "R10 warning at three quarters of the hour" || fail "A's warning"
check_eq "no breach before the hour is up" 0 "$(events sla.breached "$A")"
clock_set "2026-03-02 10:01"
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$A'" 1 20 ||
    fail "A's violation"
check_eq "R10 breached against the holder: LATE_TRANSFER, fo-01, front office, 100 yuan, first this month" \
    "VIOLATION_TYPE_LATE_TRANSFER|fo-01|front_office|100|1|false|R10" "$(violation_of "$TA")"
check_eq "the warning came before the breach" t \
    "$(sql "select w.position < b.position from shouwen.events w, shouwen.events b
            where w.type='sla.warning' and b.type='sla.breached' and w.body->>'deadline_event_id'='$TA'
              and b.body->>'deadline_event_id'='$TA'")"
check_eq "the breach names the due instant and the holder" "$(us "2026-03-02 10:00")|fo-01|front_office" \
    "$(field sla.breached "$TA" due_at_us)|$(field sla.breached "$TA" holder_staff_id)|$(field sla.breached "$TA" department_id)"
BREACH=$(sql "select event_id from shouwen.events where type='sla.breached' and body->>'deadline_event_id'='$TA'")
wait_sql "select count(*) from shouwen.events where type='case.escalated' and body->>'cause_event_id'='$BREACH'" 1 20 &&
    pass "router answers the breach by escalating one rung ($(sql "select body->>'level' from shouwen.events
        where type='case.escalated' and body->>'cause_event_id'='$BREACH'"))" || fail "escalation of the breach"
check_eq "B, transferred in time, has no transfer breach" 0 "$(events sla.breached "$B" TRANSFER)"

# ---- 10:05: phone and visit cases in front office's own scope
clock_set "2026-03-02 10:05"
C=$(visit --kind business --category billing --receiver fo-02 --request-id c)
D=$(submit --kind business --category billing --receiver fo-01 --request-id d)
E=$(visit --kind complaint --category billing --receiver fo-02 --request-id e)
F=$(submit --kind business --category billing --receiver fo-02 --request-id f)
for x in "$C" "$D" "$E" "$F"; do set_for "$x" || fail "deadlines of $x"; done
check_eq "R21 phone cases get the same-day clock, visits do not" "1|1|0|0" \
    "$(events sla.deadline_set "$D" PHONE_SAME_DAY)|$(events sla.deadline_set "$F" PHONE_SAME_DAY)|$(events sla.deadline_set "$C" PHONE_SAME_DAY)|$(events sla.deadline_set "$E" PHONE_SAME_DAY)"
check_eq "R21 due at the end of the working day" "$(us "2026-03-02 17:30")" \
    "$(sql "select body->>'due_at_us' from shouwen.events where type='sla.deadline_set' and case_id='$D' and body->>'kind'='DEADLINE_KIND_PHONE_SAME_DAY'")"
check_eq "R3 a 5-day matter gets stage feedback every 3 working days" "1|$(us "2026-03-05 10:05")" \
    "$(events sla.deadline_set "$C" STAGE_FEEDBACK)|$(sql "select body->>'due_at_us' from shouwen.events where type='sla.deadline_set' and case_id='$C' and body->>'kind'='DEADLINE_KIND_STAGE_FEEDBACK'")"

# ---- 10:10: E resolved (R16 callback clock); 10:20: F answered on the phone
clock_set "2026-03-02 10:10"
"$CLI" resolve "$E" --staff fo-02 --summary "账单已更正" >/dev/null || fail "resolve E"
wait_sql "select count(*) from shouwen.events where type='sla.deadline_set' and case_id='$E' and body->>'kind'='DEADLINE_KIND_CALLBACK'" 1 20 ||
    fail "E's callback clock"
check_eq "R16 the first owner calls back within 2 working days" "$(us "2026-03-04 10:10")|fo-02|front_office" \
    "$(sql "select concat_ws('|', body->>'due_at_us', body->>'holder_staff_id', body->>'department_id') from shouwen.events
            where type='sla.deadline_set' and case_id='$E' and body->>'kind'='DEADLINE_KIND_CALLBACK'")"
check_eq "resolving meets E's completion clock" "met: case.resolved" \
    "$(field sla.deadline_cleared "$(deadline_id "$E" COMPLETION)" reason)"
clock_set "2026-03-02 10:20"
"$CLI" reply "$F" --staff fo-02 --text "账单明细已通过短信发送" >/dev/null || fail "reply F"
wait_sql "select body->>'reason' from shouwen.events where type='sla.deadline_cleared' and body->>'deadline_event_id'='$(deadline_id "$F" PHONE_SAME_DAY)'" \
    "met: case.replied" 20 && pass "R21 answered the same day: met" || fail "F's phone clock"

# ---- 17:31: D's call was never answered (fo-01's second violation this month)
clock_set "2026-03-02 17:31"
TD=$(deadline_id "$D" PHONE_SAME_DAY)
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$D'" 1 20 || fail "D's violation"
check_eq "R21 breached; V2 the second offence this month: self-criticism and 200 yuan" \
    "VIOLATION_TYPE_TIME_LIMIT_EXCEEDED|fo-01|front_office|200|2|true|R21" "$(violation_of "$TD")"
check_eq "F, answered, has no breach" 0 "$(events sla.breached "$F" PHONE_SAME_DAY)"

# ---- Tuesday 10:06: C was never replied to (R11)
clock_set "2026-03-03 10:06"
TC=$(deadline_id "$C" REPLY)
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$C'" 1 20 || fail "C's violation"
check_eq "R11 a reply after 1 working day breaches against the holder" \
    "VIOLATION_TYPE_TIME_LIMIT_EXCEEDED|fo-02|front_office|100|1|false|R11" "$(violation_of "$TC")"
check_eq "E's callback is not due yet" 0 "$(events sla.breached "$E")"

# ---- Wednesday 10:11: E was never called back (R16)
clock_set "2026-03-04 10:11"
TE=$(deadline_id "$E" CALLBACK)
wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$E'" 1 20 || fail "E's violation"
check_eq "R16 callback missed for 2 working days: breached against the first owner" \
    "VIOLATION_TYPE_TIME_LIMIT_EXCEEDED|fo-02|front_office|200|2|true|R16" "$(violation_of "$TE")"

# ---- the month's accounts
check_eq "V2 front office's third violation of the month costs it 200 yuan, once" "1|200|3|V2" \
    "$(sql "select count(*)||'|'||min(body->>'penalty_yuan')||'|'||min(body->>'occurrence_in_month')||'|'||min(body->>'rule')
            from shouwen.events where type='violation.recorded' and coalesce(body->>'staff_id','')=''
             and body->>'department_id'='front_office'")"
sleep 1 # anything proposed twice would land now
check_eq "every breach has exactly one violation" 0 \
    "$(sql "select count(*) from shouwen.events b where b.type='sla.breached' and (select count(*) from shouwen.events v
            where v.type='violation.recorded' and v.body->>'cause_event_id'=b.event_id::text) <> 1")"
check_eq "no deadline warned, breached or cleared twice" 0 \
    "$(sql "select count(*) from (select type, body->>'deadline_event_id' from shouwen.events
            where type in ('sla.warning','sla.breached','sla.deadline_cleared') group by 1,2 having count(*) > 1) d")"
check_eq "a deadline is never both breached and cleared" 0 \
    "$(sql "select count(*) from shouwen.events b join shouwen.events c on b.body->>'deadline_event_id'=c.body->>'deadline_event_id'
            where b.type='sla.breached' and c.type='sla.deadline_cleared'")"
itest_done
