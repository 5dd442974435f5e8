/*  audit_migrate: apply the embedded schema migrations.  */
#include "audit_migrate.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_log.h"
#include "sw_notify.h"

/* How long systemd waits for the next notice of --migrate (a migration or
   a chunk of the rebuild: seconds, usually). */
#define AUDIT_MIGRATE_STEP_US (10ULL * 60 * 1000000)

static const char *s_bootstrap =
    "CREATE SCHEMA IF NOT EXISTS shouwen;"
    "CREATE TABLE IF NOT EXISTS shouwen.schema_version ("
    "  version int PRIMARY KEY,"
    "  name text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now());"
    "COMMENT ON TABLE shouwen.schema_version IS"
    "  'Schema migrations applied by shouwen-audit --migrate';";

static int s_version_of(const char *name)
{
    return atoi(name);
}

int audit_migrate_latest(void)
{
    int latest = 0;
    for (const audit_migration_t *m = audit_migrations; m->name; m++)
        if (s_version_of(m->name) > latest)
            latest = s_version_of(m->name);
    return latest;
}

static PGconn *s_connect(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        sw_error("migrate: cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    /* A killed --migrate: the server stops its statement within 2 s instead
       of finishing it for nobody (PostgreSQL 14 and later; else ignored). */
    PQclear(PQexec(conn, "SET client_connection_check_interval = '2s'"));
    return conn;
}

static int s_current(PGconn *conn)
{
    PGresult *res =
        PQexec(conn, "SELECT coalesce(max(version), 0) FROM shouwen.schema_version");
    int v = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    return v;
}

static int s_exec(PGconn *conn, const char *sql, const char *what)
{
    PGresult *res = PQexec(conn, sql);
    int ok =
        PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        sw_error("migrate: %s failed: %s", what, PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

static int s_apply_one(PGconn *conn, const audit_migration_t *m)
{
    char version[16];
    snprintf(version, sizeof version, "%d", s_version_of(m->name));
    const char *params[2] = {version, m->name};
    if (s_exec(conn, "BEGIN", "BEGIN") != 0)
        return -1;
    if (s_exec(conn, m->sql, m->name) != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return -1;
    }
    PGresult *res = PQexecParams(conn,
                                 "INSERT INTO shouwen.schema_version (version, name) "
                                 "VALUES ($1::int, $2)",
                                 2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        sw_error("migrate: recording %s failed: %s", m->name, PQresultErrorMessage(res));
    PQclear(res);
    if (!ok || s_exec(conn, "COMMIT", "COMMIT") != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return -1;
    }
    sw_info("migrate: applied %s", m->name);
    return 0;
}

void audit_migrate_notify(const char *fmt, ...)
{
    char text[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    sw_notify_extend_timeout(AUDIT_MIGRATE_STEP_US);
    sw_notify_status("migrate: %s", text);
}

int audit_migrate_apply(const char *conninfo, int chunk_events)
{
    PGconn *conn = s_connect(conninfo);
    if (!conn)
        return -1;
    int rc = s_exec(conn, s_bootstrap, "creating the version table");
    int current = rc == 0 ? s_current(conn) : 0;
    for (const audit_migration_t *m = audit_migrations; rc == 0 && m->name; m++)
        if (s_version_of(m->name) > current) {
            audit_migrate_notify("applying %s", m->name);
            rc = s_apply_one(conn, m);
        }
    if (rc == 0)
        sw_info("migrate: schema at version %d", s_current(conn));
    if (rc == 0)
        rc = audit_rebuild_run(conn, chunk_events);
    PQfinish(conn);
    return rc;
}

int audit_migrate_state(const char *conninfo, audit_migrate_state_t *state)
{
    memset(state, 0, sizeof *state);
    PGconn *conn = s_connect(conninfo);
    if (!conn)
        return -1;
    PGresult *res =
        PQexec(conn, "SELECT to_regclass('shouwen.schema_version') IS NOT NULL");
    int exists = PQresultStatus(res) == PGRES_TUPLES_OK && *PQgetvalue(res, 0, 0) == 't';
    PQclear(res);
    state->version = exists ? s_current(conn) : 0;
    int rc = audit_rebuild_state(conn, &state->rebuild);
    PQfinish(conn);
    return rc;
}

/* The rebuild's line of --status. */
static void s_rebuild_line(const audit_rebuild_state_t *r, FILE *out)
{
    if (r->due && r->next_position > 0)
        fprintf(
            out,
            "rebuild: pending (due since migration %03d): %lld of %lld events applied, "
            "resumes at position %lld\n",
            r->since_version, r->next_position - 1, r->total, r->next_position);
    else if (r->due)
        fprintf(out,
                "rebuild: pending (due since migration %03d): not started, %lld events\n",
                r->since_version, r->total);
    else if (r->done)
        fprintf(out,
                "rebuild: done (due since migration %03d): %lld events, finished %s\n",
                r->since_version, r->total, r->finished_at);
    else
        fprintf(out, "rebuild: not needed\n");
}

int audit_migrate_status(const char *conninfo, FILE *out)
{
    audit_migrate_state_t state;
    if (audit_migrate_state(conninfo, &state) != 0)
        return AUDIT_MIGRATE_UNREACHABLE;
    int latest = audit_migrate_latest();
    fprintf(out, "schema version: %d\n", state.version);
    fprintf(out, "latest known: %d\n", latest);
    int pending = 0;
    for (const audit_migration_t *m = audit_migrations; m->name; m++)
        if (s_version_of(m->name) > state.version) {
            fprintf(out, "pending migration: %s\n", m->name);
            pending++;
        }
    if (pending == 0)
        fprintf(out, "pending migrations: none\n");
    s_rebuild_line(&state.rebuild, out);
    if (state.version > latest) {
        fprintf(out,
                "state: the database is newer than this shouwen-audit: install the one "
                "that migrated it\n");
        return AUDIT_MIGRATE_NEWER;
    }
    if (pending > 0 || state.rebuild.due) {
        fprintf(out, "state: pending: run shouwen-audit --migrate\n");
        return AUDIT_MIGRATE_PENDING;
    }
    fprintf(out, "state: up to date\n");
    return 0;
}
