# lib.sh: the integration tests' harness.  Source it, then call
# itest_hub NAME BASEPORT to get a private PostgreSQL and the four real
# daemons (scripts/hublib.sh); every check prints a line, and itest_done
# prints "N passed, M failed" and sets the exit code.  The hub and its
# cluster are removed on exit.
set -uo pipefail
: "${SHOUWEN_BUILD:?run through ctest (SHOUWEN_BUILD unset)}"
: "${SHOUWEN_SOURCE:?run through ctest (SHOUWEN_SOURCE unset)}"
source "$SHOUWEN_SOURCE/scripts/hublib.sh"
export SHOUWEN_PG_FAST=1
CLI=$SHOUWEN_BUILD/cli/shouwen
ITEST_PASS=0
ITEST_FAIL=0

itest_cleanup() {
    if [[ -n "${HUB:-}" ]]; then
        if [[ $ITEST_FAIL -gt 0 || -n "${ITEST_KEEP_LOGS:-}" ]]; then
            for f in "$HUB"/log/*.log; do
                echo "---- $(basename "$f") (last 40 lines)"
                tail -n 40 "$f"
            done
        fi
        hub_destroy
        [[ -n "${ITEST_KEEP:-}" ]] || rm -rf "$HUB"
    fi
}
trap itest_cleanup EXIT

# Every test's ports lie below 32768, outside Linux's ephemeral range
# (32768-60999), so an outgoing connection can never hold a port a test binds.
itest_hub() {
    local name=$1
    rm -rf "$SHOUWEN_BUILD/itest/$name"
    itest_hub_at "$SHOUWEN_BUILD/itest/$name" "${@:2}"
}

# itest_hub_at DIR BASEPORT [hub_init args]: the same in a directory of the
# test's choosing
itest_hub_at() {
    local dir=$1 base=$2
    hub_init "$dir" "$SHOUWEN_BUILD" "$base" "${@:3}" || {
        echo "FAIL: hub_init"
        exit 1
    }
    hub_start_all
    hub_wait_ready 60 || {
        ITEST_FAIL=$((ITEST_FAIL + 1))
        exit 1
    }
}

pass() {
    ITEST_PASS=$((ITEST_PASS + 1))
    echo "ok   - $*"
}

fail() {
    ITEST_FAIL=$((ITEST_FAIL + 1))
    echo "FAIL - $*"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
    if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# sql QUERY: one value or rows, unaligned
sql() { hub_psql -c "$1"; }

# projections_vs_rebuild: the projections as they are against
# rebuild_projections() (project() event by event, the reference), in a
# transaction rolled back: "cases|deadlines|breaches|violations|handoffs|
# differences", differences counted over every projection table
PROJECTION_TABLES="cases deadlines handoffs breaches violations escalations coordinations callbacks register_counts directory_versions directory_entries"
projections_vs_rebuild() {
    local t before="" diff="0"
    for t in $PROJECTION_TABLES; do
        before+="CREATE TEMP TABLE old_$t AS SELECT * FROM shouwen.$t;"
        diff+=" + (SELECT count(*) FROM ((SELECT * FROM old_$t EXCEPT ALL SELECT * FROM shouwen.$t) UNION ALL (SELECT * FROM shouwen.$t EXCEPT ALL SELECT * FROM old_$t)) x)"
    done
    sql "BEGIN; $before
SELECT shouwen.rebuild_projections();
SELECT (SELECT count(*) FROM old_cases) || '|' || (SELECT count(*) FROM old_deadlines) || '|' ||
       (SELECT count(*) FROM old_breaches) || '|' || (SELECT count(*) FROM old_violations) || '|' ||
       (SELECT count(*) FROM old_handoffs) || '|' || ($diff);
ROLLBACK;" | tail -n 1
}

# wait_sql QUERY EXPECTED SECONDS: poll until the query gives EXPECTED
wait_sql() {
    local q=$1 want=$2 limit=${3:-30} i got=""
    for ((i = 0; i < limit * 10; i++)); do
        got=$(sql "$q" 2>/dev/null) && [[ "$got" == "$want" ]] && return 0
        sleep 0.1
    done
    echo "  (waited ${limit}s for [$q] = '$want', last '$got')"
    return 1
}

# wait_log FILE PATTERN [SECONDS] [COUNT]: poll until FILE has COUNT (1)
# lines matching the grep pattern
wait_log() {
    local file=$1 pattern=$2 limit=${3:-10} count=${4:-1} i
    for ((i = 0; i < limit * 10; i++)); do
        [[ $(grep -c -- "$pattern" "$file" 2>/dev/null) -ge $count ]] && return 0
        sleep 0.1
    done
    return 1
}

# submit [cli flags...]: a well-formed phone inquiry, overridable by flags
submit() {
    "$CLI" submit --channel phone --kind consultation --name 张三 --phone 13800000000 \
        --matter "测试事项" --category room_booking --receiver fo-01 "$@"
}

itest_done() {
    echo "$ITEST_PASS passed, $ITEST_FAIL failed"
    [[ $ITEST_FAIL -eq 0 ]]
    exit $?
}
