/*  router_actions: router's answer to each staff action (R13..R19, R24):
    transfer, forward, accept, return, reply, progress, resolve, callback,
    reopen, escalate, coordinate, close, leader contact and its grant,
    waiting on the customer and resuming.  Each is checked (who may act,
    the state, the texts) and answered with its event, or with
    command.rejected naming a reason code and a message in Chinese. */
#include "router_case_int.h"

#include <ctype.h>

/* R13: a text that says nothing — empty, or only spaces (ASCII white space
   and the ideographic space U+3000) — is no opinion, reason or guidance. */
static bool s_blank(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
            p += 2;
        else if (!isspace(*p))
            return false;
    }
    return true;
}

/* The envelope of router's answer to a staff action: caused by it, in the
   name of the staff who acted. */
static void s_answer(router_case_t *self, router_decision_t *d, router_command_t *k,
                     Shouwen__V1__Envelope__BodyCase body)
{
    router_decision(self, d, k->id, "decision", body, k->cmd->staff_id);
}

static bool s_reject(router_case_t *self, router_decision_t *d, router_command_t *k,
                     const char *code, const char *message)
{
    s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED);
    shouwen__v1__command_rejected__init(&d->rejected);
    d->env.command_rejected = &d->rejected;
    d->rejected.code = (char *)code;
    if (message == d->text || message == d->text2)
        router_utf8_trim((char *)message);
    d->rejected.message = (char *)message;
    d->rejected.command_event_id.data = d->cause;
    d->rejected.command_event_id.len = SW_EVENTID_SIZE;
    return true;
}

/* R24: the first forbidden service phrase in text, NULL when none. */
static const char *s_forbidden(sw_directory_t *dir, const char *text)
{
    const char **phrases = NULL;
    size_t n = sw_directory_forbidden_phrases(dir, &phrases);
    for (size_t i = 0; text && i < n; i++)
        if (*phrases[i] && strstr(text, phrases[i]))
            return phrases[i];
    return NULL;
}

/* Texts staff send to or about the customer: R24 unless overridden with a
   recorded reason.  True when the command was rejected. */
static bool s_check_phrases(router_case_t *self, sw_directory_t *dir,
                            router_decision_t *d, router_command_t *k, const char *text)
{
    const char *phrase = s_forbidden(dir, text);
    if (!phrase)
        return false;
    if (k->cmd->phrase_override && *k->cmd->override_reason)
        return false;
    snprintf(d->text2, sizeof d->text2,
             "「%s」是服务忌语，请换一种说法；确需使用须记录理由（R24）", phrase);
    return s_reject(self, d, k, "FORBIDDEN_PHRASE", d->text2);
}

/* Who may act for the case: its factual owner, its handler, or the head of
   the department holding it. */
static bool s_may_act(router_case_t *self, sw_directory_t *dir, const char *staff)
{
    const char *head =
        self->department ? sw_directory_department(dir, self->department, "head") : NULL;
    return s_eq(staff, self->factual_owner) || s_eq(staff, self->handler) ||
           s_eq(staff, head);
}

static bool s_in_department(sw_directory_t *dir, const char *staff, const char *dept)
{
    return dept && s_eq(sw_directory_staff(dir, staff, "department"), dept);
}

static void s_handoff(router_case_t *self, router_decision_t *d, const char *from_staff,
                      const char *from_dept, const char *to_staff, const char *to_dept)
{
    Shouwen__V1__Handoff *h = &d->handoff;
    shouwen__v1__handoff__init(h);
    h->from_staff_id = (char *)s_or(from_staff, "");
    h->from_department_id = (char *)s_or(from_dept, "");
    h->to_staff_id = (char *)s_or(to_staff, "");
    h->to_department_id = (char *)s_or(to_dept, "");
    h->hop = (uint32_t)self->hops;
}

/* A handoff the acting staff send: signed by them when they acted, with
   their opinion (R13, R14). */
static void s_sign(router_decision_t *d, const router_command_t *k)
{
    d->handoff.sender_signer_id = k->cmd->staff_id;
    d->handoff.sender_signed_at_us = k->at_us;
    d->handoff.opinion = k->cmd->opinion;
}

/* R10: every transfer goes with a copy to the QA office the directory
   names (its head receives it); NULL when it names none. */
static Shouwen__V1__QaCopy *s_qa_copy(sw_directory_t *dir, router_decision_t *d)
{
    const char *qa = sw_directory_qa_office(dir);
    if (!qa)
        return NULL;
    shouwen__v1__qa_copy__init(&d->qa_copy);
    d->qa_copy.department_id = (char *)qa;
    d->qa_copy.staff_id = (char *)s_or(sw_directory_department(dir, qa, "head"), "");
    return &d->qa_copy;
}

static bool s_transfer(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                       router_command_t *k, bool forward)
{
    const Shouwen__V1__Command *c = k->cmd;
    const char *to_dept =
        s_or(c->to_department_id, sw_directory_staff(dir, c->to_staff_id, "department"));
    if (forward
            ? (self->state != ROUTER_TRANSFERRING && self->state != ROUTER_IN_PROGRESS)
            : (self->state != ROUTER_OPEN && self->state != ROUTER_IN_PROGRESS))
        return s_reject(self, d, k, "WRONG_STATE",
                        forward ? "只有转到本部门的事项才能再转出"
                                : "本事项不在您处，不能转出");
    if (forward ? !s_in_department(dir, c->staff_id,
                                   self->state == ROUTER_TRANSFERRING ? self->to_dept
                                                                      : self->department)
                : !s_may_act(self, dir, c->staff_id))
        return s_reject(self, d, k, "NOT_OWNER", "只有本事项的责任人才能转出");
    if (!to_dept || !sw_directory_department_exists(dir, to_dept))
        return s_reject(self, d, k, "UNKNOWN_DEPARTMENT", "请写明接收部门");
    if (c->to_staff_id && *c->to_staff_id &&
        !s_in_department(dir, c->to_staff_id, to_dept))
        return s_reject(self, d, k, "UNKNOWN_STAFF", "接收人不是接收部门的人员");
    if (forward && s_blank(c->opinion))
        return s_reject(self, d, k, "OPINION_REQUIRED", "转出须签注明确意见（R13）");
    if (forward && s_check_phrases(self, dir, d, k, c->opinion))
        return true;
    bool unclear =
        self->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR ||
        self->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_URGENT_ESCALATION;
    if (!forward && unclear && self->leader && !self->leader_decided &&
        !s_eq(c->staff_id, self->leader)) {
        snprintf(d->text2, sizeof d->text2,
                 "责任不明，须先由分管领导 %s 决定，之后方可转办（R7）", self->leader);
        return s_reject(self, d, k, "LEADER_DECIDES", d->text2);
    }
    if (self->locked || self->hops + 1 > sw_directory_max_hops(dir)) {
        snprintf(
            d->text2, sizeof d->text2,
            "本事项已转出 %d 次：责任由%s承担，不得再转，协调单已送客户关系主管（R18）",
            self->hops,
            s_or(self->department ? sw_directory_department(dir, self->department, "name")
                                  : NULL,
                 s_or(self->department, "本部门")));
        return s_reject(self, d, k, "OWNERSHIP_LOCKED", d->text2);
    }
    /* the first owner's transfer is signed with its reason (R13, R14): the
       desk writes it as the opinion, the CLI as --reason */
    const char *why = !s_blank(c->reason) ? c->reason : c->opinion;
    if (!forward && s_blank(why))
        return s_reject(self, d, k, "OPINION_REQUIRED", "转办须写明转办理由（R13、R14）");
    self->hops++; /* the handoff's hop; the state moves when it commits */
    const char *from_dept =
        forward && self->state == ROUTER_TRANSFERRING ? self->to_dept : self->department;
    s_handoff(self, d, c->staff_id, from_dept, c->to_staff_id, to_dept);
    self->hops--;
    s_sign(d, k);
    if (forward) {
        s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_FORWARDED);
        shouwen__v1__forwarded__init(&d->forwarded);
        d->forwarded.handoff = &d->handoff;
        d->forwarded.qa_copy = s_qa_copy(dir, d);
        d->env.forwarded = &d->forwarded;
    } else {
        s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED);
        shouwen__v1__transferred__init(&d->transferred);
        d->transferred.handoff = &d->handoff;
        d->transferred.reason = (char *)why;
        d->transferred.qa_copy = s_qa_copy(dir, d);
        d->env.transferred = &d->transferred;
    }
    return true;
}

static bool s_accept_or_return(router_case_t *self, sw_directory_t *dir,
                               router_decision_t *d, router_command_t *k, bool accept)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (self->state != ROUTER_TRANSFERRING &&
        !(self->state == ROUTER_IN_PROGRESS && !accept))
        return s_reject(self, d, k, "WRONG_STATE", "没有等待您签收的转交");
    const char *dept =
        self->state == ROUTER_TRANSFERRING ? self->to_dept : self->department;
    if (!s_in_department(dir, c->staff_id, dept))
        return s_reject(self, d, k, "NOT_RECEIVER",
                        "只有接收部门的负责人或指定人员才能签收或退回");
    if (!accept && s_blank(c->opinion))
        return s_reject(self, d, k, "OPINION_REQUIRED",
                        "退回须签注明确意见，不能只写“不归我们管”（R13）");
    if (!accept && s_check_phrases(self, dir, d, k, c->opinion))
        return true;
    if (!accept && self->locked) /* R18: the department that took it keeps it */
        return s_reject(self, d, k, "OWNERSHIP_LOCKED",
                        "责任已锁定，由本部门向客人负责，不得退回或再转（R18）");
    if (accept) {
        s_handoff(self, d, self->from_staff, self->from_dept,
                  s_or(self->to_staff, c->staff_id), dept);
        d->handoff.sender_signer_id = self->sender;
        d->handoff.sender_signed_at_us = self->sent_at_us;
        d->handoff.receiver_signer_id = c->staff_id;
        d->handoff.receiver_signed_at_us = k->at_us;
        s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED);
        shouwen__v1__accepted__init(&d->accepted);
        d->accepted.handoff = &d->handoff;
        d->env.accepted = &d->accepted;
    } else { /* back to whoever sent it */
        const char *back_staff =
            self->state == ROUTER_TRANSFERRING ? self->from_staff : self->natural_owner;
        const char *back_dept = self->state == ROUTER_TRANSFERRING
                                    ? self->from_dept
                                    : sw_directory_staff(dir, back_staff, "department");
        s_handoff(self, d, c->staff_id, dept, back_staff, back_dept);
        s_sign(d, k);
        s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_RETURNED);
        shouwen__v1__returned__init(&d->returned);
        d->returned.handoff = &d->handoff;
        d->returned.qa_copy = s_qa_copy(dir, d);
        d->env.returned = &d->returned;
    }
    return true;
}

static bool s_reply(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                    router_command_t *k)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (s_blank(c->text))
        return s_reject(self, d, k, "TEXT_REQUIRED", "答复须写明内容");
    if (s_check_phrases(self, dir, d, k, c->text))
        return true;
    /* R3 一次性告知: every item of the category's checklist, in one answer */
    const char **items = NULL;
    size_t n = sw_directory_checklist(dir, self->category, &items), len = 0;
    for (size_t i = 0; i < n; i++) {
        bool given = false;
        for (size_t j = 0; j < c->n_checklist_attested && !given; j++)
            given = streq(items[i], c->checklist_attested[j]);
        if (!given)
            len +=
                (size_t)snprintf(d->text2 + len, sizeof d->text2 - len, "%s%s",
                                 len ? "；" : "一次性告知不完整，还须告知：", items[i]);
        if (len >= sizeof d->text2)
            break;
    }
    if (len)
        return s_reject(self, d, k, "CHECKLIST_INCOMPLETE", d->text2);
    s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_REPLIED);
    shouwen__v1__replied__init(&d->replied);
    d->replied.text = c->text;
    d->replied.n_checklist_attested = c->n_checklist_attested;
    d->replied.checklist_attested = c->checklist_attested;
    d->replied.phrase_override = c->phrase_override && s_forbidden(dir, c->text);
    d->replied.override_reason =
        d->replied.phrase_override ? c->override_reason : (char *)"";
    d->env.replied = &d->replied;
    return true;
}

static bool s_close(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                    router_command_t *k)
{
    const Shouwen__V1__Command *c = k->cmd;
    bool outside =
        self->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_OUTSIDE_ORGANISATION;
    /* R6: the staff confirm what the customer was told; the directory's
       text is only offered (in the refusal) as the default */
    const char *guidance = s_blank(c->guidance) ? NULL : c->guidance;
    if (s_blank(c->reason))
        return s_reject(self, d, k, "REASON_REQUIRED", "结案须写明理由");
    if (outside && !guidance) {
        snprintf(
            d->text, sizeof d->text,
            "本事项不属本单位职责，须记录已告知客人的去向指引后方可结案（--guidance）"
            "%s%s（R6）",
            self->guidance ? "；可采用目录中的说明：" : "", s_or(self->guidance, ""));
        return s_reject(self, d, k, "GUIDANCE_REQUIRED", d->text);
    }
    if (!outside && self->state != ROUTER_RESOLVED && self->state != ROUTER_REPLIED)
        return s_reject(self, d, k, "NOT_RESOLVED", "本事项尚未办结或明确答复，不能结案");
    s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_CLOSED);
    shouwen__v1__closed__init(&d->closed);
    d->closed.reason = c->reason;
    d->closed.guidance = (char *)s_or(guidance, "");
    d->env.closed = &d->closed;
    return true;
}

static bool s_contact(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                      router_command_t *k, bool grant)
{
    const Shouwen__V1__Command *c = k->cmd;
    const char *leader = grant ? c->staff_id : c->to_staff_id;
    if (!leader || !sw_directory_staff_exists(dir, leader))
        return s_reject(self, d, k, "UNKNOWN_STAFF", "请写明要联系的领导（--to-staff）");
    s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT);
    Shouwen__V1__LeaderContact *lc = &d->contact;
    shouwen__v1__leader_contact__init(lc);
    d->env.leader_contact = lc;
    lc->leader_id = (char *)leader;
    if (grant) {
        lc->permission_granted = true;
        return true;
    }
    /* R19: never disclosed without the leader's recorded permission */
    if (!sw_directory_contact_private(dir, leader) ||
        zhashx_lookup(self->granted, leader)) {
        lc->disclosed = true;
        lc->contact = (char *)s_or(sw_directory_staff(dir, leader, "contact"), "");
    } else {
        snprintf(d->text2, sizeof d->text2, "%s %s", s_or(self->customer_name, ""),
                 s_or(self->customer_phone, ""));
        lc->visitor_contact_passed = d->text2;
    }
    return true;
}

static bool s_simple(router_case_t *self, router_decision_t *d, router_command_t *k,
                     Shouwen__V1__Envelope__BodyCase body)
{
    s_answer(self, d, k, body);
    const Shouwen__V1__Command *c = k->cmd;
    switch (body) {
    case SHOUWEN__V1__ENVELOPE__BODY_PROGRESS:
        shouwen__v1__progress__init(&d->progress);
        d->progress.text = c->text;
        d->env.progress = &d->progress;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        shouwen__v1__resolved__init(&d->resolved);
        d->resolved.summary = c->text;
        d->env.resolved = &d->resolved;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        shouwen__v1__reopened__init(&d->reopened);
        d->reopened.reason = c->reason;
        d->env.reopened = &d->reopened;
        break;
    default: /* waiting */
        shouwen__v1__case_waiting__init(&d->waiting);
        d->waiting.waiting =
            c->kind == SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_WAIT_CUSTOMER;
        d->waiting.reason = c->reason;
        d->env.waiting = &d->waiting;
        break;
    }
    return true;
}

static bool s_callback(router_case_t *self, router_decision_t *d, router_command_t *k)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (!s_eq(c->staff_id, self->natural_owner))
        return s_reject(self, d, k, "NOT_FIRST_OWNER", "回访须由首问责任人进行（R16）");
    if (self->state != ROUTER_RESOLVED)
        return s_reject(self, d, k, "WRONG_STATE", "事项办结后才能回访");
    if (c->reached && (c->rating < 1 || c->rating > 5))
        return s_reject(self, d, k, "RATING_REQUIRED",
                        "已联系上客人的，须记录 1 至 5 分的评价（V3）");
    s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_CALLBACK);
    shouwen__v1__callback_done__init(&d->callback);
    d->callback.reached = c->reached;
    d->callback.rating = c->reached ? c->rating : 0;
    d->callback.note = c->text;
    d->env.callback = &d->callback;
    return true;
}

static bool s_coordinate(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                         router_command_t *k)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (!c->to_department_id || !sw_directory_department_exists(dir, c->to_department_id))
        return s_reject(self, d, k, "UNKNOWN_DEPARTMENT", "请写明主办部门");
    for (size_t i = 0; i < c->n_assisting_department_ids; i++)
        if (!sw_directory_department_exists(dir, c->assisting_department_ids[i]))
            return s_reject(self, d, k, "UNKNOWN_DEPARTMENT", "协办部门不在组织目录中");
    s_answer(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_COORDINATION);
    Shouwen__V1__Coordination *co = &d->coordination;
    shouwen__v1__coordination__init(co);
    co->lead_department_id = c->to_department_id;
    co->n_assisting_department_ids = c->n_assisting_department_ids;
    co->assisting_department_ids = c->assisting_department_ids;
    co->supervisor_id = (char *)s_or(sw_directory_customer_relations_supervisor(dir), "");
    co->reason = c->reason;
    d->env.coordination = co;
    return true;
}

#define S_RESUME_FIRST "本事项正在等待客人，请先恢复办理"

bool router_act(router_case_t *self, sw_directory_t *dir, router_command_t *k,
                router_decision_t *d)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (!sw_directory_staff_exists(dir, c->staff_id))
        return s_reject(self, d, k, "UNKNOWN_STAFF", "经办人员不在组织目录中");
    if (self->state == ROUTER_CLOSED &&
        c->kind != SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_REOPEN)
        return s_reject(self, d, k, "CASE_CLOSED", "本事项已结案，请先重新开启");
    /* R24: every text of the action, whatever the action */
    const char *texts[] = {c->text, c->opinion, c->reason, c->guidance};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i] && *texts[i] && s_check_phrases(self, dir, d, k, texts[i]))
            return true;
    switch (c->kind) {
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_TRANSFER:
        return s_transfer(self, dir, d, k, false);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_FORWARD:
        return s_transfer(self, dir, d, k, true);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_ACCEPT:
        return s_accept_or_return(self, dir, d, k, true);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RETURN:
        return s_accept_or_return(self, dir, d, k, false);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_REPLY:
        if (!s_may_act(self, dir, c->staff_id))
            return s_reject(self, d, k, "NOT_OWNER",
                            "只有本事项的责任人或经办人才能答复");
        if (self->state == ROUTER_WAITING) /* only resume ends waiting */
            return s_reject(self, d, k, "WRONG_STATE", S_RESUME_FIRST);
        if (self->state == ROUTER_TRANSFERRING)
            return s_reject(self, d, k, "WRONG_STATE",
                            "本事项正在转交中，须接收部门先签收");
        return s_reply(self, dir, d, k);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_PROGRESS:
        if (s_blank(c->text))
            return s_reject(self, d, k, "TEXT_REQUIRED", "阶段性反馈须写明内容");
        if (s_check_phrases(self, dir, d, k, c->text))
            return true;
        return s_simple(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_PROGRESS);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RESOLVE:
        if (!s_may_act(self, dir, c->staff_id))
            return s_reject(self, d, k, "NOT_OWNER",
                            "只有本事项的责任人或经办人才能办结");
        if (self->state == ROUTER_WAITING)
            return s_reject(self, d, k, "WRONG_STATE", S_RESUME_FIRST);
        if (self->state == ROUTER_TRANSFERRING || self->state == ROUTER_RESOLVED)
            return s_reject(self, d, k, "WRONG_STATE", "本事项当前不能办结");
        return s_simple(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_RESOLVED);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CALLBACK:
        return s_callback(self, d, k);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_REOPEN:
        if (self->state != ROUTER_RESOLVED && self->state != ROUTER_CLOSED)
            return s_reject(self, d, k, "WRONG_STATE",
                            "只有已办结或已结案的事项才能重新开启");
        if (s_blank(c->reason))
            return s_reject(self, d, k, "REASON_REQUIRED", "重新开启须写明理由");
        return s_simple(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_REOPENED);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_ESCALATE:
        if (s_blank(c->reason))
            return s_reject(self, d, k, "REASON_REQUIRED", "上报须写明理由");
        router_escalate(self, dir, d, k->id, c->reason, c->staff_id, NULL);
        sw_eventid_derive(d->id, k->id, "decision");
        return true;
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_COORDINATE:
        return s_coordinate(self, dir, d, k);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CLOSE:
        return s_close(self, dir, d, k);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CONTACT_LEADER:
        return s_contact(self, dir, d, k, false);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_GRANT_CONTACT:
        return s_contact(self, dir, d, k, true);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_WAIT_CUSTOMER:
        if (self->state == ROUTER_WAITING)
            return s_reject(self, d, k, "WRONG_STATE", "本事项已在等待客人");
        return s_simple(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_WAITING);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RESUME:
        if (self->state != ROUTER_WAITING)
            return s_reject(self, d, k, "WRONG_STATE", "本事项没有在等待客人");
        return s_simple(self, d, k, SHOUWEN__V1__ENVELOPE__BODY_WAITING);
    default:
        return s_reject(self, d, k, "UNKNOWN_ACTION", "没有这种办理操作（R13）");
    }
}
