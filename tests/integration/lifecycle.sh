#!/usr/bin/env bash
# Case lifecycle (issue 3): one scenario per rule, run as `lifecycle.sh RULE`,
# each against the real daemons and PostgreSQL with the sample hotel
# directory.  Assertions read the committed events (shouwen.events) and the
# CLI's answers; rule ids as in shared/spec/REQUIREMENTS.md.
source "$(dirname "$0")/lib.sh"
RULE=${1:?usage: lifecycle.sh RULE}
declare -A PORT=([R3]=0 [R4]=1 [R5]=2 [R6]=3 [R7]=4 [R8]=5 [R9]=6 [R13]=7 [R14]=8 [R16]=9
    [R18]=10 [R19]=11 [R24]=12 [V5]=13 [DIR]=14)
itest_hub "life_$RULE" $((31400 + 20 * ${PORT[$RULE]}))
HOTEL=$SHOUWEN_SOURCE/deploy/directory/hotel.conf

# ev TYPE CASE FIELD: a body field of the case's last event of that type
ev() { sql "select body #>> '{$3}' from shouwen.events where type='$1' and case_id='$2' order by position desc limit 1"; }
count() { sql "select count(*) from shouwen.events where type='$1' and case_id='$2'"; }
# expect_reject CODE CLI-ARGS...: the action is refused with that code
expect_reject() {
    local code=$1 err rc
    shift
    err=$("$CLI" "$@" 2>&1 >/dev/null)
    rc=$?
    if [[ $rc -eq 2 && "$err" == *"$code"* ]]; then pass "$RULE: '$*' refused with $code"
    else fail "$RULE: '$*' expected $code, got rc=$rc '$err'"; fi
}
expect_ok() {
    local out
    if out=$("$CLI" "$@" 2>&1); then pass "$RULE: '$*' accepted"; else fail "$RULE: '$*': $out"; fi
}
# load_variant VERSION SED-EXPR: load the hotel directory changed by SED-EXPR
load_variant() {
    sed -e "s/version = \"hotel-[0-9.]*\"/version = \"$1\"/" -e "$2" "$HOTEL" >"$HUB/$1.conf"
    "$CLI" directory load "$HUB/$1.conf" --by gm-01 >/dev/null || fail "load $1"
}
# awaits the routing decision of a case
routed() { wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id='$1'" 1 20; }

case $RULE in
R3) # in the first owner's scope: handled at once, one-time notification
    C=$(submit --category check_in --request-id r3)
    routed "$C"
    check_eq "R3 check_in by fo-01 is in scope" DISPOSITION_IN_SCOPE "$(ev case.routed "$C" disposition)"
    [[ "$(ev case.routed "$C" notification)" == *有效身份证件* ]] &&
        pass "R3 routing carries the one-time notification items" || fail "R3 notification"
    expect_reject CHECKLIST_INCOMPLETE reply "$C" --staff fo-01 --text "请携带证件办理入住"
    expect_ok reply "$C" --staff fo-01 --text "请携带以下材料办理入住" --checklist \
        "有效身份证件原件（居民身份证、护照或港澳台居民来往内地通行证），每位入住客人均需登记,预订确认号或预订人姓名,押金：信用卡预授权或现金 500 元/间，离店时结清退还,在前台填写并签署入住登记单"
    check_eq "R3 the reply records all four attested items" 4 \
        "$(sql "select jsonb_array_length(body->'checklist_attested') from shouwen.events where type='case.replied' and case_id='$C'")"
    expect_ok progress "$C" --staff fo-01 --text "已为您预留房间，下午两点后可入住"
    check_eq "R3 stage feedback recorded" 1 "$(count case.progress "$C")"
    ;;
R4) # another person of the same department; an absent handler gets a registered hand-over
    C=$(submit --category room_booking --request-id r4)
    routed "$C"
    check_eq "R4 room_booking by fo-01 goes to fo-02 in the same department" \
        "DISPOSITION_SAME_DEPARTMENT|fo-02|fo-01" \
        "$(ev case.routed "$C" disposition)|$(ev case.routed "$C" handler_id)|$(ev case.routed "$C" natural_owner_id)"
    load_variant hotel-r4 '/^    lost_property$/,/^    [a-z]/ s/department = "housekeeping"/department = "housekeeping"\n        handler = "hk-02"/'
    wait_sql "select count(*) from shouwen.events where type='directory.loaded' and body->>'version' like 'hotel-r_'" 1 10
    C2=$(submit --category lost_property --receiver hk-01 --request-id r4b)
    routed "$C2"
    check_eq "R4 handler away: handed over to the handler, registered" "DISPOSITION_SAME_DEPARTMENT|hk-02" \
        "$(ev case.routed "$C2" disposition)|$(ev case.routed "$C2" handler_id)"
    [[ "$(ev case.routed "$C2" reason)" == *away* ]] && pass "R4 the hand-over reason says the handler is away" ||
        fail "R4 reason: $(ev case.routed "$C2" reason)"
    check_eq "R4 register keeps unit, name, phone, matter" "张三|13800000000|测试事项" \
        "$(sql "select customer_name||'|'||customer_phone||'|'||matter from shouwen.first_inquiry_register where case_id='$C2'")"
    ;;
R5) # another department: where and phone for the customer; transfer to it
    C=$(submit --category room_cleaning --request-id r5)
    routed "$C"
    check_eq "R5 routed to housekeeping" "DISPOSITION_OTHER_DEPARTMENT|housekeeping" \
        "$(ev case.routed "$C" disposition)|$(ev case.routed "$C" department_id)"
    [[ "$(ev case.routed "$C" notification)" == *客房部*主楼负一层*0571-8700-1020* ]] &&
        pass "R5 the customer is told the department, its location and phone" || fail "R5 notification"
    expect_ok transfer "$C" --staff fo-01 --to-department housekeeping --reason "客房清洁由客房部负责"
    expect_ok accept "$C" --staff hk-01
    check_eq "R5 after the signed transfer the factual owner is the receiver" "hk-01|fo-01" \
        "$(ev case.accepted "$C" handoff,to_staff_id)|$(ev case.routed "$C" natural_owner_id)"
    ;;
R6) # outside the organisation: explained, guided, closed only with guidance
    C=$(submit --category visa --request-id r6)
    routed "$C"
    check_eq "R6 outside the organisation" DISPOSITION_OUTSIDE_ORGANISATION "$(ev case.routed "$C" disposition)"
    expect_reject REASON_REQUIRED close "$C" --staff fo-01
    expect_reject GUIDANCE_REQUIRED close "$C" --staff fo-01 --reason "已告知客人办理渠道"
    expect_ok close "$C" --staff fo-01 --reason "已告知客人办理渠道" --guidance "已告知客人到出入境管理局办理，电话 0571-87280600"
    [[ "$(ev case.closed "$C" guidance)" == *出入境管理局* ]] &&
        pass "R6 the closed case records the guidance given" || fail "R6 guidance on close"
    C2=$(submit --category check_in --request-id r6b)
    routed "$C2"
    expect_reject NOT_RESOLVED close "$C2" --staff fo-01 --reason "结束"
    ;;
R7) # unclear responsibility or handler on a trip: the supervising leader decides
    C=$(submit --category parking --request-id r7)
    routed "$C"
    check_eq "R7 unclear: the supervising leader of front office decides" "DISPOSITION_UNCLEAR|dgm-01" \
        "$(ev case.routed "$C" disposition)|$(ev case.routed "$C" leader_id)"
    load_variant hotel-r7 '/^    hk-01$/,/^    [a-z]/ s/department = "housekeeping"/department = "housekeeping"\n        availability = trip/'
    wait_sql "select count(*) from shouwen.events where type='directory.loaded' and body->>'version' like 'hotel-r_'" 1 10
    C2=$(submit --category room_cleaning --receiver hk-head --request-id r7b)
    routed "$C2"
    check_eq "R7 handler on a trip: reported to the supervising leader" "DISPOSITION_UNCLEAR|dgm-01|hotel-r7" \
        "$(ev case.routed "$C2" disposition)|$(ev case.routed "$C2" leader_id)|$(ev case.routed "$C2" directory_version)"
    ;;
R8) # urgent, leader unreachable: level by level until a leader decides
    load_variant hotel-r8 '/^    dgm-01$/,/^    [a-z]/ s/department = "gm_office"/department = "gm_office"\n        availability = trip/'
    wait_sql "select count(*) from shouwen.events where type='directory.loaded' and body->>'version' like 'hotel-r_'" 1 10
    C=$(submit --category parking --urgency urgent --request-id r8)
    routed "$C"
    check_eq "R8 urgent and unreachable: escalated" DISPOSITION_URGENT_ESCALATION "$(ev case.routed "$C" disposition)"
    leader=$(ev case.routed "$C" leader_id)
    [[ -n "$leader" && "$leader" != dgm-01 ]] && pass "R8 decided by the next leader on post ($leader)" || fail "R8 leader '$leader'"
    wait_sql "select count(*) from shouwen.events where type='case.escalated' and case_id='$C'" 1 10 &&
        pass "R8 the escalation is recorded" || fail "R8 escalation"
    check_eq "R8 recorded at the rung that decided (QA office; a consultation: no conflict, R15)" \
        "ESCALATION_LEVEL_QA_OFFICE|qa-01|" \
        "$(ev case.escalated "$C" level)|$(ev case.escalated "$C" to_staff_id)|$(ev case.escalated "$C" conflict)"
    ;;
R9) # several departments: order, or their heads; coordination sheet names the lead
    C=$(submit --category wedding_banquet --request-id r9)
    routed "$C"
    check_eq "R9 several departments in order" "DISPOSITION_SEVERAL_DEPARTMENTS|true|food_beverage" \
        "$(ev case.routed "$C" disposition)|$(ev case.routed "$C" order_known)|$(ev case.routed "$C" department_id)"
    check_eq "R9 the departments in their order" '["food_beverage", "front_office", "engineering"]' \
        "$(ev case.routed "$C" department_ids)"
    [[ "$(ev case.routed "$C" notification)" == *餐饮部*"→"*前厅部*"→"*工程部* ]] &&
        pass "R9 the customer is told the order" || fail "R9 notification: $(ev case.routed "$C" notification)"
    C2=$(submit --category conference --request-id r9b)
    routed "$C2"
    [[ "$(ev case.routed "$C2" order_known)" == "" && "$(ev case.routed "$C2" notification)" == *何静* ]] &&
        pass "R9 no order: the heads are named" || fail "R9 heads: $(ev case.routed "$C2" notification)"
    expect_ok coordinate "$C" --staff fo-01 --to-department food_beverage --assisting front_office,engineering --reason "婚宴协调"
    check_eq "R9 the coordination sheet names the lead department" "food_beverage|qa-01" \
        "$(ev case.coordination "$C" lead_department_id)|$(ev case.coordination "$C" supervisor_id)"
    ;;
R13) # nobody refuses: return or forward only with a clear written opinion
    C=$(submit --category room_cleaning --request-id r13)
    routed "$C"
    "$CLI" refuse "$C" --staff hk-01 >/dev/null 2>&1
    check_eq "R13 there is no 'refuse' action" 64 "$?"
    expect_ok transfer "$C" --staff fo-01 --to-department engineering --reason "以为是设备问题"
    expect_reject OPINION_REQUIRED return "$C" --staff en-01
    expect_reject FORBIDDEN_PHRASE return "$C" --staff en-01 --opinion "不归我们管"
    expect_ok forward "$C" --staff en-01 --to-department housekeeping --opinion "经查为客房清洁问题，转客房部处理"
    check_eq "R13 the forward carries the opinion" "经查为客房清洁问题，转客房部处理" "$(ev case.forwarded "$C" handoff,opinion)"
    expect_ok return "$C" --staff hk-01 --opinion "该房间已退房，请前厅部与客人确认后再转"
    check_eq "R13 returned to the sender with the opinion" "engineering|该房间已退房，请前厅部与客人确认后再转" \
        "$(ev case.returned "$C" handoff,to_department_id)|$(ev case.returned "$C" handoff,opinion)"
    ;;
R14) # every handoff signed and time-stamped by sender and receiver
    C=$(submit --category repair --request-id r14)
    routed "$C"
    # the sender signs with the transfer's reason (R13, R14); none is refused
    expect_reject OPINION_REQUIRED transfer "$C" --staff fo-01 --to-department engineering
    expect_ok transfer "$C" --staff fo-01 --to-department engineering --reason "设备维修归工程部"
    expect_reject NOT_RECEIVER accept "$C" --staff hk-01
    expect_ok accept "$C" --staff en-head
    check_eq "R14 both sides signed" "fo-01|en-head" \
        "$(ev case.accepted "$C" handoff,sender_signer_id)|$(ev case.accepted "$C" handoff,receiver_signer_id)"
    check_eq "R14 both signatures carry a time, receiver after sender" "t" \
        "$(sql "select (body#>>'{handoff,receiver_signed_at_us}')::bigint >= (body#>>'{handoff,sender_signed_at_us}')::bigint
                   and (body#>>'{handoff,sender_signed_at_us}')::bigint > 0
                from shouwen.events where type='case.accepted' and case_id='$C'")"
    ;;
R16) # callback by the first owner once handling ends, with a rating
    C=$(submit --category room_cleaning --request-id r16)
    routed "$C"
    expect_ok transfer "$C" --staff fo-01 --to-department housekeeping --reason "客房清洁归客房部"
    expect_ok accept "$C" --staff hk-01
    expect_reject WRONG_STATE callback "$C" --staff fo-01 --reached yes --rating 5
    expect_ok resolve "$C" --staff hk-01 --summary "已完成清洁"
    expect_reject NOT_FIRST_OWNER callback "$C" --staff hk-01 --reached yes --rating 5
    expect_reject RATING_REQUIRED callback "$C" --staff fo-01 --reached yes
    expect_ok callback "$C" --staff fo-01 --reached yes --rating 4 --text "客人满意"
    check_eq "R16 callback recorded with the rating" "true|4" \
        "$(ev case.callback "$C" reached)|$(ev case.callback "$C" rating)"
    ;;
R18) # ping-pong and too many hops lock ownership; coordination sheet; shirking recorded
    C=$(submit --category room_cleaning --request-id r18)
    routed "$C"
    for i in 1 2; do
        expect_ok transfer "$C" --staff fo-01 --to-department engineering --reason "第${i}次转交"
        expect_ok return "$C" --staff en-01 --opinion "第${i}次退回：非工程部职责，属客房清洁"
    done
    wait_sql "select count(*) from shouwen.events where type='violation.recorded' and case_id='$C'" 1 10 &&
        pass "R18 bounced twice: shirking recorded (V1)" || fail "R18 violation"
    check_eq "R18 ownership locked with engineering, which received it twice; sheet to the supervisor" \
        "true|engineering|en-01|qa-01" \
        "$(ev case.coordination "$C" ownership_locked)|$(ev case.coordination "$C" lead_department_id)|$(ev case.coordination "$C" owner_staff_id)|$(ev case.coordination "$C" supervisor_id)"
    check_eq "R18 the violation names who returned it" "VIOLATION_TYPE_SHIRKING|en-01|engineering" \
        "$(ev violation.recorded "$C" type)|$(ev violation.recorded "$C" staff_id)|$(ev violation.recorded "$C" department_id)"
    expect_reject OWNERSHIP_LOCKED transfer "$C" --staff en-01 --to-department housekeeping
    # hop limit: transfer, forward, forward, then a fourth pass is refused
    C2=$(submit --category repair --request-id r18b)
    routed "$C2"
    expect_ok transfer "$C2" --staff fo-01 --to-department housekeeping --reason "先交客房部查看"
    expect_ok forward "$C2" --staff hk-01 --to-department concierge --opinion "非客房部职责，转礼宾部"
    expect_ok forward "$C2" --staff cg-head --to-department food_beverage --opinion "非礼宾部职责，转餐饮部"
    expect_reject OWNERSHIP_LOCKED forward "$C2" --staff fb-head --to-department engineering --opinion "非餐饮部职责，转工程部"
    wait_sql "select count(*) from shouwen.events where type='case.coordination' and case_id='$C2'" 1 10 &&
        pass "R18 past the hop limit: coordination sheet opened" || fail "R18 hop coordination"
    check_eq "R18 shirking recorded against whoever tried the fourth pass" "fb-head" "$(ev violation.recorded "$C2" staff_id)"
    ;;
R19) # a leader's contact only with the leader's permission
    C=$(submit --category parking --request-id r19)
    routed "$C"
    out=$("$CLI" contact-leader "$C" --staff fo-01 --to-staff dgm-01)
    [[ "$out" == *不公开* && "$out" != *13905710002* ]] &&
        pass "R19 the leader's private contact is not disclosed" || fail "R19 disclosed: $out"
    check_eq "R19 the visitor's contact is passed to the leader instead" "false|张三 13800000000" \
        "$(sql "select coalesce(body->>'disclosed','false')||'|'||(body->>'visitor_contact_passed') from shouwen.events where type='case.leader_contact' and case_id='$C'")"
    check_eq "R19 no event of the case holds the private contact" 0 \
        "$(sql "select count(*) from shouwen.events where case_id='$C' and body::text like '%13905710002%'")"
    expect_ok grant-contact "$C" --staff dgm-01
    out=$("$CLI" contact-leader "$C" --staff fo-01 --to-staff dgm-01)
    [[ "$out" == *13905710002* ]] && pass "R19 disclosed after the leader's recorded permission" || fail "R19 after grant: $out"
    out=$("$CLI" contact-leader "$C" --staff fo-01 --to-staff fo-head)
    [[ "$out" == *0571-8700-1002* ]] && pass "R19 a public contact is given at once" || fail "R19 public: $out"
    ;;
R24) # forbidden service phrases
    C=$(submit --category room_cleaning --request-id r24)
    routed "$C"
    err=$("$CLI" reply "$C" --staff fo-01 --text "这个我不清楚，你问别人" 2>&1 >/dev/null)
    [[ $? -eq 2 && "$err" == *FORBIDDEN_PHRASE*不清楚* ]] && pass "R24 reply refused, naming 不清楚" || fail "R24: $err"
    expect_reject FORBIDDEN_PHRASE progress "$C" --staff fo-01 --text "办不了"
    expect_ok reply "$C" --staff fo-01 --text "客人原话引用：不知道房间号" --override-phrases "引用客人原话"
    check_eq "R24 the override is recorded with its reason" "true|引用客人原话" \
        "$(ev case.replied "$C" phrase_override)|$(ev case.replied "$C" override_reason)"
    ;;
V5) # a complaint about first-inquiry conduct is its own case, linked, to the QA office
    C=$(submit --category room_cleaning --request-id v5a)
    routed "$C"
    C2=$(submit --kind complaint --category first_inquiry_conduct --linked-case "$C" \
        --matter "前台推诿，让我自己去找客房部" --request-id v5b)
    [[ "$C2" == SW-* && "$C2" != "$C" ]] && pass "V5 the complaint is a case of its own" || fail "V5 case '$C2'"
    routed "$C2"
    check_eq "V5 linked to the original case and routed to the QA office" "$C|qa_office|DISPOSITION_OTHER_DEPARTMENT" \
        "$(ev inquiry.received "$C2" linked_case_id)|$(ev case.routed "$C2" department_id)|$(ev case.routed "$C2" disposition)"
    err=$(submit --kind complaint --category first_inquiry_conduct --linked-case SW-0000-0000-0000 --request-id v5c 2>&1)
    [[ "$err" == *UNKNOWN_CASE* ]] && pass "V5 a complaint about an unknown case is refused" || fail "V5: $err"
    ;;
DIR) # the directory travels through the log; a bad file is refused with line and reason
    sed 's/department = "housekeeping"/department = "nowhere"/' "$HOTEL" >"$HUB/bad.conf"
    err=$("$CLI" directory load "$HUB/bad.conf" --by gm-01 2>&1)
    [[ $? -eq 2 && "$err" == *BAD_DIRECTORY*nowhere* ]] && pass "a bad directory is refused with the reason" || fail "bad dir: $err"
    printf 'directory\n  version = "bad"\n    oops\n' >"$HUB/bad2.conf"
    err=$("$CLI" directory load "$HUB/bad2.conf" --by gm-01 2>&1)
    [[ "$err" == *"line "* ]] && pass "a ZPL syntax error names its line" || fail "line: $err"
    load_variant hotel-new 's/name = "王芳"/name = "王芳芳"/'
    check_eq "directory.loaded recorded with version and loader" "hotel-new|gm-01" \
        "$(sql "select body->>'version'||'|'||(body->>'loaded_by') from shouwen.events where type='directory.loaded' and body->>'loaded_by' = 'gm-01'")"
    C=$(submit --category check_in --request-id dir1)
    routed "$C"
    check_eq "router applies the new version without restart" hotel-new "$(ev case.routed "$C" directory_version)"
    hub_stop router && hub_start router
    C2=$(submit --category check_in --request-id dir2)
    routed "$C2"
    check_eq "after a restart the version from the log is still in force" hotel-new "$(ev case.routed "$C2" directory_version)"
    ;;
esac
itest_done
