/*  audit_server_int: what audit_server.c (proposals in, the write path,
    the committed stream, lifecycle) and audit_replay.c (followers' and
    case queries' replays from PostgreSQL) share.  Not for other modules. */
#ifndef AUDIT_SERVER_INT_H
#define AUDIT_SERVER_INT_H

#include "audit_anchor.h"
#include "audit_server.h"
#include "audit_store.h"
#include "sw_hub.h"
#include "sw_json.h"
#include "sw_keyring.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

/* One proposal waiting for (or in) a batch. */
typedef struct {
    char key[33];       /* event id, hex: dedupe key */
    char topic[96];     /* "<type>." for the committed stream */
    zframe_t *envelope; /* the producer's bytes, published verbatim */
    char *json;         /* the append_batch element for it */
} audit_item_t;

/* A replay request waiting for the reader connection. */
typedef struct {
    zframe_t *routing_id;
    uint64_t from;
    uint32_t max;
    char *case_id;
    char *time_zone; /* a case's summaries: times in this zone */
    uint64_t tag;    /* echoed to the asker */
} audit_replay_t;

typedef struct {
    uint64_t received, invalid, committed, duplicate, stale, unknown_case, case_exists;
    uint64_t failed, batches, replays;
    uint64_t not_entitled; /* proposals of a type their daemon may not produce */
} audit_stats_t;

/* At most S_LOG_BURST refusal lines per S_LOG_WINDOW seconds. */
#define S_LOG_BURST  5
#define S_LOG_WINDOW 10.0

struct _audit_server_t {
    struct ev_loop *loop;
    zsock_t *proposals;        /* SUB, bound: every producer's PUB connects */
    zsock_t *committed;        /* PUB, bound: the committed stream */
    zsock_t *replay;           /* ROUTER, bound: replay requests */
    sw_zap_t *zap;             /* admits only the hub daemons' keys (CURVE) */
    sw_keyring_t *daemon_keys; /* hub/daemon_keys: the daemons' public certs */
    double log_window;         /* start of the refusal-log window (loop time) */
    int log_lines;             /* refusal lines logged in it */
    sw_zwatch_t *proposals_w;
    sw_zwatch_t *replay_w;
    audit_store_t *writer;   /* append_batch connection */
    audit_store_t *reader;   /* replay connection */
    zlistx_t *queue;         /* audit_item_t waiting for a batch */
    zhashx_t *queued;        /* keys of queued and in-flight items */
    audit_item_t **inflight; /* the batch being committed */
    size_t n_inflight;
    size_t solo;       /* items left to send one at a time */
    zlistx_t *replays; /* audit_replay_t waiting */
    audit_replay_t *replay_inflight;
    sw_json_t *json;      /* batch text buffer */
    int batch_max;        /* events per transaction, at most */
    int flush_ms;         /* wait this long for a batch to fill */
    int max_queue;        /* stop reading proposals above this */
    uint64_t head;        /* last committed position */
    bool head_known;      /* head read since the writer connected */
    bool lease;           /* the writer's session holds the log's lease */
    bool lease_told;      /* "waiting for the lease" logged for this wait */
    ev_timer lease_retry; /* another audit holds it: ask again */
    bool ready_sent;
    bool draining;
    ev_timer flush_timer;
    ev_timer heartbeat;
    ev_idle kick; /* flush again right after a batch */
    audit_stats_t stats;
    audit_server_fn *on_ready;
    void *ready_arg;
    audit_server_fn *on_drained;
    void *drained_arg;
    audit_anchor_t *anchor; /* signs the log head (docs/anchors.md) */
};

#define S_REPLAY_MAX 5000 /* events per replay answer, at most */

/* audit_server.c */

/* audit_replay.c */
void audit_on_reader_state(void *arg, bool up);
void audit_on_replay_request(struct ev_loop *loop, sw_zwatch_t *w, int revents,
                             void *arg);
void audit_replay_destroy(audit_replay_t **r_p);

#endif
