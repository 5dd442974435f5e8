/*  audit_server: the only writer of shouwen's history.
    Subscribes to every producer's proposals, writes them to PostgreSQL in
    batched transactions (shouwen.append_batch assigns gapless positions and
    refuses duplicates and stale decisions), republishes what committed on
    the committed stream in position order, and serves replay. */
#ifndef AUDIT_SERVER_H
#define AUDIT_SERVER_H

#include <czmq.h>
#include <ev.h>

#include "sw_health.h"

typedef struct _audit_server_t audit_server_t;
typedef void(audit_server_fn)(void *arg);

/* NULL on bad configuration or sockets that cannot bind (logged).
   on_ready runs once, when sockets are bound and PostgreSQL answered. */
audit_server_t *audit_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                 audit_server_fn *on_ready, void *arg);
void audit_server_destroy(audit_server_t **self_p);
/* Stop taking proposals, commit what is queued, then call on_drained. */
void audit_server_drain(audit_server_t *self, audit_server_fn *on_drained, void *arg);
void audit_server_log_stats(audit_server_t *self);
/* How audit is doing: health record (position: the log head) and
   systemd's STATUS= line (sw_daemon_set_status); details queued,
   committed, postgresql ("up"/"down"). */
void audit_server_status(audit_server_t *self, sw_health_t *health);
/* The settings audit changes while it runs (SIGHUP; batch_max sizes a
   buffer and waits for a restart), NULL-terminated, and their applier: 0
   taken, -1 (logged) refused and the running ones kept. */
extern const char *const audit_hot_settings[];
int audit_server_apply(audit_server_t *self, zconfig_t *fresh);
/* SIGHUP: re-reads the daemons' allow-list (audit/daemon_keys) now. */
void audit_server_reload(audit_server_t *self);

#endif
