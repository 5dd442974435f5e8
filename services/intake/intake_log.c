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

/* The request an event of ours stands for; made from the log when intake
   restarted since. */
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
    return r;
}

/* The outcome is committed: answer whoever waits. */
static void s_done(intake_server_t *self, intake_request_t *r, uint64_t position,
                   const char *code, const char *message)
{
    if (r->position)
        return;
    sw_debug("request %s done at position %" PRIu64 "%s%s", r->key, position,
             code ? ": " : "", code ? code : "");
    r->position = position;
    r->code = code ? sw_strdup(code) : NULL;
    r->message = message ? sw_strdup(message) : NULL;
    zhashx_delete(self->uncommitted, r->key);
    intake_answer_waiters(self, r);
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

/* router's decision on a staff action answers it */
static void s_on_decision(intake_server_t *self, const sw_committed_t *c,
                          const sw_envelope_t *env)
{
    char key[33];
    sodium_bin2hex(key, sizeof key, env->causation_id.data, SW_EVENTID_SIZE);
    intake_request_t *r = (intake_request_t *)zhashx_lookup(self->requests, key);
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

void intake_on_committed(void *arg, const sw_committed_t *c, const sw_envelope_t *env,
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
        intake_request_t *r =
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

void intake_on_live(void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    sw_info("following the log at position %" PRIu64 "; %zu requests, %zu cases known",
            sw_follower_position(self->follower), zhashx_size(self->requests),
            intake_access_case_count(self->access));
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
        intake_retry(self, &a, "HUB_NOT_READY",
                     "the log did not answer in time; send the same request again");
        zlistx_delete(self->queries, zlistx_cursor(self->queries));
    }
}
