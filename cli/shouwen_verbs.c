/*  shouwen_verbs: every verb of the CLI, one row each, with its options
    (shouwen_opts.h says what a row holds).  The parser, `shouwen --help`,
    `shouwen help VERB` and the man page's VERBS section (`shouwen help
    --scdoc`) all read these rows; the help texts are marked N_() and said
    in Chinese by po/zh_CN.po. */
#define _GNU_SOURCE /* strptime */
#include "shouwen_verbs.h"
#include "shouwen_i18n.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "sw_envelope.h"

#define F(field) offsetof(shouwen_args_t, field)

/* Rows: name, argument, kind, field, converter, need, alternative group,
   help. */
#define S_STR(name, arg, field, need, help)                                              \
    {                                                                                    \
        name, arg, SHOUWEN_OPT_STRING, F(field), NULL, need, 0, help, 0                  \
    }
#define S_ALT(name, arg, field, need, alt, help)                                         \
    {                                                                                    \
        name, arg, SHOUWEN_OPT_STRING, F(field), NULL, need, alt, help, 0                \
    }
#define S_FLAG(name, field, help)                                                        \
    {                                                                                    \
        name, NULL, SHOUWEN_OPT_FLAG, F(field), NULL, SHOUWEN_OPTIONAL, 0, help, 0       \
    }
#define S_CUSTOM(name, arg, fn, need, help)                                              \
    {                                                                                    \
        name, arg, SHOUWEN_OPT_CUSTOM, 0, fn, need, 0, help, 0                           \
    }
#define S_END                                                                            \
    {                                                                                    \
        0                                                                                \
    }

#define OPT  SHOUWEN_OPTIONAL
#define NEED SHOUWEN_NEEDED
#define REQ  SHOUWEN_REQUIRED

/* ------------------------------------------------------- conversions */

/* "phone" -> CHANNEL_PHONE's value, by the enum's own names. */
static int s_enum(const ProtobufCEnumDescriptor *desc, const char *prefix,
                  const char *option, const char *name, int *out)
{
    char full[96];
    size_t n = (size_t)snprintf(full, sizeof full, "%s%s", prefix, name);
    for (size_t i = strlen(prefix); i < n && i < sizeof full; i++)
        full[i] = (char)toupper((unsigned char)(full[i] == '-' ? '_' : full[i]));
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(desc, full);
    if (!v) {
        fprintf(stderr, _("shouwen: unknown %s '%s'\n"), option, name);
        return -1;
    }
    *out = v->value;
    return 0;
}

static int s_channel(shouwen_args_t *a, const char *option, const char *text)
{
    return s_enum(&shouwen__v1__channel__descriptor, "CHANNEL_", option, text,
                  &a->channel);
}

static int s_request_kind(shouwen_args_t *a, const char *option, const char *text)
{
    return s_enum(&shouwen__v1__request_kind__descriptor, "REQUEST_KIND_", option, text,
                  &a->request_kind);
}

static int s_urgency(shouwen_args_t *a, const char *option, const char *text)
{
    return s_enum(&shouwen__v1__urgency__descriptor, "URGENCY_", option, text,
                  &a->urgency);
}

/* "@1767225600" or "2026-01-01T08:00:00+08:00" as UTC microseconds. */
static int s_when(shouwen_args_t *a, const char *option, const char *text)
{
    char *end = NULL;
    if (text[0] == '@') {
        long long secs = strtoll(text + 1, &end, 10);
        if (end != text + 1 && !*end) {
            a->received_at_us = (int64_t)secs * 1000000;
            return 0;
        }
    } else {
        struct tm tm = {0};
        end = strptime(text, "%Y-%m-%dT%H:%M:%S%z", &tm);
        if (end && !*end) {
            long offset = tm.tm_gmtoff;
            a->received_at_us = ((int64_t)timegm(&tm) - offset) * 1000000;
            return 0;
        }
    }
    fprintf(stderr,
            _("shouwen: --received-at takes @UNIX_SECONDS or "
              "YYYY-MM-DDTHH:MM:SS+08:00, not '%s'\n"),
            text);
    return -1;
}

/* --reached yes|no (true|false as well) */
static int s_reached(shouwen_args_t *a, const char *option, const char *text)
{
    a->reached = strcmp(text, "yes") == 0 || strcmp(text, "true") == 0;
    if (a->reached || strcmp(text, "no") == 0 || strcmp(text, "false") == 0)
        return 0;
    fprintf(stderr, _("shouwen: --%s takes yes or no, not '%s'\n"), option, text);
    return -1;
}

/* --from POSITION: resume a watch after it */
static int s_from(shouwen_args_t *a, const char *option, const char *text)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-') {
        fprintf(stderr, _("shouwen: --%s takes a whole number, not '%s'\n"), option,
                text);
        return -1;
    }
    a->from = v;
    a->from_given = true;
    return 0;
}

/* --cert: this branch's key, chosen on the command line */
static int s_cert(shouwen_args_t *a, const char *option, const char *text)
{
    a->cert = text;
    a->cert_given = true;
    return 0;
}

/* ------------------------------------------------------- shared rows */

const shouwen_opt_t shouwen_global_opts[] = {
    S_STR("endpoint", "URL", endpoint, OPT, N_("intake's branch endpoint")),
    S_STR("branch", "ID", branch_id, OPT, N_("the branch id (default: the key's)")),
    S_CUSTOM("cert", "FILE", s_cert, OPT, N_("this branch's key (with its _secret)")),
    S_STR("server-cert", "FILE", server_cert, OPT, N_("the hub's public key")),
    {"help", NULL, SHOUWEN_OPT_FLAG, F(help), NULL, OPT, 0, N_("this help"), 'h'},
    S_FLAG("version", version, N_("the version")),
    S_END};

const shouwen_opt_t shouwen_request_opts[] = {
    S_STR("request-id", "ID", request_id, OPT,
          N_("resend a request under its id (never a second case)")),
    S_FLAG("json", json, N_("the hub's whole answer as JSON")),
    {"timeout", "SECONDS", SHOUWEN_OPT_NUMBER, F(timeout_s), NULL, OPT, 0,
     N_("give up after this long (30)"), 0},
    S_END};

#define R_STAFF        S_STR("staff", "ID", staff, NEED, N_("who acts (工号)"))
#define R_REASON(need) S_STR("reason", "TEXT", reason, need, N_("why, in writing"))
#define R_OVERRIDE                                                                       \
    S_STR("override-phrases", "WHY", override_phrases, OPT,                              \
          N_("keep a forbidden phrase, saying why (R24)"))

/* ------------------------------------------------------- each verb's */

static const shouwen_opt_t s_submit_opts[] = {
    S_CUSTOM("channel", "C", s_channel, NEED,
             N_("visit|phone|letter|fax|email|hotline|online_chat|forum|weibo|"
                "meeting|callback|hand_delivery|mailbox")),
    S_CUSTOM("kind", "K", s_request_kind, NEED,
             N_("consultation|business|complaint|report|help|suggestion|repair|"
                "bug_report|on_site_support|training")),
    S_STR("name", "NAME", name, NEED, N_("the customer's name")),
    S_STR("phone", "PHONE", phone, NEED, N_("the customer's phone")),
    S_STR("matter", "TEXT", matter, NEED, N_("what the customer asks")),
    S_STR("category", "ID", category, NEED, N_("the matter's category in the directory")),
    S_STR("receiver", "STAFF_ID", receiver, NEED,
          N_("who was asked first: the first owner (首问责任人)")),
    S_STR("unit", "UNIT", unit, OPT, N_("the customer's unit or company")),
    S_STR("address", "ADDRESS", address, OPT, N_("the customer's address")),
    S_CUSTOM("urgency", "normal|urgent", s_urgency, OPT, N_("how urgent (normal)")),
    S_STR("named-employee", "STAFF_ID", named_employee, OPT,
          N_("a complaint about this employee (V5)")),
    S_STR("linked-case", "CASE_ID", linked_case, OPT,
          N_("a complaint about this case (V5)")),
    S_CUSTOM("received-at", "@UNIX_SECONDS|YYYY-MM-DDTHH:MM:SS+08:00", s_when, OPT,
             N_("when the customer asked (default: when the hub takes it)")),
    S_END};

static const shouwen_opt_t s_transfer_opts[] = {
    R_STAFF,
    S_ALT("to-department", "ID", to_department, NEED, 1,
          N_("the department to pass it to")),
    S_ALT("to-staff", "ID", to_staff, NEED, 1, N_("the person to pass it to")),
    S_STR("reason", "TEXT", reason, NEED,
          N_("the written opinion why (签注明确意见, R13)")),
    R_OVERRIDE,
    S_END};

static const shouwen_opt_t s_accept_opts[] = {R_STAFF, S_END};

static const shouwen_opt_t s_return_opts[] = {
    R_STAFF,
    S_STR("opinion", "TEXT", opinion, NEED,
          N_("the written opinion why (签注明确意见, R13)")),
    R_OVERRIDE, S_END};

static const shouwen_opt_t s_forward_opts[] = {
    R_STAFF,
    S_STR("to-department", "ID", to_department, NEED,
          N_("the department that handles it")),
    S_STR("opinion", "TEXT", opinion, NEED,
          N_("the written opinion why (签注明确意见, R13)")),
    R_OVERRIDE, S_END};

static const shouwen_opt_t s_reply_opts[] = {
    R_STAFF, S_STR("text", "TEXT", text, NEED, N_("the answer to the customer")),
    S_STR("checklist", "A,B,...", checklist, OPT,
          N_("the one-time-notification items told (一次性告知, R3)")),
    R_OVERRIDE, S_END};

static const shouwen_opt_t s_progress_opts[] = {
    R_STAFF, S_STR("text", "TEXT", text, NEED, N_("the stage reached")), R_OVERRIDE,
    S_END};

static const shouwen_opt_t s_resolve_opts[] = {
    R_STAFF, S_STR("summary", "TEXT", text, NEED, N_("what was done")), R_OVERRIDE,
    S_END};

static const shouwen_opt_t s_callback_opts[] = {
    R_STAFF,
    S_CUSTOM("reached", "yes|no", s_reached, NEED,
             N_("whether the customer was reached")),
    {"rating", "1-5", SHOUWEN_OPT_UINT, F(rating), NULL, OPT, 0,
     N_("the customer's rating, when reached"), 0},
    S_STR("text", "NOTE", text, OPT, N_("a note on the call")),
    R_OVERRIDE,
    S_END};

static const shouwen_opt_t s_reason_opts[] = {R_STAFF, R_REASON(NEED), R_OVERRIDE, S_END};

static const shouwen_opt_t s_coordinate_opts[] = {
    R_STAFF,
    S_STR("to-department", "ID", to_department, NEED, N_("the lead department")),
    S_STR("assisting", "DEPT,...", assisting, NEED, N_("the assisting departments")),
    R_REASON(OPT),
    R_OVERRIDE,
    S_END};

static const shouwen_opt_t s_close_opts[] = {
    R_STAFF, R_REASON(NEED),
    S_STR("guidance", "TEXT", guidance, OPT,
          N_("where to go instead, when it is not ours (R6)")),
    R_OVERRIDE, S_END};

static const shouwen_opt_t s_contact_leader_opts[] = {
    R_STAFF, S_STR("to-staff", "LEADER", to_staff, NEED, N_("the leader asked for")),
    S_END};

static const shouwen_opt_t s_grant_contact_opts[] = {
    S_STR("staff", "LEADER", staff, NEED, N_("the leader who permits it")), S_END};

static const shouwen_opt_t s_resume_opts[] = {R_STAFF, R_REASON(OPT), R_OVERRIDE, S_END};

static const shouwen_opt_t s_status_opts[] = {
    S_STR("dir", "DIR", dir, OPT,
          N_("where the records are (SHOUWEN_HEALTH_DIR, else /run/shouwen)")),
    S_FLAG("json", json, N_("one JSON document")),
    S_STR("prometheus", "FILE", prometheus, OPT,
          N_("also write node_exporter's textfile format")),
    S_END};

static const shouwen_opt_t s_inbox_opts[] = {
    S_STR("staff", "ID", staff, REQ, N_("whose cases")),
    {"limit", "N", SHOUWEN_OPT_UINT, F(limit), NULL, OPT, 0, N_("at most N cases"), 0},
    S_END};

static const shouwen_opt_t s_queue_opts[] = {
    S_STR("department", "ID", department, REQ, N_("which department's cases")),
    {"limit", "N", SHOUWEN_OPT_UINT, F(limit), NULL, OPT, 0, N_("at most N cases"), 0},
    S_END};

static const shouwen_opt_t s_due_opts[] = {
    {"within", "MINUTES", SHOUWEN_OPT_UINT, F(within), NULL, OPT, 0,
     N_("due within this many minutes (60)"), 0},
    S_FLAG("callbacks", callbacks, N_("only callbacks due (回访, R16)")),
    S_ALT("staff", "ID", staff, OPT, 1, N_("only this person's")),
    S_ALT("department", "ID", department, OPT, 1, N_("only this department's")),
    {"limit", "N", SHOUWEN_OPT_UINT, F(limit), NULL, OPT, 0, N_("at most N cases"), 0},
    S_END};

static const shouwen_opt_t s_find_opts[] = {
    S_ALT("phone", "PHONE", phone, NEED, 1, N_("the customer's phone")),
    S_ALT("case", "CASE", case_id, NEED, 1, N_("the case id")),
    {"limit", "N", SHOUWEN_OPT_UINT, F(limit), NULL, OPT, 0, N_("at most N cases"), 0},
    S_END};

static const shouwen_opt_t s_watch_opts[] = {
    {"staff", "ID", SHOUWEN_OPT_LIST, F(staffs), NULL, OPT, 0,
     N_("this person's notifications (and their department's)"), 0},
    {"department", "ID", SHOUWEN_OPT_LIST, F(departments), NULL, OPT, 0,
     N_("this department's notifications"), 0},
    S_CUSTOM("from", "POSITION", s_from, OPT,
             N_("resume after this position (the last one shown)")),
    {"for", "SECONDS", SHOUWEN_OPT_NUMBER, F(for_s), NULL, OPT, 0,
     N_("stop after this long (default: until interrupted)"), 0},
    S_END};

static const shouwen_opt_t s_directory_opts[] = {
    S_STR("kind", "organisation|calendar", load_kind, OPT,
          N_("what FILE holds (organisation)")),
    S_STR("by", "STAFF_ID", by, OPT, N_("the administrator who loads it")), S_END};

static const shouwen_opt_t s_keygen_opts[] = {
    S_STR("dir", "DIR", dir, OPT, N_("where to write the key (.)")),
    S_ALT("branch", "ID", key_branch, OPT, 1, N_("a branch's key")),
    S_ALT("admin", "STAFF_ID", key_admin, OPT, 1, N_("an administrator's key")),
    S_ALT("daemon", "NAME", key_daemon, OPT, 1,
          N_("a daemon's key: intake|router|sla|audit")),
    {"anchor", NULL, SHOUWEN_OPT_FLAG, F(anchor), NULL, OPT, 1,
     N_("audit's Ed25519 anchor key"), 0},
    S_END};

static const shouwen_opt_t s_verify_opts[] = {
    S_STR("anchors", "FILE", anchors, REQ, N_("the anchors audit signed")),
    S_STR("postgres", "CONNINFO", postgres, OPT,
          N_("the log's database (default: the PG* environment)")),
    S_STR("key", "PUBLIC_CERT", key, OPT, N_("audit's public anchor certificate")),
    S_END};

/* ------------------------------------------------------- the verbs */

#define S_ACTION(verb, opts, kind, summary, details)                                     \
    {                                                                                    \
        verb, "CASE", 1, 1, summary, details, opts, true, 0, shouwen_command,            \
            SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_##kind                               \
    }

const shouwen_verb_t shouwen_verb_table[] = {
    {"submit", NULL, 0, 0,
     N_("register an inquiry with its first owner, the person first asked (R1, R2)."),
     N_("  prints the case id; resending with the same --request-id is the same case"),
     s_submit_opts, true, 0, shouwen_submit, 0},
    S_ACTION("transfer", s_transfer_opts, TRANSFER,
             N_("pass the case on, signed and timed (R5, R10, R14)."),
             N_("  There is no refuse (R13): whoever is asked first owns the case, and "
                "whoever\n"
                "  passes it on, sends it back (return) or forwards it signs a clear "
                "written\n"
                "  opinion why (签注明确意见): --reason here, --opinion for return and "
                "forward.\n"
                "  A blank opinion, or only \"不归我们管\", is refused; the receiver "
                "signs for it\n"
                "  (accept) within the transfer limit (R10), and a case passed back and "
                "forth\n"
                "  too often is locked to one owner (R18).")),
    S_ACTION("accept", s_accept_opts, ACCEPT,
             N_("sign for a case passed to you (签收, R14)"), NULL),
    S_ACTION("return", s_return_opts, RETURN,
             N_("send a wrongly passed case back, with a clear written opinion (R13, "
                "R18)"),
             NULL),
    S_ACTION("forward", s_forward_opts, FORWARD,
             N_("pass it to the department that handles it, with a written opinion "
                "(R13)"),
             NULL),
    S_ACTION("reply", s_reply_opts, REPLY,
             N_("answer the customer; the one-time-notification items attested (R3)"),
             N_("  forbidden phrases are refused unless overridden with a reason (R24)")),
    S_ACTION("progress", s_progress_opts, PROGRESS,
             N_("stage feedback on a long matter (R3)"), NULL),
    S_ACTION("resolve", s_resolve_opts, RESOLVE, N_("the matter is done"), NULL),
    S_ACTION("callback", s_callback_opts, CALLBACK,
             N_("the first owner calls the customer back (回访, R16, V3)"), NULL),
    S_ACTION("reopen", s_reason_opts, REOPEN, N_("the customer is not satisfied"), NULL),
    S_ACTION("escalate", s_reason_opts, ESCALATE, N_("report it one rung up (R8, R15)"),
             NULL),
    S_ACTION("coordinate", s_coordinate_opts, COORDINATE,
             N_("a lead department with assisting ones (R9, R18)"), NULL),
    S_ACTION("close", s_close_opts, CLOSE,
             N_("close it; outside the organisation only with the guidance given (R6)"),
             NULL),
    S_ACTION("contact-leader", s_contact_leader_opts, CONTACT_LEADER,
             N_("a customer asks for a leader's contact: private unless permitted "
                "(R19)"),
             NULL),
    S_ACTION("grant-contact", s_grant_contact_opts, GRANT_CONTACT,
             N_("the leader permits disclosure (R19)"), NULL),
    S_ACTION("wait", s_reason_opts, WAIT_CUSTOMER,
             N_("the case waits on the customer; clocks pause"), NULL),
    S_ACTION("resume", s_resume_opts, RESUME, N_("the customer came back; clocks run"),
             NULL),
    {"show", "CASE", 1, 1,
     N_("the case's timeline (only cases your branch had a part in)"), NULL, NULL, true,
     0, shouwen_show, 0},
    {"stats", NULL, 0, 0, N_("the hub's counters, refusals among them"), NULL, NULL, true,
     0, shouwen_stats, 0},
    {"status", NULL, 0, 0, N_("every daemon's health from its record"),
     N_("  from the records the daemons renew every 5 s in DIR: one line each, in\n"
        "  Chinese with the fields' English names (position, lag behind the log head,\n"
        "  pending, live, the daemon's own counters, when the record was written with\n"
        "  its zone); a record older than 15 s is stale (the daemon is not running or\n"
        "  hangs). Needs no key and no hub connection. Exit 0 every daemon healthy,\n"
        "  1 one or more not, 66 no record in DIR, 73 FILE not written\n"
        "  (docs/operations.md, \"Health\")"),
     s_status_opts, false, 0, shouwen_status, 0},
    {"inbox", NULL, 0, 0, N_("the cases a staff member holds"),
     N_("  (first owner, factual owner, handler, or passed to them and not yet signed\n"
        "  for), soonest deadline first, each running deadline with its state; only\n"
        "  your branch's staff (docs/queries.md)"),
     s_inbox_opts, true, 0, shouwen_query, 0},
    {"queue", NULL, 0, 0,
     N_("a department's cases: those it handles and those passed to it"), NULL,
     s_queue_opts, true, 0, shouwen_query, 0},
    {"due", NULL, 0, 0,
     N_("cases with a deadline falling due within MINUTES (60), overdue ones included"),
     N_("  default all your branch's"), s_due_opts, true, 0, shouwen_query, 0},
    {"find", "[CASE]", 0, 1,
     N_("a customer's cases by phone number, or a case by its id (only your "
        "branch's)"),
     NULL, s_find_opts, true, 0, shouwen_query, 0},
    {"watch", NULL, 0, 0,
     N_("print notifications as they come "
        "(转交、退回、签收、预警、超时、升级、回访、R19)"),
     N_("  a staff member's watch includes their department's; --from resumes after "
        "the\n"
        "  last position shown (printed on exit), without it only new ones"),
     s_watch_opts, true, 0, shouwen_query, 0},
    {"directory", "load FILE", 2, 2,
     N_("load the organisation or calendar (an administrator's key: "
        "SHOUWEN_ADMIN_CERT)"),
     NULL, s_directory_opts, true, 0, shouwen_directory, 0},
    {"keygen", "NAME", 1, 1,
     N_("a key pair: NAME.cert (public, says who holds it) for an allow-list,"),
     N_("  NAME.cert_secret (0600) for its owner; --anchor: audit's Ed25519 anchor key"),
     s_keygen_opts, false, 0, shouwen_keygen, 0},
    {"verify", NULL, 0, 0,
     N_("check the log against audit's signed anchors (docs/anchors.md)"),
     N_("  CONNINFO is a libpq connection string; without it the PG* environment\n"
        "  (PGHOST, PGPORT, PGDATABASE, PGUSER) applies. Exit 0 intact, 1 the log\n"
        "  disagrees, 2 usage or no connection"),
     s_verify_opts, false, 2, shouwen_verify, 0},
};
const size_t shouwen_verb_count =
    sizeof shouwen_verb_table / sizeof shouwen_verb_table[0];
