/*  intake_queries: what a branch asks intake besides submitting (docs/
    queries.md): a staff member's inbox, a department's queue, what falls
    due, a case by id or a customer's phone, answered from intake_cases and
    confined to the branch; the watch of notifications; the stats; the
    organisation in force for a branch's web desk. */
#include <sodium.h>

#include "intake_server_int.h"
#include "sw_alloc.h"
#include "sw_directory.h"
#include "sw_log.h"

/* ------------------------------------------- queries (docs/queries.md) */

#define S_QUERY_LIMIT     200  /* cases in an answer unless the query says */
#define S_QUERY_LIMIT_MAX 1000 /* and at most */

/* The cases an answer gathers: only those the asking branch may read. */
typedef struct {
    intake_server_t *self;
    const intake_asker_t *a;
    const char *staff;  /* inbox: whose roles to name */
    zlistx_t *found;    /* const intake_case_t *, borrowed */
    int64_t due_before; /* due: deadlines at or before, with kind and who */
    int kind;
    const char *dstaff, *ddept;
    size_t scanned;
} s_gather_t;

static bool s_branch_reads(s_gather_t *g, const intake_case_t *c)
{
    return !streq(g->a->who->role, "branch") ||
           intake_access_may_read(g->self->access, g->a->origin, intake_case_id(c));
}

static bool s_gather(void *arg, const intake_case_t *c)
{
    s_gather_t *g = (s_gather_t *)arg;
    g->scanned++;
    if (s_branch_reads(g, c))
        zlistx_add_end(g->found, (void *)c);
    return true;
}

/* a deadline held by the asked staff member or department, or (neither
   asked) by any of the asking branch's */
static bool s_deadline_ours(void *arg, const char *holder, const char *dept)
{
    s_gather_t *g = (s_gather_t *)arg;
    if (g->dstaff || g->ddept)
        return (g->dstaff && holder && streq(holder, g->dstaff)) ||
               (g->ddept && dept && streq(dept, g->ddept));
    if (!streq(g->a->who->role, "branch"))
        return true;
    const char *at = holder ? intake_access_staff_branch(g->self->access, holder) : NULL;
    sw_directory_t *dir = intake_access_directory(g->self->access);
    const char *dat = dir && dept ? sw_directory_department(dir, dept, "branch") : NULL;
    return (at && streq(at, g->a->origin)) || (dat && streq(dat, g->a->origin));
}

static bool s_gather_due(void *arg, const intake_case_t *c)
{
    s_gather_t *g = (s_gather_t *)arg;
    g->scanned++;
    if (intake_case_any_deadline(c, g->due_before, g->kind, s_deadline_ours, g) &&
        s_branch_reads(g, c))
        zlistx_add_end(g->found, (void *)c);
    return true;
}

/* soonest running deadline first, then the newest case */
static int s_by_due(const void *x, const void *y)
{
    const intake_case_t *a = (const intake_case_t *)x, *b = (const intake_case_t *)y;
    int64_t da = intake_case_next_due(a), db = intake_case_next_due(b);
    if (da != db)
        return da < db ? -1 : 1;
    return strcmp(intake_case_id(a), intake_case_id(b));
}

static int s_by_due_p(const void *x, const void *y)
{
    return s_by_due(*(const void *const *)x, *(const void *const *)y);
}

static void s_gather_init(s_gather_t *g, intake_server_t *self, const intake_asker_t *a)
{
    memset(g, 0, sizeof *g);
    g->self = self;
    g->a = a;
    g->found = zlistx_new();
}

/* Answer OK with the gathered cases, soonest deadline first, at most limit. */
static void s_answer_cases(intake_server_t *self, const intake_asker_t *a, s_gather_t *g,
                           uint32_t limit)
{
    size_t max =
        limit ? (limit > S_QUERY_LIMIT_MAX ? S_QUERY_LIMIT_MAX : limit) : S_QUERY_LIMIT;
    /* qsort, not zlistx_sort (czmq's comb sort can leave a list unsorted):
       the same cases in the same order whatever order they were found in */
    size_t total = zlistx_size(g->found);
    const void **sorted = (const void **)sw_calloc(total ? total : 1, sizeof(void *));
    size_t t = 0;
    for (const void *c = zlistx_first(g->found); c; c = zlistx_next(g->found))
        sorted[t++] = c;
    qsort(sorted, t, sizeof(void *), s_by_due_p);
    size_t n = t < max ? t : max;
    Shouwen__V1__CaseSummary **cases = (Shouwen__V1__CaseSummary **)sw_calloc(
        n ? n : 1, sizeof(Shouwen__V1__CaseSummary *));
    size_t i = 0;
    for (; i < n; i++)
        cases[i] = intake_cases_summary((const intake_case_t *)sorted[i], g->staff);
    free(sorted);
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.position = sw_follower_position(self->follower);
    reply.n_cases = i;
    reply.cases = cases;
    if (zlistx_size(g->found) > i) {
        char message[80];
        snprintf(message, sizeof message, "%zu of %zu shown", i, zlistx_size(g->found));
        reply.message = message;
        self->stats.ok++;
        intake_send(self, a->routing_id, a->delimiter, &reply);
    } else {
        self->stats.ok++;
        intake_send(self, a->routing_id, a->delimiter, &reply);
    }
    for (size_t k = 0; k < i; k++)
        intake_cases_summary_free(cases[k]);
    free(cases);
    zlistx_destroy(&g->found);
}

/* A query answers from the log as followed: not before it is caught up. */
static bool s_query_ready(intake_server_t *self, const intake_asker_t *a)
{
    if (!sw_follower_is_live(self->follower) || self->stopping) {
        intake_retry(self, a, "HUB_NOT_READY",
                     "the hub is catching up with its log; ask again");
        return false;
    }
    return true;
}

/* A staff member the asking key may ask about: its branch's own (an
   administrator's key: anyone the organisation knows). */
static bool s_staff_askable(intake_server_t *self, const intake_asker_t *a,
                            const char *staff)
{
    return intake_placed_here(self, a, false, staff, streq(a->who->role, "branch"));
}

/* A department the asking key may ask about: one that works at its branch. */
static bool s_dept_askable(intake_server_t *self, const intake_asker_t *a,
                           const char *dept)
{
    return intake_placed_here(self, a, true, dept, streq(a->who->role, "branch"));
}

void intake_q_inbox(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req)
{
    const char *staff = req->inbox->staff_id;
    if (!s_query_ready(self, a) || !s_staff_askable(self, a, staff))
        return;
    s_gather_t g;
    s_gather_init(&g, self, a);
    g.staff = staff;
    intake_cases_of_staff(self->cases, staff, s_gather, &g);
    s_answer_cases(self, a, &g, req->inbox->limit);
}

void intake_q_queue(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req)
{
    const char *dept = req->queue->department_id;
    if (!s_query_ready(self, a) || !s_dept_askable(self, a, dept))
        return;
    s_gather_t g;
    s_gather_init(&g, self, a);
    intake_cases_of_department(self->cases, dept, s_gather, &g);
    s_answer_cases(self, a, &g, req->queue->limit);
}

void intake_q_due(intake_server_t *self, intake_asker_t *a,
                  Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__DueQuery *q = req->due;
    if (!s_query_ready(self, a) ||
        (*q->staff_id && !s_staff_askable(self, a, q->staff_id)) ||
        (*q->department_id && !s_dept_askable(self, a, q->department_id)))
        return;
    if (!intake_access_directory(self->access)) {
        intake_retry(self, a, INTAKE_NO_DIRECTORY,
                     "no organisation is in force yet: an administrator loads one first");
        return;
    }
    s_gather_t g;
    s_gather_init(&g, self, a);
    uint32_t within = q->within_minutes ? q->within_minutes : 60;
    g.due_before = sw_clock_now_us(self->clock) + (int64_t)within * 60 * 1000000;
    g.kind = q->callbacks_only ? SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK : 0;
    g.dstaff = *q->staff_id ? q->staff_id : NULL;
    g.ddept = *q->department_id ? q->department_id : NULL;
    intake_cases_due(self->cases, g.due_before, s_gather_due, &g);
    s_answer_cases(self, a, &g, q->limit);
}

void intake_q_find(intake_server_t *self, intake_asker_t *a,
                   Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__FindQuery *q = req->find;
    if (!s_query_ready(self, a))
        return;
    s_gather_t g;
    s_gather_init(&g, self, a);
    if (*q->case_id) {
        const intake_case_t *c = intake_cases_find(self->cases, q->case_id);
        if (!c) {
            zlistx_destroy(&g.found);
            intake_reject(self, a, INTAKE_UNKNOWN_CASE,
                          "no such open case (a closed case: shouwen show CASE)");
            return;
        }
        if (!s_branch_reads(&g, c)) {
            zlistx_destroy(&g.found);
            intake_reject(
                self, a, INTAKE_NOT_AUTHORIZED,
                "this branch had no part in that case: its staff neither received, "
                "held nor handled it, and none of its departments did");
            return;
        }
        zlistx_add_end(g.found, (void *)c);
    } else
        intake_cases_of_phone(self->cases, q->phone, s_gather, &g);
    s_answer_cases(self, a, &g, q->limit);
}

/* ----------------------------------------------------- notifications */

/* A watch resumes from at most this many events before the kept
   notifications (read from the log); older ones are told lost. */
#define S_WATCH_RESUME_MAX 1000000

void intake_q_watch_send(void *arg, zframe_t *routing_id, bool delimiter,
                         Shouwen__V1__BranchReply *reply)
{
    intake_send((intake_server_t *)arg, routing_id, delimiter, reply);
}

/* A branch subscribes this connection to its staff's and departments'
   notifications after a log position (intake_watch.h). */
void intake_q_watch(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__WatchRequest *w = req->watch;
    if (!s_query_ready(self, a))
        return;
    for (size_t i = 0; i < w->n_staff_ids; i++)
        if (!s_staff_askable(self, a, w->staff_ids[i]))
            return;
    for (size_t i = 0; i < w->n_department_ids; i++)
        if (!s_dept_askable(self, a, w->department_ids[i]))
            return;
    if (!intake_access_directory(self->access)) {
        intake_retry(self, a, INTAKE_NO_DIRECTORY,
                     "no organisation is in force yet: an administrator loads one first");
        return;
    }
    /* a staff member's watch also tells what reaches their department */
    sw_directory_t *dir = intake_access_directory(self->access);
    size_t nd = 0, max = w->n_department_ids + w->n_staff_ids;
    char **depts = (char **)sw_calloc(max ? max : 1, sizeof(char *));
    for (size_t i = 0; i < w->n_department_ids; i++)
        depts[nd++] = w->department_ids[i];
    for (size_t i = 0; i < w->n_staff_ids; i++) {
        const char *d = sw_directory_staff(dir, w->staff_ids[i], "department");
        const char *at = d ? sw_directory_department(dir, d, "branch") : NULL;
        if (d && at && streq(at, a->origin))
            depts[nd++] = (char *)d;
    }
    uint64_t from = 0, oldest = intake_watch_oldest(self->watch);
    if (intake_watch_subscribe(self->watch, a->routing_id, a->delimiter, a->request_id,
                               a->origin, w->staff_ids, w->n_staff_ids, depts, nd,
                               w->from_position, sw_follower_position(self->follower),
                               ev_now(self->loop), S_WATCH_RESUME_MAX, &from)) {
        sw_info("branch %s resumes a watch from position %" PRIu64
                ", before the notifications kept (%" PRIu64
                "): reading the log from %" PRIu64,
                a->origin, w->from_position, oldest, from);
        intake_watch_ask(self, a->routing_id, a->delimiter, a->request_id, from);
    }
    free(depts);
    self->stats.ok++;
}

void intake_q_watch_ack(intake_server_t *self, intake_asker_t *a,
                        Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__WatchAck *k = req->watch_ack;
    if (!intake_watch_ack(self->watch, a->routing_id, k->watch_request_id, k->position,
                          ev_now(self->loop))) {
        intake_retry(self, a, "NOT_WATCHING",
                     "this connection does not watch (the hub restarted or the watch "
                     "expired): watch again from the last position shown");
        return;
    }
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.position = sw_follower_position(self->follower);
    self->stats.ok++;
    intake_send(self, a->routing_id, a->delimiter, &reply);
}

/* -------------------------------------------------------------- stats */

typedef struct {
    const char *name;
    uint64_t value;
} s_stat_t;

void intake_q_stats(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req)
{
    s_stat_t fixed[] = {{"requests", self->stats.requests},
                        {"ok", self->stats.ok},
                        {"retry", self->stats.retry},
                        {"busy", self->stats.busy},
                        {"rejected", self->stats.rejected},
                        {"pending", zhashx_size(self->uncommitted)},
                        {"inquiries_known", zhashx_size(self->requests)},
                        {"requests_looked_up", self->lookups},
                        {"requests_found_in_log", self->found_in_log},
                        {"log_position", sw_follower_position(self->follower)},
                        {"live", sw_follower_is_live(self->follower) ? 1 : 0},
                        {"organisation_position", self->in_force[0].position},
                        {"calendar_position", self->in_force[1].position},
                        {"ready", sw_follower_is_live(self->follower) &&
                                          intake_seed_ready(self) && !self->stopping
                                      ? 1
                                      : 0},
                        {"queries_waiting", zlistx_size(self->queries)},
                        {"refused_connections", sw_zap_refused(self->zap)},
                        {"admitted_connections", sw_zap_admitted(self->zap)},
                        {"cases_known", intake_cases_size(self->cases)},
                        {"watchers", intake_watch_watchers(self->watch)},
                        {"notifications_pushed", intake_watch_pushed(self->watch)}};
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    size_t n = nfixed + zhashx_size(self->rejections) + zhashx_size(self->audit_counts);
    Shouwen__V1__Counter *counters = sw_calloc(n, sizeof *counters);
    Shouwen__V1__Counter **ptrs = sw_calloc(n, sizeof *ptrs);
    char **names = sw_calloc(n, sizeof *names);
    size_t i = 0;
    for (; i < nfixed; i++) {
        shouwen__v1__counter__init(&counters[i]);
        counters[i].name = (char *)fixed[i].name;
        counters[i].value = fixed[i].value;
        ptrs[i] = &counters[i];
    }
    for (uint64_t *v = (uint64_t *)zhashx_first(self->rejections); v && i < n;
         v = (uint64_t *)zhashx_next(self->rejections), i++) {
        shouwen__v1__counter__init(&counters[i]);
        names[i] =
            zsys_sprintf("rejected.%s", (const char *)zhashx_cursor(self->rejections));
        counters[i].name = names[i];
        counters[i].value = *v;
        ptrs[i] = &counters[i];
    }
    for (uint64_t *v = (uint64_t *)zhashx_first(self->audit_counts); v && i < n;
         v = (uint64_t *)zhashx_next(self->audit_counts), i++) {
        shouwen__v1__counter__init(&counters[i]);
        counters[i].name = (char *)zhashx_cursor(self->audit_counts);
        counters[i].value = *v;
        ptrs[i] = &counters[i];
    }
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)a->request_id;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.n_counters = i;
    reply.counters = ptrs;
    intake_send(self, a->routing_id, a->delimiter, &reply);
    for (size_t k = 0; k < n; k++)
        zstr_free(&names[k]);
    free(names);
    free(ptrs);
    free(counters);
}

/* ----------------------------------------------------------- requests */

/* The organisation in force as loaded, for a branch's web desk (category
   names, departments, staff; docs/desk.md). */
void intake_q_directory(intake_server_t *self, intake_asker_t *a,
                        Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = req->request_id;
    sw_directory_t *dir = intake_access_directory(self->access);
    if (!dir || !self->org_text) {
        intake_retry(self, a, INTAKE_NO_DIRECTORY,
                     "no organisation is in force at the hub yet");
        return;
    }
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
    reply.message = (char *)sw_directory_version(dir);
    reply.directory.data = zchunk_data(self->org_text);
    reply.directory.len = zchunk_size(self->org_text);
    intake_send(self, a->routing_id, a->delimiter, &reply);
}
