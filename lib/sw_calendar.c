/*  sw_calendar: the working-time arithmetic of the working-day calendar
    (工作日历, sw_calendar.h; docs/calendar.md).

    A working day's intervals are turned into UTC spans through the
    office's time zone (sw_calendar_zone.c); adding working time, counting
    working days and measuring working time walk those spans day by day.
    The calendar is loaded by sw_calendar_load.c; what the files share is
    in sw_calendar_int.h. */
#include "sw_calendar_int.h"

#define S_END_DAY 157054LL /* day number of 2400-01-01 */
#define S_END_US  (S_END_DAY * SW_CAL_SECS_PER_DAY * SW_CAL_US_PER_SEC)

/* A UTC span of working time. */
typedef struct {
    int64_t start, end; /* [start, end) in UTC microseconds */
} s_span_t;

/* ------------------------------------------------------------------------
   Civil dates (Howard Hinnant's algorithms). */

int64_t sw_cal_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t sw_cal_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sw_cal_civil_from_days(int64_t z, int *y, int *m, int *d)
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

bool sw_cal_date_valid(int y, int m, int d)
{
    static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < SW_CAL_FIRST_YEAR || y >= SW_CAL_END_YEAR || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days_in[m - 1] + (m == 2 && leap);
}

/* ------------------------------------------------------------------------
   Offices: working days and their spans. */

static bool s_office_works(const sw_cal_office_t *office, int64_t day)
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
static int s_office_spans(const sw_cal_office_t *office, int64_t day, s_span_t *spans)
{
    if (!s_office_works(office, day))
        return 0;
    int64_t midnight = day * SW_CAL_SECS_PER_DAY;
    int count = 0;
    for (int i = 0; i < office->span_count; i++) {
        int64_t from, to;
        if (sw_cal_zone_to_utc(office->zone, midnight + office->span_from[i], &from) !=
                0 ||
            sw_cal_zone_to_utc(office->zone, midnight + office->span_to[i], &to) != 0)
            return -1;
        if (to > from) {
            spans[count].start = from * SW_CAL_US_PER_SEC;
            spans[count].end = to * SW_CAL_US_PER_SEC;
            count++;
        }
    }
    return count;
}

/* Where an instant falls in the office's zone. */
typedef struct {
    int64_t day;     /* local day number */
    int64_t seconds; /* whole seconds since its midnight */
    int32_t offset;  /* UTC offset in force, seconds east */
} s_local_t;

/* Instant t_us in the office's zone; 0, or -1 if the zone table is
   unavailable. */
static int s_office_local(const sw_cal_office_t *office, int64_t t_us, s_local_t *local)
{
    int64_t t = sw_cal_floor_div(t_us, SW_CAL_US_PER_SEC);
    local->offset = sw_cal_zone_offset(office->zone, t);
    if (local->offset == SW_CAL_NO_OFFSET)
        return -1;
    local->day = sw_cal_floor_div(t + local->offset, SW_CAL_SECS_PER_DAY);
    local->seconds = t + local->offset - local->day * SW_CAL_SECS_PER_DAY;
    return 0;
}

/* Local day number holding instant t_us, or INT64_MIN on error. */
static int64_t s_office_local_day(const sw_cal_office_t *office, int64_t t_us)
{
    s_local_t local;
    return s_office_local(office, t_us, &local) == 0 ? local.day : INT64_MIN;
}

/* ------------------------------------------------------------------------
   Queries. */

/* The office called name, else the "default" office, else NULL. */
static sw_cal_office_t *s_office_find(sw_calendar_t *self, const char *name)
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
    sw_cal_office_t *found = s_office_find(self, office);
    return found ? sw_cal_zone_name(found->zone) : NULL;
}

/* Walk working spans from the day holding start_us: the instant at which
   `working` microseconds have elapsed (0: the first working instant). */
static int64_t s_add_working(sw_cal_office_t *office, int64_t start_us, int64_t working)
{
    int64_t day = s_office_local_day(office, start_us);
    if (day == INT64_MIN)
        return -1;
    for (day = day - 1; day < S_END_DAY; day++) {
        s_span_t spans[SW_CAL_MAX_SPANS];
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
    sw_cal_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(start_us) || working_us < 0)
        return -1;
    return s_add_working(found, start_us, working_us);
}

int64_t sw_calendar_add_working_days(sw_calendar_t *self, const char *office,
                                     int64_t start_us, int days)
{
    sw_cal_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(start_us) || days < 0)
        return -1;
    int64_t first = s_add_working(found, start_us, 0);
    if (first < 0 || days == 0)
        return first;
    s_local_t local;
    if (s_office_local(found, first, &local) != 0)
        return -1;
    int64_t day = local.day;
    int counted = 0;
    while (counted < days) {
        if (++day >= S_END_DAY)
            return -1;
        if (s_office_works(found, day))
            counted++;
    }
    int64_t target;
    if (sw_cal_zone_to_utc(found->zone, day * SW_CAL_SECS_PER_DAY + local.seconds,
                           &target) != 0)
        return -1;
    int64_t fraction =
        first - sw_cal_floor_div(first, SW_CAL_US_PER_SEC) * SW_CAL_US_PER_SEC;
    int64_t target_us = target * SW_CAL_US_PER_SEC + fraction;
    return s_instant_ok(target_us) ? s_add_working(found, target_us, 0) : -1;
}

int64_t sw_calendar_working_between(sw_calendar_t *self, const char *office,
                                    int64_t from_us, int64_t to_us)
{
    sw_cal_office_t *found = s_office_find(self, office);
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
        s_span_t spans[SW_CAL_MAX_SPANS];
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
    sw_cal_office_t *found = s_office_find(self, office);
    if (!found || !sw_cal_date_valid(y, m, d))
        return false;
    return s_office_works(found, sw_cal_days_from_civil(y, m, d));
}

int64_t sw_calendar_end_of_working_day(sw_calendar_t *self, const char *office,
                                       int64_t t_us)
{
    sw_cal_office_t *found = s_office_find(self, office);
    if (!found || !s_instant_ok(t_us))
        return -1;
    int64_t day = s_office_local_day(found, t_us);
    if (day == INT64_MIN)
        return -1;
    for (; day < S_END_DAY; day++) {
        s_span_t spans[SW_CAL_MAX_SPANS];
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
    sw_cal_office_t *found = s_office_find(self, office);
    if (!found || !sw_cal_date_valid(y, m, d) || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 59)
        return -1;
    int64_t local =
        sw_cal_days_from_civil(y, m, d) * SW_CAL_SECS_PER_DAY + hh * 3600 + mm * 60 + ss;
    int64_t utc;
    if (sw_cal_zone_to_utc(found->zone, local, &utc) != 0)
        return -1;
    return s_instant_ok(utc * SW_CAL_US_PER_SEC) ? utc * SW_CAL_US_PER_SEC : -1;
}

int sw_calendar_to_local(sw_calendar_t *self, const char *office, int64_t t_us,
                         sw_calendar_local_t *local)
{
    sw_cal_office_t *found = s_office_find(self, office);
    if (!found || !local || !s_instant_ok(t_us))
        return -1;
    s_local_t at;
    if (s_office_local(found, t_us, &at) != 0)
        return -1;
    sw_cal_civil_from_days(at.day, &local->year, &local->month, &local->day);
    local->hour = (int)(at.seconds / 3600);
    local->minute = (int)(at.seconds / 60 % 60);
    local->second = (int)(at.seconds % 60);
    local->weekday = s_weekday(at.day);
    local->utc_offset = at.offset;
    return 0;
}
