/*  sla_violations: sla's own committed events and the violations (V1, V2)
    they decide: a deadline set or warned, a breach and the violation it
    causes with the month's repeat count, the shirker of a locked case
    (R18), and a department's penalty at its n-th violation of the month. */
#include "sla_rules_int.h"

/* Month number (year * 12 + month - 1) of an instant in the zone of the
   case's office ("default" for a case sla does not hold). */
static int s_month(sla_rules_t *self, uint32_t ci, int64_t t_us)
{
    const char *office =
        ci != SLA_POOL_NONE ? sla_office(self, s_case(self, ci)) : "default";
    sw_calendar_local_t local;
    if (sw_calendar_to_local(self->calendar, office, t_us, &local) == 0)
        return local.year * 12 + local.month - 1;
    time_t secs = (time_t)(t_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* V2: v's occurrence in the month of at_us, counted for who (a person, or
   the department when nobody held the deadline), and the penalty that
   brings; v's type is set. */
static void s_penalise(sla_rules_t *self, uint32_t ci, uint32_t who, int64_t at_us,
                       sla_verdict_t *v)
{
    v->occurrence = sla_tally_person(self->tally, who, s_month(self, ci, at_us));
    sw_policy_penalty(self->policy, v->type, v->occurrence, &v->yuan, &v->self_criticism);
}

/* Keep a violation no deadline record carries in the side table until it
   commits (its id derived from base and name, caused by env); proposed
   now unless replaying. */
static void s_keep(sla_rules_t *self, const uint8_t *base, const char *name,
                   const sw_envelope_t *env, const sla_verdict_t *verdict, int64_t at_us,
                   bool replaying)
{
    sla_violation_t *v = (sla_violation_t *)zmalloc(sizeof(sla_violation_t));
    sw_eventid_derive(v->id, base, name);
    memcpy(v->cause, env->event_id.data, SW_EVENTID_SIZE);
    snprintf(v->case_id, sizeof v->case_id, "%s", env->case_id);
    v->verdict = *verdict;
    v->occurred_at_us = at_us;
    char key[2 * SW_EVENTID_SIZE + 1];
    sla_hex(v->id, key);
    zhashx_update(self->violations, key, v);
    if (!replaying)
        sla_send_violation(self, v);
}

/* ------------------------------------------------------------------------
   sla's own events, committed. */

void sla_on_set(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env, bool replaying)
{
    const Shouwen__V1__DeadlineSet *b = env->deadline_set;
    sla_case_t *c = s_case(self, ci);
    uint32_t di = sla_find_deadline(self, c, env->event_id.data);
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
        sla_index_key(di, key);
        zhashx_delete(self->triggers, key);
        d->flags &= (uint16_t)~S_HAS_TRIGGER;
    }
    if (d->state == SLA_DEADLINE_PROPOSED) {
        d->state = SLA_DEADLINE_OPEN;
        if (!(d->flags & SLA_DL_PAUSED))
            sla_schedule(self, di);
    } else if (d->state == SLA_DEADLINE_ENDING && !replaying)
        sla_send_clear(self, ci, di);
}

void sla_on_warning(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env)
{
    const Shouwen__V1__DeadlineWarning *b = env->deadline_warning;
    if (b->deadline_event_id.len != SW_EVENTID_SIZE)
        return;
    uint32_t di = sla_find_deadline(self, s_case(self, ci), b->deadline_event_id.data);
    if (di == SLA_POOL_NONE)
        return;
    sla_deadline_t *d = s_dl(self, di);
    d->flags |= SLA_DL_WARNED | S_WARN_DONE;
    if (d->heap_pos)
        sla_schedule(self, di); /* now it fires at its due instant */
}

/* V1/V2: what a breach of a deadline kind by staff (or, nobody holding
   it, by the department) in the month of at_us costs; false if the kind
   records no violation. */
static bool s_assess(sla_rules_t *self, uint32_t ci, int kind, uint32_t staff,
                     uint32_t department, int64_t at_us, sla_verdict_t *v)
{
    memset(v, 0, sizeof *v);
    const char *rule = "";
    v->type = sw_policy_violation(self->policy, kind, &rule);
    if (v->type == 0)
        return false;
    snprintf(v->rule, sizeof v->rule, "%s", rule);
    v->staff = staff;
    v->department = department;
    /* nobody held it: the department counts as the person for repeats */
    s_penalise(self, ci, staff ? staff : department, at_us, v);
    return true;
}

/* A committed breach ends its deadline and decides the violation it
   causes, carried by the deadline's record until it commits (or, for a
   deadline sla does not hold, by the side table). */
void sla_on_breached(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                     bool replaying)
{
    const Shouwen__V1__DeadlineBreached *b = env->deadline_breached;
    if (b->deadline_event_id.len != SW_EVENTID_SIZE)
        return;
    uint32_t di = ci != SLA_POOL_NONE ? sla_find_deadline(self, s_case(self, ci),
                                                          b->deadline_event_id.data)
                                      : SLA_POOL_NONE;
    if (di != SLA_POOL_NONE && s_dl(self, di)->state == SLA_DEADLINE_VIOLATING)
        return; /* decided already */
    sla_verdict_t v;
    int64_t at = b->due_at_us ? b->due_at_us : env->occurred_at_us;
    bool violation =
        s_assess(self, ci, b->kind, sla_people_intern(self->people, b->holder_staff_id),
                 sla_people_intern(self->people, b->department_id), at, &v);
    if (di != SLA_POOL_NONE && !violation) {
        sla_remove_deadline(self, ci, di);
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
            sla_send_violation_of(self, ci, di);
        return;
    }
    if (violation)
        s_keep(self, b->deadline_event_id.data, "violation", env, &v, at, replaying);
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
void sla_on_violation(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                      bool replaying)
{
    const Shouwen__V1__ViolationRecorded *r = env->violation_recorded;
    char key[2 * SW_EVENTID_SIZE + 1];
    bool ours = false;
    uint32_t di = s_find_violating(self, ci, env->event_id.data);
    if (di != SLA_POOL_NONE) {
        sla_remove_deadline(self, ci, di);
        ours = true;
    } else {
        sla_hex(env->event_id.data, key);
        ours = zhashx_lookup(self->violations, key) != NULL;
        zhashx_delete(self->violations, key);
    }
    if (!*r->staff_id)
        return; /* a department penalty itself */
    int month = s_month(self, ci, env->occurred_at_us);
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
    sla_verdict_t v = {
        .type = r->type, .department = dept, .yuan = yuan, .occurrence = count};
    snprintf(v.rule, sizeof v.rule, "V2");
    s_keep(self, env->event_id.data, "department", env, &v, env->occurred_at_us,
           replaying);
}

/* A committed sla event that names a deadline ends its record. */
void sla_on_deadline_done(sla_rules_t *self, uint32_t ci, const ProtobufCBinaryData *id)
{
    if (id->len != SW_EVENTID_SIZE)
        return;
    uint32_t di = sla_find_deadline(self, s_case(self, ci), id->data);
    if (di != SLA_POOL_NONE)
        sla_remove_deadline(self, ci, di);
}

/* R18: whoever passed the case on once too often is recorded as shirking
   (推诿扯皮, V1) with the V2 penalty of the month, like every other
   violation. */
void sla_record_shirking(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                         bool replaying)
{
    const Shouwen__V1__Coordination *co = env->coordination;
    sla_verdict_t v = {.type = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_SHIRKING};
    v.staff = sla_people_intern(self->people, co->shirker_staff_id);
    v.department = sla_people_intern(self->people, co->shirker_department_id);
    snprintf(v.rule, sizeof v.rule, "R18");
    s_penalise(self, ci, v.staff, env->occurred_at_us, &v);
    s_keep(self, env->event_id.data, "violation.shirking", env, &v, env->occurred_at_us,
           replaying);
}
