#!/usr/bin/env bash
# The web desk in real browsers (issue 9; docs/desk.md): the hotel's
# shouwen-branch serves web/desk; two headless chromium browsers (selenium)
# sign in as fo-01 王芳 (前厅部) and hk-01 郑秀英 (客房部).  fo-01 registers a
# room-cleaning inquiry and transfers it to 客房部 on the case page; hk-01's
# inbox shows it within 2 s without a reload, she signs for it and replies,
# and a reply with 「不归我们管」 is refused in Chinese.  The steps are in
# tests/desk/desk_browser.py; screenshots (PNG) go to
# $SHOUWEN_BUILD/desk-screenshots.
# Ports 30900-30939: the hub on 30901-30904, PostgreSQL on 30910, the desk on 30920.
source "$(dirname "$0")/lib.sh"
PORT=30920
PASSWORD=shouwen2026
SHOTS=$SHOUWEN_BUILD/desk-screenshots
# Debian's python3-selenium lives in the system python, whatever python3
# comes first on PATH
PY=/usr/bin/python3
if ! "$PY" -c 'import selenium' 2>/dev/null || [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    fail "python3-selenium, chromium and chromium-driver are needed (scripts/install-deps installs them)"
    itest_done
fi

itest_hub desk_browser 30900
# the organisation through the log, as `scripts/hub up` loads it
"$CLI" directory load "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" >/dev/null || fail "directory load"
hub_branch_conf hotel "$PORT"
hub_branch_accounts hotel "$PASSWORD" fo-01 hk-01 && pass "desk accounts for fo-01 and hk-01" ||
    fail "shouwen-branch passwd"
hub_branch_start hotel
if ! hub_branch_wait hotel "$PORT" 30; then
    fail "the hotel's desk did not answer on 127.0.0.1:$PORT"
    itest_done
fi
pass "the hotel's desk answers on http://127.0.0.1:$PORT/"
# the branch reads names and who may sign in from the organisation the hub
# has in force (DirectoryQuery at start): wait for it before signing in
for ((i = 0; i < 100; i++)); do
    grep -q "the organisation in force is" "$HUB/log/branch-hotel.log" && break
    sleep 0.1
done

rm -rf "$SHOTS"
mkdir -p "$SHOTS"
# the python checks count as this test's checks; an exit without a FAIL
# line (a crash, the timeout) is one too
before=$ITEST_FAIL
while IFS= read -r line; do
    case $line in
    "ok   - "*) pass "${line#ok   - }" ;;
    "FAIL - "*) fail "${line#FAIL - }" ;;
    "exit "*) [[ ${line#exit } == 0 || $ITEST_FAIL -gt $before ]] ||
        fail "desk_browser.py exited ${line#exit } (124: over 300 s)" ;;
    *) echo "$line" ;;
    esac
done < <(timeout 300 "$PY" "$SHOUWEN_SOURCE/tests/desk/desk_browser.py" \
    "http://127.0.0.1:$PORT/" "$SHOTS" "$PASSWORD" 2>&1; echo "exit $?")
n=$(find "$SHOTS" -name '[0-9]-*.png' | wc -l)
[[ $n -ge 5 ]] && pass "$n screenshots in $SHOTS" || fail "screenshots: $n in $SHOTS"
itest_done
