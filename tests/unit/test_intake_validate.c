/*  test_intake_validate: every rejection of a branch request, by field and
    by reason code (inquiries, staff commands, directory loads); the UTF-8
    check at its edges; phone numbers as clerks write them; the defaults
    intake fills in; calendar files checked with sla's loader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake_validate.h"
#include "sw_test.h"

/* A well-formed phone inquiry; each test spoils one thing. */
typedef struct {
    Shouwen__V1__BranchRequest req;
    Shouwen__V1__InquirySubmit submit;
    Shouwen__V1__Customer customer;
} s_request_t;

static void s_request_init(s_request_t *r)
{
    shouwen__v1__customer__init(&r->customer);
    r->customer.name = "张三";
    r->customer.phone = "13800000000";
    shouwen__v1__inquiry_submit__init(&r->submit);
    r->submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    r->submit.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    r->submit.customer = &r->customer;
    r->submit.matter = "想预订下周的房间";
    r->submit.category = "room_booking";
    r->submit.receiver_staff_id = "fo-01";
    r->submit.received_at_us = 1780000000000000;
    shouwen__v1__branch_request__init(&r->req);
    r->req.request_id = "req-0001";
    r->req.branch_id = "local";
    r->req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    r->req.submit = &r->submit;
}

/* Runs both checks as intake does; the code, or "OK". */
static const char *s_verdict(s_request_t *r, char *message, size_t size)
{
    intake_rejection_t why;
    memset(&why, 0, sizeof why);
    int rc = intake_validate_request(&r->req, &why);
    if (rc == 0 && r->req.body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT)
        rc = intake_validate_submit(r->req.submit, &why);
    if (message)
        snprintf(message, size, "%s", rc == 0 ? "" : why.message);
    if (rc != 0 && why.code == NULL)
        return "(no code)";
    return rc == 0 ? "OK" : why.code;
}

/* A string of n copies of unit (a multi-byte unit gives n * its size). */
static char *s_repeat(const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *text = malloc(n * len + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + i * len, unit, len);
    text[n * len] = '\0';
    return text;
}

#define CHECK_VERDICT(r, code, text)                                                     \
    do {                                                                                 \
        char message_[160];                                                              \
        CHECK_STR(s_verdict(r, message_, sizeof message_), code);                        \
        CHECK_STR(message_, text);                                                       \
    } while (0)

static void test_valid_and_defaults(void)
{
    s_request_t r;
    s_request_init(&r);
    CHECK_VERDICT(&r, "OK", "");
    /* urgency left out: normal */
    CHECK_EQ(r.submit.urgency, SHOUWEN__V1__URGENCY__URGENCY_NORMAL);
    /* urgent stays urgent; nothing else is touched */
    s_request_init(&r);
    r.submit.urgency = SHOUWEN__V1__URGENCY__URGENCY_URGENT;
    CHECK_VERDICT(&r, "OK", "");
    CHECK_EQ(r.submit.urgency, SHOUWEN__V1__URGENCY__URGENCY_URGENT);
    CHECK_STR(r.submit.matter, "想预订下周的房间");
    CHECK_EQ(r.submit.received_at_us, 1780000000000000);
    /* every optional field empty, received_at 0 (the branch did not say) */
    s_request_init(&r);
    r.submit.received_at_us = 0;
    r.customer.unit = "";
    r.customer.address = NULL;
    r.submit.named_employee_id = "";
    r.submit.linked_case_id = NULL;
    CHECK_VERDICT(&r, "OK", "");
    /* every optional field full */
    s_request_init(&r);
    r.customer.unit = "杭州西湖文化旅游有限公司";
    r.customer.address = "杭州市西湖区北山街 1 号\n二楼";
    r.submit.named_employee_id = "hk.02";
    r.submit.linked_case_id = "SW-0000-0000-0001";
    r.submit.matter = "空调坏了\t两天无人处理 😡";
    CHECK_VERDICT(&r, "OK", "");
    /* other bodies pass the envelope-level check alone */
    Shouwen__V1__StatsQuery stats = SHOUWEN__V1__STATS_QUERY__INIT;
    s_request_init(&r);
    r.req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS;
    r.req.stats = &stats;
    CHECK_VERDICT(&r, "OK", "");
}

static void test_request_ids(void)
{
    s_request_t r;
    /* request_id: missing (empty and NULL), too long, bad characters */
    s_request_init(&r);
    r.req.request_id = "";
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "request_id is required");
    r.req.request_id = NULL;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "request_id is required");
    char *id64 = s_repeat("a", 64), *id65 = s_repeat("a", 65);
    r.req.request_id = id64;
    CHECK_VERDICT(&r, "OK", "");
    r.req.request_id = id65;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "request_id is too long");
    const char *bad_ids[] = {"req 1", "req/1", "req@1", "请求", "req\n", "a,b", "x+y"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        r.req.request_id = (char *)bad_ids[i];
        CHECK_VERDICT(&r, INTAKE_BAD_ID, "request_id may hold only A-Z a-z 0-9 . _ : -");
    }
    r.req.request_id = "Az09._:-";
    CHECK_VERDICT(&r, "OK", "");
    /* branch_id: optional (the key says which branch speaks, issue 8),
       else the same checks, after request_id */
    s_request_init(&r);
    r.req.branch_id = "";
    CHECK_VERDICT(&r, "OK", "");
    r.req.branch_id = NULL;
    CHECK_VERDICT(&r, "OK", "");
    r.req.branch_id = id65;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "branch_id is too long");
    r.req.branch_id = "hq front";
    CHECK_VERDICT(&r, INTAKE_BAD_ID, "branch_id may hold only A-Z a-z 0-9 . _ : -");
    r.req.request_id = "";
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "request_id is required");
    /* no body */
    s_request_init(&r);
    r.req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "a request body is required");
    free(id64);
    free(id65);
}

static void test_enums(void)
{
    s_request_t r;
    s_request_init(&r);
    r.submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_UNSPECIFIED;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "channel is required");
    r.submit.channel = (Shouwen__V1__Channel)99;
    CHECK_VERDICT(&r, INTAKE_UNKNOWN_ENUM, "channel has an unknown value");
    r.submit.channel = (Shouwen__V1__Channel)-1;
    CHECK_VERDICT(&r, INTAKE_UNKNOWN_ENUM, "channel has an unknown value");
    r.submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_MAILBOX; /* the highest */
    CHECK_VERDICT(&r, "OK", "");
    s_request_init(&r);
    r.submit.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_UNSPECIFIED;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "kind is required");
    r.submit.kind = (Shouwen__V1__RequestKind)11;
    CHECK_VERDICT(&r, INTAKE_UNKNOWN_ENUM, "kind has an unknown value");
    r.submit.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_TRAINING;
    CHECK_VERDICT(&r, "OK", "");
    s_request_init(&r);
    r.submit.urgency = (Shouwen__V1__Urgency)3;
    CHECK_VERDICT(&r, INTAKE_UNKNOWN_ENUM, "urgency has an unknown value");
    CHECK_EQ(r.submit.urgency, 3); /* not "fixed" by a default */
    /* order: channel is reported before kind */
    s_request_init(&r);
    r.submit.channel = 0;
    r.submit.kind = 0;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "channel is required");
}

static void test_text_fields(void)
{
    s_request_t r;
    s_request_init(&r);
    r.submit.customer = NULL;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "customer is required");

    /* name: required, at most 200 bytes (not characters), UTF-8, no controls */
    s_request_init(&r);
    r.customer.name = "";
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "customer.name is required");
    r.customer.name = NULL;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "customer.name is required");
    char *a200 = s_repeat("a", 200), *a201 = s_repeat("a", 201);
    char *han66 = s_repeat("张", 66), *han67 = s_repeat("张", 67); /* 198, 201 bytes */
    r.customer.name = a200;
    CHECK_VERDICT(&r, "OK", "");
    r.customer.name = a201;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "customer.name is too long");
    r.customer.name = han66;
    CHECK_VERDICT(&r, "OK", "");
    r.customer.name = han67;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "customer.name is too long");
    r.customer.name = "\xe5\xbc";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.name is not valid UTF-8");
    r.customer.name = "张\x01三";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.name contains control characters");
    r.customer.name = "张三\r";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.name contains control characters");
    r.customer.name = "\x1b[31m张三";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.name contains control characters");
    /* a name is one line: no tab, no newline (issue 8, defect 6) */
    r.customer.name = "张\t三\n";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.name contains control characters");
    r.customer.name = "张\xe2\x80\xae三"; /* U+202E RIGHT-TO-LEFT OVERRIDE */
    CHECK_VERDICT(&r, INTAKE_BAD_TEXT,
                  "customer.name contains invisible or text-reordering characters");
    r.customer.name = "张\xe2\x80\x8b三"; /* U+200B ZERO WIDTH SPACE */
    CHECK_VERDICT(&r, INTAKE_BAD_TEXT,
                  "customer.name contains invisible or text-reordering characters");
    r.customer.name = " \xe3\x80\x80 "; /* spaces and an ideographic space */
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "customer.name holds only white space");
    r.customer.name = "张三";
    r.submit.matter = "\n\t  ";
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "matter holds only white space");
    r.submit.matter = "第一行\n第二行\t（附件）";
    CHECK_VERDICT(&r, "OK", "");

    /* unit and address: optional, same checks, 200 and 400 bytes */
    s_request_init(&r);
    r.customer.unit = a201;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "customer.unit is too long");
    r.customer.unit = "\xc0\xaf";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.unit is not valid UTF-8");
    r.customer.unit = "a\x7f"; /* DEL and the C1 controls hide text */
    CHECK_VERDICT(&r, INTAKE_BAD_TEXT,
                  "customer.unit contains invisible or text-reordering characters");
    r.customer.unit = "   "; /* an optional field of blanks: leave it out */
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD,
                  "customer.unit holds only white space (leave it out instead)");
    s_request_init(&r);
    char *a400 = s_repeat("a", 400), *a401 = s_repeat("a", 401);
    r.customer.address = a400;
    CHECK_VERDICT(&r, "OK", "");
    r.customer.address = a401;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "customer.address is too long");
    r.customer.address = "\xed\xa0\x80";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.address is not valid UTF-8");
    r.customer.address = "a\x02";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.address contains control characters");

    /* matter: required, 4000 bytes */
    s_request_init(&r);
    r.submit.matter = "";
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "matter is required");
    char *a4000 = s_repeat("a", 4000), *a4001 = s_repeat("a", 4001);
    r.submit.matter = a4000;
    CHECK_VERDICT(&r, "OK", "");
    r.submit.matter = a4001;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "matter is too long");
    r.submit.matter = "\xf4\x90\x80\x80";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "matter is not valid UTF-8");

    /* linked_case_id: optional text, at most 64 bytes */
    s_request_init(&r);
    char *a64 = s_repeat("a", 64), *a65 = s_repeat("a", 65);
    r.submit.linked_case_id = a64;
    CHECK_VERDICT(&r, "OK", "");
    r.submit.linked_case_id = a65;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "linked_case_id is too long");
    r.submit.linked_case_id = "\xff";
    CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "linked_case_id is not valid UTF-8");

    /* the too-long check comes before the UTF-8 check */
    s_request_init(&r);
    char *bad201 = s_repeat("\xff", 201);
    r.customer.name = bad201;
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "customer.name is too long");
    free(bad201);
    free(a200);
    free(a201);
    free(han66);
    free(han67);
    free(a400);
    free(a401);
    free(a4000);
    free(a4001);
    free(a64);
    free(a65);
}

static void test_id_fields(void)
{
    s_request_t r;
    char *a64 = s_repeat("a", 64), *a65 = s_repeat("a", 65);
    struct {
        const char *field;
        char **slot;
        bool required;
    } ids[] = {{"category", &r.submit.category, true},
               {"receiver_staff_id", &r.submit.receiver_staff_id, true},
               {"named_employee_id", &r.submit.named_employee_id, false}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char expect[160];
        s_request_init(&r);
        *ids[i].slot = "";
        snprintf(expect, sizeof expect, "%s is required", ids[i].field);
        CHECK_VERDICT(&r, ids[i].required ? INTAKE_MISSING_FIELD : "OK",
                      ids[i].required ? expect : "");
        *ids[i].slot = a64;
        CHECK_VERDICT(&r, "OK", "");
        *ids[i].slot = a65;
        snprintf(expect, sizeof expect, "%s is too long", ids[i].field);
        CHECK_VERDICT(&r, INTAKE_TOO_LONG, expect);
        *ids[i].slot = "客房";
        snprintf(expect, sizeof expect, "%s may hold only A-Z a-z 0-9 . _ : -",
                 ids[i].field);
        CHECK_VERDICT(&r, INTAKE_BAD_ID, expect);
        *ids[i].slot = "room booking";
        CHECK_VERDICT(&r, INTAKE_BAD_ID, expect);
    }
    free(a64);
    free(a65);
}

static void test_received_at(void)
{
    s_request_t r;
    s_request_init(&r);
    r.submit.received_at_us = -1;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "received_at_us must be a time after 1970");
    r.submit.received_at_us = INT64_MIN;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "received_at_us must be a time after 1970");
    r.submit.received_at_us = INT64_MAX;
    CHECK_VERDICT(&r, "OK", "");
    /* a rejection leaves urgency as it was (defaults only on success) */
    s_request_init(&r);
    r.submit.received_at_us = -1;
    s_verdict(&r, NULL, 0);
    CHECK_EQ(r.submit.urgency, SHOUWEN__V1__URGENCY__URGENCY_UNSPECIFIED);
}

static void test_phone(void)
{
    const char *accepted[] = {
        "13800000000",       "110",
        "+86 138 0000 0000", "+86-571-87001000",
        "(0571) 8700-1000",  "0571-8700-1000 x12",
        "0571-87001000,12",  "0571 8700 1000x",
        "+1 (555) 010-0199", "12345678901234567890123456789012"}; /* 32 bytes */
    const char *bad_format[] = {"138-0000-000O",                  /* letter O */
                                "1380000000+",                    /* + not first */
                                "86+13800000000",
                                "138.0000.0000",
                                "138/0000/0000",
                                "tel:13800000000",
                                "１３８", /* full-width digits */
                                "１３８００００００００",
                                "138\t0000 0000",
                                "138#0000"};
    const char *few_digits[] = {"12", "+1", "()- x,", "x1x2"};
    s_request_t r;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        s_request_init(&r);
        r.customer.phone = (char *)accepted[i];
        CHECK_VERDICT(&r, "OK", "");
    }
    for (size_t i = 0; i < sizeof bad_format / sizeof bad_format[0]; i++) {
        s_request_init(&r);
        r.customer.phone = (char *)bad_format[i];
        char message[160];
        const char *code = s_verdict(&r, message, sizeof message);
        /* "１３８…" is 33 bytes: too long before it is looked at */
        if (strlen(bad_format[i]) > 32)
            CHECK_STR(code, INTAKE_TOO_LONG);
        else {
            CHECK_STR(code, INTAKE_BAD_PHONE);
            CHECK_STR(message, "customer.phone is not a phone number");
        }
    }
    for (size_t i = 0; i < sizeof few_digits / sizeof few_digits[0]; i++) {
        s_request_init(&r);
        r.customer.phone = (char *)few_digits[i];
        CHECK_VERDICT(&r, INTAKE_BAD_PHONE, "customer.phone has too few digits");
    }
    s_request_init(&r);
    r.customer.phone = "123456789012345678901234567890123"; /* 33 */
    CHECK_VERDICT(&r, INTAKE_TOO_LONG, "customer.phone is too long");
    /* R2: a phone inquiry needs the number; other channels need none */
    s_request_init(&r);
    r.customer.phone = "";
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "customer.phone is required");
    r.customer.phone = NULL;
    CHECK_VERDICT(&r, INTAKE_MISSING_FIELD, "customer.phone is required");
    r.submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_VISIT;
    CHECK_VERDICT(&r, "OK", "");
    r.customer.phone = "";
    r.submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_HOTLINE;
    CHECK_VERDICT(&r, "OK", "");
    /* ...but a number given on any channel must be one */
    r.customer.phone = "ask at desk";
    CHECK_VERDICT(&r, INTAKE_BAD_PHONE, "customer.phone is not a phone number");
}

static void test_utf8(void)
{
    struct {
        const char *text;
        size_t len;
        bool valid;
    } cases[] = {
        {"", 0, true},
        {"plain ASCII\x7f", 12, true},
        {"\xc2\x80", 2, true},         /* U+0080, smallest 2-byte */
        {"\xdf\xbf", 2, true},         /* U+07FF */
        {"\xe0\xa0\x80", 3, true},     /* U+0800, smallest 3-byte */
        {"\xed\x9f\xbf", 3, true},     /* U+D7FF, below the surrogates */
        {"\xee\x80\x80", 3, true},     /* U+E000, above them */
        {"\xef\xbf\xbf", 3, true},     /* U+FFFF */
        {"\xf0\x90\x80\x80", 4, true}, /* U+10000, smallest 4-byte */
        {"\xf4\x8f\xbf\xbf", 4, true}, /* U+10FFFF, the largest */
        {"张三 😀 ok", 14, true},
        {"a\0b", 3, true},                      /* NUL is ASCII (fields stop at it) */
        {"\xc0\x80", 2, false},                 /* overlong NUL */
        {"\xc1\xbf", 2, false},                 /* overlong U+007F */
        {"\xe0\x80\xaf", 3, false},             /* overlong '/' */
        {"\xe0\x9f\xbf", 3, false},             /* overlong U+07FF */
        {"\xf0\x80\x80\xaf", 4, false},         /* overlong '/' */
        {"\xf0\x8f\xbf\xbf", 4, false},         /* overlong U+FFFF */
        {"\xed\xa0\x80", 3, false},             /* U+D800 */
        {"\xed\xbf\xbf", 3, false},             /* U+DFFF */
        {"\xed\xa0\xbd\xed\xb8\x80", 6, false}, /* CESU-8 surrogate pair */
        {"\xf4\x90\x80\x80", 4, false},         /* U+110000 */
        {"\xf5\x80\x80\x80", 4, false},
        {"\xf7\xbf\xbf\xbf", 4, false},     /* U+1FFFFF */
        {"\xf8\x88\x80\x80\x80", 5, false}, /* 5-byte form */
        {"\xfc\x84\x80\x80\x80\x80", 6, false},
        {"\xfe", 1, false},
        {"\xff", 1, false},
        {"\x80", 1, false}, /* lone continuation */
        {"a\xbf", 2, false},
        {"\xc2", 1, false}, /* truncated */
        {"\xe5\xbc", 2, false},
        {"\xf0\x9f\x98", 3, false},
        {"张\xe5", 4, false},
        {"\xe5\x41\xa0", 3, false}, /* not a continuation byte */
        {"\xf0\x9f\x98\x41", 4, false},
        {"\xc2\xc2\x80", 3, false},
        {"张三", 2, false}, /* len cuts a character */
        {"张三", 3, true},  /* len at a character boundary */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = intake_utf8_valid(cases[i].text, cases[i].len);
        if (got != cases[i].valid)
            fprintf(stderr, "utf8 case %zu: expected %d\n", i, cases[i].valid);
        CHECK_EQ(got, cases[i].valid);
    }
    /* the same, through a field: an invalid case is BAD_UTF8 in the name */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].valid || cases[i].len != strlen(cases[i].text))
            continue;
        s_request_t r;
        s_request_init(&r);
        r.customer.name = (char *)cases[i].text;
        CHECK_VERDICT(&r, INTAKE_BAD_UTF8, "customer.name is not valid UTF-8");
    }
}

/* A staff action: a transfer with an opinion; each check spoils one field. */
static void s_command_init(Shouwen__V1__Command *c)
{
    shouwen__v1__command__init(c);
    c->kind = SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_TRANSFER;
    c->case_id = "SW-7K3M-9QXZ-2B4D";
    c->staff_id = "fo-01";
    c->to_staff_id = "hk-head";
    c->to_department_id = "housekeeping";
    c->opinion = "属客房部职责，请签收";
}

static const char *s_command_verdict(Shouwen__V1__Command *c, char *message, size_t size)
{
    intake_rejection_t why;
    memset(&why, 0, sizeof why);
    int rc = intake_validate_command(c, &why);
    snprintf(message, size, "%s", rc == 0 ? "" : why.message);
    return rc == 0 ? "OK" : why.code ? why.code : "(no code)";
}

#define CHECK_COMMAND(c, code, text)                                                     \
    do {                                                                                 \
        char message_[160];                                                              \
        CHECK_STR(s_command_verdict(c, message_, sizeof message_), code);                \
        CHECK_STR(message_, text);                                                       \
    } while (0)

static void test_command(void)
{
    Shouwen__V1__Command c;
    s_command_init(&c);
    CHECK_COMMAND(&c, "OK", "");
    c.kind = SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_UNSPECIFIED;
    CHECK_COMMAND(&c, INTAKE_MISSING_FIELD, "kind is required");
    c.kind = (Shouwen__V1__CommandKind)99;
    CHECK_COMMAND(&c, INTAKE_UNKNOWN_ENUM, "kind has an unknown value");
    c.kind = SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RESUME; /* the highest */
    CHECK_COMMAND(&c, "OK", "");

    char *a64 = s_repeat("a", 64), *a65 = s_repeat("a", 65), *a200 = s_repeat("a", 200),
         *a201 = s_repeat("a", 201), *a4000 = s_repeat("a", 4000),
         *a4001 = s_repeat("a", 4001);
    s_command_init(&c);
    c.case_id = "";
    CHECK_COMMAND(&c, INTAKE_MISSING_FIELD, "case_id is required");
    c.case_id = a64;
    CHECK_COMMAND(&c, "OK", "");
    c.case_id = a65;
    CHECK_COMMAND(&c, INTAKE_TOO_LONG, "case_id is too long");
    c.case_id = "SW-\xc0\x80";
    CHECK_COMMAND(&c, INTAKE_BAD_UTF8, "case_id is not valid UTF-8");
    s_command_init(&c);
    c.staff_id = NULL;
    CHECK_COMMAND(&c, INTAKE_MISSING_FIELD, "staff_id is required");
    c.staff_id = "前台";
    CHECK_COMMAND(&c, INTAKE_BAD_ID, "staff_id may hold only A-Z a-z 0-9 . _ : -");
    s_command_init(&c);
    c.to_staff_id = "";
    c.to_department_id = "";
    c.opinion = "";
    CHECK_COMMAND(&c, "OK", ""); /* all optional */
    c.to_staff_id = "hk head";
    CHECK_COMMAND(&c, INTAKE_BAD_ID, "to_staff_id may hold only A-Z a-z 0-9 . _ : -");
    s_command_init(&c);
    c.to_department_id = a65;
    CHECK_COMMAND(&c, INTAKE_TOO_LONG, "to_department_id is too long");

    /* the five free texts: optional, 4000 bytes, UTF-8, no controls */
    const char *names[] = {"opinion", "text", "reason", "guidance", "override_reason"};
    for (size_t i = 0; i < 5; i++) {
        char expect[160];
        s_command_init(&c);
        char **slot[] = {&c.opinion, &c.text, &c.reason, &c.guidance, &c.override_reason};
        *slot[i] = a4000;
        CHECK_COMMAND(&c, "OK", "");
        *slot[i] = a4001;
        snprintf(expect, sizeof expect, "%s is too long", names[i]);
        CHECK_COMMAND(&c, INTAKE_TOO_LONG, expect);
        *slot[i] = "\xed\xbf\xbf";
        snprintf(expect, sizeof expect, "%s is not valid UTF-8", names[i]);
        CHECK_COMMAND(&c, INTAKE_BAD_UTF8, expect);
        *slot[i] = "a\x07";
        snprintf(expect, sizeof expect, "%s contains control characters", names[i]);
        CHECK_COMMAND(&c, INTAKE_BAD_UTF8, expect);
    }

    /* V3: a callback rating is 1..5, 0 when not given */
    s_command_init(&c);
    c.rating = 5;
    CHECK_COMMAND(&c, "OK", "");
    c.rating = 6;
    CHECK_COMMAND(&c, INTAKE_UNKNOWN_ENUM, "rating must be 1 to 5 (0: not given)");

    /* lists: bounded, and every entry checked */
    char *items[65], *depts[17];
    for (size_t i = 0; i < 65; i++)
        items[i] = "where";
    for (size_t i = 0; i < 17; i++)
        depts[i] = "housekeeping";
    s_command_init(&c);
    c.checklist_attested = items;
    c.n_checklist_attested = 64;
    c.assisting_department_ids = depts;
    c.n_assisting_department_ids = 16;
    CHECK_COMMAND(&c, "OK", "");
    c.n_checklist_attested = 65;
    CHECK_COMMAND(&c, INTAKE_TOO_LONG, "checklist_attested has too many entries");
    c.n_checklist_attested = 1;
    c.n_assisting_department_ids = 17;
    CHECK_COMMAND(&c, INTAKE_TOO_LONG, "assisting_department_ids has too many entries");
    c.n_assisting_department_ids = 2;
    items[0] = "";
    CHECK_COMMAND(&c, INTAKE_MISSING_FIELD, "checklist_attested is required");
    items[0] = a200;
    CHECK_COMMAND(&c, "OK", "");
    items[0] = a201;
    CHECK_COMMAND(&c, INTAKE_TOO_LONG, "checklist_attested is too long");
    items[0] = "where";
    depts[1] = "客房部";
    CHECK_COMMAND(&c, INTAKE_BAD_ID,
                  "assisting_department_ids may hold only A-Z a-z 0-9 . _ : -");
    depts[1] = "";
    CHECK_COMMAND(&c, INTAKE_MISSING_FIELD, "assisting_department_ids is required");
    free(a64);
    free(a65);
    free(a200);
    free(a201);
    free(a4000);
    free(a4001);
}

static const char *s_load_verdict(Shouwen__V1__DirectoryLoad *load, char *message,
                                  size_t size)
{
    intake_rejection_t why;
    memset(&why, 0, sizeof why);
    int rc = intake_validate_directory_load(load, &why);
    snprintf(message, size, "%s", rc == 0 ? "" : why.message);
    return rc == 0 ? "OK" : why.code ? why.code : "(no code)";
}

#define CHECK_LOAD(l, code, text)                                                        \
    do {                                                                                 \
        char message_[160];                                                              \
        CHECK_STR(s_load_verdict(l, message_, sizeof message_), code);                   \
        CHECK_STR(message_, text);                                                       \
    } while (0)

static void test_directory_load(void)
{
    static char text[] = "directory\n    version = \"酒店-2026.1\"\n";
    Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
    load.kind = "organisation";
    load.content.data = (uint8_t *)text;
    load.content.len = strlen(text);
    load.loaded_by = "admin-01";
    load.file_name = "hotel.conf";
    CHECK_LOAD(&load, "OK", "");
    load.kind = "calendar";
    CHECK_LOAD(&load, "OK", "");
    const char *bad_kinds[] = {"", "Organisation", "calendars", "directory"};
    for (size_t i = 0; i < 4; i++) {
        load.kind = (char *)bad_kinds[i];
        CHECK_LOAD(&load, INTAKE_UNKNOWN_ENUM, "kind must be organisation or calendar");
    }
    load.kind = NULL;
    CHECK_LOAD(&load, INTAKE_UNKNOWN_ENUM, "kind must be organisation or calendar");
    load.kind = "organisation";
    load.loaded_by = ""; /* the administrator's key says who loads */
    CHECK_LOAD(&load, "OK", "");
    load.loaded_by = "admin 01";
    CHECK_LOAD(&load, INTAKE_BAD_ID, "loaded_by may hold only A-Z a-z 0-9 . _ : -");
    load.loaded_by = "admin-01";
    char *a400 = s_repeat("a", 400), *a401 = s_repeat("a", 401);
    load.file_name = "";
    CHECK_LOAD(&load, "OK", "");
    load.file_name = a400;
    CHECK_LOAD(&load, "OK", "");
    load.file_name = a401;
    CHECK_LOAD(&load, INTAKE_TOO_LONG, "file_name is too long");
    load.file_name = "\xff.conf";
    CHECK_LOAD(&load, INTAKE_BAD_UTF8, "file_name is not valid UTF-8");
    load.file_name = "hotel.conf";
    /* content: required, at most 63 KiB (room for the rest of the request),
       UTF-8; it is parsed later, so NUL and control bytes pass here */
    load.content.len = 0;
    CHECK_LOAD(&load, INTAKE_MISSING_FIELD, "content is required");
    size_t max = INTAKE_MAX_REQUEST - 1024;
    uint8_t *big = malloc(max + 1);
    memset(big, 'a', max + 1);
    load.content.data = big;
    load.content.len = max;
    CHECK_LOAD(&load, "OK", "");
    load.content.len = max + 1;
    CHECK_LOAD(&load, INTAKE_TOO_LONG, "content is too long");
    big[10] = 0xe5; /* a truncated 张 in the middle */
    big[11] = 0xbc;
    load.content.len = max;
    CHECK_LOAD(&load, INTAKE_BAD_UTF8, "content is not valid UTF-8");
    static uint8_t nul[] = {'a', 0, 'b', 1, '\n'};
    load.content.data = nul;
    load.content.len = sizeof nul;
    CHECK_LOAD(&load, "OK", "");
    free(big);
    free(a400);
    free(a401);
}

/* Calls intake_validate_calendar on text; the version, or the error (the
   caller frees the result).  *rc gets the return code. */
static char *s_calendar(const char *text, size_t len, const char *file, int *rc)
{
    char version[64] = "unset", *error = (char *)"unset";
    *rc = intake_validate_calendar(text, len, file, version, sizeof version, &error);
    if (*rc == 0) {
        CHECK(error == NULL);
        return strdup(version);
    }
    CHECK(error != NULL);
    return error;
}

static void test_calendar(void)
{
    /* the shipped calendar loads, with its version */
    FILE *file = fopen(SHOUWEN_SOURCE_DIR "/deploy/calendar/cn-2026.conf", "rb");
    CHECK(file != NULL);
    char *text = calloc(1, 65536);
    size_t len = file ? fread(text, 1, 65535, file) : 0;
    if (file)
        fclose(file);
    int rc;
    char *got = s_calendar(text, len, "cn-2026.conf", &rc);
    CHECK_EQ(rc, 0);
    CHECK_STR(got, "cn-2026.1");
    free(got);
    free(text);
    const char *plain =
        "offices\n    hq\n        zone = UTC\n        hours = 09:00-17:00\n";
    got = s_calendar(plain, strlen(plain), "plain.conf", &rc);
    CHECK_EQ(rc, 0);
    CHECK_STR(got, ""); /* no version given */
    free(got);

    /* valid ZPL that sla refuses: refused with the file, line and reason */
    static const struct {
        const char *text, *expected;
    } bad[] = {
        {"version = \"x\"\noffices\n    hq\n        zone = Asia/Shanghai\n"
         "        hours = 09:00-17:00\n        holiday\n            2026-02-30 = 假\n",
         "bad.conf: line 7: offices/hq/holiday: '2026-02-30' is not a date"},
        {"offices\n    hq\n        zone = Asia/Shanghia\n        hours = 09:00-17:00\n",
         "bad.conf: line 3: offices/hq/zone: 'Asia/Shanghia' is not a time zone"},
        {"offices\n    hq\n        zone = UTC\n        hours = 17:00-09:00\n",
         "bad.conf: line 4: offices/hq/hours: '17:00-09:00' ends before it starts"},
        {"version = \"x\"\n", "bad.conf: offices: missing"},
        /* and what is not ZPL at all */
        {"offices\n    hq\n      zone = UTC\n", "bad.conf: line 3: not valid ZPL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        got = s_calendar(bad[i].text, strlen(bad[i].text), "bad.conf", &rc);
        CHECK_EQ(rc, -1);
        bool ok = got && strncmp(got, bad[i].expected, strlen(bad[i].expected)) == 0;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "calendar %zu: got '%s', expected '%s...'\n", i, got,
                    bad[i].expected);
        free(got);
    }
    /* no file name: "file" */
    got = s_calendar(bad[1].text, strlen(bad[1].text), NULL, &rc);
    CHECK(rc == -1 && strncmp(got, "file: line 3: ", 14) == 0);
    free(got);
}

int main(void)
{
    test_valid_and_defaults();
    test_request_ids();
    test_enums();
    test_text_fields();
    test_id_fields();
    test_received_at();
    test_phone();
    test_utf8();
    test_command();
    test_directory_load();
    test_calendar();
    SW_TEST_DONE();
}
