#!/usr/bin/env bash
# Configuration as operators expect it (issue 11): `-t` tests a file (exit 0,
# or 78 naming the line); SIGHUP re-reads it, applies log/level at once and
# names every other change as waiting for a restart; the daemon keeps serving.
source "$(dirname "$0")/lib.sh"
itest_hub config_reload 30150
INTAKE=$SHOUWEN_BUILD/services/intake/shouwen-intake

"$INTAKE" -t -c "$HUB/etc/intake.conf" >"$HUB/t.out" 2>&1
check_eq "-t on the running configuration: exit 0" 0 $?
printf 'intake\n   bind = "tcp://127.0.0.1:1"\n' >"$HUB/bad.conf"
out=$("$INTAKE" -t -c "$HUB/bad.conf" 2>&1)
rc=$?
[[ $rc -eq 78 && "$out" == *"line 2"* ]] && pass "-t on a badly indented file: exit 78, naming line 2" ||
    fail "-t bad: rc=$rc $out"
printf 'log\n    level = loud\n' >"$HUB/level.conf"
out=$("$INTAKE" -t -c "$HUB/level.conf" 2>&1)
rc=$?
[[ $rc -eq 78 && "$out" == *"log/level 'loud'"* ]] && pass "-t on an unknown log/level: exit 78, naming it" ||
    fail "-t level: rc=$rc $out"

# SIGHUP: log/level now, the rest named
printf 'log\n    level = debug\n' >>"$HUB/etc/intake.conf"
sed -i 's/ack_timeout_ms = [0-9]*/ack_timeout_ms = 2500/' "$HUB/etc/intake.conf"
kill -HUP "$(hub_pid intake)"
for ((i = 0; i < 50; i++)); do
    grep -q "SIGHUP: 'intake/ack_timeout_ms = 2500' takes effect" "$HUB/log/intake.log" && break
    sleep 0.1
done
grep -q "SIGHUP: log/level info -> debug" "$HUB/log/intake.log" &&
    pass "SIGHUP applies log/level at once (info -> debug)" || fail "no log level change logged"
grep -q "SIGHUP: 'intake/ack_timeout_ms = 2500' takes effect at the next restart" "$HUB/log/intake.log" &&
    pass "SIGHUP names a setting that waits for a restart" || fail "the changed setting was not named"
submit --request-id reload-1 >/dev/null && pass "intake still serves after the reload" ||
    fail "no answer after SIGHUP"
grep -q " DEBUG intake: " "$HUB/log/intake.log" && pass "debug lines are now written" ||
    fail "no debug line after log/level = debug"
itest_done
