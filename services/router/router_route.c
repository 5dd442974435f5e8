/*  router_route: the decisions router makes on a case of its own accord:
    routing on receipt to the natural first owner, the handling department
    or the deciding leader (R3..R9, R25, V5), one rung up the escalation
    ladder (R8, R15) and the ownership lock after ping-pong (R18); and the
    envelope every decision of router's shares. */
#include "router_case_int.h"

#include <ctype.h>

/* Common envelope of a decision: id derived from its cause. */
void router_decision(router_case_t *self, router_decision_t *d, const uint8_t *cause,
                     const char *kind, Shouwen__V1__Envelope__BodyCase body,
                     const char *actor)
{
    shouwen__v1__envelope__init(&d->env);
    memcpy(d->cause, cause, SW_EVENTID_SIZE);
    sw_eventid_derive(d->id, cause, kind);
    d->env.event_id.data = d->id;
    d->env.event_id.len = SW_EVENTID_SIZE;
    d->env.causation_id.data = d->cause;
    d->env.causation_id.len = SW_EVENTID_SIZE;
    d->env.type = (char *)sw_envelope_type_for(body);
    d->env.case_id = self->case_id;
    d->env.case_version = self->version;
    d->env.actor = (char *)(actor ? actor : "router");
    d->env.body_case = body;
}

/* 自然首问责任人 (sw_directory_natural_owner): the named employee, a tiered
   customer's account manager on post (R25), the on-duty person of a window
   channel, else the person first contacted (a meeting's host). */
static const char *s_natural_owner(router_case_t *self, sw_directory_t *dir,
                                   const char *manager)
{
    char channel[32] = "";
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
        &shouwen__v1__channel__descriptor, self->channel);
    if (v) {
        snprintf(channel, sizeof channel, "%s", v->name + strlen("CHANNEL_"));
        for (char *p = channel; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return sw_directory_natural_owner(dir, self->named_employee, manager, channel,
                                      s_or(self->receiver, ""));
}

/* 一次性告知 (R3, R5): where to go, whom to call, what to bring, in the
   words a clerk reads to the customer:
   "请到工程部（后勤楼一层）办理，电话 0571-8700-1005；请携带：房号；故障设备。" */
static void s_notification(sw_directory_t *dir, const char *dept, const char *category,
                           char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (dept) {
        const char *name = sw_directory_department(dir, dept, "name");
        const char *loc = sw_directory_department(dir, dept, "location");
        const char *phone = sw_directory_department(dir, dept, "phone");
        router_append(buf, size, &n, "请到%s%s%s%s办理", s_or(name, dept),
                      loc ? "（" : "", s_or(loc, ""), loc ? "）" : "");
        if (phone)
            router_append(buf, size, &n, "，电话 %s", phone);
    }
    const char **items = NULL;
    size_t count = category ? sw_directory_checklist(dir, category, &items) : 0;
    for (size_t i = 0; i < count; i++)
        router_append(buf, size, &n, "%s%s", i ? "；" : (n ? "；请携带：" : "请携带："),
                      items[i]);
    if (n)
        router_append(buf, size, &n, "。");
    router_utf8_trim(buf);
}

/* R7/R8: the supervising leader decides; when urgent and unreachable, the
   next rung up that is on post. */
static void s_route_unclear(router_case_t *self, sw_directory_t *dir, const char *dept,
                            router_decision_t *d, const char *reason)
{
    Shouwen__V1__Routed *r = &d->routed;
    r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR;
    r->department_id = (char *)s_or(dept, "");
    r->reason = (char *)reason;
    const char *leader = dept ? sw_directory_department(dir, dept, "leader") : NULL;
    leader = s_or(leader, sw_directory_default_leader(dir));
    r->leader_id = (char *)s_or(leader, "");
    r->handler_id = r->leader_id;
    if (self->urgency != SHOUWEN__V1__URGENCY__URGENCY_URGENT || !leader ||
        sw_directory_availability(dir, leader) == SW_AVAILABLE_ON_POST)
        return;
    for (int level = 2; dept && level <= 5; level++) { /* 逐级上报 */
        const char *rung = sw_directory_ladder(dir, dept, level);
        if (rung && sw_directory_availability(dir, rung) == SW_AVAILABLE_ON_POST) {
            r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_URGENT_ESCALATION;
            r->leader_id = (char *)rung;
            r->handler_id = r->leader_id;
            r->reason = (char *)"urgent and the supervising leader is unreachable: "
                                "escalated level by level (R8)";
            return;
        }
    }
}

void router_route(router_case_t *self, sw_directory_t *dir, router_decision_t *d)
{
    router_decision(self, d, self->inquiry_id, "case.routed",
                    SHOUWEN__V1__ENVELOPE__BODY_ROUTED, NULL);
    Shouwen__V1__Routed *r = &d->routed;
    shouwen__v1__routed__init(r);
    d->env.routed = r;
    /* R25: a tiered customer's account manager is told of every case of
       theirs, follows it, and is its first owner whoever they reached */
    const char *tiered =
        sw_directory_tiered_customer(dir, self->customer_unit, self->customer_phone);
    const char *manager = sw_directory_customer(dir, tiered, "manager");
    if (tiered && manager) {
        r->tiered_customer_id = (char *)tiered;
        r->customer_tier = (char *)sw_directory_customer(dir, tiered, "tier");
        r->account_manager_id = (char *)manager;
    }
    const char *owner = s_natural_owner(self, dir, manager);
    const char *odept = sw_directory_staff(dir, owner, "department");
    /* the factual owner stays the natural owner until a transfer is signed */
    r->natural_owner_id = (char *)owner;
    r->factual_owner_id = (char *)owner;
    r->handler_id = (char *)owner;
    r->department_id = (char *)s_or(odept, "");
    r->directory_version = (char *)sw_directory_version(dir);
    const char *guidance = sw_directory_outside_guidance(dir, self->category);
    const char **depts = NULL;
    size_t ndepts = sw_directory_scope_departments(dir, self->category, &depts);
    const char *sdept = sw_directory_scope_department(dir, self->category);
    const char *shandler = sw_directory_scope_handler(dir, self->category);
    const char *qa = sw_directory_qa_office(dir);
    if (self->linked_case &&
        self->kind == SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT &&
        qa) { /* V5: a complaint about first-inquiry conduct goes to the QA office */
        r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
        r->department_id = (char *)qa;
        r->handler_id = (char *)s_or(sw_directory_department(dir, qa, "head"), owner);
        s_notification(dir, qa, NULL, d->text, sizeof d->text);
        r->notification = d->text;
        snprintf(d->text2, sizeof d->text2,
                 "complaint about the first-inquiry conduct in case %s (V5)",
                 self->linked_case);
        r->reason = d->text2;
    } else if (guidance) { /* R6 */
        r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OUTSIDE_ORGANISATION;
        r->guidance = (char *)guidance;
        r->reason =
            (char *)"outside the organisation's competence: explained and guided (R6)";
    } else if (!odept || !sdept)
        s_route_unclear(self, dir, odept, d,
                        odept ? "no department is responsible for this category (R7)"
                              : "the first owner is not in the directory (R7)");
    else if (ndepts > 1) { /* R9 */
        r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_SEVERAL_DEPARTMENTS;
        r->order_known = sw_directory_scope_ordered(dir, self->category);
        size_t n = ndepts < 16 ? ndepts : 16, len = 0;
        d->text[0] = '\0';
        for (size_t i = 0; i < n; i++) {
            d->depts[i] = depts[i];
            const char *name =
                s_or(sw_directory_department(dir, depts[i], "name"), depts[i]);
            const char *head = sw_directory_department(dir, depts[i], "head");
            const char *who = r->order_known
                                  ? sw_directory_department(dir, depts[i], "phone")
                                  : (head ? sw_directory_staff(dir, head, "name") : NULL);
            if (i == 0)
                router_append(d->text, sizeof d->text, &len, "%s",
                              r->order_known ? "请依次到："
                                             : "本事项涉及以下部门，可联系其负责人：");
            router_append(d->text, sizeof d->text, &len, "%s%s%s%s%s%s",
                          i ? (r->order_known ? " → " : "；") : "", name,
                          who ? (r->order_known ? "（电话 " : "（负责人 ") : "",
                          s_or(who, ""), who ? "）" : "", i + 1 == n ? "。" : "");
        }
        router_utf8_trim(d->text);
        r->n_department_ids = n;
        r->department_ids = (char **)d->depts;
        r->department_id = (char *)sdept; /* the lead department (主办部门) */
        r->handler_id = (char *)s_or(
            shandler, s_or(sw_directory_department(dir, sdept, "head"), owner));
        r->notification = d->text;
        r->reason =
            (char *)(r->order_known ? "several departments, in this order (R9)"
                                    : "several departments; their heads named (R9)");
    } else if (streq(sdept, odept)) {
        const char *handler = s_or(shandler, owner);
        int away = sw_directory_availability(dir, handler);
        s_notification(dir, NULL, self->category, d->text, sizeof d->text);
        r->notification = d->text;
        if (streq(handler, owner)) { /* R3 */
            r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_IN_SCOPE;
            r->reason = (char *)"in the first owner's own scope: handled at once (R3)";
        } else if (away == SW_AVAILABLE_TRIP)
            s_route_unclear(self, dir, odept, d, "the handler is on a trip (R7)");
        else { /* R4 */
            r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_SAME_DEPARTMENT;
            r->handler_id = (char *)handler;
            if (away == SW_AVAILABLE_AWAY) /* R26: sla's clock on their return */
                r->away_handler_id = (char *)handler;
            r->reason =
                (char *)(away == SW_AVAILABLE_AWAY
                             ? "the handler is away: registered and handed over, to "
                               "contact the customer on return (R4, R26)"
                             : "another person of the same department handles it (R4)");
        }
    } else { /* R5 */
        r->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
        r->department_id = (char *)sdept;
        r->handler_id =
            (char *)s_or(shandler, s_or(sw_directory_department(dir, sdept, "head"), ""));
        s_notification(dir, sdept, self->category, d->text, sizeof d->text);
        r->notification = d->text;
        r->reason = (char *)"another department handles it: where and phone given (R5)";
    }
}

/* True when a rung below level of dept's ladder names who. */
static bool s_lower_rung(sw_directory_t *dir, const char *dept, int level,
                         const char *who)
{
    for (int rung = 1; rung < level; rung++)
        if (s_eq(sw_directory_ladder(dir, dept, rung), who))
            return true;
    return false;
}

/* One rung up the ladder of the holding department (R8, R15). */
void router_escalate(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                     const uint8_t *cause, const char *reason, const char *actor,
                     const char *decided_by)
{
    router_decision(self, d, cause, "case.escalated",
                    SHOUWEN__V1__ENVELOPE__BODY_ESCALATED, actor);
    Shouwen__V1__Escalated *e = &d->escalated;
    shouwen__v1__escalated__init(e);
    d->env.escalated = e;
    int level = self->level < 5 ? self->level + 1 : 5;
    const char *dept = s_or(self->department, "");
    const char *to = NULL;
    for (int rung = level; decided_by && rung <= 5; rung++) /* R8: where it was decided */
        if (s_eq(sw_directory_ladder(dir, dept, rung), decided_by)) {
            level = rung;
            break;
        }
    /* an empty rung is passed over, and so is a person a lower rung names:
       nobody is asked twice (the hotel's supervising leaders are also the
       deputy GMs) */
    while (level <= 5 && (!(to = sw_directory_ladder(dir, dept, level)) ||
                          s_lower_rung(dir, dept, level, to)))
        level++;
    if (level > 5) { /* nobody new above: stays at the GM */
        level = 5;
        to = sw_directory_gm(dir);
    }
    e->level = (Shouwen__V1__EscalationLevel)level;
    e->to_staff_id = (char *)s_or(to, s_or(sw_directory_gm(dir), ""));
    e->department_id = (char *)dept;
    e->reason = (char *)reason;
    /* R15 矛盾升级: a complaint reaching the QA office, a deputy GM or the GM,
       counted once per complaint and department */
    e->conflict = e->level >= SHOUWEN__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_QA_OFFICE &&
                  self->kind == SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT &&
                  !zhashx_lookup(self->conflict_depts, dept);
    e->cause_event_id.data = d->cause;
    e->cause_event_id.len = SW_EVENTID_SIZE;
}

/* R18: ownership locks with the department that received the case once too
   often; a coordination sheet goes to the customer-relations supervisor.
   The sheet names who passed it on once too often: sla records that
   shirking violation (V1) with its V2 penalty. */
void router_lock(router_case_t *self, sw_directory_t *dir, router_decision_t *d)
{
    router_decision(self, d, self->lock_cause, "case.coordination.lock",
                    SHOUWEN__V1__ENVELOPE__BODY_COORDINATION, NULL);
    Shouwen__V1__Coordination *k = &d->coordination;
    shouwen__v1__coordination__init(k);
    d->env.coordination = k;
    const char *dept = s_or(self->lock_dept, s_or(self->department, ""));
    k->lead_department_id = (char *)dept;
    k->supervisor_id = (char *)s_or(sw_directory_customer_relations_supervisor(dir), "");
    k->ownership_locked = true;
    k->owner_staff_id = (char *)s_or(
        self->lock_owner, s_or(sw_directory_department(dir, dept, "head"), ""));
    k->shirker_staff_id = (char *)s_or(self->shirker, "");
    k->shirker_department_id = (char *)s_or(self->shirker_dept, "");
    const char *name = s_or(sw_directory_department(dir, dept, "name"), dept);
    snprintf(d->text, sizeof d->text,
             "已转出 %d 次、退回 %d 次：责任锁定由%s承担，不得再转（R18）", self->hops,
             self->bounces, name);
    k->reason = d->text;
}
