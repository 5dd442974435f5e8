/*  sw_clock: the hub's notion of "now", in UTC microseconds.
    A real clock reads CLOCK_REALTIME.  A test clock starts at a given
    instant and moves only when told (sw_clock_set / sw_clock_advance), so
    rules spanning working days run in milliseconds in tests. */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct _sw_clock_t sw_clock_t;

sw_clock_t *sw_clock_new_real(void);
sw_clock_t *sw_clock_new_test(int64_t start_us);
/* "real", or "test" / "test:<unix seconds>" (start there, else now). NULL on
   a bad spec. */
sw_clock_t *sw_clock_new_from_spec(const char *spec);
void sw_clock_destroy(sw_clock_t **self_p);

int64_t sw_clock_now_us(sw_clock_t *self);
bool sw_clock_is_test(sw_clock_t *self);
/* Test clock only (asserts on a real clock); never moves backwards. */
void sw_clock_set(sw_clock_t *self, int64_t now_us);
void sw_clock_advance(sw_clock_t *self, int64_t delta_us);

#endif
