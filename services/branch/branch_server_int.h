/*  branch_server_int: what branch_server.c (the desks' requests, the
    spool's window, the hub socket), branch_link.c (the branch's own watch
    and the organisation from the hub, the web desk's side door) and
    branch_request.c (a desk's request: checked, spooled or relayed) share.
    Not for other modules. */
#ifndef BRANCH_SERVER_INT_H
#define BRANCH_SERVER_INT_H

#include "branch_server.h"
#include "branch_spool.h"
#include "sw_zwatch.h"

/* A spooled request on its way to the hub (the in-flight window). */
typedef struct {
    char request_id[72];
    int64_t seq;
    uint8_t *bytes; /* the packed BranchRequest, as spooled */
    size_t size;
    double next_at; /* loop time of the next send */
    double backoff; /* wait after the next send */
    int attempts;
} branch_flight_t;

/* A desk's query relayed to the hub without spooling. */
typedef struct {
    zframe_t *routing_id;
    bool delimiter;
    uint64_t ticket;
    double expires;
} branch_forward_t;

/* One desk client waiting for an answer: a local desk on the ZeroMQ
   endpoint (routing_id), or the web desk (ticket, routing_id NULL). */
typedef struct {
    zframe_t *routing_id; /* borrowed */
    bool delimiter;       /* a REQ peer wants an empty frame first */
    uint64_t ticket;      /* the web desk's, when routing_id is NULL */
} branch_asker_t;

/* An answer held until the batch's spool transaction is committed. */
typedef struct {
    zframe_t *routing_id;
    bool delimiter;
    uint64_t ticket;
    zframe_t *reply;    /* the packed BranchReply */
    zframe_t *fallback; /* sent instead when the commit fails */
} branch_held_t;

struct _branch_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock;
    char branch_id[65];    /* branch/id: whom the key speaks for */
    branch_spool_t *spool; /* the durable spool (SQLite) */
    zsock_t *desk;         /* ROUTER on branch/listen, local desks */
    zsock_t *hub;          /* DEALER to intake, CURVE with the branch key */
    sw_zwatch_t *desk_w;
    sw_zwatch_t *hub_w;
    ev_timer tick;        /* resends and expiry */
    zhashx_t *flights;    /* request id -> branch_flight_t (in-flight window) */
    size_t window;        /* branch/window: most requests in flight */
    int64_t loaded_seq;   /* highest spool seq taken into the window */
    double backoff_first; /* branch/resend_ms */
    double backoff_max;   /* branch/resend_max_ms */
    zhashx_t *forwards;   /* request id -> branch_forward_t */
    zlistx_t *held;       /* branch_held_t answers of the batch being committed */
    zlistx_t *settled;    /* packed replies settled in the batch (observer) */
    zlistx_t *deferred;   /* ticket frame, reply frame: the web desk's, after the batch */
    bool in_hub_batch;
    branch_observer_t observer;
    struct {
        bool wanted;       /* branch_server_watch was called */
        char id[48];       /* request id of the current watch */
        uint64_t position; /* last notification passed on */
        double heard;      /* loop time the watch was last answered */
        double acked;      /* loop time of the last ack sent */
        unsigned serial;
    } watch;
    sw_directory_t *directory; /* the organisation in force at the hub */
    char directory_ask[48];    /* request id of the directory query in flight */
    double directory_at;       /* loop time of the last directory query */
    double hub_heard;          /* loop time of the hub's last answer */
    bool stopping;
    struct {
        uint64_t requests, spooled, confirmed, rejected, sends, retries, forwarded,
            refused, spool_errors;
    } stats;
};

#define S_WATCH_SILENT_S 12.0 /* a watch not heard from this long is renewed */
#define S_WATCH_ACK_S    5.0  /* the hub's watch is kept alive this often */

/* branch_server.c */

/* branch_link.c */
void branch_directory_ask(branch_server_t *self);
bool branch_directory_reply(branch_server_t *self, const Shouwen__V1__BranchReply *reply);
bool branch_watch_reply(branch_server_t *self, const Shouwen__V1__BranchReply *reply);
void branch_watch_start(branch_server_t *self);
void branch_watch_tick(branch_server_t *self);

#define S_HUB_UP_S 15.0 /* the hub counts as up this long after an answer */

/* branch_server.c */
void branch_commit_batch(branch_server_t *self, bool txn);
void branch_request(branch_server_t *self, const branch_asker_t *a, zframe_t *body);

/* deskdoor.c */

#endif
