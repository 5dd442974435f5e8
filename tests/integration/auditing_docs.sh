#!/usr/bin/env bash
# Issue 14, acceptance 1: documentation that runs.  The fixture hub
# (fixture_hub.sh: March 2026 driven through the daemons), then every ```sql
# block of docs/auditing.md run as shouwen_auditor; a block fails the test
# when a statement errors, or when its output's columns differ from the
# output block that follows it in the document.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fixture_hub.sh"
fixture_hub auditing_docs 32400

# doc_blocks FILE DIR: DIR/N.sql for each ```sql block, DIR/N.out for the
# plain ``` block right after it (psql's output as documented)
doc_blocks() {
    awk -v dir="$2" '
        /^```sql$/ { n++; f = dir "/" n ".sql"; inside = 1; last = "sql"; next }
        /^```$/ && inside { inside = 0; next }
        /^```$/ && !inside && last == "sql" { f = dir "/" n ".out"; inside = 1; last = ""; next }
        /^```/ { last = ""; inside = 0; skip = 1; next }
        inside { print > f; next }
        /[^ \t]/ { last = "" }' "$1"
}
DOCS=$HUB/docblocks
mkdir -p "$DOCS"
doc_blocks "$SHOUWEN_SOURCE/docs/auditing.md" "$DOCS"
nblocks=$(ls "$DOCS"/*.sql 2>/dev/null | wc -l)
[[ $nblocks -ge 10 ]] && pass "docs/auditing.md has $nblocks sql blocks" || fail "only $nblocks sql blocks"
# the header lines (column names) of psql's output, in order
# (the line above a table's ---+--- rule; the field names of an expanded record)
headers() {
    awk '/^-+(\+-+)*$/ { if (prev != "") print prev }
         /^-\[ RECORD/ { rec++; next }
         rec == 1 && /\|/ { split($0, a, "|"); print a[1] }
         { prev = $0 }' | tr -d ' '
}
for f in $(ls "$DOCS"/*.sql | sort -V); do
    n=$(basename "$f" .sql)
    out=$(bash "$SHOUWEN_SOURCE/scripts/pg.sh" psql "$HUB/pg" "$HUB_DB" shouwen_auditor \
        -X -v ON_ERROR_STOP=1 -f "$f" 2>&1)
    rc=$?
    if [[ $rc -ne 0 ]]; then
        fail "block $n ($(head -c 60 "$f" | tr '\n' ' ')): $out"
        continue
    fi
    [[ -n "${DOCS_SHOW:-}" ]] && { echo "---- block $n"; cat "$f"; echo "$out"; }
    if [[ -f "$DOCS/$n.out" ]]; then
        check_eq "block $n: the columns are as documented" "$(headers <"$DOCS/$n.out")" "$(headers <<<"$out")"
    else
        pass "block $n runs"
    fi
done

# --- acceptance 3: the questions of issue 14 on the fixture
check_eq "bounces: housekeeping returned a case to the front office" "1|1" \
    "$(sql "select returns||'|'||cases from shouwen.bounces_by_department('2026-03-01')
            where department_id='housekeeping' and counterpart_department_id='front_office'")"
check_eq "bounces: ... the case the front office had sent to housekeeping" "$C_BOUNCE" \
    "$(sql "select string_agg(distinct h.case_id, ',') from shouwen.handoffs h
            where h.kind='returned' and h.from_department_id='housekeeping' and h.to_department_id='front_office'")"
check_eq "bounces: the ping-pong locked with engineering, towards the front office" "2|1|3" \
    "$(sql "select returns||'|'||locks||'|'||bounces from shouwen.bounces_by_department('2026-03-01')
            where department_id='engineering' and counterpart_department_id='front_office'")"
check_eq "working time: the calendar's count over a night (17:00-17:30, 08:30-09:30)" "01:30:00" \
    "$(sql "select shouwen.working_time('2026-03-02 17:00+08', '2026-03-03 09:30+08')")"
check_eq "working time: Friday 16:30 .. Tuesday 09:00 over the weekend and Qingming (Sat-Mon): 1 h + 30 min" "01:30:00" \
    "$(sql "select shouwen.working_time('2026-04-03 16:30+08', '2026-04-07 09:00+08')")"
check_eq "the overnight transfer: 16:30 on the wall clock, 1:30 of working time" "16:30:00|01:30:00" \
    "$(sql "select late_by_wall_clock||'|'||late_by_working_time from shouwen.late_limits where case_id='$C_OVERNIGHT'")"
check_eq "lateness_by_person: fo-01's transfers, worst late by 1:30 of working time" "01:30:00|16:30:00" \
    "$(sql "select worst_late_by_working_time||'|'||worst_late_by_wall_clock
            from shouwen.lateness_by_person('2026-03-01') where staff_id='fo-01' and kind='transfer'")"
check_eq "lateness_by_person: fo-01's late reply, 1 working hour" "01:00:00" \
    "$(sql "select worst_late_by_working_time from shouwen.lateness_by_person('2026-03-01')
            where staff_id='fo-01' and kind='reply'")"
check_eq "working time agrees with sla: every transfer limit is 1 working hour after its routing" "" \
    "$(sql "select string_agg(d.case_id, ',') from shouwen.deadlines d join shouwen.events e on e.position = d.set_position
            where d.kind='transfer' and shouwen.working_time(e.occurred_at, d.due_at) <> interval '1 hour'")"
check_eq "assessment: limits_due = decided + open, for every department" "0" \
    "$(sql "select count(*) from shouwen.department_assessment('2026-03-01')
            where limits_due <> limits_decided + limits_open or limits_decided <> limits_on_time + limits_late")"
check_eq "assessment: housekeeping's open limits (the case still open at the month's end)" "t" \
    "$(sql "select limits_open > 0 from shouwen.department_assessment('2026-03-01') where department_id='housekeeping'")"

# --- acceptance 4: the register, the timeline and the assessment show names and Chinese labels
check_eq "register: the bounced case in Chinese, with names (first contacted, handling department, owner)" \
    "来访|求助|王芳|王芳|转其他部门|礼宾部|冯磊|冯磊|已结案|西湖国际大酒店" \
    "$(sql "select concat_ws('|', channel_zh, request_kind_zh, receiver_staff_name, natural_owner_name, disposition_zh,
                   department_name, factual_owner_name, handler_name, state_zh, branch_name)
            from shouwen.first_inquiry_register where case_id='$C_BOUNCE'")"
check_eq "register: every case has its labels and names" "0" \
    "$(sql "select count(*) from shouwen.first_inquiry_register
            where channel_zh !~ '[一-鿿]' or request_kind_zh !~ '[一-鿿]' or disposition_zh !~ '[一-鿿]'
               or state_zh !~ '[一-鿿]' or receiver_staff_name is null or department_name is null")"
check_eq "timeline: the return of the bounced case, in Chinese with the names" \
    "退回|郑秀英|退回（第1次）：郑秀英／客房部 → 王芳／前厅部" \
    "$(sql "select type_zh||'|'||actor_name||'|'||split_part(summary_zh, '；', 1)
            from shouwen.case_timeline('$C_BOUNCE') where type='case.returned'")"
check_eq "timeline: the overnight transfer's violation in Chinese" \
    "记录违规|时限服务|违规：未及时移交，王芳／前厅部" \
    "$(sql "select type_zh||'|'||actor_name||'|'||split_part(summary_zh, '；', 1)
            from shouwen.case_timeline('$C_OVERNIGHT') where type='violation.recorded'")"
check_eq "timeline: every event has a Chinese type and summary, every actor a name" "0" \
    "$(sql "select count(*) from shouwen.events e, shouwen.case_timeline(e.case_id) t
            where e.type='inquiry.received' and (t.type_zh !~ '[一-鿿]' or t.summary_zh !~ '[一-鿿]' or t.actor_name is null)")"
check_eq "assessment: departments by name" "concierge 礼宾部,engineering 工程部,food_beverage 餐饮部,front_office 前厅部,housekeeping 客房部" \
    "$(sql "select string_agg(department_id||' '||department_name, ',' order by department_id)
            from shouwen.department_assessment('2026-03-01')")"
check_eq "as the auditor: the names and labels are readable" "前厅部|转其他部门" \
    "$(bash "$SHOUWEN_SOURCE/scripts/pg.sh" psql "$HUB/pg" "$HUB_DB" shouwen_auditor -X -At -c \
        "select (select department_name from department_assessment('2026-03-01') where department_id='front_office')||'|'||label_zh('disposition', 'other_department')")"
itest_done
