# hublib.sh: bring a shouwen hub up and down — sourced by scripts/hub and by
# the integration tests, so both run the daemons exactly the same way.
#
# A hub lives in one directory HUB:
#   HUB/pg/        private PostgreSQL cluster (scripts/pg.sh)
#   HUB/etc/       one config per daemon (ZPL)
#   HUB/log/       one log per daemon
#   HUB/run/       one pid file per daemon
# Ports: BASE+1 intake (branches), BASE+2 proposals, BASE+3 committed
# stream, BASE+4 replay; PostgreSQL on BASE+10.

HUBLIB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HUB_DAEMONS=(audit router sla intake)

# Keys (docs/security.md), made once per hub:
#   HUB/keys/own/NAME.cert(+_secret)   each daemon's own key pair
#   HUB/keys/daemons/                  audit's allow-list: the daemons' public certs
#   HUB/keys/branches/                 intake's allow-list: branches and administrators
#   HUB/keys/branch/ID.cert(+_secret)  a branch office's key pair (one per branch
#                                      of the organisation file)
#   HUB/keys/admin.cert(+_secret)      the administrator's key pair (HUB_ADMIN, gm-01)
# Exported for the CLI: SHOUWEN_CERT (the first branch's key),
# SHOUWEN_ADMIN_CERT (loads), SHOUWEN_SERVER_CERT (intake's public cert).

# hub_branches FILE: the branch ids of an organisation file's branch section
hub_branches() {
    awk '/^[^ #]/ { in_b = ($1 == "branch") ; next }
         in_b && /^    [A-Za-z0-9_-]+[ \t]*(#.*)?$/ { print $1 }' "$1"
}

# hub_keys DIRECTORY_FILE: the hub's keys, made if missing
hub_keys() {
    local dir=$1 cli="$HUB_BUILD/cli/shouwen" d b
    mkdir -p "$HUB/keys"/{own,daemons,branches,branch}
    chmod 700 "$HUB/keys"
    for d in audit intake router sla; do
        if [[ ! -f "$HUB/keys/own/$d.cert" ]]; then
            "$cli" keygen "$d" --dir "$HUB/keys/own" --daemon "$d" >/dev/null || return 1
        fi
        cp "$HUB/keys/own/$d.cert" "$HUB/keys/daemons/"
    done
    for b in $(hub_branches "$dir"); do
        if [[ ! -f "$HUB/keys/branch/$b.cert" ]]; then
            "$cli" keygen "$b" --dir "$HUB/keys/branch" --branch "$b" >/dev/null || return 1
        fi
        cp "$HUB/keys/branch/$b.cert" "$HUB/keys/branches/"
    done
    # audit's Ed25519 key for the signed anchors of the chain (docs/anchors.md)
    if [[ ! -f "$HUB/keys/own/anchor.cert" ]]; then
        "$cli" keygen anchor --dir "$HUB/keys/own" --anchor >/dev/null || return 1
    fi
    if [[ ! -f "$HUB/keys/admin.cert" ]]; then
        "$cli" keygen admin --dir "$HUB/keys" --admin "${HUB_ADMIN:-gm-01}" >/dev/null || return 1
    fi
    cp "$HUB/keys/admin.cert" "$HUB/keys/branches/"
    HUB_BRANCH=$(hub_branches "$dir" | head -n 1)
    export SHOUWEN_CERT="$HUB/keys/branch/$HUB_BRANCH.cert"
    export SHOUWEN_ADMIN_CERT="$HUB/keys/admin.cert"
    export SHOUWEN_SERVER_CERT="$HUB/keys/own/intake.cert"
}

# hub_branch_cert ID: the key file of a branch office
hub_branch_cert() { echo "$HUB/keys/branch/$1.cert"; }

# HUB_AUDIT_EXTRA: lines appended to audit.conf's audit section, each indented
# four spaces (e.g. the anchor settings, tests/integration/anchors.sh).
# hub_init HUB BUILD BASE [DIRECTORY_FILE] [CALENDAR_FILE] [DBNAME]
# Creates the cluster, the database, the configs, and migrates.
hub_init() {
    HUB=$1 HUB_BUILD=$2 HUB_BASE=$3
    # ports from BASE to BASE+10 are bound; above 32767 an outgoing
    # connection may already hold one (Linux's ephemeral range)
    if ((HUB_BASE < 1024 || HUB_BASE + 10 >= 32768)); then
        echo "hub_init: base port $HUB_BASE: choose 1024..32757 (32768- is the ephemeral range)" >&2
        return 1
    fi
    local dir=${4:-$HUBLIB_SRC/deploy/directory/hotel.conf}
    local cal=${5:-$HUBLIB_SRC/deploy/calendar/cn-2026.conf}
    local db=${6:-shouwen}
    mkdir -p "$HUB"/{etc,log,run,state}
    if [[ ! -f "$HUB/pg/port" ]]; then
        bash "$HUBLIB_SRC/scripts/pg.sh" init "$HUB/pg" $((HUB_BASE + 10)) >/dev/null
    fi
    bash "$HUBLIB_SRC/scripts/pg.sh" status "$HUB/pg" >/dev/null 2>&1 ||
        bash "$HUBLIB_SRC/scripts/pg.sh" start "$HUB/pg" >/dev/null
    bash "$HUBLIB_SRC/scripts/pg.sh" bootstrap "$HUB/pg" "$db" >/dev/null
    local writer owner
    writer=$(bash "$HUBLIB_SRC/scripts/pg.sh" conninfo "$HUB/pg" "$db" shouwen_writer)
    owner=$(bash "$HUBLIB_SRC/scripts/pg.sh" conninfo "$HUB/pg" "$db" shouwen_owner)
    hub_keys "$dir" || return 1
    local hubsec
    # hub/directory and hub/calendar seed an empty log (intake reads them)
    hubsec=$(printf 'hub\n    proposals = "%s"\n    committed = "%s"\n    replay = "%s"\n    clock = "%s"\n    audit_cert = "%s"\n    directory = "%s"\n    calendar = "%s"\n' \
        "${HUB_PROPOSALS:-tcp://127.0.0.1:$((HUB_BASE + 2))}" "${HUB_COMMITTED:-tcp://127.0.0.1:$((HUB_BASE + 3))}" \
        "${HUB_REPLAY:-tcp://127.0.0.1:$((HUB_BASE + 4))}" "${HUB_CLOCK:-real}" "$HUB/keys/daemons/audit.cert" \
        "$dir" "$cal")
    printf '%s\n    cert = "%s"\n    daemon_keys = "%s"\naudit\n    postgres = "%s"\n    migrate_postgres = "%s"\n    batch_max = %s\n    flush_ms = %s\n    projections = "%s"\n%s' \
        "$hubsec" "$HUB/keys/own/audit.cert" "$HUB/keys/daemons" "$writer" "$owner" "${HUB_BATCH_MAX:-2000}" \
        "${HUB_FLUSH_MS:-2}" "${HUB_PROJECTIONS:-inline}" "${HUB_AUDIT_EXTRA:-$(printf '    anchor_key = "%s"\n    anchor_file = "%s"\n' \
            "$HUB/keys/own/anchor.cert" "$HUB/anchors.log")}" >"$HUB/etc/audit.conf"
    printf '%s\n    cert = "%s"\nintake\n    bind = "tcp://127.0.0.1:%d"\n    ack_timeout_ms = %s\n    branch_keys = "%s"\n    max_pending = %s\n' \
        "$hubsec" "$HUB/keys/own/intake.cert" $((HUB_BASE + 1)) "${HUB_ACK_TIMEOUT_MS:-3000}" \
        "$HUB/keys/branches" "${HUB_MAX_PENDING:-20000}" >"$HUB/etc/intake.conf"
    printf '%s\n    cert = "%s"\n' "$hubsec" "$HUB/keys/own/router.cert" >"$HUB/etc/router.conf"
    printf '%s\n    cert = "%s"\n' "$hubsec" "$HUB/keys/own/sla.cert" >"$HUB/etc/sla.conf"
    # each daemon's health record, HUB/run/NAME.health (docs/operations.md "Health")
    local d
    for d in audit intake router sla; do
        [[ -z $(tail -c 1 "$HUB/etc/$d.conf") ]] || echo >>"$HUB/etc/$d.conf"
        printf 'daemon\n    health_dir = "%s"\n    state_dir = "%s"\n    snapshot_interval_s = %s\n' \
            "$HUB/run" "$HUB/state" "${HUB_SNAPSHOT_INTERVAL_S:-300}" >>"$HUB/etc/$d.conf"
    done
    "$HUB_BUILD/services/audit/shouwen-audit" -c "$HUB/etc/audit.conf" --migrate \
        >>"$HUB/log/migrate.log" 2>&1 || {
        cat "$HUB/log/migrate.log" >&2
        return 1
    }
    export SHOUWEN_ENDPOINT="tcp://127.0.0.1:$((HUB_BASE + 1))"
    export SHOUWEN_HEALTH_DIR="$HUB/run" # shouwen status
    HUB_DB=$db
    HUB_DIRECTORY=$dir
}

hub_pid() { cat "$HUB/run/$1.pid" 2>/dev/null; }

hub_running() {
    local pid
    pid=$(hub_pid "$1") && [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# hub_start NAME: start one daemon in the background.
hub_start() {
    local name=$1
    hub_running "$name" && return 0
    "$HUB_BUILD/services/$name/shouwen-$name" ${HUB_VERBOSE:+-v} -c "$HUB/etc/$name.conf" \
        >>"$HUB/log/$name.log" 2>&1 &
    echo $! >"$HUB/run/$name.pid"
}

# hub_stop NAME [SIGNAL]: stop one daemon (TERM by default, KILL for a crash);
# waits at most 10 s for it to go.
hub_stop() {
    local name=$1 sig=${2:-TERM} pid i
    pid=$(hub_pid "$name") || return 0
    [[ -n "$pid" ]] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    rm -f "$HUB/run/$name.pid"
}

hub_start_all() {
    local d
    for d in "${HUB_DAEMONS[@]}"; do hub_start "$d"; done
}

hub_stop_all() {
    local d
    for d in intake router sla audit; do hub_stop "$d"; done
}

# hub_wait_ready [SECONDS]: until intake answers (it answers RETRY while it
# catches up, so a stats query that succeeds means the hub is live).
hub_wait_ready() {
    local limit=${1:-30} i
    for ((i = 0; i < limit * 5; i++)); do
        # intake answers stats at once; "ready 1" once it follows the log
        # and the log holds an organisation and a calendar
        if "$HUB_BUILD/cli/shouwen" stats --timeout 3 2>/dev/null | grep -Eq '^ready +1$'; then
            return 0
        fi
        sleep 0.2
    done
    echo "hub did not become ready in ${limit}s" >&2
    return 1
}

hub_psql() {
    bash "$HUBLIB_SRC/scripts/pg.sh" psql "$HUB/pg" "$HUB_DB" shouwen_owner -qAt "$@"
}

# ------------------------------------------------------------ branch offices
# shouwen-branch for a branch of the hub's organisation, with its web desk
# (docs/branch.md, docs/desk.md), run like the hub daemons:
#   HUB/etc/branch-ID.conf   its configuration (hub_branch_conf)
#   HUB/log/branch-ID.log    its log
#   HUB/run/branch-ID.pid    its pid (hub_running, hub_stop work on "branch-ID")
#   DIR (HUB/branch/ID unless given)  spool.sqlite, desk.sqlite, run/desk.ipc
# The branch talks to intake (BASE+1) with the branch key hub_keys made
# (HUB/keys/branch/ID.cert); its desk is served from this tree's web/desk.

# hub_branch_staff DIRECTORY_FILE BRANCH: the staff ids the organisation file
# places at BRANCH (staff/branch, else their department's, inherited from the
# parent departments, else directory/branch; docs/directory.md), in file order
hub_branch_staff() {
    awk -v want="$2" '
        function val(s) {
            sub(/^[^=]*=[ \t]*/, "", s); sub(/[ \t]*#.*$/, "", s); gsub(/"/, "", s)
            sub(/[ \t]+$/, "", s); return s
        }
        /^[^ #]/ { sec = $1; next }
        sec == "directory" && /^    branch[ \t]*=/ { dflt = val($0) }
        sec == "branch" && /^    [A-Za-z0-9_-]+[ \t]*(#.*)?$/ { nb++; only = $1 }
        sec == "department" && /^    [A-Za-z0-9_-]+[ \t]*(#.*)?$/ { d = $1 }
        sec == "department" && /^        branch[ \t]*=/ { dbr[d] = val($0) }
        sec == "department" && /^        parent[ \t]*=/ { dpar[d] = val($0) }
        sec == "staff" && /^    [A-Za-z0-9_-]+[ \t]*(#.*)?$/ { s = $1; order[++n] = s }
        sec == "staff" && /^        department[ \t]*=/ { sdep[s] = val($0) }
        sec == "staff" && /^        branch[ \t]*=/ { sbr[s] = val($0) }
        END {
            if (dflt == "" && nb == 1) dflt = only
            for (i = 1; i <= n; i++) {
                s = order[i]; b = sbr[s]
                if (b == "") {
                    d = sdep[s]
                    for (h = 0; d != "" && !(d in dbr) && h < 64; h++) d = dpar[d]
                    b = (d != "" && (d in dbr)) ? dbr[d] : dflt
                }
                if (b == want) print s
            }
        }' "$1"
}

# hub_branch_conf ID PORT [DIR]: write HUB/etc/branch-ID.conf, the desk on
# 127.0.0.1:PORT.  HUB_BRANCH_EXTRA / HUB_DESK_EXTRA: lines appended to the
# branch / desk section, each indented four spaces (e.g. resend_ms, wait_ms).
hub_branch_conf() {
    local id=$1 port=$2 dir=${3:-$HUB/branch/$1}
    # the desks' endpoint is trusted by permissions: the daemon refuses a
    # directory others may enter (docs/branch.md, "Trust")
    mkdir -p "$dir/run"
    chmod 700 "$dir" "$dir/run"
    {
        printf 'branch\n    id = "%s"\n    cert = "%s"\n    hub_cert = "%s"\n' \
            "$id" "$HUB/keys/branch/$id.cert" "$HUB/keys/own/intake.cert"
        printf '    hub = "tcp://127.0.0.1:%d"\n    spool = "%s"\n    listen = "ipc://%s"\n' \
            $((HUB_BASE + 1)) "$dir/spool.sqlite" "$dir/run/desk.ipc"
        [[ -z "${HUB_BRANCH_EXTRA:-}" ]] || printf '%s\n' "$HUB_BRANCH_EXTRA"
        printf 'desk\n    listen = "127.0.0.1:%d"\n    root = "%s"\n    tz = "Asia/Shanghai"\n    db = "%s"\n' \
            "$port" "$HUBLIB_SRC/web/desk" "$dir/desk.sqlite"
        [[ -z "${HUB_DESK_EXTRA:-}" ]] || printf '%s\n' "$HUB_DESK_EXTRA"
    } >"$HUB/etc/branch-$id.conf"
}

# hub_branch_accounts ID PASSWORD [STAFF...]: desk accounts at branch ID
# (shouwen-branch passwd), every staff member the organisation places there
# unless named; an account that exists is kept as it is (its password may
# have been changed)
hub_branch_accounts() {
    local id=$1 pw=$2 conf=$HUB/etc/branch-$1.conf s have
    shift 2
    local staff=("$@")
    [[ ${#staff[@]} -gt 0 ]] ||
        mapfile -t staff < <(hub_branch_staff "${HUB_DIRECTORY:-$HUBLIB_SRC/deploy/directory/hotel.conf}" "$id")
    have=" $("$HUB_BUILD/services/branch/shouwen-branch" passwd -c "$conf" --list 2>/dev/null |
        awk '{print $1}' | tr '\n' ' ') "
    for s in "${staff[@]}"; do
        [[ "$have" == *" $s "* ]] && continue
        printf '%s\n' "$pw" | "$HUB_BUILD/services/branch/shouwen-branch" passwd -c "$conf" "$s" \
            >>"$HUB/log/branch-$id.log" 2>&1 || {
            echo "hub_branch_accounts: cannot make the account of $s at $id" >&2
            return 1
        }
    done
}

# hub_branch_start ID: start shouwen-branch of branch ID in the background
hub_branch_start() {
    local name=branch-$1
    hub_running "$name" && return 0
    "$HUB_BUILD/services/branch/shouwen-branch" ${HUB_VERBOSE:+-v} -c "$HUB/etc/$name.conf" \
        >>"$HUB/log/$name.log" 2>&1 &
    echo $! >"$HUB/run/$name.pid"
}

# hub_branch_wait ID PORT [SECONDS]: until its desk answers on PORT (30 s by
# default); fails at once, with the log's tail, if the daemon has exited
hub_branch_wait() {
    local id=$1 port=$2 limit=${3:-30} i
    for ((i = 0; i < limit * 10; i++)); do
        curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/" && return 0
        hub_running "branch-$id" || break
        sleep 0.1
    done
    echo "shouwen-branch $id: the desk did not answer on 127.0.0.1:$port" >&2
    tail -n 20 "$HUB/log/branch-$id.log" >&2
    return 1
}

# hub_branch_up ID PORT [DIR]: configure, start and wait for branch ID with
# its desk on 127.0.0.1:PORT (accounts: hub_branch_accounts)
hub_branch_up() {
    hub_branch_conf "$@" || return 1
    hub_branch_start "$1"
    hub_branch_wait "$1" "$2" 30
}

# hub_branch_down [ID]: stop branch ID, or every branch of the hub
hub_branch_down() {
    local f
    if [[ $# -gt 0 ]]; then
        hub_stop "branch-$1"
        return
    fi
    for f in "$HUB"/run/branch-*.pid; do
        [[ -e "$f" ]] || continue
        f=${f##*/}
        hub_stop "${f%.pid}"
    done
}

hub_destroy() {
    hub_branch_down
    hub_stop_all
    bash "$HUBLIB_SRC/scripts/pg.sh" stop "$HUB/pg" >/dev/null 2>&1 || true
}
