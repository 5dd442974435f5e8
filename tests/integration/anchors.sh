#!/usr/bin/env bash
# Anchors outside the database (issue "Who may do what", docs/anchors.md):
# audit signs the chain head after every committed batch; a superuser who
# edits an event and recomputes the whole chain with SQL passes
# shouwen.verify_chain() but not `shouwen verify --anchors`, which names the
# tampered position.  A forged or damaged anchor line is reported too.
source "$(dirname "$0")/lib.sh"

KEYS=$SHOUWEN_BUILD/itest/anchors.keys
rm -rf "$KEYS"
mkdir -p "$KEYS"
trap 'itest_cleanup; rm -rf "$KEYS"' EXIT

out=$("$CLI" keygen audit-anchor --dir "$KEYS" --anchor)
check_eq "keygen --anchor exits 0 and names the certificate" "$KEYS/audit-anchor.cert" \
    "$(head -n 1 <<<"$out")"
check_eq "the anchor key's secret file is 0600" 600 "$(stat -c %a "$KEYS/audit-anchor.cert_secret")"
grep -q 'role = "anchor"' "$KEYS/audit-anchor.cert" && pass "the certificate says role = anchor" ||
    fail "no role = anchor in $(cat "$KEYS/audit-anchor.cert")"
"$CLI" keygen audit-anchor --dir "$KEYS" --anchor >/dev/null 2>&1
check_eq "keygen --anchor never overwrites a key" 1 "$?"
"$CLI" keygen other --dir "$KEYS" --anchor >/dev/null

HUB_AUDIT_EXTRA=$(printf '    anchor_key = "%s"\n    anchor_file = "%s"\n    anchor_interval_ms = 0\n' \
    "$KEYS/audit-anchor.cert" "$SHOUWEN_BUILD/itest/anchors/anchors.txt")
export HUB_AUDIT_EXTRA
itest_hub anchors 31900
ANCHORS=$HUB/anchors.txt
PGSH=$HUBLIB_SRC/scripts/pg.sh
AUDITOR=$(bash "$PGSH" conninfo "$HUB/pg" "$HUB_DB" shouwen_auditor)
superuser() { bash "$PGSH" psql "$HUB/pg" "$HUB_DB" postgres -qAt -v ON_ERROR_STOP=1 "$@"; }
verify() { "$CLI" verify --anchors "$@" --postgres "$AUDITOR"; }

# three inquiries, one at a time, each settled (routed, reply deadline set)
# before the next, so each inquiry.received commits in a batch of its own
CASES=()
i=0
for name in 张三 王五 赵六; do
    i=$((i + 1))
    c=$(submit --name "$name" --request-id "anchors-$i") || fail "submit $name"
    CASES+=("$c")
    wait_sql "select count(*) from shouwen.cases where case_id='$c' and reply_due_at is not null" 1 30 ||
        fail "$name: case routed with a reply deadline"
done
head=$(sql "select position from shouwen.log_head")
[[ -n "${CASES[2]}" && $head -gt 0 ]] || itest_done
last_position() { tail -n 1 "$ANCHORS" 2>/dev/null | sed -n 's/^shouwen-anchor 1 position=\([0-9]*\) .*/\1/p'; }
for ((i = 0; i < 100; i++)); do
    [[ "$(last_position)" == "$head" ]] && break
    sleep 0.1
done
check_eq "the last anchor signs the head ($head events)" "$head" "$(last_position)"
check_eq "the anchor file is 0640" 640 "$(stat -c %a "$ANCHORS")"
line=$(tail -n 1 "$ANCHORS")
[[ "$line" =~ ^shouwen-anchor\ 1\ position=[0-9]+\ hash=[0-9a-f]{64}\ at_us=[0-9]+\ key=[0-9a-f]{64}\ sig=[0-9a-f]{128}$ ]] &&
    pass "anchor line has the documented form" || fail "anchor line '$line'"
grep -qF "anchor: $line" "$HUB/log/audit.log" && pass "audit logged the same anchor" ||
    fail "anchor not in audit.log"
check_eq "each anchor signs the chain hash at its position" "" \
    "$(while read -r _ _ p h _; do
           want=$(sql "select encode(hash, 'hex') from shouwen.events where position=${p#position=}")
           [[ "${h#hash=}" == "$want" ]] || echo "position ${p#position=}"
       done <"$ANCHORS")"

out=$(verify "$ANCHORS" --key "$KEYS/audit-anchor.cert")
rc=$?
echo "$out" | sed 's/^/    /'
check_eq "verify: intact exits 0" 0 "$rc"
n=$(wc -l <"$ANCHORS")
check_eq "verify: intact names the anchors and the head" \
    "intact: $n anchors checked, chain recomputed to position $head" "$(tail -n 1 <<<"$out")"
out=$(verify "$ANCHORS")
[[ $? == 0 && "$out" == *"key named in each line"* ]] &&
    pass "verify without --key says which key it checked against" || fail "verify without --key: $out"

# the projections equal a fresh rebuild from the log (docs/anchors.md's query)
projection_diff() {
    hub_psql -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
CREATE TEMP TABLE cases_before ON COMMIT DROP AS SELECT * FROM shouwen.cases;
SELECT FROM shouwen.rebuild_projections();
SELECT side, case_id, customer_name FROM (
    (SELECT 'projection' AS side, * FROM cases_before
     EXCEPT SELECT 'projection', * FROM shouwen.cases)
    UNION ALL
    (SELECT 'rebuild', * FROM shouwen.cases
     EXCEPT SELECT 'rebuild', * FROM cases_before)) d
ORDER BY case_id, side;
ROLLBACK;
SQL
}
check_eq "the cases projection equals a rebuild from the log" "" "$(projection_diff)"

# stopping audit writes a last anchor even though the head did not move
hub_stop_all
check_eq "shutdown anchor written" $((n + 1)) "$(wc -l <"$ANCHORS")"
check_eq "shutdown anchor signs the head" "$head" "$(last_position)"
grep -q "anchors: .* written, the last at position $head" "$HUB/log/audit.log" &&
    pass "audit logged its anchors at exit" || fail "no anchor summary in audit.log"
# a restart with the head where it was adds no anchor until shutdown
started=$(grep -c "log head at position" "$HUB/log/audit.log")
hub_start audit
wait_for_log() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ $(grep -c "$1" "$HUB/log/audit.log") -ge $2 ]] && return 0
        sleep 0.1
    done
    return 1
}
wait_for_log "log head at position" $((started + 1)) || fail "audit did not restart"
sleep 0.5
check_eq "restart on an unmoved head adds no anchor" $((n + 1)) "$(wc -l <"$ANCHORS")"
hub_stop audit
check_eq "its shutdown adds one" $((n + 2)) "$(wc -l <"$ANCHORS")"
n=$((n + 2))

# a forged line (one anchor's at_us changed, its signature kept) and a torn one
cp "$ANCHORS" "$HUB/forged.txt"
sed -i '2s/at_us=\([0-9]*\)/at_us=1\1/' "$HUB/forged.txt"
echo "shouwen-anchor 1 position=1 hash=zz" >>"$HUB/forged.txt"
out=$(verify "$HUB/forged.txt")
rc=$?
echo "$out" | sed 's/^/    /'
check_eq "verify: a forged line exits 1" 1 "$rc"
[[ "$out" == *"line 2 of $HUB/forged.txt: bad signature"* ]] &&
    pass "verify names the line with the bad signature" || fail "bad signature not named"
[[ "$out" == *"line $((n + 1)) of $HUB/forged.txt: not an anchor line"* ]] &&
    pass "verify names a damaged line" || fail "damaged line not named"
out=$(verify "$ANCHORS" --key "$KEYS/other.cert")
check_eq "verify against another key: every signature is bad" "$n" \
    "$(grep -c 'bad signature' <<<"$out")"

# ------------------------------------------------------------- tampering
# The second customer's name becomes 李四 in the inquiry.received row (body
# and envelope, same UTF-8 length), then every hash from there on is
# recomputed and log_head updated, by the superuser with the triggers off.
P=$(sql "select position from shouwen.events where type='inquiry.received' and case_id='${CASES[1]}'")
old_hash=$(sql "select encode(hash, 'hex') from shouwen.events where position=$P")
superuser -v p="$P" >/dev/null <<'SQL' || fail "the superuser's rewrite failed"
BEGIN;
ALTER TABLE shouwen.events DISABLE TRIGGER events_append_only;
UPDATE shouwen.events
   SET body = jsonb_set(body, '{customer,name}', '"李四"'),
       envelope = overlay(envelope PLACING convert_to('李四', 'UTF8')
                          FROM position(convert_to('王五', 'UTF8') IN envelope) FOR 6)
 WHERE position = :p;
CREATE FUNCTION pg_temp.rechain(from_position bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ev shouwen.events;
    prev bytea;
BEGIN
    SELECT hash INTO prev FROM shouwen.events WHERE position = from_position - 1;
    FOR ev IN SELECT * FROM shouwen.events WHERE position >= from_position ORDER BY position LOOP
        prev := shouwen.event_hash(prev, ev);
        UPDATE shouwen.events SET hash = prev WHERE position = ev.position;
    END LOOP;
    UPDATE shouwen.log_head SET hash = prev;
END $$;
SELECT pg_temp.rechain(:p);
ALTER TABLE shouwen.events ENABLE TRIGGER events_append_only;
COMMIT;
SQL
check_eq "the tampered row now says 李四" "李四" \
    "$(sql "select body#>>'{customer,name}' from shouwen.events where position=$P")"
[[ "$(sql "select encode(hash, 'hex') from shouwen.events where position=$P")" != "$old_hash" ]] &&
    pass "its hash was recomputed" || fail "hash unchanged"
check_eq "the attack passes shouwen.verify_chain()" "t" "$(sql "select ok from shouwen.verify_chain()")"
check_eq "... and shouwen.event_chain_check" 0 \
    "$(sql "select count(*) from shouwen.event_chain_check where not (gapless and hash_ok)")"

out=$(verify "$ANCHORS" --key "$KEYS/audit-anchor.cert")
rc=$?
echo "$out" | sed 's/^/    /'
check_eq "verify: the rewritten chain exits 1" 1 "$rc"
first=$(sed -n 's/^position \([0-9]*\): the log disagrees.*/\1/p' <<<"$out" | head -n 1)
range=$(sed -n 's/.*the change lies in positions\{0,1\} \([0-9.]*[0-9]\) .*/\1/p' <<<"$out" | head -n 1)
[[ "$range" == *..* ]] || range="$range..$range"
if grep -q "position=$P " "$ANCHORS"; then
    # the inquiry's batch was anchored at its own position: the exact one is named
    check_eq "verify names the tampered position $P (anchored)" "$P" "$first"
else
    # the anchor read the head after a later batch: the range must hold P
    echo "    (position $P was not anchored itself; checking the range)"
    check_eq "verify's range ${range} holds the tampered position $P" 1 \
        "$((${range%..*} <= P && P <= ${range#*..}))"
fi
[[ "$out" == *" UTC ("* ]] && pass "the anchor's time carries its zone" || fail "no zone: $out"
check_eq "the projection no longer equals a rebuild from the tampered log" \
    "projection|${CASES[1]}|王五
rebuild|${CASES[1]}|李四" "$(projection_diff)"

# a stored hash changed without recomputing the chain: the row is named
superuser -v p="$((P + 1))" >/dev/null <<'SQL' || fail "the superuser's edit failed"
BEGIN;
ALTER TABLE shouwen.events DISABLE TRIGGER events_append_only;
UPDATE shouwen.events SET hash = sha256(hash) WHERE position = :p;
ALTER TABLE shouwen.events ENABLE TRIGGER events_append_only;
COMMIT;
SQL
out=$(verify "$ANCHORS")
rc=$?
check_eq "verify: a broken link exits 1" 1 "$rc"
[[ "$out" == *"position $((P + 1)): stored hash "*"without recomputing the chain"* ]] &&
    pass "verify names the row whose stored hash does not recompute" || fail "broken link: $out"

"$CLI" verify --anchors "$ANCHORS" --postgres "host=/nonexistent dbname=x" >/dev/null 2>&1
check_eq "verify: no database exits 2" 2 "$?"
"$CLI" verify >/dev/null 2>&1
check_eq "verify: usage exits 2" 2 "$?"
itest_done
