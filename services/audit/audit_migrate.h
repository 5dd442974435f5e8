/*  audit_migrate: the versioned schema in services/audit/sql, embedded in
    the binary.  File NNN_name.sql is version NNN; each is applied once, in
    order, in its own transaction, and recorded in shouwen.schema_version.
    A migration that changes the projections marks their rebuild due
    (migration 011); --migrate then runs it after the last migration, in
    chunks it can resume (audit_rebuild.h).  Runs before the loop starts
    (blocking libpq is fine here). */
#ifndef AUDIT_MIGRATE_H
#define AUDIT_MIGRATE_H

#include <stdio.h>
#include <sysexits.h>

#include "audit_rebuild.h"

typedef struct {
    const char *name; /* file name, "001_events.sql" */
    const char *sql;  /* its text */
} audit_migration_t;

/* Generated from the files in sql/; ends with {NULL, NULL}. */
extern const audit_migration_t audit_migrations[];

/* What the database holds. */
typedef struct {
    int version;                   /* applied, 0 when none */
    audit_rebuild_state_t rebuild; /* the projections' rebuild */
} audit_migrate_state_t;

/* --migrate --status exit codes (sysexits.h): up to date 0; a migration or
   a rebuild pending EX_TEMPFAIL (75); the database unreachable
   EX_UNAVAILABLE (69); the database newer than this binary EX_CONFIG (78). */
#define AUDIT_MIGRATE_PENDING     EX_TEMPFAIL
#define AUDIT_MIGRATE_UNREACHABLE EX_UNAVAILABLE
#define AUDIT_MIGRATE_NEWER       EX_CONFIG

/* Highest version embedded in this binary. */
int audit_migrate_latest(void);
/* Apply what is missing, then run (or resume) a due projection rebuild,
   chunk_events events per transaction.  0, or -1 after logging the failing
   file or chunk and the server's message. */
int audit_migrate_apply(const char *conninfo, int chunk_events);
/* Read the version applied and the rebuild's state.  0, or -1 (logged)
   when the database is unreachable or unreadable. */
int audit_migrate_state(const char *conninfo, audit_migrate_state_t *state);
/* --migrate --status: the version, the latest known, each pending
   migration and the rebuild's state, on out; returns the exit code above. */
int audit_migrate_status(const char *conninfo, FILE *out);
/* Tell systemd what --migrate does (STATUS=) and to allow the next step
   10 more minutes (EXTEND_TIMEOUT_USEC=), so that a long rebuild that shows
   progress outlives the unit's TimeoutStartSec=.  Harmless without
   systemd (and with NotifyAccess=none). */
void audit_migrate_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
