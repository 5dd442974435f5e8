/*  sw_clock: the hub's notion of "now", in UTC microseconds.
    A real clock reads CLOCK_REALTIME.  A test clock starts at a given
    instant and moves only when told (sw_clock_set / sw_clock_advance), so
    rules spanning working days run in milliseconds in tests.  A file clock
    is a test clock shared by processes: "now" is the decimal number of UTC
    microseconds written in a file, so one test sets one file and intake,
    router and sla all see the same instant. */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct _sw_clock_t sw_clock_t;

sw_clock_t *sw_clock_new_real(void);
sw_clock_t *sw_clock_new_test(int64_t start_us);
/* A clock read from path: its text is an int64 of UTC microseconds in
   decimal, optionally followed by white space.  The file is read again on
   every sw_clock_now_us (about 4 us here), so a writer may replace it
   (write a temporary file and rename it) or rewrite it in place.  A read
   that fails (missing file, empty or torn text) keeps the last instant.
   NULL if the file cannot be read or parsed now. */
sw_clock_t *sw_clock_new_file(const char *path);
/* "real", "test" / "test:<unix seconds>" (start there, else now), or
   "file:<path>".  NULL on a bad spec (logged). */
sw_clock_t *sw_clock_new_from_spec(const char *spec);
void sw_clock_destroy(sw_clock_t **self_p);

int64_t sw_clock_now_us(sw_clock_t *self);
/* True for a test clock and for a file clock: the clock moves only when a
   test moves it, so a daemon that waits for an instant polls instead of
   sleeping until it. */
bool sw_clock_is_test(sw_clock_t *self);
/* The file a file clock reads, borrowed; NULL for the others. */
const char *sw_clock_file(sw_clock_t *self);
/* Test and file clocks only (asserts on a real clock); never moves
   backwards.  On a file clock this rewrites the file (temporary file and
   rename), so every process reading it moves too; -1 if that fails. */
int sw_clock_set(sw_clock_t *self, int64_t now_us);
int sw_clock_advance(sw_clock_t *self, int64_t delta_us);

#endif
