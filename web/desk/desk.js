/* 首问工作台 (the branch web desk): a single page against shouwen-branch's
   JSON API (docs/desk.md).  Plain ES2017, no framework, no build step.
   Every text a clerk reads is Chinese; every time is shown in the
   organisation's zone followed by the zone.  Data goes into the DOM only as
   text (textContent / text nodes), never as HTML. */
'use strict';

(() => {
  /* ------------------------------------------------------------ labels */

  const CHANNELS = [
    ['visit', '来访'], ['phone', '来电'], ['letter', '来信'], ['fax', '传真'],
    ['email', '电子邮件'], ['hotline', '呼叫中心（热线）'], ['online_chat', '在线客服'],
    ['forum', 'BBS论坛'], ['weibo', '专用微博'], ['meeting', '会议'], ['callback', '回访'],
    ['hand_delivery', '专人递交'], ['mailbox', '专用邮箱'],
  ];
  const KINDS = [
    ['consultation', '咨询'], ['business', '办理'], ['complaint', '投诉'], ['report', '举报'],
    ['help', '求助'], ['suggestion', '建议'], ['repair', '报修'], ['bug_report', '产品BUG反馈'],
    ['on_site_support', '现场支持'], ['training', '培训认证'],
  ];
  const URGENCIES = [['normal', '一般'], ['urgent', '紧急']];
  const ROLES = {
    first_owner: '首问责任人', factual_owner: '事实首问责任人', handler: '经办人', receiver: '待签收',
  };
  const DEADLINE_KINDS = {
    transfer: '转交', reply: '答复', phone_same_day: '来电当天答复', callback: '回访',
    completion: '限时办结', stage_feedback: '阶段性反馈', return_contact: '到岗后联系',
  };
  const CASE_STATES = { open: '办理中', resolved: '已办结待回访', closed: '已结案' };
  const SPOOL_STATES = { pending: '待确认', confirmed: '已确认', rejected: '已拒绝', unknown: '未知' };

  /* The staff actions: label, the fields of #action-form they use, and the
     labels of the fields whose meaning differs per action. */
  const ACTIONS = {
    transfer: { label: '转交', fields: ['department', 'staff', 'opinion'],
      opinion: '转交理由', opinionHint: '写明转交理由，例如：客房清洁由客房部负责' },
    accept: { label: '签收', fields: [], confirm: '确认签收此案件？签收后由您（本部门）负责办理。' },
    return: { label: '退回', fields: ['opinion'], opinion: '退回意见', opinionHint: '退回须签注明确意见' },
    forward: { label: '转送', fields: ['department', 'staff', 'opinion'],
      opinion: '转送意见', opinionHint: '转送须签注明确意见' },
    reply: { label: '答复', fields: ['text', 'checklist'], text: '答复内容' },
    progress: { label: '阶段性反馈', fields: ['text'], text: '反馈内容' },
    resolve: { label: '办结', fields: ['text'], text: '办结说明' },
    callback: { label: '回访', fields: ['reached', 'rating', 'text'], text: '回访记录' },
    reopen: { label: '重新打开', fields: ['reason'], reason: '重新打开理由' },
    escalate: { label: '升级', fields: ['reason'], reason: '升级理由' },
    close: { label: '结案', fields: ['reason', 'guidance'], reason: '结案理由' },
    contact_leader: { label: '请求联系领导', fields: ['leader', 'reason'], reason: '客人诉求',
      confirm: '领导的联系方式不在工作台显示；提交后来访者的姓名和电话将转告领导，由领导与其联系。' },
    wait_customer: { label: '等待客户', fields: ['reason'], reason: '等待原因' },
    resume: { label: '客户已回', fields: ['reason'], reason: '客户回复情况' },
  };
  const OVERRIDABLE = ['transfer', 'return', 'forward', 'reply', 'progress'];

  const label = (pairs, v) => { const p = pairs.find((x) => x[0] === v); return p ? p[1] : v || ''; };
  const kindLabel = (k) => (k === 'inquiry' ? '首问登记' : ACTIONS[k] ? ACTIONS[k].label : k || '');

  /* ------------------------------------------------------------- state */

  const S = {
    me: null,            // /api/me
    csrf: '',
    dir: null,           // /api/directory, loaded once signed in
    es: null,            // the EventSource
    lastEventId: '',     // the last notification position seen
    reconnectTimer: 0,
    seen: new Set(),     // notification positions shown (never twice)
    seq: 0,              // bumped on every route change: stale loads are dropped
    view: '',            // the current view's name
    skewMs: 0,           // server clock minus this browser's clock
    fmt: null, fmtSec: null,
    newRequestId: '',    // the 首问 form's request id (kept across retries)
    acceptIds: {},       // case id -> request id of an accept from a list row
    find: { phone: '', caseId: '', cases: null },
    dueWithin: '60',
    caseCtx: null,       // the open case page
    afterLogin: '',      // the route asked for before signing in
    offsetFmt: null,     // gives the zone's UTC offset at an instant
  };

  const $ = (id) => document.getElementById(id);
  const newRequestId = () => 'web-' + (crypto.randomUUID ? crypto.randomUUID() : fallbackUuid());
  function fallbackUuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  /* Builds an element.  props: class, text, attributes; on* are listeners;
     value/checked/selected/disabled/hidden are set as properties.  Children
     that are strings become text nodes. */
  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (['value', 'checked', 'selected', 'disabled', 'hidden'].includes(k)) e[k] = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(2)) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.append(kid instanceof Node ? kid : String(kid));
    }
    return e;
  }
  const option = (value, text, selected) => el('option', { value, selected: !!selected }, text);

  /* -------------------------------------------------------------- time */

  function setupZone(tz) {
    const base = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    try {
      S.fmt = new Intl.DateTimeFormat('zh-CN', { ...base, timeZone: tz });
      S.fmtSec = new Intl.DateTimeFormat('zh-CN', { ...base, second: '2-digit', timeZone: tz });
      S.offsetFmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    } catch (e) { // an unknown zone id: the browser's own zone, labelled honestly below
      S.fmt = new Intl.DateTimeFormat('zh-CN', base);
      S.fmtSec = new Intl.DateTimeFormat('zh-CN', { ...base, second: '2-digit' });
      S.offsetFmt = null;
    }
  }

  function zoneLabel() {
    return (S.me && (S.me.tz_name || S.me.tz)) || '';
  }

  /* "UTC+08:00" for the instant (zones with summer time change it). */
  function utcOffset(d) {
    if (!S.offsetFmt) return '';
    try {
      const p = S.offsetFmt.formatToParts(d).find((x) => x.type === 'timeZoneName');
      if (!p) return '';
      return p.value === 'GMT' ? 'UTC+00:00' : p.value.replace('GMT', 'UTC');
    } catch (e) { return ''; }
  }

  /* 2026-03-02 17:00 北京时间 (UTC+08:00) */
  function fmtTime(us, withSeconds) {
    if (!us) return '—';
    const d = new Date(Number(us) / 1000);
    if (isNaN(d.getTime())) return '—';
    const parts = {};
    for (const p of (withSeconds ? S.fmtSec : S.fmt).formatToParts(d)) parts[p.type] = p.value;
    let t = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
    if (withSeconds) t += `:${parts.second}`;
    const off = utcOffset(d);
    return `${t} ${zoneLabel()}${off ? ` (${off})` : ''}`;
  }

  const serverNow = () => Date.now() + S.skewMs;

  /* The server's Date header corrects a wrong browser clock (to a second). */
  function calibrate(res) {
    const h = res.headers.get('Date');
    const t = h ? Date.parse(h) : NaN;
    if (!isNaN(t)) {
      const skew = t - Date.now();
      S.skewMs = Math.abs(skew) > 3000 ? skew : 0;
    }
  }

  /* 剩余 1 小时 05 分 / 已超时 12 分 */
  function countdownText(ms) {
    const over = ms < 0;
    const s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60), sec = s % 60;
    const p2 = (n) => String(n).padStart(2, '0');
    let t;
    if (d > 0) t = `${d} 天 ${h} 小时 ${p2(m)} 分`;
    else if (h > 0) t = `${h} 小时 ${p2(m)} 分`;
    else if (over) t = m > 0 ? `${m} 分` : `${sec} 秒`;
    else t = m > 0 ? `${m} 分 ${p2(sec)} 秒` : `${sec} 秒`;
    return (over ? '已超时 ' : '剩余 ') + t;
  }

  /* One countdown element; tick() keeps every one on the page current. */
  function countdownEl(dl, paused) {
    const e = el('span', { class: 'countdown' });
    e.dataset.due = String(Number(dl.due_at_us || 0) / 1000);
    e.dataset.warn = String(Number(dl.warn_at_us || 0) / 1000);
    e.dataset.state = dl.state || '';
    if (paused) e.dataset.paused = '1';
    updateCountdown(e, serverNow());
    return e;
  }

  function updateCountdown(e, now) {
    const due = Number(e.dataset.due), warn = Number(e.dataset.warn), state = e.dataset.state;
    const breached = state === 'breached' || (due > 0 && now >= due);
    const warned = breached || state === 'warned' || (warn > 0 && now >= warn);
    e.classList.toggle('deadline-breached', breached);
    e.classList.toggle('deadline-warned', warned);
    if (e.dataset.paused) {
      e.classList.add('paused');
      e.textContent = '计时暂停（等待客户）';
    } else {
      e.textContent = due > 0 ? countdownText(due - now) : '—';
    }
  }

  function tick() {
    const now = serverNow();
    for (const e of document.querySelectorAll('.countdown')) updateCountdown(e, now);
  }

  /* --------------------------------------------------------------- API */

  /* { status, data } for any answer; status 0 when the desk is unreachable.
     A 401 signs the page out; a stale CSRF token is renewed once. */
  async function request(method, path, body, renewed) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['X-CSRF-Token'] = S.csrf;
      opts.body = JSON.stringify(body || {});
    }
    let res;
    try { res = await fetch(path, opts); } catch (e) { return { status: 0, data: null }; }
    calibrate(res);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 403 && data && data.error === 'CSRF' && !renewed && S.me) {
      const me = await request('GET', '/api/me', null, true);
      if (me.status === 200 && me.data) {
        S.csrf = me.data.csrf;
        return request(method, path, body, true);
      }
    }
    if (res.status === 401 && path !== '/api/login') signedOut();
    return { status: res.status, data };
  }

  function errorText(r) {
    if (r.data && r.data.message) return r.data.message;
    if (r.status === 0) return '无法连接网点服务器，请检查网络后重试';
    return `请求未成功（HTTP ${r.status}）`;
  }

  /* A GET answered 200, else an Error whose message is Chinese (401: quiet). */
  async function getJSON(path) {
    const r = await request('GET', path);
    if (r.status === 200 && r.data) return r.data;
    const err = new Error(errorText(r));
    err.quiet = r.status === 401;
    throw err;
  }

  /* An inquiry or an action: always an outcome {status: ok|spooled|rejected|retry}. */
  async function submit(path, body) {
    const r = await request('POST', path, body);
    const d = r.data || {};
    if (['ok', 'spooled', 'rejected', 'retry'].includes(d.status)) return d;
    if (r.status === 401) return { status: 'rejected', code: 'NOT_SIGNED_IN', message: '请先登录', quiet: true };
    if (r.status === 0 || r.status >= 500) return { status: 'retry', code: d.error || '', message: d.message || '' };
    return { status: 'rejected', code: d.error || '', message: errorText(r) };
  }

  /* ------------------------------------------------------------- flash */

  function flash(text, isError) {
    const f = $('flash');
    f.textContent = text;
    f.className = isError ? 'flash-error' : 'flash-ok';
    $('flash-bar').hidden = !text;
  }

  /* The Chinese sentence for an outcome; `what` describes the request. */
  function outcomeText(o, okText) {
    const id = o.case_id ? `（案件号 ${o.case_id}）` : '';
    switch (o.status) {
      case 'ok': return okText || `已提交${id}`;
      case 'spooled': return `已在本网点登记，等待总部确认${id}`;
      case 'retry': return '未能记录，请再次提交' +
        (o.message && !o.message.includes('再次提交') ? `（${o.message}）` : '');
      default: return o.message || '未被接受';
    }
  }

  /* -------------------------------------------------- sign-in, session */

  function applyMe(me) {
    S.me = me;
    S.csrf = me.csrf;
    setupZone(me.tz || 'Asia/Shanghai');
    $('branch-name').textContent = `${me.branch_name || me.branch_id || ''} · 首问工作台`;
    $('branch-name').title = me.organisation || '';
    $('me').textContent = `${me.name}（工号 ${me.staff_id}，${me.department_name || me.department_id || '—'}）`;
    $('who').hidden = false;
    $('nav').hidden = false;
    $('layout').hidden = false;
    $('login-view').hidden = true;
  }

  function signedOut() {
    if (!S.me && $('login-view').hidden === false) return;
    S.me = null; S.csrf = ''; S.dir = null; S.caseCtx = null;
    stopEvents();
    $('who').hidden = true; $('nav').hidden = true; $('layout').hidden = true;
    $('flash-bar').hidden = true;
    $('main').replaceChildren();
    $('notices').replaceChildren();
    S.seen.clear(); S.lastEventId = '';
    if (!location.hash.startsWith('#/login')) {
      S.afterLogin = location.hash && location.hash !== '#/login' ? location.hash : '';
      location.hash = '#/login';
    }
    showLogin();
  }

  function showLogin() {
    $('login-view').hidden = false;
    $('layout').hidden = true;
    setTimeout(() => $('login-staff').focus(), 0);
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const staff = $('login-staff').value.trim(), password = $('login-password').value;
    const err = $('login-error');
    if (!staff || !password) { err.textContent = '请输入工号和密码'; return; }
    $('login-submit').disabled = true;
    err.textContent = '';
    try {
      const r = await request('POST', '/api/login', { staff_id: staff, password });
      if (r.status === 200 && r.data) {
        $('login-password').value = '';
        await startSession(r.data);
        const next = S.afterLogin || '#/inbox';
        S.afterLogin = '';
        if (location.hash === next) route(); else location.hash = next;
      } else {
        err.textContent = errorText(r);
      }
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function startSession(me) {
    applyMe(me);
    startEvents();
    await loadDirectory();
  }

  async function loadDirectory() {
    if (S.dir) return S.dir;
    try { S.dir = await getJSON('/api/directory'); } catch (e) { if (!e.quiet) flash(e.message, true); }
    return S.dir;
  }

  async function onLogout() {
    await request('POST', '/api/logout', {});
    S.afterLogin = '';
    signedOut();
  }

  /* ------------------------------------------------------ live events */

  function setLive(state) {
    const e = $('live-status');
    e.className = `live live-${state}`;
    e.textContent = { open: '实时通知：已连接', connecting: '实时通知：连接中…', down: '实时通知：连接中断，正在重连' }[state];
  }

  function startEvents() {
    stopEvents();
    // a stream made again by hand starts where the last one stopped
    const url = S.lastEventId ? `/api/events?from=${encodeURIComponent(S.lastEventId)}` : '/api/events';
    const es = new EventSource(url);
    S.es = es;
    setLive('connecting');
    es.onopen = () => { if (S.es === es) setLive('open'); };
    es.onerror = () => {
      if (S.es !== es) return;
      setLive('down');
      // CONNECTING: the browser retries by itself (sending Last-Event-ID).
      // CLOSED (an HTTP error, e.g. the session ended): check and start again.
      if (es.readyState === EventSource.CLOSED) scheduleReconnect();
    };
    es.addEventListener('notification', (ev) => {
      if (ev.lastEventId) S.lastEventId = ev.lastEventId;
      let n; try { n = JSON.parse(ev.data); } catch (e) { return; }
      onNotification(n);
    });
    es.addEventListener('spool', (ev) => {
      let o; try { o = JSON.parse(ev.data); } catch (e) { return; }
      onSpool(o);
    });
  }

  function stopEvents() {
    clearTimeout(S.reconnectTimer);
    if (S.es) { S.es.close(); S.es = null; }
  }

  function scheduleReconnect() {
    clearTimeout(S.reconnectTimer);
    S.reconnectTimer = setTimeout(async () => {
      if (!S.me) return;
      const r = await request('GET', '/api/me');  // a 401 signs the page out
      if (r.status === 200 && r.data) { S.csrf = r.data.csrf; startEvents(); } else if (S.me) scheduleReconnect();
    }, 3000);
  }

  function addNotice(caseId, title, atUs, text, classes) {
    const list = $('notices');
    const li = el('li', { class: `notice fresh ${classes || ''}`.trim(), 'data-case-id': caseId || '' },
      caseId ? el('a', { href: `#/case/${encodeURIComponent(caseId)}` }, title) : el('strong', null, title),
      el('span', { class: 'n-time' }, fmtTime(atUs)),
      text ? el('span', { class: 'n-text' }, text) : null);
    list.prepend(li);
    while (list.children.length > 60) list.lastElementChild.remove();
  }

  let reloadTimer = 0;
  function onNotification(n) {
    if (n.position && S.seen.has(String(n.position))) return;
    if (n.position) S.seen.add(String(n.position));
    const warn = ['deadline_warning', 'breach', 'escalated'].includes(n.kind);
    addNotice(n.case_id, n.title || `新通知：${n.case_id || ''}`, n.occurred_at_us || serverNow() * 1000,
      n.text || '', warn ? 'notice-warn' : '');
    // the lists follow at once (no page reload); a little debounce for bursts
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (['inbox', 'queue', 'due'].includes(S.view)) loadCases(S.view, S.seq);
      else if (S.view === 'case' && S.caseCtx && S.caseCtx.id === n.case_id) loadCase();
    }, 120);
  }

  function onSpool(o) {
    const what = kindLabel(o.kind);
    const id = o.case_id ? ` ${o.case_id}` : '';
    let text, bad = false;
    if (o.status === 'ok') text = `总部已确认：${what}${id}`;
    else if (o.status === 'rejected') { text = `总部未接受：${what}${id}：${o.message || ''}`; bad = true; }
    else text = `${what}${id}：${outcomeText(o)}`;
    flash(text, bad);
    addNotice(o.case_id, text, serverNow() * 1000, '', `notice-spool${bad ? ' notice-warn' : ''}`);
    if (S.view === 'spool') loadSpool(S.seq);
    else if (S.view === 'case' && S.caseCtx && S.caseCtx.id === o.case_id) loadCase();
    else if (['inbox', 'queue', 'due'].includes(S.view)) loadCases(S.view, S.seq);
  }

  /* ------------------------------------------------------------ router */

  const VIEW_TITLES = { inbox: '我的待办', queue: '部门队列', due: '即将到期', find: '查询' };

  async function route() {
    const hash = location.hash || '';
    if (!S.me) { showLogin(); return; }
    if (hash === '' || hash === '#' || hash === '#/' || hash.startsWith('#/login')) {
      location.hash = '#/inbox';
      return;
    }
    const [, name, arg] = hash.match(/^#\/([a-z]+)(?:\/(.*))?$/) || [];
    const seq = ++S.seq;
    S.caseCtx = null;
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.id === `nav-${name}`);
    switch (name) {
      case 'inbox': case 'queue': case 'due': return showCases(name, seq);
      case 'find': return showFind(seq);
      case 'new': return showNew(seq);
      case 'spool': return showSpool(seq);
      case 'case': return showCase(decodeURIComponent(arg || ''), seq);
      default: location.hash = '#/inbox';
    }
  }

  function setView(name, ...content) {
    S.view = name;
    $('main').replaceChildren(...content);
    window.scrollTo(0, 0);
  }

  const fresh = (seq) => seq === S.seq;

  /* --------------------------------------------------- the case tables */

  function personName(c, key) { return c[`${key}_name`] || c[`${key}_id`] || ''; }

  function stateBadge(c) {
    return [el('span', { class: `state state-${c.state}` }, CASE_STATES[c.state] || c.state || '—'),
      c.waiting ? el('span', { class: 'flag' }, '等待客户') : null,
      c.pending_to_department_id ? el('span', { class: 'flag' }, '转交待签收') : null];
  }

  function deadlineCell(c) {
    const dls = c.deadlines || [];
    if (!dls.length) return el('span', { class: 'muted' }, '—');
    return dls.map((d) => el('div', { class: 'deadline' },
      el('span', { class: 'dl-kind' }, DEADLINE_KINDS[d.kind] || d.kind_name || d.kind),
      countdownEl(d, c.waiting),
      el('span', { class: 'dl-due' }, `到期 ${fmtTime(d.due_at_us)}`)));
  }

  /* The signed-in person may sign for it: named, or their department's and nobody named. */
  function mayAccept(c) {
    if (!S.me || !c.pending_to_department_id) return false;
    if (c.pending_to_staff_id) return c.pending_to_staff_id === S.me.staff_id;
    return c.pending_to_department_id === S.me.department_id;
  }

  function casesTable(cases, emptyText) {
    const body = el('tbody');
    for (const c of cases) {
      const cust = c.customer || {};
      const roles = (c.roles || []).map((r) => el('span', { class: `role role-${r}` }, ROLES[r] || r));
      const accept = mayAccept(c)
        ? el('button', { type: 'button', class: 'accept-btn', onclick: (ev) => acceptFromRow(c.case_id, ev.currentTarget) }, '签收')
        : null;
      body.append(el('tr', { class: 'case-row', 'data-case-id': c.case_id },
        el('td', null, el('a', { class: 'case-link', href: `#/case/${encodeURIComponent(c.case_id)}` }, c.case_id),
          el('span', { class: 'sub' }, fmtTime(c.received_at_us))),
        el('td', null, stateBadge(c)),
        el('td', null, cust.name || '—', cust.unit ? el('span', { class: 'sub' }, cust.unit) : null),
        el('td', { class: 'matter' }, c.matter || '', c.category_name ? el('span', { class: 'sub' }, c.category_name) : null),
        el('td', null, roles.length ? roles : el('span', { class: 'muted' }, '—')),
        el('td', null, personName(c, 'handler') || '—',
          c.department_name ? el('span', { class: 'sub' }, c.department_name) : null),
        el('td', null, deadlineCell(c)),
        el('td', { class: 'nowrap' }, accept)));
    }
    if (!cases.length) body.append(el('tr', null, el('td', { class: 'empty', colspan: 8 }, emptyText || '暂无案件')));
    return el('table', { id: 'cases-table' },
      el('thead', null, el('tr', null, ['案件号', '状态', '客户', '事项', '我的角色', '当前经办', '时限', ''].map((t) => el('th', null, t)))),
      body);
  }

  async function acceptFromRow(caseId, btn) {
    const rid = S.acceptIds[caseId] || (S.acceptIds[caseId] = newRequestId());
    btn.disabled = true;
    const o = await submit(`/api/cases/${encodeURIComponent(caseId)}/actions`, { request_id: rid, kind: 'accept' });
    btn.disabled = false;
    if (o.quiet) return;
    if (o.status !== 'retry') delete S.acceptIds[caseId];
    flash(outcomeText({ case_id: caseId, ...o }, `已签收 ${caseId}`), o.status === 'rejected' || o.status === 'retry');
    if (['inbox', 'queue', 'due'].includes(S.view)) loadCases(S.view, S.seq);
    else if (S.view === 'find') runFind(S.seq);
  }

  function showCases(name, seq) {
    const head = el('div', { class: 'view-head' }, el('h2', null, VIEW_TITLES[name]), el('span', { class: 'grow' }));
    if (name === 'due') {
      const sel = el('select', { id: 'due-within', onchange: () => { S.dueWithin = sel.value; loadCases('due', S.seq); } },
        [['30', '30 分钟内'], ['60', '1 小时内'], ['120', '2 小时内'], ['240', '4 小时内'], ['480', '8 小时内'], ['1440', '24 小时内']]
          .map(([v, t]) => option(v, t, v === S.dueWithin)));
      head.append(el('label', { for: 'due-within', class: 'muted' }, '到期范围'), sel);
    }
    head.append(el('button', { type: 'button', class: 'secondary', onclick: () => loadCases(name, S.seq) }, '刷新'));
    setView(name, head, el('div', { id: 'cases-box' }, el('div', { class: 'loading' }, '正在读取…')));
    return loadCases(name, seq);
  }

  async function loadCases(name, seq) {
    const path = name === 'due' ? `/api/due?within=${encodeURIComponent(S.dueWithin)}` : `/api/${name}`;
    let data;
    try { data = await getJSON(path); } catch (e) {
      if (fresh(seq) && !e.quiet) flash(e.message, true);
      return;
    }
    const box = $('cases-box');
    if (!fresh(seq) || S.view !== name || !box) return;
    const empty = { inbox: '您名下暂无待办案件', queue: '本部门暂无案件', due: '这段时间内没有到期的时限' }[name];
    box.replaceChildren(casesTable(data.cases || [], empty));
    if (data.message) box.append(el('p', { class: 'note' }, data.message));
  }

  /* ------------------------------------------------------------- find */

  function showFind(seq) {
    const phone = el('input', { id: 'find-phone', type: 'tel', placeholder: '客户电话', value: S.find.phone, autocomplete: 'off' });
    const caseId = el('input', { id: 'find-case', placeholder: '案件号 SW-…', value: S.find.caseId, autocomplete: 'off', spellcheck: 'false' });
    const form = el('form', { class: 'find-form', id: 'find-form' },
      el('label', { for: 'find-phone' }, '电话'), phone,
      el('label', { for: 'find-case' }, '或 案件号'), caseId,
      el('button', { id: 'find-submit', type: 'submit' }, '查询'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      S.find.phone = phone.value.trim();
      S.find.caseId = caseId.value.trim().toUpperCase();
      runFind(S.seq);
    });
    const box = el('div', { id: 'cases-box' },
      S.find.cases ? casesTable(S.find.cases, '没有找到符合条件的案件') : el('p', { class: 'muted' }, '按客户电话或案件号查询本网点的案件。'));
    setView('find', el('div', { class: 'view-head' }, el('h2', null, '查询')), form, box);
    setTimeout(() => phone.focus(), 0);
  }

  async function runFind(seq) {
    const { phone, caseId } = S.find;
    if (!phone && !caseId) { flash('请输入客户电话或案件号', true); return; }
    const q = caseId ? `case_id=${encodeURIComponent(caseId)}` : `phone=${encodeURIComponent(phone)}`;
    let data;
    try { data = await getJSON(`/api/find?${q}`); } catch (e) {
      if (fresh(seq) && !e.quiet) flash(e.message, true);
      return;
    }
    S.find.cases = data.cases || [];
    if (fresh(seq) && S.view === 'find') $('cases-box').replaceChildren(casesTable(S.find.cases, '没有找到符合条件的案件'));
  }

  /* -------------------------------------------------- 首问登记 (new) */

  function field(id, text, input, req) {
    return [el('label', { for: id, class: req ? 'req' : null }, text), input];
  }

  function categoryOptions(selected) {
    const cats = (S.dir && S.dir.categories) || [];
    const inside = cats.filter((c) => !c.outside), outside = cats.filter((c) => c.outside);
    const opt = (c) => {
      const where = c.outside ? '非本单位职责' : (c.department_names || []).join('、') || '职责未明确';
      return option(c.id, `${c.name || c.id}（${where}）`, c.id === selected);
    };
    return [option('', '请选择事项分类', !selected),
      inside.length ? el('optgroup', { label: '本单位事项' }, inside.map(opt)) : null,
      outside.length ? el('optgroup', { label: '非本单位事项（解释指导）' }, outside.map(opt)) : null];
  }

  async function showNew(seq) {
    if (!S.newRequestId) S.newRequestId = newRequestId();
    const form = el('form', { id: 'new-form', class: 'form-grid', autocomplete: 'off' });
    const staffOpts = [option('', '（未指名）', true)].concat(
      ((S.dir && S.dir.staff) || []).map((s) => option(s.id, `${s.name}（${deptName(s.department_id)}）`)));
    form.append(
      ...field('f-unit', '单位', el('input', { id: 'f-unit', placeholder: '客户单位或房号，个人可不填' })),
      ...field('f-name', '姓名', el('input', { id: 'f-name' }), true),
      ...field('f-phone', '电话', el('input', { id: 'f-phone', type: 'tel' }), true),
      ...field('f-matter', '事项', el('textarea', { id: 'f-matter', rows: 3, placeholder: '客户诉求，尽量写清时间、地点、经过' }), true),
      ...field('f-channel', '渠道', el('select', { id: 'f-channel' }, CHANNELS.map(([v, t]) => option(v, t, v === 'visit')))),
      ...field('f-kind', '类别', el('select', { id: 'f-kind' }, KINDS.map(([v, t]) => option(v, t, v === 'consultation')))),
      ...field('f-urgency', '紧急程度', el('select', { id: 'f-urgency' }, URGENCIES.map(([v, t]) => option(v, t, v === 'normal')))),
      ...field('f-category', '事项分类', el('select', { id: 'f-category' }, categoryOptions('')), true),
      ...field('f-named', '客户指名', el('select', { id: 'f-named' }, staffOpts)),
      el('label', null, '登记预览'),
      el('div', { id: 'preview' }, el('span', { class: 'muted' }, '选择事项分类后，这里显示首问责任人和归口部门。')),
      el('div', { class: 'actions-row' },
        el('button', { id: 'f-submit', type: 'submit' }, '登记'),
        el('span', { class: 'muted' }, '您是首问人：登记后须跟进至办结。')));
    form.addEventListener('submit', onNewSubmit);
    for (const id of ['f-category', 'f-channel', 'f-named']) form.querySelector(`#${id}`).addEventListener('change', updatePreview);
    setView('new', el('div', { class: 'view-head' }, el('h2', null, '首问登记')), form, el('div', { id: 'new-result', hidden: true }));
    setTimeout(() => $('f-unit') && $('f-unit').focus(), 0);
    if (!S.dir) {  // the organisation may not have been loaded yet
      await loadDirectory();
      if (fresh(seq) && S.dir) {
        $('f-category').replaceChildren(...categoryOptions('').filter(Boolean));
        $('f-named').append(...(S.dir.staff || []).map((s) => option(s.id, `${s.name}（${deptName(s.department_id)}）`)));
      }
    }
  }

  function deptName(id) {
    const d = S.dir && (S.dir.departments || []).find((x) => x.id === id);
    return d ? d.name : id || '';
  }

  let previewSeq = 0;
  async function updatePreview() {
    const box = $('preview');
    const category = $('f-category').value;
    if (!category) {
      box.replaceChildren(el('span', { class: 'muted' }, '选择事项分类后，这里显示首问责任人和归口部门。'));
      return;
    }
    const mine = ++previewSeq;
    const body = { category, channel: $('f-channel').value };
    if ($('f-named').value) body.named_employee_id = $('f-named').value;
    const r = await request('POST', '/api/preview', body);
    if (mine !== previewSeq || !$('preview')) return;
    if (r.status !== 200 || !r.data) { box.replaceChildren(el('span', { class: 'error-text' }, errorText(r))); return; }
    const p = r.data;
    box.replaceChildren(el('dl', null,
      el('dt', null, '首问责任人'), el('dd', null, p.natural_owner_name || p.natural_owner_id || '—'),
      el('dt', null, '归口部门'), el('dd', null, p.department_name || p.department_id || '—（非本单位职责或职责未明确）'),
      el('dt', null, '告知'), el('dd', { class: 'notice-text' }, p.notice || '—')));
  }

  async function onNewSubmit(ev) {
    ev.preventDefault();
    const v = (id) => $(id).value.trim();
    const body = {
      request_id: S.newRequestId, unit: v('f-unit'), name: v('f-name'), phone: v('f-phone'),
      matter: v('f-matter'), channel: v('f-channel'), kind: v('f-kind'), urgency: v('f-urgency'),
      category: v('f-category'),
    };
    if (v('f-named')) body.named_employee_id = v('f-named');
    const btn = $('f-submit');
    btn.disabled = true;
    let o;
    try { o = await submit('/api/inquiries', body); } finally { if ($('f-submit')) btn.disabled = false; }
    if (o.quiet) return;
    const result = $('new-result');
    if (o.status === 'ok' || o.status === 'spooled') {
      // a new form fill from here on: a new request id
      S.newRequestId = newRequestId();
      const idEl = el('a', { id: 'new-case-id', href: `#/case/${encodeURIComponent(o.case_id || '')}` }, o.case_id || '');
      const text = o.status === 'ok'
        ? ['已登记，案件号 ', idEl]
        : ['已在本网点登记，等待总部确认（案件号 ', idEl, '）'];
      flash(o.status === 'ok' ? `已登记，案件号 ${o.case_id}` : `已在本网点登记，等待总部确认（案件号 ${o.case_id || '待定'}）`, false);
      if (result) {
        result.className = o.status === 'ok' ? '' : 'pending';
        result.replaceChildren(...text);
        result.hidden = false;
      }
      for (const id of ['f-unit', 'f-name', 'f-phone', 'f-matter']) $(id).value = '';
      $('f-named').value = '';
    } else if (o.status === 'rejected') {
      S.newRequestId = newRequestId();  // the form will change: a new request
      flash(o.message || '登记未被接受', true);
      if (result) result.hidden = true;
    } else {
      flash(outcomeText(o), true);  // retry: the same request id is sent again
    }
  }

  /* ----------------------------------------------------- the case page */

  function showCase(id, seq) {
    const view = el('section', { id: 'case-view', 'data-case-id': id },
      el('div', { class: 'view-head' }, el('h2', null, `案件详情 ${id}`), el('span', { class: 'grow' }),
        el('button', { type: 'button', class: 'secondary', onclick: () => loadCase() }, '刷新')),
      el('div', { id: 'case-summary' }, el('div', { class: 'loading' }, '正在读取…')),
      el('div', { id: 'case-actions' }),
      buildActionForm(),
      el('h3', null, '办理记录'),
      el('table', { id: 'timeline' },
        el('thead', null, el('tr', null, el('th', null, '时间'), el('th', null, '记录'), el('th', null, '序号'))),
        el('tbody')));
    setView('case', view);
    S.caseCtx = { id, seq, data: null, action: '', requestId: '', checklist: [], parsed: false, checked: new Set(), override: false, guidance: false };
    loadDirectory().then(() => { if (S.caseCtx && fresh(seq)) fillDepartments(); });
    return loadCase();
  }

  async function loadCase() {
    const ctx = S.caseCtx;
    if (!ctx) return;
    let data;
    try { data = await getJSON(`/api/cases/${encodeURIComponent(ctx.id)}`); } catch (e) {
      if (S.caseCtx === ctx && !e.quiet) {
        flash(e.message, true);
        $('case-summary').replaceChildren(el('p', { class: 'error-text' }, e.message));
      }
      return;
    }
    if (S.caseCtx !== ctx || !fresh(ctx.seq)) return;
    ctx.data = data;
    renderSummary(data.case);
    renderActionButtons(data.case);
    renderTimeline(data.timeline || []);
  }

  function renderSummary(c) {
    const box = $('case-summary');
    if (!c) { box.replaceChildren(el('p', { class: 'error-text' }, '没有找到此案件，或本网点无权查看。')); return; }
    const cust = c.customer || {};
    const item = (k, ...v) => el('div', { class: 'item' }, el('dt', null, k), el('dd', null, ...v));
    const pending = c.pending_to_department_id
      ? `${c.pending_to_department_name || c.pending_to_department_id}${c.pending_to_staff_id ? ' ' + personName(c, 'pending_to_staff') : ''}`
      : '—';
    const dls = c.deadlines || [];
    box.replaceChildren(
      el('dl', { class: 'summary-grid' },
        item('状态', stateBadge(c)),
        item('客户', cust.name || '—', cust.unit ? `（${cust.unit}）` : ''),
        item('客户电话', cust.phone || '—'),
        item('事项分类', c.category_name || c.category || '—'),
        item('类别', label(KINDS, c.kind)),
        item('渠道', label(CHANNELS, c.channel)),
        item('紧急程度', label(URGENCIES, c.urgency)),
        item('登记时间', fmtTime(c.received_at_us)),
        item('登记人', personName(c, 'receiver_staff') || '—'),
        item('首问责任人', personName(c, 'first_owner') || '—'),
        item('事实首问责任人', personName(c, 'factual_owner') || '—'),
        item('当前经办', personName(c, 'handler') || '—'),
        item('归口部门', c.department_name || c.department_id || '—'),
        item('待签收', pending),
        item('我的角色', (c.roles || []).length ? c.roles.map((r) => el('span', { class: `role role-${r}` }, ROLES[r] || r)) : '—')),
      el('div', { class: 'matter-box' }, c.matter || ''),
      dls.length ? el('table', { class: 'deadlines-table' },
        el('thead', null, el('tr', null, ['时限', '责任人', '到期时间', '倒计时'].map((t) => el('th', null, t)))),
        el('tbody', null, dls.map((d) => el('tr', null,
          el('td', null, DEADLINE_KINDS[d.kind] || d.kind_name || d.kind),
          el('td', null, d.holder_staff_name || d.holder_staff_id || d.department_name || '—'),
          el('td', { class: 'nowrap' }, fmtTime(d.due_at_us)),
          el('td', null, countdownEl(d, c.waiting))))))
        : el('p', { class: 'muted' }, '没有正在计时的时限。'));
  }

  function renderTimeline(entries) {
    const body = $('timeline').tBodies[0];
    body.replaceChildren(...entries.map((t) => el('tr', {
      class: `timeline-row${t.type === 'command.rejected' ? ' tl-rejected' : ''}${/^(sla|command)\./.test(t.type || '') && t.type !== 'command.rejected' ? ' tl-system' : ''}`,
      'data-position': t.position,
    },
    el('td', { class: 'nowrap' }, fmtTime(t.at_us, true)),
    el('td', { class: 'summary' }, t.summary || t.type || ''),
    el('td', { class: 'pos' }, String(t.position || '')))));
    if (!entries.length) body.append(el('tr', null, el('td', { class: 'empty', colspan: 3 }, '暂无记录')));
  }

  /* Which actions make sense now (the hub decides in the end). */
  function availableActions(c) {
    if (!c) return [];
    if (c.state === 'closed') return ['reopen'];
    return Object.keys(ACTIONS).filter((k) => {
      if (k === 'accept') return !!c.pending_to_department_id;
      if (k === 'reopen') return c.state === 'resolved';
      if (k === 'callback') return c.state === 'resolved';
      if (k === 'resume') return !!c.waiting;
      if (k === 'wait_customer') return !c.waiting;
      return true;
    });
  }

  function renderActionButtons(c) {
    const box = $('case-actions');
    const ctx = S.caseCtx;
    box.replaceChildren(...availableActions(c).map((k) => el('button', {
      type: 'button', 'data-action': k, class: ctx.action === k ? 'chosen' : null, onclick: () => openAction(k),
    }, ACTIONS[k].label)));
  }

  /* One form for every action; only the fields of the chosen one show. */
  function buildActionForm() {
    // each wrapper (.fw, display: contents) holds a label and a control: grid cells
    const w = (name, ...kids) => el('div', { class: 'fw', 'data-field': name }, ...kids);
    const form = el('form', { id: 'action-form', hidden: true, autocomplete: 'off' },
      el('h3', { id: 'a-title' }, ''),
      el('div', { class: 'form-grid' },
        el('p', { id: 'a-confirm', class: 'hint-line', hidden: true }),
        w('department', el('label', { for: 'a-department' }, '接收部门'),
          el('select', { id: 'a-department', onchange: () => fillStaff(false) }, option('', '请选择部门'))),
        w('staff', el('label', { for: 'a-staff', id: 'a-staff-label' }, '接收人'),
          el('select', { id: 'a-staff' }, option('', '（不指定）'))),
        w('opinion', el('label', { for: 'a-opinion', id: 'a-opinion-label' }, '意见'),
          el('textarea', { id: 'a-opinion', rows: 2 })),
        w('text', el('label', { for: 'a-text', id: 'a-text-label' }, '内容'),
          el('textarea', { id: 'a-text', rows: 3 })),
        w('checklist', el('label', null, '一次性告知'), el('div', { id: 'a-checklist', class: 'checklist' })),
        w('reached', el('label', { for: 'a-reached' }, '联系结果'),
          el('label', { class: 'inline' }, el('input', { id: 'a-reached', type: 'checkbox' }), ' 已联系上客户')),
        w('rating', el('label', { for: 'a-rating' }, '满意度'),
          el('select', { id: 'a-rating' }, option('', '请选择（联系上客户时必填）'),
            ['1 很不满意', '2 不满意', '3 基本满意', '4 满意', '5 非常满意'].map((t) => option(t[0], t)))),
        w('reason', el('label', { for: 'a-reason', id: 'a-reason-label' }, '理由'),
          el('textarea', { id: 'a-reason', rows: 2 })),
        w('guidance', el('label', { for: 'a-guidance' }, '已告知的指引'),
          el('textarea', { id: 'a-guidance', rows: 3, placeholder: '非本单位职责的事项：写明已向客人解释并指导的内容' })),
        w('override', el('label', { for: 'a-override-reason' }, '确需使用的理由'),
          el('input', { id: 'a-override-reason', placeholder: '含服务忌语：确需原样使用时写明理由（将记录在案），否则请修改措辞' })),
        el('div', { class: 'actions-row' },
          el('button', { id: 'a-submit', type: 'submit' }, '提交'),
          el('button', { id: 'a-cancel', type: 'button', class: 'secondary', onclick: closeAction }, '取消'))));
    form.addEventListener('submit', onActionSubmit);
    return form;
  }

  function fillDepartments() {
    const sel = $('a-department');
    if (!sel || !S.dir) return;
    const keep = sel.value;
    sel.replaceChildren(option('', '请选择部门'),
      ...(S.dir.departments || []).map((d) => option(d.id, d.location ? `${d.name}（${d.location}）` : d.name, d.id === keep)));
  }

  /* #a-staff: the chosen department's people (transfer, forward), or
     the organisation's leaders (contact_leader, R19: /api/directory's
     `leaders`, names only, wherever they work). */
  function fillStaff(everyone) {
    const sel = $('a-staff');
    const dept = $('a-department').value;
    const staff = everyone
      ? ((S.dir && (S.dir.leaders || S.dir.staff)) || [])
      : ((S.dir && S.dir.staff) || []).filter((s) => dept && s.department_id === dept);
    sel.replaceChildren(option('', everyone ? '请选择领导' : '（不指定，由部门签收）'),
      ...staff.filter((s) => !S.me || s.id !== S.me.staff_id || everyone)
        .map((s) => option(s.id, everyone ? `${s.name}（${deptName(s.department_id)}）` : `${s.name}（${s.id}）`)));
  }

  function caseCategory() {
    const c = S.caseCtx && S.caseCtx.data && S.caseCtx.data.case;
    return c && S.dir ? (S.dir.categories || []).find((x) => x.id === c.category) : null;
  }

  function openAction(kind) {
    const ctx = S.caseCtx;
    const a = ACTIONS[kind];
    if (!ctx || !a) return;
    if (ctx.action !== kind) {
      // a new form fill: a new request id, cleared fields
      ctx.action = kind;
      ctx.requestId = newRequestId();
      ctx.override = false;
      ctx.guidance = false;
      ctx.checked = new Set();
      for (const id of ['a-opinion', 'a-text', 'a-reason', 'a-override-reason', 'a-rating']) $(id).value = '';
      $('a-reached').checked = false;
      $('a-department').value = '';
      const cat = caseCategory();
      $('a-guidance').value = cat && cat.outside ? cat.guidance || '' : '';
      // a checklist the organisation gives for the category (when the API has one)
      ctx.checklist = cat && Array.isArray(cat.checklist) ? cat.checklist.slice() : [];
      ctx.parsed = false;
    }
    fillDepartments();
    fillStaff(kind === 'contact_leader');
    $('a-title').textContent = `${a.label}：${ctx.id}`;
    $('a-staff-label').textContent = kind === 'contact_leader' ? '领导' : '接收人（可选）';
    $('a-opinion-label').textContent = a.opinion || '意见';
    $('a-opinion').placeholder = a.opinionHint || '';
    $('a-text-label').textContent = a.text || '内容';
    $('a-reason-label').textContent = a.reason || '理由';
    $('a-reason').placeholder = kind === 'contact_leader' ? '可选：客人希望与领导沟通的事项' : '';
    $('a-submit').textContent = `提交${a.label}`;
    $('a-confirm').textContent = a.confirm || '';
    $('a-confirm').hidden = !a.confirm;
    renderChecklist();
    showFields();
    $('action-form').hidden = false;
    for (const b of document.querySelectorAll('#case-actions button')) b.classList.toggle('chosen', b.dataset.action === kind);
    const first = $('action-form').querySelector('.fw:not([hidden]) textarea, .fw:not([hidden]) select, .fw:not([hidden]) input');
    (first || $('a-submit')).focus();
  }

  function showFields() {
    const ctx = S.caseCtx;
    const a = ACTIONS[ctx.action];
    const cat = caseCategory();
    const shown = new Set(a.fields);
    shown.delete('staff');
    if (a.fields.includes('staff') || a.fields.includes('leader')) shown.add('staff');
    if (ctx.action === 'close' && !(cat && cat.outside) && !ctx.guidance) shown.delete('guidance');
    if (ctx.action === 'reply' && !ctx.checklist.length) shown.delete('checklist');
    if (ctx.override && OVERRIDABLE.includes(ctx.action)) shown.add('override');
    for (const fw of $('action-form').querySelectorAll('.fw')) fw.hidden = !shown.has(fw.dataset.field);
  }

  function renderChecklist() {
    const ctx = S.caseCtx;
    $('a-checklist').replaceChildren(...ctx.checklist.map((item, i) => el('label', null,
      el('input', { type: 'checkbox', class: 'a-check', 'data-index': i, checked: ctx.checked.has(item),
        onchange: (ev) => { if (ev.target.checked) ctx.checked.add(item); else ctx.checked.delete(item); } }),
      el('span', null, item))));
  }

  /* The items a CHECKLIST_INCOMPLETE refusal names: 「…还须告知：甲；乙；丙」. */
  function parseChecklist(message) {
    const at = message.indexOf('还须告知：');
    const rest = at >= 0 ? message.slice(at + 5) : message.slice(message.indexOf('：') + 1);
    return rest.replace(/[。\s]+$/, '').split('；').map((s) => s.trim()).filter(Boolean);
  }

  /* The attested items.  Items taken from a refusal were split at 「；」,
     which an item may itself contain: consecutive ticked pieces are also
     sent joined, so the organisation's exact item is among them. */
  function attested() {
    const ctx = S.caseCtx;
    const ticked = ctx.checklist.map((x) => ctx.checked.has(x));
    const out = ctx.checklist.filter((x, i) => ticked[i]);
    if (ctx.parsed) {
      for (let i = 0; i < ticked.length; i++) {
        for (let j = i + 1; j < ticked.length && ticked[j] && ticked[i]; j++) {
          out.push(ctx.checklist.slice(i, j + 1).join('；'));
        }
      }
    }
    return out.slice(0, 32);
  }

  function closeAction() {
    const ctx = S.caseCtx;
    if (ctx) ctx.action = '';
    $('action-form').hidden = true;
    for (const b of document.querySelectorAll('#case-actions button')) b.classList.remove('chosen');
  }

  function actionBody() {
    const ctx = S.caseCtx;
    const kind = ctx.action;
    const a = ACTIONS[kind];
    const v = (id) => $(id).value.trim();
    const body = { request_id: ctx.requestId, kind };
    const f = new Set(a.fields);
    if (f.has('department')) {
      body.to_department_id = v('a-department');
      if (v('a-staff')) body.to_staff_id = v('a-staff');
    }
    if (f.has('leader')) body.to_staff_id = v('a-staff');
    if (f.has('opinion')) {
      body.opinion = v('a-opinion');
      if (kind === 'transfer') body.reason = body.opinion;  // 转交理由: the transfer's reason too
    }
    if (f.has('text')) body.text = v('a-text');
    if (f.has('reason')) body.reason = v('a-reason');
    if (kind === 'reply' && ctx.checklist.length) body.checklist_attested = attested();
    if (kind === 'callback') {
      body.reached = $('a-reached').checked;
      if (body.reached && v('a-rating')) body.rating = Number(v('a-rating'));
    }
    if (kind === 'close' && v('a-guidance') && !$('a-guidance').closest('.fw').hidden) body.guidance = v('a-guidance');
    if (ctx.override && v('a-override-reason')) {
      body.phrase_override = true;
      body.override_reason = v('a-override-reason');
    }
    return body;
  }

  async function onActionSubmit(ev) {
    ev.preventDefault();
    const ctx = S.caseCtx;
    if (!ctx || !ctx.action) return;
    const kind = ctx.action;
    if ((kind === 'transfer' || kind === 'forward') && !$('a-department').value) {
      flash('请选择接收部门', true);
      return;
    }
    if (kind === 'contact_leader' && !$('a-staff').value) {
      flash('请选择要联系的领导', true);
      return;
    }
    const btn = $('a-submit');
    btn.disabled = true;
    let o;
    try { o = await submit(`/api/cases/${encodeURIComponent(ctx.id)}/actions`, actionBody()); } finally { btn.disabled = false; }
    if (o.quiet || S.caseCtx !== ctx) return;
    const what = ACTIONS[kind].label;
    if (o.status === 'ok' || o.status === 'spooled') {
      const okText = kind === 'contact_leader'
        ? '已提交：已将来访者的联系方式转告领导，由领导与其联系（工作台不显示领导的联系方式）'
        : `已提交：${what}`;
      flash(o.status === 'ok' ? okText : `${what}：${outcomeText(o)}`, false);
      closeAction();
    } else if (o.status === 'rejected') {
      flash(o.message || `${what}未被接受`, true);
      ctx.requestId = newRequestId();  // the form is corrected and sent as a new request
      if (o.code === 'FORBIDDEN_PHRASE') ctx.override = true;
      if (o.code === 'GUIDANCE_REQUIRED') ctx.guidance = true;
      if (o.code === 'CHECKLIST_INCOMPLETE' && o.message) {
        const items = parseChecklist(o.message);
        if (items.length && !ctx.checklist.length) { ctx.checklist = items; ctx.parsed = true; }
        renderChecklist();
      }
      showFields();
    } else {
      flash(`${what}：${outcomeText(o)}`, true);  // retry: the same request id again
    }
    loadCase();  // the timeline shows the outcome too
  }

  /* ------------------------------------------------- 待总部确认 (spool) */

  function showSpool(seq) {
    setView('spool',
      el('div', { class: 'view-head' }, el('h2', null, '待总部确认'), el('span', { class: 'grow' }),
        el('button', { type: 'button', class: 'secondary', onclick: () => loadSpool(S.seq) }, '刷新')),
      el('div', { id: 'spool-box' }, el('div', { class: 'loading' }, '正在读取…')));
    return loadSpool(seq);
  }

  async function loadSpool(seq) {
    let data;
    try { data = await getJSON('/api/spool'); } catch (e) {
      if (fresh(seq) && !e.quiet) flash(e.message, true);
      return;
    }
    const box = $('spool-box');
    if (!fresh(seq) || S.view !== 'spool' || !box) return;
    const reqs = data.requests || [];
    const rows = reqs.map((r) => el('tr', { class: `spool-row spool-${r.state}`, 'data-request-id': r.request_id },
      el('td', { class: 'nowrap' }, fmtTime(r.added_at_us)),
      el('td', null, kindLabel(r.kind)),
      el('td', null, r.case_id ? el('a', { class: 'case-link', href: `#/case/${encodeURIComponent(r.case_id)}` }, r.case_id) : '—'),
      el('td', null, el('span', { class: `state ${r.state === 'rejected' ? 'state-closed' : r.state === 'pending' ? 'state-resolved' : ''}` },
        SPOOL_STATES[r.state] || r.state)),
      el('td', { class: r.state === 'rejected' ? 'error-text' : null }, r.message || ''),
      el('td', { class: 'muted' }, r.request_id)));
    if (!rows.length) rows.push(el('tr', null, el('td', { class: 'empty', colspan: 6 }, '您近期没有提交过登记或操作')));
    box.replaceChildren(
      el('p', null, `本网点尚待总部确认：${data.pending || 0} 项`,
        data.hub_up === undefined ? null : el('span', { class: data.hub_up ? 'muted' : 'error-text' },
          data.hub_up ? '（与总部连接正常）' : '（与总部的连接中断：登记与操作已保存在本网点，恢复后自动送达）')),
      el('h3', null, '我最近提交的请求'),
      el('table', { id: 'spool-table' },
        el('thead', null, el('tr', null, ['提交时间', '事项', '案件号', '状态', '说明', '请求号'].map((t) => el('th', null, t)))),
        el('tbody', null, rows)));
  }

  /* -------------------------------------------------------------- start */

  async function init() {
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', onLogout);
    $('flash-close').addEventListener('click', () => { $('flash-bar').hidden = true; });
    $('notices').replaceChildren();
    window.addEventListener('hashchange', route);
    setInterval(tick, 1000);
    const r = await request('GET', '/api/me');
    if (r.status === 200 && r.data) {
      await startSession(r.data);
      route();
    } else {
      if (r.status !== 401) $('login-error').textContent = errorText(r);
      if (location.hash && !location.hash.startsWith('#/login')) S.afterLogin = location.hash;
      if (!location.hash.startsWith('#/login')) history.replaceState(null, '', '#/login');
      showLogin();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
