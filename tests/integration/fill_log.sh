#!/usr/bin/env bash
# Issue 10: bench/fill_log, the generator of the 10 M-event restart figures
# (bench/restart.sh RESTART_FILL=generate), makes a log the daemons would
# have made.  On a real hub on a held file clock: a closed and an open
# template case through the CLI (as restart.sh makes them); intake, router
# and sla stopped; fill_log proposes 300 copies (40 open) to audit; then
# every copy is in the log with its template's event types in order, the
# chain verifies, the projections equal a rebuild, and intake, router and
# sla started on the whole log find nothing left to decide (router and sla:
# "0 decisions waiting to commit", no new event), and a copy is a case like
# another: a late action on a closed copy is answered CASE_CLOSED, an open
# copy can be replied to.
source "$(dirname "$0")/lib.sh"
FILL=$SHOUWEN_BUILD/bench/fill_log
[[ -x "$FILL" ]] || { echo "FAIL: no $FILL"; exit 1; }
DIR=$SHOUWEN_BUILD/itest/fill_log
rm -rf "$DIR"
mkdir -p "$DIR"
NOW=$(($(date +%s) * 1000000))
echo "$NOW" >"$DIR/clock"
export HUB_CLOCK="file:$DIR/clock"
itest_hub_at "$DIR/hub" 31880
count_case() { sql "select count(*) from shouwen.events where case_id='$1'"; }
grow() { wait_sql "select count(*) >= $2 from shouwen.events where case_id='$1'" t 20; }
types() { sql "select string_agg(type, ',' order by position) from shouwen.events where case_id='$1'"; }

closed=$("$CLI" submit --channel phone --kind consultation --name 张三 --phone 13800000000 \
    --matter "客人询问账单上的迷你吧消费" --category billing --receiver fo-01 --request-id tpl-closed)
grow "$closed" 2 || fail "closed template routed"
"$CLI" reply "$closed" --staff fo-01 --text "已核对：迷你吧消费为两瓶矿泉水，共 20 元" >/dev/null &&
    grow "$closed" 4 || fail "closed template replied"
"$CLI" close "$closed" --staff fo-01 --reason "已答复客人" >/dev/null &&
    wait_sql "select count(*) from shouwen.events where case_id='$closed' and type='case.closed'" 1 20 ||
    fail "closed template closed"
open=$("$CLI" submit --channel visit --kind complaint --name 李四 --phone 13900000000 \
    --matter "房间卫生间地漏堵塞" --category room_cleaning --receiver fo-01 --request-id tpl-open)
grow "$open" 2 || fail "open template routed"
"$CLI" transfer "$open" --staff fo-01 --to-department housekeeping --reason "客房清洁由客房部负责" >/dev/null &&
    wait_sql "select count(*) from shouwen.events where case_id='$open' and type='case.transferred'" 1 20 ||
    fail "open template transferred"
"$CLI" accept "$open" --staff hk-01 >/dev/null &&
    wait_sql "select count(*) from shouwen.events where case_id='$open' and type='case.accepted'" 1 20 ||
    fail "open template accepted"
sleep 2 # sla's clock decisions on the acceptance
TC=$(types "$closed")
TO=$(types "$open")
NC=$(count_case "$closed")
NO=$(count_case "$open")
for d in intake router sla; do hub_stop "$d" TERM; done
rm -f "$HUB/state/"*
H0=$(sql "select max(position) from shouwen.events")

out=$(timeout 120 "$FILL" --keys "$HUB/keys/own" --audit-cert "$HUB/keys/daemons/audit.cert" \
    --proposals "tcp://127.0.0.1:31882" --committed "tcp://127.0.0.1:31883" \
    --replay "tcp://127.0.0.1:31884" --closed "$closed" --open "$open" \
    --cases 300 --open-cases 40 --now-us "$NOW" --window 50 2>&1)
grep -q '^FILL cases=300 ' <<<"$out" && pass "fill_log proposed 300 copies and saw them committed" ||
    fail "fill_log: $(tail -n 3 <<<"$out")"
check_eq "the log grew by 260 closed and 40 open copies" $((H0 + 260 * NC + 40 * NO)) \
    "$(sql "select max(position) from shouwen.events")"
check_eq "every copy has its template's events, in order" "260|40" \
    "$(sql "select count(*) filter (where t = '$TC') || '|' || count(*) filter (where t = '$TO')
            from (select case_id, string_agg(type, ',' order by position) t from shouwen.events
                  where position > $H0 group by case_id) x")"
check_eq "copies are the branch's own requests fill/0 .. fill/299" "300|0|299" \
    "$(sql "select count(*) || '|' || min(substr(body->>'request_id', 6)::int) || '|' || max(substr(body->>'request_id', 6)::int)
            from shouwen.events where position > $H0 and type = 'inquiry.received'")"
check_eq "the chain verifies" "t" "$(sql "select ok from shouwen.verify_chain()")"
check_eq "projections equal a rebuild" "302|$(sql "select count(*) from shouwen.deadlines")|0|0|$(sql "select count(*) from shouwen.handoffs")|0" \
    "$(projections_vs_rebuild)"
check_eq "open copies' cases open, closed copies' closed" "40|260" \
    "$(sql "select count(*) filter (where state <> 'closed') - 1 || '|' || count(*) filter (where state = 'closed') - 1 from shouwen.cases")"

H1=$(sql "select max(position) from shouwen.events")
for d in intake router sla; do hub_start "$d"; done
wait_log "$HUB/log/router.log" "live at position $H1: 41 open cases, 261 closed, 0 decisions waiting" 30 &&
    pass "router replays the copies and has nothing left to decide" ||
    fail "router: $(grep 'live at position' "$HUB/log/router.log" | tail -n 1)"
wait_log "$HUB/log/sla.log" "live at position $H1: .* 0 decisions waiting to commit" 30 &&
    pass "sla replays the copies and has nothing left to decide" ||
    fail "sla: $(grep 'live at position' "$HUB/log/sla.log" | tail -n 1)"
hub_wait_ready 30 || fail "intake ready"
sleep 2
check_eq "nothing was proposed on the replay" "$H1" "$(sql "select max(position) from shouwen.events")"

C0=$(sql "select case_id from shouwen.events where position > $H0 and type = 'inquiry.received' order by position limit 1")
err=$("$CLI" progress "$C0" --staff fo-01 --text "补充说明" 2>&1 >/dev/null)
[[ "$err" == *CASE_CLOSED* ]] && pass "a late action on a closed copy is answered CASE_CLOSED" ||
    fail "late action on $C0: $err"
C1=$(sql "select case_id from shouwen.events where position > $H0 and type = 'case.accepted' order by position limit 1")
"$CLI" reply "$C1" --staff hk-01 --text "已安排保洁员疏通地漏" >/dev/null &&
    wait_sql "select count(*) from shouwen.events where case_id = '$C1' and type = 'case.replied'" 1 20 &&
    pass "an open copy is replied to by its handler" || fail "reply on the open copy $C1"
itest_done
