#!/usr/bin/env bash
# shouwen-branch's durable spool (issue 9, acceptance 2; docs/branch.md):
# with intake stopped, 100 inquiries registered at the branch through the
# CLI are each answered SPOOLED at once with the case id the hub will give;
# once intake is back all 100 are committed exactly once with the request
# ids given at the branch, and the spool shows each confirmed.  Then a
# kill -9 of shouwen-branch during the delivery of another batch loses
# none and doubles none.
source "$(dirname "$0")/lib.sh"
itest_hub branch_spool 32700
B=$SHOUWEN_BUILD/itest/branch_spool.branch
BRANCHD=$SHOUWEN_BUILD/services/branch/shouwen-branch
rm -rf "$B"
mkdir -p "$B"
HUB_ENDPOINT=$SHOUWEN_ENDPOINT
DESK=ipc://$B/run/desk.ipc
cat >"$B/branch.conf" <<EOF
branch
    id = "hotel"
    cert = "$HUB/keys/branch/hotel.cert"
    hub_cert = "$HUB/keys/own/intake.cert"
    hub = "$HUB_ENDPOINT"
    spool = "$B/spool.sqlite"
    listen = "$DESK"
    window = 8
    resend_ms = 300
    resend_max_ms = 1500
EOF

branch_start() {
    "$BRANCHD" -c "$B/branch.conf" >>"$HUB/log/branch.log" 2>&1 &
    BRANCH_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -S $B/run/desk.ipc ]] && return 0
        sleep 0.1
    done
    fail "shouwen-branch did not bind its desk endpoint"
}
branch_stop() {
    [[ -n "${BRANCH_PID:-}" ]] || return 0
    kill -"${1:-TERM}" "$BRANCH_PID" 2>/dev/null
    wait "$BRANCH_PID" 2>/dev/null
    BRANCH_PID=
}
trap 'branch_stop KILL; itest_cleanup' EXIT

# the CLI at the branch: the local endpoint, no key (trusted by permissions)
bcli() { env -u SHOUWEN_CERT -u SHOUWEN_SERVER_CERT SHOUWEN_ENDPOINT="$DESK" "$CLI" "$@"; }
bsubmit() {
    bcli submit --channel phone --kind consultation --name 张三 --phone 13800000000 \
        --matter "网点登记" --category room_booking --receiver fo-01 "$@"
}
bstatus() { "$BRANCHD" status -c "$B/branch.conf" "$@"; }
summary() { bstatus | tail -n 1; }
committed() {
    sql "select count(*) || '/' || count(distinct body->>'request_id') from shouwen.events
         where type='inquiry.received' and body->>'request_id' like '$1-%'"
}
wait_summary() {
    local want=$1 limit=$2 i got
    for ((i = 0; i < limit * 10; i++)); do
        got=$(summary) && [[ "$got" == "$want" ]] && return 0
        sleep 0.1
    done
    echo "  (waited ${limit}s for '$want', last '$got')"
    return 1
}

branch_start
[[ $(stat -c %a "$B/run") == 700 ]] && pass "the desk endpoint's directory is private (0700)" ||
    fail "desk directory mode $(stat -c %a "$B/run")"

# 0. with the hub up: SPOOLED at once, then confirmed; a later ask is OK
C0=$(bsubmit --request-id warm-1 2>"$B/warm.err")
grep -q "已在本网点登记，等待总部确认" "$B/warm.err" && pass "the desk is told in Chinese: recorded at the branch ($C0)" ||
    fail "no spooled message: $(cat "$B/warm.err")"
wait_summary "pending 0  confirmed 1  rejected 0" 20 && pass "the hub confirmed it" || fail "not confirmed"
check_eq "a later ask of the request id is the hub's answer (OK, same case)" "$C0" \
    "$(bsubmit --request-id warm-1 2>/dev/null)"
check_eq "the case id given at the branch is the hub's" "$C0" \
    "$(sql "select case_id from shouwen.events where type='inquiry.received' and body->>'request_id'='warm-1'")"
out=$(bsubmit --request-id warm-1 --name 李四 2>&1)
rc=$?
[[ $rc -eq 2 && "$out" == *REQUEST_ID_REUSED* ]] && pass "a request id reused with other content is refused at the branch" ||
    fail "reuse: rc $rc '$out'"
check_eq "stats are relayed to the hub" 1 "$(bcli stats | awk '$1=="live"{print $2}')"

# 1. intake stopped: 100 inquiries spooled, each answered at once
hub_stop intake
start=$(date +%s%N)
: >"$B/sp.ids"
spooled=0
for i in $(seq 1 100); do
    c=$(bsubmit --request-id sp-$i --timeout 5 2>"$B/sp.err") &&
        grep -q "等待总部确认" "$B/sp.err" && spooled=$((spooled + 1))
    echo "sp-$i,$c" >>"$B/sp.ids"
done
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "100 inquiries answered SPOOLED with intake down" 100 "$spooled"
[[ $ms -lt 60000 ]] && pass "at once: 100 CLI round trips in ${ms} ms" || fail "slow: ${ms} ms"
check_eq "the spool shows them waiting" "pending 100  confirmed 1  rejected 0" "$(summary)"
check_eq "bstatus lists each waiting request" 100 "$(bstatus | grep -c '^sp-.* pending ')"
check_eq "nothing reached the hub meanwhile" "0/0" "$(committed sp)"

# 2. intake back: each committed exactly once, with the branch's request id
hub_start intake
wait_sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id' like 'sp-%'" 100 60 &&
    pass "all 100 delivered" || fail "delivered $(committed sp)"
wait_summary "pending 0  confirmed 101  rejected 0" 30 && pass "the spool shows each confirmed" ||
    fail "spool: $(summary)"
sleep 1
check_eq "each committed exactly once (events/distinct request ids)" "100/100" "$(committed sp)"
check_eq "the case ids given at the branch are the hub's" "" \
    "$(diff <(sort "$B/sp.ids") <(sql "select body->>'request_id' || ',' || case_id from shouwen.events
        where type='inquiry.received' and body->>'request_id' like 'sp-%'" | sort))"
check_eq "every confirmed row has its log position" 0 \
    "$(bstatus --all | awk '$1 ~ /^sp-/ && ($2 != "confirmed" || $4 == 0)' | wc -l)"

# 3. kill -9 of shouwen-branch during delivery: none lost, none doubled
hub_stop intake
: >"$B/kp.ids"
for i in $(seq 1 100); do
    echo "kp-$i,$(bsubmit --request-id kp-$i --timeout 5 2>/dev/null)" >>"$B/kp.ids"
done
hub_start intake
for ((i = 0; i < 300; i++)); do
    n=$(sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id' like 'kp-%'")
    [[ ${n:-0} -ge 1 ]] && break
    sleep 0.02
done
branch_stop KILL
left=$(summary)
[[ "$left" != "pending 0 "* ]] && pass "killed during delivery ($n committed at the hub, spool: $left)" ||
    fail "the kill came after delivery ended ($left)"
branch_start
wait_sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id' like 'kp-%'" 100 60 &&
    pass "after the restart all 100 delivered" || fail "delivered $(committed kp)"
wait_summary "pending 0  confirmed 201  rejected 0" 30 && pass "the spool shows all confirmed" ||
    fail "spool: $(summary)"
sleep 1
check_eq "none lost, none doubled (events/distinct request ids)" "100/100" "$(committed kp)"
check_eq "the case ids given before the kill are the hub's" "" \
    "$(diff <(sort "$B/kp.ids") <(sql "select body->>'request_id' || ',' || case_id from shouwen.events
        where type='inquiry.received' and body->>'request_id' like 'kp-%'" | sort))"
branch_stop TERM
itest_done
