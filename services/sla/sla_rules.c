/*  sla_rules: the time limits as a state machine over the committed log
    (docs/sla.md gives the table of which event sets, meets, supersedes or
    ends which deadline). */
#include "sla_rules.h"

#include <sodium.h>

#include "sla_cases.h"
#include "sla_tally.h"
#include "sla_timers.h"
#include "sw_eventid.h"
#include "sw_log.h"

/* Deadline flags of this module (sla_timers.h has the others). */
#define S_SET_SENT       0x20  /* its sla.deadline_set was proposed by this process */
#define S_CLEAR_SENT     0x40  /* its sla.deadline_cleared was proposed by this process */
#define S_MOVED          0x80  /* it replaces a deadline paused while the case waited */
#define S_HAS_TRIGGER    0x200 /* an entry in the triggers table */
#define S_HAS_ENDING     0x400 /* an entry in the endings table */
#define S_SELF_CRITICISM 0x800 /* violating: a repeat offence (V2) */
#define S_VIOLATION_SENT 0x1000 /* violating: its violation.recorded was proposed */
#define S_DEFERRED       0x2000 /* proposed while replaying: due_us is still the start */

#define S_KINDS        8  /* DeadlineKind values */
#define S_MAX_PER_CASE 32 /* deadline records of one case handled at once */
#define S_US_PER_MIN   (60LL * 1000000)

#define K_TRANSFER   SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_TRANSFER
#define K_REPLY      SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY
#define K_PHONE      SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_PHONE_SAME_DAY
#define K_CALLBACK   SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK
#define K_COMPLETION SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_COMPLETION
#define K_STAGE      SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_STAGE_FEEDBACK
#define K_RETURN     SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_RETURN_CONTACT

/* The name in a deadline's id derivation: "sla.deadline_set.<name>". */
static const char *s_kind_names[S_KINDS] = {
    "unspecified", "transfer",   "reply",          "phone_same_day",
    "callback",    "completion", "stage_feedback", "return_contact"};

/* "sla.deadline_set.<name>": what a deadline's id derives from. */
static const char *s_set_names[S_KINDS] = {
    "sla.deadline_set.unspecified",    "sla.deadline_set.transfer",
    "sla.deadline_set.reply",          "sla.deadline_set.phone_same_day",
    "sla.deadline_set.callback",       "sla.deadline_set.completion",
    "sla.deadline_set.stage_feedback", "sla.deadline_set.return_contact"};

/* Why and by what a deadline ends (kept until its sla.deadline_cleared is
   proposed). */
typedef struct {
    char reason[128];               /* "met: case.replied", "ended: case closed", ... */
    uint8_t cause[SW_EVENTID_SIZE]; /* the event that ended it */
} s_ending_t;

/* A violation decided, until committed, when no deadline record carries
   it: a department penalty, or a breach of a deadline sla does not hold. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE];    /* violation.recorded event id */
    uint8_t cause[SW_EVENTID_SIZE]; /* the breach (or the staff violation) */
    char case_id[SW_CASEID_STRLEN + 1];
    int type;               /* Shouwen__V1__ViolationType */
    uint32_t staff;         /* interned; 0 for a department penalty */
    uint32_t department;    /* interned */
    uint32_t yuan;          /* penalty */
    uint32_t occurrence;    /* in the month, this one included */
    bool self_criticism;    /* V2 repeat: written self-criticism */
    char rule[16];          /* "R10", ... or "V2" */
    int64_t occurred_at_us; /* the breach instant */
    bool sent;              /* proposed by this process */
} s_violation_t;

struct _sla_rules_t {
    sw_calendar_t *calendar; /* working days per office */
    sw_policy_t *policy;     /* limits and penalties */
    zconfig_t *offices;      /* branch id -> office name, borrowed, may be NULL */
    sla_people_t *people;    /* interned ids, departments, heads */
    sla_cases_t *cases;      /* what we know of each case */
    sla_timers_t *timers;    /* every deadline and the heap of running ones */
    sla_tally_t *tally;      /* violations per person/department and month */
    zhashx_t *waiting;       /* case record index -> int64_t since (UTC us) */
    zhashx_t *away;          /* case record index -> uint32_t interned handler who
                                was away at the hand-over (R26), until back on post */
    zhashx_t *endings;       /* deadline record index -> s_ending_t */
    zhashx_t *triggers;   /* deadline record index -> trigger id, until its set commits */
    zhashx_t *violations; /* violation id (hex) -> s_violation_t (the rare ones) */
    bool live;            /* sla_rules_live was called: the heap is ordered */
    sla_rules_propose_fn *propose;
    void *arg;
    sla_rules_stats_t stats;
};

/* ------------------------------------------------------------------------
   Small tables keyed by a record index. */

/* The decimal text of an index (at most 10 digits and a NUL), without
   printf: replay makes one per decision. */
static void s_index_key(uint32_t index, char *key)
{
    char digits[10];
    int n = 0;
    do
        digits[n++] = (char)('0' + index % 10);
    while ((index /= 10) > 0);
    for (int i = 0; i < n; i++)
        key[i] = digits[n - 1 - i];
    key[n] = '\0';
}

static void s_hex(const uint8_t *id, char *out)
{
    sodium_bin2hex(out, 2 * SW_EVENTID_SIZE + 1, id, SW_EVENTID_SIZE);
}

static void s_free_item(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

sla_rules_t *sla_rules_new(sw_calendar_t **calendar_p, sw_policy_t **policy_p,
                           zconfig_t *offices, uint32_t max_deadlines, uint32_t max_cases,
                           sla_rules_propose_fn *propose, void *arg)
{
    assert(calendar_p && *calendar_p && policy_p && *policy_p && propose);
    sla_rules_t *self = (sla_rules_t *)zmalloc(sizeof(sla_rules_t));
    self->calendar = *calendar_p;
    self->policy = *policy_p;
    *calendar_p = NULL;
    *policy_p = NULL;
    self->offices = offices;
    self->propose = propose;
    self->arg = arg;
    self->people = sla_people_new();
    self->cases = sla_cases_new(max_cases);
    self->timers = sla_timers_new(max_deadlines);
    self->tally = sla_tally_new();
    self->waiting = zhashx_new();
    self->away = zhashx_new();
    self->endings = zhashx_new();
    self->triggers = zhashx_new();
    self->violations = zhashx_new();
    if (!self->people || !self->cases || !self->timers || !self->tally ||
        !self->waiting || !self->away || !self->endings || !self->triggers ||
        !self->violations) {
        sla_rules_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->waiting, s_free_item);
    zhashx_set_destructor(self->away, s_free_item);
    zhashx_set_destructor(self->endings, s_free_item);
    zhashx_set_destructor(self->triggers, s_free_item);
    zhashx_set_destructor(self->violations, s_free_item);
    sla_timers_bulk(self->timers, true); /* ordered once, when live */
    return self;
}

void sla_rules_destroy(sla_rules_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_rules_t *self = *self_p;
    zhashx_destroy(&self->violations);
    zhashx_destroy(&self->triggers);
    zhashx_destroy(&self->endings);
    zhashx_destroy(&self->waiting);
    zhashx_destroy(&self->away);
    sla_tally_destroy(&self->tally);
    sla_timers_destroy(&self->timers);
    sla_cases_destroy(&self->cases);
    sla_people_destroy(&self->people);
    sw_policy_destroy(&self->policy);
    sw_calendar_destroy(&self->calendar);
    free(self);
    *self_p = NULL;
}

void sla_rules_set_calendar(sla_rules_t *self, sw_calendar_t **calendar_p,
                            sw_policy_t **policy_p)
{
    sw_calendar_destroy(&self->calendar);
    sw_policy_destroy(&self->policy);
    self->calendar = *calendar_p;
    self->policy = *policy_p;
    *calendar_p = NULL;
    *policy_p = NULL;
}

sla_people_t *sla_rules_people(sla_rules_t *self)
{
    return self->people;
}

/* ------------------------------------------------------------------------
   Cases and their deadlines. */

static sla_case_t *s_case(sla_rules_t *self, uint32_t ci)
{
    return sla_cases_at(self->cases, ci);
}

static sla_deadline_t *s_dl(sla_rules_t *self, uint32_t di)
{
    return sla_timers_at(self->timers, di);
}

/* The office whose calendar a case follows: sla/offices maps its branch. */
static const char *s_office(sla_rules_t *self, const sla_case_t *c)
{
    const char *branch = c ? sla_people_name(self->people, c->branch) : "";
    zconfig_t *o = self->offices && *branch && !strchr(branch, '/')
                       ? zconfig_locate(self->offices, branch)
                       : NULL;
    return o && zconfig_value(o) ? zconfig_value(o) : "default";
}

static sw_case_facts_t s_facts(const sla_case_t *c)
{
    sw_case_facts_t f = {c->request_kind, c->channel, c->urgency, c->disposition};
    return f;
}

/* The facts a deadline kind's rule is looked up with: a transfer clock and
   a receiving department's reply clock are those of a handoff. */
static sw_case_facts_t s_facts_for(const sla_case_t *c, int kind, uint16_t flags)
{
    sw_case_facts_t facts = s_facts(c);
    if (kind == K_TRANSFER || (flags & SLA_DL_FOLLOWS_DEPT))
        facts.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    return facts;
}

/* Month number (year * 12 + month - 1) of an instant in an office's zone. */
static int s_month(sla_rules_t *self, const char *office, int64_t t_us)
{
    sw_calendar_local_t local;
    if (sw_calendar_to_local(self->calendar, office, t_us, &local) == 0)
        return local.year * 12 + local.month - 1;
    time_t secs = (time_t)(t_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

static uint32_t s_find_deadline(sla_rules_t *self, sla_case_t *c, const uint8_t *id)
{
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next)
        if (memcmp(s_dl(self, di)->id, id, SW_EVENTID_SIZE) == 0)
            return di;
    return SLA_POOL_NONE;
}

/* The case's deadline records, at most S_MAX_PER_CASE, into out. */
static size_t s_deadlines_of(sla_rules_t *self, sla_case_t *c, uint32_t *out)
{
    size_t n = 0;
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE && n < S_MAX_PER_CASE;
         di = s_dl(self, di)->next)
        out[n++] = di;
    return n;
}

static bool s_active(const sla_deadline_t *d)
{
    return d->state == SLA_DEADLINE_PROPOSED || d->state == SLA_DEADLINE_OPEN;
}

static bool s_has_active(sla_rules_t *self, sla_case_t *c, int kind)
{
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next)
        if (s_dl(self, di)->kind == kind && s_active(s_dl(self, di)))
            return true;
    return false;
}

static void s_forget_case_if_done(sla_rules_t *self, uint32_t ci)
{
    sla_case_t *c = s_case(self, ci);
    if (!(sla_case_flags(c) & SLA_CASE_CLOSED) || c->deadlines != SLA_POOL_NONE)
        return;
    char key[12];
    s_index_key(ci, key);
    zhashx_delete(self->waiting, key);
    zhashx_delete(self->away, key);
    sla_cases_remove(self->cases, ci);
}

/* Unlink a deadline from its case and free it. */
static void s_remove_deadline(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_case_t *c = s_case(self, ci);
    uint32_t *link = &c->deadlines;
    while (*link != SLA_POOL_NONE && *link != di)
        link = &s_dl(self, *link)->next;
    if (*link == di)
        *link = s_dl(self, di)->next;
    uint16_t flags = s_dl(self, di)->flags;
    if (flags & (S_HAS_TRIGGER | S_HAS_ENDING)) {
        char key[12];
        s_index_key(di, key);
        if (flags & S_HAS_ENDING)
            zhashx_delete(self->endings, key);
        if (flags & S_HAS_TRIGGER)
            zhashx_delete(self->triggers, key);
    }
    sla_timers_remove(self->timers, di);
    s_forget_case_if_done(self, ci);
}

static void s_schedule(sla_rules_t *self, uint32_t di)
{
    if (sla_timers_schedule(self->timers, di) != 0) {
        self->stats.errors++;
        sw_error("out of memory: a deadline is not scheduled");
    }
}

/* ------------------------------------------------------------------------
   Proposals. */

static void s_emit(sla_rules_t *self, const char *case_id, const uint8_t *id,
                   const uint8_t *cause, int64_t occurred_at_us, sw_envelope_t *env)
{
    env->event_id.data = (uint8_t *)id;
    env->event_id.len = SW_EVENTID_SIZE;
    env->type = (char *)sw_envelope_type_for(env->body_case);
    env->case_id = (char *)case_id;
    env->causation_id.data = (uint8_t *)cause;
    env->causation_id.len = cause ? SW_EVENTID_SIZE : 0;
    env->actor = (char *)"sla";
    env->occurred_at_us = occurred_at_us;
    self->propose(self->arg, env);
}

/* Who a breach is charged to: the deadline's holder; for a deadline that
   follows the case (completion, stage feedback), whoever holds the case
   then; for a receiving department's reply clock, whoever holds the case
   in that department (the person who signed for it). */
static void s_charged(sla_rules_t *self, const sla_deadline_t *d, const sla_case_t *c,
                      uint32_t *staff, uint32_t *department)
{
    bool follows = (d->flags & SLA_DL_FOLLOWS_CASE) ||
                   ((d->flags & SLA_DL_FOLLOWS_DEPT) && c->department == d->department);
    if (follows && c->holder) {
        *staff = c->holder;
        *department = c->department ? c->department : d->department;
    } else {
        *staff = d->holder ? d->holder : c->holder;
        *department = d->department ? d->department : c->department;
    }
}

static void s_policy_text(sla_rules_t *self, const sla_case_t *c, const sla_deadline_t *d,
                          char *out, size_t size)
{
    sw_case_facts_t facts = s_facts_for(c, d->kind, d->flags);
    sw_rule_t rule;
    const char *id = "";
    if (sw_policy_rule(self->policy, d->kind, &facts, &rule))
        sw_rule_text(&rule, out, size);
    else {
        sw_policy_violation(self->policy, d->kind, &id);
        snprintf(out, size, "%s: %s", id, s_kind_names[d->kind % S_KINDS]);
    }
    if (d->flags & S_MOVED) {
        size_t len = strlen(out);
        snprintf(out + len, size - len,
                 "; moved by the time the case waited on the customer");
    }
}

static void s_send_set(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_case_t *c = s_case(self, ci);
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1], policy[224], key[12];
    sla_case_id(c, case_id);
    s_policy_text(self, c, d, policy, sizeof policy);
    s_index_key(di, key);
    const uint8_t *trigger = (const uint8_t *)zhashx_lookup(self->triggers, key);
    Shouwen__V1__DeadlineSet body = SHOUWEN__V1__DEADLINE_SET__INIT;
    body.kind = (Shouwen__V1__DeadlineKind)d->kind;
    body.due_at_us = d->due_us;
    body.warn_at_us = d->warn_us;
    body.holder_staff_id = (char *)sla_people_name(self->people, d->holder);
    body.department_id = (char *)sla_people_name(self->people, d->department);
    body.policy = policy;
    body.trigger_event_id.data = (uint8_t *)trigger;
    body.trigger_event_id.len = trigger ? SW_EVENTID_SIZE : 0;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
    env.deadline_set = &body;
    d->flags |= S_SET_SENT;
    self->stats.sets++;
    s_emit(self, case_id, d->id, trigger, 0, &env);
}

static void s_send_clear(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1], key[12];
    sla_case_id(s_case(self, ci), case_id);
    s_index_key(di, key);
    s_ending_t *ending = (s_ending_t *)zhashx_lookup(self->endings, key);
    Shouwen__V1__DeadlineCleared body = SHOUWEN__V1__DEADLINE_CLEARED__INIT;
    body.deadline_event_id.data = d->id;
    body.deadline_event_id.len = SW_EVENTID_SIZE;
    body.reason = ending ? ending->reason : (char *)"ended";
    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_derive(id, d->id, "cleared");
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED;
    env.deadline_cleared = &body;
    d->flags |= S_CLEAR_SENT;
    self->stats.clears++;
    s_emit(self, case_id, id, ending ? ending->cause : d->id, 0, &env);
}

static void s_send_warning(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_case_t *c = s_case(self, ci);
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1];
    sla_case_id(c, case_id);
    uint32_t staff, department;
    s_charged(self, d, c, &staff, &department);
    Shouwen__V1__DeadlineWarning body = SHOUWEN__V1__DEADLINE_WARNING__INIT;
    body.kind = (Shouwen__V1__DeadlineKind)d->kind;
    body.due_at_us = d->due_us;
    body.deadline_event_id.data = d->id;
    body.deadline_event_id.len = SW_EVENTID_SIZE;
    body.holder_staff_id = (char *)sla_people_name(self->people, staff);
    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_derive(id, d->id, "warning");
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING;
    env.deadline_warning = &body;
    self->stats.warnings++;
    s_emit(self, case_id, id, d->id, d->warn_us, &env);
}

static void s_send_breach(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_case_t *c = s_case(self, ci);
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1];
    sla_case_id(c, case_id);
    uint32_t staff, department;
    s_charged(self, d, c, &staff, &department);
    Shouwen__V1__DeadlineBreached body = SHOUWEN__V1__DEADLINE_BREACHED__INIT;
    body.kind = (Shouwen__V1__DeadlineKind)d->kind;
    body.due_at_us = d->due_us;
    body.deadline_event_id.data = d->id;
    body.deadline_event_id.len = SW_EVENTID_SIZE;
    body.holder_staff_id = (char *)sla_people_name(self->people, staff);
    body.department_id = (char *)sla_people_name(self->people, department);
    /* R10/V4: a copy of every breach to the QA office */
    Shouwen__V1__QaCopy copy = SHOUWEN__V1__QA_COPY__INIT;
    uint32_t qa = sla_people_qa_office(self->people);
    if (qa) {
        copy.department_id = (char *)sla_people_name(self->people, qa);
        copy.staff_id =
            (char *)sla_people_name(self->people, sla_people_head(self->people, qa));
        body.qa_copy = &copy;
    }
    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_derive(id, d->id, "breach");
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
    env.deadline_breached = &body;
    self->stats.breaches++;
    s_emit(self, case_id, id, d->id, d->due_us, &env);
}

/* What a violation.recorded says. */
typedef struct {
    int type;            /* Shouwen__V1__ViolationType */
    uint32_t staff;      /* interned; 0 for a department penalty */
    uint32_t department; /* interned */
    uint32_t yuan;       /* penalty */
    uint32_t occurrence; /* in the month */
    bool self_criticism; /* V2 repeat */
    const char *rule;    /* "R10", "V2" */
} s_verdict_t;

static void s_emit_violation(sla_rules_t *self, const char *case_id, const uint8_t *id,
                             const uint8_t *cause, const s_verdict_t *v, int64_t at_us)
{
    Shouwen__V1__ViolationRecorded body = SHOUWEN__V1__VIOLATION_RECORDED__INIT;
    body.type = (Shouwen__V1__ViolationType)v->type;
    body.staff_id = (char *)sla_people_name(self->people, v->staff);
    body.department_id = (char *)sla_people_name(self->people, v->department);
    body.penalty_yuan = v->yuan;
    body.occurrence_in_month = v->occurrence;
    body.self_criticism = v->self_criticism;
    body.rule = (char *)v->rule;
    body.cause_event_id.data = (uint8_t *)cause;
    body.cause_event_id.len = SW_EVENTID_SIZE;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED;
    env.violation_recorded = &body;
    self->stats.violations++;
    s_emit(self, case_id, id, cause, at_us, &env);
}

/* A violation kept in the side table. */
static void s_send_violation(sla_rules_t *self, s_violation_t *v)
{
    s_verdict_t verdict = {v->type,       v->staff,          v->department, v->yuan,
                           v->occurrence, v->self_criticism, v->rule};
    v->sent = true;
    s_emit_violation(self, v->case_id, v->id, v->cause, &verdict, v->occurred_at_us);
}

/* The violation a breached deadline record carries (SLA_DEADLINE_VIOLATING). */
static void s_send_violation_of(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_deadline_t *d = s_dl(self, di);
    s_verdict_t v = {0,
                     d->holder,
                     d->department,
                     (uint32_t)((uint64_t)d->warn_us >> 32),
                     (uint32_t)((uint64_t)d->warn_us & 0xffffffffu),
                     (d->flags & S_SELF_CRITICISM) != 0,
                     ""};
    v.type = sw_policy_violation(self->policy, d->kind, &v.rule);
    uint8_t id[SW_EVENTID_SIZE], cause[SW_EVENTID_SIZE];
    sw_eventid_derive(id, d->id, "violation");
    sw_eventid_derive(cause, d->id, "breach");
    char case_id[SW_CASEID_STRLEN + 1];
    sla_case_id(s_case(self, ci), case_id);
    d->flags |= S_VIOLATION_SENT;
    s_emit_violation(self, case_id, id, cause, &v, d->due_us);
}

/* ------------------------------------------------------------------------
   Decisions. */

/* A new deadline of a case, decided now (sent unless replaying). */
static uint32_t s_add(sla_rules_t *self, uint32_t ci, int kind, const uint8_t *trigger,
                      int64_t due_us, int64_t warn_us, uint32_t holder,
                      uint32_t department, uint16_t flags, bool replaying)
{
    uint8_t id[SW_EVENTID_SIZE];
    sla_case_t *c = s_case(self, ci);
    if (kind == K_RETURN) { /* one directory load starts the clocks of many cases */
        char case_id[SW_CASEID_STRLEN + 1], name[64];
        sla_case_id(c, case_id);
        snprintf(name, sizeof name, "%s.%s", s_set_names[kind], case_id);
        sw_eventid_derive(id, trigger, name);
    } else
        sw_eventid_derive(id, trigger, s_set_names[kind % S_KINDS]);
    if (s_find_deadline(self, c, id) != SLA_POOL_NONE)
        return SLA_POOL_NONE; /* decided already (the same trigger applied twice) */
    uint8_t *copy = (uint8_t *)malloc(SW_EVENTID_SIZE);
    uint32_t di = copy ? sla_timers_add(self->timers) : SLA_POOL_NONE;
    if (di == SLA_POOL_NONE) {
        free(copy);
        self->stats.errors++;
        sw_error("no room for another deadline (sla/max_deadlines)");
        return SLA_POOL_NONE;
    }
    sla_deadline_t *d = s_dl(self, di);
    memcpy(d->id, id, SW_EVENTID_SIZE);
    d->due_us = due_us;
    d->warn_us = warn_us;
    d->case_ref = ci;
    d->holder = holder;
    d->department = department;
    d->kind = (uint8_t)kind;
    d->state = SLA_DEADLINE_PROPOSED;
    d->flags = flags;
    d->next = c->deadlines;
    c->deadlines = di;
    char key[12];
    s_index_key(di, key);
    memcpy(copy, trigger, SW_EVENTID_SIZE);
    zhashx_update(self->triggers, key, copy);
    d->flags |= S_HAS_TRIGGER;
    if (!replaying)
        s_send_set(self, ci, di);
    return di;
}

/* A deadline's due and warning instants from its start by the rule;
   false (logged) on a calendar error. */
static bool s_instants(sla_rules_t *self, uint32_t ci, const sw_rule_t *rule,
                       int64_t start_us, int64_t *due_us, int64_t *warn_us)
{
    sla_case_t *c = s_case(self, ci);
    const char *office = s_office(self, c);
    *due_us = sw_limit_due(&rule->limit, self->calendar, office, start_us);
    if (*due_us < 0) {
        char case_id[SW_CASEID_STRLEN + 1];
        sla_case_id(c, case_id);
        self->stats.errors++;
        sw_error("case %s: no %s deadline: office '%s' has no calendar for %" PRId64,
                 case_id, s_kind_names[rule->kind % S_KINDS], office, start_us);
        return false;
    }
    *warn_us = sw_limit_warn(&rule->limit, self->calendar, office, start_us, *due_us,
                             rule->warn_permille);
    return true;
}

/* Start a clock of a case by its policy, counted from start_us.  While
   replaying, the instants are left to compute (S_DEFERRED): the log
   usually holds the committed deadline a few events later, with them. */
static uint32_t s_start(sla_rules_t *self, uint32_t ci, int kind, const uint8_t *trigger,
                        int64_t start_us, uint32_t holder, uint32_t department,
                        const sw_case_facts_t *facts, uint16_t extra, bool replaying)
{
    sw_rule_t rule;
    if (!sw_policy_rule(self->policy, kind, facts, &rule))
        return SLA_POOL_NONE;
    uint16_t flags = (sw_limit_is_working(&rule.limit) ? SLA_DL_WORKING : 0) |
                     (kind == K_COMPLETION || kind == K_STAGE ? SLA_DL_FOLLOWS_CASE : 0) |
                     extra;
    int64_t due = start_us, warn = 0;
    if (replaying)
        flags |= S_DEFERRED;
    else if (!s_instants(self, ci, &rule, start_us, &due, &warn))
        return SLA_POOL_NONE;
    return s_add(self, ci, kind, trigger, due, warn, holder, department, flags,
                 replaying);
}

/* A deferred deadline's instants, now; false if it cannot be set any more
   (its rule no longer applies, or the calendar fails): the caller drops it. */
static bool s_resolve(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_deadline_t *d = s_dl(self, di);
    if (!(d->flags & S_DEFERRED))
        return true;
    sw_case_facts_t facts = s_facts_for(s_case(self, ci), d->kind, d->flags);
    sw_rule_t rule;
    int64_t due, warn;
    if (!sw_policy_rule(self->policy, d->kind, &facts, &rule) ||
        !s_instants(self, ci, &rule, d->due_us, &due, &warn))
        return false;
    d->due_us = due;
    d->warn_us = warn;
    d->flags &= (uint16_t)~S_DEFERRED;
    return true;
}

/* R3: stage feedback for long matters: a completion limit reaching at least
   the long_matter limit (compared by amount when the units agree). */
static bool s_is_long(sla_rules_t *self, uint32_t ci, const sw_case_facts_t *facts,
                      int64_t start_us)
{
    sw_rule_t done;
    if (!sw_policy_rule(self->policy, K_COMPLETION, facts, &done))
        return false;
    const sw_limit_t *lm = sw_policy_long_matter(self->policy);
    if (done.limit.unit == lm->unit && lm->unit != SW_UNIT_SAME_DAY)
        return done.limit.amount >= lm->amount;
    const char *office = s_office(self, s_case(self, ci));
    int64_t done_at = sw_limit_due(&done.limit, self->calendar, office, start_us);
    int64_t long_at = sw_limit_due(lm, self->calendar, office, start_us);
    return done_at > 0 && long_at > 0 && done_at >= long_at;
}

/* End a running (or still proposed) deadline: met, superseded or ended. */
static void s_end(sla_rules_t *self, uint32_t ci, uint32_t di, const char *reason,
                  const uint8_t *cause, bool replaying)
{
    sla_deadline_t *d = s_dl(self, di);
    if (!s_active(d))
        return;
    s_ending_t *ending = (s_ending_t *)zmalloc(sizeof(s_ending_t));
    snprintf(ending->reason, sizeof ending->reason, "%s", reason);
    memcpy(ending->cause, cause, SW_EVENTID_SIZE);
    char key[12];
    s_index_key(di, key);
    zhashx_update(self->endings, key, ending);
    d->flags |= S_HAS_ENDING;
    sla_timers_unschedule(self->timers, di);
    d->state = SLA_DEADLINE_ENDING;
    d->flags &= (uint16_t)~SLA_DL_PAUSED;
    if ((d->flags & SLA_DL_SET_DONE) && !replaying)
        s_send_clear(self, ci, di);
}

static void s_end_kind(sla_rules_t *self, uint32_t ci, int kind, const char *reason,
                       const uint8_t *cause, bool replaying)
{
    uint32_t list[S_MAX_PER_CASE];
    size_t n = s_deadlines_of(self, s_case(self, ci), list);
    for (size_t i = 0; i < n; i++)
        if (kind == 0 || s_dl(self, list[i])->kind == kind)
            s_end(self, ci, list[i], reason, cause, replaying);
}

/* ------------------------------------------------------------------------
   Case events. */

static void s_on_received(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env)
{
    const Shouwen__V1__InquiryReceived *r = env->inquiry_received;
    sla_case_t *c = s_case(self, ci);
    c->received_at_us = r->received_at_us ? r->received_at_us : env->occurred_at_us;
    c->branch = sla_people_intern(self->people, r->branch_id);
    c->channel = (uint8_t)r->channel;
    c->request_kind = (uint8_t)r->kind;
    c->urgency = (uint8_t)r->urgency;
    c->first_owner = sla_people_intern(self->people, r->receiver_staff_id);
    c->holder = c->first_owner;
    sla_case_set_flags(c, SLA_CASE_RECEIVED, true);
}

/* R10, R11, R21, R22, R3: the clocks a routing decision starts. */
static void s_on_routed(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                        bool replaying)
{
    const Shouwen__V1__Routed *r = env->routed;
    sla_case_t *c = s_case(self, ci);
    if (sla_case_flags(c) & SLA_CASE_ROUTED)
        return; /* routed once */
    sla_case_set_flags(c, SLA_CASE_ROUTED, true);
    c->disposition = (uint8_t)r->disposition;
    uint32_t natural = sla_people_intern(self->people, r->natural_owner_id);
    if (natural)
        c->first_owner = natural;
    uint32_t handler = sla_people_intern(
        self->people, *r->handler_id ? r->handler_id : r->factual_owner_id);
    uint32_t department = sla_people_intern(self->people, r->department_id);
    if (!handler)
        handler = c->first_owner;
    uint32_t owner_department = sla_people_department(self->people, c->first_owner);
    sw_case_facts_t facts = s_facts(c);
    sw_rule_t rule;
    bool transfer = sw_policy_rule(self->policy, K_TRANSFER, &facts, &rule);
    /* who holds the case: the first owner until a transfer is done */
    c->holder = transfer ? c->first_owner : handler;
    c->department = transfer && owner_department ? owner_department : department;
    const uint8_t *trigger = env->event_id.data;
    int64_t start = c->received_at_us ? c->received_at_us : env->occurred_at_us;
    if (transfer)
        s_start(self, ci, K_TRANSFER, trigger, start, c->first_owner, owner_department,
                &facts, 0, replaying);
    s_start(self, ci, K_REPLY, trigger, start, handler, department, &facts, 0, replaying);
    s_start(self, ci, K_PHONE, trigger, start, c->first_owner,
            owner_department ? owner_department : department, &facts, 0, replaying);
    s_start(self, ci, K_COMPLETION, trigger, start, handler, department, &facts, 0,
            replaying);
    if (s_is_long(self, ci, &facts, start))
        s_start(self, ci, K_STAGE, trigger, start, handler, department, &facts, 0,
                replaying);
    uint32_t away = sla_people_intern(self->people, r->away_handler_id);
    uint32_t *item = away ? (uint32_t *)malloc(sizeof(uint32_t)) : NULL;
    if (item) { /* R26: their clock starts when they are back on post */
        char key[12];
        s_index_key(ci, key);
        *item = away;
        zhashx_update(self->away, key, item);
    }
}

/* R26: the customer was contacted (or the case moved on) before or after
   the away handler's return. */
static void s_contacted(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                        const char *reason, bool replaying)
{
    char key[12];
    s_index_key(ci, key);
    zhashx_delete(self->away, key);
    s_end_kind(self, ci, K_RETURN, reason, env->event_id.data, replaying);
}

/* The instant of a handoff: when the sender signed it (R14). */
static int64_t s_handoff_at(const sw_envelope_t *env, const Shouwen__V1__Handoff *h)
{
    return h->sender_signed_at_us > 0 ? h->sender_signed_at_us : env->occurred_at_us;
}

/* R10/R11 on a transfer, forward or return: the holder's transfer clock is
   met; the reply clock moves to the receiving side, 1 working day from the
   handoff; a returned case must be passed on again within the hop limit. */
static void s_on_handoff(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                         const Shouwen__V1__Handoff *h, bool replaying)
{
    if (!h)
        return;
    sla_case_t *c = s_case(self, ci);
    uint32_t from = sla_people_intern(self->people, h->from_staff_id);
    uint32_t from_dept = sla_people_intern(self->people, h->from_department_id);
    uint32_t to = sla_people_intern(self->people, h->to_staff_id);
    uint32_t to_dept = sla_people_intern(self->people, h->to_department_id);
    if (from && from_dept)
        sla_people_set_department(self->people, from, from_dept);
    if (to && to_dept)
        sla_people_set_department(self->people, to, to_dept);
    const uint8_t *trigger = env->event_id.data;
    char reason[96];
    snprintf(reason, sizeof reason, "met: %s", env->type);
    s_end_kind(self, ci, K_TRANSFER, reason, trigger, replaying);
    snprintf(reason, sizeof reason, "ended: %s", env->type);
    s_contacted(self, ci, env, reason, replaying);
    snprintf(reason, sizeof reason, "superseded: %s to %s", env->type,
             *h->to_department_id ? h->to_department_id : h->to_staff_id);
    s_end_kind(self, ci, K_REPLY, reason, trigger, replaying);
    if (!to)
        to = sla_people_head(self->people, to_dept);
    c->holder = to;
    if (to_dept)
        c->department = to_dept;
    sw_case_facts_t facts = s_facts(c);
    facts.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    int64_t start = s_handoff_at(env, h);
    s_start(self, ci, K_REPLY, trigger, start, to, to_dept, &facts, SLA_DL_FOLLOWS_DEPT,
            replaying);
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_RETURNED)
        s_start(self, ci, K_TRANSFER, trigger, start, to, to_dept, &facts, 0, replaying);
}

/* A receiving department signed for the case (签收): its accepting person
   holds it. */
static void s_on_accepted(sla_rules_t *self, uint32_t ci, const Shouwen__V1__Handoff *h)
{
    if (!h)
        return;
    sla_case_t *c = s_case(self, ci);
    uint32_t to = sla_people_intern(
        self->people, *h->to_staff_id ? h->to_staff_id : h->receiver_signer_id);
    uint32_t to_dept = sla_people_intern(self->people, h->to_department_id);
    if (to && to_dept)
        sla_people_set_department(self->people, to, to_dept);
    if (to)
        c->holder = to;
    if (to_dept)
        c->department = to_dept;
}

static void s_on_progress(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                          bool replaying)
{
    sla_case_t *c = s_case(self, ci);
    if (!s_has_active(self, c, K_STAGE))
        return;
    s_end_kind(self, ci, K_STAGE, "met: case.progress", env->event_id.data, replaying);
    sw_case_facts_t facts = s_facts(c);
    s_start(self, ci, K_STAGE, env->event_id.data, env->occurred_at_us, c->holder,
            c->department, &facts, 0, replaying);
}

/* R22 met; R16: the first owner calls the customer back. */
static void s_on_resolved(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                          bool replaying)
{
    const uint8_t *cause = env->event_id.data;
    s_end_kind(self, ci, K_COMPLETION, "met: case.resolved", cause, replaying);
    s_end_kind(self, ci, K_REPLY, "met: case.resolved", cause, replaying);
    s_end_kind(self, ci, K_PHONE, "met: case.resolved", cause, replaying);
    s_end_kind(self, ci, K_STAGE, "ended: case resolved", cause, replaying);
    s_end_kind(self, ci, K_TRANSFER, "ended: case resolved", cause, replaying);
    sla_case_t *c = s_case(self, ci);
    if (s_has_active(self, c, K_CALLBACK))
        return;
    uint32_t owner = c->first_owner ? c->first_owner : c->holder;
    uint32_t dept = sla_people_department(self->people, owner);
    sw_case_facts_t facts = s_facts(c);
    s_start(self, ci, K_CALLBACK, cause, env->occurred_at_us, owner,
            dept ? dept : c->department, &facts, 0, replaying);
}

/* The matter is open again: a new completion limit from now. */
static void s_on_reopened(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                          bool replaying)
{
    const uint8_t *cause = env->event_id.data;
    s_end_kind(self, ci, K_CALLBACK, "ended: case reopened", cause, replaying);
    sla_case_t *c = s_case(self, ci);
    sla_case_set_flags(c, SLA_CASE_CLOSED, false);
    if (!(sla_case_flags(c) & SLA_CASE_RECEIVED) && c->deadlines == SLA_POOL_NONE) {
        sla_cases_remove(self->cases, ci); /* closed and forgotten: its facts are gone */
        return;
    }
    if (s_has_active(self, c, K_COMPLETION))
        return;
    sw_case_facts_t facts = s_facts(c);
    uint32_t done = s_start(self, ci, K_COMPLETION, cause, env->occurred_at_us, c->holder,
                            c->department, &facts, 0, replaying);
    if (done != SLA_POOL_NONE && s_is_long(self, ci, &facts, env->occurred_at_us) &&
        !s_has_active(self, c, K_STAGE))
        s_start(self, ci, K_STAGE, cause, env->occurred_at_us, c->holder, c->department,
                &facts, 0, replaying);
}

static void s_on_closed(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                        bool replaying)
{
    s_end_kind(self, ci, 0, "ended: case closed", env->event_id.data, replaying);
    sla_case_set_flags(s_case(self, ci), SLA_CASE_CLOSED, true);
    s_forget_case_if_done(self, ci);
}

/* The clocks of a case that starts waiting on the customer stop. */
static void s_pause(sla_rules_t *self, uint32_t ci, int64_t since_us)
{
    sla_case_t *c = s_case(self, ci);
    char key[12];
    s_index_key(ci, key);
    int64_t *since = (int64_t *)malloc(sizeof(int64_t));
    if (!since)
        return;
    *since = since_us;
    zhashx_update(self->waiting, key, since);
    sla_case_set_flags(c, SLA_CASE_WAITING, true);
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next) {
        sla_deadline_t *d = s_dl(self, di);
        if (s_active(d)) {
            d->flags |= SLA_DL_PAUSED;
            sla_timers_unschedule(self->timers, di);
        }
    }
}

/* A paused deadline, moved by the time the case waited: its remaining
   allowance counts again from resume_us. */
static void s_move(sla_rules_t *self, const sla_case_t *c, const sla_deadline_t *d,
                   int64_t since_us, int64_t resume_us, int64_t *due_us, int64_t *warn_us)
{
    bool warn = d->warn_us > 0 && !(d->flags & SLA_DL_WARNED) && d->warn_us > since_us;
    if (!(d->flags & SLA_DL_WORKING)) {
        *due_us = d->due_us + (resume_us - since_us);
        *warn_us = warn ? d->warn_us + (resume_us - since_us) : 0;
        return;
    }
    const char *office = s_office(self, c);
    int64_t left =
        sw_calendar_working_between(self->calendar, office, since_us, d->due_us);
    *due_us =
        sw_calendar_add_working(self->calendar, office, resume_us, left > 0 ? left : 0);
    *warn_us = 0;
    if (warn) {
        int64_t to_warn =
            sw_calendar_working_between(self->calendar, office, since_us, d->warn_us);
        *warn_us = sw_calendar_add_working(self->calendar, office, resume_us, to_warn);
        if (*warn_us >= *due_us || *warn_us < 0)
            *warn_us = 0;
    }
}

/* The customer is back: each paused clock is superseded by one moved by
   the paused (working) time. */
static void s_resume(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                     bool replaying)
{
    sla_case_t *c = s_case(self, ci);
    char key[12];
    s_index_key(ci, key);
    int64_t *since_p = (int64_t *)zhashx_lookup(self->waiting, key);
    int64_t since = since_p ? *since_p : env->occurred_at_us;
    zhashx_delete(self->waiting, key);
    sla_case_set_flags(c, SLA_CASE_WAITING, false);
    int64_t resume = env->occurred_at_us > since ? env->occurred_at_us : since;
    const char *office = s_office(self, c);
    int64_t paused_work =
        sw_calendar_working_between(self->calendar, office, since, resume);
    uint32_t list[S_MAX_PER_CASE];
    size_t n = s_deadlines_of(self, c, list);
    for (size_t i = 0; i < n; i++) {
        sla_deadline_t *d = s_dl(self, list[i]);
        if (!(d->flags & SLA_DL_PAUSED) || !s_active(d))
            continue;
        if (!s_resolve(self, ci, list[i])) {
            s_remove_deadline(self, ci, list[i]); /* a resumed case is not closed */
            continue;
        }
        d->flags &= (uint16_t)~SLA_DL_PAUSED;
        bool working = d->flags & SLA_DL_WORKING;
        if ((working && paused_work <= 0) || (!working && resume <= since)) {
            if (d->state == SLA_DEADLINE_OPEN)
                s_schedule(self, list[i]); /* no time lost: it runs on as it was */
            continue;
        }
        int64_t due, warn;
        s_move(self, c, d, since, resume, &due, &warn);
        if (due < 0) {
            self->stats.errors++;
            if (d->state == SLA_DEADLINE_OPEN)
                s_schedule(self, list[i]);
            continue;
        }
        int kind = d->kind;
        uint32_t holder = d->holder, dept = d->department;
        uint16_t flags =
            (d->flags & (SLA_DL_WORKING | SLA_DL_FOLLOWS_CASE | SLA_DL_FOLLOWS_DEPT)) |
            S_MOVED;
        char reason[128];
        snprintf(reason, sizeof reason,
                 "superseded: paused %lld working minutes while the case waited on the "
                 "customer",
                 (long long)((working ? paused_work : resume - since) / S_US_PER_MIN));
        s_end(self, ci, list[i], reason, env->event_id.data, replaying);
        s_add(self, ci, kind, env->event_id.data, due, warn, holder, dept, flags,
              replaying);
    }
}

static void s_on_waiting(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                         bool replaying)
{
    bool waiting = sla_case_flags(s_case(self, ci)) & SLA_CASE_WAITING;
    if (env->waiting->waiting && !waiting)
        s_pause(self, ci, env->occurred_at_us);
    else if (!env->waiting->waiting && waiting)
        s_resume(self, ci, env, replaying);
}

/* ------------------------------------------------------------------------
   sla's own events, committed. */

static void s_on_set(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                     bool replaying)
{
    const Shouwen__V1__DeadlineSet *b = env->deadline_set;
    sla_case_t *c = s_case(self, ci);
    uint32_t di = s_find_deadline(self, c, env->event_id.data);
    if (di == SLA_POOL_NONE) {
        /* set under another policy, or by another producer: take it as it is */
        di = sla_timers_add(self->timers);
        if (di == SLA_POOL_NONE) {
            self->stats.errors++;
            return;
        }
        sla_deadline_t *d = s_dl(self, di);
        memcpy(d->id, env->event_id.data, SW_EVENTID_SIZE);
        d->case_ref = ci;
        d->state = SLA_DEADLINE_PROPOSED;
        d->flags =
            (sw_policy_is_working(self->policy, b->kind) ? SLA_DL_WORKING : 0) |
            (b->kind == K_COMPLETION || b->kind == K_STAGE ? SLA_DL_FOLLOWS_CASE : 0) |
            S_SET_SENT;
        d->next = c->deadlines;
        c->deadlines = di;
    }
    sla_deadline_t *d = s_dl(self, di);
    if (d->flags & SLA_DL_SET_DONE)
        return;
    d->kind = (uint8_t)b->kind;
    d->due_us = b->due_at_us;
    d->warn_us = b->warn_at_us;
    d->holder = sla_people_intern(self->people, b->holder_staff_id);
    d->department = sla_people_intern(self->people, b->department_id);
    d->flags = (uint16_t)((d->flags | SLA_DL_SET_DONE) & ~S_DEFERRED);
    if (d->flags & S_HAS_TRIGGER) {
        char key[12];
        s_index_key(di, key);
        zhashx_delete(self->triggers, key);
        d->flags &= (uint16_t)~S_HAS_TRIGGER;
    }
    if (d->state == SLA_DEADLINE_PROPOSED) {
        d->state = SLA_DEADLINE_OPEN;
        if (!(d->flags & SLA_DL_PAUSED))
            s_schedule(self, di);
    } else if (d->state == SLA_DEADLINE_ENDING && !replaying)
        s_send_clear(self, ci, di);
}

static void s_on_warning(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env)
{
    const Shouwen__V1__DeadlineWarning *b = env->deadline_warning;
    if (b->deadline_event_id.len != SW_EVENTID_SIZE)
        return;
    uint32_t di = s_find_deadline(self, s_case(self, ci), b->deadline_event_id.data);
    if (di == SLA_POOL_NONE)
        return;
    sla_deadline_t *d = s_dl(self, di);
    d->flags |= SLA_DL_WARNED;
    if (d->heap_pos)
        s_schedule(self, di); /* now it fires at its due instant */
}

/* V1/V2: what a breach of a deadline kind by staff (or, nobody holding
   it, by the department) in the month of at_us costs; false if the kind
   records no violation. */
static bool s_assess(sla_rules_t *self, uint32_t ci, int kind, uint32_t staff,
                     uint32_t department, int64_t at_us, s_verdict_t *v)
{
    memset(v, 0, sizeof *v);
    v->type = sw_policy_violation(self->policy, kind, &v->rule);
    if (v->type == 0)
        return false;
    v->staff = staff;
    v->department = department;
    int month = s_month(
        self, ci != SLA_POOL_NONE ? s_office(self, s_case(self, ci)) : "default", at_us);
    /* nobody held it: the department counts as the person for repeats */
    v->occurrence = sla_tally_person(self->tally, staff ? staff : department, month);
    sw_policy_penalty(self->policy, v->type, v->occurrence, &v->yuan, &v->self_criticism);
    return true;
}

/* A committed breach ends its deadline and decides the violation it
   causes, carried by the deadline's record until it commits (or, for a
   deadline sla does not hold, by the side table). */
static void s_on_breached(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                          bool replaying)
{
    const Shouwen__V1__DeadlineBreached *b = env->deadline_breached;
    if (b->deadline_event_id.len != SW_EVENTID_SIZE)
        return;
    uint32_t di = ci != SLA_POOL_NONE
                      ? s_find_deadline(self, s_case(self, ci), b->deadline_event_id.data)
                      : SLA_POOL_NONE;
    if (di != SLA_POOL_NONE && s_dl(self, di)->state == SLA_DEADLINE_VIOLATING)
        return; /* decided already */
    s_verdict_t v;
    int64_t at = b->due_at_us ? b->due_at_us : env->occurred_at_us;
    bool violation =
        s_assess(self, ci, b->kind, sla_people_intern(self->people, b->holder_staff_id),
                 sla_people_intern(self->people, b->department_id), at, &v);
    if (di != SLA_POOL_NONE && !violation) {
        s_remove_deadline(self, ci, di);
        return;
    }
    if (di != SLA_POOL_NONE) {
        sla_deadline_t *d = s_dl(self, di);
        sla_timers_unschedule(self->timers, di);
        d->state = SLA_DEADLINE_VIOLATING;
        d->holder = v.staff;
        d->department = v.department;
        d->due_us = at;
        d->warn_us = (int64_t)((uint64_t)v.yuan << 32 | v.occurrence);
        d->flags = (uint16_t)((d->flags & ~(S_SELF_CRITICISM | S_VIOLATION_SENT)) |
                              (v.self_criticism ? S_SELF_CRITICISM : 0));
        if (!replaying)
            s_send_violation_of(self, ci, di);
        return;
    }
    if (!violation)
        return;
    s_violation_t *side = (s_violation_t *)zmalloc(sizeof(s_violation_t));
    sw_eventid_derive(side->id, b->deadline_event_id.data, "violation");
    char key[2 * SW_EVENTID_SIZE + 1];
    s_hex(side->id, key);
    memcpy(side->cause, env->event_id.data, SW_EVENTID_SIZE);
    snprintf(side->case_id, sizeof side->case_id, "%s", env->case_id);
    side->type = v.type;
    side->staff = v.staff;
    side->department = v.department;
    side->yuan = v.yuan;
    side->occurrence = v.occurrence;
    side->self_criticism = v.self_criticism;
    snprintf(side->rule, sizeof side->rule, "%s", v.rule);
    side->occurred_at_us = at;
    zhashx_update(self->violations, key, side);
    if (!replaying)
        s_send_violation(self, side);
}

/* R18: the department the lock gives the case to holds it towards the
   customer: the completion clock (which follows the case) is charged to
   its owner from now, and a reply clock someone else holds is superseded
   by one on the owner, a working day from the lock, as after a handoff. */
static void s_lock_moves_clocks(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                                const Shouwen__V1__Coordination *co, bool replaying)
{
    sla_case_t *c = s_case(self, ci);
    uint32_t owner = sla_people_intern(self->people, co->owner_staff_id);
    uint32_t dept = sla_people_intern(self->people, co->lead_department_id);
    if (!owner)
        owner = sla_people_head(self->people, dept);
    if (owner && dept)
        sla_people_set_department(self->people, owner, dept);
    if (owner)
        c->holder = owner;
    if (dept)
        c->department = dept;
    bool moved = false;
    uint32_t list[S_MAX_PER_CASE];
    size_t n = s_deadlines_of(self, c, list);
    for (size_t i = 0; i < n; i++) {
        sla_deadline_t *d = s_dl(self, list[i]);
        if (d->kind != K_REPLY || !s_active(d) || d->holder == owner)
            continue;
        s_end(self, ci, list[i], "superseded: ownership locked (R18)", env->event_id.data,
              replaying);
        moved = true;
    }
    if (!moved || !owner)
        return;
    sw_case_facts_t facts = s_facts(c);
    facts.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    s_start(self, ci, K_REPLY, env->event_id.data, env->occurred_at_us, owner, dept,
            &facts, SLA_DL_FOLLOWS_DEPT, replaying);
}

/* R18: ownership locked after ping-pong.  The owner may no longer pass the
   case on, so its transfer clock ends; whoever passed it on once too often
   is recorded as shirking (推诿扯皮, V1) with the V2 penalty of the month,
   like every other violation. */
static void s_on_lock(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                      bool replaying)
{
    const Shouwen__V1__Coordination *co = env->coordination;
    if (!co->ownership_locked)
        return;
    if (ci != SLA_POOL_NONE) {
        s_end_kind(self, ci, K_TRANSFER, "ended: ownership locked (R18)",
                   env->event_id.data, replaying);
        s_lock_moves_clocks(self, ci, env, co, replaying);
    }
    if (!co->shirker_staff_id || !*co->shirker_staff_id)
        return;
    int type = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_SHIRKING;
    s_violation_t *v = (s_violation_t *)zmalloc(sizeof(s_violation_t));
    sw_eventid_derive(v->id, env->event_id.data, "violation.shirking");
    memcpy(v->cause, env->event_id.data, SW_EVENTID_SIZE);
    snprintf(v->case_id, sizeof v->case_id, "%s", env->case_id);
    v->type = type;
    v->staff = sla_people_intern(self->people, co->shirker_staff_id);
    v->department = sla_people_intern(self->people, co->shirker_department_id);
    int month =
        s_month(self, ci != SLA_POOL_NONE ? s_office(self, s_case(self, ci)) : "default",
                env->occurred_at_us);
    v->occurrence = sla_tally_person(self->tally, v->staff, month);
    sw_policy_penalty(self->policy, type, v->occurrence, &v->yuan, &v->self_criticism);
    snprintf(v->rule, sizeof v->rule, "R18");
    v->occurred_at_us = env->occurred_at_us;
    char key[2 * SW_EVENTID_SIZE + 1];
    s_hex(v->id, key);
    zhashx_update(self->violations, key, v);
    if (!replaying)
        s_send_violation(self, v);
}

/* The deadline record carrying a violation by its id; SLA_POOL_NONE. */
static uint32_t s_find_violating(sla_rules_t *self, uint32_t ci, const uint8_t *id)
{
    if (ci == SLA_POOL_NONE)
        return SLA_POOL_NONE;
    for (uint32_t di = s_case(self, ci)->deadlines; di != SLA_POOL_NONE;
         di = s_dl(self, di)->next) {
        if (s_dl(self, di)->state != SLA_DEADLINE_VIOLATING)
            continue;
        uint8_t derived[SW_EVENTID_SIZE];
        sw_eventid_derive(derived, s_dl(self, di)->id, "violation");
        if (memcmp(derived, id, SW_EVENTID_SIZE) == 0)
            return di;
    }
    return SLA_POOL_NONE;
}

/* V2: a department's n-th violation of the month brings its penalty. */
static void s_on_violation(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                           bool replaying)
{
    const Shouwen__V1__ViolationRecorded *r = env->violation_recorded;
    char key[2 * SW_EVENTID_SIZE + 1];
    bool ours = false;
    uint32_t di = s_find_violating(self, ci, env->event_id.data);
    if (di != SLA_POOL_NONE) {
        s_remove_deadline(self, ci, di);
        ours = true;
    } else {
        s_hex(env->event_id.data, key);
        ours = zhashx_lookup(self->violations, key) != NULL;
        zhashx_delete(self->violations, key);
    }
    if (!*r->staff_id)
        return; /* a department penalty itself */
    const char *office =
        ci != SLA_POOL_NONE ? s_office(self, s_case(self, ci)) : "default";
    int month = s_month(self, office, env->occurred_at_us);
    uint32_t staff = sla_people_intern(self->people, r->staff_id);
    uint32_t dept = sla_people_intern(self->people, r->department_id);
    if (!ours && !(env->producer && streq(env->producer, "sla")))
        sla_tally_person(self->tally, staff, month); /* recorded by router, say */
    if (!dept)
        return;
    uint32_t count = sla_tally_department(self->tally, dept, month), from, yuan;
    sw_policy_department_penalty(self->policy, &from, &yuan);
    if (from == 0 || yuan == 0 || count != from || env->case_id == NULL)
        return;
    s_violation_t *v = (s_violation_t *)zmalloc(sizeof(s_violation_t));
    sw_eventid_derive(v->id, env->event_id.data, "department");
    memcpy(v->cause, env->event_id.data, SW_EVENTID_SIZE);
    snprintf(v->case_id, sizeof v->case_id, "%s", env->case_id);
    v->type = r->type;
    v->department = dept;
    v->yuan = yuan;
    v->occurrence = count;
    snprintf(v->rule, sizeof v->rule, "V2");
    v->occurred_at_us = env->occurred_at_us;
    s_hex(v->id, key);
    zhashx_update(self->violations, key, v);
    if (!replaying)
        s_send_violation(self, v);
}

/* A committed sla event that names a deadline ends its record. */
static void s_on_deadline_done(sla_rules_t *self, uint32_t ci,
                               const ProtobufCBinaryData *id)
{
    if (id->len != SW_EVENTID_SIZE)
        return;
    uint32_t di = s_find_deadline(self, s_case(self, ci), id->data);
    if (di != SLA_POOL_NONE)
        s_remove_deadline(self, ci, di);
}

/* ------------------------------------------------------------------------
   The log. */

static void s_on_case_event(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                            bool replaying)
{
    const uint8_t *cause = env->event_id.data;
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        s_on_received(self, ci, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        s_on_routed(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        s_on_handoff(self, ci, env, env->transferred->handoff, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        s_on_handoff(self, ci, env, env->forwarded->handoff, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        s_on_handoff(self, ci, env, env->returned->handoff, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        s_on_accepted(self, ci, env->accepted->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REPLIED:
        s_contacted(self, ci, env, "met: case.replied", replaying);
        s_end_kind(self, ci, K_REPLY, "met: case.replied", cause, replaying);
        s_end_kind(self, ci, K_PHONE, "met: case.replied", cause, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_PROGRESS:
        s_contacted(self, ci, env, "met: case.progress", replaying);
        s_on_progress(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        s_contacted(self, ci, env, "met: case.resolved", replaying);
        s_on_resolved(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CALLBACK:
        s_end_kind(self, ci, K_CALLBACK, "met: case.callback", cause, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        s_on_reopened(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        s_contacted(self, ci, env, "ended: case closed", replaying);
        s_on_closed(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_WAITING:
        s_on_waiting(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        s_on_set(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        s_on_warning(self, ci, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED:
        s_on_deadline_done(self, ci, &env->deadline_cleared->deadline_event_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION:
        s_on_lock(self, ci, env, replaying);
        break;
    default:
        break; /* escalations, commands: no clock */
    }
}

void sla_rules_apply(sla_rules_t *self, const sw_envelope_t *env, bool replaying)
{
    uint64_t key;
    if (!env->case_id || sla_case_key(env->case_id, &key) != 0) {
        if (env->case_id && *env->case_id)
            self->stats.ignored++;
        return;
    }
    bool creates = env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED ||
                   env->body_case == SHOUWEN__V1__ENVELOPE__BODY_REOPENED;
    uint32_t ci =
        creates ? sla_cases_ensure(self->cases, key) : sla_cases_find(self->cases, key);
    self->stats.applied++;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED)
        s_on_breached(self, ci, env, replaying);
    else if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED)
        s_on_violation(self, ci, env, replaying);
    else if (ci == SLA_POOL_NONE)
        self->stats.ignored++; /* a case closed and forgotten, or out of room */
    else
        s_on_case_event(self, ci, env, replaying);
}

static int s_compare_keys(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* R26: a directory load (the event env) in which handlers who were away
   at a hand-over are on post again: each one's return-contact clock starts
   on each such case, from the load. */
void sla_rules_back_on_post(sla_rules_t *self, sw_directory_t *dir,
                            const sw_envelope_t *env, bool replaying)
{
    zlistx_t *keys = zhashx_keys(self->away);
    zlistx_set_comparator(keys, s_compare_keys);
    zlistx_sort(keys); /* the same order on every run */
    for (const char *key = (const char *)zlistx_first(keys); key;
         key = (const char *)zlistx_next(keys)) {
        uint32_t staff = *(uint32_t *)zhashx_lookup(self->away, key);
        const char *id = sla_people_name(self->people, staff);
        if (sw_directory_availability(dir, id) != SW_AVAILABLE_ON_POST)
            continue;
        uint32_t ci = (uint32_t)strtoul(key, NULL, 10);
        sla_case_t *c = s_case(self, ci);
        uint32_t dept = sla_people_department(self->people, staff);
        sw_case_facts_t facts = s_facts(c);
        s_start(self, ci, K_RETURN, env->event_id.data, env->occurred_at_us, staff,
                dept ? dept : c->department, &facts, 0, replaying);
        zhashx_delete(self->away, key);
    }
    zlistx_destroy(&keys);
}

/* A decision still to propose when live. */
typedef struct {
    uint32_t ci, di; /* case and deadline records */
} s_due_t;

/* The deadlines whose set, clear or violation the log lacks. */
static size_t s_due_list(sla_rules_t *self, s_due_t **out)
{
    size_t n = 0, size = 0, cursor = 0;
    s_due_t *due = NULL;
    uint32_t ci;
    while (sla_cases_next(self->cases, &cursor, &ci))
        for (uint32_t di = s_case(self, ci)->deadlines; di != SLA_POOL_NONE;
             di = s_dl(self, di)->next) {
            const sla_deadline_t *d = s_dl(self, di);
            bool unset =
                !(d->flags & (SLA_DL_SET_DONE | S_SET_SENT)) &&
                (d->state == SLA_DEADLINE_PROPOSED || d->state == SLA_DEADLINE_ENDING);
            bool uncleared = d->state == SLA_DEADLINE_ENDING &&
                             (d->flags & SLA_DL_SET_DONE) && !(d->flags & S_CLEAR_SENT);
            bool unrecorded =
                d->state == SLA_DEADLINE_VIOLATING && !(d->flags & S_VIOLATION_SENT);
            if (!unset && !uncleared && !unrecorded)
                continue;
            if (n == size) {
                size = size ? 2 * size : 1024;
                s_due_t *grown = (s_due_t *)realloc(due, size * sizeof(s_due_t));
                if (!grown)
                    break;
                due = grown;
            }
            due[n++] = (s_due_t){ci, di};
        }
    *out = due;
    return n;
}

void sla_rules_live(sla_rules_t *self)
{
    if (!self->live) {
        self->live = true;
        sla_timers_bulk(self->timers, false);
    }
    /* collected first: proposing may drop a deadline (and forget a case) */
    s_due_t *due = NULL;
    size_t n = s_due_list(self, &due);
    for (size_t i = 0; i < n; i++) {
        uint32_t ci = due[i].ci, di = due[i].di;
        sla_deadline_t *d = s_dl(self, di);
        if (d->state == SLA_DEADLINE_VIOLATING)
            s_send_violation_of(self, ci, di);
        else if (d->flags & SLA_DL_SET_DONE)
            s_send_clear(self, ci, di);
        else if (s_resolve(self, ci, di))
            s_send_set(self, ci, di);
        else
            s_remove_deadline(self, ci, di); /* its rule no longer applies */
    }
    free(due);
    for (s_violation_t *v = (s_violation_t *)zhashx_first(self->violations); v;
         v = (s_violation_t *)zhashx_next(self->violations))
        if (!v->sent)
            s_send_violation(self, v);
}

int64_t sla_rules_next_fire(sla_rules_t *self)
{
    return sla_timers_next(self->timers);
}

size_t sla_rules_expire(sla_rules_t *self, int64_t now_us, size_t max)
{
    size_t fired = 0;
    while (self->live && fired < max) {
        uint32_t di = sla_timers_pop_due(self->timers, now_us);
        if (di == SLA_POOL_NONE)
            break;
        fired++;
        sla_deadline_t *d = s_dl(self, di);
        if (d->state != SLA_DEADLINE_OPEN || (d->flags & SLA_DL_PAUSED))
            continue;
        bool warn =
            d->warn_us > 0 && d->warn_us < d->due_us && !(d->flags & SLA_DL_WARNED);
        d->flags |= SLA_DL_WARNED;
        if (warn && now_us < d->due_us) {
            s_send_warning(self, d->case_ref, di);
            s_schedule(self, di);
        } else {
            d->state = SLA_DEADLINE_BREACHING;
            s_send_breach(self, d->case_ref, di);
        }
    }
    return fired;
}

const sla_rules_stats_t *sla_rules_stats(sla_rules_t *self)
{
    return &self->stats;
}

size_t sla_rules_cases(sla_rules_t *self)
{
    return sla_cases_size(self->cases);
}

size_t sla_rules_deadlines(sla_rules_t *self)
{
    return sla_timers_size(self->timers);
}

size_t sla_rules_running(sla_rules_t *self)
{
    return sla_timers_scheduled(self->timers);
}

size_t sla_rules_bytes(sla_rules_t *self)
{
    return sla_cases_bytes(self->cases) + sla_timers_bytes(self->timers);
}
