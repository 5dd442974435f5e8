/*  test_sw_eventid: deterministic event ids and readable case ids. */
#include <stdbool.h>
#include <string.h>

#include "sw_eventid.h"
#include "sw_test.h"

static void test_make(void)
{
    uint8_t a[SW_EVENTID_SIZE], b[SW_EVENTID_SIZE], c[SW_EVENTID_SIZE];
    sw_eventid_make(a, "intake", "branch-7/req-1", 14);
    sw_eventid_make(b, "intake", "branch-7/req-1", 14);
    CHECK_MEM(a, b, SW_EVENTID_SIZE); /* a branch's retry is the same event */

    sw_eventid_make(c, "intake", "branch-7/req-2", 14);
    CHECK(memcmp(a, c, SW_EVENTID_SIZE) != 0);
    sw_eventid_make(c, "router", "branch-7/req-1", 14);
    CHECK(memcmp(a, c, SW_EVENTID_SIZE) != 0);
    /* The namespace boundary is part of the hash. */
    sw_eventid_make(b, "ab", "c", 1);
    sw_eventid_make(c, "a", "bc", 2);
    CHECK(memcmp(b, c, SW_EVENTID_SIZE) != 0);
    /* Names are bytes: a zero inside counts. */
    sw_eventid_make(b, "intake", "x\0y", 3);
    sw_eventid_make(c, "intake", "x\0z", 3);
    CHECK(memcmp(b, c, SW_EVENTID_SIZE) != 0);

    /* Version 8, RFC 9562 variant, on many ids. */
    for (int i = 0; i < 200; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "n%d", i);
        sw_eventid_make(c, "intake", name, (size_t)n);
        CHECK_EQ(c[6] >> 4, 0x8);
        CHECK_EQ(c[8] >> 6, 0x2);
    }

    /* Known answers (computed with Python hashlib.blake2b, digest_size=16):
       pin the construction, BLAKE2b-128 of ns, 0, name. */
    char text[SW_UUID_STRLEN + 1];
    sw_eventid_make(a, "intake", "branch-7/req-1", 14);
    sw_eventid_format(a, text);
    CHECK_STR(text, "11e93ac3-aa44-80c3-a3e4-4680e86648ca");
    /* derive = BLAKE2b-128 of "sw.derive", 0, parent bytes, kind. */
    sw_eventid_derive(b, a, "route");
    sw_eventid_format(b, text);
    CHECK_STR(text, "ab912472-a68a-8784-9195-70f9286233a8");
}

static void test_derive(void)
{
    uint8_t parent[SW_EVENTID_SIZE], a[SW_EVENTID_SIZE], b[SW_EVENTID_SIZE];
    sw_eventid_make(parent, "intake", "b/1", 3);
    sw_eventid_derive(a, parent, "route");
    sw_eventid_derive(b, parent, "route");
    CHECK_MEM(a, b, SW_EVENTID_SIZE);
    CHECK(memcmp(a, parent, SW_EVENTID_SIZE) != 0);
    sw_eventid_derive(b, parent, "deadline.reply");
    CHECK(memcmp(a, b, SW_EVENTID_SIZE) != 0);
    CHECK_EQ(b[6] >> 4, 0x8);
    CHECK_EQ(b[8] >> 6, 0x2);
    /* In place gives the same as into another buffer. */
    memcpy(b, parent, SW_EVENTID_SIZE);
    sw_eventid_derive(b, b, "route");
    CHECK_MEM(a, b, SW_EVENTID_SIZE);
}

static void test_text(void)
{
    uint8_t id[SW_EVENTID_SIZE], back[SW_EVENTID_SIZE];
    for (int i = 0; i < SW_EVENTID_SIZE; i++)
        id[i] = (uint8_t)(0x01 + 0x11 * i);
    char text[SW_UUID_STRLEN + 1];
    sw_eventid_format(id, text);
    CHECK_STR(text, "01122334-4556-6778-899a-abbccddeef00");
    CHECK_EQ(strlen(text), SW_UUID_STRLEN);
    CHECK_EQ(sw_eventid_parse(text, back), 0);
    CHECK_MEM(id, back, SW_EVENTID_SIZE);
    CHECK_EQ(sw_eventid_parse("01122334-4556-6778-899A-ABBCCDDEEF00", back), 0);
    CHECK_MEM(id, back, SW_EVENTID_SIZE);

    const char *bad[] = {
        "",
        "01122334-4556-6778-899a-abbccddeeff",   /* short */
        "01122334-4556-6778-899a-abbccddeeff00", /* long */
        "01122334-4556-6778-899a-abbccddeeffg",  /* not hex */
        "0112233404556-6778-899a-abbccddeeff0",  /* dash missing */
        "01122334-4556-6778-899aabbccddeeff0-",  /* dash misplaced */
        "{1122334-4556-6778-899a-abbccddeeff0",
        "01122334-4556-6778-899a-abbccddeeff0 ",
        " 1122334-4556-6778-899a-abbccddeeff0",
    };
    memset(back, 0xee, sizeof back);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(sw_eventid_parse(bad[i], back), -1);
    CHECK_EQ(sw_eventid_parse(NULL, back), -1);
    CHECK_EQ(back[0], 0xee); /* untouched on failure */
}

static bool s_caseid_shape(const char *id)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (strlen(id) != SW_CASEID_STRLEN || strncmp(id, "SW-", 3) != 0)
        return false;
    for (int i = 3; i < SW_CASEID_STRLEN; i++) {
        if (i == 7 || i == 12) {
            if (id[i] != '-')
                return false;
        } else if (strchr(alphabet, id[i]) == NULL || id[i] == '\0')
            return false;
    }
    return true;
}

static void test_caseid(void)
{
    uint8_t id[SW_EVENTID_SIZE];
    char a[SW_CASEID_STRLEN + 1], b[SW_CASEID_STRLEN + 1];

    /* All ones: 60 one bits, the last Crockford symbol everywhere. */
    memset(id, 0xff, sizeof id);
    sw_caseid_from_event(id, a);
    CHECK_STR(a, "SW-ZZZZ-ZZZZ-ZZZZ");
    memset(id, 0, sizeof id);
    id[6] = 0x80; /* the version nibble is not part of the case id */
    sw_caseid_from_event(id, a);
    CHECK_STR(a, "SW-0000-0000-0000");
    id[7] = 0x01; /* the 60th bit */
    sw_caseid_from_event(id, a);
    CHECK_STR(a, "SW-0000-0000-0001");
    memset(id, 0, sizeof id);
    id[0] = 0x80; /* the first bit */
    sw_caseid_from_event(id, a);
    CHECK_STR(a, "SW-G000-0000-0000");

    sw_eventid_make(id, "intake", "b/1", 3);
    sw_caseid_from_event(id, a);
    sw_caseid_from_event(id, b);
    CHECK_STR(a, b);
    CHECK(s_caseid_shape(a));
    int distinct = 0;
    for (int i = 0; i < 100; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "b/%d", i + 2);
        sw_eventid_make(id, "intake", name, (size_t)n);
        sw_caseid_from_event(id, b);
        CHECK(s_caseid_shape(b));
        distinct += strcmp(a, b) != 0;
    }
    CHECK_EQ(distinct, 100);
}

int main(void)
{
    test_make();
    test_derive();
    test_text();
    test_caseid();
    SW_TEST_DONE();
}
