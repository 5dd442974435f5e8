/*  shouwen-audit: the only writer of the history (see audit_server.h).
    --migrate applies the embedded schema migrations, runs a due projection
    rebuild to its end, and exits; --migrate --status says what --migrate
    would do. */
#include <stdio.h>

#include "audit_migrate.h"
#include "audit_server.h"
#include "sw_config.h"
#include "sw_daemon.h"
#include "sw_log.h"

typedef struct {
    sw_daemon_t *daemon;
    audit_server_t *server;
} s_main_t;

static void s_on_ready(void *arg)
{
    sw_daemon_ready(((s_main_t *)arg)->daemon);
}

static void s_on_drained(void *arg)
{
    s_main_t *m = (s_main_t *)arg;
    audit_server_log_stats(m->server);
    sw_daemon_stopped(m->daemon);
}

static void s_on_stop(void *arg)
{
    s_main_t *m = (s_main_t *)arg;
    audit_server_drain(m->server, s_on_drained, m);
}

static void s_status(void *arg, sw_health_t *health)
{
    audit_server_status(((s_main_t *)arg)->server, health);
}

static void s_on_stats(void *arg)
{
    audit_server_log_stats(((s_main_t *)arg)->server);
}

static int s_migrate(zconfig_t *cfg, bool status)
{
    const char *conninfo = sw_config_str(cfg, "audit/migrate_postgres",
                                         sw_config_str(cfg, "audit/postgres", NULL));
    if (!conninfo) {
        sw_error("config: audit/migrate_postgres or audit/postgres is required");
        return SW_EXIT_CONFIG;
    }
    if (status)
        return audit_migrate_status(conninfo, stdout);
    int64_t chunk = 0;
    if (sw_config_int(cfg, "audit/rebuild_chunk", AUDIT_REBUILD_CHUNK, 1, 10000000,
                      &chunk) != 0)
        return SW_EXIT_CONFIG;
    return audit_migrate_apply(conninfo, (int)chunk) == 0 ? 0 : 1;
}

static int s_check_schema(zconfig_t *cfg)
{
    const char *conninfo = sw_config_str(cfg, "audit/postgres", NULL);
    if (!conninfo) {
        sw_error("config: audit/postgres (a libpq connection string) is required");
        return SW_EXIT_CONFIG;
    }
    audit_migrate_state_t state;
    if (audit_migrate_state(conninfo, &state) != 0)
        return 0; /* unreachable now is fine: the server keeps reconnecting */
    if (state.version != audit_migrate_latest()) {
        sw_error("database schema is at version %d, this audit needs %d: run "
                 "shouwen-audit --migrate",
                 state.version, audit_migrate_latest());
        return SW_EXIT_CONFIG;
    }
    if (state.rebuild.due) {
        sw_error(
            "the projections are being rebuilt (due since migration %03d, %lld of %lld "
            "events applied): run shouwen-audit --migrate to finish; audit appends "
            "nothing until then",
            state.rebuild.since_version,
            state.rebuild.next_position > 0 ? state.rebuild.next_position - 1 : 0,
            state.rebuild.total);
        return SW_EXIT_CONFIG;
    }
    return 0;
}

static void s_on_reload(void *arg)
{
    audit_server_reload(((s_main_t *)arg)->server);
}

static int s_apply(void *arg, const char *path, zconfig_t *fresh)
{
    (void)path;
    return audit_server_apply(((s_main_t *)arg)->server, fresh);
}

int main(int argc, char **argv)
{
    const char *const extra[] = {"--migrate", "--status", NULL};
    int rc = 0;
    s_main_t m = {0};
    m.daemon = sw_daemon_new("audit", argc, argv, extra, &rc);
    if (!m.daemon)
        return rc;
    zconfig_t *cfg = sw_daemon_config(m.daemon);
    if (sw_daemon_flag(m.daemon, "--status") && !sw_daemon_flag(m.daemon, "--migrate")) {
        fprintf(stderr, "shouwen-audit: --status goes with --migrate\n");
        sw_daemon_destroy(&m.daemon);
        return 64;
    }
    if (sw_daemon_flag(m.daemon, "--migrate")) {
        rc = s_migrate(cfg, sw_daemon_flag(m.daemon, "--status"));
        sw_daemon_destroy(&m.daemon);
        return rc;
    }
    if ((rc = s_check_schema(cfg)) != 0) {
        sw_daemon_destroy(&m.daemon);
        return rc;
    }
    m.server = audit_server_new(sw_daemon_loop(m.daemon), cfg, s_on_ready, &m);
    if (!m.server) {
        sw_daemon_destroy(&m.daemon);
        return SW_EXIT_CONFIG;
    }
    sw_daemon_set_handlers(m.daemon, s_on_stop, s_on_reload, s_on_stats, &m, 5.0);
    for (const char *const *path = audit_hot_settings; *path; path++)
        sw_daemon_hot(m.daemon, *path, s_apply, &m);
    sw_daemon_set_status(m.daemon, s_status, &m);
    rc = sw_daemon_run(m.daemon);
    audit_server_destroy(&m.server);
    sw_daemon_destroy(&m.daemon);
    return rc;
}
