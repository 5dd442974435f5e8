/*  sla_rules: the rules object and the committed log: its life cycle,
    each committed event handed to the handler of its kind, the decisions
    kept while replaying proposed once live, and the timers firing
    warnings and breaches (docs/sla.md gives the table of which event sets,
    meets, supersedes or ends which deadline). */
#include "sla_rules_int.h"
#include "sw_alloc.h"

#include <sodium.h>

#include "sw_log.h"

/* ------------------------------------------------------------------------
   Small tables keyed by a record index. */

/* Without printf: replay makes one per decision. */
void sla_index_key(uint32_t index, char *key)
{
    char digits[10];
    int n = 0;
    do
        digits[n++] = (char)('0' + index % 10);
    while ((index /= 10) > 0);
    for (int i = 0; i < n; i++)
        key[i] = digits[n - 1 - i];
    key[n] = '\0';
}

void sla_hex(const uint8_t *id, char *out)
{
    sodium_bin2hex(out, 2 * SW_EVENTID_SIZE + 1, id, SW_EVENTID_SIZE);
}

static void s_free_item(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

/* ------------------------------------------------------------------------
   The object. */

sla_rules_t *sla_rules_new(zconfig_t *offices, uint32_t max_deadlines, uint32_t max_cases,
                           sla_rules_propose_fn *propose, void *arg)
{
    assert(propose);
    sla_rules_t *self = (sla_rules_t *)zmalloc(sizeof(sla_rules_t));
    self->offices = offices;
    self->propose = propose;
    self->arg = arg;
    self->people = sla_people_new();
    self->cases = sla_cases_new(max_cases);
    self->timers = sla_timers_new(max_deadlines);
    self->tally = sla_tally_new();
    self->waiting = zhashx_new();
    self->away = zhashx_new();
    self->endings = zhashx_new();
    self->triggers = zhashx_new();
    self->violations = zhashx_new(); /* out of memory aborts (sw_alloc.h, czmq) */
    zhashx_set_destructor(self->waiting, s_free_item);
    zhashx_set_destructor(self->away, s_free_item);
    zhashx_set_destructor(self->endings, s_free_item);
    zhashx_set_destructor(self->triggers, s_free_item);
    zhashx_set_destructor(self->violations, s_free_item);
    sla_timers_bulk(self->timers, true); /* ordered once, when live */
    return self;
}

void sla_rules_destroy(sla_rules_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_rules_t *self = *self_p;
    zhashx_destroy(&self->violations);
    zhashx_destroy(&self->triggers);
    zhashx_destroy(&self->endings);
    zhashx_destroy(&self->waiting);
    zhashx_destroy(&self->away);
    sla_tally_destroy(&self->tally);
    sla_timers_destroy(&self->timers);
    sla_cases_destroy(&self->cases);
    sla_people_destroy(&self->people);
    sw_policy_destroy(&self->policy);
    sw_calendar_destroy(&self->calendar);
    free(self->calendar_text);
    free(self);
    *self_p = NULL;
}

void sla_rules_set_calendar(sla_rules_t *self, sw_calendar_t **calendar_p,
                            sw_policy_t **policy_p)
{
    free(self->calendar_text);
    self->calendar_text = NULL;
    self->calendar_len = 0;
    sw_calendar_destroy(&self->calendar);
    sw_policy_destroy(&self->policy);
    self->calendar = *calendar_p;
    self->policy = *policy_p;
    *calendar_p = NULL;
    *policy_p = NULL;
}

int sla_rules_load_calendar(sla_rules_t *self, const char *text, size_t len, char **error)
{
    sw_calendar_t *calendar;
    sw_policy_t *policy;
    if (sw_policy_load(text, len, &calendar, &policy, error) != 0)
        return -1;
    sla_rules_set_calendar(self, &calendar, &policy);
    self->calendar_text = (char *)sw_malloc(len + 1);
    memcpy(self->calendar_text, text, len);
    self->calendar_text[len] = '\0';
    self->calendar_len = len;
    return 0;
}

sla_people_t *sla_rules_people(sla_rules_t *self)
{
    return self->people;
}
/* ------------------------------------------------------------------------
   The log. */

void sla_rules_apply(sla_rules_t *self, const sw_envelope_t *env, bool replaying)
{
    uint64_t key;
    if (!env->case_id || sla_case_key(env->case_id, &key) != 0) {
        if (env->case_id && *env->case_id)
            self->stats.ignored++;
        return;
    }
    if (!self->calendar) { /* intake records no case before the log has a calendar */
        if (self->stats.errors++ == 0)
            sw_error("case %s: an event before any calendar in the log; no deadline is "
                     "set until one is loaded",
                     env->case_id);
        return;
    }
    bool creates = env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED ||
                   env->body_case == SHOUWEN__V1__ENVELOPE__BODY_REOPENED;
    uint32_t ci =
        creates ? sla_cases_ensure(self->cases, key) : sla_cases_find(self->cases, key);
    self->stats.applied++;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED)
        sla_on_breached(self, ci, env, replaying);
    else if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED)
        sla_on_violation(self, ci, env, replaying);
    else if (ci == SLA_POOL_NONE)
        self->stats.ignored++; /* a case closed and forgotten, or out of room */
    else
        sla_on_case_event(self, ci, env, replaying);
}

/* A case of the away table, ordered by its id. */
typedef struct {
    uint64_t key;   /* the case id's bits */
    uint32_t ci;    /* its record */
    uint32_t staff; /* the handler who was away */
} s_away_t;

static int s_compare_away(const void *a, const void *b)
{
    uint64_t x = ((const s_away_t *)a)->key, y = ((const s_away_t *)b)->key;
    return x < y ? -1 : x > y;
}

/* R26: a directory load (the event env) in which handlers who were away
   at a hand-over are on post again: each one's return-contact clock starts
   on each such case, from the load, in the order of the case ids (the same
   on every run, whatever records the cases sit in). */
void sla_rules_back_on_post(sla_rules_t *self, sw_directory_t *dir,
                            const sw_envelope_t *env, bool replaying)
{
    size_t n = 0, size = zhashx_size(self->away);
    s_away_t *list = (s_away_t *)sw_malloc((size ? size : 1) * sizeof(s_away_t));
    for (uint32_t *staff = (uint32_t *)zhashx_first(self->away); staff && n < size;
         staff = (uint32_t *)zhashx_next(self->away)) {
        const char *key = (const char *)zhashx_cursor(self->away);
        uint32_t ci = (uint32_t)strtoul(key, NULL, 10);
        list[n++] =
            (s_away_t){s_case(self, ci)->key & ((UINT64_C(1) << 60) - 1), ci, *staff};
    }
    qsort(list, n, sizeof *list, s_compare_away);
    for (size_t i = 0; i < n; i++) {
        const char *id = sla_people_name(self->people, list[i].staff);
        if (sw_directory_availability(dir, id) != SW_AVAILABLE_ON_POST)
            continue;
        uint32_t ci = list[i].ci, staff = list[i].staff;
        sla_case_t *c = s_case(self, ci);
        uint32_t dept = sla_people_department(self->people, staff);
        sw_case_facts_t facts = sla_facts(c);
        sla_start(self, ci, K_RETURN, env->event_id.data, env->occurred_at_us, staff,
                  dept ? dept : c->department, &facts, 0, replaying);
        char key[12];
        sla_index_key(ci, key);
        zhashx_delete(self->away, key);
    }
    free(list);
}

/* ------------------------------------------------------------------------
   Caught up with the log. */

/* A decision still to propose when live. */
typedef struct {
    uint64_t key;    /* the case id's bits: decisions go out by case id */
    uint32_t order;  /* the deadline's place in its case's list */
    uint32_t ci, di; /* case and deadline records */
} s_due_t;

static int s_compare_due(const void *a, const void *b)
{
    const s_due_t *x = (const s_due_t *)a, *y = (const s_due_t *)b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int s_compare_violations(const void *a, const void *b)
{
    return memcmp((*(sla_violation_t *const *)a)->id, (*(sla_violation_t *const *)b)->id,
                  SW_EVENTID_SIZE);
}

/* The deadlines whose set, clear or violation the log lacks. */
static size_t s_due_list(sla_rules_t *self, s_due_t **out)
{
    size_t n = 0, size = 0, cursor = 0;
    s_due_t *due = NULL;
    uint32_t ci;
    while (sla_cases_next(self->cases, &cursor, &ci)) {
        uint32_t order = 0;
        for (uint32_t di = s_case(self, ci)->deadlines; di != SLA_POOL_NONE;
             di = s_dl(self, di)->next, order++) {
            const sla_deadline_t *d = s_dl(self, di);
            bool unset =
                !(d->flags & (SLA_DL_SET_DONE | S_SET_SENT)) &&
                (d->state == SLA_DEADLINE_PROPOSED || d->state == SLA_DEADLINE_ENDING);
            bool uncleared = d->state == SLA_DEADLINE_ENDING &&
                             (d->flags & SLA_DL_SET_DONE) && !(d->flags & S_CLEAR_SENT);
            bool unrecorded =
                d->state == SLA_DEADLINE_VIOLATING && !(d->flags & S_VIOLATION_SENT);
            if (!unset && !uncleared && !unrecorded)
                continue;
            if (n == size) {
                size = size ? 2 * size : 1024;
                due = (s_due_t *)sw_realloc(due, size * sizeof(s_due_t));
            }
            due[n++] = (s_due_t){s_case(self, ci)->key & ((UINT64_C(1) << 60) - 1), order,
                                 ci, di};
        }
    }
    if (n > 1) /* the same order whatever slots and records the cases sit in */
        qsort(due, n, sizeof *due, s_compare_due);
    *out = due;
    return n;
}

void sla_rules_live(sla_rules_t *self)
{
    if (!self->live) {
        self->live = true;
        sla_timers_bulk(self->timers, false);
    }
    /* collected first: proposing may drop a deadline (and forget a case) */
    s_due_t *due = NULL;
    size_t n = s_due_list(self, &due);
    for (size_t i = 0; i < n; i++) {
        uint32_t ci = due[i].ci, di = due[i].di;
        sla_deadline_t *d = s_dl(self, di);
        if (d->state == SLA_DEADLINE_VIOLATING)
            sla_send_violation_of(self, ci, di);
        else if (d->flags & SLA_DL_SET_DONE)
            sla_send_clear(self, ci, di);
        else if (sla_resolve(self, ci, di))
            sla_send_set(self, ci, di);
        else
            sla_remove_deadline(self, ci, di); /* its rule no longer applies */
    }
    free(due);
    size_t count = zhashx_size(self->violations), k = 0;
    sla_violation_t **list =
        (sla_violation_t **)sw_malloc((count ? count : 1) * sizeof(sla_violation_t *));
    for (sla_violation_t *v = (sla_violation_t *)zhashx_first(self->violations);
         v && k < count; v = (sla_violation_t *)zhashx_next(self->violations))
        list[k++] = v;
    qsort(list, k, sizeof *list, s_compare_violations); /* by id: the same on every run */
    for (size_t i = 0; i < k; i++)
        if (!list[i]->sent)
            sla_send_violation(self, list[i]);
    free(list);
}

/* ------------------------------------------------------------------------
   Timers and statistics. */

int64_t sla_rules_next_fire(sla_rules_t *self)
{
    return sla_timers_next(self->timers);
}

size_t sla_rules_expire(sla_rules_t *self, int64_t now_us, size_t max)
{
    size_t fired = 0;
    while (self->live && fired < max) {
        uint32_t di = sla_timers_pop_due(self->timers, now_us);
        if (di == SLA_POOL_NONE)
            break;
        fired++;
        sla_deadline_t *d = s_dl(self, di);
        if (d->state != SLA_DEADLINE_OPEN || (d->flags & SLA_DL_PAUSED))
            continue;
        bool warn =
            d->warn_us > 0 && d->warn_us < d->due_us && !(d->flags & SLA_DL_WARNED);
        d->flags |= SLA_DL_WARNED;
        bool breach = !warn || now_us >= d->due_us;
        if (breach)
            d->state = SLA_DEADLINE_BREACHING;
        sla_send_alarm(self, d->case_ref, di, breach);
        if (!breach)
            sla_schedule(self, di); /* again, at its due instant */
    }
    return fired;
}

const sla_rules_stats_t *sla_rules_stats(sla_rules_t *self)
{
    return &self->stats;
}

size_t sla_rules_cases(sla_rules_t *self)
{
    return sla_cases_size(self->cases);
}

size_t sla_rules_deadlines(sla_rules_t *self)
{
    return sla_timers_size(self->timers);
}

size_t sla_rules_running(sla_rules_t *self)
{
    return sla_timers_scheduled(self->timers);
}

size_t sla_rules_bytes(sla_rules_t *self)
{
    return sla_cases_bytes(self->cases) + sla_timers_bytes(self->timers);
}
