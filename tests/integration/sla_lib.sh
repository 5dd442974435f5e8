# sla_lib.sh: what the sla integration tests share (sourced after lib.sh).
# The hub runs on a file clock (sw_clock "file:PATH"): every daemon reads
# "now" from one file, so the test moves time for intake, router and sla at
# once and a rule spanning working days runs in seconds.  Times are given
# as Shanghai wall-clock text, "2026-03-02 09:00" (a Monday).

# sla_hub NAME BASEPORT: the clock file (outside the hub directory, which
# itest_hub wipes), the hub on it, and the sample organisation loaded
# through the log so that sla knows everyone's department.
sla_hub() {
    SLA_CLOCK=$SHOUWEN_BUILD/itest/$1.clock
    mkdir -p "$SHOUWEN_BUILD/itest"
    clock_set "2026-03-02 09:00"
    export HUB_CLOCK="file:$SLA_CLOCK"
    itest_hub "$1" "$2"
    "$CLI" directory load "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" --by gm-01 >/dev/null ||
        fail "organisation loaded through the log"
    wait_sql "select count(*) from shouwen.events where type='directory.loaded' and body->>'kind'='organisation'" 1 20 ||
        fail "directory.loaded committed"
}

# us "2026-03-02 09:00": UTC microseconds of a Shanghai wall-clock time
us() { echo $(($(date -d "$1 +0800" +%s) * 1000000)); }

# clock_set "2026-03-02 10:01": every daemon's now (write, then rename)
clock_set() {
    printf '%s\n' "$(us "$1")" >"$SLA_CLOCK.tmp" && mv "$SLA_CLOCK.tmp" "$SLA_CLOCK"
}

# events TYPE CASE [KIND]: how many events of a type (and deadline kind) a case has
events() {
    local kind=""
    [[ -n "${3:-}" ]] && kind=" and body->>'kind'='DEADLINE_KIND_$3'"
    sql "select count(*) from shouwen.events where type='$1' and case_id='$2'$kind"
}

# deadline_id CASE KIND [N]: the event id of the case's N-th (1st) deadline of a kind
deadline_id() {
    sql "select event_id from shouwen.events where type='sla.deadline_set' and case_id='$1'
         and body->>'kind'='DEADLINE_KIND_$2' order by position offset ${3:-1} - 1 limit 1"
}

# field TYPE DEADLINE_ID PATH: a body field of the warning, breach or clear of a deadline
field() {
    sql "select body #>> '{$3}' from shouwen.events where type='$1' and body->>'deadline_event_id'='$2'"
}

# violation_of DEADLINE_ID: type|staff|department|penalty|occurrence|self_criticism|rule
violation_of() {
    sql "select concat_ws('|', v.body->>'type', v.body->>'staff_id', v.body->>'department_id',
                coalesce(v.body->>'penalty_yuan','0'), v.body->>'occurrence_in_month',
                coalesce(v.body->>'self_criticism','false'), v.body->>'rule')
         from shouwen.events v join shouwen.events b on v.body->>'cause_event_id' = b.event_id::text
         where v.type='violation.recorded' and b.type='sla.breached'
           and b.body->>'deadline_event_id'='$1'"
}

# set_for CASE: wait until sla has set the case's reply deadline
set_for() {
    wait_sql "select count(*) >= 1 from shouwen.events where type='sla.deadline_set' and case_id='$1'
              and body->>'kind'='DEADLINE_KIND_REPLY'" t 20
}
