/*  intake_access: the organisation in force and every case's parties
    (see intake_access.h).  */
#include "intake_access.h"
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
    zhashx_t *cases;        /* case id -> s_parties_t */
};

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

static void s_add(intake_access_t *self, s_parties_t *p, const char *branch)
{
    if (!branch || !*branch)
        return;
    uint32_t b = s_branch_index(self, branch);
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

void intake_access_note(intake_access_t *self, const sw_envelope_t *env)
{
    if (!env->case_id || !*env->case_id)
        return;
    s_parties_t *p = (s_parties_t *)zhashx_lookup(self->cases, env->case_id);
    if (!p) {
        if (env->body_case != SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
            return; /* only an inquiry opens a case */
        p = (s_parties_t *)zmalloc(sizeof(s_parties_t));
        p->branches = p->inline_slots;
        p->size = 2;
        zhashx_insert(self->cases, env->case_id, p);
    }
    s_note_parties(self, p, env);
}

bool intake_access_case_exists(intake_access_t *self, const char *case_id)
{
    return case_id && zhashx_lookup(self->cases, case_id) != NULL;
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
    s_parties_t *p = case_id ? (s_parties_t *)zhashx_lookup(self->cases, case_id) : NULL;
    uintptr_t b = branch ? (uintptr_t)zhashx_lookup(self->branch_index, branch) : 0;
    if (!p || !b)
        return false;
    for (uint16_t i = 0; i < p->count; i++)
        if (p->branches[i] == (uint32_t)(b - 1))
            return true;
    return false;
}
