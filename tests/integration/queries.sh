#!/usr/bin/env bash
# Queries and notifications on the hub (issue 9, docs/queries.md), on the
# sample hotel: inbox, queue, due and find after a few CLI actions, every
# time in Beijing time with its zone; `watch --staff hk-01` is told of a
# transfer to housekeeping within 2 s, and after its connection is gone and
# it resumes from the last position it showed, it sees the ones it missed
# once and none it had shown.
source "$(dirname "$0")/lib.sh"
itest_hub queries 31700
export SHOUWEN_TZ=Asia/Shanghai
OUT=$HUB/watch
mkdir -p "$OUT"
routed() { wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id='$1'" 1 20; }

C1=$(submit --category room_cleaning --phone 13900000001 --name 李雷 --matter "房间需要打扫" --request-id q1)
C2=$(submit --category check_in --phone 13900000002 --request-id q2)
routed "$C1" && routed "$C2" && pass "two cases routed ($C1, $C2)" || fail "routing"
# sla sets the deadlines just after the routing commits: wait for them
wait_sql "select count(*) >= 2 from shouwen.events where type='sla.deadline_set' and case_id in ('$C1', '$C2')" t 20 ||
    fail "no deadlines set"

# inbox: fo-01 took both (first owner of each); intake has the deadlines
# once it has followed the log past sla's deadline_set
for ((i = 0; i < 50; i++)); do
    out=$("$CLI" inbox --staff fo-01)
    [[ "$out" == *到期* ]] && break
    sleep 0.2
done
[[ "$out" == *"$C1"* && "$out" == *"$C2"* && "$out" == *首问责任人* ]] &&
    pass "inbox --staff fo-01 lists both cases with fo-01's role" || fail "inbox fo-01: $out"
[[ "$out" =~ 到期\ 20[0-9]{2}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}\ \+08:00 ]] &&
    pass "  every deadline shown in Beijing time with its zone" || fail "  deadline times: $out"
[[ "$out" == *计时中* || "$out" == *已预警* ]] && pass "  each running deadline with its state" ||
    fail "  deadline state: $out"

# a watch of hk-01, from now on
"$CLI" watch --staff hk-01 --for 60 >"$OUT/w1.out" 2>"$OUT/w1.err" &
W1=$!
for ((i = 0; i < 50; i++)); do grep -q 已订阅 "$OUT/w1.err" && break; sleep 0.1; done
grep -q 已订阅 "$OUT/w1.err" && pass "watch --staff hk-01 subscribed" || fail "watch: $(cat "$OUT/w1.err")"

t0=$(date +%s%N)
"$CLI" transfer "$C1" --staff fo-01 --to-department housekeeping --reason "客房清洁由客房部负责" >/dev/null ||
    fail "transfer C1"
seen=""
for ((i = 0; i < 40; i++)); do
    if grep -q "$C1.*转交给您" "$OUT/w1.out"; then seen=$((($(date +%s%N) - t0) / 1000000)); break; fi
    sleep 0.05
done
[[ -n "$seen" && $seen -le 2000 ]] && pass "the transfer to housekeeping reached hk-01's watch in ${seen} ms" ||
    fail "transfer not seen within 2 s: $(cat "$OUT/w1.out")"
grep "$C1.*转交给您" "$OUT/w1.out" | grep -q "来自 fo-01 front_office；客房清洁由客房部负责" &&
    pass "  it names the sender and the reason, in Chinese" || fail "  line: $(cat "$OUT/w1.out")"

# queue and inbox after the transfer
out=$("$CLI" queue --department housekeeping)
[[ "$out" == *"$C1"* && "$out" == *已转交待签收* && "$out" != *"$C2"* ]] &&
    pass "queue --department housekeeping holds the case passed to it, not the other" || fail "queue: $out"
"$CLI" accept "$C1" --staff hk-01 >/dev/null || fail "accept"
out=$("$CLI" inbox --staff hk-01)
[[ "$out" == *"$C1"* && "$out" == *实际责任人* && "$out" == *承办人* ]] &&
    pass "inbox --staff hk-01: the signed-for case as factual owner and handler" || fail "inbox hk-01: $out"

# due and find
out=$("$CLI" due --within 100000)
[[ "$out" == *"$C1"* && "$out" == *"$C2"* ]] && pass "due --within 100000 lists the cases with running deadlines" ||
    fail "due: $out"
out=$("$CLI" due --within 100000 --callbacks)
[[ "$out" == *"共 0 件"* ]] && pass "due --callbacks: none resolved yet, no callback due" || fail "due callbacks: $out"
out=$("$CLI" find --phone "139 0000 0001")
[[ "$out" == *"$C1"* && "$out" == *李雷* && "$out" != *"$C2"* ]] && pass "find --phone finds the customer's case" ||
    fail "find phone: $out"
out=$("$CLI" find --case "$C2" --json)
[[ "$out" == *"\"case_id\":\"$C2\""* ]] && pass "find --case gives the case (JSON)" || fail "find case: $out"

# the watch disconnects; two more notifications for hk-01 happen meanwhile
sleep 0.5
kill "$W1" 2>/dev/null
wait "$W1" 2>/dev/null
last=$(grep -o '\[位置 [0-9]*\]' "$OUT/w1.out" | tail -1 | tr -dc 0-9)
shown=$(grep -c '^\[位置' "$OUT/w1.out")
[[ -n "$last" ]] && pass "the watch had shown $shown notification(s), the last at position $last" ||
    fail "no position shown: $(cat "$OUT/w1.out")"
C3=$(submit --category room_cleaning --phone 13900000003 --request-id q3)
routed "$C3"
"$CLI" transfer "$C3" --staff fo-01 --to-department housekeeping --reason "第二件" >/dev/null || fail "transfer C3"
C4=$(submit --category room_cleaning --phone 13900000004 --request-id q4)
routed "$C4"
"$CLI" transfer "$C4" --staff fo-01 --to-department housekeeping --reason "第三件" >/dev/null || fail "transfer C4"

"$CLI" watch --staff hk-01 --from "$last" --for 3 >"$OUT/w2.out" 2>"$OUT/w2.err"
check_eq "resumed from $last: the missed transfer of $C3 once" 1 "$(grep -c "$C3.*转交给您" "$OUT/w2.out")"
check_eq "  and of $C4 once" 1 "$(grep -c "$C4.*转交给您" "$OUT/w2.out")"
check_eq "  none it had shown before" 0 "$(grep -c "$C1.*转交给您" "$OUT/w2.out")"
dups=$(grep -o '^\[位置 [0-9]*\]' "$OUT/w2.out" | sort | uniq -d | wc -l)
check_eq "  no position twice" 0 "$dups"
positions=$(grep -o '^\[位置 [0-9]*\]' "$OUT/w2.out" | tr -dc '0-9\n' | awk -v l="$last" '$1<=l' | wc -l)
check_eq "  every position after $last" 0 "$positions"

# a watch across an intake restart: it resumes by itself from its last position
"$CLI" watch --staff hk-01 --for 40 >"$OUT/w3.out" 2>"$OUT/w3.err" &
W3=$!
for ((i = 0; i < 50; i++)); do grep -q 已订阅 "$OUT/w3.err" && break; sleep 0.1; done
hub_stop intake
sleep 1
hub_start intake
C5=$(submit --category room_cleaning --phone 13900000005 --request-id q5)
routed "$C5"
"$CLI" transfer "$C5" --staff fo-01 --to-department housekeeping --reason "重启之后" >/dev/null || fail "transfer C5"
for ((i = 0; i < 300; i++)); do grep -q "$C5.*转交给您" "$OUT/w3.out" && break; sleep 0.1; done
check_eq "after intake restarted, the watch resumed and saw the transfer of $C5 once" 1 \
    "$(grep -c "$C5.*转交给您" "$OUT/w3.out")"
kill "$W3" 2>/dev/null
wait "$W3" 2>/dev/null
check_eq "  no position twice across the restart" 0 \
    "$(grep -o '^\[位置 [0-9]*\]' "$OUT/w3.out" | sort | uniq -d | wc -l)"
hub_running intake && pass "intake still running" || fail "intake died"
itest_done
