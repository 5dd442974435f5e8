/*  sla_snapshot: the rules' state as a snapshot payload (format
    SLA_SNAPSHOT_FORMAT) and back.  The payload holds what a replay of the
    log up to the snapshot's position builds, in a canonical order, so that
    a snapshot taken after a load and a tail equals one taken after the
    whole log (tests/unit/test_sla_snapshot.c):

      calendar text (or NULL) | people (sla_people_save) | tally
      (sla_tally_save) | cases, sorted by id, each with its waiting and
      away entries and its deadlines in list order (trigger and ending
      inline) | the side table of violations, sorted by id | end mark

    Record indexes are never written: a case is named by its id, a
    deadline by its place in its case's list, a person by the interned id
    sla_people_restore gives back the same.  What only the writing process
    knows is left out: a decision proposed and not committed (set, clear,
    warning, breach, violation) is written as not yet proposed, so the
    loading process proposes it again when live, the same event (audit
    keeps one). */
#include "sla_rules_int.h"
#include "sw_alloc.h"

#define S_KEY_MASK ((UINT64_C(1) << 60) - 1)
#define S_END_MARK 0x534c4145u /* "SLAE" */
/* Flags of this process alone, never written. */
#define S_PROCESS_FLAGS                                                                  \
    (S_SET_SENT | S_CLEAR_SENT | S_VIOLATION_SENT | S_HAS_TRIGGER | S_HAS_ENDING |       \
     SLA_DL_WARNED)

static int s_compare_cases(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a & S_KEY_MASK, y = *(const uint64_t *)b & S_KEY_MASK;
    return x < y ? -1 : x > y;
}

static int s_compare_violations(const void *a, const void *b)
{
    return memcmp((*(sla_violation_t *const *)a)->id, (*(sla_violation_t *const *)b)->id,
                  SW_EVENTID_SIZE);
}

/* ------------------------------------------------------------------ save */

static void s_save_deadline(sla_rules_t *self, uint32_t di, sw_snapshot_t *snap)
{
    const sla_deadline_t *d = s_dl(self, di);
    uint16_t flags = d->flags & (uint16_t)~S_PROCESS_FLAGS;
    if (d->flags & S_WARN_DONE)
        flags |= SLA_DL_WARNED; /* warned in the log, not only proposed */
    /* a breach proposed and not committed: running and due, as a replay
       leaves it (it fires again when live) */
    uint8_t state =
        d->state == SLA_DEADLINE_BREACHING ? (uint8_t)SLA_DEADLINE_OPEN : d->state;
    sw_snapshot_put_bytes(snap, d->id, SW_EVENTID_SIZE);
    sw_snapshot_put_i64(snap, d->due_us);
    sw_snapshot_put_i64(snap, d->warn_us);
    sw_snapshot_put_u32(snap, d->holder);
    sw_snapshot_put_u32(snap, d->department);
    sw_snapshot_put_u8(snap, d->kind);
    sw_snapshot_put_u8(snap, state);
    sw_snapshot_put_u32(snap, flags);
    char key[12];
    sla_index_key(di, key);
    const uint8_t *trigger = (d->flags & S_HAS_TRIGGER)
                                 ? (const uint8_t *)zhashx_lookup(self->triggers, key)
                                 : NULL;
    sw_snapshot_put_u8(snap, trigger != NULL);
    if (trigger)
        sw_snapshot_put_bytes(snap, trigger, SW_EVENTID_SIZE);
    const sla_ending_t *ending =
        (d->flags & S_HAS_ENDING)
            ? (const sla_ending_t *)zhashx_lookup(self->endings, key)
            : NULL;
    sw_snapshot_put_u8(snap, ending != NULL);
    if (ending) {
        sw_snapshot_put_str(snap, ending->reason);
        sw_snapshot_put_bytes(snap, ending->cause, SW_EVENTID_SIZE);
    }
}

static void s_save_case(sla_rules_t *self, uint32_t ci, sw_snapshot_t *snap)
{
    const sla_case_t *c = s_case(self, ci);
    sw_snapshot_put_u64(snap, c->key);
    sw_snapshot_put_i64(snap, c->received_at_us);
    sw_snapshot_put_u32(snap, c->holder);
    sw_snapshot_put_u32(snap, c->department);
    sw_snapshot_put_u32(snap, c->first_owner);
    sw_snapshot_put_u32(snap, c->branch);
    sw_snapshot_put_u8(snap, c->channel);
    sw_snapshot_put_u8(snap, c->request_kind);
    sw_snapshot_put_u8(snap, c->urgency);
    sw_snapshot_put_u8(snap, c->disposition);
    char key[12];
    sla_index_key(ci, key);
    const int64_t *since = (const int64_t *)zhashx_lookup(self->waiting, key);
    sw_snapshot_put_u8(snap, since != NULL);
    if (since)
        sw_snapshot_put_i64(snap, *since);
    const uint32_t *away = (const uint32_t *)zhashx_lookup(self->away, key);
    sw_snapshot_put_u8(snap, away != NULL);
    if (away)
        sw_snapshot_put_u32(snap, *away);
    uint32_t n = 0;
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next)
        n++;
    sw_snapshot_put_u32(snap, n);
    for (uint32_t di = c->deadlines; di != SLA_POOL_NONE; di = s_dl(self, di)->next)
        s_save_deadline(self, di, snap);
}

static void s_save_violation(const sla_violation_t *v, sw_snapshot_t *snap)
{
    sw_snapshot_put_bytes(snap, v->id, SW_EVENTID_SIZE);
    sw_snapshot_put_bytes(snap, v->cause, SW_EVENTID_SIZE);
    sw_snapshot_put_str(snap, v->case_id);
    sw_snapshot_put_u32(snap, (uint32_t)v->verdict.type);
    sw_snapshot_put_u32(snap, v->verdict.staff);
    sw_snapshot_put_u32(snap, v->verdict.department);
    sw_snapshot_put_u32(snap, v->verdict.yuan);
    sw_snapshot_put_u32(snap, v->verdict.occurrence);
    sw_snapshot_put_u8(snap, v->verdict.self_criticism);
    sw_snapshot_put_str(snap, v->verdict.rule);
    sw_snapshot_put_i64(snap, v->occurred_at_us);
}

void sla_rules_save(sla_rules_t *self, sw_snapshot_t *snap)
{
    sw_snapshot_put_u8(snap, self->calendar_text != NULL);
    if (self->calendar_text)
        sw_snapshot_put_bytes(snap, self->calendar_text, self->calendar_len);
    sla_people_save(self->people, snap);
    sla_tally_save(self->tally, snap);

    /* cases by id: (key, record) pairs sorted on the key */
    size_t n = sla_cases_size(self->cases), k = 0, cursor = 0;
    uint64_t *cases = (uint64_t *)sw_malloc((n ? n : 1) * 2 * sizeof(uint64_t));
    uint32_t ci;
    while (k < n && sla_cases_next(self->cases, &cursor, &ci)) {
        cases[2 * k] = s_case(self, ci)->key;
        cases[2 * k + 1] = ci;
        k++;
    }
    qsort(cases, k, 2 * sizeof(uint64_t), s_compare_cases);
    sw_snapshot_put_u32(snap, (uint32_t)k);
    for (size_t i = 0; i < k; i++)
        s_save_case(self, (uint32_t)cases[2 * i + 1], snap);
    free(cases);

    size_t count = zhashx_size(self->violations);
    sla_violation_t **list =
        (sla_violation_t **)sw_malloc((count ? count : 1) * sizeof(sla_violation_t *));
    k = 0;
    for (sla_violation_t *v = (sla_violation_t *)zhashx_first(self->violations);
         v && k < count; v = (sla_violation_t *)zhashx_next(self->violations))
        list[k++] = v;
    qsort(list, k, sizeof *list, s_compare_violations);
    sw_snapshot_put_u32(snap, (uint32_t)k);
    for (size_t i = 0; i < k; i++)
        s_save_violation(list[i], snap);
    free(list);
    sw_snapshot_put_u32(snap, S_END_MARK);
}

/* --------------------------------------------------------------- restore */

static bool s_get_id(sw_snapshot_t *snap, uint8_t *out)
{
    const uint8_t *data;
    size_t size;
    if (!sw_snapshot_get_bytes(snap, &data, &size) || size != SW_EVENTID_SIZE)
        return false;
    memcpy(out, data, SW_EVENTID_SIZE);
    return true;
}

/* A person id read back must be one the people table holds. */
static bool s_get_person(sla_rules_t *self, sw_snapshot_t *snap, uint32_t *id)
{
    return sw_snapshot_get_u32(snap, id) && *id <= sla_people_size(self->people);
}

static bool s_restore_deadline(sla_rules_t *self, uint32_t ci, uint32_t *tail,
                               sw_snapshot_t *snap, const char **why)
{
    sla_deadline_t r;
    memset(&r, 0, sizeof r);
    uint8_t kind, state, has;
    uint32_t flags;
    if (!s_get_id(snap, r.id) || !sw_snapshot_get_i64(snap, &r.due_us) ||
        !sw_snapshot_get_i64(snap, &r.warn_us) || !s_get_person(self, snap, &r.holder) ||
        !s_get_person(self, snap, &r.department) || !sw_snapshot_get_u8(snap, &kind) ||
        !sw_snapshot_get_u8(snap, &state) || !sw_snapshot_get_u32(snap, &flags) ||
        kind >= 8 || state < SLA_DEADLINE_PROPOSED || state > SLA_DEADLINE_VIOLATING ||
        flags > UINT16_MAX) {
        *why = "a malformed deadline";
        return false;
    }
    uint32_t di = sla_timers_add(self->timers);
    if (di == SLA_POOL_NONE) {
        *why = "more deadlines than sla/max_deadlines";
        return false;
    }
    sla_deadline_t *d = s_dl(self, di);
    memcpy(d->id, r.id, SW_EVENTID_SIZE);
    d->due_us = r.due_us;
    d->warn_us = r.warn_us;
    d->holder = r.holder;
    d->department = r.department;
    d->kind = kind;
    d->state = state;
    d->flags = (uint16_t)flags & (uint16_t)~S_PROCESS_FLAGS;
    if (flags & S_WARN_DONE)
        d->flags |= SLA_DL_WARNED;
    d->case_ref = ci;
    d->next = SLA_POOL_NONE;
    if (*tail == SLA_POOL_NONE)
        s_case(self, ci)->deadlines = di;
    else
        s_dl(self, *tail)->next = di;
    *tail = di;
    char key[12];
    sla_index_key(di, key);
    uint8_t id[SW_EVENTID_SIZE];
    if (!sw_snapshot_get_u8(snap, &has) || (has && !s_get_id(snap, id))) {
        *why = "a malformed trigger";
        return false;
    }
    if (has) {
        uint8_t *copy = (uint8_t *)sw_malloc(SW_EVENTID_SIZE);
        memcpy(copy, id, SW_EVENTID_SIZE);
        zhashx_update(self->triggers, key, copy);
        d->flags |= S_HAS_TRIGGER;
    }
    char *reason = NULL;
    if (!sw_snapshot_get_u8(snap, &has) || (has && (!sw_snapshot_get_str(snap, &reason) ||
                                                    !reason || !s_get_id(snap, id)))) {
        free(reason);
        *why = "a malformed ending";
        return false;
    }
    if (has) {
        sla_ending_t *ending = (sla_ending_t *)zmalloc(sizeof(sla_ending_t));
        snprintf(ending->reason, sizeof ending->reason, "%s", reason);
        memcpy(ending->cause, id, SW_EVENTID_SIZE);
        zhashx_update(self->endings, key, ending);
        d->flags |= S_HAS_ENDING;
    }
    free(reason);
    /* running as a replay leaves it: committed, not paused */
    if (d->state == SLA_DEADLINE_OPEN && !(d->flags & SLA_DL_PAUSED))
        sla_schedule(self, di);
    return true;
}

static bool s_restore_case(sla_rules_t *self, sw_snapshot_t *snap, uint64_t *last,
                           const char **why)
{
    sla_case_t r;
    memset(&r, 0, sizeof r);
    uint32_t branch;
    if (!sw_snapshot_get_u64(snap, &r.key) ||
        !sw_snapshot_get_i64(snap, &r.received_at_us) ||
        !s_get_person(self, snap, &r.holder) ||
        !s_get_person(self, snap, &r.department) ||
        !s_get_person(self, snap, &r.first_owner) || !s_get_person(self, snap, &branch) ||
        !sw_snapshot_get_u8(snap, &r.channel) ||
        !sw_snapshot_get_u8(snap, &r.request_kind) ||
        !sw_snapshot_get_u8(snap, &r.urgency) ||
        !sw_snapshot_get_u8(snap, &r.disposition) ||
        (*last != UINT64_MAX && (r.key & S_KEY_MASK) <= *last)) {
        *why = "a malformed case";
        return false;
    }
    *last = r.key & S_KEY_MASK;
    uint32_t ci = sla_cases_ensure(self->cases, r.key);
    if (ci == SLA_POOL_NONE) {
        *why = "more cases than sla/max_cases";
        return false;
    }
    sla_case_t *c = s_case(self, ci);
    r.branch = branch;
    r.deadlines = SLA_POOL_NONE;
    *c = r;
    char key[12];
    sla_index_key(ci, key);
    uint8_t has;
    int64_t since;
    uint32_t away, n;
    if (!sw_snapshot_get_u8(snap, &has) || (has && !sw_snapshot_get_i64(snap, &since))) {
        *why = "a malformed waiting case";
        return false;
    }
    if (has) {
        int64_t *item = (int64_t *)sw_malloc(sizeof(int64_t));
        *item = since;
        zhashx_update(self->waiting, key, item);
    }
    if (!sw_snapshot_get_u8(snap, &has) || (has && !s_get_person(self, snap, &away))) {
        *why = "a malformed away handler";
        return false;
    }
    if (has) {
        uint32_t *item = (uint32_t *)sw_malloc(sizeof(uint32_t));
        *item = away;
        zhashx_update(self->away, key, item);
    }
    if (!sw_snapshot_get_u32(snap, &n)) {
        *why = "a malformed case";
        return false;
    }
    uint32_t tail = SLA_POOL_NONE;
    for (uint32_t i = 0; i < n; i++)
        if (!s_restore_deadline(self, ci, &tail, snap, why))
            return false;
    return true;
}

static bool s_restore_violation(sla_rules_t *self, sw_snapshot_t *snap, const char **why)
{
    sla_violation_t *v = (sla_violation_t *)zmalloc(sizeof(sla_violation_t));
    char *case_id = NULL, *rule = NULL;
    uint32_t type;
    uint8_t self_criticism;
    bool ok = s_get_id(snap, v->id) && s_get_id(snap, v->cause) &&
              sw_snapshot_get_str(snap, &case_id) && case_id &&
              strlen(case_id) <= SW_CASEID_STRLEN && sw_snapshot_get_u32(snap, &type) &&
              s_get_person(self, snap, &v->verdict.staff) &&
              s_get_person(self, snap, &v->verdict.department) &&
              sw_snapshot_get_u32(snap, &v->verdict.yuan) &&
              sw_snapshot_get_u32(snap, &v->verdict.occurrence) &&
              sw_snapshot_get_u8(snap, &self_criticism) &&
              sw_snapshot_get_str(snap, &rule) && rule &&
              strlen(rule) < sizeof v->verdict.rule &&
              sw_snapshot_get_i64(snap, &v->occurred_at_us);
    if (ok) {
        snprintf(v->case_id, sizeof v->case_id, "%s", case_id);
        snprintf(v->verdict.rule, sizeof v->verdict.rule, "%s", rule);
        v->verdict.type = (int)type;
        v->verdict.self_criticism = self_criticism != 0;
        char key[2 * SW_EVENTID_SIZE + 1];
        sla_hex(v->id, key);
        zhashx_update(self->violations, key, v);
    } else {
        free(v);
        *why = "a malformed violation";
    }
    free(case_id);
    free(rule);
    return ok;
}

bool sla_rules_restore(sla_rules_t *self, sw_snapshot_t *snap, const char **why)
{
    assert(!self->live && sla_cases_size(self->cases) == 0);
    *why = "truncated";
    uint8_t has;
    if (!sw_snapshot_get_u8(snap, &has))
        return false;
    if (has) {
        const uint8_t *text;
        size_t len;
        char *error = NULL;
        if (!sw_snapshot_get_bytes(snap, &text, &len) ||
            sla_rules_load_calendar(self, (const char *)text, len, &error) != 0) {
            free(error);
            *why = "its calendar does not load";
            return false;
        }
    }
    if (!sla_people_restore(self->people, snap)) {
        *why = "malformed people";
        return false;
    }
    if (!sla_tally_restore(self->tally, snap)) {
        *why = "a malformed tally";
        return false;
    }
    uint32_t n;
    uint64_t last = UINT64_MAX;
    if (!sw_snapshot_get_u32(snap, &n))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!s_restore_case(self, snap, &last, why))
            return false;
    if (!sw_snapshot_get_u32(snap, &n))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!s_restore_violation(self, snap, why))
            return false;
    uint32_t mark;
    if (!sw_snapshot_get_u32(snap, &mark) || mark != S_END_MARK ||
        !sw_snapshot_done(snap)) {
        *why = "no end mark";
        return false;
    }
    return true;
}
