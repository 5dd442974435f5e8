/*  shouwen-branch: the branch office's door to the hub (see branch_server.h).
    `shouwen-branch status [-c FILE] [--all]` lists what the spool still
    holds for the hub, beside a running daemon. */
#include "branch_desk.h"
#include "branch_server.h"
#include "sw_config.h"
#include "sw_daemon.h"
#include "sw_log.h"

typedef struct {
    sw_daemon_t *daemon;
    branch_server_t *server;
    branch_desk_t *desk; /* NULL when the config serves no desk */
} s_main_t;

static void s_on_stop(void *arg)
{
    s_main_t *m = (s_main_t *)arg;
    branch_server_stop(m->server);
    branch_server_log_stats(m->server);
    sw_daemon_stopped(m->daemon);
}

static void s_status_line(void *arg, sw_health_t *health)
{
    branch_server_status_line(((s_main_t *)arg)->server, health);
}

static void s_on_stats(void *arg)
{
    branch_server_log_stats(((s_main_t *)arg)->server);
}

static int s_status(int argc, char **argv)
{
    const char *path = "/etc/shouwen/branch.conf";
    bool all = false;
    for (int i = 2; i < argc; i++) {
        if ((streq(argv[i], "-c") || streq(argv[i], "--config")) && i + 1 < argc)
            path = argv[++i];
        else if (streq(argv[i], "--all"))
            all = true;
        else {
            fprintf(stderr, "usage: shouwen-branch status [-c FILE] [--all]\n");
            return 64;
        }
    }
    sw_log_init("branch", LOG_WARNING);
    zconfig_t *cfg = sw_config_load(path);
    if (!cfg)
        return SW_EXIT_CONFIG;
    int rc = branch_server_status(cfg, all);
    zconfig_destroy(&cfg);
    return rc;
}

/* `shouwen-branch passwd [-c FILE] STAFF [--delete] | --list` */
static int s_passwd(int argc, char **argv)
{
    const char *path = "/etc/shouwen/branch.conf";
    char *rest[8];
    int n = 0;
    for (int i = 2; i < argc; i++) {
        if ((streq(argv[i], "-c") || streq(argv[i], "--config")) && i + 1 < argc)
            path = argv[++i];
        else if (n < 8)
            rest[n++] = argv[i];
    }
    sw_log_init("branch", LOG_WARNING);
    zconfig_t *cfg = sw_config_load(path);
    if (!cfg)
        return SW_EXIT_CONFIG;
    int rc = branch_desk_passwd(cfg, n, rest);
    zconfig_destroy(&cfg);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && streq(argv[1], "status"))
        return s_status(argc, argv);
    if (argc > 1 && streq(argv[1], "passwd"))
        return s_passwd(argc, argv);
    int rc = 0;
    s_main_t m = {0};
    m.daemon = sw_daemon_new("branch", argc, argv, NULL, &rc);
    if (!m.daemon)
        return rc;
    m.server = branch_server_new(sw_daemon_loop(m.daemon), sw_daemon_config(m.daemon),
                                 sw_daemon_clock(m.daemon));
    if (!m.server) {
        sw_daemon_destroy(&m.daemon);
        return SW_EXIT_CONFIG;
    }
    m.desk = branch_desk_new(sw_daemon_loop(m.daemon), sw_daemon_config(m.daemon),
                             m.server, sw_daemon_clock(m.daemon), &rc);
    if (rc != 0) {
        branch_server_destroy(&m.server);
        sw_daemon_destroy(&m.daemon);
        return rc;
    }
    sw_daemon_set_handlers(m.daemon, s_on_stop, NULL, s_on_stats, &m, 5.0);
    sw_daemon_set_status(m.daemon, s_status_line, &m);
    sw_daemon_ready(m.daemon); /* the desk endpoint is bound, the spool open */
    rc = sw_daemon_run(m.daemon);
    branch_desk_destroy(&m.desk);
    branch_server_destroy(&m.server);
    sw_daemon_destroy(&m.daemon);
    return rc;
}
