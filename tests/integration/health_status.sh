#!/usr/bin/env bash
# Health (issue 11): every daemon renews HUB/run/NAME.health (hublib sets
# daemon/health_dir) every 5 s; `shouwen status` shows the four hub daemons
# healthy at the log head as PostgreSQL has it, --json is one document with
# every field, --prometheus writes node_exporter's textfile format; a router
# stopped, an sla killed and an intake frozen (SIGSTOP) are each shown as
# not healthy, and status exits 1.
source "$(dirname "$0")/lib.sh"
itest_hub health_status 30550
PROM=$HUB/textfile/shouwen.prom
mkdir -p "$HUB/textfile"

for k in 1 2 3 4 5; do
    submit --request-id "health-$k" >/dev/null || fail "submit health-$k"
done

# head: the last position in PostgreSQL; wait until the log is quiet (router
# and sla have committed what the inquiries made) and every record says it
head_sql() { sql "select max(position) from shouwen.events"; }
# positions NAME...: each daemon's position from status --json, one line
positions() {
    "$CLI" status --json 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
by = {d["daemon"]: d.get("position") for d in doc["daemons"]}
print(" ".join(str(by.get(n)) for n in sys.argv[1:]))' audit router sla intake
}
settled() {
    local h
    h=$(head_sql) && [[ "$(positions)" == "$h $h $h $h" ]]
}
for ((i = 0; i < 60; i++)); do
    settled && break
    sleep 0.5
done
HEAD=$(head_sql)
[[ "$HEAD" -gt 5 ]] && pass "the log holds the inquiries and their decisions (head $HEAD)" ||
    fail "log head '$HEAD'"
check_eq "every daemon's record is at the log head in PostgreSQL" "$HEAD $HEAD $HEAD $HEAD" "$(positions)"

for d in audit router sla intake; do
    [[ -f "$HUB/run/$d.health" ]] && pass "$d writes $d.health" || fail "no $HUB/run/$d.health"
done

# the text: one line per daemon, healthy, lag 0; exit 0
out=$("$CLI" status)
rc=$?
check_eq "status exits 0 when every daemon is healthy" 0 "$rc"
for d in audit router sla intake; do
    line=$(grep -E "^$d +" <<<"$out")
    [[ "$line" == *"正常 healthy"* && "$line" == *"position $HEAD "* && "$line" == *"lag 0 "* &&
        "$line" =~ \+08:00 ]] && pass "status: $d healthy at $HEAD, lag 0, time with its zone" ||
        fail "status line for $d: '$line'"
done
grep -q "^全部正常：4 个守护进程" <<<"$out" && pass "status says all four are healthy" ||
    fail "summary: $out"
grep -Eq "^intake .*busy_refusals 0 .*requests [0-9]+" <<<"$out" &&
    grep -Eq "^audit .*postgresql up" <<<"$out" &&
    pass "the daemons' own counters are shown" || fail "details missing: $out"

# --json: one document with every field
"$CLI" status --json >"$HUB/status.json"
check_eq "status --json exits 0" 0 $?
python3 - "$HUB/status.json" "$HEAD" <<'EOF'
import json, re, sys
doc = json.load(open(sys.argv[1]))
head = int(sys.argv[2])
problems = []
if doc["healthy"] is not True or doc["head"] != head:
    problems.append(f"top: healthy {doc['healthy']} head {doc['head']}")
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", doc["checked_at_iso"]):
    problems.append("checked_at_iso " + doc["checked_at_iso"])
want = {"intake": {"busy_refusals", "requests"}, "router": {"open_cases"},
        "sla": {"running_deadlines"}, "audit": {"queued", "committed", "postgresql"}}
seen = set()
for d in doc["daemons"]:
    name = d["daemon"]
    seen.add(name)
    for field in ("pid", "updated_at", "updated_at_iso", "state", "position", "live",
                  "pending", "status", "details", "age_seconds", "stale", "up",
                  "healthy", "lag"):
        if field not in d:
            problems.append(f"{name}: no {field}")
    if not (d["state"] == "ready" and d["live"] is True and d["pending"] == 0
            and d["position"] == head and d["lag"] == 0 and d["up"] and d["healthy"]
            and not d["stale"] and 0 <= d["age_seconds"] <= 15 and d["pid"] > 0):
        problems.append(f"{name}: {d}")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", d["updated_at_iso"]):
        problems.append(f"{name}: updated_at_iso {d['updated_at_iso']}")
    missing = want.get(name, set()) - set(d["details"])
    if missing:
        problems.append(f"{name}: details lack {missing}")
if d := [x for x in doc["daemons"] if x["daemon"] == "intake"]:
    if d[0]["details"]["requests"] < 5:
        problems.append(f"intake requests {d[0]['details']['requests']}")
if [x for x in doc["daemons"] if x["daemon"] == "audit"][0]["details"]["postgresql"] != "up":
    problems.append("audit: postgresql not up")
if seen != set(want):
    problems.append(f"daemons {sorted(seen)}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
check_eq "status --json: every field, all four at the head, healthy" 0 $?

# --prometheus: node_exporter's textfile format, written by rename
# prom_valid FILE: every line a comment (HELP/TYPE once per family, before
# its samples) or a sample of a declared family; prints what is wrong
prom_valid() {
    python3 - "$1" <<'EOF'
import re, sys
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
value = r"(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|NaN|[-+]Inf)"
sample = re.compile(rf"({name})(?:\{{{label}(?:,{label})*\}})? {value}(?: -?[0-9]+)?")
typed, helped, done, bad = {}, set(), set(), []
current = None
for n, line in enumerate(open(sys.argv[1]).read().split("\n")[:-1], 1):
    if m := re.fullmatch(rf"# HELP ({name}) .+", line):
        if m[1] in helped: bad.append(f"{n}: second HELP {m[1]}")
        helped.add(m[1])
    elif m := re.fullmatch(rf"# TYPE ({name}) (counter|gauge|histogram|summary|untyped)", line):
        if m[1] in typed: bad.append(f"{n}: second TYPE {m[1]}")
        typed[m[1]] = m[2]
        if current: done.add(current)
        current = m[1]
    elif m := sample.fullmatch(line):
        if m[1] != current or m[1] in done: bad.append(f"{n}: {m[1]} outside its family")
    else:
        bad.append(f"{n}: not exposition format: {line!r}")
if not typed: bad.append("no metric")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}
"$CLI" status --prometheus "$PROM" >/dev/null
check_eq "status --prometheus exits 0" 0 $?
[[ -f "$PROM" && ! -e "$PROM.tmp" ]] && pass "the textfile is in place, no .tmp left" ||
    fail "textfile: $(ls "$HUB/textfile")"
bad=$(prom_valid "$PROM") && pass "every line of the textfile is valid exposition format" ||
    fail "textfile: $bad"
for want in 'shouwen_up{daemon="router"} 1' "shouwen_log_position{daemon=\"audit\"} $HEAD" \
    'shouwen_lag_events{daemon="intake"} 0' 'shouwen_pending{daemon="sla"} 0' \
    'shouwen_postgresql_up{daemon="audit"} 1' '# TYPE shouwen_health_age_seconds gauge' \
    '# TYPE shouwen_intake_busy_refusals_total counter'; do
    grep -qxF "$want" "$PROM" && pass "textfile: $want" || fail "textfile lacks '$want'"
done

# what goes wrong: router stopped (its last record says so), sla killed
# (its record goes stale, the process is gone), intake frozen (stale, the
# process still there: hung)
hub_stop router
out=$("$CLI" status)
rc=$?
[[ $rc -eq 1 && "$out" =~ router\ +已停止\ stopped ]] &&
    pass "router stopped: shown at once, status exits 1" || fail "after router stop: rc=$rc $out"
INTAKE_PID=$(hub_pid intake)
hub_stop sla KILL
kill -STOP "$INTAKE_PID"
stale_both() {
    out=$("$CLI" status)
    [[ "$out" =~ sla\ +过期\ stale：进程不在了 && "$out" =~ intake\ +过期\ stale：进程在但不更新 ]]
}
for ((i = 0; i < 25; i++)); do
    stale_both && break
    sleep 1
done
stale_both && pass "sla killed and intake frozen: both stale within ${i} s (gone / hung)" ||
    fail "not stale after 25 s: $out"
"$CLI" status >/dev/null
check_eq "status exits 1 while daemons are down" 1 $?
grep -q "^3 个不正常：router、sla、intake" <<<"$out" && pass "the summary names the three" ||
    fail "summary: $out"
"$CLI" status --json >"$HUB/down.json"
python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
by = {d["daemon"]: d for d in doc["daemons"]}
ok = (doc["healthy"] is False and by["audit"]["healthy"] and not by["router"]["up"]
      and by["router"]["state"] == "stopped" and by["sla"]["stale"] and by["intake"]["stale"]
      and not by["intake"]["up"])
sys.exit(0 if ok else 1)' "$HUB/down.json" && pass "--json says which are down and why" ||
    fail "--json after the stops: $(cat "$HUB/down.json")"
"$CLI" status --prometheus "$PROM" >/dev/null
bad=$(prom_valid "$PROM") && grep -qxF 'shouwen_up{daemon="router"} 0' "$PROM" &&
    grep -qxF 'shouwen_up{daemon="intake"} 0' "$PROM" && grep -qxF 'shouwen_up{daemon="audit"} 1' "$PROM" &&
    pass "textfile: shouwen_up 0 for the stopped ones, 1 for audit" || fail "textfile after: $bad $(grep '^shouwen_up' "$PROM")"
kill -CONT "$INTAKE_PID"

# no directory: 66
"$CLI" status --dir "$HUB/nowhere" >/dev/null 2>&1
check_eq "status on a directory without records exits 66 (EX_NOINPUT)" 66 $?

itest_done
