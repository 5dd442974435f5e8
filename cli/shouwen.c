/*  shouwen: the branch command line.
      shouwen submit  --channel phone --kind consultation --name 张三 ...
      shouwen stats
    Talks to the hub's intake over ZeroMQ (DEALER).  A request is resent
    with the same request id until the hub answers OK or REJECTED, so a
    lost answer never makes a second case; the exit code is 0 only when the
    outcome is committed.  Every verb and option is a row of
    shouwen_verbs.c, parsed by shouwen_opts.c; messages go through gettext
    (shouwen_i18n.h). */
#include <sodium.h>

#include "shouwen_i18n.h"
#include "shouwen_print.h"
#include "shouwen_query.h"
#include "shouwen_verbs.h"
#include "sw_alloc.h"
#include "sw_envelope.h"
#include "sw_hub.h"

#define EXIT_REJECTED 2 /* the hub said no: the message says why */
#define EXIT_NO_ANSWER                                                                   \
    75 /* EX_TEMPFAIL: not confirmed in time, resend with --request-id */

/* A field set only when its option was given: what was not keeps
   protobuf-c's empty default. */
#define S_GIVEN(target, value)                                                           \
    if (value)                                                                           \
    target = (char *)(value)

/* One request to the hub and how its answer is shown. */
typedef struct {
    shouwen_args_t *a;
    bool quiet_ok;     /* the caller prints its own line on OK */
    bool timeline;     /* the reply is a case timeline */
    char note[300];    /* the hub's message with an OK */
    char fresh_id[40]; /* a request id made for this run */
} s_req_t;

/* A DEALER to the hub (shouwen_connect); NULL with *rc = EXIT_USAGE when
   the keys or the endpoint are wrong. */
static zsock_t *s_connect(s_req_t *o, int *rc)
{
    shouwen_link_t link = {
        .endpoint = o->a->endpoint, .cert = o->a->cert, .server_cert = o->a->server_cert};
    zsock_t *dealer = shouwen_connect(&link);
    if (!dealer)
        *rc = SHOUWEN_EXIT_USAGE;
    return dealer;
}

/* Send req until OK or REJECTED, resending on RETRY or silence (after a
   silence on a fresh connection: a handshake that never finished does not
   hold the request up). */
static int s_exchange(s_req_t *o, Shouwen__V1__BranchRequest *req)
{
    int rc = 0;
    zsock_t *dealer = s_connect(o, &rc);
    if (!dealer)
        return rc;
    int64_t give_up = zclock_mono() + (int64_t)(o->a->timeout_s * 1000);
    int backoff = 100;
    rc = EXIT_NO_ANSWER;
    const char *last = _("no answer from the hub");
    while (zclock_mono() < give_up) {
        /* a send waits at most until the deadline: a hub that refused our
           key (or our lack of one) leaves the socket with no peer, and a
           plain send would then wait for ever */
        int left = (int)(give_up - zclock_mono());
        zsock_set_sndtimeo(dealer, left > 0 ? left : 1);
        zframe_t *out = sw_pack_frame(&req->base);
        if (zframe_send(&out, dealer, 0) != 0) {
            zframe_destroy(&out);
            last = _("the hub did not accept the connection (is this key on its "
                     "allow-list?)");
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
                fprintf(stderr, _("shouwen: rejected: %s: %s\n"), reply->code,
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
                shouwen_print_timeline(reply, o->a->json);
            else if (!o->quiet_ok)
                shouwen_print_reply(reply, o->a->json);
            rc = 0;
        } else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
            if (o->a->json)
                shouwen_print_reply(reply, true);
            fprintf(stderr, _("shouwen: rejected: %s: %s\n"), reply->code,
                    reply->message);
            rc = EXIT_REJECTED;
        } else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED) {
            /* shouwen-branch has it on disk and delivers it to the hub with
               the same request id; the case id is the one the hub will give */
            if (!o->quiet_ok)
                shouwen_print_reply(reply, o->a->json);
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
        fprintf(stderr,
                _("shouwen: not confirmed within %.0f s (%s); nothing is lost: run the "
                  "same command again with --request-id %s\n"),
                o->a->timeout_s, last, req->request_id);
    zsock_destroy(&dealer);
    return rc;
}

/* Request id (fresh unless --request-id gave one) and branch id. */
static void s_address(s_req_t *o, Shouwen__V1__BranchRequest *req)
{
    if (!o->a->request_id) {
        shouwen_fresh_request_id(o->fresh_id, sizeof o->fresh_id);
        o->a->request_id = o->fresh_id;
    }
    req->request_id = (char *)o->a->request_id;
    req->branch_id = (char *)(o->a->branch_id ? o->a->branch_id : "");
    req->protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
}

int shouwen_submit(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    Shouwen__V1__InquirySubmit s = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;
    Shouwen__V1__Customer cust = SHOUWEN__V1__CUSTOMER__INIT;
    s.customer = &cust;
    s.channel = a->channel;
    s.kind = a->request_kind;
    s.urgency = a->urgency;
    S_GIVEN(cust.unit, a->unit);
    S_GIVEN(cust.name, a->name);
    S_GIVEN(cust.phone, a->phone);
    S_GIVEN(cust.address, a->address);
    S_GIVEN(s.matter, a->matter);
    S_GIVEN(s.category, a->category);
    S_GIVEN(s.receiver_staff_id, a->receiver);
    S_GIVEN(s.named_employee_id, a->named_employee);
    S_GIVEN(s.linked_case_id, a->linked_case);
    /* when the customer asked: --received-at (a spool's resend), else the
       hub's clock when intake takes it (0) */
    s.received_at_us = a->received_at_us;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    req.submit = &s;
    s_req_t o = {.a = a};
    s_address(&o, &req);
    return s_exchange(&o, &req);
}

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

/* Every staff action: the verb's row gives its kind. */
int shouwen_command(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    Shouwen__V1__Command c = SHOUWEN__V1__COMMAND__INIT;
    c.kind = (Shouwen__V1__CommandKind)verb->code;
    c.case_id = a->operands[0];
    S_GIVEN(c.staff_id, a->staff);
    S_GIVEN(c.to_department_id, a->to_department);
    S_GIVEN(c.to_staff_id, a->to_staff);
    S_GIVEN(c.opinion, a->opinion);
    S_GIVEN(c.text, a->text);
    S_GIVEN(c.reason, a->reason);
    S_GIVEN(c.guidance, a->guidance);
    c.reached = a->reached;
    c.rating = a->rating;
    char *checklist = a->checklist ? strdup(a->checklist) : NULL;
    char *assisting = a->assisting ? strdup(a->assisting) : NULL;
    if (checklist)
        c.n_checklist_attested = s_split(checklist, &c.checklist_attested);
    if (assisting)
        c.n_assisting_department_ids = s_split(assisting, &c.assisting_department_ids);
    if (a->override_phrases) {
        c.phrase_override = true;
        c.override_reason = (char *)a->override_phrases;
    }
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND;
    req.command = &c;
    s_req_t o = {.a = a};
    s_address(&o, &req);
    o.quiet_ok = !a->json;
    int rc = s_exchange(&o, &req);
    if (rc == 0 && !a->json)
        printf("ok %s %s%s%s\n", verb->name, c.case_id, o.note[0] ? ": " : "", o.note);
    free(c.checklist_attested);
    free(c.assisting_department_ids);
    free(checklist);
    free(assisting);
    return rc;
}

int shouwen_directory(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    if (strcmp(a->operands[0], "load") != 0) {
        fprintf(stderr,
                _("shouwen: usage: directory load FILE --by STAFF [--kind KIND]\n"));
        return SHOUWEN_EXIT_USAGE;
    }
    const char *file = a->operands[1];
    Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
    load.kind = (char *)(a->load_kind ? a->load_kind : "organisation");
    load.file_name = (char *)file;
    S_GIVEN(load.loaded_by, a->by);
    zchunk_t *chunk = zchunk_slurp(file, 0);
    if (!chunk) {
        fprintf(stderr, _("shouwen: cannot read %s\n"), file);
        return SHOUWEN_EXIT_USAGE;
    }
    load.content.data = zchunk_data(chunk);
    load.content.len = zchunk_size(chunk);
    /* a load is an administrator's: their key, when one is set apart */
    if (a->admin_cert && !a->cert_given)
        a->cert = a->admin_cert;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD;
    req.directory_load = &load;
    s_req_t o = {.a = a};
    s_address(&o, &req);
    o.quiet_ok = !a->json;
    int rc = s_exchange(&o, &req);
    if (rc == 0 && !a->json)
        printf(_("loaded %s\n"), file);
    zchunk_destroy(&chunk);
    return rc;
}

int shouwen_show(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    Shouwen__V1__CaseQuery q = SHOUWEN__V1__CASE_QUERY__INIT;
    q.case_id = a->operands[0];
    q.time_zone = getenv("TZ"); /* the summaries' times in the zone shown */
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    s_req_t o = {.a = a, .timeline = true};
    s_address(&o, &req);
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY;
    req.case_query = &q;
    return s_exchange(&o, &req);
}

int shouwen_stats(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    Shouwen__V1__StatsQuery q = SHOUWEN__V1__STATS_QUERY__INIT;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    s_req_t o = {.a = a};
    s_address(&o, &req);
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS;
    req.stats = &q;
    return s_exchange(&o, &req);
}

static const char *s_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* shouwen help [VERB | --verbs | --scdoc]: to stdout, exit 0. */
static int s_help(int argc, char **argv)
{
    if (argc < 2) {
        shouwen_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--verbs") == 0) {
        shouwen_help_verbs(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--scdoc") == 0) {
        shouwen_help_scdoc(stdout);
        return 0;
    }
    return shouwen_help_verb(argv[1]);
}

int main(int argc, char **argv)
{
    shouwen_i18n_init();
    if (sodium_init() < 0)
        return 1;
    zsys_init();
    zsys_set_logstream(NULL);
    /* times are shown in the organisation's zone: SHOUWEN_TZ, else Beijing
       time, the samples' (docs/architecture.md, "Time") */
    const char *zone = getenv("SHOUWEN_TZ");
    setenv("TZ", zone && *zone ? zone : "Asia/Shanghai", 1);
    tzset();
    shouwen_args_t a = {0};
    a.endpoint =
        getenv("SHOUWEN_ENDPOINT") ? getenv("SHOUWEN_ENDPOINT") : SW_HUB_BRANCHES;
    a.branch_id = s_env("SHOUWEN_BRANCH"); /* else the key's branch */
    a.admin_cert = s_env("SHOUWEN_ADMIN_CERT");
    a.cert = s_env("SHOUWEN_CERT");
    a.server_cert = s_env("SHOUWEN_SERVER_CERT");
    a.timeout_s = 30;
    int i = 0;
    if (shouwen_opts_global(argc, argv, &a, &i) != 0) {
        shouwen_usage(stderr);
        return SHOUWEN_EXIT_USAGE;
    }
    if (a.help) {
        shouwen_usage(stdout);
        return 0;
    }
    if (a.version) {
        printf("shouwen %s\n", SHOUWEN_VERSION);
        return 0;
    }
    if (i >= argc) {
        shouwen_usage(stderr);
        return SHOUWEN_EXIT_USAGE;
    }
    const char *cmd = argv[i];
    if (strcmp(cmd, "help") == 0)
        return s_help(argc - i, argv + i);
    const shouwen_verb_t *verb = shouwen_verb_find(cmd);
    if (!verb) {
        fprintf(stderr, _("shouwen: unknown command '%s'\n"), cmd);
        shouwen_usage(stderr);
        return SHOUWEN_EXIT_USAGE;
    }
    /* VERB --help: the verb's own help, to stdout */
    for (int k = i + 1; k < argc; k++)
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)
            return shouwen_help_verb(cmd);
    int rc = shouwen_opts_parse(verb, argc - i, argv + i, &a);
    if (rc == 0)
        rc = verb->run(verb, &a);
    shouwen_args_free(&a);
    return rc;
}
