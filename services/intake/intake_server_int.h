/*  intake_server_int: what intake_server.c (requests, proposals, the
    committed log) and intake_queries.c (the branch queries, notifications,
    stats and the organisation for the desks) share.  Not for other modules. */
#ifndef INTAKE_SERVER_INT_H
#define INTAKE_SERVER_INT_H

#include "intake_access.h"
#include "intake_cases.h"
#include "sw_hash.h"
#include "intake_server.h"
#include "intake_validate.h"
#include "intake_watch.h"
#include "sw_eventid.h"
#include "sw_follower.h"
#include "sw_hub.h"
#include "sw_keyring.h"
#include "sw_producer.h"
#include "sw_snapshot.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

/* Who asked, and where the answer goes: one request being handled. */
typedef struct {
    zframe_t *routing_id;            /* ROUTER identity of the connection, borrowed */
    bool delimiter;                  /* REQ peers want an empty frame first */
    const char *request_id;          /* "" until the request decoded */
    const sw_principal_t *who;       /* the key's principal, borrowed; NULL if none */
    const char *key;                 /* the key (Z85), for logs */
    char origin[80];                 /* branch id, or "admin:<staff>": names events */
    Shouwen__V1__BranchRequest *req; /* the request, borrowed (a lookup parks it) */
    bool looked_up;                  /* its own event was looked for in the log */
    bool case_loaded;                /* the case it names was read from the log */
} intake_asker_t;

/* The organisation or calendar in force: a load of the same file again is
   answered with it, not recorded twice. */
typedef struct {
    uint8_t digest[32]; /* of the content */
    uint64_t position;  /* of its directory.loaded */
} intake_in_force_t;

typedef struct {
    uint64_t requests, ok, retry, rejected, busy;
} intake_stats_t;

struct _intake_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock; /* borrowed */
    sw_hub_t *hub;     /* internal endpoints and our key */
    zsock_t *branches; /* ROUTER, bound, CURVE server */
    sw_zwatch_t *branches_w;
    sw_zap_t *zap;           /* admits branch and administrator keys */
    sw_keyring_t *keys;      /* intake/branch_keys: who each key is */
    intake_access_t *access; /* organisation in force, cases' parties */
    zchunk_t *org_text;      /* the organisation file in force, for the desks */
    intake_cases_t *cases;   /* holders and deadlines: the branch queries */
    intake_watch_t *watch;   /* notifications kept and pushed to branches */
    sw_producer_t *producer; /* proposals to audit */
    sw_follower_t *follower; /* the committed stream */
    zhashx_t *requests;      /* key -> intake_request_t, inside the window */
    zlistx_t *window;        /* intake_request_t (borrowed), oldest outcome first */
    int64_t window_us;       /* intake/idempotency_window_s, in the log's time */
    int64_t window_max;      /* intake/idempotency_max: at most this many kept */
    int64_t log_now_us;      /* committed_at_us of the last event followed */
    uint8_t *seen;           /* bloom filter of our event ids in the log */
    uint64_t lookups, found_in_log;   /* retries looked up in the log, found */
    uint64_t request_deletes;         /* sw_hash.h */
    uint8_t last_id[SW_EVENTID_SIZE]; /* of the event at the follower's position */
    zsock_t *query;                   /* DEALER to audit's replay: case timelines */
    sw_zwatch_t *query_w;
    zlistx_t *queries; /* intake_query_t waiting, oldest first */
    uint64_t next_tag;
    zhashx_t *uncommitted;         /* key -> intake_request_t (borrowed), proposed only */
    zhashx_t *rejections;          /* reason code -> count (uint64_t *) */
    zhashx_t *audit_counts;        /* audit's counters from its heartbeat */
    intake_in_force_t in_force[2]; /* organisation, calendar */
    zchunk_t *seed[2];             /* hub/directory, hub/calendar: an empty log's first */
    char *seed_file[2];            /* their paths, for the log */
    int64_t ack_timeout_us;        /* wait this long for a commit, then RETRY */
    int64_t max_ahead_us;          /* received_at_us at most this far in the future */
    int64_t max_age_us;            /* ... and at most this old */
    int64_t watch_keep;            /* notifications kept for a resume */
    int64_t watch_idle_s;          /* a watch not acked this long ends */
    int64_t max_pending;           /* proposals awaiting commit; beyond: RETRY at once */
    ev_timer sweep;                /* expires waiters and queries */
    char *snap_path;               /* NULL: no snapshots */
    int64_t snap_interval_s;       /* 0: only on SIGTERM */
    ev_timer snap_timer;
    uint64_t snap_position; /* of the last snapshot written or loaded */
    bool verify;            /* the first event must be verify_id at verify_at */
    uint64_t verify_at;
    uint8_t verify_id[SW_EVENTID_SIZE];
    ev_timer restart;  /* a snapshot of another log: follow from 1 */
    uint64_t replayed; /* events applied since start, for progress */
    double replay_started, replay_logged;
    bool stopping;
    intake_stats_t stats;
    double log_window; /* start of the refusal-log window (loop time) */
    int log_lines;     /* refusal lines logged in it */
    uint64_t log_dropped;
};

/* ------------------------------------------------ intake_server.c */

void intake_reject(intake_server_t *self, const intake_asker_t *a, const char *code,
                   const char *message);
void intake_retry(intake_server_t *self, const intake_asker_t *a, const char *code,
                  const char *message);
void intake_send(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                 Shouwen__V1__BranchReply *reply);
bool intake_staff_here(intake_server_t *self, const intake_asker_t *a, const char *staff);
bool intake_placed_here(intake_server_t *self, const intake_asker_t *a, bool dept,
                        const char *id, bool confined);

/* ----------------------------------------------- intake_queries.c */

void intake_q_directory(intake_server_t *self, intake_asker_t *a,
                        Shouwen__V1__BranchRequest *req);
void intake_q_due(intake_server_t *self, intake_asker_t *a,
                  Shouwen__V1__BranchRequest *req);
void intake_q_find(intake_server_t *self, intake_asker_t *a,
                   Shouwen__V1__BranchRequest *req);
void intake_q_inbox(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req);
void intake_q_queue(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req);
void intake_q_stats(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req);
void intake_q_watch(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req);
void intake_q_watch_ack(intake_server_t *self, intake_asker_t *a,
                        Shouwen__V1__BranchRequest *req);
void intake_q_watch_send(void *arg, zframe_t *routing_id, bool delimiter,
                         Shouwen__V1__BranchReply *reply);

#define S_DIGEST 16 /* bytes of a request's digest */

/* A branch connection waiting for a request's outcome. */
typedef struct {
    zframe_t *routing_id;
    bool delimiter;
    char *request_id;
    int64_t deadline_us; /* answer RETRY after this */
} intake_waiter_t;

/* What a branch's request becomes in the log. */
typedef enum {
    S_INQUIRY,   /* inquiry.received: done when committed */
    S_COMMAND,   /* command.received: done when router's decision commits */
    S_DIRECTORY, /* directory.loaded: done when committed */
} intake_kind_t;

/* A case query waiting for audit's replay answer; or (request set) a
   request parked while its case's events are read from the log: a retry
   older than the idempotency window, or a closed case acted on. */
typedef struct {
    uint64_t tag;
    intake_waiter_t w;
    zframe_t *request; /* the BranchRequest, packed; NULL for a case query */
    char *key;         /* the asking key (Z85), to find who it is again */
    char case_id[SW_CASEID_STRLEN + 8];
    bool want_event; /* look for event_id among the case's events */
    uint8_t event_id[SW_EVENTID_SIZE];
    bool reload;                 /* a reopened case: rebuild it (no request) */
    bool looked_up, case_loaded; /* the asker's, carried over */
    bool watch;                  /* a watch's resume read from the log */
} intake_query_t;

/* What intake knows of one (origin, request id): the event it became and,
   once known, its outcome. */
typedef struct {
    char key[33]; /* event id, hex */
    uint8_t event_id[SW_EVENTID_SIZE];
    intake_kind_t kind;
    char case_id[SW_CASEID_STRLEN + 1];
    uint8_t digest[S_DIGEST]; /* of the request, to spot a reused id */
    uint64_t position;        /* of the outcome; 0 until known */
    bool logged;              /* its event is in the log (else only proposed) */
    int64_t done_us;          /* committed_at_us of the outcome */
    void *in_window;          /* its handle in self->window, NULL if not there */
    char *code;               /* router's rejection, NULL when OK */
    char *message;
    zlistx_t *waiters; /* intake_waiter_t, NULL when none */
} intake_request_t;

/* intake_server.c */
void intake_dispatch(intake_server_t *self, intake_asker_t *a,
                     Shouwen__V1__BranchRequest *req);
/* Park a's request until the case's events come from the log (event_id:
   look for that event too), then handle it again. */
void intake_park(intake_server_t *self, const intake_asker_t *a, const char *case_id,
                 const uint8_t *event_id);
void intake_query_free(void **item_p);
void intake_request_free(void **item_p);
/* A case that reopened but is not in memory: its events from the log. */
void intake_case_reload(intake_server_t *self, const char *case_id);
/* A watch resumes from before the kept notifications: read the log for it
   from position from, page by page (intake_watch_page). */
void intake_watch_ask(intake_server_t *self, zframe_t *routing_id, bool delimiter,
                      const char *request_id, uint64_t from);
void intake_on_watch_page(intake_server_t *self, intake_query_t *q,
                          Shouwen__V1__ReplayReply *rep);
/* The log answered a parked request's case: handle the request again. */
void intake_unpark(intake_server_t *self, intake_query_t *q);
void intake_answer_waiters(intake_server_t *self, intake_request_t *r);
int intake_kind_index(const char *kind);
intake_request_t *intake_request_new(const uint8_t *event_id);
int64_t intake_wall_us(intake_server_t *self);

int intake_propose_directory(intake_server_t *self, intake_request_t *r,
                             const char *loaded_by,
                             const Shouwen__V1__DirectoryLoad *load, const char *version);

/* intake_verbs.c: an organisation or calendar parsed as router or sla will
   parse it: NULL with its version in version[], or the reason (the
   caller's to free) naming load->file_name, the line and what is wrong */
char *intake_parse_load(const Shouwen__V1__DirectoryLoad *load, char *version,
                        size_t version_size);

/* intake_seed.c: the organisation and calendar of an empty log (issue 11).
   The log is their only source: router, sla and intake read them from
   directory.loaded events.  The files hub/directory and hub/calendar are
   read and checked at start (-1, logged: a configuration error) and, once
   intake follows the log, proposed as the first directory.loaded of their
   kind if the log holds none (loaded_by ""; one event id per file, so a
   restart does not seed twice); afterwards they are not read again and a
   change is `shouwen directory load`.  Inquiries and staff actions wait
   (RETRY HUB_NOT_READY) until the log holds both. */
int intake_seed_init(intake_server_t *self, zconfig_t *cfg);
void intake_seed_propose(intake_server_t *self);
bool intake_seed_ready(intake_server_t *self);
void intake_seed_destroy(intake_server_t *self);

/* intake_log.c */
#define S_SEEN_BITS ((uint64_t)1 << 24) /* the bloom filter: 2 MiB */
bool intake_seen_maybe(intake_server_t *self, const uint8_t *event_id);
/* A request's outcome is known: into the window, the oldest out. */
void intake_window_add(intake_server_t *self, intake_request_t *r);
void intake_window_trim(intake_server_t *self);
/* The events of a case from the log (a parked request's answer). */
void intake_on_case_events(intake_server_t *self, intake_query_t *q,
                           Shouwen__V1__ReplayReply *rep);
void intake_on_committed(void *arg, const sw_committed_t *c, const sw_envelope_t *env,
                         bool replaying);
void intake_on_heartbeat(void *arg, const Shouwen__V1__Heartbeat *hb);
void intake_on_live(void *arg);
void intake_on_sweep(struct ev_loop *loop, ev_timer *t, int revents);

/* What a recorded request stands for. */
typedef struct {
    intake_kind_t kind;
    const ProtobufCMessage *digested; /* the part whose digest spots a reused id */
    const Shouwen__V1__InquirySubmit *submit;
    Shouwen__V1__Command *command;
    const Shouwen__V1__DirectoryLoad *load;
    const char *version; /* of a load */
} intake_what_t;

/* intake_server.c */
intake_request_t *intake_lookup(intake_server_t *self, const intake_asker_t *a);
void intake_record(intake_server_t *self, const intake_asker_t *a,
                   const intake_what_t *what);
void intake_waiter_init(intake_server_t *self, intake_waiter_t *w,
                        const intake_asker_t *a);

/* intake_verbs.c */
void intake_case_query(intake_server_t *self, intake_asker_t *a,
                       Shouwen__V1__BranchRequest *req);
void intake_command(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req);
void intake_directory_load(intake_server_t *self, intake_asker_t *a,
                           Shouwen__V1__BranchRequest *req);
void intake_on_query_reply(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg);
void intake_submit(intake_server_t *self, intake_asker_t *a,
                   Shouwen__V1__BranchRequest *req);

/* intake_snapshot.c */
void intake_snapshot_init(intake_server_t *self, zconfig_t *cfg);
/* Loads the snapshot if there is one that fits: the position to follow
   from (its own, checked by intake_snapshot_verify), else 1. */
uint64_t intake_snapshot_load(intake_server_t *self);
/* The first event followed: false (state dropped, follower restarted from
   1) when it is not the snapshot's. */
bool intake_snapshot_verify(intake_server_t *self, const sw_committed_t *c,
                            const sw_envelope_t *env);
void intake_snapshot_write(intake_server_t *self, const char *why);
void intake_snapshot_destroy(intake_server_t *self);
/* Drops everything followed from the log (a snapshot of another log). */
void intake_state_reset(intake_server_t *self);

#endif
