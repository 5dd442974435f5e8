/*  shouwen: the branch command line.
      shouwen submit  --channel phone --kind consultation --name 张三 ...
      shouwen stats
    Talks to the hub's intake over ZeroMQ (DEALER).  A request is resent
    with the same request id until the hub answers OK or REJECTED, so a
    lost answer never makes a second case; the exit code is 0 only when the
    outcome is committed. */
#define _GNU_SOURCE /* strptime */
#include <ctype.h>
#include <time.h>
#include <getopt.h>
#include <sodium.h>

#include "shouwen_anchor.h"
#include "sw_alloc.h"
#include "shouwen_print.h"
#include "shouwen_query.h"
#include "shouwen_status.h"
#include "sw_envelope.h"
#include "sw_hub.h"
#include "sw_json.h"
#include "sw_log.h"

#define EXIT_REJECTED 2 /* the hub said no: the message says why */
#define EXIT_NO_ANSWER                                                                   \
    75 /* EX_TEMPFAIL: not confirmed in time, resend with --request-id */
#define EXIT_USAGE 64

typedef struct {
    const char *endpoint; /* intake's branch endpoint */
    const char *branch_id;
    const char *request_id;
    double timeout_s;        /* give up after this long */
    bool json;               /* print the whole reply as JSON */
    bool quiet_ok;           /* the caller prints its own line on OK */
    bool timeline;           /* the reply is a case timeline */
    char note[300];          /* the hub's message with an OK */
    const char *cert;        /* this branch's certificate (with its _secret) */
    const char *server_cert; /* the hub's public certificate */
    const char *admin_cert;  /* an administrator's certificate, for loads */
    bool cert_given;         /* --cert on the command line */
    char fresh_id[40];       /* a request id made for this run */
} s_opts_t;

/* Every verb, with its options and the rule it carries out (help VERB). */
static const struct {
    const char *verb, *args, *help;
} s_help[] = {
    {"submit",
     "--channel C --kind K --name NAME --phone PHONE --matter TEXT --category ID "
     "--receiver STAFF_ID",
     "register an inquiry with its first owner, the person first asked (R1, R2).\n"
     "  --channel visit|phone|letter|fax|email|hotline|online_chat|forum|weibo|\n"
     "            meeting|callback|hand_delivery|mailbox\n"
     "  --kind consultation|business|complaint|report|help|suggestion|repair|\n"
     "         bug_report|on_site_support|training\n"
     "  [--unit UNIT] [--address ADDRESS] [--urgency normal|urgent]\n"
     "  [--named-employee STAFF_ID] [--linked-case CASE_ID] (V5)\n"
     "  [--received-at @UNIX_SECONDS|YYYY-MM-DDTHH:MM:SS+08:00] when the customer asked\n"
     "  prints the case id; resending with the same --request-id is the same case"},
    {"transfer", "CASE --staff ID (--to-department ID | --to-staff ID) --reason TEXT",
     "pass the case on, signed and timed (R5, R10, R14).\n"
     "  There is no refuse (R13): whoever is asked first owns the case, and whoever\n"
     "  passes it on, sends it back (return) or forwards it signs a clear written\n"
     "  opinion why (签注明确意见): --reason here, --opinion for return and forward.\n"
     "  A blank opinion, or only \"不归我们管\", is refused; the receiver signs for it\n"
     "  (accept) within the transfer limit (R10), and a case passed back and forth\n"
     "  too often is locked to one owner (R18)."},
    {"accept", "CASE --staff ID", "sign for a case passed to you (签收, R14)"},
    {"return", "CASE --staff ID --opinion TEXT",
     "send a wrongly passed case back, with a clear written opinion (R13, R18)"},
    {"forward", "CASE --staff ID --to-department ID --opinion TEXT",
     "pass it to the department that handles it, with a written opinion (R13)"},
    {"reply",
     "CASE --staff ID --text TEXT [--checklist A,B,...] [--override-phrases WHY]",
     "answer the customer; the one-time-notification items attested (R3); forbidden\n"
     "  phrases are refused unless overridden with a reason (R24)"},
    {"progress", "CASE --staff ID --text TEXT", "stage feedback on a long matter (R3)"},
    {"resolve", "CASE --staff ID --summary TEXT", "the matter is done"},
    {"callback", "CASE --staff ID --reached yes|no [--rating 1-5] [--text NOTE]",
     "the first owner calls the customer back (回访, R16, V3)"},
    {"reopen", "CASE --staff ID --reason TEXT", "the customer is not satisfied"},
    {"escalate", "CASE --staff ID --reason TEXT", "report it one rung up (R8, R15)"},
    {"coordinate", "CASE --staff ID --assisting DEPT,... [--reason TEXT]",
     "a lead department with assisting ones (R9, R18)"},
    {"close", "CASE --staff ID --reason TEXT [--guidance TEXT]",
     "close it; outside the organisation only with the guidance given (R6)"},
    {"contact-leader", "CASE --staff ID --to-staff LEADER",
     "a customer asks for a leader's contact: private unless permitted (R19)"},
    {"grant-contact", "CASE --staff LEADER", "the leader permits disclosure (R19)"},
    {"wait", "CASE --staff ID --reason TEXT",
     "the case waits on the customer; clocks pause"},
    {"resume", "CASE --staff ID", "the customer came back; clocks run"},
    {"show", "CASE [--json]",
     "the case's timeline (only cases your branch had a part in)"},
    {"stats", "[--json]", "the hub's counters, refusals among them"},
    {"status", "[--dir DIR] [--json] [--prometheus FILE]",
     "every daemon's health from its record (DIR: SHOUWEN_HEALTH_DIR, /run/shouwen);\n"
     "  exit 0 all healthy, 1 not, 66 no record; docs/operations.md \"Health\""},
    {"inbox", "--staff ID [--limit N] [--json]",
     "the cases a staff member holds (first owner, factual owner, handler, or passed\n"
     "  to them and not yet signed for), soonest deadline first, each running deadline\n"
     "  with its state; only your branch's staff (docs/queries.md)"},
    {"queue", "--department ID [--limit N] [--json]",
     "a department's cases: those it handles and those passed to it"},
    {"due", "[--within MINUTES] [--callbacks] [--staff ID | --department ID] [--json]",
     "cases with a deadline falling due within MINUTES (60), overdue ones included;\n"
     "  --callbacks: only callbacks due (回访, R16); default all your branch's"},
    {"find", "(--phone PHONE | --case CASE) [--json]",
     "a customer's cases by phone number, or a case by its id (only your branch's)"},
    {"watch", "[--staff ID]... [--department ID]... [--from POSITION] [--for SECONDS]",
     "print notifications as they come (转交、退回、签收、预警、超时、升级、回访、R19);\n"
     "  a staff member's watch includes their department's; --from resumes after the\n"
     "  last position shown (printed on exit), without it only new ones"},
    {"directory", "load FILE [--kind organisation|calendar] [--by STAFF_ID]",
     "load the organisation or calendar (an administrator's key: SHOUWEN_ADMIN_CERT)"},
    {"keygen",
     "NAME [--dir DIR] [--branch ID | --admin STAFF_ID | --daemon NAME | --anchor]",
     "a key pair: NAME.cert (public, says who holds it) for an allow-list,\n"
     "  NAME.cert_secret (0600) for its owner; --anchor: audit's Ed25519 anchor key"},
    {"verify", "--anchors FILE [--postgres CONNINFO] [--key PUBLIC_CERT]",
     "check the log against audit's signed anchors (docs/anchors.md)"},
};
#define S_HELP_COUNT (sizeof s_help / sizeof s_help[0])

static void s_usage_to(FILE *out)
{
    fprintf(out, "usage: shouwen [--endpoint URL] [--branch ID] [--cert FILE] "
                 "[--server-cert FILE] VERB [options]\n"
                 "       shouwen help VERB | --help | --version\n"
                 "verbs:\n");
    for (size_t i = 0; i < S_HELP_COUNT; i++) {
        const char *nl = strchr(s_help[i].help, '\n');
        fprintf(out, "  %-15s %.*s\n", s_help[i].verb,
                (int)(nl ? (size_t)(nl - s_help[i].help) : strlen(s_help[i].help)),
                s_help[i].help);
    }
    fprintf(
        out,
        "every request also takes [--request-id ID] [--json] [--timeout SECONDS]\n"
        "environment: SHOUWEN_ENDPOINT (default " SW_HUB_BRANCHES "),\n"
        "             SHOUWEN_CERT (this branch's key), SHOUWEN_SERVER_CERT (the "
        "hub's),\n"
        "             SHOUWEN_ADMIN_CERT (an administrator's key, for directory load),\n"
        "             SHOUWEN_BRANCH (default: the branch of the key),\n"
        "             SHOUWEN_TZ (the zone times are shown in; default Asia/Shanghai)\n"
        "exit: 0 done, 2 refused (the message says why), 64 usage, 75 not confirmed in\n"
        "      time (nothing is lost: run it again with the same --request-id)\n");
}

static void s_usage(void)
{
    s_usage_to(stderr);
}

/* shouwen help VERB: to stdout, exit 0; 64 for an unknown verb. */
static int s_help_verb(const char *verb)
{
    for (size_t i = 0; i < S_HELP_COUNT; i++)
        if (streq(s_help[i].verb, verb)) {
            printf("usage: shouwen %s %s\n  %s\n", verb, s_help[i].args, s_help[i].help);
            return 0;
        }
    fprintf(stderr, "shouwen: no verb '%s'\n", verb);
    s_usage();
    return EXIT_USAGE;
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

/* A DEALER to the hub (shouwen_connect); NULL with *rc = EXIT_USAGE when
   the keys or the endpoint are wrong. */
static zsock_t *s_connect(s_opts_t *o, int *rc)
{
    shouwen_link_t link = {
        .endpoint = o->endpoint, .cert = o->cert, .server_cert = o->server_cert};
    zsock_t *dealer = shouwen_connect(&link);
    if (!dealer)
        *rc = EXIT_USAGE;
    return dealer;
}

/* Send req until OK or REJECTED, resending on RETRY or silence (after a
   silence on a fresh connection: a handshake that never finished does not
   hold the request up). */
static int s_exchange(s_opts_t *o, Shouwen__V1__BranchRequest *req)
{
    int rc = 0;
    zsock_t *dealer = s_connect(o, &rc);
    if (!dealer)
        return rc;
    int64_t give_up = zclock_mono() + (int64_t)(o->timeout_s * 1000);
    int backoff = 100;
    rc = EXIT_NO_ANSWER;
    const char *last = "no answer from the hub";
    while (zclock_mono() < give_up) {
        /* a send waits at most until the deadline: a hub that refused our
           key (or our lack of one) leaves the socket with no peer, and a
           plain send would then wait for ever */
        int left = (int)(give_up - zclock_mono());
        zsock_set_sndtimeo(dealer, left > 0 ? left : 1);
        zframe_t *out = sw_pack_frame(&req->base);
        if (zframe_send(&out, dealer, 0) != 0) {
            zframe_destroy(&out);
            last =
                "the hub did not accept the connection (is this key on its allow-list?)";
            zclock_sleep(100);
            continue;
        }
        int wait = (int)(give_up - zclock_mono());
        zsock_set_rcvtimeo(dealer, wait < 5000 ? (wait > 0 ? wait : 1) : 5000);
        zframe_t *in = zframe_recv(dealer);
        /* silence for longer than intake takes to say RETRY (3 s by
           default): resend the same request on a fresh connection */
        if (!in) {
            zsock_destroy(&dealer);
            int again = 0;
            if (!(dealer = s_connect(o, &again)))
                return again;
            continue;
        }
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
            snprintf(o->note, sizeof o->note, "%s", reply->message);
            if (o->timeline)
                shouwen_print_timeline(reply, o->json);
            else if (!o->quiet_ok)
                shouwen_print_reply(reply, o->json);
            rc = 0;
        } else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
            if (o->json)
                shouwen_print_reply(reply, true);
            fprintf(stderr, "shouwen: rejected: %s: %s\n", reply->code, reply->message);
            rc = EXIT_REJECTED;
        } else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED) {
            /* shouwen-branch has it on disk and delivers it to the hub with
               the same request id; the case id is the one the hub will give */
            if (!o->quiet_ok)
                shouwen_print_reply(reply, o->json);
            fprintf(stderr,
                    "shouwen: %s 已在本网点登记，等待总部确认"
                    "（请求号 %s；网点与总部恢复连接后自动送达，不会丢失）\n",
                    reply->case_id, req->request_id);
            rc = 0;
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

/* --request-id, --json and --timeout, taken by every request. */
static bool s_common_option(s_opts_t *o, int ch)
{
    switch (ch) {
    case 'i':
        o->request_id = optarg;
        return true;
    case 'j':
        o->json = true;
        return true;
    case 't':
        o->timeout_s = atof(optarg);
        return true;
    default:
        return false;
    }
}

/* Request id (fresh unless --request-id gave one) and branch id. */
static void s_address(s_opts_t *o, Shouwen__V1__BranchRequest *req)
{
    if (!o->request_id) {
        shouwen_fresh_request_id(o->fresh_id, sizeof o->fresh_id);
        o->request_id = o->fresh_id;
    }
    req->request_id = (char *)o->request_id;
    req->branch_id = (char *)(o->branch_id ? o->branch_id : "");
    req->protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
}

/* "@1767225600" or "2026-01-01T08:00:00+08:00" as UTC microseconds. */
static int s_parse_when(const char *text, int64_t *us)
{
    char *end = NULL;
    if (text[0] == '@') {
        long long secs = strtoll(text + 1, &end, 10);
        if (end == text + 1 || *end)
            return -1;
        *us = (int64_t)secs * 1000000;
        return 0;
    }
    struct tm tm = {0};
    end = strptime(text, "%Y-%m-%dT%H:%M:%S%z", &tm);
    if (!end || *end)
        return -1;
    long offset = tm.tm_gmtoff;
    *us = ((int64_t)timegm(&tm) - offset) * 1000000;
    return 0;
}

static int s_submit(s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {{"channel", 1, 0, 'c'},
                                             {"kind", 1, 0, 'k'},
                                             {"unit", 1, 0, 'u'},
                                             {"name", 1, 0, 'n'},
                                             {"phone", 1, 0, 'p'},
                                             {"address", 1, 0, 'a'},
                                             {"matter", 1, 0, 'm'},
                                             {"category", 1, 0, 'g'},
                                             {"urgency", 1, 0, 'U'},
                                             {"receiver", 1, 0, 'r'},
                                             {"named-employee", 1, 0, 'e'},
                                             {"linked-case", 1, 0, 'l'},
                                             {"request-id", 1, 0, 'i'},
                                             {"json", 0, 0, 'j'},
                                             {"timeout", 1, 0, 't'},
                                             {"received-at", 1, 0, 'W'},
                                             {0, 0, 0, 0}};
    Shouwen__V1__InquirySubmit s = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;
    /* when the customer asked: --received-at (a spool's resend), else the
       hub's clock when intake takes it (0) */
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
        case 'W':
            if (s_parse_when(optarg, &s.received_at_us) != 0) {
                fprintf(stderr,
                        "shouwen: --received-at takes @UNIX_SECONDS or "
                        "YYYY-MM-DDTHH:MM:SS+08:00, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        default:
            if (!s_common_option(o, ch)) {
                s_usage();
                return EXIT_USAGE;
            }
        }
    }
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    req.submit = &s;
    s_address(o, &req);
    return s_exchange(o, &req);
}

static const struct {
    const char *verb;
    Shouwen__V1__CommandKind kind;
} s_verbs[] = {
    {"transfer", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_TRANSFER},
    {"accept", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_ACCEPT},
    {"return", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RETURN},
    {"forward", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_FORWARD},
    {"reply", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_REPLY},
    {"progress", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_PROGRESS},
    {"resolve", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RESOLVE},
    {"callback", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CALLBACK},
    {"reopen", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_REOPEN},
    {"escalate", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_ESCALATE},
    {"coordinate", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_COORDINATE},
    {"close", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CLOSE},
    {"contact-leader", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CONTACT_LEADER},
    {"grant-contact", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_GRANT_CONTACT},
    {"wait", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_WAIT_CUSTOMER},
    {"resume", SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RESUME},
};

/* "a,b,c" -> a NULL-free array of pointers into a copy of text. */
static size_t s_split(char *text, char ***out)
{
    size_t n = 0;
    char **items = sw_calloc(strlen(text) + 1, sizeof(char *));
    for (char *tok = strtok(text, ","); tok; tok = strtok(NULL, ","))
        items[n++] = tok;
    *out = items;
    return n;
}

static int s_command(s_opts_t *o, Shouwen__V1__CommandKind kind, int argc, char **argv)
{
    static const struct option longopts[] = {{"staff", 1, 0, 's'},
                                             {"to-department", 1, 0, 'D'},
                                             {"to-staff", 1, 0, 'T'},
                                             {"opinion", 1, 0, 'o'},
                                             {"text", 1, 0, 'x'},
                                             {"summary", 1, 0, 'x'},
                                             {"reason", 1, 0, 'R'},
                                             {"guidance", 1, 0, 'G'},
                                             {"checklist", 1, 0, 'C'},
                                             {"assisting", 1, 0, 'A'},
                                             {"reached", 1, 0, 'h'},
                                             {"rating", 1, 0, 'N'},
                                             {"override-phrases", 1, 0, 'O'},
                                             {"request-id", 1, 0, 'i'},
                                             {"json", 0, 0, 'j'},
                                             {"timeout", 1, 0, 't'},
                                             {0, 0, 0, 0}};
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "shouwen: %s needs a case id\n", argv[0]);
        return EXIT_USAGE;
    }
    Shouwen__V1__Command c = SHOUWEN__V1__COMMAND__INIT;
    c.kind = kind;
    c.case_id = argv[1];
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            c.staff_id = optarg;
            break;
        case 'D':
            c.to_department_id = optarg;
            break;
        case 'T':
            c.to_staff_id = optarg;
            break;
        case 'o':
            c.opinion = optarg;
            break;
        case 'x':
            c.text = optarg;
            break;
        case 'R':
            c.reason = optarg;
            break;
        case 'G':
            c.guidance = optarg;
            break;
        case 'C':
            c.n_checklist_attested = s_split(optarg, &c.checklist_attested);
            break;
        case 'A':
            c.n_assisting_department_ids = s_split(optarg, &c.assisting_department_ids);
            break;
        case 'h':
            c.reached = streq(optarg, "yes") || streq(optarg, "true");
            break;
        case 'N':
            c.rating = (uint32_t)atoi(optarg);
            break;
        case 'O':
            c.phrase_override = true;
            c.override_reason = optarg;
            break;
        default:
            if (!s_common_option(o, ch)) {
                s_usage();
                return EXIT_USAGE;
            }
        }
    }
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND;
    req.command = &c;
    s_address(o, &req);
    o->quiet_ok = !o->json;
    int rc = s_exchange(o, &req);
    if (rc == 0 && !o->json)
        printf("ok %s %s%s%s\n", argv[0], c.case_id, o->note[0] ? ": " : "", o->note);
    free(c.checklist_attested);
    free(c.assisting_department_ids);
    return rc;
}

static int s_directory(s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"by", 1, 0, 'b'},   {"kind", 1, 0, 'k'},    {"request-id", 1, 0, 'i'},
        {"json", 0, 0, 'j'}, {"timeout", 1, 0, 't'}, {0, 0, 0, 0}};
    if (argc < 3 || !streq(argv[1], "load")) {
        fprintf(stderr, "shouwen: usage: directory load FILE --by STAFF [--kind KIND]\n");
        return EXIT_USAGE;
    }
    Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
    load.kind = (char *)"organisation";
    load.file_name = argv[2];
    int ch;
    optind = 3;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            load.loaded_by = optarg;
            break;
        case 'k':
            load.kind = optarg;
            break;
        default:
            if (!s_common_option(o, ch)) {
                s_usage();
                return EXIT_USAGE;
            }
        }
    }
    zchunk_t *chunk = zchunk_slurp(argv[2], 0);
    if (!chunk) {
        fprintf(stderr, "shouwen: cannot read %s\n", argv[2]);
        return EXIT_USAGE;
    }
    load.content.data = zchunk_data(chunk);
    load.content.len = zchunk_size(chunk);
    /* a load is an administrator's: their key, when one is set apart */
    if (o->admin_cert && !o->cert_given)
        o->cert = o->admin_cert;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD;
    req.directory_load = &load;
    s_address(o, &req);
    o->quiet_ok = !o->json;
    int rc = s_exchange(o, &req);
    if (rc == 0 && !o->json)
        printf("loaded %s\n", argv[2]);
    zchunk_destroy(&chunk);
    return rc;
}

static int s_show(s_opts_t *o, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "shouwen: show needs a case id\n");
        return EXIT_USAGE;
    }
    static const struct option longopts[] = {{"json", 0, 0, 'j'},
                                             {"timeout", 1, 0, 't'},
                                             {"request-id", 1, 0, 'i'},
                                             {0, 0, 0, 0}};
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if (!s_common_option(o, ch)) {
            s_usage();
            return EXIT_USAGE;
        }
    Shouwen__V1__CaseQuery q = SHOUWEN__V1__CASE_QUERY__INIT;
    q.case_id = argv[1];
    q.time_zone = getenv("TZ"); /* the summaries' times in the zone shown */
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    s_address(o, &req);
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY;
    req.case_query = &q;
    o->timeline = true;
    return s_exchange(o, &req);
}

static int s_stats(s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {{"json", 0, 0, 'j'},
                                             {"timeout", 1, 0, 't'},
                                             {"request-id", 1, 0, 'i'},
                                             {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if (!s_common_option(o, ch)) {
            s_usage();
            return EXIT_USAGE;
        }
    Shouwen__V1__StatsQuery q = SHOUWEN__V1__STATS_QUERY__INIT;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    s_address(o, &req);
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
    /* times are shown in the organisation's zone: SHOUWEN_TZ, else Beijing
       time, the samples' (docs/architecture.md, "Time") */
    const char *zone = getenv("SHOUWEN_TZ");
    setenv("TZ", zone && *zone ? zone : "Asia/Shanghai", 1);
    tzset();
    s_opts_t o = {0};
    o.endpoint =
        getenv("SHOUWEN_ENDPOINT") ? getenv("SHOUWEN_ENDPOINT") : SW_HUB_BRANCHES;
    o.branch_id = getenv("SHOUWEN_BRANCH") && *getenv("SHOUWEN_BRANCH")
                      ? getenv("SHOUWEN_BRANCH")
                      : NULL; /* else the key's branch */
    o.admin_cert = getenv("SHOUWEN_ADMIN_CERT") && *getenv("SHOUWEN_ADMIN_CERT")
                       ? getenv("SHOUWEN_ADMIN_CERT")
                       : NULL;
    o.timeout_s = 30;
    o.cert =
        getenv("SHOUWEN_CERT") && *getenv("SHOUWEN_CERT") ? getenv("SHOUWEN_CERT") : NULL;
    o.server_cert = getenv("SHOUWEN_SERVER_CERT") && *getenv("SHOUWEN_SERVER_CERT")
                        ? getenv("SHOUWEN_SERVER_CERT")
                        : NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (streq(argv[i], "--endpoint") && i + 1 < argc)
            o.endpoint = argv[++i];
        else if (streq(argv[i], "--branch") && i + 1 < argc)
            o.branch_id = argv[++i];
        else if (streq(argv[i], "--cert") && i + 1 < argc) {
            o.cert = argv[++i];
            o.cert_given = true;
        } else if (streq(argv[i], "--server-cert") && i + 1 < argc)
            o.server_cert = argv[++i];
        else if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
            s_usage_to(stdout);
            return 0;
        } else if (streq(argv[i], "--version")) {
            printf("shouwen %s\n", SHOUWEN_VERSION);
            return 0;
        } else {
            s_usage();
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        s_usage();
        return EXIT_USAGE;
    }
    const char *cmd = argv[i];
    if (streq(cmd, "help"))
        return i + 1 < argc ? s_help_verb(argv[i + 1]) : (s_usage_to(stdout), 0);
    /* VERB --help: the verb's own help, to stdout */
    for (int k = i + 1; k < argc; k++)
        if (streq(argv[k], "--help") || streq(argv[k], "-h"))
            return s_help_verb(cmd);
    if (streq(cmd, "submit"))
        return s_submit(&o, argc - i, argv + i);
    if (streq(cmd, "stats"))
        return s_stats(&o, argc - i, argv + i);
    if (streq(cmd, "status"))
        return shouwen_status(argc - i, argv + i);
    if (streq(cmd, "keygen"))
        return shouwen_keygen(argc - i, argv + i);
    if (streq(cmd, "verify"))
        return shouwen_verify(argc - i, argv + i);
    if (streq(cmd, "show"))
        return s_show(&o, argc - i, argv + i);
    if (streq(cmd, "directory"))
        return s_directory(&o, argc - i, argv + i);
    if (shouwen_query_verb(cmd)) {
        shouwen_link_t link = {.endpoint = o.endpoint,
                               .branch_id = o.branch_id,
                               .cert = o.cert,
                               .server_cert = o.server_cert};
        return shouwen_query(&link, argc - i, argv + i);
    }
    for (size_t v = 0; v < sizeof s_verbs / sizeof s_verbs[0]; v++)
        if (streq(cmd, s_verbs[v].verb))
            return s_command(&o, s_verbs[v].kind, argc - i, argv + i);
    fprintf(stderr, "shouwen: unknown command '%s'\n", cmd);
    s_usage();
    return EXIT_USAGE;
}
