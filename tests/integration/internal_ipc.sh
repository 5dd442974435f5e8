#!/usr/bin/env bash
# The internal endpoints as ipc:// sockets in a 0700 runtime directory
# (docs/security.md: daemons sharing a host), CURVE still on: the hub
# works, and a process without a daemon key gets nothing in.
source "$(dirname "$0")/lib.sh"
RUN=$SHOUWEN_BUILD/itest/internal_ipc.run
rm -rf "$RUN"
mkdir -p "$RUN"
chmod 0700 "$RUN"
export HUB_PROPOSALS=ipc://$RUN/proposals HUB_COMMITTED=ipc://$RUN/committed HUB_REPLAY=ipc://$RUN/replay
itest_hub internal_ipc 32650
C=$(submit --request-id ipc-1)
[[ "$C" == SW-* ]] && pass "an inquiry over the ipc:// hub ($C)" || fail "submit: '$C'"
wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id='$C'" 1 20 &&
    pass "router and sla follow over ipc://" || fail "not routed"
check_eq "the runtime directory is private (0700)" 700 "$(stat -c %a "$RUN")"
before=$(sql "select count(*) from shouwen.events")
ids=$("$SHOUWEN_BUILD/tests/integration/proposal_probe" "$HUB_PROPOSALS" "$HUB/keys/daemons/audit.cert" "" 2)
"$CLI" keygen stranger --dir "$HUB" --daemon sla >/dev/null
ids+=" $("$SHOUWEN_BUILD/tests/integration/proposal_probe" "$HUB_PROPOSALS" "$HUB/keys/daemons/audit.cert" \
    "$HUB/stranger.cert" 2)"
sleep 1.5
check_eq "nothing of the impostors committed" 0 \
    "$(sql "select count(*) from shouwen.events where event_id::text in ($(sed -E "s/([^ ]+)/'\1'/g; s/ +/,/g" <<<"$(echo $ids)"))")"
n=$("$CLI" stats | awk '$1=="audit.refused_connections"{print $2}')
[[ ${n:-0} -ge 1 ]] && pass "audit refused and counted them ($n)" || fail "audit.refused_connections ${n:-none}"
rm -rf "$RUN"
itest_done
