/*  router_case: case state and every decision on it (see router_case.h). */
#include "router_case.h"

#include <ctype.h>
#include <stdarg.h>
#include <czmq.h>

/* A staff action committed to the log and not yet answered. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE]; /* the command.received event */
    int64_t at_us;               /* when the staff acted: their signature's time */
    Shouwen__V1__Command *cmd;   /* our own copy */
} s_command_t;

struct _router_case_t {
    char case_id[SW_CASEID_STRLEN + 1];
    uint64_t version; /* committed events on this case */
    router_state_t state;
    router_state_t before_wait; /* state to go back to on resume */
    bool received, routed;
    uint8_t inquiry_id[SW_EVENTID_SIZE];
    uint8_t routed_id[SW_EVENTID_SIZE];
    /* the register entry (R1) */
    char *receiver, *named_employee, *category, *linked_case, *customer_name,
        *customer_phone, *customer_unit;
    int urgency, channel, kind;
    /* custody */
    int disposition;
    char *natural_owner; /* 自然首问责任人 */
    char *leader;        /* the leader who decides (R7, R8), when routed to one */
    char *factual_owner; /* 事实首问责任人 */
    char *handler;       /* 经办人 */
    char *department;    /* the department holding the case */
    char *guidance;      /* R6 guidance given so far */
    /* a handoff in flight (R14) */
    char *from_staff, *from_dept, *to_staff, *to_dept, *sender;
    int64_t sent_at_us;
    int hops;            /* transfers and forwards so far */
    int bounces;         /* returns so far */
    int level;           /* escalation rung reached, 0..5 */
    bool urgent_pending; /* R8: an escalation follows routing */
    bool locked;         /* R18: no further transfer */
    bool lock_pending;
    uint8_t lock_cause[SW_EVENTID_SIZE];
    char *shirker, *shirker_dept; /* V1: who passed it on once too often */
    char *lock_owner, *lock_dept; /* R18: who takes it towards the customer */
    bool leader_decided;          /* R7: the deciding leader has acted */
    zhashx_t *passed_on;          /* departments that passed it on (ping-pong) */
    zhashx_t *conflict_depts;     /* departments a conflict was counted for (R15) */
    bool called_back;
    zlistx_t *commands; /* s_command_t, in log order */
    zlistx_t *breaches; /* breach event ids (16 bytes) to escalate */
    zhashx_t *granted;  /* leaders who allowed their contact (R19) */
};

/* --------------------------------------------------------------- helpers */

/* value may be *field itself (closing keeps the guidance it had): copy
   before freeing. */
static void s_set(char **field, const char *value)
{
    char *copy = value && *value ? strdup(value) : NULL;
    free(*field);
    *field = copy;
}

/* printf onto the end of buf, keeping *n the length it would have. */
static void s_append(char *buf, size_t size, size_t *n, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int len =
        vsnprintf(buf + (*n < size ? *n : size), *n < size ? size - *n : 0, format, args);
    va_end(args);
    *n += len > 0 ? (size_t)len : 0;
}

/* A text cut to fit its buffer ends inside a character at worst: drop
   that character's first bytes, so what is recorded stays UTF-8. */
static void s_utf8_trim(char *buf)
{
    size_t len = strlen(buf), start = len;
    while (start > 0 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0 || ((unsigned char)buf[start - 1] & 0x80) == 0)
        return;
    unsigned char lead = (unsigned char)buf[start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (len - (start - 1) < need)
        buf[start - 1] = '\0';
}

static bool s_eq(const char *a, const char *b)
{
    return a && b && streq(a, b);
}

static const char *s_or(const char *a, const char *b)
{
    return a && *a ? a : b;
}

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

static void s_command_destroy(void **item_p)
{
    s_command_t *k = (s_command_t *)*item_p;
    if (k) {
        shouwen__v1__command__free_unpacked(k->cmd, NULL);
        free(k);
        *item_p = NULL;
    }
}

static void s_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

router_case_t *router_case_new(const char *case_id)
{
    router_case_t *self = (router_case_t *)zmalloc(sizeof(router_case_t));
    snprintf(self->case_id, sizeof self->case_id, "%s", case_id);
    self->commands = zlistx_new();
    zlistx_set_destructor(self->commands, s_command_destroy);
    self->breaches = zlistx_new();
    zlistx_set_destructor(self->breaches, s_free);
    self->granted = zhashx_new();
    self->passed_on = zhashx_new();
    self->conflict_depts = zhashx_new();
    return self;
}

void router_case_destroy(router_case_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_case_t *self = *self_p;
    char **strings[] = {
        &self->receiver,      &self->named_employee, &self->category,
        &self->linked_case,   &self->customer_name,  &self->customer_phone,
        &self->natural_owner, &self->factual_owner,  &self->handler,
        &self->department,    &self->guidance,       &self->from_staff,
        &self->from_dept,     &self->to_staff,       &self->to_dept,
        &self->sender,        &self->shirker,        &self->shirker_dept,
        &self->leader,        &self->lock_owner,     &self->lock_dept,
        &self->customer_unit};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    zlistx_destroy(&self->commands);
    zlistx_destroy(&self->breaches);
    zhashx_destroy(&self->granted);
    zhashx_destroy(&self->passed_on);
    zhashx_destroy(&self->conflict_depts);
    free(self);
    *self_p = NULL;
}

const char *router_case_id(router_case_t *self)
{
    return self->case_id;
}

uint64_t router_case_version(router_case_t *self)
{
    return self->version;
}

router_state_t router_case_state(router_case_t *self)
{
    return self->state;
}

const char *router_case_factual_owner(router_case_t *self)
{
    return self->factual_owner;
}

const char *router_case_state_name(router_state_t state)
{
    static const char *names[] = {"received", "open",    "transferring", "in_progress",
                                  "waiting",  "replied", "resolved",     "closed"};
    return state <= ROUTER_CLOSED ? names[state] : "?";
}

/* ------------------------------------------------------------ applying */

static void s_take_inquiry(router_case_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__InquiryReceived *in = env->inquiry_received;
    memcpy(self->inquiry_id, env->event_id.data, SW_EVENTID_SIZE);
    self->received = true;
    s_set(&self->receiver, in->receiver_staff_id);
    s_set(&self->named_employee, in->named_employee_id);
    s_set(&self->category, in->category);
    s_set(&self->linked_case, in->linked_case_id);
    s_set(&self->customer_name, in->customer ? in->customer->name : NULL);
    s_set(&self->customer_phone, in->customer ? in->customer->phone : NULL);
    s_set(&self->customer_unit, in->customer ? in->customer->unit : NULL);
    self->urgency = in->urgency;
    self->channel = in->channel;
    self->kind = in->kind;
    self->state = ROUTER_RECEIVED;
}

static void s_take_routed(router_case_t *self, const sw_envelope_t *env,
                          sw_directory_t *dir)
{
    const Shouwen__V1__Routed *r = env->routed;
    self->routed = true;
    memcpy(self->routed_id, env->event_id.data, SW_EVENTID_SIZE);
    self->disposition = r->disposition;
    s_set(&self->natural_owner, r->natural_owner_id);
    s_set(&self->factual_owner, r->factual_owner_id);
    s_set(&self->handler, r->handler_id);
    /* the case is held by its factual owner's department until a transfer
       is signed; the routed department is where it should go */
    s_set(&self->department,
          s_or(sw_directory_staff(dir, r->factual_owner_id, "department"),
               r->department_id));
    s_set(&self->guidance, r->guidance);
    s_set(&self->leader, r->leader_id);
    self->urgent_pending =
        r->disposition == SHOUWEN__V1__DISPOSITION__DISPOSITION_URGENT_ESCALATION;
    self->state = ROUTER_OPEN;
}

static void s_lock_later(router_case_t *self, const uint8_t *cause, const char *who,
                         const char *dept, const char *owner, const char *owner_dept);

/* A transfer or forward.  One that brings the case back to a department
   that already passed it on is ping-pong (推诿扯皮): ownership locks with
   that department, which now receives it a second time (R18), and the
   sender is recorded as shirking (V1), the first time it happens. */
static void s_take_handoff(router_case_t *self, const sw_envelope_t *env,
                           const Shouwen__V1__Handoff *h)
{
    if (*h->to_department_id && zhashx_lookup(self->passed_on, h->to_department_id))
        s_lock_later(self, env->event_id.data, h->from_staff_id, h->from_department_id,
                     h->to_staff_id, h->to_department_id);
    if (*h->from_department_id)
        zhashx_update(self->passed_on, h->from_department_id, (void *)1);
    s_set(&self->from_staff, h->from_staff_id);
    s_set(&self->from_dept, h->from_department_id);
    s_set(&self->to_staff, h->to_staff_id);
    s_set(&self->to_dept, h->to_department_id);
    s_set(&self->sender, h->sender_signer_id);
    self->sent_at_us = h->sender_signed_at_us;
    if ((int)h->hop > self->hops)
        self->hops = (int)h->hop;
    self->state = ROUTER_TRANSFERRING;
}

static void s_lock_later(router_case_t *self, const uint8_t *cause, const char *who,
                         const char *dept, const char *owner, const char *owner_dept)
{
    if (self->locked || self->lock_pending)
        return;
    self->lock_pending = true;
    memcpy(self->lock_cause, cause, SW_EVENTID_SIZE);
    s_set(&self->shirker, who);
    s_set(&self->shirker_dept, dept);
    s_set(&self->lock_owner, owner);
    s_set(&self->lock_dept, owner_dept);
}

static void s_take_returned(router_case_t *self, const sw_envelope_t *env,
                            sw_directory_t *dir)
{
    const Shouwen__V1__Handoff *h = env->returned->handoff;
    if (!h)
        return;
    self->bounces++;
    s_set(&self->factual_owner, h->to_staff_id);
    s_set(&self->handler, h->to_staff_id);
    s_set(&self->department, h->to_department_id);
    self->state = ROUTER_OPEN;
    /* R18: a wrong transfer bounced back too often locks ownership with the
       department that returned it: it received the case every time */
    if (self->bounces >= sw_directory_max_bounces(dir))
        s_lock_later(self, env->event_id.data, h->from_staff_id, h->from_department_id,
                     h->from_staff_id, h->from_department_id);
}

static void s_take_accepted(router_case_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__Handoff *h = env->accepted->handoff;
    if (!h)
        return;
    const char *owner = s_or(h->to_staff_id, h->receiver_signer_id);
    s_set(&self->factual_owner, owner);
    s_set(&self->handler, owner);
    s_set(&self->department, h->to_department_id);
    self->state = ROUTER_IN_PROGRESS;
}

static void s_take_command(router_case_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__Command *cmd = env->command_received->command;
    if (!cmd)
        return;
    s_command_t *k = (s_command_t *)zmalloc(sizeof(s_command_t));
    memcpy(k->id, env->event_id.data, SW_EVENTID_SIZE);
    k->at_us = env->occurred_at_us;
    size_t len = protobuf_c_message_get_packed_size(&cmd->base);
    uint8_t *buf = (uint8_t *)malloc(len ? len : 1);
    protobuf_c_message_pack(&cmd->base, buf);
    k->cmd = shouwen__v1__command__unpack(NULL, len, buf);
    free(buf);
    if (k->cmd)
        zlistx_add_end(self->commands, k);
    else
        free(k);
}

/* A decision of router's answers the oldest waiting command it names. */
static void s_answered(router_case_t *self, const sw_envelope_t *env)
{
    s_command_t *k = (s_command_t *)zlistx_first(self->commands);
    if (k && env->causation_id.len == SW_EVENTID_SIZE &&
        memcmp(k->id, env->causation_id.data, SW_EVENTID_SIZE) == 0)
        zlistx_delete(self->commands, zlistx_cursor(self->commands));
}

static void s_take_escalated(router_case_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__Escalated *e = env->escalated;
    if ((int)e->level > self->level)
        self->level = (int)e->level;
    if (e->cause_event_id.len != SW_EVENTID_SIZE)
        return;
    if (memcmp(e->cause_event_id.data, self->routed_id, SW_EVENTID_SIZE) == 0)
        self->urgent_pending = false;
    for (uint8_t *b = (uint8_t *)zlistx_first(self->breaches); b;
         b = (uint8_t *)zlistx_next(self->breaches))
        if (memcmp(b, e->cause_event_id.data, SW_EVENTID_SIZE) == 0) {
            zlistx_delete(self->breaches, zlistx_cursor(self->breaches));
            break;
        }
}

static void s_take_waiting(router_case_t *self, const sw_envelope_t *env)
{
    if (env->waiting->waiting && self->state != ROUTER_WAITING) {
        self->before_wait = self->state;
        self->state = ROUTER_WAITING;
    } else if (!env->waiting->waiting && self->state == ROUTER_WAITING)
        self->state = self->before_wait;
}

/* R18: the lock gives the case to the department that received it once
   too often; the handoff in flight, if any, ends here. */
static void s_take_lock(router_case_t *self, const Shouwen__V1__Coordination *co)
{
    self->locked = true;
    self->lock_pending = false;
    if (*co->lead_department_id)
        s_set(&self->department, co->lead_department_id);
    if (*co->owner_staff_id) {
        s_set(&self->factual_owner, co->owner_staff_id);
        s_set(&self->handler, co->owner_staff_id);
    }
    if (self->state == ROUTER_OPEN || self->state == ROUTER_TRANSFERRING)
        self->state = ROUTER_IN_PROGRESS;
}

static void s_take_escalation_count(router_case_t *self, const sw_envelope_t *env)
{
    if (env->escalated->conflict) /* "" when no department holds it */
        zhashx_update(self->conflict_depts, env->escalated->department_id, (void *)1);
}

void router_case_apply(router_case_t *self, const sw_committed_t *c,
                       const sw_envelope_t *env, sw_directory_t *dir)
{
    self->version = c->case_version;
    if (self->leader && env->actor && streq(env->actor, self->leader) &&
        streq(env->producer, "router") &&
        env->body_case != SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED)
        self->leader_decided = true; /* R7: the leader has acted on it */
    if (streq(env->producer, "router"))
        s_answered(self, env);
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        s_take_inquiry(self, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        s_take_routed(self, env, dir);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED:
        s_take_command(self, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        if (env->transferred->handoff)
            s_take_handoff(self, env, env->transferred->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        if (env->forwarded->handoff)
            s_take_handoff(self, env, env->forwarded->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        s_take_accepted(self, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        s_take_returned(self, env, dir);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION:
        if (env->coordination->ownership_locked)
            s_take_lock(self, env->coordination);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        s_take_escalated(self, env);
        s_take_escalation_count(self, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REPLIED:
        if (self->state != ROUTER_RESOLVED) /* a further answer after handling ended */
            self->state = ROUTER_REPLIED;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        self->state = ROUTER_RESOLVED;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CALLBACK:
        self->called_back = self->called_back || env->callback->reached;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        self->state = ROUTER_IN_PROGRESS;
        self->called_back = false;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        self->state = ROUTER_CLOSED;
        s_set(&self->guidance, s_or(env->closed->guidance, self->guidance));
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_WAITING:
        s_take_waiting(self, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT:
        if (env->leader_contact->permission_granted)
            zhashx_update(self->granted, env->leader_contact->leader_id, (void *)1);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED:
        /* a transfer past the hop limit locks ownership where it is (R18) */
        if (streq(env->command_rejected->code, "OWNERSHIP_LOCKED") && !self->locked) {
            const char *dept =
                s_or(sw_directory_staff(dir, env->actor, "department"), self->department);
            s_lock_later(self, env->event_id.data, env->actor, dept, env->actor, dept);
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        if (self->state != ROUTER_CLOSED) {
            uint8_t *id = (uint8_t *)malloc(SW_EVENTID_SIZE);
            memcpy(id, env->event_id.data, SW_EVENTID_SIZE);
            zlistx_add_end(self->breaches, id);
        }
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------- deciding */

/* Common envelope of a decision: id derived from its cause. */
static void s_decision(router_case_t *self, router_decision_t *d, const uint8_t *cause,
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
        s_append(buf, size, &n, "请到%s%s%s%s办理", s_or(name, dept), loc ? "（" : "",
                 s_or(loc, ""), loc ? "）" : "");
        if (phone)
            s_append(buf, size, &n, "，电话 %s", phone);
    }
    const char **items = NULL;
    size_t count = category ? sw_directory_checklist(dir, category, &items) : 0;
    for (size_t i = 0; i < count; i++)
        s_append(buf, size, &n, "%s%s", i ? "；" : (n ? "；请携带：" : "请携带："),
                 items[i]);
    if (n)
        s_append(buf, size, &n, "。");
    s_utf8_trim(buf);
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

static void s_route(router_case_t *self, sw_directory_t *dir, router_decision_t *d)
{
    s_decision(self, d, self->inquiry_id, "case.routed",
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
                s_append(d->text, sizeof d->text, &len, "%s",
                         r->order_known ? "请依次到："
                                        : "本事项涉及以下部门，可联系其负责人：");
            s_append(d->text, sizeof d->text, &len, "%s%s%s%s%s%s",
                     i ? (r->order_known ? " → " : "；") : "", name,
                     who ? (r->order_known ? "（电话 " : "（负责人 ") : "", s_or(who, ""),
                     who ? "）" : "", i + 1 == n ? "。" : "");
        }
        s_utf8_trim(d->text);
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
static void s_escalate(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                       const uint8_t *cause, const char *reason, const char *actor,
                       const char *decided_by)
{
    s_decision(self, d, cause, "case.escalated", SHOUWEN__V1__ENVELOPE__BODY_ESCALATED,
               actor);
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
static void s_lock(router_case_t *self, sw_directory_t *dir, router_decision_t *d)
{
    s_decision(self, d, self->lock_cause, "case.coordination.lock",
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

/* ------------------------------------------------------- staff actions */

static bool s_reject(router_case_t *self, router_decision_t *d, s_command_t *k,
                     const char *code, const char *message)
{
    s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED,
               k->cmd->staff_id);
    shouwen__v1__command_rejected__init(&d->rejected);
    d->env.command_rejected = &d->rejected;
    d->rejected.code = (char *)code;
    if (message == d->text || message == d->text2)
        s_utf8_trim((char *)message);
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
                            router_decision_t *d, s_command_t *k, const char *text)
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
                       s_command_t *k, bool forward)
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
    self->hops++; /* the handoff's hop; the state moves when it commits */
    const char *from_dept =
        forward && self->state == ROUTER_TRANSFERRING ? self->to_dept : self->department;
    s_handoff(self, d, c->staff_id, from_dept, c->to_staff_id, to_dept);
    self->hops--;
    d->handoff.sender_signer_id = c->staff_id;
    d->handoff.sender_signed_at_us = k->at_us;
    d->handoff.opinion = c->opinion;
    if (forward) {
        s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_FORWARDED,
                   c->staff_id);
        shouwen__v1__forwarded__init(&d->forwarded);
        d->forwarded.handoff = &d->handoff;
        d->forwarded.qa_copy = s_qa_copy(dir, d);
        d->env.forwarded = &d->forwarded;
    } else {
        s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED,
                   c->staff_id);
        shouwen__v1__transferred__init(&d->transferred);
        d->transferred.handoff = &d->handoff;
        d->transferred.reason = c->reason;
        d->transferred.qa_copy = s_qa_copy(dir, d);
        d->env.transferred = &d->transferred;
    }
    return true;
}

static bool s_accept_or_return(router_case_t *self, sw_directory_t *dir,
                               router_decision_t *d, s_command_t *k, bool accept)
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
        s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED,
                   c->staff_id);
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
        d->handoff.sender_signer_id = c->staff_id;
        d->handoff.sender_signed_at_us = k->at_us;
        d->handoff.opinion = c->opinion;
        s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_RETURNED,
                   c->staff_id);
        shouwen__v1__returned__init(&d->returned);
        d->returned.handoff = &d->handoff;
        d->returned.qa_copy = s_qa_copy(dir, d);
        d->env.returned = &d->returned;
    }
    return true;
}

static bool s_reply(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                    s_command_t *k)
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
    s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_REPLIED,
               c->staff_id);
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
                    s_command_t *k)
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
    s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_CLOSED,
               c->staff_id);
    shouwen__v1__closed__init(&d->closed);
    d->closed.reason = c->reason;
    d->closed.guidance = (char *)s_or(guidance, "");
    d->env.closed = &d->closed;
    return true;
}

static bool s_contact(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                      s_command_t *k, bool grant)
{
    const Shouwen__V1__Command *c = k->cmd;
    const char *leader = grant ? c->staff_id : c->to_staff_id;
    if (!leader || !sw_directory_staff_exists(dir, leader))
        return s_reject(self, d, k, "UNKNOWN_STAFF", "请写明要联系的领导（--to-staff）");
    s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT,
               c->staff_id);
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

static bool s_simple(router_case_t *self, router_decision_t *d, s_command_t *k,
                     Shouwen__V1__Envelope__BodyCase body)
{
    s_decision(self, d, k->id, "decision", body, k->cmd->staff_id);
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

static bool s_callback(router_case_t *self, router_decision_t *d, s_command_t *k)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (!s_eq(c->staff_id, self->natural_owner))
        return s_reject(self, d, k, "NOT_FIRST_OWNER", "回访须由首问责任人进行（R16）");
    if (self->state != ROUTER_RESOLVED)
        return s_reject(self, d, k, "WRONG_STATE", "事项办结后才能回访");
    if (c->reached && (c->rating < 1 || c->rating > 5))
        return s_reject(self, d, k, "RATING_REQUIRED",
                        "已联系上客人的，须记录 1 至 5 分的评价（V3）");
    s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_CALLBACK,
               c->staff_id);
    shouwen__v1__callback_done__init(&d->callback);
    d->callback.reached = c->reached;
    d->callback.rating = c->reached ? c->rating : 0;
    d->callback.note = c->text;
    d->env.callback = &d->callback;
    return true;
}

static bool s_coordinate(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                         s_command_t *k)
{
    const Shouwen__V1__Command *c = k->cmd;
    if (!c->to_department_id || !sw_directory_department_exists(dir, c->to_department_id))
        return s_reject(self, d, k, "UNKNOWN_DEPARTMENT", "请写明主办部门");
    for (size_t i = 0; i < c->n_assisting_department_ids; i++)
        if (!sw_directory_department_exists(dir, c->assisting_department_ids[i]))
            return s_reject(self, d, k, "UNKNOWN_DEPARTMENT", "协办部门不在组织目录中");
    s_decision(self, d, k->id, "decision", SHOUWEN__V1__ENVELOPE__BODY_COORDINATION,
               c->staff_id);
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

static bool s_decide_command(router_case_t *self, sw_directory_t *dir, s_command_t *k,
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
        s_escalate(self, dir, d, k->id, c->reason, c->staff_id, NULL);
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

bool router_case_next(router_case_t *self, sw_directory_t *dir, router_decision_t *d)
{
    memset(d, 0, sizeof *d); /* nothing of the last decision carries over */
    if (!self->received)
        return false;
    if (!self->routed) {
        s_route(self, dir, d);
        return true;
    }
    if (self->urgent_pending) {
        s_escalate(self, dir, d, self->routed_id,
                   "urgent: handler and supervising leader unreachable (R8)", NULL,
                   self->leader);
        return true;
    }
    if (self->lock_pending) {
        s_lock(self, dir, d);
        return true;
    }
    s_command_t *k = (s_command_t *)zlistx_first(self->commands);
    if (k)
        return s_decide_command(self, dir, k, d);
    uint8_t *breach = (uint8_t *)zlistx_first(self->breaches);
    if (breach) {
        s_escalate(self, dir, d, breach, "a time limit was breached", NULL, NULL);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------- summary */

static int s_compare_text(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static const char *s_hex(const uint8_t *id, char *out)
{
    for (size_t i = 0; i < SW_EVENTID_SIZE; i++)
        sprintf(out + 2 * i, "%02x", id[i]);
    return out;
}

/* The keys of a set, sorted: hash order is not. */
static void s_append_keys(char *buf, size_t size, size_t *n, const char *label,
                          zhashx_t *set)
{
    zlistx_t *keys = zhashx_keys(set);
    zlistx_set_comparator(keys, s_compare_text);
    zlistx_sort(keys);
    s_append(buf, size, n, "%s", label);
    for (const char *k = (const char *)zlistx_first(keys); k;
         k = (const char *)zlistx_next(keys))
        s_append(buf, size, n, "%s,", k);
    zlistx_destroy(&keys);
}

void router_case_summary(router_case_t *self, char *buf, size_t size)
{
    char a[33], b[33];
    size_t n = 0;
    buf[0] = '\0';
    s_append(buf, size, &n, "%s v%" PRIu64 " %s before_wait=%s received=%d routed=%d",
             self->case_id, self->version, router_case_state_name(self->state),
             router_case_state_name(self->before_wait), self->received, self->routed);
    s_append(buf, size, &n, " inquiry=%s routed_id=%s", s_hex(self->inquiry_id, a),
             s_hex(self->routed_id, b));
    s_append(buf, size, &n,
             " receiver=%s named=%s category=%s linked=%s customer=%s/%s urgency=%d "
             "channel=%d kind=%d",
             s_or(self->receiver, "-"), s_or(self->named_employee, "-"),
             s_or(self->category, "-"), s_or(self->linked_case, "-"),
             s_or(self->customer_name, "-"), s_or(self->customer_phone, "-"),
             self->urgency, self->channel, self->kind);
    s_append(buf, size, &n,
             " disposition=%d natural=%s factual=%s handler=%s department=%s guidance=%s",
             self->disposition, s_or(self->natural_owner, "-"),
             s_or(self->factual_owner, "-"), s_or(self->handler, "-"),
             s_or(self->department, "-"), s_or(self->guidance, "-"));
    s_append(buf, size, &n, " from=%s/%s to=%s/%s sender=%s sent_at=%" PRId64,
             s_or(self->from_staff, "-"), s_or(self->from_dept, "-"),
             s_or(self->to_staff, "-"), s_or(self->to_dept, "-"), s_or(self->sender, "-"),
             self->sent_at_us);
    s_append(buf, size, &n,
             " hops=%d bounces=%d level=%d urgent_pending=%d locked=%d lock_pending=%d "
             "leader_decided=%d lock_cause=%s shirker=%s/%s lock_owner=%s/%s "
             "called_back=%d",
             self->hops, self->bounces, self->level, self->urgent_pending, self->locked,
             self->lock_pending, self->leader_decided, s_hex(self->lock_cause, a),
             s_or(self->shirker, "-"), s_or(self->shirker_dept, "-"),
             s_or(self->lock_owner, "-"), s_or(self->lock_dept, "-"), self->called_back);
    s_append_keys(buf, size, &n, " passed_on=", self->passed_on);
    s_append_keys(buf, size, &n, " conflicts=", self->conflict_depts);
    s_append(buf, size, &n, " commands=%zu", zlistx_size(self->commands));
    for (s_command_t *k = (s_command_t *)zlistx_first(self->commands); k;
         k = (s_command_t *)zlistx_next(self->commands))
        s_append(buf, size, &n, " %s@%" PRId64, s_hex(k->id, a), k->at_us);
    s_append(buf, size, &n, " breaches=%zu", zlistx_size(self->breaches));
    for (uint8_t *id = (uint8_t *)zlistx_first(self->breaches); id;
         id = (uint8_t *)zlistx_next(self->breaches))
        s_append(buf, size, &n, " %s", s_hex(id, a));
    s_append_keys(buf, size, &n, " granted=", self->granted);
}
