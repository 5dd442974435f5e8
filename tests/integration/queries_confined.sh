#!/usr/bin/env bash
# A branch never gets another branch's (issue 9, docs/queries.md): the town
# service centre's village point (dongling) asks about the centre's staff
# and departments and is refused, counted; its own inbox, queue, due, find
# and watch never show a case only the centre had a part in.
source "$(dirname "$0")/lib.sh"
TOWN=$SHOUWEN_SOURCE/deploy/directory/town_service_centre.conf
itest_hub queries_confined 31710 "$TOWN"
VILLAGE=$(hub_branch_cert dongling)
stat() { "$CLI" stats | awk -v k="$1" '$1==k{v=$2} END{print v+0}'; }
refused() {
    local code=$1 err rc
    shift
    err=$(SHOUWEN_CERT=$VILLAGE "$CLI" "$@" 2>&1 >/dev/null)
    rc=$?
    if [[ $rc -eq 2 && "$err" == *"$code"* ]]; then pass "village '${*:1:3}' refused with $code"
    else fail "village '$*' expected $code, got rc=$rc '$err'"; fi
}
inquiry() { # inquiry RECEIVER PHONE REQUEST-ID
    "$CLI" submit --channel visit --kind business --name 王大爷 --phone "$2" \
        --matter "办理养老保险参保登记" --receiver "$1" --category pension_registration --request-id "$3"
}
C1=$(inquiry zh-01 13700000001 c1)
C2=$(SHOUWEN_CERT=$VILLAGE inquiry dl-01 13700000002 c2)
wait_sql "select count(*) from shouwen.events where type='case.routed'" 2 20 &&
    pass "a centre case ($C1) and a village case ($C2)" || fail "routing"

sna=$(stat rejected.STAFF_NOT_AT_BRANCH) na=$(stat rejected.NOT_AUTHORIZED)
refused STAFF_NOT_AT_BRANCH inbox --staff zh-01
refused STAFF_NOT_AT_BRANCH due --staff sb-01
refused STAFF_NOT_AT_BRANCH watch --staff zh-01 --for 2
check_eq "  counted (rejected.STAFF_NOT_AT_BRANCH)" $((sna + 3)) "$(stat rejected.STAFF_NOT_AT_BRANCH)"
refused NOT_AUTHORIZED queue --department social_insurance
refused NOT_AUTHORIZED find --case "$C1"
refused NOT_AUTHORIZED --branch town-centre inbox --staff zh-01
check_eq "  counted (rejected.NOT_AUTHORIZED)" $((na + 3)) "$(stat rejected.NOT_AUTHORIZED)"

out=$(SHOUWEN_CERT=$VILLAGE "$CLI" inbox --staff dl-01)
[[ "$out" == *"$C2"* && "$out" != *"$C1"* ]] && pass "village inbox of dl-01: its case, not the centre's" ||
    fail "village inbox: $out"
out=$(SHOUWEN_CERT=$VILLAGE "$CLI" queue --department dongling_agency)
[[ "$out" != *"$C1"* ]] && pass "village queue: not the centre's case" || fail "village queue: $out"
out=$(SHOUWEN_CERT=$VILLAGE "$CLI" due --within 100000)
[[ $? -eq 0 && "$out" != *"$C1"* ]] && pass "village due: not the centre's case" || fail "village due: $out"
out=$(SHOUWEN_CERT=$VILLAGE "$CLI" find --phone 13700000001)
[[ "$out" == *"共 0 件"* ]] && pass "village find by the centre customer's phone: nothing" || fail "village find: $out"
out=$(SHOUWEN_CERT=$VILLAGE "$CLI" find --phone 13700000002)
[[ "$out" == *"$C2"* ]] && pass "village find by its own customer's phone: its case" || fail "village find own: $out"
out=$(SHOUWEN_CERT=$VILLAGE "$CLI" watch --from 0 --for 3 2>/dev/null)
[[ "$out" != *"$C1"* ]] && pass "village watch from the start: nothing of the centre's case" ||
    fail "village watch: $out"
out=$("$CLI" inbox --staff zh-01)
[[ "$out" == *"$C1"* ]] && pass "the centre's inbox of zh-01 has its case" || fail "centre inbox: $out"
out=$("$CLI" watch --from 0 --for 3 2>/dev/null)
[[ "$out" == *"$C1"* ]] && pass "the centre's watch from the start tells of its case" || fail "centre watch: $out"
itest_done
