#!/usr/bin/env bash
# Projections trailing the log (issue 10, migration 013,
# audit/projections = "trailing"): append_rows only appends and audit's
# projector follows in transactions of its own.  Under a burst of commits
# the projector catches up (shouwen.projection_state, audit's health
# record); what it built equals a rebuild from the log, also after audit
# was killed in the middle (no event projected twice or skipped); switched
# back to inline, the next batch first projects what was left.
source "$(dirname "$0")/lib.sh"
HUB_PROJECTIONS=trailing itest_hub projector_trailing 32140
PROBE=$SHOUWEN_BUILD/tests/integration/chain_probe
KEYS=$HUB/keys
probe() { "$PROBE" "tcp://127.0.0.1:$((HUB_BASE + 2))" "$KEYS/daemons/audit.cert" "$KEYS/own/intake.cert" "$KEYS/own/sla.cert" "$@"; }
grep -q "projections trail the log" "$HUB/log/audit.log" && pass "audit says its projections trail the log" ||
    fail "no trailing projections in audit.log"
# the hub is quiet (router and sla answer the probe's cases too: the log
# head still for 2 s) and the projections have caught up with it
caught_up() {
    local last=-1 now i
    for ((i = 0; i < 120; i++)); do
        now=$(sql "select log_position || '|' || lag_events from shouwen.projection_state")
        [[ "$now" == "$last" && "$now" == *"|0" ]] && return 0
        last=$now
        sleep 2
    done
    echo "  (not caught up: $now)"
    return 1
}
C=$(submit --request-id trail-1) || fail "an inquiry through the whole hub"
probe plain 3000 >/dev/null || fail "chain_probe"
caught_up && pass "the projector caught up with 15,000 events committed at once" ||
    fail "projector behind: $(sql "select * from shouwen.projection_state")"
check_eq "the whole hub's case is projected (routed by router)" "t" \
    "$(sql "select department_id is not null from shouwen.cases where case_id = '$C'")"
got=$(projections_vs_rebuild)
[[ "$got" == *"|0" && "${got%%|*}" -gt 3000 ]] && pass "the trailing projections equal a rebuild ($got)" ||
    fail "projections differ from a rebuild: $got"
grep -q '"projection_lag"' "$HUB/run/audit.health" && pass "audit's health record carries projection_lag" ||
    fail "no projection_lag in $(cat "$HUB/run/audit.health")"

# kill -9 in the middle of a burst, with the projector behind
probe 21 4000 >/dev/null &
PID=$!
sleep 0.7
hub_stop audit KILL
hub_start audit
wait "$PID"
caught_up && pass "after kill -9 the projector catches up again" ||
    fail "projector behind after the restart: $(sql "select * from shouwen.projection_state")"
got=$(projections_vs_rebuild)
[[ "$got" == *"|0" ]] && pass "after kill -9 the projections still equal a rebuild ($got)" ||
    fail "after kill -9 projections differ from a rebuild: $got"

# back to inline: what the projector left is projected before the next batch
hub_stop audit
sed -i 's/projections = "trailing"/projections = "inline"/' "$HUB/etc/audit.conf"
hub_start audit
C2=$(submit --request-id trail-2) || fail "an inquiry with inline projections"
check_eq "inline again: the projection head is the log head" "0" \
    "$(sql "select lag_events from shouwen.projection_state")"
got=$(projections_vs_rebuild)
[[ "$got" == *"|0" ]] && pass "inline again: projections equal a rebuild ($got)" || fail "inline again: $got"
itest_done
