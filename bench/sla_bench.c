/*  sla_bench: sla's timers at scale (issue 4, docs/performance.md).

      sla_bench [--deadlines N] [--per-case K] [--burst M] [--pg CONNINFO] [--full]

    1. rebuild: N committed sla.deadline_set events (and the inquiry of each
       of the N/K cases) as packed envelopes in memory, decoded and applied
       as after a restart (replaying), then the heap ordered (live): time,
       and resident memory of the structures against the process before;
       with --full, the log as the daemon replays it instead: per case the
       inquiry, its routing and the 4 deadlines set for it;
    2. expiry: every deadline breached, each breach built and packed as the
       producer does: CPU per expiry;
    3. burst: M of the N deadlines due at the same instant, fired in batches
       of 1,000 through a real sw_producer (PUB over inproc); then the M
       breaches committed back, which decides the M violations: wall time;
    4. baselines: N ev_timer watchers started (bytes each), and M of them
       expiring in one ev_run; N case ids in a zhashx (bytes each);
    5. with --pg: N rows made by generate_series in a scratch table, read
       with COPY through libpq and applied: time.
    Build without sanitizers (cmake -DSHOUWEN_SANITIZE=OFF) for figures. */
#define _GNU_SOURCE
#include <ev.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sw_policy.h"
#include "sla_rules.h"
#include "sw_clock.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_log.h"
#include "sw_producer.h"

#define BASE_US 1772413200000000LL /* 2026-03-02 09:00 Shanghai */
#define HOUR_US 3600000000LL
#define BATCH   1000

typedef struct {
    int64_t deadlines; /* N */
    int per_case;      /* K */
    int64_t burst;     /* M */
    const char *pg;    /* conninfo, or NULL */
    bool full;         /* the log as the daemon sees it: inquiry, routing, sets */
} s_opts_t;

/* ------------------------------------------------------------ measuring */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double s_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Resident set in MB. */
static double s_rss_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (double)resident * sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

/* ------------------------------------------------------------ the rules */

static uint64_t s_proposed;

/* Build and pack, as sw_producer_propose does before publishing. */
static void s_pack_only(void *arg, sw_envelope_t *env)
{
    env->producer = (char *)"sla";
    zframe_t *frame = sw_pack_frame(&env->base);
    zframe_destroy(&frame);
    s_proposed++;
}

/* Keep the packed breaches (the burst commits them back). */
typedef struct {
    sw_producer_t *producer;
    zframe_t **kept;
    size_t count, size;
} s_sink_t;

static void s_to_producer(void *arg, sw_envelope_t *env)
{
    s_sink_t *sink = (s_sink_t *)arg;
    if (sink->producer)
        sw_producer_propose(sink->producer, env);
    else
        s_pack_only(NULL, env);
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED &&
        sink->count < sink->size) {
        env->producer = (char *)"sla";
        sink->kept[sink->count++] = sw_pack_frame(&env->base);
    }
    s_proposed++;
}

static sla_rules_t *s_rules(sla_rules_propose_fn *fn, void *arg)
{
    const char *path = SHOUWEN_SOURCE_DIR "/deploy/calendar/cn-2026.conf";
    FILE *f = fopen(path, "rb");
    static char text[1 << 16];
    size_t n = f ? fread(text, 1, sizeof text, f) : 0;
    if (f)
        fclose(f);
    sw_calendar_t *calendar;
    sw_policy_t *policy;
    char *error = NULL;
    if (sw_policy_load(text, n, &calendar, &policy, &error) != 0) {
        fprintf(stderr, "%s: %s\n", path, error ? error : "unreadable");
        exit(1);
    }
    sla_rules_t *rules = sla_rules_new(NULL, 20000000, 20000000, fn, arg);
    sla_rules_set_calendar(rules, &calendar, &policy);
    return rules;
}

/* The i-th case's inquiry id and case id. */
static void s_case_ids(int64_t i, uint8_t *id, char *case_id)
{
    char name[32];
    int n = snprintf(name, sizeof name, "case-%lld", (long long)i);
    sw_eventid_make(id, "bench", name, (size_t)n);
    sw_caseid_from_event(id, case_id);
}

/* One committed inquiry.received of case i. */
static zframe_t *s_inquiry(int64_t i)
{
    uint8_t id[SW_EVENTID_SIZE];
    char case_id[SW_CASEID_STRLEN + 1];
    s_case_ids(i, id, case_id);
    Shouwen__V1__InquiryReceived body = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    body.branch_id = (char *)"hq";
    body.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    body.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    body.receiver_staff_id = (char *)"fo-01";
    body.received_at_us = BASE_US;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)"inquiry.received";
    env.case_id = case_id;
    env.producer = (char *)"intake";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
    env.inquiry_received = &body;
    return sw_pack_frame(&env.base);
}

/* The j-th deadline (kind 1 + j % 6) of case i, due at due_us. */
static void s_deadline_env(int64_t i, int j, int64_t due_us, sw_envelope_t *env,
                           Shouwen__V1__DeadlineSet *body, uint8_t *id, char *case_id)
{
    uint8_t inquiry[SW_EVENTID_SIZE];
    s_case_ids(i, inquiry, case_id);
    char name[32];
    snprintf(name, sizeof name, "sla.deadline_set.%d", j);
    sw_eventid_derive(id, inquiry, name);
    shouwen__v1__deadline_set__init(body);
    body->kind = (Shouwen__V1__DeadlineKind)(1 + j % 6);
    body->due_at_us = due_us;
    body->warn_at_us = due_us - HOUR_US / 4;
    body->holder_staff_id = (char *)(j % 2 ? "hk-01" : "fo-01");
    body->department_id = (char *)(j % 2 ? "housekeeping" : "front_office");
    body->policy = (char *)"R11: reply within 1 working day";
    shouwen__v1__envelope__init(env);
    env->event_id.data = id;
    env->event_id.len = SW_EVENTID_SIZE;
    env->type = (char *)"sla.deadline_set";
    env->case_id = case_id;
    env->producer = (char *)"sla";
    env->body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
    env->deadline_set = body;
}

/* Due instants: spread over 30 days; the first `burst` share one instant. */
static int64_t s_due(int64_t n, int64_t burst)
{
    return n < burst ? BASE_US + 2 * HOUR_US
                     : BASE_US + 3 * HOUR_US +
                           (int64_t)((n * 2654435761ULL) % (30 * 24 * 3600)) * 1000000;
}

/* ------------------------------------------------------------ the log */

/* Packed envelopes back to back in one mapping: [u32 size][bytes]... */
typedef struct {
    uint8_t *data;
    size_t used, size;
    int64_t events;
} s_log_t;

static void s_log_add(s_log_t *log, zframe_t **frame_p)
{
    uint32_t n = (uint32_t)zframe_size(*frame_p);
    if (log->used + 4 + n > log->size) {
        fprintf(stderr, "log buffer too small\n");
        exit(1);
    }
    memcpy(log->data + log->used, &n, 4);
    memcpy(log->data + log->used + 4, zframe_data(*frame_p), n);
    log->used += 4 + n;
    log->events++;
    zframe_destroy(frame_p);
}

static void s_make_log(const s_opts_t *o, s_log_t *log)
{
    int64_t cases = (o->deadlines + o->per_case - 1) / o->per_case;
    log->size = (size_t)(cases * 120 + o->deadlines * 200);
    log->data =
        mmap(NULL, log->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (log->data == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    int64_t n = 0;
    for (int64_t i = 0; i < cases; i++) {
        zframe_t *f = s_inquiry(i);
        s_log_add(log, &f);
        for (int j = 0; j < o->per_case && n < o->deadlines; j++, n++) {
            sw_envelope_t env;
            Shouwen__V1__DeadlineSet body;
            uint8_t id[SW_EVENTID_SIZE];
            char case_id[SW_CASEID_STRLEN + 1];
            s_deadline_env(i, j, s_due(n, o->burst), &env, &body, id, case_id);
            f = sw_pack_frame(&env.base);
            s_log_add(log, &f);
        }
    }
}

/* What the live rules propose goes into the log, as committed. */
static void s_capture(void *arg, sw_envelope_t *env)
{
    env->producer = (char *)"sla";
    zframe_t *f = sw_pack_frame(&env->base);
    s_log_add((s_log_t *)arg, &f);
    s_proposed++;
}

/* The log of a restart as the daemon replays it: per case the inquiry (a
   phone consultation for another department), its routing, and the 4
   deadlines sla set for it (transfer, reply, same-day, completion), made
   by running the rules live once. */
static void s_make_full_log(const s_opts_t *o, s_log_t *log)
{
    log->size = (size_t)(o->deadlines * 400);
    log->data =
        mmap(NULL, log->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (log->data == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    sla_rules_t *maker = s_rules(s_capture, log);
    sla_rules_live(maker);
    s_proposed = 0;
    for (int64_t i = 0; (int64_t)s_proposed < o->deadlines && i < o->deadlines; i++) {
        zframe_t *f = s_inquiry(i);
        sw_envelope_t *env = sw_envelope_decode(zframe_data(f), zframe_size(f), NULL);
        s_log_add(log, &f);
        sla_rules_apply(maker, env, false);
        uint8_t id[SW_EVENTID_SIZE], inquiry[SW_EVENTID_SIZE];
        char case_id[SW_CASEID_STRLEN + 1];
        s_case_ids(i, inquiry, case_id);
        sw_eventid_derive(id, inquiry, "case.routed");
        Shouwen__V1__Routed body = SHOUWEN__V1__ROUTED__INIT;
        body.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
        body.natural_owner_id = (char *)"fo-01";
        body.factual_owner_id = body.handler_id = (char *)"hk-01";
        body.department_id = (char *)"housekeeping";
        sw_envelope_t routed = SHOUWEN__V1__ENVELOPE__INIT;
        routed.event_id.data = id;
        routed.event_id.len = SW_EVENTID_SIZE;
        routed.type = (char *)"case.routed";
        routed.case_id = case_id;
        routed.producer = (char *)"router";
        routed.occurred_at_us = BASE_US;
        routed.body_case = SHOUWEN__V1__ENVELOPE__BODY_ROUTED;
        routed.routed = &body;
        f = sw_pack_frame(&routed.base);
        s_log_add(log, &f);
        sla_rules_apply(maker, &routed, false); /* proposes the sets into the log */
        sw_envelope_free(env);
    }
    sla_rules_destroy(&maker);
}

/* Decode every event (and apply it when rules is not NULL); seconds. */
static double s_replay(s_log_t *log, sla_rules_t *rules)
{
    double t0 = s_now();
    for (size_t at = 0; at < log->used;) {
        uint32_t n;
        memcpy(&n, log->data + at, 4);
        sw_envelope_t *env = sw_envelope_decode(log->data + at + 4, n, NULL);
        if (env && rules)
            sla_rules_apply(rules, env, true);
        sw_envelope_free(env);
        at += 4 + n;
    }
    if (rules)
        sla_rules_live(rules);
    return s_now() - t0;
}

/* ------------------------------------------------------------ phases */

static void s_rebuild_and_expire(const s_opts_t *o)
{
    sla_rules_t *rules = s_rules(s_pack_only, NULL);
    malloc_trim(0);
    double base_mb = s_rss_mb(); /* the process with empty structures */
    s_log_t log = {0};
    if (o->full)
        s_make_full_log(o, &log);
    else
        s_make_log(o, &log);
    double cpu0 = s_cpu();
    s_replay(&log, NULL);
    double decode_cpu = s_cpu() - cpu0;
    cpu0 = s_cpu();
    double rebuild_s = s_replay(&log, rules);
    double rebuild_cpu = s_cpu() - cpu0;
    munmap(log.data, log.size);
    malloc_trim(0);
    double rss_mb = s_rss_mb();
    printf(
        "rebuild%s: %zu deadlines on %zu cases (%lld events) in %.3f s wall, %.3f s CPU "
        "(decoding alone %.3f s CPU)\n",
        o->full ? " (inquiry, routing, deadlines)" : "", sla_rules_deadlines(rules),
        sla_rules_cases(rules), (long long)log.events, rebuild_s, rebuild_cpu,
        decode_cpu);
    printf("memory: %.1f MB resident over the process before (%.1f MB), %.1f MB in all; "
           "%zu bytes accounted = %.1f bytes per deadline; %zu running\n",
           rss_mb - base_mb, base_mb, rss_mb, sla_rules_bytes(rules),
           (double)sla_rules_bytes(rules) / (double)o->deadlines,
           sla_rules_running(rules));
    double t0 = s_now();
    cpu0 = s_cpu();
    size_t fired = 0, n;
    s_proposed = 0;
    while ((n = sla_rules_expire(rules, INT64_MAX - 1, BATCH)) > 0)
        fired += n;
    double cpu = s_cpu() - cpu0, wall = s_now() - t0;
    printf("expiry: %zu deadlines breached (%llu proposals built and packed) in %.3f s: "
           "%.2f us CPU per expiry\n",
           fired, (unsigned long long)s_proposed, wall, cpu * 1e6 / (double)fired);
    sla_rules_destroy(&rules);
}

/* through: a real sw_producer, or only built and packed */
static void s_burst(const s_opts_t *o, bool through)
{
    zsock_t *sub = zsock_new_sub("inproc://sla-bench", "");
    s_sink_t sink = {0};
    sink.size = (size_t)o->burst;
    sink.kept = calloc(sink.size ? sink.size : 1, sizeof(zframe_t *));
    struct ev_loop *loop = ev_loop_new(0);
    sw_clock_t *clock = sw_clock_new_test(BASE_US);
    sw_hub_t *hub = sw_hub_new_plain("inproc://sla-bench", "inproc://sla-bench-committed",
                                     "inproc://sla-bench-replay");
    sink.producer = through ? sw_producer_new(loop, "sla", hub, clock) : NULL;
    sla_rules_t *rules = s_rules(s_to_producer, &sink);
    s_log_t log = {0};
    s_make_log(o, &log);
    s_replay(&log, rules);
    munmap(log.data, log.size);
    double t0 = s_now(), cpu0 = s_cpu();
    size_t fired = 0, n;
    int64_t instant = BASE_US + 2 * HOUR_US;
    while ((n = sla_rules_expire(rules, instant, BATCH)) > 0)
        fired += n;
    double fire_s = s_now() - t0, fire_cpu = s_cpu() - cpu0;
    t0 = s_now();
    cpu0 = s_cpu();
    for (size_t i = 0; i < sink.count; i++) { /* audit commits the breaches */
        sw_envelope_t *env = sw_envelope_decode(zframe_data(sink.kept[i]),
                                                zframe_size(sink.kept[i]), NULL);
        zframe_destroy(&sink.kept[i]);
        if (env)
            sla_rules_apply(rules, env, false);
        sw_envelope_free(env);
    }
    double decide_s = s_now() - t0, decide_cpu = s_cpu() - cpu0;
    printf(
        "burst %s: %zu deadlines due at one instant (of %lld): breaches fired in %.3f s "
        "(%.3f s CPU); their %zu violations decided in %.3f s (%.3f s CPU)\n",
        through ? "through sw_producer" : "built and packed only", fired,
        (long long)o->deadlines, fire_s, fire_cpu, sink.count, decide_s, decide_cpu);
    for (size_t i = 0; i < sink.count; i++)
        zframe_destroy(&sink.kept[i]);
    free(sink.kept);
    sla_rules_destroy(&rules);
    sw_producer_destroy(&sink.producer);
    sw_hub_destroy(&hub);
    sw_clock_destroy(&clock);
    ev_loop_destroy(loop);
    zsock_destroy(&sub);
}

/* The obvious alternative: a zhashx from case id text to a malloc'ed
   40-byte record, one per case. */
static void s_bare_hash(const s_opts_t *o)
{
    malloc_trim(0);
    double base_mb = s_rss_mb();
    zhashx_t *cases = zhashx_new();
    zhashx_set_destructor(cases, (zhashx_destructor_fn *)zstr_free);
    double t0 = s_now();
    for (int64_t i = 0; i < o->deadlines; i++) {
        uint8_t id[SW_EVENTID_SIZE];
        char case_id[SW_CASEID_STRLEN + 1];
        s_case_ids(i, id, case_id);
        zhashx_insert(cases, case_id, calloc(1, 40));
    }
    double fill_s = s_now() - t0;
    double mb = s_rss_mb() - base_mb;
    printf("bare hash: %lld case ids in a zhashx with a 40-byte record each: %.1f MB "
           "resident "
           "= %.1f bytes per case (filled in %.3f s)\n",
           (long long)o->deadlines, mb, mb * 1024 * 1024 / (double)o->deadlines, fill_s);
    zhashx_destroy(&cases);
}

static int64_t s_libev_fired;
static void s_on_libev(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_libev_fired++;
}

static void s_libev(const s_opts_t *o)
{
    struct ev_loop *loop = ev_loop_new(0);
    malloc_trim(0);
    double base_mb = s_rss_mb();
    ev_timer *timers = calloc((size_t)o->deadlines, sizeof(ev_timer));
    double t0 = s_now();
    for (int64_t i = 0; i < o->deadlines; i++) {
        double after =
            i < o->burst ? 0.001 : 3600.0 + (double)((i * 2654435761ULL) % 86400);
        ev_timer_init(&timers[i], s_on_libev, after, 0.);
        ev_timer_start(loop, &timers[i]);
    }
    double start_s = s_now() - t0;
    double mb = s_rss_mb() - base_mb;
    usleep(2000);
    t0 = s_now();
    ev_run(loop, EVRUN_NOWAIT);
    double fire_s = s_now() - t0;
    printf(
        "libev: %lld ev_timer started in %.3f s, %.1f MB resident = %.1f bytes per timer "
        "(watcher %zu + heap); %lld expired in one ev_run in %.3f s (%.2f us each, "
        "empty callback)\n",
        (long long)o->deadlines, start_s, mb, mb * 1024 * 1024 / (double)o->deadlines,
        sizeof(ev_timer), (long long)s_libev_fired, fire_s,
        fire_s * 1e6 / (double)(s_libev_fired ? s_libev_fired : 1));
    for (int64_t i = 0; i < o->deadlines; i++)
        ev_timer_stop(loop, &timers[i]);
    free(timers);
    ev_loop_destroy(loop);
}

/* ------------------------------------------------------------ PostgreSQL */

static int s_hex_nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One COPY text row "uuid\tcase\tkind\tdue\twarn\tholder\tdept": applied. */
static int s_pg_row(sla_rules_t *rules, char *row)
{
    char *field[7];
    int n = 0;
    for (char *p = row, *tok; n < 7 && (tok = strsep(&p, "\t\n")); n++)
        field[n] = tok;
    if (n < 7 || strlen(field[0]) != 36)
        return -1;
    uint8_t id[SW_EVENTID_SIZE];
    for (int i = 0, k = 0; i < 36 && k < SW_EVENTID_SIZE; i++) {
        if (field[0][i] == '-')
            continue;
        id[k] = (uint8_t)(s_hex_nibble(field[0][i]) << 4 | s_hex_nibble(field[0][i + 1]));
        k++;
        i++;
    }
    uint8_t inquiry[SW_EVENTID_SIZE];
    char case_id[SW_CASEID_STRLEN + 1];
    s_case_ids(atoll(field[1]), inquiry, case_id);
    Shouwen__V1__DeadlineSet body = SHOUWEN__V1__DEADLINE_SET__INIT;
    body.kind = (Shouwen__V1__DeadlineKind)atoi(field[2]);
    body.due_at_us = atoll(field[3]);
    body.warn_at_us = atoll(field[4]);
    body.holder_staff_id = field[5];
    body.department_id = field[6];
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)"sla.deadline_set";
    env.case_id = case_id;
    env.producer = (char *)"sla";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
    env.deadline_set = &body;
    sla_rules_apply(rules, &env, true);
    return 0;
}

static void s_pg_quiet(void *arg, const char *message)
{
}

/* COPY the scratch table out; apply each row when rules is not NULL.
   Returns the rows read. */
static int64_t s_pg_copy(PGconn *pg, sla_rules_t *rules, int64_t *bad)
{
    int64_t rows = 0;
    PGresult *res = PQexec(pg, "COPY sla_bench_deadlines TO STDOUT");
    bool ok = PQresultStatus(res) == PGRES_COPY_OUT;
    PQclear(res);
    if (!ok) {
        fprintf(stderr, "copy: %s", PQerrorMessage(pg));
        return 0;
    }
    char *buf;
    while (PQgetCopyData(pg, &buf, 0) > 0) {
        if (rules)
            *bad += s_pg_row(rules, buf) != 0;
        rows++;
        PQfreemem(buf);
    }
    while ((res = PQgetResult(pg)))
        PQclear(res);
    return rows;
}

static bool s_pg_ok(PGconn *pg, PGresult *res, ExecStatusType want, const char *what)
{
    bool ok = PQresultStatus(res) == want;
    if (!ok)
        fprintf(stderr, "%s: %s", what, PQerrorMessage(pg));
    PQclear(res);
    return ok;
}

static void s_pg(const s_opts_t *o)
{
    PGconn *pg = PQconnectdb(o->pg);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "PostgreSQL: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return;
    }
    PQsetNoticeProcessor(pg, s_pg_quiet, NULL);
    char n[32], k[16];
    snprintf(n, sizeof n, "%lld", (long long)o->deadlines);
    snprintf(k, sizeof k, "%d", o->per_case);
    const char *params[] = {n, k};
    double t0 = s_now();
    if (!s_pg_ok(pg, PQexec(pg, "DROP TABLE IF EXISTS sla_bench_deadlines"),
                 PGRES_COMMAND_OK, "drop") ||
        !s_pg_ok(pg,
                 PQexecParams(
                     pg,
                     "CREATE UNLOGGED TABLE sla_bench_deadlines AS SELECT "
                     "md5(i::text)::uuid AS event_id, (i - 1) / $2::int AS case_no, "
                     "1 + (i % 6) AS kind, 1772420400000000 + (i % 2592000) * 1000000 "
                     "AS due_at_us, 1772419500000000 + (i % 2592000) * 1000000 AS "
                     "warn_at_us, CASE WHEN i % 2 = 0 THEN 'fo-01' ELSE 'hk-01' END "
                     "AS holder, CASE WHEN i % 2 = 0 THEN 'front_office' ELSE "
                     "'housekeeping' END AS department "
                     "FROM generate_series(1, $1::bigint) i",
                     2, NULL, params, NULL, NULL, 0),
                 PGRES_COMMAND_OK, "generate"))
        goto done;
    double make_s = s_now() - t0;
    sla_rules_t *rules = s_rules(s_pack_only, NULL);
    int64_t cases = (o->deadlines + o->per_case - 1) / o->per_case;
    for (int64_t i = 0; i < cases; i++) { /* the cases' inquiries */
        zframe_t *f = s_inquiry(i);
        sw_envelope_t *env = sw_envelope_decode(zframe_data(f), zframe_size(f), NULL);
        sla_rules_apply(rules, env, true);
        sw_envelope_free(env);
        zframe_destroy(&f);
    }
    t0 = s_now();
    int64_t bad = 0, rows = s_pg_copy(pg, NULL, &bad);
    double copy_s = s_now() - t0;
    t0 = s_now();
    double cpu0 = s_cpu();
    s_pg_copy(pg, rules, &bad);
    sla_rules_live(rules);
    double read_s = s_now() - t0, read_cpu = s_cpu() - cpu0;
    printf(
        "postgres: %lld rows made by generate_series in %.2f s; COPY out alone %.3f s; "
        "COPY out and applied %.3f s (%.3f s CPU in sla_bench; %lld bad rows); "
        "%zu deadlines, %zu running\n",
        (long long)rows, make_s, copy_s, read_s, read_cpu, (long long)bad,
        sla_rules_deadlines(rules), sla_rules_running(rules));
    sla_rules_destroy(&rules);
    s_pg_ok(pg, PQexec(pg, "DROP TABLE sla_bench_deadlines"), PGRES_COMMAND_OK, "drop");
done:
    PQfinish(pg);
}

int main(int argc, char **argv)
{
    s_opts_t o = {1000000, 1, 100000, NULL, false};
    static const struct option longopts[] = {{"deadlines", 1, 0, 'n'},
                                             {"per-case", 1, 0, 'k'},
                                             {"burst", 1, 0, 'm'},
                                             {"pg", 1, 0, 'p'},
                                             {"only", 1, 0, 'o'},
                                             {"full", 0, 0, 'f'},
                                             {0, 0, 0, 0}};
    const char *only = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n':
            o.deadlines = atoll(optarg);
            break;
        case 'k':
            o.per_case = atoi(optarg);
            break;
        case 'm':
            o.burst = atoll(optarg);
            break;
        case 'p':
            o.pg = optarg;
            break;
        case 'o':
            only = optarg;
            break;
        case 'f':
            o.full = true;
            break;
        default:
            fprintf(stderr,
                    "usage: sla_bench [--deadlines N] [--per-case K] [--burst M] "
                    "[--pg CONNINFO] [--full] [--only rebuild|burst|libev|hash|pg]\n");
            return 64;
        }
    }
    if (o.deadlines < 1 || o.per_case < 1 || o.per_case > 6 || o.burst < 0 ||
        o.burst > o.deadlines) {
        fprintf(
            stderr,
            "sla_bench: need deadlines >= 1, per-case 1..6, 0 <= burst <= deadlines\n");
        return 64;
    }
    sw_log_init("sla_bench", LOG_WARNING);
    zsys_init();
    printf(
        "sla_bench: %lld deadlines, %d per case, burst %lld; process %.1f MB at start\n",
        (long long)o.deadlines, o.per_case, (long long)o.burst, s_rss_mb());
    if (!only || streq(only, "rebuild"))
        s_rebuild_and_expire(&o);
    if (!only || streq(only, "burst")) {
        s_burst(&o, false);
        s_burst(&o, true);
    }
    if (!only || streq(only, "libev"))
        s_libev(&o);
    if (!only || streq(only, "hash"))
        s_bare_hash(&o);
    if (o.pg && (!only || streq(only, "pg")))
        s_pg(&o);
    return 0;
}
