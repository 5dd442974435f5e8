/*  test_sla_snapshot: a snapshot round trip is a full replay (issue 10).

    For each seed a live core D plays the hub: a random stream of committed
    events (inquiries, routing, handoffs, replies, progress, waiting,
    resolution, callbacks, closing, reopening, locks with shirkers, the
    organisation loaded again, events of cases long forgotten) interleaved
    with D's own proposals committed back late and in batches, and time
    moving on with D firing its warnings and breaches.  D's snapshot is
    taken at a random step k.  Then:

      A  replays the whole log from nothing and goes live;
      C  loads D's snapshot (taken live at k), replays the log's tail and
         goes live;
      C2 loads the snapshot of a core B that replayed the log up to a
         random position, replays the rest and goes live.

    A, C and C2 must propose the very same events (byte for byte, in the
    same order) when live, write byte-identical snapshots, and keep doing
    so while the three run on live together (time moving, their proposals
    committed to all three).  A snapshot read back and written again is the
    same bytes.

    The stream commits the warnings and breaches D fires at once (audit
    commits them within milliseconds): while one is proposed and not
    committed, a live core ignores the case's events for that deadline that
    a replay applies (sla's decisions before and after a restart differ
    there with or without snapshots), which this test does not judge.
    Everything else D proposes waits for a random number of steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sw_calendar.h"
#include "sw_directory.h"
#include "sw_eventid.h"
#include "sw_log.h"
#include "sw_policy.h"
#include "sw_snapshot.h"
#include "sla_rules.h"
#include "sw_test.h"

#define MINUTE      (60 * 1000000LL)
#define S_DIRECTORY SHOUWEN_SOURCE_DIR "/deploy/directory/hotel.conf"
#define S_MAX_CASES 10
#define S_SECONDS   20 /* the seeds run for at most this long */

static const char *s_calendar_text = "holidays\n"
                                     "    cn\n"
                                     "        holiday\n"
                                     "            2026-04-04..2026-04-06 = 清明节\n"
                                     "offices\n"
                                     "    default\n"
                                     "        zone = Asia/Shanghai\n"
                                     "        hours = 08:30-12:00, 14:00-17:30\n"
                                     "        holidays = cn\n"
                                     "policies\n"
                                     "    warn_at = 75%\n"
                                     "    callback\n"
                                     "        limit = 2 working days\n"
                                     "        kinds = complaint\n";

static char *s_hotel;    /* the sample organisation: hk-02 away */
static char *s_hotel_in; /* the same with hk-02 back on post */
static char s_dir[64];   /* scratch directory for snapshot files */

/* ------------------------------------------------------------------------
   Frames in a growing array. */

typedef struct {
    zframe_t **items;
    size_t count, size;
} s_frames_t;

static void s_frames_add(s_frames_t *f, zframe_t *frame)
{
    if (f->count == f->size) {
        f->size = f->size ? 2 * f->size : 64;
        f->items = (zframe_t **)realloc(f->items, f->size * sizeof(zframe_t *));
        assert(f->items);
    }
    f->items[f->count++] = frame;
}

static void s_frames_free(s_frames_t *f)
{
    for (size_t i = 0; i < f->count; i++)
        zframe_destroy(&f->items[i]);
    free(f->items);
    memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------------------
   A core: the rules and what they propose. */

typedef struct {
    sla_rules_t *rules;
    s_frames_t proposals;
} s_core_t;

static void s_collect(void *arg, sw_envelope_t *env)
{
    s_core_t *core = (s_core_t *)arg;
    env->producer = (char *)"sla";
    s_frames_add(&core->proposals, sw_pack_frame(&env->base));
    env->producer = NULL;
}

static void s_core_init(s_core_t *core)
{
    memset(core, 0, sizeof *core);
    core->rules = sla_rules_new(NULL, 100000, 100000, s_collect, core);
}

static void s_core_destroy(s_core_t *core)
{
    sla_rules_destroy(&core->rules);
    s_frames_free(&core->proposals);
}

/* A committed event, as sla_server hands it on: a directory.loaded loads
   the calendar or the organisation (and starts R26's clocks). */
static void s_feed(s_core_t *core, const sw_envelope_t *env, bool replaying)
{
    if (env->body_case != SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED) {
        sla_rules_apply(core->rules, env, replaying);
        return;
    }
    const Shouwen__V1__DirectoryLoaded *d = env->directory_loaded;
    char *error = NULL;
    if (streq(d->kind, "calendar")) {
        CHECK_EQ(sla_rules_load_calendar(core->rules, (const char *)d->content.data,
                                         d->content.len, &error),
                 0);
    } else {
        sw_directory_t *dir = sw_directory_new_from_text((const char *)d->content.data,
                                                         d->content.len, &error);
        CHECK(dir != NULL);
        if (dir) {
            sla_people_load_directory(sla_rules_people(core->rules), dir);
            sla_rules_back_on_post(core->rules, dir, env, replaying);
        }
        sw_directory_destroy(&dir);
    }
    free(error);
}

static void s_feed_frame(s_core_t *core, zframe_t *frame, bool replaying)
{
    sw_envelope_t *env = sw_envelope_decode(zframe_data(frame), zframe_size(frame), NULL);
    CHECK(env != NULL);
    if (env)
        s_feed(core, env, replaying);
    sw_envelope_free(env);
}

/* The core's snapshot payload (the file's bytes after its header). */
static uint8_t *s_payload(s_core_t *core, const char *name, size_t *size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    uint8_t id[SW_EVENTID_SIZE] = {1};
    sw_snapshot_t *snap = sw_snapshot_new("sla", SLA_SNAPSHOT_FORMAT, 1, id);
    sla_rules_save(core->rules, snap);
    *size = sw_snapshot_size(snap);
    const char *why = NULL;
    CHECK_EQ(sw_snapshot_write(snap, path, &why), 0);
    sw_snapshot_destroy(&snap);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    uint8_t *out = (uint8_t *)malloc(*size ? *size : 1);
    assert(out);
    if (f) {
        CHECK_EQ(fseek(f, -(long)*size, SEEK_END), 0);
        CHECK_EQ(fread(out, 1, *size, f), *size);
        fclose(f);
    }
    return out;
}

/* A fresh core from the snapshot file name. */
static bool s_core_load(s_core_t *core, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    s_core_init(core);
    const char *why = NULL;
    sw_snapshot_t *snap = sw_snapshot_open(path, "sla", SLA_SNAPSHOT_FORMAT, &why);
    CHECK(snap != NULL);
    bool ok = snap && sla_rules_restore(core->rules, snap, &why);
    if (!ok)
        fprintf(stderr, "snapshot %s not restored: %s\n", path, why ? why : "?");
    CHECK(ok);
    sw_snapshot_destroy(&snap);
    return ok;
}

/* ------------------------------------------------------------------------
   The stream. */

typedef struct {
    uint64_t rng;
    uint32_t seed;
    int seq;
    int64_t now;
    s_core_t d;           /* the live core playing the hub */
    s_frames_t log;       /* committed events */
    zhashx_t *committed;  /* event ids in the log (hex) */
    size_t next_proposal; /* D's proposals before this one are committed or dropped */
    char cases[S_MAX_CASES][SW_CASEID_STRLEN + 1];
    int case_count;
    sw_calendar_t *calendar;
} s_world_t;

static uint32_t s_rand(s_world_t *w, uint32_t n)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return n ? (uint32_t)(w->rng % n) : 0;
}

static const char *s_pick(s_world_t *w, const char *const *list, size_t n)
{
    return list[s_rand(w, (uint32_t)n)];
}
#define PICK(w, list) s_pick(w, list, sizeof(list) / sizeof(list[0]))

/* Commit an event to the log (once per id, as audit does) and apply it to
   the live core. */
static void s_commit_env(s_world_t *w, sw_envelope_t *env)
{
    char key[2 * SW_EVENTID_SIZE + 1];
    for (size_t i = 0; i < SW_EVENTID_SIZE; i++)
        snprintf(key + 2 * i, 3, "%02x", env->event_id.data[i]);
    if (zhashx_lookup(w->committed, key))
        return;
    zhashx_insert(w->committed, key, (void *)1);
    s_frames_add(&w->log, sw_pack_frame(&env->base));
    s_feed(&w->d, env, false);
}

static void s_commit_frame(s_world_t *w, zframe_t *frame)
{
    sw_envelope_t *env = sw_envelope_decode(zframe_data(frame), zframe_size(frame), NULL);
    CHECK(env != NULL);
    if (env)
        s_commit_env(w, env);
    sw_envelope_free(env);
}

/* D's next n proposals committed. */
static void s_commit_proposals(s_world_t *w, size_t n)
{
    while (n-- > 0 && w->next_proposal < w->d.proposals.count)
        s_commit_frame(w, w->d.proposals.items[w->next_proposal++]);
}

/* An event from outside sla. */
typedef struct {
    sw_envelope_t env;
    uint8_t id[SW_EVENTID_SIZE];
    char case_id[SW_CASEID_STRLEN + 1];
} s_event_t;

static void s_event(s_world_t *w, s_event_t *e, const char *case_id,
                    Shouwen__V1__Envelope__BodyCase body)
{
    char name[48];
    snprintf(name, sizeof name, "seed-%u-event-%d", w->seed, ++w->seq);
    sw_eventid_make(e->id, "test", name, strlen(name));
    shouwen__v1__envelope__init(&e->env);
    e->env.event_id.data = e->id;
    e->env.event_id.len = SW_EVENTID_SIZE;
    e->env.body_case = body;
    e->env.type = (char *)sw_envelope_type_for(body);
    e->env.producer = (char *)"router";
    e->env.occurred_at_us = w->now;
    if (case_id)
        snprintf(e->case_id, sizeof e->case_id, "%s", case_id);
    else
        sw_caseid_from_event(e->id, e->case_id);
    e->env.case_id = e->case_id;
}

static void s_directory_event(s_world_t *w, const char *kind, const char *text)
{
    s_event_t e;
    s_event(w, &e, NULL, SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED);
    e.env.case_id = NULL;
    e.env.producer = (char *)"intake";
    Shouwen__V1__DirectoryLoaded body = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    body.kind = (char *)kind;
    body.version = (char *)"test";
    body.content.data = (uint8_t *)text;
    body.content.len = strlen(text);
    e.env.directory_loaded = &body;
    s_commit_env(w, &e.env);
}

static const char *const s_staff[] = {"fo-01", "fo-02", "hk-01", "hk-02",
                                      "fb-01", "en-01", "",      "hk-head"};
static const char *const s_depts[] = {"front_office", "housekeeping", "food_beverage",
                                      "engineering",  "concierge",    ""};

static void s_inquiry(s_world_t *w)
{
    static const Shouwen__V1__Channel channels[] = {SHOUWEN__V1__CHANNEL__CHANNEL_PHONE,
                                                    SHOUWEN__V1__CHANNEL__CHANNEL_VISIT};
    static const Shouwen__V1__RequestKind kinds[] = {
        SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION,
        SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT,
        SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_BUSINESS,
        SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_REPORT};
    s_event_t e;
    s_event(w, &e, NULL, SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED);
    Shouwen__V1__InquiryReceived body = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    body.branch_id = (char *)"hotel";
    body.channel = channels[s_rand(w, 2)];
    body.kind = kinds[s_rand(w, 4)];
    body.urgency = SHOUWEN__V1__URGENCY__URGENCY_NORMAL;
    body.receiver_staff_id = (char *)(s_rand(w, 2) ? "fo-01" : "fo-02");
    body.received_at_us = w->now;
    e.env.producer = (char *)"intake";
    e.env.inquiry_received = &body;
    int slot =
        w->case_count < S_MAX_CASES ? w->case_count++ : (int)s_rand(w, S_MAX_CASES);
    snprintf(w->cases[slot], sizeof w->cases[slot], "%s", e.case_id);
    s_commit_env(w, &e.env);
}

static void s_routed(s_world_t *w, const char *case_id)
{
    s_event_t e;
    s_event(w, &e, case_id, SHOUWEN__V1__ENVELOPE__BODY_ROUTED);
    Shouwen__V1__Routed body = SHOUWEN__V1__ROUTED__INIT;
    body.disposition = s_rand(w, 2)
                           ? SHOUWEN__V1__DISPOSITION__DISPOSITION_IN_SCOPE
                           : SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    body.natural_owner_id = (char *)"fo-01";
    body.handler_id = body.factual_owner_id = (char *)PICK(w, s_staff);
    body.department_id = (char *)PICK(w, s_depts);
    body.away_handler_id = (char *)(s_rand(w, 3) == 0 ? "hk-02" : "");
    e.env.routed = &body;
    s_commit_env(w, &e.env);
}

static void s_handoff(s_world_t *w, const char *case_id)
{
    static const Shouwen__V1__Envelope__BodyCase kinds[] = {
        SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED, SHOUWEN__V1__ENVELOPE__BODY_FORWARDED,
        SHOUWEN__V1__ENVELOPE__BODY_RETURNED, SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED};
    Shouwen__V1__Envelope__BodyCase kind = kinds[s_rand(w, 4)];
    s_event_t e;
    s_event(w, &e, case_id, kind);
    Shouwen__V1__Handoff h = SHOUWEN__V1__HANDOFF__INIT;
    h.from_staff_id = (char *)PICK(w, s_staff);
    h.from_department_id = (char *)PICK(w, s_depts);
    h.to_staff_id = (char *)PICK(w, s_staff);
    h.to_department_id = (char *)PICK(w, s_depts);
    h.sender_signer_id = h.from_staff_id;
    h.receiver_signer_id = (char *)PICK(w, s_staff);
    h.sender_signed_at_us = s_rand(w, 4) ? w->now : 0;
    h.hop = 1;
    Shouwen__V1__Transferred t = SHOUWEN__V1__TRANSFERRED__INIT;
    Shouwen__V1__Forwarded f = SHOUWEN__V1__FORWARDED__INIT;
    Shouwen__V1__Returned r = SHOUWEN__V1__RETURNED__INIT;
    Shouwen__V1__Accepted a = SHOUWEN__V1__ACCEPTED__INIT;
    t.handoff = f.handoff = r.handoff = a.handoff = &h;
    if (kind == SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED)
        e.env.transferred = &t;
    else if (kind == SHOUWEN__V1__ENVELOPE__BODY_FORWARDED)
        e.env.forwarded = &f;
    else if (kind == SHOUWEN__V1__ENVELOPE__BODY_RETURNED)
        e.env.returned = &r;
    else
        e.env.accepted = &a;
    s_commit_env(w, &e.env);
}

static void s_lock(s_world_t *w, const char *case_id)
{
    s_event_t e;
    s_event(w, &e, case_id, SHOUWEN__V1__ENVELOPE__BODY_COORDINATION);
    Shouwen__V1__Coordination body = SHOUWEN__V1__COORDINATION__INIT;
    body.ownership_locked = s_rand(w, 4) != 0;
    body.lead_department_id = (char *)PICK(w, s_depts);
    body.owner_staff_id = (char *)PICK(w, s_staff);
    body.shirker_staff_id = (char *)(s_rand(w, 2) ? PICK(w, s_staff) : "");
    body.shirker_department_id = (char *)PICK(w, s_depts);
    e.env.coordination = &body;
    s_commit_env(w, &e.env);
}

/* A fact with a body of no interest to sla beyond its kind. */
static void s_fact(s_world_t *w, const char *case_id,
                   Shouwen__V1__Envelope__BodyCase kind)
{
    s_event_t e;
    s_event(w, &e, case_id, kind);
    Shouwen__V1__Replied replied = SHOUWEN__V1__REPLIED__INIT;
    Shouwen__V1__Progress progress = SHOUWEN__V1__PROGRESS__INIT;
    Shouwen__V1__Resolved resolved = SHOUWEN__V1__RESOLVED__INIT;
    Shouwen__V1__CallbackDone callback = SHOUWEN__V1__CALLBACK_DONE__INIT;
    Shouwen__V1__Closed closed = SHOUWEN__V1__CLOSED__INIT;
    Shouwen__V1__Reopened reopened = SHOUWEN__V1__REOPENED__INIT;
    Shouwen__V1__CaseWaiting waiting = SHOUWEN__V1__CASE_WAITING__INIT;
    switch (kind) {
    case SHOUWEN__V1__ENVELOPE__BODY_REPLIED:
        e.env.replied = &replied;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_PROGRESS:
        e.env.progress = &progress;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        e.env.resolved = &resolved;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CALLBACK:
        e.env.callback = &callback;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        e.env.closed = &closed;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        e.env.reopened = &reopened;
        break;
    default:
        waiting.waiting = s_rand(w, 2) != 0;
        e.env.waiting = &waiting;
        break;
    }
    s_commit_env(w, &e.env);
}

/* Time moves on: D fires what is due, and audit commits it at once. */
static void s_tick(s_world_t *w, int64_t minutes)
{
    w->now += minutes * MINUTE;
    size_t before = w->d.proposals.count;
    sla_rules_expire(w->d.rules, w->now, 1000);
    for (size_t i = before; i < w->d.proposals.count; i++)
        s_commit_frame(w, w->d.proposals.items[i]);
}

/* One random step. */
static void s_step(s_world_t *w)
{
    w->now += s_rand(w, 30) * MINUTE;
    const char *c = w->case_count ? w->cases[s_rand(w, (uint32_t)w->case_count)] : NULL;
    uint32_t r = s_rand(w, 100);
    if (!c || r < 12)
        s_inquiry(w);
    else if (r < 24)
        s_routed(w, c);
    else if (r < 34)
        s_handoff(w, c);
    else if (r < 38)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_REPLIED);
    else if (r < 42)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_PROGRESS);
    else if (r < 47)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_RESOLVED);
    else if (r < 50)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_CALLBACK);
    else if (r < 54)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_CLOSED);
    else if (r < 57)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_REOPENED);
    else if (r < 62)
        s_fact(w, c, SHOUWEN__V1__ENVELOPE__BODY_WAITING);
    else if (r < 65)
        s_lock(w, c);
    else if (r < 67)
        s_directory_event(w, "organisation", s_rand(w, 2) ? s_hotel_in : s_hotel);
    else if (r < 85)
        s_commit_proposals(w, 1 + s_rand(w, 4));
    else
        s_tick(w, s_rand(w, 4) ? s_rand(w, 240) : s_rand(w, 6000));
}

/* ------------------------------------------------------------------------
   The property. */

static bool s_same_frames(const s_frames_t *a, size_t from_a, const s_frames_t *b,
                          size_t from_b)
{
    if (a->count - from_a != b->count - from_b)
        return false;
    for (size_t i = 0; i < a->count - from_a; i++)
        if (!zframe_eq(a->items[from_a + i], b->items[from_b + i]))
            return false;
    return true;
}

static bool s_same_payload(s_core_t *a, s_core_t *b)
{
    size_t na, nb;
    uint8_t *pa = s_payload(a, "a.snapshot", &na);
    uint8_t *pb = s_payload(b, "b.snapshot", &nb);
    bool same = na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return same;
}

static size_t s_failures;

static void s_report(s_world_t *w, const char *what, size_t k)
{
    if (s_failures++ < 5)
        fprintf(stderr, "seed %u (snapshot at step %zu): %s\n", w->seed, k, what);
}

/* A core replaying log[from..] then going live. */
static void s_replay_live(s_core_t *core, const s_frames_t *log, size_t from)
{
    for (size_t i = from; i < log->count; i++)
        s_feed_frame(core, log->items[i], true);
    sla_rules_live(core->rules);
}

static void s_seed(uint32_t seed)
{
    s_world_t w;
    memset(&w, 0, sizeof w);
    w.seed = seed;
    w.rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0x2545F4914F6CDD1Dull);
    w.committed = zhashx_new();
    char *error = NULL;
    w.calendar =
        sw_calendar_new_from_text(s_calendar_text, strlen(s_calendar_text), &error);
    free(error);
    /* a Friday in late March: holidays, weekends and a new month ahead */
    w.now = sw_calendar_local_to_utc(w.calendar, "default", 2026, 3, 27, 9, 0, 0);
    s_core_init(&w.d);
    sla_rules_live(w.d.rules);
    s_directory_event(&w, "calendar", s_calendar_text);
    s_directory_event(&w, "organisation", s_hotel);

    size_t steps = 40 + s_rand(&w, 160), k = s_rand(&w, (uint32_t)steps + 1);
    size_t at = 0; /* log position of D's snapshot */
    bool taken = false;
    for (size_t i = 0; i <= steps; i++) {
        if (i == k) { /* D's snapshot, taken live */
            size_t n;
            free(s_payload(&w.d, "d.snapshot", &n));
            at = w.log.count;
            taken = true;
        }
        if (i < steps)
            s_step(&w);
    }
    CHECK(taken);

    /* A: the whole log */
    s_core_t a, c, b, c2;
    s_core_init(&a);
    s_replay_live(&a, &w.log, 0);
    /* C: D's snapshot, the tail */
    bool loaded = s_core_load(&c, "d.snapshot");
    size_t n1, n2;
    uint8_t *p1 = s_payload(&c, "c.snapshot", &n1);
    char path[128];
    snprintf(path, sizeof path, "%s/d.snapshot", s_dir);
    /* read back and written again: the same bytes */
    {
        sw_snapshot_t *snap = NULL;
        const char *why;
        snap = sw_snapshot_open(path, "sla", SLA_SNAPSHOT_FORMAT, &why);
        n2 = snap ? sw_snapshot_size(snap) : 0;
        sw_snapshot_destroy(&snap);
        FILE *f = fopen(path, "rb");
        uint8_t *p2 = (uint8_t *)malloc(n2 ? n2 : 1);
        assert(p2);
        bool same = f && fseek(f, -(long)n2, SEEK_END) == 0 &&
                    fread(p2, 1, n2, f) == n2 && n1 == n2 && memcmp(p1, p2, n1) == 0;
        if (f)
            fclose(f);
        if (!same)
            s_report(&w, "a loaded snapshot written again differs", k);
        CHECK(same);
        free(p2);
    }
    free(p1);
    if (loaded)
        s_replay_live(&c, &w.log, at);
    /* C2: a replaying core's snapshot at a random position, the rest */
    size_t at2 = s_rand(&w, (uint32_t)w.log.count + 1);
    s_core_init(&b);
    for (size_t i = 0; i < at2; i++)
        s_feed_frame(&b, w.log.items[i], true);
    size_t nb;
    free(s_payload(&b, "b2.snapshot", &nb));
    s_core_destroy(&b);
    bool loaded2 = s_core_load(&c2, "b2.snapshot");
    if (loaded2)
        s_replay_live(&c2, &w.log, at2);

    if (!s_same_frames(&a.proposals, 0, &c.proposals, 0))
        s_report(&w, "live after D's snapshot and the tail: other proposals than A's", k);
    if (!s_same_frames(&a.proposals, 0, &c2.proposals, 0))
        s_report(&w, "live after B's snapshot and the tail: other proposals than A's",
                 at2);
    CHECK(s_same_frames(&a.proposals, 0, &c.proposals, 0));
    CHECK(s_same_frames(&a.proposals, 0, &c2.proposals, 0));
    if (!s_same_payload(&a, &c))
        s_report(&w, "snapshot after D's snapshot and the tail differs from A's", k);
    if (!s_same_payload(&a, &c2))
        s_report(&w, "snapshot after B's snapshot and the tail differs from A's", at2);

    /* on live together: time moves, A's proposals commit to all three */
    s_core_t *cores[3] = {&a, &c, &c2};
    size_t seen = 0;
    for (int round = 0; round < 8; round++) {
        w.now += (int64_t)(30 + s_rand(&w, 3000)) * MINUTE;
        size_t from[3];
        for (int i = 0; i < 3; i++) {
            from[i] = cores[i]->proposals.count;
            sla_rules_expire(cores[i]->rules, w.now, 1000);
        }
        (void)from;
        size_t end = a.proposals.count;
        for (size_t j = seen; j < end; j++) {
            zframe_t *frame = a.proposals.items[j];
            for (int i = 0; i < 3; i++)
                s_feed_frame(cores[i], frame, false);
        }
        seen = end;
        if (!s_same_frames(&a.proposals, 0, &c.proposals, 0) ||
            !s_same_frames(&a.proposals, 0, &c2.proposals, 0)) {
            s_report(&w, "running on live: other proposals than A's", k);
            CHECK(false);
            break;
        }
    }
    bool same = s_same_payload(&a, &c) && s_same_payload(&a, &c2);
    if (!same)
        s_report(&w, "snapshots differ after running on live", k);
    CHECK(same);
    CHECK(sla_rules_stats(a.rules)->applied > 0);

    s_core_destroy(&a);
    s_core_destroy(&c);
    s_core_destroy(&c2);
    s_core_destroy(&w.d);
    s_frames_free(&w.log);
    zhashx_destroy(&w.committed);
    sw_calendar_destroy(&w.calendar);
}

/* A warning or breach proposed and not committed when the snapshot is
   taken is fired again, the same event, by the process that loads it; one
   committed is not. */
static void test_inflight(void)
{
    s_world_t w;
    memset(&w, 0, sizeof w);
    w.seed = 0;
    w.committed = zhashx_new();
    char *error = NULL;
    w.calendar =
        sw_calendar_new_from_text(s_calendar_text, strlen(s_calendar_text), &error);
    free(error);
    w.now = sw_calendar_local_to_utc(w.calendar, "default", 2026, 3, 2, 9, 0, 0);
    s_core_init(&w.d);
    sla_rules_live(w.d.rules);
    s_directory_event(&w, "calendar", s_calendar_text);
    s_directory_event(&w, "organisation", s_hotel);
    s_event_t e;
    s_event(&w, &e, NULL, SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED);
    Shouwen__V1__InquiryReceived received = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    received.branch_id = (char *)"hotel";
    received.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    received.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    received.receiver_staff_id = (char *)"fo-01";
    received.received_at_us = w.now;
    e.env.inquiry_received = &received;
    s_commit_env(&w, &e.env);
    char case_id[SW_CASEID_STRLEN + 1];
    snprintf(case_id, sizeof case_id, "%s", e.case_id);
    s_event(&w, &e, case_id, SHOUWEN__V1__ENVELOPE__BODY_ROUTED);
    Shouwen__V1__Routed routed = SHOUWEN__V1__ROUTED__INIT;
    routed.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
    routed.natural_owner_id = (char *)"fo-01";
    routed.handler_id = routed.factual_owner_id = (char *)"hk-01";
    routed.department_id = (char *)"housekeeping";
    e.env.routed = &routed;
    s_commit_env(&w, &e.env);
    s_commit_proposals(&w, SIZE_MAX);
    CHECK(sla_rules_running(w.d.rules) >= 4); /* transfer, reply, phone, completion */

    size_t refired = 0, warnings = 0;
    for (int round = 0; round < 6; round++) {
        int64_t at = sla_rules_next_fire(w.d.rules);
        if (at == INT64_MAX)
            break;
        size_t before = w.d.proposals.count;
        CHECK(sla_rules_expire(w.d.rules, at, 1000) >= 1); /* proposed, not committed */
        CHECK(w.d.proposals.count > before);
        size_t n;
        free(s_payload(&w.d, "d.snapshot", &n));
        s_core_t c;
        if (s_core_load(&c, "d.snapshot")) {
            sla_rules_live(c.rules);
            CHECK_EQ(c.proposals.count, 0);
            sla_rules_expire(c.rules, at, 1000);
            bool same = s_same_frames(&c.proposals, 0, &w.d.proposals, before);
            CHECK(same);
            refired += same;
        }
        s_core_destroy(&c);
        sw_envelope_t *env =
            sw_envelope_decode(zframe_data(w.d.proposals.items[before]),
                               zframe_size(w.d.proposals.items[before]), NULL);
        warnings += env && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING;
        sw_envelope_free(env);
        /* committed now: a process loading the snapshot fires it no more */
        w.next_proposal = before;
        s_commit_proposals(&w, SIZE_MAX);
        free(s_payload(&w.d, "d.snapshot", &n));
        if (s_core_load(&c, "d.snapshot")) {
            sla_rules_live(c.rules);
            size_t live = c.proposals.count; /* a breach committed: its violation */
            sla_rules_expire(c.rules, at, 1000);
            CHECK_EQ(c.proposals.count, live);
        }
        s_core_destroy(&c);
    }
    CHECK(refired >= 4);
    CHECK(warnings >= 1);
    s_core_destroy(&w.d);
    s_frames_free(&w.log);
    zhashx_destroy(&w.committed);
    sw_calendar_destroy(&w.calendar);
}

/* A damaged payload is refused, not half applied. */
static void test_truncated(void)
{
    s_core_t core;
    s_core_init(&core);
    char path[128];
    snprintf(path, sizeof path, "%s/short.snapshot", s_dir);
    uint8_t id[SW_EVENTID_SIZE] = {0};
    sw_snapshot_t *snap = sw_snapshot_new("sla", SLA_SNAPSHOT_FORMAT, 1, id);
    sw_snapshot_put_u8(snap, 0);   /* no calendar */
    sw_snapshot_put_u32(snap, 99); /* 99 people, none follows */
    const char *why = NULL;
    CHECK_EQ(sw_snapshot_write(snap, path, &why), 0);
    sw_snapshot_destroy(&snap);
    snap = sw_snapshot_open(path, "sla", SLA_SNAPSHOT_FORMAT, &why);
    CHECK(snap != NULL);
    CHECK(snap && !sla_rules_restore(core.rules, snap, &why));
    sw_snapshot_destroy(&snap);
    s_core_destroy(&core);
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = (char *)malloc((size_t)size + 1);
    assert(text);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

/* ------------------------------------------------------------------------
   --scale OPEN CLOSED: figures, not a check (docs/snapshots-sla.md).  A log
   of OPEN routed cases with their deadlines set, and CLOSED cases routed,
   set, closed and cleared, made by a live core committing its proposals at
   once; then the whole log replayed (decoded and applied, as a restart
   without a snapshot does) against the snapshot written, read back
   (checksum included) and loaded, and loaded again by a fresh process
   (--load PATH) for its resident memory.  Build without sanitizers for
   figures. */

static double s_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_scale(long open, long closed)
{
    s_world_t w;
    memset(&w, 0, sizeof w);
    w.seed = 1;
    w.committed = zhashx_new();
    char *error = NULL;
    w.calendar =
        sw_calendar_new_from_text(s_calendar_text, strlen(s_calendar_text), &error);
    free(error);
    w.now = sw_calendar_local_to_utc(w.calendar, "default", 2026, 3, 2, 9, 0, 0);
    s_core_init(&w.d);
    sla_rules_live(w.d.rules);
    s_directory_event(&w, "calendar", s_calendar_text);
    s_directory_event(&w, "organisation", s_hotel);
    double t0 = s_secs();
    for (long i = 0; i < open + closed; i++) {
        s_inquiry(&w);
        const char *c = w.cases[w.case_count - 1 < 0 ? 0 : (w.case_count - 1)];
        char case_id[SW_CASEID_STRLEN + 1];
        snprintf(case_id, sizeof case_id, "%s", c);
        w.case_count = 0; /* one slot is enough */
        s_routed(&w, case_id);
        s_commit_proposals(&w, SIZE_MAX);
        if (i >= open) {
            s_fact(&w, case_id, SHOUWEN__V1__ENVELOPE__BODY_CLOSED);
            s_commit_proposals(&w, SIZE_MAX);
        }
        if (w.d.proposals.count > 4096) { /* keep the driver small */
            for (size_t k = 0; k < w.d.proposals.count; k++)
                zframe_destroy(&w.d.proposals.items[k]);
            w.d.proposals.count = 0;
            w.next_proposal = 0;
        }
        if (i % 1000 == 999)
            w.now += MINUTE;
    }
    fflush(stdout);
    printf("log: %zu events, %ld open and %ld closed cases (made in %.1f s)\n",
           w.log.count, open, closed, s_secs() - t0);
    s_core_destroy(&w.d);
    zhashx_destroy(&w.committed);

    s_core_t a;
    s_core_init(&a);
    t0 = s_secs();
    s_replay_live(&a, &w.log, 0);
    double replay = s_secs() - t0;
    printf(
        "full replay: %.3f s (%.2f us an event): %zu cases, %zu deadlines (%zu running), "
        "%zu bytes of case and deadline records\n",
        replay, replay * 1e6 / (double)w.log.count, sla_rules_cases(a.rules),
        sla_rules_deadlines(a.rules), sla_rules_running(a.rules),
        sla_rules_bytes(a.rules));
    char path[128];
    snprintf(path, sizeof path, "%s/scale.snapshot", s_dir);
    uint8_t id[SW_EVENTID_SIZE] = {1};
    t0 = s_secs();
    sw_snapshot_t *snap = sw_snapshot_new("sla", SLA_SNAPSHOT_FORMAT, w.log.count, id);
    sla_rules_save(a.rules, snap);
    size_t bytes = sw_snapshot_size(snap);
    const char *why = NULL;
    CHECK_EQ(sw_snapshot_write(snap, path, &why), 0);
    sw_snapshot_destroy(&snap);
    printf("snapshot written: %.3f s, %zu bytes\n", s_secs() - t0, bytes);
    s_core_t c;
    s_core_init(&c);
    t0 = s_secs();
    snap = sw_snapshot_open(path, "sla", SLA_SNAPSHOT_FORMAT, &why);
    double opened = s_secs() - t0;
    CHECK(snap && sla_rules_restore(c.rules, snap, &why));
    sw_snapshot_destroy(&snap);
    sla_rules_live(c.rules);
    double loaded = s_secs() - t0;
    printf("snapshot loaded: %.3f s (read and checksum %.3f s) and live: %zu cases, %zu "
           "deadlines (%zu running)\n",
           loaded, opened, sla_rules_cases(c.rules), sla_rules_deadlines(c.rules),
           sla_rules_running(c.rules));
    CHECK(s_same_payload(&a, &c));
    /* what a fresh process holds once it has loaded the snapshot */
    char command[256];
    snprintf(command, sizeof command, "/proc/%d/exe --load %s", (int)getpid(), path);
    fflush(stdout);
    CHECK_EQ(system(command), 0);
    unlink(path);
    s_core_destroy(&a);
    s_core_destroy(&c);
    s_frames_free(&w.log);
    sw_calendar_destroy(&w.calendar);
}

/* Resident memory of this process, in kB (VmRSS). */
static long s_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

/* --load PATH: a fresh process loads a snapshot and goes live, as sla does
   at start; its resident memory before and after. */
static int s_load_only(const char *path)
{
    long before = s_rss_kb();
    double t0 = s_secs();
    s_core_t c;
    s_core_init(&c);
    const char *why = NULL;
    sw_snapshot_t *snap = sw_snapshot_open(path, "sla", SLA_SNAPSHOT_FORMAT, &why);
    bool ok = snap && sla_rules_restore(c.rules, snap, &why);
    sw_snapshot_destroy(&snap);
    sla_rules_live(c.rules);
    printf(
        "fresh process: %s in %.3f s, %zu cases, %zu deadlines; resident memory %ld kB "
        "before, %ld kB after\n",
        ok ? "loaded" : why, s_secs() - t0, sla_rules_cases(c.rules),
        sla_rules_deadlines(c.rules), before, s_rss_kb());
    fflush(stdout);
    s_core_destroy(&c);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    sw_log_init("test_sla_snapshot", LOG_CRIT);
    if (argc == 3 && streq(argv[1], "--load"))
        return s_load_only(argv[2]);
    snprintf(s_dir, sizeof s_dir, "/tmp/test_sla_snapshot.XXXXXX");
    if (!mkdtemp(s_dir)) { /* not in assert(): a release build drops it */
        perror(s_dir);
        return 1;
    }
    s_hotel = s_read(S_DIRECTORY);
    s_hotel_in = strdup(s_hotel);
    char *away = strstr(s_hotel_in, "availability = away   ");
    assert(away);
    memcpy(away, "availability = on_post", 22); /* hk-02 back */
    if (argc == 4 && streq(argv[1], "--scale")) {
        s_scale(atol(argv[2]), atol(argv[3]));
        free(s_hotel);
        free(s_hotel_in);
        const char *left[] = {"a", "b"};
        for (size_t i = 0; i < 2; i++) {
            char path[128];
            snprintf(path, sizeof path, "%s/%s.snapshot", s_dir, left[i]);
            unlink(path);
        }
        rmdir(s_dir);
        SW_TEST_DONE();
    }
    test_truncated();
    test_inflight();
    uint32_t first = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;
    uint32_t count = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 400;
    time_t start = time(NULL);
    uint32_t done = 0;
    for (uint32_t seed = first; seed < first + count; seed++, done++) {
        if (time(NULL) - start >= S_SECONDS)
            break;
        s_seed(seed);
    }
    printf("%u seeds from %u, %zu failed\n", done, first, s_failures);
    CHECK(done >= 20);
    free(s_hotel);
    free(s_hotel_in);
    const char *names[] = {"a", "b", "c", "d", "b2", "short"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.snapshot", s_dir, names[i]);
        unlink(path);
    }
    rmdir(s_dir);
    SW_TEST_DONE();
}
