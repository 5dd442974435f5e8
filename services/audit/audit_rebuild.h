/*  audit_rebuild: a due rebuild of the projections (投影重建), run by
    --migrate after the last migration, in chunks.  A migration that changes
    what shouwen.project() computes marks the rebuild due
    (shouwen.rebuild_state, migration 011) instead of rebuilding inside its
    own transaction; each chunk applies the next events in position order
    and records the position reached in the same transaction, so a kill at
    any moment loses at most the chunk under way and the next --migrate
    resumes after the last committed one.  Blocking libpq: runs before any
    loop. */
#ifndef AUDIT_REBUILD_H
#define AUDIT_REBUILD_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct {
    bool due;                /* asked for by a migration and not finished */
    bool done;               /* asked for once and finished */
    int since_version;       /* the migration that asked for it, 0 when none */
    long long next_position; /* first event not applied yet, 0 before the first chunk */
    long long total;         /* the log's last position (now when due, else at the end) */
    char finished_at[40];    /* when it finished, as PostgreSQL writes it ("" if not) */
} audit_rebuild_state_t;

/* Events per chunk (one transaction each) unless audit/rebuild_chunk says. */
#define AUDIT_REBUILD_CHUNK 50000

/* Reads the state into *state.  A database without shouwen.rebuild_state
   (before migration 011) has none due.  0, or -1 after logging. */
int audit_rebuild_state(PGconn *conn, audit_rebuild_state_t *state);
/* Runs or resumes a due rebuild to its end, chunk_events events per
   transaction, logging a progress line (and telling systemd, with more time
   to start) after each chunk.  SIGTERM or SIGINT cancels the chunk under
   way and returns.  0 when none is due or it finished, -1 after logging. */
int audit_rebuild_run(PGconn *conn, int chunk_events);

#endif
