/*  sw_calendar_load: a working-day calendar from its ZPL text (format in
    docs/calendar.md): the text read with sw_zpl, the shared holiday sets,
    then each office (zone, hours, weekdays, its own holidays and make-up
    days merged with the sets it uses); and the destructor.  Errors carry
    the line of the key being read (sw_zpl_fail). */
#define _GNU_SOURCE /* strncasecmp */
#include "sw_calendar_int.h"
#include "sw_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_RANGE_DAYS 366 /* longest holiday range a..b */

const sw_zpl_limits_t sw_calendar_limits = {"calendar", 1 << 20, 0};

/* A growable list of exceptions (holiday set or office, while loading). */
typedef struct {
    sw_cal_exception_t *items; /* the exceptions */
    size_t count;              /* used */
    size_t size;               /* allocated */
} s_days_t;

/* A named shared holiday set, only while loading. */
typedef struct {
    const char *name; /* borrowed from the ZPL tree */
    s_days_t days;    /* its holidays and make-up days */
} s_set_t;

/* State of one load. */
typedef struct {
    sw_zpl_t *zpl;    /* the text and where errors go */
    s_set_t *sets;    /* shared holiday sets */
    size_t set_count; /* entries in sets */
    zconfig_t *at;    /* the node being read, for error lines; or NULL */
} s_loader_t;

static void s_office_destroy(sw_cal_office_t **office_p)
{
    if (*office_p) {
        free((*office_p)->name);
        free((*office_p)->exceptions);
        free(*office_p);
        *office_p = NULL;
    }
}

/* ------------------------------------------------------------------------
   Small parsers for values. */

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

static int s_parse_hours(s_loader_t *loader, sw_cal_office_t *office, const char *where,
                         const char *value)
{
    char token[64];
    office->span_count = 0;
    for (const char *rest = value;
         (rest = sw_zpl_next_item(rest, token, sizeof token));) {
        int32_t from, to;
        if (s_parse_interval(token, &from, &to) != 0)
            return sw_zpl_fail(loader->zpl, loader->at,
                               "%s/hours: '%s' is not HH:MM-HH:MM", where, token);
        if (from >= to)
            return sw_zpl_fail(loader->zpl, loader->at,
                               "%s/hours: '%s' ends before it starts", where, token);
        int n = office->span_count;
        if (n > 0 && from < office->span_to[n - 1])
            return sw_zpl_fail(
                loader->zpl, loader->at,
                "%s/hours: '%s' overlaps or precedes the interval before it", where,
                token);
        if (n == SW_CAL_MAX_SPANS)
            return sw_zpl_fail(loader->zpl, loader->at,
                               "%s/hours: more than %d intervals", where,
                               SW_CAL_MAX_SPANS);
        office->span_from[n] = from;
        office->span_to[n] = to;
        office->span_count++;
    }
    if (office->span_count == 0)
        return sw_zpl_fail(loader->zpl, loader->at, "%s/hours: no working interval given",
                           where);
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
static int s_parse_weekdays(s_loader_t *loader, sw_cal_office_t *office,
                            const char *where, const char *value)
{
    char token[64];
    office->weekdays = 0;
    for (const char *rest = value;
         (rest = sw_zpl_next_item(rest, token, sizeof token));) {
        const char *dash = strchr(token, '-');
        int first = s_parse_weekday(token, dash ? (size_t)(dash - token) : strlen(token));
        int last = dash ? s_parse_weekday(dash + 1, strlen(dash + 1)) : first;
        if (first < 0 || last < 0)
            return sw_zpl_fail(loader->zpl, loader->at,
                               "%s/weekdays: '%s' is not a weekday (mon..sun) or range",
                               where, token);
        for (int day = first;; day = (day + 1) % 7) {
            office->weekdays |= 1u << day;
            if (day == last)
                break;
        }
    }
    if (office->weekdays == 0)
        return sw_zpl_fail(loader->zpl, loader->at,
                           "%s/weekdays: no working weekday given", where);
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
    if (!sw_cal_date_valid(century * 100 + year, month, mday))
        return -1;
    *day = sw_cal_days_from_civil(century * 100 + year, month, mday);
    return 0;
}

/* ------------------------------------------------------------------------
   Loading: holiday and make-up day lists. */

static void s_days_push(s_days_t *days, int64_t day, bool working, int source)
{
    if (days->count == days->size) {
        days->size = days->size ? days->size * 2 : 32;
        days->items = sw_realloc(days->items, days->size * sizeof *days->items);
    }
    days->items[days->count++] = (sw_cal_exception_t){(int32_t)day, working, source};
}

static int s_exception_compare(const void *a, const void *b)
{
    const sw_cal_exception_t *x = a, *y = b;
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
        return sw_zpl_fail(
            loader->zpl, loader->at,
            "%s: '%s' is not a date YYYY-MM-DD or range YYYY-MM-DD..YYYY-MM-DD "
            "(years %d-%d)",
            where, entry, SW_CAL_FIRST_YEAR, SW_CAL_END_YEAR - 1);
    if (!dots)
        last = first;
    if (last < first || last - first >= S_MAX_RANGE_DAYS)
        return sw_zpl_fail(loader->zpl, loader->at,
                           "%s: range '%s' is reversed or longer than %d days", where,
                           entry, S_MAX_RANGE_DAYS);
    for (int64_t day = first; day <= last; day++)
        s_days_push(days, day, working, 0);
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
        return sw_zpl_fail(loader->zpl, loader->at,
                           "%s/%s: list the dates one per line below it "
                           "(e.g. '2026-10-01..2026-10-07 = 国庆节'), not as its value",
                           where, kind);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", where, kind);
    bool working = streq(kind, "workday");
    for (zconfig_t *entry = zconfig_child(list); entry; entry = zconfig_next(entry)) {
        loader->at = entry;
        if (zconfig_child(entry))
            return sw_zpl_fail(loader->zpl, loader->at, "%s/%s: a date has no children",
                               path, zconfig_name(entry));
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
        sw_cal_exception_t *a = &days->items[i - 1], *b = &days->items[i];
        if (a->day == b->day && a->working != b->working) {
            int y, m, d;
            sw_cal_civil_from_days(a->day, &y, &m, &d);
            return sw_zpl_fail(
                loader->zpl, loader->at,
                "%s: %04d-%02d-%02d is listed both as holiday and as workday", where, y,
                m, d);
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
            return sw_zpl_fail(loader->zpl, loader->at,
                               "%s: unknown key '%s' (expected holiday or workday)",
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
    loader->sets = sw_calloc(count ? count : 1, sizeof *loader->sets);
    for (zconfig_t *node = zconfig_child(holidays); node; node = zconfig_next(node)) {
        const char *name = zconfig_name(node);
        loader->at = node;
        if (s_loader_set(loader, name))
            return sw_zpl_fail(loader->zpl, loader->at,
                               "holidays/%s: holiday set defined twice", name);
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
    for (const char *rest = value;
         (rest = sw_zpl_next_item(rest, token, sizeof token));) {
        s_set_t *set = s_loader_set(loader, token);
        if (!set)
            return sw_zpl_fail(loader->zpl, loader->at,
                               "%s/holidays: no holiday set '%s' under holidays", where,
                               token);
        source++;
        for (size_t i = 0; i < set->days.count; i++)
            s_days_push(days, set->days.items[i].day, set->days.items[i].working, source);
    }
    return 0;
}

/* Name of the nth holiday set listed in value (n >= 1), into token. */
static void s_nth_token(const char *value, int n, char *token, size_t size)
{
    const char *rest = value;
    for (int i = 0; i < n && rest; i++)
        rest = sw_zpl_next_item(rest, token, size);
}

/* Merge sorted days into office->exceptions: the office's own entries
   (source 0) win; two sets that disagree on a date are an error. */
static int s_office_merge(s_loader_t *loader, sw_cal_office_t *office, s_days_t *days,
                          const char *where, const char *sets)
{
    s_days_sort(days);
    office->exceptions =
        sw_calloc(days->count ? days->count : 1, sizeof *office->exceptions);
    size_t n = 0;
    for (size_t i = 0; i < days->count; i++) {
        sw_cal_exception_t *item = &days->items[i];
        sw_cal_exception_t *kept = n > 0 ? &office->exceptions[n - 1] : NULL;
        if (!kept || kept->day != item->day) {
            office->exceptions[n++] = *item;
            continue;
        }
        if (kept->source != 0 && kept->working != item->working) {
            char a[128] = "", b[128] = "";
            int y, m, d;
            s_nth_token(sets, kept->source, a, sizeof a);
            s_nth_token(sets, item->source, b, sizeof b);
            sw_cal_civil_from_days(item->day, &y, &m, &d);
            return sw_zpl_fail(
                loader->zpl, loader->at,
                "%s/holidays: sets '%s' and '%s' disagree on %04d-%02d-%02d; "
                "list it under %s/holiday or %s/workday",
                where, a, b, y, m, d, where, where);
        }
    }
    office->exception_count = n;
    return 0;
}

/* The calendar's zone called name, added on first use. */
static sw_cal_zone_t *s_calendar_zone(sw_calendar_t *self, const char *name)
{
    for (size_t i = 0; i < self->zone_count; i++)
        if (streq(sw_cal_zone_name(self->zones[i]), name))
            return self->zones[i];
    self->zones = sw_realloc(self->zones, (self->zone_count + 1) * sizeof *self->zones);
    self->zones[self->zone_count] = sw_cal_zone_new(name);
    return self->zones[self->zone_count++];
}

static int s_office_zone(s_loader_t *loader, sw_calendar_t *self, sw_cal_office_t *office,
                         const char *where, const char *value)
{
    if (!sw_cal_zone_exists(value))
        return sw_zpl_fail(loader->zpl, loader->at,
                           "%s/zone: '%s' is not a time zone of the zoneinfo database",
                           where, value);
    office->zone = s_calendar_zone(self, value);
    return 0;
}

/* Read one key of an office; days collects its own holiday/workday lists. */
static int s_office_key(s_loader_t *loader, sw_calendar_t *self, sw_cal_office_t *office,
                        const char *where, zconfig_t *key, s_days_t *days)
{
    const char *name = zconfig_name(key);
    const char *value = sw_zpl_value(key);
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
    return sw_zpl_fail(
        loader->zpl, loader->at,
        "%s: unknown key '%s' (expected zone, hours, weekdays, holidays, holiday "
        "or workday)",
        where, name);
}

static int s_office_parse(s_loader_t *loader, sw_calendar_t *self,
                          sw_cal_office_t *office, zconfig_t *node, const char *where)
{
    s_days_t days = {NULL, 0, 0};
    office->weekdays = 0x3e; /* Monday to Friday */
    const char *sets = zconfig_get(node, "holidays", "");
    /* a key that holds one value may be given once */
    static const char *const singles[] = {"zone", "hours", "weekdays", "holidays", NULL};
    uint32_t seen = 0;
    int rc = 0, single;
    for (zconfig_t *key = zconfig_child(node); key && rc == 0; key = zconfig_next(key)) {
        loader->at = key;
        rc = sw_zpl_once(loader->zpl, key, where, singles, &seen, &single);
        if (rc == 0)
            rc = s_office_key(loader, self, office, where, key, &days);
    }
    loader->at = node;
    if (rc == 0 && !office->zone)
        rc = sw_zpl_fail(loader->zpl, loader->at,
                         "%s: missing 'zone' (e.g. zone = Asia/Shanghai)", where);
    if (rc == 0 && office->span_count == 0)
        rc = sw_zpl_fail(loader->zpl, loader->at,
                         "%s: missing 'hours' (e.g. hours = 08:30-12:00, 14:00-17:30)",
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

static sw_cal_office_t *s_office_new(s_loader_t *loader, sw_calendar_t *self,
                                     zconfig_t *node)
{
    const char *name = zconfig_name(node);
    char where[512];
    snprintf(where, sizeof where, "offices/%s", name);
    loader->at = node;
    for (size_t i = 0; i < self->office_count; i++)
        if (streq(self->offices[i]->name, name)) {
            sw_zpl_fail(loader->zpl, loader->at, "%s: office defined twice", where);
            return NULL;
        }
    sw_cal_office_t *office = sw_calloc(1, sizeof *office);
    office->name = sw_strdup(name);
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
        return sw_zpl_fail(loader->zpl, loader->at, "offices: no office defined");
    self->offices = sw_calloc(count, sizeof *self->offices);
    for (zconfig_t *node = zconfig_child(offices); node; node = zconfig_next(node)) {
        sw_cal_office_t *office = s_office_new(loader, self, node);
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
            return sw_zpl_fail(
                loader->zpl, loader->at,
                "%s: unknown key (expected version, holidays, offices or policies)",
                name);
        if (*slot)
            return sw_zpl_fail(loader->zpl, loader->at, "%s: section given twice", name);
        *slot = node;
    }
    loader->at = NULL;
    if (!offices)
        return sw_zpl_fail(loader->zpl, loader->at,
                           "offices: missing (a calendar needs at least one office)");
    if (holidays && s_parse_sets(loader, holidays) != 0)
        return -1;
    return s_parse_offices(loader, self, offices);
}

/* ------------------------------------------------------------------------
   Constructors and destructor. */

sw_calendar_t *sw_calendar_new_from_zpl(sw_zpl_t *zpl)
{
    s_loader_t loader = {zpl, NULL, 0, NULL};
    zconfig_t *root = sw_zpl_root(zpl);
    if (!root) {
        sw_zpl_fail(zpl, NULL, "no calendar given");
        return NULL;
    }
    sw_calendar_t *self = sw_calloc(1, sizeof *self);
    if (s_parse_root(&loader, self, root) != 0)
        sw_calendar_destroy(&self);
    s_loader_free(&loader);
    return self;
}

/* The calendar of what was read (NULL: refused, the error is set). */
static sw_calendar_t *s_new(sw_zpl_t **zpl_p)
{
    sw_calendar_t *self = *zpl_p ? sw_calendar_new_from_zpl(*zpl_p) : NULL;
    sw_zpl_destroy(zpl_p);
    return self;
}

sw_calendar_t *sw_calendar_new_from_zconfig(zconfig_t *config, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_tree(config, error);
    return s_new(&zpl);
}

sw_calendar_t *sw_calendar_new_from_text(const char *text, size_t len, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_text(text, len, &sw_calendar_limits, error);
    return s_new(&zpl);
}

sw_calendar_t *sw_calendar_new_from_file(const char *path, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_file(path, &sw_calendar_limits, error);
    return s_new(&zpl);
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
        sw_cal_zone_destroy(&self->zones[i]);
    free(self->zones);
    free(self);
    *self_p = NULL;
}
