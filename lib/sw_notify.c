/*  sw_notify: tell systemd how the daemon is doing (libsystemd sd_notify). */
#include "sw_notify.h"
#include "sw_alloc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "sw_log.h"

struct _sw_watchdog_t {
    struct ev_loop *loop; /* the daemon's loop */
    ev_timer timer;       /* pets the watchdog at half of WatchdogSec= */
    bool enabled;         /* systemd asked for a watchdog */
};

void sw_notify_ready(void)
{
    sd_notify(0, "READY=1");
}

void sw_notify_reloading(void)
{
    sd_notify(0, "RELOADING=1");
}

void sw_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}

void sw_notify_extend_timeout(uint64_t usec)
{
    sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)usec);
}

void sw_notify_status(const char *fmt, ...)
{
    char text[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    sd_notifyf(0, "STATUS=%s", text);
}

static void s_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    sd_notify(0, "WATCHDOG=1");
}

sw_watchdog_t *sw_watchdog_new(struct ev_loop *loop)
{
    assert(loop);
    sw_watchdog_t *self = sw_calloc(1, sizeof *self);
    self->loop = loop;
    uint64_t usec = 0;
    int rc = sd_watchdog_enabled(0, &usec);
    if (rc < 0)
        sw_warn("watchdog: WATCHDOG_USEC not understood; watchdog not petted");
    if (rc <= 0 || usec == 0)
        return self;
    double interval = (double)usec / 2e6;
    ev_timer_init(&self->timer, s_watchdog_cb, interval, interval);
    ev_timer_start(loop, &self->timer);
    /* The timer alone does not keep the loop running. */
    ev_unref(loop);
    self->enabled = true;
    sd_notify(0, "WATCHDOG=1");
    sw_debug("watchdog: petting every %.3f s", interval);
    return self;
}

void sw_watchdog_destroy(sw_watchdog_t **self_p)
{
    assert(self_p);
    sw_watchdog_t *self = *self_p;
    if (self == NULL)
        return;
    if (self->enabled) {
        ev_ref(self->loop);
        ev_timer_stop(self->loop, &self->timer);
    }
    free(self);
    *self_p = NULL;
}
