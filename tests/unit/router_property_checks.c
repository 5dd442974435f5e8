/*  router_property_checks: every committed event of the simulated hub
    checked against the rules, from the committed events themselves (a model
    kept from them and the directory in force), not router's internals. */
#include "router_property.h"

/* --------------------------------------------------------- the checks */

static bool s_window(int channel)
{
    return channel == SHOUWEN__V1__CHANNEL__CHANNEL_HOTLINE ||
           channel == SHOUWEN__V1__CHANNEL__CHANNEL_ONLINE_CHAT ||
           channel == SHOUWEN__V1__CHANNEL__CHANNEL_FORUM ||
           channel == SHOUWEN__V1__CHANNEL__CHANNEL_WEIBO ||
           channel == SHOUWEN__V1__CHANNEL__CHANNEL_MAILBOX ||
           channel == SHOUWEN__V1__CHANNEL__CHANNEL_CALLBACK;
}

static const char *s_window_name(int channel)
{
    switch (channel) {
    case SHOUWEN__V1__CHANNEL__CHANNEL_HOTLINE:
        return "hotline";
    case SHOUWEN__V1__CHANNEL__CHANNEL_ONLINE_CHAT:
        return "online_chat";
    case SHOUWEN__V1__CHANNEL__CHANNEL_FORUM:
        return "forum";
    case SHOUWEN__V1__CHANNEL__CHANNEL_WEIBO:
        return "weibo";
    case SHOUWEN__V1__CHANNEL__CHANNEL_MAILBOX:
        return "mailbox";
    default:
        return "callback";
    }
}

/* The natural first owner by the rules: the named employee, the on-duty
   person of a window channel, else whoever took the inquiry. */
static const char *s_expected_natural(sw_directory_t *dir, rp_case_t *c)
{
    if (*c->named && sw_directory_staff_exists(dir, c->named))
        return c->named;
    const char *on_duty = s_window(c->channel)
                              ? sw_directory_on_duty(dir, s_window_name(c->channel))
                              : NULL;
    return on_duty ? on_duty : c->receiver;
}

/* Who handles a category in another department: the scope's handler, else
   the lead department's head. */
static const char *s_scope_handler(sw_directory_t *dir, rp_case_t *c, const char *lead,
                                   const char *otherwise)
{
    const char *handler = sw_directory_scope_handler(dir, c->category);
    const char *head = sw_directory_department(dir, lead, "head");
    return handler ? handler : head ? head : otherwise;
}

/* R3..R9, V5: the disposition, department and deciding leader the
   directory it was decided with demands for this inquiry. */
static void s_check_routing(rp_sim_t *sim, rp_case_t *c, const Shouwen__V1__Routed *r)
{
    sw_directory_t *dir = rp_decided_dir(sim, c);
    const char *natural = s_expected_natural(dir, c);
    CHECK_AT(sim, *r->natural_owner_id && *r->factual_owner_id);
    CHECK_STR_AT(sim, r->natural_owner_id, natural);
    CHECK_STR_AT(sim, r->factual_owner_id, natural); /* not transferred yet */
    CHECK_STR_AT(sim, r->directory_version, sw_directory_version(dir));
    const char *odept = sw_directory_staff(dir, natural, "department");
    const char *guidance = sw_directory_outside_guidance(dir, c->category);
    const char *lead = sw_directory_scope_department(dir, c->category);
    const char **depts = NULL;
    size_t n = sw_directory_scope_departments(dir, c->category, &depts);
    const char *qa = sw_directory_qa_office(dir);
    int want;
    if (*c->linked && c->kind == SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT &&
        qa) {
        want = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT; /* V5 */
        CHECK_STR_AT(sim, r->department_id, qa);
    } else if (guidance) { /* R6 */
        want = SHOUWEN__V1__DISPOSITION__DISPOSITION_OUTSIDE_ORGANISATION;
        CHECK_STR_AT(sim, r->guidance, guidance);
    } else if (!odept || !lead)
        want = SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR; /* R7 */
    else if (n > 1) { /* R9: every department, the lead one handling */
        want = SHOUWEN__V1__DISPOSITION__DISPOSITION_SEVERAL_DEPARTMENTS;
        CHECK_AT(sim, r->n_department_ids == n);
        for (size_t i = 0; i < n && i < r->n_department_ids; i++)
            CHECK_STR_AT(sim, r->department_ids[i], depts[i]);
        CHECK_AT(sim, r->order_known == sw_directory_scope_ordered(dir, c->category));
        CHECK_STR_AT(sim, r->department_id, lead);
        CHECK_STR_AT(sim, r->handler_id, s_scope_handler(dir, c, lead, natural));
        CHECK_AT(sim, *r->notification);
    } else if (streq(lead, odept)) {
        const char *handler = sw_directory_scope_handler(dir, c->category);
        handler = handler ? handler : natural;
        if (streq(handler, natural)) /* R3 */
            want = SHOUWEN__V1__DISPOSITION__DISPOSITION_IN_SCOPE;
        else if (sw_directory_availability(dir, handler) == SW_AVAILABLE_TRIP)
            want = SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR; /* R7 */
        else {                                                    /* R4 */
            want = SHOUWEN__V1__DISPOSITION__DISPOSITION_SAME_DEPARTMENT;
            CHECK_STR_AT(sim, r->handler_id, handler);
        }
    } else { /* R5 */
        want = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
        CHECK_STR_AT(sim, r->department_id, lead);
        CHECK_STR_AT(sim, r->handler_id, s_scope_handler(dir, c, lead, ""));
        CHECK_AT(sim, *r->notification);
    }
    if (want == SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR) {
        /* R7 the supervising leader decides; R8 urgent and unreachable: the
           first leader on post up the ladder */
        const char *leader = odept ? sw_directory_department(dir, odept, "leader") : NULL;
        leader = leader ? leader : sw_directory_default_leader(dir);
        if (c->urgency == SHOUWEN__V1__URGENCY__URGENCY_URGENT && leader && odept &&
            sw_directory_availability(dir, leader) != SW_AVAILABLE_ON_POST)
            for (int level = 2; level <= 5; level++) {
                const char *rung = sw_directory_ladder(dir, odept, level);
                if (rung &&
                    sw_directory_availability(dir, rung) == SW_AVAILABLE_ON_POST) {
                    want = SHOUWEN__V1__DISPOSITION__DISPOSITION_URGENT_ESCALATION;
                    leader = rung;
                    break;
                }
            }
        CHECK_STR_AT(sim, r->leader_id, leader ? leader : "");
        CHECK_STR_AT(sim, r->handler_id, r->leader_id);
    }
    CHECK_AT(sim, (int)r->disposition == want);
    if ((int)r->disposition != want)
        fprintf(stderr, "  disposition %d, expected %d (category %s, natural %s)\n",
                r->disposition, want, c->category, natural);
}

/* R14: a handoff as it leaves: signed and timed by the sender. */
static void s_check_sent(rp_sim_t *sim, const sw_envelope_t *env,
                         const Shouwen__V1__Handoff *h)
{
    CHECK_AT(sim, h != NULL);
    if (!h)
        return;
    CHECK_AT(sim, *h->sender_signer_id && h->sender_signed_at_us > 0);
    CHECK_STR_AT(sim, h->sender_signer_id, env->actor);
    CHECK_AT(sim, sw_directory_department_exists(rp_dir(sim), h->to_department_id));
    CHECK_AT(sim, *h->to_staff_id == '\0' ||
                      rp_in_dept(sim, h->to_staff_id, h->to_department_id));
}

/* R24: a text with a forbidden phrase only when the staff overrode it
   with a recorded reason. */
static void s_check_phrase(rp_sim_t *sim, const char *text, const rp_command_t *k)
{
    CHECK_AT(sim, !rp_forbidden(sim, text) || (k && k->override_ok));
}

/* Who may act for a case: its factual owner, its handler, or the head of
   the department holding it. */
static bool s_may_act(rp_sim_t *sim, rp_case_t *c, const char *staff)
{
    const char *head = *c->department
                           ? sw_directory_department(rp_dir(sim), c->department, "head")
                           : NULL;
    return rp_same(staff, c->factual) || rp_same(staff, c->handler) ||
           rp_same(staff, head);
}

/* The command a router event answers: the case's oldest open one. */
static rp_command_t *s_answer(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env)
{
    if (env->causation_id.len != SW_EVENTID_SIZE)
        return NULL;
    char hex[33];
    rp_hex(env->causation_id.data, hex);
    rp_command_t *k = (rp_command_t *)zhashx_lookup(sim->commands, hex);
    if (!k)
        return NULL;
    k->answers++;
    CHECK_AT(sim, k->answers == 1);
    CHECK_AT(sim, &sim->cases[k->case_index] == c);
    const char *oldest = (const char *)zlistx_first(c->open_commands);
    CHECK_STR_AT(sim, oldest, hex); /* answered in log order */
    if (oldest && streq(oldest, hex))
        zlistx_delete(c->open_commands, zlistx_cursor(c->open_commands));
    CHECK_STR_AT(sim, env->actor, k->staff); /* the acting staff signs */
    /* R13: there is no such action as refuse; unknown kinds are refused */
    bool known = k->kind >= SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_TRANSFER &&
                 k->kind <= SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RESUME;
    CHECK_AT(sim,
             known || env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED);
    /* a closed case takes no action but reopen */
    CHECK_AT(sim, c->state != ROUTER_CLOSED ||
                      env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED ||
                      env->body_case == SHOUWEN__V1__ENVELOPE__BODY_REOPENED);
    return k;
}

static void s_lock_owed(rp_sim_t *sim, rp_case_t *c, const uint8_t *cause,
                        const char *who, const char *who_dept, const char *owner,
                        const char *owner_dept)
{
    (void)sim;
    if (c->locked || c->lock_due)
        return;
    c->lock_due = true;
    memcpy(c->lock_cause, cause, SW_EVENTID_SIZE);
    rp_copy(c->shirker, sizeof c->shirker, who);
    rp_copy(c->shirker_dept, sizeof c->shirker_dept, who_dept);
    rp_copy(c->lock_owner, sizeof c->lock_owner, owner);
    rp_copy(c->lock_dept, sizeof c->lock_dept, owner_dept);
}

static void s_observe_handoff(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env,
                              const rp_command_t *k)
{
    bool forward = env->body_case == SHOUWEN__V1__ENVELOPE__BODY_FORWARDED;
    const Shouwen__V1__Handoff *h =
        forward ? env->forwarded->handoff : env->transferred->handoff;
    CHECK_AT(sim, k != NULL);
    CHECK_AT(sim, !c->locked); /* R18: no further transfer once locked */
    s_check_sent(sim, env, h);
    if (!h)
        return;
    if (forward) { /* R13: forwarded only with a clear written opinion */
        CHECK_AT(sim, *h->opinion);
        s_check_phrase(sim, h->opinion, k);
        CHECK_AT(sim, c->state == ROUTER_TRANSFERRING || c->state == ROUTER_IN_PROGRESS);
        CHECK_AT(sim, rp_in_dept(sim, env->actor,
                                 c->state == ROUTER_TRANSFERRING ? c->to_dept
                                                                 : c->department));
    } else {
        CHECK_AT(sim, c->state == ROUTER_OPEN || c->state == ROUTER_IN_PROGRESS);
        CHECK_AT(sim, s_may_act(sim, c, env->actor));
        /* R7: an unclear case is passed on only once its leader decided */
        if (c->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR ||
            c->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_URGENT_ESCALATION)
            CHECK_AT(sim,
                     !*c->leader || c->leader_decided || rp_same(env->actor, c->leader));
    }
    /* R18: back to a department that passed it on is ping-pong: locked with
       that department, the sender shirked */
    if (*h->to_department_id && zhashx_lookup(c->passed_on, h->to_department_id))
        s_lock_owed(sim, c, env->event_id.data, h->from_staff_id, h->from_department_id,
                    h->to_staff_id, h->to_department_id);
    if (*h->from_department_id)
        zhashx_update(c->passed_on, h->from_department_id, (void *)1);
    CHECK_AT(sim, (int)h->hop == c->hops + 1);
    CHECK_AT(sim, (int)h->hop <= sw_directory_max_hops(rp_decided_dir(sim, c)));
    c->hops = (int)h->hop;
    rp_copy(c->from_staff, sizeof c->from_staff, h->from_staff_id);
    rp_copy(c->to_staff, sizeof c->to_staff, h->to_staff_id);
    rp_copy(c->to_dept, sizeof c->to_dept, h->to_department_id);
    c->state = ROUTER_TRANSFERRING;
}

static void s_observe_accepted(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env)
{
    const Shouwen__V1__Handoff *h = env->accepted->handoff;
    CHECK_AT(sim, c->state == ROUTER_TRANSFERRING);
    CHECK_AT(sim, h != NULL);
    if (!h)
        return;
    /* R14: both sides signed and timed, the receiver of the receiving
       department, after the sender */
    CHECK_AT(sim, *h->sender_signer_id && h->sender_signed_at_us > 0);
    CHECK_AT(sim, *h->receiver_signer_id && h->receiver_signed_at_us > 0);
    CHECK_AT(sim, h->receiver_signed_at_us >= h->sender_signed_at_us);
    CHECK_STR_AT(sim, h->receiver_signer_id, env->actor);
    CHECK_STR_AT(sim, h->to_department_id, c->to_dept);
    CHECK_AT(sim, rp_in_dept(sim, h->receiver_signer_id, c->to_dept));
    rp_copy(c->factual, sizeof c->factual,
            *h->to_staff_id ? h->to_staff_id : h->receiver_signer_id);
    rp_copy(c->handler, sizeof c->handler, c->factual);
    rp_copy(c->department, sizeof c->department, h->to_department_id);
    /* the factual owner is now a member of the organisation */
    CHECK_AT(sim, sw_directory_staff_exists(rp_dir(sim), c->factual));
    c->state = ROUTER_IN_PROGRESS;
}

static void s_observe_returned(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env,
                               const rp_command_t *k)
{
    const Shouwen__V1__Handoff *h = env->returned->handoff;
    CHECK_AT(sim, k != NULL);
    CHECK_AT(sim, c->state == ROUTER_TRANSFERRING || c->state == ROUTER_IN_PROGRESS);
    CHECK_AT(sim, h != NULL);
    if (!h)
        return;
    /* R13: nobody refuses; a return carries a clear written opinion */
    CHECK_AT(sim, *h->opinion);
    CHECK_AT(sim, !c->locked); /* R18: the department that took it keeps it */
    s_check_phrase(sim, h->opinion, k);
    CHECK_AT(sim, *h->sender_signer_id && h->sender_signed_at_us > 0);
    CHECK_STR_AT(sim, h->sender_signer_id, env->actor);
    CHECK_AT(sim,
             rp_in_dept(sim, env->actor,
                        c->state == ROUTER_TRANSFERRING ? c->to_dept : c->department));
    if (c->state == ROUTER_TRANSFERRING) /* back to whoever sent it */
        CHECK_STR_AT(sim, h->to_staff_id, c->from_staff);
    CHECK_AT(sim, *h->to_staff_id); /* someone owns it again */
    rp_copy(c->factual, sizeof c->factual, h->to_staff_id);
    rp_copy(c->handler, sizeof c->handler, h->to_staff_id);
    rp_copy(c->department, sizeof c->department, h->to_department_id);
    c->bounces++;
    c->state = ROUTER_OPEN;
    if (c->bounces >= sw_directory_max_bounces(rp_dir(sim))) /* R18 */
        s_lock_owed(sim, c, env->event_id.data, h->from_staff_id, h->from_department_id,
                    h->from_staff_id, h->from_department_id);
}

static void s_observe_coordination(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env,
                                   const rp_command_t *k)
{
    const Shouwen__V1__Coordination *co = env->coordination;
    const char *supervisor = sw_directory_customer_relations_supervisor(rp_dir(sim));
    CHECK_STR_AT(sim, co->supervisor_id, supervisor ? supervisor : "");
    if (!co->ownership_locked) { /* R9: a sheet naming the lead department */
        CHECK_AT(sim, k != NULL);
        CHECK_AT(sim,
                 sw_directory_department_exists(rp_dir(sim), co->lead_department_id));
        return;
    }
    /* R18: locked once, when owed, with the department that received the
       case once too often; it names who shirked, for sla to record (V1) */
    CHECK_AT(sim, k == NULL);
    CHECK_AT(sim, c->lock_due && !c->locked);
    CHECK_AT(sim, memcmp(env->causation_id.data, c->lock_cause, SW_EVENTID_SIZE) == 0);
    const char *dept = *c->lock_dept ? c->lock_dept : c->department;
    CHECK_STR_AT(sim, co->lead_department_id, dept);
    const char *head = sw_directory_department(rp_dir(sim), dept, "head");
    const char *owner = *c->lock_owner ? c->lock_owner : (head ? head : "");
    CHECK_STR_AT(sim, co->owner_staff_id, owner);
    CHECK_STR_AT(sim, co->shirker_staff_id, c->shirker);
    CHECK_STR_AT(sim, co->shirker_department_id, c->shirker_dept);
    c->locked = true;
    c->lock_due = false;
    rp_copy(c->department, sizeof c->department, dept);
    if (*owner) {
        rp_copy(c->factual, sizeof c->factual, owner);
        rp_copy(c->handler, sizeof c->handler, owner);
    }
    if (c->state == ROUTER_OPEN || c->state == ROUTER_TRANSFERRING)
        c->state = ROUTER_IN_PROGRESS;
    sim->n_locks++;
    if (*c->shirker)
        sim->n_violations++;
}

static void s_observe_violation(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env)
{
    const Shouwen__V1__ViolationRecorded *v = env->violation_recorded;
    (void)c;
    (void)v;
    /* V1: shirking is recorded by sla from the lock, with its penalty (V2);
       router records no violation of its own */
    CHECK_AT(sim, !streq(env->producer, "router"));
}

static void s_observe_escalated(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env,
                                const rp_command_t *k)
{
    const Shouwen__V1__Escalated *e = env->escalated;
    CHECK_AT(sim, e->level >= 1 && e->level <= 5);
    CHECK_AT(sim, (int)e->level >= c->level); /* level by level, never down */
    CHECK_AT(sim, *e->to_staff_id);
    /* R15: a complaint reaching the QA office or above, once per department */
    bool conflict =
        e->level >= SHOUWEN__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_QA_OFFICE &&
        c->kind == SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT &&
        !zhashx_lookup(c->conflict_depts, e->department_id);
    CHECK_AT(sim, e->conflict == conflict);
    if (e->conflict)
        zhashx_update(c->conflict_depts, e->department_id, (void *)1);
    CHECK_AT(sim, e->cause_event_id.len == SW_EVENTID_SIZE);
    if (e->cause_event_id.len == SW_EVENTID_SIZE && !k) {
        char hex[33];
        rp_breach_t *b = (rp_breach_t *)zhashx_lookup(
            sim->breaches, rp_hex(e->cause_event_id.data, hex));
        if (b)
            b->escalations++;
        else /* R8: the urgent case's own escalation, once */
            CHECK_AT(sim, c->disposition ==
                              SHOUWEN__V1__DISPOSITION__DISPOSITION_URGENT_ESCALATION);
    }
    if ((int)e->level > c->level)
        c->level = (int)e->level;
}

static void s_observe_contact(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env)
{
    const Shouwen__V1__LeaderContact *lc = env->leader_contact;
    CHECK_AT(sim, sw_directory_staff_exists(rp_dir(sim), lc->leader_id));
    if (lc->permission_granted) { /* only the leader grants */
        CHECK_STR_AT(sim, env->actor, lc->leader_id);
        zhashx_update(c->granted, lc->leader_id, (void *)1);
        return;
    }
    /* R19: never disclosed without the leader's recorded permission */
    bool may = !sw_directory_contact_private(rp_dir(sim), lc->leader_id) ||
               zhashx_lookup(c->granted, lc->leader_id);
    CHECK_AT(sim, !lc->disclosed || may);
    CHECK_AT(sim, lc->disclosed || !*lc->contact);
    CHECK_AT(sim, lc->disclosed || *lc->visitor_contact_passed);
}

static void s_observe_rejected(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env,
                               const rp_command_t *k)
{
    const Shouwen__V1__CommandRejected *r = env->command_rejected;
    CHECK_AT(sim, k != NULL);
    CHECK_AT(sim, *r->code && *r->message);
    CHECK_AT(sim, r->command_event_id.len == SW_EVENTID_SIZE &&
                      memcmp(r->command_event_id.data, env->causation_id.data,
                             SW_EVENTID_SIZE) == 0);
    rp_count(sim->rejections, r->code);
    if (!k)
        return;
    if (streq(r->code, "OWNERSHIP_LOCKED")) { /* R18: a pass too many */
        CHECK_AT(sim, c->locked ||
                          c->hops + 1 > sw_directory_max_hops(rp_decided_dir(sim, c)));
        if (!c->locked) {
            const char *d = rp_staff_dept(sim, env->actor);
            d = d ? d : c->department;
            s_lock_owed(sim, c, env->event_id.data, env->actor, d, env->actor, d);
        }
    } else if (streq(r->code, "NOT_FIRST_OWNER"))
        CHECK_AT(sim, !rp_same(k->staff, c->natural));
    else if (streq(r->code, "OPINION_REQUIRED"))
        CHECK_AT(sim, k->opinion_empty);
    else if (streq(r->code, "CASE_CLOSED"))
        CHECK_AT(sim, c->state == ROUTER_CLOSED);
    else if (streq(r->code, "UNKNOWN_STAFF") && rp_same(k->staff, env->actor))
        CHECK_AT(sim,
                 !sw_directory_staff_exists(rp_dir(sim), k->staff) ||
                     k->kind == SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CONTACT_LEADER ||
                     k->kind == SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_TRANSFER ||
                     k->kind == SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_FORWARD);
}

static void s_observe_replied(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env,
                              const rp_command_t *k)
{
    const Shouwen__V1__Replied *r = env->replied;
    CHECK_AT(sim, k != NULL);
    CHECK_AT(sim, *r->text);
    CHECK_AT(sim, s_may_act(sim, c, env->actor));
    CHECK_AT(sim, c->state != ROUTER_WAITING);      /* waiting ends only by resume */
    CHECK_AT(sim, c->state != ROUTER_TRANSFERRING); /* the receiver signs first */
    /* R24: a forbidden phrase only overridden, and the override recorded */
    bool forbidden = rp_forbidden(sim, r->text) != NULL;
    CHECK_AT(sim, !forbidden || (r->phrase_override && *r->override_reason));
    CHECK_AT(sim, forbidden || !r->phrase_override);
    /* R3: the one-time notification given whole */
    const char **items = NULL;
    size_t n = sw_directory_checklist(rp_dir(sim), c->category, &items);
    for (size_t i = 0; i < n; i++) {
        bool given = false;
        for (size_t j = 0; j < r->n_checklist_attested && !given; j++)
            given = streq(items[i], r->checklist_attested[j]);
        CHECK_AT(sim, given);
    }
    if (c->state != ROUTER_RESOLVED) /* a further answer keeps a resolved case resolved */
        c->state = ROUTER_REPLIED;
}

static void s_observe_closed(rp_sim_t *sim, rp_case_t *c, const sw_envelope_t *env)
{
    const Shouwen__V1__Closed *cl = env->closed;
    CHECK_AT(sim, *cl->reason);
    if (c->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_OUTSIDE_ORGANISATION)
        CHECK_AT(sim, *cl->guidance); /* R6: closed only with the guidance given */
    else                              /* resolved or clearly answered first */
        CHECK_AT(sim, c->state == ROUTER_RESOLVED || c->state == ROUTER_REPLIED);
    c->state = ROUTER_CLOSED;
}

/* Everything the rules say about one committed event of case c. */
void rp_observe(rp_sim_t *sim, rp_case_t *c, const sw_committed_t *cm,
                const sw_envelope_t *env)
{
    CHECK_AT(sim, cm->case_version == c->version);
    bool router = streq(env->producer, "router");
    if (*c->leader && router && env->actor && streq(env->actor, c->leader) &&
        env->body_case != SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED)
        c->leader_decided = true; /* R7 */
    rp_command_t *k = router ? s_answer(sim, c, env) : NULL;
    if (router && env->case_version)
        CHECK_AT(sim, env->case_version + 1 == cm->case_version);
    if (router && !k) /* router's own decisions: routing, locks, escalations */
        CHECK_AT(sim,
                 env->body_case == SHOUWEN__V1__ENVELOPE__BODY_ROUTED ||
                     env->body_case == SHOUWEN__V1__ENVELOPE__BODY_ESCALATED ||
                     env->body_case == SHOUWEN__V1__ENVELOPE__BODY_COORDINATION ||
                     env->body_case == SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED);
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        c->state = ROUTER_RECEIVED;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        CHECK_AT(sim, !c->routed);
        s_check_routing(sim, c, env->routed);
        c->routed = true;
        c->disposition = env->routed->disposition;
        rp_copy(c->natural, sizeof c->natural, env->routed->natural_owner_id);
        rp_copy(c->factual, sizeof c->factual, env->routed->factual_owner_id);
        rp_copy(c->handler, sizeof c->handler, env->routed->handler_id);
        {
            const char *dept = rp_staff_dept(sim, c->factual);
            rp_copy(c->department, sizeof c->department,
                    dept ? dept : env->routed->department_id);
        }
        rp_copy(c->guidance, sizeof c->guidance, env->routed->guidance);
        rp_copy(c->leader, sizeof c->leader, env->routed->leader_id);
        c->state = ROUTER_OPEN;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED: {
        const Shouwen__V1__Command *cmd = env->command_received->command;
        rp_command_t *nk = (rp_command_t *)zmalloc(sizeof(rp_command_t));
        nk->case_index = (size_t)(c - sim->cases);
        nk->kind = cmd->kind;
        rp_copy(nk->staff, sizeof nk->staff, cmd->staff_id);
        nk->override_ok = cmd->phrase_override && *cmd->override_reason;
        nk->opinion_empty = rp_blank(cmd->opinion);
        char hex[33];
        rp_hex(env->event_id.data, hex);
        zhashx_insert(sim->commands, hex, nk);
        zlistx_add_end(c->open_commands, strdup(hex));
        sim->n_commands++;
        break;
    }
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        s_observe_handoff(sim, c, env, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        CHECK_AT(sim, k != NULL);
        s_observe_accepted(sim, c, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        s_observe_returned(sim, c, env, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION:
        s_observe_coordination(sim, c, env, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED:
        s_observe_violation(sim, c, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        s_observe_escalated(sim, c, env, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REPLIED:
        s_observe_replied(sim, c, env, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_PROGRESS:
        CHECK_AT(sim, k != NULL && *env->progress->text);
        s_check_phrase(sim, env->progress->text, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        CHECK_AT(sim, k != NULL && s_may_act(sim, c, env->actor));
        CHECK_AT(sim, c->state != ROUTER_TRANSFERRING && c->state != ROUTER_RESOLVED &&
                          c->state != ROUTER_WAITING);
        c->state = ROUTER_RESOLVED;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CALLBACK: /* R16: by the first owner */
        CHECK_AT(sim, k != NULL);
        CHECK_STR_AT(sim, env->actor, c->natural);
        CHECK_AT(sim, c->state == ROUTER_RESOLVED);
        CHECK_AT(sim, env->callback->reached
                          ? env->callback->rating >= 1 && env->callback->rating <= 5
                          : env->callback->rating == 0);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        CHECK_AT(sim, k != NULL && *env->reopened->reason);
        CHECK_AT(sim, c->state == ROUTER_RESOLVED || c->state == ROUTER_CLOSED);
        c->state = ROUTER_IN_PROGRESS;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        CHECK_AT(sim, k != NULL);
        s_observe_closed(sim, c, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_WAITING:
        CHECK_AT(sim, k != NULL);
        if (env->waiting->waiting) {
            CHECK_AT(sim, c->state != ROUTER_WAITING);
            c->before_wait = c->state;
            c->state = ROUTER_WAITING;
        } else {
            CHECK_AT(sim, c->state == ROUTER_WAITING);
            c->state = c->before_wait;
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT:
        CHECK_AT(sim, k != NULL);
        s_observe_contact(sim, c, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED:
        s_observe_rejected(sim, c, env, k);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED: {
        rp_breach_t *b = (rp_breach_t *)zmalloc(sizeof(rp_breach_t));
        b->owed = c->state != ROUTER_CLOSED;
        char hex[33];
        zhashx_insert(sim->breaches, rp_hex(env->event_id.data, hex), b);
        sim->n_breaches++;
        break;
    }
    default:
        break;
    }
    /* every routed case has both its owners */
    if (c->routed)
        CHECK_AT(sim, *c->natural && *c->factual);
    /* the live router agrees with what the log says */
    router_case_t *rc = (router_case_t *)zhashx_lookup(sim->router->cases, c->id);
    CHECK_AT(sim, rc != NULL);
    if (rc) {
        CHECK_AT(sim, router_case_version(rc) == c->version);
        CHECK_AT(sim, router_case_state(rc) == c->state);
        if (c->routed)
            CHECK_STR_AT(sim, router_case_factual_owner(rc), c->factual);
    }
}
