/*  test_sw_json: events as the JSON audit stores in PostgreSQL, compared
    byte for byte. */
#include <stdint.h>
#include <string.h>

#include "proto/shouwen.pb-c.h"
#include "sw_json.h"
#include "sw_test.h"

#define FFFD "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

static const char *s_string(sw_json_t *json, const char *text, size_t len)
{
    sw_json_reset(json);
    sw_json_stringn(json, text, len);
    return sw_json_text(json);
}

static void test_strings(sw_json_t *json)
{
    CHECK_STR(s_string(json, "", 0), "\"\"");
    CHECK_STR(s_string(json, "plain", 5), "\"plain\"");
    CHECK_STR(s_string(json, "a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"");
    CHECK_STR(s_string(json, "\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
    CHECK_STR(s_string(json, "\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
    /* NUL: jsonb refuses \u0000, so it is replaced. */
    CHECK_STR(s_string(json, "a\0b", 3), "\"a" FFFD "b\"");
    /* Valid UTF-8 passes through: 2, 3 and 4 byte forms. */
    CHECK_STR(s_string(json, "é首问😀", 2 + 6 + 4), "\"é首问😀\"");
    /* Invalid: lone continuation, overlong, surrogate, above U+10FFFF,
       truncated at the end; one U+FFFD per bad byte. */
    CHECK_STR(s_string(json, "\x80", 1), "\"" FFFD "\"");
    CHECK_STR(s_string(json, "\xc0\xaf", 2), "\"" FFFD FFFD "\"");
    CHECK_STR(s_string(json, "\xed\xa0\x80", 3), "\"" FFFD FFFD FFFD "\"");
    CHECK_STR(s_string(json, "\xf4\x90\x80\x80", 4), "\"" FFFD FFFD FFFD FFFD "\"");
    CHECK_STR(s_string(json, "ok\xe9\xa6", 4), "\"ok" FFFD FFFD "\"");
    CHECK_STR(s_string(json, "\xe9\xa6x", 3), "\"" FFFD FFFD "x\"");

    sw_json_reset(json);
    sw_json_string(json, "首");
    CHECK_STR(sw_json_text(json), "\"首\"");
    CHECK_EQ(sw_json_len(json), 5);

    sw_json_reset(json);
    CHECK_STR(sw_json_text(json), "");
    CHECK_EQ(sw_json_len(json), 0);
    sw_json_raw(json, "[");
    sw_json_int(json, INT64_MIN);
    sw_json_raw(json, ",");
    sw_json_uint(json, UINT64_MAX);
    sw_json_raw(json, ",");
    sw_json_hex(json, "\x00\xab\xff", 3);
    sw_json_raw(json, ",");
    sw_json_hex(json, "", 0);
    sw_json_raw(json, "]");
    CHECK_STR(sw_json_text(json),
              "[-9223372036854775808,18446744073709551615,\"00abff\",\"\"]");

    /* Growth well past the first allocation. */
    sw_json_reset(json);
    for (int i = 0; i < 10000; i++)
        sw_json_raw(json, "0123456789");
    CHECK_EQ(sw_json_len(json), 100000);
    CHECK_EQ(strlen(sw_json_text(json)), 100000);
}

static void test_inquiry(sw_json_t *json)
{
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)i;
    uint8_t digest[4] = {0xde, 0xad, 0xbe, 0xef};

    Shouwen__V1__Customer customer = SHOUWEN__V1__CUSTOMER__INIT;
    customer.unit = "东方公司";
    customer.name = "张三 \"老张\"";
    customer.phone = "13800000000";
    Shouwen__V1__InquiryReceived inquiry = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    inquiry.branch_id = "branch-7";
    inquiry.request_id = "req-1";
    inquiry.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    inquiry.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT;
    inquiry.customer = &customer;
    inquiry.matter = "水管漏水\\地下室\n请尽快处理\x01 bad:\xff";
    inquiry.urgency = 99; /* not in the enum: written as its number */
    inquiry.received_at_us = -1;
    inquiry.request_digest.data = digest;
    inquiry.request_digest.len = sizeof digest;
    Shouwen__V1__Envelope env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = 16;
    env.type = "inquiry.received";
    env.case_id = "SW-0000-0000-0001";
    env.producer = "intake";
    env.producer_seq = UINT64_MAX;
    env.occurred_at_us = 1704067200000000LL;
    env.actor = "branch-7";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
    env.inquiry_received = &inquiry;

    sw_json_reset(json);
    sw_json_message(json, &env.base);
    CHECK_STR(sw_json_text(json),
              "{\"event_id\":\"00010203-0405-0607-0809-0a0b0c0d0e0f\","
              "\"type\":\"inquiry.received\","
              "\"case_id\":\"SW-0000-0000-0001\","
              "\"producer\":\"intake\","
              "\"producer_seq\":18446744073709551615,"
              "\"occurred_at_us\":1704067200000000,"
              "\"actor\":\"branch-7\","
              "\"inquiry_received\":{"
              "\"branch_id\":\"branch-7\","
              "\"request_id\":\"req-1\","
              "\"channel\":\"CHANNEL_PHONE\","
              "\"kind\":\"REQUEST_KIND_COMPLAINT\","
              "\"customer\":{\"unit\":\"东方公司\",\"name\":\"张三 \\\"老张\\\"\","
              "\"phone\":\"13800000000\"},"
              "\"matter\":\"水管漏水\\\\地下室\\n请尽快处理\\u0001 bad:" FFFD "\","
              "\"urgency\":99,"
              "\"received_at_us\":-1,"
              "\"request_digest\":\"deadbeef\"}}");

    /* Appends: two messages side by side in one buffer. */
    size_t one = sw_json_len(json);
    sw_json_message(json, &env.base);
    CHECK_EQ(sw_json_len(json), 2 * one);
}

static void test_routed(sw_json_t *json)
{
    char *departments[] = {"dept-water", "dept-power", "供应部"};
    Shouwen__V1__Routed routed = SHOUWEN__V1__ROUTED__INIT;
    routed.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_SEVERAL_DEPARTMENTS;
    routed.department_id = "dept-water";
    routed.n_department_ids = 3;
    routed.department_ids = departments;
    routed.order_known = 1;
    routed.notification = "地点: 2楼; 电话: 0571-1234";
    Shouwen__V1__Envelope env = SHOUWEN__V1__ENVELOPE__INIT;
    env.type = "case.routed";
    env.case_version = 3;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_ROUTED;
    env.routed = &routed;

    sw_json_reset(json);
    sw_json_message(json, &env.base);
    CHECK_STR(sw_json_text(json),
              "{\"type\":\"case.routed\",\"case_version\":3,"
              "\"routed\":{\"disposition\":\"DISPOSITION_SEVERAL_DEPARTMENTS\","
              "\"department_id\":\"dept-water\","
              "\"department_ids\":[\"dept-water\",\"dept-power\",\"供应部\"],"
              "\"order_known\":true,"
              "\"notification\":\"地点: 2楼; 电话: 0571-1234\"}}");

    /* Empty repeated fields and false booleans are left out. */
    routed.n_department_ids = 0;
    routed.order_known = 0;
    routed.notification = "";
    sw_json_reset(json);
    sw_json_message(json, &routed.base);
    CHECK_STR(sw_json_text(json), "{\"disposition\":\"DISPOSITION_SEVERAL_DEPARTMENTS\","
                                  "\"department_id\":\"dept-water\"}");
}

static void test_defaults(sw_json_t *json)
{
    /* A set oneof member is written even when all its fields are default. */
    Shouwen__V1__Progress progress = SHOUWEN__V1__PROGRESS__INIT;
    Shouwen__V1__Envelope env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_PROGRESS;
    env.progress = &progress;
    sw_json_reset(json);
    sw_json_message(json, &env.base);
    CHECK_STR(sw_json_text(json), "{\"progress\":{}}");

    /* Nothing set at all. */
    Shouwen__V1__Envelope empty = SHOUWEN__V1__ENVELOPE__INIT;
    sw_json_reset(json);
    sw_json_message(json, &empty.base);
    CHECK_STR(sw_json_text(json), "{}");

    /* Repeated messages, 16-byte ids and other bytes. */
    uint8_t id[16] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
                      0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};
    Shouwen__V1__Committed c1 = SHOUWEN__V1__COMMITTED__INIT;
    Shouwen__V1__Committed c2 = SHOUWEN__V1__COMMITTED__INIT;
    c1.position = 1;
    c1.envelope.data = id;
    c1.envelope.len = 16;
    c2.position = 2;
    c2.committed_at_us = -5;
    c2.envelope.data = id;
    c2.envelope.len = 3;
    Shouwen__V1__Committed *events[] = {&c1, &c2};
    Shouwen__V1__ReplayReply reply = SHOUWEN__V1__REPLAY_REPLY__INIT;
    reply.n_events = 2;
    reply.events = events;
    reply.error = "";
    sw_json_reset(json);
    sw_json_message(json, &reply.base);
    CHECK_STR(sw_json_text(json),
              "{\"events\":[{\"position\":1,"
              "\"envelope\":\"ffeeddcc-bbaa-9988-7766-554433221100\"},"
              "{\"position\":2,\"committed_at_us\":-5,\"envelope\":\"ffeedd\"}]}");
}

int main(void)
{
    sw_json_t *json = sw_json_new();
    CHECK(json != NULL);
    if (json == NULL)
        SW_TEST_DONE();
    test_strings(json);
    test_inquiry(json);
    test_routed(json);
    test_defaults(json);
    sw_json_destroy(&json);
    CHECK(json == NULL);
    sw_json_destroy(&json);
    SW_TEST_DONE();
}
