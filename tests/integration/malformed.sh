#!/usr/bin/env bash
# Issue 2, acceptance 5: malformed branch input (truncated protobuf, unknown
# enum, empty required field, oversize field, ...) is answered REJECTED
# with a reason code, counted, and intake keeps serving; issue 8's defects
# 1, 3 and 6 (implausible received_at_us, explicit defaults refused, blank or
# bidi text, unknown request kinds, no protocol version).
source "$(dirname "$0")/lib.sh"
itest_hub malformed 31300
out=$("$SHOUWEN_BUILD/tests/integration/branch_probe" "$SHOUWEN_ENDPOINT")
sed '$d' <<<"$out"
summary=$(tail -n 1 <<<"$out")
expected=$(sed -nE 's/^([0-9]+) rejections expected$/\1/p' <<<"$out")
check_eq "branch_probe: every malformed request rejected with its code" "0" \
    "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")"
hub_running intake && pass "intake still running" || fail "intake died"
stats=$("$CLI" stats)
rej=$(awk '$1=="rejected"{print $2}' <<<"$stats")
check_eq "all ${expected:-?} rejections counted" "${expected:-none}" "$rej"
for code in MALFORMED UNKNOWN_ENUM MISSING_FIELD FIELD_TOO_LONG OVERSIZE BAD_UTF8 BAD_PHONE BAD_ID \
    BAD_TEXT BAD_TIME UNSUPPORTED UNSUPPORTED_VERSION; do
    n=$(awk -v k="rejected.$code" '$1==k{print $2}' <<<"$stats")
    [[ ${n:-0} -ge 1 ]] && pass "counter rejected.$code = $n" || fail "counter rejected.$code missing"
done
case_id=$(submit --request-id after-probe)
[[ "$case_id" == SW-* ]] && pass "CLI submit still works" || fail "submit after probe: '$case_id'"
check_eq "nothing malformed reached the log (probe's good inquiry, explicit defaults, CLI)" 3 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'")"
itest_done
