/*  test_sw_calendar: working-time arithmetic on a working-day calendar.
    Cases are tables of local wall-clock times; the expected instants are
    computed independently of the module with TZ + mktime, so the zone code
    of sw_calendar is checked against glibc, not against itself. */
#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw_calendar.h"
#include "sw_test.h"

#define MINUTE (60 * 1000000LL)
#define HOUR   (60 * MINUTE)

/* Our own calendar, so that the test does not depend on the shipped file.
   Dates as in the 2026 arrangement, plus New Year 2027. */
static const char *s_calendar_text = "#   test calendar\n"
                                     "holidays\n"
                                     "    cn\n"
                                     "        holiday\n"
                                     "            2026-01-01..2026-01-03 = 元旦\n"
                                     "            2026-02-15..2026-02-23 = 春节\n"
                                     "            2026-10-01..2026-10-07 = 国庆节\n"
                                     "            2027-01-01..2027-01-03 = 元旦\n"
                                     "        workday\n"
                                     "            2026-02-14 = 春节调休 (Saturday)\n"
                                     "            2026-02-28 = 春节调休 (Saturday)\n"
                                     "            2026-09-20 = 国庆节调休 (Sunday)\n"
                                     "            2026-10-10 = 国庆节调休 (Saturday)\n"
                                     "offices\n"
                                     "    default\n"
                                     "        zone = Asia/Shanghai\n"
                                     "        hours = 08:30-12:00, 14:00-17:30\n"
                                     "        holidays = cn\n"
                                     "    hq\n"
                                     "        zone = Asia/Shanghai\n"
                                     "        hours = 08:30-12:00 14:00-17:30\n"
                                     "        weekdays = mon-fri\n"
                                     "        holidays = cn\n"
                                     "    berlin\n"
                                     "        zone = Europe/Berlin\n"
                                     "        hours = 09:00-17:00\n"
                                     "        weekdays = Mon-Fri\n"
                                     "        holiday\n"
                                     "            2026-04-03 = Karfreitag\n"
                                     "            2026-04-06 = Ostermontag\n"
                                     "    hotline\n"
                                     "        zone = Europe/Berlin\n"
                                     "        hours = 00:00-24:00\n"
                                     "        weekdays = mon-sun\n";

/* ------------------------------------------------------------------------
   The oracle: local text <-> UTC through glibc, TZ restored afterwards. */

static const char *s_zone_of(const char *office)
{
    if (strcmp(office, "berlin") == 0 || strcmp(office, "hotline") == 0)
        return ":Europe/Berlin";
    return ":Asia/Shanghai";
}

static char *s_tz_push(const char *tz)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    return saved;
}

static void s_tz_pop(char *saved)
{
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* "2026-09-30 16:00" in the office's zone, as UTC microseconds. */
static int64_t s_utc(const char *office, const char *text)
{
    struct tm tm = {0};
    if (sscanf(text, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min) != 5) {
        fprintf(stderr, "bad time in test table: %s\n", text);
        abort();
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    char *saved = s_tz_push(s_zone_of(office));
    time_t t = mktime(&tm);
    s_tz_pop(saved);
    return (int64_t)t * 1000000;
}

/* An instant as local text in the office's zone, for failure messages. */
static const char *s_local(const char *office, int64_t t_us, char *buffer, size_t size)
{
    if (t_us < 0) {
        snprintf(buffer, size, "%lld", (long long)t_us);
        return buffer;
    }
    time_t t = (time_t)(t_us / 1000000);
    struct tm tm;
    char *saved = s_tz_push(s_zone_of(office));
    localtime_r(&t, &tm);
    s_tz_pop(saved);
    strftime(buffer, size, "%Y-%m-%d %H:%M:%S %a", &tm);
    return buffer;
}

/* CHECK for instants, also printing local times when they differ. */
static void s_check_instant(const char *office, int64_t got, int64_t expected,
                            const char *what, const char *why)
{
    char a[64], b[64];
    bool ok = got == expected;
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "%s [%s] %s: got %s, expected %s\n", what, office, why,
                s_local(office, got, a, sizeof a),
                s_local(office, expected, b, sizeof b));
    }
}

static sw_calendar_t *s_calendar(void)
{
    char *error = (char *)"unset";
    sw_calendar_t *calendar =
        sw_calendar_new_from_text(s_calendar_text, strlen(s_calendar_text), &error);
    CHECK(calendar != NULL);
    CHECK(error == NULL);
    if (error)
        fprintf(stderr, "test calendar rejected: %s\n", error);
    free(error);
    return calendar;
}

/* ------------------------------------------------------------------------
   add_working */

typedef struct {
    const char *office;
    const char *start;    /* local time */
    int64_t minutes;      /* working minutes to add */
    const char *expected; /* local time */
    const char *why;
} s_add_case_t;

static const s_add_case_t s_add_cases[] = {
    {"hq", "2026-03-10 11:30", 60, "2026-03-10 14:30", "crosses the lunch break"},
    {"hq", "2026-03-10 11:30", 30, "2026-03-10 12:00", "ends as lunch starts"},
    {"hq", "2026-03-10 12:30", 60, "2026-03-10 15:00", "starts in the lunch break"},
    {"hq", "2026-03-10 08:30", 420, "2026-03-10 17:30", "a whole day"},
    {"hq", "2026-03-10 08:30", 421, "2026-03-11 08:31", "a day and a minute"},
    {"hq", "2026-03-10 07:00", 60, "2026-03-10 09:30", "starts early in the morning"},
    {"hq", "2026-03-10 19:00", 60, "2026-03-11 09:30", "starts in the evening"},
    {"hq", "2026-03-13 17:00", 60, "2026-03-16 09:00", "Friday over the weekend"},
    {"hq", "2026-03-14 10:00", 60, "2026-03-16 09:30", "starts on a Saturday"},
    {"hq", "2026-10-03 10:00", 60, "2026-10-08 09:30", "starts on a public holiday"},
    {"hq", "2026-09-30 17:00", 61, "2026-10-08 09:01", "R10: 61 minutes before 国庆"},
    {"hq", "2026-09-18 17:00", 60, "2026-09-20 09:00", "a make-up Sunday is worked"},
    {"hq", "2026-02-14 17:00", 60, "2026-02-24 09:00", "over the Spring Festival"},
    {"hq", "2026-12-31 17:00", 60, "2027-01-04 09:00", "over the year end"},
    {"hq", "2026-03-10 19:00", 0, "2026-03-11 08:30", "zero: next working instant"},
    {"hq", "2026-03-10 10:00", 0, "2026-03-10 10:00", "zero inside working hours"},
    {"hq", "2026-03-10 17:30", 0, "2026-03-11 08:30", "zero at closing time"},
    {"branch-7", "2026-03-10 11:30", 60, "2026-03-10 14:30", "unknown office: default"},
    {"berlin", "2026-03-27 16:00", 120, "2026-03-30 10:00", "over the March DST change"},
    {"berlin", "2026-10-23 16:00", 120, "2026-10-26 10:00",
     "over the October DST change"},
    {"berlin", "2026-04-02 16:00", 120, "2026-04-07 10:00", "over Easter"},
    {"hotline", "2026-03-28 12:00", 1440, "2026-03-29 13:00", "24 h over a 23 h day"},
    {"hotline", "2026-10-24 12:00", 1440, "2026-10-25 11:00", "24 h over a 25 h day"},
};

static void test_add_working(sw_calendar_t *calendar)
{
    for (size_t i = 0; i < sizeof s_add_cases / sizeof s_add_cases[0]; i++) {
        const s_add_case_t *c = &s_add_cases[i];
        int64_t got = sw_calendar_add_working(
            calendar, c->office, s_utc(c->office, c->start), c->minutes * MINUTE);
        s_check_instant(c->office, got, s_utc(c->office, c->expected), "add_working",
                        c->why);
    }
}

/* ------------------------------------------------------------------------
   add_working_days */

typedef struct {
    const char *office;
    const char *start;
    int days;
    const char *expected;
    const char *why;
} s_days_case_t;

static const s_days_case_t s_days_cases[] = {
    {"hq", "2026-03-10 10:00", 1, "2026-03-11 10:00", "next day, same time"},
    {"hq", "2026-03-13 16:00", 1, "2026-03-16 16:00", "Friday to Monday"},
    {"hq", "2026-09-30 16:00", 1, "2026-10-08 16:00", "last working day before 国庆"},
    {"hq", "2026-09-30 16:00", 2, "2026-10-09 16:00", "two days after 国庆 starts"},
    {"hq", "2026-09-30 16:00", 3, "2026-10-10 16:00", "make-up Saturday counts"},
    {"hq", "2026-09-30 16:00", 4, "2026-10-12 16:00", "then the Sunday is off"},
    {"hq", "2026-10-08 09:00", 1, "2026-10-09 09:00", "first working day after 国庆"},
    {"hq", "2026-09-18 10:00", 1, "2026-09-20 10:00", "make-up Sunday counts"},
    {"hq", "2026-02-13 10:00", 1, "2026-02-14 10:00", "make-up Saturday before 春节"},
    {"hq", "2026-02-13 10:00", 2, "2026-02-24 10:00", "over the Spring Festival"},
    {"hq", "2026-12-31 16:00", 1, "2027-01-04 16:00", "over the year end"},
    {"hq", "2026-03-10 07:00", 1, "2026-03-11 08:30", "early morning counts from 08:30"},
    {"hq", "2026-03-10 19:00", 1, "2026-03-12 08:30", "evening counts from next morning"},
    {"hq", "2026-03-10 12:30", 1, "2026-03-11 14:00", "lunch counts from 14:00"},
    {"hq", "2026-03-14 10:00", 1, "2026-03-17 08:30", "Saturday counts from Monday"},
    {"hq", "2026-10-02 10:00", 1, "2026-10-09 08:30", "holiday counts from 10-08"},
    {"hq", "2026-03-10 11:30", 0, "2026-03-10 11:30", "zero days"},
    {"hq", "2026-03-09 10:00", 10, "2026-03-23 10:00", "two weeks"},
    {"default", "2026-09-30 16:00", 1, "2026-10-08 16:00", "the default office"},
    {"berlin", "2026-03-27 10:00", 1, "2026-03-30 10:00", "same wall clock over DST"},
    {"berlin", "2026-10-23 10:00", 1, "2026-10-26 10:00", "same wall clock over DST"},
    {"berlin", "2026-04-02 10:00", 1, "2026-04-07 10:00", "over Easter"},
};

static void test_add_working_days(sw_calendar_t *calendar)
{
    for (size_t i = 0; i < sizeof s_days_cases / sizeof s_days_cases[0]; i++) {
        const s_days_case_t *c = &s_days_cases[i];
        int64_t got = sw_calendar_add_working_days(calendar, c->office,
                                                   s_utc(c->office, c->start), c->days);
        s_check_instant(c->office, got, s_utc(c->office, c->expected), "add_working_days",
                        c->why);
    }
    /* Across the March change the same wall clock is one hour less in UTC:
       Fri 10:00 CET = 09:00Z, Mon 10:00 CEST = 08:00Z. */
    struct tm friday = {.tm_year = 126, .tm_mon = 2, .tm_mday = 27, .tm_hour = 9};
    struct tm monday = {.tm_year = 126, .tm_mon = 2, .tm_mday = 30, .tm_hour = 8};
    int64_t got = sw_calendar_add_working_days(calendar, "berlin",
                                               (int64_t)timegm(&friday) * 1000000, 1);
    CHECK_EQ(got, (int64_t)timegm(&monday) * 1000000);
}

/* ------------------------------------------------------------------------
   working_between */

typedef struct {
    const char *office;
    const char *from;
    const char *to;
    int64_t minutes; /* expected working minutes */
    const char *why;
} s_between_case_t;

static const s_between_case_t s_between_cases[] = {
    {"hq", "2026-03-10 11:00", "2026-03-10 15:00", 120, "across lunch"},
    {"hq", "2026-03-10 12:10", "2026-03-10 13:50", 0, "inside lunch"},
    {"hq", "2026-03-13 16:00", "2026-03-16 10:00", 180, "across a weekend"},
    {"hq", "2026-03-09 00:00", "2026-03-16 00:00", 35 * 60, "a whole week"},
    {"hq", "2026-09-30 08:30", "2026-10-08 17:30", 14 * 60, "across 国庆"},
    {"hq", "2026-09-19 00:00", "2026-09-21 00:00", 7 * 60, "weekend with make-up Sunday"},
    {"hq", "2026-12-31 17:00", "2027-01-04 09:00", 60, "across the year end"},
    {"hq", "2026-03-10 15:00", "2026-03-10 11:00", 0, "reversed interval"},
    {"hq", "2026-03-10 11:00", "2026-03-10 11:00", 0, "empty interval"},
    {"berlin", "2026-03-27 16:00", "2026-03-30 10:00", 120, "across the DST weekend"},
    {"hotline", "2026-03-29 00:00", "2026-03-30 00:00", 23 * 60, "the 23 h day"},
    {"hotline", "2026-10-25 00:00", "2026-10-26 00:00", 25 * 60, "the 25 h day"},
};

static void test_working_between(sw_calendar_t *calendar)
{
    for (size_t i = 0; i < sizeof s_between_cases / sizeof s_between_cases[0]; i++) {
        const s_between_case_t *c = &s_between_cases[i];
        int64_t got = sw_calendar_working_between(
            calendar, c->office, s_utc(c->office, c->from), s_utc(c->office, c->to));
        bool ok = got == c->minutes * MINUTE;
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "working_between [%s] %s: got %lld us, expected %lld min\n",
                    c->office, c->why, (long long)got, (long long)c->minutes);
        }
    }
}

/* ------------------------------------------------------------------------
   end_of_working_day and is_working_day */

typedef struct {
    const char *office;
    const char *at;
    const char *expected;
    const char *why;
} s_end_case_t;

static const s_end_case_t s_end_cases[] = {
    {"hq", "2026-03-10 10:00", "2026-03-10 17:30", "during the day"},
    {"hq", "2026-03-10 07:00", "2026-03-10 17:30", "before opening"},
    {"hq", "2026-03-10 13:00", "2026-03-10 17:30", "at lunch"},
    {"hq", "2026-03-10 17:30", "2026-03-11 17:30", "at closing time"},
    {"hq", "2026-03-10 18:00", "2026-03-11 17:30", "after hours"},
    {"hq", "2026-03-14 10:00", "2026-03-16 17:30", "on a Saturday"},
    {"hq", "2026-09-30 18:00", "2026-10-08 17:30", "evening before 国庆"},
    {"hq", "2026-10-10 09:00", "2026-10-10 17:30", "on a make-up Saturday"},
    {"berlin", "2026-03-29 10:00", "2026-03-30 17:00", "Sunday of the DST change"},
};

static void test_end_of_working_day(sw_calendar_t *calendar)
{
    for (size_t i = 0; i < sizeof s_end_cases / sizeof s_end_cases[0]; i++) {
        const s_end_case_t *c = &s_end_cases[i];
        int64_t got =
            sw_calendar_end_of_working_day(calendar, c->office, s_utc(c->office, c->at));
        s_check_instant(c->office, got, s_utc(c->office, c->expected),
                        "end_of_working_day", c->why);
    }
}

typedef struct {
    const char *office;
    int y, m, d;
    bool working;
} s_day_case_t;

static const s_day_case_t s_day_cases[] = {
    {"hq", 2026, 3, 10, true},      {"hq", 2026, 3, 14, false},
    {"hq", 2026, 10, 1, false},     {"hq", 2026, 10, 7, false},
    {"hq", 2026, 10, 8, true},      {"hq", 2026, 10, 10, true},
    {"hq", 2026, 10, 11, false},    {"hq", 2026, 9, 20, true},
    {"hq", 2026, 2, 14, true},      {"hq", 2026, 2, 23, false},
    {"hq", 2027, 1, 1, false},      {"hq", 2027, 1, 4, true},
    {"hq", 2026, 2, 30, false},     {"hq", 1969, 12, 31, false},
    {"berlin", 2026, 4, 3, false},  {"berlin", 2026, 10, 1, true},
    {"hotline", 2026, 3, 29, true}, {"nowhere", 2026, 10, 1, false},
};

static void test_is_working_day(sw_calendar_t *calendar)
{
    for (size_t i = 0; i < sizeof s_day_cases / sizeof s_day_cases[0]; i++) {
        const s_day_case_t *c = &s_day_cases[i];
        bool got = sw_calendar_is_working_day(calendar, c->office, c->y, c->m, c->d);
        bool ok = got == c->working;
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "is_working_day [%s] %04d-%02d-%02d: got %d\n", c->office,
                    c->y, c->m, c->d, got);
        }
    }
}

/* ------------------------------------------------------------------------
   Local time conversions, offices, out-of-range input. */

static void test_local_time(sw_calendar_t *calendar)
{
    /* 02:30 does not exist on 2026-03-29 in Berlin: moved to 03:30 CEST. */
    struct tm gap = {
        .tm_year = 126, .tm_mon = 2, .tm_mday = 29, .tm_hour = 1, .tm_min = 30};
    CHECK_EQ(sw_calendar_local_to_utc(calendar, "berlin", 2026, 3, 29, 2, 30, 0),
             (int64_t)timegm(&gap) * 1000000);
    /* 02:30 happens twice on 2026-10-25: the earlier one, 02:30 CEST. */
    struct tm twice = {
        .tm_year = 126, .tm_mon = 9, .tm_mday = 25, .tm_hour = 0, .tm_min = 30};
    CHECK_EQ(sw_calendar_local_to_utc(calendar, "berlin", 2026, 10, 25, 2, 30, 0),
             (int64_t)timegm(&twice) * 1000000);
    CHECK_EQ(sw_calendar_local_to_utc(calendar, "hq", 2026, 10, 1, 8, 30, 0),
             s_utc("hq", "2026-10-01 08:30"));
    CHECK_EQ(sw_calendar_local_to_utc(calendar, "hq", 2026, 2, 29, 8, 30, 0), -1);
    CHECK_EQ(sw_calendar_local_to_utc(calendar, "hq", 2026, 2, 1, 24, 0, 0), -1);

    sw_calendar_local_t local;
    CHECK_EQ(sw_calendar_to_local(calendar, "berlin", s_utc("berlin", "2026-07-01 09:15"),
                                  &local),
             0);
    CHECK_EQ(local.year, 2026);
    CHECK_EQ(local.month, 7);
    CHECK_EQ(local.day, 1);
    CHECK_EQ(local.hour, 9);
    CHECK_EQ(local.minute, 15);
    CHECK_EQ(local.weekday, 3);
    CHECK_EQ(local.utc_offset, 7200);
    CHECK_EQ(
        sw_calendar_to_local(calendar, "hq", s_utc("hq", "2026-01-01 00:00"), &local), 0);
    CHECK_EQ(local.utc_offset, 8 * 3600);
    CHECK_EQ(local.day, 1);
}

static void test_offices(sw_calendar_t *calendar)
{
    CHECK(sw_calendar_has_office(calendar, "hq"));
    CHECK(sw_calendar_has_office(calendar, "default"));
    CHECK(!sw_calendar_has_office(calendar, "branch-7"));
    CHECK(!sw_calendar_has_office(calendar, NULL));
    CHECK_STR(sw_calendar_zone(calendar, "berlin"), "Europe/Berlin");
    CHECK_STR(sw_calendar_zone(calendar, "branch-7"), "Asia/Shanghai");
    CHECK_STR(sw_calendar_zone(calendar, NULL), "Asia/Shanghai");

    int64_t start = s_utc("hq", "2026-03-10 10:00");
    CHECK_EQ(sw_calendar_add_working(calendar, "hq", -1, HOUR), -1);
    CHECK_EQ(sw_calendar_add_working(calendar, "hq", start, -1), -1);
    CHECK_EQ(sw_calendar_add_working_days(calendar, "hq", start, -1), -1);
    CHECK_EQ(sw_calendar_add_working(calendar, "hq", 13569465600000000LL, HOUR), -1);
    CHECK_EQ(sw_calendar_working_between(calendar, "hq", -5, start), -1);
    CHECK_EQ(sw_calendar_add_working(NULL, "hq", start, HOUR), -1);

    /* Without a "default" office, an unknown office is an error. */
    const char *text = "offices\n    berlin\n        zone = Europe/Berlin\n"
                       "        hours = 09:00-17:00\n";
    sw_calendar_t *abroad = sw_calendar_new_from_text(text, strlen(text), NULL);
    CHECK(abroad != NULL);
    CHECK_EQ(sw_calendar_add_working(abroad, "hq", start, HOUR), -1);
    CHECK_EQ(sw_calendar_add_working(abroad, NULL, start, HOUR), -1);
    CHECK_EQ(sw_calendar_add_working_days(abroad, "hq", start, 1), -1);
    CHECK_EQ(sw_calendar_working_between(abroad, "hq", start, start + HOUR), -1);
    CHECK_EQ(sw_calendar_end_of_working_day(abroad, "hq", start), -1);
    CHECK(!sw_calendar_is_working_day(abroad, "hq", 2026, 3, 10));
    CHECK(sw_calendar_is_working_day(abroad, "berlin", 2026, 3, 10));
    CHECK(sw_calendar_zone(abroad, "hq") == NULL);
    sw_calendar_destroy(&abroad);
    CHECK(abroad == NULL);
    sw_calendar_destroy(&abroad);
}

/* An office's own lists override its sets: a company day off on a make-up
   Saturday, and an extra working day. */
static void test_own_days_override_sets(void)
{
    const char *text = "holidays\n"
                       "    cn\n"
                       "        holiday\n"
                       "            2026-10-01..2026-10-07\n"
                       "        workday\n"
                       "            2026-10-10\n"
                       "offices\n"
                       "    plant\n"
                       "        zone = Asia/Shanghai\n"
                       "        hours = 08:00-16:00\n"
                       "        weekdays = mon-fri, sat\n"
                       "        holidays = cn\n"
                       "        holiday\n"
                       "            2026-10-10 = plant closed\n"
                       "        workday\n"
                       "            2026-10-07 = stock-taking\n";
    char *error = NULL;
    sw_calendar_t *calendar = sw_calendar_new_from_text(text, strlen(text), &error);
    CHECK(calendar != NULL);
    CHECK(!sw_calendar_is_working_day(calendar, "plant", 2026, 10, 10));
    CHECK(sw_calendar_is_working_day(calendar, "plant", 2026, 10, 7));
    CHECK(!sw_calendar_is_working_day(calendar, "plant", 2026, 10, 6));
    CHECK(sw_calendar_is_working_day(calendar, "plant", 2026, 10, 17)); /* a Saturday */
    CHECK(!sw_calendar_is_working_day(calendar, "plant", 2026, 10, 18));
    free(error);
    sw_calendar_destroy(&calendar);
}

/* ------------------------------------------------------------------------
   Bad calendars are rejected with a message naming the place. */

typedef struct {
    const char *text;
    const char *message; /* expected in the error */
} s_bad_case_t;

#define S_OFFICE_HEAD "offices\n    hq\n        zone = Asia/Shanghai\n"

static const s_bad_case_t s_bad_cases[] = {
    {"", "offices: missing"},
    {"offices\n", "line 1: offices: no office defined"},
    {"offics\n    hq\n", "line 1: offics: unknown key"},
    {S_OFFICE_HEAD "        hours = 8:30-12\n",
     "line 4: offices/hq/hours: '8:30-12' is not HH:MM-HH:MM"},
    {S_OFFICE_HEAD "        hours = 08:30-12:00 14:00-25:00\n",
     "offices/hq/hours: '14:00-25:00' is not HH:MM-HH:MM"},
    {S_OFFICE_HEAD "        hours = 12:00-08:30\n",
     "'12:00-08:30' ends before it starts"},
    {S_OFFICE_HEAD "        hours = 08:30-12:00, 11:00-13:00\n",
     "'11:00-13:00' overlaps or precedes"},
    {S_OFFICE_HEAD "        hours = , \n", "offices/hq/hours: no working interval"},
    {S_OFFICE_HEAD, "line 2: offices/hq: missing 'hours'"},
    {"offices\n    hq\n        hours = 09:00-17:00\n", "offices/hq: missing 'zone'"},
    {"offices\n    hq\n        zone = Asia/Shanghia\n        hours = 09:00-17:00\n",
     "offices/hq/zone: 'Asia/Shanghia' is not a time zone"},
    {"offices\n    hq\n        zone = ../../etc/passwd\n        hours = 09:00-17:00\n",
     "offices/hq/zone: '../../etc/passwd' is not a time zone"},
    {S_OFFICE_HEAD "        zone = UTC\n        hours = 09:00-17:00\n",
     "line 4: offices/hq/zone: given twice"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n        weekdays = mon-fry\n",
     "offices/hq/weekdays: 'mon-fry' is not a weekday"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n        holliday\n",
     "offices/hq: unknown key 'holliday'"},
    {S_OFFICE_HEAD
     "        hours = 09:00-17:00\n        holiday\n            2026-02-30\n",
     "line 6: offices/hq/holiday: '2026-02-30' is not a date"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n        holiday\n            26-10-01\n",
     "offices/hq/holiday: '26-10-01' is not a date"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n        holiday = 2026-10-01\n",
     "offices/hq/holiday: list the dates one per line"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n        holiday\n"
                   "            2026-10-07..2026-10-01\n",
     "range '2026-10-07..2026-10-01' is reversed"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n        holidays = cn-2025\n",
     "line 5: offices/hq/holidays: no holiday set 'cn-2025' under holidays"},
    {"holidays\n    cn\n        holiday\n            2026-10-01..2026-10-07\n"
     "        workday\n            2026-10-01\n" S_OFFICE_HEAD
     "        hours = 09:00-17:00\n",
     "line 2: holidays/cn: 2026-10-01 is listed both as holiday and as workday"},
    {"holidays\n    cn\n        vacation\n" S_OFFICE_HEAD "        hours = 09:00-17:00\n",
     "holidays/cn: unknown key 'vacation'"},
    {"holidays\n    a\n        holiday\n            2026-10-10\n"
     "    b\n        workday\n            2026-10-10\n" S_OFFICE_HEAD
     "        hours = 09:00-17:00\n        holidays = a b\n",
     "line 12: offices/hq/holidays: sets 'a' and 'b' disagree on 2026-10-10"},
    {S_OFFICE_HEAD "        hours = 09:00-17:00\n    hq\n        zone = UTC\n"
                   "        hours = 09:00-17:00\n",
     "line 5: offices/hq: office defined twice"},
    /* lines are counted with comments and blank lines */
    {"# a calendar\n\noffices\n    # the head office\n    hq\n"
     "        zone = Asia/Shanghia # typo\n        hours = 09:00-17:00\n",
     "line 6: offices/hq/zone: 'Asia/Shanghia' is not a time zone"},
    {"offices\n    hq\n      zone = Asia/Shanghai\n", "line 3: not valid ZPL"},
    {"#   comment\noffices\n    hq\n        zone = \"Asia/Shanghai\n",
     "line 4: not valid ZPL"},
};

static void test_bad_calendars(void)
{
    for (size_t i = 0; i < sizeof s_bad_cases / sizeof s_bad_cases[0]; i++) {
        const s_bad_case_t *c = &s_bad_cases[i];
        char *error = NULL;
        sw_calendar_t *calendar =
            sw_calendar_new_from_text(c->text, strlen(c->text), &error);
        bool ok = !calendar && error && strstr(error, c->message);
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "bad calendar %zu: got '%s', expected '%s'\n", i,
                    error ? error : "(accepted)", c->message);
        }
        free(error);
        sw_calendar_destroy(&calendar);
    }
    /* A syntax error deep in a longer text is found by its line. */
    char text[4096], expected[64];
    int lines = 0;
    for (const char *c = s_calendar_text; *c; c++)
        lines += *c == '\n';
    snprintf(text, sizeof text, "%s    x\n        hours = \"09:00-17:00\n    y\n",
             s_calendar_text);
    snprintf(expected, sizeof expected, "line %d: not valid ZPL", lines + 2);
    char *message = NULL;
    CHECK(sw_calendar_new_from_text(text, strlen(text), &message) == NULL);
    CHECK(message && strstr(message, expected));
    free(message);

    /* Length counts, not the NUL; a NUL inside is refused. */
    const char nul[] = "offices\n\0    hq\n";
    char *error = NULL;
    CHECK(sw_calendar_new_from_text(nul, sizeof nul - 1, &error) == NULL);
    CHECK(error && strstr(error, "NUL"));
    free(error);
    CHECK(sw_calendar_new_from_text(s_calendar_text, 8, NULL) == NULL); /* "#   test" */

    error = NULL;
    CHECK(sw_calendar_new_from_file("/nonexistent/cal.conf", &error) == NULL);
    CHECK(error && strstr(error, "/nonexistent/cal.conf: "));
    free(error);
}

/* ------------------------------------------------------------------------
   Properties over many instants, the shipped file, TZ hygiene, timing. */

static uint64_t s_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 33;
}

/* For any start and amount: the working time between start and
   add_working(start, w) is w, and deadlines are working instants. */
static void test_properties(sw_calendar_t *calendar)
{
    static const char *offices[] = {"hq", "berlin", "hotline"};
    int64_t year_start = s_utc("hq", "2026-01-01 00:00");
    uint64_t state = 2026;
    int failures = 0;
    for (int i = 0; i < 3000; i++) {
        const char *office = offices[i % 3];
        int64_t start =
            year_start + (int64_t)(s_random(&state) % (366ULL * 86400)) * 1000000;
        int64_t amount = (int64_t)(s_random(&state) % (3 * 7 * 3600) + 1) * 1000000;
        int64_t due = sw_calendar_add_working(calendar, office, start, amount);
        if (due <= start ||
            sw_calendar_working_between(calendar, office, start, due) != amount)
            failures++;
        int64_t days = sw_calendar_add_working_days(calendar, office, start, i % 5);
        if (days < start || sw_calendar_add_working(calendar, office, days, 0) != days)
            failures++;
        if (sw_calendar_end_of_working_day(calendar, office, start) <= start)
            failures++;
    }
    CHECK_EQ(failures, 0);
}

/* The zone tables agree with glibc at random instants from 1970 to 2399, in
   zones with odd histories (Ramadan DST, half-hour DST, a skipped day). */
static void test_zone_tables(void)
{
    static const char *zones[] = {
        "Europe/Berlin",     "Asia/Shanghai", "Africa/Casablanca", "Australia/Lord_Howe",
        "America/Sao_Paulo", "Pacific/Apia",  "America/New_York",  "Asia/Kolkata"};
    enum { ZONES = sizeof zones / sizeof zones[0] };
    char text[2048] = "offices\n";
    for (int i = 0; i < ZONES; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used,
                 "    z%d\n        zone = %s\n        hours = 09:00-17:00\n", i,
                 zones[i]);
    }
    sw_calendar_t *calendar = sw_calendar_new_from_text(text, strlen(text), NULL);
    CHECK(calendar != NULL);
    uint64_t state = 1;
    int mismatches = 0;
    for (int i = 0; i < 2400; i++) {
        int zone = i % ZONES;
        char office[8], tz[64];
        snprintf(office, sizeof office, "z%d", zone);
        snprintf(tz, sizeof tz, ":%s", zones[zone]);
        time_t t = (time_t)(s_random(&state) * 4096 % 13569465600ULL);
        struct tm tm;
        char *saved = s_tz_push(tz);
        localtime_r(&t, &tm);
        s_tz_pop(saved);
        sw_calendar_local_t local;
        if (sw_calendar_to_local(calendar, office, (int64_t)t * 1000000, &local) != 0 ||
            local.utc_offset != tm.tm_gmtoff || local.hour != tm.tm_hour ||
            local.day != tm.tm_mday || local.year != tm.tm_year + 1900) {
            mismatches++;
            fprintf(stderr, "zone %s at %lld: offset %d, glibc %ld\n", zones[zone],
                    (long long)t, local.utc_offset, tm.tm_gmtoff);
        }
    }
    CHECK_EQ(mismatches, 0);
    sw_calendar_destroy(&calendar);
}

static void test_shipped_file(void)
{
    char *error = NULL;
    sw_calendar_t *calendar = sw_calendar_new_from_file(
        SHOUWEN_SOURCE_DIR "/deploy/calendar/cn-2026.conf", &error);
    CHECK(calendar != NULL);
    if (error)
        fprintf(stderr, "shipped calendar rejected: %s\n", error);
    free(error);
    CHECK(sw_calendar_has_office(calendar, "default"));
    CHECK(sw_calendar_has_office(calendar, "hq"));
    CHECK(sw_calendar_has_office(calendar, "berlin"));
    CHECK(sw_calendar_is_working_day(calendar, "hq", 2026, 1, 4));
    CHECK(!sw_calendar_is_working_day(calendar, "hq", 2026, 2, 16));
    CHECK(sw_calendar_is_working_day(calendar, "hq", 2026, 9, 20));
    CHECK(!sw_calendar_is_working_day(calendar, "hq", 2026, 10, 1));
    CHECK(!sw_calendar_is_working_day(calendar, "hq", 2027, 1, 1));
    CHECK(!sw_calendar_is_working_day(calendar, "berlin", 2026, 4, 3));
    CHECK(sw_calendar_is_working_day(calendar, "berlin", 2026, 10, 1));
    int64_t start = s_utc("hq", "2026-09-30 16:00");
    s_check_instant("hq", sw_calendar_add_working_days(calendar, "hq", start, 1),
                    s_utc("hq", "2026-10-08 16:00"), "shipped", "1 day before 国庆");
    s_check_instant("hq", sw_calendar_add_working_days(calendar, "branch-9", start, 3),
                    s_utc("hq", "2026-10-10 16:00"), "shipped", "default office");
    sw_calendar_destroy(&calendar);
}

/* The calendar switches TZ only briefly and puts it back as it was. */
static void test_tz_restored(void)
{
    static const char *before[] = {"America/New_York", NULL};
    for (int i = 0; i < 2; i++) {
        if (before[i])
            setenv("TZ", before[i], 1);
        else
            unsetenv("TZ");
        tzset();
        sw_calendar_t *calendar = s_calendar();
        sw_calendar_add_working(calendar, "berlin", s_utc("berlin", "2031-05-05 10:00"),
                                HOUR);
        const char *now = getenv("TZ");
        CHECK(before[i] ? now && strcmp(now, before[i]) == 0 : now == NULL);
        sw_calendar_destroy(&calendar);
    }
    unsetenv("TZ");
    tzset();
}

static double s_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_timing(sw_calendar_t *calendar)
{
    enum { CALLS = 100000 };
    int64_t year_start = s_utc("hq", "2026-01-01 00:00");
    uint64_t state = 7;
    int answered = 0;
    double begin = s_seconds();
    for (int i = 0; i < CALLS; i++) {
        int64_t start =
            year_start + (int64_t)(s_random(&state) % (366ULL * 86400)) * 1000000;
        answered +=
            sw_calendar_add_working_days(calendar, "hq", start, 1 + i % 5) > start;
    }
    double days = s_seconds() - begin;
    begin = s_seconds();
    for (int i = 0; i < CALLS; i++) {
        int64_t start =
            year_start + (int64_t)(s_random(&state) % (366ULL * 86400)) * 1000000;
        answered += sw_calendar_add_working(calendar, "berlin", start,
                                            (1 + i % 16) * HOUR) > start;
    }
    double working = s_seconds() - begin;
    CHECK_EQ(answered, 2 * CALLS);
    printf("timing: %d add_working_days (hq, 1-5 days) in %.3f s = %.2f us/call\n", CALLS,
           days, days * 1e6 / CALLS);
    printf("timing: %d add_working (berlin, 1-16 h) in %.3f s = %.2f us/call\n", CALLS,
           working, working * 1e6 / CALLS);
    sw_calendar_t *fresh = s_calendar();
    begin = s_seconds();
    CHECK(sw_calendar_add_working(fresh, "hq", s_utc("hq", "2031-05-05 10:00"), HOUR) >
          0);
    double cold = s_seconds() - begin;
    sw_calendar_destroy(&fresh);
    printf("timing: first call in a new year (zone table filled) %.2f ms\n", cold * 1e3);
    fflush(stdout);
}

int main(void)
{
    sw_calendar_t *calendar = s_calendar();
    if (!calendar)
        SW_TEST_DONE();
    test_add_working(calendar);
    test_add_working_days(calendar);
    test_working_between(calendar);
    test_end_of_working_day(calendar);
    test_is_working_day(calendar);
    test_local_time(calendar);
    test_offices(calendar);
    test_own_days_override_sets();
    test_bad_calendars();
    test_properties(calendar);
    test_zone_tables();
    test_shipped_file();
    test_tz_restored();
    test_timing(calendar);
    sw_calendar_destroy(&calendar);
    CHECK(calendar == NULL);
    SW_TEST_DONE();
}
