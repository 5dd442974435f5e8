/*  intake_server: branch requests in, committed outcomes out.  */
#include "intake_server.h"

#include <sodium.h>

#include "intake_validate.h"
#include "sw_config.h"
#include "sw_directory.h"
#include "sw_eventid.h"
#include "sw_follower.h"
#include "sw_log.h"
#include "sw_producer.h"
#include "sw_zwatch.h"

#define S_RECV_BATCH 128 /* branch requests handled per wake-up */
#define S_DIGEST     16

/* A branch connection waiting for a request's outcome. */
typedef struct {
    zframe_t *routing_id; /* ROUTER identity of the branch connection */
    bool delimiter;       /* REQ peers want an empty frame first */
    char *request_id;
    int64_t deadline_us; /* answer RETRY after this */
} s_waiter_t;

/* What a branch's request becomes in the log. */
typedef enum {
    S_INQUIRY,   /* inquiry.received: done when committed */
    S_COMMAND,   /* command.received: done when router's decision commits */
    S_DIRECTORY, /* directory.loaded: done when committed */
} s_kind_t;

/* What intake knows of one (branch, request id): the event it became and,
   once known, its outcome. */
typedef struct {
    char key[33]; /* event id, hex */
    uint8_t event_id[SW_EVENTID_SIZE];
    s_kind_t kind;
    char case_id[SW_CASEID_STRLEN + 1];
    uint8_t digest[S_DIGEST]; /* of the request, to spot a reused id */
    uint64_t position;        /* of the outcome; 0 until known */
    char *code;               /* router's rejection, NULL when OK */
    char *message;
    zlistx_t *waiters; /* s_waiter_t, NULL when none */
} s_request_t;

/* A case query waiting for audit's replay answer. */
typedef struct {
    uint64_t tag;
    zframe_t *routing_id;
    bool delimiter;
    char *request_id;
    int64_t deadline_us;
} s_query_t;

typedef struct {
    uint64_t requests, ok, retry, rejected;
} s_stats_t;

struct _intake_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock; /* borrowed */
    zsock_t *branches; /* ROUTER, bound */
    sw_zwatch_t *branches_w;
    sw_producer_t *producer; /* proposals to audit */
    sw_follower_t *follower; /* the committed stream */
    zhashx_t *requests;      /* key -> s_request_t, every request seen */
    zhashx_t *cases;         /* case id -> (void *) 1, every case opened */
    zsock_t *query;          /* DEALER to audit's replay: case timelines */
    sw_zwatch_t *query_w;
    zlistx_t *queries; /* s_query_t waiting, oldest first */
    uint64_t next_tag;
    zhashx_t *uncommitted;  /* key -> s_request_t (borrowed), proposed only */
    zhashx_t *rejections;   /* reason code -> count (uint64_t *) */
    int64_t ack_timeout_us; /* wait this long for a commit, then RETRY */
    ev_timer sweep;         /* expires waiters */
    bool stopping;
    s_stats_t stats;
    zactor_t *auth;            /* zauth: CURVE allow-list of branch keys */
    zcertstore_t *branch_keys; /* public key -> certificate with "branch" */
};

/* ------------------------------------------------------------ replies */

/* Waiting branches time out on the loop's monotonic time, not on the
   hub's clock (which a test may hold still or move by days). */
static int64_t s_wall_us(intake_server_t *self)
{
    return (int64_t)(ev_now(self->loop) * 1e6);
}

static void s_waiter_destroy(void **item_p)
{
    s_waiter_t *w = (s_waiter_t *)*item_p;
    if (w) {
        zframe_destroy(&w->routing_id);
        free(w->request_id);
        free(w);
        *item_p = NULL;
    }
}

static void s_counter_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static void s_query_destroy(void **item_p)
{
    s_query_t *q = (s_query_t *)*item_p;
    if (q) {
        zframe_destroy(&q->routing_id);
        free(q->request_id);
        free(q);
        *item_p = NULL;
    }
}

static void s_request_destroy(void **item_p)
{
    s_request_t *r = (s_request_t *)*item_p;
    if (r) {
        zlistx_destroy(&r->waiters);
        free(r->code);
        free(r->message);
        free(r);
        *item_p = NULL;
    }
}

static void s_send(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                   Shouwen__V1__BranchReply *reply)
{
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

static void s_reply_status(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                           const char *request_id, Shouwen__V1__ReplyStatus status,
                           const char *code, const char *message)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)(request_id ? request_id : "");
    reply.status = status;
    reply.code = (char *)code;
    reply.message = (char *)message;
    if (status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
        s_count_rejection(self, code);
        sw_info("rejected request '%s': %s: %s", reply.request_id, code, message);
    } else
        self->stats.retry++;
    s_send(self, routing_id, delimiter, &reply);
}

static void s_reply_ok(intake_server_t *self, s_request_t *r, zframe_t *routing_id,
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
    s_send(self, routing_id, delimiter, &reply);
}

/* The outcome of r is committed: answer everyone waiting on it. */
static void s_answer_waiters(intake_server_t *self, s_request_t *r)
{
    if (!r->waiters)
        return;
    for (s_waiter_t *w = (s_waiter_t *)zlistx_first(r->waiters); w;
         w = (s_waiter_t *)zlistx_next(r->waiters))
        s_reply_ok(self, r, w->routing_id, w->delimiter, w->request_id);
    zlistx_destroy(&r->waiters);
}

static void s_add_waiter(intake_server_t *self, s_request_t *r, zframe_t *routing_id,
                         bool delimiter, const char *request_id)
{
    if (!r->waiters) {
        r->waiters = zlistx_new();
        zlistx_set_destructor(r->waiters, s_waiter_destroy);
    }
    s_waiter_t *w = (s_waiter_t *)zmalloc(sizeof(s_waiter_t));
    w->routing_id = zframe_dup(routing_id);
    w->delimiter = delimiter;
    w->request_id = strdup(request_id);
    w->deadline_us = s_wall_us(self) + self->ack_timeout_us;
    zlistx_add_end(r->waiters, w);
}

/* ---------------------------------------------------------- inquiries */

static s_request_t *s_request_new(const uint8_t *event_id)
{
    s_request_t *r = (s_request_t *)zmalloc(sizeof(s_request_t));
    memcpy(r->event_id, event_id, SW_EVENTID_SIZE);
    sodium_bin2hex(r->key, sizeof r->key, event_id, SW_EVENTID_SIZE);
    sw_caseid_from_event(event_id, r->case_id);
    return r;
}

static int s_propose_inquiry(intake_server_t *self, s_request_t *r,
                             const Shouwen__V1__BranchRequest *req,
                             const Shouwen__V1__InquirySubmit *s)
{
    Shouwen__V1__InquiryReceived body = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    body.branch_id = req->branch_id;
    body.request_id = req->request_id;
    body.channel = s->channel;
    body.kind = s->kind;
    body.customer = s->customer;
    body.matter = s->matter;
    body.category = s->category;
    body.urgency = s->urgency;
    body.receiver_staff_id = s->receiver_staff_id;
    body.named_employee_id = s->named_employee_id;
    body.linked_case_id = s->linked_case_id;
    body.received_at_us =
        s->received_at_us ? s->received_at_us : sw_clock_now_us(self->clock);
    body.request_digest.data = r->digest;
    body.request_digest.len = S_DIGEST;

    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = r->event_id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED);
    env.case_id = r->case_id;
    env.actor = s->receiver_staff_id;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
    env.inquiry_received = &body;
    return sw_producer_propose(self->producer, &env);
}

static void s_digest(const ProtobufCMessage *msg, uint8_t *out)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = (uint8_t *)malloc(len ? len : 1);
    protobuf_c_message_pack(msg, buf);
    crypto_generichash(out, S_DIGEST, buf, len, NULL, 0);
    free(buf);
}

static int s_propose_command(intake_server_t *self, s_request_t *r,
                             const Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__CommandReceived body = SHOUWEN__V1__COMMAND_RECEIVED__INIT;
    body.branch_id = req->branch_id;
    body.request_id = req->request_id;
    body.command = req->command;
    body.request_digest.data = r->digest;
    body.request_digest.len = S_DIGEST;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = r->event_id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED);
    env.case_id = r->case_id;
    env.actor = req->command->staff_id;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED;
    env.command_received = &body;
    return sw_producer_propose(self->producer, &env);
}

static int s_propose_directory(intake_server_t *self, s_request_t *r,
                               const Shouwen__V1__BranchRequest *req, const char *version)
{
    const Shouwen__V1__DirectoryLoad *load = req->directory_load;
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, load->content.data, load->content.len, NULL,
                       0);
    Shouwen__V1__DirectoryLoaded body = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    body.kind = load->kind;
    body.version = (char *)version;
    body.content = load->content;
    body.digest.data = digest;
    body.digest.len = sizeof digest;
    body.loaded_by = load->loaded_by;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = r->event_id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED);
    env.actor = load->loaded_by;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED;
    env.directory_loaded = &body;
    return sw_producer_propose(self->producer, &env);
}

static void s_reject(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                     const char *request_id, const char *code, const char *message)
{
    s_reply_status(self, routing_id, delimiter, request_id,
                   SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED, code, message);
}

/* Every recorded request takes this path: the same (branch, request id) is
   the same event — a retry, never a second case or a second action.  what
   is the part of the request whose digest spots a reused id. */
static void s_record(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                     Shouwen__V1__BranchRequest *req, s_kind_t kind,
                     const ProtobufCMessage *what, const char *version)
{
    if (!sw_follower_is_live(self->follower) || self->stopping) {
        s_reply_status(
            self, routing_id, delimiter, req->request_id,
            SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY, "HUB_NOT_READY",
            "the hub is catching up with its log; send the same request again");
        return;
    }
    char name[2 * 64 + 2];
    int len = snprintf(name, sizeof name, "%s/%s", req->branch_id, req->request_id);
    uint8_t event_id[SW_EVENTID_SIZE];
    sw_eventid_make(event_id, "intake", name, (size_t)len);
    uint8_t digest[S_DIGEST];
    s_digest(what, digest);
    char key[33];
    sodium_bin2hex(key, sizeof key, event_id, SW_EVENTID_SIZE);
    s_request_t *r = (s_request_t *)zhashx_lookup(self->requests, key);
    if (r && memcmp(r->digest, digest, S_DIGEST) != 0) {
        s_reject(self, routing_id, delimiter, req->request_id, INTAKE_REUSED_ID,
                 "this request id was already used for a different request");
        return;
    }
    if (r && r->position) {
        s_reply_ok(self, r, routing_id, delimiter, req->request_id);
        return;
    }
    if (!r) {
        r = s_request_new(event_id);
        r->kind = kind;
        memcpy(r->digest, digest, S_DIGEST);
        if (kind == S_COMMAND)
            snprintf(r->case_id, sizeof r->case_id, "%s", req->command->case_id);
        else if (kind == S_DIRECTORY)
            r->case_id[0] = 0;
        int rc = kind == S_INQUIRY   ? s_propose_inquiry(self, r, req, req->submit)
                 : kind == S_COMMAND ? s_propose_command(self, r, req)
                                     : s_propose_directory(self, r, req, version);
        if (rc != 0) {
            void *item = r;
            s_request_destroy(&item);
            s_reject(self, routing_id, delimiter, req->request_id, INTAKE_MALFORMED,
                     "the request could not be recorded");
            return;
        }
        zhashx_insert(self->requests, r->key, r);
        zhashx_insert(self->uncommitted, r->key, r);
    }
    s_add_waiter(self, r, routing_id, delimiter, req->request_id);
}

static void s_submit(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                     Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    if (intake_validate_submit(req->submit, &why) != 0) {
        s_reject(self, routing_id, delimiter, req->request_id, why.code, why.message);
        return;
    }
    if (*req->submit->linked_case_id &&
        !zhashx_lookup(self->cases, req->submit->linked_case_id)) {
        s_reject(self, routing_id, delimiter, req->request_id, INTAKE_UNKNOWN_CASE,
                 "the linked case is not known to this hub");
        return;
    }
    /* the digest covers what the customer said, not when the command ran,
       so running the same command again is still the same request */
    int64_t received_at_us = req->submit->received_at_us;
    req->submit->received_at_us = 0;
    s_record(self, routing_id, delimiter, req, S_INQUIRY, &req->submit->base, NULL);
    req->submit->received_at_us = received_at_us;
}

static void s_command(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                      Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    if (intake_validate_command(req->command, &why) != 0)
        s_reject(self, routing_id, delimiter, req->request_id, why.code, why.message);
    else if (!zhashx_lookup(self->cases, req->command->case_id))
        s_reject(self, routing_id, delimiter, req->request_id, INTAKE_UNKNOWN_CASE,
                 "no such case in the log");
    else
        s_record(self, routing_id, delimiter, req, S_COMMAND, &req->command->base, NULL);
}

/* The organisation file is parsed here too, so a bad one is refused with
   its line and reason before it reaches the log. */
static void s_directory_load(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                             Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    Shouwen__V1__DirectoryLoad *load = req->directory_load;
    if (intake_validate_directory_load(load, &why) != 0) {
        s_reject(self, routing_id, delimiter, req->request_id, why.code, why.message);
        return;
    }
    char *error = NULL;
    char version[128] = "";
    if (streq(load->kind, "organisation")) {
        sw_directory_t *dir = sw_directory_new_from_text((const char *)load->content.data,
                                                         load->content.len, &error);
        if (dir)
            snprintf(version, sizeof version, "%s", sw_directory_version(dir));
        sw_directory_destroy(&dir);
    } else {
        char *text = strndup((const char *)load->content.data, load->content.len);
        zconfig_t *cfg = text ? zconfig_str_load(text) : NULL;
        if (!cfg)
            error = strdup("the calendar file is not valid ZPL");
        else
            snprintf(version, sizeof version, "%s", zconfig_get(cfg, "version", ""));
        zconfig_destroy(&cfg);
        free(text);
    }
    if (error) {
        char message[400];
        snprintf(message, sizeof message, "%s: %s",
                 *load->file_name ? load->file_name : "file", error);
        free(error);
        s_reject(self, routing_id, delimiter, req->request_id, INTAKE_BAD_DIRECTORY,
                 message);
        return;
    }
    s_record(self, routing_id, delimiter, req, S_DIRECTORY, &load->base, version);
}

/* A case's timeline comes from audit's replay, filtered by case. */
static void s_case_query(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                         Shouwen__V1__BranchRequest *req)
{
    const char *case_id = req->case_query->case_id;
    if (!case_id || !zhashx_lookup(self->cases, case_id)) {
        s_reject(self, routing_id, delimiter, req->request_id, INTAKE_UNKNOWN_CASE,
                 "no such case in the log");
        return;
    }
    s_query_t *q = (s_query_t *)zmalloc(sizeof(s_query_t));
    q->tag = ++self->next_tag;
    q->routing_id = zframe_dup(routing_id);
    q->delimiter = delimiter;
    q->request_id = strdup(req->request_id);
    q->deadline_us = s_wall_us(self) + self->ack_timeout_us;
    zlistx_add_end(self->queries, q);
    Shouwen__V1__ReplayRequest rr = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    rr.from_position = 1;
    rr.max_events = 5000;
    rr.case_id = (char *)case_id;
    rr.tag = q->tag;
    zframe_t *f = sw_pack_frame(&rr.base);
    zframe_send(&f, self->query, ZFRAME_DONTWAIT);
    zframe_destroy(&f);
}

static void s_on_query_reply(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    for (int i = 0; i < 16; i++) {
        zframe_t *f = zframe_recv_nowait(self->query);
        if (!f)
            return;
        Shouwen__V1__ReplayReply *rep =
            shouwen__v1__replay_reply__unpack(NULL, zframe_size(f), zframe_data(f));
        zframe_destroy(&f);
        if (!rep)
            continue;
        for (s_query_t *q = (s_query_t *)zlistx_first(self->queries); q;
             q = (s_query_t *)zlistx_next(self->queries)) {
            if (q->tag != rep->tag)
                continue;
            Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
            reply.request_id = q->request_id;
            if (*rep->error) {
                reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY;
                reply.code = (char *)"HUB_NOT_READY";
                reply.message = rep->error;
            } else {
                reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
                reply.n_timeline = rep->n_events;
                reply.timeline = rep->events;
                reply.position = rep->head_position;
            }
            s_send(self, q->routing_id, q->delimiter, &reply);
            zlistx_delete(self->queries, zlistx_cursor(self->queries));
            break;
        }
        shouwen__v1__replay_reply__free_unpacked(rep, NULL);
    }
}

/* -------------------------------------------------------------- stats */

static void s_stats(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                    const char *request_id)
{
    struct {
        const char *name;
        uint64_t value;
    } fixed[] = {{"requests", self->stats.requests},
                 {"ok", self->stats.ok},
                 {"retry", self->stats.retry},
                 {"rejected", self->stats.rejected},
                 {"pending", zhashx_size(self->uncommitted)},
                 {"inquiries_known", zhashx_size(self->requests)},
                 {"log_position", sw_follower_position(self->follower)},
                 {"live", sw_follower_is_live(self->follower) ? 1 : 0}};
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    size_t n = nfixed + zhashx_size(self->rejections);
    Shouwen__V1__Counter *counters = calloc(n, sizeof *counters);
    Shouwen__V1__Counter **ptrs = calloc(n, sizeof *ptrs);
    char **names = calloc(n, sizeof *names);
    size_t i = 0;
    for (; i < nfixed; i++) {
        shouwen__v1__counter__init(&counters[i]);
        counters[i].name = (char *)fixed[i].name;
        counters[i].value = fixed[i].value;
        ptrs[i] = &counters[i];
    }
    for (uint64_t *v = (uint64_t *)zhashx_first(self->rejections); v && i < n;
         v = (uint64_t *)zhashx_next(self->rejections), i++) {
        shouwen__v1__counter__init(&counters[i]);
        names[i] =
            zsys_sprintf("rejected.%s", (const char *)zhashx_cursor(self->rejections));
        counters[i].name = names[i];
        counters[i].value = *v;
        ptrs[i] = &counters[i];
    }
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.n_counters = i;
    reply.counters = ptrs;
    s_send(self, routing_id, delimiter, &reply);
    for (size_t k = 0; k < n; k++)
        zstr_free(&names[k]);
    free(names);
    free(ptrs);
    free(counters);
}

/* ----------------------------------------------------------- requests */

/* With CURVE, the branch id a request names must be the one recorded in
   the certificate of the key it came with (zauth puts the client's public
   key into the message's User-Id). */
static bool s_branch_matches_key(intake_server_t *self, zframe_t *body,
                                 const char *branch_id)
{
    if (!self->branch_keys)
        return true;
    const char *key = zframe_meta(body, "User-Id");
    zcert_t *cert = key ? zcertstore_lookup(self->branch_keys, key) : NULL;
    const char *branch = cert ? zcert_meta(cert, "branch") : NULL;
    return branch && streq(branch, branch_id);
}

static void s_handle(intake_server_t *self, zmsg_t *msg)
{
    zframe_t *routing_id = zmsg_pop(msg);
    zframe_t *body = zmsg_pop(msg);
    bool delimiter = false;
    if (body && zframe_size(body) == 0 && zmsg_size(msg) > 0) {
        delimiter = true; /* a REQ peer */
        zframe_destroy(&body);
        body = zmsg_pop(msg);
    }
    self->stats.requests++;
    Shouwen__V1__BranchRequest *req = NULL;
    if (!routing_id || !body || zmsg_size(msg) > 0) {
        if (routing_id)
            s_reply_status(self, routing_id, delimiter, "",
                           SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED,
                           INTAKE_MALFORMED,
                           "expected one frame holding a BranchRequest");
    } else if (zframe_size(body) > INTAKE_MAX_REQUEST)
        s_reply_status(self, routing_id, delimiter, "",
                       SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED, INTAKE_OVERSIZE,
                       "request larger than 64 KiB");
    else if (!(req = shouwen__v1__branch_request__unpack(NULL, zframe_size(body),
                                                         zframe_data(body))))
        s_reply_status(self, routing_id, delimiter, "",
                       SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED, INTAKE_MALFORMED,
                       "not a valid BranchRequest (truncated or malformed protobuf)");
    else {
        intake_rejection_t why;
        if (protobuf_c_message_get_packed_size(&req->base) != zframe_size(body))
            /* protobuf-c ends a string at an embedded NUL: what the customer
               said must not be cut short silently */
            s_reply_status(self, routing_id, delimiter, "",
                           SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED,
                           INTAKE_MALFORMED,
                           "a string holds a NUL byte, or the encoding is not canonical");
        else if (intake_validate_request(req, &why) != 0)
            s_reply_status(self, routing_id, delimiter, "",
                           SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED, why.code,
                           why.message);
        else if (!s_branch_matches_key(self, body, req->branch_id))
            s_reject(self, routing_id, delimiter, req->request_id, "BRANCH_MISMATCH",
                     "this branch id does not belong to the key the request came with");
        else if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT)
            s_submit(self, routing_id, delimiter, req);
        else if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND)
            s_command(self, routing_id, delimiter, req);
        else if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY)
            s_case_query(self, routing_id, delimiter, req);
        else if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD)
            s_directory_load(self, routing_id, delimiter, req);
        else if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS)
            s_stats(self, routing_id, delimiter, req->request_id);
        else
            s_reply_status(self, routing_id, delimiter, req->request_id,
                           SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED,
                           INTAKE_UNSUPPORTED,
                           "this hub does not take that kind of request yet");
    }
    if (req)
        shouwen__v1__branch_request__free_unpacked(req, NULL);
    zframe_destroy(&routing_id);
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

/* ------------------------------------------------------ committed log */

/* The request an event of ours stands for; made from the log when intake
   restarted since. */
static s_request_t *s_known(intake_server_t *self, const sw_envelope_t *env,
                            s_kind_t kind, const ProtobufCBinaryData *digest)
{
    char key[33];
    sodium_bin2hex(key, sizeof key, env->event_id.data, SW_EVENTID_SIZE);
    s_request_t *r = (s_request_t *)zhashx_lookup(self->requests, key);
    if (!r) {
        r = s_request_new(env->event_id.data);
        r->kind = kind;
        snprintf(r->case_id, sizeof r->case_id, "%s", env->case_id);
        if (digest && digest->len == S_DIGEST)
            memcpy(r->digest, digest->data, S_DIGEST);
        zhashx_insert(self->requests, r->key, r);
    }
    return r;
}

/* The outcome is committed: answer whoever waits. */
static void s_done(intake_server_t *self, s_request_t *r, uint64_t position,
                   const char *code, const char *message)
{
    if (r->position)
        return;
    sw_debug("request %s done at position %" PRIu64 "%s%s", r->key, position,
             code ? ": " : "", code ? code : "");
    r->position = position;
    r->code = code ? strdup(code) : NULL;
    r->message = message ? strdup(message) : NULL;
    zhashx_delete(self->uncommitted, r->key);
    s_answer_waiters(self, r);
}

static void s_on_committed(void *arg, const sw_committed_t *c, const sw_envelope_t *env,
                           bool replaying)
{
    intake_server_t *self = (intake_server_t *)arg;
    bool ours = streq(env->producer, "intake");
    if (ours)
        sw_producer_forget(self->producer, env->event_id.data);
    if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED) {
        zhashx_insert(self->cases, env->case_id, (void *)1);
        s_request_t *r =
            s_known(self, env, S_INQUIRY, &env->inquiry_received->request_digest);
        s_done(self, r, c->position, NULL, NULL);
    } else if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED)
        s_known(self, env, S_COMMAND, &env->command_received->request_digest);
    else if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED)
        s_done(self, s_known(self, env, S_DIRECTORY, NULL), c->position, NULL, NULL);
    else if (streq(env->producer, "router") && env->causation_id.len == SW_EVENTID_SIZE) {
        /* router's decision on a staff action answers it */
        char key[33];
        sodium_bin2hex(key, sizeof key, env->causation_id.data, SW_EVENTID_SIZE);
        s_request_t *r = (s_request_t *)zhashx_lookup(self->requests, key);
        if (r && r->kind == S_COMMAND &&
            env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED)
            s_done(self, r, c->position, env->command_rejected->code,
                   env->command_rejected->message);
        else if (r && r->kind == S_COMMAND &&
                 env->body_case == SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT) {
            /* R19: the branch learns the contact only when disclosed */
            const Shouwen__V1__LeaderContact *lc = env->leader_contact;
            char message[300];
            snprintf(message, sizeof message, "%s%s",
                     lc->disclosed ? "contact: "
                     : lc->permission_granted
                         ? "permission recorded"
                         : "the leader's contact is private; the visitor's contact was "
                           "passed to the leader (R19)",
                     lc->disclosed ? lc->contact : "");
            s_done(self, r, c->position, NULL, message);
        } else if (r && r->kind == S_COMMAND)
            s_done(self, r, c->position, NULL, NULL);
    }
}

static void s_on_live(void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    sw_info("following the log at position %" PRIu64 "; %zu inquiries known",
            sw_follower_position(self->follower), zhashx_size(self->requests));
}

static void s_on_sweep(struct ev_loop *loop, ev_timer *t, int revents)
{
    intake_server_t *self = (intake_server_t *)t->data;
    int64_t now = s_wall_us(self);
    for (s_request_t *r = (s_request_t *)zhashx_first(self->uncommitted); r;
         r = (s_request_t *)zhashx_next(self->uncommitted)) {
        if (!r->waiters)
            continue;
        /* one timeout for all: the oldest waiters are first */
        s_waiter_t *w;
        while ((w = (s_waiter_t *)zlistx_first(r->waiters)) &&
               (w->deadline_us <= now || self->stopping)) {
            s_reply_status(self, w->routing_id, w->delimiter, w->request_id,
                           SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY, "NOT_COMMITTED",
                           "not yet committed to the log; send the same request again");
            zlistx_delete(r->waiters, zlistx_cursor(r->waiters));
        }
        if (zlistx_size(r->waiters) == 0)
            zlistx_destroy(&r->waiters);
    }
}

/* ---------------------------------------------------------- lifecycle */

/* CURVE for the branch endpoint when intake/server_cert is set: the hub's
   secret certificate, and intake/branch_keys, the directory of the public
   certificates of the branches allowed in (each with metadata "branch").
   One ZAP handler, started before the socket binds. */
static int s_curve(intake_server_t *self, zconfig_t *cfg)
{
    const char *server = sw_config_str(cfg, "intake/server_cert", NULL);
    if (!server)
        return 0;
    const char *dir = sw_config_str(cfg, "intake/branch_keys", NULL);
    zcert_t *cert = zcert_load(server);
    if (!cert || !dir || !zsys_file_exists(dir)) {
        sw_error("config: intake/server_cert '%s' must be a certificate with its _secret "
                 "file, and intake/branch_keys a directory of branch certificates",
                 server);
        zcert_destroy(&cert);
        return -1;
    }
    self->auth = zactor_new(zauth, NULL);
    zstr_sendx(self->auth, "CURVE", dir, NULL);
    zsock_wait(self->auth);
    self->branch_keys = zcertstore_new(dir);
    zcert_apply(cert, self->branches);
    zsock_set_curve_server(self->branches, 1);
    zcert_destroy(&cert);
    sw_info("CURVE on: branch keys from %s", dir);
    return 0;
}

intake_server_t *intake_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    int64_t ack_ms;
    if (sw_config_int(cfg, "intake/ack_timeout_ms", 3000, 10, 600000, &ack_ms) != 0)
        return NULL;
    intake_server_t *self = (intake_server_t *)zmalloc(sizeof(intake_server_t));
    self->loop = loop;
    self->clock = clock;
    self->ack_timeout_us = ack_ms * 1000;
    self->requests = zhashx_new();
    zhashx_set_destructor(self->requests, s_request_destroy);
    self->uncommitted = zhashx_new();
    self->cases = zhashx_new();
    self->queries = zlistx_new();
    zlistx_set_destructor(self->queries, s_query_destroy);
    self->rejections = zhashx_new();
    zhashx_set_destructor(self->rejections, s_counter_destroy);
    const char *bind = sw_config_str(cfg, "intake/bind", "tcp://127.0.0.1:7701");
    self->branches = zsock_new(ZMQ_ROUTER);
    if (s_curve(self, cfg) != 0) {
        intake_server_destroy(&self);
        return NULL;
    }
    zsock_set_linger(self->branches, 1000);
    /* up to 1 MiB is read and answered OVERSIZE; larger drops the connection */
    zsock_set_maxmsgsize(self->branches, 1024 * 1024);
    if (zsock_bind(self->branches, "%s", bind) < 0) {
        sw_error("cannot bind the branch endpoint %s: %s", bind,
                 zmq_strerror(zmq_errno()));
        intake_server_destroy(&self);
        return NULL;
    }
    self->producer = sw_producer_new(
        loop, "intake", sw_config_str(cfg, "hub/proposals", "tcp://127.0.0.1:7702"),
        clock);
    self->follower = sw_follower_new(
        loop, "intake", sw_config_str(cfg, "hub/committed", "tcp://127.0.0.1:7703"),
        sw_config_str(cfg, "hub/replay", "tcp://127.0.0.1:7704"), 1, s_on_committed,
        s_on_live, self);
    self->branches_w =
        sw_zwatch_new(loop, self->branches, ZMQ_POLLIN, s_on_branches, self);
    self->query = zsock_new(ZMQ_DEALER);
    zsock_set_linger(self->query, 0);
    zsock_connect(self->query, "%s",
                  sw_config_str(cfg, "hub/replay", "tcp://127.0.0.1:7704"));
    self->query_w = sw_zwatch_new(loop, self->query, ZMQ_POLLIN, s_on_query_reply, self);
    if (!self->producer || !self->follower || !self->branches_w || !self->query_w) {
        intake_server_destroy(&self);
        return NULL;
    }
    sw_zwatch_start(self->branches_w);
    sw_zwatch_start(self->query_w);
    ev_timer_init(&self->sweep, s_on_sweep, 0.1, 0.1);
    self->sweep.data = self;
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
    sw_zwatch_destroy(&self->branches_w);
    sw_zwatch_destroy(&self->query_w);
    zsock_destroy(&self->query);
    zlistx_destroy(&self->queries);
    zhashx_destroy(&self->cases);
    sw_follower_destroy(&self->follower);
    sw_producer_destroy(&self->producer);
    zsock_destroy(&self->branches);
    zactor_destroy(&self->auth);
    zcertstore_destroy(&self->branch_keys);
    zhashx_destroy(&self->uncommitted);
    zhashx_destroy(&self->requests);
    zhashx_destroy(&self->rejections);
    free(self);
    *self_p = NULL;
}

void intake_server_stop(intake_server_t *self)
{
    self->stopping = true;
    s_on_sweep(self->loop, &self->sweep, 0);
}

void intake_server_log_stats(intake_server_t *self)
{
    sw_info("stats: requests=%" PRIu64 " ok=%" PRIu64 " retry=%" PRIu64
            " rejected=%" PRIu64 " pending=%zu known=%zu position=%" PRIu64,
            self->stats.requests, self->stats.ok, self->stats.retry, self->stats.rejected,
            zhashx_size(self->uncommitted), zhashx_size(self->requests),
            sw_follower_position(self->follower));
}
