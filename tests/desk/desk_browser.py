"""desk_browser: the web desk (web/desk, docs/desk.md) in real browsers.

Run by tests/integration/desk_browser.sh against a real hub and the hotel's
shouwen-branch:  desk_browser.py URL SCREENSHOT_DIR [PASSWORD]

Two headless chromium browsers, each with its own profile (so its own
session cookie), as two people at the hotel:

  fo-01 王芳 (前厅部)  registers a room-cleaning inquiry (客房部's scope, not
                       hers: 首问 means she registers it anyway) and transfers
                       it to 客房部 郑秀英 on the case page;
  hk-01 郑秀英 (客房部) sits on 我的待办 (#/inbox): without a reload (the
                       page's Server-Sent Events), the new case's row appears
                       within 2 s of its commit (she is room cleaning's
                       handler, so the hub routes it to her), and within 2 s
                       of the transfer's commit the row waits for her
                       signature (its 签收 button); she signs for it, replies,
                       and a reply with the forbidden phrase 「不归我们管」 is
                       refused in Chinese (R24).

Prints "ok   - ..." / "FAIL - ..." per check (desk_browser.sh counts them);
PNG screenshots of each page go to SCREENSHOT_DIR, and of the page at a
failure.  Every wait is bounded (10 s, 2 s for the notification); the
browsers are always quit.
"""

import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 10          # every wait for the page, at most
NOTIFY_WAIT = 2.0  # the acceptance: the receiver sees the case within 2 s
REPLY = "我们马上安排，15分钟内到您房间"
FORBIDDEN = "不归我们管"

FAILS = 0


class Stop(Exception):
    """A step failed; the ones after it depend on it."""


def ok(what):
    print("ok   - " + what, flush=True)


def fail(what):
    global FAILS
    FAILS += 1
    print("FAIL - " + what, flush=True)


def check(what, cond, detail=""):
    if cond:
        ok(what)
    else:
        fail("%s%s" % (what, (": %s" % detail) if detail != "" else ""))
    return cond


# ------------------------------------------------------------ browsers

def browser(profile):
    """A headless chromium with its own profile directory: two of them are
    two people at two desks, each with a session cookie of their own."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=zh-CN", "--user-data-dir=" + profile,
                "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    # the page's console, printed when a step fails
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)
    drv.set_page_load_timeout(WAIT)
    drv.set_script_timeout(WAIT)
    return drv


class Desk:
    """One person's browser on the desk."""

    def __init__(self, who, url, shots):
        self.who, self.url, self.shots = who, url, shots
        self.profile = tempfile.mkdtemp(prefix="desk-%s-" % who)
        self.drv = browser(self.profile)

    def quit(self):
        try:
            self.drv.quit()
        except WebDriverException:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- finding things, always bounded
    def wait(self, cond, what, seconds=WAIT):
        """cond(driver) until truthy, else Stop naming what was awaited."""
        try:
            return WebDriverWait(self.drv, seconds, poll_frequency=0.05,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(cond)
        except TimeoutException:
            raise Stop("%s: %s not within %g s" % (self.who, what, seconds))

    def find(self, css):
        els = self.drv.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els else None

    def visible(self, css, seconds=WAIT):
        def cond(d):
            e = self.find(css)
            return e if e is not None and e.is_displayed() else None
        return self.wait(cond, "'%s' shown" % css, seconds)

    def js(self, script, *args):
        return self.drv.execute_script(script, *args)

    def go(self, hash_):
        """Move within the page (the hash only: never a reload)."""
        self.js("location.hash = arguments[0]", hash_)

    def set(self, css, value):
        """Type into an input or choose a select's option by value."""
        e = self.visible(css)
        if e.tag_name == "select":
            self.wait(lambda d: self.js(
                "const s = document.querySelector(arguments[0]);"
                "return !!s && [...s.options].some(o => o.value === arguments[1])", css, value),
                "option '%s' of %s" % (value, css))
            Select(self.find(css)).select_by_value(value)
        else:
            e.clear()
            e.send_keys(value)

    def shown(self, css):
        e = self.find(css)
        return e is not None and e.is_displayed()

    def clear_flash(self):
        """Empty the message bar, so the next message is the next action's."""
        self.js("const f = document.getElementById('flash'); if (f) { f.textContent = '';"
                " f.className = ''; }")

    def flash(self):
        """(class, text) of the message bar once an action has said something."""
        return self.wait(lambda d: self.js(
            "const f = document.getElementById('flash');"
            "return f && f.textContent.trim() && /flash-(ok|error)/.test(f.className)"
            " ? [f.className, f.textContent.trim()] : null"), "#flash message")

    def shot(self, name):
        path = os.path.join(self.shots, name + ".png")
        try:
            self.drv.save_screenshot(path)
            return path
        except WebDriverException as e:
            print("  (no screenshot %s: %s)" % (path, e.msg), flush=True)
            return None

    def console(self):
        try:
            return [l["message"] for l in self.drv.get_log("browser")
                    if l.get("level") in ("SEVERE", "WARNING")][-10:]
        except WebDriverException:
            return []

    # -- what a person does
    def sign_in(self, staff, password, name, department):
        self.drv.get(self.url)
        self.set("#login-staff", staff)
        self.set("#login-password", password)
        self.visible("#login-submit").click()
        me = self.wait(lambda d: (lambda t: t if name in t else None)(
            self.find("#me").text if self.shown("#me") else ""), "#me naming %s" % name)
        check("%s signs in: #me shows %s of %s" % (staff, name, department),
              department in me, me)


# --------------------------------------------------------------- the flow

def flow(url, shots, password):
    fo = Desk("fo-01", url, shots)
    hk = None
    try:
        hk = Desk("hk-01", url, shots)
        desks = (fo, hk)
        try:
            run(fo, hk, password)
        except Stop as e:
            fail(str(e))
            for d in desks:
                path = d.shot("FAILED-%s" % d.who)
                print("  %s at %s (screenshot %s)" % (d.who, d.drv.current_url, path), flush=True)
                for line in d.console():
                    print("  %s console: %s" % (d.who, line), flush=True)
    finally:
        fo.quit()
        if hk:
            hk.quit()


def race(fo, hk, button, hk_css, what):
    """fo-01 clicks button; then poll fo-01's message bar and hk-01's page
    for hk_css together (~30 ms apart) until both are seen, or hk-01 has
    had NOTIFY_WAIT after fo-01's message.  Checks that the message is a
    commit (flash-ok, not 「等待总部确认」) and that hk_css showed within
    NOTIFY_WAIT of it, without a reload; raises Stop otherwise."""
    fo.clear_flash()
    t_click = time.monotonic()
    fo.visible(button).click()
    t_fo = t_hk = None
    fo_flash = None
    deadline = t_click + WAIT
    while time.monotonic() < deadline:
        now = time.monotonic()
        if t_fo is None:
            fo_flash = fo.js("const f = document.getElementById('flash');"
                             "return f && f.textContent.trim() ? [f.className, f.textContent] : null")
            if fo_flash:
                t_fo = now
        if t_hk is None and hk.find(hk_css) is not None:
            t_hk = now
        if t_fo is not None and (t_hk is not None or now - t_fo > NOTIFY_WAIT):
            break
        time.sleep(0.03)
    if not check("fo-01 %s (the hub committed it)" % what,
                 fo_flash is not None and "flash-ok" in fo_flash[0] and
                 "等待总部确认" not in fo_flash[1], fo_flash):
        raise Stop("fo-01 %s: not committed: %s" % (what, fo_flash))
    if t_hk is None:
        hk.shot("FAILED-inbox")
        raise Stop("hk-01's inbox did not show '%s' within %g s of the commit"
                   % (hk_css, NOTIFY_WAIT))
    # t_hk may precede t_fo: the two pages are polled in turn
    check("  hk-01's inbox shows it within %g s of the commit (%.0f ms after the click;"
          " fo-01's answer at %.0f ms), without a reload"
          % (NOTIFY_WAIT, (t_hk - t_click) * 1000, (t_fo - t_click) * 1000),
          t_hk - t_fo <= NOTIFY_WAIT and hk.js("return window.__marker") == 1 and
          hk.drv.current_url.endswith("#/inbox"), hk.drv.current_url)


def run(fo, hk, password):
    fo.sign_in("fo-01", password, "王芳", "前厅部")
    hk.sign_in("hk-01", password, "郑秀英", "客房部")

    # hk-01 waits on her inbox with the live stream open; the marker is
    # gone if anything reloads the page
    hk.go("#/inbox")
    hk.visible("#nav-inbox.active")
    hk.wait(lambda d: hk.js("const e = document.getElementById('live-status');"
                            "return e && e.classList.contains('live-open')"),
            "the live notifications connected (#live-status.live-open)")
    hk.js("window.__marker = 1")
    ok("hk-01 is on 我的待办 with the live notifications connected")
    rows_before = set(hk.js("return [...document.querySelectorAll('tr.case-row')]"
                            ".map(r => r.dataset.caseId)") or [])

    # fo-01 registers a room-cleaning matter: 客房部's, not 前厅部's.  The
    # hub routes it to room cleaning's handler, hk-01 (hotel.conf), so the
    # new case reaches her inbox by itself: the first live update
    fo.go("#/new")
    fo.set("#f-unit", "1208房")
    fo.set("#f-name", "张先生")
    fo.set("#f-phone", "13800001208")
    fo.set("#f-matter", "客人反映房间需要打扫，希望尽快安排")
    fo.set("#f-channel", "visit")
    fo.set("#f-kind", "consultation")
    fo.set("#f-urgency", "normal")
    fo.set("#f-category", "room_cleaning")
    fo.shot("1-new-inquiry")
    # the case id is known once the answer is: any new row on hk-01's page
    race(fo, hk, "#f-submit", "tr.case-row" + "".join(':not([data-case-id="%s"])' % c for c in rows_before),
         "registers the inquiry")
    case = fo.wait(lambda d: (lambda t: t if t.startswith("SW-") else None)(
        fo.find("#new-case-id").text.strip() if fo.shown("#new-case-id") else ""),
        "the new case id in #new-case-id")
    row_css = 'tr.case-row[data-case-id="%s"]' % case
    check("  the new row on hk-01's page is %s, not yet waiting for her signature" % case,
          hk.find(row_css) is not None and hk.find(row_css + " .accept-btn") is None)

    # the case page; transfer to 客房部 郑秀英
    fo.find("#new-case-id").click()
    fo.wait(lambda d: d.current_url.endswith("#/case/" + case), "the case page #/case/" + case)
    fo.visible('#case-actions [data-action="transfer"]').click()
    fo.set("#a-department", "housekeeping")
    fo.set("#a-staff", "hk-01")
    for css in ("#a-opinion", "#a-reason"):
        if fo.shown(css):
            fo.set(css, "客房清洁由客房部负责")
    fo.shot("2-case-transfer")
    # the transfer makes the row wait for hk-01's signature: its 签收 button
    race(fo, hk, "#a-submit", row_css + " .accept-btn", "transfers it to 客房部 郑秀英")
    notice = hk.find('#notices li[data-case-id="%s"]' % case)
    check("  and the notice names it in Chinese (转交给您)",
          notice is not None and "转交" in notice.text, notice.text if notice else "no notice")
    hk.shot("3-inbox-notified")

    # hk-01 signs for it, from the row (or the case page when the row has
    # no button)
    hk.clear_flash()
    btn = hk.find(row_css + " .accept-btn")
    if btn is not None:
        btn.click()
    else:
        hk.go("#/case/" + case)
        hk.visible('#case-actions [data-action="accept"]').click()
        hk.visible("#a-submit").click()
    cls, text = hk.flash()
    check("hk-01 signs for it (签收)", "flash-ok" in cls and "等待总部确认" not in text,
          (cls, text))

    # the case page: a reply, then one with a forbidden phrase
    hk.go("#/case/" + case)
    hk.visible('#case-view[data-case-id="%s"]' % case)
    reply(hk, REPLY)
    cls, text = hk.flash()
    check("hk-01 replies 「%s」" % REPLY, "flash-ok" in cls, (cls, text))
    hk.wait(lambda d: any(REPLY in (r.text or "") for r in
                          d.find_elements(By.CSS_SELECTOR, "#timeline tr")),
            "the reply in the case's timeline")
    ok("the reply is in the case's timeline")
    hk.shot("4-case-replied")
    reply(hk, "这事" + FORBIDDEN + "，请您找前台")
    cls, text = hk.flash()
    check("a reply with 「%s」 is refused (R24), the page says why" % FORBIDDEN,
          "flash-error" in cls and FORBIDDEN in text, (cls, text))
    hk.shot("5-reply-refused")
    check("hk-01's page was never reloaded", hk.js("return window.__marker") == 1)


def reply(desk, text):
    """Open 答复 on the case page, write text, send it."""
    desk.visible('#case-actions [data-action="reply"]').click()
    desk.set("#a-text", text)
    desk.clear_flash()
    desk.visible("#a-submit").click()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: desk_browser.py URL SCREENSHOT_DIR [PASSWORD]")
    url, shots = sys.argv[1], sys.argv[2]
    password = sys.argv[3] if len(sys.argv) > 3 else "shouwen2026"
    os.makedirs(shots, exist_ok=True)
    try:
        flow(url, shots, password)
    except WebDriverException as e:
        fail("the browser: %s" % (e.msg or e))
    print("screenshots: %s" % shots, flush=True)
    sys.exit(1 if FAILS else 0)
