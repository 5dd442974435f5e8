#!/usr/bin/env bash
# sql_names: names and Chinese labels for auditors (issue 14, acceptance 4;
# migration 008), without the daemons.
#
# Two organisation directories through the log: hotel-1 (03-01) names the
# staff and departments; hotel-2 (03-20) renames housekeeping 客房部 ->
# 客房服务部 and wu-01 吴一 -> 吴一鸣, and leaves out fo-02 (who left).  Two
# cases: A registered on 03-02 (before the rename), transferred front office
# -> housekeeping, returned, closed; B registered on 03-25 (after it).  The
# register, the timeline and the assessment must show the names in force at
# the time and Chinese labels; every enum value of proto/shouwen.proto that
# the views show has its label; every table, view and column auditors read
# has a comment that starts in Chinese.  Then the leftovers of issue 14:
# verify_chain past the log head, no entries for a position without a file.
source "$(dirname "$0")/sqllib.sh"

sqllib_cluster sql_names 31600 31649
sqllib_migrate

check "verify_chain on an empty log: intact, a range beyond the head says so" \
    "true|0|intact 0|positions 1..10 lie beyond the log head (0): nothing to check" \
    "$(sql shouwen_auditor <<<"SELECT (SELECT ok || '|' || checked || '|' || reason FROM shouwen.verify_chain()) || ' ' || (SELECT concat_ws('|', ok, checked, reason) FROM shouwen.verify_chain(1, 10) WHERE ok IS NULL)")"

EVENTS="$SQLLIB_TMP/events.tsv"
: >"$EVENTS"
N=0
id() { printf '00000000-0000-8000-8000-%012d' "$1"; }
us() { echo "$(($(date -u -d "2026-$1 +0800" +%s) * 1000000))"; }
emit() { # TYPE CASE TIME PRODUCER ACTOR BODY
    N=$((N + 1))
    local t case_field=""
    t=$(us "$3")
    [[ -n "$2" ]] && case_field="\"case_id\":\"$2\","
    printf '%s\t{"event_id":"%s","type":"%s",%s"case_version":0,"producer":"%s","producer_seq":%d,"actor":"%s","occurred_at_us":%s,"body":%s,"envelope":"0a10%06x"}\n' \
        "$t" "$(id $N)" "$1" "$case_field" "$4" "$N" "$5" "$t" "$6" "$N" >>"$EVENTS"
}
directory() { # TIME VERSION CONTENT
    emit directory.loaded "" "$1" intake gm-01 "{\"kind\":\"organisation\",\"version\":\"$2\",\"content\":\"$(sqllib_hex "$3")\",\"loaded_by\":\"gm-01\",\"entries\":$(sqllib_entries "$3")}"
}
inquiry() { # CASE TIME KIND RECEIVER
    emit inquiry.received "$1" "$2" intake "$4" "{\"branch_id\":\"hotel\",\"request_id\":\"r-$1\",\"channel\":\"CHANNEL_VISIT\",\"kind\":\"REQUEST_KIND_$3\",\"customer\":{\"name\":\"客人\",\"phone\":\"13800000000\"},\"matter\":\"房间清洁\",\"category\":\"room_cleaning\",\"urgency\":\"URGENCY_NORMAL\",\"receiver_staff_id\":\"$4\",\"received_at_us\":$(us "$2")}"
}
routed() { # CASE TIME DISPOSITION DEPARTMENT OWNER HANDLER
    emit case.routed "$1" "$2" router router "{\"disposition\":\"DISPOSITION_$3\",\"natural_owner_id\":\"$5\",\"factual_owner_id\":\"$5\",\"handler_id\":\"$6\",\"department_id\":\"$4\"}"
}
handoff() { # TYPE CASE TIME FROM FDEPT TO TDEPT OPINION
    local h="\"hop\":1,\"from_staff_id\":\"$4\",\"from_department_id\":\"$5\",\"to_staff_id\":\"$6\",\"to_department_id\":\"$7\",\"sender_signer_id\":\"$4\",\"sender_signed_at_us\":$(us "$3")"
    [[ -n "${8:-}" ]] && h="$h,\"opinion\":\"$8\""
    emit "case.$1" "$2" "$3" router "$4" "{\"handoff\":{$h}}"
}

DIR1='directory
    version = "hotel-1"
branch
    hotel
        name = "西湖国际大酒店"
department
    front_office
        name = "前厅部"
    housekeeping
        name = "客房部"
staff
    fo-01
        name = "王芳"
        department = "front_office"
    fo-02
        name = "李娜"
        department = "front_office"
    wu-01
        name = "吴一"
        department = "housekeeping"'
DIR2=${DIR1//hotel-1/hotel-2}
DIR2=${DIR2//'"客房部"'/'"客房服务部"'}
DIR2=${DIR2//'"吴一"'/'"吴一鸣"'}
DIR2=$(printf '%s\n' "$DIR2" | awk '/^    fo-02/{skip=2; next} skip>0{skip--; next} {print}')

A=SW-AAAA-0000-0001
B=SW-BBBB-0000-0002
directory "03-01 09:00" hotel-1 "$DIR1"
inquiry $A "03-02 09:00" HELP fo-02
routed $A "03-02 09:01" OTHER_DEPARTMENT housekeeping fo-02 wu-01
handoff transferred $A "03-02 09:30" fo-02 front_office wu-01 housekeeping
handoff returned $A "03-02 10:00" wu-01 housekeeping fo-02 front_office 不属客房部
emit case.closed $A "03-02 11:00" router fo-02 '{"reason":"已办结"}'
directory "03-20 09:00" hotel-2 "$DIR2"
inquiry $B "03-25 09:00" COMPLAINT fo-01
routed $B "03-25 09:01" OTHER_DEPARTMENT housekeeping fo-01 wu-01
emit violation.recorded $B "03-25 10:00" sla sla '{"type":"VIOLATION_TYPE_LATE_TRANSFER","staff_id":"fo-01","department_id":"front_office","penalty_yuan":100,"occurrence_in_month":1,"rule":"R10"}'
emit case.escalated $B "03-25 10:00" router router '{"level":"ESCALATION_LEVEL_QA_OFFICE","to_staff_id":"qa-01","department_id":"front_office","conflict":true,"reason":"投诉升级"}'

sort -s -n -k1,1 "$EVENTS" | cut -f2- >"$EVENTS.sorted"
TOTAL=$(wc -l <"$EVENTS.sorted")
batch="[$(paste -sd, "$EVENTS.sorted")]"
check "all $TOTAL events committed" "$TOTAL" \
    "$(sql shouwen_writer -v batch="$batch" <<<"SELECT count(*) FILTER (WHERE status = 'committed') FROM shouwen.append_batch(:'batch'::jsonb)")"
asql() { PGOPTIONS="-c TimeZone=Asia/Shanghai" sql shouwen_auditor "$@"; }

# ---------------------------------------------------------------- the register

check "register: A before the rename: labels in Chinese, names as hotel-1 had them" \
    "西湖国际大酒店|来访|求助|一般|李娜|李娜|转其他部门|前厅部|李娜|李娜|已结案|" \
    "$(asql <<<"SELECT branch_name, channel_zh, request_kind_zh, urgency_zh, receiver_staff_name, natural_owner_name, disposition_zh, department_name, factual_owner_name, handler_name, state_zh, escalation_level_zh FROM first_inquiry_register WHERE case_id = '$A'")"
check "register: B after the rename: 客房服务部, 吴一鸣; complaint, QA office" \
    "投诉|王芳|客房服务部|吴一鸣|已分派|质检部" \
    "$(asql <<<"SELECT request_kind_zh, receiver_staff_name, department_name, handler_name, state_zh, escalation_level_zh FROM first_inquiry_register WHERE case_id = '$B'")"
check "register: the ids stay beside the names" "fo-02|other_department|front_office|closed" \
    "$(asql <<<"SELECT receiver_staff_id, disposition, department_id, state FROM first_inquiry_register WHERE case_id = '$A'")"

# ---------------------------------------------------------------- the timeline

check "timeline A: event types in Chinese" "首问登记 首问判断 转交 退回 结案" \
    "$(asql <<<"SELECT string_agg(type_zh, ' ' ORDER BY position) FROM case_timeline('$A')")"
check "timeline A: actors by name (a service by its Chinese name)" "李娜 分派服务 李娜 吴一 李娜" \
    "$(asql <<<"SELECT string_agg(actor_name, ' ' ORDER BY position) FROM case_timeline('$A')")"
check "timeline A: the routing and the return in Chinese, with the names then" \
    "转其他部门；承办部门 客房部；自然首问责任人 李娜；事实首问责任人 李娜；经办人 吴一
退回（第1次）：吴一／客房部 → 李娜／前厅部；发出签名 吴一 2026-03-02 10:00:00+08；意见：不属客房部" \
    "$(asql <<<"SELECT summary_zh FROM case_timeline('$A') WHERE type IN ('case.routed', 'case.returned') ORDER BY position")"
check "timeline B: violation and escalation in Chinese" \
    "违规：未及时移交，王芳／前厅部；罚款 100 元；本月第 1 次；依据 R10
上报质检部 qa-01；矛盾升级；计入 前厅部；投诉升级" \
    "$(asql <<<"SELECT summary_zh FROM case_timeline('$B') WHERE type IN ('violation.recorded', 'case.escalated') ORDER BY position")"
check "timeline: the English summary is still there" "other_department: department housekeeping - natural owner fo-02 - factual owner fo-02 - handler wu-01" \
    "$(asql <<<"SELECT summary FROM case_timeline('$A') WHERE type = 'case.routed'")"

# ---------------------------------------------------------------- the assessment

check "assessment: March names as at the month's end (after the rename)" \
    "front_office|前厅部|1|1
housekeeping|客房服务部|1|0" \
    "$(asql <<<"SELECT department_id, department_name, cases, violations FROM department_assessment('2026-03-01')")"
check "names at a time: before and after the rename, a person who left" "客房部|客房服务部|李娜|李娜" \
    "$(asql <<<"SELECT department_name('housekeeping', '2026-03-10'), department_name('housekeeping'), staff_name('fo-02', '2026-03-25'), staff_name('fo-02', '2026-02-01')")"

# ---------------------------------------------------------------- labels

# every value of the enums the views show, from proto/shouwen.proto
declare -A DOMAIN=([Channel]=channel [RequestKind]=request_kind [Urgency]=urgency
    [Disposition]=disposition [EscalationLevel]=escalation_level [DeadlineKind]=deadline_kind
    [ViolationType]=violation_type [CommandKind]=command_kind)
values=""
for e in "${!DOMAIN[@]}"; do
    values+=$(awk -v e="$e" -v d="${DOMAIN[$e]}" '
        $1 == "enum" && $2 == e { inside = 1; next }
        inside && /^}/ { inside = 0 }
        inside && $1 ~ /^[A-Z_0-9]+$/ && /=/ { v = $1; sub(/^[A-Z]+_/, "", v); if (e == "RequestKind" || e == "EscalationLevel" || e == "DeadlineKind" || e == "ViolationType" || e == "CommandKind") sub(/^[A-Z]+_/, "", v)
                        printf "%s|%s\n", d, tolower(v) }' "$SRC/proto/shouwen.proto")$'\n'
done
nvalues=$(grep -c '|' <<<"$values")
[[ $nvalues -ge 70 ]] || check "proto enums read" ">= 70 values" "$nvalues"
missing=$(grep '|' <<<"$values" | while IFS='|' read -r d v; do
    [[ $(asql <<<"SELECT count(*) FROM labels WHERE domain = '$d' AND value = '$v'") == 1 ]] || echo "$d.$v"
done | paste -sd' ')
check "every value of the proto's enums ($nvalues) has a Chinese label" "" "$missing"
check "states, deadline states and outcomes, handoff kinds have labels" "" \
    "$(asql <<<"SELECT string_agg(DISTINCT x, ' ') FROM (
        SELECT 'case_state.' || state AS x FROM cases WHERE label_zh('case_state', state) = state
        UNION SELECT 'deadline_state.' || state FROM deadlines WHERE label_zh('deadline_state', state) = state
        UNION SELECT 'handoff_kind.' || kind FROM handoffs WHERE label_zh('handoff_kind', kind) = kind
        UNION SELECT 'event_type.' || type FROM events WHERE label_zh('event_type', type) = type) s")"
check "label_zh: other_department is 转其他部门; an unknown value answers itself; NULL stays NULL" \
    "转其他部门|something_new|t" \
    "$(asql <<<"SELECT label_zh('disposition', 'other_department'), label_zh('disposition', 'something_new'), label_zh('disposition', NULL) IS NULL")"
check "every label is Chinese" "0" \
    "$(asql <<<"SELECT count(*) FROM labels WHERE label_zh !~ '[一-鿿]'")"

# ---------------------------------------------------------------- comments

check "every table and view the auditor reads has a comment starting in Chinese" "" \
    "$(asql <<<"SELECT string_agg(c.relname, ' ') FROM pg_class c WHERE c.relnamespace = 'shouwen'::regnamespace AND c.relkind IN ('r', 'v') AND has_table_privilege(c.oid, 'SELECT') AND coalesce(obj_description(c.oid, 'pg_class'), '') !~ '^[一-鿿]'")"
check "every column the auditor reads has a comment starting in Chinese" "" \
    "$(asql <<<"SELECT string_agg(c.relname || '.' || a.attname, ' ') FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE c.relnamespace = 'shouwen'::regnamespace AND c.relkind IN ('r', 'v') AND has_table_privilege(c.oid, 'SELECT') AND coalesce(col_description(c.oid, a.attnum), '') !~ '^[一-鿿]'")"
check "the English comments are kept after the Chinese" "t" \
    "$(asql <<<"SELECT col_description('shouwen.first_inquiry_register'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'shouwen.first_inquiry_register'::regclass AND attname = 'received_at')) LIKE '登记时间。When the branch took the inquiry%'")"
check "the auditing functions' comments start in Chinese" "" \
    "$(asql <<<"SELECT string_agg(p.proname, ' ') FROM pg_proc p WHERE p.pronamespace = 'shouwen'::regnamespace AND p.proname IN ('verify_chain', 'register_by_day', 'case_timeline', 'custody_chain', 'late_transfers_by_person', 'reply_callback_compliance', 'department_assessment', 'qa_sample', 'responsible_at', 'lateness_by_person', 'bounces_by_department', 'working_time', 'label_zh', 'staff_name', 'department_name') AND coalesce(obj_description(p.oid, 'pg_proc'), '') !~ '^[一-鿿]'")"

# ---------------------------------------------------------------- leftovers

check "verify_chain past the head: not 'intact, 0 checked', says the range is beyond the head" \
    "|0|positions 1000..2000 lie beyond the log head ($TOTAL): nothing to check" \
    "$(asql <<<"SELECT ok, checked, reason FROM verify_chain(1000, 2000)")"
check "verify_chain from past the head" "|positions from 1000 on lie beyond the log head ($TOTAL): nothing to check" \
    "$(asql <<<"SELECT ok, reason FROM verify_chain(1000)")"
check "verify_chain reaching past the head says where it is" "t|$((TOTAL - 1))|intact up to the log head ($TOTAL); $((TOTAL + 1))..2000 lie beyond it" \
    "$(asql <<<"SELECT ok, checked, reason FROM verify_chain(2, 2000)")"
check "verify_chain: the whole log, a range inside it, as before" "true|$TOTAL|intact true|2|intact" \
    "$(asql <<<"SELECT (SELECT ok || '|' || checked || '|' || reason FROM verify_chain()) || ' ' || (SELECT ok || '|' || checked || '|' || reason FROM verify_chain(2, 3))")"
check "no entries for a position that holds no file" "0" \
    "$(asql <<<"SELECT count(*) FROM directory_entries WHERE directory_position = 2")"
check "a directory's position: its entries, as intake's reader gave them" "t" \
    "$(asql <<<"SELECT count(*) > 10 FROM directory_entries WHERE directory_position = 1")"
check "PostgreSQL parses no ZPL: zpl_entries is gone (migration 010)" "0" \
    "$(asql <<<"SELECT count(*) FROM pg_proc WHERE proname = 'zpl_entries'")"

sqllib_done
