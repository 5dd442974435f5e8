"""deskclient: a client of shouwen-branch's web desk API (docs/desk.md),
for the integration tests and the latency bench: a signed-in session with
its cookie and CSRF token, JSON calls, and a Server-Sent Events reader on
its own thread.  Standard library only."""

import http.client
import json
import queue
import threading
import time
import uuid


class Desk:
    def __init__(self, host, port, timeout=15):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookie = None
        self.csrf = None
        self.me = None
        self.last_headers = {}

    def call(self, method, path, body=None, csrf=True, content_type="application/json",
             headers=None):
        """(status, json) of one request."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            if content_type:
                h["Content-Type"] = content_type
            if csrf and self.csrf:
                h["X-CSRF-Token"] = self.csrf
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        raw = resp.read()
        self.last_headers = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw.decode("utf-8", "replace")

    def login(self, staff, password):
        status, body = self.call("POST", "/api/login",
                                 {"staff_id": staff, "password": password}, csrf=False)
        if status == 200:
            cookie = self.last_headers.get("set-cookie", "")
            self.cookie = cookie.split(";")[0]
            self.csrf = body["csrf"]
            self.me = body
        return status, body

    def inquiry(self, request_id=None, **fields):
        body = {"request_id": request_id or "web-" + str(uuid.uuid4()),
                "unit": "", "name": "张三", "phone": "13800000000",
                "matter": "房间需要打扫", "channel": "visit", "kind": "consultation",
                "urgency": "normal", "category": "room_cleaning"}
        body.update(fields)
        return self.call("POST", "/api/inquiries", body)

    def action(self, case_id, kind, request_id=None, **fields):
        body = {"request_id": request_id or "web-" + str(uuid.uuid4()), "kind": kind}
        body.update(fields)
        return self.call("POST", "/api/cases/%s/actions" % case_id, body)

    def events(self, last_event_id=None):
        return Events(self, last_event_id)


class Events:
    """The session's SSE stream as a browser's EventSource reads it: each
    event as (event, id, data, arrival time.monotonic()) on .queue.  The desk
    sends it chunked: HTTPResponse.readline() undoes the chunking (the raw
    socket file would show the chunk sizes and split an event wherever a
    chunk ends).  .bad counts events whose data was not JSON; .error says
    why the stream ended before close()."""

    def __init__(self, desk, last_event_id=None):
        self.queue = queue.Queue()
        self.seen = []
        self.bad = 0
        self.error = None
        self.closed = False
        self.conn = http.client.HTTPConnection(desk.host, desk.port, timeout=120)
        h = {"Cookie": desk.cookie, "Accept": "text/event-stream"}
        if last_event_id is not None:
            h["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", "/api/events", headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        event, eid, data = "message", None, []
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        try:
                            self.queue.put((event, eid, json.loads("\n".join(data)),
                                            time.monotonic()))
                        except ValueError:
                            self.bad += 1
                    event, eid, data = "message", None, []
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("id:"):
                    eid = int(line[3:].strip())
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
        except Exception as e:  # noqa: BLE001 - the stream ends: say why, unless closed
            if not self.closed:
                self.error = "%s: %s" % (type(e).__name__, e)

    def wait(self, pred, seconds):
        """The first event (event, id, data, t) for which pred holds, within
        seconds, else None; every event taken is kept in .seen."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                ev = self.queue.get(timeout=left)
            except queue.Empty:
                return None
            self.seen.append(ev)
            if pred(ev):
                return ev

    def drain(self, seconds):
        """Every event arriving within seconds."""
        out = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                out.append(self.queue.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return out

    def close(self):
        self.closed = True
        try:
            self.conn.sock.shutdown(2)
        except (OSError, AttributeError):
            pass
        self.conn.close()


def new_events(desk, last_event_id=None):
    return Events(desk, last_event_id)
