/*  sw_calendar: the working-day calendar (工作日历) of sla and intake.

    Dates are day numbers (days since 1970-01-01, proleptic Gregorian) and
    times of day are seconds after local midnight.  A working day's intervals
    are turned into UTC spans through the office's time zone; everything else
    (adding working time, counting working days, measuring working time) walks
    those spans day by day.

    Time zones: the UTC offset of a zone over one UTC year is kept as a small
    table (offset at 1 January and the changes during the year), filled the
    first time that year is needed by sampling glibc's localtime_r every six
    hours under TZ=":<zone>" and bisecting each change to the second.  TZ is
    restored afterwards.  After that a conversion is a few comparisons. */
#define _GNU_SOURCE /* asprintf, vasprintf, strndup, strncasecmp */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw_calendar.h"
#include "sw_zpl.h"

#define S_US_PER_SEC      1000000LL
#define S_SECS_PER_DAY    86400LL
#define S_FIRST_YEAR      1970 /* first year of dates and instants */
#define S_END_YEAR        2400 /* dates and instants end before 1 January of this year */
#define S_END_DAY         157054LL /* day number of 2400-01-01 */
#define S_END_US          (S_END_DAY * S_SECS_PER_DAY * S_US_PER_SEC)
#define S_ZONE_FIRST_YEAR (S_FIRST_YEAR - 1) /* zone tables cover one year around */
#define S_ZONE_YEARS      (S_END_YEAR - S_ZONE_FIRST_YEAR + 1)
#define S_ZONE_CHANGES    12         /* offset changes per year we can hold */
#define S_ZONE_SAMPLE     (6 * 3600) /* sampling step when filling a year, seconds */
#define S_MAX_SPANS       8          /* working intervals per day */
#define S_MAX_RANGE_DAYS  366        /* longest holiday range a..b */
#define S_MAX_TEXT        (1 << 20)  /* largest calendar text */
#define S_NO_OFFSET       INT32_MIN  /* "offset unknown": zone table unavailable */

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

/* An IANA time zone, shared by the offices that use it. */
typedef struct {
    char *name;                        /* "Europe/Berlin" */
    char *tz;                          /* ":Europe/Berlin", the TZ value */
    s_zone_year_t *last;               /* year table used last (fast path) */
    s_zone_year_t years[S_ZONE_YEARS]; /* by UTC year - S_ZONE_FIRST_YEAR */
} s_zone_t;

/* A date that differs from the weekly pattern. */
typedef struct {
    int32_t day;  /* day number */
    bool working; /* true: make-up working day (调休上班); false: holiday */
    int source;   /* while loading: 0 = the office itself, n = nth holiday set */
} s_exception_t;

/* A growable list of exceptions (holiday set or office, while loading). */
typedef struct {
    s_exception_t *items; /* the exceptions */
    size_t count;         /* used */
    size_t size;          /* allocated */
} s_days_t;

/* A named shared holiday set, only while loading. */
typedef struct {
    const char *name; /* borrowed from the ZPL tree */
    s_days_t days;    /* its holidays and make-up days */
} s_set_t;

/* A UTC span of working time. */
typedef struct {
    int64_t start, end; /* [start, end) in UTC microseconds */
} s_span_t;

/* An office with its own working hours and days. */
typedef struct {
    char *name;                     /* "hq" */
    s_zone_t *zone;                 /* borrowed from the calendar */
    int span_count;                 /* working intervals per working day */
    int32_t span_from[S_MAX_SPANS]; /* interval start, seconds after midnight */
    int32_t span_to[S_MAX_SPANS];   /* interval end, seconds after midnight */
    unsigned weekdays;              /* bit n set: tm_wday n is a working weekday */
    s_exception_t *exceptions;      /* holidays and make-up days, by day */
    size_t exception_count;         /* entries in exceptions */
} s_office_t;

struct _sw_calendar_t {
    s_office_t **offices; /* in file order */
    size_t office_count;  /* entries in offices */
    s_office_t *fallback; /* the office called "default", or NULL */
    s_zone_t **zones;     /* distinct zones, shared by offices */
    size_t zone_count;    /* entries in zones */
};

/* State of one load. */
typedef struct {
    char **error;     /* where the first error message goes, or NULL */
    s_set_t *sets;    /* shared holiday sets */
    size_t set_count; /* entries in sets */
    const char *text; /* the text parsed into root, for error lines; or NULL */
    zconfig_t *root;  /* the calendar's tree */
    zconfig_t *at;    /* the node being read, for error lines; or NULL */
} s_loader_t;

/* ------------------------------------------------------------------------
   Civil dates (Howard Hinnant's algorithms). */

static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 0 = Sunday .. 6 = Saturday; day 0 was a Thursday. */
static int s_weekday(int64_t day)
{
    return (int)((day % 7 + 11) % 7);
}

static bool s_date_valid(int y, int m, int d)
{
    static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < S_FIRST_YEAR || y >= S_END_YEAR || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days_in[m - 1] + (m == 2 && leap);
}

/* ------------------------------------------------------------------------
   Time zones. */

/* Switch the process to zone tz; *saved keeps the previous TZ for s_tz_leave. */
static int s_tz_enter(const char *tz, char **saved)
{
    const char *old = getenv("TZ");
    *saved = NULL;
    if (old && (*saved = strdup(old)) == NULL)
        return -1;
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

/* UTC offset at UTC second t in the current TZ, or S_NO_OFFSET. */
static int32_t s_gmtoff(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return S_NO_OFFSET;
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
    if (year->offset0 == S_NO_OFFSET)
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

static int s_zone_fill_year(s_zone_t *zone, s_zone_year_t *year, int y)
{
    char *saved;
    if (s_tz_enter(zone->tz, &saved) != 0)
        return -1; /* out of memory: stay empty, try again next time */
    year->begin = s_days_from_civil(y, 1, 1) * S_SECS_PER_DAY;
    year->end = s_days_from_civil(y + 1, 1, 1) * S_SECS_PER_DAY;
    year->state = s_zone_sample_year(year) == 0 ? S_YEAR_READY : S_YEAR_BROKEN;
    s_tz_leave(saved);
    return year->state == S_YEAR_READY ? 0 : -1;
}

/* The table for the UTC year holding second t, filled on first use; or NULL. */
static s_zone_year_t *s_zone_year(s_zone_t *zone, int64_t t)
{
    s_zone_year_t *year = zone->last;
    if (year && t >= year->begin && t < year->end)
        return year;
    int y, m, d;
    s_civil_from_days(s_floor_div(t, S_SECS_PER_DAY), &y, &m, &d);
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

/* UTC offset of the zone at UTC second t, or S_NO_OFFSET. */
static int32_t s_zone_offset(s_zone_t *zone, int64_t t)
{
    s_zone_year_t *year = s_zone_year(zone, t);
    if (!year)
        return S_NO_OFFSET;
    int32_t offset = year->offset0;
    for (int i = 0; i < year->count && year->change_at[i] <= t; i++)
        offset = year->change_to[i];
    return offset;
}

/* UTC second of local second `local` (seconds since 1970-01-01 00:00 local).
   A repeated local time gives the earlier instant; a skipped one is moved
   forward by the gap.  0, or -1 if the zone table is unavailable. */
static int s_zone_to_utc(s_zone_t *zone, int64_t local, int64_t *utc)
{
    int32_t before = s_zone_offset(zone, local - S_SECS_PER_DAY);
    int32_t after = s_zone_offset(zone, local + S_SECS_PER_DAY);
    if (before == S_NO_OFFSET || after == S_NO_OFFSET)
        return -1;
    if (before == after) {
        *utc = local - before;
        return 0;
    }
    int64_t early = local - before, late = local - after;
    bool early_ok = s_zone_offset(zone, early) == before;
    bool late_ok = s_zone_offset(zone, late) == after;
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

static void s_zone_destroy(s_zone_t **zone_p)
{
    if (*zone_p) {
        free((*zone_p)->name);
        free((*zone_p)->tz);
        free(*zone_p);
        *zone_p = NULL;
    }
}

static s_zone_t *s_zone_new(const char *name)
{
    s_zone_t *zone = calloc(1, sizeof *zone);
    if (!zone)
        return NULL;
    zone->name = strdup(name);
    if (zone->name && asprintf(&zone->tz, ":%s", name) < 0)
        zone->tz = NULL;
    if (!zone->name || !zone->tz)
        s_zone_destroy(&zone);
    return zone;
}

/* ------------------------------------------------------------------------
   Offices: working days and their spans. */

static bool s_office_works(const s_office_t *office, int64_t day)
{
    size_t lo = 0, hi = office->exception_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (office->exceptions[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < office->exception_count && office->exceptions[lo].day == day)
        return office->exceptions[lo].working;
    return (office->weekdays >> s_weekday(day)) & 1u;
}

/* The UTC spans of working time on local day `day`: their count, 0 on a day
   off, -1 if the zone table is unavailable.  Empty spans (inside a DST gap)
   are left out. */
static int s_office_spans(const s_office_t *office, int64_t day, s_span_t *spans)
{
    if (!s_office_works(office, day))
        return 0;
    int64_t midnight = day * S_SECS_PER_DAY;
    int count = 0;
    for (int i = 0; i < office->span_count; i++) {
        int64_t from, to;
        if (s_zone_to_utc(office->zone, midnight + office->span_from[i], &from) != 0 ||
            s_zone_to_utc(office->zone, midnight + office->span_to[i], &to) != 0)
            return -1;
        if (to > from) {
            spans[count].start = from * S_US_PER_SEC;
            spans[count].end = to * S_US_PER_SEC;
            count++;
        }
    }
    return count;
}

/* Local day number holding instant t_us, or INT64_MIN on error. */
static int64_t s_office_local_day(const s_office_t *office, int64_t t_us)
{
    int64_t t = s_floor_div(t_us, S_US_PER_SEC);
    int32_t offset = s_zone_offset(office->zone, t);
    if (offset == S_NO_OFFSET)
        return INT64_MIN;
    return s_floor_div(t + offset, S_SECS_PER_DAY);
}

static void s_office_destroy(s_office_t **office_p)
{
    if (*office_p) {
        free((*office_p)->name);
        free((*office_p)->exceptions);
        free(*office_p);
        *office_p = NULL;
    }
}

/* ------------------------------------------------------------------------
   Loading: errors and small parsers for values. */

static int s_fail(s_loader_t *loader, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The line of the text that node came from, 0 if unknown.  In valid ZPL
   every line that is neither blank nor a comment names one key, and the
   keys become the tree's nodes in pre-order. */
static size_t s_node_line(const s_loader_t *loader, zconfig_t *node)
{
    return sw_zpl_line(loader->text, loader->root, node);
}

/* Record the first error of the load, "line N: " in front when the node
   being read is known; always -1. */
static int s_fail(s_loader_t *loader, const char *format, ...)
{
    if (!loader->error || *loader->error)
        return -1;
    va_list args;
    va_start(args, format);
    char *reason = NULL;
    if (vasprintf(&reason, format, args) < 0)
        reason = NULL;
    va_end(args);
    size_t line = reason ? s_node_line(loader, loader->at) : 0;
    if (line > 0) {
        if (asprintf(loader->error, "line %zu: %s", line, reason) < 0)
            *loader->error = NULL;
        free(reason);
    } else
        *loader->error = reason;
    return -1;
}

/* Next token of a list separated by commas and/or blanks, copied into
   token[size]; returns the rest of the list, or NULL at its end. */
static const char *s_next_token(const char *list, char *token, size_t size)
{
    list += strspn(list, ", \t");
    if (!*list)
        return NULL;
    size_t length = strcspn(list, ", \t");
    size_t copy = length < size - 1 ? length : size - 1;
    memcpy(token, list, copy);
    token[copy] = 0;
    return list + length;
}

/* Exactly two digits at text; value or -1. */
static int s_two_digits(const char *text)
{
    if (!isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1]))
        return -1;
    return (text[0] - '0') * 10 + (text[1] - '0');
}

/* "HH:MM" (00:00..24:00) into seconds after midnight; 0 or -1. */
static int s_parse_clock(const char *text, int32_t *seconds)
{
    int hour = s_two_digits(text), minute = s_two_digits(text + 3);
    if (hour < 0 || text[2] != ':' || minute < 0 || minute > 59 || hour > 24 ||
        (hour == 24 && minute != 0))
        return -1;
    *seconds = hour * 3600 + minute * 60;
    return 0;
}

/* "HH:MM-HH:MM" into [from, to); 0 or -1. */
static int s_parse_interval(const char *text, int32_t *from, int32_t *to)
{
    if (strlen(text) != 11 || text[5] != '-')
        return -1;
    if (s_parse_clock(text, from) != 0 || s_parse_clock(text + 6, to) != 0)
        return -1;
    return 0;
}

static int s_parse_hours(s_loader_t *loader, s_office_t *office, const char *where,
                         const char *value)
{
    char token[64];
    office->span_count = 0;
    for (const char *rest = value; (rest = s_next_token(rest, token, sizeof token));) {
        int32_t from, to;
        if (s_parse_interval(token, &from, &to) != 0)
            return s_fail(loader, "%s/hours: '%s' is not HH:MM-HH:MM", where, token);
        if (from >= to)
            return s_fail(loader, "%s/hours: '%s' ends before it starts", where, token);
        int n = office->span_count;
        if (n > 0 && from < office->span_to[n - 1])
            return s_fail(loader,
                          "%s/hours: '%s' overlaps or precedes the interval before it",
                          where, token);
        if (n == S_MAX_SPANS)
            return s_fail(loader, "%s/hours: more than %d intervals", where, S_MAX_SPANS);
        office->span_from[n] = from;
        office->span_to[n] = to;
        office->span_count++;
    }
    if (office->span_count == 0)
        return s_fail(loader, "%s/hours: no working interval given", where);
    return 0;
}

/* "mon".."sun" (any case) into tm_wday, or -1. */
static int s_parse_weekday(const char *text, size_t length)
{
    static const char *names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; i < 7; i++)
        if (length == 3 && strncasecmp(text, names[i], 3) == 0)
            return i;
    return -1;
}

/* "mon-fri, sat" into a bit set of tm_wday; ranges may wrap (fri-mon). */
static int s_parse_weekdays(s_loader_t *loader, s_office_t *office, const char *where,
                            const char *value)
{
    char token[64];
    office->weekdays = 0;
    for (const char *rest = value; (rest = s_next_token(rest, token, sizeof token));) {
        const char *dash = strchr(token, '-');
        int first = s_parse_weekday(token, dash ? (size_t)(dash - token) : strlen(token));
        int last = dash ? s_parse_weekday(dash + 1, strlen(dash + 1)) : first;
        if (first < 0 || last < 0)
            return s_fail(loader,
                          "%s/weekdays: '%s' is not a weekday (mon..sun) or range", where,
                          token);
        for (int day = first;; day = (day + 1) % 7) {
            office->weekdays |= 1u << day;
            if (day == last)
                break;
        }
    }
    if (office->weekdays == 0)
        return s_fail(loader, "%s/weekdays: no working weekday given", where);
    return 0;
}

/* "YYYY-MM-DD" (exactly) into a day number; 0 or -1. */
static int s_parse_date(const char *text, size_t length, int64_t *day)
{
    if (length != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    int century = s_two_digits(text), year = s_two_digits(text + 2);
    int month = s_two_digits(text + 5), mday = s_two_digits(text + 8);
    if (century < 0 || year < 0 || month < 0 || mday < 0)
        return -1;
    if (!s_date_valid(century * 100 + year, month, mday))
        return -1;
    *day = s_days_from_civil(century * 100 + year, month, mday);
    return 0;
}

/* ------------------------------------------------------------------------
   Loading: holiday and make-up day lists. */

static int s_days_push(s_days_t *days, int64_t day, bool working, int source)
{
    if (days->count == days->size) {
        size_t size = days->size ? days->size * 2 : 32;
        s_exception_t *items = realloc(days->items, size * sizeof *items);
        if (!items)
            return -1;
        days->items = items;
        days->size = size;
    }
    days->items[days->count++] = (s_exception_t){(int32_t)day, working, source};
    return 0;
}

static int s_exception_compare(const void *a, const void *b)
{
    const s_exception_t *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return (int)x->working - (int)y->working;
}

static void s_days_sort(s_days_t *days)
{
    if (days->count > 1)
        qsort(days->items, days->count, sizeof *days->items, s_exception_compare);
}

/* Add "2026-10-01" or "2026-10-01..2026-10-07" to days. */
static int s_parse_day_entry(s_loader_t *loader, s_days_t *days, const char *where,
                             const char *entry, bool working)
{
    const char *dots = strstr(entry, "..");
    int64_t first, last;
    if (s_parse_date(entry, dots ? (size_t)(dots - entry) : strlen(entry), &first) != 0 ||
        (dots && s_parse_date(dots + 2, strlen(dots + 2), &last) != 0))
        return s_fail(loader,
                      "%s: '%s' is not a date YYYY-MM-DD or range YYYY-MM-DD..YYYY-MM-DD "
                      "(years %d-%d)",
                      where, entry, S_FIRST_YEAR, S_END_YEAR - 1);
    if (!dots)
        last = first;
    if (last < first || last - first >= S_MAX_RANGE_DAYS)
        return s_fail(loader, "%s: range '%s' is reversed or longer than %d days", where,
                      entry, S_MAX_RANGE_DAYS);
    for (int64_t day = first; day <= last; day++)
        if (s_days_push(days, day, working, 0) != 0)
            return s_fail(loader, "%s: out of memory", where);
    return 0;
}

/* The dates below a "holiday" or "workday" node. */
static int s_parse_day_list(s_loader_t *loader, s_days_t *days, const char *where,
                            zconfig_t *list)
{
    const char *kind = zconfig_name(list);
    const char *value = zconfig_value(list);
    loader->at = list;
    if (value && *value)
        return s_fail(loader,
                      "%s/%s: list the dates one per line below it "
                      "(e.g. '2026-10-01..2026-10-07 = 国庆节'), not as its value",
                      where, kind);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", where, kind);
    bool working = streq(kind, "workday");
    for (zconfig_t *entry = zconfig_child(list); entry; entry = zconfig_next(entry)) {
        loader->at = entry;
        if (zconfig_child(entry))
            return s_fail(loader, "%s/%s: a date has no children", path,
                          zconfig_name(entry));
        if (s_parse_day_entry(loader, days, path, zconfig_name(entry), working) != 0)
            return -1;
    }
    return 0;
}

/* A date may not be both a holiday and a make-up working day in one list. */
static int s_days_check(s_loader_t *loader, s_days_t *days, const char *where)
{
    s_days_sort(days);
    for (size_t i = 1; i < days->count; i++) {
        s_exception_t *a = &days->items[i - 1], *b = &days->items[i];
        if (a->day == b->day && a->working != b->working) {
            int y, m, d;
            s_civil_from_days(a->day, &y, &m, &d);
            return s_fail(loader,
                          "%s: %04d-%02d-%02d is listed both as holiday and as workday",
                          where, y, m, d);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Loading: shared holiday sets. */

static s_set_t *s_loader_set(s_loader_t *loader, const char *name)
{
    for (size_t i = 0; i < loader->set_count; i++)
        if (streq(loader->sets[i].name, name))
            return &loader->sets[i];
    return NULL;
}

static int s_parse_set(s_loader_t *loader, s_set_t *set, zconfig_t *node)
{
    char where[512];
    snprintf(where, sizeof where, "holidays/%s", set->name);
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        const char *name = zconfig_name(child);
        loader->at = child;
        if (!streq(name, "holiday") && !streq(name, "workday"))
            return s_fail(loader, "%s: unknown key '%s' (expected holiday or workday)",
                          where, name);
        if (s_parse_day_list(loader, &set->days, where, child) != 0)
            return -1;
    }
    loader->at = node;
    return s_days_check(loader, &set->days, where);
}

static int s_parse_sets(s_loader_t *loader, zconfig_t *holidays)
{
    size_t count = 0;
    for (zconfig_t *node = zconfig_child(holidays); node; node = zconfig_next(node))
        count++;
    loader->sets = calloc(count ? count : 1, sizeof *loader->sets);
    if (!loader->sets)
        return s_fail(loader, "holidays: out of memory");
    for (zconfig_t *node = zconfig_child(holidays); node; node = zconfig_next(node)) {
        const char *name = zconfig_name(node);
        loader->at = node;
        if (s_loader_set(loader, name))
            return s_fail(loader, "holidays/%s: holiday set defined twice", name);
        s_set_t *set = &loader->sets[loader->set_count++];
        set->name = name;
        if (s_parse_set(loader, set, node) != 0)
            return -1;
    }
    return 0;
}

static void s_loader_free(s_loader_t *loader)
{
    for (size_t i = 0; i < loader->set_count; i++)
        free(loader->sets[i].days.items);
    free(loader->sets);
}

/* ------------------------------------------------------------------------
   Loading: offices. */

/* Append the referenced sets' days to days, tagged 1..n in order. */
static int s_office_use_sets(s_loader_t *loader, s_days_t *days, const char *where,
                             const char *value)
{
    char token[128];
    int source = 0;
    for (const char *rest = value; (rest = s_next_token(rest, token, sizeof token));) {
        s_set_t *set = s_loader_set(loader, token);
        if (!set)
            return s_fail(loader, "%s/holidays: no holiday set '%s' under holidays",
                          where, token);
        source++;
        for (size_t i = 0; i < set->days.count; i++)
            if (s_days_push(days, set->days.items[i].day, set->days.items[i].working,
                            source) != 0)
                return s_fail(loader, "%s: out of memory", where);
    }
    return 0;
}

/* Name of the nth holiday set listed in value (n >= 1), into token. */
static void s_nth_token(const char *value, int n, char *token, size_t size)
{
    const char *rest = value;
    for (int i = 0; i < n && rest; i++)
        rest = s_next_token(rest, token, size);
}

/* Merge sorted days into office->exceptions: the office's own entries
   (source 0) win; two sets that disagree on a date are an error. */
static int s_office_merge(s_loader_t *loader, s_office_t *office, s_days_t *days,
                          const char *where, const char *sets)
{
    s_days_sort(days);
    office->exceptions =
        calloc(days->count ? days->count : 1, sizeof *office->exceptions);
    if (!office->exceptions)
        return s_fail(loader, "%s: out of memory", where);
    size_t n = 0;
    for (size_t i = 0; i < days->count; i++) {
        s_exception_t *item = &days->items[i];
        s_exception_t *kept = n > 0 ? &office->exceptions[n - 1] : NULL;
        if (!kept || kept->day != item->day) {
            office->exceptions[n++] = *item;
            continue;
        }
        if (kept->source != 0 && kept->working != item->working) {
            char a[128] = "", b[128] = "";
            int y, m, d;
            s_nth_token(sets, kept->source, a, sizeof a);
            s_nth_token(sets, item->source, b, sizeof b);
            s_civil_from_days(item->day, &y, &m, &d);
            return s_fail(loader,
                          "%s/holidays: sets '%s' and '%s' disagree on %04d-%02d-%02d; "
                          "list it under %s/holiday or %s/workday",
                          where, a, b, y, m, d, where, where);
        }
    }
    office->exception_count = n;
    return 0;
}

/* The calendar's zone called name, added on first use; or NULL. */
static s_zone_t *s_calendar_zone(sw_calendar_t *self, const char *name)
{
    for (size_t i = 0; i < self->zone_count; i++)
        if (streq(self->zones[i]->name, name))
            return self->zones[i];
    s_zone_t **zones = realloc(self->zones, (self->zone_count + 1) * sizeof *zones);
    if (!zones)
        return NULL;
    self->zones = zones;
    s_zone_t *zone = s_zone_new(name);
    if (zone)
        self->zones[self->zone_count++] = zone;
    return zone;
}

static int s_office_zone(s_loader_t *loader, sw_calendar_t *self, s_office_t *office,
                         const char *where, const char *value)
{
    if (!s_zone_name_ok(value) || !s_zone_file_ok(value))
        return s_fail(loader, "%s/zone: '%s' is not a time zone of the zoneinfo database",
                      where, value);
    office->zone = s_calendar_zone(self, value);
    return office->zone ? 0 : s_fail(loader, "%s/zone: out of memory", where);
}

/* A key that holds one value may be given once; seen remembers which were. */
static int s_office_once(s_loader_t *loader, const char *where, const char *name,
                         unsigned *seen)
{
    static const char *singles[] = {"zone", "hours", "weekdays", "holidays"};
    for (unsigned i = 0; i < sizeof singles / sizeof singles[0]; i++) {
        if (!streq(name, singles[i]))
            continue;
        if (*seen & (1u << i))
            return s_fail(loader, "%s/%s: given twice", where, name);
        *seen |= 1u << i;
    }
    return 0;
}

/* Read one key of an office; days collects its own holiday/workday lists. */
static int s_office_key(s_loader_t *loader, sw_calendar_t *self, s_office_t *office,
                        const char *where, zconfig_t *key, s_days_t *days)
{
    const char *name = zconfig_name(key);
    const char *value = zconfig_value(key) ? zconfig_value(key) : "";
    if (streq(name, "zone"))
        return s_office_zone(loader, self, office, where, value);
    if (streq(name, "hours"))
        return s_parse_hours(loader, office, where, value);
    if (streq(name, "weekdays"))
        return s_parse_weekdays(loader, office, where, value);
    if (streq(name, "holidays"))
        return 0; /* sets are merged after the office's own lists */
    if (streq(name, "holiday") || streq(name, "workday"))
        return s_parse_day_list(loader, days, where, key);
    return s_fail(
        loader,
        "%s: unknown key '%s' (expected zone, hours, weekdays, holidays, holiday "
        "or workday)",
        where, name);
}

static int s_office_parse(s_loader_t *loader, sw_calendar_t *self, s_office_t *office,
                          zconfig_t *node, const char *where)
{
    s_days_t days = {NULL, 0, 0};
    office->weekdays = 0x3e; /* Monday to Friday */
    const char *sets = zconfig_get(node, "holidays", "");
    unsigned seen = 0;
    int rc = 0;
    for (zconfig_t *key = zconfig_child(node); key && rc == 0; key = zconfig_next(key)) {
        loader->at = key;
        rc = s_office_once(loader, where, zconfig_name(key), &seen);
        if (rc == 0)
            rc = s_office_key(loader, self, office, where, key, &days);
    }
    loader->at = node;
    if (rc == 0 && !office->zone)
        rc = s_fail(loader, "%s: missing 'zone' (e.g. zone = Asia/Shanghai)", where);
    if (rc == 0 && office->span_count == 0)
        rc = s_fail(loader, "%s: missing 'hours' (e.g. hours = 08:30-12:00, 14:00-17:30)",
                    where);
    if (rc == 0)
        rc = s_days_check(loader, &days, where);
    if (zconfig_locate(node, "holidays"))
        loader->at = zconfig_locate(node, "holidays");
    if (rc == 0)
        rc = s_office_use_sets(loader, &days, where, sets);
    if (rc == 0)
        rc = s_office_merge(loader, office, &days, where, sets);
    free(days.items);
    return rc;
}

static s_office_t *s_office_new(s_loader_t *loader, sw_calendar_t *self, zconfig_t *node)
{
    const char *name = zconfig_name(node);
    char where[512];
    snprintf(where, sizeof where, "offices/%s", name);
    loader->at = node;
    for (size_t i = 0; i < self->office_count; i++)
        if (streq(self->offices[i]->name, name)) {
            s_fail(loader, "%s: office defined twice", where);
            return NULL;
        }
    s_office_t *office = calloc(1, sizeof *office);
    if (!office || !(office->name = strdup(name))) {
        s_fail(loader, "%s: out of memory", where);
        free(office);
        return NULL;
    }
    if (s_office_parse(loader, self, office, node, where) != 0)
        s_office_destroy(&office);
    return office;
}

static int s_parse_offices(s_loader_t *loader, sw_calendar_t *self, zconfig_t *offices)
{
    size_t count = 0;
    for (zconfig_t *node = zconfig_child(offices); node; node = zconfig_next(node))
        count++;
    loader->at = offices;
    if (count == 0)
        return s_fail(loader, "offices: no office defined");
    self->offices = calloc(count, sizeof *self->offices);
    if (!self->offices)
        return s_fail(loader, "offices: out of memory");
    for (zconfig_t *node = zconfig_child(offices); node; node = zconfig_next(node)) {
        s_office_t *office = s_office_new(loader, self, node);
        if (!office)
            return -1;
        self->offices[self->office_count++] = office;
        if (streq(office->name, "default"))
            self->fallback = office;
    }
    return 0;
}

static int s_parse_root(s_loader_t *loader, sw_calendar_t *self, zconfig_t *root)
{
    zconfig_t *holidays = NULL, *offices = NULL;
    for (zconfig_t *node = zconfig_child(root); node; node = zconfig_next(node)) {
        const char *name = zconfig_name(node);
        loader->at = node;
        if (streq(name, "policies") || streq(name, "version"))
            continue; /* sla's policies (sw_policy.c); the file's version name */
        zconfig_t **slot = streq(name, "holidays")  ? &holidays
                           : streq(name, "offices") ? &offices
                                                    : NULL;
        if (!slot)
            return s_fail(
                loader,
                "%s: unknown key (expected version, holidays, offices or policies)",
                name);
        if (*slot)
            return s_fail(loader, "%s: section given twice", name);
        *slot = node;
    }
    loader->at = NULL;
    if (!offices)
        return s_fail(loader, "offices: missing (a calendar needs at least one office)");
    if (holidays && s_parse_sets(loader, holidays) != 0)
        return -1;
    return s_parse_offices(loader, self, offices);
}

/* ------------------------------------------------------------------------
   Constructors and destructor. */

/* A calendar from the tree config; text, if not NULL, is what config was
   parsed from (for the lines of errors). */
static sw_calendar_t *s_new_from_tree(zconfig_t *config, const char *text, char **error)
{
    s_loader_t loader = {error, NULL, 0, text, config, NULL};
    if (error)
        *error = NULL;
    if (!config) {
        s_fail(&loader, "no calendar given");
        return NULL;
    }
    sw_calendar_t *self = calloc(1, sizeof *self);
    if (!self) {
        s_fail(&loader, "out of memory");
        return NULL;
    }
    if (s_parse_root(&loader, self, config) != 0)
        sw_calendar_destroy(&self);
    s_loader_free(&loader);
    return self;
}

sw_calendar_t *sw_calendar_new_from_zconfig(zconfig_t *config, char **error)
{
    return s_new_from_tree(config, NULL, error);
}

/* True if the first `lines` lines of text are valid ZPL. */
static bool s_prefix_parses(char *text, size_t lines)
{
    char *end = text;
    for (size_t i = 0; i < lines && *end; i++) {
        char *newline = strchr(end, '\n');
        end = newline ? newline + 1 : end + strlen(end);
    }
    char saved = *end;
    *end = 0;
    zconfig_t *probe = zconfig_str_load(text);
    *end = saved;
    bool ok = probe != NULL;
    zconfig_destroy(&probe);
    return ok;
}

/* The line that makes text invalid ZPL.  ZPL is line-oriented, so every
   prefix up to that line parses and every longer one fails: bisect over the
   number of lines (each failing probe repeats zconfig's log line). */
static size_t s_syntax_error_line(char *text)
{
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n' || c[1] == 0;
    size_t good = 0, bad = lines; /* the whole text is known to fail */
    while (bad - good > 1) {
        size_t mid = good + (bad - good) / 2;
        if (s_prefix_parses(text, mid))
            good = mid;
        else
            bad = mid;
    }
    return bad;
}

static void s_syntax_error(s_loader_t *loader, char *text)
{
    size_t line = s_syntax_error_line(text);
    if (line > 0)
        s_fail(loader,
               "line %zu: not valid ZPL (indent by 4 spaces, 'name = value', quote "
               "values holding '#'); zconfig logged the details",
               line);
    else
        s_fail(loader, "not valid ZPL; zconfig logged the details");
}

sw_calendar_t *sw_calendar_new_from_text(const char *text, size_t len, char **error)
{
    s_loader_t loader = {error, NULL, 0, NULL, NULL, NULL};
    if (error)
        *error = NULL;
    if (!text || len > S_MAX_TEXT) {
        s_fail(&loader, "calendar text missing or larger than %d bytes", S_MAX_TEXT);
        return NULL;
    }
    if (memchr(text, 0, len)) {
        s_fail(&loader, "calendar text holds a NUL byte");
        return NULL;
    }
    char *copy = strndup(text, len);
    if (!copy) {
        s_fail(&loader, "out of memory");
        return NULL;
    }
    sw_calendar_t *self = NULL;
    zconfig_t *root = zconfig_str_load(copy);
    if (root)
        self = s_new_from_tree(root, copy, error);
    else
        s_syntax_error(&loader, copy);
    zconfig_destroy(&root);
    free(copy);
    return self;
}

sw_calendar_t *sw_calendar_new_from_file(const char *path, char **error)
{
    /* one byte over the limit is read, so the parser reports it */
    zchunk_t *chunk =
        path && zsys_file_exists(path) ? zchunk_slurp(path, S_MAX_TEXT + 1) : NULL;
    if (!chunk) {
        if (error && asprintf(error, "%s: %s", path ? path : "(null)",
                              path && zsys_file_exists(path) ? "cannot read the file"
                                                             : strerror(ENOENT)) < 0)
            *error = NULL;
        return NULL;
    }
    char *reason = NULL;
    sw_calendar_t *self = sw_calendar_new_from_text((const char *)zchunk_data(chunk),
                                                    zchunk_size(chunk), &reason);
    zchunk_destroy(&chunk);
    if (error) {
        *error = NULL;
        if (reason && asprintf(error, "%s: %s", path, reason) < 0)
            *error = NULL;
    }
    free(reason);
    return self;
}

void sw_calendar_destroy(sw_calendar_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_calendar_t *self = *self_p;
    for (size_t i = 0; i < self->office_count; i++)
        s_office_destroy(&self->offices[i]);
    free(self->offices);
    for (size_t i = 0; i < self->zone_count; i++)
        s_zone_destroy(&self->zones[i]);
    free(self->zones);
    free(self);
    *self_p = NULL;
}

/* ------------------------------------------------------------------------
   Queries. */

/* The office called name, else the "default" office, else NULL. */
static s_office_t *s_office_find(sw_calendar_t *self, const char *name)
{
    if (!self)
        return NULL;
    if (name)
        for (size_t i = 0; i < self->office_count; i++)
            if (streq(self->offices[i]->name, name))
                return self->offices[i];
    return self->fallback;
}

static bool s_instant_ok(int64_t t_us)
{
    return t_us >= 0 && t_us < S_END_US;
}

bool sw_calendar_has_office(sw_calendar_t *self, const char *office)
{
    if (!self || !office)
        return false;
    for (size_t i = 0; i < self->office_count; i++)
        if (streq(self->offices[i]->name, office))
            return true;
    return false;
}

const char *sw_calendar_zone(sw_calendar_t *self, const char *office)
{
    s_office_t *found = s_office_find(self, office);
    return found ? found->zone->name : NULL;
}

/* Walk working spans from the day holding start_us: the instant at which
   `working` microseconds have elapsed (0: the first working instant). */
static int64_t s_add_working(s_office_t *office, int64_t start_us, int64_t working)
{
    int64_t day = s_office_local_day(office, start_us);
    if (day == INT64_MIN)
        return -1;
    for (day = day - 1; day < S_END_DAY; day++) {
        s_span_t spans[S_MAX_SPANS];
        int count = s_office_spans(office, day, spans);
        if (count < 0)
            return -1;
        for (int i = 0; i < count; i++) {
            if (spans[i].end <= start_us)
                continue;
            int64_t from = spans[i].start > start_us ? spans[i].start : start_us;
            if (working <= spans[i].end - from)
                return from + working < S_END_US ? from + working : -1;
            working -= spans[i].end - from;
        }
    }
    return -1;
}

int64_t sw_calendar_add_working(sw_calendar_t *self, const char *office, int64_t start_us,
                                int64_t working_us)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(start_us) || working_us < 0)
        return -1;
    return s_add_working(found, start_us, working_us);
}

int64_t sw_calendar_add_working_days(sw_calendar_t *self, const char *office,
                                     int64_t start_us, int days)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(start_us) || days < 0)
        return -1;
    int64_t first = s_add_working(found, start_us, 0);
    if (first < 0 || days == 0)
        return first;
    int64_t second = s_floor_div(first, S_US_PER_SEC);
    int32_t offset = s_zone_offset(found->zone, second);
    if (offset == S_NO_OFFSET)
        return -1;
    int64_t day = s_floor_div(second + offset, S_SECS_PER_DAY);
    int64_t time_of_day = second + offset - day * S_SECS_PER_DAY;
    int counted = 0;
    while (counted < days) {
        if (++day >= S_END_DAY)
            return -1;
        if (s_office_works(found, day))
            counted++;
    }
    int64_t target;
    if (s_zone_to_utc(found->zone, day * S_SECS_PER_DAY + time_of_day, &target) != 0)
        return -1;
    int64_t target_us = target * S_US_PER_SEC + (first - second * S_US_PER_SEC);
    return s_instant_ok(target_us) ? s_add_working(found, target_us, 0) : -1;
}

int64_t sw_calendar_working_between(sw_calendar_t *self, const char *office,
                                    int64_t from_us, int64_t to_us)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(from_us) || !s_instant_ok(to_us))
        return -1;
    if (to_us <= from_us)
        return 0;
    int64_t first = s_office_local_day(found, from_us);
    int64_t last = s_office_local_day(found, to_us);
    if (first == INT64_MIN || last == INT64_MIN)
        return -1;
    int64_t total = 0;
    for (int64_t day = first - 1; day <= last + 1; day++) {
        s_span_t spans[S_MAX_SPANS];
        int count = s_office_spans(found, day, spans);
        if (count < 0)
            return -1;
        for (int i = 0; i < count; i++) {
            int64_t a = spans[i].start > from_us ? spans[i].start : from_us;
            int64_t b = spans[i].end < to_us ? spans[i].end : to_us;
            if (b > a)
                total += b - a;
        }
    }
    return total;
}

bool sw_calendar_is_working_day(sw_calendar_t *self, const char *office, int y, int m,
                                int d)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !s_date_valid(y, m, d))
        return false;
    return s_office_works(found, s_days_from_civil(y, m, d));
}

int64_t sw_calendar_end_of_working_day(sw_calendar_t *self, const char *office,
                                       int64_t t_us)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(t_us))
        return -1;
    int64_t day = s_office_local_day(found, t_us);
    if (day == INT64_MIN)
        return -1;
    for (; day < S_END_DAY; day++) {
        s_span_t spans[S_MAX_SPANS];
        int count = s_office_spans(found, day, spans);
        if (count < 0)
            return -1;
        if (count > 0 && spans[count - 1].end > t_us)
            return spans[count - 1].end < S_END_US ? spans[count - 1].end : -1;
    }
    return -1;
}

int64_t sw_calendar_local_to_utc(sw_calendar_t *self, const char *office, int y, int m,
                                 int d, int hh, int mm, int ss)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !s_date_valid(y, m, d) || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 59)
        return -1;
    int64_t local =
        s_days_from_civil(y, m, d) * S_SECS_PER_DAY + hh * 3600 + mm * 60 + ss;
    int64_t utc;
    if (s_zone_to_utc(found->zone, local, &utc) != 0)
        return -1;
    return s_instant_ok(utc * S_US_PER_SEC) ? utc * S_US_PER_SEC : -1;
}

int sw_calendar_to_local(sw_calendar_t *self, const char *office, int64_t t_us,
                         sw_calendar_local_t *local)
{
    s_office_t *found = s_office_find(self, office);
    if (!found || !local || !s_instant_ok(t_us))
        return -1;
    int64_t t = s_floor_div(t_us, S_US_PER_SEC);
    int32_t offset = s_zone_offset(found->zone, t);
    if (offset == S_NO_OFFSET)
        return -1;
    int64_t day = s_floor_div(t + offset, S_SECS_PER_DAY);
    int64_t seconds = t + offset - day * S_SECS_PER_DAY;
    s_civil_from_days(day, &local->year, &local->month, &local->day);
    local->hour = (int)(seconds / 3600);
    local->minute = (int)(seconds / 60 % 60);
    local->second = (int)(seconds % 60);
    local->weekday = s_weekday(day);
    local->utc_offset = offset;
    return 0;
}
