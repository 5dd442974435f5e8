#!/usr/bin/env bash
# Issue 2, acceptance 4 (and DESIGN's quality bar): audit killed -9 while
# intake holds uncommitted proposals; PostgreSQL restarted, intake killed
# -9, all under load.  Every acknowledged inquiry is in PostgreSQL exactly
# once, and no inquiry is acknowledged before it is committed.
source "$(dirname "$0")/lib.sh"
HUB_ACK_TIMEOUT_MS=1000 itest_hub restart_audit 31200
ACKS=$HUB/acks.txt
: >"$ACKS"

one() { # request id: submit, then record "rid rc case ack-time"
    local out rc
    out=$("$CLI" submit --channel phone --kind complaint --name "客户$1" --phone 13700000000 \
        --matter "投诉$1" --category billing --receiver fo-01 --request-id "$1" --timeout 90 2>/dev/null)
    rc=$?
    echo "$1 $rc ${out:-none} $(date +%s.%N)" >>"$ACKS"
}
export -f one
export CLI ACKS

burst() { # prefix count parallelism; runs in the background, pid in BURST
    seq 1 "$2" | xargs -P "$3" -I{} bash -c "one $1-{}" &
    BURST=$!
}

# --- audit killed with proposals pending in intake
burst a 20 4
wait $BURST
hub_stop audit KILL
T_DOWN=$(date +%s.%N)
burst b 30 6
sleep 2
pending=$("$CLI" stats | awk '$1=="pending"{print $2}')
[[ ${pending:-0} -gt 0 ]] && pass "intake holds $pending uncommitted proposals while audit is down" ||
    fail "no pending proposals while audit down"
check_eq "nothing committed while audit is down" 20 \
    "$(sql "select count(*) from shouwen.events where type='inquiry.received'")"
T_UP=$(date +%s.%N)
hub_start audit
wait $BURST

# --- PostgreSQL restarted under load
burst c 30 6
sleep 0.3
bash "$SHOUWEN_SOURCE/scripts/pg.sh" stop "$HUB/pg" >/dev/null
sleep 1
bash "$SHOUWEN_SOURCE/scripts/pg.sh" start "$HUB/pg" >/dev/null
wait $BURST

# --- intake killed under load: branches resend, the same case comes back
burst d 30 6
sleep 0.3
hub_stop intake KILL
sleep 0.5
hub_start intake
wait $BURST

total=$(wc -l <"$ACKS")
acked=$(awk '$2==0' "$ACKS" | wc -l)
check_eq "all 110 submissions acknowledged in the end" "110|110" "$total|$acked"
early=$(awk -v d="$T_DOWN" -v u="$T_UP" '$2==0 && $4 > d + 0.5 && $4 < u' "$ACKS" | wc -l)
check_eq "no inquiry acknowledged while audit was down" 0 "$early"

# every acknowledged (request id, case id) is in PostgreSQL exactly once
awk '$2==0 {print $1 "," $3}' "$ACKS" | sort >"$HUB/acked.csv"
sql "select body->>'request_id' || ',' || case_id from shouwen.events
     where type='inquiry.received' order by 1" | sort >"$HUB/stored.csv"
check_eq "acknowledged inquiries stored exactly once, with the acknowledged case id" "" \
    "$(diff "$HUB/acked.csv" "$HUB/stored.csv")"
check_eq "no duplicate inquiry events" 0 \
    "$(sql "select count(*) from (select body->>'request_id' from shouwen.events where type='inquiry.received' group by 1 having count(*)>1) d")"
wait_sql "select count(*) from shouwen.first_inquiry_register where reply_due_at is not null" 110 60 &&
    pass "all 110 routed and given deadlines after the restarts" || fail "incomplete cases"
check_eq "positions gapless after restarts" "t" "$(sql "select max(position) = count(*) from shouwen.events")"
itest_done
