/*  sw_clock: the hub's notion of "now", in UTC microseconds. */
#include "sw_clock.h"
#include "sw_alloc.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sw_log.h"

#define S_FILE_MAX 64 /* longest clock file text read: an int64 and white space */

typedef enum { S_REAL, S_TEST, S_FILE } s_mode_t;

struct _sw_clock_t {
    s_mode_t mode;  /* real, test (set/advance) or file (read from path) */
    int64_t now_us; /* test: the current instant; file: the last instant read */
    char *path;     /* file clock: the file holding the instant */
};

static int64_t s_realtime_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static sw_clock_t *s_new(s_mode_t mode, int64_t now_us)
{
    sw_clock_t *self = sw_calloc(1, sizeof *self);
    self->mode = mode;
    self->now_us = now_us;
    return self;
}

/* Parse "<digits>[white space]" into *out; 0 or -1. */
static int s_parse_instant(const char *text, int64_t *out)
{
    if (*text < '0' || *text > '9')
        return -1;
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end != '\0')
        return -1;
    *out = (int64_t)value;
    return 0;
}

/* Read the instant in path; 0 or -1 (errno set where the system said why). */
static int s_read_instant(const char *path, int64_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char text[S_FILE_MAX + 1];
    ssize_t n = read(fd, text, S_FILE_MAX);
    int saved = errno;
    close(fd);
    if (n <= 0 || n == S_FILE_MAX) {
        errno = n < 0 ? saved : EINVAL;
        return -1;
    }
    text[n] = '\0';
    if (s_parse_instant(text, out) != 0) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

sw_clock_t *sw_clock_new_real(void)
{
    return s_new(S_REAL, 0);
}

sw_clock_t *sw_clock_new_test(int64_t start_us)
{
    return s_new(S_TEST, start_us);
}

sw_clock_t *sw_clock_new_file(const char *path)
{
    int64_t now_us = 0;
    if (path == NULL || *path == '\0' || s_read_instant(path, &now_us) != 0) {
        sw_error("clock file '%s': %s (expected UTC microseconds in decimal)",
                 path ? path : "", errno == EINVAL ? "not a number" : strerror(errno));
        return NULL;
    }
    sw_clock_t *self = s_new(S_FILE, now_us);
    self->path = sw_strdup(path);
    return self;
}

sw_clock_t *sw_clock_new_from_spec(const char *spec)
{
    if (spec == NULL)
        return NULL;
    if (strcmp(spec, "real") == 0)
        return sw_clock_new_real();
    if (strcmp(spec, "test") == 0)
        return sw_clock_new_test(s_realtime_us());
    if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0')
        return sw_clock_new_file(spec + 5);
    if (strncmp(spec, "test:", 5) == 0) {
        const char *digits = spec + 5;
        char *end;
        errno = 0;
        long long secs = strtoll(digits, &end, 10);
        if (*digits >= '0' && *digits <= '9' && *end == '\0' && errno == 0 &&
            secs <= INT64_MAX / 1000000)
            return sw_clock_new_test((int64_t)secs * 1000000);
    }
    sw_error("clock '%s': expected real, test, test:<unix seconds> or file:<path>", spec);
    return NULL;
}

void sw_clock_destroy(sw_clock_t **self_p)
{
    assert(self_p);
    if (*self_p)
        free((*self_p)->path);
    free(*self_p);
    *self_p = NULL;
}

int64_t sw_clock_now_us(sw_clock_t *self)
{
    assert(self);
    if (self->mode == S_REAL)
        return s_realtime_us();
    if (self->mode == S_FILE) {
        /* a torn read gives a prefix of the digits, a smaller number: the
           clock never goes back, so it is ignored like a failed read */
        int64_t read_us;
        if (s_read_instant(self->path, &read_us) == 0 && read_us > self->now_us)
            self->now_us = read_us;
    }
    return self->now_us;
}

bool sw_clock_is_test(sw_clock_t *self)
{
    assert(self);
    return self->mode != S_REAL;
}

const char *sw_clock_file(sw_clock_t *self)
{
    assert(self);
    return self->path;
}

/* Replace the clock file by one holding now_us (write, then rename). */
static int s_write_instant(sw_clock_t *self, int64_t now_us)
{
    size_t size = strlen(self->path) + 32;
    char *tmp = sw_malloc(size);
    snprintf(tmp, size, "%s.%ld.tmp", self->path, (long)getpid());
    FILE *file = fopen(tmp, "w");
    int rc = file ? 0 : -1;
    if (file && (fprintf(file, "%lld\n", (long long)now_us) < 0))
        rc = -1;
    if (file && fclose(file) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, self->path) != 0)
        rc = -1;
    if (rc != 0) {
        sw_error("clock file '%s': cannot write: %s", self->path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int sw_clock_set(sw_clock_t *self, int64_t now_us)
{
    assert(self && self->mode != S_REAL);
    if (self->mode == S_FILE && now_us > sw_clock_now_us(self) &&
        s_write_instant(self, now_us) != 0)
        return -1;
    if (now_us > self->now_us)
        self->now_us = now_us;
    return 0;
}

int sw_clock_advance(sw_clock_t *self, int64_t delta_us)
{
    assert(self && self->mode != S_REAL);
    if (delta_us <= 0)
        return 0;
    int64_t now_us = sw_clock_now_us(self);
    return sw_clock_set(self,
                        delta_us > INT64_MAX - now_us ? INT64_MAX : now_us + delta_us);
}
