/*  audit_store: asynchronous libpq connection (see audit_store.h).  */
#include "audit_store.h"

#include <stdlib.h>
#include <string.h>

#include "sw_alloc.h"
#include "sw_log.h"

#define S_BACKOFF_FIRST 0.1 /* s: the first reconnect attempt */
#define S_BACKOFF_MAX   1.0 /* s: and at most this apart */

typedef enum { S_DOWN, S_CONNECTING, S_IDLE, S_BUSY } s_state_t;

struct _audit_store_t {
    struct ev_loop *loop;
    char *name;     /* for logs: "writer", "reader" */
    char *conninfo; /* libpq connection string */
    PGconn *conn;   /* NULL while down */
    s_state_t state;
    ev_io io;                  /* the connection's socket */
    ev_timer retry;            /* reconnect back-off */
    double backoff;            /* seconds until the next attempt */
    audit_store_result_fn *cb; /* in-flight query's callback */
    void *cb_arg;
    PGresult *result; /* first result of the in-flight query */
    audit_store_state_fn *on_state;
    void *arg;
};

static void s_connect(audit_store_t *self);

static void s_watch(audit_store_t *self, int events)
{
    ev_io_stop(self->loop, &self->io);
    ev_io_set(&self->io, PQsocket(self->conn), events);
    ev_io_start(self->loop, &self->io);
}

static void s_fail(audit_store_t *self, const char *what)
{
    bool was_up = self->state == S_IDLE || self->state == S_BUSY;
    sw_warn("postgres %s: %s: %s", self->name, what,
            self->conn ? PQerrorMessage(self->conn) : "no connection");
    ev_io_stop(self->loop, &self->io);
    if (self->conn)
        PQfinish(self->conn);
    self->conn = NULL;
    self->state = S_DOWN;
    PQclear(self->result);
    self->result = NULL;
    audit_store_result_fn *cb = self->cb;
    self->cb = NULL;
    if (cb)
        cb(self->cb_arg, NULL);
    if (was_up && self->on_state)
        self->on_state(self->arg, false);
    ev_timer_set(&self->retry, self->backoff, 0.);
    ev_timer_start(self->loop, &self->retry);
    /* from 100 ms, doubling to at most 1 s: PostgreSQL back after a restart
       is used within a second of accepting connections (issue 10) */
    self->backoff = self->backoff * 2 > S_BACKOFF_MAX ? S_BACKOFF_MAX : self->backoff * 2;
}

static void s_poll_connect(audit_store_t *self)
{
    switch (PQconnectPoll(self->conn)) {
    case PGRES_POLLING_READING:
        s_watch(self, EV_READ);
        break;
    case PGRES_POLLING_WRITING:
        s_watch(self, EV_WRITE);
        break;
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(self->conn, 1) != 0) {
            s_fail(self, "cannot set non-blocking");
            return;
        }
        self->state = S_IDLE;
        self->backoff = S_BACKOFF_FIRST;
        ev_io_stop(self->loop, &self->io);
        sw_info("postgres %s: connected", self->name);
        if (self->on_state)
            self->on_state(self->arg, true);
        break;
    default:
        s_fail(self, "connection failed");
    }
}

static void s_finish_query(audit_store_t *self)
{
    PGresult *res = self->result;
    self->result = NULL;
    audit_store_result_fn *cb = self->cb;
    void *cb_arg = self->cb_arg;
    self->cb = NULL;
    self->state = S_IDLE;
    ev_io_stop(self->loop, &self->io);
    if (cb)
        cb(cb_arg, res);
    PQclear(res);
}

static void s_read_results(audit_store_t *self)
{
    if (!PQconsumeInput(self->conn)) {
        s_fail(self, "lost connection");
        return;
    }
    while (!PQisBusy(self->conn)) {
        PGresult *res = PQgetResult(self->conn);
        if (!res) {
            s_finish_query(self);
            return;
        }
        if (!self->result)
            self->result = res; /* one statement: keep the first */
        else
            PQclear(res);
    }
}

static void s_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    audit_store_t *self = (audit_store_t *)w->data;
    if (self->state == S_CONNECTING) {
        s_poll_connect(self);
        return;
    }
    if (self->state != S_BUSY)
        return;
    if (revents & EV_WRITE) {
        int rc = PQflush(self->conn);
        if (rc < 0) {
            s_fail(self, "send failed");
            return;
        }
        if (rc == 0)
            s_watch(self, EV_READ);
    }
    if (revents & EV_READ)
        s_read_results(self);
}

static void s_on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_connect((audit_store_t *)w->data);
}

static void s_connect(audit_store_t *self)
{
    self->conn = PQconnectStart(self->conninfo);
    if (!self->conn || PQstatus(self->conn) == CONNECTION_BAD) {
        s_fail(self, "cannot start connecting");
        return;
    }
    self->state = S_CONNECTING;
    /* PQconnectPoll's first call expects the socket to be writable. */
    s_watch(self, EV_WRITE);
}

audit_store_t *audit_store_new(struct ev_loop *loop, const char *name,
                               const char *conninfo, audit_store_state_fn *on_state,
                               void *arg)
{
    audit_store_t *self = (audit_store_t *)sw_calloc(1, sizeof(audit_store_t));
    self->loop = loop;
    self->name = sw_strdup(name);
    self->conninfo = sw_strdup(conninfo);
    self->on_state = on_state;
    self->arg = arg;
    self->backoff = S_BACKOFF_FIRST;
    ev_init(&self->io, s_on_io);
    self->io.data = self;
    ev_timer_init(&self->retry, s_on_retry, 0., 0.);
    self->retry.data = self;
    s_connect(self);
    return self;
}

void audit_store_destroy(audit_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_store_t *self = *self_p;
    ev_io_stop(self->loop, &self->io);
    ev_timer_stop(self->loop, &self->retry);
    PQclear(self->result);
    if (self->conn)
        PQfinish(self->conn);
    free(self->name);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

bool audit_store_is_up(audit_store_t *self)
{
    return self->state == S_IDLE || self->state == S_BUSY;
}

bool audit_store_is_idle(audit_store_t *self)
{
    return self->state == S_IDLE;
}

int audit_store_query(audit_store_t *self, const char *sql, int nparams,
                      const char *const *values, int result_format,
                      audit_store_result_fn *cb, void *arg)
{
    if (self->state != S_IDLE)
        return -1;
    if (!PQsendQueryParams(self->conn, sql, nparams, NULL, values, NULL, NULL,
                           result_format)) {
        s_fail(self, "cannot send query");
        return -1;
    }
    self->state = S_BUSY;
    self->cb = cb;
    self->cb_arg = arg;
    int rc = PQflush(self->conn);
    if (rc < 0) {
        self->cb = NULL; /* the caller learns from the -1 */
        s_fail(self, "send failed");
        return -1;
    }
    s_watch(self, rc == 1 ? EV_READ | EV_WRITE : EV_READ);
    return 0;
}
