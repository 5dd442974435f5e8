/*  sla_clocks: a case's deadlines (时限) as decisions: started by the policy
    from a trigger event, resolved when decided while replaying, moved by
    the time a case waited on the customer, and ended (met, superseded or
    ended with the case).  Which event calls which: sla_handlers.c. */
#include "sla_rules_int.h"
#include "sw_alloc.h"

#include "sw_log.h"

#define S_KINDS      8 /* DeadlineKind values */
#define S_US_PER_MIN (60LL * 1000000)

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

const char *sla_kind_name(int kind)
{
    return s_kind_names[kind % S_KINDS];
}

/* ------------------------------------------------------------------------
   Cases and their deadlines. */

/* The office whose calendar a case follows: sla/offices maps its branch. */
const char *sla_office(sla_rules_t *self, const sla_case_t *c)
{
    const char *branch = c ? sla_people_name(self->people, c->branch) : "";
    zconfig_t *o = self->offices && *branch && !strchr(branch, '/')
                       ? zconfig_locate(self->offices, branch)
                       : NULL;
    return o && zconfig_value(o) ? zconfig_value(o) : "default";
}

sw_case_facts_t sla_facts(const sla_case_t *c)
{
    sw_case_facts_t f = {c->request_kind, c->channel, c->urgency, c->disposition};
    return f;
}

/* The facts a deadline kind's rule is looked up with: a transfer clock and
   a receiving department's reply clock are those of a handoff. */
sw_case_facts_t sla_facts_for(const sla_case_t *c, int kind, uint16_t flags)
{
    sw_case_facts_t facts = sla_facts(c);
    if (kind == K_TRANSFER || (flags & SLA_DL_FOLLOWS_DEPT))
        facts.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    return facts;
}

uint32_t sla_find_deadline(sla_rules_t *self, sla_case_t *c, const uint8_t *id)
{
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next)
        if (memcmp(s_dl(self, di)->id, id, SW_EVENTID_SIZE) == 0)
            return di;
    return SLA_POOL_NONE;
}

/* The case's deadline records, at most S_MAX_PER_CASE, into out. */
size_t sla_deadlines_of(sla_rules_t *self, sla_case_t *c, uint32_t *out)
{
    size_t n = 0;
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE && n < S_MAX_PER_CASE;
         di = s_dl(self, di)->next)
        out[n++] = di;
    return n;
}

bool sla_active(const sla_deadline_t *d)
{
    return d->state == SLA_DEADLINE_PROPOSED || d->state == SLA_DEADLINE_OPEN;
}

bool sla_has_active(sla_rules_t *self, sla_case_t *c, int kind)
{
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next)
        if (s_dl(self, di)->kind == kind && sla_active(s_dl(self, di)))
            return true;
    return false;
}

void sla_forget_case_if_done(sla_rules_t *self, uint32_t ci)
{
    sla_case_t *c = s_case(self, ci);
    if (!(sla_case_flags(c) & SLA_CASE_CLOSED) || c->deadlines != SLA_POOL_NONE)
        return;
    char key[12];
    sla_index_key(ci, key);
    zhashx_delete(self->waiting, key);
    zhashx_delete(self->away, key);
    sla_cases_remove(self->cases, ci);
}

/* Unlink a deadline from its case and free it. */
void sla_remove_deadline(sla_rules_t *self, uint32_t ci, uint32_t di)
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
        sla_index_key(di, key);
        if (flags & S_HAS_ENDING)
            zhashx_delete(self->endings, key);
        if (flags & S_HAS_TRIGGER)
            zhashx_delete(self->triggers, key);
    }
    sla_timers_remove(self->timers, di);
    sla_forget_case_if_done(self, ci);
}

void sla_schedule(sla_rules_t *self, uint32_t di)
{
    sla_timers_schedule(self->timers, di); /* out of memory aborts (sw_alloc.h) */
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
    if (sla_find_deadline(self, c, id) != SLA_POOL_NONE)
        return SLA_POOL_NONE; /* decided already (the same trigger applied twice) */
    uint8_t *copy = (uint8_t *)sw_malloc(SW_EVENTID_SIZE);
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
    sla_index_key(di, key);
    memcpy(copy, trigger, SW_EVENTID_SIZE);
    zhashx_update(self->triggers, key, copy);
    d->flags |= S_HAS_TRIGGER;
    if (!replaying)
        sla_send_set(self, ci, di);
    return di;
}

/* A deadline's due and warning instants from its start by the rule;
   false (logged) on a calendar error. */
static bool s_instants(sla_rules_t *self, uint32_t ci, const sw_rule_t *rule,
                       int64_t start_us, int64_t *due_us, int64_t *warn_us)
{
    sla_case_t *c = s_case(self, ci);
    const char *office = sla_office(self, c);
    *due_us = sw_limit_due(&rule->limit, self->calendar, office, start_us);
    if (*due_us < 0) {
        char case_id[SW_CASEID_STRLEN + 1];
        sla_case_id(c, case_id);
        self->stats.errors++;
        sw_error("case %s: no %s deadline: office '%s' has no calendar for %" PRId64,
                 case_id, sla_kind_name(rule->kind), office, start_us);
        return false;
    }
    *warn_us = sw_limit_warn(&rule->limit, self->calendar, office, start_us, *due_us,
                             rule->warn_permille);
    return true;
}

/* Start a clock of a case by its policy, counted from start_us.  While
   replaying, the instants are left to compute (S_DEFERRED): the log
   usually holds the committed deadline a few events later, with them. */
uint32_t sla_start(sla_rules_t *self, uint32_t ci, int kind, const uint8_t *trigger,
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
bool sla_resolve(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_deadline_t *d = s_dl(self, di);
    if (!(d->flags & S_DEFERRED))
        return true;
    sw_case_facts_t facts = sla_facts_for(s_case(self, ci), d->kind, d->flags);
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
bool sla_is_long(sla_rules_t *self, uint32_t ci, const sw_case_facts_t *facts,
                 int64_t start_us)
{
    sw_rule_t done;
    if (!sw_policy_rule(self->policy, K_COMPLETION, facts, &done))
        return false;
    const sw_limit_t *lm = sw_policy_long_matter(self->policy);
    if (done.limit.unit == lm->unit && lm->unit != SW_UNIT_SAME_DAY)
        return done.limit.amount >= lm->amount;
    const char *office = sla_office(self, s_case(self, ci));
    int64_t done_at = sw_limit_due(&done.limit, self->calendar, office, start_us);
    int64_t long_at = sw_limit_due(lm, self->calendar, office, start_us);
    return done_at > 0 && long_at > 0 && done_at >= long_at;
}

/* End a running (or still proposed) deadline: met, superseded or ended. */
void sla_end(sla_rules_t *self, uint32_t ci, uint32_t di, const char *reason,
             const uint8_t *cause, bool replaying)
{
    sla_deadline_t *d = s_dl(self, di);
    if (!sla_active(d))
        return;
    sla_ending_t *ending = (sla_ending_t *)zmalloc(sizeof(sla_ending_t));
    snprintf(ending->reason, sizeof ending->reason, "%s", reason);
    memcpy(ending->cause, cause, SW_EVENTID_SIZE);
    char key[12];
    sla_index_key(di, key);
    zhashx_update(self->endings, key, ending);
    d->flags |= S_HAS_ENDING;
    sla_timers_unschedule(self->timers, di);
    d->state = SLA_DEADLINE_ENDING;
    d->flags &= (uint16_t)~SLA_DL_PAUSED;
    if ((d->flags & SLA_DL_SET_DONE) && !replaying)
        sla_send_clear(self, ci, di);
}

void sla_end_kind(sla_rules_t *self, uint32_t ci, int kind, const char *reason,
                  const uint8_t *cause, bool replaying)
{
    uint32_t list[S_MAX_PER_CASE];
    size_t n = sla_deadlines_of(self, s_case(self, ci), list);
    for (size_t i = 0; i < n; i++)
        if (kind == 0 || s_dl(self, list[i])->kind == kind)
            sla_end(self, ci, list[i], reason, cause, replaying);
}

/* ------------------------------------------------------------------------
   Waiting on the customer. */

/* The clocks of a case that starts waiting on the customer stop. */
static void s_pause(sla_rules_t *self, uint32_t ci, int64_t since_us)
{
    sla_case_t *c = s_case(self, ci);
    char key[12];
    sla_index_key(ci, key);
    int64_t *since = (int64_t *)sw_malloc(sizeof(int64_t));
    *since = since_us;
    zhashx_update(self->waiting, key, since);
    sla_case_set_flags(c, SLA_CASE_WAITING, true);
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next) {
        sla_deadline_t *d = s_dl(self, di);
        if (sla_active(d)) {
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
    const char *office = sla_office(self, c);
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
    sla_index_key(ci, key);
    int64_t *since_p = (int64_t *)zhashx_lookup(self->waiting, key);
    int64_t since = since_p ? *since_p : env->occurred_at_us;
    zhashx_delete(self->waiting, key);
    sla_case_set_flags(c, SLA_CASE_WAITING, false);
    int64_t resume = env->occurred_at_us > since ? env->occurred_at_us : since;
    const char *office = sla_office(self, c);
    int64_t paused_work =
        sw_calendar_working_between(self->calendar, office, since, resume);
    uint32_t list[S_MAX_PER_CASE];
    size_t n = sla_deadlines_of(self, c, list);
    for (size_t i = 0; i < n; i++) {
        sla_deadline_t *d = s_dl(self, list[i]);
        if (!(d->flags & SLA_DL_PAUSED) || !sla_active(d))
            continue;
        if (!sla_resolve(self, ci, list[i])) {
            sla_remove_deadline(self, ci, list[i]); /* a resumed case is not closed */
            continue;
        }
        d->flags &= (uint16_t)~SLA_DL_PAUSED;
        bool working = d->flags & SLA_DL_WORKING;
        if ((working && paused_work <= 0) || (!working && resume <= since)) {
            if (d->state == SLA_DEADLINE_OPEN)
                sla_schedule(self, list[i]); /* no time lost: it runs on as it was */
            continue;
        }
        int64_t due, warn;
        s_move(self, c, d, since, resume, &due, &warn);
        if (due < 0) {
            self->stats.errors++;
            if (d->state == SLA_DEADLINE_OPEN)
                sla_schedule(self, list[i]);
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
        sla_end(self, ci, list[i], reason, env->event_id.data, replaying);
        s_add(self, ci, kind, env->event_id.data, due, warn, holder, dept, flags,
              replaying);
    }
}

/* case.waiting: the clocks stop, or move on. */
void sla_on_waiting(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                    bool replaying)
{
    bool waiting = sla_case_flags(s_case(self, ci)) & SLA_CASE_WAITING;
    if (env->waiting->waiting && !waiting)
        s_pause(self, ci, env->occurred_at_us);
    else if (!env->waiting->waiting && waiting)
        s_resume(self, ci, env, replaying);
}
