/*  branch_probe: sends malformed branch requests to a running intake and
    checks each is answered REJECTED with the right reason code (issue 2,
    acceptance 5), then that a good inquiry is still accepted.
    usage: branch_probe ENDPOINT */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include <czmq.h>

#include "sw_envelope.h"

static int s_pass, s_fail;

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
    if (r)
        shouwen__v1__branch_reply__free_unpacked(r, NULL);
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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: branch_probe ENDPOINT\n");
        return 64;
    }
    zsys_init();
    zsock_t *d = zsock_new_dealer(argv[1]);
    zsock_set_rcvtimeo(d, 5000);
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
    req.branch_id = "probe";
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
    req.branch_id = "probe";

    /* intake keeps serving: a good inquiry is accepted */
    m = s_packed(&req, 0);
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
    bool ok = r && r->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK && *r->case_id;
    printf("%s - a good inquiry after the bad ones is accepted (%s)\n",
           ok ? "ok  " : "FAIL", r ? r->case_id : "no reply");
    ok ? s_pass++ : s_fail++;
    if (r)
        shouwen__v1__branch_reply__free_unpacked(r, NULL);
    zsock_destroy(&d);
    printf("%d passed, %d failed\n", s_pass, s_fail);
    return s_fail ? 1 : 0;
}
