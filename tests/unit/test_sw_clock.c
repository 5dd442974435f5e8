/*  test_sw_clock: the real clock follows the system, the test clock only
    moves when told and never backwards. */
#include <time.h>

#include "sw_clock.h"
#include "sw_log.h"
#include "sw_test.h"

static int64_t s_system_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void test_real(void)
{
    sw_clock_t *clock = sw_clock_new_real();
    CHECK(clock != NULL);
    CHECK(!sw_clock_is_test(clock));
    int64_t before = s_system_us();
    int64_t now = sw_clock_now_us(clock);
    int64_t after = s_system_us();
    CHECK(before <= now && now <= after);
    sw_clock_destroy(&clock);
    CHECK(clock == NULL);
    sw_clock_destroy(&clock); /* safe on NULL */
}

static void test_test(void)
{
    sw_clock_t *clock = sw_clock_new_test(1700000000000000LL);
    CHECK(sw_clock_is_test(clock));
    CHECK_EQ(sw_clock_now_us(clock), 1700000000000000LL);
    CHECK_EQ(sw_clock_now_us(clock), 1700000000000000LL); /* stands still */
    sw_clock_advance(clock, 86400LL * 1000000);
    CHECK_EQ(sw_clock_now_us(clock), 1700086400000000LL);
    sw_clock_set(clock, 1800000000000000LL);
    CHECK_EQ(sw_clock_now_us(clock), 1800000000000000LL);
    sw_clock_set(clock, 1600000000000000LL); /* never backwards */
    CHECK_EQ(sw_clock_now_us(clock), 1800000000000000LL);
    sw_clock_advance(clock, -5);
    CHECK_EQ(sw_clock_now_us(clock), 1800000000000000LL);
    sw_clock_advance(clock, INT64_MAX); /* saturates */
    CHECK_EQ(sw_clock_now_us(clock), INT64_MAX);
    sw_clock_destroy(&clock);
}

static void test_spec(void)
{
    sw_clock_t *clock = sw_clock_new_from_spec("real");
    CHECK(clock && !sw_clock_is_test(clock));
    sw_clock_destroy(&clock);

    int64_t before = s_system_us();
    clock = sw_clock_new_from_spec("test");
    int64_t after = s_system_us();
    CHECK(clock && sw_clock_is_test(clock));
    if (clock) {
        int64_t start = sw_clock_now_us(clock);
        CHECK(before <= start && start <= after);
    }
    sw_clock_destroy(&clock);

    clock = sw_clock_new_from_spec("test:1704067200"); /* 2024-01-01T00:00:00Z */
    CHECK(clock && sw_clock_is_test(clock));
    if (clock)
        CHECK_EQ(sw_clock_now_us(clock), 1704067200LL * 1000000);
    sw_clock_destroy(&clock);
    clock = sw_clock_new_from_spec("test:0");
    CHECK(clock && sw_clock_now_us(clock) == 0);
    sw_clock_destroy(&clock);

    const char *bad[] = {
        "",         "Real",    "fake",    "test:",    "test:x",
        "test:12x", "test:-1", "test: 5", "test:1e9", "test:99999999999999999999",
        "test1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clock = sw_clock_new_from_spec(bad[i]);
        CHECK(clock == NULL);
        sw_clock_destroy(&clock);
    }
    CHECK(sw_clock_new_from_spec(NULL) == NULL);
}

int main(void)
{
    sw_log_init("test_sw_clock", LOG_CRIT); /* the bad specs are logged */
    test_real();
    test_test();
    test_spec();
    SW_TEST_DONE();
}
