#!/usr/bin/env bash
# A hub whose directory the postgres OS user cannot enter (issue 11,
# acceptance 0: a clone in root's 0700 home): scripts/pg.sh keeps the
# cluster where the server can reach it, the hub comes up and answers.
source "$(dirname "$0")/lib.sh"
PRIVATE=$SHOUWEN_BUILD/itest/private_home
rm -rf "$PRIVATE"
mkdir -p "$PRIVATE/home"
chmod 0700 "$PRIVATE"
itest_hub_at "$PRIVATE/home/hub" 32600
if [[ $(id -u) -eq 0 ]]; then
    [[ -f "$HUB/pg/home" ]] && pass "as root, the cluster lives outside the 0700 directory ($(cat "$HUB/pg/home"))" ||
        fail "no relocation recorded in $HUB/pg/home"
fi
C=$(submit --request-id private-1)
[[ "$C" == SW-* ]] && pass "the hub answers ($C)" || fail "submit: '$C'"
check_eq "the inquiry is in PostgreSQL" 1 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'")"
hub_stop_all
bash "$SHOUWEN_SOURCE/scripts/pg.sh" destroy "$HUB/pg" >/dev/null
[[ ! -e "$HUB/pg" ]] && pass "pg.sh destroy removes the cluster and its directory" || fail "left $HUB/pg"
HUB=
rm -rf "$PRIVATE"
itest_done
