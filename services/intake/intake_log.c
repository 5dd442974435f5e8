/*  intake_log: intake follows the committed log: a request's outcome
    answers whoever waits for it, a directory.loaded puts an organisation in
    force, router's decision answers a staff action, audit's heartbeat
    brings its counters; the sweep answers RETRY to waits that ran out. */
#include "intake_server_int.h"
#include "sw_alloc.h"
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

/* ------------------------------------------------------ committed log */

/* ------------------------------------------- the idempotency window */

/* The bloom filter of our event ids in the log: S_SEEN_BITS bits, six
   probes from the id's two halves (the id is itself a BLAKE2b hash).  A
   request outside the window whose id it may hold is looked up in the log
   (its case's events) before it is proposed; one it does not hold is new. */
#define S_SEEN_PROBES 6

static void s_probes(const uint8_t *id, uint64_t *bits)
{
    uint64_t h1, h2;
    memcpy(&h1, id, 8);
    memcpy(&h2, id + 8, 8);
    h2 |= 1;
    for (int i = 0; i < S_SEEN_PROBES; i++)
        bits[i] = (h1 + (uint64_t)i * h2) % S_SEEN_BITS;
}

static void s_seen_add(intake_server_t *self, const uint8_t *id)
{
    uint64_t bits[S_SEEN_PROBES];
    s_probes(id, bits);
    for (int i = 0; i < S_SEEN_PROBES; i++)
        self->seen[bits[i] / 8] |= (uint8_t)(1u << (bits[i] % 8));
}

bool intake_seen_maybe(intake_server_t *self, const uint8_t *event_id)
{
    uint64_t bits[S_SEEN_PROBES];
    s_probes(event_id, bits);
    for (int i = 0; i < S_SEEN_PROBES; i++)
        if (!(self->seen[bits[i] / 8] & (1u << (bits[i] % 8))))
            return false;
    return true;
}

void intake_window_add(intake_server_t *self, intake_request_t *r)
{
    /* a load of the organisation or calendar stays: there are few */
    if (r->in_window || r->kind == S_DIRECTORY)
        return;
    r->in_window = zlistx_add_end(self->window, r);
}

/* Requests whose outcome committed more than the window ago (in the log's
   time) or beyond the count leave memory; a retry of one is answered from
   the log (intake_on_case_events). */
void intake_window_trim(intake_server_t *self)
{
    intake_request_t *r;
    while ((r = (intake_request_t *)zlistx_first(self->window)) &&
           ((int64_t)zlistx_size(self->window) > self->window_max ||
            r->done_us < self->log_now_us - self->window_us) &&
           !r->waiters) {
        zlistx_delete(self->window, r->in_window);
        r->in_window = NULL;
        zhashx_delete(self->uncommitted, r->key);
        zhashx_delete(self->requests, r->key);
        sw_hashx_deleted(&self->requests, &self->request_deletes, intake_request_free,
                         true);
    }
}

/* ------------------------------------------------------ committed log */

/* The request an event of ours stands for; made from the log when intake
   restarted since or the request left the window. */
static intake_request_t *s_known(intake_server_t *self, const sw_envelope_t *env,
                                 intake_kind_t kind, const ProtobufCBinaryData *digest)
{
    char key[33];
    sodium_bin2hex(key, sizeof key, env->event_id.data, SW_EVENTID_SIZE);
    intake_request_t *r = (intake_request_t *)zhashx_lookup(self->requests, key);
    if (!r) {
        r = intake_request_new(env->event_id.data);
        r->kind = kind;
        snprintf(r->case_id, sizeof r->case_id, "%s", env->case_id);
        if (digest && digest->len == S_DIGEST)
            memcpy(r->digest, digest->data, S_DIGEST);
        zhashx_insert(self->requests, r->key, r);
    }
    r->logged = true;
    s_seen_add(self, env->event_id.data);
    return r;
}

/* The outcome is committed: answer whoever waits. */
static void s_done(intake_server_t *self, intake_request_t *r, uint64_t position,
                   int64_t at_us, const char *code, const char *message)
{
    if (r->position)
        return;
    sw_debug("request %s done at position %" PRIu64 "%s%s", r->key, position,
             code ? ": " : "", code ? code : "");
    r->position = position;
    r->done_us = at_us;
    r->code = code ? sw_strdup(code) : NULL;
    r->message = message ? sw_strdup(message) : NULL;
    zhashx_delete(self->uncommitted, r->key);
    intake_answer_waiters(self, r);
    intake_window_add(self, r);
}

/* A directory.loaded committed: it is in force; the organisation also
   places staff at branches for intake_access. */
static void s_on_directory(intake_server_t *self, const sw_committed_t *c,
                           const Shouwen__V1__DirectoryLoaded *d)
{
    intake_in_force_t *f = &self->in_force[intake_kind_index(d->kind)];
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

/* What router's decision on a staff action answers: its refusal, or OK
   with a message (R19: the branch learns a leader's contact only when
   disclosed).  message holds 300 bytes. */
static void s_outcome(const sw_envelope_t *env, const char **code, char *message)
{
    *code = NULL;
    message[0] = 0;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED) {
        *code = env->command_rejected->code;
        snprintf(message, 300, "%s", env->command_rejected->message);
    } else if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT) {
        const Shouwen__V1__LeaderContact *lc = env->leader_contact;
        snprintf(message, 300, "%s%s",
                 lc->disclosed            ? "领导联系方式："
                 : lc->permission_granted ? "已记录领导的同意"
                                          : "领导联系方式不公开；已将来访者的联系方式转交"
                                            "领导 (R19)",
                 lc->disclosed ? lc->contact : "");
    }
}

/* router's decision on a staff action answers it */
static void s_on_decision(intake_server_t *self, const sw_committed_t *c,
                          const sw_envelope_t *env)
{
    char key[33];
    sodium_bin2hex(key, sizeof key, env->causation_id.data, SW_EVENTID_SIZE);
    intake_request_t *r = (intake_request_t *)zhashx_lookup(self->requests, key);
    if (!r || r->kind != S_COMMAND)
        return;
    const char *code;
    char message[300];
    s_outcome(env, &code, message);
    s_done(self, r, c->position, c->committed_at_us, code, *message ? message : NULL);
}

/* A parked request's case, from the log: a closed case's parties (or a
   reopened one's state) rebuilt, the request's own event looked for. */
void intake_on_case_events(intake_server_t *self, intake_query_t *q,
                           Shouwen__V1__ReplayReply *rep)
{
    uint64_t upto = sw_follower_position(self->follower);
    sw_envelope_t **envs = (sw_envelope_t **)sw_calloc(rep->n_events + 1, sizeof(void *));
    uint64_t *positions = (uint64_t *)sw_calloc(rep->n_events + 1, sizeof(uint64_t));
    size_t n = 0;
    /* later events come through the follower */
    for (size_t i = 0; i < rep->n_events; i++) {
        const Shouwen__V1__Committed *c = rep->events[i];
        if (c->position > upto)
            break;
        const char *why = NULL;
        sw_envelope_t *env = sw_envelope_decode(c->envelope.data, c->envelope.len, &why);
        if (!env)
            continue;
        positions[n] = c->position;
        envs[n++] = env;
    }
    if (q->reload) {
        bool open = intake_cases_rebuild(self->cases, q->case_id, n, positions, envs);
        intake_access_rebuild(self->access, q->case_id, n, envs);
        sw_info("case %s reopened: its %zu events read from the log (%s)", q->case_id, n,
                open ? "open again" : "closed");
    } else
        intake_access_rebuild(self->access, q->case_id, n, envs);
    if (q->want_event) {
        char key[33];
        sodium_bin2hex(key, sizeof key, q->event_id, SW_EVENTID_SIZE);
        intake_request_t *r = NULL;
        for (size_t i = 0; i < n; i++) {
            sw_envelope_t *env = envs[i];
            bool ours = env->event_id.len == SW_EVENTID_SIZE &&
                        memcmp(env->event_id.data, q->event_id, SW_EVENTID_SIZE) == 0;
            if (ours && !r &&
                env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED) {
                r = s_known(self, env, S_INQUIRY, &env->inquiry_received->request_digest);
                s_done(self, r, positions[i], rep->events[i]->committed_at_us, NULL,
                       NULL);
            } else if (ours && !r &&
                       env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED)
                r = s_known(self, env, S_COMMAND, &env->command_received->request_digest);
            else if (r && !r->position && streq(env->producer, "router") &&
                     env->causation_id.len == SW_EVENTID_SIZE &&
                     memcmp(env->causation_id.data, q->event_id, SW_EVENTID_SIZE) == 0) {
                const char *code;
                char message[300];
                s_outcome(env, &code, message);
                s_done(self, r, positions[i], rep->events[i]->committed_at_us, code,
                       *message ? message : NULL);
            }
        }
        if (r) {
            self->found_in_log++;
            sw_info("request %s is older than the idempotency window: answered from "
                    "the log (case %s, position %" PRIu64 ")",
                    key, r->case_id, r->position);
            if (!r->position) /* a decision still to come answers it */
                zhashx_insert(self->uncommitted, r->key, r);
        }
    }
    for (size_t i = 0; i < n; i++)
        sw_envelope_free(envs[i]);
    free(envs);
    free(positions);
}

/* Progress of a long replay, every 5 s. */
static void s_progress(intake_server_t *self, const sw_committed_t *c)
{
    double now = ev_time();
    if (self->replay_started == 0)
        self->replay_started = self->replay_logged = now;
    if (now - self->replay_logged < 5.0)
        return;
    self->replay_logged = now;
    sw_info("replaying the log: at position %" PRIu64 ", %" PRIu64
            " events applied in %.0f s, %zu open cases",
            c->position, self->replayed, now - self->replay_started,
            intake_access_case_count(self->access));
}

void intake_on_committed(void *arg, const sw_committed_t *c, const sw_envelope_t *env,
                         bool replaying)
{
    intake_server_t *self = (intake_server_t *)arg;
    if ((self->verify || ev_is_active(&self->restart)) &&
        !intake_snapshot_verify(self, c, env))
        return;
    self->replayed++;
    if (replaying)
        s_progress(self, c);
    if (c->committed_at_us > self->log_now_us)
        self->log_now_us = c->committed_at_us;
    if (env->event_id.len == SW_EVENTID_SIZE)
        memcpy(self->last_id, env->event_id.data, SW_EVENTID_SIZE);
    intake_access_note(self->access, env);
    if (intake_cases_note(self->cases, c->position, env))
        intake_case_reload(self, env->case_id);
    intake_watch_note(self->watch, c->position, env,
                      intake_access_directory(self->access));
    bool ours = streq(env->producer, "intake");
    if (ours)
        sw_producer_forget(self->producer, env->event_id.data);
    if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED) {
        intake_request_t *r =
            s_known(self, env, S_INQUIRY, &env->inquiry_received->request_digest);
        s_done(self, r, c->position, c->committed_at_us, NULL, NULL);
    } else if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED)
        s_known(self, env, S_COMMAND, &env->command_received->request_digest);
    else if (ours && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED) {
        s_on_directory(self, c, env->directory_loaded);
        s_done(self,
               s_known(self, env, S_DIRECTORY, &env->directory_loaded->request_digest),
               c->position, c->committed_at_us, NULL, NULL);
    } else if (streq(env->producer, "router") && env->causation_id.len == SW_EVENTID_SIZE)
        s_on_decision(self, c, env);
    intake_window_trim(self);
}

void intake_on_live(void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    if (ev_is_active(&self->restart))
        return;
    if (self->verify) { /* the log does not reach the snapshot's position */
        intake_snapshot_verify(self, NULL, NULL);
        return;
    }
    sw_info("following the log at position %" PRIu64 "; %zu requests in the window, "
            "%zu open cases; %" PRIu64 " events replayed in %.1f s",
            sw_follower_position(self->follower), zhashx_size(self->requests),
            intake_access_case_count(self->access), self->replayed,
            self->replay_started ? ev_time() - self->replay_started : 0.0);
    intake_seed_propose(self);
}

/* audit's counters, shown by `shouwen stats` as audit.* */
void intake_on_heartbeat(void *arg, const Shouwen__V1__Heartbeat *hb)
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

void intake_on_sweep(struct ev_loop *loop, ev_timer *t, int revents)
{
    intake_server_t *self = (intake_server_t *)t->data;
    int64_t now = intake_wall_us(self);
    if (self->watch)
        intake_watch_sweep(self->watch, ev_now(self->loop));
    for (intake_request_t *r = (intake_request_t *)zhashx_first(self->uncommitted); r;
         r = (intake_request_t *)zhashx_next(self->uncommitted)) {
        if (!r->waiters)
            continue;
        /* one timeout for all: the oldest waiters are first */
        intake_waiter_t *w;
        while ((w = (intake_waiter_t *)zlistx_first(r->waiters)) &&
               (w->deadline_us <= now || self->stopping)) {
            intake_asker_t a = {.routing_id = w->routing_id,
                                .delimiter = w->delimiter,
                                .request_id = w->request_id};
            intake_retry(self, &a, "NOT_COMMITTED",
                         "not yet committed to the log; send the same request again");
            zlistx_delete(r->waiters, zlistx_cursor(r->waiters));
        }
        if (zlistx_size(r->waiters) == 0)
            zlistx_destroy(&r->waiters);
    }
    /* a case query audit never answered (it died meanwhile): RETRY, freed */
    intake_query_t *q;
    while ((q = (intake_query_t *)zlistx_first(self->queries)) &&
           (q->w.deadline_us <= now || self->stopping)) {
        intake_asker_t a = {.routing_id = q->w.routing_id,
                            .delimiter = q->w.delimiter,
                            .request_id = q->w.request_id};
        if (q->w.routing_id)
            intake_retry(self, &a, "HUB_NOT_READY",
                         "the log did not answer in time; send the same request again");
        else
            sw_warn("case %s: its events were not read from the log in time", q->case_id);
        zlistx_delete(self->queries, zlistx_cursor(self->queries));
    }
}
