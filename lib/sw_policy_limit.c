/*  sw_policy_limit: one time limit (sw_limit_t of sw_policy.h) — read from
    its text ("1 working hour", "same working day", "2 days"), written
    back, and counted on the office calendar: when it ends and when its
    warning falls. */
#include "sw_policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_DAYS   366 /* longest limit in days */
#define S_US_PER_MIN (60LL * 1000000)

static int s_word(const char **p, char *out, size_t size)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
    size_t n = 0;
    while (**p && **p != ' ' && **p != '\t') {
        if (n + 1 < size)
            out[n++] = (char)tolower((unsigned char)**p);
        (*p)++;
    }
    out[n] = 0;
    return n > 0 ? 0 : -1;
}

int sw_limit_parse(const char *text, sw_limit_t *out)
{
    if (!text || !out)
        return -1;
    char w1[24], w2[24], w3[24], w4[24];
    const char *p = text;
    int words = 0;
    words += s_word(&p, w1, sizeof w1) == 0;
    words += words == 1 && s_word(&p, w2, sizeof w2) == 0;
    words += words == 2 && s_word(&p, w3, sizeof w3) == 0;
    words += words == 3 && s_word(&p, w4, sizeof w4) == 0;
    if (words == 4)
        return -1;
    if ((words == 3 && streq(w1, "same") && streq(w2, "working") && streq(w3, "day")) ||
        (words == 2 && streq(w1, "same") && streq(w2, "day"))) {
        out->unit = SW_UNIT_SAME_DAY;
        out->amount = 0;
        return 0;
    }
    if (words < 2 || !isdigit((unsigned char)w1[0]) || strlen(w1) > 6)
        return -1;
    char *end;
    long amount = strtol(w1, &end, 10);
    if (*end || amount <= 0)
        return -1;
    bool working = words == 3 && streq(w2, "working");
    if (words == 3 && !working)
        return -1;
    const char *unit = words == 3 ? w3 : w2;
    size_t len = strlen(unit);
    if (len > 1 && unit[len - 1] == 's')
        len--; /* plural */
    long minutes = 0;
    if (len == 6 && strncmp(unit, "minute", 6) == 0)
        minutes = amount;
    else if (len == 4 && strncmp(unit, "hour", 4) == 0)
        minutes = amount * 60;
    else if (len == 3 && strncmp(unit, "day", 3) == 0) {
        if (amount > S_MAX_DAYS)
            return -1;
        if (working) {
            out->unit = SW_UNIT_WORKING_DAYS;
            out->amount = amount;
            return 0;
        }
        minutes = amount * 24 * 60;
    } else
        return -1;
    if (minutes > (long)S_MAX_DAYS * 24 * 60)
        return -1;
    out->unit = working ? SW_UNIT_WORKING_MINUTES : SW_UNIT_MINUTES;
    out->amount = minutes;
    return 0;
}

void sw_limit_format(const sw_limit_t *limit, char *out, size_t size)
{
    int64_t n = limit->amount;
    const char *working = limit->unit == SW_UNIT_MINUTES ? "" : "working ";
    if (limit->unit == SW_UNIT_SAME_DAY)
        snprintf(out, size, "same working day");
    else if (limit->unit == SW_UNIT_WORKING_DAYS)
        snprintf(out, size, "%lld working day%s", (long long)n, n == 1 ? "" : "s");
    else if (n % (24 * 60) == 0 && limit->unit == SW_UNIT_MINUTES)
        snprintf(out, size, "%lld day%s", (long long)(n / 1440), n == 1440 ? "" : "s");
    else if (n % 60 == 0)
        snprintf(out, size, "%lld %shour%s", (long long)(n / 60), working,
                 n == 60 ? "" : "s");
    else
        snprintf(out, size, "%lld %sminute%s", (long long)n, working, n == 1 ? "" : "s");
}

bool sw_limit_is_working(const sw_limit_t *limit)
{
    return limit->unit != SW_UNIT_MINUTES;
}

int64_t sw_limit_due(const sw_limit_t *limit, sw_calendar_t *calendar, const char *office,
                     int64_t start_us)
{
    switch (limit->unit) {
    case SW_UNIT_WORKING_MINUTES:
        return sw_calendar_add_working(calendar, office, start_us,
                                       limit->amount * S_US_PER_MIN);
    case SW_UNIT_WORKING_DAYS:
        return sw_calendar_add_working_days(calendar, office, start_us,
                                            (int)limit->amount);
    case SW_UNIT_SAME_DAY:
        return sw_calendar_end_of_working_day(calendar, office, start_us);
    case SW_UNIT_MINUTES:
        return start_us >= 0 && start_us <= INT64_MAX - limit->amount * S_US_PER_MIN
                   ? start_us + limit->amount * S_US_PER_MIN
                   : -1;
    }
    return -1;
}

int64_t sw_limit_warn(const sw_limit_t *limit, sw_calendar_t *calendar,
                      const char *office, int64_t start_us, int64_t due_us, int permille)
{
    if (permille <= 0 || permille >= 1000 || due_us <= start_us)
        return 0;
    int64_t warn;
    if (sw_limit_is_working(limit)) {
        int64_t allowed = sw_calendar_working_between(calendar, office, start_us, due_us);
        if (allowed <= 0)
            return 0;
        warn = sw_calendar_add_working(calendar, office, start_us,
                                       allowed / 1000 * permille +
                                           allowed % 1000 * permille / 1000);
    } else
        warn = start_us + (due_us - start_us) / 1000 * permille;
    return warn > 0 && warn < due_us ? warn : 0;
}
