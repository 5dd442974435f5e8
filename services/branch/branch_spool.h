/*  branch_spool: the branch's durable spool (SQLite, WAL, synchronous=FULL).
    Every request a desk at the branch makes (an inquiry, a staff action) is
    a row, committed to disk before the desk is told "recorded at the
    branch"; the row keeps the packed BranchRequest exactly as it goes to the
    hub, so every resend is the same request id and the same bytes.  Once
    the hub answers OK or REJECTED the outcome (position, code, message) is
    written to the row, and later asks of that request id are answered from
    it.  Rows are never deleted by the daemon. */
#ifndef BRANCH_SPOOL_H
#define BRANCH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct _branch_spool_t branch_spool_t;

typedef enum {
    BRANCH_SPOOL_PENDING = 0,  /* waits for the hub */
    BRANCH_SPOOL_OK = 1,       /* committed at the hub */
    BRANCH_SPOOL_REJECTED = 2, /* refused by the hub, with its code */
} branch_spool_state_t;

#define BRANCH_SPOOL_DIGEST 32

/* One row, as read back. */
typedef struct {
    int64_t seq; /* order of arrival at the branch */
    char request_id[72];
    uint8_t digest[BRANCH_SPOOL_DIGEST]; /* of the request's body: spots a reused id */
    char case_id[72];                    /* the case the request opens or acts on */
    branch_spool_state_t state;
    uint64_t position; /* hub log position of the outcome */
    char code[48];     /* the hub's reason code when rejected */
    char message[256];
    uint8_t event_id[16];
    bool has_event_id;
    int attempts;     /* sends to the hub it took (written with the outcome) */
    int64_t added_us; /* spooled at (UTC µs) */
} branch_spool_entry_t;

/* Opens (creating if missing) the spool at path.  readonly: for
   `shouwen-branch status` beside a running daemon.  NULL on failure. */
branch_spool_t *branch_spool_new(const char *path, bool readonly);
void branch_spool_destroy(branch_spool_t **self_p);

/* A transaction around a batch: every add of the batch is on disk once
   commit returns 0. */
int branch_spool_begin(branch_spool_t *self);
int branch_spool_commit(branch_spool_t *self);
void branch_spool_rollback(branch_spool_t *self);

/* 1 with *e filled, 0 when the request id is unknown, -1 on error. */
int branch_spool_lookup(branch_spool_t *self, const char *request_id,
                        branch_spool_entry_t *e);
/* A new pending row; its seq in *seq.  0 or -1. */
int branch_spool_add(branch_spool_t *self, const char *request_id,
                     const uint8_t digest[BRANCH_SPOOL_DIGEST], const char *case_id,
                     const uint8_t *request, size_t size, int64_t now_us, int64_t *seq);
/* The hub's outcome for a pending row.  0 or -1. */
int branch_spool_settle(branch_spool_t *self, const char *request_id,
                        branch_spool_state_t state, uint64_t position,
                        const char *case_id, const char *code, const char *message,
                        const uint8_t *event_id, size_t event_id_size, int attempts,
                        int64_t now_us);

/* Called for each pending row with seq > after, oldest first, at most max
   rows; request/size are valid during the call only. */
typedef void(branch_spool_fn)(const branch_spool_entry_t *e, const uint8_t *request,
                              size_t size, void *arg);
int branch_spool_pending(branch_spool_t *self, int64_t after, int max,
                         branch_spool_fn *fn, void *arg);
/* Rows in a state, or -1. */
int64_t branch_spool_count(branch_spool_t *self, branch_spool_state_t state);
/* One line per row (pending only unless all), oldest first; rows printed. */
int64_t branch_spool_print(branch_spool_t *self, bool all, FILE *out);

#endif
