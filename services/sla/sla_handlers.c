/*  sla_handlers: what each committed case event does to the case's clocks
    (R3..R26): received and routed start them, a handoff meets and moves
    them, replies and progress meet them, resolving starts the callback,
    reopening a new completion limit, closing ends them all, waiting pauses
    them, and a lock (R18) moves them to the department that keeps the
    case.  docs/sla.md has the table. */
#include "sla_rules_int.h"
#include "sw_alloc.h"

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
    sw_case_facts_t facts = sla_facts(c);
    sw_rule_t rule;
    bool transfer = sw_policy_rule(self->policy, K_TRANSFER, &facts, &rule);
    /* who holds the case: the first owner until a transfer is done */
    c->holder = transfer ? c->first_owner : handler;
    c->department = transfer && owner_department ? owner_department : department;
    const uint8_t *trigger = env->event_id.data;
    int64_t start = c->received_at_us ? c->received_at_us : env->occurred_at_us;
    if (transfer)
        sla_start(self, ci, K_TRANSFER, trigger, start, c->first_owner, owner_department,
                  &facts, 0, replaying);
    sla_start(self, ci, K_REPLY, trigger, start, handler, department, &facts, 0,
              replaying);
    sla_start(self, ci, K_PHONE, trigger, start, c->first_owner,
              owner_department ? owner_department : department, &facts, 0, replaying);
    sla_start(self, ci, K_COMPLETION, trigger, start, handler, department, &facts, 0,
              replaying);
    if (sla_is_long(self, ci, &facts, start))
        sla_start(self, ci, K_STAGE, trigger, start, handler, department, &facts, 0,
                  replaying);
    uint32_t away = sla_people_intern(self->people, r->away_handler_id);
    uint32_t *item = away ? (uint32_t *)sw_malloc(sizeof(uint32_t)) : NULL;
    if (item) { /* R26: their clock starts when they are back on post */
        char key[12];
        sla_index_key(ci, key);
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
    sla_index_key(ci, key);
    zhashx_delete(self->away, key);
    sla_end_kind(self, ci, K_RETURN, reason, env->event_id.data, replaying);
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
    sla_end_kind(self, ci, K_TRANSFER, reason, trigger, replaying);
    snprintf(reason, sizeof reason, "ended: %s", env->type);
    s_contacted(self, ci, env, reason, replaying);
    snprintf(reason, sizeof reason, "superseded: %s to %s", env->type,
             *h->to_department_id ? h->to_department_id : h->to_staff_id);
    sla_end_kind(self, ci, K_REPLY, reason, trigger, replaying);
    if (!to)
        to = sla_people_head(self->people, to_dept);
    c->holder = to;
    if (to_dept)
        c->department = to_dept;
    sw_case_facts_t facts = sla_facts(c);
    facts.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    int64_t start = s_handoff_at(env, h);
    sla_start(self, ci, K_REPLY, trigger, start, to, to_dept, &facts, SLA_DL_FOLLOWS_DEPT,
              replaying);
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_RETURNED)
        sla_start(self, ci, K_TRANSFER, trigger, start, to, to_dept, &facts, 0,
                  replaying);
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
    if (!sla_has_active(self, c, K_STAGE))
        return;
    sla_end_kind(self, ci, K_STAGE, "met: case.progress", env->event_id.data, replaying);
    sw_case_facts_t facts = sla_facts(c);
    sla_start(self, ci, K_STAGE, env->event_id.data, env->occurred_at_us, c->holder,
              c->department, &facts, 0, replaying);
}

/* R22 met; R16: the first owner calls the customer back. */
static void s_on_resolved(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                          bool replaying)
{
    const uint8_t *cause = env->event_id.data;
    sla_end_kind(self, ci, K_COMPLETION, "met: case.resolved", cause, replaying);
    sla_end_kind(self, ci, K_REPLY, "met: case.resolved", cause, replaying);
    sla_end_kind(self, ci, K_PHONE, "met: case.resolved", cause, replaying);
    sla_end_kind(self, ci, K_STAGE, "ended: case resolved", cause, replaying);
    sla_end_kind(self, ci, K_TRANSFER, "ended: case resolved", cause, replaying);
    sla_case_t *c = s_case(self, ci);
    if (sla_has_active(self, c, K_CALLBACK))
        return;
    uint32_t owner = c->first_owner ? c->first_owner : c->holder;
    uint32_t dept = sla_people_department(self->people, owner);
    sw_case_facts_t facts = sla_facts(c);
    sla_start(self, ci, K_CALLBACK, cause, env->occurred_at_us, owner,
              dept ? dept : c->department, &facts, 0, replaying);
}

/* The matter is open again: a new completion limit from now. */
static void s_on_reopened(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                          bool replaying)
{
    const uint8_t *cause = env->event_id.data;
    sla_end_kind(self, ci, K_CALLBACK, "ended: case reopened", cause, replaying);
    sla_case_t *c = s_case(self, ci);
    sla_case_set_flags(c, SLA_CASE_CLOSED, false);
    if (!(sla_case_flags(c) & SLA_CASE_RECEIVED) && c->deadlines == SLA_POOL_NONE) {
        sla_cases_remove(self->cases, ci); /* closed and forgotten: its facts are gone */
        return;
    }
    if (sla_has_active(self, c, K_COMPLETION))
        return;
    sw_case_facts_t facts = sla_facts(c);
    uint32_t done = sla_start(self, ci, K_COMPLETION, cause, env->occurred_at_us,
                              c->holder, c->department, &facts, 0, replaying);
    if (done != SLA_POOL_NONE && sla_is_long(self, ci, &facts, env->occurred_at_us) &&
        !sla_has_active(self, c, K_STAGE))
        sla_start(self, ci, K_STAGE, cause, env->occurred_at_us, c->holder, c->department,
                  &facts, 0, replaying);
}

static void s_on_closed(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                        bool replaying)
{
    sla_end_kind(self, ci, 0, "ended: case closed", env->event_id.data, replaying);
    sla_case_set_flags(s_case(self, ci), SLA_CASE_CLOSED, true);
    sla_forget_case_if_done(self, ci);
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
    size_t n = sla_deadlines_of(self, c, list);
    for (size_t i = 0; i < n; i++) {
        sla_deadline_t *d = s_dl(self, list[i]);
        if (d->kind != K_REPLY || !sla_active(d) || d->holder == owner)
            continue;
        sla_end(self, ci, list[i], "superseded: ownership locked (R18)",
                env->event_id.data, replaying);
        moved = true;
    }
    if (!moved || !owner)
        return;
    sw_case_facts_t facts = sla_facts(c);
    facts.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    sla_start(self, ci, K_REPLY, env->event_id.data, env->occurred_at_us, owner, dept,
              &facts, SLA_DL_FOLLOWS_DEPT, replaying);
}

/* R18: ownership locked after ping-pong.  The owner may no longer pass the
   case on, so its transfer clock ends; whoever passed it on once too often
   is recorded as shirking (sla_violations.c). */
static void s_on_lock(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                      bool replaying)
{
    const Shouwen__V1__Coordination *co = env->coordination;
    if (!co->ownership_locked)
        return;
    if (ci != SLA_POOL_NONE) {
        sla_end_kind(self, ci, K_TRANSFER, "ended: ownership locked (R18)",
                     env->event_id.data, replaying);
        s_lock_moves_clocks(self, ci, env, co, replaying);
    }
    if (co->shirker_staff_id && *co->shirker_staff_id)
        sla_record_shirking(self, ci, env, replaying);
}

/* ------------------------------------------------------------------------
   Which event does what. */

void sla_on_case_event(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
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
        sla_end_kind(self, ci, K_REPLY, "met: case.replied", cause, replaying);
        sla_end_kind(self, ci, K_PHONE, "met: case.replied", cause, replaying);
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
        sla_end_kind(self, ci, K_CALLBACK, "met: case.callback", cause, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        s_on_reopened(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        s_contacted(self, ci, env, "ended: case closed", replaying);
        s_on_closed(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_WAITING:
        sla_on_waiting(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        sla_on_set(self, ci, env, replaying);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        sla_on_warning(self, ci, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED:
        sla_on_deadline_done(self, ci, &env->deadline_cleared->deadline_event_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION:
        s_on_lock(self, ci, env, replaying);
        break;
    default:
        break; /* escalations, commands: no clock */
    }
}
