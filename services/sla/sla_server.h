/*  sla_server: the hub's facts of time (DESIGN.md, "sla").  Follows the
    committed log, keeps every time limit of the seeds as a timer
    (sla_rules, sla_timers) on the office calendars and policies of the
    calendar file (sla/calendar, or the newest calendar loaded through the
    log), and proposes deadline set, warning, breach, cleared and the
    violation each breach causes.  Event ids derive from the events that
    caused them, so a restart or a replay never proposes a second one.
    Behaviour and configuration: docs/sla.md. */
#ifndef SLA_SERVER_H
#define SLA_SERVER_H

#include <czmq.h>
#include <ev.h>

#include "sw_clock.h"
#include "sw_health.h"

typedef struct _sla_server_t sla_server_t;

/* NULL (logged) on a bad configuration or calendar file. */
sla_server_t *sla_server_new(struct ev_loop *loop, zconfig_t *cfg, sw_clock_t *clock);
void sla_server_destroy(sla_server_t **self_p);
/* SIGHUP: read the calendar file again (unless the log brought one). */
void sla_server_reload(sla_server_t *self);
/* The settings sla changes while it runs (SIGHUP), NULL-terminated, and
   their applier: 0 taken, -1 (logged) refused and the running ones kept. */
extern const char *const sla_hot_settings[];
int sla_server_apply(sla_server_t *self, zconfig_t *fresh);
void sla_server_log_stats(sla_server_t *self);
/* Write the snapshot of what is applied (when a state directory is set and
   something was applied); when names the occasion in the log line
   ("SIGTERM", "periodic").  0, or -1 (logged) and the old one kept. */
int sla_server_snapshot(sla_server_t *self, const char *when);
/* How sla is doing: health record and systemd's STATUS= line
   (sw_daemon_set_status); detail running_deadlines. */
void sla_server_status(sla_server_t *self, sw_health_t *health);

#endif
