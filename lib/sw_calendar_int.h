/*  sw_calendar_int: what the three files of sw_calendar share, and no other
    module.  sw_calendar.c holds civil dates and the working-time queries,
    sw_calendar_zone.c the time-zone cache, sw_calendar_load.c the loader
    of the ZPL text and the destructor.

    Dates are day numbers (days since 1970-01-01, proleptic Gregorian) and
    times of day are seconds after local midnight. */
#ifndef SW_CALENDAR_INT_H
#define SW_CALENDAR_INT_H

#include "sw_calendar.h"

#define SW_CAL_US_PER_SEC   1000000LL
#define SW_CAL_SECS_PER_DAY 86400LL
#define SW_CAL_FIRST_YEAR   1970 /* first year of dates and instants */
#define SW_CAL_END_YEAR     2400 /* dates and instants end before 1 January of this year */
#define SW_CAL_MAX_SPANS    8    /* working intervals per day */
#define SW_CAL_NO_OFFSET    INT32_MIN /* "offset unknown": zone table unavailable */

/* An IANA time zone and the offsets it has had, shared by the offices that
   use it (sw_calendar_zone.c). */
typedef struct _sw_cal_zone_t sw_cal_zone_t;

/* A date that differs from the weekly pattern. */
typedef struct {
    int32_t day;  /* day number */
    bool working; /* true: make-up working day (调休上班); false: holiday */
    int source;   /* while loading: 0 = the office itself, n = nth holiday set */
} sw_cal_exception_t;

/* An office with its own working hours and days. */
typedef struct {
    char *name;                          /* "hq" */
    sw_cal_zone_t *zone;                 /* borrowed from the calendar */
    int span_count;                      /* working intervals per working day */
    int32_t span_from[SW_CAL_MAX_SPANS]; /* interval start, seconds after midnight */
    int32_t span_to[SW_CAL_MAX_SPANS];   /* interval end, seconds after midnight */
    unsigned weekdays;                   /* bit n set: tm_wday n is a working weekday */
    sw_cal_exception_t *exceptions;      /* holidays and make-up days, by day */
    size_t exception_count;              /* entries in exceptions */
} sw_cal_office_t;

struct _sw_calendar_t {
    sw_cal_office_t **offices; /* in file order */
    size_t office_count;       /* entries in offices */
    sw_cal_office_t *fallback; /* the office called "default", or NULL */
    sw_cal_zone_t **zones;     /* distinct zones, shared by offices */
    size_t zone_count;         /* entries in zones */
};

/* ------------------------------------------------ sw_calendar.c */

/* a / b rounded towards minus infinity. */
int64_t sw_cal_floor_div(int64_t a, int64_t b);
/* Day number of y-m-d, and back (Howard Hinnant's algorithms). */
int64_t sw_cal_days_from_civil(int64_t y, int m, int d);
void sw_cal_civil_from_days(int64_t day, int *y, int *m, int *d);
/* True for a real date from SW_CAL_FIRST_YEAR to before SW_CAL_END_YEAR. */
bool sw_cal_date_valid(int y, int m, int d);

/* ------------------------------------------------ sw_calendar_zone.c */

/* The zone called name ("Europe/Berlin"), its tables empty.  Check the
   name first with sw_cal_zone_exists. */
sw_cal_zone_t *sw_cal_zone_new(const char *name);
void sw_cal_zone_destroy(sw_cal_zone_t **zone_p);
const char *sw_cal_zone_name(sw_cal_zone_t *zone);
/* True if name is a plain relative path of the zoneinfo database (TZDIR,
   else /usr/share/zoneinfo) that holds a TZif file. */
bool sw_cal_zone_exists(const char *name);
/* The UTC offset of the zone at UTC second t, seconds east; or
   SW_CAL_NO_OFFSET. */
int32_t sw_cal_zone_offset(sw_cal_zone_t *zone, int64_t t);
/* The UTC second of local second `local` (seconds since 1970-01-01 00:00
   local).  A repeated local time gives the earlier instant; a skipped one
   is moved forward by the gap.  0, or -1 if the zone table is unavailable. */
int sw_cal_zone_to_utc(sw_cal_zone_t *zone, int64_t local, int64_t *utc);

#endif
