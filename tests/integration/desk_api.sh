#!/usr/bin/env bash
# The web desk's API against the real shouwen-branch and hub (issue 9;
# docs/desk.md): sign-in and CSRF, the 首问 flow across two departments with
# the live notification within 2 s, the R13 and R24 refusals in Chinese, an
# SSE resume without loss or repeat; then the spool through the desk
# (acceptance 2): intake stopped, 100 inquiries registered at the desk are
# answered "spooled" at once; intake back, all 100 are committed exactly
# once with the desk's request ids and the case ids it gave, and the desk
# shows each confirmed.  The checks are in desk_api.py.
source "$(dirname "$0")/lib.sh"
itest_hub desk_api 30800
B=$SHOUWEN_BUILD/itest/desk_api.branch
BRANCHD=$SHOUWEN_BUILD/services/branch/shouwen-branch
PORT=30820
rm -rf "$B"
mkdir -p "$B"
cat >"$B/branch.conf" <<EOF
branch
    id = "hotel"
    cert = "$HUB/keys/branch/hotel.cert"
    hub_cert = "$HUB/keys/own/intake.cert"
    hub = "$SHOUWEN_ENDPOINT"
    spool = "$B/spool.sqlite"
    listen = "ipc://$B/run/desk.ipc"
    resend_ms = 300
    resend_max_ms = 1500
desk
    listen = "127.0.0.1:$PORT"
    root = "$SHOUWEN_SOURCE/web/desk"
    db = "$B/desk.sqlite"
    wait_ms = 4000
EOF
# the organisation through the log, as `scripts/hub up` loads it: the
# summaries name people as the directory in force had them
"$CLI" directory load "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" >/dev/null ||
    fail "directory load"
for s in fo-01 fo-02 hk-01; do
    printf 'shouwen2026\n' | "$BRANCHD" passwd -c "$B/branch.conf" "$s" 2>/dev/null ||
        fail "passwd $s"
done
out=$(printf 'short\n' | "$BRANCHD" passwd -c "$B/branch.conf" fo-03 2>&1)
[[ $? -ne 0 && "$out" == *"at least 8"* ]] && pass "passwd refuses a password under 8 characters" ||
    fail "short password: $out"
check_eq "passwd --list lists the accounts" "fo-01 fo-02 hk-01" \
    "$("$BRANCHD" passwd -c "$B/branch.conf" --list | awk '{print $1}' | xargs)"
count_accounts() {
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])" \
        "$B/desk.sqlite" "$1"
}
check_eq "passwords are stored hashed (Argon2id), never as typed" "3 0" \
    "$(count_accounts "select count(*) from accounts where pwhash like '\$argon2id\$%'") $(count_accounts "select count(*) from accounts where pwhash like '%shouwen2026%'")"

branch_start() {
    "$BRANCHD" -c "$B/branch.conf" >>"$HUB/log/branch.log" 2>&1 &
    BRANCH_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && return 0
        sleep 0.1
    done
    fail "the desk did not answer on port $PORT"
}
branch_stop() {
    [[ -n "${BRANCH_PID:-}" ]] || return 0
    kill -"${1:-TERM}" "$BRANCH_PID" 2>/dev/null
    wait "$BRANCH_PID" 2>/dev/null
    BRANCH_PID=
}
trap 'branch_stop KILL; itest_cleanup' EXIT
# the python client's lines count as this test's checks
py() {
    local line
    while IFS= read -r line; do
        case $line in
        "ok   - "*) pass "${line#ok   - }" ;;
        "FAIL - "*) fail "${line#FAIL - }" ;;
        *) echo "$line" ;;
        esac
    done < <(python3 "$SHOUWEN_SOURCE/tests/integration/desk_api.py" "$PORT" "$@" 2>&1)
}

branch_start
body=$(curl -s "http://127.0.0.1:$PORT/")
[[ "$body" == *首问工作台* ]] && pass "the desk's page is served" || fail "page: ${body:0:200}"
check_eq "a path outside the pages is not served" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/../branch.conf")"
# the organisation reaches the branch from the hub (DirectoryQuery)
for ((i = 0; i < 50; i++)); do
    grep -q "the organisation in force is" "$HUB/log/branch.log" && break
    sleep 0.1
done
py auth
py flow

hub_stop intake
py spool 100 "$B/dsp.ids"
check_eq "nothing reached the hub meanwhile" 0 \
    "$(sql "select count(*) from shouwen.events where body->>'request_id' like 'dsp-%'")"
hub_start intake
wait_sql "select count(*) from shouwen.events where type='inquiry.received' and body->>'request_id' like 'dsp-%'" 100 60 &&
    pass "all 100 delivered" || fail "delivered"
py confirmed 100
check_eq "each committed exactly once (events/distinct request ids)" "100/100" \
    "$(sql "select count(*) || '/' || count(distinct body->>'request_id') from shouwen.events
            where type='inquiry.received' and body->>'request_id' like 'dsp-%'")"
check_eq "the case ids the desk gave are the hub's" "" \
    "$(diff <(sort "$B/dsp.ids") <(sql "select body->>'request_id' || ',' || case_id from shouwen.events
        where type='inquiry.received' and body->>'request_id' like 'dsp-%'" | sort))"
check_eq "each was received by the clerk signed in (fo-01)" 100 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'
            and body->>'request_id' like 'dsp-%' and body->>'receiver_staff_id' = 'fo-01'")"

# TLS: with tls_cert and tls_key the desk speaks HTTPS only, and its cookie
# is Secure (a second shouwen-branch of the same branch, its own files)
T=$B/tls
mkdir -p "$T"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=127.0.0.1" 2>/dev/null
sed -e "s|$B/spool.sqlite|$T/spool.sqlite|; s|$B/desk.sqlite|$T/desk.sqlite|" \
    -e "s|ipc://$B/run/desk.ipc|ipc://$T/run/desk.ipc|; s|127.0.0.1:$PORT|127.0.0.1:$((PORT + 1))|" \
    "$B/branch.conf" >"$T/branch.conf"
printf '    tls_cert = "%s"\n    tls_key = "%s"\n' "$T/cert.pem" "$T/key.pem" >>"$T/branch.conf"
printf 'shouwen2026\n' | "$BRANCHD" passwd -c "$T/branch.conf" fo-01 2>/dev/null
"$BRANCHD" -c "$T/branch.conf" >>"$HUB/log/branch-tls.log" 2>&1 &
TLS_PID=$!
for ((i = 0; i < 100; i++)); do
    curl -skf -o /dev/null "https://127.0.0.1:$((PORT + 1))/" && break
    sleep 0.1
done
[[ "$(curl -sk "https://127.0.0.1:$((PORT + 1))/")" == *首问工作台* ]] && pass "TLS: the desk is served over HTTPS" ||
    fail "TLS: no page over HTTPS"
check_eq "TLS: plain HTTP is not answered" 000 \
    "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + 1))/")"
for ((i = 0; i < 50; i++)); do
    grep -q "the organisation in force is" "$HUB/log/branch-tls.log" && break
    sleep 0.1
done
hdr=$(curl -sk -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"staff_id":"fo-01","password":"shouwen2026"}' "https://127.0.0.1:$((PORT + 1))/api/login")
[[ "$hdr" == *"Set-Cookie: shouwen_desk="*"; Secure"* ]] && pass "TLS: the session cookie is Secure" ||
    fail "TLS: cookie: $hdr"
kill "$TLS_PID" 2>/dev/null
wait "$TLS_PID" 2>/dev/null
itest_done
