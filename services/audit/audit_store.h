/*  audit_store: one asynchronous PostgreSQL connection on the audit loop.
    libpq in non-blocking mode (PQconnectStart/PQconnectPoll,
    PQsendQueryParams + PQflush, PQconsumeInput + PQgetResult), one query in
    flight at a time, reconnecting with back-off when the server goes away. */
#ifndef AUDIT_STORE_H
#define AUDIT_STORE_H

#include <ev.h>
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct _audit_store_t audit_store_t;

/* Query outcome: res is the statement's result (caller must not PQclear it),
   or NULL when the connection failed before an answer came. */
typedef void(audit_store_result_fn)(void *arg, PGresult *res);
/* Connection came up (true) or went down (false). */
typedef void(audit_store_state_fn)(void *arg, bool up);

audit_store_t *audit_store_new(struct ev_loop *loop, const char *name,
                               const char *conninfo, audit_store_state_fn *on_state,
                               void *arg);
void audit_store_destroy(audit_store_t **self_p);

bool audit_store_is_up(audit_store_t *self);
/* Up and no query in flight. */
bool audit_store_is_idle(audit_store_t *self);

/* Send one parameterised statement; text parameters, result in
   result_format (0 text, 1 binary).  -1 when not idle or the send failed. */
int audit_store_query(audit_store_t *self, const char *sql, int nparams,
                      const char *const *values, int result_format,
                      audit_store_result_fn *cb, void *arg);

#endif
