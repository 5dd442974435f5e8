/*  router_server: the only decider of case changes.  A deterministic state
    machine over audit's committed stream: for each committed inquiry it
    proposes a `case.routed` decision (router_case.h), made on the case
    version it saw, with an event id derived from the inquiry's, so a
    restart re-decides the same event.  At most one uncommitted decision per
    case; a decision overtaken by a newer case event is made again.
    The state (router_state.h) is loaded from daemon/state_dir's
    router.snapshot at start, when it can be used, and only the tail of the
    log replayed; it is written there every daemon/snapshot_interval_s while
    the position moves, and at SIGTERM. */
#ifndef ROUTER_SERVER_H
#define ROUTER_SERVER_H

#include <czmq.h>
#include <ev.h>

#include "sw_clock.h"
#include "sw_health.h"

typedef struct _router_server_t router_server_t;

router_server_t *router_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock);
void router_server_destroy(router_server_t **self_p);
/* SIGHUP: load the directory file again (kept as it was when bad). */
void router_server_reload(router_server_t *self, zconfig_t *cfg);
/* SIGTERM: the state is written to the snapshot (when one is kept). */
void router_server_stop(router_server_t *self);
void router_server_log_stats(router_server_t *self);
/* How router is doing: health record and systemd's STATUS= line
   (sw_daemon_set_status); details open_cases, closed_cases (kept packed)
   and snapshot_position (of the last snapshot loaded or written). */
void router_server_status(router_server_t *self, sw_health_t *health);

#endif
