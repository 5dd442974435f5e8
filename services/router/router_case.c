/*  router_case: one case as router sees it, rebuilt from the committed
    events on it (router_case_apply), the decision it needs next (routing,
    escalation and the lock in router_route.c, the answer to a staff action
    in router_actions.c), and the whole state as one line for the tests. */
#include "router_case_int.h"
#include "sw_alloc.h"

#include <stdarg.h>

/* --------------------------------------------------------------- helpers */

/* value may be *field itself (closing keeps the guidance it had): copy
   before freeing. */
static void s_set(char **field, const char *value)
{
    char *copy = value && *value ? sw_strdup(value) : NULL;
    free(*field);
    *field = copy;
}

void router_append(char *buf, size_t size, size_t *n, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int len =
        vsnprintf(buf + (*n < size ? *n : size), *n < size ? size - *n : 0, format, args);
    va_end(args);
    *n += len > 0 ? (size_t)len : 0;
}

void router_utf8_trim(char *buf)
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
static void s_command_destroy(void **item_p)
{
    router_command_t *k = (router_command_t *)*item_p;
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
    router_command_t *k = (router_command_t *)zmalloc(sizeof(router_command_t));
    memcpy(k->id, env->event_id.data, SW_EVENTID_SIZE);
    k->at_us = env->occurred_at_us;
    size_t len = protobuf_c_message_get_packed_size(&cmd->base);
    uint8_t *buf = (uint8_t *)sw_malloc(len ? len : 1);
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
    router_command_t *k = (router_command_t *)zlistx_first(self->commands);
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
            uint8_t *id = (uint8_t *)sw_malloc(SW_EVENTID_SIZE);
            memcpy(id, env->event_id.data, SW_EVENTID_SIZE);
            zlistx_add_end(self->breaches, id);
        }
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------- deciding */

bool router_case_next(router_case_t *self, sw_directory_t *dir, router_decision_t *d)
{
    memset(d, 0, sizeof *d); /* nothing of the last decision carries over */
    if (!self->received)
        return false;
    if (!self->routed) {
        router_route(self, dir, d);
        return true;
    }
    if (self->urgent_pending) {
        router_escalate(self, dir, d, self->routed_id,
                        "urgent: handler and supervising leader unreachable (R8)", NULL,
                        self->leader);
        return true;
    }
    if (self->lock_pending) {
        router_lock(self, dir, d);
        return true;
    }
    router_command_t *k = (router_command_t *)zlistx_first(self->commands);
    if (k)
        return router_act(self, dir, k, d);
    uint8_t *breach = (uint8_t *)zlistx_first(self->breaches);
    if (breach) {
        router_escalate(self, dir, d, breach, "a time limit was breached", NULL, NULL);
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
    router_append(buf, size, n, "%s", label);
    for (const char *k = (const char *)zlistx_first(keys); k;
         k = (const char *)zlistx_next(keys))
        router_append(buf, size, n, "%s,", k);
    zlistx_destroy(&keys);
}

void router_case_summary(router_case_t *self, char *buf, size_t size)
{
    char a[33], b[33];
    size_t n = 0;
    buf[0] = '\0';
    router_append(
        buf, size, &n, "%s v%" PRIu64 " %s before_wait=%s received=%d routed=%d",
        self->case_id, self->version, router_case_state_name(self->state),
        router_case_state_name(self->before_wait), self->received, self->routed);
    router_append(buf, size, &n, " inquiry=%s routed_id=%s", s_hex(self->inquiry_id, a),
                  s_hex(self->routed_id, b));
    router_append(buf, size, &n,
                  " receiver=%s named=%s category=%s linked=%s customer=%s/%s urgency=%d "
                  "channel=%d kind=%d",
                  s_or(self->receiver, "-"), s_or(self->named_employee, "-"),
                  s_or(self->category, "-"), s_or(self->linked_case, "-"),
                  s_or(self->customer_name, "-"), s_or(self->customer_phone, "-"),
                  self->urgency, self->channel, self->kind);
    router_append(
        buf, size, &n,
        " disposition=%d natural=%s factual=%s handler=%s department=%s guidance=%s",
        self->disposition, s_or(self->natural_owner, "-"), s_or(self->factual_owner, "-"),
        s_or(self->handler, "-"), s_or(self->department, "-"), s_or(self->guidance, "-"));
    router_append(buf, size, &n, " from=%s/%s to=%s/%s sender=%s sent_at=%" PRId64,
                  s_or(self->from_staff, "-"), s_or(self->from_dept, "-"),
                  s_or(self->to_staff, "-"), s_or(self->to_dept, "-"),
                  s_or(self->sender, "-"), self->sent_at_us);
    router_append(
        buf, size, &n,
        " hops=%d bounces=%d level=%d urgent_pending=%d locked=%d lock_pending=%d "
        "leader_decided=%d lock_cause=%s shirker=%s/%s lock_owner=%s/%s "
        "called_back=%d",
        self->hops, self->bounces, self->level, self->urgent_pending, self->locked,
        self->lock_pending, self->leader_decided, s_hex(self->lock_cause, a),
        s_or(self->shirker, "-"), s_or(self->shirker_dept, "-"),
        s_or(self->lock_owner, "-"), s_or(self->lock_dept, "-"), self->called_back);
    s_append_keys(buf, size, &n, " passed_on=", self->passed_on);
    s_append_keys(buf, size, &n, " conflicts=", self->conflict_depts);
    router_append(buf, size, &n, " commands=%zu", zlistx_size(self->commands));
    for (router_command_t *k = (router_command_t *)zlistx_first(self->commands); k;
         k = (router_command_t *)zlistx_next(self->commands))
        router_append(buf, size, &n, " %s@%" PRId64, s_hex(k->id, a), k->at_us);
    router_append(buf, size, &n, " breaches=%zu", zlistx_size(self->breaches));
    for (uint8_t *id = (uint8_t *)zlistx_first(self->breaches); id;
         id = (uint8_t *)zlistx_next(self->breaches))
        router_append(buf, size, &n, " %s", s_hex(id, a));
    s_append_keys(buf, size, &n, " granted=", self->granted);
}

/* ---------------------------------------------------------- packing */

/* Format of a packed case (router_state.h's ROUTER_SNAPSHOT_FORMAT covers
   it): little-endian integers, strings as a u32 length (0xFFFFFFFF for
   NULL) and their bytes, sets as a count and their keys sorted, lists in
   their order, a staff action as its packed Command. */
#define S_NULL 0xFFFFFFFFu

static void s_put(zchunk_t *out, const void *data, size_t size)
{
    zchunk_extend(out, data, size);
}

static void s_put_u64(zchunk_t *out, uint64_t v, int n)
{
    uint8_t b[8];
    for (int i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    s_put(out, b, (size_t)n);
}

static void s_put_str(zchunk_t *out, const char *text)
{
    if (!text) {
        s_put_u64(out, S_NULL, 4);
        return;
    }
    size_t len = strlen(text);
    s_put_u64(out, len, 4);
    s_put(out, text, len);
}

static void s_put_set(zchunk_t *out, zhashx_t *set)
{
    zlistx_t *keys = zhashx_keys(set);
    zlistx_set_comparator(keys, s_compare_text);
    zlistx_sort(keys);
    s_put_u64(out, zlistx_size(keys), 4);
    for (const char *k = (const char *)zlistx_first(keys); k;
         k = (const char *)zlistx_next(keys))
        s_put_str(out, k);
    zlistx_destroy(&keys);
}

void router_case_pack(router_case_t *self, zchunk_t *out)
{
    s_put_str(out, self->case_id);
    s_put_u64(out, self->version, 8);
    uint8_t flags[] = {
        (uint8_t)self->state, (uint8_t)self->before_wait, self->received,
        self->routed,         self->urgent_pending,       self->locked,
        self->lock_pending,   self->leader_decided,       self->called_back};
    s_put(out, flags, sizeof flags);
    s_put(out, self->inquiry_id, SW_EVENTID_SIZE);
    s_put(out, self->routed_id, SW_EVENTID_SIZE);
    s_put(out, self->lock_cause, SW_EVENTID_SIZE);
    const char *strings[] = {
        self->receiver,      self->named_employee, self->category,
        self->linked_case,   self->customer_name,  self->customer_phone,
        self->customer_unit, self->natural_owner,  self->leader,
        self->factual_owner, self->handler,        self->department,
        self->guidance,      self->from_staff,     self->from_dept,
        self->to_staff,      self->to_dept,        self->sender,
        self->shirker,       self->shirker_dept,   self->lock_owner,
        self->lock_dept};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        s_put_str(out, strings[i]);
    int numbers[] = {self->urgency, self->channel, self->kind, self->disposition,
                     self->hops,    self->bounces, self->level};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        s_put_u64(out, (uint32_t)numbers[i], 4);
    s_put_u64(out, (uint64_t)self->sent_at_us, 8);
    s_put_set(out, self->passed_on);
    s_put_set(out, self->conflict_depts);
    s_put_set(out, self->granted);
    s_put_u64(out, zlistx_size(self->commands), 4);
    for (router_command_t *k = (router_command_t *)zlistx_first(self->commands); k;
         k = (router_command_t *)zlistx_next(self->commands)) {
        s_put(out, k->id, SW_EVENTID_SIZE);
        s_put_u64(out, (uint64_t)k->at_us, 8);
        size_t len = protobuf_c_message_get_packed_size(&k->cmd->base);
        uint8_t *buf = (uint8_t *)sw_malloc(len ? len : 1);
        protobuf_c_message_pack(&k->cmd->base, buf);
        s_put_u64(out, len, 4);
        s_put(out, buf, len);
        free(buf);
    }
    s_put_u64(out, zlistx_size(self->breaches), 4);
    for (uint8_t *id = (uint8_t *)zlistx_first(self->breaches); id;
         id = (uint8_t *)zlistx_next(self->breaches))
        s_put(out, id, SW_EVENTID_SIZE);
}

/* Reading: every take fails (and every later one) past the end. */
typedef struct {
    const uint8_t *data;
    size_t size, at;
    bool failed;
} s_reader_t;

static const uint8_t *s_take(s_reader_t *r, size_t n)
{
    if (r->failed || n > r->size - r->at) {
        r->failed = true;
        return NULL;
    }
    r->at += n;
    return r->data + r->at - n;
}

static uint64_t s_take_u64(s_reader_t *r, int n)
{
    const uint8_t *b = s_take(r, (size_t)n);
    uint64_t v = 0;
    for (int i = 0; b && i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static void s_take_id(s_reader_t *r, uint8_t *id)
{
    const uint8_t *b = s_take(r, SW_EVENTID_SIZE);
    if (b)
        memcpy(id, b, SW_EVENTID_SIZE);
}

/* A fresh string or NULL; *ok false when malformed. */
static char *s_take_str(s_reader_t *r)
{
    uint64_t len = s_take_u64(r, 4);
    if (r->failed || len == S_NULL)
        return NULL;
    const uint8_t *b = s_take(r, (size_t)len);
    if (!b || memchr(b, 0, (size_t)len)) {
        r->failed = true;
        return NULL;
    }
    char *text = (char *)sw_malloc((size_t)len + 1);
    memcpy(text, b, (size_t)len);
    text[len] = '\0';
    return text;
}

static void s_take_set(s_reader_t *r, zhashx_t *set)
{
    uint64_t n = s_take_u64(r, 4);
    for (uint64_t i = 0; i < n && !r->failed; i++) {
        char *key = s_take_str(r);
        if (key)
            zhashx_update(set, key, (void *)1);
        else
            r->failed = true;
        free(key);
    }
}

router_case_t *router_case_unpack(const uint8_t *data, size_t size)
{
    s_reader_t r = {data, size, 0, false};
    char *id = s_take_str(&r);
    if (!id || strlen(id) > SW_CASEID_STRLEN) {
        free(id);
        return NULL;
    }
    router_case_t *self = router_case_new(id);
    free(id);
    self->version = s_take_u64(&r, 8);
    const uint8_t *flags = s_take(&r, 9);
    if (flags) {
        r.failed = flags[0] > ROUTER_CLOSED || flags[1] > ROUTER_CLOSED;
        self->state = (router_state_t)flags[0];
        self->before_wait = (router_state_t)flags[1];
        self->received = flags[2];
        self->routed = flags[3];
        self->urgent_pending = flags[4];
        self->locked = flags[5];
        self->lock_pending = flags[6];
        self->leader_decided = flags[7];
        self->called_back = flags[8];
    }
    s_take_id(&r, self->inquiry_id);
    s_take_id(&r, self->routed_id);
    s_take_id(&r, self->lock_cause);
    char **strings[] = {
        &self->receiver,      &self->named_employee, &self->category,
        &self->linked_case,   &self->customer_name,  &self->customer_phone,
        &self->customer_unit, &self->natural_owner,  &self->leader,
        &self->factual_owner, &self->handler,        &self->department,
        &self->guidance,      &self->from_staff,     &self->from_dept,
        &self->to_staff,      &self->to_dept,        &self->sender,
        &self->shirker,       &self->shirker_dept,   &self->lock_owner,
        &self->lock_dept};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        *strings[i] = s_take_str(&r);
    int *numbers[] = {&self->urgency, &self->channel, &self->kind, &self->disposition,
                      &self->hops,    &self->bounces, &self->level};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        *numbers[i] = (int)(uint32_t)s_take_u64(&r, 4);
    self->sent_at_us = (int64_t)s_take_u64(&r, 8);
    s_take_set(&r, self->passed_on);
    s_take_set(&r, self->conflict_depts);
    s_take_set(&r, self->granted);
    uint64_t n = s_take_u64(&r, 4);
    for (uint64_t i = 0; i < n && !r.failed; i++) {
        router_command_t *k = (router_command_t *)zmalloc(sizeof(router_command_t));
        s_take_id(&r, k->id);
        k->at_us = (int64_t)s_take_u64(&r, 8);
        uint64_t len = s_take_u64(&r, 4);
        const uint8_t *packed = s_take(&r, (size_t)len);
        k->cmd = packed ? shouwen__v1__command__unpack(NULL, (size_t)len, packed) : NULL;
        if (k->cmd)
            zlistx_add_end(self->commands, k);
        else {
            r.failed = true;
            free(k);
        }
    }
    n = s_take_u64(&r, 4);
    for (uint64_t i = 0; i < n && !r.failed; i++) {
        uint8_t *b = (uint8_t *)sw_malloc(SW_EVENTID_SIZE);
        s_take_id(&r, b);
        zlistx_add_end(self->breaches, b);
    }
    if (r.failed || r.at != r.size)
        router_case_destroy(&self);
    return self;
}

bool router_case_settled(router_case_t *self)
{
    return self->state == ROUTER_CLOSED && self->received && self->routed &&
           !self->urgent_pending && !self->lock_pending &&
           zlistx_size(self->commands) == 0 && zlistx_size(self->breaches) == 0;
}
