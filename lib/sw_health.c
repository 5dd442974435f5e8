/*  sw_health: a daemon's health record (see sw_health.h). */
#include "sw_health.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw_config.h"

void sw_health_position(sw_health_t *self, uint64_t position)
{
    self->has_position = true;
    self->position = position;
}

static sw_health_detail_t *s_detail(sw_health_t *self, const char *name)
{
    assert(self->n_details < SW_HEALTH_MAX_DETAILS);
    if (self->n_details >= SW_HEALTH_MAX_DETAILS)
        return NULL;
    sw_health_detail_t *d = &self->details[self->n_details++];
    d->name = name;
    d->text = NULL;
    d->number = 0;
    return d;
}

void sw_health_number(sw_health_t *self, const char *name, int64_t number)
{
    sw_health_detail_t *d = s_detail(self, name);
    if (d)
        d->number = number;
}

void sw_health_text(sw_health_t *self, const char *name, const char *text)
{
    sw_health_detail_t *d = s_detail(self, name);
    if (d)
        d->text = text;
}

const char *sw_health_dir(zconfig_t *cfg)
{
    const char *dir = cfg ? sw_config_str(cfg, "daemon/health_dir", "") : "";
    if (!*dir)
        dir = getenv("RUNTIME_DIRECTORY"); /* "a:b" when a unit names several */
    return dir && *dir ? dir : NULL;
}

void sw_health_iso(time_t t, char *buf, size_t size)
{
    struct tm tm;
    char zone[8];
    localtime_r(&t, &tm);
    strftime(zone, sizeof zone, "%z", &tm); /* +0800 */
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n > 0 && strlen(zone) == 5)
        snprintf(buf + n, size - n, "%.3s:%s", zone, zone + 3);
}

char *sw_health_json(const sw_health_t *self, const char *daemon, const char *state,
                     time_t now)
{
    char iso[40];
    sw_health_iso(now, iso, sizeof iso);
    json_t *details = json_object();
    for (size_t i = 0; i < self->n_details; i++) {
        const sw_health_detail_t *d = &self->details[i];
        json_object_set_new(details, d->name,
                            d->text ? json_string(d->text) : json_integer(d->number));
    }
    json_t *o = json_pack(
        "{s:i, s:s, s:I, s:I, s:s, s:s, s:o, s:b, s:I, s:s, s:o}", "format",
        SW_HEALTH_FORMAT, "daemon", daemon, "pid", (json_int_t)getpid(), "updated_at",
        (json_int_t)now, "updated_at_iso", iso, "state", state, "position",
        self->has_position ? json_integer((json_int_t)self->position) : json_null(),
        "live", self->live, "pending", (json_int_t)self->pending, "status", self->line,
        "details", details);
    if (!o)
        return NULL;
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

/* Writes all of text to fd: 0 or -1. */
static int s_write_all(int fd, const char *text)
{
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t n = write(fd, text, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        left -= (size_t)n;
    }
    return 0;
}

int sw_health_write(const sw_health_t *self, const char *dir, const char *daemon,
                    const char *state, time_t now)
{
    char *text = sw_health_json(self, daemon, state, now);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.health.tmp", dir, daemon);
    snprintf(path, sizeof path, "%s/%s.health", dir, daemon);
    int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        fchmod(fd, 0644); /* readable by `shouwen status` whatever the UMask= */
        rc = s_write_all(fd, text) == 0 && s_write_all(fd, "\n") == 0 ? 0 : -1;
        int saved = errno;
        if (close(fd) != 0 && rc == 0)
            saved = errno, rc = -1;
        if (rc == 0 && rename(tmp, path) != 0)
            saved = errno, rc = -1;
        if (rc != 0)
            unlink(tmp);
        errno = saved;
    }
    free(text);
    return rc;
}
