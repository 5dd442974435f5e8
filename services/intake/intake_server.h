/*  intake_server: the hub's front door for branches.
    A ROUTER socket takes BranchRequests; each is validated field by field
    and either rejected at once with a reason code, or recorded as a
    proposed event (inquiry received, R1) and answered only once audit has
    committed it: OK with the case id and log position.  RETRY when the hub
    is not ready (still catching up, or the commit is slow): the branch
    resends the same request id, which is the same event, never a second
    case. */
#ifndef INTAKE_SERVER_H
#define INTAKE_SERVER_H

#include <czmq.h>
#include <ev.h>

#include "sw_clock.h"
#include "sw_health.h"

typedef struct _intake_server_t intake_server_t;

intake_server_t *intake_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock);
void intake_server_destroy(intake_server_t **self_p);
/* Stop taking requests (answer RETRY to what waits). */
void intake_server_stop(intake_server_t *self);
/* The settings intake changes while it runs (SIGHUP), NULL-terminated, and
   their applier: 0 taken, -1 (logged) refused, the running ones kept. */
extern const char *const intake_hot_settings[];
int intake_server_apply(intake_server_t *self, zconfig_t *fresh);
/* SIGHUP: re-reads the allow-list (intake/branch_keys) now. */
void intake_server_reload(intake_server_t *self);
void intake_server_log_stats(intake_server_t *self);
/* How intake is doing: health record and systemd's STATUS= line
   (sw_daemon_set_status); details busy_refusals, requests. */
void intake_server_status(intake_server_t *self, sw_health_t *health);

#endif
