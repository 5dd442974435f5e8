#!/usr/bin/env bash
# Issue 5, acceptance 2: a month of cases built through the real daemons
# (intake, router, sla, audit) on a file clock, then every auditor view's
# figures checked against expectations computed by hand below.
#
# March 2026 (no public holiday; working hours 08:30-12:00, 14:00-17:30
# Asia/Shanghai; policies of deploy/calendar/cn-2026.conf; hotel directory).
# All cases are received by fo-01 (front office) on the visit channel.
#   A  Mon 03-02 room_cleaning consultation: transfer 09:30, reply, resolve, close   on time
#   B  Tue 03-03 room_cleaning consultation: transferred 10:31 > 1 working hour     R10 breach, fo-01's 1st violation: 100
#   C  Wed 03-04 room_cleaning complaint: resolved 10:00, callback 11:00 rating 5   on time, praise
#   D  Thu 03-05 check_in business (in scope): reply Fri 10:00 > 1 working day      R11 breach, fo-01's 2nd: 200 + self-criticism
#   E  Mon 03-09 visa consultation: outside the organisation, closed with guidance
#   F  Tue 03-10 room_cleaning complaint: resolved 09:30, callback Thu 10:00 > 2 WD  R16 breach, fo-01's 3rd: 200 + self-criticism,
#                                                                                   front office's 3rd: department penalty 200
#   then on Mon 03-16 a new directory version names en-head for repairs.
source "$(dirname "$0")/lib.sh"
CLOCK=$SHOUWEN_BUILD/itest/auditing_month.clock
mkdir -p "$(dirname "$CLOCK")"
at() { # at "2026-03-02 09:00": move the hub's clock (Beijing time)
    local us
    us=$(($(date -d "$1 +0800" +%s) * 1000000))
    printf '%s\n' "$us" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
    sleep 0.05
}
at "2026-03-01 08:00"
HUB_CLOCK=file:$CLOCK itest_hub auditing_month 31850
act() { "$CLI" "$@" >/dev/null || fail "action: $*"; }
# the organisation in force from the start, recorded in the log (who was responsible when)
at "2026-03-01 09:00"
act directory load "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" --by gm-01
new_case() { # request-id day category kind
    at "$2 09:00"
    submit --channel visit --category "$3" --kind "$4" --request-id "$1" --name "客人$1" --phone "1380000$((RANDOM % 9000 + 1000))"
}
wait_count() { wait_sql "select count(*) from shouwen.events where type='$1'" "$2" 20 || fail "waited for $2 $1"; }
handle() { # case: transfer at $2, accept, reply, resolve, all the same morning
    at "$2"
    act transfer "$1" --staff fo-01 --to-department housekeeping --reason "客房部负责"
    act accept "$1" --staff hk-01
    act reply "$1" --staff hk-01 --text "已安排处理"
    act resolve "$1" --staff hk-01 --summary "处理完毕"
}

A=$(new_case m-a 2026-03-02 room_cleaning consultation)
handle "$A" "2026-03-02 09:30"
act close "$A" --staff fo-01 --reason "客人满意"

B=$(new_case m-b 2026-03-03 room_cleaning consultation)
at "2026-03-03 10:31"
wait_count sla.breached 1
handle "$B" "2026-03-03 10:31"

C=$(new_case m-c 2026-03-04 room_cleaning complaint)
handle "$C" "2026-03-04 09:10"
at "2026-03-04 11:00"
act callback "$C" --staff fo-01 --reached yes --rating 5

D=$(new_case m-d 2026-03-05 check_in business)
at "2026-03-06 10:00"
wait_count sla.breached 2
act reply "$D" --staff fo-01 --text "请携带材料办理" --checklist \
    "有效身份证件原件（居民身份证、护照或港澳台居民来往内地通行证），每位入住客人均需登记,预订确认号或预订人姓名,押金：信用卡预授权或现金 500 元/间，离店时结清退还,在前台填写并签署入住登记单"
act resolve "$D" --staff fo-01 --summary "已办理"

E=$(new_case m-e 2026-03-09 visa consultation)
at "2026-03-09 09:30"
act close "$E" --staff fo-01 --reason "已告知办理渠道" --guidance "已告知客人到杭州市公安局出入境管理局办理，电话 0571-87280600"

F=$(new_case m-f 2026-03-10 room_cleaning complaint)
handle "$F" "2026-03-10 09:10"
at "2026-03-12 10:00"
wait_count sla.breached 3
act callback "$F" --staff fo-01 --reached yes --rating 3

at "2026-03-16 09:00"
sed -e 's/version = "hotel-[0-9.]*"/version = "hotel-2026.3"/' \
    -e '/^    repair$/,/^    [a-z]/ s/handler = "en-01"/handler = "en-head"/' \
    "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" >"$HUB/hotel-2026.3.conf"
act directory load "$HUB/hotel-2026.3.conf" --by gm-01
at "2026-03-31 17:00"
wait_count violation.recorded 4
sleep 1

# --- the register by day and branch (R1)
check_eq "register_by_day: one inquiry on each of six days" \
    "2026-03-02|1,2026-03-03|1,2026-03-04|1,2026-03-05|1,2026-03-09|1,2026-03-10|1" \
    "$(sql "select string_agg(day::text||'|'||inquiries, ',' order by day)
            from shouwen.register_by_day('2026-03-01','2026-03-31','hotel')")"
# --- one case's timeline and custody chain
check_eq "custody_chain(B): the transfer signed by fo-01, accepted by hk-01" "fo-01|hk-01" \
    "$(sql "select string_agg(coalesce(sender_signer_id,'')||'|'||coalesce(receiver_signer_id,''), ',')
            from shouwen.custody_chain('$B') where receiver_signer_id is not null")"
[[ $(sql "select count(*) from shouwen.case_timeline('$B')") -ge 10 ]] &&
    pass "case_timeline(B) lists the case's events" || fail "case_timeline(B)"
# --- late transfers by person (R10)
check_eq "late_transfers_by_person: fo-01 had 4 transfers due, 1 late, 1 violation of 100 yuan" \
    "fo-01|4|3|1|1|100" \
    "$(sql "select staff_id||'|'||transfers_due||'|'||on_time||'|'||late||'|'||violations||'|'||penalties_yuan
            from shouwen.late_transfers_by_person('2026-03-01') where staff_id='fo-01'")"
check_eq "late_transfers_by_person: the worst lateness is case B's" "00:31:00" \
    "$(sql "select worst_late_by from shouwen.late_transfers_by_person('2026-03-01') where staff_id='fo-01'")"
check_eq "late_transfers: case B, 31 minutes late" "$B|00:31:00" \
    "$(sql "select case_id||'|'||late_by from shouwen.late_transfers where staff_id='fo-01'")"
# --- reply and callback compliance (R11, R16)
check_eq "front office: 2 callbacks due, 1 on time, 1 late" "2|1|1" \
    "$(sql "select callbacks_due||'|'||callbacks_on_time||'|'||callbacks_late
            from shouwen.reply_callback_compliance('2026-03-01') where department_id='front_office'")"
check_eq "housekeeping: 2 callbacks made on its cases, average rating 4.00" "2|2|4.00" \
    "$(sql "select callbacks_made||'|'||customers_reached||'|'||average_rating
            from shouwen.reply_callback_compliance('2026-03-01') where department_id='housekeeping'")"
check_eq "front office: its own reply (case D) was late" "1" \
    "$(sql "select replies_late from shouwen.reply_callback_compliance('2026-03-01') where department_id='front_office'")"
# --- the monthly department assessment (R15, V1-V3)
check_eq "assessment, front office: breaches, violations, penalties, self-criticisms" "3|4|700|2" \
    "$(sql "select breaches||'|'||violations||'|'||penalties_yuan||'|'||self_criticisms
            from shouwen.department_assessment('2026-03-01') where department_id='front_office'")"
check_eq "assessment, housekeeping: 4 cases, ratings 2, praise 1, average 4.00" "4|2|1|4.00" \
    "$(sql "select cases||'|'||ratings||'|'||praise||'|'||average_rating
            from shouwen.department_assessment('2026-03-01') where department_id='housekeeping'")"
check_eq "escalations: one per breach, none a conflict" "3|0" \
    "$(sql "select sum(escalations)||'|'||sum(conflict_escalations) from shouwen.department_assessment('2026-03-01')")"
# --- the QA sample (V4) is reproducible
s1=$(sql "select string_agg(case_id, ',' order by department_id, pick) from shouwen.qa_sample('2026-03-01', 2, 'QA-2026-03')")
s2=$(sql "select string_agg(case_id, ',' order by department_id, pick) from shouwen.qa_sample('2026-03-01', 2, 'QA-2026-03')")
[[ -n "$s1" && "$s1" == "$s2" ]] && pass "qa_sample: the same seed draws the same cases ($s1)" || fail "qa_sample '$s1' '$s2'"
check_eq "qa_sample: at most 2 per department" 0 \
    "$(sql "select count(*) from (select department_id from shouwen.qa_sample('2026-03-01', 2, 'x') group by 1 having count(*) > 2) t")"
# --- who was responsible at a given time
check_eq "responsible_at: repairs by en-01 before the new directory, en-head after" "en-01|en-head" \
    "$(sql "select (select handler_id from shouwen.responsible_at('repair', '2026-03-10 09:00+08'))||'|'||
                   (select handler_id from shouwen.responsible_at('repair', '2026-03-20 09:00+08'))")"
# --- the whole month's log is intact
check_eq "verify_chain over the month's log" "t" "$(sql "select ok from shouwen.verify_chain()")"
itest_done
