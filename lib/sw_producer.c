/*  sw_producer: proposals to audit, kept until committed.  */
#include "sw_producer.h"
#include "sw_alloc.h"

#include "sw_eventid.h"
#include "sw_log.h"

/* Republishing is bounded per tick so a long audit outage does not turn
   into a flood when it returns. */
#define S_REPUBLISH_PER_TICK 2000

/* One proposal, in one allocation: its id (the hash key), topic and the
   packed envelope. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE]; /* event id: the key in pending */
    double last_sent;            /* loop time of the last publish */
    size_t topic_len;
    char topic[64]; /* "<type>." */
    size_t size;
    uint8_t bytes[]; /* packed Envelope, as first published */
} s_proposal_t;

struct _sw_producer_t {
    struct ev_loop *loop; /* the daemon's loop */
    char *name;           /* producer name written into envelopes */
    zsock_t *pub;         /* PUB connected to audit's proposal endpoint */
    void *raw;            /* its libzmq socket */
    sw_clock_t *clock;    /* borrowed */
    zhashx_t *pending;    /* event id (16 bytes) -> s_proposal_t */
    uint64_t seq;         /* producer sequence of the next proposal */
    uint64_t republished; /* proposals sent again (statistics) */
    int interval_ms;      /* republish interval */
    ev_timer timer;       /* republish tick */
};

static void s_proposal_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

/* Event ids are hashes already: their first bytes are a good hash. */
static size_t s_id_hash(const void *key)
{
    size_t h;
    memcpy(&h, key, sizeof h);
    return h;
}

static int s_id_compare(const void *a, const void *b)
{
    return memcmp(a, b, SW_EVENTID_SIZE);
}

static void s_send(sw_producer_t *self, s_proposal_t *p)
{
    zmq_send(self->raw, p->topic, p->topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(self->raw, p->bytes, p->size, ZMQ_DONTWAIT);
    p->last_sent = ev_now(self->loop);
}

/* Republishing runs on the loop's monotonic time, whatever the hub's
   clock says (a test may hold it still or move it by days). */
static void s_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    sw_producer_t *self = (sw_producer_t *)w->data;
    double due = ev_now(loop) - self->interval_ms / 1000.0 * 0.9;
    int sent = 0;
    s_proposal_t *p = (s_proposal_t *)zhashx_first(self->pending);
    while (p && sent < S_REPUBLISH_PER_TICK) {
        if (p->last_sent <= due) {
            s_send(self, p);
            self->republished++;
            sent++;
        }
        p = (s_proposal_t *)zhashx_next(self->pending);
    }
}

sw_producer_t *sw_producer_new(struct ev_loop *loop, const char *name,
                               const sw_hub_t *hub, sw_clock_t *clock)
{
    sw_producer_t *self = (sw_producer_t *)zmalloc(sizeof(sw_producer_t));
    self->loop = loop;
    self->name = sw_strdup(name);
    self->clock = clock;
    self->interval_ms = 500;
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_proposal_destroy);
    zhashx_set_key_hasher(self->pending, s_id_hash);
    zhashx_set_key_comparator(self->pending, s_id_compare);
    zhashx_set_key_duplicator(self->pending, NULL); /* the key lives in the item */
    zhashx_set_key_destructor(self->pending, NULL);
    self->pub = zsock_new(ZMQ_PUB);
    if (!self->pub) {
        sw_producer_destroy(&self);
        return NULL;
    }
    self->raw = zsock_resolve(self->pub);
    zsock_set_sndhwm(self->pub, 100000);
    zsock_set_linger(self->pub, 1000);
    if (sw_hub_secure(hub, self->pub) != 0 ||
        zsock_connect(self->pub, "%s", hub->proposals) != 0) {
        sw_error("%s: cannot connect proposals to %s: %s", name, hub->proposals,
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
    size_t size = protobuf_c_message_get_packed_size(&env->base);
    s_proposal_t *p = (s_proposal_t *)sw_malloc(sizeof(s_proposal_t) + size);
    memcpy(p->id, env->event_id.data, SW_EVENTID_SIZE);
    sw_topic_for(env->type, p->topic, sizeof p->topic);
    p->topic_len = strlen(p->topic);
    p->size = protobuf_c_message_pack(&env->base, p->bytes);
    env->producer = callers_producer;
    zhashx_delete(self->pending, p->id); /* a decision made again replaces the older */
    zhashx_insert(self->pending, p->id, p);
    s_send(self, p);
    return 0;
}

bool sw_producer_forget(sw_producer_t *self, const uint8_t *event_id)
{
    if (!zhashx_lookup(self->pending, event_id))
        return false;
    zhashx_delete(self->pending, event_id);
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
