/*  sw_follower: follows audit's committed stream in position order.
    SUB on the committed stream plus a DEALER on audit's replay endpoint.
    Events reach the callback exactly once each and in gapless position
    order: on start, and whenever a position gap (or a heartbeat ahead of
    us) shows we missed something, the follower pages through replay until
    it has caught up (the ZeroMQ Guide's Clone pattern).  */
#ifndef SW_FOLLOWER_H
#define SW_FOLLOWER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw_envelope.h"
#include "sw_hub.h"

typedef struct _sw_follower_t sw_follower_t;

/* One committed event; env is decoded from c->envelope.  replaying is true
   while catching up (the follower is not live yet). Both are borrowed. */
typedef void(sw_follower_event_fn)(void *arg, const sw_committed_t *c,
                                   const sw_envelope_t *env, bool replaying);
/* Called each time the follower becomes live (caught up with the head). */
typedef void(sw_follower_live_fn)(void *arg);

/* hub (borrowed, outlives the follower): the committed stream, replay and
   the daemon's key. */
sw_follower_t *sw_follower_new(struct ev_loop *loop, const char *name,
                               const sw_hub_t *hub, uint64_t next_position,
                               sw_follower_event_fn *on_event,
                               sw_follower_live_fn *on_live, void *arg);
void sw_follower_destroy(sw_follower_t **self_p);

/* Last position delivered (0 before any). */
uint64_t sw_follower_position(sw_follower_t *self);
bool sw_follower_is_live(sw_follower_t *self);
uint64_t sw_follower_replays(sw_follower_t *self);
/* Called with every heartbeat audit publishes (its head and counters). */
typedef void(sw_follower_heartbeat_fn)(void *arg, const Shouwen__V1__Heartbeat *hb);
void sw_follower_set_heartbeat_fn(sw_follower_t *self, sw_follower_heartbeat_fn *fn);

#endif
