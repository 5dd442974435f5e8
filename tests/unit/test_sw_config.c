/*  test_sw_config: ZPL files, integers with ranges, missing and broken files. */
#include <czmq.h>
#include <stdlib.h>
#include <unistd.h>

#include "sw_config.h"
#include "sw_log.h"
#include "sw_test.h"

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        abort();
    fputs(text, f);
    fclose(f);
}

static void test_values(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/audit.conf", dir);
    s_write(path, "#   shouwen audit\n"
                  "audit\n"
                  "    postgres = \"host=127.0.0.1 dbname=shouwen\"\n"
                  "    batch = 500\n"
                  "    flush_ms = -3\n"
                  "    big = 9223372036854775807\n"
                  "    huge = 9223372036854775808\n"
                  "    word = many\n"
                  "    trailing = 12abc\n"
                  "    empty = \"\"\n"
                  "    hex = 0x10\n");
    zconfig_t *cfg = sw_config_load(path);
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    CHECK_STR(sw_config_str(cfg, "audit/postgres", "x"), "host=127.0.0.1 dbname=shouwen");
    CHECK_STR(sw_config_str(cfg, "audit/absent", "fallback"), "fallback");
    CHECK(sw_config_str(cfg, "audit/absent", NULL) == NULL);

    int64_t n = 0;
    CHECK_EQ(sw_config_int(cfg, "audit/batch", 7, 1, 10000, &n), 0);
    CHECK_EQ(n, 500);
    CHECK_EQ(sw_config_int(cfg, "audit/absent", 7, 1, 10000, &n), 0);
    CHECK_EQ(n, 7);
    CHECK_EQ(sw_config_int(cfg, "audit/flush_ms", 7, -10, 10, &n), 0);
    CHECK_EQ(n, -3);
    CHECK_EQ(sw_config_int(cfg, "audit/big", 0, INT64_MIN, INT64_MAX, &n), 0);
    CHECK_EQ(n, INT64_MAX);

    /* Present but wrong: -1 and *out untouched. */
    const char *bad[] = {"audit/huge",  "audit/word", "audit/trailing",
                         "audit/empty", "audit/hex",  "audit"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 42;
        CHECK_EQ(sw_config_int(cfg, bad[i], 7, INT64_MIN, INT64_MAX, &n), -1);
        CHECK_EQ(n, 42);
    }
    /* Out of range, either side and at the edges. */
    CHECK_EQ(sw_config_int(cfg, "audit/batch", 7, 1, 499, &n), -1);
    CHECK_EQ(sw_config_int(cfg, "audit/batch", 7, 501, 1000, &n), -1);
    CHECK_EQ(sw_config_int(cfg, "audit/batch", 7, 500, 500, &n), 0);
    CHECK_EQ(n, 500);
    zconfig_destroy(&cfg);
}

static void test_files(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    CHECK(sw_config_load(path) == NULL);
    CHECK(sw_config_load(dir) == NULL); /* a directory */
    snprintf(path, sizeof path, "%s/broken.conf", dir);
    s_write(path, "audit\n   batch = 5\n  postgres = \"unterminated\n");
    zconfig_t *cfg = sw_config_load(path);
    CHECK(cfg == NULL);
    zconfig_destroy(&cfg);
}

int main(void)
{
    sw_log_init("test_sw_config", LOG_CRIT); /* the failures are logged */
    char dir[64] =
        "/tmp/test_sw_config."; /* + the six-letter template mkstemp/mkdtemp want */
    memset(dir + strlen(dir), 'X', 6);
    dir[strlen("/tmp/test_sw_config.") + 6] = 0;
    if (mkdtemp(dir) == NULL)
        return 1;
    test_values(dir);
    test_files(dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
    SW_TEST_DONE();
}
