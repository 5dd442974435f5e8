#!/usr/bin/env bash
# Branches reach intake over CURVE (DESIGN: each branch has a key pair and
# an allow-list entry): an allowed key is served; no key, or a key not on
# the list, gets nothing; a branch id that is not the key's is refused.
source "$(dirname "$0")/lib.sh"
HUB_CURVE=1 itest_hub curve 31800
C=$(submit --request-id curve-1)
[[ "$C" == SW-* ]] && pass "an allowed branch key is served ($C)" || fail "allowed key: '$C'"
out=$(SHOUWEN_CERT= SHOUWEN_SERVER_CERT= "$CLI" submit --channel visit --kind consultation \
    --name 李四 --phone 13900000000 --matter 咨询 --category check_in --receiver fo-01 --timeout 3 2>&1)
check_eq "without a key: no answer (exit 3)" 3 "$?"
"$CLI" keygen stranger --dir "$HUB/keys" --branch local >/dev/null
out=$(SHOUWEN_CERT="$HUB/keys/stranger.cert" submit --request-id curve-2 --timeout 3 2>&1)
check_eq "a key not on the allow-list: no answer (exit 3)" 3 "$?"
err=$("$CLI" --branch other-branch submit --channel visit --kind consultation --name 李四 \
    --phone 13900000000 --matter 咨询 --category check_in --receiver fo-01 2>&1)
rc=$?
[[ $rc -eq 2 && "$err" == *BRANCH_MISMATCH* ]] && pass "a branch id not matching the key is refused" ||
    fail "mismatch: rc=$rc $err"
check_eq "only the allowed inquiry reached the log" 1 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'")"
itest_done
