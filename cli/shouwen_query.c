/*  shouwen_query: inbox, queue, due, find and watch (see shouwen_query.h).

    Queries are resent with the same request id on RETRY or silence, like
    every request of the CLI.  watch subscribes its connection; intake
    pushes notification batches on it, each notification named by its log
    position; the CLI shows a position only if it is above the last it
    showed, acks every 5 s (which keeps the watch alive), and on silence or
    NOT_WATCHING (a restarted hub) watches again from the last position on
    a fresh connection: nothing is lost, nothing shown twice. */
#include "shouwen_query.h"
#include "shouwen_i18n.h"
#include "shouwen_verbs.h"
#include "sw_alloc.h"
#include "sw_zap.h"

#include <sodium.h>
#include <time.h>

#include "sw_envelope.h"
#include "sw_json.h"

#define S_EXIT_REJECTED  2
#define S_EXIT_NO_ANSWER 75
#define S_EXIT_USAGE     64
#define S_ACK_MS         5000  /* a watch acks this often */
#define S_SILENCE_MS     12000 /* no word from the hub this long: watch again */

/* ------------------------------------------------------------ the link */

zsock_t *shouwen_connect(const shouwen_link_t *l)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    zsock_set_linger(dealer, 0);
    /* CURVE: the hub knows this branch by its key */
    if ((l->cert || l->server_cert) &&
        (!l->cert || !l->server_cert ||
         sw_curve_client(dealer, l->cert, l->server_cert) != 0)) {
        fprintf(stderr, _("shouwen: need both --cert (with its _secret file) and "
                          "--server-cert for CURVE\n"));
        zsock_destroy(&dealer);
        return NULL;
    }
    if (zsock_connect(dealer, "%s", l->endpoint) != 0) {
        fprintf(stderr, _("shouwen: bad endpoint '%s'\n"), l->endpoint);
        zsock_destroy(&dealer);
    }
    return dealer;
}

void shouwen_fresh_request_id(char *out, size_t size)
{
    uint8_t r[12];
    randombytes_buf(r, sizeof r);
    char hex[25];
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(out, size, "cli-%s", hex);
}

static void s_address(const shouwen_link_t *l, Shouwen__V1__BranchRequest *req, char *id,
                      size_t size, const char *given)
{
    if (given)
        snprintf(id, size, "%s", given);
    else
        shouwen_fresh_request_id(id, size);
    req->request_id = id;
    req->branch_id = (char *)(l->branch_id ? l->branch_id : "");
    req->protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
}

static int s_send(zsock_t *dealer, Shouwen__V1__BranchRequest *req)
{
    zsock_set_sndtimeo(dealer, 1000);
    zframe_t *out = sw_pack_frame(&req->base);
    if (zframe_send(&out, dealer, 0) != 0) {
        zframe_destroy(&out);
        return -1;
    }
    return 0;
}

static Shouwen__V1__BranchReply *s_recv(zsock_t *dealer, int timeout_ms)
{
    zsock_set_rcvtimeo(dealer, timeout_ms);
    zframe_t *in = zframe_recv(dealer);
    if (!in)
        return NULL;
    Shouwen__V1__BranchReply *reply =
        shouwen__v1__branch_reply__unpack(NULL, zframe_size(in), zframe_data(in));
    zframe_destroy(&in);
    return reply;
}

/* Send req until OK or REJECTED; *reply_p the OK answer (caller frees). */
static int s_ask(const shouwen_link_t *l, Shouwen__V1__BranchRequest *req,
                 double timeout_s, Shouwen__V1__BranchReply **reply_p)
{
    *reply_p = NULL;
    zsock_t *dealer = shouwen_connect(l);
    if (!dealer)
        return S_EXIT_USAGE;
    int64_t give_up = zclock_mono() + (int64_t)(timeout_s * 1000);
    int rc = S_EXIT_NO_ANSWER, backoff = 100;
    char last[240];
    snprintf(last, sizeof last, "%s", _("no answer from the hub"));
    while (zclock_mono() < give_up && rc == S_EXIT_NO_ANSWER) {
        if (s_send(dealer, req) != 0) {
            zclock_sleep(100);
            continue;
        }
        int64_t wait = give_up - zclock_mono();
        Shouwen__V1__BranchReply *reply =
            s_recv(dealer, wait < 3000 ? (wait > 0 ? (int)wait : 1) : 3000);
        if (!reply)
            continue;
        if (!streq(reply->request_id, req->request_id) && *reply->request_id) {
            shouwen__v1__branch_reply__free_unpacked(reply, NULL);
            continue;
        }
        if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK) {
            *reply_p = reply;
            rc = 0;
            break;
        }
        if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
            fprintf(stderr, _("shouwen: rejected: %s: %s\n"), reply->code,
                    reply->message);
            rc = S_EXIT_REJECTED;
        } else
            snprintf(last, sizeof last, "%s: %s", reply->code, reply->message);
        shouwen__v1__branch_reply__free_unpacked(reply, NULL);
        if (rc == S_EXIT_NO_ANSWER) {
            zclock_sleep(backoff);
            backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
        }
    }
    if (rc == S_EXIT_NO_ANSWER)
        fprintf(stderr, _("shouwen: no answer within %.0f s (%s)\n"), timeout_s, last);
    zsock_destroy(&dealer);
    return rc;
}

/* ------------------------------------------------------------ printing */

/* "2026-03-02 09:00 +08:00": the organisation's zone (main set TZ). */
static void s_when(int64_t us, char *buf, size_t size)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    char zone[8], date[24];
    strftime(zone, sizeof zone, "%z", &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    snprintf(buf, size, "%s %.3s:%.2s", date, zone, zone + 3);
}

static const char *s_deadline_kind(int kind)
{
    static const char *names[] = {"时限",     "转交时限", "答复时限", "当日回电",
                                  "回访时限", "办结时限", "阶段反馈", "返岗联系"};
    return kind >= 0 && kind < (int)(sizeof names / sizeof names[0]) ? names[kind]
                                                                     : "时限";
}

static const char *s_deadline_state(int state)
{
    return state == SHOUWEN__V1__DEADLINE_STATE__DEADLINE_STATE_WARNED     ? "已预警"
           : state == SHOUWEN__V1__DEADLINE_STATE__DEADLINE_STATE_BREACHED ? "已超时"
                                                                           : "计时中";
}

static const char *s_case_state(int state)
{
    return state == SHOUWEN__V1__CASE_STATE__CASE_STATE_RESOLVED ? "已办结待回访"
           : state == SHOUWEN__V1__CASE_STATE__CASE_STATE_CLOSED ? "已关闭"
                                                                 : "办理中";
}

static const char *s_role(const char *role)
{
    return streq(role, "first_owner")     ? "首问责任人"
           : streq(role, "factual_owner") ? "实际责任人"
           : streq(role, "handler")       ? "承办人"
           : streq(role, "receiver")      ? "待签收"
                                          : role;
}

static void s_print_case(const Shouwen__V1__CaseSummary *c)
{
    char when[40];
    s_when(c->received_at_us, when, sizeof when);
    printf("%s  %s  受理 %s  %s %s  %s\n", c->case_id, s_case_state(c->state), when,
           c->customer ? c->customer->name : "", c->customer ? c->customer->phone : "",
           c->matter);
    printf("    首问责任人 %s  实际责任人 %s  承办人 %s  部门 %s",
           *c->first_owner_id ? c->first_owner_id : "-",
           *c->factual_owner_id ? c->factual_owner_id : "-",
           *c->handler_id ? c->handler_id : "-",
           *c->department_id ? c->department_id : "-");
    if (*c->pending_to_staff_id || *c->pending_to_department_id)
        printf("  已转交待签收 %s%s%s", c->pending_to_department_id,
               *c->pending_to_staff_id ? "/" : "", c->pending_to_staff_id);
    if (c->waiting)
        printf("  等待客户（计时暂停）");
    if (c->n_roles) {
        printf("  [");
        for (size_t i = 0; i < c->n_roles; i++)
            printf("%s%s", i ? "、" : "", s_role(c->roles[i]));
        printf("]");
    }
    printf("\n");
    for (size_t i = 0; i < c->n_deadlines; i++) {
        const Shouwen__V1__RunningDeadline *d = c->deadlines[i];
        s_when(d->due_at_us, when, sizeof when);
        printf("    %s 到期 %s  %s  %s%s%s\n", s_deadline_kind(d->kind), when,
               s_deadline_state(d->state), d->holder_staff_id,
               *d->department_id ? " " : "", d->department_id);
    }
}

static void s_print_cases(const Shouwen__V1__BranchReply *r, bool json)
{
    if (json) {
        sw_json_t *j = sw_json_new();
        sw_json_message(j, &r->base);
        printf("%s\n", sw_json_text(j));
        sw_json_destroy(&j);
        return;
    }
    for (size_t i = 0; i < r->n_cases; i++)
        s_print_case(r->cases[i]);
    printf("共 %zu 件%s%s（日志位置 %" PRIu64 "）\n", r->n_cases, *r->message ? "，" : "",
           r->message, r->position);
}

static const char *s_kind_text(int kind)
{
    switch (kind) {
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_RECEIVED:
        return "新案件";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_TRANSFERRED:
        return "转交给您";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_RETURNED:
        return "退回给您";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_FORWARDED:
        return "转送给您";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ACCEPTED:
        return "已被签收";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_DEADLINE_WARNING:
        return "时限预警";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_BREACH:
        return "已超时";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ESCALATED:
        return "已升级";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_CALLBACK_DUE:
        return "回访到期";
    case SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_LEADER_CONTACT:
        return "客人要求联系领导";
    default:
        return "通知";
    }
}

static void s_print_notification(const Shouwen__V1__Notification *n, bool json)
{
    if (json) {
        sw_json_t *j = sw_json_new();
        sw_json_message(j, &n->base);
        printf("%s\n", sw_json_text(j));
        sw_json_destroy(&j);
        fflush(stdout);
        return;
    }
    char when[40], due[40] = "";
    s_when(n->occurred_at_us, when, sizeof when);
    if (n->due_at_us)
        s_when(n->due_at_us, due, sizeof due);
    printf("[位置 %" PRIu64 "] %s  %s  %s  给", n->position, when, n->case_id,
           s_kind_text(n->kind));
    for (size_t i = 0; i < n->n_staff_ids; i++)
        printf(" %s", n->staff_ids[i]);
    for (size_t i = 0; i < n->n_department_ids; i++)
        printf(" %s", n->department_ids[i]);
    if (*n->from_staff_id || *n->from_department_id)
        printf("；%s %s%s%s",
               n->kind == SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ACCEPTED
                   ? "签收人"
                   : "来自",
               n->from_staff_id, *n->from_department_id ? " " : "",
               n->from_department_id);
    if (*due)
        printf("；%s 到期 %s", s_deadline_kind(n->deadline_kind), due);
    if (n->level)
        printf("；第 %u 级", n->level);
    if (*n->text)
        printf("；%s", n->text);
    printf("\n");
    fflush(stdout);
}

/* ------------------------------------------------------------- queries */

/* The options (shouwen_verbs.c): --staff, --department, --phone, --case,
   --within, --limit, --callbacks, --from, --for and every request's. */
typedef shouwen_args_t s_args_t;

static int s_query(const shouwen_link_t *l, const char *verb, s_args_t *a)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    char id[80];
    s_address(l, &req, id, sizeof id, a->request_id);
    Shouwen__V1__InboxQuery inbox = SHOUWEN__V1__INBOX_QUERY__INIT;
    Shouwen__V1__QueueQuery queue = SHOUWEN__V1__QUEUE_QUERY__INIT;
    Shouwen__V1__DueQuery due = SHOUWEN__V1__DUE_QUERY__INIT;
    Shouwen__V1__FindQuery find = SHOUWEN__V1__FIND_QUERY__INIT;
    if (streq(verb, "inbox")) {
        inbox.staff_id = (char *)a->staff;
        inbox.limit = a->limit;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_INBOX;
        req.inbox = &inbox;
    } else if (streq(verb, "queue")) {
        queue.department_id = (char *)a->department;
        queue.limit = a->limit;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_QUEUE;
        req.queue = &queue;
    } else if (streq(verb, "due")) {
        due.within_minutes = a->within;
        due.callbacks_only = a->callbacks;
        due.staff_id = (char *)(a->staff ? a->staff : "");
        due.department_id = (char *)(a->department ? a->department : "");
        due.limit = a->limit;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DUE;
        req.due = &due;
    } else {
        if (a->n_operands && !a->case_id)
            a->case_id = a->operands[0]; /* find CASE */
        if (!a->phone && !a->case_id)
            return fprintf(stderr, _("shouwen: find needs --phone P or --case ID\n")),
                   S_EXIT_USAGE;
        find.phone = (char *)(a->phone ? a->phone : "");
        find.case_id = (char *)(a->case_id ? a->case_id : "");
        find.limit = a->limit;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_FIND;
        req.find = &find;
    }
    Shouwen__V1__BranchReply *reply = NULL;
    int rc = s_ask(l, &req, a->timeout_s, &reply);
    if (reply) {
        s_print_cases(reply, a->json);
        shouwen__v1__branch_reply__free_unpacked(reply, NULL);
    }
    return rc;
}

/* --------------------------------------------------------------- watch */

typedef struct {
    const shouwen_link_t *l;
    s_args_t *a;
    zsock_t *dealer;
    char watch_id[80]; /* request id of the current watch */
    uint64_t last;     /* last position shown (or examined) */
    bool started;      /* the hub answered the current watch */
    int64_t heard;     /* when the hub last said anything (mono ms) */
    int64_t acked;     /* when we last acked */
} s_watcher_t;

static int s_watch_send(s_watcher_t *w)
{
    zsock_destroy(&w->dealer);
    w->dealer = shouwen_connect(w->l);
    if (!w->dealer)
        return -1;
    Shouwen__V1__WatchRequest body = SHOUWEN__V1__WATCH_REQUEST__INIT;
    body.from_position = w->last;
    body.n_staff_ids = w->a->staffs.n;
    body.staff_ids = w->a->staffs.items;
    body.n_department_ids = w->a->departments.n;
    body.department_ids = w->a->departments.items;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    s_address(w->l, &req, w->watch_id, sizeof w->watch_id, NULL);
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH;
    req.watch = &body;
    w->started = false;
    w->heard = w->acked = zclock_mono();
    s_send(w->dealer, &req);
    return 0;
}

static void s_watch_ack(s_watcher_t *w)
{
    Shouwen__V1__WatchAck body = SHOUWEN__V1__WATCH_ACK__INIT;
    body.watch_request_id = w->watch_id;
    body.position = w->last;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    char id[80];
    s_address(w->l, &req, id, sizeof id, NULL);
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH_ACK;
    req.watch_ack = &body;
    w->acked = zclock_mono();
    s_send(w->dealer, &req);
}

/* One message from the hub; -1 to stop (refused). */
static int s_watch_reply(s_watcher_t *w, Shouwen__V1__BranchReply *r)
{
    w->heard = zclock_mono();
    if (r->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
        fprintf(stderr, _("shouwen: rejected: %s: %s\n"), r->code, r->message);
        return -1;
    }
    if (r->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY) {
        /* not watching (a restarted hub) or not ready: watch again */
        fprintf(stderr, "shouwen: %s：从位置 %" PRIu64 " 重新订阅\n", r->code, w->last);
        zclock_sleep(500);
        return s_watch_send(w);
    }
    if (!r->notifications || !streq(r->request_id, w->watch_id))
        return 0; /* an ack's answer, or a push for an earlier watch */
    if (!w->started) {
        w->started = true;
        if (!w->a->json)
            fprintf(stderr, "shouwen: 已订阅通知（从位置 %" PRIu64 " 之后）\n", w->last);
    }
    const Shouwen__V1__NotificationBatch *b = r->notifications;
    if (b->oldest_kept && w->last + 1 < b->oldest_kept && w->last)
        fprintf(stderr, "shouwen: 位置 %" PRIu64 " 之前的通知总部已不再保存\n",
                b->oldest_kept);
    for (size_t i = 0; i < b->n_notifications; i++)
        if (b->notifications[i]->position > w->last) {
            s_print_notification(b->notifications[i], w->a->json);
            w->last = b->notifications[i]->position;
        }
    /* the hub examined the log up to b->position for this watch (the first
       answer of a watch "from now" says where now is) */
    if (w->last == UINT64_MAX || b->position > w->last)
        w->last = b->position;
    return 0;
}

static int s_watch(const shouwen_link_t *l, s_args_t *a)
{
    s_watcher_t w = {.l = l, .a = a};
    /* without --from: only what happens from now on */
    w.last = a->from_given ? a->from : UINT64_MAX;
    if (s_watch_send(&w) != 0)
        return S_EXIT_USAGE;
    int64_t stop = a->for_s > 0 ? zclock_mono() + (int64_t)(a->for_s * 1000) : 0;
    int rc = 0;
    while (!zsys_interrupted && (!stop || zclock_mono() < stop)) {
        Shouwen__V1__BranchReply *r = s_recv(w.dealer, 500);
        if (r) {
            int done = s_watch_reply(&w, r);
            shouwen__v1__branch_reply__free_unpacked(r, NULL);
            if (done != 0) {
                rc = S_EXIT_REJECTED;
                break;
            }
        }
        int64_t now = zclock_mono();
        if (now - w.heard > S_SILENCE_MS) {
            fprintf(stderr, "shouwen: 与总部的连接中断，从位置 %" PRIu64 " 恢复订阅\n",
                    w.last);
            s_watch_send(&w);
        } else if (w.started && now - w.acked > S_ACK_MS)
            s_watch_ack(&w);
    }
    if (!a->json)
        fprintf(stderr, "shouwen: 最后显示的位置 %" PRIu64 "\n", w.last);
    zsock_destroy(&w.dealer);
    return rc;
}

int shouwen_query(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    shouwen_link_t link = {.endpoint = a->endpoint,
                           .branch_id = a->branch_id,
                           .cert = a->cert,
                           .server_cert = a->server_cert};
    if (streq(verb->name, "watch"))
        return s_watch(&link, a);
    return s_query(&link, verb->name, a);
}
