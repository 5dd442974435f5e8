/*  sw_producer: publishes proposed events to audit and keeps each one until
    it is seen on the committed stream (DESIGN.md, flow 3: pub/sub may drop,
    so every uncommitted proposal is republished on a timer; audit ignores
    an event id it already has). */
#ifndef SW_PRODUCER_H
#define SW_PRODUCER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw_clock.h"
#include "sw_envelope.h"
#include "sw_hub.h"

typedef struct _sw_producer_t sw_producer_t;

/* name: "intake", "router", "sla"; hub (borrowed): audit's proposal SUB endpoint and the
   key (we connect a PUB to it). */
sw_producer_t *sw_producer_new(struct ev_loop *loop, const char *name,
                               const sw_hub_t *hub, sw_clock_t *clock);
void sw_producer_destroy(sw_producer_t **self_p);

/* Stamp producer, producer_seq and (if 0) occurred_at_us, pack, keep and
   publish (env->producer is left as the caller had it).  A proposal with the same event
   id already pending is replaced (a decision re-made on a newer case version).  0 or -1.
 */
int sw_producer_propose(sw_producer_t *self, sw_envelope_t *env);
/* Forget a proposal: it is committed (or obsolete).  True if it was pending. */
bool sw_producer_forget(sw_producer_t *self, const uint8_t *event_id);
size_t sw_producer_pending(sw_producer_t *self);
uint64_t sw_producer_republished(sw_producer_t *self);

#endif
