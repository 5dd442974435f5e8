/*  shouwen-sla: deadlines (see sla_server.h). */
#include "sla_server.h"
#include "sw_config.h"
#include "sw_daemon.h"
#include "sw_log.h"

typedef struct {
    sw_daemon_t *daemon;
    sla_server_t *server;
} s_main_t;

static void s_on_stop(void *arg)
{
    s_main_t *m = (s_main_t *)arg;
    sla_server_snapshot(m->server, "SIGTERM");
    sla_server_log_stats(m->server);
    sw_daemon_stopped(
        m->daemon); /* uncommitted deadlines are proposed again after restart */
}

static void s_on_reload(void *arg)
{
    sla_server_reload(((s_main_t *)arg)->server);
}

static int s_apply(void *arg, const char *path, zconfig_t *fresh)
{
    (void)path;
    return sla_server_apply(((s_main_t *)arg)->server, fresh);
}

static void s_status(void *arg, sw_health_t *health)
{
    sla_server_status(((s_main_t *)arg)->server, health);
}

static void s_on_stats(void *arg)
{
    sla_server_log_stats(((s_main_t *)arg)->server);
}

int main(int argc, char **argv)
{
    int rc = 0;
    s_main_t m = {0};
    m.daemon = sw_daemon_new("sla", argc, argv, NULL, &rc);
    if (!m.daemon)
        return rc;
    zconfig_t *cfg = sw_daemon_config(m.daemon);
    m.server = sla_server_new(sw_daemon_loop(m.daemon), cfg, sw_daemon_clock(m.daemon));
    if (!m.server) {
        sw_daemon_destroy(&m.daemon);
        return SW_EXIT_CONFIG;
    }
    sw_daemon_set_handlers(m.daemon, s_on_stop, s_on_reload, s_on_stats, &m, 5.0);
    for (const char *const *path = sla_hot_settings; *path; path++)
        sw_daemon_hot(m.daemon, *path, s_apply, &m);
    sw_daemon_set_status(m.daemon, s_status, &m);
    sw_daemon_ready(m.daemon);
    rc = sw_daemon_run(m.daemon);
    sla_server_destroy(&m.server);
    sw_daemon_destroy(&m.daemon);
    return rc;
}
