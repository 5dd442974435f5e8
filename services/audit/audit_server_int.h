/*  audit_server_int: what audit_server.c (proposals in, the write path,
    the committed stream, lifecycle) and audit_replay.c (followers' and
    case queries' replays from PostgreSQL) share.  Not for other modules. */
#ifndef AUDIT_SERVER_INT_H
#define AUDIT_SERVER_INT_H

#include "audit_anchor.h"
#include "audit_server.h"
#include "audit_store.h"
#include "sw_envelope.h"
#include "sw_hub.h"
#include "sw_json.h"
#include "sw_keyring.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

/* What became of a proposal in its batch. */
typedef enum {
    AUDIT_COMMITTED,
    AUDIT_DUPLICATE,
    AUDIT_STALE,
    AUDIT_UNKNOWN_CASE,
    AUDIT_CASE_EXISTS,
    AUDIT_INVALID
} audit_status_t;

/* One proposal waiting for (or in) a batch: the envelope's columns as
   they go into shouwen.events (audit_commit.c). */
typedef struct {
    char key[33];       /* event id, hex: dedupe key */
    char topic[96];     /* "<type>." for the committed stream */
    zframe_t *envelope; /* the producer's bytes, published verbatim */
    uint8_t event_id[16];
    char *type, *case_id, *producer, *actor; /* valid UTF-8; NULL when empty */
    uint64_t wanted;                         /* case version decided on (based_on) */
    uint64_t producer_seq;
    int64_t occurred_us;
    bool has_causation;
    uint8_t causation[16];
    char *body; /* the body as jsonb prints it (sw_json_message_jsonb) */
    bool valid; /* what the log can take at all */
    /* in a batch */
    audit_status_t status;
    bool duplicate; /* found in the log by its event id */
    uint64_t position, version;
    int64_t committed_us;
    uint8_t hash[32];
} audit_item_t;

/* A growable text buffer (array literals for append_rows). */
typedef struct {
    char *data;
    size_t len, size;
} audit_buf_t;

/* Columns append_rows takes as arrays, after the head it follows. */
#define AUDIT_COLS 14

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
    uint64_t queued_deletes; /* from queued (sw_hash.h) */
    audit_item_t **inflight; /* the batch being committed */
    size_t n_inflight;
    size_t solo;       /* items left to send one at a time */
    zlistx_t *replays; /* audit_replay_t waiting */
    audit_replay_t *replay_inflight;
    sw_json_t *json;       /* batch text buffer */
    int batch_max;         /* events per transaction, at most */
    int flush_ms;          /* wait this long for a batch to fill */
    int max_queue;         /* stop reading proposals above this */
    uint64_t head;         /* last committed position */
    uint8_t head_hash[32]; /* its chain hash */
    zhashx_t *versions;    /* case id -> version, a cache of shouwen.cases */
    audit_buf_t cols[AUDIT_COLS];
    bool trailing;            /* audit/projections = trailing (013) */
    audit_store_t *projector; /* trailing: project_through connection */
    uint64_t projected;       /* projection_head as last seen */
    bool projector_more;      /* commits since the projector last asked */
    ev_timer projector_retry; /* after a failure */
    uint64_t batch_head;      /* the batch in flight ends here */
    uint8_t batch_hash[32];   /* with this hash */
    bool head_known;          /* head read since the writer connected */
    bool lease;               /* the writer's session holds the log's lease */
    bool lease_told;          /* "waiting for the lease" logged for this wait */
    ev_timer lease_retry;     /* another audit holds it: ask again */
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
void audit_heartbeat_now(audit_server_t *self);
void audit_check_drained(audit_server_t *self);

/* audit_commit.c: the write path */
audit_item_t *audit_item_new(audit_server_t *self, const sw_envelope_t *env,
                             zframe_t *bytes);
void audit_item_destroy(audit_item_t **item_p);
void audit_commit_init(audit_server_t *self);
void audit_commit_destroy(audit_server_t *self);
/* Sends the next batch when the writer is idle and the head known. */
void audit_commit_flush(audit_server_t *self);
/* Reads the log head (position and hash); then audit is ready. */
void audit_commit_read_head(audit_server_t *self);
/* shouwen.event_hash of item after prev, computed in C. */
void audit_chain_link(sw_json_t *j, const uint8_t prev[32], const audit_item_t *item,
                      uint8_t out[32]);

/* audit_projector.c: projections trailing the log (audit/projections) */
int audit_projector_init(audit_server_t *self, zconfig_t *cfg, const char *conninfo);
void audit_projector_destroy(audit_server_t *self);
/* A batch committed: project it (trailing), or note the head (inline). */
void audit_projector_notify(audit_server_t *self);
/* Events committed but not yet projected. */
uint64_t audit_projector_lag(audit_server_t *self);

/* audit_replay.c */
void audit_on_reader_state(void *arg, bool up);
void audit_on_replay_request(struct ev_loop *loop, sw_zwatch_t *w, int revents,
                             void *arg);
void audit_replay_destroy(audit_replay_t **r_p);

#endif
