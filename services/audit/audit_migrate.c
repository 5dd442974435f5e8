/*  audit_migrate: apply the embedded schema migrations.  */
#include "audit_migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#include "sw_log.h"

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

int audit_migrate_apply(const char *conninfo)
{
    PGconn *conn = s_connect(conninfo);
    if (!conn)
        return -1;
    int rc = s_exec(conn, s_bootstrap, "creating the version table");
    int current = rc == 0 ? s_current(conn) : 0;
    for (const audit_migration_t *m = audit_migrations; rc == 0 && m->name; m++)
        if (s_version_of(m->name) > current)
            rc = s_apply_one(conn, m);
    if (rc == 0)
        sw_info("migrate: schema at version %d", s_current(conn));
    PQfinish(conn);
    return rc;
}

int audit_migrate_current(const char *conninfo)
{
    PGconn *conn = s_connect(conninfo);
    if (!conn)
        return -1;
    PGresult *res =
        PQexec(conn, "SELECT to_regclass('shouwen.schema_version') IS NOT NULL");
    int exists = PQresultStatus(res) == PGRES_TUPLES_OK && *PQgetvalue(res, 0, 0) == 't';
    PQclear(res);
    int v = exists ? s_current(conn) : 0;
    PQfinish(conn);
    return v;
}
