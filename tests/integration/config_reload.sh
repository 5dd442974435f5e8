#!/usr/bin/env bash
# Configuration as operators expect it (issue 11): `-t` tests a file (exit 0,
# or 78 naming the line); SIGHUP re-reads it, applies log/level, intake's
# limits and its allow-list at once, and names every other change as waiting
# for a restart; the daemon keeps serving.
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
# settings of earlier versions are named as no longer read (sw_config_warn_gone)
printf 'router\n    directory = "/etc/shouwen/directory.conf"\n' >"$HUB/gone.conf"
out=$("$SHOUWEN_BUILD/services/router/shouwen-router" -t -c "$HUB/gone.conf" 2>&1)
[[ "$out" == *"router/directory is no longer read"* ]] &&
    pass "a setting of an earlier version is named as no longer read" || fail "gone: $out"
printf 'log\n    level = loud\n' >"$HUB/level.conf"
out=$("$INTAKE" -t -c "$HUB/level.conf" 2>&1)
rc=$?
[[ $rc -eq 78 && "$out" == *"log/level 'loud'"* ]] && pass "-t on an unknown log/level: exit 78, naming it" ||
    fail "-t level: rc=$rc $out"

# SIGHUP: log/level and intake's limits now, the rest named
INTAKE_PID=$(hub_pid intake)
# log/level from a drop-in (FILE.d/NAME.conf, read after the file in name order)
mkdir -p "$HUB/etc/intake.conf.d"
printf 'log\n   level = debug\n' >"$HUB/etc/intake.conf.d/20-bad.conf"
out=$("$INTAKE" -t -c "$HUB/etc/intake.conf" 2>&1)
rc=$?
[[ $rc -eq 78 && "$out" == *"intake.conf.d/20-bad.conf"*"line 2"* ]] &&
    pass "-t reads the drop-ins too: a bad one exits 78 naming it and its line" ||
    fail "-t bad drop-in: rc=$rc $out"
rm "$HUB/etc/intake.conf.d/20-bad.conf"
printf 'log\n    level = debug\n' >"$HUB/etc/intake.conf.d/10-log.conf"
sed -i 's/ack_timeout_ms = [0-9]*/ack_timeout_ms = 2500/; s/max_pending = [0-9]*/max_pending = 1/' \
    "$HUB/etc/intake.conf"
sed -i 's/^intake$/intake\n    watch_keep = 1000/' "$HUB/etc/intake.conf"
# another daemon's section (the hub's daemons share shouwen.conf) is not intake's
printf 'sla\n    batch = 7\n' >>"$HUB/etc/intake.conf"
kill -HUP "$INTAKE_PID"
wait_log "$HUB/log/intake.log" "SIGHUP: allow-list" 5
grep -q "SIGHUP: log/level info -> debug" "$HUB/log/intake.log" &&
    pass "SIGHUP applies log/level from the drop-in at once (info -> debug)" || fail "no log level change logged"
grep -q "SIGHUP: intake/ack_timeout_ms 3000 -> 2500, in force now" "$HUB/log/intake.log" &&
    pass "SIGHUP applies a limit at once (ack_timeout_ms 3000 -> 2500)" ||
    fail "ack_timeout_ms not applied: $(grep SIGHUP "$HUB/log/intake.log")"
grep -q "SIGHUP: 'intake/watch_keep = 1000' takes effect at the next restart" "$HUB/log/intake.log" &&
    pass "SIGHUP names a setting that waits for a restart" || fail "the changed setting was not named"
grep -q "sla/batch" "$HUB/log/intake.log" && fail "intake spoke of sla's setting" ||
    pass "SIGHUP leaves another daemon's section to that daemon"
submit --request-id reload-1 >/dev/null && pass "intake still serves after the reload" ||
    fail "no answer after SIGHUP"
grep -q " DEBUG intake: " "$HUB/log/intake.log" && pass "debug lines are now written" ||
    fail "no debug line after log/level = debug"

# the new bound is the one in force: with the log away, one request waits
# and the next is told HUB_BUSY (exit 75)
hub_stop audit
submit --request-id reload-2 --timeout 1 >/dev/null 2>&1
out=$(submit --request-id reload-3 --timeout 1 2>&1)
rc=$?
[[ $rc -eq 75 ]] && pass "max_pending = 1 from the reload is in force: the second waits (exit 75)" ||
    fail "reload-3: rc=$rc $out"
hub_start audit
for ((k = 0; k < 50; k++)); do
    submit --request-id reload-3 --timeout 2 >/dev/null 2>&1 && break
    sleep 0.2
done

# the allow-list: a branch's key taken out of intake/branch_keys is refused
# after SIGHUP, and admitted again once it is back, intake never restarting
BRANCHES=$HUB/keys/branches
mv "$BRANCHES/$HUB_BRANCH.cert" "$HUB/$HUB_BRANCH.cert.out"
kill -HUP "$INTAKE_PID"
wait_log "$HUB/log/intake.log" "SIGHUP: allow-list" 5 2
grep "SIGHUP: allow-list" "$HUB/log/intake.log" | tail -n 1 | grep -q "was " &&
    pass "SIGHUP re-reads the allow-list: $(grep "SIGHUP: allow-list" "$HUB/log/intake.log" | tail -n 1 | sed 's/.*re-read: //')" ||
    fail "no allow-list line"
out=$(submit --request-id reload-4 --timeout 2 2>&1)
rc=$?
refused=$(grep -c "refused a connection .* domain 'branch'" "$HUB/log/intake.log")
[[ $rc -ne 0 && $refused -ge 1 ]] && pass "the removed branch key is refused at the handshake (exit $rc, logged)" ||
    fail "reload-4: rc=$rc, $refused refusals logged"
mv "$HUB/$HUB_BRANCH.cert.out" "$BRANCHES/$HUB_BRANCH.cert"
kill -HUP "$INTAKE_PID"
ok=0
for ((k = 0; k < 20; k++)); do
    submit --request-id reload-5 --timeout 2 >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.2
done
check_eq "the key put back is admitted again" 1 "$ok"
check_eq "intake was never restarted" "$INTAKE_PID" "$(hub_pid intake)"

# audit's and sla's limits too; audit's batch size sizes a buffer: a restart's
sed -i 's/flush_ms = [0-9]*/flush_ms = 5/; s/batch_max = [0-9]*/batch_max = 400/' "$HUB/etc/audit.conf"
printf 'sla\n    batch = 500\n' >>"$HUB/etc/sla.conf"
kill -HUP "$(hub_pid audit)" "$(hub_pid sla)"
wait_log "$HUB/log/audit.log" "SIGHUP: allow-list" 5
wait_log "$HUB/log/sla.log" "SIGHUP: sla/batch" 5
grep -q "SIGHUP: audit/flush_ms 2 -> 5, in force now" "$HUB/log/audit.log" &&
    grep -q "SIGHUP: 'audit/batch_max = 400' takes effect at the next restart" "$HUB/log/audit.log" &&
    grep -q "SIGHUP: allow-list .* re-read: 4 keys (was 4)" "$HUB/log/audit.log" &&
    pass "audit at SIGHUP: flush_ms in force, batch_max at the next restart, its allow-list re-read" ||
    fail "audit SIGHUP: $(grep SIGHUP "$HUB/log/audit.log")"
grep -q "SIGHUP: sla/batch (default) -> 500, in force now" "$HUB/log/sla.log" &&
    pass "sla at SIGHUP: sla/batch in force" || fail "sla SIGHUP: $(grep SIGHUP "$HUB/log/sla.log")"
submit --request-id reload-6 >/dev/null && pass "the hub still serves after every reload" ||
    fail "no answer after the reloads"
itest_done
