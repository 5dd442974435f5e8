#!/usr/bin/env bash
# Issue 2, acceptance 5: malformed branch input (truncated protobuf, unknown
# enum, empty required field, oversize field, ...) is answered REJECTED
# with a reason code, counted, and intake keeps serving.
source "$(dirname "$0")/lib.sh"
itest_hub malformed 31300
out=$("$SHOUWEN_BUILD/tests/integration/branch_probe" "$SHOUWEN_ENDPOINT")
sed '$d' <<<"$out"
summary=$(tail -n 1 <<<"$out")
check_eq "branch_probe: every malformed request rejected with its code" "0" \
    "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")"
hub_running intake && pass "intake still running" || fail "intake died"
stats=$("$CLI" stats)
rej=$(awk '$1=="rejected"{print $2}' <<<"$stats")
check_eq "all 16 rejections counted" 16 "$rej"
for code in MALFORMED UNKNOWN_ENUM MISSING_FIELD FIELD_TOO_LONG OVERSIZE BAD_UTF8 BAD_PHONE BAD_ID; do
    n=$(awk -v k="rejected.$code" '$1==k{print $2}' <<<"$stats")
    [[ ${n:-0} -ge 1 ]] && pass "counter rejected.$code = $n" || fail "counter rejected.$code missing"
done
case_id=$(submit --request-id after-probe)
[[ "$case_id" == SW-* ]] && pass "CLI submit still works" || fail "submit after probe: '$case_id'"
check_eq "nothing malformed reached the log" 2 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'")"
itest_done
