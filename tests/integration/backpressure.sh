#!/usr/bin/env bash
# Back-pressure (issue 10): when more proposals wait for audit's commit
# than intake/max_pending, intake answers a new request RETRY HUB_BUSY at
# once, recording nothing, instead of queueing it without bound; a request
# it already holds is still answered from its record; once the log commits
# again the same request ids go through, each exactly once.
source "$(dirname "$0")/lib.sh"
HUB_MAX_PENDING=3 HUB_ACK_TIMEOUT_MS=400 itest_hub backpressure 30100

# audit away: proposals cannot commit, so they pile up in intake
hub_stop audit
for i in 1 2 3; do submit --request-id bp-$i --timeout 1 >/dev/null 2>&1; done
check_eq "three requests wait for the log (the bound)" 3 \
    "$("$CLI" stats --timeout 5 | awk '$1=="pending"{print $2}')"
t0=$(date +%s%N)
out=$(submit --request-id bp-4 --timeout 1 2>&1)
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
[[ $rc -eq 75 ]] && pass "a fourth is not accepted (exit 75, resend later) in ${ms} ms" ||
    fail "bp-4: rc=$rc $out"
check_eq "it was answered HUB_BUSY and counted" 1 \
    "$("$CLI" stats --timeout 5 | awk '$1=="busy"{print ($2 >= 1)}')"
check_eq "nothing more waits: bp-4 was not recorded" 3 \
    "$("$CLI" stats --timeout 5 | awk '$1=="pending"{print $2}')"

# audit back: the waiting ones commit, and the refused one goes through on resend
hub_start audit
for i in 1 2 3 4; do
    for ((k = 0; k < 50; k++)); do
        submit --request-id bp-$i --timeout 2 >/dev/null 2>&1 && break
        sleep 0.2
    done
done
check_eq "all four committed, each once" "4/4" \
    "$(sql "select count(*) || '/' || count(distinct body->>'request_id') from shouwen.events
            where type='inquiry.received' and body->>'request_id' like 'bp-%'")"
itest_done
