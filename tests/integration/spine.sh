#!/usr/bin/env bash
# The spine (issue 2, acceptance 1 and 2): inquiries from a branch through
# intake, audit (PostgreSQL), router and sla, asserted on the rows auditors
# see.  R1 registration, R3-R7 routing dispositions, R11 reply deadline.
source "$(dirname "$0")/lib.sh"
itest_hub spine 31000

# one inquiry per disposition; receiver fo-01 is in front_office
declare -A CASE
for spec in "check_in:in_scope:front_office" "room_booking:same_department:front_office" \
    "room_cleaning:other_department:housekeeping" "visa:outside_organisation:front_office" \
    "parking:unclear:front_office"; do
    IFS=: read -r cat disp dept <<<"$spec"
    out=$(submit --category "$cat" --request-id "spine-$cat" --unit "某贸易公司" 2>&1)
    rc=$?
    check_eq "R1 submit $cat exits 0" 0 "$rc"
    [[ "$out" =~ ^SW-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$ ]] &&
        pass "case id for $cat has the SW- and three groups of four form" || fail "case id '$out'"
    CASE[$cat]=$out
    wait_sql "select count(*) from shouwen.first_inquiry_register where case_id='$out' and reply_due_at is not null" 1 30 ||
        fail "$cat: register row with deadline"
    row=$(sql "select disposition, department_id, natural_owner_id, customer_unit, customer_name, customer_phone, channel
               from shouwen.first_inquiry_register where case_id='$out'")
    check_eq "R3-R7 $cat routed $disp to $dept, register shows R1 fields" \
        "$disp|$dept|fo-01|某贸易公司|张三|13800000000|phone" "$row"
done

# R5: the other department's where and phone reach the customer
note=$(sql "select body->>'notification' from shouwen.events where type='case.routed' and case_id='${CASE[room_cleaning]}'")
[[ "$note" == *客房部*0571-8700-1020* ]] && pass "R5 notification names the department and its phone" ||
    fail "R5 notification: '$note'"
# R4: handler named by the scope
check_eq "R4 same-department handler is fo-02" "fo-02" \
    "$(sql "select handler_id from shouwen.cases where case_id='${CASE[room_booking]}'")"
# R6: guidance recorded
guid=$(sql "select body->>'guidance' from shouwen.events where type='case.routed' and case_id='${CASE[visa]}'")
[[ "$guid" == *出入境* ]] && pass "R6 guidance recorded" || fail "R6 guidance: '$guid'"
# R7: unclear goes to the supervising leader of the receiver's department
check_eq "R7 unclear case goes to the supervising leader dgm-01" "dgm-01" \
    "$(sql "select body->>'leader_id' from shouwen.events where type='case.routed' and case_id='${CASE[parking]}'")"

# R11: reply deadline is after receipt and within a working day plus a weekend
check_eq "R11 reply deadline within 1 working day (+ weekend) of receipt" "t" \
    "$(sql "select bool_and(reply_due_at > received_at and reply_due_at <= received_at + interval '4 days')
            from shouwen.first_inquiry_register")"

# every event was written by audit with gapless positions, in causal order
check_eq "positions are gapless" "t" "$(sql "select max(position) = count(*) from shouwen.events")"
check_eq "each case: received, then routed, then deadline" "t" \
    "$(sql "select bool_and(types = array['inquiry.received','case.routed','sla.deadline_set'])
            from (select array_agg(type order by position) filter (where type <> 'sla.deadline_set'
                  or body->>'kind' = 'DEADLINE_KIND_REPLY') types from shouwen.events where case_id <> '' group by case_id) t")"

# a repeated request id is the same case, never a second one
again=$(submit --category check_in --request-id spine-check_in --unit "某贸易公司")
check_eq "repeated request id answers the same case" "${CASE[check_in]}" "$again"
check_eq "repeated request id recorded once" 1 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id'='spine-check_in'")"
err=$(submit --category check_in --request-id spine-check_in --matter "另一件事" 2>&1 >/dev/null)
rc=$?
check_eq "reused request id with other content is rejected (exit 2)" 2 "$rc"
[[ "$err" == *REQUEST_ID_REUSED* ]] && pass "rejection names REQUEST_ID_REUSED" || fail "got '$err'"

# --json prints the full committed reply
json=$(submit --category luggage --request-id spine-json --json)
[[ "$json" == *'"status":"REPLY_STATUS_OK"'* && "$json" == *'"position":'* && "$json" == *'"case_id":"SW-'* ]] &&
    pass "--json prints status, case id and log position" || fail "json: $json"
pos=$(sed -E 's/.*"position":([0-9]+).*/\1/' <<<"$json")
check_eq "the acknowledged position holds that inquiry" "inquiry.received" \
    "$(sql "select type from shouwen.events where position=$pos")"

# 40 concurrent inquiries of the branch: 40 cases, each routed and given a deadline once
seq 1 40 | xargs -P 8 -I{} "$CLI" submit --channel visit --kind business \
    --name "访客{}" --phone "0571-8888{}" --matter "办理事项{}" --category billing --receiver fo-02 \
    --request-id "load-{}" >/dev/null
check_eq "40 concurrent inquiries acknowledged" 40 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id' like 'load-%'")"
wait_sql "select count(*) from shouwen.first_inquiry_register where reply_due_at is not null" 46 30 &&
    pass "every case routed and given a deadline" || fail "cases without deadline"
check_eq "no case routed or given a deadline twice" "0" \
    "$(sql "select count(*) from (select case_id, type from shouwen.events where type = 'case.routed'
            or (type = 'sla.deadline_set' and body->>'kind' = 'DEADLINE_KIND_REPLY') group by 1,2 having count(*) > 1) d")"
itest_done
