/*  sw_follower: the committed stream, gapless, with replay.  */
#include "sw_follower.h"
#include "sw_alloc.h"

#include "sw_log.h"
#include "sw_zwatch.h"

#define S_REPLAY_PAGE      1000 /* events asked per replay request */
#define S_REPLAY_TIMEOUT_S 2.0  /* unanswered replay request: ask again */
#define S_BATCH            256  /* stream messages handled per wake-up */

struct _sw_follower_t {
    struct ev_loop *loop;
    char *name;          /* daemon name, for logs */
    const sw_hub_t *hub; /* endpoints and key, borrowed */
    zsock_t *sub;        /* committed stream */
    zsock_t *dealer;     /* replay requests; recreated on timeout */
    sw_zwatch_t *sub_w;
    sw_zwatch_t *dealer_w;
    uint64_t next;         /* next position we expect */
    bool live;             /* caught up, delivering from the stream */
    bool replaying;        /* a replay request is outstanding */
    uint64_t tag;          /* of the last replay request sent */
    uint64_t want_tag;     /* the answer to handle next */
    uint64_t ahead_tag;    /* the page asked ahead while handling one, 0 none */
    uint64_t replays;      /* replay rounds started (statistics) */
    ev_timer replay_timer; /* replay request timeout */
    sw_follower_event_fn *on_event;
    sw_follower_live_fn *on_live;
    sw_follower_heartbeat_fn *on_heartbeat;
    void *arg;
};

static void s_on_dealer(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg);

static int s_open_dealer(sw_follower_t *self)
{
    sw_zwatch_destroy(&self->dealer_w);
    zsock_destroy(&self->dealer);
    self->dealer = zsock_new(ZMQ_DEALER);
    if (!self->dealer)
        return -1;
    zsock_set_linger(self->dealer, 0);
    zsock_set_rcvhwm(self->dealer, 1000);
    if (sw_hub_secure(self->hub, self->dealer) != 0 ||
        zsock_connect(self->dealer, "%s", self->hub->replay) != 0) {
        sw_error("%s: cannot connect replay to %s", self->name, self->hub->replay);
        return -1;
    }
    self->dealer_w =
        sw_zwatch_new(self->loop, self->dealer, ZMQ_POLLIN, s_on_dealer, self);
    sw_zwatch_start(self->dealer_w);
    return 0;
}

/* Asks for a page from position from; its tag. */
static uint64_t s_send_ask(sw_follower_t *self, uint64_t from)
{
    Shouwen__V1__ReplayRequest req = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    req.from_position = from;
    req.max_events = S_REPLAY_PAGE;
    req.tag = ++self->tag;
    zframe_t *f = sw_pack_frame(&req.base);
    zframe_send(&f, self->dealer, ZFRAME_DONTWAIT);
    zframe_destroy(&f);
    return req.tag;
}

/* Asks for the page at next (any page asked ahead is forgotten). */
static void s_ask(sw_follower_t *self)
{
    self->want_tag = s_send_ask(self, self->next);
    self->ahead_tag = 0;
    ev_timer_stop(self->loop, &self->replay_timer);
    ev_timer_set(&self->replay_timer, S_REPLAY_TIMEOUT_S, 0.);
    ev_timer_start(self->loop, &self->replay_timer);
}

static void s_start_replay(sw_follower_t *self)
{
    if (self->replaying)
        return;
    self->replaying = true;
    self->live = false;
    self->replays++;
    sw_debug("%s: replaying from position %" PRIu64, self->name, self->next);
    s_ask(self);
}

static void s_on_replay_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    sw_follower_t *self = (sw_follower_t *)w->data;
    sw_info("%s: no replay answer from %s, asking again from %" PRIu64, self->name,
            self->hub->replay, self->next);
    if (s_open_dealer(self) == 0)
        s_ask(self);
    else {
        ev_timer_set(&self->replay_timer, S_REPLAY_TIMEOUT_S, 0.);
        ev_timer_start(loop, &self->replay_timer);
    }
}

/* Deliver c if it is the next position; true when delivered or already seen. */
static bool s_deliver(sw_follower_t *self, const sw_committed_t *c)
{
    if (c->position < self->next)
        return true; /* already delivered */
    if (c->position > self->next)
        return false; /* gap */
    const char *why = NULL;
    sw_envelope_t *env = sw_envelope_decode(c->envelope.data, c->envelope.len, &why);
    if (env) {
        self->on_event(self->arg, c, env, self->replaying || !self->live);
        sw_envelope_free(env);
    } else
        sw_error("%s: committed position %" PRIu64 " does not decode (%s); skipped",
                 self->name, c->position, why);
    self->next = c->position + 1;
    return true;
}

static void s_on_dealer(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    sw_follower_t *self = (sw_follower_t *)arg;
    zframe_t *f = zframe_recv_nowait(self->dealer);
    if (!f)
        return;
    Shouwen__V1__ReplayReply *rep = NULL;
    if (zframe_size(f) <= 64 * 1024 * 1024)
        rep = shouwen__v1__replay_reply__unpack(NULL, zframe_size(f), zframe_data(f));
    zframe_destroy(&f);
    if (!self->replaying || (rep && rep->tag != self->want_tag)) {
        if (rep)
            shouwen__v1__replay_reply__free_unpacked(rep, NULL);
        return; /* an answer we no longer wait for */
    }
    ev_timer_stop(loop, &self->replay_timer);
    if (!rep || (rep->error && *rep->error)) {
        sw_warn("%s: replay failed: %s", self->name,
                rep ? rep->error : "malformed reply");
        if (rep)
            shouwen__v1__replay_reply__free_unpacked(rep, NULL);
        ev_timer_set(&self->replay_timer, 0.5, 0.);
        ev_timer_start(loop, &self->replay_timer);
        return;
    }
    /* a full page with more behind it: ask for the next one now, so that
       audit and PostgreSQL fetch it while this one is applied */
    uint64_t head = rep->head_position;
    size_t n = rep->n_events;
    uint64_t last = n ? rep->events[n - 1]->position : 0;
    if (n == S_REPLAY_PAGE && last < head && last + 1 > self->next)
        self->ahead_tag = s_send_ask(self, last + 1);
    bool ok = true;
    for (size_t i = 0; i < rep->n_events && ok; i++)
        ok = s_deliver(self, rep->events[i]);
    shouwen__v1__replay_reply__free_unpacked(rep, NULL);
    if (!ok)
        sw_warn("%s: replay skipped a position before %" PRIu64 "; asking again",
                self->name, self->next);
    if (ok && self->next > head) {
        self->replaying = false;
        self->live = true;
        sw_debug("%s: live at position %" PRIu64, self->name, self->next - 1);
        if (self->on_live)
            self->on_live(self->arg);
    } else if (ok && n == 0 && self->next <= head) {
        /* head is ahead but nothing came back yet: ask again shortly */
        ev_timer_set(&self->replay_timer, 0.05, 0.);
        ev_timer_start(loop, &self->replay_timer);
    } else if (ok && self->ahead_tag && last + 1 == self->next) {
        self->want_tag = self->ahead_tag; /* the page asked ahead is the next */
        self->ahead_tag = 0;
        ev_timer_set(&self->replay_timer, S_REPLAY_TIMEOUT_S, 0.);
        ev_timer_start(loop, &self->replay_timer);
    } else
        s_ask(self);
}

static void s_on_stream_message(sw_follower_t *self, zframe_t *topic, zframe_t *body)
{
    if (zframe_streq(topic, SW_TOPIC_HEARTBEAT)) {
        Shouwen__V1__Heartbeat *hb =
            shouwen__v1__heartbeat__unpack(NULL, zframe_size(body), zframe_data(body));
        if (hb && hb->head_position >= self->next && !self->replaying)
            s_start_replay(self);
        if (hb && self->on_heartbeat)
            self->on_heartbeat(self->arg, hb);
        if (hb)
            shouwen__v1__heartbeat__free_unpacked(hb, NULL);
        return;
    }
    if (self->replaying)
        return; /* the replay covers it */
    if (zframe_size(body) > SW_MAX_MESSAGE + 1024)
        return;
    sw_committed_t *c =
        shouwen__v1__committed__unpack(NULL, zframe_size(body), zframe_data(body));
    if (!c) {
        sw_warn("%s: malformed message on the committed stream", self->name);
        return;
    }
    if (!s_deliver(self, c))
        s_start_replay(self);
    shouwen__v1__committed__free_unpacked(c, NULL);
}

static void s_on_sub(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    sw_follower_t *self = (sw_follower_t *)arg;
    for (int i = 0; i < S_BATCH; i++) {
        zmsg_t *msg = zmsg_recv_nowait(self->sub);
        if (!msg)
            break;
        if (zmsg_size(msg) == 2) {
            zframe_t *topic = zmsg_first(msg);
            zframe_t *body = zmsg_next(msg);
            s_on_stream_message(self, topic, body);
        }
        zmsg_destroy(&msg);
    }
}

sw_follower_t *sw_follower_new(struct ev_loop *loop, const char *name,
                               const sw_hub_t *hub, uint64_t next_position,
                               sw_follower_event_fn *on_event,
                               sw_follower_live_fn *on_live, void *arg)
{
    assert(on_event);
    sw_follower_t *self = (sw_follower_t *)zmalloc(sizeof(sw_follower_t));
    self->loop = loop;
    self->name = sw_strdup(name);
    self->hub = hub;
    self->next = next_position ? next_position : 1;
    self->on_event = on_event;
    self->on_live = on_live;
    self->arg = arg;
    ev_timer_init(&self->replay_timer, s_on_replay_timeout, S_REPLAY_TIMEOUT_S, 0.);
    self->replay_timer.data = self;
    self->sub = zsock_new(ZMQ_SUB);
    if (!self->sub) {
        sw_follower_destroy(&self);
        return NULL;
    }
    zsock_set_rcvhwm(self->sub, 100000);
    zsock_set_linger(self->sub, 0);
    zsock_set_subscribe(self->sub, "");
    if (sw_hub_secure(hub, self->sub) != 0 ||
        zsock_connect(self->sub, "%s", hub->committed) != 0) {
        sw_error("%s: cannot connect to the committed stream %s", name, hub->committed);
        sw_follower_destroy(&self);
        return NULL;
    }
    self->sub_w = sw_zwatch_new(loop, self->sub, ZMQ_POLLIN, s_on_sub, self);
    if (!self->sub_w || s_open_dealer(self) != 0) {
        sw_follower_destroy(&self);
        return NULL;
    }
    sw_zwatch_start(self->sub_w);
    s_start_replay(self);
    return self;
}

void sw_follower_destroy(sw_follower_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_follower_t *self = *self_p;
    ev_timer_stop(self->loop, &self->replay_timer);
    sw_zwatch_destroy(&self->sub_w);
    sw_zwatch_destroy(&self->dealer_w);
    zsock_destroy(&self->sub);
    zsock_destroy(&self->dealer);
    free(self->name);
    free(self);
    *self_p = NULL;
}

uint64_t sw_follower_position(sw_follower_t *self)
{
    return self->next - 1;
}

bool sw_follower_is_live(sw_follower_t *self)
{
    return self->live;
}

void sw_follower_set_heartbeat_fn(sw_follower_t *self, sw_follower_heartbeat_fn *fn)
{
    self->on_heartbeat = fn;
}

uint64_t sw_follower_replays(sw_follower_t *self)
{
    return self->replays;
}
