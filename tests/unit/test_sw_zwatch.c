/*  test_sw_zwatch: ZeroMQ sockets on one libev loop.

    Why these tests catch a missed edge: ZMQ_FD only signals a change, and
    the signal is consumed by whichever ZeroMQ call next processes the
    socket's commands, including our own zmq_send in the callback.  In the
    ping-pong the reply often arrives while the callback is still sending,
    so its edge is eaten and the fd never becomes readable again; in the
    burst the callback leaves messages queued on purpose, and no new edge
    will ever announce them.  A watcher that trusted ev_io alone would then
    block in the loop with messages waiting: 20000 round trips make such a
    stall all but certain, and the watchdog timer turns it into a failure
    instead of a hang. */
#include <czmq.h>
#include <ev.h>
#include <stdbool.h>

#include "sw_log.h"
#include "sw_test.h"
#include "sw_zwatch.h"

#define ROUND_TRIPS 20000
#define BURST       5000
#define BURST_BATCH 10
#define WATCHDOG_S  20.0

/* One loop's test state. */
typedef struct {
    ev_timer watchdog; /* breaks a stalled loop */
    bool timed_out;    /* the watchdog fired */
    int done;          /* parties finished */
    int parties;       /* parties that must finish before the loop breaks */
} run_t;

static void s_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    run_t *run = w->data;
    run->timed_out = true;
    ev_break(loop, EVBREAK_ALL);
}

static void s_run_start(run_t *run, struct ev_loop *loop, int parties)
{
    run->timed_out = false;
    run->done = 0;
    run->parties = parties;
    ev_timer_init(&run->watchdog, s_watchdog_cb, WATCHDOG_S, 0);
    run->watchdog.data = run;
    ev_timer_start(loop, &run->watchdog);
}

static void s_run_finished(run_t *run, struct ev_loop *loop)
{
    if (++run->done == run->parties)
        ev_break(loop, EVBREAK_ALL);
}

static zsock_t *s_socket(int type)
{
    zsock_t *sock = zsock_new(type);
    if (sock == NULL)
        abort();
    zsock_set_rcvtimeo(sock, 2000); /* a wrong wake-up fails, never blocks */
    zsock_set_sndtimeo(sock, 2000);
    zsock_set_linger(sock, 0);
    return sock;
}

/* ------------------------------------------------------------ ping-pong */

/* One side of a ping-pong pair. */
typedef struct {
    run_t *run;
    void *sock;      /* zsock_t * or raw libzmq socket */
    bool client;     /* counts round trips and sends the next ping */
    int round_trips; /* replies received (client) */
    int echoed;      /* pings answered (server) */
    int bad;         /* wrong or missing messages */
    bool finished;   /* reported to run */
} side_t;

static int s_events(void *sock)
{
    int events = 0;
    size_t size = sizeof events;
    zmq_getsockopt(zsock_resolve(sock), ZMQ_EVENTS, &events, &size);
    return events;
}

static void s_side_cb(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    side_t *side = arg;
    if (!(revents & ZMQ_POLLIN)) {
        side->bad++;
        return;
    }
    for (int batch = 0; batch < 64 && (s_events(side->sock) & ZMQ_POLLIN); batch++) {
        zmsg_t *msg = zmsg_recv(side->sock);
        if (msg == NULL) {
            side->bad++;
            return;
        }
        if (!side->client) {
            /* Server: answer inside the callback (the send may eat the edge). */
            side->echoed++;
            if (zmsg_send(&msg, side->sock) < 0)
                side->bad++;
            zmsg_destroy(&msg);
            continue;
        }
        char *text = zmsg_popstr(msg);
        if (text == NULL || atoi(text) != side->round_trips)
            side->bad++;
        zstr_free(&text);
        zmsg_destroy(&msg);
        side->round_trips++;
        if (side->round_trips == ROUND_TRIPS) {
            if (!side->finished) {
                side->finished = true;
                s_run_finished(side->run, loop);
            }
            return;
        }
        if (zstr_sendf(side->sock, "%d", side->round_trips) < 0)
            side->bad++;
    }
}

static void test_ping_pong(struct ev_loop *loop)
{
    run_t run;
    s_run_start(&run, loop, 2);

    /* Pair A: PAIR over inproc, the server side watched as a raw socket. */
    zsock_t *a_server = s_socket(ZMQ_PAIR);
    zsock_t *a_client = s_socket(ZMQ_PAIR);
    CHECK_EQ(zsock_bind(a_server, "inproc://zwatch-ping"), 0);
    CHECK_EQ(zsock_connect(a_client, "inproc://zwatch-ping"), 0);

    /* Pair B: DEALER/ROUTER over TCP on loopback. */
    zsock_t *b_server = s_socket(ZMQ_ROUTER);
    zsock_t *b_client = s_socket(ZMQ_DEALER);
    int port = zsock_bind(b_server, "tcp://127.0.0.1:*");
    CHECK(port > 0);
    CHECK_EQ(zsock_connect(b_client, "tcp://127.0.0.1:%d", port), 0);

    side_t sides[4] = {
        {.run = &run, .sock = zsock_resolve(a_server)},
        {.run = &run, .sock = a_client, .client = true},
        {.run = &run, .sock = b_server},
        {.run = &run, .sock = b_client, .client = true},
    };
    sw_zwatch_t *watch[4];
    for (int i = 0; i < 4; i++) {
        watch[i] = sw_zwatch_new(loop, sides[i].sock, ZMQ_POLLIN, s_side_cb, &sides[i]);
        CHECK(watch[i] != NULL);
        CHECK(sw_zwatch_socket(watch[i]) == sides[i].sock);
        sw_zwatch_start(watch[i]);
    }
    CHECK_EQ(zstr_send(a_client, "0"), 0);
    CHECK_EQ(zstr_send(b_client, "0"), 0);

    int64_t started = zclock_mono();
    ev_run(loop, 0);
    CHECK(!run.timed_out);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(sides[i].bad, 0);
    CHECK_EQ(sides[1].round_trips, ROUND_TRIPS);
    CHECK_EQ(sides[3].round_trips, ROUND_TRIPS);
    CHECK_EQ(sides[0].echoed, ROUND_TRIPS);
    CHECK_EQ(sides[2].echoed, ROUND_TRIPS);
    sw_info("ping-pong: 2 x %d round trips in %lld ms", ROUND_TRIPS,
            (long long)(zclock_mono() - started));

    for (int i = 0; i < 4; i++)
        sw_zwatch_destroy(&watch[i]);
    CHECK(watch[0] == NULL);
    ev_timer_stop(loop, &run.watchdog);
    zsock_destroy(&a_client);
    zsock_destroy(&a_server);
    zsock_destroy(&b_client);
    zsock_destroy(&b_server);
}

/* ---------------------------------------------------------------- burst */

typedef struct {
    run_t *run;
    zsock_t *sock;
    int received; /* messages read, in order */
    int calls;    /* callback invocations */
    int bad;      /* out of order, missing, or called with nothing to read */
} burst_t;

static void s_burst_cb(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    burst_t *burst = arg;
    burst->calls++;
    if (!(revents & ZMQ_POLLIN) || !(zsock_events(burst->sock) & ZMQ_POLLIN))
        burst->bad++;
    /* A bounded batch, leaving the rest queued with no new edge to come. */
    for (int i = 0; i < BURST_BATCH && (zsock_events(burst->sock) & ZMQ_POLLIN); i++) {
        char *text = zstr_recv(burst->sock);
        if (text == NULL || atoi(text) != burst->received)
            burst->bad++;
        zstr_free(&text);
        if (++burst->received == BURST) {
            sw_zwatch_stop(w);
            s_run_finished(burst->run, loop);
            return;
        }
    }
}

static void test_burst(struct ev_loop *loop)
{
    run_t run;
    s_run_start(&run, loop, 1);
    zsock_t *reader = s_socket(ZMQ_PAIR);
    zsock_t *writer = s_socket(ZMQ_PAIR);
    zsock_set_rcvhwm(reader, 0);
    zsock_set_sndhwm(writer, 0);
    CHECK_EQ(zsock_bind(reader, "inproc://zwatch-burst"), 0);
    CHECK_EQ(zsock_connect(writer, "inproc://zwatch-burst"), 0);
    for (int i = 0; i < BURST; i++)
        CHECK_EQ(zstr_sendf(writer, "%d", i), 0);

    burst_t burst = {.run = &run, .sock = reader};
    sw_zwatch_t *watch = sw_zwatch_new(loop, reader, ZMQ_POLLIN, s_burst_cb, &burst);
    CHECK(watch != NULL);
    sw_zwatch_start(watch);
    ev_run(loop, 0);
    CHECK(!run.timed_out);
    CHECK_EQ(burst.received, BURST);
    CHECK_EQ(burst.calls, BURST / BURST_BATCH);
    CHECK_EQ(burst.bad, 0);

    sw_zwatch_destroy(&watch);
    ev_timer_stop(loop, &run.watchdog);
    zsock_destroy(&writer);
    zsock_destroy(&reader);
}

/* ------------------------------------------- stop, set_events, POLLOUT */

typedef struct {
    int calls;        /* callback invocations */
    int last_revents; /* revents of the last call */
} seen_t;

static void s_seen_cb(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    seen_t *seen = arg;
    seen->calls++;
    seen->last_revents = revents;
    ev_break(loop, EVBREAK_ONE);
}

/* Run the loop for at most seconds (or until a callback breaks it). */
static void s_run_for(struct ev_loop *loop, double seconds)
{
    ev_timer limit;
    ev_timer_init(&limit, s_watchdog_cb, seconds, 0);
    run_t run = {0};
    limit.data = &run;
    ev_timer_start(loop, &limit);
    ev_run(loop, 0);
    ev_timer_stop(loop, &limit);
}

static void test_events(struct ev_loop *loop)
{
    zsock_t *a = s_socket(ZMQ_PAIR);
    zsock_t *b = s_socket(ZMQ_PAIR);
    CHECK_EQ(zsock_bind(a, "inproc://zwatch-events"), 0);
    CHECK_EQ(zsock_connect(b, "inproc://zwatch-events"), 0);

    seen_t seen = {0};
    sw_zwatch_t *watch = sw_zwatch_new(loop, a, ZMQ_POLLIN, s_seen_cb, &seen);
    CHECK(watch != NULL);

    /* The watcher starts stopped: a pending message waits for the start. */
    CHECK_EQ(zstr_send(b, "early"), 0);
    s_run_for(loop, 0.05);
    CHECK_EQ(seen.calls, 0);
    sw_zwatch_start(watch);
    s_run_for(loop, 2.0);
    CHECK_EQ(seen.calls, 1);
    CHECK_EQ(seen.last_revents, ZMQ_POLLIN);
    char *text = zstr_recv(a);
    CHECK_STR(text, "early");
    zstr_free(&text);

    /* Drained: the loop waits on the fd and the callback stays quiet. */
    seen.calls = 0;
    s_run_for(loop, 0.05);
    CHECK_EQ(seen.calls, 0);

    /* A new message wakes the loop through ZMQ_FD. */
    CHECK_EQ(zstr_send(b, "late"), 0);
    s_run_for(loop, 2.0);
    CHECK_EQ(seen.calls, 1);
    text = zstr_recv(a);
    CHECK_STR(text, "late");
    zstr_free(&text);

    /* Watching POLLOUT too: a connected PAIR can always send. */
    seen.calls = 0;
    sw_zwatch_set_events(watch, ZMQ_POLLIN | ZMQ_POLLOUT);
    s_run_for(loop, 2.0);
    CHECK_EQ(seen.calls, 1);
    CHECK_EQ(seen.last_revents, ZMQ_POLLOUT);

    /* Stopped: pending work is not reported. */
    seen.calls = 0;
    sw_zwatch_stop(watch);
    CHECK_EQ(zstr_send(b, "ignored"), 0);
    s_run_for(loop, 0.05);
    CHECK_EQ(seen.calls, 0);

    sw_zwatch_destroy(&watch);
    sw_zwatch_destroy(&watch); /* safe on NULL */
    zsock_destroy(&b);
    zsock_destroy(&a);
}

int main(void)
{
    sw_log_init("test_sw_zwatch", LOG_INFO);
    zsys_handler_set(NULL);
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    if (loop == NULL)
        return 1;
    test_ping_pong(loop);
    test_burst(loop);
    test_events(loop);
    ev_loop_destroy(loop);
    zsys_shutdown();
    SW_TEST_DONE();
}
