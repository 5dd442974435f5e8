#!/usr/bin/env bash
# audit's commit path in C agrees with the log's SQL (issue 10): random logs
# (tests/integration/chain_probe.c: texts PostgreSQL's jsonb prints with
# escapes, invalid UTF-8, int64 edges, times before 1970, stale versions,
# resends) go through the real audit, which numbers, versions and
# hash-chains them in C; then plain SQL recomputes everything:
# verify_chain() and event_chain_check find every link right, positions
# and each case's versions are gapless, no stale decision and no resend
# went in, every inquiry is in exactly once.  A kill -9 of audit in the
# middle of a run must not change any of that.
source "$(dirname "$0")/lib.sh"
itest_hub commit_chain 32120
PROBE=$SHOUWEN_BUILD/tests/integration/chain_probe
KEYS=$HUB/keys
probe() { "$PROBE" "tcp://127.0.0.1:$((HUB_BASE + 2))" "$KEYS/daemons/audit.cert" "$KEYS/own/intake.cert" "$KEYS/own/sla.cert" "$@"; }
# the log is still when its head has not moved for a second (bounded)
settle() {
    local last=-1 now i
    for ((i = 0; i < 60; i++)); do
        now=$(sql "select shouwen.head_position()")
        [[ "$now" == "$last" ]] && return 0
        last=$now
        sleep 1
    done
    return 1
}

expected=0
for seed in 11 12 13; do
    n=$(probe "$seed" 800) || fail "chain_probe seed $seed"
    expected=$((expected + n))
done
settle || fail "the log did not settle"
check_eq "every inquiry the probe sent is in the log exactly once" "$expected|$expected" \
    "$(sql "select count(*)||'|'||count(distinct case_id) from shouwen.events where type='inquiry.received' and body->>'request_id' ~ '^1[123]/'")"

# a kill -9 in the middle of a run: what audit committed before stays right
probe 14 3000 >/dev/null &
PID=$!
sleep 0.5
hub_stop audit KILL
hub_start audit
wait "$PID"
settle || fail "the log did not settle after the restart"
probe 15 500 >/dev/null || fail "chain_probe after the restart"
settle || fail "the log did not settle"

total=$(sql "select count(*) from shouwen.events")
((total > 2000)) && pass "the random log holds $total events" || fail "only $total events"
check_eq "verify_chain() recomputes audit's C chain over the whole log" "true||$total|intact" \
    "$(sql "select ok||'|'||coalesce(first_bad_position::text,'')||'|'||checked||'|'||coalesce(reason,'') from shouwen.verify_chain()")"
check_eq "event_chain_check: every link and position right" 0 \
    "$(sql "select count(*) from shouwen.event_chain_check where not (gapless and hash_ok)")"
check_eq "the head is the last event, with its hash" "t" \
    "$(sql "select (h.position, h.hash) = (e.position, e.hash) from shouwen.log_head h, shouwen.events e where e.position = (select max(position) from shouwen.events)")"
check_eq "each case's versions are 1, 2, 3 ... in position order" 0 \
    "$(sql "select count(*) from (select case_version, row_number() over (partition by case_id order by position) n from shouwen.events where case_id is not null) x where case_version <> n")"
check_eq "the projection keeps each case's version" 0 \
    "$(sql "select count(*) from shouwen.cases c where c.version <> (select max(case_version) from shouwen.events e where e.case_id = c.case_id)")"
check_eq "no decision on a stale version went in" 0 \
    "$(sql "select count(*) from shouwen.events where based_on_version >= 1000")"
# the projections audit's batches built (shouwen.project_range, set-based)
# against project() event by event (rebuild_projections)
got=$(projections_vs_rebuild)
IFS='|' read -r n_cases n_deadlines n_breaches n_violations _ n_diff <<<"$got"
[[ "$n_diff" == 0 && "$n_cases" -gt 1000 && "$n_breaches" -gt 0 && "$n_violations" -gt 0 ]] &&
    pass "the projections of the random log equal project() event by event (cases|deadlines|breaches|violations|handoffs|differences: $got)" ||
    fail "projections differ from a rebuild, or the log had no breach or violation: $got"
grep -q "refused by the database and dropped" "$HUB/log/audit.log" &&
    fail "audit dropped a proposal: $(grep -m1 'dropped' "$HUB/log/audit.log")" ||
    pass "audit dropped nothing (resends answered as duplicates)"
itest_done
