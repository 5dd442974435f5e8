/*  sw_snapshot: a daemon's state at a log position (see sw_snapshot.h). */
#include "sw_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "sw_alloc.h"
#include "sw_config.h"

/* On disk: a 104-byte header, then the payload.
     0  magic "SWSNAP\r\n"          8
     8  daemon name, NUL-padded    16
    24  payload format (u32)        4
    28  reserved, zero              4
    32  position (u64)              8
    40  event id at position       16
    56  written at, us (i64)        8
    64  payload size (u64)          8
    72  BLAKE2b-256 of the header with these 32 bytes zero, and the payload */
#define S_MAGIC  "SWSNAP\r\n"
#define S_HEADER 104
#define S_SUM_AT 72
/* A snapshot larger than this is refused as corrupt. */
#define S_MAX_PAYLOAD ((uint64_t)4 << 30)

char *sw_snapshot_path(zconfig_t *cfg, const char *daemon)
{
    const char *dir = cfg ? sw_config_str(cfg, "daemon/state_dir", "") : "";
    if (!*dir)
        dir = getenv("STATE_DIRECTORY"); /* "a:b" when a unit names several */
    if (!dir || !*dir)
        return NULL;
    size_t n = strcspn(dir, ":");
    size_t len = n + strlen(daemon) + 16;
    char *path = sw_malloc(len);
    snprintf(path, len, "%.*s/%s.snapshot", (int)n, dir, daemon);
    return path;
}

int64_t sw_snapshot_interval_s(zconfig_t *cfg)
{
    int64_t seconds = 300;
    if (cfg &&
        sw_config_int(cfg, "daemon/snapshot_interval_s", 300, 0, 86400, &seconds) != 0)
        seconds = 300; /* logged by sw_config_int; -t refuses it */
    return seconds;
}

struct _sw_snapshot_t {
    char daemon[17];
    uint32_t format;
    uint64_t position;
    uint8_t event_id[16];
    int64_t written_us;
    uint8_t *data; /* header + payload */
    size_t size, cap;
    size_t at; /* reading: next byte */
    bool failed;
};

static void s_put_le(uint8_t *to, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        to[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t s_get_le(const uint8_t *from, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)from[i] << (8 * i);
    return v;
}

static void s_reserve(sw_snapshot_t *self, size_t more)
{
    if (self->size + more <= self->cap)
        return;
    size_t cap = self->cap ? self->cap : 4096;
    while (cap < self->size + more)
        cap *= 2;
    self->data = sw_realloc(self->data, cap);
    self->cap = cap;
}

sw_snapshot_t *sw_snapshot_new(const char *daemon, uint32_t format, uint64_t position,
                               const uint8_t event_id[16])
{
    sw_snapshot_t *self = sw_calloc(1, sizeof *self);
    snprintf(self->daemon, sizeof self->daemon, "%s", daemon);
    self->format = format;
    self->position = position;
    if (event_id)
        memcpy(self->event_id, event_id, 16);
    s_reserve(self, S_HEADER);
    memset(self->data, 0, S_HEADER);
    self->size = S_HEADER;
    return self;
}

void sw_snapshot_put_u8(sw_snapshot_t *self, uint8_t value)
{
    s_reserve(self, 1);
    self->data[self->size++] = value;
}

void sw_snapshot_put_u32(sw_snapshot_t *self, uint32_t value)
{
    s_reserve(self, 4);
    s_put_le(self->data + self->size, value, 4);
    self->size += 4;
}

void sw_snapshot_put_u64(sw_snapshot_t *self, uint64_t value)
{
    s_reserve(self, 8);
    s_put_le(self->data + self->size, value, 8);
    self->size += 8;
}

void sw_snapshot_put_i64(sw_snapshot_t *self, int64_t value)
{
    sw_snapshot_put_u64(self, (uint64_t)value);
}

void sw_snapshot_put_bytes(sw_snapshot_t *self, const void *data, size_t size)
{
    sw_snapshot_put_u64(self, size);
    s_reserve(self, size);
    if (size)
        memcpy(self->data + self->size, data, size);
    self->size += size;
}

void sw_snapshot_put_str(sw_snapshot_t *self, const char *text)
{
    sw_snapshot_put_u8(self, text != NULL);
    if (text)
        sw_snapshot_put_bytes(self, text, strlen(text));
}

size_t sw_snapshot_size(const sw_snapshot_t *self)
{
    return self->size - S_HEADER;
}

static void s_seal(sw_snapshot_t *self)
{
    uint8_t *h = self->data;
    memset(h, 0, S_HEADER);
    memcpy(h, S_MAGIC, 8);
    memcpy(h + 8, self->daemon, strlen(self->daemon));
    s_put_le(h + 24, self->format, 4);
    s_put_le(h + 32, self->position, 8);
    memcpy(h + 40, self->event_id, 16);
    s_put_le(h + 56, (uint64_t)self->written_us, 8);
    s_put_le(h + 64, self->size - S_HEADER, 8);
    crypto_generichash(h + S_SUM_AT, 32, self->data, self->size, NULL, 0);
}

static int s_fsync_dir(const char *path)
{
    char *copy = sw_strdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int sw_snapshot_write(sw_snapshot_t *self, const char *path, const char **why)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    self->written_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    s_seal(self);
    size_t len = strlen(path) + 5;
    char *tmp = sw_malloc(len);
    snprintf(tmp, len, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const char *failed = NULL;
    if (fd < 0)
        failed = "cannot create the temporary file";
    size_t done = 0;
    while (!failed && done < self->size) {
        ssize_t n = write(fd, self->data + done, self->size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            failed = "cannot write";
        else
            done += (size_t)n;
    }
    if (!failed && fsync(fd) != 0)
        failed = "cannot fsync";
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && !failed) {
        failed = "cannot close";
        saved = errno;
    }
    if (!failed && rename(tmp, path) != 0) {
        failed = "cannot rename over the old snapshot";
        saved = errno;
    }
    if (!failed && s_fsync_dir(path) != 0) {
        failed = "cannot fsync the directory";
        saved = errno;
    }
    if (failed)
        unlink(tmp);
    free(tmp);
    if (failed) {
        if (why)
            *why = failed;
        errno = saved;
        return -1;
    }
    return 0;
}

sw_snapshot_t *sw_snapshot_open(const char *path, const char *daemon, uint32_t format,
                                const char **why)
{
    const char *reason = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = errno == ENOENT ? "none" : "cannot open";
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *why = "not a regular file";
        return NULL;
    }
    if ((uint64_t)st.st_size < S_HEADER ||
        (uint64_t)st.st_size > S_MAX_PAYLOAD + S_HEADER) {
        close(fd);
        *why = "truncated or oversized";
        return NULL;
    }
    sw_snapshot_t *self = sw_calloc(1, sizeof *self);
    self->cap = self->size = (size_t)st.st_size;
    self->data = sw_malloc(self->cap);
    size_t done = 0;
    while (done < self->size) {
        ssize_t n = read(fd, self->data + done, self->size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    uint8_t *h = self->data;
    uint8_t sum[32], want[32];
    if (done < self->size)
        reason = "cannot read";
    else if (memcmp(h, S_MAGIC, 8) != 0)
        reason = "not a shouwen snapshot";
    else if (s_get_le(h + 64, 8) != self->size - S_HEADER)
        reason = "truncated (payload size does not match)";
    if (!reason) {
        memcpy(want, h + S_SUM_AT, 32);
        memset(h + S_SUM_AT, 0, 32);
        crypto_generichash(sum, 32, self->data, self->size, NULL, 0);
        if (sodium_memcmp(sum, want, 32) != 0)
            reason = "checksum mismatch";
    }
    if (!reason) {
        memcpy(self->daemon, h + 8, 16);
        self->daemon[16] = 0;
        self->format = (uint32_t)s_get_le(h + 24, 4);
        self->position = s_get_le(h + 32, 8);
        memcpy(self->event_id, h + 40, 16);
        self->written_us = (int64_t)s_get_le(h + 56, 8);
        if (strcmp(self->daemon, daemon) != 0)
            reason = "written by another daemon";
        else if (self->format != format)
            reason = self->format < format ? "older format" : "newer format";
    }
    if (reason) {
        *why = reason;
        sw_snapshot_destroy(&self);
        return NULL;
    }
    self->at = S_HEADER;
    return self;
}

uint64_t sw_snapshot_position(const sw_snapshot_t *self)
{
    return self->position;
}

const uint8_t *sw_snapshot_event_id(const sw_snapshot_t *self)
{
    return self->event_id;
}

int64_t sw_snapshot_written_us(const sw_snapshot_t *self)
{
    return self->written_us;
}

static const uint8_t *s_take(sw_snapshot_t *self, size_t n)
{
    if (self->failed || self->size - self->at < n) {
        self->failed = true;
        return NULL;
    }
    const uint8_t *p = self->data + self->at;
    self->at += n;
    return p;
}

bool sw_snapshot_get_u8(sw_snapshot_t *self, uint8_t *value)
{
    const uint8_t *p = s_take(self, 1);
    if (p)
        *value = *p;
    return p != NULL;
}

bool sw_snapshot_get_u32(sw_snapshot_t *self, uint32_t *value)
{
    const uint8_t *p = s_take(self, 4);
    if (p)
        *value = (uint32_t)s_get_le(p, 4);
    return p != NULL;
}

bool sw_snapshot_get_u64(sw_snapshot_t *self, uint64_t *value)
{
    const uint8_t *p = s_take(self, 8);
    if (p)
        *value = s_get_le(p, 8);
    return p != NULL;
}

bool sw_snapshot_get_i64(sw_snapshot_t *self, int64_t *value)
{
    uint64_t v = 0;
    bool ok = sw_snapshot_get_u64(self, &v);
    if (ok)
        *value = (int64_t)v;
    return ok;
}

bool sw_snapshot_get_bytes(sw_snapshot_t *self, const uint8_t **data, size_t *size)
{
    uint64_t n = 0;
    if (!sw_snapshot_get_u64(self, &n))
        return false;
    const uint8_t *p = s_take(self, (size_t)n);
    if (!p)
        return false;
    *data = p;
    *size = (size_t)n;
    return true;
}

bool sw_snapshot_get_str(sw_snapshot_t *self, char **text)
{
    uint8_t present = 0;
    if (!sw_snapshot_get_u8(self, &present))
        return false;
    if (!present) {
        *text = NULL;
        return true;
    }
    const uint8_t *p;
    size_t n;
    if (!sw_snapshot_get_bytes(self, &p, &n))
        return false;
    if (memchr(p, 0, n)) {
        self->failed = true;
        return false;
    }
    *text = sw_strndup((const char *)p, n);
    return true;
}

bool sw_snapshot_done(const sw_snapshot_t *self)
{
    return !self->failed && self->at == self->size;
}

void sw_snapshot_destroy(sw_snapshot_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->data);
    free(*self_p);
    *self_p = NULL;
}
