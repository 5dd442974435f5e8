"""desk_api: the web desk's API as a page uses it (docs/desk.md), against a
real shouwen-branch and hub (started by desk_api.sh).  Prints "ok   - ..."
or "FAIL - ..." per check.  Phases:

  auth      sign-in, wrong passwords (401, then 429), cookie flags, CSRF
  flow      register, transfer, the receiver's live notification within 2 s,
            accept, reply; R24 and R13 refusals in Chinese; SSE resume by
            Last-Event-ID shows each missed notification once
  spool N   (intake stopped) N inquiries answered 202 spooled at once;
            their request ids and case ids written to FILE
  confirmed N FILE  (intake back) the 待确认 page shows each confirmed,
            and a `spool` event told the clerk of each
"""

import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from deskclient import Desk, new_events  # noqa: E402

PASSWORD = "shouwen2026"
FAILS = 0


def check(what, cond, detail=""):
    global FAILS
    if cond:
        print("ok   - " + what, flush=True)
    else:
        FAILS += 1
        print("FAIL - %s %s" % (what, detail), flush=True)


def auth(port):
    d = Desk("127.0.0.1", port)
    st, body = d.call("GET", "/api/me")
    check("not signed in: 401 NOT_SIGNED_IN in Chinese",
          st == 401 and body["error"] == "NOT_SIGNED_IN" and body["message"] == "请先登录",
          (st, body))
    st, body = d.login("fo-01", "wrong-password")
    check("a wrong password: 401 BAD_LOGIN 工号或密码不正确",
          st == 401 and body["message"] == "工号或密码不正确", (st, body))
    st, body = d.login("nobody-01", PASSWORD)
    check("an unknown staff id is answered the same", st == 401 and body["error"] == "BAD_LOGIN",
          (st, body))
    st, body = d.login("en-01", PASSWORD)  # on the staff list, no account at the branch
    check("staff without an account cannot sign in", st == 401, (st, body))
    for _ in range(5):
        d.login("fo-02", "wrong-password")
    st, body = d.login("fo-02", PASSWORD)
    check("after 5 failures within 5 minutes even the right password waits: 429",
          st == 429 and body["error"] == "TOO_MANY", (st, body))
    st, body = d.call("POST", "/api/login", {"staff_id": "fo-01", "password": PASSWORD},
                      content_type="text/plain")
    check("sign-in from a cross-site form (not JSON) is refused", st == 403, (st, body))
    st, body = d.login("fo-01", PASSWORD)
    cookie = d.last_headers.get("set-cookie", "")
    check("sign-in: 200 with name, department and the zone", st == 200 and
          body["name"] == "王芳" and body["department_name"] == "前厅部" and
          body["tz"] == "Asia/Shanghai" and body["tz_name"] == "北京时间", (st, body))
    check("the session cookie is HttpOnly and SameSite=Strict",
          "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie)
    check("the password is not in the answer", PASSWORD not in str(body))
    csrf = d.csrf
    d.csrf = None
    st, body = d.inquiry()
    check("a POST without the CSRF token: 403", st == 403 and body["error"] == "CSRF", (st, body))
    d.csrf = "x" * len(csrf)
    st, body = d.inquiry()
    check("a POST with a wrong CSRF token: 403", st == 403, (st, body))
    d.csrf = csrf
    st, body = d.call("GET", "/api/directory")
    names = {c["id"]: c["name"] for c in body["categories"]}
    staff = {s["id"] for s in body["staff"]}
    check("the directory names categories in Chinese", names.get("room_cleaning") == "客房清洁",
          names)
    check("the directory lists the branch's staff", {"fo-01", "hk-01"} <= staff, staff)
    check("no phone number of a leader is in the directory view",
          "13905710001" not in str(body))
    st, body = d.call("POST", "/api/preview", {"category": "room_cleaning", "channel": "visit"})
    check("the preview names the first owner and where the matter belongs",
          st == 200 and body["natural_owner_name"] == "王芳" and
          body["department_name"] == "客房部" and body["disposition"] == "other_department",
          (st, body))
    st, body = d.call("POST", "/api/preview", {"category": "room_booking", "channel": "hotline"})
    check("a hotline inquiry's first owner is the person on duty (刘洋, fo-03)",
          body.get("natural_owner_id") == "fo-03", body)
    st, _ = d.call("POST", "/api/logout", {})
    st2, _ = d.call("GET", "/api/me")
    check("after signing out the session is gone", st == 200 and st2 == 401, (st, st2))


def flow(port):
    fo, hk = Desk("127.0.0.1", port), Desk("127.0.0.1", port)
    check("fo-01 and hk-01 sign in", fo.login("fo-01", PASSWORD)[0] == 200 and
          hk.login("hk-01", PASSWORD)[0] == 200)
    ev = new_events(hk)
    check("hk-01's event stream opens", ev.status == 200, ev.status)
    st, out = fo.inquiry(matter="客人反映房间需要打扫")
    case = out.get("case_id", "")
    check("an inquiry outside 前厅部's scope is registered (hub confirmed)",
          st == 200 and out["status"] == "ok" and case.startswith("SW-"), (st, out))
    st, out = fo.action(case, "transfer", to_department_id="housekeeping",
                        to_staff_id="hk-01", opinion="客房清洁归客房部", reason="客房清洁归客房部")
    t0 = time.monotonic()
    check("fo-01 transfers it to 客房部", st == 200 and out["status"] == "ok", (st, out))
    got = ev.wait(lambda e: e[0] == "notification" and e[2]["case_id"] == case and
                  e[2]["kind"] == "transferred", 2.0)
    check("hk-01 is told within 2 s (%s)" % ("%.0f ms" % ((got[3] - t0) * 1000) if got else "-"),
          got is not None, ev.seen)
    if got:
        check("the notification says it in Chinese", "转交给您" in got[2]["title"] and
              got[2]["from_staff_name"] == "王芳", got[2])
    st, body = hk.call("GET", "/api/inbox")
    row = [c for c in body.get("cases", []) if c["case_id"] == case]
    check("the case is in hk-01's inbox, waiting for hk-01's signature",
          row and row[0]["pending_to_staff_id"] == "hk-01", body)
    if row:
        check("its deadlines carry due times and Chinese kinds",
              all(d["due_at_us"] > 0 and d["kind_name"] for d in row[0]["deadlines"]),
              row[0]["deadlines"])
    st, out = hk.action(case, "return", opinion="   ")
    check("R13: a return without an opinion is refused, and the page says why",
          st == 422 and "意见" in out["message"], (st, out))
    st, out = hk.action(case, "accept")
    check("hk-01 accepts", st == 200 and out["status"] == "ok", (st, out))
    st, out = hk.action(case, "reply", text="这事不归我们管")
    check("R24: a reply with 「不归我们管」 is refused, naming the phrase",
          st == 422 and out["code"] == "FORBIDDEN_PHRASE" and "「不归我们管」" in out["message"],
          (st, out))
    st, out = hk.action(case, "reply", text="我们马上安排，15分钟内到您房间")
    check("hk-01 replies", st == 200 and out["status"] == "ok", (st, out))
    st, body = fo.call("GET", "/api/cases/" + case)
    summaries = [t["summary"] for t in body.get("timeline", [])]
    check("the case page has the timeline with every holder and signature in Chinese",
          any(s.startswith("转交") and "王芳" in s and "郑秀英" in s and "发出签名" in s
              for s in summaries) and
          any(s.startswith("签收") and "签收签名 郑秀英" in s for s in summaries) and
          any("答复：我们马上安排" in s for s in summaries), summaries)
    check("the summaries' times are Beijing time, with the zone",
          any("+08" in s for s in summaries) and not any("+00" in s for s in summaries),
          summaries)
    check("the case page has the case", body.get("case") and
          body["case"]["first_owner_name"] == "王芳", body.get("case"))
    st, body = fo.call("GET", "/api/cases/SW-AAAA-BBBB-CCCC")
    check("a case unknown to the branch is not shown", st in (404, 422) or
          (st == 200 and not body.get("timeline")), (st, body))
    # resume: hk-01 goes away, two transfers to hk-01 happen, hk-01 comes
    # back with the last id it saw and is told each once
    last = got[1] if got else 0
    ev.close()
    cases = []
    for i in range(2):
        st, out = fo.inquiry(matter="第%d间房需要打扫" % (i + 1))
        cases.append(out.get("case_id"))
        fo.action(out.get("case_id"), "transfer", to_department_id="housekeeping",
                  to_staff_id="hk-01", opinion="客房清洁归客房部", reason="客房清洁归客房部")
    time.sleep(1.0)
    ev2 = new_events(hk, last_event_id=last)
    evs = [e for e in ev2.drain(2.0) if e[0] == "notification"]
    ids = [e[1] for e in evs]
    missed = [e for e in evs if e[2]["case_id"] in cases and e[2]["kind"] == "transferred"]
    check("after reconnecting with Last-Event-ID each missed transfer is shown once",
          len(missed) == 2 and len(set(ids)) == len(ids) and all(i > last for i in ids),
          (last, [(e[1], e[2]["kind"], e[2]["case_id"]) for e in evs]))
    ev2.close()


def spool(port, n, path):
    fo = Desk("127.0.0.1", port, timeout=10)
    fo.login("fo-01", PASSWORD)
    ok = 0
    t0 = time.monotonic()
    with open(path, "w") as f:
        for i in range(n):
            st, out = fo.inquiry(request_id="dsp-%d" % i, matter="网点登记第%d件" % i)
            if st == 202 and out["status"] == "spooled" and out["case_id"].startswith("SW-"):
                ok += 1
            f.write("dsp-%d,%s\n" % (i, out.get("case_id", "")))
    ms = (time.monotonic() - t0) * 1000
    check("%d inquiries answered 202 spooled with intake down" % n, ok == n, ok)
    check("at once: %d in %.0f ms" % (n, ms), ms < 30000)
    st, out = fo.inquiry(request_id="dsp-0", matter="网点登记第0件")
    check("the same request again is the same request (still spooled)",
          st == 202 and out["status"] == "spooled", (st, out))
    st, body = fo.call("GET", "/api/spool")
    check("the 待确认 page shows them waiting", body["pending"] >= n and
          sum(1 for r in body["requests"] if r["state"] == "pending") == min(n, 50), body)


def confirmed(port, n):
    fo = Desk("127.0.0.1", port, timeout=10)
    fo.login("fo-01", PASSWORD)
    ev = new_events(fo)
    deadline = time.monotonic() + 60
    body = {}
    while time.monotonic() < deadline:
        st, body = fo.call("GET", "/api/spool")
        if st == 200 and body["pending"] == 0:
            break
        time.sleep(0.5)
    check("the branch's spool is empty: the hub confirmed all", body.get("pending") == 0, body)
    shown = [r for r in body.get("requests", []) if r["request_id"].startswith("dsp-")]
    check("the 待确认 page shows each of the clerk's confirmed",
          len(shown) == min(n, 50) and all(r["state"] == "confirmed" for r in shown), shown)
    ev.close()


if __name__ == "__main__":
    port = int(sys.argv[1])
    phase = sys.argv[2]
    if phase == "auth":
        auth(port)
    elif phase == "flow":
        flow(port)
    elif phase == "spool":
        spool(port, int(sys.argv[3]), sys.argv[4])
    elif phase == "confirmed":
        confirmed(port, int(sys.argv[3]))
    sys.exit(1 if FAILS else 0)
