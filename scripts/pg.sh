#!/usr/bin/env bash
# pg.sh: a private PostgreSQL cluster for the shouwen hub and its tests.
#
#   pg.sh init DATADIR PORT          create the cluster (loopback + unix socket)
#   pg.sh start DATADIR              start it (waits at most 30 s)
#   pg.sh stop DATADIR               fast shutdown (waits at most 30 s)
#   pg.sh status DATADIR             exit 0 when running
#   pg.sh destroy DATADIR            stop, then remove DATADIR and its socket dir
#   pg.sh bootstrap DATADIR DBNAME   roles shouwen_owner/_writer/_auditor and
#                                    DBNAME owned by shouwen_owner
#   pg.sh psql DATADIR DBNAME [ROLE] [psql args...]
#   pg.sh conninfo DATADIR DBNAME ROLE
#
# Layout of DATADIR (owned by the postgres OS user when run as root; when
# that user cannot reach DATADIR, e.g. a clone in root's 0700 home, the
# cluster's files live in /var/lib/shouwen-pg/<hash of DATADIR> instead,
# named in DATADIR/home, and everything below is relative to that):
#   pgdata/         the cluster
#   sock/           unix socket directory (or a short directory under /tmp
#                   when DATADIR is too deep for a socket path; see sockdir)
#   postgres.log    server log
#   port, sockdir   what init chose, read by the other commands
#
# Authentication: trust on the unix socket only (the socket directory is
# private to the postgres user, and root); TCP on 127.0.0.1 requires a
# password (scram-sha-256), and the roles have none until an operator sets one.
#
# Durability: fsync stays on.  SHOUWEN_PG_FAST=1 (tests only) makes init skip
# its syncs and start the server with fsync, synchronous_commit and
# full_page_writes off.  SHOUWEN_PG_BINDIR overrides the server binaries.
set -euo pipefail

PROG=pg.sh
ROLES=(shouwen_owner shouwen_writer shouwen_auditor)
WAIT_S=30

die() {
    echo "$PROG: $*" >&2
    exit 1
}

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}

# Newest installed server binaries (pg_config --bindir names the client's).
s_bindir() {
    if [[ -n "${SHOUWEN_PG_BINDIR:-}" ]]; then
        [[ -x "$SHOUWEN_PG_BINDIR/postgres" ]] || die "no postgres in SHOUWEN_PG_BINDIR=$SHOUWEN_PG_BINDIR"
        echo "$SHOUWEN_PG_BINDIR"
        return
    fi
    local d best=""
    while read -r d; do
        [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V)
    [[ -n "$best" ]] || die "no PostgreSQL server found under /usr/lib/postgresql/*/bin (install postgresql, or set SHOUWEN_PG_BINDIR)"
    echo "$best"
}

# Runs a server program as the postgres OS user (PostgreSQL refuses root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

s_abs() {
    local d=$1
    [[ "$d" == /* ]] || d="$PWD/$d"
    # Normalise without requiring the path to exist.
    realpath -m -- "$d"
}

s_check_name() {
    [[ "$2" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad $1 '$2' (letters, digits and _ only)"
}

# True if the postgres user can reach and write DIR.
s_reachable() {
    as_pg test -x "$1" -a -w "$1"
}

# Says which ancestor of DIR the postgres user cannot traverse, and fails.
s_check_reachable() {
    local dir=$1 p=""
    as_pg test -x "$dir" -a -w "$dir" && return 0
    local IFS=/
    local part
    for part in $dir; do
        [[ -z "$part" ]] && continue
        p="$p/$part"
        if ! as_pg test -x "$p"; then
            echo "$PROG: the postgres OS user cannot reach $dir:" >&2
            echo "$PROG:   $p is not traversable for it ($(stat -c '%A %U:%G' "$p"))." >&2
            echo "$PROG:   Use a DATADIR under a traversable path, or: chmod o+x $p" >&2
            exit 2
        fi
    done
    echo "$PROG: the postgres OS user cannot write $dir ($(stat -c '%A %U:%G' "$dir"))" >&2
    exit 2
}

# The directory holding the cluster's files: DATADIR, or the one named in
# DATADIR/home (see the layout above).
s_home() {
    if [[ -f "$1/home" ]]; then cat "$1/home"; else echo "$1"; fi
}

s_pgdata() { echo "$(s_home "$1")/pgdata"; }

s_need_cluster() {
    [[ -f "$(s_pgdata "$1")/PG_VERSION" ]] || die "$1 holds no cluster (run: $PROG init $1 PORT)"
}

s_port() { cat "$1/port"; }
s_sockdir() { cat "$1/sockdir"; }

# Unix socket paths are limited to 107 bytes: "<dir>/.s.PGSQL.<port>".
s_choose_sockdir() {
    local datadir=$1 port=$2 dir="$1/sock"
    if (( ${#dir} + ${#port} + 10 > 100 )); then
        dir="/tmp/shouwen-pg.$(printf '%s' "$datadir" | md5sum | cut -c1-12)"
    fi
    echo "$dir"
}

s_make_sockdir() {
    local dir=$1
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$dir"
    fi
    chmod 0700 "$dir"
}

s_locale() {
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
        echo C.UTF-8
    else
        echo C
    fi
}

cmd_init() {
    [[ $# -eq 2 ]] || usage
    local datadir port bindir sockdir
    datadir=$(s_abs "$1")
    port=$2
    [[ "$port" =~ ^[0-9]+$ ]] && (( port >= 1024 && port <= 65535 )) || die "bad port '$port' (1024..65535)"
    bindir=$(s_bindir)
    if [[ -f "$(s_pgdata "$datadir")/PG_VERSION" ]]; then
        [[ "$(s_port "$datadir")" == "$port" ]] || die "$datadir already holds a cluster on port $(s_port "$datadir")"
        echo "$PROG: $datadir already initialised (port $port)"
        return 0
    fi
    if [[ -e "$datadir/pgdata" ]] && [[ -n "$(ls -A "$datadir/pgdata")" ]]; then
        die "$datadir/pgdata exists and is not an empty cluster directory"
    fi
    mkdir -p "$datadir"
    local home=$datadir
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "no postgres OS user (install postgresql)"
        chown postgres:postgres "$datadir"
        chmod 0700 "$datadir"
        if ! s_reachable "$datadir"; then
            # root's home (0700) or another path the server may not enter:
            # the cluster lives where it can, DATADIR names it
            home=/var/lib/shouwen-pg/$(printf '%s' "$datadir" | md5sum | cut -c1-12)
            mkdir -p "$home"
            chown postgres:postgres /var/lib/shouwen-pg "$home"
            chmod 0755 /var/lib/shouwen-pg
            chmod 0700 "$home"
            echo "$home" >"$datadir/home"
            echo "$PROG: the postgres user cannot reach $datadir; the cluster lives in $home"
        fi
    fi
    chmod 0700 "$datadir"
    s_check_reachable "$home"

    sockdir=$(s_choose_sockdir "$home" "$port")
    local nosync=()
    [[ "${SHOUWEN_PG_FAST:-0}" == 1 ]] && nosync=(--no-sync)
    if ! as_pg "$bindir/initdb" -D "$home/pgdata" -U postgres \
            --auth-local=trust --auth-host=scram-sha-256 \
            -E UTF8 --locale="$(s_locale)" "${nosync[@]}" \
            >"$home/initdb.log" 2>&1; then
        cat "$home/initdb.log" >&2
        die "initdb failed for $home/pgdata"
    fi
    cat >>"$home/pgdata/postgresql.conf" <<EOF

# ---- shouwen (scripts/pg.sh) ----
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
unix_socket_permissions = 0700
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
max_wal_size = '2GB'
EOF
    # Only loopback: local socket trusted, TCP from 127.0.0.1 by password.
    cat >"$home/pgdata/pg_hba.conf" <<EOF
# shouwen (scripts/pg.sh): unix socket trusted, loopback TCP by password.
local   all   all                  trust
host    all   all   127.0.0.1/32   scram-sha-256
EOF
    echo "$port" >"$datadir/port"
    echo "$sockdir" >"$datadir/sockdir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$datadir/port" "$datadir/sockdir" "$home/initdb.log"
    fi
    echo "$PROG: initialised $datadir (port $port, socket $sockdir)"
}

s_running() {
    as_pg "$1/pg_ctl" status -D "$(s_pgdata "$2")" >/dev/null 2>&1
}

cmd_start() {
    [[ $# -eq 1 ]] || usage
    local datadir bindir
    datadir=$(s_abs "$1")
    s_need_cluster "$datadir"
    bindir=$(s_bindir)
    s_make_sockdir "$(s_sockdir "$datadir")"
    if s_running "$bindir" "$datadir"; then
        echo "$PROG: $datadir already running"
        return 0
    fi
    local opts=""
    if [[ "${SHOUWEN_PG_FAST:-0}" == 1 ]]; then
        opts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    local home
    home=$(s_home "$datadir")
    if ! as_pg "$bindir/pg_ctl" -D "$home/pgdata" -l "$home/postgres.log" \
            -w -t "$WAIT_S" -o "$opts" start >/dev/null; then
        echo "$PROG: server did not start; end of $home/postgres.log:" >&2
        tail -n 20 "$home/postgres.log" >&2 || true
        exit 1
    fi
    echo "$PROG: started $datadir (port $(s_port "$datadir"))"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local datadir bindir
    datadir=$(s_abs "$1")
    s_need_cluster "$datadir"
    bindir=$(s_bindir)
    if ! s_running "$bindir" "$datadir"; then
        echo "$PROG: $datadir not running"
        return 0
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$(s_pgdata "$datadir")" -m fast -w -t "$WAIT_S" stop >/dev/null; then
        echo "$PROG: fast shutdown timed out, stopping immediately" >&2
        as_pg "$bindir/pg_ctl" -D "$(s_pgdata "$datadir")" -m immediate -w -t "$WAIT_S" stop >/dev/null
    fi
    echo "$PROG: stopped $datadir"
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    local datadir bindir
    datadir=$(s_abs "$1")
    s_need_cluster "$datadir"
    bindir=$(s_bindir)
    as_pg "$bindir/pg_ctl" status -D "$(s_pgdata "$datadir")"
}

cmd_destroy() {
    [[ $# -eq 1 ]] || usage
    local datadir sockdir=""
    datadir=$(s_abs "$1")
    [[ -e "$datadir" ]] || return 0
    s_need_cluster "$datadir"
    cmd_stop "$datadir" >/dev/null
    sockdir=$(s_sockdir "$datadir")
    local home
    home=$(s_home "$datadir")
    [[ "$home" == /var/lib/shouwen-pg/* ]] && rm -rf -- "$home"
    rm -rf -- "$datadir"
    # The socket dir is inside DATADIR unless the path was too long for it.
    [[ "$sockdir" == /tmp/shouwen-pg.* ]] && rm -rf -- "$sockdir"
    echo "$PROG: removed $datadir"
}

# psql on the cluster's socket: s_psql DATADIR DBNAME ROLE [args...]
s_psql() {
    local datadir=$1 db=$2 role=$3
    shift 3
    exec "$(s_bindir)/psql" -X -h "$(s_sockdir "$datadir")" -p "$(s_port "$datadir")" \
        -U "$role" -d "$db" "$@"
}

cmd_psql() {
    [[ $# -ge 2 ]] || usage
    local datadir db role=postgres
    datadir=$(s_abs "$1")
    db=$2
    shift 2
    if [[ $# -gt 0 && "$1" != -* ]]; then
        role=$1
        shift
    fi
    s_need_cluster "$datadir"
    s_check_name database "$db"
    s_check_name role "$role"
    s_psql "$datadir" "$db" "$role" "$@"
}

cmd_bootstrap() {
    [[ $# -eq 2 ]] || usage
    local datadir db
    datadir=$(s_abs "$1")
    db=$2
    s_need_cluster "$datadir"
    s_check_name database "$db"
    (s_psql "$datadir" postgres postgres -q -v ON_ERROR_STOP=1 -v db="$db" \
        -v tz="${SHOUWEN_TZ:-Asia/Shanghai}" <<'SQL'
-- Roles of the shouwen hub: none is superuser (see services/audit/sql).
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['shouwen_owner', 'shouwen_writer', 'shouwen_auditor'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', r);
    END LOOP;
END
$$;
-- Auditors query the shouwen schema and, by default, only read.
ALTER ROLE shouwen_auditor SET search_path = shouwen, public;
ALTER ROLE shouwen_auditor SET default_transaction_read_only = on;
-- ... and in the organisation's zone (SHOUWEN_TZ, else Beijing time): a
-- month, a day and every time they see are the organisation's, as sla's
SELECT format('ALTER ROLE shouwen_auditor SET TimeZone = %L', :'tz') \gexec
SELECT format('CREATE DATABASE %I OWNER shouwen_owner ENCODING ''UTF8'' TEMPLATE template0', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO shouwen_owner', :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO shouwen_writer, shouwen_auditor', :'db') \gexec
\connect :db
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
    ) || die "bootstrap of $db failed"
    echo "$PROG: database $db ready (roles ${ROLES[*]})"
}

# libpq keyword/value quoting: 'value' with \ and ' escaped.
s_conn_value() {
    local v=$1
    if [[ "$v" =~ ^[A-Za-z0-9_./-]+$ ]]; then
        printf '%s' "$v"
    else
        v=${v//\\/\\\\}
        v=${v//\'/\\\'}
        printf "'%s'" "$v"
    fi
}

cmd_conninfo() {
    [[ $# -eq 3 ]] || usage
    local datadir db=$2 role=$3
    datadir=$(s_abs "$1")
    s_need_cluster "$datadir"
    s_check_name database "$db"
    s_check_name role "$role"
    printf 'host=%s port=%s dbname=%s user=%s\n' \
        "$(s_conn_value "$(s_sockdir "$datadir")")" "$(s_port "$datadir")" "$db" "$role"
}

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case "$cmd" in
    init) cmd_init "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    destroy) cmd_destroy "$@" ;;
    bootstrap) cmd_bootstrap "$@" ;;
    psql) cmd_psql "$@" ;;
    conninfo) cmd_conninfo "$@" ;;
    -h | --help | help) usage ;;
    *) die "unknown command '$cmd' (init, start, stop, status, destroy, bootstrap, psql, conninfo)" ;;
esac
