/*  intake_server: branch requests in, committed outcomes out.

    Every request comes over CURVE with a key: a branch's (it speaks only
    for its own branch and staff and reads only its own cases) or an
    administrator's (it loads the organisation and the calendar).  Who may
    do what is in docs/security.md; intake_access.c keeps what it takes. */
#include "intake_server.h"

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

#define S_RECV_BATCH 128 /* branch requests handled per wake-up */
#define S_DIGEST     16
#define S_LOG_BURST  20   /* refusal lines logged per window, at most */
#define S_LOG_WINDOW 10.0 /* seconds */

/* Who asked, and where the answer goes: one request being handled. */
typedef struct {
    zframe_t *routing_id;      /* ROUTER identity of the connection, borrowed */
    bool delimiter;            /* REQ peers want an empty frame first */
    const char *request_id;    /* "" until the request decoded */
    const sw_principal_t *who; /* the key's principal, borrowed; NULL if none */
    const char *key;           /* the key (Z85), for logs */
    char origin[80];           /* branch id, or "admin:<staff>": names events */
} s_asker_t;

/* A branch connection waiting for a request's outcome. */
typedef struct {
    zframe_t *routing_id;
    bool delimiter;
    char *request_id;
    int64_t deadline_us; /* answer RETRY after this */
} s_waiter_t;

/* What a branch's request becomes in the log. */
typedef enum {
    S_INQUIRY,   /* inquiry.received: done when committed */
    S_COMMAND,   /* command.received: done when router's decision commits */
    S_DIRECTORY, /* directory.loaded: done when committed */
} s_kind_t;

/* What intake knows of one (origin, request id): the event it became and,
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
    s_waiter_t w;
} s_query_t;

/* The organisation or calendar in force: a load of the same file again is
   answered with it, not recorded twice. */
typedef struct {
    uint8_t digest[32]; /* of the content */
    uint64_t position;  /* of its directory.loaded */
} s_in_force_t;

typedef struct {
    uint64_t requests, ok, retry, rejected;
} s_stats_t;

struct _intake_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock; /* borrowed */
    sw_hub_t *hub;     /* internal endpoints and our key */
    zsock_t *branches; /* ROUTER, bound, CURVE server */
    sw_zwatch_t *branches_w;
    sw_zap_t *zap;           /* admits branch and administrator keys */
    sw_keyring_t *keys;      /* intake/branch_keys: who each key is */
    intake_access_t *access; /* organisation in force, cases' parties */
    zchunk_t *org_text;      /* the organisation file in force, for the desks */
    intake_cases_t *cases;   /* holders and deadlines: the branch queries */
    intake_watch_t *watch;   /* notifications kept and pushed to branches */
    sw_producer_t *producer; /* proposals to audit */
    sw_follower_t *follower; /* the committed stream */
    zhashx_t *requests;      /* key -> s_request_t, every request seen */
    zsock_t *query;          /* DEALER to audit's replay: case timelines */
    sw_zwatch_t *query_w;
    zlistx_t *queries; /* s_query_t waiting, oldest first */
    uint64_t next_tag;
    zhashx_t *uncommitted;    /* key -> s_request_t (borrowed), proposed only */
    zhashx_t *rejections;     /* reason code -> count (uint64_t *) */
    zhashx_t *audit_counts;   /* audit's counters from its heartbeat */
    s_in_force_t in_force[2]; /* organisation, calendar */
    int64_t ack_timeout_us;   /* wait this long for a commit, then RETRY */
    int64_t max_ahead_us;     /* received_at_us at most this far in the future */
    int64_t max_age_us;       /* ... and at most this old */
    int64_t watch_keep;       /* notifications kept for a resume */
    int64_t watch_idle_s;     /* a watch not acked this long ends */
    ev_timer sweep;           /* expires waiters and queries */
    bool stopping;
    s_stats_t stats;
    double log_window; /* start of the refusal-log window (loop time) */
    int log_lines;     /* refusal lines logged in it */
    uint64_t log_dropped;
};

/* ------------------------------------------------------------ replies */

/* Waiting branches time out on the loop's monotonic time, not on the
   hub's clock (which a test may hold still or move by days). */
static int64_t s_wall_us(intake_server_t *self)
{
    return (int64_t)(ev_now(self->loop) * 1e6);
}

static void s_waiter_clear(s_waiter_t *w)
{
    zframe_destroy(&w->routing_id);
    free(w->request_id);
}

static void s_waiter_destroy(void **item_p)
{
    s_waiter_t *w = (s_waiter_t *)*item_p;
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

static void s_query_destroy(void **item_p)
{
    s_query_t *q = (s_query_t *)*item_p;
    if (q) {
        s_waiter_clear(&q->w);
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

static void s_reply_status(intake_server_t *self, const s_asker_t *a,
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
    s_send(self, a->routing_id, a->delimiter, &reply);
}

static void s_reject(intake_server_t *self, const s_asker_t *a, const char *code,
                     const char *message)
{
    s_reply_status(self, a, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED, code,
                   message);
}

static void s_retry(intake_server_t *self, const s_asker_t *a, const char *code,
                    const char *message)
{
    s_reply_status(self, a, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY, code, message);
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

static void s_waiter_init(intake_server_t *self, s_waiter_t *w, const s_asker_t *a)
{
    w->routing_id = zframe_dup(a->routing_id);
    w->delimiter = a->delimiter;
    w->request_id = strdup(a->request_id);
    w->deadline_us = s_wall_us(self) + self->ack_timeout_us;
}

static void s_add_waiter(intake_server_t *self, s_request_t *r, const s_asker_t *a)
{
    if (!r->waiters) {
        r->waiters = zlistx_new();
        zlistx_set_destructor(r->waiters, s_waiter_destroy);
    }
    s_waiter_t *w = (s_waiter_t *)zmalloc(sizeof(s_waiter_t));
    s_waiter_init(self, w, a);
    zlistx_add_end(r->waiters, w);
}

/* ---------------------------------------------------------- proposals */

static s_request_t *s_request_new(const uint8_t *event_id)
{
    s_request_t *r = (s_request_t *)zmalloc(sizeof(s_request_t));
    memcpy(r->event_id, event_id, SW_EVENTID_SIZE);
    sodium_bin2hex(r->key, sizeof r->key, event_id, SW_EVENTID_SIZE);
    sw_caseid_from_event(event_id, r->case_id);
    return r;
}

static void s_envelope(sw_envelope_t *env, s_request_t *r, int body_case)
{
    env->event_id.data = r->event_id;
    env->event_id.len = SW_EVENTID_SIZE;
    env->type = (char *)sw_envelope_type_for(body_case);
    env->case_id = r->case_id;
    env->body_case = body_case;
}

static int s_propose_inquiry(intake_server_t *self, s_request_t *r, const s_asker_t *a,
                             const Shouwen__V1__InquirySubmit *s)
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

static int s_propose_command(intake_server_t *self, s_request_t *r, const s_asker_t *a,
                             Shouwen__V1__Command *command)
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

static int s_propose_directory(intake_server_t *self, s_request_t *r, const s_asker_t *a,
                               const Shouwen__V1__DirectoryLoad *load,
                               const char *version)
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
    body.loaded_by = (char *)a->who->staff; /* the administrator, from the key */
    body.request_digest.data = r->digest;
    body.request_digest.len = S_DIGEST;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    s_envelope(&env, r, SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED);
    env.case_id = NULL;
    env.actor = (char *)a->who->staff;
    env.directory_loaded = &body;
    return sw_producer_propose(self->producer, &env);
}

/* The digest of a request in its normalised form (re-packed), so every
   valid encoding of the same request is the same request. */
static void s_digest(const ProtobufCMessage *msg, uint8_t *out)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = (uint8_t *)malloc(len ? len : 1);
    if (!buf) {
        memset(out, 0xff, S_DIGEST);
        return;
    }
    protobuf_c_message_pack(msg, buf);
    crypto_generichash(out, S_DIGEST, buf, len, NULL, 0);
    free(buf);
}

static void s_event_id(const s_asker_t *a, uint8_t *event_id)
{
    char name[2 * 80 + 2];
    int len = snprintf(name, sizeof name, "%s/%s", a->origin, a->request_id);
    sw_eventid_make(event_id, "intake", name, (size_t)len);
}

static s_request_t *s_lookup(intake_server_t *self, const s_asker_t *a)
{
    uint8_t event_id[SW_EVENTID_SIZE];
    s_event_id(a, event_id);
    char key[33];
    sodium_bin2hex(key, sizeof key, event_id, SW_EVENTID_SIZE);
    return (s_request_t *)zhashx_lookup(self->requests, key);
}

/* What a recorded request stands for. */
typedef struct {
    s_kind_t kind;
    const ProtobufCMessage *digested; /* the part whose digest spots a reused id */
    const Shouwen__V1__InquirySubmit *submit;
    Shouwen__V1__Command *command;
    const Shouwen__V1__DirectoryLoad *load;
    const char *version; /* of a load */
} s_what_t;

/* Every recorded request takes this path: the same (origin, request id)
   is the same event — a retry, never a second case or a second action. */
static void s_record(intake_server_t *self, const s_asker_t *a, const s_what_t *what)
{
    if (!sw_follower_is_live(self->follower) || self->stopping) {
        s_retry(self, a, "HUB_NOT_READY",
                "the hub is catching up with its log; send the same request again");
        return;
    }
    uint8_t event_id[SW_EVENTID_SIZE];
    s_event_id(a, event_id);
    uint8_t digest[S_DIGEST];
    s_digest(what->digested, digest);
    char key[33];
    sodium_bin2hex(key, sizeof key, event_id, SW_EVENTID_SIZE);
    s_request_t *r = (s_request_t *)zhashx_lookup(self->requests, key);
    if (r && memcmp(r->digest, digest, S_DIGEST) != 0) {
        s_reject(self, a, INTAKE_REUSED_ID,
                 "this request id was already used for a different request");
        return;
    }
    if (r && r->position) {
        s_reply_ok(self, r, a->routing_id, a->delimiter, a->request_id);
        return;
    }
    if (!r) {
        r = s_request_new(event_id);
        r->kind = what->kind;
        memcpy(r->digest, digest, S_DIGEST);
        if (what->kind == S_COMMAND)
            snprintf(r->case_id, sizeof r->case_id, "%s", what->command->case_id);
        else if (what->kind == S_DIRECTORY)
            r->case_id[0] = 0;
        int rc = what->kind == S_INQUIRY ? s_propose_inquiry(self, r, a, what->submit)
                 : what->kind == S_COMMAND
                     ? s_propose_command(self, r, a, what->command)
                     : s_propose_directory(self, r, a, what->load, what->version);
        if (rc != 0) {
            void *item = r;
            s_request_destroy(&item);
            s_reject(self, a, INTAKE_MALFORMED, "the request could not be recorded");
            return;
        }
        zhashx_insert(self->requests, r->key, r);
        zhashx_insert(self->uncommitted, r->key, r);
    }
    s_add_waiter(self, r, a);
}

/* ------------------------------------------------------ who may do what */

/* The branch staff member acts for: the directory must place them at the
   asking branch (the branch vouches for who its staff are). */
static bool s_staff_here(intake_server_t *self, const s_asker_t *a, const char *staff)
{
    sw_directory_t *dir = intake_access_directory(self->access);
    char message[200];
    if (!dir) {
        s_retry(self, a, INTAKE_NO_DIRECTORY,
                "no organisation is in force yet: an administrator loads one first");
        return false;
    }
    if (!sw_directory_staff_exists(dir, staff)) {
        snprintf(message, sizeof message, "%s is not staff of %s", staff,
                 sw_directory_organisation(dir));
        s_reject(self, a, "UNKNOWN_STAFF", message);
        return false;
    }
    const char *at = intake_access_staff_branch(self->access, staff);
    if (!at || !streq(at, a->origin)) {
        snprintf(message, sizeof message, "%s works at %s, not at branch %s", staff,
                 at ? at : "no branch", a->origin);
        s_reject(self, a, INTAKE_STAFF_NOT_AT_BRANCH, message);
        return false;
    }
    return true;
}

/* When the customer asked: no later than a little ahead of the hub's
   clock, no older than intake/max_received_age_s. */
static bool s_received_plausible(intake_server_t *self, const s_asker_t *a,
                                 int64_t received_at_us)
{
    if (received_at_us == 0)
        return true;
    int64_t now = sw_clock_now_us(self->clock);
    if (received_at_us > now + self->max_ahead_us) {
        s_reject(self, a, INTAKE_BAD_TIME,
                 "received_at_us lies in the future: check the branch's clock");
        return false;
    }
    if (received_at_us < now - self->max_age_us) {
        s_reject(self, a, INTAKE_BAD_TIME,
                 "received_at_us is older than this hub accepts "
                 "(intake/max_received_age_s)");
        return false;
    }
    return true;
}

/* -------------------------------------------------------------- verbs */

static void s_submit(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__InquirySubmit *s = req->submit;
    intake_rejection_t why;
    if (intake_validate_submit(s, &why) != 0) {
        s_reject(self, a, why.code, why.message);
        return;
    }
    if (!s_staff_here(self, a, s->receiver_staff_id) ||
        !s_received_plausible(self, a, s->received_at_us))
        return;
    if (*s->linked_case_id &&
        !intake_access_case_exists(self->access, s->linked_case_id)) {
        s_reject(self, a, INTAKE_UNKNOWN_CASE,
                 "the linked case is not known to this hub");
        return;
    }
    /* the digest covers what the customer said, not when the command ran,
       so running the same command again is still the same request; the
       log records when the customer asked */
    Shouwen__V1__InquirySubmit said = *s;
    said.received_at_us = 0;
    s_what_t what = {.kind = S_INQUIRY, .digested = &said.base, .submit = s};
    s_record(self, a, &what);
}

static void s_command(intake_server_t *self, s_asker_t *a,
                      Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    if (intake_validate_command(req->command, &why) != 0)
        s_reject(self, a, why.code, why.message);
    else if (!intake_access_case_exists(self->access, req->command->case_id))
        s_reject(self, a, INTAKE_UNKNOWN_CASE, "no such case in the log");
    else if (s_staff_here(self, a, req->command->staff_id)) {
        s_what_t what = {
            .kind = S_COMMAND, .digested = &req->command->base, .command = req->command};
        s_record(self, a, &what);
    }
}

static int s_kind_index(const char *kind)
{
    return streq(kind, "organisation") ? 0 : 1;
}

/* The organisation or calendar file is parsed here with the parser router
   or sla uses, so a bad one is refused with its line and reason before it
   reaches the log. */
static char *s_parse_load(const Shouwen__V1__DirectoryLoad *load, char *version,
                          size_t version_size)
{
    char *error = NULL;
    const char *file = *load->file_name ? load->file_name : "file";
    if (streq(load->kind, "organisation")) {
        sw_directory_t *dir = sw_directory_new_from_text((const char *)load->content.data,
                                                         load->content.len, &error);
        if (dir)
            snprintf(version, version_size, "%s", sw_directory_version(dir));
        sw_directory_destroy(&dir);
        if (error) {
            char *message = zsys_sprintf("%s: %s", file, error);
            free(error);
            return message;
        }
        return NULL;
    }
    if (intake_validate_calendar((const char *)load->content.data, load->content.len,
                                 file, version, version_size, &error) != 0)
        return error ? error : strdup("the calendar does not load");
    return NULL;
}

static void s_directory_load(intake_server_t *self, s_asker_t *a,
                             Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    Shouwen__V1__DirectoryLoad *load = req->directory_load;
    if (intake_validate_directory_load(load, &why) != 0) {
        s_reject(self, a, why.code, why.message);
        return;
    }
    /* who loads is the key's administrator; --by may only say so again */
    if (*load->loaded_by && !streq(load->loaded_by, a->who->staff)) {
        s_reject(self, a, INTAKE_NOT_AUTHORIZED,
                 "loaded_by must be the administrator whose key sends the load");
        return;
    }
    char version[128] = "";
    char *error = s_parse_load(load, version, sizeof version);
    if (error) {
        char message[sizeof why.message];
        snprintf(message, sizeof message, "%s", error);
        zstr_free(&error);
        s_reject(self, a, INTAKE_BAD_DIRECTORY, message);
        return;
    }
    /* the file in force already: answer with it (a second `scripts/hub up`,
       a load repeated after a restart); A -> B -> A records A again */
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, load->content.data, load->content.len, NULL,
                       0);
    s_in_force_t *f = &self->in_force[s_kind_index(load->kind)];
    if (f->position && memcmp(f->digest, digest, sizeof digest) == 0 &&
        !s_lookup(self, a)) {
        Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
        reply.request_id = (char *)a->request_id;
        reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
        reply.position = f->position;
        reply.message = (char *)"already in force";
        self->stats.ok++;
        s_send(self, a->routing_id, a->delimiter, &reply);
        return;
    }
    s_what_t what = {
        .kind = S_DIRECTORY, .digested = &load->base, .load = load, .version = version};
    s_record(self, a, &what);
}

/* A case's timeline comes from audit's replay, filtered by case; a branch
   reads only cases it had a part in (intake_access.h). */
static void s_case_query(intake_server_t *self, s_asker_t *a,
                         Shouwen__V1__BranchRequest *req)
{
    const char *case_id = req->case_query->case_id;
    if (!case_id || !intake_access_case_exists(self->access, case_id)) {
        s_reject(self, a, INTAKE_UNKNOWN_CASE, "no such case in the log");
        return;
    }
    if (streq(a->who->role, "branch") &&
        !intake_access_may_read(self->access, a->origin, case_id)) {
        s_reject(self, a, INTAKE_NOT_AUTHORIZED,
                 "this branch had no part in that case: its staff neither received, "
                 "held nor handled it, and none of its departments did");
        return;
    }
    s_query_t *q = (s_query_t *)zmalloc(sizeof(s_query_t));
    q->tag = ++self->next_tag;
    s_waiter_init(self, &q->w, a);
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
            reply.request_id = q->w.request_id;
            if (*rep->error) {
                reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY;
                reply.code = (char *)"HUB_NOT_READY";
                reply.message = rep->error;
                self->stats.retry++;
            } else {
                reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
                reply.n_timeline = rep->n_events;
                reply.timeline = rep->events;
                reply.position = rep->head_position;
                self->stats.ok++;
            }
            s_send(self, q->w.routing_id, q->w.delimiter, &reply);
            zlistx_delete(self->queries, zlistx_cursor(self->queries));
            break;
        }
        shouwen__v1__replay_reply__free_unpacked(rep, NULL);
    }
}

/* ------------------------------------------- queries (docs/queries.md) */

#define S_QUERY_LIMIT     200  /* cases in an answer unless the query says */
#define S_QUERY_LIMIT_MAX 1000 /* and at most */

/* The cases an answer gathers: only those the asking branch may read. */
typedef struct {
    intake_server_t *self;
    const s_asker_t *a;
    const char *staff;  /* inbox: whose roles to name */
    zlistx_t *found;    /* const intake_case_t *, borrowed */
    int64_t due_before; /* due: deadlines at or before, with kind and who */
    int kind;
    const char *dstaff, *ddept;
    size_t scanned;
} s_gather_t;

static bool s_branch_reads(s_gather_t *g, const intake_case_t *c)
{
    return !streq(g->a->who->role, "branch") ||
           intake_access_may_read(g->self->access, g->a->origin, intake_case_id(c));
}

static bool s_gather(void *arg, const intake_case_t *c)
{
    s_gather_t *g = (s_gather_t *)arg;
    g->scanned++;
    if (s_branch_reads(g, c))
        zlistx_add_end(g->found, (void *)c);
    return true;
}

/* a deadline held by the asked staff member or department, or (neither
   asked) by any of the asking branch's */
static bool s_deadline_ours(void *arg, const char *holder, const char *dept)
{
    s_gather_t *g = (s_gather_t *)arg;
    if (g->dstaff || g->ddept)
        return (g->dstaff && holder && streq(holder, g->dstaff)) ||
               (g->ddept && dept && streq(dept, g->ddept));
    if (!streq(g->a->who->role, "branch"))
        return true;
    const char *at = holder ? intake_access_staff_branch(g->self->access, holder) : NULL;
    sw_directory_t *dir = intake_access_directory(g->self->access);
    const char *dat = dir && dept ? sw_directory_department(dir, dept, "branch") : NULL;
    return (at && streq(at, g->a->origin)) || (dat && streq(dat, g->a->origin));
}

static bool s_gather_due(void *arg, const intake_case_t *c)
{
    s_gather_t *g = (s_gather_t *)arg;
    g->scanned++;
    if (intake_case_any_deadline(c, g->due_before, g->kind, s_deadline_ours, g) &&
        s_branch_reads(g, c))
        zlistx_add_end(g->found, (void *)c);
    return true;
}

/* soonest running deadline first, then the newest case */
static int s_by_due(const void *x, const void *y)
{
    const intake_case_t *a = (const intake_case_t *)x, *b = (const intake_case_t *)y;
    int64_t da = intake_case_next_due(a), db = intake_case_next_due(b);
    if (da != db)
        return da < db ? -1 : 1;
    return strcmp(intake_case_id(a), intake_case_id(b));
}

static void s_gather_init(s_gather_t *g, intake_server_t *self, const s_asker_t *a)
{
    memset(g, 0, sizeof *g);
    g->self = self;
    g->a = a;
    g->found = zlistx_new();
    zlistx_set_comparator(g->found, s_by_due);
}

/* Answer OK with the gathered cases, soonest deadline first, at most limit. */
static void s_answer_cases(intake_server_t *self, const s_asker_t *a, s_gather_t *g,
                           uint32_t limit)
{
    size_t max =
        limit ? (limit > S_QUERY_LIMIT_MAX ? S_QUERY_LIMIT_MAX : limit) : S_QUERY_LIMIT;
    zlistx_sort(g->found);
    size_t n = zlistx_size(g->found) < max ? zlistx_size(g->found) : max;
    Shouwen__V1__CaseSummary **cases = (Shouwen__V1__CaseSummary **)calloc(
        n ? n : 1, sizeof(Shouwen__V1__CaseSummary *));
    size_t i = 0;
    for (const intake_case_t *c = (const intake_case_t *)zlistx_first(g->found);
         c && cases && i < n; c = (const intake_case_t *)zlistx_next(g->found))
        cases[i++] = intake_cases_summary(c, g->staff);
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.position = sw_follower_position(self->follower);
    reply.n_cases = i;
    reply.cases = cases;
    if (zlistx_size(g->found) > i) {
        char message[80];
        snprintf(message, sizeof message, "%zu of %zu shown", i, zlistx_size(g->found));
        reply.message = message;
        self->stats.ok++;
        s_send(self, a->routing_id, a->delimiter, &reply);
    } else {
        self->stats.ok++;
        s_send(self, a->routing_id, a->delimiter, &reply);
    }
    for (size_t k = 0; k < i; k++)
        intake_cases_summary_free(cases[k]);
    free(cases);
    zlistx_destroy(&g->found);
}

/* A query answers from the log as followed: not before it is caught up. */
static bool s_query_ready(intake_server_t *self, const s_asker_t *a)
{
    if (!sw_follower_is_live(self->follower) || self->stopping) {
        s_retry(self, a, "HUB_NOT_READY",
                "the hub is catching up with its log; ask again");
        return false;
    }
    return true;
}

/* A staff member the asking key may ask about: its branch's own (an
   administrator's key: anyone the organisation knows). */
static bool s_staff_askable(intake_server_t *self, const s_asker_t *a, const char *staff)
{
    if (streq(a->who->role, "branch"))
        return s_staff_here(self, a, staff);
    sw_directory_t *dir = intake_access_directory(self->access);
    if (!dir || !sw_directory_staff_exists(dir, staff)) {
        s_reject(self, a, "UNKNOWN_STAFF", "not staff of the organisation in force");
        return false;
    }
    return true;
}

/* A department the asking key may ask about: one that works at its branch. */
static bool s_dept_askable(intake_server_t *self, const s_asker_t *a, const char *dept)
{
    sw_directory_t *dir = intake_access_directory(self->access);
    char message[200];
    if (!dir) {
        s_retry(self, a, INTAKE_NO_DIRECTORY,
                "no organisation is in force yet: an administrator loads one first");
        return false;
    }
    if (!sw_directory_department_exists(dir, dept)) {
        snprintf(message, sizeof message, "%s is not a department of %s", dept,
                 sw_directory_organisation(dir));
        s_reject(self, a, "UNKNOWN_DEPARTMENT", message);
        return false;
    }
    const char *at = sw_directory_department(dir, dept, "branch");
    if (streq(a->who->role, "branch") && (!at || !streq(at, a->origin))) {
        snprintf(message, sizeof message, "%s works at %s, not at branch %s", dept,
                 at ? at : "no branch", a->origin);
        s_reject(self, a, INTAKE_NOT_AUTHORIZED, message);
        return false;
    }
    return true;
}

static void s_inbox(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    const char *staff = req->inbox->staff_id;
    if (!s_query_ready(self, a) || !s_staff_askable(self, a, staff))
        return;
    s_gather_t g;
    s_gather_init(&g, self, a);
    g.staff = staff;
    intake_cases_of_staff(self->cases, staff, s_gather, &g);
    s_answer_cases(self, a, &g, req->inbox->limit);
}

static void s_queue(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    const char *dept = req->queue->department_id;
    if (!s_query_ready(self, a) || !s_dept_askable(self, a, dept))
        return;
    s_gather_t g;
    s_gather_init(&g, self, a);
    intake_cases_of_department(self->cases, dept, s_gather, &g);
    s_answer_cases(self, a, &g, req->queue->limit);
}

static void s_due(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__DueQuery *q = req->due;
    if (!s_query_ready(self, a) ||
        (*q->staff_id && !s_staff_askable(self, a, q->staff_id)) ||
        (*q->department_id && !s_dept_askable(self, a, q->department_id)))
        return;
    if (!intake_access_directory(self->access)) {
        s_retry(self, a, INTAKE_NO_DIRECTORY,
                "no organisation is in force yet: an administrator loads one first");
        return;
    }
    s_gather_t g;
    s_gather_init(&g, self, a);
    uint32_t within = q->within_minutes ? q->within_minutes : 60;
    g.due_before = sw_clock_now_us(self->clock) + (int64_t)within * 60 * 1000000;
    g.kind = q->callbacks_only ? SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK : 0;
    g.dstaff = *q->staff_id ? q->staff_id : NULL;
    g.ddept = *q->department_id ? q->department_id : NULL;
    intake_cases_due(self->cases, g.due_before, s_gather_due, &g);
    s_answer_cases(self, a, &g, q->limit);
}

static void s_find(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__FindQuery *q = req->find;
    if (!s_query_ready(self, a))
        return;
    s_gather_t g;
    s_gather_init(&g, self, a);
    if (*q->case_id) {
        const intake_case_t *c = intake_cases_find(self->cases, q->case_id);
        if (!c) {
            zlistx_destroy(&g.found);
            s_reject(self, a, INTAKE_UNKNOWN_CASE, "no such case in the log");
            return;
        }
        if (!s_branch_reads(&g, c)) {
            zlistx_destroy(&g.found);
            s_reject(self, a, INTAKE_NOT_AUTHORIZED,
                     "this branch had no part in that case: its staff neither received, "
                     "held nor handled it, and none of its departments did");
            return;
        }
        zlistx_add_end(g.found, (void *)c);
    } else
        intake_cases_of_phone(self->cases, q->phone, s_gather, &g);
    s_answer_cases(self, a, &g, q->limit);
}

/* ----------------------------------------------------- notifications */

static void s_watch_send(void *arg, zframe_t *routing_id, bool delimiter,
                         Shouwen__V1__BranchReply *reply)
{
    s_send((intake_server_t *)arg, routing_id, delimiter, reply);
}

/* A branch subscribes this connection to its staff's and departments'
   notifications after a log position (intake_watch.h). */
static void s_watch(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__WatchRequest *w = req->watch;
    if (!s_query_ready(self, a))
        return;
    for (size_t i = 0; i < w->n_staff_ids; i++)
        if (!s_staff_askable(self, a, w->staff_ids[i]))
            return;
    for (size_t i = 0; i < w->n_department_ids; i++)
        if (!s_dept_askable(self, a, w->department_ids[i]))
            return;
    if (!intake_access_directory(self->access)) {
        s_retry(self, a, INTAKE_NO_DIRECTORY,
                "no organisation is in force yet: an administrator loads one first");
        return;
    }
    /* a staff member's watch also tells what reaches their department */
    sw_directory_t *dir = intake_access_directory(self->access);
    size_t nd = 0, max = w->n_department_ids + w->n_staff_ids;
    char **depts = (char **)calloc(max ? max : 1, sizeof(char *));
    for (size_t i = 0; depts && i < w->n_department_ids; i++)
        depts[nd++] = w->department_ids[i];
    for (size_t i = 0; depts && i < w->n_staff_ids; i++) {
        const char *d = sw_directory_staff(dir, w->staff_ids[i], "department");
        const char *at = d ? sw_directory_department(dir, d, "branch") : NULL;
        if (d && at && streq(at, a->origin))
            depts[nd++] = (char *)d;
    }
    uint64_t oldest = intake_watch_oldest(self->watch);
    if (oldest && w->from_position + 1 < oldest)
        sw_warn("branch %s resumes a watch from position %" PRIu64
                " but notifications before %" PRIu64 " are no longer kept",
                a->origin, w->from_position, oldest);
    intake_watch_subscribe(self->watch, a->routing_id, a->delimiter, a->request_id,
                           a->origin, w->staff_ids, w->n_staff_ids, depts, nd,
                           w->from_position, sw_follower_position(self->follower),
                           ev_now(self->loop));
    free(depts);
    self->stats.ok++;
}

static void s_watch_ack(intake_server_t *self, s_asker_t *a,
                        Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__WatchAck *k = req->watch_ack;
    if (!intake_watch_ack(self->watch, a->routing_id, k->watch_request_id, k->position,
                          ev_now(self->loop))) {
        s_retry(self, a, "NOT_WATCHING",
                "this connection does not watch (the hub restarted or the watch "
                "expired): watch again from the last position shown");
        return;
    }
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.position = sw_follower_position(self->follower);
    self->stats.ok++;
    s_send(self, a->routing_id, a->delimiter, &reply);
}

/* -------------------------------------------------------------- stats */

typedef struct {
    const char *name;
    uint64_t value;
} s_stat_t;

static void s_stats(intake_server_t *self, s_asker_t *a, Shouwen__V1__BranchRequest *req)
{
    s_stat_t fixed[] = {{"requests", self->stats.requests},
                        {"ok", self->stats.ok},
                        {"retry", self->stats.retry},
                        {"rejected", self->stats.rejected},
                        {"pending", zhashx_size(self->uncommitted)},
                        {"inquiries_known", zhashx_size(self->requests)},
                        {"log_position", sw_follower_position(self->follower)},
                        {"live", sw_follower_is_live(self->follower) ? 1 : 0},
                        {"queries_waiting", zlistx_size(self->queries)},
                        {"refused_connections", sw_zap_refused(self->zap)},
                        {"admitted_connections", sw_zap_admitted(self->zap)},
                        {"cases_known", intake_cases_size(self->cases)},
                        {"watchers", intake_watch_watchers(self->watch)},
                        {"notifications_pushed", intake_watch_pushed(self->watch)}};
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    size_t n = nfixed + zhashx_size(self->rejections) + zhashx_size(self->audit_counts);
    Shouwen__V1__Counter *counters = calloc(n, sizeof *counters);
    Shouwen__V1__Counter **ptrs = calloc(n, sizeof *ptrs);
    char **names = calloc(n, sizeof *names);
    if (!counters || !ptrs || !names) {
        free(counters);
        free(ptrs);
        free(names);
        s_retry(self, a, "HUB_BUSY", "out of memory; ask again");
        return;
    }
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
    for (uint64_t *v = (uint64_t *)zhashx_first(self->audit_counts); v && i < n;
         v = (uint64_t *)zhashx_next(self->audit_counts), i++) {
        shouwen__v1__counter__init(&counters[i]);
        counters[i].name = (char *)zhashx_cursor(self->audit_counts);
        counters[i].value = *v;
        ptrs[i] = &counters[i];
    }
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.n_counters = i;
    reply.counters = ptrs;
    s_send(self, a->routing_id, a->delimiter, &reply);
    for (size_t k = 0; k < n; k++)
        zstr_free(&names[k]);
    free(names);
    free(ptrs);
    free(counters);
}

/* ----------------------------------------------------------- requests */

/* The organisation in force as loaded, for a branch's web desk (category
   names, departments, staff; docs/desk.md). */
static void s_directory_query(intake_server_t *self, s_asker_t *a,
                              Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = req->request_id;
    sw_directory_t *dir = intake_access_directory(self->access);
    if (!dir || !self->org_text) {
        s_retry(self, a, INTAKE_NO_DIRECTORY,
                "no organisation is in force at the hub yet");
        return;
    }
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.message = (char *)sw_directory_version(dir);
    reply.directory.data = zchunk_data(self->org_text);
    reply.directory.len = zchunk_size(self->org_text);
    s_send(self, a->routing_id, a->delimiter, &reply);
}

enum { S_BRANCH = 1, S_ADMIN = 2 };

/* Every kind of request: who may send it, and what answers it. */
static const struct {
    int body;           /* BranchRequest body */
    unsigned roles;     /* S_BRANCH, S_ADMIN */
    const char *denied; /* the refusal for anyone else */
    void (*handle)(intake_server_t *, s_asker_t *, Shouwen__V1__BranchRequest *);
} s_requests[] = {
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT, S_BRANCH, INTAKE_NOT_AUTHORIZED, s_submit},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND, S_BRANCH, INTAKE_NOT_AUTHORIZED,
     s_command},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY, S_BRANCH | S_ADMIN,
     INTAKE_NOT_AUTHORIZED, s_case_query},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     s_stats},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD, S_ADMIN, INTAKE_NOT_ADMIN,
     s_directory_load},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_INBOX, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     s_inbox},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_QUEUE, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     s_queue},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_DUE, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     s_due},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_FIND, S_BRANCH | S_ADMIN, INTAKE_NOT_AUTHORIZED,
     s_find},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH, S_BRANCH, INTAKE_NOT_AUTHORIZED, s_watch},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH_ACK, S_BRANCH, INTAKE_NOT_AUTHORIZED,
     s_watch_ack},
    {SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_QUERY, S_BRANCH | S_ADMIN,
     INTAKE_NOT_AUTHORIZED, s_directory_query},
};

static unsigned s_role_bit(const sw_principal_t *who)
{
    return !who                         ? 0
           : streq(who->role, "branch") ? S_BRANCH
           : streq(who->role, "admin")  ? S_ADMIN
                                        : 0;
}

/* The key's principal speaks: a branch for its own branch id only. */
static void s_dispatch(intake_server_t *self, s_asker_t *a,
                       Shouwen__V1__BranchRequest *req)
{
    a->request_id = req->request_id;
    if (!a->who) {
        s_reject(self, a, INTAKE_NOT_AUTHORIZED,
                 "this key is not (or no longer) on the hub's allow-list");
        return;
    }
    if (streq(a->who->role, "branch")) {
        if (*req->branch_id && !streq(req->branch_id, a->who->branch)) {
            char message[160];
            snprintf(message, sizeof message,
                     "this key speaks for branch %s, not for branch %s", a->who->branch,
                     req->branch_id);
            s_reject(self, a, INTAKE_NOT_AUTHORIZED, message);
            return;
        }
        snprintf(a->origin, sizeof a->origin, "%s", a->who->branch);
    } else
        snprintf(a->origin, sizeof a->origin, "admin:%s", a->who->staff);
    for (size_t i = 0; i < sizeof s_requests / sizeof s_requests[0]; i++) {
        if ((int)req->body_case != s_requests[i].body)
            continue;
        if (!(s_requests[i].roles & s_role_bit(a->who))) {
            s_reject(self, a, s_requests[i].denied,
                     s_requests[i].roles == S_ADMIN
                         ? "only an administrator's key may load the organisation or "
                           "the calendar"
                         : "an administrator's key does not speak for a branch");
            return;
        }
        s_requests[i].handle(self, a, req);
        return;
    }
    s_reject(self, a, INTAKE_UNSUPPORTED, "this hub does not take that kind of request");
}

static void s_handle(intake_server_t *self, zmsg_t *msg)
{
    s_asker_t a = {.request_id = ""};
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
            s_reject(self, &a, INTAKE_MALFORMED,
                     "expected one frame holding a BranchRequest");
        else if (intake_request_decode(zframe_data(body), zframe_size(body), &req,
                                       &why) != 0)
            s_reject(self, &a, why.code, why.message);
        else
            s_dispatch(self, &a, req);
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

/* A directory.loaded committed: it is in force; the organisation also
   places staff at branches for intake_access. */
static void s_on_directory(intake_server_t *self, const sw_committed_t *c,
                           const Shouwen__V1__DirectoryLoaded *d)
{
    s_in_force_t *f = &self->in_force[s_kind_index(d->kind)];
    if (d->digest.len == sizeof f->digest) {
        memcpy(f->digest, d->digest.data, sizeof f->digest);
        f->position = c->position;
    }
    if (!streq(d->kind, "organisation"))
        return;
    char *error = NULL;
    sw_directory_t *dir =
        sw_directory_new_from_text((const char *)d->content.data, d->content.len, &error);
    if (dir) {
        intake_access_set_directory(self->access, &dir);
        zchunk_destroy(&self->org_text);
        self->org_text = zchunk_new(d->content.data, d->content.len);
    } else
        sw_warn("the organisation at position %" PRIu64 " does not load: %s", c->position,
                error ? error : "?");
    free(error);
}

/* router's decision on a staff action answers it */
static void s_on_decision(intake_server_t *self, const sw_committed_t *c,
                          const sw_envelope_t *env)
{
    char key[33];
    sodium_bin2hex(key, sizeof key, env->causation_id.data, SW_EVENTID_SIZE);
    s_request_t *r = (s_request_t *)zhashx_lookup(self->requests, key);
    if (!r || r->kind != S_COMMAND)
        return;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED)
        s_done(self, r, c->position, env->command_rejected->code,
               env->command_rejected->message);
    else if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT) {
        /* R19: the branch learns the contact only when disclosed */
        const Shouwen__V1__LeaderContact *lc = env->leader_contact;
        char message[300];
        snprintf(message, sizeof message, "%s%s",
                 lc->disclosed            ? "领导联系方式："
                 : lc->permission_granted ? "已记录领导的同意"
                                          : "领导联系方式不公开；已将来访者的联系方式转交"
                                            "领导 (R19)",
                 lc->disclosed ? lc->contact : "");
        s_done(self, r, c->position, NULL, message);
    } else
        s_done(self, r, c->position, NULL, NULL);
}

static void s_on_committed(void *arg, const sw_committed_t *c, const sw_envelope_t *env,
                           bool replaying)
{
    intake_server_t *self = (intake_server_t *)arg;
    intake_access_note(self->access, env);
    intake_cases_note(self->cases, c->position, env);
    intake_watch_note(self->watch, c->position, env,
                      intake_access_directory(self->access));
    bool ours = streq(env->producer, "intake");
    if (ours)
        sw_producer_forget(self->producer, env->event_id.data);
    if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED) {
        s_request_t *r =
            s_known(self, env, S_INQUIRY, &env->inquiry_received->request_digest);
        s_done(self, r, c->position, NULL, NULL);
    } else if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED)
        s_known(self, env, S_COMMAND, &env->command_received->request_digest);
    else if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED) {
        s_on_directory(self, c, env->directory_loaded);
        s_done(self,
               s_known(self, env, S_DIRECTORY, &env->directory_loaded->request_digest),
               c->position, NULL, NULL);
    } else if (streq(env->producer, "router") && env->causation_id.len == SW_EVENTID_SIZE)
        s_on_decision(self, c, env);
}

static void s_on_live(void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    sw_info("following the log at position %" PRIu64 "; %zu requests, %zu cases known",
            sw_follower_position(self->follower), zhashx_size(self->requests),
            intake_access_case_count(self->access));
}

/* audit's counters, shown by `shouwen stats` as audit.* */
static void s_on_heartbeat(void *arg, const Shouwen__V1__Heartbeat *hb)
{
    intake_server_t *self = (intake_server_t *)arg;
    for (size_t i = 0; i < hb->n_counters; i++) {
        const char *name = hb->counters[i]->name;
        if (!name || strncmp(name, "audit.", 6) != 0 || strlen(name) > 64)
            continue;
        uint64_t *v = (uint64_t *)zhashx_lookup(self->audit_counts, name);
        if (!v) {
            if (zhashx_size(self->audit_counts) >= 64)
                continue;
            v = (uint64_t *)zmalloc(sizeof(uint64_t));
            zhashx_insert(self->audit_counts, name, v);
        }
        *v = hb->counters[i]->value;
    }
}

static void s_on_sweep(struct ev_loop *loop, ev_timer *t, int revents)
{
    intake_server_t *self = (intake_server_t *)t->data;
    int64_t now = s_wall_us(self);
    if (self->watch)
        intake_watch_sweep(self->watch, ev_now(self->loop));
    for (s_request_t *r = (s_request_t *)zhashx_first(self->uncommitted); r;
         r = (s_request_t *)zhashx_next(self->uncommitted)) {
        if (!r->waiters)
            continue;
        /* one timeout for all: the oldest waiters are first */
        s_waiter_t *w;
        while ((w = (s_waiter_t *)zlistx_first(r->waiters)) &&
               (w->deadline_us <= now || self->stopping)) {
            s_asker_t a = {.routing_id = w->routing_id,
                           .delimiter = w->delimiter,
                           .request_id = w->request_id};
            s_retry(self, &a, "NOT_COMMITTED",
                    "not yet committed to the log; send the same request again");
            zlistx_delete(r->waiters, zlistx_cursor(r->waiters));
        }
        if (zlistx_size(r->waiters) == 0)
            zlistx_destroy(&r->waiters);
    }
    /* a case query audit never answered (it died meanwhile): RETRY, freed */
    s_query_t *q;
    while ((q = (s_query_t *)zlistx_first(self->queries)) &&
           (q->w.deadline_us <= now || self->stopping)) {
        s_asker_t a = {.routing_id = q->w.routing_id,
                       .delimiter = q->w.delimiter,
                       .request_id = q->w.request_id};
        s_retry(self, &a, "HUB_NOT_READY",
                "the log did not answer in time; send the same request again");
        zlistx_delete(self->queries, zlistx_cursor(self->queries));
    }
}

/* ---------------------------------------------------------- lifecycle */

/* CURVE on the branch endpoint: the hub's certificate (intake/server_cert,
   else hub/cert) and intake/branch_keys, the directory of the branches' and
   administrators' public certificates.  Our ZAP handler starts before the
   socket binds. */
static int s_curve(intake_server_t *self, zconfig_t *cfg)
{
    const char *server =
        sw_config_str(cfg, "intake/server_cert", sw_config_str(cfg, "hub/cert", NULL));
    const char *dir = sw_config_str(cfg, "intake/branch_keys", NULL);
    self->keys = dir ? sw_keyring_new(dir) : NULL;
    if (!server || !self->keys) {
        sw_error("config: intake/branch_keys (a directory of branch and administrator "
                 "certificates) and intake/server_cert or hub/cert (the hub's "
                 "certificate with its _secret file) are required; see docs/security.md");
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
    int64_t ack_ms, ahead_s, age_s;
    if (sw_config_int(cfg, "intake/ack_timeout_ms", 3000, 10, 600000, &ack_ms) != 0 ||
        sw_config_int(cfg, "intake/max_received_ahead_s", 300, 0, 86400, &ahead_s) != 0 ||
        sw_config_int(cfg, "intake/max_received_age_s", 30 * 86400, 60, 3660L * 86400,
                      &age_s) != 0 ||
        sw_config_int(cfg, "intake/watch_keep", 200000, 1, 100000000,
                      &self->watch_keep) != 0 ||
        sw_config_int(cfg, "intake/watch_idle_s", 30, 2, 86400, &self->watch_idle_s) != 0)
        return -1;
    self->ack_timeout_us = ack_ms * 1000;
    self->max_ahead_us = ahead_s * 1000000;
    self->max_age_us = age_s * 1000000;
    return 0;
}

/* Until the log holds an organisation, the file intake/directory (the one
   router reads) places staff at branches. */
static void s_directory_file(intake_server_t *self, zconfig_t *cfg)
{
    const char *path = sw_config_str(cfg, "intake/directory", NULL);
    if (!path)
        return;
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_file(path, &error);
    if (dir) {
        intake_access_set_directory(self->access, &dir);
        zchunk_destroy(&self->org_text);
        self->org_text = zchunk_slurp(path, 0);
    } else
        sw_warn("intake/directory: %s", error ? error : path);
    free(error);
}

intake_server_t *intake_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    intake_server_t *self = (intake_server_t *)zmalloc(sizeof(intake_server_t));
    self->loop = loop;
    self->clock = clock;
    self->requests = zhashx_new();
    zhashx_set_destructor(self->requests, s_request_destroy);
    self->uncommitted = zhashx_new();
    self->queries = zlistx_new();
    zlistx_set_destructor(self->queries, s_query_destroy);
    self->rejections = zhashx_new();
    zhashx_set_destructor(self->rejections, s_counter_destroy);
    self->audit_counts = zhashx_new();
    zhashx_set_destructor(self->audit_counts, s_counter_destroy);
    self->access = intake_access_new();
    self->cases = intake_cases_new();
    ev_timer_init(&self->sweep, s_on_sweep, 0.1, 0.1);
    self->sweep.data = self;
    if (s_settings(self, cfg) != 0 || !(self->hub = sw_hub_new(cfg, "intake"))) {
        intake_server_destroy(&self);
        return NULL;
    }
    s_directory_file(self, cfg);
    self->watch = intake_watch_new((size_t)self->watch_keep, (double)self->watch_idle_s,
                                   s_watch_send, self);
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
    self->follower =
        sw_follower_new(loop, "intake", self->hub, 1, s_on_committed, s_on_live, self);
    if (self->follower)
        sw_follower_set_heartbeat_fn(self->follower, s_on_heartbeat);
    self->branches_w =
        sw_zwatch_new(loop, self->branches, ZMQ_POLLIN, s_on_branches, self);
    self->query = zsock_new(ZMQ_DEALER);
    zsock_set_linger(self->query, 0);
    if (sw_hub_secure(self->hub, self->query) != 0 ||
        zsock_connect(self->query, "%s", self->hub->replay) != 0) {
        intake_server_destroy(&self);
        return NULL;
    }
    self->query_w = sw_zwatch_new(loop, self->query, ZMQ_POLLIN, s_on_query_reply, self);
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
    intake_cases_destroy(&self->cases);
    intake_watch_destroy(&self->watch);
    zhashx_destroy(&self->uncommitted);
    zhashx_destroy(&self->requests);
    zhashx_destroy(&self->rejections);
    zhashx_destroy(&self->audit_counts);
    sw_hub_destroy(&self->hub);
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
            " rejected=%" PRIu64 " pending=%zu known=%zu position=%" PRIu64
            " refused_connections=%" PRIu64,
            self->stats.requests, self->stats.ok, self->stats.retry, self->stats.rejected,
            zhashx_size(self->uncommitted), zhashx_size(self->requests),
            sw_follower_position(self->follower), sw_zap_refused(self->zap));
}
