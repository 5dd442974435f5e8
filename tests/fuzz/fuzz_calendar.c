/*  fuzz_calendar: a working-day calendar file, as sla and intake parse it
    from the log (sw_calendar_new_from_text on untrusted bytes).  Beyond
    "no crash, no leak, no undefined behaviour" this target asserts:
      - the text gives a calendar or an error, never both or neither;
      - text that is not ZPL (and holds no NUL byte) is refused with
        "line N: ..." naming a line of the input;
      - on a calendar, for every office it names, "default" and an unknown
        one, working-time arithmetic on instants taken from the input is
        consistent: adding 0 gives the first working instant at or after
        the start, which is working time (adding 0 again keeps it) and has
        no working time before it; sums grow with the amount added; the
        working time between the start and start + w is w; working time
        between three instants adds up; 0 working days is 0 working time;
        a local wall-clock time converts back to its instant. */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_text.h"
#include "sw_calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_US      1000000LL
#define S_MINUTE  (60 * S_US)
#define S_HOUR    (60 * S_MINUTE)
#define S_2025_US (1735689600LL * S_US) /* 2025-01-01T00:00:00Z */
#define S_SPAN_US (3LL * 366 * 24 * S_HOUR)

/* splitmix64 over the input: instants and amounts that follow the bytes. */
static uint64_t s_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void s_check_conversions(sw_calendar_t *cal, const char *office, int64_t t)
{
    sw_calendar_local_t local;
    if (sw_calendar_to_local(cal, office, t, &local) != 0)
        return;
    FUZZ_ASSERT(local.month >= 1 && local.month <= 12 && local.day >= 1 &&
                local.day <= 31 && local.hour >= 0 && local.hour <= 23 &&
                local.minute >= 0 && local.minute <= 59 && local.second >= 0 &&
                local.second <= 59 && local.weekday >= 0 && local.weekday <= 6);
    int64_t back =
        sw_calendar_local_to_utc(cal, office, local.year, local.month, local.day,
                                 local.hour, local.minute, local.second);
    int64_t whole = t - ((t % S_US) + S_US) % S_US; /* t to the second below */
    /* the same instant, or the earlier one of a wall-clock time that occurs
       twice (autumn change: at most a few hours earlier) */
    FUZZ_ASSERT(back == whole || (back < whole && whole - back <= 3 * S_HOUR));
}

static void s_check_office(sw_calendar_t *cal, const char *office, uint64_t *rng)
{
    if (!sw_calendar_zone(cal, office))
        return; /* neither listed nor covered by a "default" office */
    int64_t t = S_2025_US + (int64_t)(s_next(rng) % (uint64_t)S_SPAN_US);
    int64_t first = sw_calendar_add_working(cal, office, t, 0);
    s_check_conversions(cal, office, t);
    if (first == -1)
        return; /* no working time left before 2400 */
    FUZZ_ASSERT(first >= t);
    FUZZ_ASSERT(sw_calendar_add_working(cal, office, first, 0) == first);
    FUZZ_ASSERT(sw_calendar_working_between(cal, office, t, first) == 0);
    FUZZ_ASSERT(sw_calendar_add_working_days(cal, office, t, 0) == first);
    sw_calendar_local_t local;
    FUZZ_ASSERT(sw_calendar_to_local(cal, office, first, &local) == 0);
    FUZZ_ASSERT(
        sw_calendar_is_working_day(cal, office, local.year, local.month, local.day));
    int64_t end = sw_calendar_end_of_working_day(cal, office, t);
    FUZZ_ASSERT(end == -1 || end > first);
    s_check_conversions(cal, office, first);

    int64_t w1 = (int64_t)(s_next(rng) % (uint64_t)(40 * S_HOUR));
    int64_t w2 = w1 + (int64_t)(s_next(rng) % (uint64_t)(40 * S_HOUR));
    int64_t a1 = sw_calendar_add_working(cal, office, t, w1);
    int64_t a2 = sw_calendar_add_working(cal, office, t, w2);
    if (a1 != -1 && a2 != -1) {
        FUZZ_ASSERT(first <= a1 && a1 <= a2);
        FUZZ_ASSERT(sw_calendar_working_between(cal, office, t, a1) == w1);
        FUZZ_ASSERT(sw_calendar_working_between(cal, office, t, a2) == w2);
        FUZZ_ASSERT(sw_calendar_working_between(cal, office, a1, a2) == w2 - w1);
    }
    int days = (int)(s_next(rng) % 8);
    int64_t d1 = sw_calendar_add_working_days(cal, office, t, days);
    int64_t d2 = sw_calendar_add_working_days(cal, office, t, days + 1);
    if (d1 != -1 && d2 != -1)
        FUZZ_ASSERT(first <= d1 && d1 < d2);
    FUZZ_ASSERT(sw_calendar_add_working(cal, office, t, -1) == -1);
    FUZZ_ASSERT(sw_calendar_add_working_days(cal, office, t, -1) == -1);
    FUZZ_ASSERT(sw_calendar_working_between(cal, office, t, t) == 0);
}

/* Every office the text names (valid ZPL: it loaded), "default", an
   unknown one and NULL. */
static void s_check_calendar(sw_calendar_t *cal, const uint8_t *data, size_t size)
{
    uint64_t rng = 0;
    for (size_t i = 0; i < size; i++)
        rng = rng * 131 + data[i];
    char *text = strndup((const char *)data, size);
    FUZZ_ASSERT(text);
    zconfig_t *root = zconfig_str_load(text);
    FUZZ_ASSERT(root);
    size_t n = 0;
    for (zconfig_t *office = zconfig_child(zconfig_locate(root, "offices")); office;
         office = zconfig_next(office)) {
        const char *name = zconfig_name(office);
        FUZZ_ASSERT(sw_calendar_has_office(cal, name));
        FUZZ_ASSERT(sw_calendar_zone(cal, name));
        if (n++ < 4)
            s_check_office(cal, name, &rng);
    }
    FUZZ_ASSERT(n > 0);
    s_check_office(cal, "default", &rng);
    s_check_office(cal, NULL, &rng);
    FUZZ_ASSERT(!sw_calendar_has_office(cal, "no such office \xe5\xbc\xa0"));
    s_check_office(cal, "no such office \xe5\xbc\xa0", &rng);
    zconfig_destroy(&root);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *error = (char *)"unset";
    sw_calendar_t *cal = sw_calendar_new_from_text((const char *)data, size, &error);
    FUZZ_ASSERT(!cal == (error != NULL));
    if (cal) {
        s_check_calendar(cal, data, size);
        sw_calendar_destroy(&cal);
        FUZZ_ASSERT(cal == NULL);
        return 0;
    }
    FUZZ_ASSERT(*error);
    if (!memchr(data, 0, size) && !fuzz_text_is_zpl(data, size))
        fuzz_text_check_line(error, fuzz_text_lines(data, size));
    free(error);
    return 0;
}
