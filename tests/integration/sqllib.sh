# sqllib.sh: helpers for the SQL integration tests (audit's side of
# PostgreSQL, without the daemons).  Source it, then:
#
#   sqllib_cluster NAME LOW HIGH   private cluster on a free loopback port in
#                                  LOW..HIGH, database shouwen_test, removed
#                                  on exit
#   sqllib_migrate                 applies services/audit/sql/NNN_*.sql in
#                                  order, as shouwen-audit --migrate does
#   sql ROLE [psql args]           SQL from stdin, unaligned tuples only
#   check NAME EXPECTED ACTUAL     one line per check
#   check_refused NAME ROLE RE     the SQL on stdin must fail matching RE
#   sqllib_done                    prints "N passed, M failed", exit status
set -u

SRC=${SHOUWEN_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${SHOUWEN_BUILD:-$SRC/build}
PGSH="$SRC/scripts/pg.sh"
DB=shouwen_test
SQLLIB_TMP=""
D=""
passed=0
failed=0
export SHOUWEN_PG_FAST=1

sqllib_cleanup() {
    if [[ -n "$D" ]]; then
        bash "$PGSH" destroy "$D" >/dev/null 2>&1 # stop, remove the cluster
    fi
    [[ -n "$SQLLIB_TMP" ]] && rm -rf "$SQLLIB_TMP"
}
trap sqllib_cleanup EXIT

check() { # NAME EXPECTED ACTUAL
    if [[ "$3" == "$2" ]]; then
        echo "ok   $1"
        passed=$((passed + 1))
    else
        echo "FAIL $1"
        echo "       expected: $2"
        echo "       got:      $3"
        failed=$((failed + 1))
    fi
}

# SQL from stdin as ROLE; unaligned tuples only; extra psql args after ROLE.
sql() {
    local role=$1
    shift
    bash "$PGSH" psql "$D" "$DB" "$role" -q -A -t -v ON_ERROR_STOP=1 "$@" 2>&1
}

# NAME ROLE PATTERN: the SQL on stdin must fail with an error matching PATTERN.
check_refused() {
    local out rc
    out=$(sql "$2")
    rc=$?
    if [[ $rc -ne 0 && "$out" =~ $3 ]]; then
        check "$1" refused refused
    else
        check "$1" "refused ($3)" "rc=$rc: $out"
    fi
}

# NAME LOW HIGH: a cluster under the build tree on a free port in LOW..HIGH.
sqllib_cluster() {
    local name=$1 low=$2 high=$3 port="" candidate i
    # an outgoing connection may hold any port in Linux's ephemeral range
    ((high < 32768)) || { echo "sqllib_cluster: $low..$high reaches the ephemeral range (32768-)"; exit 1; }
    mkdir -p "$BUILD/tmp" || exit 1
    chmod 0755 "$BUILD/tmp"
    SQLLIB_TMP=$(mktemp -d -p "$BUILD/tmp") || exit 1
    chmod 0755 "$SQLLIB_TMP" # the postgres OS user must traverse it
    for ((i = 0; i < 20; i++)); do
        candidate=$((low + RANDOM % (high - low + 1)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            port=$candidate
            break
        fi
    done
    [[ -n "$port" ]] || { echo "no free loopback port in $low..$high"; exit 1; }
    D="$SQLLIB_TMP/pg"
    bash "$PGSH" init "$D" "$port" >/dev/null || { echo "pg.sh init failed"; exit 1; }
    bash "$PGSH" start "$D" >/dev/null || { echo "pg.sh start failed"; exit 1; }
    bash "$PGSH" bootstrap "$D" "$DB" >/dev/null || { echo "pg.sh bootstrap failed"; exit 1; }
}

# sqllib_hex TEXT: TEXT as lower-case hex (a directory.loaded's content)
sqllib_hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
# sqllib_entries TEXT: the ZPL text's entries as intake writes them into a
# directory.loaded (PostgreSQL parses no ZPL); null when intake's reader
# refuses the text.  zconfig writes its complaints on stdout: only the JSON
# line counts.
sqllib_entries() {
    printf '%s' "$1" >"$SQLLIB_TMP/entries.zpl"
    "$BUILD/tests/integration/zpl_entries" "$SQLLIB_TMP/entries.zpl" 2>/dev/null | grep '^\[' || echo null
}

sqllib_migrate() {
    local out f name
    out=$(sql shouwen_owner <<'SQL'
CREATE SCHEMA IF NOT EXISTS shouwen;
CREATE TABLE IF NOT EXISTS shouwen.schema_version (
    version int PRIMARY KEY, name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now());
SQL
) || { echo "schema_version: $out"; exit 1; }
    for f in "$SRC"/services/audit/sql/[0-9][0-9][0-9]_*.sql; do
        name=$(basename "$f")
        out=$(sql shouwen_owner --single-transaction -f "$f") || { echo "migration $name failed: $out"; exit 1; }
        out=$(sql shouwen_owner -v v="${name%%_*}" -v n="$name" <<'SQL'
INSERT INTO shouwen.schema_version (version, name) VALUES (:'v'::int, :'n');
SQL
) || { echo "schema_version insert: $out"; exit 1; }
    done
}

sqllib_done() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}
