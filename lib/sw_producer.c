/*  sw_producer: proposals to audit, kept until committed.  */
#include "sw_producer.h"

#include <sodium.h>

#include "sw_log.h"

/* Republishing is bounded per tick so a long audit outage does not turn
   into a flood when it returns. */
#define S_REPUBLISH_PER_TICK 2000

typedef struct {
    zframe_t *topic;      /* "<type>." */
    zframe_t *envelope;   /* packed Envelope, as first published */
    int64_t last_sent_us; /* clock time of the last publish */
} s_proposal_t;

struct _sw_producer_t {
    struct ev_loop *loop; /* the daemon's loop */
    char *name;           /* producer name written into envelopes */
    zsock_t *pub;         /* PUB connected to audit's proposal endpoint */
    sw_clock_t *clock;    /* borrowed */
    zhashx_t *pending;    /* event id (hex) -> s_proposal_t */
    uint64_t seq;         /* producer sequence of the next proposal */
    uint64_t republished; /* proposals sent again (statistics) */
    int interval_ms;      /* republish interval */
    ev_timer timer;       /* republish tick */
};

static void s_proposal_destroy(void **item_p)
{
    s_proposal_t *p = (s_proposal_t *)*item_p;
    if (p) {
        zframe_destroy(&p->topic);
        zframe_destroy(&p->envelope);
        free(p);
        *item_p = NULL;
    }
}

static void s_key(const uint8_t *id, char *out)
{
    sodium_bin2hex(out, 33, id, 16);
}

static void s_send(sw_producer_t *self, s_proposal_t *p)
{
    zframe_send(&p->topic, self->pub, ZFRAME_REUSE | ZFRAME_MORE | ZFRAME_DONTWAIT);
    zframe_send(&p->envelope, self->pub, ZFRAME_REUSE | ZFRAME_DONTWAIT);
    p->last_sent_us = sw_clock_now_us(self->clock);
}

static void s_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    sw_producer_t *self = (sw_producer_t *)w->data;
    int64_t now = sw_clock_now_us(self->clock);
    int64_t due = now - (int64_t)self->interval_ms * 1000;
    int sent = 0;
    s_proposal_t *p = (s_proposal_t *)zhashx_first(self->pending);
    while (p && sent < S_REPUBLISH_PER_TICK) {
        /* a test clock may not move: republish on every tick then */
        if (p->last_sent_us <= due || sw_clock_is_test(self->clock)) {
            s_send(self, p);
            self->republished++;
            sent++;
        }
        p = (s_proposal_t *)zhashx_next(self->pending);
    }
}

sw_producer_t *sw_producer_new(struct ev_loop *loop, const char *name,
                               const char *endpoint, sw_clock_t *clock)
{
    sw_producer_t *self = (sw_producer_t *)zmalloc(sizeof(sw_producer_t));
    self->loop = loop;
    self->name = strdup(name);
    self->clock = clock;
    self->interval_ms = 500;
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_proposal_destroy);
    self->pub = zsock_new(ZMQ_PUB);
    if (!self->pub) {
        sw_producer_destroy(&self);
        return NULL;
    }
    zsock_set_sndhwm(self->pub, 100000);
    zsock_set_linger(self->pub, 1000);
    if (zsock_connect(self->pub, "%s", endpoint) != 0) {
        sw_error("%s: cannot connect proposals to %s: %s", name, endpoint,
                 zmq_strerror(zmq_errno()));
        sw_producer_destroy(&self);
        return NULL;
    }
    ev_timer_init(&self->timer, s_on_tick, 0.5, 0.5);
    self->timer.data = self;
    ev_timer_start(loop, &self->timer);
    ev_unref(loop); /* the tick alone does not keep the loop running */
    return self;
}

void sw_producer_destroy(sw_producer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_producer_t *self = *self_p;
    if (ev_is_active(&self->timer)) {
        ev_ref(self->loop);
        ev_timer_stop(self->loop, &self->timer);
    }
    zhashx_destroy(&self->pending);
    zsock_destroy(&self->pub);
    free(self->name);
    free(self);
    *self_p = NULL;
}

void sw_producer_set_interval(sw_producer_t *self, int msecs)
{
    self->interval_ms = msecs > 0 ? msecs : 500;
    ev_timer_set(&self->timer, self->interval_ms / 1000.0, self->interval_ms / 1000.0);
    ev_timer_again(self->loop, &self->timer);
}

int sw_producer_propose(sw_producer_t *self, sw_envelope_t *env)
{
    const char *why = NULL;
    char *callers_producer = env->producer; /* restored below: env stays the caller's */
    env->producer = self->name;
    env->producer_seq = ++self->seq;
    if (env->occurred_at_us == 0)
        env->occurred_at_us = sw_clock_now_us(self->clock);
    if (sw_envelope_check(env, &why) != 0) {
        sw_error("%s: refusing to propose a bad %s event: %s", self->name,
                 env->type ? env->type : "?", why);
        env->producer = callers_producer;
        return -1;
    }
    s_proposal_t *p = (s_proposal_t *)zmalloc(sizeof(s_proposal_t));
    char topic[128];
    sw_topic_for(env->type, topic, sizeof topic);
    p->topic = zframe_new(topic, strlen(topic));
    p->envelope = sw_pack_frame(&env->base);
    env->producer = callers_producer;
    char key[33];
    s_key(env->event_id.data, key);
    zhashx_update(self->pending, key, p); /* replaces (and frees) an older one */
    s_send(self, p);
    return 0;
}

bool sw_producer_is_pending(sw_producer_t *self, const uint8_t *event_id)
{
    char key[33];
    s_key(event_id, key);
    return zhashx_lookup(self->pending, key) != NULL;
}

bool sw_producer_forget(sw_producer_t *self, const uint8_t *event_id)
{
    char key[33];
    s_key(event_id, key);
    if (!zhashx_lookup(self->pending, key))
        return false;
    zhashx_delete(self->pending, key);
    return true;
}

size_t sw_producer_pending(sw_producer_t *self)
{
    return zhashx_size(self->pending);
}

uint64_t sw_producer_republished(sw_producer_t *self)
{
    return self->republished;
}
