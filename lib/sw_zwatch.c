/*  sw_zwatch: a ZeroMQ socket on a libev loop.

    ZMQ_FD signals (edge-triggered) that the socket's state may have changed;
    only ZMQ_EVENTS says whether a message can be read or written, and
    reading ZMQ_EVENTS (or any send/recv) consumes the edge.  So the fd is
    never trusted on its own:

    prepare (before the loop blocks): read ZMQ_EVENTS.  Work pending -> start
        a no-op ev_idle so the loop polls without sleeping; none -> start a
        no-op ev_io on ZMQ_FD so the next edge wakes the loop.
    check (after the loop wakes): stop both, read ZMQ_EVENTS again and call
        the user with the watched events that are pending.

    Every iteration therefore re-reads ZMQ_EVENTS; a callback that handles a
    bounded batch and returns is called again on the next iteration, and an
    edge consumed by our own send is harmless because the next prepare sees
    the pending message in ZMQ_EVENTS instead of waiting for the fd. */
#include "sw_zwatch.h"
#include "sw_alloc.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <zmq.h>

#include "sw_log.h"

struct _sw_zwatch_t {
    struct ev_loop *loop; /* the daemon's loop */
    void *socket;         /* zsock_t * or raw libzmq socket, as given */
    void *handle;         /* the raw libzmq socket */
    int events;           /* watched: ZMQ_POLLIN | ZMQ_POLLOUT */
    sw_zwatch_fn *cb;     /* user callback */
    void *arg;            /* user argument */
    ev_prepare prepare;   /* reads ZMQ_EVENTS before the loop blocks */
    ev_check check;       /* calls the user after the loop wakes */
    ev_idle idle;         /* keeps the loop from blocking while work is pending */
    ev_io io;             /* wakes the loop on a ZMQ_FD edge */
    bool active;          /* started */
};

/* Pending watched events, or -1 when ZMQ_EVENTS cannot be read. */
static int s_pending(sw_zwatch_t *self)
{
    int zevents = 0;
    size_t size = sizeof zevents;
    if (zmq_getsockopt(self->handle, ZMQ_EVENTS, &zevents, &size) < 0)
        return -1;
    return zevents & self->events;
}

static void s_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    sw_zwatch_t *self = w->data;
    int pending = s_pending(self);
    /* Unreadable ZMQ_EVENTS (interrupted, or a closing context) counts as
       pending: idle keeps the loop turning so check retries or reports it. */
    if (pending != 0)
        ev_idle_start(loop, &self->idle);
    else
        ev_io_start(loop, &self->io);
}

static void s_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
    sw_zwatch_t *self = w->data;
    ev_io_stop(loop, &self->io);
    ev_idle_stop(loop, &self->idle);
    int pending = s_pending(self);
    if (pending < 0 && zmq_errno() == EINTR)
        return; /* a signal interrupted it: the next prepare keeps the loop turning */
    if (pending < 0) {
        sw_error("zwatch: ZMQ_EVENTS failed: %s; watcher stopped",
                 zmq_strerror(zmq_errno()));
        sw_zwatch_stop(self);
        return;
    }
    /* Last statement: the callback may stop or destroy the watcher. */
    if (pending)
        self->cb(loop, self, pending, self->arg);
}

/* Both exist only to wake the loop; the work happens in check. */
static void s_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
}

static void s_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
}

sw_zwatch_t *sw_zwatch_new(struct ev_loop *loop, void *socket, int events,
                           sw_zwatch_fn *cb, void *arg)
{
    assert(loop && socket && cb);
    assert((events & ~(ZMQ_POLLIN | ZMQ_POLLOUT)) == 0);
    void *handle = zsock_resolve(socket);
    if (handle == NULL) {
        sw_error("zwatch: not a ZeroMQ socket");
        return NULL;
    }
    int fd;
    size_t fd_size = sizeof fd;
    if (zmq_getsockopt(handle, ZMQ_FD, &fd, &fd_size) < 0) {
        sw_error("zwatch: ZMQ_FD failed: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    sw_zwatch_t *self = sw_calloc(1, sizeof *self);
    self->loop = loop;
    self->socket = socket;
    self->handle = handle;
    self->events = events;
    self->cb = cb;
    self->arg = arg;
    ev_prepare_init(&self->prepare, s_prepare_cb);
    ev_check_init(&self->check, s_check_cb);
    ev_idle_init(&self->idle, s_idle_cb);
    ev_io_init(&self->io, s_io_cb, fd, EV_READ);
    self->prepare.data = self;
    self->check.data = self;
    return self;
}

void sw_zwatch_destroy(sw_zwatch_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        sw_zwatch_stop(*self_p);
        free(*self_p);
        *self_p = NULL;
    }
}

void sw_zwatch_start(sw_zwatch_t *self)
{
    assert(self);
    if (self->active)
        return;
    ev_prepare_start(self->loop, &self->prepare);
    ev_check_start(self->loop, &self->check);
    self->active = true;
}

void sw_zwatch_stop(sw_zwatch_t *self)
{
    assert(self);
    ev_prepare_stop(self->loop, &self->prepare);
    ev_check_stop(self->loop, &self->check);
    ev_io_stop(self->loop, &self->io);
    ev_idle_stop(self->loop, &self->idle);
    self->active = false;
}

void sw_zwatch_set_events(sw_zwatch_t *self, int events)
{
    assert(self);
    assert((events & ~(ZMQ_POLLIN | ZMQ_POLLOUT)) == 0);
    /* Takes effect at the next prepare, which runs before the loop blocks. */
    self->events = events;
}

void *sw_zwatch_socket(sw_zwatch_t *self)
{
    assert(self);
    return self->socket;
}
