/*  shouwen: the branch command line.
      shouwen submit  --channel phone --kind consultation --name 张三 ...
      shouwen stats
    Talks to the hub's intake over ZeroMQ (DEALER).  A request is resent
    with the same request id until the hub answers OK or REJECTED, so a
    lost answer never makes a second case; the exit code is 0 only when the
    outcome is committed. */
#include <ctype.h>
#include <getopt.h>
#include <sodium.h>

#include "sw_envelope.h"
#include "sw_json.h"
#include "sw_log.h"

#define EXIT_REJECTED  2 /* the hub said no: the message says why */
#define EXIT_NO_ANSWER 3 /* not confirmed in time: resend with --request-id */
#define EXIT_USAGE     64

typedef struct {
    const char *endpoint; /* intake's branch endpoint */
    const char *branch_id;
    const char *request_id;
    double timeout_s; /* give up after this long */
    bool json;        /* print the whole reply as JSON */
} s_opts_t;

static void s_usage(void)
{
    fprintf(
        stderr,
        "usage: shouwen [--endpoint URL] [--branch ID] COMMAND [options]\n"
        "commands:\n"
        "  submit   register an inquiry (R1) with its first owner\n"
        "           --channel visit|phone|letter|fax|email|hotline|online_chat|forum|\n"
        "                     weibo|meeting|callback|hand_delivery|mailbox\n"
        "           --kind consultation|business|complaint|report|help|suggestion|\n"
        "                  repair|bug_report|on_site_support|training\n"
        "           --name NAME --phone PHONE [--unit UNIT] [--address ADDRESS]\n"
        "           --matter TEXT --category ID --receiver STAFF_ID\n"
        "           [--urgency normal|urgent] [--named-employee STAFF_ID]\n"
        "           [--linked-case CASE_ID] [--request-id ID] [--json] [--timeout S]\n"
        "  stats    the hub's intake counters\n"
        "environment: SHOUWEN_ENDPOINT (default tcp://127.0.0.1:7701),\n"
        "             SHOUWEN_BRANCH (default 'local')\n");
}

/* "phone" -> CHANNEL_PHONE's value, by the enum's own names. */
static int s_enum(const ProtobufCEnumDescriptor *desc, const char *prefix,
                  const char *name, const char *flag)
{
    char full[96];
    size_t n = (size_t)snprintf(full, sizeof full, "%s%s", prefix, name);
    for (size_t i = strlen(prefix); i < n && i < sizeof full; i++)
        full[i] = (char)toupper((unsigned char)(full[i] == '-' ? '_' : full[i]));
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(desc, full);
    if (!v) {
        fprintf(stderr, "shouwen: unknown %s '%s'\n", flag, name);
        exit(EXIT_USAGE);
    }
    return v->value;
}

static void s_print_reply(const Shouwen__V1__BranchReply *reply, bool json)
{
    if (json) {
        sw_json_t *j = sw_json_new();
        sw_json_message(j, &reply->base);
        printf("%s\n", sw_json_text(j));
        sw_json_destroy(&j);
    } else if (reply->n_counters) {
        for (size_t i = 0; i < reply->n_counters; i++)
            printf("%-28s %" PRIu64 "\n", reply->counters[i]->name,
                   reply->counters[i]->value);
    } else
        printf("%s\n", reply->case_id);
}

/* Send req until OK or REJECTED, resending on RETRY or silence. */
static int s_exchange(const s_opts_t *o, Shouwen__V1__BranchRequest *req)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    zsock_set_linger(dealer, 0);
    if (zsock_connect(dealer, "%s", o->endpoint) != 0) {
        fprintf(stderr, "shouwen: bad endpoint '%s'\n", o->endpoint);
        zsock_destroy(&dealer);
        return EXIT_USAGE;
    }
    int64_t give_up = zclock_mono() + (int64_t)(o->timeout_s * 1000);
    int backoff = 100, rc = EXIT_NO_ANSWER;
    const char *last = "no answer from the hub";
    while (zclock_mono() < give_up) {
        zframe_t *out = sw_pack_frame(&req->base);
        zframe_send(&out, dealer, 0);
        int wait = (int)(give_up - zclock_mono());
        zsock_set_rcvtimeo(dealer, wait < 3000 ? (wait > 0 ? wait : 1) : 3000);
        zframe_t *in = zframe_recv(dealer);
        if (!in)
            continue; /* silence: resend the same request */
        Shouwen__V1__BranchReply *reply =
            shouwen__v1__branch_reply__unpack(NULL, zframe_size(in), zframe_data(in));
        zframe_destroy(&in);
        if (!reply || !streq(reply->request_id, req->request_id)) {
            if (reply &&
                reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED &&
                !*reply->request_id) {
                fprintf(stderr, "shouwen: rejected: %s: %s\n", reply->code,
                        reply->message);
                shouwen__v1__branch_reply__free_unpacked(reply, NULL);
                rc = EXIT_REJECTED;
                break;
            }
            if (reply)
                shouwen__v1__branch_reply__free_unpacked(reply, NULL);
            continue; /* an answer to an earlier send */
        }
        if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK) {
            s_print_reply(reply, o->json);
            rc = 0;
        } else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
            if (o->json)
                s_print_reply(reply, true);
            fprintf(stderr, "shouwen: rejected: %s: %s\n", reply->code, reply->message);
            rc = EXIT_REJECTED;
        }
        bool retry = reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY;
        static char why[200];
        if (retry)
            snprintf(why, sizeof why, "%s: %s", reply->code, reply->message);
        shouwen__v1__branch_reply__free_unpacked(reply, NULL);
        if (!retry)
            break;
        last = why;
        zclock_sleep(backoff);
        backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
    }
    if (rc == EXIT_NO_ANSWER)
        fprintf(
            stderr,
            "shouwen: not confirmed within %.0f s (%s); nothing is lost: run the same "
            "command again with --request-id %s\n",
            o->timeout_s, last, req->request_id);
    zsock_destroy(&dealer);
    return rc;
}

static void s_fresh_request_id(char *out, size_t size)
{
    uint8_t r[12];
    randombytes_buf(r, sizeof r);
    char hex[25];
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(out, size, "cli-%s", hex);
}

static int s_submit(s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"channel", 1, 0, 'c'},        {"kind", 1, 0, 'k'},
        {"unit", 1, 0, 'u'},           {"name", 1, 0, 'n'},
        {"phone", 1, 0, 'p'},          {"address", 1, 0, 'a'},
        {"matter", 1, 0, 'm'},         {"category", 1, 0, 'g'},
        {"urgency", 1, 0, 'U'},        {"receiver", 1, 0, 'r'},
        {"named-employee", 1, 0, 'e'}, {"linked-case", 1, 0, 'l'},
        {"request-id", 1, 0, 'i'},     {"json", 0, 0, 'j'},
        {"timeout", 1, 0, 't'},        {0, 0, 0, 0}};
    Shouwen__V1__InquirySubmit s = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;
    Shouwen__V1__Customer cust = SHOUWEN__V1__CUSTOMER__INIT;
    s.customer = &cust;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            s.channel =
                s_enum(&shouwen__v1__channel__descriptor, "CHANNEL_", optarg, "channel");
            break;
        case 'k':
            s.kind = s_enum(&shouwen__v1__request_kind__descriptor, "REQUEST_KIND_",
                            optarg, "kind");
            break;
        case 'U':
            s.urgency =
                s_enum(&shouwen__v1__urgency__descriptor, "URGENCY_", optarg, "urgency");
            break;
        case 'u':
            cust.unit = optarg;
            break;
        case 'n':
            cust.name = optarg;
            break;
        case 'p':
            cust.phone = optarg;
            break;
        case 'a':
            cust.address = optarg;
            break;
        case 'm':
            s.matter = optarg;
            break;
        case 'g':
            s.category = optarg;
            break;
        case 'r':
            s.receiver_staff_id = optarg;
            break;
        case 'e':
            s.named_employee_id = optarg;
            break;
        case 'l':
            s.linked_case_id = optarg;
            break;
        case 'i':
            o->request_id = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 't':
            o->timeout_s = atof(optarg);
            break;
        default:
            s_usage();
            return EXIT_USAGE;
        }
    }
    char fresh[40];
    if (!o->request_id) {
        s_fresh_request_id(fresh, sizeof fresh);
        o->request_id = fresh;
    }
    s.received_at_us = zclock_time() * 1000;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = (char *)o->request_id;
    req.branch_id = (char *)o->branch_id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    req.submit = &s;
    return s_exchange(o, &req);
}

static int s_stats(s_opts_t *o)
{
    char fresh[40];
    s_fresh_request_id(fresh, sizeof fresh);
    Shouwen__V1__StatsQuery q = SHOUWEN__V1__STATS_QUERY__INIT;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = fresh;
    req.branch_id = (char *)o->branch_id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS;
    req.stats = &q;
    return s_exchange(o, &req);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    zsys_init();
    zsys_set_logstream(NULL);
    s_opts_t o = {0};
    o.endpoint =
        getenv("SHOUWEN_ENDPOINT") ? getenv("SHOUWEN_ENDPOINT") : "tcp://127.0.0.1:7701";
    o.branch_id = getenv("SHOUWEN_BRANCH") ? getenv("SHOUWEN_BRANCH") : "local";
    o.timeout_s = 30;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (streq(argv[i], "--endpoint") && i + 1 < argc)
            o.endpoint = argv[++i];
        else if (streq(argv[i], "--branch") && i + 1 < argc)
            o.branch_id = argv[++i];
        else {
            s_usage();
            return streq(argv[i], "--help") || streq(argv[i], "-h") ? 0 : EXIT_USAGE;
        }
    }
    if (i >= argc) {
        s_usage();
        return EXIT_USAGE;
    }
    const char *cmd = argv[i];
    if (streq(cmd, "submit"))
        return s_submit(&o, argc - i, argv + i);
    if (streq(cmd, "stats"))
        return s_stats(&o);
    fprintf(stderr, "shouwen: unknown command '%s'\n", cmd);
    s_usage();
    return EXIT_USAGE;
}
