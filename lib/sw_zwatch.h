/*  sw_zwatch: a ZeroMQ socket on a libev loop.
    ZMQ_FD is edge-triggered: readable does not mean a message is waiting,
    and a send can make the socket readable without a new edge.  Following
    flux-core and FRRouting: an ev_prepare reads ZMQ_EVENTS; work pending ->
    start an ev_idle so the loop does not sleep; none -> watch the fd with
    ev_io; an ev_check calls the callback, which drains a bounded batch.  */
#ifndef SW_ZWATCH_H
#define SW_ZWATCH_H

#include <ev.h>

typedef struct _sw_zwatch_t sw_zwatch_t;

/* Called when ZMQ_EVENTS shows any of the watched events (ZMQ_POLLIN,
   ZMQ_POLLOUT); revents holds those that are set.  The callback should
   handle a bounded batch (e.g. 64 messages) and return: it is called
   again on the next loop iteration while work remains. */
typedef void(sw_zwatch_fn)(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg);

/* socket is a czmq zsock_t * or a raw libzmq socket (resolved with
   zsock_resolve).  events: ZMQ_POLLIN and/or ZMQ_POLLOUT.  Returns NULL on
   failure.  The watcher starts stopped. */
sw_zwatch_t *sw_zwatch_new(struct ev_loop *loop, void *socket, int events,
                           sw_zwatch_fn *cb, void *arg);
void sw_zwatch_destroy(sw_zwatch_t **self_p);
void sw_zwatch_start(sw_zwatch_t *self);
void sw_zwatch_stop(sw_zwatch_t *self);
/* Change the watched events (e.g. add ZMQ_POLLOUT while a queue is full). */
void sw_zwatch_set_events(sw_zwatch_t *self, int events);
void *sw_zwatch_socket(sw_zwatch_t *self);

#endif
