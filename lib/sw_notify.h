/*  sw_notify: tell systemd how the daemon is doing (libsystemd sd_notify).
    Harmless when not run by systemd (NOTIFY_SOCKET unset). */
#ifndef SW_NOTIFY_H
#define SW_NOTIFY_H

#include <ev.h>
#include <stdint.h>

typedef struct _sw_watchdog_t sw_watchdog_t;

void sw_notify_ready(void);
void sw_notify_reloading(void);
void sw_notify_stopping(void);
void sw_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* EXTEND_TIMEOUT_USEC=: a start (or stop) still advancing gets usec more. */
void sw_notify_extend_timeout(uint64_t usec);

/* Pets the watchdog at half of WatchdogSec= (sd_watchdog_enabled); returns
   a stopped-and-harmless object when no watchdog is configured. */
sw_watchdog_t *sw_watchdog_new(struct ev_loop *loop);
void sw_watchdog_destroy(sw_watchdog_t **self_p);

#endif
