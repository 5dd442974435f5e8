/*  audit_server: batches proposals into PostgreSQL, publishes the committed
    stream, serves replay.  */
#include "audit_server_int.h"
#include "sw_alloc.h"

#include <endian.h>
#include <sodium.h>

#include "audit_anchor.h"
#include "audit_store.h"
#include "sw_config.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_hub.h"
#include "sw_json.h"
#include "sw_keyring.h"
#include "sw_log.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

#define S_RECV_BATCH 256  /* proposals read per wake-up */
#define S_REPLAY_MAX 5000 /* events per replay answer, at most */

/* The writer's lease (migration 012): one audit appends at a time */
static const char *s_lease_sql =
    "SELECT pg_try_advisory_lock(1398210561), "
    "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
    "AND objid = 1398210561 AND objsubid = 1 AND granted AND pid <> pg_backend_pid() "
    "LIMIT 1)";
#define S_LEASE_RETRY_S 1.0

/* ------------------------------------------------------ the write path */

void audit_heartbeat_now(audit_server_t *self)
{
    Shouwen__V1__Heartbeat hb = SHOUWEN__V1__HEARTBEAT__INIT;
    hb.head_position = self->head;
    /* audit's counters travel with the heartbeat: `shouwen stats` shows
       them as audit.* through intake */
    struct {
        const char *name;
        uint64_t value;
    } fixed[] = {{"audit.received", self->stats.received},
                 {"audit.invalid", self->stats.invalid},
                 {"audit.not_entitled", self->stats.not_entitled},
                 {"audit.committed", self->stats.committed},
                 {"audit.duplicate", self->stats.duplicate},
                 {"audit.stale", self->stats.stale},
                 {"audit.refused_connections", sw_zap_refused(self->zap)},
                 {"audit.admitted_connections", sw_zap_admitted(self->zap)}};
    enum { N = sizeof fixed / sizeof fixed[0] };
    Shouwen__V1__Counter counters[N];
    Shouwen__V1__Counter *ptrs[N];
    for (size_t i = 0; i < N; i++) {
        shouwen__v1__counter__init(&counters[i]);
        counters[i].name = (char *)fixed[i].name;
        counters[i].value = fixed[i].value;
        ptrs[i] = &counters[i];
    }
    hb.n_counters = N;
    hb.counters = ptrs;
    zframe_t *body = sw_pack_frame(&hb.base);
    zstr_sendm(self->committed, SW_TOPIC_HEARTBEAT);
    zframe_send(&body, self->committed, ZFRAME_DONTWAIT);
}

static void s_on_lease(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        sw_error("cannot take the log's writer lease: %s",
                 res ? PQresultErrorMessage(res) : "connection lost");
        if (res) /* still connected: ask again */
            ev_timer_start(self->loop, &self->lease_retry);
        return; /* else a reconnect asks again */
    }
    if (*PQgetvalue(res, 0, 0) != 't') {
        if (!self->lease_told)
            sw_warn(
                "another shouwen-audit (PostgreSQL backend %s) holds the log's writer "
                "lease: this one appends nothing until it is free (asking every %.0f s)",
                PQgetisnull(res, 0, 1) ? "?" : PQgetvalue(res, 0, 1), S_LEASE_RETRY_S);
        self->lease_told = true;
        ev_timer_start(self->loop, &self->lease_retry);
        return;
    }
    self->lease = true;
    if (self->lease_told)
        sw_info("the log's writer lease is ours now");
    self->lease_told = false;
    audit_commit_read_head(self);
}

static void s_ask_lease(audit_server_t *self)
{
    if (audit_store_query(self->writer, s_lease_sql, 0, NULL, 0, s_on_lease, self) != 0)
        ev_timer_start(self->loop, &self->lease_retry);
}

static void s_on_lease_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    audit_server_t *self = (audit_server_t *)w->data;
    ev_timer_stop(loop, w);
    if (audit_store_is_up(self->writer) && !self->lease)
        s_ask_lease(self);
}

/* Each connection takes the lease before it reads the head and appends:
   a session-level lock, so it is ours while this connection lives and
   gone with it (a reconnect asks again). */
static void s_on_writer_state(void *arg, bool up)
{
    audit_server_t *self = (audit_server_t *)arg;
    self->head_known = false;
    self->lease = false;
    ev_timer_stop(self->loop, &self->lease_retry);
    if (up)
        s_ask_lease(self);
}

void audit_check_drained(audit_server_t *self)
{
    if (self->draining && self->n_inflight == 0 && zlistx_size(self->queue) == 0 &&
        self->on_drained) {
        audit_server_fn *fn = self->on_drained;
        self->on_drained = NULL;
        audit_anchor_final(self->anchor, fn, self->drained_arg); /* then fn */
    }
}

static void s_on_kick(struct ev_loop *loop, ev_idle *w, int revents)
{
    audit_server_t *self = (audit_server_t *)w->data;
    ev_idle_stop(loop, w);
    if (zlistx_size(self->queue) >= (size_t)self->batch_max || self->draining ||
        self->solo > 0)
        audit_commit_flush(self);
    else if (zlistx_size(self->queue) > 0 && !ev_is_active(&self->flush_timer)) {
        ev_timer_set(&self->flush_timer, self->flush_ms / 1000.0, 0.);
        ev_timer_start(loop, &self->flush_timer);
    }
    audit_check_drained(self);
}

static void s_on_flush_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    audit_commit_flush((audit_server_t *)w->data);
}

/* Who may propose what (docs/security.md): intake records facts from
   outside, router decides on cases (and records 推诿, R18), sla records
   time; no daemon records what another is entitled to. */
static bool s_entitled(const char *daemon, const sw_envelope_t *env)
{
    if (!daemon || !streq(daemon, env->producer))
        return false;
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED:
    case SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED:
        return streq(daemon, "intake");
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED:
        return streq(daemon, "sla");
    case SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED:
        /* sla records every violation with its V2 penalty: those of time
           (V1) and the shirking named by router's R18 lock */
        return streq(daemon, "sla");
    case SHOUWEN__V1__ENVELOPE__BODY__NOT_SET:
        return false;
    default: /* every case.* decision and command.rejected */
        return streq(daemon, "router");
    }
}

static bool s_may_log(audit_server_t *self)
{
    double now = ev_now(self->loop);
    if (now - self->log_window >= S_LOG_WINDOW) {
        self->log_window = now;
        self->log_lines = 0;
    }
    return self->log_lines++ < S_LOG_BURST;
}

static void s_take_proposal(audit_server_t *self, zmsg_t *msg)
{
    self->stats.received++;
    zframe_t *body = zmsg_size(msg) == 2 ? zmsg_last(msg) : NULL;
    const char *why = "expected [topic][envelope]";
    sw_envelope_t *env =
        body ? sw_envelope_decode(zframe_data(body), zframe_size(body), &why) : NULL;
    if (!env) {
        self->stats.invalid++;
        sw_warn("proposal rejected: %s (%" PRIu64 " rejected so far)", why,
                self->stats.invalid);
        return;
    }
    /* the daemon its key belongs to now: a key removed from hub/daemon_keys
       is refused on the connection it already has */
    const char *key = zframe_meta(body, "User-Id");
    const sw_principal_t *who = key ? sw_keyring_lookup(self->daemon_keys, key) : NULL;
    const char *daemon = who && streq(who->role, "daemon") ? who->daemon : NULL;
    if (!s_entitled(daemon, env)) {
        self->stats.not_entitled++;
        if (s_may_log(self))
            sw_warn("proposal refused: %s key %s (daemon '%s') may not propose %s "
                    "as '%s' (%" PRIu64 " refused so far)",
                    who ? who->name : "a revoked or unknown", key ? key : "?",
                    daemon ? daemon : "", env->type, env->producer,
                    self->stats.not_entitled);
        sw_envelope_free(env);
        return;
    }
    char id[33];
    sodium_bin2hex(id, sizeof id, env->event_id.data, SW_EVENTID_SIZE);
    if (zhashx_lookup(self->queued, id)) {
        sw_envelope_free(env); /* a republish of something queued or in flight */
        return;
    }
    audit_item_t *item = audit_item_new(self, env, body);
    sw_envelope_free(env);
    zhashx_insert(self->queued, item->key, (void *)1);
    zlistx_add_end(self->queue, item);
}

static void s_on_proposals(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    audit_server_t *self = (audit_server_t *)arg;
    for (int i = 0; i < S_RECV_BATCH; i++) {
        zmsg_t *msg = zmsg_recv_nowait(self->proposals);
        if (!msg)
            break;
        s_take_proposal(self, msg);
        zmsg_destroy(&msg);
    }
    if (zlistx_size(self->queue) >= (size_t)self->max_queue)
        sw_zwatch_stop(self->proposals_w); /* ZeroMQ's HWM holds the rest */
    if (self->n_inflight == 0)
        ev_idle_start(loop, &self->kick);
}

/* ---------------------------------------------------------- lifecycle */

static void s_on_heartbeat(struct ev_loop *loop, ev_timer *w, int revents)
{
    audit_server_t *self = (audit_server_t *)w->data;
    if (self->head_known)
        audit_heartbeat_now(self);
}

static zsock_t *s_bind(int type, const char *endpoint, const char *cert, const char *what)
{
    zsock_t *sock = zsock_new(type);
    if (!sock)
        return NULL;
    if (sw_curve_server(sock, cert, "hub") != 0) {
        zsock_destroy(&sock);
        return NULL;
    }
    zsock_set_linger(sock, 2000);
    if (type == ZMQ_SUB) {
        zsock_set_subscribe(sock, "");
        zsock_set_rcvhwm(sock, 200000);
    }
    if (type == ZMQ_PUB)
        zsock_set_sndhwm(sock, 200000);
    if (type == ZMQ_SUB || type == ZMQ_ROUTER)
        zsock_set_maxmsgsize(sock, SW_MAX_MESSAGE);
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        sw_error("cannot bind %s on %s: %s", what, endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    return sock;
}

static int s_settings(audit_server_t *self, zconfig_t *cfg)
{
    int64_t v;
    if (sw_config_int(cfg, "audit/batch_max", 2000, 1, 100000, &v) != 0)
        return -1;
    self->batch_max = (int)v;
    if (sw_config_int(cfg, "audit/flush_ms", 2, 0, 10000, &v) != 0)
        return -1;
    self->flush_ms = (int)v;
    if (sw_config_int(cfg, "audit/max_queue", 100000, 1000, 10000000, &v) != 0)
        return -1;
    self->max_queue = (int)v;
    return 0;
}

const char *const audit_hot_settings[] = {"audit/flush_ms", "audit/max_queue", NULL};

int audit_server_apply(audit_server_t *self, zconfig_t *fresh)
{
    int64_t flush_ms, max_queue;
    if (sw_config_int(fresh, "audit/flush_ms", 2, 0, 10000, &flush_ms) != 0 ||
        sw_config_int(fresh, "audit/max_queue", 100000, 1000, 10000000, &max_queue) != 0)
        return -1;
    self->flush_ms = (int)flush_ms;
    self->max_queue = (int)max_queue;
    return 0;
}

void audit_server_reload(audit_server_t *self)
{
    size_t was = sw_keyring_size(self->daemon_keys);
    size_t now = sw_keyring_rescan(self->daemon_keys);
    sw_info("SIGHUP: allow-list %s re-read: %zu keys (was %zu)",
            sw_keyring_dir(self->daemon_keys), now, was);
}

audit_server_t *audit_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                 audit_server_fn *on_ready, void *arg)
{
    const char *conninfo = sw_config_str(cfg, "audit/postgres", NULL);
    if (!conninfo) {
        sw_error("config: audit/postgres (a libpq connection string) is required");
        return NULL;
    }
    audit_server_t *self = (audit_server_t *)zmalloc(sizeof(audit_server_t));
    self->loop = loop;
    self->on_ready = on_ready;
    self->ready_arg = arg;
    if (s_settings(self, cfg) != 0) {
        free(self);
        return NULL;
    }
    self->queue = zlistx_new();
    self->queued = zhashx_new();
    self->replays = zlistx_new();
    self->inflight =
        (audit_item_t **)sw_calloc((size_t)self->batch_max, sizeof(audit_item_t *));
    self->json = sw_json_new();
    audit_commit_init(self);
    ev_timer_init(&self->flush_timer, s_on_flush_timer, 0., 0.);
    ev_timer_init(&self->lease_retry, s_on_lease_retry, S_LEASE_RETRY_S, 0.);
    self->lease_retry.data = self;
    self->flush_timer.data = self;
    ev_timer_init(&self->heartbeat, s_on_heartbeat, 1., 1.);
    self->heartbeat.data = self;
    ev_idle_init(&self->kick, s_on_kick);
    self->kick.data = self;

    /* CURVE on every internal endpoint: only the hub daemons' keys get in,
       and each proposal carries the daemon its key belongs to */
    const char *cert = sw_config_own_cert(cfg, "audit");
    const char *keys = sw_config_str(cfg, "audit/daemon_keys",
                                     sw_config_str(cfg, "hub/daemon_keys", NULL));
    self->daemon_keys = keys ? sw_keyring_new(keys) : NULL;
    if (!cert || !self->daemon_keys) {
        sw_error("config: audit/cert (audit's certificate with its _secret file) and "
                 "audit/daemon_keys (a directory of the daemons' public certificates) "
                 "are required (hub/cert and hub/daemon_keys in a file of audit's own); "
                 "see docs/security.md");
        audit_server_destroy(&self);
        return NULL;
    }
    self->zap = sw_zap_new(loop, "audit");
    if (!self->zap || sw_zap_domain(self->zap, "hub", self->daemon_keys, "daemon") != 0) {
        audit_server_destroy(&self);
        return NULL;
    }
    self->proposals =
        s_bind(ZMQ_SUB, sw_config_str(cfg, "hub/proposals", SW_HUB_PROPOSALS), cert,
               "proposals");
    self->committed =
        s_bind(ZMQ_PUB, sw_config_str(cfg, "hub/committed", SW_HUB_COMMITTED), cert,
               "committed stream");
    self->replay = s_bind(ZMQ_ROUTER, sw_config_str(cfg, "hub/replay", SW_HUB_REPLAY),
                          cert, "replay");
    if (!self->proposals || !self->committed || !self->replay) {
        audit_server_destroy(&self);
        return NULL;
    }
    sw_zap_monitor(self->zap, self->proposals, "hub");
    sw_zap_monitor(self->zap, self->committed, "hub");
    sw_zap_monitor(self->zap, self->replay, "hub");
    self->proposals_w =
        sw_zwatch_new(loop, self->proposals, ZMQ_POLLIN, s_on_proposals, self);
    self->replay_w =
        sw_zwatch_new(loop, self->replay, ZMQ_POLLIN, audit_on_replay_request, self);
    sw_zwatch_start(self->proposals_w);
    sw_zwatch_start(self->replay_w);
    ev_timer_start(loop, &self->heartbeat);
    self->writer = audit_store_new(loop, "writer", conninfo, s_on_writer_state, self);
    self->reader = audit_store_new(loop, "reader", conninfo, audit_on_reader_state, self);
    if (audit_projector_init(self, cfg, conninfo) != 0) {
        audit_server_destroy(&self);
        return NULL;
    }
    if (!(self->anchor = audit_anchor_new(loop, cfg, conninfo))) {
        audit_server_destroy(&self);
        return NULL;
    }
    return self;
}

void audit_server_destroy(audit_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_server_t *self = *self_p;
    ev_timer_stop(self->loop, &self->flush_timer);
    ev_timer_stop(self->loop, &self->lease_retry);
    ev_timer_stop(self->loop, &self->heartbeat);
    ev_idle_stop(self->loop, &self->kick);
    audit_store_destroy(&self->writer);
    audit_store_destroy(&self->reader);
    audit_projector_destroy(self);
    audit_anchor_destroy(&self->anchor);
    sw_zwatch_destroy(&self->proposals_w);
    sw_zwatch_destroy(&self->replay_w);
    zsock_destroy(&self->proposals);
    zsock_destroy(&self->committed);
    zsock_destroy(&self->replay);
    sw_zap_destroy(&self->zap);
    sw_keyring_destroy(&self->daemon_keys);
    audit_item_t *item;
    while (self->queue && (item = (audit_item_t *)zlistx_first(self->queue))) {
        zlistx_detach_cur(self->queue);
        audit_item_destroy(&item);
    }
    for (size_t i = 0; i < self->n_inflight; i++)
        audit_item_destroy(&self->inflight[i]);
    audit_replay_t *r;
    while (self->replays && (r = (audit_replay_t *)zlistx_first(self->replays))) {
        zlistx_detach_cur(self->replays);
        audit_replay_destroy(&r);
    }
    audit_replay_destroy(&self->replay_inflight);
    zlistx_destroy(&self->queue);
    zlistx_destroy(&self->replays);
    zhashx_destroy(&self->queued);
    free(self->inflight);
    sw_json_destroy(&self->json);
    audit_commit_destroy(self);
    free(self);
    *self_p = NULL;
}

void audit_server_drain(audit_server_t *self, audit_server_fn *on_drained, void *arg)
{
    self->draining = true;
    self->on_drained = on_drained;
    self->drained_arg = arg;
    sw_zwatch_stop(self->proposals_w);
    ev_idle_start(self->loop, &self->kick);
}

void audit_server_status(audit_server_t *self, sw_health_t *health)
{
    bool up = audit_store_is_up(self->writer);
    size_t queued = zlistx_size(self->queue);
    sw_health_position(health, self->head);
    health->live = self->head_known && up; /* knows the head and can commit */
    health->pending = queued + (self->inflight ? (uint64_t)self->n_inflight : 0);
    sw_health_number(health, "queued", (int64_t)queued);
    sw_health_number(health, "committed", (int64_t)self->stats.committed);
    sw_health_text(health, "postgresql", up ? "up" : "down");
    sw_health_text(health, "lease", self->lease ? "held" : "waiting");
    sw_health_text(health, "projections", self->trailing ? "trailing" : "inline");
    sw_health_number(health, "projection_lag", (int64_t)audit_projector_lag(self));
    snprintf(health->line, sizeof health->line,
             "log head %" PRIu64 ", %" PRIu64 " committed, %zu queued, PostgreSQL %s%s",
             self->head, self->stats.committed, queued, up ? "up" : "down",
             up && !self->lease ? ", waiting for the writer lease" : "");
}

void audit_server_log_stats(audit_server_t *self)
{
    audit_stats_t *s = &self->stats;
    sw_info("stats: head=%" PRIu64 " received=%" PRIu64 " invalid=%" PRIu64
            " committed=%" PRIu64 " duplicate=%" PRIu64 " stale=%" PRIu64
            " unknown_case=%" PRIu64 " case_exists=%" PRIu64 " failed=%" PRIu64
            " batches=%" PRIu64 " replays=%" PRIu64 " not_entitled=%" PRIu64
            " refused_connections=%" PRIu64 " queued=%zu",
            self->head, s->received, s->invalid, s->committed, s->duplicate, s->stale,
            s->unknown_case, s->case_exists, s->failed, s->batches, s->replays,
            s->not_entitled, sw_zap_refused(self->zap), zlistx_size(self->queue));
}
