/*  test_intake_snapshot: intake's snapshot round trip is the replay
    (issue 10, property).  For random logs of cases (inquiries, routing,
    transfers and acceptances, deadlines set, warned, breached and cleared,
    resolutions, closes and reopens) on the sample hotel, intake_cases,
    intake_access and intake_watch fed the whole log answer every query the
    same as ones fed a prefix, written to a snapshot file, loaded into fresh
    ones and fed the rest: every staff member's and department's cases,
    what falls due, every phone, who may read every case, and a watch from
    0 of every branch, compared as packed messages. */
#include <assert.h>
#include <czmq.h>
#include <unistd.h>

#include "intake_access.h"
#include "intake_cases.h"
#include "sw_hash.h"
#include "intake_watch.h"
#include "sw_alloc.h"
#include "sw_directory.h"
#include "sw_eventid.h"
#include "sw_snapshot.h"

static const char *s_staff[] = {"fo-01", "fo-02", "hk-01", "hk-02", "en-01", "gm-01"};
static const char *s_depts[] = {"front_office", "housekeeping", "engineering"};
#define N_STAFF (sizeof s_staff / sizeof s_staff[0])
#define N_DEPTS (sizeof s_depts / sizeof s_depts[0])

typedef struct {
    zchunk_t **events; /* packed envelopes; position = index + 1 */
    size_t count, size;
} s_log_t;

static uint32_t s_seed;
static uint32_t s_rand(uint32_t n)
{
    s_seed = s_seed * 1103515245u + 12345u;
    return (s_seed >> 8) % n;
}

static void s_append(s_log_t *log, sw_envelope_t *env, const char *producer, int body)
{
    static uint64_t seq;
    uint8_t id[SW_EVENTID_SIZE];
    char name[32];
    int len = snprintf(name, sizeof name, "e%zu-%u", log->count, s_seed);
    sw_eventid_make(id, "test", name, (size_t)len);
    if (!env->event_id.len) {
        env->event_id.data = id;
        env->event_id.len = SW_EVENTID_SIZE;
    }
    env->producer = (char *)producer;
    env->producer_seq = ++seq;
    env->occurred_at_us = 1790000000000000LL + (int64_t)log->count * 1000000;
    env->body_case = body;
    env->type = (char *)sw_envelope_type_for(body);
    size_t n = protobuf_c_message_get_packed_size(&env->base);
    zchunk_t *c = zchunk_new(NULL, n);
    protobuf_c_message_pack(&env->base, zchunk_data(c));
    zchunk_set(c, zchunk_data(c), n);
    if (log->count == log->size) {
        log->size = log->size ? log->size * 2 : 256;
        log->events = sw_realloc(log->events, log->size * sizeof(zchunk_t *));
    }
    log->events[log->count++] = c;
}

typedef struct {
    char id[SW_CASEID_STRLEN + 1];
    int state; /* 0 open, 1 resolved, 2 closed */
    uint8_t deadlines[8][SW_EVENTID_SIZE];
    int n_deadlines;
} s_case_t;

/* A random log of n_cases cases, events interleaved. */
static void s_make_log(s_log_t *log, int n_cases, int steps)
{
    s_case_t *cases = sw_calloc((size_t)n_cases, sizeof(s_case_t));
    int opened = 0;
    for (int step = 0; step < steps; step++) {
        sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
        if (opened < n_cases && (opened == 0 || s_rand(4) == 0)) {
            s_case_t *c = &cases[opened++];
            uint8_t id[SW_EVENTID_SIZE];
            char name[32];
            int len = snprintf(name, sizeof name, "hotel/r%d-%u", opened, s_seed);
            sw_eventid_make(id, "intake", name, (size_t)len);
            sw_caseid_from_event(id, c->id);
            Shouwen__V1__Customer cu = SHOUWEN__V1__CUSTOMER__INIT;
            char phone[20];
            snprintf(phone, sizeof phone, "1390000%04u", s_rand(20));
            cu.name = (char *)"张三";
            cu.phone = phone;
            Shouwen__V1__InquiryReceived r = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
            r.branch_id = (char *)"hotel";
            r.request_id = name;
            r.customer = &cu;
            r.matter = (char *)"事项";
            r.category = (char *)(s_rand(2) ? "room_cleaning" : "check_in");
            r.receiver_staff_id = (char *)s_staff[s_rand(2)];
            env.event_id.data = id;
            env.event_id.len = SW_EVENTID_SIZE;
            env.case_id = c->id;
            env.inquiry_received = &r;
            s_append(log, &env, "intake", SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED);
            continue;
        }
        s_case_t *c = &cases[s_rand((uint32_t)opened)];
        env.case_id = c->id;
        const char *who = s_staff[s_rand(N_STAFF)];
        const char *dept = s_depts[s_rand(N_DEPTS)];
        env.actor = (char *)who;
        Shouwen__V1__Handoff h = SHOUWEN__V1__HANDOFF__INIT;
        h.from_staff_id = (char *)s_staff[s_rand(N_STAFF)];
        h.to_staff_id = (char *)(s_rand(2) ? who : "");
        h.to_department_id = (char *)dept;
        h.receiver_signer_id = (char *)who;
        if (c->state == 2) { /* closed: only a reopen */
            if (s_rand(3))
                continue;
            Shouwen__V1__Reopened ro = SHOUWEN__V1__REOPENED__INIT;
            ro.reason = (char *)"再办";
            env.reopened = &ro;
            c->state = 0;
            s_append(log, &env, "router", SHOUWEN__V1__ENVELOPE__BODY_REOPENED);
            continue;
        }
        switch (s_rand(9)) {
        case 0: {
            Shouwen__V1__Routed r = SHOUWEN__V1__ROUTED__INIT;
            r.natural_owner_id = (char *)s_staff[s_rand(N_STAFF)];
            r.factual_owner_id = (char *)who;
            r.handler_id = (char *)s_staff[s_rand(N_STAFF)];
            r.department_id = (char *)dept;
            env.routed = &r;
            s_append(log, &env, "router", SHOUWEN__V1__ENVELOPE__BODY_ROUTED);
            break;
        }
        case 1: {
            Shouwen__V1__Transferred t = SHOUWEN__V1__TRANSFERRED__INIT;
            t.handoff = &h;
            t.reason = (char *)"转交";
            env.transferred = &t;
            s_append(log, &env, "router", SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED);
            break;
        }
        case 2: {
            Shouwen__V1__Accepted a = SHOUWEN__V1__ACCEPTED__INIT;
            a.handoff = &h;
            env.accepted = &a;
            s_append(log, &env, "router", SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED);
            break;
        }
        case 3:
        case 4: {
            if (c->n_deadlines == 8)
                break;
            Shouwen__V1__DeadlineSet d = SHOUWEN__V1__DEADLINE_SET__INIT;
            d.kind = 1 + s_rand(3);
            d.due_at_us = 1790000000000000LL + (int64_t)s_rand(100000) * 1000000;
            d.warn_at_us = d.due_at_us - 60000000;
            d.holder_staff_id = (char *)who;
            d.department_id = (char *)dept;
            d.policy = (char *)"R11";
            env.deadline_set = &d;
            s_append(log, &env, "sla", SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET);
            zchunk_t *last = log->events[log->count - 1];
            sw_envelope_t *back =
                sw_envelope_decode(zchunk_data(last), zchunk_size(last), NULL);
            memcpy(c->deadlines[c->n_deadlines++], back->event_id.data, SW_EVENTID_SIZE);
            sw_envelope_free(back);
            break;
        }
        case 5: {
            if (!c->n_deadlines)
                break;
            int k = (int)s_rand((uint32_t)c->n_deadlines);
            ProtobufCBinaryData id = {SW_EVENTID_SIZE, c->deadlines[k]};
            if (s_rand(3) == 0) {
                Shouwen__V1__DeadlineCleared d = SHOUWEN__V1__DEADLINE_CLEARED__INIT;
                d.deadline_event_id = id;
                env.deadline_cleared = &d;
                s_append(log, &env, "sla", SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED);
                memmove(c->deadlines[k], c->deadlines[c->n_deadlines - 1],
                        SW_EVENTID_SIZE);
                c->n_deadlines--;
            } else if (s_rand(2)) {
                Shouwen__V1__DeadlineWarning d = SHOUWEN__V1__DEADLINE_WARNING__INIT;
                d.deadline_event_id = id;
                d.holder_staff_id = (char *)who;
                d.kind = 1;
                env.deadline_warning = &d;
                s_append(log, &env, "sla", SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING);
            } else {
                Shouwen__V1__DeadlineBreached d = SHOUWEN__V1__DEADLINE_BREACHED__INIT;
                d.deadline_event_id = id;
                d.holder_staff_id = (char *)who;
                d.department_id = (char *)dept;
                d.kind = 1;
                env.deadline_breached = &d;
                s_append(log, &env, "sla", SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED);
            }
            break;
        }
        case 6: {
            Shouwen__V1__Resolved r = SHOUWEN__V1__RESOLVED__INIT;
            r.summary = (char *)"好";
            env.resolved = &r;
            c->state = 1;
            s_append(log, &env, "router", SHOUWEN__V1__ENVELOPE__BODY_RESOLVED);
            break;
        }
        case 7: {
            Shouwen__V1__Closed cl = SHOUWEN__V1__CLOSED__INIT;
            cl.reason = (char *)"结案";
            env.closed = &cl;
            c->state = 2;
            c->n_deadlines = 0;
            s_append(log, &env, "router", SHOUWEN__V1__ENVELOPE__BODY_CLOSED);
            break;
        }
        default:
            break;
        }
    }
    free(cases);
}

typedef struct {
    intake_cases_t *cases;
    intake_access_t *access;
    intake_watch_t *watch;
    zlistx_t *pushed; /* packed replies the watch sent */
} s_intake_t;

static void s_send(void *arg, zframe_t *routing_id, bool delimiter,
                   Shouwen__V1__BranchReply *reply)
{
    s_intake_t *in = (s_intake_t *)arg;
    size_t n = protobuf_c_message_get_packed_size(&reply->base);
    zchunk_t *c = zchunk_new(NULL, n);
    protobuf_c_message_pack(&reply->base, zchunk_data(c));
    zchunk_set(c, zchunk_data(c), n);
    zlistx_add_end(in->pushed, c);
}

static sw_directory_t *s_hotel(void)
{
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_file(
        SHOUWEN_SOURCE_DIR "/deploy/directory/hotel.conf", &error);
    if (!dir)
        fprintf(stderr, "hotel.conf: %s\n", error ? error : "?");
    free(error);
    assert(dir);
    return dir;
}

static void s_init(s_intake_t *in)
{
    in->cases = intake_cases_new();
    in->access = intake_access_new();
    sw_directory_t *dir = s_hotel();
    intake_access_set_directory(in->access, &dir);
    in->watch = intake_watch_new(50, 30, s_send, in);
    in->pushed = zlistx_new();
    zlistx_set_destructor(in->pushed, (zlistx_destructor_fn *)zchunk_destroy);
}

static void s_fini(s_intake_t *in)
{
    intake_cases_destroy(&in->cases);
    intake_access_destroy(&in->access);
    intake_watch_destroy(&in->watch);
    zlistx_destroy(&in->pushed);
}

/* Feed positions from..to (1-based, inclusive), as intake_on_committed
   does; a reopened case not in memory is rebuilt from its events so far. */
static void s_feed(s_intake_t *in, s_log_t *log, size_t from, size_t to)
{
    for (size_t p = from; p <= to; p++) {
        zchunk_t *c = log->events[p - 1];
        sw_envelope_t *env = sw_envelope_decode(zchunk_data(c), zchunk_size(c), NULL);
        assert(env);
        intake_access_note(in->access, env);
        if (intake_cases_note(in->cases, p, env)) {
            sw_envelope_t **envs = sw_calloc(p, sizeof(void *));
            uint64_t *positions = sw_calloc(p, sizeof(uint64_t));
            for (size_t q = 1; q <= p; q++) {
                zchunk_t *e = log->events[q - 1];
                envs[q - 1] = sw_envelope_decode(zchunk_data(e), zchunk_size(e), NULL);
                positions[q - 1] = q;
            }
            intake_cases_rebuild(in->cases, env->case_id, p, positions, envs);
            intake_access_rebuild(in->access, env->case_id, p, envs);
            for (size_t q = 0; q < p; q++)
                sw_envelope_free(envs[q]);
            free(envs);
            free(positions);
        }
        intake_watch_note(in->watch, p, env, intake_access_directory(in->access));
        sw_envelope_free(env);
    }
}

static bool s_collect(void *arg, const intake_case_t *c)
{
    zlistx_add_end((zlistx_t *)arg, (void *)intake_case_id(c));
    return true;
}

static int s_cmp_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void s_hex(zchunk_t *out, const void *data, size_t size)
{
    char *hex = sw_malloc(2 * size + 2);
    for (size_t i = 0; i < size; i++)
        snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *)data)[i]);
    hex[2 * size] = ' ';
    zchunk_extend(out, hex, 2 * size + 1);
    free(hex);
}

/* Everything the queries answer, as one text: a line per query. */
static char *s_answers(s_intake_t *in, s_log_t *log)
{
    zchunk_t *out = zchunk_new(NULL, 0);
    zlistx_t *ids = zlistx_new();
    for (int k = 0; k < (int)(N_STAFF + N_DEPTS + 21); k++) {
        zlistx_purge(ids);
        char phone[20];
        if (k < (int)N_STAFF)
            intake_cases_of_staff(in->cases, s_staff[k], s_collect, ids);
        else if (k < (int)(N_STAFF + N_DEPTS))
            intake_cases_of_department(in->cases, s_depts[k - N_STAFF], s_collect, ids);
        else if (k < (int)(N_STAFF + N_DEPTS + 20)) {
            snprintf(phone, sizeof phone, "1390000%04d", k - (int)(N_STAFF + N_DEPTS));
            intake_cases_of_phone(in->cases, phone, s_collect, ids);
        } else
            intake_cases_due(in->cases, 1790000000000000LL + 50000LL * 1000000, s_collect,
                             ids);
        /* sorted by id (qsort: czmq's zlistx_sort can leave a list unsorted) */
        size_t n_ids = zlistx_size(ids), t = 0;
        const char **sorted = sw_calloc(n_ids + 1, sizeof(char *));
        for (const char *id = zlistx_first(ids); id; id = zlistx_next(ids))
            sorted[t++] = id;
        qsort(sorted, t, sizeof(char *), s_cmp_p);
        char head[32];
        snprintf(head, sizeof head, "\nq%d ", k);
        zchunk_extend(out, head, strlen(head));
        for (size_t x = 0; x < t; x++) {
            const char *id = sorted[x];
            const intake_case_t *c = intake_cases_find(in->cases, id);
            Shouwen__V1__CaseSummary *s =
                intake_cases_summary(c, k < (int)N_STAFF ? s_staff[k] : NULL);
            size_t n = protobuf_c_message_get_packed_size(&s->base);
            uint8_t *buf = sw_malloc(n + 1);
            protobuf_c_message_pack(&s->base, buf);
            zchunk_extend(out, id, strlen(id));
            zchunk_extend(out, ":", 1);
            s_hex(out, buf, n);
            free(buf);
            intake_cases_summary_free(s);
        }
        free(sorted);
    }
    /* who may read every case the log ever had */
    zchunk_extend(out, "\nread ", 6);
    for (size_t p = 1; p <= log->count; p++) {
        zchunk_t *c = log->events[p - 1];
        sw_envelope_t *env = sw_envelope_decode(zchunk_data(c), zchunk_size(c), NULL);
        if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED) {
            char line[64];
            snprintf(line, sizeof line, "%s:%d%d%d ", env->case_id,
                     intake_access_case_open(in->access, env->case_id),
                     intake_access_may_read(in->access, "hotel", env->case_id),
                     intake_access_may_read(in->access, "nowhere", env->case_id));
            zchunk_extend(out, line, strlen(line));
        }
        sw_envelope_free(env);
    }
    /* a watch from 0 of the whole branch */
    zchunk_extend(out, "\nwatch ", 7);
    zlistx_purge(in->pushed);
    zframe_t *rid = zframe_new("w1", 2);
    intake_watch_subscribe(in->watch, rid, false, "w", "hotel", NULL, 0, NULL, 0, 0,
                           log->count, 0, 0, NULL);
    zframe_destroy(&rid);
    for (zchunk_t *c = zlistx_first(in->pushed); c; c = zlistx_next(in->pushed))
        s_hex(out, zchunk_data(c), zchunk_size(c));
    zchunk_extend(out, "\n", 2); /* with the NUL */
    zlistx_destroy(&ids);
    char *text = sw_strdup((const char *)zchunk_data(out));
    zchunk_destroy(&out);
    return text;
}

static void s_round(int n_cases, int steps, uint32_t seed, const char *path)
{
    s_seed = seed;
    s_log_t log = {0};
    s_make_log(&log, n_cases, steps);
    size_t cut = 1 + s_rand((uint32_t)log.count);

    s_intake_t whole, part;
    s_init(&whole);
    s_feed(&whole, &log, 1, log.count);

    s_init(&part);
    s_feed(&part, &log, 1, cut);
    uint8_t id[SW_EVENTID_SIZE] = {0};
    sw_snapshot_t *snap = sw_snapshot_new("intake", 1, cut, id);
    intake_access_save(part.access, snap);
    intake_cases_save(part.cases, snap);
    intake_watch_save(part.watch, snap);
    const char *why = NULL;
    assert(sw_snapshot_write(snap, path, &why) == 0);
    sw_snapshot_destroy(&snap);
    s_fini(&part);

    s_init(&part);
    snap = sw_snapshot_open(path, "intake", 1, &why);
    assert(snap);
    assert(intake_access_load(part.access, snap));
    assert(intake_cases_load(part.cases, snap));
    assert(intake_watch_load(part.watch, snap));
    assert(sw_snapshot_done(snap));
    sw_snapshot_destroy(&snap);
    s_feed(&part, &log, cut + 1, log.count);

    char *a = s_answers(&whole, &log), *b = s_answers(&part, &log);
    if (strcmp(a, b) != 0) {
        fprintf(stderr,
                "seed %u: %zu events, cut at %zu: answers differ "
                "(/tmp/test_intake_snapshot.whole, .part)\n",
                seed, log.count, cut);
        FILE *f = fopen("/tmp/test_intake_snapshot.whole", "w");
        fputs(a, f);
        fclose(f);
        f = fopen("/tmp/test_intake_snapshot.part", "w");
        fputs(b, f);
        fclose(f);
        assert(false);
    }
    assert(strlen(a) > 100);
    zstr_free(&a);
    zstr_free(&b);
    s_fini(&whole);
    s_fini(&part);
    for (size_t i = 0; i < log.count; i++)
        zchunk_destroy(&log.events[i]);
    free(log.events);
}

/* sw_hash: a table many keys pass through is made anew, keeps what
   is there (keys in their items, items owned). */
typedef struct {
    char key[16];
} s_item_t;

static void s_item_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static void s_hash_churn(void)
{
    zhashx_t *h = zhashx_new();
    zhashx_set_key_duplicator(h, NULL);
    zhashx_set_key_destructor(h, NULL);
    zhashx_set_destructor(h, s_item_free);
    uint64_t deletes = 0;
    int remade = 0;
    for (int i = 0; i < 300000; i++) {
        s_item_t *it = sw_malloc(sizeof *it);
        snprintf(it->key, sizeof it->key, "k%d", i);
        zhashx_insert(h, it->key, it);
        if (i >= 1000) { /* 1,000 live: the oldest goes */
            char old[16];
            snprintf(old, sizeof old, "k%d", i - 1000);
            zhashx_delete(h, old);
            sw_hashx_deleted(&h, &deletes, s_item_free, true);
            remade += deletes == 0;
        }
    }
    assert(remade >= 3); /* 299,000 deletions: made anew every 65,536 */
    assert(zhashx_size(h) == 1000);
    for (int i = 299000; i < 300000; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        s_item_t *it = zhashx_lookup(h, key);
        assert(it && streq(it->key, key));
    }
    zhashx_destroy(&h);
}

int main(void)
{
    s_hash_churn();
    char path[] = "/tmp/test_intake_snapshot.XXXXXX";
    int fd = mkstemp(path);
    assert(fd >= 0);
    close(fd);
    for (uint32_t seed = 1; seed <= 60; seed++)
        s_round(5 + (int)(seed % 40), 40 + (int)(seed * 13 % 400), seed, path);
    unlink(path);
    printf("test_intake_snapshot: 60 random logs, snapshot + tail = whole replay: OK\n");
    return 0;
}
