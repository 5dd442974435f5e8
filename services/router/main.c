/*  shouwen-router: case decisions (see router_server.h). */
#include "router_server.h"
#include "sw_config.h"
#include "sw_daemon.h"
#include "sw_log.h"

typedef struct {
    sw_daemon_t *daemon;
    router_server_t *server;
} s_main_t;

static void s_on_stop(void *arg)
{
    s_main_t *m = (s_main_t *)arg;
    router_server_stop(m->server); /* the snapshot, before the loop ends */
    router_server_log_stats(m->server);
    sw_daemon_stopped(m->daemon); /* uncommitted decisions are re-made after restart */
}

static void s_on_reload(void *arg)
{
    s_main_t *m = (s_main_t *)arg;
    router_server_reload(m->server, sw_daemon_config(m->daemon));
}

static void s_status(void *arg, sw_health_t *health)
{
    router_server_status(((s_main_t *)arg)->server, health);
}

static void s_on_stats(void *arg)
{
    router_server_log_stats(((s_main_t *)arg)->server);
}

int main(int argc, char **argv)
{
    int rc = 0;
    s_main_t m = {0};
    m.daemon = sw_daemon_new("router", argc, argv, NULL, &rc);
    if (!m.daemon)
        return rc;
    zconfig_t *cfg = sw_daemon_config(m.daemon);
    m.server =
        router_server_new(sw_daemon_loop(m.daemon), cfg, sw_daemon_clock(m.daemon));
    if (!m.server) {
        sw_daemon_destroy(&m.daemon);
        return SW_EXIT_CONFIG;
    }
    sw_daemon_set_handlers(m.daemon, s_on_stop, s_on_reload, s_on_stats, &m, 5.0);
    sw_daemon_set_status(m.daemon, s_status, &m);
    sw_daemon_ready(m.daemon);
    rc = sw_daemon_run(m.daemon);
    router_server_destroy(&m.server);
    sw_daemon_destroy(&m.daemon);
    return rc;
}
