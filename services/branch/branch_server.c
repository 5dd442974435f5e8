/*  branch_server: shouwen-branch (see branch_server.h). */
#include "branch_server_int.h"
#include "sw_alloc.h"

#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>

#include "branch_spool.h"
#include "intake_validate.h"
#include "sw_config.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_log.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

#define S_RECV_BATCH      64   /* messages taken per wake-up, per socket */
#define S_TICK_S          0.1  /* how often due resends are looked at */
#define S_FORWARD_MAX     256  /* queries relayed to the hub at a time */
#define S_FORWARD_TTL_S   10.0 /* a relayed query's answer is awaited this long */
#define S_LINK_DOWN_S     0.5  /* next try when the hub is not connected */
#define S_DEFAULT_LISTEN  "ipc:///run/shouwen-branch/desk.ipc"
#define S_DEFAULT_SPOOL   "/var/lib/shouwen-branch/spool.sqlite"
#define S_BRANCH_BUSY     "BRANCH_BUSY"
#define S_HUB_UNREACHABLE "HUB_UNREACHABLE"
#define S_SPOOL_FAILED    "SPOOL_FAILED"
#define S_WATCH_ACK_S     5.0  /* the hub's watch is kept alive this often */
#define S_WATCH_SILENT_S  12.0 /* a watch not heard from this long is renewed */
#define S_DIRECTORY_S     30.0 /* the organisation is fetched again this often */
#define S_HUB_UP_S        15.0 /* the hub counts as up this long after an answer */

/* ------------------------------------------------------------ answers */

static void s_flight_free(void **item)
{
    branch_flight_t *f = (branch_flight_t *)*item;
    if (f) {
        free(f->bytes);
        free(f);
        *item = NULL;
    }
}

static void s_forward_free(void **item)
{
    branch_forward_t *f = (branch_forward_t *)*item;
    if (f) {
        zframe_destroy(&f->routing_id);
        free(f);
        *item = NULL;
    }
}

static void s_held_free(void **item)
{
    branch_held_t *h = (branch_held_t *)*item;
    if (h) {
        zframe_destroy(&h->routing_id);
        zframe_destroy(&h->reply);
        zframe_destroy(&h->fallback);
        free(h);
        *item = NULL;
    }
}

static void s_send_desk(branch_server_t *self, zframe_t *routing_id, bool delimiter,
                        uint64_t ticket, zframe_t **body)
{
    if (!routing_id && self->in_hub_batch) {
        /* the web desk may ask again from its answer: not inside the hub
           batch's spool transaction, after it */
        zframe_t *t = zframe_new(&ticket, sizeof ticket);
        zlistx_add_end(self->deferred, t);
        zlistx_add_end(self->deferred, *body);
        *body = NULL;
        return;
    }
    if (!routing_id) { /* the web desk */
        Shouwen__V1__BranchReply *reply = shouwen__v1__branch_reply__unpack(
            NULL, zframe_size(*body), zframe_data(*body));
        if (reply && self->observer.answer)
            self->observer.answer(self->observer.arg, ticket, reply);
        if (reply)
            shouwen__v1__branch_reply__free_unpacked(reply, NULL);
        zframe_destroy(body);
        return;
    }
    zframe_t *id = zframe_dup(routing_id);
    zframe_send(&id, self->desk, ZFRAME_MORE | ZFRAME_DONTWAIT);
    if (delimiter)
        zstr_sendm(self->desk, "");
    zframe_send(body, self->desk, ZFRAME_DONTWAIT);
    zframe_destroy(body);
}

static zframe_t *s_pack(Shouwen__V1__BranchReply *reply)
{
    reply->protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
    return sw_pack_frame(&reply->base);
}

/* Hold an answer until the batch is committed (fallback: NULL to send the
   answer either way). */
static void s_hold(branch_server_t *self, const branch_asker_t *a, zframe_t *reply,
                   zframe_t *fallback)
{
    branch_held_t *h = (branch_held_t *)sw_calloc(1, sizeof *h);
    h->routing_id = a->routing_id ? zframe_dup(a->routing_id) : NULL;
    h->delimiter = a->delimiter;
    h->ticket = a->ticket;
    h->reply = reply;
    h->fallback = fallback;
    zlistx_add_end(self->held, h);
}

static zframe_t *s_status_frame(const char *request_id, Shouwen__V1__ReplyStatus status,
                                const char *code, const char *message)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)request_id;
    reply.status = status;
    reply.code = (char *)code;
    reply.message = (char *)message;
    return s_pack(&reply);
}

static void s_refuse(branch_server_t *self, const branch_asker_t *a,
                     const char *request_id, const char *code, const char *message)
{
    self->stats.refused++;
    sw_info("desk request %s refused: %s: %s", request_id, code, message);
    s_hold(self, a,
           s_status_frame(request_id, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED,
                          code, message),
           NULL);
}

static void s_retry(branch_server_t *self, const branch_asker_t *a,
                    const char *request_id, const char *code, const char *message)
{
    s_hold(self, a,
           s_status_frame(request_id, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY, code,
                          message),
           NULL);
}

/* The answer a spool row gives: SPOOLED while pending, then the hub's. */
static zframe_t *s_row_frame(const branch_spool_entry_t *e)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)e->request_id;
    reply.case_id = (char *)e->case_id;
    reply.position = e->position;
    reply.code = (char *)e->code;
    reply.message = (char *)e->message;
    if (e->has_event_id) {
        reply.event_id.data = (uint8_t *)e->event_id;
        reply.event_id.len = sizeof e->event_id;
    }
    reply.status = e->state == BRANCH_SPOOL_OK
                       ? SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK
                   : e->state == BRANCH_SPOOL_REJECTED
                       ? SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED
                       : SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED;
    if (e->state == BRANCH_SPOOL_PENDING)
        reply.message = "recorded at the branch; the hub has not confirmed it yet";
    return s_pack(&reply);
}

/* ------------------------------------------------------ the spool path */

/* The event id intake will give the request, exactly as intake's
   s_event_id: sw_eventid_make("intake", "<branch>/<request id>"). */
static void s_event_id(const char *branch_id, const char *request_id, uint8_t *out)
{
    char name[2 * 80 + 2];
    int len = snprintf(name, sizeof name, "%s/%s", branch_id, request_id);
    sw_eventid_make(out, "intake", name, (size_t)len);
}

static void s_digest(const ProtobufCMessage *msg, uint8_t *out)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = (uint8_t *)sw_malloc(len ? len : 1);
    protobuf_c_message_pack(msg, buf);
    crypto_generichash(out, BRANCH_SPOOL_DIGEST, buf, len, NULL, 0);
    free(buf);
}

/* An inquiry or a staff action: answered from the spool if known, else
   spooled and answered SPOOLED once the batch is on disk. */
static void s_spool(branch_server_t *self, const branch_asker_t *a,
                    Shouwen__V1__BranchRequest *req, const ProtobufCMessage *body,
                    const char *case_id, const uint8_t *event_id)
{
    uint8_t digest[BRANCH_SPOOL_DIGEST];
    s_digest(body, digest);
    branch_spool_entry_t e;
    int found = branch_spool_lookup(self->spool, req->request_id, &e);
    if (found < 0) {
        self->stats.spool_errors++;
        s_retry(self, a, req->request_id, S_SPOOL_FAILED,
                "the branch's spool cannot be read; send the same request again");
        return;
    }
    if (found) {
        if (memcmp(e.digest, digest, sizeof digest) != 0)
            s_refuse(self, a, req->request_id, INTAKE_REUSED_ID,
                     "this request id was already used at this branch for a different "
                     "request");
        else
            s_hold(self, a, s_row_frame(&e), NULL);
        return;
    }
    req->branch_id = self->branch_id;
    req->protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
    size_t size = protobuf_c_message_get_packed_size(&req->base);
    uint8_t *bytes = (uint8_t *)sw_malloc(size ? size : 1);
    protobuf_c_message_pack(&req->base, bytes);
    int64_t seq = 0;
    int rc = branch_spool_add(self->spool, req->request_id, digest, case_id, bytes, size,
                              sw_clock_now_us(self->clock), &seq);
    free(bytes);
    if (rc != 0) {
        self->stats.spool_errors++;
        s_retry(self, a, req->request_id, S_SPOOL_FAILED,
                "the branch's spool cannot be written; send the same request again");
        return;
    }
    self->stats.spooled++;
    memset(&e, 0, sizeof e);
    snprintf(e.request_id, sizeof e.request_id, "%s", req->request_id);
    snprintf(e.case_id, sizeof e.case_id, "%s", case_id);
    if (event_id) {
        memcpy(e.event_id, event_id, sizeof e.event_id);
        e.has_event_id = true;
    }
    s_hold(self, a, s_row_frame(&e),
           s_status_frame(req->request_id, SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY,
                          S_SPOOL_FAILED,
                          "the branch's spool could not commit; send the same request "
                          "again"));
}

/* A query: relayed to the hub, its answer relayed back. */
static void s_forward(branch_server_t *self, const branch_asker_t *a,
                      Shouwen__V1__BranchRequest *req)
{
    if (zhashx_size(self->forwards) >= S_FORWARD_MAX &&
        !zhashx_lookup(self->forwards, req->request_id)) {
        s_retry(self, a, req->request_id, S_BRANCH_BUSY,
                "the branch is relaying many queries; ask again");
        return;
    }
    req->branch_id = self->branch_id;
    zframe_t *out = sw_pack_frame(&req->base);
    if (zframe_send(&out, self->hub, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy(&out);
        s_retry(self, a, req->request_id, S_HUB_UNREACHABLE,
                "the hub cannot be reached from this branch now; ask again");
        return;
    }
    branch_forward_t *f = (branch_forward_t *)sw_calloc(1, sizeof *f);
    f->routing_id = a->routing_id ? zframe_dup(a->routing_id) : NULL;
    f->delimiter = a->delimiter;
    f->ticket = a->ticket;
    f->expires = ev_now(self->loop) + S_FORWARD_TTL_S;
    zhashx_update(self->forwards, req->request_id, f);
    self->stats.forwarded++;
}

void branch_request(branch_server_t *self, const branch_asker_t *a, zframe_t *body)
{
    Shouwen__V1__BranchRequest *req = NULL;
    intake_rejection_t why = {.code = INTAKE_MALFORMED};
    if (intake_request_decode(zframe_data(body), zframe_size(body), &req, &why) != 0) {
        s_refuse(self, a, "", why.code, why.message);
        return;
    }
    if (*req->branch_id && !streq(req->branch_id, self->branch_id)) {
        s_refuse(self, a, req->request_id, INTAKE_NOT_AUTHORIZED,
                 "this is not the branch named in the request");
        shouwen__v1__branch_request__free_unpacked(req, NULL);
        return;
    }
    char *own = req->branch_id; /* freed by free_unpacked, not ours to keep */
    uint8_t event_id[SW_EVENTID_SIZE];
    char case_id[SW_CASEID_STRLEN + 1];
    switch (req->body_case) {
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT:
        if (intake_validate_submit(req->submit, &why) != 0) {
            s_refuse(self, a, req->request_id, why.code, why.message);
            break;
        }
        s_event_id(self->branch_id, req->request_id, event_id);
        sw_caseid_from_event(event_id, case_id);
        s_spool(self, a, req, &req->submit->base, case_id, event_id);
        break;
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND:
        if (intake_validate_command(req->command, &why) != 0) {
            s_refuse(self, a, req->request_id, why.code, why.message);
            break;
        }
        s_spool(self, a, req, &req->command->base, req->command->case_id, NULL);
        break;
    default: /* case and stats queries, loads: the hub answers them */
        s_forward(self, a, req);
        break;
    }
    req->branch_id = own;
    shouwen__v1__branch_request__free_unpacked(req, NULL);
}

static void s_handle_desk(branch_server_t *self, zmsg_t *msg)
{
    branch_asker_t a = {0};
    zframe_t *routing_id = zmsg_pop(msg);
    zframe_t *body = zmsg_pop(msg);
    if (body && zframe_size(body) == 0 && zmsg_size(msg) > 0) {
        a.delimiter = true;
        zframe_destroy(&body);
        body = zmsg_pop(msg);
    }
    a.routing_id = routing_id;
    self->stats.requests++;
    if (routing_id && (!body || zmsg_size(msg) > 0))
        s_refuse(self, &a, "", INTAKE_MALFORMED,
                 "expected one frame holding a BranchRequest");
    else if (routing_id)
        branch_request(self, &a, body);
    zframe_destroy(&body);
    zframe_destroy(&routing_id);
}

/* ------------------------------------------------------ the window */

static void s_take(const branch_spool_entry_t *e, const uint8_t *request, size_t size,
                   void *arg)
{
    branch_server_t *self = (branch_server_t *)arg;
    if (e->seq > self->loaded_seq)
        self->loaded_seq = e->seq;
    if (zhashx_lookup(self->flights, e->request_id))
        return;
    branch_flight_t *f = (branch_flight_t *)sw_calloc(1, sizeof *f);
    snprintf(f->request_id, sizeof f->request_id, "%s", e->request_id);
    f->seq = e->seq;
    f->bytes = (uint8_t *)sw_malloc(size ? size : 1);
    memcpy(f->bytes, request, size);
    f->size = size;
    f->next_at = 0; /* at once */
    f->backoff = self->backoff_first;
    zhashx_insert(self->flights, f->request_id, f);
}

/* Fill the in-flight window from the spool, oldest first. */
static void s_refill(branch_server_t *self)
{
    size_t n = zhashx_size(self->flights);
    if (n >= self->window)
        return;
    if (branch_spool_pending(self->spool, self->loaded_seq, (int)(self->window - n),
                             s_take, self) < 0)
        self->stats.spool_errors++;
}

/* Send every request of the window that is due (at most the window). */
static void s_pump(branch_server_t *self)
{
    double now = ev_now(self->loop);
    for (branch_flight_t *f = (branch_flight_t *)zhashx_first(self->flights); f;
         f = (branch_flight_t *)zhashx_next(self->flights)) {
        if (f->next_at > now)
            continue;
        zframe_t *out = zframe_new(f->bytes, f->size);
        if (zframe_send(&out, self->hub, ZFRAME_DONTWAIT) != 0) {
            zframe_destroy(&out); /* not connected (ZMQ_IMMEDIATE): try soon */
            f->next_at = now + S_LINK_DOWN_S;
            continue;
        }
        self->stats.sends++;
        if (f->attempts++ > 0)
            self->stats.retries++;
        f->next_at = now + f->backoff;
        f->backoff =
            f->backoff * 2 > self->backoff_max ? self->backoff_max : f->backoff * 2;
    }
}

static void s_expire_forwards(branch_server_t *self)
{
    double now = ev_now(self->loop);
    zlistx_t *gone = zlistx_new();
    for (branch_forward_t *f = (branch_forward_t *)zhashx_first(self->forwards); f;
         f = (branch_forward_t *)zhashx_next(self->forwards))
        if (f->expires < now)
            zlistx_add_end(gone, (void *)zhashx_cursor(self->forwards));
    for (const char *k = (const char *)zlistx_first(gone); k;
         k = (const char *)zlistx_next(gone))
        zhashx_delete(self->forwards, k);
    zlistx_destroy(&gone);
}

static void s_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    branch_server_t *self = (branch_server_t *)w->data;
    s_refill(self);
    s_pump(self);
    s_expire_forwards(self);
    branch_watch_tick(self);
    if (ev_now(loop) - self->directory_at >
        (self->directory ? S_DIRECTORY_S : S_LINK_DOWN_S * 4))
        branch_directory_ask(self);
}

/* ------------------------------------------------------ desk socket */

/* The batch's spool transaction ends; then, and only then, its answers go
   out (a failed commit sends each held answer's fallback). */
void branch_commit_batch(branch_server_t *self, bool txn)
{
    bool committed = txn && branch_spool_commit(self->spool) == 0;
    if (!committed)
        self->stats.spool_errors++;
    for (branch_held_t *h = (branch_held_t *)zlistx_first(self->held); h;
         h = (branch_held_t *)zlistx_next(self->held)) {
        zframe_t **body = !committed && h->fallback ? &h->fallback : &h->reply;
        s_send_desk(self, h->routing_id, h->delimiter, h->ticket, body);
    }
    zlistx_purge(self->held);
    if (committed) {
        s_refill(self);
        s_pump(self);
    }
}

static void s_on_desk(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    branch_server_t *self = (branch_server_t *)arg;
    if (self->stopping)
        return;
    /* one transaction per batch: every SPOOLED answer of the batch goes out
       only after the batch is on disk (group commit) */
    bool txn = branch_spool_begin(self->spool) == 0;
    for (int i = 0; i < S_RECV_BATCH; i++) {
        zmsg_t *msg = zmsg_recv_nowait(self->desk);
        if (!msg)
            break;
        s_handle_desk(self, msg);
        zmsg_destroy(&msg);
    }
    branch_commit_batch(self, txn);
}

/* ------------------------------------------------------ hub socket */

/* The outcomes of the batch are on disk: the web desk may tell them. */
static void s_tell_settled(branch_server_t *self)
{
    zframe_t *frame;
    while ((frame = (zframe_t *)zlistx_detach(self->settled, NULL))) {
        Shouwen__V1__BranchReply *reply = shouwen__v1__branch_reply__unpack(
            NULL, zframe_size(frame), zframe_data(frame));
        if (reply && self->observer.settled)
            self->observer.settled(self->observer.arg, reply);
        if (reply)
            shouwen__v1__branch_reply__free_unpacked(reply, NULL);
        zframe_destroy(&frame);
    }
}

/* The web desk's answers that came in the batch. */
static void s_tell_deferred(branch_server_t *self)
{
    zframe_t *t;
    while ((t = (zframe_t *)zlistx_detach(self->deferred, NULL))) {
        zframe_t *body = (zframe_t *)zlistx_detach(self->deferred, NULL);
        uint64_t ticket = 0;
        memcpy(&ticket, zframe_data(t), sizeof ticket);
        zframe_destroy(&t);
        if (body)
            s_send_desk(self, NULL, false, ticket, &body);
    }
}

/* The hub's answer to a spooled request: OK and REJECTED are final. */
static void s_settle(branch_server_t *self, const Shouwen__V1__BranchReply *reply)
{
    branch_flight_t *f =
        (branch_flight_t *)zhashx_lookup(self->flights, reply->request_id);
    if (!f)
        return; /* an answer to an earlier send, already recorded */
    if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK ||
        reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
        bool ok = reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
        if (branch_spool_settle(self->spool, reply->request_id,
                                ok ? BRANCH_SPOOL_OK : BRANCH_SPOOL_REJECTED,
                                reply->position, reply->case_id, reply->code,
                                reply->message, reply->event_id.data, reply->event_id.len,
                                f->attempts, sw_clock_now_us(self->clock)) != 0) {
            self->stats.spool_errors++;
            return; /* stays in flight: the next answer records it */
        }
        if (self->observer.settled) {
            Shouwen__V1__BranchReply copy = *reply;
            zlistx_add_end(self->settled, sw_pack_frame(&copy.base));
        }
        if (ok)
            self->stats.confirmed++;
        else {
            self->stats.rejected++;
            sw_warn("the hub rejected spooled request %s: %s: %s", reply->request_id,
                    reply->code, reply->message);
        }
        zhashx_delete(self->flights, reply->request_id);
    } else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY) {
        double at = ev_now(self->loop) + f->backoff / 2;
        if (f->next_at > at)
            f->next_at = at; /* told to retry: sooner than silence would */
    }
}

static void s_relay(branch_server_t *self, const Shouwen__V1__BranchReply *reply,
                    zframe_t **frame)
{
    branch_forward_t *f =
        (branch_forward_t *)zhashx_lookup(self->forwards, reply->request_id);
    if (!f)
        return;
    s_send_desk(self, f->routing_id, f->delimiter, f->ticket, frame);
    zhashx_delete(self->forwards, reply->request_id);
}

static void s_on_hub(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    branch_server_t *self = (branch_server_t *)arg;
    /* one transaction per batch of answers; without one each outcome is
       its own (still drained: the socket's edge must not be left pending) */
    bool txn = branch_spool_begin(self->spool) == 0;
    size_t before = zhashx_size(self->flights);
    self->in_hub_batch = true;
    for (int i = 0; i < S_RECV_BATCH; i++) {
        zframe_t *frame = zframe_recv_nowait(self->hub);
        if (!frame)
            break;
        Shouwen__V1__BranchReply *reply = shouwen__v1__branch_reply__unpack(
            NULL, zframe_size(frame), zframe_data(frame));
        if (reply) {
            self->hub_heard = ev_now(self->loop);
            if (!branch_watch_reply(self, reply) &&
                !branch_directory_reply(self, reply)) {
                s_settle(self, reply);
                s_relay(self, reply, &frame);
            }
            shouwen__v1__branch_reply__free_unpacked(reply, NULL);
        }
        zframe_destroy(&frame);
    }
    self->in_hub_batch = false;
    bool failed = txn && branch_spool_commit(self->spool) != 0;
    if (failed) {
        /* outcomes not on disk: the rows are still pending and will be sent
           again; intake answers a resend from its record */
        self->stats.spool_errors++;
        zhashx_purge(self->flights);
        zframe_t *f;
        while ((f = (zframe_t *)zlistx_detach(self->settled, NULL)))
            zframe_destroy(&f);
        self->loaded_seq = 0;
    } else
        s_tell_settled(self);
    s_tell_deferred(self);
    if (failed)
        return;
    if (zhashx_size(self->flights) < before) {
        s_refill(self);
        s_pump(self);
    }
}

/* ------------------------------------------------------ set-up */

/* An ipc:// endpoint's directory: made 0700 if missing, refused if others
   may enter it (local desks are trusted by file permissions). */
static int s_private_dir(const char *endpoint)
{
    if (strncmp(endpoint, "ipc://", 6) != 0)
        return 0;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", endpoint + 6);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = 0;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        sw_error("branch/listen: cannot make %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 0077) ||
        st.st_uid != geteuid()) {
        sw_error("branch/listen: %s must be a directory of ours with mode 0700 (local "
                 "desks are trusted by file permissions)",
                 dir);
        return -1;
    }
    return 0;
}

static int s_connect_hub(branch_server_t *self, zconfig_t *cfg)
{
    const char *cert_path = sw_config_str(cfg, "branch/cert", NULL);
    const char *hub_path = sw_config_str(cfg, "branch/hub_cert", NULL);
    const char *hub = sw_config_str(cfg, "branch/hub", NULL);
    if (!cert_path || !hub_path || !hub) {
        sw_error("config: branch/cert, branch/hub_cert and branch/hub are required");
        return -1;
    }
    zcert_t *mine = sw_cert_load(cert_path, true, "branch/cert");
    zcert_t *theirs = sw_cert_load(hub_path, false, "branch/hub_cert");
    int rc = -1;
    if (!mine || !theirs) /* sw_cert_load said why */
        rc = -1;
    else if (zcert_meta(mine, "branch") &&
             !streq(zcert_meta(mine, "branch"), self->branch_id))
        sw_error("branch/cert is the key of branch '%s', not of branch/id '%s'",
                 zcert_meta(mine, "branch"), self->branch_id);
    else {
        self->hub = zsock_new(ZMQ_DEALER);
        zsock_set_linger(self->hub, 0);    /* the spool keeps what is unsent */
        zsock_set_immediate(self->hub, 1); /* no queueing while the link is down */
        zcert_apply(mine, self->hub);
        zsock_set_curve_serverkey(self->hub, zcert_public_txt(theirs));
        if (zsock_connect(self->hub, "%s", hub) != 0)
            sw_error("branch/hub: bad endpoint '%s'", hub);
        else
            rc = 0;
    }
    zcert_destroy(&mine);
    zcert_destroy(&theirs);
    return rc;
}

static int s_bind_desk(branch_server_t *self, zconfig_t *cfg)
{
    const char *listen = sw_config_str(cfg, "branch/listen", S_DEFAULT_LISTEN);
    if (s_private_dir(listen) != 0)
        return -1;
    self->desk = zsock_new(ZMQ_ROUTER);
    zsock_set_linger(self->desk, 1000);
    zsock_set_router_mandatory(self->desk, 0);
    if (zsock_bind(self->desk, "%s", listen) < 0) {
        sw_error("cannot bind the desk endpoint %s: %s", listen,
                 zmq_strerror(zmq_errno()));
        return -1;
    }
    if (strncmp(listen, "ipc://", 6) == 0)
        chmod(listen + 6, 0600);
    sw_info("taking desk requests on %s", listen);
    return 0;
}

static int s_settings(branch_server_t *self, zconfig_t *cfg)
{
    const char *id = sw_config_str(cfg, "branch/id", NULL);
    int64_t window = 0, first = 0, max = 0;
    if (!id || !*id || strlen(id) >= sizeof self->branch_id) {
        sw_error("config: branch/id is required (the branch office's directory id)");
        return -1;
    }
    snprintf(self->branch_id, sizeof self->branch_id, "%s", id);
    if (sw_config_int(cfg, "branch/window", 64, 1, 4096, &window) != 0 ||
        sw_config_int(cfg, "branch/resend_ms", 1000, 10, 600000, &first) != 0 ||
        sw_config_int(cfg, "branch/resend_max_ms", 8000, 10, 3600000, &max) != 0)
        return -1;
    self->window = (size_t)window;
    self->backoff_first = (double)first / 1000.0;
    self->backoff_max = (double)(max < first ? first : max) / 1000.0;
    return 0;
}

branch_server_t *branch_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    branch_server_t *self = (branch_server_t *)sw_calloc(1, sizeof *self);
    self->loop = loop;
    self->clock = clock;
    self->flights = zhashx_new();
    zhashx_set_destructor(self->flights, s_flight_free);
    self->forwards = zhashx_new();
    zhashx_set_destructor(self->forwards, s_forward_free);
    self->held = zlistx_new();
    zlistx_set_destructor(self->held, s_held_free);
    self->settled = zlistx_new();
    self->deferred = zlistx_new();
    if (s_settings(self, cfg) != 0 ||
        !(self->spool = branch_spool_new(
              sw_config_str(cfg, "branch/spool", S_DEFAULT_SPOOL), false)) ||
        s_connect_hub(self, cfg) != 0 || s_bind_desk(self, cfg) != 0) {
        branch_server_destroy(&self);
        return NULL;
    }
    self->desk_w = sw_zwatch_new(loop, self->desk, ZMQ_POLLIN, s_on_desk, self);
    self->hub_w = sw_zwatch_new(loop, self->hub, ZMQ_POLLIN, s_on_hub, self);
    if (!self->desk_w || !self->hub_w) {
        branch_server_destroy(&self);
        return NULL;
    }
    sw_zwatch_start(self->desk_w);
    sw_zwatch_start(self->hub_w);
    ev_timer_init(&self->tick, s_on_tick, S_TICK_S, S_TICK_S);
    self->tick.data = self;
    ev_timer_start(loop, &self->tick);
    int64_t pending = branch_spool_count(self->spool, BRANCH_SPOOL_PENDING);
    sw_info("branch %s: %" PRId64 " spooled requests wait for the hub", self->branch_id,
            pending);
    s_refill(self);
    return self;
}

void branch_server_destroy(branch_server_t **self_p)
{
    branch_server_t *self = *self_p;
    if (!self)
        return;
    if (self->loop)
        ev_timer_stop(self->loop, &self->tick);
    sw_zwatch_destroy(&self->desk_w);
    sw_zwatch_destroy(&self->hub_w);
    zsock_destroy(&self->desk);
    zsock_destroy(&self->hub);
    zhashx_destroy(&self->flights);
    zhashx_destroy(&self->forwards);
    zlistx_destroy(&self->held);
    zframe_t *frame;
    while (self->settled && (frame = (zframe_t *)zlistx_detach(self->settled, NULL)))
        zframe_destroy(&frame);
    zlistx_destroy(&self->settled);
    while (self->deferred && (frame = (zframe_t *)zlistx_detach(self->deferred, NULL)))
        zframe_destroy(&frame);
    zlistx_destroy(&self->deferred);
    sw_directory_destroy(&self->directory);
    branch_spool_destroy(&self->spool);
    free(self);
    *self_p = NULL;
}

void branch_server_stop(branch_server_t *self)
{
    self->stopping = true;
    sw_zwatch_stop(self->desk_w);
}

void branch_server_status_line(branch_server_t *self, sw_health_t *health)
{
    int64_t spooled = branch_spool_count(self->spool, BRANCH_SPOOL_PENDING);
    health->live = branch_server_hub_up(self);
    health->pending = spooled > 0 ? (uint64_t)spooled : 0;
    sw_health_text(health, "branch", self->branch_id);
    sw_health_text(health, "hub", health->live ? "up" : "down");
    snprintf(health->line, sizeof health->line,
             "branch %s: hub %s, %" PRId64 " spooled waiting for the hub",
             self->branch_id, health->live ? "up" : "not answering", spooled);
}

void branch_server_log_stats(branch_server_t *self)
{
    sw_info(
        "branch %s: requests %" PRIu64 ", spooled %" PRIu64 ", confirmed %" PRIu64
        ", rejected by the hub %" PRIu64 ", refused here %" PRIu64 ", sends %" PRIu64
        " (resends %" PRIu64 "), relayed queries %" PRIu64 ", in flight %zu, pending "
        "%" PRId64 ", spool errors %" PRIu64,
        self->branch_id, self->stats.requests, self->stats.spooled, self->stats.confirmed,
        self->stats.rejected, self->stats.refused, self->stats.sends, self->stats.retries,
        self->stats.forwarded, zhashx_size(self->flights),
        branch_spool_count(self->spool, BRANCH_SPOOL_PENDING), self->stats.spool_errors);
}

int branch_server_status(zconfig_t *cfg, bool all)
{
    const char *path = sw_config_str(cfg, "branch/spool", S_DEFAULT_SPOOL);
    branch_spool_t *spool = branch_spool_new(path, true);
    if (!spool)
        return SW_EXIT_CONFIG;
    int64_t n = branch_spool_print(spool, all, stdout);
    printf("pending %" PRId64 "  confirmed %" PRId64 "  rejected %" PRId64 "\n",
           branch_spool_count(spool, BRANCH_SPOOL_PENDING),
           branch_spool_count(spool, BRANCH_SPOOL_OK),
           branch_spool_count(spool, BRANCH_SPOOL_REJECTED));
    branch_spool_destroy(&spool);
    return n < 0 ? 1 : 0;
}
