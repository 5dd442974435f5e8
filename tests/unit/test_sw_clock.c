/*  test_sw_clock: the real clock follows the system, the test clock only
    moves when told and never backwards, the file clock follows its file
    (shared by processes) and never backwards. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

static void s_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (file) {
        fputs(text, file);
        fclose(file);
    }
}

static void test_file(void)
{
    char dir[64] =
        "/tmp/test_sw_clock."; /* + the six-letter template mkstemp/mkdtemp want */
    memset(dir + strlen(dir), 'X', 6);
    dir[strlen("/tmp/test_sw_clock.") + 6] = 0;
    CHECK(mkdtemp(dir) != NULL);
    char path[128], spec[160];
    snprintf(path, sizeof path, "%s/now", dir);
    snprintf(spec, sizeof spec, "file:%s", path);

    CHECK(sw_clock_new_from_spec(spec) == NULL); /* no file yet */
    s_write(path, "1767232800000000\n");
    sw_clock_t *clock = sw_clock_new_from_spec(spec);
    sw_clock_t *other = sw_clock_new_file(path); /* a second process, say */
    CHECK(clock && other);
    if (!clock || !other)
        return;
    CHECK(sw_clock_is_test(clock));
    CHECK_STR(sw_clock_file(clock), path);
    CHECK_EQ(sw_clock_now_us(clock), 1767232800000000LL);

    s_write(path, "1767232860000000"); /* rewritten in place, no newline */
    CHECK_EQ(sw_clock_now_us(clock), 1767232860000000LL);
    s_write(path, "1767232870000000 \r\n");
    CHECK_EQ(sw_clock_now_us(other), 1767232870000000LL);
    CHECK_EQ(sw_clock_now_us(clock), 1767232870000000LL);
    s_write(path, ""); /* a writer between truncate and write */
    CHECK_EQ(sw_clock_now_us(clock), 1767232870000000LL);
    s_write(path, "17672328"); /* a torn read: smaller, ignored */
    CHECK_EQ(sw_clock_now_us(clock), 1767232870000000LL);
    s_write(path, "1767232800000000"); /* backwards: ignored */
    CHECK_EQ(sw_clock_now_us(clock), 1767232870000000LL);
    s_write(path, "12x");
    CHECK_EQ(sw_clock_now_us(clock), 1767232870000000LL);

    /* set and advance rewrite the file: every reader moves */
    CHECK_EQ(sw_clock_set(clock, 1767236400000000LL), 0);
    CHECK_EQ(sw_clock_now_us(other), 1767236400000000LL);
    CHECK_EQ(sw_clock_advance(other, 60LL * 1000000), 0);
    CHECK_EQ(sw_clock_now_us(clock), 1767236460000000LL);
    CHECK_EQ(sw_clock_set(clock, 5), 0); /* never backwards */
    CHECK_EQ(sw_clock_now_us(other), 1767236460000000LL);

    /* cost of a read: the daemons call it per event and poll it */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t sum = 0;
    for (int i = 0; i < 20000; i++)
        sum += sw_clock_now_us(clock) & 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double per_us =
        ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 20000 / 1e3;
    fprintf(stderr, "file clock: %.2f us per read (%lld)\n", per_us, (long long)sum);

    unlink(path); /* gone: the last instant stays */
    CHECK_EQ(sw_clock_now_us(clock), 1767236460000000LL);
    sw_clock_destroy(&clock);
    sw_clock_destroy(&other);
    rmdir(dir);

    const char *bad[] = {"file:", "file:/nonexistent/dir/now"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(sw_clock_new_from_spec(bad[i]) == NULL);
}

int main(void)
{
    sw_log_init("test_sw_clock", LOG_CRIT); /* the bad specs are logged */
    test_real();
    test_test();
    test_spec();
    test_file();
    SW_TEST_DONE();
}
