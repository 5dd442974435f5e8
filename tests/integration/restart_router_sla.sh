#!/usr/bin/env bash
# Issue 2, acceptance 3: router, then sla, killed (-9) and restarted while
# inquiries flow.  After restart each catches up from audit's replay and
# every inquiry is routed and given a reply deadline exactly once
# (deterministic event ids: a re-made decision is the same event).
source "$(dirname "$0")/lib.sh"
itest_hub restart_rs 31100
N=150

feed() { # request ids $1..$2, 4 branches in parallel
    seq "$1" "$2" | xargs -P 4 -I{} "$CLI" submit --channel visit --kind consultation \
        --name "客人{}" --phone "1390000{}" --matter "事项{}" --category room_cleaning \
        --receiver fo-01 --request-id "rs-{}" --timeout 60 >/dev/null 2>>"$HUB/log/cli.err"
}

feed 1 30
hub_stop router KILL
feed 31 60 # router down: received, not routed
check_eq "while router is down inquiries are still acknowledged" 60 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'")"
hub_start router
feed 61 90 &
FEED=$!
sleep 0.5
hub_stop sla KILL
wait $FEED
feed 91 110
hub_start sla
feed 111 130 &
FEED=$!
sleep 0.3
hub_stop router TERM # a clean stop too
hub_start router
wait $FEED
feed 131 $N

wait_sql "select count(*) from shouwen.events where type='case.routed'" $N 60 &&
    pass "every inquiry routed after router restarts" || fail "routed count"
wait_sql "select count(*) from shouwen.events where type='sla.deadline_set' and body->>'kind'='DEADLINE_KIND_REPLY'" $N 60 &&
    pass "every inquiry has a deadline after sla restart" || fail "deadline count"
sleep 1 # anything still republished would land now
check_eq "each case routed exactly once" "$N|$N" \
    "$(sql "select count(distinct case_id), count(*) from shouwen.events where type='case.routed'")"
check_eq "each case has exactly one reply deadline" "$N|$N" \
    "$(sql "select count(distinct case_id), count(*) from shouwen.events where type='sla.deadline_set' and body->>'kind'='DEADLINE_KIND_REPLY'")"
check_eq "every register row complete" $N \
    "$(sql "select count(*) from shouwen.first_inquiry_register where disposition='other_department' and reply_due_at is not null")"
grep -q "live at position [1-9]" "$HUB/log/router.log" &&
    pass "restarted router caught up from replay" || fail "router replay not seen"
[[ $(grep -c "live at position [1-9]" "$HUB/log/sla.log") -ge 1 ]] &&
    pass "restarted sla caught up from replay" || fail "sla replay not seen"
itest_done
