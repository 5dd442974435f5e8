/*  sla_emit: sla's decisions as events.  Each function builds one body
    (sla.deadline_set, sla.deadline_cleared, sla.warning, sla.breached,
    violation.recorded) from the records and hands the envelope, its id
    derived from the event that caused it, to the propose callback. */
#include "sla_rules_int.h"

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
    sw_case_facts_t facts = sla_facts_for(c, d->kind, d->flags);
    sw_rule_t rule;
    const char *id = "";
    if (sw_policy_rule(self->policy, d->kind, &facts, &rule))
        sw_rule_text(&rule, out, size);
    else {
        sw_policy_violation(self->policy, d->kind, &id);
        snprintf(out, size, "%s: %s", id, sla_kind_name(d->kind));
    }
    if (d->flags & S_MOVED) {
        size_t len = strlen(out);
        snprintf(out + len, size - len,
                 "; moved by the time the case waited on the customer");
    }
}

void sla_send_set(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_case_t *c = s_case(self, ci);
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1], policy[224], key[12];
    sla_case_id(c, case_id);
    s_policy_text(self, c, d, policy, sizeof policy);
    sla_index_key(di, key);
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

void sla_send_clear(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1], key[12];
    sla_case_id(s_case(self, ci), case_id);
    sla_index_key(di, key);
    sla_ending_t *ending = (sla_ending_t *)zhashx_lookup(self->endings, key);
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

/* R10/V4: a copy of every breach to the QA office (its head); NULL when the
   organisation names none. */
static Shouwen__V1__QaCopy *s_qa_copy(sla_rules_t *self, Shouwen__V1__QaCopy *copy)
{
    uint32_t qa = sla_people_qa_office(self->people);
    if (!qa)
        return NULL;
    copy->department_id = (char *)sla_people_name(self->people, qa);
    copy->staff_id =
        (char *)sla_people_name(self->people, sla_people_head(self->people, qa));
    return copy;
}

/* A warning fires at the deadline's warning instant, a breach at its due
   instant; both are charged to whoever s_charged names then. */
void sla_send_alarm(sla_rules_t *self, uint32_t ci, uint32_t di, bool breach)
{
    sla_case_t *c = s_case(self, ci);
    sla_deadline_t *d = s_dl(self, di);
    char case_id[SW_CASEID_STRLEN + 1];
    sla_case_id(c, case_id);
    uint32_t staff, department;
    s_charged(self, d, c, &staff, &department);
    Shouwen__V1__DeadlineKind kind = (Shouwen__V1__DeadlineKind)d->kind;
    ProtobufCBinaryData deadline = {.len = SW_EVENTID_SIZE, .data = d->id};
    char *holder = (char *)sla_people_name(self->people, staff);
    Shouwen__V1__DeadlineWarning warning = SHOUWEN__V1__DEADLINE_WARNING__INIT;
    Shouwen__V1__DeadlineBreached breached = SHOUWEN__V1__DEADLINE_BREACHED__INIT;
    Shouwen__V1__QaCopy copy = SHOUWEN__V1__QA_COPY__INIT;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    if (breach) {
        breached.kind = kind;
        breached.due_at_us = d->due_us;
        breached.deadline_event_id = deadline;
        breached.holder_staff_id = holder;
        breached.department_id = (char *)sla_people_name(self->people, department);
        breached.qa_copy = s_qa_copy(self, &copy);
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
        env.deadline_breached = &breached;
        self->stats.breaches++;
    } else {
        warning.kind = kind;
        warning.due_at_us = d->due_us;
        warning.deadline_event_id = deadline;
        warning.holder_staff_id = holder;
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING;
        env.deadline_warning = &warning;
        self->stats.warnings++;
    }
    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_derive(id, d->id, breach ? "breach" : "warning");
    s_emit(self, case_id, id, d->id, breach ? d->due_us : d->warn_us, &env);
}

static void s_emit_violation(sla_rules_t *self, const char *case_id, const uint8_t *id,
                             const uint8_t *cause, const sla_verdict_t *v, int64_t at_us)
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

void sla_send_violation(sla_rules_t *self, sla_violation_t *v)
{
    v->sent = true;
    s_emit_violation(self, v->case_id, v->id, v->cause, &v->verdict, v->occurred_at_us);
}

/* The record holds the violator, the breach instant and (in warn_us) the
   penalty and occurrence; the type and rule come from the policy. */
void sla_send_violation_of(sla_rules_t *self, uint32_t ci, uint32_t di)
{
    sla_deadline_t *d = s_dl(self, di);
    sla_verdict_t v = {.staff = d->holder,
                       .department = d->department,
                       .yuan = (uint32_t)((uint64_t)d->warn_us >> 32),
                       .occurrence = (uint32_t)((uint64_t)d->warn_us & 0xffffffffu),
                       .self_criticism = (d->flags & S_SELF_CRITICISM) != 0};
    const char *rule = "";
    v.type = sw_policy_violation(self->policy, d->kind, &rule);
    snprintf(v.rule, sizeof v.rule, "%s", rule);
    uint8_t id[SW_EVENTID_SIZE], cause[SW_EVENTID_SIZE];
    sw_eventid_derive(id, d->id, "violation");
    sw_eventid_derive(cause, d->id, "breach");
    char case_id[SW_CASEID_STRLEN + 1];
    sla_case_id(s_case(self, ci), case_id);
    d->flags |= S_VIOLATION_SENT;
    s_emit_violation(self, case_id, id, cause, &v, d->due_us);
}
