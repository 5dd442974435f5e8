/*  sw_daemon: what every shouwen daemon's main does, in the order STYLE.md
    gives: flags and config (exit 78 on bad config), ZeroMQ and signal
    handling (libev owns SIGTERM/SIGINT/SIGHUP, not czmq), the loop,
    READY=1 and the watchdog, STOPPING=1 and a bounded drain. */
#ifndef SW_DAEMON_H
#define SW_DAEMON_H

#include <czmq.h>
#include <ev.h>
#include <stdbool.h>

#include "sw_clock.h"
#include "sw_health.h"

typedef struct _sw_daemon_t sw_daemon_t;
typedef void(sw_daemon_fn)(void *arg);

/* Parses -c/--config FILE (default /etc/shouwen/<name>.conf), -v/--verbose,
   -h/--help and the boolean flags listed in extra (NULL-terminated, e.g.
   "--migrate").  Returns NULL with *exit_code set when the process should
   exit now (0 after --help, 64 on bad usage, 78 on bad config). */
sw_daemon_t *sw_daemon_new(const char *name, int argc, char **argv,
                           const char *const *extra, int *exit_code);
void sw_daemon_destroy(sw_daemon_t **self_p);

struct ev_loop *sw_daemon_loop(sw_daemon_t *self);
zconfig_t *sw_daemon_config(sw_daemon_t *self);
/* The clock named by hub/clock ("real", or "test[:unix seconds]"). */
sw_clock_t *sw_daemon_clock(sw_daemon_t *self);
const char *sw_daemon_config_path(sw_daemon_t *self);
bool sw_daemon_flag(sw_daemon_t *self, const char *flag);

/* on_stop runs at SIGTERM/SIGINT: it should stop taking input, drain, and
   call sw_daemon_stopped.  Without one the loop simply ends.  If the
   drain takes longer than drain_s seconds the loop ends anyway.
   on_reload runs at SIGHUP; on_stats at SIGUSR1. */
void sw_daemon_set_handlers(sw_daemon_t *self, sw_daemon_fn *on_stop,
                            sw_daemon_fn *on_reload, sw_daemon_fn *on_stats, void *arg,
                            double drain_s);
/* A setting the daemon can change while it runs (a limit, a batch size).
   At SIGHUP a changed or removed value of path is offered to apply with
   the file as now read (fresh); apply returns 0 when it took the value,
   -1 (logged) when it refused it and keeps the running one.  The log says
   "SIGHUP: PATH OLD -> NEW, in force now"; settings not registered here
   are named as waiting for a restart. */
typedef int(sw_daemon_hot_fn)(void *arg, const char *path, zconfig_t *fresh);
void sw_daemon_hot(sw_daemon_t *self, const char *path, sw_daemon_hot_fn *apply,
                   void *arg);
/* What the daemon is doing: the status function fills health (position,
   live, pending, its own details, and health->line, one short line such as
   "log at 1234, live, 3 waiting").  Every 5 s once ready the line becomes
   systemd's STATUS= (systemctl status) and the record is written to
   <health dir>/<name>.health (sw_health.h); once more when the daemon starts
   (state "starting"), at ready, and when the loop ends ("stopped"). */
typedef void(sw_daemon_status_fn)(void *arg, sw_health_t *health);
void sw_daemon_set_status(sw_daemon_t *self, sw_daemon_status_fn *fn, void *arg);
/* Tell systemd we are ready and start petting the watchdog. */
void sw_daemon_ready(sw_daemon_t *self);
/* The drain is done: end the loop. */
void sw_daemon_stopped(sw_daemon_t *self);
/* Run the loop until stopped; returns the process exit code. */
int sw_daemon_run(sw_daemon_t *self);

#endif
