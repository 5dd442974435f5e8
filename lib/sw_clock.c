/*  sw_clock: the hub's notion of "now", in UTC microseconds. */
#include "sw_clock.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw_log.h"

struct _sw_clock_t {
    bool test;      /* driven by sw_clock_set/advance, not by the system */
    int64_t now_us; /* test clock only: the current instant */
};

static int64_t s_realtime_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static sw_clock_t *s_new(bool test, int64_t now_us)
{
    sw_clock_t *self = calloc(1, sizeof *self);
    if (self == NULL)
        return NULL;
    self->test = test;
    self->now_us = now_us;
    return self;
}

sw_clock_t *sw_clock_new_real(void)
{
    return s_new(false, 0);
}

sw_clock_t *sw_clock_new_test(int64_t start_us)
{
    return s_new(true, start_us);
}

sw_clock_t *sw_clock_new_from_spec(const char *spec)
{
    if (spec == NULL)
        return NULL;
    if (strcmp(spec, "real") == 0)
        return sw_clock_new_real();
    if (strcmp(spec, "test") == 0)
        return sw_clock_new_test(s_realtime_us());
    if (strncmp(spec, "test:", 5) == 0) {
        const char *digits = spec + 5;
        char *end;
        errno = 0;
        long long secs = strtoll(digits, &end, 10);
        if (*digits >= '0' && *digits <= '9' && *end == '\0' && errno == 0 &&
            secs <= INT64_MAX / 1000000)
            return sw_clock_new_test((int64_t)secs * 1000000);
    }
    sw_error("clock '%s': expected real, test or test:<unix seconds>", spec);
    return NULL;
}

void sw_clock_destroy(sw_clock_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

int64_t sw_clock_now_us(sw_clock_t *self)
{
    assert(self);
    return self->test ? self->now_us : s_realtime_us();
}

bool sw_clock_is_test(sw_clock_t *self)
{
    assert(self);
    return self->test;
}

void sw_clock_set(sw_clock_t *self, int64_t now_us)
{
    assert(self && self->test);
    if (now_us > self->now_us)
        self->now_us = now_us;
}

void sw_clock_advance(sw_clock_t *self, int64_t delta_us)
{
    assert(self && self->test);
    if (delta_us > 0)
        self->now_us =
            delta_us > INT64_MAX - self->now_us ? INT64_MAX : self->now_us + delta_us;
}
