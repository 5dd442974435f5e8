/*  intake_server: branch requests in, committed outcomes out.

    Every request comes over CURVE with a key: a branch's (it speaks only
    for its own branch and staff and reads only its own cases) or an
    administrator's (it loads the organisation and the calendar).  Who may
    do what is in docs/security.md; intake_access.c keeps what it takes. */
#include "intake_server_int.h"
#include "sw_alloc.h"
#include "sw_zpl_entries.h"

#include <sodium.h>

#include "intake_access.h"
#include "intake_cases.h"
#include "intake_watch.h"
#include "intake_validate.h"
#include "sw_config.h"
#include "sw_directory.h"
#include "sw_eventid.h"
#include "sw_follower.h"
#include "sw_hub.h"
#include "sw_keyring.h"
#include "sw_log.h"
#include "sw_producer.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

#define S_RECV_BATCH 128  /* branch requests handled per wake-up */
#define S_LOG_BURST  20   /* refusal lines logged per window, at most */
#define S_LOG_WINDOW 10.0 /* seconds */

/* ------------------------------------------------------------ replies */

/* Waiting branches time out on the loop's monotonic time, not on the
   hub's clock (which a test may hold still or move by days). */
int64_t intake_wall_us(intake_server_t *self)
{
    return (int64_t)(ev_now(self->loop) * 1e6);
}

static void s_waiter_clear(intake_waiter_t *w)
{
    zframe_destroy(&w->routing_id);
    free(w->request_id);
}

static void s_waiter_destroy(void **item_p)
{
    intake_waiter_t *w = (intake_waiter_t *)*item_p;
    if (w) {
        s_waiter_clear(w);
        free(w);
        *item_p = NULL;
    }
}

static void s_counter_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

void intake_query_free(void **item_p)
{
    intake_query_t *q = (intake_query_t *)*item_p;
    if (q) {
        s_waiter_clear(&q->w);
        zframe_destroy(&q->request);
        free(q->key);
        free(q);
        *item_p = NULL;
    }
}

void intake_request_free(void **item_p)
{
    intake_request_t *r = (intake_request_t *)*item_p;
    if (r) {
        zlistx_destroy(&r->waiters);
        free(r->code);
        free(r->message);
        free(r);
        *item_p = NULL;
    }
}

void intake_send(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                 Shouwen__V1__BranchReply *reply)
{
    reply->protocol_version = INTAKE_PROTOCOL;
    zframe_t *id = zframe_dup(routing_id);
    zframe_send(&id, self->branches, ZFRAME_MORE | ZFRAME_DONTWAIT);
    if (delimiter)
        zstr_sendm(self->branches, "");
    zframe_t *body = sw_pack_frame(&reply->base);
    zframe_send(&body, self->branches, ZFRAME_DONTWAIT);
}

static void s_count_rejection(intake_server_t *self, const char *code)
{
    self->stats.rejected++;
    uint64_t *n = (uint64_t *)zhashx_lookup(self->rejections, code);
    if (!n) {
        n = (uint64_t *)zmalloc(sizeof(uint64_t));
        zhashx_insert(self->rejections, code, n);
    }
    (*n)++;
}

static bool s_may_log(intake_server_t *self)
{
    double now = ev_now(self->loop);
    if (now - self->log_window >= S_LOG_WINDOW) {
        if (self->log_dropped)
            sw_info("%" PRIu64 " more refusals not logged", self->log_dropped);
        self->log_window = now;
        self->log_lines = 0;
        self->log_dropped = 0;
    }
    if (self->log_lines++ < S_LOG_BURST)
        return true;
    self->log_dropped++;
    return false;
}

static void s_reply_status(intake_server_t *self, const intake_asker_t *a,
                           Shouwen__V1__ReplyStatus status, const char *code,
                           const char *message)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = status;
    reply.code = (char *)code;
    reply.message = (char *)message;
    if (status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
        s_count_rejection(self, code);
        /* a refusal names who was refused: the key and whom it speaks for */
        if (s_may_log(self))
            sw_info("rejected request '%s' from %s %s (key %s): %s: %s", a->request_id,
                    a->who ? a->who->role : "unknown",
                    a->who ? (*a->who->branch ? a->who->branch : a->who->staff) : "-",
                    a->key ? a->key : "-", code, message);
    } else
        self->stats.retry++;
    intake_send(self, a->routing_id, a->delimiter, &reply);
}

void intake_reject(intake_server_t *self, const intake_asker_t *a, const char *code,
                   const char *message)
{
    s_reply_status(self, a, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED, code,
                   message);
}

void intake_retry(intake_server_t *self, const intake_asker_t *a, const char *code,
                  const char *message)
{
    s_reply_status(self, a, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY, code, message);
}

static void s_reply_ok(intake_server_t *self, intake_request_t *r, zframe_t *routing_id,
                       bool delimiter, const char *request_id)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)request_id;
    reply.status = r->code ? SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED
                           : SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.code = r->code;
    reply.message = r->message;
    reply.case_id = r->case_id;
    reply.position = r->position;
    reply.event_id.data = r->event_id;
    reply.event_id.len = SW_EVENTID_SIZE;
    if (r->code)
        s_count_rejection(self, r->code);
    else
        self->stats.ok++;
    intake_send(self, routing_id, delimiter, &reply);
}

/* The outcome of r is committed: answer everyone waiting on it. */
void intake_answer_waiters(intake_server_t *self, intake_request_t *r)
{
    if (!r->waiters)
        return;
    for (intake_waiter_t *w = (intake_waiter_t *)zlistx_first(r->waiters); w;
         w = (intake_waiter_t *)zlistx_next(r->waiters))
        s_reply_ok(self, r, w->routing_id, w->delimiter, w->request_id);
    zlistx_destroy(&r->waiters);
}

void intake_waiter_init(intake_server_t *self, intake_waiter_t *w,
                        const intake_asker_t *a)
{
    w->routing_id = zframe_dup(a->routing_id);
    w->delimiter = a->delimiter;
    w->request_id = sw_strdup(a->request_id);
    w->deadline_us = intake_wall_us(self) + self->ack_timeout_us;
}

static void s_add_waiter(intake_server_t *self, intake_request_t *r,
                         const intake_asker_t *a)
{
    if (!r->waiters) {
        r->waiters = zlistx_new();
        zlistx_set_destructor(r->waiters, s_waiter_destroy);
    }
    intake_waiter_t *w = (intake_waiter_t *)zmalloc(sizeof(intake_waiter_t));
    intake_waiter_init(self, w, a);
    zlistx_add_end(r->waiters, w);
}

/* ---------------------------------------------------------- proposals */

intake_request_t *intake_request_new(const uint8_t *event_id)
{
    intake_request_t *r = (intake_request_t *)zmalloc(sizeof(intake_request_t));
    memcpy(r->event_id, event_id, SW_EVENTID_SIZE);
    sodium_bin2hex(r->key, sizeof r->key, event_id, SW_EVENTID_SIZE);
    sw_caseid_from_event(event_id, r->case_id);
    return r;
}

static void s_envelope(sw_envelope_t *env, intake_request_t *r, int body_case)
{
    env->event_id.data = r->event_id;
    env->event_id.len = SW_EVENTID_SIZE;
    env->type = (char *)sw_envelope_type_for(body_case);
    env->case_id = r->case_id;
    env->body_case = body_case;
}

static int s_propose_inquiry(intake_server_t *self, intake_request_t *r,
                             const intake_asker_t *a, const Shouwen__V1__InquirySubmit *s)
{
    Shouwen__V1__InquiryReceived body = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    body.branch_id = (char *)a->origin;
    body.request_id = (char *)a->request_id;
    body.channel = s->channel;
    body.kind = s->kind;
    body.customer = s->customer;
    body.matter = s->matter;
    body.category = s->category;
    body.urgency = s->urgency;
    body.receiver_staff_id = s->receiver_staff_id;
    body.named_employee_id = s->named_employee_id;
    body.linked_case_id = s->linked_case_id;
    /* when the customer asked, as the branch took it (checked plausible) */
    body.received_at_us =
        s->received_at_us ? s->received_at_us : sw_clock_now_us(self->clock);
    body.request_digest.data = r->digest;
    body.request_digest.len = S_DIGEST;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    s_envelope(&env, r, SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED);
    env.actor = s->receiver_staff_id;
    env.inquiry_received = &body;
    return sw_producer_propose(self->producer, &env);
}

static int s_propose_command(intake_server_t *self, intake_request_t *r,
                             const intake_asker_t *a, Shouwen__V1__Command *command)
{
    Shouwen__V1__CommandReceived body = SHOUWEN__V1__COMMAND_RECEIVED__INIT;
    body.branch_id = (char *)a->origin;
    body.request_id = (char *)a->request_id;
    body.command = command;
    body.request_digest.data = r->digest;
    body.request_digest.len = S_DIGEST;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    s_envelope(&env, r, SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED);
    env.actor = command->staff_id;
    env.command_received = &body;
    return sw_producer_propose(self->producer, &env);
}

int intake_propose_directory(intake_server_t *self, intake_request_t *r,
                             const char *loaded_by,
                             const Shouwen__V1__DirectoryLoad *load, const char *version)
{
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, load->content.data, load->content.len, NULL,
                       0);
    Shouwen__V1__DirectoryLoaded body = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    body.kind = load->kind;
    body.version = (char *)version;
    body.content = load->content;
    body.digest.data = digest;
    body.digest.len = sizeof digest;
    body.loaded_by = (char *)loaded_by; /* the administrator, from the key; "" a seed */
    body.request_digest.data = r->digest;
    body.request_digest.len = S_DIGEST;
    /* the file's nodes as our one ZPL reader read them: PostgreSQL's
       directory_entries, so SQL parses no ZPL (sw_zpl_entries.h) */
    body.entries = sw_zpl_entries_message((const char *)load->content.data,
                                          load->content.len, &body.n_entries);
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    s_envelope(&env, r, SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED);
    env.case_id = NULL;
    env.actor = (char *)loaded_by;
    env.directory_loaded = &body;
    int rc = sw_producer_propose(self->producer, &env);
    sw_zpl_entries_free(&body.entries, body.n_entries);
    return rc;
}

/* The digest of a request in its normalised form (re-packed), so every
   valid encoding of the same request is the same request. */
static void s_digest(const ProtobufCMessage *msg, uint8_t *out)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = (uint8_t *)sw_malloc(len ? len : 1);
    protobuf_c_message_pack(msg, buf);
    crypto_generichash(out, S_DIGEST, buf, len, NULL, 0);
    free(buf);
}

static void s_event_id(const intake_asker_t *a, uint8_t *event_id)
{
    char name[2 * 80 + 2];
    int len = snprintf(name, sizeof name, "%s/%s", a->origin, a->request_id);
    sw_eventid_make(event_id, "intake", name, (size_t)len);
}

intake_request_t *intake_lookup(intake_server_t *self, const intake_asker_t *a)
{
    uint8_t event_id[SW_EVENTID_SIZE];
    s_event_id(a, event_id);
    char key[33];
    sodium_bin2hex(key, sizeof key, event_id, SW_EVENTID_SIZE);
    return (intake_request_t *)zhashx_lookup(self->requests, key);
}

/* Every recorded request takes this path: the same (origin, request id)
   is the same event — a retry, never a second case or a second action. */
void intake_record(intake_server_t *self, const intake_asker_t *a,
                   const intake_what_t *what)
{
    if (!sw_follower_is_live(self->follower) || self->stopping) {
        intake_retry(self, a, "HUB_NOT_READY",
                     "the hub is catching up with its log; send the same request again");
        return;
    }
    if (what->kind != S_DIRECTORY && !intake_seed_ready(self)) {
        intake_retry(self, a, "HUB_NOT_READY",
                     "the hub's log holds no organisation or no calendar yet (intake "
                     "seeds them from hub/directory and hub/calendar, or an "
                     "administrator loads them); send the same request again");
        return;
    }
    uint8_t event_id[SW_EVENTID_SIZE];
    s_event_id(a, event_id);
    uint8_t digest[S_DIGEST];
    s_digest(what->digested, digest);
    char key[33];
    sodium_bin2hex(key, sizeof key, event_id, SW_EVENTID_SIZE);
    intake_request_t *r = (intake_request_t *)zhashx_lookup(self->requests, key);
    if (r && memcmp(r->digest, digest, S_DIGEST) != 0) {
        intake_reject(self, a, INTAKE_REUSED_ID,
                      "this request id was already used for a different request");
        return;
    }
    if (r && r->position) {
        s_reply_ok(self, r, a->routing_id, a->delimiter, a->request_id);
        return;
    }
    if (!r && what->kind != S_DIRECTORY && !a->looked_up &&
        intake_seen_maybe(self, event_id)) {
        /* not in the window, but perhaps in the log: an old retry is
           answered with what it became there, never made a second time */
        char case_id[SW_CASEID_STRLEN + 8];
        if (what->kind == S_INQUIRY)
            sw_caseid_from_event(event_id, case_id);
        else
            snprintf(case_id, sizeof case_id, "%s", what->command->case_id);
        self->lookups++;
        intake_park(self, a, case_id, event_id);
        return;
    }
    if (!r && (int64_t)zhashx_size(self->uncommitted) >= self->max_pending) {
        /* back-pressure: the log is behind; a new request waits at the branch
           (RETRY at once, nothing recorded) rather than in an unbounded queue
           here, so what is accepted keeps a bounded latency */
        self->stats.busy++;
        intake_retry(
            self, a, "HUB_BUSY",
            "the hub has many requests waiting for its log; send the same request "
            "again shortly");
        return;
    }
    if (!r) {
        r = intake_request_new(event_id);
        r->kind = what->kind;
        memcpy(r->digest, digest, S_DIGEST);
        if (what->kind == S_COMMAND)
            snprintf(r->case_id, sizeof r->case_id, "%s", what->command->case_id);
        else if (what->kind == S_DIRECTORY)
            r->case_id[0] = 0;
        int rc = what->kind == S_INQUIRY ? s_propose_inquiry(self, r, a, what->submit)
                 : what->kind == S_COMMAND
                     ? s_propose_command(self, r, a, what->command)
                     : intake_propose_directory(self, r, a->who->staff, what->load,
                                                what->version);
        if (rc != 0) {
            void *item = r;
            intake_request_free(&item);
            intake_reject(self, a, INTAKE_MALFORMED, "the request could not be recorded");
            return;
        }
        zhashx_insert(self->requests, r->key, r);
        zhashx_insert(self->uncommitted, r->key, r);
    }
    s_add_waiter(self, r, a);
}

enum { S_BRANCH = 1, S_ADMIN = 2 };

/* Every kind of request: who may send it, and what answers it. */
static const struct {
    int body;           /* BranchRequest body */
    unsigned roles;     /* S_BRANCH, S_ADMIN */
    const char *denied; /* the refusal for anyone else */
    void (*handle)(intake_server_t *, intake_asker_t *, Shouwen__V1__BranchRequest *);
} s_requests[] = {
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT, S_BRANCH, INTAKE_NOT_AUTHORIZED,
     intake_submit},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND, S_BRANCH, INTAKE_NOT_AUTHORIZED,
     intake_command},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY, S_BRANCH | S_ADMIN,
     INTAKE_NOT_AUTHORIZED, intake_case_query},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     intake_q_stats},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD, S_ADMIN, INTAKE_NOT_ADMIN,
     intake_directory_load},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_INBOX, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     intake_q_inbox},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_QUEUE, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     intake_q_queue},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_DUE, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     intake_q_due},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_FIND, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     intake_q_find},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH, S_BRANCH, INTAKE_NOT_AUTHORIZED,
     intake_q_watch},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH_ACK, S_BRANCH, INTAKE_NOT_AUTHORIZED,
     intake_q_watch_ack},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_QUERY, S_BRANCH | S_ADMIN,
     INTAKE_NOT_AUTHORIZED, intake_q_directory},
};

static unsigned s_role_bit(const sw_principal_t *who)
{
    return !who                         ? 0
           : streq(who->role, "branch") ? S_BRANCH
           : streq(who->role, "admin")  ? S_ADMIN
                                        : 0;
}

/* The key's principal speaks: a branch for its own branch id only. */
void intake_dispatch(intake_server_t *self, intake_asker_t *a,
                     Shouwen__V1__BranchRequest *req)
{
    a->request_id = req->request_id;
    a->req = req;
    if (!a->who) {
        intake_reject(self, a, INTAKE_NOT_AUTHORIZED,
                      "this key is not (or no longer) on the hub's allow-list");
        return;
    }
    if (streq(a->who->role, "branch")) {
        if (*req->branch_id && !streq(req->branch_id, a->who->branch)) {
            char message[160];
            snprintf(message, sizeof message,
                     "this key speaks for branch %s, not for branch %s", a->who->branch,
                     req->branch_id);
            intake_reject(self, a, INTAKE_NOT_AUTHORIZED, message);
            return;
        }
        snprintf(a->origin, sizeof a->origin, "%s", a->who->branch);
    } else
        snprintf(a->origin, sizeof a->origin, "admin:%s", a->who->staff);
    for (size_t i = 0; i < sizeof s_requests / sizeof s_requests[0]; i++) {
        if ((int)req->body_case != s_requests[i].body)
            continue;
        if (!(s_requests[i].roles & s_role_bit(a->who))) {
            intake_reject(
                self, a, s_requests[i].denied,
                s_requests[i].roles == S_ADMIN
                    ? "only an administrator's key may load the organisation or "
                      "the calendar"
                    : "an administrator's key does not speak for a branch");
            return;
        }
        s_requests[i].handle(self, a, req);
        return;
    }
    intake_reject(self, a, INTAKE_UNSUPPORTED,
                  "this hub does not take that kind of request");
}

static void s_handle(intake_server_t *self, zmsg_t *msg)
{
    intake_asker_t a = {.request_id = ""};
    a.routing_id = zmsg_pop(msg);
    zframe_t *body = zmsg_pop(msg);
    if (body && zframe_size(body) == 0 && zmsg_size(msg) > 0) {
        a.delimiter = true; /* a REQ peer */
        zframe_destroy(&body);
        body = zmsg_pop(msg);
    }
    self->stats.requests++;
    if (body) {
        /* zap put the key into User-Id; the allow-list says who it is now,
           so a revoked key is refused on a connection it already had */
        a.key = zframe_meta(body, "User-Id");
        a.who = a.key ? sw_keyring_lookup(self->keys, a.key) : NULL;
    }
    Shouwen__V1__BranchRequest *req = NULL;
    intake_rejection_t why;
    if (a.routing_id) {
        if (!body || zmsg_size(msg) > 0)
            intake_reject(self, &a, INTAKE_MALFORMED,
                          "expected one frame holding a BranchRequest");
        else if (intake_request_decode(zframe_data(body), zframe_size(body), &req,
                                       &why) != 0)
            intake_reject(self, &a, why.code, why.message);
        else
            intake_dispatch(self, &a, req);
    }
    if (req)
        shouwen__v1__branch_request__free_unpacked(req, NULL);
    zframe_destroy(&a.routing_id);
    zframe_destroy(&body);
}

static void s_on_branches(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    for (int i = 0; i < S_RECV_BATCH; i++) {
        zmsg_t *msg = zmsg_recv_nowait(self->branches);
        if (!msg)
            break;
        s_handle(self, msg);
        zmsg_destroy(&msg);
    }
}

/* ---------------------------------------------------------- lifecycle */

/* CURVE on the branch endpoint: the hub's certificate (intake/server_cert,
   else intake's own: intake/cert or hub/cert) and intake/branch_keys, the directory of
   the branches' and administrators' public certificates.  Our ZAP handler starts before
   the socket binds. */
static int s_curve(intake_server_t *self, zconfig_t *cfg)
{
    const char *server =
        sw_config_str(cfg, "intake/server_cert", sw_config_own_cert(cfg, "intake"));
    const char *dir = sw_config_str(cfg, "intake/branch_keys", NULL);
    self->keys = dir ? sw_keyring_new(dir) : NULL;
    if (!server || !self->keys) {
        sw_error("config: intake/branch_keys (a directory of branch and administrator "
                 "certificates) and intake/cert (the hub's certificate with "
                 "its _secret file; intake/server_cert names another) are required; see "
                 "docs/security.md");
        return -1;
    }
    self->zap = sw_zap_new(self->loop, "intake");
    if (!self->zap ||
        sw_zap_domain(self->zap, "branch", self->keys, "branch,admin") != 0 ||
        sw_curve_server(self->branches, server, "branch") != 0)
        return -1;
    sw_info("CURVE on: branch and administrator keys from %s (%zu now)", dir,
            sw_keyring_size(self->keys));
    return 0;
}

static int s_settings(intake_server_t *self, zconfig_t *cfg)
{
    int64_t ack_ms, ahead_s, age_s, window_s;
    if (sw_config_int(cfg, "intake/ack_timeout_ms", 3000, 10, 600000, &ack_ms) != 0 ||
        sw_config_int(cfg, "intake/max_received_ahead_s", 300, 0, 86400, &ahead_s) != 0 ||
        sw_config_int(cfg, "intake/max_received_age_s", 30 * 86400, 60, 3660L * 86400,
                      &age_s) != 0 ||
        sw_config_int(cfg, "intake/watch_keep", 20000, 1, 100000000, &self->watch_keep) !=
            0 ||
        sw_config_int(cfg, "intake/idempotency_window_s", 86400, 1, 3660L * 86400,
                      &window_s) != 0 ||
        sw_config_int(cfg, "intake/idempotency_max", 1000000, 1000, 100000000,
                      &self->window_max) != 0 ||
        sw_config_int(cfg, "intake/watch_idle_s", 30, 2, 86400, &self->watch_idle_s) !=
            0 ||
        sw_config_int(cfg, "intake/max_pending", 20000, 1, 10000000,
                      &self->max_pending) != 0)
        return -1;
    self->ack_timeout_us = ack_ms * 1000;
    self->max_ahead_us = ahead_s * 1000000;
    self->max_age_us = age_s * 1000000;
    self->window_us = window_s * 1000000;
    return 0;
}

const char *const intake_hot_settings[] = {"intake/ack_timeout_ms",
                                           "intake/max_received_ahead_s",
                                           "intake/max_received_age_s",
                                           "intake/max_pending",
                                           "intake/idempotency_window_s",
                                           "intake/idempotency_max",
                                           NULL};

int intake_server_apply(intake_server_t *self, zconfig_t *fresh)
{
    int64_t ack = self->ack_timeout_us, ahead = self->max_ahead_us,
            age = self->max_age_us, keep = self->watch_keep, idle = self->watch_idle_s,
            pending = self->max_pending, window = self->window_us,
            window_max = self->window_max;
    if (s_settings(self, fresh) == 0) {
        self->watch_keep = keep, self->watch_idle_s = idle; /* the watch's: a restart */
        return 0;
    }
    self->ack_timeout_us = ack, self->max_ahead_us = ahead, self->max_age_us = age;
    self->watch_keep = keep, self->watch_idle_s = idle, self->max_pending = pending;
    self->window_us = window, self->window_max = window_max;
    return -1;
}

void intake_server_reload(intake_server_t *self)
{
    size_t was = sw_keyring_size(self->keys);
    size_t now = sw_keyring_rescan(self->keys);
    sw_info("SIGHUP: allow-list %s re-read: %zu keys (was %zu)",
            sw_keyring_dir(self->keys), now, was);
}

intake_server_t *intake_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    intake_server_t *self = (intake_server_t *)zmalloc(sizeof(intake_server_t));
    self->loop = loop;
    self->clock = clock;
    self->requests = zhashx_new();
    zhashx_set_destructor(self->requests, intake_request_free);
    zhashx_set_key_duplicator(self->requests, NULL); /* the key lives in the item */
    zhashx_set_key_destructor(self->requests, NULL);
    self->window = zlistx_new();
    self->seen = (uint8_t *)sw_calloc(S_SEEN_BITS / 8, 1);
    self->uncommitted = zhashx_new();
    self->queries = zlistx_new();
    zlistx_set_destructor(self->queries, intake_query_free);
    self->rejections = zhashx_new();
    zhashx_set_destructor(self->rejections, s_counter_destroy);
    self->audit_counts = zhashx_new();
    zhashx_set_destructor(self->audit_counts, s_counter_destroy);
    self->access = intake_access_new();
    self->cases = intake_cases_new();
    ev_timer_init(&self->sweep, intake_on_sweep, 0.1, 0.1);
    self->sweep.data = self;
    if (s_settings(self, cfg) != 0 || !(self->hub = sw_hub_new(cfg, "intake"))) {
        intake_server_destroy(&self);
        return NULL;
    }
    if (intake_seed_init(self, cfg) != 0) {
        intake_server_destroy(&self);
        return NULL;
    }
    self->watch = intake_watch_new((size_t)self->watch_keep, (double)self->watch_idle_s,
                                   intake_q_watch_send, self);
    const char *bind = sw_config_str(cfg, "intake/bind", SW_HUB_BRANCHES);
    self->branches = zsock_new(ZMQ_ROUTER);
    if (s_curve(self, cfg) != 0) {
        intake_server_destroy(&self);
        return NULL;
    }
    zsock_set_linger(self->branches, 1000);
    /* up to 16 MiB is read and answered OVERSIZE; larger drops the connection */
    zsock_set_maxmsgsize(self->branches, 16 * 1024 * 1024);
    if (zsock_bind(self->branches, "%s", bind) < 0) {
        sw_error("cannot bind the branch endpoint %s: %s", bind,
                 zmq_strerror(zmq_errno()));
        intake_server_destroy(&self);
        return NULL;
    }
    /* a plain client never reaches ZAP: libzmq fails its handshake first */
    sw_zap_monitor(self->zap, self->branches, "branch");
    self->producer = sw_producer_new(loop, "intake", self->hub, clock);
    intake_snapshot_init(self, cfg);
    uint64_t from = intake_snapshot_load(self);
    self->follower = sw_follower_new(loop, "intake", self->hub, from, intake_on_committed,
                                     intake_on_live, self);
    if (self->follower)
        sw_follower_set_heartbeat_fn(self->follower, intake_on_heartbeat);
    self->branches_w =
        sw_zwatch_new(loop, self->branches, ZMQ_POLLIN, s_on_branches, self);
    self->query = zsock_new(ZMQ_DEALER);
    zsock_set_linger(self->query, 0);
    if (sw_hub_secure(self->hub, self->query) != 0 ||
        zsock_connect(self->query, "%s", self->hub->replay) != 0) {
        intake_server_destroy(&self);
        return NULL;
    }
    self->query_w =
        sw_zwatch_new(loop, self->query, ZMQ_POLLIN, intake_on_query_reply, self);
    if (!self->producer || !self->follower || !self->branches_w || !self->query_w) {
        intake_server_destroy(&self);
        return NULL;
    }
    sw_zwatch_start(self->branches_w);
    sw_zwatch_start(self->query_w);
    ev_timer_start(loop, &self->sweep);
    sw_info("taking branch requests on %s", bind);
    return self;
}

void intake_server_destroy(intake_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_server_t *self = *self_p;
    ev_timer_stop(self->loop, &self->sweep);
    intake_snapshot_destroy(self);
    sw_zwatch_destroy(&self->branches_w);
    sw_zwatch_destroy(&self->query_w);
    zsock_destroy(&self->query);
    zlistx_destroy(&self->queries);
    sw_follower_destroy(&self->follower);
    sw_producer_destroy(&self->producer);
    zsock_destroy(&self->branches);
    sw_zap_destroy(&self->zap);
    sw_keyring_destroy(&self->keys);
    intake_access_destroy(&self->access);
    zchunk_destroy(&self->org_text);
    intake_seed_destroy(self);
    intake_cases_destroy(&self->cases);
    intake_watch_destroy(&self->watch);
    zhashx_destroy(&self->uncommitted);
    zlistx_destroy(&self->window);
    zhashx_destroy(&self->requests);
    free(self->seen);
    zhashx_destroy(&self->rejections);
    zhashx_destroy(&self->audit_counts);
    sw_hub_destroy(&self->hub);
    free(self);
    *self_p = NULL;
}

void intake_server_stop(intake_server_t *self)
{
    self->stopping = true;
    intake_on_sweep(self->loop, &self->sweep, 0);
    intake_snapshot_write(self, "on SIGTERM");
}

void intake_server_status(intake_server_t *self, sw_health_t *health)
{
    sw_health_position(health, sw_follower_position(self->follower));
    health->live = sw_follower_is_live(self->follower);
    health->pending = zhashx_size(self->uncommitted); /* inquiries not yet in the log */
    sw_health_number(health, "busy_refusals", (int64_t)self->stats.busy);
    sw_health_number(health, "requests", (int64_t)self->stats.requests);
    if (self->snap_position) /* of the last snapshot written or loaded */
        sw_health_number(health, "snapshot_position", (int64_t)self->snap_position);
    snprintf(health->line, sizeof health->line,
             "log at %" PRIu64 ", %s, %" PRIu64 " waiting for the log, %" PRIu64 " busy",
             health->position, health->live ? "live" : "catching up", health->pending,
             self->stats.busy);
}

void intake_server_log_stats(intake_server_t *self)
{
    sw_info("stats: requests=%" PRIu64 " ok=%" PRIu64 " retry=%" PRIu64
            " rejected=%" PRIu64 " pending=%zu known=%zu open_cases=%zu"
            " looked_up=%" PRIu64 " found_in_log=%" PRIu64 " position=%" PRIu64
            " refused_connections=%" PRIu64,
            self->stats.requests, self->stats.ok, self->stats.retry, self->stats.rejected,
            zhashx_size(self->uncommitted), zhashx_size(self->requests),
            intake_cases_size(self->cases), self->lookups, self->found_in_log,
            sw_follower_position(self->follower), sw_zap_refused(self->zap));
}
