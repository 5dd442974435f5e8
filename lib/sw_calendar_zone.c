/*  sw_calendar_zone: the UTC offsets of a time zone, for sw_calendar.

    The offset of a zone over one UTC year is kept as a small table (offset
    at 1 January and the changes during the year), filled the first time
    that year is needed by sampling glibc's localtime_r every six hours
    under TZ=":<zone>" and bisecting each change to the second.  TZ is
    restored afterwards (so this is not thread-safe).  After that a
    conversion is a few comparisons. */
#include "sw_calendar_int.h"
#include "sw_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_ZONE_FIRST_YEAR (SW_CAL_FIRST_YEAR - 1) /* tables cover one year around */
#define S_ZONE_YEARS      (SW_CAL_END_YEAR - S_ZONE_FIRST_YEAR + 1)
#define S_ZONE_CHANGES    12         /* offset changes per year we can hold */
#define S_ZONE_SAMPLE     (6 * 3600) /* sampling step when filling a year, seconds */

/* One UTC year of a zone's offsets. */
typedef struct {
    int state;                         /* S_YEAR_EMPTY, S_YEAR_READY or S_YEAR_BROKEN */
    int64_t begin, end;                /* [begin, end) in UTC seconds */
    int32_t offset0;                   /* offset in force at begin, seconds east */
    int count;                         /* changes during the year */
    int64_t change_at[S_ZONE_CHANGES]; /* UTC second of each change, ascending */
    int32_t change_to[S_ZONE_CHANGES]; /* offset from that second on */
} s_zone_year_t;

enum { S_YEAR_EMPTY, S_YEAR_READY, S_YEAR_BROKEN };

struct _sw_cal_zone_t {
    char *name;                        /* "Europe/Berlin" */
    char *tz;                          /* ":Europe/Berlin", the TZ value */
    s_zone_year_t *last;               /* year table used last (fast path) */
    s_zone_year_t years[S_ZONE_YEARS]; /* by UTC year - S_ZONE_FIRST_YEAR */
};

/* Switch the process to zone tz; *saved keeps the previous TZ for s_tz_leave. */
static int s_tz_enter(const char *tz, char **saved)
{
    const char *old = getenv("TZ");
    *saved = old ? sw_strdup(old) : NULL;
    if (setenv("TZ", tz, 1) != 0) {
        free(*saved);
        return -1;
    }
    tzset();
    return 0;
}

static void s_tz_leave(char *saved)
{
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* UTC offset at UTC second t in the current TZ, or SW_CAL_NO_OFFSET. */
static int32_t s_gmtoff(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return SW_CAL_NO_OFFSET;
    return (int32_t)tm.tm_gmtoff;
}

/* The first second in (lo, hi] whose offset is not `before` (which is lo's). */
static int64_t s_bisect_change(int64_t lo, int64_t hi, int32_t before)
{
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s_gmtoff(mid) == before)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Sample the current TZ over the table's year; 0 or -1 if it changes too often. */
static int s_zone_sample_year(s_zone_year_t *year)
{
    year->offset0 = s_gmtoff(year->begin);
    if (year->offset0 == SW_CAL_NO_OFFSET)
        return -1;
    year->count = 0;
    int32_t current = year->offset0;
    int64_t at = year->begin;
    while (at < year->end - 1) {
        int64_t next =
            at + S_ZONE_SAMPLE < year->end ? at + S_ZONE_SAMPLE : year->end - 1;
        if (s_gmtoff(next) == current) {
            at = next;
            continue;
        }
        if (year->count == S_ZONE_CHANGES)
            return -1;
        at = s_bisect_change(at, next, current);
        current = s_gmtoff(at);
        year->change_at[year->count] = at;
        year->change_to[year->count] = current;
        year->count++;
    }
    return 0;
}

static int s_zone_fill_year(sw_cal_zone_t *zone, s_zone_year_t *year, int y)
{
    char *saved;
    if (s_tz_enter(zone->tz, &saved) != 0)
        return -1; /* setenv failed: stay empty, try again next time */
    year->begin = sw_cal_days_from_civil(y, 1, 1) * SW_CAL_SECS_PER_DAY;
    year->end = sw_cal_days_from_civil(y + 1, 1, 1) * SW_CAL_SECS_PER_DAY;
    year->state = s_zone_sample_year(year) == 0 ? S_YEAR_READY : S_YEAR_BROKEN;
    s_tz_leave(saved);
    return year->state == S_YEAR_READY ? 0 : -1;
}

/* The table for the UTC year holding second t, filled on first use; or NULL. */
static s_zone_year_t *s_zone_year(sw_cal_zone_t *zone, int64_t t)
{
    s_zone_year_t *year = zone->last;
    if (year && t >= year->begin && t < year->end)
        return year;
    int y, m, d;
    sw_cal_civil_from_days(sw_cal_floor_div(t, SW_CAL_SECS_PER_DAY), &y, &m, &d);
    if (y < S_ZONE_FIRST_YEAR || y >= S_ZONE_FIRST_YEAR + S_ZONE_YEARS)
        return NULL;
    year = &zone->years[y - S_ZONE_FIRST_YEAR];
    if (year->state == S_YEAR_BROKEN)
        return NULL;
    if (year->state == S_YEAR_EMPTY && s_zone_fill_year(zone, year, y) != 0)
        return NULL;
    zone->last = year;
    return year;
}

int32_t sw_cal_zone_offset(sw_cal_zone_t *zone, int64_t t)
{
    s_zone_year_t *year = s_zone_year(zone, t);
    if (!year)
        return SW_CAL_NO_OFFSET;
    int32_t offset = year->offset0;
    for (int i = 0; i < year->count && year->change_at[i] <= t; i++)
        offset = year->change_to[i];
    return offset;
}

int sw_cal_zone_to_utc(sw_cal_zone_t *zone, int64_t local, int64_t *utc)
{
    int32_t before = sw_cal_zone_offset(zone, local - SW_CAL_SECS_PER_DAY);
    int32_t after = sw_cal_zone_offset(zone, local + SW_CAL_SECS_PER_DAY);
    if (before == SW_CAL_NO_OFFSET || after == SW_CAL_NO_OFFSET)
        return -1;
    if (before == after) {
        *utc = local - before;
        return 0;
    }
    int64_t early = local - before, late = local - after;
    bool early_ok = sw_cal_zone_offset(zone, early) == before;
    bool late_ok = sw_cal_zone_offset(zone, late) == after;
    if (early_ok && late_ok)
        *utc = early < late ? early : late;
    else if (late_ok)
        *utc = late;
    else
        *utc = early; /* in a gap, or early_ok alone */
    return 0;
}

/* The zone name is a plain relative path of the zoneinfo database. */
static bool s_zone_name_ok(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length > 200 || name[0] == '/' || name[0] == '-')
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("/_+-", *c))
            return false;
    return true;
}

/* True if TZDIR (or /usr/share/zoneinfo) holds a TZif file for the zone. */
static bool s_zone_file_ok(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    FILE *file = fopen(path, "rb");
    if (!file)
        return false;
    char magic[4];
    bool ok = fread(magic, 1, 4, file) == 4 && memcmp(magic, "TZif", 4) == 0;
    fclose(file);
    return ok;
}

bool sw_cal_zone_exists(const char *name)
{
    return s_zone_name_ok(name) && s_zone_file_ok(name);
}

void sw_cal_zone_destroy(sw_cal_zone_t **zone_p)
{
    if (*zone_p) {
        free((*zone_p)->name);
        free((*zone_p)->tz);
        free(*zone_p);
        *zone_p = NULL;
    }
}

sw_cal_zone_t *sw_cal_zone_new(const char *name)
{
    sw_cal_zone_t *zone = sw_calloc(1, sizeof *zone);
    zone->name = sw_strdup(name);
    size_t size = strlen(name) + 2;
    zone->tz = sw_malloc(size);
    snprintf(zone->tz, size, ":%s", name);
    return zone;
}

const char *sw_cal_zone_name(sw_cal_zone_t *zone)
{
    return zone->name;
}
