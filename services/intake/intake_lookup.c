/*  intake_lookup: what intake reads back from the log through audit's
    replay: a case it no longer holds (closed, or a retry older than the
    idempotency window: the request waits, parked, until the case's events
    are in), and the pages of a watch that resumes from before the oldest
    notification intake keeps.  The answers come back on the query socket
    (intake_verbs.c), which hands them to intake_unpark and
    intake_on_watch_page. */
#include "intake_server_int.h"
#include "sw_alloc.h"

#include "intake_access.h"
#include "intake_watch.h"
#include "sw_eventid.h"
#include "sw_follower.h"
#include "sw_hub.h"
#include "sw_keyring.h"

static void s_ask_case(intake_server_t *self, intake_query_t *q)
{
    q->tag = ++self->next_tag;
    zlistx_add_end(self->queries, q);
    Shouwen__V1__ReplayRequest rr = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    rr.from_position = 1;
    rr.max_events = 5000;
    rr.case_id = q->case_id;
    rr.tag = q->tag;
    zframe_t *f = sw_pack_frame(&rr.base);
    zframe_send(&f, self->query, ZFRAME_DONTWAIT);
    zframe_destroy(&f);
}

void intake_park(intake_server_t *self, const intake_asker_t *a, const char *case_id,
                 const uint8_t *event_id)
{
    if (!sw_follower_is_live(self->follower) || self->stopping || !a->req) {
        intake_retry(self, a, "HUB_NOT_READY",
                     "the hub is catching up with its log; send the same request again");
        return;
    }
    intake_query_t *q = (intake_query_t *)zmalloc(sizeof(intake_query_t));
    intake_waiter_init(self, &q->w, a);
    q->request = sw_pack_frame(&a->req->base);
    q->key = a->key ? sw_strdup(a->key) : NULL;
    q->looked_up = a->looked_up;
    q->case_loaded = a->case_loaded;
    snprintf(q->case_id, sizeof q->case_id, "%s", case_id);
    if (event_id) {
        q->want_event = true;
        memcpy(q->event_id, event_id, SW_EVENTID_SIZE);
    }
    s_ask_case(self, q);
}

#define S_WATCH_PAGE 5000 /* events a page of a watch's resume */

static void s_ask_watch_page(intake_server_t *self, intake_query_t *q, uint64_t from)
{
    q->tag = ++self->next_tag;
    q->w.deadline_us = intake_wall_us(self) + self->ack_timeout_us;
    zlistx_add_end(self->queries, q);
    Shouwen__V1__ReplayRequest rr = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    rr.from_position = from;
    rr.max_events = S_WATCH_PAGE;
    rr.tag = q->tag;
    zframe_t *f = sw_pack_frame(&rr.base);
    zframe_send(&f, self->query, ZFRAME_DONTWAIT);
    zframe_destroy(&f);
}

void intake_watch_ask(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                      const char *request_id, uint64_t from)
{
    intake_query_t *q = (intake_query_t *)zmalloc(sizeof(intake_query_t));
    q->w.routing_id = zframe_dup(routing_id);
    q->w.delimiter = delimiter;
    q->w.request_id = sw_strdup(request_id);
    q->watch = true;
    s_ask_watch_page(self, q, from);
}

void intake_on_watch_page(intake_server_t *self, intake_query_t *q,
                          Shouwen__V1__ReplayReply *rep)
{
    sw_envelope_t **envs = (sw_envelope_t **)sw_calloc(rep->n_events + 1, sizeof(void *));
    uint64_t *positions = (uint64_t *)sw_calloc(rep->n_events + 1, sizeof(uint64_t));
    size_t n = 0;
    for (size_t i = 0; i < rep->n_events; i++) {
        const Shouwen__V1__Committed *c = rep->events[i];
        const char *why = NULL;
        positions[n] = c->position;
        envs[n++] = sw_envelope_decode(c->envelope.data, c->envelope.len, &why);
    }
    uint64_t next = 0;
    int more = intake_watch_page(self->watch, q->w.routing_id, q->w.request_id, n,
                                 positions, envs, intake_access_directory(self->access),
                                 sw_follower_position(self->follower), &next);
    for (size_t i = 0; i < n; i++)
        sw_envelope_free(envs[i]);
    free(envs);
    free(positions);
    if (more == 1)
        s_ask_watch_page(self, q, next); /* q goes on */
    else {
        void *item = q;
        intake_query_free(&item);
    }
}

void intake_case_reload(intake_server_t *self, const char *case_id)
{
    intake_query_t *q = (intake_query_t *)zmalloc(sizeof(intake_query_t));
    q->w.deadline_us = intake_wall_us(self) + 30 * 1000000LL;
    q->reload = true;
    snprintf(q->case_id, sizeof q->case_id, "%s", case_id);
    s_ask_case(self, q);
}

void intake_unpark(intake_server_t *self, intake_query_t *q)
{
    if (!q->request || !q->w.routing_id)
        return;
    intake_asker_t a = {.request_id = q->w.request_id,
                        .routing_id = q->w.routing_id,
                        .delimiter = q->w.delimiter,
                        .key = q->key,
                        .looked_up = q->want_event || q->looked_up,
                        .case_loaded = !q->want_event || q->case_loaded};
    a.who = a.key ? sw_keyring_lookup(self->keys, a.key) : NULL;
    Shouwen__V1__BranchRequest *req = shouwen__v1__branch_request__unpack(
        NULL, zframe_size(q->request), zframe_data(q->request));
    if (!req) {
        intake_reject(self, &a, INTAKE_MALFORMED, "the request could not be read again");
        return;
    }
    intake_dispatch(self, &a, req);
    shouwen__v1__branch_request__free_unpacked(req, NULL);
}
