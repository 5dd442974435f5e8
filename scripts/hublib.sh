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
    local dir=${4:-$HUBLIB_SRC/deploy/directory/hotel.conf}
    local cal=${5:-$HUBLIB_SRC/deploy/calendar/cn-2026.conf}
    local db=${6:-shouwen}
    mkdir -p "$HUB"/{etc,log,run}
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
    hubsec=$(printf 'hub\n    proposals = "%s"\n    committed = "%s"\n    replay = "%s"\n    clock = "%s"\n    audit_cert = "%s"\n' \
        "${HUB_PROPOSALS:-tcp://127.0.0.1:$((HUB_BASE + 2))}" "${HUB_COMMITTED:-tcp://127.0.0.1:$((HUB_BASE + 3))}" \
        "${HUB_REPLAY:-tcp://127.0.0.1:$((HUB_BASE + 4))}" "${HUB_CLOCK:-real}" "$HUB/keys/daemons/audit.cert")
    printf '%s\n    cert = "%s"\n    daemon_keys = "%s"\naudit\n    postgres = "%s"\n    migrate_postgres = "%s"\n    batch_max = %s\n    flush_ms = %s\n%s' \
        "$hubsec" "$HUB/keys/own/audit.cert" "$HUB/keys/daemons" "$writer" "$owner" "${HUB_BATCH_MAX:-500}" \
        "${HUB_FLUSH_MS:-2}" "${HUB_AUDIT_EXTRA:-$(printf '    anchor_key = "%s"\n    anchor_file = "%s"\n' \
            "$HUB/keys/own/anchor.cert" "$HUB/anchors.log")}" >"$HUB/etc/audit.conf"
    printf '%s\n    cert = "%s"\nintake\n    bind = "tcp://127.0.0.1:%d"\n    ack_timeout_ms = %s\n    branch_keys = "%s"\n    directory = "%s"\n' \
        "$hubsec" "$HUB/keys/own/intake.cert" $((HUB_BASE + 1)) "${HUB_ACK_TIMEOUT_MS:-3000}" \
        "$HUB/keys/branches" "$dir" >"$HUB/etc/intake.conf"
    printf '%s\n    cert = "%s"\nrouter\n    directory = "%s"\n' "$hubsec" "$HUB/keys/own/router.cert" \
        "$dir" >"$HUB/etc/router.conf"
    printf '%s\n    cert = "%s"\nsla\n    calendar = "%s"\n    directory = "%s"\n' "$hubsec" \
        "$HUB/keys/own/sla.cert" "$cal" "$dir" >"$HUB/etc/sla.conf"
    "$HUB_BUILD/services/audit/shouwen-audit" -c "$HUB/etc/audit.conf" --migrate \
        >>"$HUB/log/migrate.log" 2>&1 || {
        cat "$HUB/log/migrate.log" >&2
        return 1
    }
    export SHOUWEN_ENDPOINT="tcp://127.0.0.1:$((HUB_BASE + 1))"
    HUB_DB=$db
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
        # intake answers stats at once; "live 1" once it follows the log
        if "$HUB_BUILD/cli/shouwen" stats --timeout 3 2>/dev/null | grep -Eq '^live +1$'; then
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

hub_destroy() {
    hub_stop_all
    bash "$HUBLIB_SRC/scripts/pg.sh" stop "$HUB/pg" >/dev/null 2>&1 || true
}
