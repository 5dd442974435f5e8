/*  audit_projector: the projections trailing the log (issue 10).

    audit/projections = "inline" (the default): append_rows projects each
    batch in its own transaction, the projections are never behind the log
    and this file only reports a lag of 0.

    audit/projections = "trailing": append_rows only appends, and this
    file's connection calls shouwen.project_through(N) (migration 013)
    after each commit, in transactions of its own, until nothing is left;
    the log commits at the speed of its inserts while the projections (and
    every auditor view built on them) follow.  The lag, log head minus
    projection head, is in audit's health record (projection_lag, shown by
    `shouwen status`) and in shouwen.projection_state.  Events are projected
    once each and in position order whoever projects (013), so a restart,
    a lost connection or a switch back to inline loses and doubles nothing. */
#include "audit_server_int.h"
#include "sw_alloc.h"

#include "audit_store.h"
#include "sw_config.h"
#include "sw_log.h"

#define S_STEP    "2000" /* events per projector transaction */
#define S_RETRY_S 1.0    /* after a failure */

static const char *s_step_sql =
    "SELECT applied, projected, head FROM shouwen.project_through($1)";

static void s_step(audit_server_t *self);

static void s_on_step(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        if (res)
            sw_warn("projector: %s", PQresultErrorMessage(res));
        ev_timer_start(self->loop, &self->projector_retry);
        return;
    }
    uint64_t applied = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    self->projected = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
    uint64_t head = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
    if (applied > 0 && self->projected < head)
        s_step(self); /* more waiting: go on at once */
    else if (self->projector_more)
        s_step(self);
}

static void s_step(audit_server_t *self)
{
    if (!self->projector || !audit_store_is_idle(self->projector))
        return; /* the answer under way, or the reconnect, asks again */
    self->projector_more = false;
    const char *params[1] = {S_STEP};
    if (audit_store_query(self->projector, s_step_sql, 1, params, 0, s_on_step, self) !=
        0)
        ev_timer_start(self->loop, &self->projector_retry);
}

static void s_on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    audit_server_t *self = (audit_server_t *)w->data;
    ev_timer_stop(loop, w);
    s_step(self);
}

static void s_on_state(void *arg, bool up)
{
    audit_server_t *self = (audit_server_t *)arg;
    if (up)
        s_step(self); /* catch up with what was committed meanwhile */
}

void audit_projector_notify(audit_server_t *self)
{
    if (!self->trailing) {
        self->projected = self->head;
        return;
    }
    self->projector_more = true;
    s_step(self);
}

uint64_t audit_projector_lag(audit_server_t *self)
{
    if (!self->trailing)
        return 0;
    return self->head > self->projected ? self->head - self->projected : 0;
}

int audit_projector_init(audit_server_t *self, zconfig_t *cfg, const char *conninfo)
{
    const char *mode = sw_config_str(cfg, "audit/projections", "inline");
    if (!streq(mode, "inline") && !streq(mode, "trailing")) {
        sw_error("config: audit/projections is \"inline\" or \"trailing\", not \"%s\"",
                 mode);
        return -1;
    }
    self->trailing = streq(mode, "trailing");
    ev_timer_init(&self->projector_retry, s_on_retry, S_RETRY_S, 0.);
    self->projector_retry.data = self;
    if (self->trailing) {
        self->projector =
            audit_store_new(self->loop, "projector", conninfo, s_on_state, self);
        sw_info("projections trail the log (audit/projections = trailing): "
                "shouwen.projection_state shows how far");
    }
    return 0;
}

void audit_projector_destroy(audit_server_t *self)
{
    ev_timer_stop(self->loop, &self->projector_retry);
    audit_store_destroy(&self->projector);
}
