/*  intake_access: the organisation in force and every case's parties
    (see intake_access.h).  */
#include "intake_access.h"
#include "sw_hash.h"
#include "sw_alloc.h"

#include <czmq.h>

/* A case's branch offices, as indices into the branch table; most cases
   have one or two. */
typedef struct {
    uint16_t count;
    uint16_t size;
    uint32_t *branches;
    uint32_t inline_slots[2];
} s_parties_t;

struct _intake_access_t {
    sw_directory_t *dir;    /* the organisation in force, or NULL */
    zhashx_t *branch_index; /* branch id -> index + 1 */
    zlistx_t *branch_ids;   /* index -> branch id (owned strings) */
    zhashx_t *cases;        /* case id -> s_parties_t, open cases */
    zhashx_t *closed;       /* case id -> s_parties_t, closed ones read again */
    zlistx_t *closed_order; /* their ids, oldest first */
    uint64_t deletes[2];    /* from cases, closed: sw_hash.h */
};

#define S_CLOSED_KEPT 4096 /* closed cases read from the log, kept */

static void s_parties_destroy(void **item_p)
{
    s_parties_t *p = (s_parties_t *)*item_p;
    if (p) {
        if (p->branches != p->inline_slots)
            free(p->branches);
        free(p);
        *item_p = NULL;
    }
}

intake_access_t *intake_access_new(void)
{
    intake_access_t *self = (intake_access_t *)zmalloc(sizeof(intake_access_t));
    self->branch_index = zhashx_new();
    self->branch_ids = zlistx_new();
    zlistx_set_destructor(self->branch_ids, (zlistx_destructor_fn *)zstr_free);
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_parties_destroy);
    self->closed = zhashx_new();
    zhashx_set_destructor(self->closed, s_parties_destroy);
    self->closed_order = zlistx_new();
    zlistx_set_destructor(self->closed_order, (zlistx_destructor_fn *)zstr_free);
    return self;
}

void intake_access_destroy(intake_access_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_access_t *self = *self_p;
    sw_directory_destroy(&self->dir);
    zhashx_destroy(&self->branch_index);
    zlistx_destroy(&self->branch_ids);
    zhashx_destroy(&self->cases);
    zhashx_destroy(&self->closed);
    zlistx_destroy(&self->closed_order);
    free(self);
    *self_p = NULL;
}

void intake_access_set_directory(intake_access_t *self, sw_directory_t **dir_p)
{
    if (!dir_p || !*dir_p)
        return;
    sw_directory_destroy(&self->dir);
    self->dir = *dir_p;
    *dir_p = NULL;
}

sw_directory_t *intake_access_directory(intake_access_t *self)
{
    return self->dir;
}

static uint32_t s_branch_index(intake_access_t *self, const char *branch)
{
    uintptr_t i = (uintptr_t)zhashx_lookup(self->branch_index, branch);
    if (i)
        return (uint32_t)(i - 1);
    i = zlistx_size(self->branch_ids);
    zlistx_add_end(self->branch_ids, sw_strdup(branch));
    zhashx_insert(self->branch_index, branch, (void *)(i + 1));
    return (uint32_t)i;
}

static void s_add_index(s_parties_t *p, uint32_t b);

static void s_add(intake_access_t *self, s_parties_t *p, const char *branch)
{
    if (!branch || !*branch)
        return;
    s_add_index(p, s_branch_index(self, branch));
}

static void s_add_index(s_parties_t *p, uint32_t b)
{
    for (uint16_t i = 0; i < p->count; i++)
        if (p->branches[i] == b)
            return;
    if (p->count == p->size) {
        uint16_t size = (uint16_t)(p->size * 2);
        uint32_t *grown = (uint32_t *)sw_malloc(size * sizeof *grown);
        memcpy(grown, p->branches, p->count * sizeof *grown);
        if (p->branches != p->inline_slots)
            free(p->branches);
        p->branches = grown;
        p->size = size;
    }
    p->branches[p->count++] = b;
}

static void s_staff(intake_access_t *self, s_parties_t *p, const char *staff)
{
    if (self->dir && staff && *staff)
        s_add(self, p, sw_directory_staff(self->dir, staff, "branch"));
}

static void s_dept(intake_access_t *self, s_parties_t *p, const char *dept)
{
    if (self->dir && dept && *dept)
        s_add(self, p, sw_directory_department(self->dir, dept, "branch"));
}

/* R10: the QA office receives a copy, so its branch reads the case */
static void s_qa_copy(intake_access_t *self, s_parties_t *p, const Shouwen__V1__QaCopy *q)
{
    if (!q)
        return;
    s_staff(self, p, q->staff_id);
    s_dept(self, p, q->department_id);
}

static void s_handoff(intake_access_t *self, s_parties_t *p,
                      const Shouwen__V1__Handoff *h)
{
    if (!h)
        return;
    s_staff(self, p, h->from_staff_id);
    s_staff(self, p, h->to_staff_id);
    s_staff(self, p, h->sender_signer_id);
    s_staff(self, p, h->receiver_signer_id);
    s_dept(self, p, h->from_department_id);
    s_dept(self, p, h->to_department_id);
}

/* Everyone an event names as having a part in its case. */
static void s_note_parties(intake_access_t *self, s_parties_t *p,
                           const sw_envelope_t *env)
{
    s_staff(self, p, env->actor);
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED: {
        const Shouwen__V1__InquiryReceived *r = env->inquiry_received;
        s_add(self, p, r->branch_id);
        s_staff(self, p, r->receiver_staff_id);
        s_staff(self, p, r->named_employee_id);
        break;
    }
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED: {
        const Shouwen__V1__Routed *r = env->routed;
        s_staff(self, p, r->natural_owner_id);
        s_staff(self, p, r->factual_owner_id);
        s_staff(self, p, r->handler_id);
        s_staff(self, p, r->leader_id);
        s_dept(self, p, r->department_id);
        for (size_t i = 0; i < r->n_department_ids; i++)
            s_dept(self, p, r->department_ids[i]);
        break;
    }
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        s_handoff(self, p, env->transferred->handoff);
        s_qa_copy(self, p, env->transferred->qa_copy);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        s_handoff(self, p, env->accepted->handoff);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        s_handoff(self, p, env->returned->handoff);
        s_qa_copy(self, p, env->returned->qa_copy);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        s_handoff(self, p, env->forwarded->handoff);
        s_qa_copy(self, p, env->forwarded->qa_copy);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        s_staff(self, p, env->escalated->to_staff_id);
        s_dept(self, p, env->escalated->department_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION: {
        const Shouwen__V1__Coordination *k = env->coordination;
        s_dept(self, p, k->lead_department_id);
        for (size_t i = 0; i < k->n_assisting_department_ids; i++)
            s_dept(self, p, k->assisting_department_ids[i]);
        s_staff(self, p, k->supervisor_id);
        s_staff(self, p, k->owner_staff_id); /* R18: the owner after a lock */
        break;
    }
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED:
        s_add(self, p, env->command_received->branch_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        s_qa_copy(self, p, env->deadline_breached->qa_copy);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        s_staff(self, p, env->deadline_set->holder_staff_id);
        s_dept(self, p, env->deadline_set->department_id);
        break;
    default:
        break;
    }
}

static void s_closed_gone(intake_access_t *self, const char *case_id)
{
    zhashx_delete(self->closed, case_id);
    sw_hashx_deleted(&self->closed, &self->deletes[1], s_parties_destroy, false);
}

static s_parties_t *s_parties_new(void)
{
    s_parties_t *p = (s_parties_t *)zmalloc(sizeof(s_parties_t));
    p->branches = p->inline_slots;
    p->size = 2;
    return p;
}

void intake_access_note(intake_access_t *self, const sw_envelope_t *env)
{
    if (!env->case_id || !*env->case_id)
        return;
    s_parties_t *p = (s_parties_t *)zhashx_lookup(self->cases, env->case_id);
    if (!p) {
        if (env->body_case != SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
            return; /* only an inquiry opens a case */
        p = s_parties_new();
        zhashx_insert(self->cases, env->case_id, p);
    }
    s_note_parties(self, p, env);
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_CLOSED) {
        zhashx_delete(self->cases, env->case_id); /* issue 10: only what is live */
        sw_hashx_deleted(&self->cases, &self->deletes[0], s_parties_destroy, false);
    }
}

/* A closed case read again is kept among the last S_CLOSED_KEPT. */
static void s_keep_closed(intake_access_t *self, const char *case_id, s_parties_t *p)
{
    s_closed_gone(self, case_id);
    zhashx_insert(self->closed, case_id, p);
    zlistx_add_end(self->closed_order, sw_strdup(case_id));
    while (zlistx_size(self->closed_order) > S_CLOSED_KEPT) {
        char *old = (char *)zlistx_first(self->closed_order);
        if (!zhashx_lookup(self->cases, old))
            s_closed_gone(self, old);
        zlistx_delete(self->closed_order, zlistx_cursor(self->closed_order));
    }
}

bool intake_access_rebuild(intake_access_t *self, const char *case_id, size_t n,
                           sw_envelope_t **envs)
{
    if (zhashx_lookup(self->cases, case_id))
        return true;
    s_parties_t *p = NULL;
    bool closed = false;
    for (size_t i = 0; i < n; i++) {
        const sw_envelope_t *env = envs[i];
        if (!env || !env->case_id || !streq(env->case_id, case_id))
            continue;
        if (!p && env->body_case != SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
            continue;
        if (!p)
            p = s_parties_new();
        s_note_parties(self, p, env);
        if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_CLOSED)
            closed = true;
        else if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_REOPENED)
            closed = false;
    }
    if (!p)
        return false;
    if (closed)
        s_keep_closed(self, case_id, p);
    else {
        s_closed_gone(self, case_id);
        zhashx_insert(self->cases, case_id, p);
    }
    return true;
}

static s_parties_t *s_find(intake_access_t *self, const char *case_id)
{
    if (!case_id)
        return NULL;
    s_parties_t *p = (s_parties_t *)zhashx_lookup(self->cases, case_id);
    return p ? p : (s_parties_t *)zhashx_lookup(self->closed, case_id);
}

bool intake_access_case_exists(intake_access_t *self, const char *case_id)
{
    return s_find(self, case_id) != NULL;
}

bool intake_access_case_open(intake_access_t *self, const char *case_id)
{
    return case_id && zhashx_lookup(self->cases, case_id) != NULL;
}

/* Format: the branch table in index order, then each open case's id and
   branch indices. */
void intake_access_save(intake_access_t *self, sw_snapshot_t *snap)
{
    sw_snapshot_put_u32(snap, (uint32_t)zlistx_size(self->branch_ids));
    for (const char *b = (const char *)zlistx_first(self->branch_ids); b;
         b = (const char *)zlistx_next(self->branch_ids))
        sw_snapshot_put_str(snap, b);
    sw_snapshot_put_u64(snap, zhashx_size(self->cases));
    for (s_parties_t *p = (s_parties_t *)zhashx_first(self->cases); p;
         p = (s_parties_t *)zhashx_next(self->cases)) {
        sw_snapshot_put_str(snap, (const char *)zhashx_cursor(self->cases));
        sw_snapshot_put_u32(snap, p->count);
        for (uint16_t i = 0; i < p->count; i++)
            sw_snapshot_put_u32(snap, p->branches[i]);
    }
}

bool intake_access_load(intake_access_t *self, sw_snapshot_t *snap)
{
    uint32_t nb = 0;
    if (!sw_snapshot_get_u32(snap, &nb) || zlistx_size(self->branch_ids) != 0)
        return false;
    for (uint32_t i = 0; i < nb; i++) {
        char *b = NULL;
        if (!sw_snapshot_get_str(snap, &b) || !b ||
            zhashx_lookup(self->branch_index, b)) {
            free(b);
            return false;
        }
        s_branch_index(self, b);
        free(b);
    }
    uint64_t count = 0;
    if (!sw_snapshot_get_u64(snap, &count))
        return false;
    for (uint64_t k = 0; k < count; k++) {
        char *id = NULL;
        uint32_t n = 0;
        if (!sw_snapshot_get_str(snap, &id) || !id || !sw_snapshot_get_u32(snap, &n) ||
            n > UINT16_MAX / 2 || zhashx_lookup(self->cases, id)) {
            free(id);
            return false;
        }
        s_parties_t *p = s_parties_new();
        zhashx_insert(self->cases, id, p);
        free(id);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t b = UINT32_MAX;
            if (!sw_snapshot_get_u32(snap, &b) || b >= nb)
                return false;
            s_add_index(p, b);
        }
    }
    return true;
}

size_t intake_access_case_count(intake_access_t *self)
{
    return zhashx_size(self->cases);
}

const char *intake_access_staff_branch(intake_access_t *self, const char *staff)
{
    return self->dir && staff ? sw_directory_staff(self->dir, staff, "branch") : NULL;
}

bool intake_access_may_read(intake_access_t *self, const char *branch,
                            const char *case_id)
{
    s_parties_t *p = s_find(self, case_id);
    uintptr_t b = branch ? (uintptr_t)zhashx_lookup(self->branch_index, branch) : 0;
    if (!p || !b)
        return false;
    for (uint16_t i = 0; i < p->count; i++)
        if (p->branches[i] == (uint32_t)(b - 1))
            return true;
    return false;
}
