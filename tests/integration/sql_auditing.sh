#!/usr/bin/env bash
# sql_auditing: the auditors' PostgreSQL (issue 5), without the daemons.
#
# Builds March 2026 of a hotel's first-inquiry history by calling
# shouwen.append_batch as shouwen_writer with hand-written events, in time
# order: 30 cases of three departments (front_office, housekeeping,
# engineering) and two branches, with transfers on time and late, a return,
# a forward, a coordination sheet, replies on time and late, breaches,
# violations with penalties, callbacks with ratings, escalations to the head,
# the QA office and the GM, a case outside the organisation, a reopened case,
# a case waiting on the customer, and two organisation directory versions.
# Every auditor view and function is then checked against figures computed
# by hand from the list below (the comments give the arithmetic), in
# Beijing time (SET TimeZone = 'Asia/Shanghai').  Then: the hash chain
# check on a clean and on a tampered log, and the roles' privileges.
source "$(dirname "$0")/sqllib.sh"

sqllib_cluster sql_auditing 30401 30499
sqllib_migrate

# ---------------------------------------------------------------- events

EVENTS="$SQLLIB_TMP/events.tsv"
: >"$EVENTS"
N=0                     # event counter: ids, producer_seq, envelope
declare -A DL_ID DL_KIND DL_DUE DL_HOLDER DL_DEPT RECV EV_ID

id() { printf '00000000-0000-8000-8000-%012d' "$1"; }

# "MM-DD HH:MM" (Beijing time, 2026) as UTC microseconds.
us() { echo "$(($(date -u -d "2026-$1 +0800" +%s) * 1000000))"; }

# emit TYPE CASE TIME PRODUCER ACTOR BODY: one proposed event, in time order later.
emit() {
    N=$((N + 1))
    local t case_field=""
    t=$(us "$3")
    [[ -n "$2" ]] && case_field="\"case_id\":\"$2\","
    printf '%s\t{"event_id":"%s","type":"%s",%s"case_version":0,"producer":"%s","producer_seq":%d,"actor":"%s","occurred_at_us":%s,"body":%s,"envelope":"0a10%06x"}\n' \
        "$t" "$(id $N)" "$1" "$case_field" "$4" "$N" "$5" "$t" "$6" "$N" >>"$EVENTS"
}


# inquiry CASE TIME BRANCH CHANNEL KIND CATEGORY RECEIVER URGENCY NAME
inquiry() {
    RECV[$1]=$7
    emit inquiry.received "$1" "$2" intake "$7" "{\"branch_id\":\"$3\",\"request_id\":\"r-$1\",\"channel\":\"CHANNEL_$4\",\"kind\":\"REQUEST_KIND_$5\",\"customer\":{\"unit\":\"某公司\",\"name\":\"$9\",\"phone\":\"13800000000\"},\"matter\":\"$6 事项\",\"category\":\"$6\",\"urgency\":\"URGENCY_$8\",\"receiver_staff_id\":\"$7\",\"received_at_us\":$(us "$2")}"
    EV_ID[$1.inquiry]=$(id $N)
}
# routed CASE TIME DISPOSITION DEPARTMENT FACTUAL_OWNER HANDLER [GUIDANCE]
routed() {
    emit case.routed "$1" "$2" router router "{\"disposition\":\"DISPOSITION_$3\",\"natural_owner_id\":\"${RECV[$1]}\",\"factual_owner_id\":\"$5\",\"handler_id\":\"$6\",\"department_id\":\"$4\",\"notification\":\"$4 窗口\",\"guidance\":\"${7:-}\",\"directory_version\":\"hotel-2026.1\"}"
}
# deadline LABEL CASE TIME KIND DUE HOLDER DEPARTMENT
deadline() {
    emit sla.deadline_set "$2" "$3" sla sla "{\"kind\":\"DEADLINE_KIND_$4\",\"due_at_us\":$(us "$5"),\"warn_at_us\":$(($(us "$5") - 1800000000)),\"holder_staff_id\":\"$6\",\"department_id\":\"$7\",\"policy\":\"$4 limit\"}"
    DL_ID[$1]=$(id $N); DL_KIND[$1]=$4; DL_DUE[$1]=$(us "$5"); DL_HOLDER[$1]=$6; DL_DEPT[$1]=$7
}
warn() { # CASE TIME LABEL
    emit sla.warning "$1" "$2" sla sla "{\"kind\":\"DEADLINE_KIND_${DL_KIND[$3]}\",\"due_at_us\":${DL_DUE[$3]},\"deadline_event_id\":\"${DL_ID[$3]}\",\"holder_staff_id\":\"${DL_HOLDER[$3]}\"}"
}
breach() { # CASE TIME LABEL
    emit sla.breached "$1" "$2" sla sla "{\"kind\":\"DEADLINE_KIND_${DL_KIND[$3]}\",\"due_at_us\":${DL_DUE[$3]},\"deadline_event_id\":\"${DL_ID[$3]}\",\"holder_staff_id\":\"${DL_HOLDER[$3]}\",\"department_id\":\"${DL_DEPT[$3]}\"}"
    EV_ID[$3.breach]=$(id $N)
}
clear() { # CASE TIME LABEL REASON
    emit sla.deadline_cleared "$1" "$2" sla sla "{\"deadline_event_id\":\"${DL_ID[$3]}\",\"reason\":\"$4\"}"
}
# handoff TYPE CASE TIME HOP FROM FROM_DEPT TO TO_DEPT SENDER SENT RECEIVER RECEIVED OPINION
handoff() {
    local h="\"hop\":$4,\"from_staff_id\":\"$5\",\"from_department_id\":\"$6\",\"to_staff_id\":\"$7\",\"to_department_id\":\"$8\""
    [[ -n "$9" ]] && h="$h,\"sender_signer_id\":\"$9\",\"sender_signed_at_us\":$(us "${10}")"
    [[ -n "${11}" ]] && h="$h,\"receiver_signer_id\":\"${11}\",\"receiver_signed_at_us\":$(us "${12}")"
    [[ -n "${13}" ]] && h="$h,\"opinion\":\"${13}\""
    emit "case.$1" "$2" "$3" router "${9:-${11}}" "{\"handoff\":{$h}}"
}
transfer() { handoff transferred "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$4" "$2" "" "" ""; }      # CASE TIME HOP FROM FDEPT TO TDEPT
accept() { handoff accepted "$1" "$2" "$3" "$4" "$5" "$6" "$7" "" "" "$8" "$2" ""; }           # ... SIGNER
return_() { handoff returned "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$4" "$2" "$6" "$9" "$8"; }   # ... OPINION RECEIVED
forward() { handoff forwarded "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$4" "$2" "" "" "$8"; }      # ... OPINION
reply() { emit case.replied "$1" "$2" router "$3" "{\"text\":\"已答复\",\"checklist_attested\":[\"materials\",\"location\"]}"; }
progress() { emit case.progress "$1" "$2" router "$3" "{\"text\":\"$4\"}"; }
resolve() { emit case.resolved "$1" "$2" router "$3" "{\"summary\":\"已办结\"}"; }
callback() { # CASE TIME STAFF REACHED RATING
    local b="\"note\":\"回访\""
    [[ "$4" == true ]] && b="$b,\"reached\":true"
    [[ "$5" != 0 ]] && b="$b,\"rating\":$5"
    emit case.callback "$1" "$2" router "$3" "{$b}"
}
close() { emit case.closed "$1" "$2" router "$3" "{\"reason\":\"$4\",\"guidance\":\"${5:-}\"}"; }
reopen() { emit case.reopened "$1" "$2" router "$3" "{\"reason\":\"$4\"}"; }
waiting() { emit case.waiting "$1" "$2" router "$3" "{\"waiting\":$4,\"reason\":\"材料\"}"; }
# escalate CASE TIME LEVEL TO DEPARTMENT CONFLICT REASON [CAUSE_LABEL]
escalate() {
    local cause=""
    [[ -n "${8:-}" ]] && cause=",\"cause_event_id\":\"${EV_ID[$8.breach]}\""
    local conflict=""
    [[ "$6" == true ]] && conflict=",\"conflict\":true"
    emit case.escalated "$1" "$2" router router "{\"level\":\"ESCALATION_LEVEL_$3\",\"to_staff_id\":\"$4\",\"department_id\":\"$5\",\"reason\":\"$7\"$conflict$cause}"
}
coordinate() { # CASE TIME LEAD ASSISTING SUPERVISOR
    emit case.coordination "$1" "$2" router router "{\"lead_department_id\":\"$3\",\"assisting_department_ids\":[\"$4\"],\"supervisor_id\":\"$5\",\"reason\":\"多部门\",\"ownership_locked\":true}"
}
# violation CASE TIME TYPE STAFF DEPARTMENT PENALTY OCCURRENCE SELF_CRITICISM RULE
violation() {
    local sc=""
    [[ "$8" == true ]] && sc=",\"self_criticism\":true"
    emit violation.recorded "$1" "$2" sla sla "{\"type\":\"VIOLATION_TYPE_$3\",\"staff_id\":\"$4\",\"department_id\":\"$5\",\"penalty_yuan\":$6,\"occurrence_in_month\":$7$sc,\"rule\":\"$9\"}"
}
leader_contact() { emit case.leader_contact "$1" "$2" router "$3" "{\"leader_id\":\"dgm-01\",\"visitor_contact_passed\":\"13800000000\"}"; }
directory() { # TIME KIND VERSION CONTENT
    emit directory.loaded "" "$1" intake admin-01 "{\"kind\":\"$2\",\"version\":\"$3\",\"content\":\"$(sqllib_hex "$4")\",\"digest\":\"ab12\",\"loaded_by\":\"admin-01\",\"entries\":$(sqllib_entries "$4")}"
}

FO=front_office
HK=housekeeping
EN=engineering

# Two versions of the organisation: on 03-15 repairs go to en-02 instead of
# en-01 and lost property moves from housekeeping to the front office.
DIR1='# the hotel, version 1
directory
    version = "hotel-2026.1"
    default_leader = "gm-01"    # decides when nobody else does

department
    front_office
        name = "前厅部"
        head = "fo-head"
        leader = "dgm-01"
    housekeeping
        name = "客房部"
        head = "hk-head"
        leader = "dgm-01"
    engineering
        name = "工程部"
        head = "en-head"
        leader = "dgm-02"
scope
    room_booking
        department = "front_office"
        handler = "fo-02"
    check_in
        department = front_office
    room_cleaning
        department = "housekeeping"
        handler = '"'"'hk-01'"'"'
    lost_property
        department = "housekeeping"
    repair
        department = "engineering"
        handler = "en-01"   # 报修 (R27)
outside
    visa
        guidance = "签证事宜请咨询出入境管理局 # 0571-87280600"'
DIR2=${DIR1//hotel-2026.1/hotel-2026.2}
DIR2=${DIR2//'handler = "en-01"'/'handler = "en-02"'}
DIR2=$(printf '%s' "$DIR2" | awk '/^    lost_property/{lp=1} lp && /department =/{sub(/"housekeeping"/, "\"front_office\""); lp=0} {print}')
BADCAL='offices
    default
      zone = Asia/Shanghai'

directory "02-20 09:00" organisation hotel-2026.1 "$DIR1"
directory "03-15 10:00" organisation hotel-2026.2 "$DIR2"
directory "03-15 10:05" calendar cn-2026-broken "$BADCAL"

# C01..C30: SW-2603-0000-00NN.  Dispositions: in scope (R3) handled by the
# receiver; other department (R5) transferred within 1 hour (R10) and
# accepted; replies due in 1 day (R11); complaints called back within 2
# days (R16).
c() { printf 'SW-2603-0000-%04d' "$1"; }

# C01, C02: in scope, replied on time.
inquiry "$(c 1)" "03-02 09:00" hotel-a PHONE CONSULTATION room_booking fo-01 NORMAL 张一
routed "$(c 1)" "03-02 09:01" IN_SCOPE $FO fo-01 fo-01
deadline c1r "$(c 1)" "03-02 09:01" REPLY "03-03 09:00" fo-01 $FO
reply "$(c 1)" "03-02 10:00" fo-01; clear "$(c 1)" "03-02 10:00" c1r met
resolve "$(c 1)" "03-02 10:05" fo-01; close "$(c 1)" "03-02 10:10" fo-01 answered

inquiry "$(c 2)" "03-02 10:00" hotel-a VISIT CONSULTATION room_booking fo-02 NORMAL 张二
routed "$(c 2)" "03-02 10:01" IN_SCOPE $FO fo-02 fo-02
deadline c2r "$(c 2)" "03-02 10:01" REPLY "03-03 10:00" fo-02 $FO
reply "$(c 2)" "03-02 11:00" fo-02; clear "$(c 2)" "03-02 11:00" c2r met
resolve "$(c 2)" "03-02 11:05" fo-02; close "$(c 2)" "03-02 11:10" fo-02 answered

# C03 (23:30, day 03-02) and C04 (00:30 Beijing, 03-03; still 03-02 in UTC).
inquiry "$(c 3)" "03-02 23:30" hotel-b PHONE HELP room_cleaning fo-01 URGENT 张三
routed "$(c 3)" "03-02 23:31" OTHER_DEPARTMENT $HK fo-01 hk-01
deadline c3t "$(c 3)" "03-02 23:31" TRANSFER "03-03 00:30" fo-01 $FO
deadline c3r "$(c 3)" "03-02 23:31" REPLY "03-03 23:30" hk-01 $HK
transfer "$(c 3)" "03-02 23:50" 1 fo-01 $FO hk-01 $HK; clear "$(c 3)" "03-02 23:50" c3t met
accept "$(c 3)" "03-03 00:10" 1 fo-01 $FO hk-01 $HK hk-head
reply "$(c 3)" "03-03 08:00" hk-01; clear "$(c 3)" "03-03 08:00" c3r met
resolve "$(c 3)" "03-03 09:00" hk-01; close "$(c 3)" "03-03 09:30" hk-01 done

inquiry "$(c 4)" "03-03 00:30" hotel-b PHONE CONSULTATION room_cleaning fo-02 NORMAL 张四
routed "$(c 4)" "03-03 00:31" OTHER_DEPARTMENT $HK fo-02 hk-01
deadline c4t "$(c 4)" "03-03 00:31" TRANSFER "03-03 01:30" fo-02 $FO
deadline c4r "$(c 4)" "03-03 00:31" REPLY "03-04 00:30" hk-01 $HK
transfer "$(c 4)" "03-03 01:00" 1 fo-02 $FO hk-02 $HK; clear "$(c 4)" "03-03 01:00" c4t met
accept "$(c 4)" "03-03 01:20" 1 fo-02 $FO hk-02 $HK hk-02
reply "$(c 4)" "03-03 09:00" hk-02; clear "$(c 4)" "03-03 09:00" c4r met
resolve "$(c 4)" "03-03 09:10" hk-02; close "$(c 4)" "03-03 09:20" hk-02 done

# C05: transferred 40 minutes late: breach, violation (100 yuan, 1st of fo-01).
inquiry "$(c 5)" "03-04 09:00" hotel-a PHONE REPAIR repair fo-01 NORMAL 张五
routed "$(c 5)" "03-04 09:01" OTHER_DEPARTMENT $EN fo-01 en-01
deadline c5t "$(c 5)" "03-04 09:01" TRANSFER "03-04 10:00" fo-01 $FO
deadline c5r "$(c 5)" "03-04 09:01" REPLY "03-05 09:00" en-01 $EN
breach "$(c 5)" "03-04 10:00" c5t
violation "$(c 5)" "03-04 10:00" LATE_TRANSFER fo-01 $FO 100 1 false R10
transfer "$(c 5)" "03-04 10:40" 1 fo-01 $FO en-01 $EN; clear "$(c 5)" "03-04 10:40" c5t met
accept "$(c 5)" "03-04 10:50" 1 fo-01 $FO en-01 $EN en-head
reply "$(c 5)" "03-04 15:00" en-01; clear "$(c 5)" "03-04 15:00" c5r met
resolve "$(c 5)" "03-04 16:00" en-01; close "$(c 5)" "03-04 16:10" en-01 done

# C06: complaint; housekeeping returns it with an opinion (R13), which
# lifts its reply limit (superseded: void, counted nowhere); the front
# office transfers it to engineering, which accepts and gets its own reply
# limit; callback rating 4.
inquiry "$(c 6)" "03-05 09:00" hotel-a VISIT COMPLAINT room_cleaning fo-02 NORMAL 张六
routed "$(c 6)" "03-05 09:01" OTHER_DEPARTMENT $HK fo-02 hk-01
deadline c6t "$(c 6)" "03-05 09:01" TRANSFER "03-05 10:00" fo-02 $FO
deadline c6r "$(c 6)" "03-05 09:01" REPLY "03-06 09:00" hk-01 $HK
transfer "$(c 6)" "03-05 09:20" 1 fo-02 $FO hk-01 $HK; clear "$(c 6)" "03-05 09:20" c6t met
accept "$(c 6)" "03-05 09:30" 1 fo-02 $FO hk-01 $HK hk-head
return_ "$(c 6)" "03-05 11:00" 2 hk-01 $HK fo-02 $FO 设备故障应由工程部处理 "03-05 11:05"
clear "$(c 6)" "03-05 11:00" c6r "superseded: case.returned"
transfer "$(c 6)" "03-05 11:30" 3 fo-02 $FO en-02 $EN
deadline c6r2 "$(c 6)" "03-05 11:30" REPLY "03-06 11:30" en-02 $EN
accept "$(c 6)" "03-05 11:40" 3 fo-02 $FO en-02 $EN en-head
reply "$(c 6)" "03-05 16:00" en-02; clear "$(c 6)" "03-05 16:00" c6r2 "met: case.replied"
resolve "$(c 6)" "03-05 17:00" en-02
deadline c6c "$(c 6)" "03-05 17:00" CALLBACK "03-07 17:00" fo-02 $FO
callback "$(c 6)" "03-06 10:00" fo-02 true 4; clear "$(c 6)" "03-06 10:00" c6c met
close "$(c 6)" "03-06 10:05" fo-02 done

# C07: housekeeping forwards it to the front office (lost property).
inquiry "$(c 7)" "03-06 14:00" hotel-b HOTLINE CONSULTATION lost_property fo-01 NORMAL 张七
routed "$(c 7)" "03-06 14:01" OTHER_DEPARTMENT $HK fo-01 hk-02
deadline c7t "$(c 7)" "03-06 14:01" TRANSFER "03-06 15:00" fo-01 $FO
deadline c7r "$(c 7)" "03-06 14:01" REPLY "03-07 14:00" hk-02 $HK
transfer "$(c 7)" "03-06 14:10" 1 fo-01 $FO hk-02 $HK; clear "$(c 7)" "03-06 14:10" c7t met
accept "$(c 7)" "03-06 14:15" 1 fo-01 $FO hk-02 $HK hk-head
forward "$(c 7)" "03-06 15:00" 2 hk-02 $HK fo-02 $FO 失物已移交前厅部保管
accept "$(c 7)" "03-06 15:10" 2 hk-02 $HK fo-02 $FO fo-head
reply "$(c 7)" "03-06 17:00" fo-02; clear "$(c 7)" "03-06 17:00" c7r met
resolve "$(c 7)" "03-06 17:10" fo-02; close "$(c 7)" "03-06 17:20" fo-02 done

# C08: reply 2 hours late (breach, 200 yuan, en-01); escalated to the head.
inquiry "$(c 8)" "03-09 09:00" hotel-a PHONE REPAIR repair fo-02 NORMAL 张八
routed "$(c 8)" "03-09 09:01" OTHER_DEPARTMENT $EN fo-02 en-01
deadline c8t "$(c 8)" "03-09 09:01" TRANSFER "03-09 10:00" fo-02 $FO
deadline c8r "$(c 8)" "03-09 09:01" REPLY "03-10 09:00" en-01 $EN
transfer "$(c 8)" "03-09 09:30" 1 fo-02 $FO en-01 $EN; clear "$(c 8)" "03-09 09:30" c8t met
accept "$(c 8)" "03-09 09:40" 1 fo-02 $FO en-01 $EN en-head
breach "$(c 8)" "03-10 09:00" c8r
violation "$(c 8)" "03-10 09:00" TIME_LIMIT_EXCEEDED en-01 $EN 200 1 false R11
escalate "$(c 8)" "03-10 09:05" HEAD en-head $EN false "reply overdue" c8r
reply "$(c 8)" "03-10 11:00" en-01; clear "$(c 8)" "03-10 11:00" c8r met
resolve "$(c 8)" "03-10 12:00" en-01; close "$(c 8)" "03-10 12:10" en-01 done

# C09: complaint, callback rating 5.
inquiry "$(c 9)" "03-10 10:00" hotel-a PHONE COMPLAINT room_cleaning fo-01 NORMAL 张九
routed "$(c 9)" "03-10 10:01" OTHER_DEPARTMENT $HK fo-01 hk-01
deadline c9t "$(c 9)" "03-10 10:01" TRANSFER "03-10 11:00" fo-01 $FO
deadline c9r "$(c 9)" "03-10 10:01" REPLY "03-11 10:00" hk-01 $HK
transfer "$(c 9)" "03-10 10:20" 1 fo-01 $FO hk-01 $HK; clear "$(c 9)" "03-10 10:20" c9t met
accept "$(c 9)" "03-10 10:30" 1 fo-01 $FO hk-01 $HK hk-head
reply "$(c 9)" "03-10 15:00" hk-01; clear "$(c 9)" "03-10 15:00" c9r met
resolve "$(c 9)" "03-10 16:00" hk-01
deadline c9c "$(c 9)" "03-10 16:00" CALLBACK "03-12 16:00" fo-01 $FO
callback "$(c 9)" "03-11 09:00" fo-01 true 5; clear "$(c 9)" "03-11 09:00" c9c met
close "$(c 9)" "03-11 09:05" fo-01 done

# C10: urgent complaint escalated to the QA office (conflict, R15); a
# cold-treatment violation (200 yuan, hk-02); callback rating 2.
inquiry "$(c 10)" "03-11 09:00" hotel-b VISIT COMPLAINT room_cleaning fo-02 URGENT 张十
routed "$(c 10)" "03-11 09:01" OTHER_DEPARTMENT $HK fo-02 hk-02
deadline c10t "$(c 10)" "03-11 09:01" TRANSFER "03-11 10:00" fo-02 $FO
deadline c10r "$(c 10)" "03-11 09:01" REPLY "03-12 09:00" hk-02 $HK
transfer "$(c 10)" "03-11 09:10" 1 fo-02 $FO hk-02 $HK; clear "$(c 10)" "03-11 09:10" c10t met
accept "$(c 10)" "03-11 09:20" 1 fo-02 $FO hk-02 $HK hk-head
leader_contact "$(c 10)" "03-11 09:40" fo-02
escalate "$(c 10)" "03-11 14:00" QA_OFFICE qa-01 $HK true 顾客投诉至质检部
reply "$(c 10)" "03-11 16:00" hk-02; clear "$(c 10)" "03-11 16:00" c10r met
resolve "$(c 10)" "03-12 10:00" hk-02
violation "$(c 10)" "03-12 10:00" COLD_TREATMENT hk-02 $HK 200 1 false V1
deadline c10c "$(c 10)" "03-12 10:00" CALLBACK "03-14 10:00" fo-02 $FO
callback "$(c 10)" "03-13 10:00" fo-02 true 2; clear "$(c 10)" "03-13 10:00" c10c met
close "$(c 10)" "03-13 10:05" fo-02 done

# C11: complaint escalated to the GM (conflict); callback 4 hours late
# (breach; fo-01's 2nd offence: 200 yuan and a self-criticism); rating 3.
inquiry "$(c 11)" "03-12 11:00" hotel-a PHONE COMPLAINT repair fo-01 NORMAL 张十一
routed "$(c 11)" "03-12 11:01" OTHER_DEPARTMENT $EN fo-01 en-02
deadline c11t "$(c 11)" "03-12 11:01" TRANSFER "03-12 12:00" fo-01 $FO
deadline c11r "$(c 11)" "03-12 11:01" REPLY "03-13 11:00" en-02 $EN
transfer "$(c 11)" "03-12 11:30" 1 fo-01 $FO en-02 $EN; clear "$(c 11)" "03-12 11:30" c11t met
accept "$(c 11)" "03-12 11:45" 1 fo-01 $FO en-02 $EN en-head
escalate "$(c 11)" "03-12 15:00" GM gm-01 $EN true 顾客投诉至总经理
progress "$(c 11)" "03-12 16:00" en-02 已派人检查
reply "$(c 11)" "03-12 17:00" en-02; clear "$(c 11)" "03-12 17:00" c11r met
resolve "$(c 11)" "03-13 10:00" en-02
deadline c11c "$(c 11)" "03-13 10:00" CALLBACK "03-15 10:00" fo-01 $FO
breach "$(c 11)" "03-15 10:00" c11c
violation "$(c 11)" "03-15 10:00" TIME_LIMIT_EXCEEDED fo-01 $FO 200 2 true R16
callback "$(c 11)" "03-15 14:00" fo-01 true 3; clear "$(c 11)" "03-15 14:00" c11c met
close "$(c 11)" "03-15 14:05" fo-01 done

# C12: a letter outside the organisation (R6): closed with guidance.
inquiry "$(c 12)" "03-12 15:00" hotel-b LETTER CONSULTATION visa fo-02 NORMAL 张十二
routed "$(c 12)" "03-12 15:01" OUTSIDE_ORGANISATION $FO fo-02 fo-02 签证事宜请咨询出入境管理局
deadline c12r "$(c 12)" "03-12 15:01" REPLY "03-13 15:00" fo-02 $FO
reply "$(c 12)" "03-12 16:00" fo-02; clear "$(c 12)" "03-12 16:00" c12r met
close "$(c 12)" "03-12 16:10" fo-02 "outside the organisation" 签证事宜请咨询出入境管理局

# C13: in scope.  C14: in scope, waits on the customer's materials overnight.
inquiry "$(c 13)" "03-13 10:00" hotel-a PHONE CONSULTATION room_booking fo-02 NORMAL 张十三
routed "$(c 13)" "03-13 10:01" IN_SCOPE $FO fo-02 fo-02
deadline c13r "$(c 13)" "03-13 10:01" REPLY "03-14 10:00" fo-02 $FO
reply "$(c 13)" "03-13 10:30" fo-02; clear "$(c 13)" "03-13 10:30" c13r met
resolve "$(c 13)" "03-13 10:35" fo-02; close "$(c 13)" "03-13 10:40" fo-02 answered

inquiry "$(c 14)" "03-13 11:00" hotel-a VISIT BUSINESS check_in fo-01 NORMAL 张十四
routed "$(c 14)" "03-13 11:01" IN_SCOPE $FO fo-01 fo-01
deadline c14r "$(c 14)" "03-13 11:01" REPLY "03-14 11:00" fo-01 $FO
waiting "$(c 14)" "03-13 11:30" fo-01 true
waiting "$(c 14)" "03-14 09:00" fo-01 false
reply "$(c 14)" "03-14 09:30" fo-01; clear "$(c 14)" "03-14 09:30" c14r met
resolve "$(c 14)" "03-14 09:35" fo-01; close "$(c 14)" "03-14 09:40" fo-01 done

# C15: repair after directory version 2 (handler en-02).  C16: lost
# property, now the front office's own.
inquiry "$(c 15)" "03-16 09:00" hotel-b PHONE REPAIR repair fo-01 NORMAL 张十五
routed "$(c 15)" "03-16 09:01" OTHER_DEPARTMENT $EN fo-01 en-02
deadline c15t "$(c 15)" "03-16 09:01" TRANSFER "03-16 10:00" fo-01 $FO
deadline c15r "$(c 15)" "03-16 09:01" REPLY "03-17 09:00" en-02 $EN
transfer "$(c 15)" "03-16 09:15" 1 fo-01 $FO en-02 $EN; clear "$(c 15)" "03-16 09:15" c15t met
accept "$(c 15)" "03-16 09:25" 1 fo-01 $FO en-02 $EN en-head
reply "$(c 15)" "03-16 14:00" en-02; clear "$(c 15)" "03-16 14:00" c15r met
resolve "$(c 15)" "03-16 15:00" en-02; close "$(c 15)" "03-16 15:10" en-02 done

inquiry "$(c 16)" "03-16 10:00" hotel-b PHONE CONSULTATION lost_property fo-02 NORMAL 张十六
routed "$(c 16)" "03-16 10:01" IN_SCOPE $FO fo-02 fo-02
deadline c16r "$(c 16)" "03-16 10:01" REPLY "03-17 10:00" fo-02 $FO
reply "$(c 16)" "03-16 10:30" fo-02; clear "$(c 16)" "03-16 10:30" c16r met
resolve "$(c 16)" "03-16 10:35" fo-02; close "$(c 16)" "03-16 10:40" fo-02 answered

# C17: complaint transferred 30 minutes late (fo-01's 3rd offence: 200
# yuan, self-criticism); callback rating 4.
inquiry "$(c 17)" "03-17 09:00" hotel-a HOTLINE COMPLAINT room_cleaning fo-01 NORMAL 张十七
routed "$(c 17)" "03-17 09:01" OTHER_DEPARTMENT $HK fo-01 hk-01
deadline c17t "$(c 17)" "03-17 09:01" TRANSFER "03-17 10:00" fo-01 $FO
deadline c17r "$(c 17)" "03-17 09:01" REPLY "03-18 09:00" hk-01 $HK
breach "$(c 17)" "03-17 10:00" c17t
violation "$(c 17)" "03-17 10:00" LATE_TRANSFER fo-01 $FO 200 3 true R10
transfer "$(c 17)" "03-17 10:30" 1 fo-01 $FO hk-01 $HK; clear "$(c 17)" "03-17 10:30" c17t met
accept "$(c 17)" "03-17 10:45" 1 fo-01 $FO hk-01 $HK hk-head
reply "$(c 17)" "03-17 16:00" hk-01; clear "$(c 17)" "03-17 16:00" c17r met
resolve "$(c 17)" "03-18 10:00" hk-01
deadline c17c "$(c 17)" "03-18 10:00" CALLBACK "03-20 10:00" fo-01 $FO
callback "$(c 17)" "03-19 10:00" fo-01 true 4; clear "$(c 17)" "03-19 10:00" c17c met
close "$(c 17)" "03-19 10:05" fo-01 done

# C18, C20: in scope.  C19: reply 2 hours late (en-02, 100 yuan).  C21: help.
inquiry "$(c 18)" "03-18 09:00" hotel-a PHONE CONSULTATION room_booking fo-02 NORMAL 张十八
routed "$(c 18)" "03-18 09:01" IN_SCOPE $FO fo-02 fo-02
deadline c18r "$(c 18)" "03-18 09:01" REPLY "03-19 09:00" fo-02 $FO
reply "$(c 18)" "03-18 09:10" fo-02; clear "$(c 18)" "03-18 09:10" c18r met
resolve "$(c 18)" "03-18 09:15" fo-02; close "$(c 18)" "03-18 09:20" fo-02 answered

inquiry "$(c 19)" "03-18 14:00" hotel-b VISIT REPAIR repair fo-02 NORMAL 张十九
routed "$(c 19)" "03-18 14:01" OTHER_DEPARTMENT $EN fo-02 en-02
deadline c19t "$(c 19)" "03-18 14:01" TRANSFER "03-18 15:00" fo-02 $FO
deadline c19r "$(c 19)" "03-18 14:01" REPLY "03-19 14:00" en-02 $EN
transfer "$(c 19)" "03-18 14:20" 1 fo-02 $FO en-02 $EN; clear "$(c 19)" "03-18 14:20" c19t met
accept "$(c 19)" "03-18 14:30" 1 fo-02 $FO en-02 $EN en-head
breach "$(c 19)" "03-19 14:00" c19r
violation "$(c 19)" "03-19 14:00" TIME_LIMIT_EXCEEDED en-02 $EN 100 1 false R11
reply "$(c 19)" "03-19 16:00" en-02; clear "$(c 19)" "03-19 16:00" c19r met
resolve "$(c 19)" "03-19 16:30" en-02; close "$(c 19)" "03-19 16:40" en-02 done

inquiry "$(c 20)" "03-19 09:00" hotel-a PHONE CONSULTATION check_in fo-01 NORMAL 张二十
routed "$(c 20)" "03-19 09:01" IN_SCOPE $FO fo-01 fo-01
deadline c20r "$(c 20)" "03-19 09:01" REPLY "03-20 09:00" fo-01 $FO
reply "$(c 20)" "03-19 09:20" fo-01; clear "$(c 20)" "03-19 09:20" c20r met
resolve "$(c 20)" "03-19 09:25" fo-01; close "$(c 20)" "03-19 09:30" fo-01 answered

inquiry "$(c 21)" "03-20 10:00" hotel-b PHONE HELP room_cleaning fo-01 NORMAL 张二一
routed "$(c 21)" "03-20 10:01" OTHER_DEPARTMENT $HK fo-01 hk-02
deadline c21t "$(c 21)" "03-20 10:01" TRANSFER "03-20 11:00" fo-01 $FO
deadline c21r "$(c 21)" "03-20 10:01" REPLY "03-21 10:00" hk-02 $HK
transfer "$(c 21)" "03-20 10:10" 1 fo-01 $FO hk-02 $HK; clear "$(c 21)" "03-20 10:10" c21t met
accept "$(c 21)" "03-20 10:20" 1 fo-01 $FO hk-02 $HK hk-head
reply "$(c 21)" "03-20 12:00" hk-02; clear "$(c 21)" "03-20 12:00" c21r met
resolve "$(c 21)" "03-20 13:00" hk-02; close "$(c 21)" "03-20 13:10" hk-02 done

# C22: several departments (R9): coordination sheet, engineering leads,
# ownership locked; callback rating 5.
inquiry "$(c 22)" "03-23 09:00" hotel-a VISIT COMPLAINT repair fo-02 NORMAL 张二二
routed "$(c 22)" "03-23 09:01" SEVERAL_DEPARTMENTS $EN fo-02 en-01
deadline c22r "$(c 22)" "03-23 09:01" REPLY "03-24 09:00" en-01 $EN
coordinate "$(c 22)" "03-23 09:30" $EN $HK qa-01
reply "$(c 22)" "03-23 15:00" en-01; clear "$(c 22)" "03-23 15:00" c22r met
resolve "$(c 22)" "03-23 16:00" en-01
deadline c22c "$(c 22)" "03-23 16:00" CALLBACK "03-25 16:00" fo-02 $FO
callback "$(c 22)" "03-24 10:00" fo-02 true 5; clear "$(c 22)" "03-24 10:00" c22c met
close "$(c 22)" "03-24 10:05" fo-02 done

# C23: complaint escalated to the head (no conflict); first callback does not
# reach the customer, the second gets rating 1.
inquiry "$(c 23)" "03-24 10:00" hotel-a PHONE COMPLAINT room_cleaning fo-01 NORMAL 张二三
routed "$(c 23)" "03-24 10:01" OTHER_DEPARTMENT $HK fo-01 hk-01
deadline c23t "$(c 23)" "03-24 10:01" TRANSFER "03-24 11:00" fo-01 $FO
deadline c23r "$(c 23)" "03-24 10:01" REPLY "03-25 10:00" hk-01 $HK
transfer "$(c 23)" "03-24 10:20" 1 fo-01 $FO hk-01 $HK; clear "$(c 23)" "03-24 10:20" c23t met
accept "$(c 23)" "03-24 10:30" 1 fo-01 $FO hk-01 $HK hk-head
escalate "$(c 23)" "03-24 11:00" HEAD hk-head $HK false 顾客要求部门负责人处理
reply "$(c 23)" "03-24 14:00" hk-01; clear "$(c 23)" "03-24 14:00" c23r met
resolve "$(c 23)" "03-24 15:00" hk-01
deadline c23c "$(c 23)" "03-24 15:00" CALLBACK "03-26 15:00" fo-01 $FO
callback "$(c 23)" "03-25 10:00" fo-01 false 0
callback "$(c 23)" "03-25 15:00" fo-01 true 1; clear "$(c 23)" "03-25 15:00" c23c met
close "$(c 23)" "03-25 15:05" fo-01 done

# C24: closed, reopened, answered again and closed.
inquiry "$(c 24)" "03-25 09:00" hotel-b PHONE CONSULTATION room_booking fo-02 NORMAL 张二四
routed "$(c 24)" "03-25 09:01" IN_SCOPE $FO fo-02 fo-02
deadline c24r "$(c 24)" "03-25 09:01" REPLY "03-26 09:00" fo-02 $FO
reply "$(c 24)" "03-25 09:15" fo-02; clear "$(c 24)" "03-25 09:15" c24r met
resolve "$(c 24)" "03-25 09:20" fo-02; close "$(c 24)" "03-25 09:25" fo-02 answered
reopen "$(c 24)" "03-26 10:00" fo-02 顾客补充问题
reply "$(c 24)" "03-26 11:00" fo-02; resolve "$(c 24)" "03-26 11:30" fo-02
close "$(c 24)" "03-26 12:00" fo-02 answered

# C25: accepted by engineering, reply limit warned and still open.
inquiry "$(c 25)" "03-26 09:00" hotel-a PHONE REPAIR repair fo-01 NORMAL 张二五
routed "$(c 25)" "03-26 09:01" OTHER_DEPARTMENT $EN fo-01 en-02
deadline c25t "$(c 25)" "03-26 09:01" TRANSFER "03-26 10:00" fo-01 $FO
deadline c25r "$(c 25)" "03-26 09:01" REPLY "03-27 09:00" en-02 $EN
transfer "$(c 25)" "03-26 09:30" 1 fo-01 $FO en-02 $EN; clear "$(c 25)" "03-26 09:30" c25t met
accept "$(c 25)" "03-26 09:40" 1 fo-01 $FO en-02 $EN en-head
warn "$(c 25)" "03-27 08:30" c25r

# C26: outside the organisation, closed at once with guidance (no limit).
inquiry "$(c 26)" "03-27 10:00" hotel-b VISIT CONSULTATION taxi_complaint fo-01 NORMAL 张二六
routed "$(c 26)" "03-27 10:01" OUTSIDE_ORGANISATION $FO fo-01 fo-01 请拨打12328
close "$(c 26)" "03-27 10:15" fo-01 "outside the organisation" 请拨打12328

# C27: in scope.  C28: accepted on 03-31, reply due in April, waiting on the
# customer.  C29: 00:10 on 04-01 in Beijing (03-31 in UTC).
inquiry "$(c 27)" "03-30 09:00" hotel-a PHONE CONSULTATION room_booking fo-02 NORMAL 张二七
routed "$(c 27)" "03-30 09:01" IN_SCOPE $FO fo-02 fo-02
deadline c27r "$(c 27)" "03-30 09:01" REPLY "03-31 09:00" fo-02 $FO
reply "$(c 27)" "03-30 10:00" fo-02; clear "$(c 27)" "03-30 10:00" c27r met
resolve "$(c 27)" "03-30 10:05" fo-02; close "$(c 27)" "03-30 10:10" fo-02 answered

inquiry "$(c 28)" "03-31 15:00" hotel-b PHONE HELP room_cleaning fo-01 NORMAL 张二八
routed "$(c 28)" "03-31 15:01" OTHER_DEPARTMENT $HK fo-01 hk-01
deadline c28t "$(c 28)" "03-31 15:01" TRANSFER "03-31 16:00" fo-01 $FO
deadline c28r "$(c 28)" "03-31 15:01" REPLY "04-01 15:00" hk-01 $HK
transfer "$(c 28)" "03-31 15:20" 1 fo-01 $FO hk-01 $HK; clear "$(c 28)" "03-31 15:20" c28t met
accept "$(c 28)" "03-31 15:30" 1 fo-01 $FO hk-01 $HK hk-head
waiting "$(c 28)" "03-31 16:00" hk-01 true

inquiry "$(c 29)" "04-01 00:10" hotel-b PHONE CONSULTATION room_booking fo-02 NORMAL 张二九
routed "$(c 29)" "04-01 00:11" IN_SCOPE $FO fo-02 fo-02
deadline c29r "$(c 29)" "04-01 00:11" REPLY "04-02 00:10" fo-02 $FO
reply "$(c 29)" "04-01 08:00" fo-02; clear "$(c 29)" "04-01 08:00" c29r met
resolve "$(c 29)" "04-01 08:05" fo-02; close "$(c 29)" "04-01 08:10" fo-02 answered

# C30: registered in February; its callback limit and callback fall in March.
inquiry "$(c 30)" "02-27 10:00" hotel-a PHONE COMPLAINT room_cleaning fo-01 NORMAL 张三十
routed "$(c 30)" "02-27 10:01" OTHER_DEPARTMENT $HK fo-01 hk-01
deadline c30t "$(c 30)" "02-27 10:01" TRANSFER "02-27 11:00" fo-01 $FO
deadline c30r "$(c 30)" "02-27 10:01" REPLY "02-28 10:00" hk-01 $HK
transfer "$(c 30)" "02-27 10:20" 1 fo-01 $FO hk-01 $HK; clear "$(c 30)" "02-27 10:20" c30t met
accept "$(c 30)" "02-27 10:30" 1 fo-01 $FO hk-01 $HK hk-head
reply "$(c 30)" "02-27 15:00" hk-01; clear "$(c 30)" "02-27 15:00" c30r met
resolve "$(c 30)" "03-02 10:00" hk-01
deadline c30c "$(c 30)" "03-02 10:00" CALLBACK "03-04 10:00" fo-01 $FO
callback "$(c 30)" "03-03 10:00" fo-01 true 5; clear "$(c 30)" "03-03 10:00" c30c met
close "$(c 30)" "03-03 10:10" fo-01 done

# ---------------------------------------------------------------- append

# The log in time order (stable for events of the same microsecond), in
# batches of 50 through append_batch as the writer, as audit does.
sort -s -n -k1,1 "$EVENTS" | cut -f2- >"$EVENTS.sorted"
TOTAL=$(wc -l <"$EVENTS.sorted")
statuses=""
for ((off = 0; off < TOTAL; off += 50)); do
    batch="[$(sed -n "$((off + 1)),$((off + 50))p" "$EVENTS.sorted" | paste -sd,)]"
    statuses+=$(sql shouwen_writer -v batch="$batch" <<'SQL'
SELECT string_agg(status, ' ') FROM shouwen.append_batch(:'batch'::jsonb);
SQL
)" "
done
check "all $TOTAL events committed" "$TOTAL committed" \
    "$(tr ' ' '\n' <<<"$statuses" | grep -v '^$' | sort | uniq -c | awk '{print $1, $2}' | paste -sd' ')"
check "log positions 1..$TOTAL" "$TOTAL|$TOTAL" \
    "$(sql shouwen_auditor <<<'SELECT count(*), max(position) FROM shouwen.events')"

# Auditor queries run in Beijing time.
asql() { PGOPTIONS="-c TimeZone=Asia/Shanghai" sql shouwen_auditor "$@"; }

# ---------------------------------------------------------------- projections

check "cases: 30, states (28 closed, C25 in progress, C28 waiting)" \
    "closed:28 in_progress:1 waiting:1" \
    "$(asql <<<"SELECT string_agg(state || ':' || n, ' ' ORDER BY state) FROM (SELECT state, count(*) n FROM shouwen.cases GROUP BY 1) s")"
check "C06: returned then transferred to engineering; factual owner = last receiver; 3 hops" \
    "closed|en-02|en-02|engineering|3|4|fo-02" \
    "$(asql <<<"SELECT state, factual_owner_id, handler_id, department_id, hops, callback_rating, natural_owner_id FROM shouwen.cases WHERE case_id = '$(c 6)'")"
check "C07: forwarded to the front office and accepted there" \
    "closed|fo-02|front_office|2" \
    "$(asql <<<"SELECT state, factual_owner_id, department_id, hops FROM shouwen.cases WHERE case_id = '$(c 7)'")"
check "C25: accepted by engineering, in progress, not replied" \
    "in_progress|en-02|engineering||1" \
    "$(asql <<<"SELECT state, factual_owner_id, department_id, first_replied_at, hops FROM shouwen.cases WHERE case_id = '$(c 25)'")"
check "C28: waiting on the customer after acceptance" \
    "waiting|t|in_progress|hk-01" \
    "$(asql <<<"SELECT state, waiting, state_before_waiting, factual_owner_id FROM shouwen.cases WHERE case_id = '$(c 28)'")"
check "C14: waited and resumed, then closed" \
    "closed|f|" \
    "$(asql <<<"SELECT state, waiting, state_before_waiting FROM shouwen.cases WHERE case_id = '$(c 14)'")"
check "C24: reopened once, closed again at 12:00" \
    "closed|1|2026-03-26 12:00:00+08|2026-03-25 09:15:00+08|2026-03-26 11:00:00+08" \
    "$(asql <<<"SELECT state, reopened, closed_at, first_replied_at, replied_at FROM shouwen.cases WHERE case_id = '$(c 24)'")"
check "C12: outside the organisation, closed with guidance (R6)" \
    "outside_organisation|closed|outside the organisation|签证事宜请咨询出入境管理局" \
    "$(asql <<<"SELECT disposition, state, close_reason, close_guidance FROM shouwen.cases WHERE case_id = '$(c 12)'")"
check "C22: coordination sheet, engineering leads, housekeeping assists, ownership locked" \
    "engineering|{housekeeping}|t|engineering" \
    "$(asql <<<"SELECT lead_department_id, assisting_department_ids, ownership_locked, department_id FROM shouwen.cases WHERE case_id = '$(c 22)'")"
check "escalations on cases: C08 head, C10 QA office (conflict), C11 GM (conflict), C23 head" \
    "$(c 8):head:false $(c 10):qa_office:true $(c 11):gm:true $(c 23):head:false" \
    "$(asql <<<"SELECT string_agg(case_id || ':' || escalation_level || ':' || conflict_escalated, ' ' ORDER BY case_id) FROM shouwen.cases WHERE escalations > 0")"
check "C23: last callback reached, rating 1; first not reached" \
    "t|1|2" \
    "$(asql <<<"SELECT callback_reached, callback_rating, (SELECT count(*) FROM shouwen.callbacks WHERE case_id = '$(c 23)') FROM shouwen.cases WHERE case_id = '$(c 23)'")"

check "handoffs: 2 per transferred case (16 March + C30) + C06 return, transfer, accept + C07 forward, accept" \
    "accepted:19 forwarded:1 returned:1 transferred:18" \
    "$(asql <<<"SELECT string_agg(kind || ':' || n, ' ' ORDER BY kind) FROM (SELECT kind, count(*) n FROM shouwen.handoffs GROUP BY 1) s")"
check "handoff C06 return: both signatures, opinion, hop 2" \
    "2|hk-01|housekeeping|fo-02|front_office|hk-01|2026-03-05 11:00:00+08|fo-02|2026-03-05 11:05:00+08|设备故障应由工程部处理" \
    "$(asql <<<"SELECT hop, from_staff_id, from_department_id, to_staff_id, to_department_id, sender_signer_id, sender_signed_at, receiver_signer_id, receiver_signed_at, opinion FROM shouwen.handoffs WHERE case_id = '$(c 6)' AND kind = 'returned'")"

# 55 limits: 17 transfer (16 March + C30), 30 reply (all but C26, two for
# C06), 8 callback.
check "deadlines by kind and outcome" \
    "callback:late:1 callback:on_time:7 reply:late:2 reply:on_time:25 reply:open:2 reply:void:1 transfer:late:2 transfer:on_time:15" \
    "$(asql <<<"SELECT string_agg(kind || ':' || outcome || ':' || n, ' ' ORDER BY kind, outcome) FROM (SELECT kind, outcome, count(*) n FROM shouwen.deadlines GROUP BY 1, 2) s")"
check "deadline_outcome: late, late without a breach report, on time, void, open" \
    "late late on_time on_time void open" \
    "$(asql <<<"SELECT concat_ws(' ',
        shouwen.deadline_outcome('2026-03-01 10:00', '2026-03-01 10:00', '2026-03-01 10:30', 'met'),
        shouwen.deadline_outcome('2026-03-01 10:00', NULL, '2026-03-01 10:30', 'superseded'),
        shouwen.deadline_outcome('2026-03-01 10:00', NULL, '2026-03-01 10:00', 'met: case.replied'),
        shouwen.deadline_outcome('2026-03-01 10:00', NULL, '2026-03-01 09:00', NULL),
        shouwen.deadline_outcome('2026-03-01 10:00', NULL, '2026-03-01 09:00', 'superseded: case.transferred'),
        shouwen.deadline_outcome('2026-03-01 10:00', NULL, NULL, NULL))")"
check "C25 reply limit warned, still open" \
    "warned|2026-03-27 08:30:00+08|open" \
    "$(asql <<<"SELECT state, warned_at, outcome FROM shouwen.deadlines WHERE case_id = '$(c 25)' AND kind = 'reply'")"
check "C05 transfer limit: breached at 10:00, cleared at 10:40, late" \
    "cleared|2026-03-04 10:00:00+08|2026-03-04 10:40:00+08|met|late" \
    "$(asql <<<"SELECT state, breached_at, cleared_at, clear_reason, outcome FROM shouwen.deadlines WHERE case_id = '$(c 5)' AND kind = 'transfer'")"
check "breaches: 5 (C05, C17 transfer; C08, C19 reply; C11 callback)" \
    "$(c 5):transfer:fo-01 $(c 8):reply:en-01 $(c 11):callback:fo-01 $(c 17):transfer:fo-01 $(c 19):reply:en-02" \
    "$(asql <<<"SELECT string_agg(case_id || ':' || kind || ':' || holder_staff_id, ' ' ORDER BY case_id) FROM shouwen.breaches")"
check "violations: 6, 1000 yuan, 2 self-criticisms" \
    "6|1000|2" \
    "$(asql <<<"SELECT count(*), sum(penalty_yuan), count(*) FILTER (WHERE self_criticism) FROM shouwen.violations")"
check "escalation C08 caused by its reply breach" \
    "head|1|en-head|engineering|f|t" \
    "$(asql <<<"SELECT e.level, e.level_rank, e.to_staff_id, e.department_id, e.conflict, e.cause_event_id = b.event_id FROM shouwen.escalations e JOIN shouwen.breaches b USING (case_id) WHERE e.case_id = '$(c 8)'")"
check "callbacks keep the case's department then: C06 engineering (after the return), C30 housekeeping" \
    "engineering|4 housekeeping|5" \
    "$(asql <<<"SELECT string_agg(department_id || '|' || rating, ' ' ORDER BY case_id) FROM shouwen.callbacks WHERE case_id IN ('$(c 6)', '$(c 30)')")"

# ---------------------------------------------------------------- register

check "register view: 30 rows, C06 row with its course" \
    "30|$(c 6)|hotel-a|visit|complaint|张六|room_cleaning|fo-02|other_department|engineering|en-02|closed|4|3" \
    "$(asql <<<"SELECT (SELECT count(*) FROM shouwen.first_inquiry_register), case_id, branch_id, channel, request_kind, customer_name, category, natural_owner_id, disposition, department_id, factual_owner_id, state, callback_rating, hops FROM shouwen.first_inquiry_register WHERE case_id = '$(c 6)'")"

# day|branch|inquiries|urgent|complaints|in_scope|transferred|outside|replied|closed|open
REG_MARCH="2026-03-02|hotel-a|2|0|0|2|0|0|2|2|0
2026-03-02|hotel-b|1|1|0|0|1|0|1|1|0
2026-03-03|hotel-b|1|0|0|0|1|0|1|1|0
2026-03-04|hotel-a|1|0|0|0|1|0|1|1|0
2026-03-05|hotel-a|1|0|1|0|1|0|1|1|0
2026-03-06|hotel-b|1|0|0|0|1|0|1|1|0
2026-03-09|hotel-a|1|0|0|0|1|0|1|1|0
2026-03-10|hotel-a|1|0|1|0|1|0|1|1|0
2026-03-11|hotel-b|1|1|1|0|1|0|1|1|0
2026-03-12|hotel-a|1|0|1|0|1|0|1|1|0
2026-03-12|hotel-b|1|0|0|0|0|1|1|1|0
2026-03-13|hotel-a|2|0|0|2|0|0|2|2|0
2026-03-16|hotel-b|2|0|0|1|1|0|2|2|0
2026-03-17|hotel-a|1|0|1|0|1|0|1|1|0
2026-03-18|hotel-a|1|0|0|1|0|0|1|1|0
2026-03-18|hotel-b|1|0|0|0|1|0|1|1|0
2026-03-19|hotel-a|1|0|0|1|0|0|1|1|0
2026-03-20|hotel-b|1|0|0|0|1|0|1|1|0
2026-03-23|hotel-a|1|0|1|0|0|0|1|1|0
2026-03-24|hotel-a|1|0|1|0|1|0|1|1|0
2026-03-25|hotel-b|1|0|0|1|0|0|1|1|0
2026-03-26|hotel-a|1|0|0|0|1|0|0|0|1
2026-03-27|hotel-b|1|0|0|0|0|1|0|1|0
2026-03-30|hotel-a|1|0|0|1|0|0|1|1|0
2026-03-31|hotel-b|1|0|0|0|1|0|0|0|1"
check "register_by_day: March by day and branch (Beijing days)" "$REG_MARCH" \
    "$(asql <<<"SELECT * FROM shouwen.register_by_day('2026-03-01', '2026-03-31')")"
check "register_by_day: one branch, totals for March (28 = 12 hotel-b + 16 hotel-a)" "12|2|2" \
    "$(asql <<<"SELECT sum(inquiries), sum(urgent), sum(in_scope) FROM shouwen.register_by_day('2026-03-01', '2026-03-31', 'hotel-b')")"
check "register_by_day in UTC: C04 (00:30 Beijing) falls on 03-02" \
    "2026-03-02|hotel-a|2 2026-03-02|hotel-b|2" \
    "$(PGOPTIONS="-c TimeZone=UTC" sql shouwen_auditor <<<"SELECT string_agg(day || '|' || branch_id || '|' || inquiries, ' ') FROM shouwen.register_by_day('2026-03-02', '2026-03-02')")"
check "the auditor role's sessions are in Beijing time unless they say otherwise" "Asia/Shanghai" \
    "$(sql shouwen_auditor <<<"SHOW TimeZone")"

# ---------------------------------------------------------------- one case

check "case_timeline C05: every event in order" \
    "inquiry.received case.routed sla.deadline_set sla.deadline_set sla.breached violation.recorded case.transferred sla.deadline_cleared case.accepted case.replied sla.deadline_cleared case.resolved case.closed" \
    "$(asql <<<"SELECT string_agg(type, ' ' ORDER BY position) FROM shouwen.case_timeline('$(c 5)')")"
check "case_timeline C05: versions 1..13, readable summaries" \
    "1..13|late_transfer by fo-01 / front_office - penalty 100 yuan - offence 1 this month - rule R10|transferred hop 1: fo-01 / front_office -> en-01 / engineering - sender signed fo-01 at 2026-03-04 10:40:00+08" \
    "$(asql <<<"SELECT min(case_version) || '..' || max(case_version), max(summary) FILTER (WHERE type = 'violation.recorded'), max(summary) FILTER (WHERE type = 'case.transferred') FROM shouwen.case_timeline('$(c 5)')")"
check "case_timeline of an unknown case is empty" "0" \
    "$(asql <<<"SELECT count(*) FROM shouwen.case_timeline('SW-NONE-NONE-NONE')")"

# step|kind|hop|from|from dept|to|to dept|sender|sent|receiver|received|opinion|held_from|held_until
CUSTODY_C06="0|received||||fo-02|||||||f|2026-03-05 09:00:00+08|2026-03-05 09:01:00+08
1|routed||fo-02||fo-02|housekeeping||||||f|2026-03-05 09:01:00+08|2026-03-05 09:20:00+08
2|transferred|1|fo-02|front_office|hk-01|housekeeping|fo-02|2026-03-05 09:20:00+08|hk-head|2026-03-05 09:30:00+08||t|2026-03-05 09:30:00+08|2026-03-05 11:00:00+08
3|returned|2|hk-01|housekeeping|fo-02|front_office|hk-01|2026-03-05 11:00:00+08|fo-02|2026-03-05 11:05:00+08|设备故障应由工程部处理|f|2026-03-05 11:05:00+08|2026-03-05 11:30:00+08
4|transferred|3|fo-02|front_office|en-02|engineering|fo-02|2026-03-05 11:30:00+08|en-head|2026-03-05 11:40:00+08||t|2026-03-05 11:40:00+08|"
check "custody_chain C06: received, routed, transfer+acceptance, return with opinion, transfer+acceptance" \
    "$CUSTODY_C06" \
    "$(asql <<<"SELECT step, kind, hop, from_staff_id, from_department_id, to_staff_id, to_department_id, sender_signer_id, sender_signed_at, receiver_signer_id, receiver_signed_at, opinion, accepted_position IS NOT NULL, held_from, held_until FROM shouwen.custody_chain('$(c 6)')")"
check "custody_chain C07: forward with opinion, accepted by the front office head" \
    "forwarded|hk-02|fo-02|front_office|失物已移交前厅部保管|fo-head" \
    "$(asql <<<"SELECT kind, from_staff_id, to_staff_id, to_department_id, opinion, receiver_signer_id FROM shouwen.custody_chain('$(c 7)') WHERE kind = 'forwarded'")"
check "custody_chain C22: coordination sheet names the lead department" \
    "received routed coordination:engineering" \
    "$(asql <<<"SELECT string_agg(kind || CASE WHEN kind = 'coordination' THEN ':' || to_department_id ELSE '' END, ' ' ORDER BY step) FROM shouwen.custody_chain('$(c 22)')")"

# ---------------------------------------------------------------- late transfers

check "late_transfers: C05 40 min, C17 30 min, both by fo-01" \
    "$(c 5)|fo-01|front_office|2026-03-04 10:00:00+08|2026-03-04 10:40:00+08|00:40:00
$(c 17)|fo-01|front_office|2026-03-17 10:00:00+08|2026-03-17 10:30:00+08|00:30:00" \
    "$(asql <<<"SELECT case_id, staff_id, department_id, due_at, transferred_at, late_by FROM shouwen.late_transfers ORDER BY due_at")"
# fo-01 held 11 March transfer limits (C03 C05 C07 C09 C11 C15 C17 C21 C23
# C25 C28), 2 late: 2/11 = 18.2 %, violations 100 + 200; fo-02 held 5
# (C04 C06 C08 C10 C19), none late.
check "late_transfers_by_person: March" \
    "fo-01|front_office|11|9|2|0|18.2|00:40:00|2|300
fo-02|front_office|5|5|0|0|0.0||0|0" \
    "$(asql <<<"SELECT * FROM shouwen.late_transfers_by_person('2026-03-15')")"
check "late_transfers_by_person: February (C30 only, on time)" \
    "fo-01|front_office|1|1|0|0|0.0||0|0" \
    "$(asql <<<"SELECT * FROM shouwen.late_transfers_by_person('2026-02-01')")"

# ---------------------------------------------------------------- compliance

# Replies due in March: engineering 8 (C05 C06 C08L C11 C15 C19L C22
# C25open: 5 of 7 decided on time), front office 10 (C01 C02 C12 C13 C14 C16
# C18 C20 C24 C27), housekeeping 8 (C03 C04 C07 C09 C10 C17 C21 C23; C06's
# was superseded by the return).  Callbacks due in March, all held
# by the front office: C06 C09 C10 C11L C17 C22 C23 C30 -> 8, 7 on time.
# Callbacks made, by the case's department then: engineering C06 4, C11 3,
# C22 5 (avg 4.00); housekeeping C09 5, C10 2, C17 4, C23 -/1, C30 5
# (6 made, 5 reached, avg 17/5 = 3.40).
check "reply_callback_compliance: March" \
    "engineering|8|5|2|1|71.4|0|0|0|0||3|3|4.00
front_office|10|10|0|0|100.0|8|7|1|0|87.5|0|0|
housekeeping|8|8|0|0|100.0|0|0|0|0||6|5|3.40" \
    "$(asql <<<"SELECT * FROM shouwen.reply_callback_compliance('2026-03-01')")"

# ---------------------------------------------------------------- assessment

# Cases registered in March by current department: engineering 8 (C05 C06
# C08 C11 C15 C19 C22 C25; C25 open), front office 12 (C01 C02 C07 C12 C13
# C14 C16 C18 C20 C24 C26 C27), housekeeping 8 (C03 C04 C09 C10 C17 C21 C23
# C28; C28 open).  Limits due in March: front office 16 transfer (2 late) +
# 10 reply + 8 callback (1 late) = 34, 31 on time (91.2 %); engineering 8
# reply, 5 on time, 2 late (71.4 %); housekeeping 8 reply on time.
# Breaches: front office 3, engineering 2.  Violations: front office 100 +
# 200 + 200 = 500 (2 self-criticisms), engineering 200 + 100 = 300,
# housekeeping 200.  Ratings: engineering 4 3 5 (praise 2), housekeeping
# 5 2 4 1 5 (praise 3).  Escalations: engineering C08 head + C11 GM
# (conflict), housekeeping C10 QA office (conflict) + C23 head.
check "department_assessment: March" \
    "engineering|8|7|8|5|2|71.4||71.4||2|2|300|0|3|4.00|2|2|1
front_office|12|12|34|31|3|91.2|87.5|100.0|87.5|3|3|500|2|0||0|0|0
housekeeping|8|7|8|8|0|100.0||100.0||0|1|200|0|5|3.40|3|2|1" \
    "$(asql <<<"SELECT department_id, cases, closed, limits_due, limits_on_time, limits_late, on_time_rate, transfer_on_time_rate, reply_on_time_rate, callback_on_time_rate, breaches, violations, penalties_yuan, self_criticisms, ratings, average_rating, praise, escalations, conflict_escalations
                 FROM shouwen.department_assessment('2026-03-31')")"
# April: C29 registered (00:10 on 04-01 Beijing) and C28's and C29's reply limits.
check "department_assessment: C28's reply limit is open, apart from the decided ones (007)" "1|0|1" \
    "$(asql <<<"SELECT limits_due||'|'||limits_decided||'|'||limits_open
                 FROM shouwen.department_assessment('2026-04-01') WHERE department_id = 'housekeeping'")"
check "department_assessment: April (C29; C28's open limit, C29's kept)" \
    "front_office|1|1|1|1|0|100.0||100.0||0|0|0|0|0||0|0|0
housekeeping|0|0|1|0|0|||||0|0|0|0|0||0|0|0" \
    "$(asql <<<"SELECT department_id, cases, closed, limits_due, limits_on_time, limits_late, on_time_rate, transfer_on_time_rate, reply_on_time_rate, callback_on_time_rate, breaches, violations, penalties_yuan, self_criticisms, ratings, average_rating, praise, escalations, conflict_escalations
                 FROM shouwen.department_assessment('2026-04-01')")"

# ---------------------------------------------------------------- QA sample

# The expected sample, computed here with sha256sum: per department, the 2
# March cases with the smallest sha256(seed/case_id).
expected_sample() { # SEED
    local dept cases
    for dept in engineering front_office housekeeping; do
        cases=$(asql <<<"SELECT string_agg(case_id, ' ') FROM shouwen.cases WHERE department_id = '$dept' AND received_at >= '2026-03-01' AND received_at < '2026-04-01'")
        for cid in $cases; do
            printf '%s %s %s\n' "$dept" "$(printf '%s/%s' "$1" "$cid" | sha256sum | cut -c1-64)" "$cid"
        done | sort -k2,2 | head -n 2 | awk '{print $1 "|" NR "|" $3}'
    done
}
sample() { asql <<<"SELECT department_id || '|' || pick || '|' || case_id FROM shouwen.qa_sample('$1', 2, '$2')"; }
check "qa_sample: 2 per department, the cases sha256(seed/case_id) orders first" \
    "$(expected_sample QA-2026-03)" "$(sample 2026-03-01 QA-2026-03)"
check "qa_sample: the same seed gives the same sample" \
    "$(sample 2026-03-01 QA-2026-03)" "$(sample 2026-03-20 QA-2026-03)"
check "qa_sample: another seed, its own sample" \
    "$(expected_sample other-seed)" "$(sample 2026-03-01 other-seed)"
check "qa_sample: a department with fewer cases gives all of them" "8|12|8" \
    "$(asql <<<"SELECT string_agg(n::text, '|' ORDER BY department_id) FROM (SELECT department_id, count(*) n FROM shouwen.qa_sample('2026-03-01', 100, 'x') GROUP BY 1) s")"

# ---------------------------------------------------------------- directory

check "directory_history: two organisation versions and a calendar" \
    "organisation|hotel-2026.1|2026-02-20 09:00:00+08|2026-03-15 10:00:00+08|ok
organisation|hotel-2026.2|2026-03-15 10:00:00+08||ok
calendar|cn-2026-broken|2026-03-15 10:05:00+08||no entries: the event was recorded before intake wrote them (migration 010)" \
    "$(asql <<<"SELECT kind, version, valid_from, valid_until, coalesce(parse_error, CASE WHEN entries > 0 THEN 'ok' END) FROM shouwen.directory_history ORDER BY position")"
check "directory text kept verbatim" "t" \
    "$(asql -v dir1="$DIR1" <<<"SELECT content = :'dir1' FROM shouwen.directory_versions WHERE version = 'hotel-2026.1'")"
check "entries (intake's reader): quoted, apostrophe-quoted and unquoted values, comments, # inside quotes" \
    "directory/default_leader=gm-01 scope/check_in/department=front_office scope/room_cleaning/handler=hk-01 scope/repair/handler=en-01 outside/visa/guidance=签证事宜请咨询出入境管理局 # 0571-87280600 scope=" \
    "$(asql <<<"SELECT string_agg(path || '=' || coalesce(value, ''), ' ' ORDER BY array_position(ARRAY['directory/default_leader','scope/check_in/department','scope/room_cleaning/handler','scope/repair/handler','outside/visa/guidance','scope'], path)) FROM shouwen.directory_entries n JOIN shouwen.directory_versions v ON v.position = n.directory_position WHERE v.version = 'hotel-2026.1' AND path IN ('directory/default_leader','scope/check_in/department','scope/room_cleaning/handler','scope/repair/handler','outside/visa/guidance','scope')")"
check "directory_scopes: repair and lost property across the versions" \
    "hotel-2026.1|lost_property|housekeeping|- hotel-2026.1|repair|engineering|en-01 hotel-2026.2|lost_property|front_office|- hotel-2026.2|repair|engineering|en-02" \
    "$(asql <<<"SELECT string_agg(concat_ws('|', directory_version, category, department_id, coalesce(handler_id, '-')), ' ' ORDER BY directory_version, category) FROM shouwen.directory_scopes WHERE category IN ('repair', 'lost_property')")"
resp() { asql <<<"SELECT concat_ws('|', department_id, department_name, handler_id, head_id, leader_id, outside_guidance, directory_version) FROM shouwen.responsible_at('$1', '$2')"; }
check "responsible_at repair on 03-10: engineering, en-01 (version 1)" \
    "engineering|工程部|en-01|en-head|dgm-02|hotel-2026.1" "$(resp repair '2026-03-10 12:00+08')"
check "responsible_at repair on 03-20: en-02 (version 2)" \
    "engineering|工程部|en-02|en-head|dgm-02|hotel-2026.2" "$(resp repair '2026-03-20 12:00+08')"
check "responsible_at lost_property just before and at the 03-15 10:00 load" \
    "housekeeping|客房部|hk-head|dgm-01|hotel-2026.1 front_office|前厅部|fo-head|dgm-01|hotel-2026.2" \
    "$(resp lost_property '2026-03-15 09:59:59+08') $(resp lost_property '2026-03-15 10:00+08')"
check "responsible_at visa: outside the organisation, with guidance" \
    "签证事宜请咨询出入境管理局 # 0571-87280600|hotel-2026.2" "$(resp visa '2026-03-31 12:00+08')"
check "responsible_at an unknown category: the directory in force, no scope" \
    "hotel-2026.1" "$(resp parking '2026-03-01 12:00+08')"
check "responsible_at before the first directory: no row" \
    "" "$(resp repair '2026-02-01 12:00+08')"

# ---------------------------------------------------------------- rebuild

check "projections rebuilt from the log are identical" "same" \
    "$(sql shouwen_owner <<'SQL'
CREATE TEMP TABLE before AS
SELECT t, md5(string_agg(r, '|' ORDER BY r)) AS h
  FROM (SELECT 'cases' t, x::text r FROM shouwen.cases x UNION ALL
        SELECT 'deadlines', x::text FROM shouwen.deadlines x UNION ALL
        SELECT 'handoffs', x::text FROM shouwen.handoffs x UNION ALL
        SELECT 'breaches', x::text FROM shouwen.breaches x UNION ALL
        SELECT 'violations', x::text FROM shouwen.violations x UNION ALL
        SELECT 'escalations', x::text FROM shouwen.escalations x UNION ALL
        SELECT 'coordinations', x::text FROM shouwen.coordinations x UNION ALL
        SELECT 'callbacks', x::text FROM shouwen.callbacks x UNION ALL
        SELECT 'directory_versions', x::text FROM shouwen.directory_versions x UNION ALL
        SELECT 'directory_entries', x::text FROM shouwen.directory_entries x) s
 GROUP BY t;
SELECT shouwen.rebuild_projections() \g /dev/null
SELECT CASE WHEN count(*) = 10 AND bool_and(b.h = a.h) THEN 'same' ELSE 'different' END
  FROM before b JOIN (
SELECT t, md5(string_agg(r, '|' ORDER BY r)) AS h
  FROM (SELECT 'cases' t, x::text r FROM shouwen.cases x UNION ALL
        SELECT 'deadlines', x::text FROM shouwen.deadlines x UNION ALL
        SELECT 'handoffs', x::text FROM shouwen.handoffs x UNION ALL
        SELECT 'breaches', x::text FROM shouwen.breaches x UNION ALL
        SELECT 'violations', x::text FROM shouwen.violations x UNION ALL
        SELECT 'escalations', x::text FROM shouwen.escalations x UNION ALL
        SELECT 'coordinations', x::text FROM shouwen.coordinations x UNION ALL
        SELECT 'callbacks', x::text FROM shouwen.callbacks x UNION ALL
        SELECT 'directory_versions', x::text FROM shouwen.directory_versions x UNION ALL
        SELECT 'directory_entries', x::text FROM shouwen.directory_entries x) s
 GROUP BY t) a USING (t);
SQL
)"

# ---------------------------------------------------------------- roles

# Every view of the schema, read by the auditor.
views=$(sql postgres <<<"SELECT string_agg(viewname, ' ' ORDER BY viewname) FROM pg_views WHERE schemaname = 'shouwen'")
check "the auditing views exist" "directory_history directory_scopes event_chain_check first_inquiry_register late_transfers" \
    "$(tr ' ' '\n' <<<"$views" | grep -xE 'directory_history|directory_scopes|event_chain_check|first_inquiry_register|late_transfers' | paste -sd' ')"
for v in $views; do
    check "auditor reads view $v" "ok" \
        "$(asql <<<"SELECT 'ok' FROM (SELECT count(*) FROM shouwen.$v) s")"
done
check "auditor reads every table and view" "" \
    "$(sql postgres <<<"SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shouwen' AND c.relkind IN ('r', 'v') AND NOT has_table_privilege('shouwen_auditor', c.oid, 'SELECT')")"
check "auditor calls every auditing function" "10" \
    "$(asql <<'SQL'
SELECT (SELECT count(*) FROM shouwen.verify_chain() WHERE ok) +
       (SELECT least(count(*), 1) FROM shouwen.register_by_day('2026-03-01', '2026-03-31')) +
       (SELECT least(count(*), 1) FROM shouwen.case_timeline('SW-2603-0000-0001')) +
       (SELECT least(count(*), 1) FROM shouwen.custody_chain('SW-2603-0000-0001')) +
       (SELECT least(count(*), 1) FROM shouwen.late_transfers_by_person('2026-03-01')) +
       (SELECT least(count(*), 1) FROM shouwen.reply_callback_compliance('2026-03-01')) +
       (SELECT least(count(*), 1) FROM shouwen.department_assessment('2026-03-01')) +
       (SELECT least(count(*), 1) FROM shouwen.qa_sample('2026-03-01', 1, 's')) +
       (SELECT count(*) FROM shouwen.responsible_at('repair', now())) +
       (SELECT count(*) FROM (SELECT shouwen.event_summary('case.progress', '{"text":"x"}')) s);
SQL
)"
check "auditor may change no table or view (INSERT, UPDATE, DELETE, TRUNCATE)" "" \
    "$(sql postgres <<<"SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shouwen' AND c.relkind IN ('r', 'v') AND has_table_privilege('shouwen_auditor', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')")"
check "writer may change no table or view directly" "" \
    "$(sql postgres <<<"SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shouwen' AND c.relkind IN ('r', 'v') AND has_table_privilege('shouwen_writer', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')")"
check "auditor may run none of the writing functions" "f|f|f|f" \
    "$(sql postgres <<<"SELECT has_function_privilege('shouwen_auditor', 'shouwen.append_batch(jsonb)', 'EXECUTE'), has_function_privilege('shouwen_auditor', 'shouwen.rebuild_projections()', 'EXECUTE'), has_function_privilege('shouwen_auditor', 'shouwen.project(shouwen.events)', 'EXECUTE'), has_function_privilege('shouwen_auditor', 'shouwen.record_directory(shouwen.events)', 'EXECUTE')")"
check_refused "writer cannot UPDATE events" shouwen_writer 'permission denied' \
    <<<"UPDATE shouwen.events SET actor = 'x' WHERE position = 1"
check_refused "writer cannot DELETE events" shouwen_writer 'permission denied' \
    <<<"DELETE FROM shouwen.events WHERE position = 1"
check_refused "writer cannot TRUNCATE events" shouwen_writer 'permission denied' \
    <<<"TRUNCATE shouwen.events"
check_refused "writer cannot UPDATE violations (penalties)" shouwen_writer 'permission denied' \
    <<<"UPDATE shouwen.violations SET penalty_yuan = 0"
check_refused "writer cannot DELETE callbacks (ratings)" shouwen_writer 'permission denied' \
    <<<"DELETE FROM shouwen.callbacks"
check_refused "owner cannot UPDATE events (append-only trigger)" shouwen_owner 'append-only' \
    <<<"UPDATE shouwen.events SET actor = 'x' WHERE position = 1"
check_refused "owner cannot DELETE events (append-only trigger)" shouwen_owner 'append-only' \
    <<<"DELETE FROM shouwen.events WHERE position = 1"
check_refused "owner cannot TRUNCATE events (append-only trigger)" shouwen_owner 'append-only' \
    <<<"TRUNCATE shouwen.events CASCADE"
check_refused "auditor session is read-only" shouwen_auditor 'read-only transaction' \
    <<<"UPDATE shouwen.cases SET state = 'closed'"
check_refused "auditor cannot UPDATE cases even outside read-only" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; UPDATE shouwen.cases SET state = 'closed'"
check_refused "auditor cannot DELETE violations" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; DELETE FROM shouwen.violations"
check_refused "auditor cannot TRUNCATE handoffs" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; TRUNCATE shouwen.handoffs"
check_refused "auditor cannot create objects in the schema" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; CREATE TABLE shouwen.mine (x int)"
check_refused "auditor cannot append" shouwen_auditor 'permission denied' \
    <<<"SET default_transaction_read_only = off; SELECT * FROM shouwen.append_batch('[]')"

# ---------------------------------------------------------------- hash chain

check "verify_chain: clean log intact" "t||$TOTAL|intact" \
    "$(asql <<<'SELECT * FROM shouwen.verify_chain()')"
check "verify_chain: a range" "t||11|intact" \
    "$(asql <<<'SELECT * FROM shouwen.verify_chain(10, 20)')"
check "verify_chain agrees with event_chain_check" "0" \
    "$(asql <<<'SELECT count(*) FROM shouwen.event_chain_check WHERE NOT (gapless AND hash_ok)')"
BAD=57
sql postgres >/dev/null <<SQL
ALTER TABLE shouwen.events DISABLE TRIGGER events_append_only;
UPDATE shouwen.events SET body = jsonb_set(body, '{penalty_yuan}', '0') WHERE position = $BAD;
ALTER TABLE shouwen.events ENABLE TRIGGER events_append_only;
SQL
check "verify_chain: a row altered by a superuser is named" \
    "f|$BAD|$TOTAL|position $BAD: the stored hash does not recompute (the row was altered)" \
    "$(asql <<<'SELECT * FROM shouwen.verify_chain()')"
check "verify_chain: the range before it is intact, the range from it is not" \
    "t|f|$BAD" \
    "$(asql <<<"SELECT (SELECT ok FROM shouwen.verify_chain(1, $((BAD - 1)))), (SELECT ok FROM shouwen.verify_chain($BAD, $((BAD + 5)))), (SELECT first_bad_position FROM shouwen.verify_chain(20))")"
check "verify_chain: a range after it is anchored on the stored hash, intact" "t" \
    "$(asql <<<"SELECT ok FROM shouwen.verify_chain($((BAD + 1)))")"
sql postgres >/dev/null <<SQL
ALTER TABLE shouwen.events DISABLE TRIGGER events_append_only;
DELETE FROM shouwen.events WHERE position = $TOTAL;
ALTER TABLE shouwen.events ENABLE TRIGGER events_append_only;
SQL
check "verify_chain: the first bad position wins (altered $BAD before the deleted last row)" "f|$BAD" \
    "$(asql <<<'SELECT ok, first_bad_position FROM shouwen.verify_chain()')"
check "verify_chain: the deleted last row is named (the log head is ahead)" \
    "f|$TOTAL|positions $TOTAL..$TOTAL are missing (the log head is at $TOTAL)" \
    "$(asql <<<"SELECT ok, first_bad_position, reason FROM shouwen.verify_chain($((BAD + 1)))")"
sql postgres >/dev/null <<SQL
ALTER TABLE shouwen.events DISABLE TRIGGER events_append_only;
DELETE FROM shouwen.events WHERE position = 30;
ALTER TABLE shouwen.events ENABLE TRIGGER events_append_only;
SQL
check "verify_chain: a row deleted in the middle is named" \
    "f|30|position 30 is missing (deleted, or the log was renumbered)" \
    "$(asql <<<"SELECT ok, first_bad_position, reason FROM shouwen.verify_chain()")"

sqllib_done
