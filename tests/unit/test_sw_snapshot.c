/*  test_sw_snapshot: a snapshot comes back exactly as written, and any
    damage (a flipped byte, a cut tail, another daemon, another format) is
    refused with its reason so the daemon replays the whole log instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw_snapshot.h"
#include "sw_test.h"

static char s_dir[] = "/tmp/test_sw_snapshot.XXXXXX";
static char s_path[256];

static void s_write_sample(uint32_t format)
{
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)(0xa0 + i);
    sw_snapshot_t *w = sw_snapshot_new("router", format, 123456789012ULL, id);
    sw_snapshot_put_u8(w, 7);
    sw_snapshot_put_u32(w, 0xdeadbeef);
    sw_snapshot_put_u64(w, UINT64_MAX);
    sw_snapshot_put_i64(w, -42);
    sw_snapshot_put_str(w, "客房部");
    sw_snapshot_put_str(w, NULL);
    sw_snapshot_put_str(w, "");
    sw_snapshot_put_bytes(w, "\0\1\2", 3);
    for (uint32_t i = 0; i < 10000; i++) /* grows past the first buffer */
        sw_snapshot_put_u32(w, i);
    const char *why = NULL;
    CHECK_EQ(sw_snapshot_write(w, s_path, &why), 0);
    sw_snapshot_destroy(&w);
    CHECK(access(s_path, F_OK) == 0);
}

static void test_round_trip(void)
{
    s_write_sample(3);
    const char *why = NULL;
    sw_snapshot_t *r = sw_snapshot_open(s_path, "router", 3, &why);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ(sw_snapshot_position(r), 123456789012ULL);
    CHECK_EQ(sw_snapshot_event_id(r)[15], 0xaf);
    CHECK(sw_snapshot_written_us(r) > 0);
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    int64_t i64;
    char *s;
    const uint8_t *b;
    size_t n;
    CHECK(sw_snapshot_get_u8(r, &u8) && u8 == 7);
    CHECK(sw_snapshot_get_u32(r, &u32) && u32 == 0xdeadbeef);
    CHECK(sw_snapshot_get_u64(r, &u64) && u64 == UINT64_MAX);
    CHECK(sw_snapshot_get_i64(r, &i64) && i64 == -42);
    CHECK(sw_snapshot_get_str(r, &s) && s && strcmp(s, "客房部") == 0);
    free(s);
    CHECK(sw_snapshot_get_str(r, &s) && s == NULL);
    CHECK(sw_snapshot_get_str(r, &s) && s && *s == 0);
    free(s);
    CHECK(sw_snapshot_get_bytes(r, &b, &n) && n == 3 && b[2] == 2);
    bool all = true;
    for (uint32_t i = 0; i < 10000; i++)
        all = all && sw_snapshot_get_u32(r, &u32) && u32 == i;
    CHECK(all);
    CHECK(sw_snapshot_done(r));
    CHECK(!sw_snapshot_get_u8(r, &u8)); /* past the end */
    CHECK(!sw_snapshot_done(r));
    sw_snapshot_destroy(&r);
}

static void s_expect_refused(const char *daemon, uint32_t format, const char *reason)
{
    const char *why = NULL;
    sw_snapshot_t *r = sw_snapshot_open(s_path, daemon, format, &why);
    CHECK(r == NULL);
    CHECK_STR(why ? why : "(none)", reason);
    sw_snapshot_destroy(&r);
}

static void s_poke(long offset, int whence)
{
    FILE *f = fopen(s_path, "r+b");
    CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, offset, whence);
    int c = fgetc(f);
    fseek(f, offset, whence);
    fputc(c ^ 0x01, f);
    fclose(f);
}

static void test_refusals(void)
{
    unlink(s_path);
    s_expect_refused("router", 3, "none");

    s_write_sample(3);
    s_expect_refused("sla", 3, "written by another daemon");
    s_expect_refused("router", 4, "older format");
    s_expect_refused("router", 2, "newer format");

    s_poke(-5, SEEK_END); /* one bit of the payload */
    s_expect_refused("router", 3, "checksum mismatch");
    s_write_sample(3);
    s_poke(33, SEEK_SET); /* one bit of the position */
    s_expect_refused("router", 3, "checksum mismatch");

    s_write_sample(3);
    CHECK_EQ(truncate(s_path, 1000), 0);
    s_expect_refused("router", 3, "truncated (payload size does not match)");
    CHECK_EQ(truncate(s_path, 50), 0);
    s_expect_refused("router", 3, "truncated or oversized");

    FILE *f = fopen(s_path, "wb");
    for (int i = 0; f && i < 200; i++)
        fputc('x', f);
    if (f)
        fclose(f);
    s_expect_refused("router", 3, "not a shouwen snapshot");
}

/* A reader that asks for more than was written fails and stays failed. */
static void test_short_payload(void)
{
    sw_snapshot_t *w = sw_snapshot_new("sla", 1, 0, NULL);
    sw_snapshot_put_u32(w, 5);
    const char *why = NULL;
    CHECK_EQ(sw_snapshot_write(w, s_path, &why), 0);
    sw_snapshot_destroy(&w);
    sw_snapshot_t *r = sw_snapshot_open(s_path, "sla", 1, &why);
    CHECK(r != NULL);
    if (!r)
        return;
    uint64_t v;
    CHECK(!sw_snapshot_get_u64(r, &v));
    uint32_t u;
    CHECK(!sw_snapshot_get_u32(r, &u));
    CHECK(!sw_snapshot_done(r));
    sw_snapshot_destroy(&r);
}

int main(void)
{
    if (!mkdtemp(s_dir))
        return 1;
    snprintf(s_path, sizeof s_path, "%s/router.snapshot", s_dir);
    test_round_trip();
    test_refusals();
    test_short_payload();
    unlink(s_path);
    rmdir(s_dir);
    SW_TEST_DONE();
}
