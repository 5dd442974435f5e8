#!/usr/bin/env bash
# The organisation only from the log (issue 11): intake seeds an empty log
# from hub/directory and hub/calendar; a change is `shouwen directory load`,
# and router and sla, which read the organisation only from the log, agree
# on it at once, after a SIGHUP and after a restart (kill -9) of either.
# Here the operator fo-03 moves from the front office to
# housekeeping: a room-cleaning inquiry fo-03 takes was another department's
# (router transfers it; sla sets fo-03's transfer deadline in the front office)
# and is now its own department's (router: in scope; sla: housekeeping).
source "$(dirname "$0")/lib.sh"
itest_hub directory_change 31720
HOTEL=$SHOUWEN_SOURCE/deploy/directory/hotel.conf

check_eq "the empty log was seeded: organisation and calendar, by nobody" \
    "organisation||1 calendar||2" \
    "$(sql "select string_agg(body->>'kind' || '|' || coalesce(body->>'loaded_by', '') || '|' || position, ' ' order by position)
            from shouwen.events where type = 'directory.loaded'")"
grep -q "the log holds no organisation: proposed $HOTEL" "$HUB/log/intake.log" &&
    pass "intake says it seeded the log from hub/directory" || fail "no seed line in intake.log"

# routed RID: the case of request RID once router decided and sla set its deadlines
case_of() {
    local C
    C=$(submit --category room_cleaning --receiver fo-03 --request-id "$1") || return 1
    wait_sql "select count(*) >= 1 from shouwen.events where type='case.routed' and case_id='$C'" t 20 >&2
    wait_sql "select count(*) >= 2 from shouwen.events where type='sla.deadline_set' and case_id='$C'" t 20 >&2
    echo "$C"
}
# router's disposition and department | sla's department for fo-03's deadlines
views() {
    sql "select (select body->>'disposition' || ' ' || (body->>'department_id') from shouwen.events
                 where type = 'case.routed' and case_id = '$1')
             || ' | ' ||
            (select string_agg(distinct body->>'department_id', ',') from shouwen.events
                 where type = 'sla.deadline_set' and case_id = '$1' and body->>'holder_staff_id' = 'fo-03')"
}

C1=$(case_of before-1)
check_eq "before: router transfers it to housekeeping; sla holds fo-03 in the front office" \
    "DISPOSITION_OTHER_DEPARTMENT housekeeping | front_office" "$(views "$C1")"

sed -e '0,/version = "/s/version = "[^"]*"/version = "hotel-moved"/' \
    -e '/^    fo-03$/,/^    [a-z]/ s/department = "front_office"/department = "housekeeping"/' \
    "$HOTEL" >"$HUB/moved.conf"
"$CLI" directory load "$HUB/moved.conf" --by gm-01 >/dev/null || fail "load hotel-moved"
wait_sql "select count(*) from shouwen.events where type='directory.loaded' and body->>'version'='hotel-moved'" 1 20 ||
    fail "hotel-moved committed"
wait_log "$HUB/log/router.log" "hotel-moved" 5
wait_log "$HUB/log/sla.log" "hotel-moved" 5
C2=$(case_of after-1)
check_eq "after the load: router keeps it in fo-03's new department; sla holds fo-03 in housekeeping" \
    "DISPOSITION_SAME_DEPARTMENT housekeeping | housekeeping" "$(views "$C2")"

# SIGHUP reads no file: the organisation stays the log's
kill -HUP "$(hub_pid router)" "$(hub_pid sla)"
wait_log "$HUB/log/router.log" "SIGHUP: the organisation in force (version hotel-moved)" 5
wait_log "$HUB/log/sla.log" "SIGHUP: the calendar and the organisation in force come from the log" 5
grep -q "SIGHUP: the organisation in force (version hotel-moved) comes from the log" "$HUB/log/router.log" &&
    pass "router at SIGHUP: the organisation in force comes from the log" || fail "router SIGHUP line"
C3=$(case_of after-hup)
check_eq "after SIGHUP: they still agree on the log's organisation" \
    "DISPOSITION_SAME_DEPARTMENT housekeeping | housekeeping" "$(views "$C3")"

# a restart replays the log: the seed, then the load
hub_stop router KILL
hub_stop sla KILL
hub_start router
hub_start sla
hub_wait_ready 30 || fail "back after kill -9"
C4=$(case_of after-kill)
check_eq "after kill -9 of router and sla: they agree on the loaded organisation" \
    "DISPOSITION_SAME_DEPARTMENT housekeeping | housekeeping" "$(views "$C4")"
check_eq "and no daemon read an organisation file again: still one seed of each kind" 2 \
    "$(sql "select count(*) from shouwen.events where type='directory.loaded' and coalesce(body->>'loaded_by', '') = ''")"
itest_done
