#!/usr/bin/env bash
# A branch's web desk never shows another branch's case (issue 9
# acceptance; docs/desk.md "Queries", docs/security.md).  The town service
# centre sample has two branches: the centre (town-centre) and the village
# point (dongling), each with its own shouwen-branch and desk.  A case made
# at the centre (the CLI straight to intake with the centre's key) must not
# appear on the village desk of dl-01 (蒋小梅) in any list (inbox, queue,
# due), any search (find by case id or by the customer's phone), the case
# page or the live stream; the village's own case does, and the centre's
# desk does show its case (so the checks are not vacuous).  curl only.
# Ports 30940-30969: the hub on 30941-30944, PostgreSQL on 30950, the
# desks on 30960 (town-centre) and 30961 (dongling).
source "$(dirname "$0")/lib.sh"
TOWN=$SHOUWEN_SOURCE/deploy/directory/town_service_centre.conf
CENTRE_PORT=30960 VILLAGE_PORT=30961 PASSWORD=shouwen2026
itest_hub desk_confined 30940 "$TOWN"
WORK=$HUB/desk_confined
mkdir -p "$WORK"

for b in town-centre:$CENTRE_PORT:zh-01 dongling:$VILLAGE_PORT:dl-01; do
    IFS=: read -r id port staff <<<"$b"
    hub_branch_conf "$id" "$port"
    hub_branch_accounts "$id" "$PASSWORD" "$staff" || fail "passwd $staff at $id"
    hub_branch_start "$id"
    hub_branch_wait "$id" "$port" 30 && pass "$id's desk answers on 127.0.0.1:$port" ||
        fail "$id's desk did not answer"
done
# each branch learns the organisation from the hub before anyone signs in
for id in town-centre dongling; do
    for ((i = 0; i < 100; i++)); do
        grep -q "the organisation in force is" "$HUB/log/branch-$id.log" && break
        sleep 0.1
    done
done

# A case only the centre has a part in: received by zh-01, handled by
# 社保窗口 (the centre).  Its customer's name, phone and matter are unique,
# so any trace of it in a village answer is found.
C1_NAME=中心客户甲 C1_PHONE=13700009001 C1_MATTER=中心专办养老参保事项
C1=$("$CLI" submit --channel visit --kind business --name "$C1_NAME" --phone "$C1_PHONE" \
    --matter "$C1_MATTER" --receiver zh-01 --category pension_registration --request-id dc-c1)
[[ "$C1" == SW-* ]] && pass "a centre case $C1 (the CLI with the centre's key)" || fail "centre submit: $C1"

# desk_call PORT JAR METHOD PATH [JSON]: the body of the answer, the HTTP
# status on the last line; a POST carries the session's CSRF token
desk_call() {
    local port=$1 jar=$2 method=$3 path=$4 data=${5:-}
    local args=(-s -m 10 -b "$jar" -c "$jar" -X "$method" -w '\n%{http_code}')
    if [[ -n "$data" ]]; then
        args+=(-H 'Content-Type: application/json' -d "$data")
        [[ -f "$jar.csrf" ]] && args+=(-H "X-CSRF-Token: $(cat "$jar.csrf")")
    fi
    curl "${args[@]}" "http://127.0.0.1:$port$path"
}
# sign_in PORT JAR STAFF: a session, its CSRF token in JAR.csrf
sign_in() {
    local out
    rm -f "$2" "$2.csrf"
    out=$(desk_call "$1" "$2" POST /api/login "{\"staff_id\":\"$3\",\"password\":\"$PASSWORD\"}")
    [[ "${out##*$'\n'}" == 200 ]] || return 1
    python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf"])' "${out%$'\n'*}" >"$2.csrf"
}
# jq-less: a python expression over the answer's JSON (as j)
json() { python3 -c 'import json,sys; j=json.loads(sys.argv[2]); print(eval(sys.argv[1]))' "$1" "$2" 2>&1; }

VJAR=$WORK/village.jar CJAR=$WORK/centre.jar
sign_in $VILLAGE_PORT "$VJAR" dl-01 && pass "dl-01 (蒋小梅) signs in at the village's desk" ||
    fail "dl-01 cannot sign in at dongling"
sign_in $CENTRE_PORT "$CJAR" zh-01 && pass "zh-01 (马丽) signs in at the centre's desk" ||
    fail "zh-01 cannot sign in at town-centre"
# zh-01 is the centre's: the village's desk does not let her in
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"staff_id\":\"zh-01\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$VILLAGE_PORT/api/login")
check_eq "the centre's zh-01 cannot sign in at the village's desk" 401 "$out"

# the village's own case, registered at its desk
out=$(desk_call $VILLAGE_PORT "$VJAR" POST /api/inquiries '{"request_id":"web-dc-c2","unit":"",
    "name":"东岭村民乙","phone":"13700009002","matter":"代办养老保险参保登记","channel":"visit",
    "kind":"business","urgency":"normal","category":"pension_registration"}')
C2=$(json 'j["case_id"] if j["status"] == "ok" else j' "${out%$'\n'*}")
[[ "$C2" == SW-* ]] && pass "the village's case $C2, registered at its desk" || fail "village inquiry: $out"
wait_sql "select count(*) from shouwen.events where type='case.routed' and case_id in ('$C1', '$C2')" 2 20 &&
    pass "both cases routed at the hub" || fail "routing"
# 社保窗口 (the centre) passes the village's case back to dl-01: a
# notification the village's live stream must carry (its own case)
"$CLI" transfer "$C2" --staff sb-01 --to-department dongling_agency --to-staff dl-01 \
    --reason "请代办点协助收取材料" >/dev/null && pass "the centre's sb-01 transfers $C2 to dl-01" ||
    fail "transfer of $C2 to dl-01"

# no_trace WHAT PATH PYTHON-CONDITION: the village's answer to PATH has
# nothing of C1 (not its id in any case object, not its customer's name,
# phone or matter) and satisfies the condition on j
no_trace() {
    local what=$1 path=$2 cond=$3 out body code
    out=$(desk_call $VILLAGE_PORT "$VJAR" GET "$path")
    body=${out%$'\n'*} code=${out##*$'\n'}
    echo "$body" >"$WORK/village-$(echo "$what" | tr -c 'a-z0-9' _).json"
    if [[ "$body" == *"$C1_NAME"* || "$body" == *"$C1_PHONE"* || "$body" == *"$C1_MATTER"* ]]; then
        fail "village $what: C1's customer is in the answer: ${body:0:300}"
    elif [[ $code == 200 && $(json "$cond" "$body") != True ]]; then
        fail "village $what: ${body:0:300}"
    elif [[ $code != 200 && $code != 403 && $code != 404 && $code != 422 ]]; then
        fail "village $what: HTTP $code ${body:0:200}"
    else
        pass "village $what: nothing of the centre's case (HTTP $code)"
    fi
}
# the case ids of every case object in a list answer
ids='[c["case_id"] for c in j.get("cases", [])]'
no_trace "inbox of dl-01" /api/inbox "\"$C2\" in $ids and \"$C1\" not in $ids"
no_trace "queue of 东岭村便民服务代办点" /api/queue "\"$C1\" not in $ids"
no_trace "due within 30 days" "/api/due?within=43200" "\"$C1\" not in $ids"
no_trace "find by the centre case's id" "/api/find?case_id=$C1" "\"$C1\" not in $ids"
no_trace "find by the centre customer's phone" "/api/find?phone=$C1_PHONE" "\"$C1\" not in $ids"
no_trace "the case page of the centre's case" "/api/cases/$C1" \
    "not j.get(\"case\") and not j.get(\"timeline\")"
no_trace "find by its own customer's phone (its case)" "/api/find?phone=13700009002" \
    "\"$C2\" in $ids"
# the live stream from the start of the log: notifications of the village only
curl -s -N -m 5 -b "$VJAR" "http://127.0.0.1:$VILLAGE_PORT/api/events?from=0" >"$WORK/village.sse"
if grep -q "$C1" "$WORK/village.sse"; then
    fail "village events: the centre's case: $(grep -m 3 "$C1" "$WORK/village.sse")"
elif grep -q "$C2" "$WORK/village.sse"; then
    pass "village events from the start: its own case, nothing of the centre's"
else
    fail "village events: not even its own case $C2: $(head -c 300 "$WORK/village.sse")"
fi

# the same questions at the centre's desk do show the centre's case
out=$(desk_call $CENTRE_PORT "$CJAR" GET "/api/find?case_id=$C1")
[[ "${out##*$'\n'}" == 200 && $(json "\"$C1\" in $ids" "${out%$'\n'*}") == True ]] &&
    pass "the centre's desk finds its case $C1" || fail "centre find: $out"
out=$(desk_call $CENTRE_PORT "$CJAR" GET "/api/cases/$C1")
[[ $(json 'j["case"]["customer"]["name"]' "${out%$'\n'*}") == "$C1_NAME" ]] &&
    pass "the centre's desk shows its case page" || fail "centre case page: ${out:0:300}"
itest_done
