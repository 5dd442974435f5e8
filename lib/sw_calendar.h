/*  sw_calendar: the working-day calendar (工作日历), used by sla for its
    deadlines and by intake to check a calendar before it enters the log.
    A calendar holds named offices, each with an IANA time zone, its working
    hours (one or more intervals per day), its working weekdays, and the public
    holidays (节假日) and make-up working days (调休上班) it observes, usually
    from shared holiday sets.  It is loaded from czmq ZPL text; the format and
    the exact meaning of every function are in docs/calendar.md.

    All instants are UTC microseconds since the Unix epoch.  Instants and dates
    must lie in [1970-01-01, 2400-01-01); outside that, and for an office that
    is neither in the calendar nor covered by its "default" office, the
    functions return -1 (false for sw_calendar_is_working_day).

    An office name that is not in the calendar (or NULL) means the office
    called "default" when the calendar has one.  Use sw_calendar_has_office
    to tell the two apart.

    Not thread-safe: the object caches time-zone tables as it goes, and filling
    a table briefly switches the process's TZ (restored before returning). */
#ifndef SW_CALENDAR_H
#define SW_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "sw_zpl.h"

typedef struct _sw_calendar_t sw_calendar_t;

/* The wall-clock time of an instant in an office's zone. */
typedef struct {
    int year, month, day;     /* 2026, 1..12, 1..31 */
    int hour, minute, second; /* 0..23, 0..59, 0..59 */
    int weekday;              /* 0 = Sunday .. 6 = Saturday */
    int utc_offset;           /* seconds east of UTC in force at that instant */
} sw_calendar_local_t;

/* Load a calendar from ZPL text (len bytes, need not be NUL-terminated).
   NULL if the text is not a valid calendar; then, if error is not NULL,
   *error is a malloc'ed message ("line 7: not valid ZPL ..." for a ZPL
   syntax error, "line 12: offices/hq/hours: ..." for a bad value: the line
   of the key at fault, when there is one), the caller's to free.  On
   success *error is set to NULL. */
sw_calendar_t *sw_calendar_new_from_text(const char *text, size_t len, char **error);

/* Load a calendar from a ZPL file; errors as above, prefixed with the path. */
sw_calendar_t *sw_calendar_new_from_file(const char *path, char **error);

/* Build a calendar from an already parsed ZPL tree whose children are
   "holidays" and "offices" (for a calendar embedded in a larger file).  A
   "version" (the file's name for itself) and a "policies" child (sla's
   time limits, sw_policy.h) are allowed and left to their readers.  Its
   errors give the key path without a line. */
sw_calendar_t *sw_calendar_new_from_zconfig(zconfig_t *config, char **error);

/* What a calendar text may be (1 MiB, "calendar text ..." in errors), for
   a reader that loads the calendar file itself (sw_policy_load). */
extern const sw_zpl_limits_t sw_calendar_limits;

/* Build a calendar from a file read with sw_zpl_new_from_text and
   sw_calendar_limits, whose tree the reader keeps: errors go where the
   reader's go, with the line of the key at fault. */
sw_calendar_t *sw_calendar_new_from_zpl(sw_zpl_t *zpl);

/* Destroy the calendar; safe on NULL, sets *self_p to NULL. */
void sw_calendar_destroy(sw_calendar_t **self_p);

/* True if the calendar names this office itself (no "default" fallback). */
bool sw_calendar_has_office(sw_calendar_t *self, const char *office);

/* The office's IANA zone ("Asia/Shanghai"), borrowed; NULL if unknown. */
const char *sw_calendar_zone(sw_calendar_t *self, const char *office);

/* The instant at which working_us of working time has elapsed after start_us.
   Counting starts at the first working instant at or after start_us.  With
   lunch 12:00-14:00, 1 hour after 11:30 is 14:30 and 30 minutes after 11:30
   is 12:00 (a count that ends at the end of an interval gives that end).
   working_us == 0 gives the first working instant at or after start_us.
   -1 if working_us < 0 or on error. */
int64_t sw_calendar_add_working(sw_calendar_t *self, const char *office, int64_t start_us,
                                int64_t working_us);

/* "N working days later" (N个工作日内): the same local wall-clock time on the
   Nth working day after the day of the first working instant at or after
   start_us, moved forward to the first working instant if that time is not
   one.  days == 0 gives the first working instant.  -1 if days < 0 or on
   error. */
int64_t sw_calendar_add_working_days(sw_calendar_t *self, const char *office,
                                     int64_t start_us, int days);

/* Working microseconds in [from_us, to_us); 0 if to_us <= from_us. */
int64_t sw_calendar_working_between(sw_calendar_t *self, const char *office,
                                    int64_t from_us, int64_t to_us);

/* True if the local date y-m-d is a working day for the office: a working
   weekday that is not a holiday, or a make-up working day. */
bool sw_calendar_is_working_day(sw_calendar_t *self, const char *office, int y, int m,
                                int d);

/* The end of the last working interval of the working day containing t_us
   (当天), or of the next working day when t_us is after that day's last
   interval or on a day off. */
int64_t sw_calendar_end_of_working_day(sw_calendar_t *self, const char *office,
                                       int64_t t_us);

/* The UTC instant of a local wall-clock time in the office's zone.  A time
   that occurs twice (autumn DST change) gives the earlier instant; a time
   skipped by a spring change is moved forward by the size of the gap
   (02:30 -> 03:30).  -1 on error or invalid fields. */
int64_t sw_calendar_local_to_utc(sw_calendar_t *self, const char *office, int y, int m,
                                 int d, int hh, int mm, int ss);

/* The office's wall-clock time of t_us into *local; 0, or -1 on error. */
int sw_calendar_to_local(sw_calendar_t *self, const char *office, int64_t t_us,
                         sw_calendar_local_t *local);

#endif
