/*  branch_probe: sends malformed branch requests to a running intake and
    checks each is answered REJECTED with the right reason code (issue 2,
    acceptance 5), then that a good inquiry is still accepted, and that
    every valid encoding of a valid request is accepted (explicit defaults).
    It speaks CURVE with the key in SHOUWEN_CERT and the hub's public
    certificate in SHOUWEN_SERVER_CERT, as a branch does.
    usage: branch_probe ENDPOINT
           branch_probe revoke ENDPOINT ALLOWED_CERT_FILE
      revoke: on one connection, a stats request is answered; then the
      key's file is removed from the allow-list and the next request on the
      same connection is refused NOT_AUTHORIZED (no restart). */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include <czmq.h>

#include "sw_envelope.h"

static int s_pass, s_fail;
static int s_rejections; /* REJECTED answers expected */

/* Send frames, wait for one reply; returns it (caller frees) or NULL. */
static Shouwen__V1__BranchReply *s_ask(zsock_t *d, zmsg_t **msg_p)
{
    zmsg_send(msg_p, d);
    zframe_t *f = zframe_recv(d);
    if (!f)
        return NULL;
    Shouwen__V1__BranchReply *r =
        shouwen__v1__branch_reply__unpack(NULL, zframe_size(f), zframe_data(f));
    zframe_destroy(&f);
    return r;
}

static void s_expect(zsock_t *d, const char *what, zmsg_t *msg, const char *code)
{
    Shouwen__V1__BranchReply *r = s_ask(d, &msg);
    bool ok = r && r->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED &&
              streq(r->code, code) && *r->message;
    printf("%s - %s: expected REJECTED %s, got %s %s (%s)\n", ok ? "ok  " : "FAIL", what,
           code,
           r ? protobuf_c_enum_descriptor_get_value(
                   &shouwen__v1__reply_status__descriptor, r->status)
                   ->name
             : "no reply",
           r ? r->code : "", r ? r->message : "");
    ok ? s_pass++ : s_fail++;
    s_rejections++;
    if (r)
        shouwen__v1__branch_reply__free_unpacked(r, NULL);
}

/* A request the hub must take: OK once committed (RETRY meanwhile). */
static void s_expect_ok(zsock_t *d, const char *what, zmsg_t *m)
{
    Shouwen__V1__BranchReply *r = NULL;
    for (int i = 0; i < 20; i++) { /* RETRY while the commit is on its way */
        zmsg_t *copy = zmsg_dup(m);
        r = s_ask(d, &copy);
        if (r && r->status != SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY)
            break;
        if (r)
            shouwen__v1__branch_reply__free_unpacked(r, NULL);
        r = NULL;
        zclock_sleep(200);
    }
    zmsg_destroy(&m);
    bool ok = r && r->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    printf("%s - %s (%s %s %s)\n", ok ? "ok  " : "FAIL", what,
           r ? r->case_id : "no reply", r ? r->code : "", r ? r->message : "");
    ok ? s_pass++ : s_fail++;
    if (r)
        shouwen__v1__branch_reply__free_unpacked(r, NULL);
}

/* CURVE as a branch: SHOUWEN_CERT and SHOUWEN_SERVER_CERT. */
static zsock_t *s_connect(const char *endpoint)
{
    zsock_t *d = zsock_new(ZMQ_DEALER);
    const char *mine = getenv("SHOUWEN_CERT"), *hub = getenv("SHOUWEN_SERVER_CERT");
    if (mine && *mine && hub && *hub) {
        zcert_t *c = zcert_load(mine), *h = zcert_load(hub);
        if (c && h) {
            zcert_apply(c, d);
            zsock_set_curve_serverkey(d, zcert_public_txt(h));
        }
        zcert_destroy(&c);
        zcert_destroy(&h);
    }
    zsock_set_rcvtimeo(d, 5000);
    zsock_connect(d, "%s", endpoint);
    return d;
}

/* Bytes: a varint. */
static size_t s_varint(uint8_t *out, size_t v)
{
    size_t n = 0;
    do {
        out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* field (length-delimited) with the bytes of body */
static size_t s_field(uint8_t *out, unsigned field, const uint8_t *body, size_t len)
{
    size_t n = s_varint(out, (field << 3) | 2);
    n += s_varint(out + n, len);
    memcpy(out + n, body, len);
    return n + len;
}

static size_t s_pack_into(const ProtobufCMessage *m, uint8_t *out)
{
    return protobuf_c_message_pack(m, out);
}

/* The same inquiry with explicitly encoded defaults: customer.unit = ""
   and urgency = 0 written out, which proto3 encoders may do. */
static zmsg_t *s_explicit_defaults(Shouwen__V1__BranchRequest *req)
{
    static uint8_t cust[1024], sub[4096], out[8192];
    Shouwen__V1__InquirySubmit s = *req->submit;
    size_t cn = s_pack_into(&s.customer->base, cust);
    cust[cn++] = 0x0a; /* customer.unit, field 1 */
    cust[cn++] = 0x00; /* "" */
    s.customer = NULL;
    size_t sn = s_pack_into(&s.base, sub);
    sn += s_field(sub + sn, 3, cust, cn);
    sub[sn++] = 0x30; /* urgency, field 6 */
    sub[sn++] = 0x00; /* 0 */
    Shouwen__V1__BranchRequest r = *req;
    r.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET;
    size_t n = s_pack_into(&r.base, out);
    n += s_field(out + n, 10, sub, sn);
    zmsg_t *m = zmsg_new();
    zmsg_addmem(m, out, n);
    return m;
}

/* A request whose body is a kind this hub does not know (field 15). */
static zmsg_t *s_unknown_kind(Shouwen__V1__BranchRequest *req)
{
    static uint8_t out[4096];
    Shouwen__V1__BranchRequest r = *req;
    r.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET;
    size_t n = s_pack_into(&r.base, out);
    /* a body field no version of the protocol has (15-20 are the queries
       and the watch of issue 9) */
    n += s_field(out + n, 99, (const uint8_t *)"\x0a\x02hi", 4);
    zmsg_t *m = zmsg_new();
    zmsg_addmem(m, out, n);
    return m;
}

static zmsg_t *s_packed(Shouwen__V1__BranchRequest *req, size_t cut)
{
    size_t len = protobuf_c_message_get_packed_size(&req->base);
    uint8_t *buf = malloc(len);
    protobuf_c_message_pack(&req->base, buf);
    zmsg_t *m = zmsg_new();
    zmsg_addmem(m, buf, cut && cut < len ? cut : len);
    free(buf);
    return m;
}

static int s_revoke(const char *endpoint, const char *allowed)
{
    zsock_t *d = s_connect(endpoint);
    Shouwen__V1__StatsQuery q = SHOUWEN__V1__STATS_QUERY__INIT;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = "revoke-1";
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS;
    req.stats = &q;
    zmsg_t *m = s_packed(&req, 0);
    Shouwen__V1__BranchReply *r = s_ask(d, &m);
    bool ok = r && r->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    printf("%s - the key is served before it is revoked\n", ok ? "ok  " : "FAIL");
    ok ? s_pass++ : s_fail++;
    if (r)
        shouwen__v1__branch_reply__free_unpacked(r, NULL);
    if (unlink(allowed) != 0)
        perror(allowed);
    zclock_sleep(100);
    req.request_id = "revoke-2";
    s_expect(d, "the revoked key, same connection, no restart", s_packed(&req, 0),
             "NOT_AUTHORIZED");
    zsock_destroy(&d);
    printf("%d passed, %d failed\n", s_pass, s_fail);
    return s_fail ? 1 : 0;
}

int main(int argc, char **argv)
{
    zsys_init();
    zsys_set_logstream(NULL);
    if (argc == 4 && streq(argv[1], "revoke"))
        return s_revoke(argv[2], argv[3]);
    if (argc != 2) {
        fprintf(stderr, "usage: branch_probe ENDPOINT | revoke ENDPOINT CERT\n");
        return 64;
    }
    zsock_t *d = s_connect(argv[1]);
    char matter_big[5001];
    memset(matter_big, 'x', 5000);
    matter_big[5000] = 0;

    Shouwen__V1__Customer c = SHOUWEN__V1__CUSTOMER__INIT;
    c.name = "张三";
    c.phone = "13800000000";
    Shouwen__V1__InquirySubmit s = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;
    s.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    s.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    s.customer = &c;
    s.matter = "咨询退房时间";
    s.category = "check_in";
    s.receiver_staff_id = "fo-01";
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = "probe-1";
    req.branch_id = ""; /* the key's branch */
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    req.submit = &s;

    s_expect(d, "truncated protobuf", s_packed(&req, 7), "MALFORMED");
    zmsg_t *m = zmsg_new();
    zmsg_addmem(m, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    s_expect(d, "garbage bytes", m, "MALFORMED");
    m = s_packed(&req, 0);
    zmsg_addstr(m, "extra");
    s_expect(d, "two frames", m, "MALFORMED");

    s.channel = 99;
    s_expect(d, "unknown channel enum", s_packed(&req, 0), "UNKNOWN_ENUM");
    s.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    s.kind = 1000;
    s_expect(d, "unknown kind enum", s_packed(&req, 0), "UNKNOWN_ENUM");
    s.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;

    s.matter = "";
    s_expect(d, "empty matter", s_packed(&req, 0), "MISSING_FIELD");
    s.matter = "咨询退房时间";
    c.phone = "";
    s_expect(d, "R2: phone inquiry without a number", s_packed(&req, 0), "MISSING_FIELD");
    c.phone = "13800000000";
    req.request_id = "";
    s_expect(d, "empty request id", s_packed(&req, 0), "MISSING_FIELD");
    req.request_id = "probe-1";
    s.customer = NULL;
    s_expect(d, "no customer", s_packed(&req, 0), "MISSING_FIELD");
    s.customer = &c;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET;
    s_expect(d, "no request body", s_packed(&req, 0), "MISSING_FIELD");
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;

    s.matter = matter_big;
    s_expect(d, "oversize matter (5000 bytes)", s_packed(&req, 0), "FIELD_TOO_LONG");
    s.matter = "咨询退房时间";
    char *huge = calloc(1, 100 * 1024 + 1);
    memset(huge, 'y', 100 * 1024);
    s.matter = huge;
    s_expect(d, "oversize request (100 KiB)", s_packed(&req, 0), "OVERSIZE");
    free(huge);
    /* issue 12, item 10: a 10 MB field is answered, not dropped */
    huge = calloc(1, 10 * 1024 * 1024 + 1);
    memset(huge, 'z', 10 * 1024 * 1024);
    s.matter = huge;
    s_expect(d, "a 10 MiB matter", s_packed(&req, 0), "OVERSIZE");
    free(huge);
    s.matter = "咨询退房时间";

    /* a NUL inside a string would cut what the customer said short */
    s.matter = "咨询退房时间XYZ";
    {
        size_t len = protobuf_c_message_get_packed_size(&req.base);
        uint8_t *buf = malloc(len);
        protobuf_c_message_pack(&req.base, buf);
        uint8_t *x = memmem(buf, len, "XYZ", 3);
        if (x)
            *x = 0;
        zmsg_t *nul = zmsg_new();
        zmsg_addmem(nul, buf, len);
        free(buf);
        s_expect(d, "NUL byte inside the matter", nul, "MALFORMED");
    }
    s.matter = "咨询退房时间";
    c.name = "\xe5\xbc\xa0\xff";
    s_expect(d, "invalid UTF-8 in name", s_packed(&req, 0), "BAD_UTF8");
    c.name = "张三";
    c.phone = "call me maybe";
    s_expect(d, "bad phone number", s_packed(&req, 0), "BAD_PHONE");
    c.phone = "13800000000";
    req.branch_id = "bad branch/../x";
    s_expect(d, "branch id with spaces and slashes", s_packed(&req, 0), "BAD_ID");
    req.branch_id = "";

    /* issue 8, defect 6: blank text, text that hides or reorders, an
       unknown kind of request, a protocol this hub does not speak */
    s.matter = "   \t ";
    s_expect(d, "a matter of white space only", s_packed(&req, 0), "MISSING_FIELD");
    s.matter = "咨询退房时间";
    c.name = "\xe3\x80\x80"; /* 全角空格 */
    s_expect(d, "a name of an ideographic space only", s_packed(&req, 0),
             "MISSING_FIELD");
    c.name = "张\xe2\x80\xae三"; /* U+202E RIGHT-TO-LEFT OVERRIDE */
    s_expect(d, "a bidi override in the name", s_packed(&req, 0), "BAD_TEXT");
    c.name = "张\t三";
    s_expect(d, "a tab in the name", s_packed(&req, 0), "BAD_UTF8");
    c.name = "张三";
    s_expect(d, "an unknown kind of request", s_unknown_kind(&req), "UNSUPPORTED");
    req.protocol_version = 2;
    s_expect(d, "a future branch protocol", s_packed(&req, 0), "UNSUPPORTED_VERSION");
    req.protocol_version = 1;
    /* issue 8, defect 1: when the customer asked must be plausible */
    s.received_at_us = (zclock_time() + 86400 * 1000) * 1000;
    s_expect(d, "received a day in the future", s_packed(&req, 0), "BAD_TIME");
    s.received_at_us = 946684800LL * 1000000; /* 2000-01-01 */
    s_expect(d, "received in the year 2000", s_packed(&req, 0), "BAD_TIME");
    s.received_at_us = 0;

    /* intake keeps serving: a good inquiry is accepted */
    s_expect_ok(d, "a good inquiry after the bad ones is accepted", s_packed(&req, 0));
    /* issue 8, defect 3: explicit defaults are a valid encoding */
    req.request_id = "probe-explicit";
    s_expect_ok(d, "explicitly encoded defaults (unit \"\", urgency 0) are accepted",
                s_explicit_defaults(&req));
    zsock_destroy(&d);
    printf("%d rejections expected\n", s_rejections);
    printf("%d passed, %d failed\n", s_pass, s_fail);
    return s_fail ? 1 : 0;
}
