#!/usr/bin/env bash
# The systemd side of operations (docs/operations.md), without a running
# systemd:
#   1. the units and sample configuration install into a temporary root
#      (cmake --install), a second install keeps a changed configuration;
#   2. systemd-analyze verify accepts the installed units (their binaries
#      must exist), and systemd-analyze security rates each at most 2.0;
#   3. every unit carries the directives the design asks for;
#   4. each daemon, started with the sample configuration and NOTIFY_SOCKET
#      pointing at notify_listen, says READY=1 (audit only once PostgreSQL
#      answers) and STATUS=, pets the watchdog at half of WATCHDOG_USEC,
#      says RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM and
#      exits 0, every message from its main pid; under journald its lines
#      carry the priority prefix;
#   5. a bad configuration exits 78 (bad usage 64) and never says READY=1.
# shouwen-branch.service (a branch office's daemon, apart from
# shouwen.target) goes through the same steps with its own directives:
# state and runtime directories, and READY=1 once its desk answers, with
# the hub away.
# Ports 30200-30299 (PostgreSQL on 30210, the branch's desk on 30220).
source "$(dirname "$0")/lib.sh"
SRC=$SHOUWEN_SOURCE
BUILD=$SHOUWEN_BUILD
LISTEN=$BUILD/tests/notify_listen
DAEMONS=(audit intake router sla)
WORK=$(mktemp -d)
STARTED=() # pids this script started, ended by pid in units_cleanup

units_cleanup() {
    local pid running
    running=" $(jobs -pr | tr '\n' ' ') " # not yet reaped: still ours
    for pid in "${STARTED[@]}"; do
        [[ "$running" == *" $pid "* ]] || continue
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
    itest_cleanup
}
trap units_cleanup EXIT

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# wait_exit PID SECONDS: the exit status of a child, or 124 if it outlives SECONDS
wait_exit() {
    local pid=$1 limit=$2 i
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid"
}

# ------------------------------------------------------------ 1. install
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
ROOT=$WORK/root
if DESTDIR=$ROOT cmake --install "$BUILD" >"$WORK/install.log" 2>&1; then
    pass "cmake --install into a temporary root (prefix $prefix)"
else
    fail "cmake --install failed: $(tail -n 3 "$WORK/install.log")"
    itest_done
fi
UNITDIR=$ROOT$prefix/lib/systemd/system
UNITS=(shouwen-audit.service shouwen-intake.service shouwen-router.service
    shouwen-sla.service shouwen-migrate.service shouwen.target shouwen-branch.service)
missing=""
for u in "${UNITS[@]}"; do [[ -f "$UNITDIR/$u" ]] || missing+=" $u"; done
for d in "${DAEMONS[@]}" branch; do [[ -x "$ROOT$prefix/sbin/shouwen-$d" ]] || missing+=" sbin/shouwen-$d"; done
[[ -f "$ROOT$prefix/share/shouwen/desk/index.html" ]] || missing+=" share/shouwen/desk/index.html"
[[ -f "$ROOT$prefix/lib/sysusers.d/shouwen.conf" ]] || missing+=" sysusers.d/shouwen.conf"
check_eq "units, daemons and sysusers.d file installed" "" "$missing"
# the configuration directory the installed units name
confdir=$(sed -n 's|^ExecStart=.* -c \(.*\)/shouwen\.conf$|\1|p' "$UNITDIR/shouwen-intake.service")
check_eq "installed units name the installed daemons" "$prefix/sbin/shouwen-intake" \
    "$(sed -n 's|^ExecStart=\([^ ]*\) .*|\1|p' "$UNITDIR/shouwen-intake.service")"
modes=""
for f in shouwen branch directory calendar migrate; do
    modes+="$f=$(stat -c %a "$ROOT$confdir/$f.conf" 2>/dev/null) "
done
check_eq "first install puts the samples in $confdir (migrate.conf root's alone)" \
    "shouwen=640 branch=640 directory=640 calendar=640 migrate=600 " "$modes"
check_eq "... and an empty drop-in directory shouwen.conf.d" "yes" \
    "$([[ -d "$ROOT$confdir/shouwen.conf.d" ]] && echo yes || echo no)"
echo "# changed by the site" >>"$ROOT$confdir/shouwen.conf"
DESTDIR=$ROOT cmake --install "$BUILD" >"$WORK/install2.log" 2>&1
check_eq "a second install keeps the site's configuration" "# changed by the site" \
    "$(tail -n 1 "$ROOT$confdir/shouwen.conf")"

# ------------------------------------------- 2. systemd-analyze verify, security
if ! command -v systemd-analyze >/dev/null; then
    fail "systemd-analyze not found (scripts/install-deps installs the systemd package)"
    itest_done
fi
# Copies whose absolute paths lead into the temporary root, so that verify
# finds the installed binaries (and the host's /bin/kill, sysinit.target).
VERIFY=$WORK/verify
mkdir -p "$VERIFY"
for u in "${UNITS[@]}"; do
    sed -e "s|$prefix/sbin/|$ROOT$prefix/sbin/|g" -e "s|$confdir/|$ROOT$confdir/|g" \
        "$UNITDIR/$u" >"$VERIFY/$u"
done
# the shared sandbox: a drop-in systemd finds beside the units
check_eq "the shared sandbox drop-in is installed" yes \
    "$([[ -f $UNITDIR/shouwen-.service.d/sandbox.conf ]] && echo yes || echo no)"
mkdir -p "$VERIFY/shouwen-.service.d"
cp "$UNITDIR/shouwen-.service.d/sandbox.conf" "$VERIFY/shouwen-.service.d/"
out=$(cd "$VERIFY" && systemd-analyze verify --man=no "${UNITS[@]}" 2>&1)
rc=$?
check_eq "systemd-analyze verify: no error, no warning" "0:" "$rc:$out"
# verify does notice a missing binary and an unknown directive
sed -e 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/shouwen-intake|' -e 's|^UMask=|UMsk=|' \
    "$VERIFY/shouwen-intake.service" >"$VERIFY/shouwen-broken.service"
out=$(cd "$VERIFY" && systemd-analyze verify --man=no shouwen-broken.service 2>&1)
[[ "$out" == *"is not executable"* && "$out" == *"Unknown key"* ]] &&
    pass "systemd-analyze verify catches a missing binary and a misspelt key" ||
    fail "verify did not object to a broken unit: $out"
rm -f "$VERIFY/shouwen-broken.service"
if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
    for u in "${UNITS[@]}"; do
        [[ "$u" == *.service ]] || continue
        score=$(cd "$VERIFY" && systemd-analyze security --offline=true "$u" 2>&1 |
            sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
        if [[ -n "$score" ]] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
            pass "$u: systemd-analyze security exposure $score (at most 2.0)"
        else
            fail "$u: exposure '${score:-none}' (want at most 2.0)"
        fi
    done
else
    echo "note: this systemd-analyze has no 'security --offline'; exposure not rated"
fi

# the sysusers.d file creates the user and group the units run as
mkdir -p "$WORK/sysroot/etc"
systemd-sysusers --root="$WORK/sysroot" "$ROOT$prefix/lib/sysusers.d/shouwen.conf" \
    >"$WORK/sysusers.log" 2>&1
check_eq "systemd-sysusers creates user and group shouwen" "shouwen shouwen" \
    "$(cut -d: -f1 "$WORK/sysroot/etc/passwd" 2>/dev/null) $(cut -d: -f1 "$WORK/sysroot/etc/group" 2>/dev/null)"

# ---------------------------------------------------- 3. required directives
COMMON=("Type=notify" "NotifyAccess=main" "WatchdogSec=30s" "Restart=on-failure"
    'ExecReload=/bin/kill -HUP $MAINPID' "PartOf=shouwen.target" "WantedBy=shouwen.target"
    "User=shouwen" "UMask=0077" "NoNewPrivileges=yes" "ProtectSystem=strict"
    "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" "ProtectKernelTunables=yes"
    "ProtectKernelModules=yes" "ProtectKernelLogs=yes" "ProtectControlGroups=yes"
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "RestrictNamespaces=yes"
    "LockPersonality=yes" "MemoryDenyWriteExecute=yes" "RestrictRealtime=yes"
    "SystemCallArchitectures=native" "SystemCallFilter=@system-service"
    "CapabilityBoundingSet=" "RestartPreventExitStatus=64 78")
# a unit's directives and the shared sandbox drop-in, as systemd merges them
SANDBOX=$SRC/deploy/systemd/shouwen-.service.d/sandbox.conf
has() { grep -qxF -- "$1" "$2" || grep -qxF -- "$1" "$SANDBOX"; }
for d in "${DAEMONS[@]}"; do
    unit=$SRC/deploy/systemd/shouwen-$d.service
    want=("${COMMON[@]}" "ExecStart=/usr/sbin/shouwen-$d -c /etc/shouwen/shouwen.conf"
        "RuntimeDirectory=shouwen" "RuntimeDirectoryPreserve=yes")
    absent=""
    for line in "${want[@]}"; do has "$line" "$unit" || absent+=" [$line]"; done
    grep -qE '^LimitNOFILE=[0-9]+$' "$unit" || absent+=" [LimitNOFILE=N]"
    # ordering: audit after PostgreSQL, the others after (but not bound to) audit
    if [[ $d == audit ]]; then
        grep -qE '^After=.*\bpostgresql\.service\b' "$unit" || absent+=" [After=postgresql.service]"
        grep -qE '^Wants=.*\bshouwen-migrate\.service\b' "$unit" || absent+=" [Wants=shouwen-migrate]"
    else
        grep -qE '^After=.*\bshouwen-audit\.service\b' "$unit" || absent+=" [After=shouwen-audit]"
        grep -qE '^Wants=.*\bshouwen-audit\.service\b' "$unit" || absent+=" [Wants=shouwen-audit]"
        grep -qE '^(Requires|BindsTo|Requisite)=.*shouwen-audit' "$unit" &&
            absent+=" [must not require audit]"
    fi
    check_eq "shouwen-$d.service: all ${#want[@]} required directives, ordering" "" "$absent"
done
tgt=$SRC/deploy/systemd/shouwen.target
absent=""
for d in "${DAEMONS[@]}"; do grep -qE "^Wants=.*\bshouwen-$d\.service\b" "$tgt" || absent+=" $d"; done
grep -qx "WantedBy=multi-user.target" "$tgt" || absent+=" [WantedBy=multi-user.target]"
check_eq "shouwen.target wants the four daemons, wanted by multi-user.target" "" "$absent"
mig=$SRC/deploy/systemd/shouwen-migrate.service
absent=""
for line in "Type=oneshot" "Before=shouwen-audit.service" "User=shouwen" \
    "LoadCredential=migrate.conf:/etc/shouwen/migrate.conf" \
    "ExecStart=/usr/sbin/shouwen-audit -c %d/migrate.conf --migrate" \
    "ConditionPathExists=/etc/shouwen/migrate.conf" "NoNewPrivileges=yes" \
    "ProtectSystem=strict" "CapabilityBoundingSet="; do
    has "$line" "$mig" || absent+=" [$line]"
done
check_eq "shouwen-migrate.service: owner credentials for this unit alone" "" "$absent"
# shouwen-branch runs at a branch office: the same sandbox, but its own
# target (multi-user), and the directories for its spool and endpoint
unit=$SRC/deploy/systemd/shouwen-branch.service
want=("ExecStart=/usr/sbin/shouwen-branch -c /etc/shouwen/branch.conf" "WantedBy=multi-user.target"
    "StateDirectory=shouwen-branch" "RuntimeDirectory=shouwen-branch" "RuntimeDirectoryMode=0700")
for line in "${COMMON[@]}"; do [[ "$line" == *shouwen.target ]] || want+=("$line"); done
absent=""
for line in "${want[@]}"; do has "$line" "$unit" || absent+=" [$line]"; done
grep -qE '^LimitNOFILE=[0-9]+$' "$unit" || absent+=" [LimitNOFILE=N]"
grep -qE '^(Requires|BindsTo|Requisite|PartOf)=.*shouwen' "$unit" && absent+=" [must not be bound to the hub]"
check_eq "shouwen-branch.service: all ${#want[@]} required directives, not bound to the hub" "" "$absent"
# the sample keeps its spool and accounts where StateDirectory= lets it write
check_eq "branch.conf sample: spool and desk/db under /var/lib/shouwen-branch, endpoint under /run/shouwen-branch" \
    "3" "$(grep -cE '^    (spool|db) = "/var/lib/shouwen-branch/|^    listen = "ipc:///run/shouwen-branch/' \
        "$SRC/deploy/etc/shouwen/branch.conf")"

# ---------------------------------------- 4. readiness without systemd
# A private PostgreSQL (hub_init also migrates it) and the sample
# configuration with loopback test ports and this tree's files.
hub_init "$BUILD/itest/systemd_units" "$BUILD" 30200 >"$WORK/hub_init.log" 2>&1 || {
    fail "hub_init: $(tail -n 5 "$WORK/hub_init.log")"
    itest_done
}
writer=$(bash "$SRC/scripts/pg.sh" conninfo "$HUB/pg" "$HUB_DB" shouwen_writer)
owner=$(bash "$SRC/scripts/pg.sh" conninfo "$HUB/pg" "$HUB_DB" shouwen_owner)
ETC=$WORK/etc
mkdir -p "$ETC"
for f in shouwen migrate; do
    sed -e 's|:7701"|:30201"|; s|:7702"|:30202"|; s|:7703"|:30203"|; s|:7704"|:30204"|' \
        -e "s|\"/etc/shouwen/directory.conf\"|\"$SRC/deploy/directory/hotel.conf\"|" \
        -e "s|\"/etc/shouwen/calendar.conf\"|\"$SRC/deploy/calendar/cn-2026.conf\"|" \
        -e "s|^    postgres = .*|    postgres = \"$writer\"|" \
        -e "s|^    migrate_postgres = .*|    migrate_postgres = \"$owner\"|" \
        -e "s|\"/etc/shouwen/keys/|\"$HUB/keys/own/|; s|\"/etc/shouwen/daemons|\"$HUB/keys/daemons|" \
        -e "s|\"/etc/shouwen/branches\"|\"$HUB/keys/branches\"|" \
        -e "s|\"/var/lib/shouwen/|\"$WORK/|" \
        "$SRC/deploy/etc/shouwen/$f.conf" >"$ETC/$f.conf"
done
# the branch: the hotel's key and intake's cert from this hub, its files in WORK
sed -e 's|:7701"|:30201"|' -e 's|"127.0.0.1:8080"|"127.0.0.1:30220"|' \
    -e "s|\"/etc/shouwen/keys/hotel.cert\"|\"$HUB/keys/branch/hotel.cert\"|" \
    -e "s|\"/etc/shouwen/keys/|\"$HUB/keys/own/|" \
    -e "s|\"/var/lib/shouwen-branch/|\"$WORK/|" -e "s|ipc:///run/shouwen-branch/|ipc://$WORK/branch-run/|" \
    -e "s|\"/usr/share/shouwen/desk\"|\"$SRC/web/desk\"|" \
    "$SRC/deploy/etc/shouwen/branch.conf" >"$ETC/branch.conf"
"$BUILD/services/audit/shouwen-audit" -c "$ETC/migrate.conf" --migrate >"$WORK/migrate.log" 2>&1
check_eq "migrate.conf sample: --migrate again (nothing pending) exits 0" 0 $?

# start_notified NAME [env...]: start the daemon with a listener; sets
# LPID (listener) and DPID (daemon); NOTES is the listener's output.
start_notified() {
    local name=$1
    shift
    NOTES=$WORK/$name.notify
    local sock=$WORK/$name.sock
    : >"$NOTES"
    "$LISTEN" "$sock" 120 STOPPING=1 >"$NOTES" 2>>"$WORK/$name.listen.err" &
    LPID=$!
    STARTED+=("$LPID")
    wait_for 5 test -S "$sock" || fail "$name: notify_listen did not bind $sock"
    local conf=$ETC/shouwen.conf # the hub's daemons share it; a branch has its own
    [[ $name == branch ]] && conf=$ETC/branch.conf
    env NOTIFY_SOCKET="$sock" "$@" "$BUILD/services/$name/shouwen-$name" -c "$conf" \
        2>>"$WORK/$name.log" &
    DPID=$!
    STARTED+=("$DPID")
}

# says PID ASSIGNMENT: how many times PID sent ASSIGNMENT
says() { grep -cxF "$1 $2" "$NOTES"; }
ready_again() { [[ $(says "$DPID" READY=1) -ge 2 ]]; }
status_line() { grep "^$DPID STATUS=" "$NOTES" | grep -qv "=ready$"; }

# readiness NAME: the whole conversation of one daemon with "systemd"
readiness() {
    local name=$1
    wait_for 30 grep -qxF "$DPID READY=1" "$NOTES" &&
        pass "$name: READY=1 from its main pid" || fail "$name: no READY=1 in 30 s"
    grep -qxF "$DPID STATUS=ready" "$NOTES" && pass "$name: STATUS=ready" ||
        fail "$name: no STATUS= line"
    # WATCHDOG_USEC=400000: a pet every 0.2 s; in 1.5 s at least 4
    sleep 1.5
    local pets
    pets=$(says "$DPID" WATCHDOG=1)
    [[ $pets -ge 4 && $pets -le 12 ]] && pass "$name: $pets watchdog pets in 1.5 s at 0.4 s WatchdogSec" ||
        fail "$name: $pets watchdog pets in 1.5 s (want 4..12)"
    # STATUS= then says what the daemon is doing (every 5 s, when it changed)
    local line
    wait_for 8 status_line && line=$(grep "^$DPID STATUS=" "$NOTES" | grep -v "=ready$" | tail -n 1)
    [[ -n "${line:-}" ]] && pass "$name: ${line#* }" || fail "$name: no STATUS= after ready"
    kill -HUP "$DPID"
    wait_for 10 ready_again &&
        [[ $(says "$DPID" RELOADING=1) -eq 1 ]] &&
        pass "$name: SIGHUP gives RELOADING=1 then READY=1" ||
        fail "$name: SIGHUP: $(says "$DPID" RELOADING=1) RELOADING, $(says "$DPID" READY=1) READY"
    kill -0 "$DPID" 2>/dev/null && pass "$name: still running after SIGHUP" ||
        fail "$name: died on SIGHUP"
    kill -TERM "$DPID"
    wait_exit "$DPID" 15
    check_eq "$name: SIGTERM drains and exits 0" 0 $?
    wait_exit "$LPID" 5
    check_eq "$name: STOPPING=1 arrived" "0 1" "$? $(says "$DPID" STOPPING=1)"
    local strangers
    strangers=$(awk -v p="$DPID" '$1 != p' "$NOTES" | head -n 3)
    check_eq "$name: every notification from the main pid (NotifyAccess=main)" "" "$strangers"
}

# audit: not READY while PostgreSQL is away, READY once it is back
bash "$SRC/scripts/pg.sh" stop "$HUB/pg" >/dev/null 2>&1
start_notified audit WATCHDOG_USEC=400000
sleep 3
if kill -0 "$DPID" 2>/dev/null && [[ $(says "$DPID" READY=1) -eq 0 ]]; then
    pass "audit: running but not READY while PostgreSQL is down"
else
    fail "audit: READY (or gone) without PostgreSQL: $(head -n 3 "$NOTES")"
fi
bash "$SRC/scripts/pg.sh" start "$HUB/pg" >/dev/null 2>&1
readiness audit

# intake, with the journal's priority prefixes: JOURNAL_STREAM names the
# device and inode of its stderr, as systemd sets it
: >"$WORK/intake.log"
start_notified intake WATCHDOG_USEC=400000 JOURNAL_STREAM="$(stat -c %d:%i "$WORK/intake.log")"
wait_for 30 grep -qxF "$DPID READY=1" "$NOTES"
# READY=1 means bound: the branch port answers at once
stats=$(SHOUWEN_ENDPOINT=tcp://127.0.0.1:30201 timeout 10 "$CLI" stats 2>&1)
[[ "$stats" == *requests* ]] && pass "intake: answers branches as soon as it says READY=1" ||
    fail "intake: no answer right after READY=1: $stats"
readiness intake
grep -qE '^<6>.*ready' "$WORK/intake.log" && ! grep -qvE '^<[0-7]>' "$WORK/intake.log" &&
    pass "intake: under journald every line starts with its priority (<6> ready)" ||
    fail "intake: journald prefixes missing: $(head -n 2 "$WORK/intake.log")"

for d in router sla; do
    start_notified "$d" WATCHDOG_USEC=400000
    readiness "$d"
done
# without JOURNAL_STREAM the same lines are for a terminal
grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} INFO router: ready$' "$WORK/router.log" &&
    pass "router: on a terminal lines read 'HH:MM:SS.mmm INFO router: ready'" ||
    fail "router: terminal log format: $(head -n 2 "$WORK/router.log")"

# the branch, with the hub away (intake stopped above): READY=1 means the
# desk answers and the spool is open
start_notified branch WATCHDOG_USEC=400000
wait_for 30 grep -qxF "$DPID READY=1" "$NOTES"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:30220/)
check_eq "branch: its desk answers as soon as it says READY=1 (hub away)" 200 "$code"
[[ $(stat -c %a "$WORK/branch-run" 2>/dev/null) == 700 ]] && pass "branch: its endpoint's directory is 0700" ||
    fail "branch: endpoint directory mode $(stat -c %a "$WORK/branch-run" 2>&1)"
readiness branch

# ------------------------------------------------ 5. bad configuration
# bad_config NAME DESCRIPTION FILE-CONTENT [EXPECTED=78] [ARGS...]
bad_config() {
    local name=$1 what=$2 content=$3 want=${4:-78}
    shift 4 2>/dev/null || shift $#
    local conf=$WORK/bad-$name.conf sock=$WORK/bad-$name.sock
    NOTES=$WORK/bad-$name.notify
    if [[ "$content" == "@missing" ]]; then conf=$WORK/no-such-file.conf; else printf '%s\n' "$content" >"$conf"; fi
    "$LISTEN" "$sock" 20 READY=1 >"$NOTES" 2>/dev/null &
    LPID=$!
    STARTED+=("$LPID")
    wait_for 5 test -S "$sock"
    NOTIFY_SOCKET=$sock timeout 20 "$BUILD/services/$name/shouwen-$name" -c "$conf" "$@" \
        >"$WORK/bad-$name.out" 2>&1
    local rc=$?
    kill -TERM "$LPID" 2>/dev/null
    wait "$LPID" 2>/dev/null
    check_eq "$name: $what exits $want, never READY=1" "$want 0" "$rc $(grep -c 'READY=1' "$NOTES")"
}
HUBSEC=$(sed -n '/^hub$/,/^$/p' "$ETC/shouwen.conf")
for d in "${DAEMONS[@]}"; do
    bad_config "$d" "a configuration file that is not there" "@missing"
    bad_config "$d" "a file that is not ZPL" $'hub\n  proposals = "x"\n bad'
    bad_config "$d" "hub/clock = 'sundial'" "$(sed 's/clock = "real"/clock = "sundial"/' "$ETC/shouwen.conf")"
done
bad_config audit "no audit/postgres" "$HUBSEC"
bad_config intake "ack_timeout_ms = 'soon'" "$(sed 's/ack_timeout_ms = 3000/ack_timeout_ms = "soon"/' "$ETC/shouwen.conf")"
bad_config intake "ack_timeout_ms out of range" "$(sed 's/ack_timeout_ms = 3000/ack_timeout_ms = 0/' "$ETC/shouwen.conf")"
# the organisation and calendar that seed an empty log are checked at start
bad_config intake "a hub/directory file that is not there" \
    "$(sed "s|^    directory = .*|    directory = \"$WORK/none.conf\"|" "$ETC/shouwen.conf")"
printf 'version = "bad"\noffices\n    hq\n        zone = "Asia/Nowhere"\n' >"$WORK/bad-calendar.conf"
bad_config intake "a hub/calendar that does not load" \
    "$(sed "s|^    calendar = .*|    calendar = \"$WORK/bad-calendar.conf\"|" "$ETC/shouwen.conf")"
bad_config intake "an unknown flag (usage)" "$(cat "$ETC/shouwen.conf")" 64 --frobnicate
bad_config branch "a configuration file that is not there" "@missing"
bad_config branch "no branch/id" "$(sed '/^    id = /d' "$ETC/branch.conf")"
"$CLI" keygen elsewhere --dir "$WORK" --branch elsewhere >/dev/null
bad_config branch "branch/cert: the key of another branch" \
    "$(sed "s|$HUB/keys/branch/hotel.cert|$WORK/elsewhere.cert|" "$ETC/branch.conf")"
bad_config branch "desk/root not a directory" \
    "$(sed "s|^    root = .*|    root = \"$WORK/no-pages\"|" "$ETC/branch.conf")"
bad_config branch "desk/tls_cert without tls_key" \
    "$(sed "s|^    tls_cert = .*|    tls_cert = \"$ETC/branch.conf\"|" "$ETC/branch.conf")"
bad_config branch "an unknown flag (usage)" "$(cat "$ETC/branch.conf")" 64 --frobnicate
itest_done
