"""desk_latency: how long a notification takes from the hub's commit to the
browser's event stream (docs/desk.md "Notifications"), at a steady rate of
staff actions through the web desk.  Started by bench/desk_latency.sh
against a hub and the hotel's shouwen-branch:

    desk_latency.py PORT [RATE] [SECONDS]

1. fo-01 (前厅部) registers RATE*SECONDS room-cleaning inquiries through
   POST /api/inquiries (8 at a time, each waited for until the hub commits).
2. hk-01 (客房部) opens GET /api/events, as her browser's EventSource does.
3. Baseline: 200 round trips of GET /api/me (the desk alone, no hub).
4. fo-01 transfers each case to 客房部 hk-01 (POST /api/cases/ID/actions),
   RATE per second on a fixed schedule, from a pool of threads so that a
   slow answer does not hold the schedule back.  For each: t_sent, t_ok
   (the 200 answer with status "ok": the hub has committed it), and t_sse
   (the `notification` of kind "transferred" for that case on hk-01's
   stream; stamped by the reader thread as the line arrives).

Prints the distributions and one summary line starting "desk_latency:".
commit->SSE is t_sse - t_ok: the commit happens before its answer reaches
fo-01, so this slightly underestimates, and it may be negative (the event
can beat the answer); request->SSE (t_sse - t_sent) bounds it from above.
Standard library only (tests/integration/deskclient.py for the calls; the
event stream is read here).
"""

import os
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from deskclient import Desk, Events  # noqa: E402

PASSWORD = os.environ.get("DESK_PASSWORD", "shouwen2026")
SETTLE_S = 10.0      # after the last action, wait at most this for its notification
CREATE_LIMIT_S = 300  # the inquiries must be registered within this


def pct(values, p):
    """The p-th percentile (nearest rank) of values, in ms; None if empty."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k] * 1000.0


def dist(name, values):
    if not values:
        print("  %-34s (none)" % name)
        return
    print("  %-34s n=%-5d p50 %7.1f ms  p90 %7.1f  p99 %7.1f  max %7.1f" %
          (name, len(values), pct(values, 50), pct(values, 90), pct(values, 99),
           max(values) * 1000.0), flush=True)


def create_cases(fo, n):
    """n inquiries, registered 8 at a time; the case ids the hub confirmed."""
    def one(i):
        st, out = fo.inquiry(request_id="bench-%d-%d" % (os.getpid(), i),
                             matter="压测：第%d间客房需要打扫" % i, phone="1380000%04d" % (i % 10000))
        return out.get("case_id") if st == 200 and out.get("status") == "ok" else None
    t0 = time.monotonic()
    cases = []
    with ThreadPoolExecutor(8) as pool:
        for c in pool.map(one, range(n)):
            if c:
                cases.append(c)
            if time.monotonic() - t0 > CREATE_LIMIT_S:
                break
    print("registered %d of %d inquiries in %.1f s" % (len(cases), n, time.monotonic() - t0),
          flush=True)
    return cases


def baseline(desk, n=200):
    """Round trips of GET /api/me: the desk's HTTP alone."""
    out = []
    for _ in range(n):
        t = time.monotonic()
        st, _ = desk.call("GET", "/api/me")
        if st == 200:
            out.append(time.monotonic() - t)
    return out


def drive(fo, cases, rate):
    """Transfer each case, the i-th at start + i/rate; returns per case
    (t_sent, t_ok or None, status)."""
    results = {}
    lock = threading.Lock()
    start = time.monotonic() + 0.5

    def one(i, case):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t_sent = time.monotonic()
        try:
            st, out = fo.action(case, "transfer", to_department_id="housekeeping",
                                to_staff_id="hk-01", opinion="客房清洁由客房部负责",
                                reason="客房清洁由客房部负责")
            status = out.get("status") if isinstance(out, dict) else "http-%d" % st
        except OSError as e:
            st, status = 0, "error: %s" % e
        t_ok = time.monotonic() if st == 200 and status == "ok" else None
        with lock:
            results[case] = (t_sent, t_ok, status)

    # enough threads that answers taking up to ~0.3 s never delay the schedule
    with ThreadPoolExecutor(max(8, int(rate * 0.3) + 1)) as pool:
        for i, case in enumerate(cases):
            pool.submit(one, i, case)
    return results, start


def main():
    port = int(sys.argv[1])
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 100.0
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    n = int(rate * seconds)
    fo, hk = Desk("127.0.0.1", port, timeout=30), Desk("127.0.0.1", port, timeout=30)
    for d, who in ((fo, "fo-01"), (hk, "hk-01")):
        st, body = d.login(who, PASSWORD)
        if st != 200:
            sys.exit("desk_latency: %s cannot sign in: %s %s" % (who, st, body))

    # the stream first: the registrations' own notifications (kind
    # "received", hk-01 is room cleaning's handler) show the branch's watch
    # on the hub is live before anything is measured
    ev = Events(hk)
    if ev.status != 200:
        sys.exit("desk_latency: hk-01's event stream: HTTP %s" % ev.status)
    cases = create_cases(fo, n)
    if not cases:
        sys.exit("desk_latency: no inquiry was registered")
    t_created = time.monotonic()
    got, last = set(), t_created
    while len(got) < len(cases) and time.monotonic() < t_created + 20:
        try:
            event, _eid, data, t = ev.queue.get(timeout=0.2)
        except queue.Empty:
            continue
        if event == "notification" and data.get("kind") == "received":
            got.add(data.get("case_id"))
            last = t
    print("warm-up: %d of %d registrations notified, the last %.0f ms after the last"
          " registration" % (len(got & set(cases)), len(cases), (last - t_created) * 1000),
          flush=True)
    ev.drain(0.5)

    me = baseline(hk)
    results, start = drive(fo, cases, rate)
    end_sent = max(r[0] for r in results.values())

    # hk-01's stream: the first "transferred" notification of each case
    want = set(cases)
    seen = {}
    kinds = {}  # what else the stream carried, to tell a lost event from a renamed one
    deadline = time.monotonic() + SETTLE_S
    while len(seen) < len(want) and time.monotonic() < deadline:
        try:
            event, _eid, data, t = ev.queue.get(timeout=0.2)
        except queue.Empty:
            continue
        key = "%s/%s" % (event, data.get("kind") if isinstance(data, dict) else "-")
        kinds[key] = kinds.get(key, 0) + 1
        if event == "notification" and data.get("kind") == "transferred" and \
                data.get("case_id") in want and data["case_id"] not in seen:
            seen[data["case_id"]] = t
    reader = "alive" if ev.thread.is_alive() else "ended (%s)" % (ev.error or "by the desk")
    ev.close()

    ok = {c: r for c, r in results.items() if r[1] is not None}
    statuses = {}
    for r in results.values():
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    commit_sse = [seen[c] - r[1] for c, r in ok.items() if c in seen]
    request_sse = [seen[c] - r[0] for c, r in results.items() if c in seen]
    answer = [r[1] - r[0] for r in ok.values()]
    lateness = [r[0] - (start + i / rate) for i, r in
                enumerate(results[c] for c in cases if c in results)]
    achieved = len(results) / max(1e-9, end_sent - start)

    print("transfers: %d sent in %.1f s (%.1f/s, asked %.0f/s; schedule slip p99 %.1f ms);"
          " outcomes %s" % (len(results), end_sent - start, achieved, rate,
                             pct(lateness, 99) or 0.0, statuses))
    print("notifications on hk-01's stream: %d of %d (events by kind: %s; %d not JSON;"
          " reader %s)" % (len(seen), len(cases), kinds, ev.bad, reader))
    dist("GET /api/me round trip (baseline)", me)
    dist("transfer: request -> 200 ok", answer)
    dist("commit (200 ok) -> SSE", commit_sse)
    dist("request -> SSE", request_sse)
    negative = sum(1 for x in commit_sse if x < 0)
    if negative:
        print("  (%d notifications arrived before their action's answer)" % negative)

    def ms(values, p):
        v = pct(values, p)
        return "%.1f" % v if v is not None else "-"
    print("desk_latency: %.0f actions/s for %.0f s (achieved %.1f/s): %d/%d ok, %d/%d notified;"
          " commit->SSE p50 %s p99 %s max %s ms; request->SSE p99 %s ms;"
          " baseline GET /api/me p50 %s p99 %s ms"
          % (rate, seconds, achieved, len(ok), len(results), len(seen), len(cases),
             ms(commit_sse, 50), ms(commit_sse, 99),
             "%.1f" % (max(commit_sse) * 1000) if commit_sse else "-",
             ms(request_sse, 99), ms(me, 50), ms(me, 99)), flush=True)
    # a run where actions failed or notifications went missing is not a figure
    return 0 if len(ok) == len(results) == len(cases) and len(seen) == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
