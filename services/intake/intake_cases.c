/*  intake_cases: every case's holders and running deadlines, indexed for
    the branch queries (see intake_cases.h). */
#include "intake_cases.h"
#include "sw_hash.h"
#include "sw_alloc.h"

#include <czmq.h>
#include <sodium.h>

#define S_STAFF_SLOTS 4 /* first owner, factual owner, handler, pending receiver */
#define S_DEPT_SLOTS  2 /* handling department, pending department */

/* One running deadline (时限) of a case. */
typedef struct {
    char key[33];   /* its deadline.set event id, hex */
    int kind;       /* DeadlineKind */
    int64_t due_us; /* when it falls due */
    int64_t warn_us;
    const char *holder; /* staff who holds it (interned: intake_cases_t names) */
    const char *dept;
    const char *policy;
    int state;            /* DeadlineState */
    intake_case_t *owner; /* the case, borrowed */
} s_deadline_t;

/* Where a case sits in one index list, so it leaves in O(1). */
typedef struct {
    const char *id; /* the staff or department id, interned */
    zlistx_t *list; /* the index list, borrowed */
    void *handle;   /* this case in it */
} s_slot_t;

struct _intake_case_t {
    char case_id[24];
    int state;                          /* CaseState */
    char *unit, *name, *phone, *matter; /* the case's own */
    const char *category, *receiver;    /* interned, like every id below */
    int kind, urgency, channel;
    int64_t received_at_us;
    const char *first_owner, *factual_owner, *handler, *department; /* who holds it */
    const char *pending_staff, *pending_dept; /* passed on, not yet signed for */
    intake_cases_t *set;                      /* the table it is in, borrowed */
    bool waiting;
    uint64_t position;    /* of its last event */
    zlistx_t *phone_list; /* its phone's index list, borrowed; NULL when none */
    void *phone_handle;
    zlistx_t *deadlines; /* s_deadline_t, running */
    s_slot_t staff_slots[S_STAFF_SLOTS];
    s_slot_t dept_slots[S_DEPT_SLOTS];
};

struct _intake_cases_t {
    zhashx_t *cases;     /* case id -> intake_case_t (owned) */
    zhashx_t *by_staff;  /* staff id -> zlistx of intake_case_t (borrowed) */
    zhashx_t *by_dept;   /* department id -> zlistx */
    zhashx_t *by_phone;  /* phone digits -> zlistx */
    zhashx_t *deadlines; /* deadline key -> s_deadline_t (borrowed from its case) */
    bool rebuilding;     /* a closed case's events read again: keep it till the end */
    zhashx_t *names;     /* interned ids (staff, departments, categories, policies) */
    uint64_t deletes[3]; /* from cases, deadlines, by_phone: sw_hash.h */
};

/* One copy of each id however many cases name it (issue 10: memory); the
   table grows with the organisation, not with the log. */
static const char *s_name(intake_cases_t *self, const char *value)
{
    if (!value || !*value)
        return NULL;
    const char *v = (const char *)zhashx_lookup(self->names, value);
    if (!v) {
        char *copy = sw_strdup(value);
        zhashx_insert(self->names, copy, copy);
        v = copy;
    }
    return v;
}

/* An id field of a case: interned. */
#define s_id(c, field, value) ((c)->field = s_name((c)->set, (value)))

static void s_set(char **field, const char *value)
{
    if (*field && value && streq(*field, value))
        return;
    free(*field);
    *field = value && *value ? sw_strdup(value) : NULL;
}

static void s_deadline_free(void **item_p)
{
    s_deadline_t *d = (s_deadline_t *)*item_p;
    if (d) {
        free(d);
        *item_p = NULL;
    }
}

static void s_case_free(void **item_p)
{
    intake_case_t *c = (intake_case_t *)*item_p;
    if (!c)
        return;
    free(c->unit);
    free(c->name);
    free(c->phone);
    free(c->matter);
    zlistx_destroy(&c->deadlines);
    free(c);
    *item_p = NULL;
}

static void s_list_free(void **item_p)
{
    zlistx_destroy((zlistx_t **)item_p);
}

static void s_deadline_gone(intake_cases_t *self, const char *key)
{
    zhashx_delete(self->deadlines, key);
    sw_hashx_deleted(&self->deadlines, &self->deletes[1], NULL, false);
}

intake_cases_t *intake_cases_new(void)
{
    intake_cases_t *self = (intake_cases_t *)zmalloc(sizeof(intake_cases_t));
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_free);
    zhashx_t **lists[] = {&self->by_staff, &self->by_dept, &self->by_phone};
    for (size_t i = 0; i < 3; i++) {
        *lists[i] = zhashx_new();
        zhashx_set_destructor(*lists[i], s_list_free);
    }
    self->deadlines = zhashx_new();
    self->names = zhashx_new();
    zhashx_set_key_duplicator(self->names, NULL); /* the key is the item */
    zhashx_set_key_destructor(self->names, NULL);
    zhashx_set_destructor(self->names, (zhashx_destructor_fn *)zstr_free);
    return self;
}

void intake_cases_destroy(intake_cases_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_cases_t *self = *self_p;
    zhashx_destroy(&self->deadlines);
    zhashx_destroy(&self->by_staff);
    zhashx_destroy(&self->by_dept);
    zhashx_destroy(&self->by_phone);
    zhashx_destroy(&self->cases);
    zhashx_destroy(&self->names);
    free(self);
    *self_p = NULL;
}

size_t intake_cases_size(intake_cases_t *self)
{
    return zhashx_size(self->cases);
}

/* ---------------------------------------------------------- indices */

static zlistx_t *s_list(zhashx_t *index, const char *id)
{
    zlistx_t *l = (zlistx_t *)zhashx_lookup(index, id);
    if (!l) {
        l = zlistx_new();
        zhashx_insert(index, id, l);
    }
    return l;
}

/* Put the case in the lists of ids[] (NULL entries skipped), leaving the
   ones it no longer belongs to. */
static void s_reslot(zhashx_t *index, intake_case_t *c, s_slot_t *slots, int n,
                     const char *const *ids)
{
    for (int i = 0; i < n; i++) {
        const char *want = ids[i];
        for (int k = 0; k < i && want; k++) /* once per person */
            if (ids[k] && streq(ids[k], want))
                want = NULL;
        s_slot_t *s = &slots[i];
        if (s->id && want && streq(s->id, want))
            continue;
        if (s->id) {
            zlistx_delete(s->list, s->handle);
            s->id = NULL;
        }
        if (want) {
            s->id = s_name(c->set, want);
            s->list = s_list(index, want);
            s->handle = zlistx_add_end(s->list, c);
        }
    }
}

static void s_reindex(intake_cases_t *self, intake_case_t *c)
{
    bool open = c->state != SHOUWEN__V1__CASE_STATE__CASE_STATE_CLOSED;
    const char *staff[S_STAFF_SLOTS] = {NULL};
    const char *depts[S_DEPT_SLOTS] = {NULL};
    if (open) {
        staff[0] = c->first_owner;
        staff[1] = c->factual_owner;
        staff[2] = c->handler;
        staff[3] = c->pending_staff;
        depts[0] = c->department;
        depts[1] = c->pending_dept;
    }
    s_reslot(self->by_staff, c, c->staff_slots, S_STAFF_SLOTS, staff);
    s_reslot(self->by_dept, c, c->dept_slots, S_DEPT_SLOTS, depts);
}

/* A phone number as the index keys it: its digits (and a leading +). */
static void s_phone_key(const char *phone, char *key, size_t size)
{
    size_t n = 0;
    for (const char *p = phone ? phone : ""; *p && n + 1 < size; p++) {
        if (*p == 'x' || *p == ',')
            break; /* an extension is not part of the number */
        if (isdigit((unsigned char)*p) || (*p == '+' && n == 0))
            key[n++] = *p;
    }
    key[n] = 0;
}

static void s_phone_index(intake_cases_t *self, intake_case_t *c)
{
    char key[40];
    s_phone_key(c->phone, key, sizeof key);
    if (*key) {
        c->phone_list = s_list(self->by_phone, key);
        c->phone_handle = zlistx_add_end(c->phone_list, c);
    }
}

/* A closed case leaves intake's memory (issue 10): its indices, its
   deadlines, its details.  A late action on it reads its events from the
   log again (intake_cases_rebuild). */
static void s_drop(intake_cases_t *self, intake_case_t *c)
{
    const char *none[S_STAFF_SLOTS] = {NULL};
    s_reslot(self->by_staff, c, c->staff_slots, S_STAFF_SLOTS, none);
    s_reslot(self->by_dept, c, c->dept_slots, S_DEPT_SLOTS, none);
    for (s_deadline_t *d = (s_deadline_t *)zlistx_first(c->deadlines); d;
         d = (s_deadline_t *)zlistx_next(c->deadlines))
        s_deadline_gone(self, d->key);
    if (c->phone_list) {
        zlistx_delete(c->phone_list, c->phone_handle);
        if (zlistx_size(c->phone_list) == 0) {
            char key[40];
            s_phone_key(c->phone, key, sizeof key);
            zhashx_delete(self->by_phone, key);
            sw_hashx_deleted(&self->by_phone, &self->deletes[2], s_list_free, false);
        }
    }
    zhashx_delete(self->cases, c->case_id);
    sw_hashx_deleted(&self->cases, &self->deletes[0], s_case_free, false);
}

/* ------------------------------------------------------------ events */

static void s_received(intake_cases_t *self, const sw_envelope_t *env)
{
    if (zhashx_lookup(self->cases, env->case_id) || strlen(env->case_id) >= 24)
        return;
    const Shouwen__V1__InquiryReceived *r = env->inquiry_received;
    intake_case_t *c = (intake_case_t *)zmalloc(sizeof(intake_case_t));
    c->set = self;
    snprintf(c->case_id, sizeof c->case_id, "%s", env->case_id);
    c->state = SHOUWEN__V1__CASE_STATE__CASE_STATE_OPEN;
    if (r->customer) {
        s_set(&c->unit, r->customer->unit);
        s_set(&c->name, r->customer->name);
        s_set(&c->phone, r->customer->phone);
    }
    s_set(&c->matter, r->matter);
    s_id(c, category, r->category);
    s_id(c, receiver, r->receiver_staff_id);
    c->kind = r->kind;
    c->urgency = r->urgency;
    c->channel = r->channel;
    c->received_at_us = r->received_at_us;
    /* until router decides, the receiver holds it (R1) */
    s_id(c, first_owner, r->receiver_staff_id);
    c->deadlines = zlistx_new();
    zlistx_set_destructor(c->deadlines, s_deadline_free);
    zhashx_insert(self->cases, c->case_id, c);
    s_phone_index(self, c);
}

/* A case passed on (transfer, return, forward): it waits for the receiver. */
static void s_passed(intake_case_t *c, const Shouwen__V1__Handoff *h)
{
    if (!h)
        return;
    s_id(c, pending_staff, h->to_staff_id);
    s_id(c, pending_dept, h->to_department_id);
}

static void s_deadline_set(intake_cases_t *self, intake_case_t *c,
                           const sw_envelope_t *env)
{
    const Shouwen__V1__DeadlineSet *d = env->deadline_set;
    s_deadline_t *dl = (s_deadline_t *)zmalloc(sizeof(s_deadline_t));
    sodium_bin2hex(dl->key, sizeof dl->key, env->event_id.data,
                   env->event_id.len < 16 ? env->event_id.len : 16);
    if (zhashx_lookup(self->deadlines, dl->key)) {
        free(dl);
        return;
    }
    dl->kind = d->kind;
    dl->due_us = d->due_at_us;
    dl->warn_us = d->warn_at_us;
    dl->holder = s_name(self, d->holder_staff_id);
    dl->dept = s_name(self, d->department_id);
    dl->policy = s_name(self, d->policy);
    dl->state = SHOUWEN__V1__DEADLINE_STATE__DEADLINE_STATE_RUNNING;
    dl->owner = c;
    zlistx_add_end(c->deadlines, dl);
    zhashx_insert(self->deadlines, dl->key, dl);
}

static s_deadline_t *s_deadline(intake_cases_t *self, const ProtobufCBinaryData *id)
{
    char key[33];
    if (id->len != 16)
        return NULL;
    sodium_bin2hex(key, sizeof key, id->data, id->len);
    return (s_deadline_t *)zhashx_lookup(self->deadlines, key);
}

static void s_deadline_cleared(intake_cases_t *self, const ProtobufCBinaryData *id)
{
    s_deadline_t *d = s_deadline(self, id);
    if (!d)
        return;
    s_deadline_gone(self, d->key);
    intake_case_t *c = d->owner;
    void *h = zlistx_find(c->deadlines, d);
    if (h)
        zlistx_delete(c->deadlines, h);
}

static void s_clear_all(intake_cases_t *self, intake_case_t *c)
{
    for (s_deadline_t *d = (s_deadline_t *)zlistx_first(c->deadlines); d;
         d = (s_deadline_t *)zlistx_next(c->deadlines))
        s_deadline_gone(self, d->key);
    zlistx_purge(c->deadlines);
}

static void s_routed(intake_case_t *c, const Shouwen__V1__Routed *r)
{
    s_id(c, first_owner, r->natural_owner_id);
    s_id(c, factual_owner, r->factual_owner_id);
    s_id(c, handler, r->handler_id);
    s_id(c, department, r->department_id);
}

static void s_accepted(intake_case_t *c, const Shouwen__V1__Handoff *h)
{
    if (!h)
        return;
    const char *to = *h->to_staff_id ? h->to_staff_id : h->receiver_signer_id;
    s_id(c, factual_owner, to);
    s_id(c, handler, to);
    if (*h->to_department_id)
        s_id(c, department, h->to_department_id);
    s_id(c, pending_staff, NULL);
    s_id(c, pending_dept, NULL);
}

/* What an event changes in its case's holders and deadlines. */
static void s_apply(intake_cases_t *self, intake_case_t *c, const sw_envelope_t *env)
{
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        s_routed(c, env->routed);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        s_passed(c, env->transferred->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        s_passed(c, env->returned->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        s_passed(c, env->forwarded->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        s_accepted(c, env->accepted->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION:
        if (env->coordination->ownership_locked && *env->coordination->owner_staff_id)
            s_id(c, factual_owner, env->coordination->owner_staff_id);
        if (*env->coordination->lead_department_id)
            s_id(c, department, env->coordination->lead_department_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        c->state = SHOUWEN__V1__CASE_STATE__CASE_STATE_RESOLVED;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        c->state = SHOUWEN__V1__CASE_STATE__CASE_STATE_OPEN;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        c->state = SHOUWEN__V1__CASE_STATE__CASE_STATE_CLOSED;
        s_clear_all(self, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_WAITING:
        c->waiting = env->waiting->waiting;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        s_deadline_set(self, c, env);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING: {
        s_deadline_t *d = s_deadline(self, &env->deadline_warning->deadline_event_id);
        if (d && d->state == SHOUWEN__V1__DEADLINE_STATE__DEADLINE_STATE_RUNNING)
            d->state = SHOUWEN__V1__DEADLINE_STATE__DEADLINE_STATE_WARNED;
        break;
    }
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED: {
        s_deadline_t *d = s_deadline(self, &env->deadline_breached->deadline_event_id);
        if (d)
            d->state = SHOUWEN__V1__DEADLINE_STATE__DEADLINE_STATE_BREACHED;
        break;
    }
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED:
        s_deadline_cleared(self, &env->deadline_cleared->deadline_event_id);
        break;
    default:
        break;
    }
}

bool intake_cases_note(intake_cases_t *self, uint64_t position, const sw_envelope_t *env)
{
    if (!env->case_id || !*env->case_id)
        return false;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
        s_received(self, env);
    intake_case_t *c = (intake_case_t *)zhashx_lookup(self->cases, env->case_id);
    if (!c)
        return env->body_case == SHOUWEN__V1__ENVELOPE__BODY_REOPENED;
    c->position = position;
    s_apply(self, c, env);
    s_reindex(self, c);
    if (c->state == SHOUWEN__V1__CASE_STATE__CASE_STATE_CLOSED && !self->rebuilding)
        s_drop(self, c);
    return false;
}

bool intake_cases_rebuild(intake_cases_t *self, const char *case_id, size_t n,
                          const uint64_t *positions, sw_envelope_t **envs)
{
    if (zhashx_lookup(self->cases, case_id))
        return false;
    self->rebuilding = true;
    for (size_t i = 0; i < n; i++)
        if (envs[i] && envs[i]->case_id && streq(envs[i]->case_id, case_id))
            intake_cases_note(self, positions[i], envs[i]);
    self->rebuilding = false;
    intake_case_t *c = (intake_case_t *)zhashx_lookup(self->cases, case_id);
    if (c && c->state == SHOUWEN__V1__CASE_STATE__CASE_STATE_CLOSED) {
        s_drop(self, c);
        return false;
    }
    return c != NULL;
}

/* ---------------------------------------------------------- snapshot */

/* Format: count, then per case its fields and its running deadlines. */
void intake_cases_save(intake_cases_t *self, sw_snapshot_t *snap)
{
    sw_snapshot_put_u64(snap, zhashx_size(self->cases));
    for (intake_case_t *c = (intake_case_t *)zhashx_first(self->cases); c;
         c = (intake_case_t *)zhashx_next(self->cases)) {
        sw_snapshot_put_str(snap, c->case_id);
        sw_snapshot_put_u32(snap, (uint32_t)c->state);
        const char *strs[] = {c->unit,        c->name,          c->phone,
                              c->matter,      c->category,      c->receiver,
                              c->first_owner, c->factual_owner, c->handler,
                              c->department,  c->pending_staff, c->pending_dept};
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
            sw_snapshot_put_str(snap, strs[i]);
        sw_snapshot_put_u32(snap, (uint32_t)c->kind);
        sw_snapshot_put_u32(snap, (uint32_t)c->urgency);
        sw_snapshot_put_u32(snap, (uint32_t)c->channel);
        sw_snapshot_put_i64(snap, c->received_at_us);
        sw_snapshot_put_u8(snap, c->waiting);
        sw_snapshot_put_u64(snap, c->position);
        sw_snapshot_put_u32(snap, (uint32_t)zlistx_size(c->deadlines));
        for (s_deadline_t *d = (s_deadline_t *)zlistx_first(c->deadlines); d;
             d = (s_deadline_t *)zlistx_next(c->deadlines)) {
            sw_snapshot_put_str(snap, d->key);
            sw_snapshot_put_u32(snap, (uint32_t)d->kind);
            sw_snapshot_put_i64(snap, d->due_us);
            sw_snapshot_put_i64(snap, d->warn_us);
            sw_snapshot_put_str(snap, d->holder);
            sw_snapshot_put_str(snap, d->dept);
            sw_snapshot_put_str(snap, d->policy);
            sw_snapshot_put_u32(snap, (uint32_t)d->state);
        }
    }
}

static bool s_get_int(sw_snapshot_t *snap, int *v)
{
    uint32_t u = 0;
    bool ok = sw_snapshot_get_u32(snap, &u);
    *v = (int)u;
    return ok;
}

bool intake_cases_load(intake_cases_t *self, sw_snapshot_t *snap)
{
    uint64_t count = 0;
    if (!sw_snapshot_get_u64(snap, &count))
        return false;
    for (uint64_t k = 0; k < count; k++) {
        char *id = NULL;
        if (!sw_snapshot_get_str(snap, &id) || !id || strlen(id) >= 24) {
            free(id);
            return false;
        }
        intake_case_t *c = (intake_case_t *)zmalloc(sizeof(intake_case_t));
        c->set = self;
        snprintf(c->case_id, sizeof c->case_id, "%s", id);
        free(id);
        c->deadlines = zlistx_new();
        zlistx_set_destructor(c->deadlines, s_deadline_free);
        char *strs[12] = {NULL};
        bool ok = s_get_int(snap, &c->state);
        for (size_t i = 0; i < 12; i++)
            ok = ok && sw_snapshot_get_str(snap, &strs[i]);
        c->unit = strs[0], c->name = strs[1], c->phone = strs[2], c->matter = strs[3];
        const char **ids[] = {&c->category,      &c->receiver,    &c->first_owner,
                              &c->factual_owner, &c->handler,     &c->department,
                              &c->pending_staff, &c->pending_dept};
        for (size_t i = 0; i < 8; i++) {
            *ids[i] = s_name(self, strs[4 + i]);
            free(strs[4 + i]);
        }
        uint8_t waiting = 0;
        uint32_t n = 0;
        ok = ok && s_get_int(snap, &c->kind) && s_get_int(snap, &c->urgency) &&
             s_get_int(snap, &c->channel) &&
             sw_snapshot_get_i64(snap, &c->received_at_us) &&
             sw_snapshot_get_u8(snap, &waiting) &&
             sw_snapshot_get_u64(snap, &c->position) && sw_snapshot_get_u32(snap, &n);
        c->waiting = waiting != 0;
        if (!ok || zhashx_lookup(self->cases, c->case_id)) {
            void *item = c;
            s_case_free(&item);
            return false;
        }
        zhashx_insert(self->cases, c->case_id, c);
        s_phone_index(self, c);
        for (uint32_t i = 0; i < n; i++) {
            s_deadline_t *d = (s_deadline_t *)zmalloc(sizeof(s_deadline_t));
            char *key = NULL, *holder = NULL, *dept = NULL, *policy = NULL;
            ok = sw_snapshot_get_str(snap, &key) && key && strlen(key) < sizeof d->key &&
                 s_get_int(snap, &d->kind) && sw_snapshot_get_i64(snap, &d->due_us) &&
                 sw_snapshot_get_i64(snap, &d->warn_us) &&
                 sw_snapshot_get_str(snap, &holder) && sw_snapshot_get_str(snap, &dept) &&
                 sw_snapshot_get_str(snap, &policy) && s_get_int(snap, &d->state);
            if (key)
                snprintf(d->key, sizeof d->key, "%s", key);
            d->holder = s_name(self, holder);
            d->dept = s_name(self, dept);
            d->policy = s_name(self, policy);
            free(key);
            free(holder);
            free(dept);
            free(policy);
            if (!ok || zhashx_lookup(self->deadlines, d->key)) {
                void *item = d;
                s_deadline_free(&item);
                return false;
            }
            d->owner = c;
            zlistx_add_end(c->deadlines, d);
            zhashx_insert(self->deadlines, d->key, d);
        }
        s_reindex(self, c);
    }
    return true;
}

/* ------------------------------------------------------------ queries */

static void s_each(zlistx_t *l, intake_cases_fn *fn, void *arg)
{
    if (!l)
        return;
    /* walk by handles: the callback does not change the list */
    for (void *h = zlistx_first(l) ? zlistx_cursor(l) : NULL; h;) {
        intake_case_t *c = (intake_case_t *)zlistx_handle_item(h);
        void *next = zlistx_next(l) ? zlistx_cursor(l) : NULL;
        if (!fn(arg, c))
            return;
        h = next;
    }
}

void intake_cases_of_staff(intake_cases_t *self, const char *staff, intake_cases_fn *fn,
                           void *arg)
{
    s_each((zlistx_t *)zhashx_lookup(self->by_staff, staff), fn, arg);
}

void intake_cases_of_department(intake_cases_t *self, const char *dept,
                                intake_cases_fn *fn, void *arg)
{
    s_each((zlistx_t *)zhashx_lookup(self->by_dept, dept), fn, arg);
}

void intake_cases_of_phone(intake_cases_t *self, const char *phone, intake_cases_fn *fn,
                           void *arg)
{
    char key[40];
    s_phone_key(phone, key, sizeof key);
    if (*key)
        s_each((zlistx_t *)zhashx_lookup(self->by_phone, key), fn, arg);
}

void intake_cases_due(intake_cases_t *self, int64_t due_before_us, intake_cases_fn *fn,
                      void *arg)
{
    /* each case once, however many of its deadlines fall due */
    zhashx_t *seen = zhashx_new();
    for (s_deadline_t *d = (s_deadline_t *)zhashx_first(self->deadlines); d;
         d = (s_deadline_t *)zhashx_next(self->deadlines)) {
        if (d->due_us > due_before_us || zhashx_lookup(seen, d->owner->case_id))
            continue;
        zhashx_insert(seen, d->owner->case_id, d->owner);
    }
    for (intake_case_t *c = (intake_case_t *)zhashx_first(seen); c;
         c = (intake_case_t *)zhashx_next(seen))
        if (!fn(arg, c))
            break;
    zhashx_destroy(&seen);
}

const intake_case_t *intake_cases_find(intake_cases_t *self, const char *case_id)
{
    return case_id ? (const intake_case_t *)zhashx_lookup(self->cases, case_id) : NULL;
}

const char *intake_case_id(const intake_case_t *c)
{
    return c->case_id;
}

bool intake_case_has_deadline(const intake_case_t *c, int64_t due_before_us, int kind,
                              const char *staff, const char *dept)
{
    for (void *h = zlistx_first(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL; h;
         h = zlistx_next(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL) {
        const s_deadline_t *d = (const s_deadline_t *)zlistx_handle_item(h);
        if ((!due_before_us || d->due_us <= due_before_us) &&
            (!kind || d->kind == kind) &&
            (!staff || (d->holder && streq(d->holder, staff))) &&
            (!dept || (d->dept && streq(d->dept, dept))))
            return true;
    }
    return false;
}

bool intake_case_any_deadline(const intake_case_t *c, int64_t due_before_us, int kind,
                              intake_deadline_pred *pred, void *arg)
{
    for (void *h = zlistx_first(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL; h;
         h = zlistx_next(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL) {
        const s_deadline_t *d = (const s_deadline_t *)zlistx_handle_item(h);
        if (d->due_us <= due_before_us && (!kind || d->kind == kind) &&
            pred(arg, d->holder, d->dept))
            return true;
    }
    return false;
}

int64_t intake_case_next_due(const intake_case_t *c)
{
    int64_t next = INT64_MAX;
    for (void *h = zlistx_first(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL; h;
         h = zlistx_next(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL) {
        const s_deadline_t *d = (const s_deadline_t *)zlistx_handle_item(h);
        if (d->due_us < next)
            next = d->due_us;
    }
    return next;
}

/* ------------------------------------------------------------ answers */

static char *s_str(const char *v)
{
    return (char *)(v ? v : "");
}

Shouwen__V1__CaseSummary *intake_cases_summary(const intake_case_t *c, const char *staff)
{
    Shouwen__V1__CaseSummary *s =
        (Shouwen__V1__CaseSummary *)zmalloc(sizeof(Shouwen__V1__CaseSummary));
    shouwen__v1__case_summary__init(s);
    Shouwen__V1__Customer *cu = (Shouwen__V1__Customer *)zmalloc(sizeof *cu);
    shouwen__v1__customer__init(cu);
    cu->unit = s_str(c->unit);
    cu->name = s_str(c->name);
    cu->phone = s_str(c->phone);
    s->customer = cu;
    s->case_id = (char *)c->case_id;
    s->state = c->state;
    s->matter = s_str(c->matter);
    s->category = s_str(c->category);
    s->kind = c->kind;
    s->urgency = c->urgency;
    s->channel = c->channel;
    s->received_at_us = c->received_at_us;
    s->receiver_staff_id = s_str(c->receiver);
    s->first_owner_id = s_str(c->first_owner);
    s->factual_owner_id = s_str(c->factual_owner);
    s->handler_id = s_str(c->handler);
    s->department_id = s_str(c->department);
    s->pending_to_staff_id = s_str(c->pending_staff);
    s->pending_to_department_id = s_str(c->pending_dept);
    s->waiting = c->waiting;
    s->position = c->position;
    size_t n = zlistx_size(c->deadlines);
    s->deadlines = (Shouwen__V1__RunningDeadline **)sw_calloc(n ? n : 1, sizeof(void *));
    for (void *h = zlistx_first(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL;
         h && s->n_deadlines < n;
         h = zlistx_next(c->deadlines) ? zlistx_cursor(c->deadlines) : NULL) {
        const s_deadline_t *d = (const s_deadline_t *)zlistx_handle_item(h);
        Shouwen__V1__RunningDeadline *r =
            (Shouwen__V1__RunningDeadline *)zmalloc(sizeof *r);
        shouwen__v1__running_deadline__init(r);
        r->kind = d->kind;
        r->due_at_us = d->due_us;
        r->warn_at_us = d->warn_us;
        r->holder_staff_id = s_str(d->holder);
        r->department_id = s_str(d->dept);
        r->state = d->state;
        r->policy = s_str(d->policy);
        s->deadlines[s->n_deadlines++] = r;
    }
    if (staff) {
        static const char *names[] = {"first_owner", "factual_owner", "handler",
                                      "receiver"};
        const char *who[] = {c->first_owner, c->factual_owner, c->handler,
                             c->pending_staff};
        s->roles = (char **)sw_calloc(4, sizeof(char *));
        for (int i = 0; i < 4; i++)
            if (who[i] && streq(who[i], staff))
                s->roles[s->n_roles++] = (char *)names[i];
    }
    return s;
}

void intake_cases_summary_free(Shouwen__V1__CaseSummary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_deadlines; i++)
        free(s->deadlines[i]);
    free(s->deadlines);
    free(s->roles);
    free(s->customer);
    free(s);
}
