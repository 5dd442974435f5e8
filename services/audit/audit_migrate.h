/*  audit_migrate: the versioned schema in services/audit/sql, embedded in
    the binary.  File NNN_name.sql is version NNN; each is applied once, in
    order, in its own transaction, and recorded in shouwen.schema_version.
    Runs before the loop starts (blocking libpq is fine here). */
#ifndef AUDIT_MIGRATE_H
#define AUDIT_MIGRATE_H

typedef struct {
    const char *name; /* file name, "001_events.sql" */
    const char *sql;  /* its text */
} audit_migration_t;

/* Generated from the files in sql/; ends with {NULL, NULL}. */
extern const audit_migration_t audit_migrations[];

/* Highest version embedded in this binary. */
int audit_migrate_latest(void);
/* Apply what is missing.  0, or -1 after logging the failing file and the
   server's message. */
int audit_migrate_apply(const char *conninfo);
/* Version applied in the database (0 when none), -1 when unreachable. */
int audit_migrate_current(const char *conninfo);

#endif
