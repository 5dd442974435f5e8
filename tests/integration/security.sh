#!/usr/bin/env bash
# Who may do what (issue 8, acceptance 1; docs/security.md): one refusal at
# a time, each asserting its code, its counter and that nothing of it was
# committed.  The town service centre has two branch offices: the centre
# (town-centre) and the village service point of 东岭村 (dongling).
source "$(dirname "$0")/lib.sh"
TOWN=$SHOUWEN_SOURCE/deploy/directory/town_service_centre.conf
itest_hub security 32000 "$TOWN"
CENTRE=$(hub_branch_cert town-centre)
VILLAGE=$(hub_branch_cert dongling)
PROBE=$SHOUWEN_BUILD/tests/integration

# stat NAME: one of intake's counters (audit's are audit.*), 0 when absent
stat() { "$CLI" stats | awk -v k="$1" '$1==k{v=$2} END{print v+0}'; }
events() { sql "select count(*) from shouwen.events${1:+ where $1}"; }
# what a branch request records: inquiries, staff commands, loads
recorded() { events "type in ('inquiry.received', 'command.received', 'directory.loaded')"; }
# refused CODE CLI-ARGS...: the CLI is answered REJECTED with CODE
refused() {
    local code=$1 err rc
    shift
    err=$("$CLI" "$@" 2>&1 >/dev/null)
    rc=$?
    if [[ $rc -eq 2 && "$err" == *"$code"* ]]; then pass "'${*:1:3} ...' refused with $code"
    else fail "'$*' expected $code, got rc=$rc '$err'"; fi
}
inquiry() { # inquiry RECEIVER CATEGORY [CLI flags]
    "$CLI" submit --channel visit --kind business --name 王大爷 --phone 13700000000 \
        --matter "办理养老保险参保登记" --receiver "$1" --category "$2" "${@:3}"
}

# two cases: one the centre alone had a part in, one taken at the village
C1=$(inquiry zh-01 pension_registration --request-id c1)
C2=$(SHOUWEN_CERT=$VILLAGE inquiry dl-01 pension_registration --request-id c2)
[[ "$C1" == SW-* && "$C2" == SW-* ]] && pass "each branch submits for its own staff ($C1, $C2)" ||
    fail "submits: '$C1' '$C2'"
wait_sql "select count(*) from shouwen.events where type='case.routed'" 2 20
check_eq "the village's inquiry is recorded under its own branch id" dongling \
    "$(sql "select body->>'branch_id' from shouwen.events where case_id='$C2' and type='inquiry.received'")"

before=$(recorded) not_auth=$(stat rejected.NOT_AUTHORIZED)
# 1. B01's key submitting as B02
SHOUWEN_CERT=$VILLAGE refused NOT_AUTHORIZED --branch town-centre submit --channel visit \
    --kind business --name 王大爷 --phone 13700000000 --matter 办理 --receiver dl-01 \
    --category pension_registration
check_eq "  counted (rejected.NOT_AUTHORIZED)" $((not_auth + 1)) "$(stat rejected.NOT_AUTHORIZED)"
check_eq "  nothing committed" "$before" "$(recorded)"

# 2. B01's key acting as a staff member of another branch
sna=$(stat rejected.STAFF_NOT_AT_BRANCH)
SHOUWEN_CERT=$VILLAGE refused STAFF_NOT_AT_BRANCH accept "$C2" --staff sb-01
SHOUWEN_CERT=$VILLAGE refused STAFF_NOT_AT_BRANCH submit --channel visit --kind business \
    --name 王大爷 --phone 13700000000 --matter 办理 --receiver zh-01 --category pension_registration
check_eq "  counted (rejected.STAFF_NOT_AT_BRANCH)" $((sna + 2)) "$(stat rejected.STAFF_NOT_AT_BRANCH)"
check_eq "  nothing committed" "$before" "$(recorded)"

# 3. B01's key reading a case it has no part in; its own and a served one it may
not_auth=$(stat rejected.NOT_AUTHORIZED)
SHOUWEN_CERT=$VILLAGE refused NOT_AUTHORIZED show "$C1"
check_eq "  counted" $((not_auth + 1)) "$(stat rejected.NOT_AUTHORIZED)"
out=$(SHOUWEN_CERT=$VILLAGE "$CLI" show "$C2" --json) && [[ "$out" == *王大爷* ]] &&
    pass "the village reads the case its clerk took" || fail "village show C2: $out"
out=$("$CLI" show "$C2" --json) && [[ "$out" == *王大爷* ]] &&
    pass "the centre reads it too: its social-insurance window holds it" || fail "centre show C2: $out"
check_eq "  nothing committed by reading" "$before" "$(recorded)"

# 4. a directory and a calendar load without an administrator's key
not_admin=$(stat rejected.NOT_ADMIN) loads=$(events "type='directory.loaded'")
SHOUWEN_ADMIN_CERT= refused NOT_ADMIN directory load "$TOWN" --by gm-01
SHOUWEN_ADMIN_CERT= refused NOT_ADMIN directory load "$SHOUWEN_SOURCE/deploy/calendar/cn-2026.conf" \
    --kind calendar --by gm-01
check_eq "  counted (rejected.NOT_ADMIN)" $((not_admin + 2)) "$(stat rejected.NOT_ADMIN)"
check_eq "  nothing committed" "$loads" "$(events "type='directory.loaded'")"
refused NOT_AUTHORIZED directory load "$TOWN" --by zz-01 # an administrator speaks as themself
# a new version of the town's organisation (the file itself seeded the log)
sed '0,/version = "/s/version = "\([^"]*\)"/version = "\1-b"/' "$TOWN" >"$HUB/town-b.conf"
out=$("$CLI" directory load "$HUB/town-b.conf") && pass "the administrator's key loads ($out)" ||
    fail "admin load: $out"
check_eq "  recorded as loaded by the key's administrator" gm-01 \
    "$(sql "select body->>'loaded_by' from shouwen.events where type='directory.loaded' order by position desc limit 1")"
hub_running intake && pass "  intake still running" || fail "  intake died after the load"

# 5. processes without a daemon key publishing proposals: no CURVE, a stranger's key
refused_conn=$(stat audit.refused_connections) before=$(recorded)
ids=$("$PROBE/proposal_probe" "tcp://127.0.0.1:32002" "$HUB/keys/daemons/audit.cert" "" 2)
"$CLI" keygen stranger --dir "$HUB" --daemon sla >/dev/null
ids+=" $("$PROBE/proposal_probe" "tcp://127.0.0.1:32002" "$HUB/keys/daemons/audit.cert" \
    "$HUB/stranger.cert" 2)"
sleep 1.5 # audit's counters travel with its heartbeat, once a second
# the stranger's key is refused by our ZAP handler, always counted; a client
# without CURVE is counted when libzmq reports the mechanism mismatch (it
# does not when the client hangs up first), so at least one refusal more
n=$(stat audit.refused_connections)
[[ $n -ge $((refused_conn + 1)) ]] && pass "audit refused and counted the impostors ($refused_conn -> $n)" ||
    fail "audit.refused_connections $refused_conn -> $n"
check_eq "  nothing committed (no event of theirs, no 5,000 yuan, no inquiry)" "0|0|$before" \
    "$(sql "select count(*) from shouwen.events where event_id::text in ($(sed -E "s/([^ ]+)/'\1'/g; s/ +/,/g" <<<"$(echo $ids)"))")|$(sql "select count(*) from shouwen.violations where penalty_yuan = 5000")|$(recorded)"
grep -q "$(sed -n 's/^public-key = "\(.*\)"/\1/p' "$HUB/stranger.cert")" "$HUB/log/audit.log" &&
    pass "  audit's log names the stranger's key" || fail "  the refused key is not in audit.log"

# 6. intake's own key proposing violation.recorded: admitted, refused by audit
ne=$(stat audit.not_entitled)
ids=$("$PROBE/proposal_probe" "tcp://127.0.0.1:32002" "$HUB/keys/daemons/audit.cert" \
    "$HUB/keys/own/intake.cert" 2)
sleep 1.5
n=$(stat audit.not_entitled)
[[ $n -gt $ne ]] && pass "audit refused intake's violation and counted it ($ne -> $n)" ||
    fail "audit.not_entitled $ne -> $n"
# (the probe's inquiry is intake's to record: with intake's key it may be)
check_eq "  the violation was not committed, no 5,000 yuan" "0|0" \
    "$(sql "select count(*) from shouwen.events where event_id = '$(head -n 1 <<<"$ids")'")|$(sql "select count(*) from shouwen.violations where penalty_yuan = 5000")"

# 7. a plain client (no CURVE) against the hub
rc_before=$(stat refused_connections) before=$(recorded)
SHOUWEN_CERT= SHOUWEN_SERVER_CERT= "$CLI" stats --timeout 2 >/dev/null 2>&1
check_eq "a plain client gets no answer (exit 75)" 75 "$?"
SHOUWEN_CERT= SHOUWEN_SERVER_CERT= inquiry zh-01 pension_registration --timeout 2 >/dev/null 2>&1
# libzmq reports the mechanism mismatch only when it reads the plain
# client's greeting before the client hangs up (docs/security.md): a few
# more attempts, bounded, until one is counted
n=$(stat refused_connections)
for ((k = 0; k < 8 && n <= rc_before; k++)); do
    SHOUWEN_CERT= SHOUWEN_SERVER_CERT= "$CLI" stats --timeout 1 >/dev/null 2>&1
    n=$(stat refused_connections)
done
[[ $n -ge $((rc_before + 1)) ]] && pass "  intake refused and counted it ($rc_before -> $n)" ||
    fail "  refused_connections $rc_before -> $n"
grep -q "CURVE" "$HUB/log/intake.log" && pass "  intake's log says why" || fail "  no refusal in intake.log"
check_eq "  nothing committed" "$before" "$(recorded)"

# 8. a revoked key, without a restart: refused on the connection it has,
#    and at its next connection
out=$(SHOUWEN_CERT=$VILLAGE "$PROBE/branch_probe" revoke "$SHOUWEN_ENDPOINT" \
    "$HUB/keys/branches/dongling.cert")
[[ "$(tail -n 1 <<<"$out")" == "2 passed, 0 failed" ]] &&
    pass "the revoked key is refused NOT_AUTHORIZED on its open connection" || fail "revoke: $out"
t0=$(date +%s%N)
SHOUWEN_CERT=$VILLAGE inquiry dl-01 pension_registration --timeout 4 >/dev/null 2>&1
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "  and gets no answer on a new one (exit 75)" 75 "$rc"
[[ $ms -lt 6500 ]] && pass "  the CLI gives up within its --timeout (4 s: ${ms} ms)" ||
    fail "  the CLI took ${ms} ms with --timeout 4"
check_eq "  nothing committed" "$before" "$(recorded)"
hub_running intake && hub_running audit && pass "intake and audit still running" ||
    fail "a daemon died"
itest_done
