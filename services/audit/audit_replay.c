/*  audit_replay: followers (intake, router, sla) and intake's case
    queries read the log back from PostgreSQL through audit's replay
    endpoint: shouwen.replay_zh, a batch at a time, one query in flight on
    the reader connection; a case's events come with their Chinese summary
    in the asker's zone. */
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

/* ------------------------------------------------------------- replay */

static void s_replay_next(audit_server_t *self);

static const char *s_replay_sql =
    "SELECT position, case_version, committed_at_us, envelope, summary_zh "
    "FROM shouwen.replay_zh($1::bigint, $2::int, nullif($3, ''), nullif($4, ''))";

void audit_replay_destroy(audit_replay_t **r_p)
{
    if (*r_p) {
        zframe_destroy(&(*r_p)->routing_id);
        free((*r_p)->case_id);
        free((*r_p)->time_zone);
        free(*r_p);
        *r_p = NULL;
    }
}

static void s_replay_answer(audit_server_t *self, audit_replay_t *r,
                            Shouwen__V1__ReplayReply *rep)
{
    rep->tag = r->tag;
    zframe_t *body = sw_pack_frame(&rep->base);
    zframe_send(&r->routing_id, self->replay, ZFRAME_MORE | ZFRAME_DONTWAIT);
    zframe_send(&body, self->replay, ZFRAME_DONTWAIT);
    self->stats.replays++;
}

static uint64_t s_be64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64toh(v);
}

static void s_on_replay_rows(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    audit_replay_t *r = self->replay_inflight;
    self->replay_inflight = NULL;
    Shouwen__V1__ReplayReply rep = SHOUWEN__V1__REPLAY_REPLY__INIT;
    rep.head_position = self->head;
    int rows = res && PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    sw_committed_t *events =
        rows ? sw_calloc((size_t)rows, sizeof(sw_committed_t)) : NULL;
    sw_committed_t **ptrs =
        rows ? sw_calloc((size_t)rows, sizeof(sw_committed_t *)) : NULL;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
        rep.error = (char *)(res ? PQresultErrorMessage(res) : "store unavailable");
    for (int i = 0; i < rows; i++) {
        sw_committed_t *c = &events[i];
        shouwen__v1__committed__init(c);
        c->position = s_be64(PQgetvalue(res, i, 0));
        c->case_version = s_be64(PQgetvalue(res, i, 1));
        c->committed_at_us = (int64_t)s_be64(PQgetvalue(res, i, 2));
        c->envelope.data = (uint8_t *)PQgetvalue(res, i, 3);
        c->envelope.len = (size_t)PQgetlength(res, i, 3);
        c->summary = PQgetisnull(res, i, 4) ? (char *)"" : PQgetvalue(res, i, 4);
        if (c->position > rep.head_position)
            rep.head_position = c->position;
        ptrs[i] = c;
    }
    rep.n_events = (size_t)rows;
    rep.events = ptrs;
    if (r) {
        s_replay_answer(self, r, &rep);
        audit_replay_destroy(&r);
    }
    free(ptrs);
    free(events);
    s_replay_next(self);
}

static void s_replay_next(audit_server_t *self)
{
    if (self->replay_inflight || zlistx_size(self->replays) == 0)
        return;
    if (!audit_store_is_up(self->reader)) {
        /* answer at once: followers retry shortly */
        audit_replay_t *r;
        while ((r = (audit_replay_t *)zlistx_first(self->replays))) {
            zlistx_detach_cur(self->replays);
            Shouwen__V1__ReplayReply rep = SHOUWEN__V1__REPLAY_REPLY__INIT;
            rep.head_position = self->head;
            rep.error = (char *)"store unavailable";
            s_replay_answer(self, r, &rep);
            audit_replay_destroy(&r);
        }
        return;
    }
    if (!audit_store_is_idle(self->reader))
        return;
    audit_replay_t *r = (audit_replay_t *)zlistx_first(self->replays);
    zlistx_detach_cur(self->replays);
    char from[24], max[16];
    snprintf(from, sizeof from, "%" PRIu64, r->from);
    snprintf(max, sizeof max, "%u", r->max);
    const char *params[4] = {from, max, r->case_id ? r->case_id : "",
                             r->time_zone ? r->time_zone : ""};
    self->replay_inflight = r;
    if (audit_store_query(self->reader, s_replay_sql, 4, params, 1, s_on_replay_rows,
                          self) != 0) {
        self->replay_inflight = NULL;
        zlistx_add_start(self->replays, r);
    }
}

void audit_on_replay_request(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    audit_server_t *self = (audit_server_t *)arg;
    for (int i = 0; i < 64; i++) {
        zmsg_t *msg = zmsg_recv_nowait(self->replay);
        if (!msg)
            break;
        zframe_t *id = zmsg_pop(msg);
        zframe_t *body = zmsg_last(msg);
        Shouwen__V1__ReplayRequest *req = NULL;
        if (id && body && zframe_size(body) < 4096)
            req = shouwen__v1__replay_request__unpack(NULL, zframe_size(body),
                                                      zframe_data(body));
        if (req) {
            audit_replay_t *r = (audit_replay_t *)zmalloc(sizeof(audit_replay_t));
            r->routing_id = id;
            id = NULL;
            r->from = req->from_position ? req->from_position : 1;
            r->max = req->max_events && req->max_events < S_REPLAY_MAX ? req->max_events
                                                                       : S_REPLAY_MAX;
            r->case_id =
                req->case_id && *req->case_id ? sw_strndup(req->case_id, 64) : NULL;
            r->time_zone =
                req->time_zone && *req->time_zone ? sw_strndup(req->time_zone, 64) : NULL;
            r->tag = req->tag;
            zlistx_add_end(self->replays, r);
            shouwen__v1__replay_request__free_unpacked(req, NULL);
        } else
            sw_warn("malformed replay request dropped");
        zframe_destroy(&id);
        zmsg_destroy(&msg);
    }
    s_replay_next(self);
}

void audit_on_reader_state(void *arg, bool up)
{
    s_replay_next((audit_server_t *)arg);
}
