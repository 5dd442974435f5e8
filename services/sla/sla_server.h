/*  sla_server: the hub's facts of time.  Follows the committed log and, for
    each routed case, proposes the reply deadline (R11: 1 working day from
    receipt, on the office's working-day calendar), with a warning point at
    three quarters of the allowed working time.  Event ids derive from the
    routing decision's, so a restart proposes the same deadline, never a
    second one. */
#ifndef SLA_SERVER_H
#define SLA_SERVER_H

#include <czmq.h>
#include <ev.h>

#include "sw_clock.h"

typedef struct _sla_server_t sla_server_t;

sla_server_t *sla_server_new(struct ev_loop *loop, zconfig_t *cfg, sw_clock_t *clock);
void sla_server_destroy(sla_server_t **self_p);
void sla_server_log_stats(sla_server_t *self);

#endif
