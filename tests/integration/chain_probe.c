/*  chain_probe: random logs for audit's commit path (issue 10).  Publishes
    COUNT proposals drawn from SEED on audit's proposals endpoint, with
    intake's and sla's keys: inquiries whose texts hold what is hard to
    hash the way PostgreSQL prints jsonb (quotes, backslashes, control
    characters, invalid UTF-8, emoji, long strings, numbers at int64's
    edges, times before 1970), deadlines on those cases (some naming a
    stale version), facts with and without an actor or a causation, and
    resends of what it already sent.  The test then checks with plain SQL
    (verify_chain, event_chain_check) that audit's C chain is the one
    PostgreSQL recomputes, and that versions and positions are gapless.
    usage: chain_probe ENDPOINT AUDIT_CERT INTAKE_CERT SLA_CERT SEED COUNT [FIRST]
    Prints the number of distinct inquiries it sent.
    With SEED "plain" (bench/commit.sh): COUNT ordinary inquiries, each
    with four deadlines on its case, five valid events an inquiry, sent as
    fast as the sockets take them; their cases are numbered from FIRST (0)
    and have the request ids "plain/N". */
#include <czmq.h>
#include <stdint.h>

#include "sw_envelope.h"
#include "sw_eventid.h"

static uint64_t s_state;
static uint64_t s_rand(void) /* splitmix64: the same log for the same seed */
{
    uint64_t z = (s_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static const char *s_texts[] = {
    "张三",
    "客人说\"房间太冷\"",
    "路径 C:\\temp\\new",
    "换行\n制表\t回车\r",
    "\x01\x02\x1f控制",
    "emoji 😀🏨",
    "\xff\xfe 不是 UTF-8 \xc3\x28",
    "\xe4\xb8",
    "</script>'; drop table x; --",
    "\\u0000 literally",
    "a",
    "",
    "null",
    "{\"k\": [1, 2]}",
    "\x7f del",
    "é ü ß ñ",
    "   spaces   ",
};

static char s_long[3000];

static const char *s_text(void)
{
    uint64_t r = s_rand() % (sizeof s_texts / sizeof *s_texts + 1);
    return r == sizeof s_texts / sizeof *s_texts ? s_long : s_texts[r];
}

static int64_t s_time(void)
{
    switch (s_rand() % 4) {
    case 0:
        return -(int64_t)(s_rand() % 2000000000000000ULL); /* before 1970 */
    case 1:
        return 1772412000000000LL + (int64_t)(s_rand() % 1000000); /* 2026 */
    case 2:
        return 0;
    default:
        return (int64_t)(s_rand() % 4000000000000000000ULL);
    }
}

typedef struct {
    zsock_t *intake, *sla;
} probe_t;

static void s_send(zsock_t *pub, const char *topic, zframe_t *f, zlist_t *sent)
{
    zstr_sendm(pub, topic);
    zlist_append(sent, zframe_dup(f));
    zframe_send(&f, pub, 0);
}

/* Event k of ordinary case i: its inquiry (k 0) or a deadline on it. */
static void s_plain(zsock_t **pubs, int i, int k, uint64_t *seq)
{
    uint8_t id[SW_EVENTID_SIZE];
    char name[64], case_id[32];
    snprintf(name, sizeof name, "plain/%d", i);
    /* a case id as intake makes it (sla keeps only these): from the
       inquiry's event id */
    char inquiry_name[64];
    snprintf(inquiry_name, sizeof inquiry_name, "plain/%d/0", i);
    sw_eventid_make(id, "chain-probe", inquiry_name, strlen(inquiry_name));
    sw_caseid_from_event(id, case_id);
    Shouwen__V1__Customer c = SHOUWEN__V1__CUSTOMER__INIT;
    c.name = (char *)"张三";
    c.phone = (char *)"13800000000";
    Shouwen__V1__InquiryReceived r = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    r.branch_id = (char *)"hotel";
    r.request_id = name;
    r.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    r.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    r.customer = &c;
    r.matter = (char *)"客人询问早餐时间和停车位";
    r.category = (char *)"room_booking";
    r.receiver_staff_id = (char *)"fo-01";
    r.received_at_us = 1772412000000000LL + i;
    Shouwen__V1__DeadlineSet d = SHOUWEN__V1__DEADLINE_SET__INIT;
    d.kind = (Shouwen__V1__DeadlineKind)(1 + k % 3);
    d.due_at_us = 1772498400000000LL + i;
    d.warn_at_us = 1772484000000000LL + i;
    d.holder_staff_id = (char *)"fo-01";
    d.department_id = (char *)"front_office";
    d.policy = (char *)"R11 reply 1 working day";
    char event_name[64];
    snprintf(event_name, sizeof event_name, "plain/%d/%d", i, k);
    sw_eventid_make(id, "chain-probe", event_name, strlen(event_name));
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.producer_seq = (*seq)++;
    env.occurred_at_us = 1772412000000000LL + i;
    env.case_id = case_id;
    zframe_t *f;
    if (k == 0) {
        env.type = (char *)"inquiry.received";
        env.producer = (char *)"intake";
        env.actor = (char *)"fo-01";
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
        env.inquiry_received = &r;
        f = sw_pack_frame(&env.base);
        zstr_sendm(pubs[0], "inquiry.received.");
        zframe_send(&f, pubs[0], 0);
    } else {
        env.type = (char *)"sla.deadline_set";
        env.producer = (char *)"sla";
        env.actor = (char *)"sla";
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
        env.deadline_set = &d;
        f = sw_pack_frame(&env.base);
        zstr_sendm(pubs[1], "sla.deadline_set.");
        zframe_send(&f, pubs[1], 0);
    }
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(
            stderr,
            "usage: chain_probe ENDPOINT AUDIT_CERT INTAKE_CERT SLA_CERT SEED COUNT\n");
        return 64;
    }
    zsys_init();
    zsys_set_logstream(NULL);
    zsys_set_linger(30000); /* czmq's exit honours this, not the socket's */
    bool plain = streq(argv[5], "plain");
    int first = argc == 8 ? atoi(argv[7]) : 0; /* plain: the first case's number */
    s_state = strtoull(argv[5], NULL, 10);
    int count = atoi(argv[6]);
    memset(s_long, 'x', sizeof s_long - 1);
    memcpy(s_long, "长", 3);
    zcert_t *audit = zcert_load(argv[2]);
    zsock_t *pubs[2];
    for (int i = 0; i < 2; i++) {
        zcert_t *mine = zcert_load(argv[3 + i]);
        if (!mine || !audit) {
            fprintf(stderr, "chain_probe: cannot load the certificates\n");
            return 1;
        }
        pubs[i] = zsock_new(ZMQ_XPUB);    /* a PUB that hears audit subscribe */
        zsock_set_linger(pubs[i], 30000); /* deliver all before exiting */
        zsock_set_sndhwm(pubs[i], 100000);
        zcert_apply(mine, pubs[i]);
        zsock_set_curve_serverkey(pubs[i], zcert_public_txt(audit));
        zcert_destroy(&mine);
        if (zsock_connect(pubs[i], "%s", argv[1]) != 0) {
            fprintf(stderr, "chain_probe: cannot connect to %s\n", argv[1]);
            return 1;
        }
    }
    zcert_destroy(&audit);
    /* a publisher drops what it sends before the subscriber's subscription
       has come through the CURVE handshake: wait for audit's on each */
    for (int i = 0; i < 2; i++) {
        zsock_set_rcvtimeo(pubs[i], 10000);
        zframe_t *subscribed = zframe_recv(pubs[i]);
        if (!subscribed) {
            fprintf(stderr, "chain_probe: audit did not subscribe within 10 s\n");
            return 1;
        }
        zframe_destroy(&subscribed);
    }

    zlist_t *sent = zlist_new();
    char(*cases)[32] = calloc((size_t)count + 1, 32);
    int n_cases = 0, inquiries = 0;
    uint64_t seq = 1;
    /* plain: the inquiries of a thousand cases, then the deadlines of the
       thousand before, so that a case's inquiry is ahead of its deadlines
       in audit's queue */
    for (int from = 0; plain && from < count + 1000; from += 1000) {
        for (int i = from; i < from + 1000 && i < count; i++)
            s_plain(pubs, first + i, 0, &seq);
        if (from + 1000 >= count)
            zclock_sleep(100);
        for (int i = from - 1000; i >= 0 && i < from && i < count; i++)
            for (int k = 1; k < 5; k++)
                s_plain(pubs, first + i, k, &seq);
    }
    if (plain)
        inquiries = count;
    for (int i = 0; !plain && i < count; i++) {
        uint64_t pick = s_rand() % 10;
        uint8_t id[SW_EVENTID_SIZE], cause[SW_EVENTID_SIZE];
        char name[64];
        snprintf(name, sizeof name, "%s/%d", argv[5], i);
        sw_eventid_make(id, "chain-probe", name, strlen(name));
        sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
        env.event_id.data = id;
        env.event_id.len = SW_EVENTID_SIZE;
        env.producer_seq =
            s_rand() % 3 == 0 ? (uint64_t)INT64_MAX - s_rand() % 100 : seq++;
        env.occurred_at_us = s_time();
        env.actor = s_rand() % 3 == 0 ? (char *)"" : (char *)s_text();
        if (s_rand() % 2) {
            sw_eventid_make(cause, "cause", name, strlen(name));
            env.causation_id.data = cause;
            env.causation_id.len = SW_EVENTID_SIZE;
        }
        if (pick < 5 || n_cases == 0) { /* an inquiry opens a case */
            Shouwen__V1__Customer c = SHOUWEN__V1__CUSTOMER__INIT;
            c.name = (char *)s_text();
            c.phone = (char *)s_text();
            c.unit = (char *)s_text();
            Shouwen__V1__InquiryReceived r = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
            r.branch_id = (char *)"hotel";
            r.request_id = name;
            r.channel = (Shouwen__V1__Channel)(s_rand() % 4);
            r.kind = (Shouwen__V1__RequestKind)(s_rand() % 3);
            r.customer = s_rand() % 5 ? &c : NULL;
            r.matter = (char *)s_text();
            r.category = (char *)s_text();
            r.receiver_staff_id = (char *)"fo-01";
            r.received_at_us = 1772412000000000LL + (int64_t)(s_rand() % 86400000000ULL);
            uint8_t digest[7] = {1, 2, 3, 4, 5, 6, 7};
            r.request_digest.data = digest;
            r.request_digest.len = s_rand() % 8;
            sw_caseid_from_event(
                id, cases[n_cases]); /* as intake makes them: sla keeps these */
            env.case_id = cases[n_cases++];
            env.type = (char *)"inquiry.received";
            env.producer = (char *)"intake";
            env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
            env.inquiry_received = &r;
            s_send(pubs[0], "inquiry.received.", sw_pack_frame(&env.base), sent);
            inquiries++;
        } else if (pick < 9) { /* a deadline on a case, now and then stale */
            Shouwen__V1__DeadlineSet d = SHOUWEN__V1__DEADLINE_SET__INIT;
            d.kind = (Shouwen__V1__DeadlineKind)(1 + s_rand() % 3);
            d.due_at_us = s_time();
            d.warn_at_us = s_time();
            d.holder_staff_id = (char *)s_text();
            d.department_id = (char *)"front_office";
            d.policy = (char *)s_text();
            d.trigger_event_id.data = id;
            d.trigger_event_id.len = s_rand() % 2 ? SW_EVENTID_SIZE : 5;
            env.case_id = cases[s_rand() % (uint64_t)n_cases];
            env.case_version = s_rand() % 6 == 0 ? 1000 + s_rand() % 10 : 0;
            env.type = (char *)"sla.deadline_set";
            env.producer = (char *)"sla";
            env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
            env.deadline_set = &d;
            s_send(pubs[1], "sla.deadline_set.", sw_pack_frame(&env.base), sent);
        } else if (zlist_size(sent) > 0) { /* something sent before, again */
            size_t back = (size_t)(s_rand() % zlist_size(sent));
            zframe_t *f = (zframe_t *)zlist_first(sent);
            while (back-- > 0)
                f = (zframe_t *)zlist_next(sent);
            sw_envelope_t *again =
                sw_envelope_decode(zframe_data(f), zframe_size(f), NULL);
            int to = again && streq(again->producer, "sla") ? 1 : 0;
            sw_envelope_free(again);
            zstr_sendm(pubs[to], "again.");
            zframe_t *copy = zframe_dup(f);
            zframe_send(&copy, pubs[to], 0);
        }
        if (s_rand() % 50 == 0)
            zclock_sleep((int)(s_rand() % 20)); /* batches of varied size */
    }
    printf("%d\n", inquiries);
    zframe_t *f;
    while ((f = (zframe_t *)zlist_pop(sent)))
        zframe_destroy(&f);
    zlist_destroy(&sent);
    free(cases);
    zclock_sleep(300);
    zsock_destroy(&pubs[0]);
    zsock_destroy(&pubs[1]);
    return 0;
}
