/*  intake_watch: notifications for a branch's staff and departments, kept
    and pushed (see intake_watch.h). */
#include "intake_watch.h"
#include "sw_alloc.h"

#define S_MAX_IDS   8   /* staff or departments one notification names */
#define S_BATCH     200 /* notifications per pushed message */
#define S_MAX_WATCH 64  /* staff or departments one watch names */

/* One notification for one branch, as kept. */
typedef struct {
    uint64_t position;
    char *branch;
    Shouwen__V1__Notification *n; /* owned, with its strings */
} s_kept_t;

/* A connection that watches. */
typedef struct {
    char key[64]; /* routing id, hex */
    zframe_t *routing_id;
    bool delimiter;
    char *request_id; /* of the watch request: pushes carry it */
    char *branch;
    zlistx_t *staff; /* char *, owned; empty with depts empty: all */
    zlistx_t *depts;
    double heard;         /* loop time of the last ack */
    bool paging;          /* its resume is read from the log: nothing pushed meanwhile */
    uint64_t paged;       /* the log read for it up to here */
    uint64_t lost_before; /* what it was told was lost (oldest_kept), 0: none */
    bool from_log;        /* its resume was read from the log */
} s_watcher_t;

struct _intake_watch_t {
    zlistx_t *kept;     /* s_kept_t, oldest first */
    size_t keep;        /* at most this many */
    uint64_t oldest;    /* position of the first dropped + 1 (0: none dropped) */
    zhashx_t *watchers; /* routing key -> s_watcher_t */
    double idle_s;
    intake_watch_send_fn *send;
    void *arg;
    uint64_t pushed;
};

/* -------------------------------------------------------- notifications */

static void s_notification_free(Shouwen__V1__Notification *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_staff_ids; i++)
        free(n->staff_ids[i]);
    for (size_t i = 0; i < n->n_department_ids; i++)
        free(n->department_ids[i]);
    free(n->staff_ids);
    free(n->department_ids);
    free(n->case_id);
    free(n->actor);
    free(n->from_staff_id);
    free(n->from_department_id);
    free(n->text);
    free(n);
}

static void s_kept_free(void **item_p)
{
    s_kept_t *k = (s_kept_t *)*item_p;
    if (k) {
        s_notification_free(k->n);
        free(k->branch);
        free(k);
        *item_p = NULL;
    }
}

static void s_watcher_free(void **item_p)
{
    s_watcher_t *w = (s_watcher_t *)*item_p;
    if (w) {
        zframe_destroy(&w->routing_id);
        free(w->request_id);
        free(w->branch);
        zlistx_destroy(&w->staff);
        zlistx_destroy(&w->depts);
        free(w);
        *item_p = NULL;
    }
}

intake_watch_t *intake_watch_new(size_t keep, double idle_s, intake_watch_send_fn *send,
                                 void *arg)
{
    intake_watch_t *self = (intake_watch_t *)zmalloc(sizeof(intake_watch_t));
    self->kept = zlistx_new();
    zlistx_set_destructor(self->kept, s_kept_free);
    self->keep = keep ? keep : 1;
    self->watchers = zhashx_new();
    zhashx_set_destructor(self->watchers, s_watcher_free);
    self->idle_s = idle_s;
    self->send = send;
    self->arg = arg;
    return self;
}

void intake_watch_destroy(intake_watch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_watch_t *self = *self_p;
    zlistx_destroy(&self->kept);
    zhashx_destroy(&self->watchers);
    free(self);
    *self_p = NULL;
}

/* The notifications of one event, one per branch (up to 4 branches). */
typedef struct {
    sw_directory_t *dir;
    const char *branches[4];
    Shouwen__V1__Notification *n[4];
    size_t count;
    const sw_envelope_t *env;
    uint64_t position;
    int kind;
} s_fanout_t;

static Shouwen__V1__Notification *s_for_branch(s_fanout_t *f, const char *branch)
{
    for (size_t i = 0; i < f->count; i++)
        if (streq(f->branches[i], branch))
            return f->n[i];
    if (f->count == 4)
        return NULL;
    Shouwen__V1__Notification *n =
        (Shouwen__V1__Notification *)zmalloc(sizeof(Shouwen__V1__Notification));
    shouwen__v1__notification__init(n);
    n->position = f->position;
    n->kind = f->kind;
    n->case_id = sw_strdup(f->env->case_id);
    n->occurred_at_us = f->env->occurred_at_us;
    n->actor = sw_strdup(f->env->actor ? f->env->actor : "");
    n->from_staff_id = sw_strdup("");
    n->from_department_id = sw_strdup("");
    n->text = sw_strdup("");
    n->staff_ids = (char **)sw_calloc(S_MAX_IDS, sizeof(char *));
    n->department_ids = (char **)sw_calloc(S_MAX_IDS, sizeof(char *));
    f->branches[f->count] = branch;
    f->n[f->count++] = n;
    return n;
}

static void s_add_id(char **ids, size_t *count, const char *id)
{
    for (size_t i = 0; i < *count; i++)
        if (streq(ids[i], id))
            return;
    if (*count < S_MAX_IDS)
        ids[(*count)++] = sw_strdup(id);
}

static void s_staff(s_fanout_t *f, const char *staff)
{
    if (!staff || !*staff)
        return;
    const char *b = sw_directory_staff(f->dir, staff, "branch");
    Shouwen__V1__Notification *n = b ? s_for_branch(f, b) : NULL;
    if (n)
        s_add_id(n->staff_ids, &n->n_staff_ids, staff);
}

static void s_dept(s_fanout_t *f, const char *dept)
{
    if (!dept || !*dept)
        return;
    const char *b = sw_directory_department(f->dir, dept, "branch");
    Shouwen__V1__Notification *n = b ? s_for_branch(f, b) : NULL;
    if (n)
        s_add_id(n->department_ids, &n->n_department_ids, dept);
}

/* The kind of an event's notification, 0 when it tells nobody anything. */
static int s_kind(const sw_envelope_t *env)
{
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_RECEIVED;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_TRANSFERRED;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_RETURNED;
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_FORWARDED;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ACCEPTED;
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ESCALATED;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        return env->deadline_warning->kind ==
                       SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK
                   ? SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_CALLBACK_DUE
                   : SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_DEADLINE_WARNING;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        return SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_BREACH;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        return env->deadline_set->kind ==
                       SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK
                   ? SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_CALLBACK_DUE
                   : 0;
    case SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT:
        /* R19: the leader is asked; a grant is not news to them */
        return env->leader_contact->permission_granted
                   ? 0
                   : SHOUWEN__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_LEADER_CONTACT;
    default:
        return 0;
    }
}

static void s_handoff(s_fanout_t *f, const Shouwen__V1__Handoff *h, bool to_sender,
                      const char *text)
{
    if (!h)
        return;
    if (to_sender) { /* accepted: the one who passed it on is told */
        s_staff(f, h->from_staff_id);
        s_dept(f, h->from_department_id);
    } else {
        s_staff(f, h->to_staff_id);
        s_dept(f, h->to_department_id);
    }
    for (size_t i = 0; i < f->count; i++) {
        Shouwen__V1__Notification *n = f->n[i];
        free(n->from_staff_id);
        n->from_staff_id = sw_strdup(to_sender ? h->to_staff_id : h->from_staff_id);
        free(n->from_department_id);
        n->from_department_id =
            sw_strdup(to_sender ? h->to_department_id : h->from_department_id);
        free(n->text);
        n->text = sw_strdup(text && *text ? text : h->opinion);
    }
}

/* Who an event concerns, placed at their branches. */
static void s_fan_out(s_fanout_t *f)
{
    const sw_envelope_t *env = f->env;
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        s_staff(f, env->routed->natural_owner_id);
        s_staff(f, env->routed->factual_owner_id);
        s_staff(f, env->routed->handler_id);
        s_dept(f, env->routed->department_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        s_handoff(f, env->transferred->handoff, false, env->transferred->reason);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        s_handoff(f, env->returned->handoff, false, NULL);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        s_handoff(f, env->forwarded->handoff, false, NULL);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        s_handoff(f, env->accepted->handoff, true, NULL);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        s_staff(f, env->escalated->to_staff_id);
        s_dept(f, env->escalated->department_id);
        for (size_t i = 0; i < f->count; i++) {
            f->n[i]->level = env->escalated->level;
            free(f->n[i]->text);
            f->n[i]->text = sw_strdup(env->escalated->reason);
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        s_staff(f, env->deadline_warning->holder_staff_id);
        for (size_t i = 0; i < f->count; i++) {
            f->n[i]->deadline_kind = env->deadline_warning->kind;
            f->n[i]->due_at_us = env->deadline_warning->due_at_us;
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        s_staff(f, env->deadline_breached->holder_staff_id);
        s_dept(f, env->deadline_breached->department_id);
        for (size_t i = 0; i < f->count; i++) {
            f->n[i]->deadline_kind = env->deadline_breached->kind;
            f->n[i]->due_at_us = env->deadline_breached->due_at_us;
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        s_staff(f, env->deadline_set->holder_staff_id);
        s_dept(f, env->deadline_set->department_id);
        for (size_t i = 0; i < f->count; i++) {
            f->n[i]->deadline_kind = env->deadline_set->kind;
            f->n[i]->due_at_us = env->deadline_set->due_at_us;
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT:
        /* the leader is told that a customer asks; never the leader's number */
        s_staff(f, env->leader_contact->leader_id);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ watchers */

static bool s_in(zlistx_t *l, const char *id)
{
    for (const char *s = (const char *)zlistx_first(l); s;
         s = (const char *)zlistx_next(l))
        if (streq(s, id))
            return true;
    return false;
}

static bool s_wants(s_watcher_t *w, const char *branch,
                    const Shouwen__V1__Notification *n)
{
    if (!streq(w->branch, branch))
        return false;
    if (zlistx_size(w->staff) == 0 && zlistx_size(w->depts) == 0)
        return true;
    for (size_t i = 0; i < n->n_staff_ids; i++)
        if (s_in(w->staff, n->staff_ids[i]))
            return true;
    for (size_t i = 0; i < n->n_department_ids; i++)
        if (s_in(w->depts, n->department_ids[i]))
            return true;
    return false;
}

static void s_push(intake_watch_t *self, s_watcher_t *w, Shouwen__V1__Notification **ns,
                   size_t count, uint64_t position)
{
    Shouwen__V1__NotificationBatch batch = SHOUWEN__V1__NOTIFICATION_BATCH__INIT;
    batch.n_notifications = count;
    batch.notifications = ns;
    batch.position = position;
    /* a resume read from the log lost nothing (or what it was told) */
    batch.oldest_kept = w->from_log ? w->lost_before : self->oldest;
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = w->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.position = position;
    reply.notifications = &batch;
    self->send(self->arg, w->routing_id, w->delimiter, &reply);
    self->pushed += count;
}

static void s_keep(intake_watch_t *self, const char *branch, Shouwen__V1__Notification *n)
{
    s_kept_t *k = (s_kept_t *)zmalloc(sizeof(s_kept_t));
    k->position = n->position;
    k->branch = sw_strdup(branch);
    k->n = n;
    zlistx_add_end(self->kept, k);
    while (zlistx_size(self->kept) > self->keep) {
        s_kept_t *old = (s_kept_t *)zlistx_first(self->kept);
        self->oldest = old->position + 1;
        zlistx_delete(self->kept, zlistx_cursor(self->kept));
    }
}

void intake_watch_note(intake_watch_t *self, uint64_t position, const sw_envelope_t *env,
                       sw_directory_t *dir)
{
    if (!dir || !env->case_id || !*env->case_id)
        return;
    s_fanout_t f = {.dir = dir, .env = env, .position = position, .kind = s_kind(env)};
    if (!f.kind)
        return;
    s_fan_out(&f);
    for (size_t i = 0; i < f.count; i++) {
        Shouwen__V1__Notification *n = f.n[i];
        if (n->n_staff_ids + n->n_department_ids == 0) {
            s_notification_free(n);
            continue;
        }
        for (s_watcher_t *w = (s_watcher_t *)zhashx_first(self->watchers); w;
             w = (s_watcher_t *)zhashx_next(self->watchers))
            if (!w->paging && s_wants(w, f.branches[i], n))
                s_push(self, w, &n, 1, position);
        s_keep(self, f.branches[i], n);
    }
}

/* ------------------------------------------------------------ snapshot */

void intake_watch_save(intake_watch_t *self, sw_snapshot_t *snap)
{
    sw_snapshot_put_u64(snap, self->oldest);
    sw_snapshot_put_u64(snap, zlistx_size(self->kept));
    for (s_kept_t *k = (s_kept_t *)zlistx_first(self->kept); k;
         k = (s_kept_t *)zlistx_next(self->kept)) {
        sw_snapshot_put_str(snap, k->branch);
        size_t len = protobuf_c_message_get_packed_size(&k->n->base);
        uint8_t *buf = (uint8_t *)sw_malloc(len ? len : 1);
        protobuf_c_message_pack(&k->n->base, buf);
        sw_snapshot_put_bytes(snap, buf, len);
        free(buf);
    }
}

static char **s_copy_ids(char **ids, size_t n)
{
    char **copy = (char **)sw_calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        copy[i] = sw_strdup(ids[i]);
    return copy;
}

bool intake_watch_load(intake_watch_t *self, sw_snapshot_t *snap)
{
    uint64_t oldest = 0, count = 0;
    if (!sw_snapshot_get_u64(snap, &oldest) || !sw_snapshot_get_u64(snap, &count))
        return false;
    self->oldest = oldest;
    for (uint64_t i = 0; i < count; i++) {
        char *branch = NULL;
        const uint8_t *data = NULL;
        size_t size = 0;
        if (!sw_snapshot_get_str(snap, &branch) || !branch ||
            !sw_snapshot_get_bytes(snap, &data, &size)) {
            free(branch);
            return false;
        }
        Shouwen__V1__Notification *u =
            shouwen__v1__notification__unpack(NULL, size, data);
        if (!u) {
            free(branch);
            return false;
        }
        /* owned as intake_watch keeps it: every string its own allocation */
        Shouwen__V1__Notification *n =
            (Shouwen__V1__Notification *)zmalloc(sizeof(Shouwen__V1__Notification));
        shouwen__v1__notification__init(n);
        n->position = u->position;
        n->kind = u->kind;
        n->occurred_at_us = u->occurred_at_us;
        n->deadline_kind = u->deadline_kind;
        n->due_at_us = u->due_at_us;
        n->level = u->level;
        n->n_staff_ids = u->n_staff_ids;
        n->n_department_ids = u->n_department_ids;
        n->case_id = sw_strdup(u->case_id);
        n->actor = sw_strdup(u->actor);
        n->from_staff_id = sw_strdup(u->from_staff_id);
        n->from_department_id = sw_strdup(u->from_department_id);
        n->text = sw_strdup(u->text);
        n->staff_ids = s_copy_ids(u->staff_ids, u->n_staff_ids);
        n->department_ids = s_copy_ids(u->department_ids, u->n_department_ids);
        shouwen__v1__notification__free_unpacked(u, NULL);
        s_kept_t *k = (s_kept_t *)zmalloc(sizeof(s_kept_t));
        k->position = n->position;
        k->branch = branch;
        k->n = n;
        zlistx_add_end(self->kept, k);
    }
    while (zlistx_size(self->kept) > self->keep) { /* watch_keep made smaller */
        s_kept_t *old = (s_kept_t *)zlistx_first(self->kept);
        self->oldest = old->position + 1;
        zlistx_delete(self->kept, zlistx_cursor(self->kept));
    }
    return true;
}

/* ------------------------------------------------------------ requests */

static zlistx_t *s_ids(char **ids, size_t n)
{
    zlistx_t *l = zlistx_new();
    zlistx_set_destructor(l, (zlistx_destructor_fn *)zstr_free);
    for (size_t i = 0; i < n && i < S_MAX_WATCH; i++)
        zlistx_add_end(l, sw_strdup(ids[i]));
    return l;
}

static void s_routing_key(zframe_t *routing_id, char *key, size_t size)
{
    size_t len = zframe_size(routing_id);
    const uint8_t *d = zframe_data(routing_id);
    size_t o = 0;
    for (size_t i = 0; i < len && o + 3 <= size; i++)
        o += (size_t)snprintf(key + o, size - o, "%02x", d[i]);
    key[o] = 0;
}

/* The kept notifications after from_position the watcher wants, in
   batches, the last (possibly empty) one saying head. */
static void s_push_kept(intake_watch_t *self, s_watcher_t *w, uint64_t from_position,
                        uint64_t head)
{
    Shouwen__V1__Notification *batch[S_BATCH];
    size_t count = 0;
    for (s_kept_t *k = (s_kept_t *)zlistx_first(self->kept); k;
         k = (s_kept_t *)zlistx_next(self->kept)) {
        if (k->position <= from_position || !s_wants(w, k->branch, k->n))
            continue;
        batch[count++] = k->n;
        if (count == S_BATCH) {
            s_push(self, w, batch, count, k->position);
            count = 0;
        }
    }
    s_push(self, w, batch, count, head);
}

bool intake_watch_subscribe(intake_watch_t *self, zframe_t *routing_id, bool delimiter,
                            const char *request_id, const char *branch, char **staff,
                            size_t n_staff, char **depts, size_t n_depts,
                            uint64_t from_position, uint64_t head, double now,
                            uint64_t max_page, uint64_t *page_from)
{
    s_watcher_t *w = (s_watcher_t *)zmalloc(sizeof(s_watcher_t));
    s_routing_key(routing_id, w->key, sizeof w->key);
    w->routing_id = zframe_dup(routing_id);
    w->delimiter = delimiter;
    w->request_id = sw_strdup(request_id);
    w->branch = sw_strdup(branch);
    w->staff = s_ids(staff, n_staff);
    w->depts = s_ids(depts, n_depts);
    w->heard = now;
    zhashx_delete(self->watchers, w->key);
    zhashx_insert(self->watchers, w->key, w);
    if (self->oldest && from_position + 1 < self->oldest && max_page) {
        /* from before what is kept: the log is read for it first */
        uint64_t start = from_position + 1;
        if (self->oldest - start > max_page) {
            start = self->oldest - max_page;
            w->lost_before = start;
        }
        w->paging = true;
        w->from_log = true;
        w->paged = start - 1;
        *page_from = start;
        return true;
    }
    s_push_kept(self, w, from_position, head);
    return false;
}

int intake_watch_page(intake_watch_t *self, zframe_t *routing_id, const char *request_id,
                      size_t n, const uint64_t *positions, sw_envelope_t **envs,
                      sw_directory_t *dir, uint64_t head, uint64_t *next)
{
    char key[64];
    s_routing_key(routing_id, key, sizeof key);
    s_watcher_t *w = (s_watcher_t *)zhashx_lookup(self->watchers, key);
    if (!w || !w->paging || !streq(w->request_id, request_id))
        return -1;
    Shouwen__V1__Notification *batch[S_BATCH];
    size_t count = 0;
    bool reached = n == 0;
    for (size_t i = 0; i < n; i++) {
        if (positions[i] <= w->paged)
            continue;
        if ((self->oldest && positions[i] >= self->oldest) || positions[i] > head) {
            reached = true; /* the kept ones from here */
            break;
        }
        w->paged = positions[i];
        const sw_envelope_t *env = envs[i];
        if (!dir || !env || !env->case_id || !*env->case_id)
            continue;
        s_fanout_t f = {
            .dir = dir, .env = env, .position = positions[i], .kind = s_kind(env)};
        if (!f.kind)
            continue;
        s_fan_out(&f);
        for (size_t b = 0; b < f.count; b++) {
            Shouwen__V1__Notification *nt = f.n[b];
            if (nt->n_staff_ids + nt->n_department_ids == 0 ||
                !s_wants(w, f.branches[b], nt)) {
                s_notification_free(nt);
                continue;
            }
            batch[count++] = nt;
            if (count == S_BATCH) {
                s_push(self, w, batch, count, positions[i]);
                for (size_t k = 0; k < count; k++)
                    s_notification_free(batch[k]);
                count = 0;
            }
        }
    }
    if (count) {
        s_push(self, w, batch, count, w->paged);
        for (size_t k = 0; k < count; k++)
            s_notification_free(batch[k]);
    }
    if (reached || w->paged >= head) {
        w->paging = false;
        s_push_kept(self, w, w->paged, head);
        return 0;
    }
    *next = w->paged + 1;
    return 1;
}

bool intake_watch_ack(intake_watch_t *self, zframe_t *routing_id,
                      const char *watch_request_id, uint64_t position, double now)
{
    char key[64];
    s_routing_key(routing_id, key, sizeof key);
    s_watcher_t *w = (s_watcher_t *)zhashx_lookup(self->watchers, key);
    (void)position;
    if (!w || !streq(w->request_id, watch_request_id))
        return false;
    w->heard = now;
    return true;
}

void intake_watch_sweep(intake_watch_t *self, double now)
{
    zlistx_t *gone = zlistx_new();
    for (s_watcher_t *w = (s_watcher_t *)zhashx_first(self->watchers); w;
         w = (s_watcher_t *)zhashx_next(self->watchers))
        if (now - w->heard > self->idle_s)
            zlistx_add_end(gone, w->key);
    for (const char *k = (const char *)zlistx_first(gone); k;
         k = (const char *)zlistx_next(gone))
        zhashx_delete(self->watchers, k);
    zlistx_destroy(&gone);
}

size_t intake_watch_watchers(intake_watch_t *self)
{
    return zhashx_size(self->watchers);
}

uint64_t intake_watch_pushed(intake_watch_t *self)
{
    return self->pushed;
}

uint64_t intake_watch_oldest(intake_watch_t *self)
{
    return self->oldest;
}
