/*  test_sla_timers: the deadline heap against a brute-force model (random
    schedules, reschedules, removals and pops; ties broken by deadline id;
    bulk mode), the record pool, the case table (case ids as 60-bit keys,
    insert, find, remove with backward shift, growth) and the interned
    names of sla_people. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sla_cases.h"
#include "sla_people.h"
#include "sla_pool.h"
#include "sla_timers.h"
#include "sw_eventid.h"
#include "sw_test.h"

#define N 20000

/* A deterministic generator, so a failure repeats. */
static uint64_t s_state = 0x2545F4914F6CDD1DULL;
static uint64_t s_rand(void)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return s_state;
}

/* The model: which records are scheduled, at what. */
typedef struct {
    uint32_t index;
    bool live;      /* allocated */
    bool scheduled; /* in the heap */
} s_model_t;

static void s_fill(sla_deadline_t *d, int64_t due, int64_t warn, uint64_t id_seed)
{
    char name[32];
    snprintf(name, sizeof name, "d%llu", (unsigned long long)id_seed);
    sw_eventid_make(d->id, "test", name, strlen(name));
    d->due_us = due;
    d->warn_us = warn;
    d->state = SLA_DEADLINE_OPEN;
}

/* The earliest scheduled record of the model by (fire, id). */
static int s_model_min(sla_timers_t *t, s_model_t *m, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!m[i].scheduled)
            continue;
        sla_deadline_t *d = sla_timers_at(t, m[i].index), *b;
        if (best < 0)
            best = (int)i;
        else {
            b = sla_timers_at(t, m[best].index);
            int64_t fd = sla_timers_fire_at(d), fb = sla_timers_fire_at(b);
            if (fd < fb || (fd == fb && memcmp(d->id, b->id, SW_EVENTID_SIZE) < 0))
                best = (int)i;
        }
    }
    return best;
}

static void test_heap_random(void)
{
    sla_timers_t *t = sla_timers_new(N);
    static s_model_t m[2000];
    size_t n = 0;
    int mismatches = 0;
    for (int step = 0; step < 40000; step++) {
        int op = (int)(s_rand() % 10);
        size_t pick = n ? (size_t)(s_rand() % n) : 0;
        /* due instants from a small range so that ties are frequent */
        int64_t due = 1000 + (int64_t)(s_rand() % 200);
        if (op < 4 && n < 2000) {
            uint32_t index = sla_timers_add(t);
            s_fill(sla_timers_at(t, index), due, s_rand() % 3 ? 0 : due - 50,
                   (uint64_t)step);
            m[n++] = (s_model_t){index, true, true};
            CHECK_EQ(sla_timers_schedule(t, index), 0);
        } else if (op < 5 && n) { /* reschedule with a new due */
            if (m[pick].live) {
                sla_timers_at(t, m[pick].index)->due_us = due;
                sla_timers_schedule(t, m[pick].index);
                m[pick].scheduled = true;
            }
        } else if (op < 6 && n) { /* warned: fires at due now */
            if (m[pick].live) {
                sla_timers_at(t, m[pick].index)->flags |= SLA_DL_WARNED;
                if (m[pick].scheduled)
                    sla_timers_schedule(t, m[pick].index);
            }
        } else if (op < 7 && n) {
            if (m[pick].live) {
                sla_timers_unschedule(t, m[pick].index);
                m[pick].scheduled = false;
            }
        } else if (op < 8 && n) {
            if (m[pick].live) {
                sla_timers_remove(t, m[pick].index);
                m[pick].live = m[pick].scheduled = false;
            }
        } else {
            int best = s_model_min(t, m, n);
            int64_t now = 1000 + (int64_t)(s_rand() % 250);
            uint32_t popped = sla_timers_pop_due(t, now);
            if (best < 0 || sla_timers_fire_at(sla_timers_at(t, m[best].index)) > now) {
                mismatches += popped != SLA_POOL_NONE;
            } else {
                mismatches += popped != m[best].index;
                m[best].scheduled = false;
            }
        }
        /* the next instant always matches the model */
        int best = s_model_min(t, m, n);
        int64_t want =
            best < 0 ? INT64_MAX : sla_timers_fire_at(sla_timers_at(t, m[best].index));
        mismatches += sla_timers_next(t) != want;
        if (n == 2000) { /* start over with what is live */
            size_t kept = 0;
            for (size_t i = 0; i < n; i++)
                if (m[i].live)
                    m[kept++] = m[i];
            n = kept;
        }
    }
    CHECK_EQ(mismatches, 0);
    size_t scheduled = 0, live = 0;
    for (size_t i = 0; i < n; i++) {
        scheduled += m[i].scheduled;
        live += m[i].live;
    }
    CHECK_EQ(sla_timers_scheduled(t), scheduled);
    CHECK_EQ(sla_timers_size(t), live);
    CHECK(sla_timers_bytes(t) > 0);
    sla_timers_destroy(&t);
    CHECK(t == NULL);
    sla_timers_destroy(&t);
}

/* Bulk mode: unordered appends and removals, ordered when turned off; equal
   instants come out in id order. */
static void test_bulk(void)
{
    sla_timers_t *t = sla_timers_new(N);
    sla_timers_bulk(t, true);
    uint32_t idx[N];
    for (int i = 0; i < N; i++) {
        idx[i] = sla_timers_add(t);
        s_fill(sla_timers_at(t, idx[i]), (int64_t)(s_rand() % 100), 0, (uint64_t)i);
        sla_timers_schedule(t, idx[i]);
    }
    CHECK_EQ(sla_timers_next(t), INT64_MAX); /* nothing fires while replaying */
    CHECK_EQ(sla_timers_pop_due(t, INT64_MAX - 1), SLA_POOL_NONE);
    for (int i = 0; i < N; i += 3)
        sla_timers_remove(t, idx[i]);
    sla_timers_bulk(t, false);
    int64_t last = -1;
    uint8_t last_id[SW_EVENTID_SIZE] = {0};
    size_t popped = 0, disorder = 0;
    uint32_t i;
    while ((i = sla_timers_pop_due(t, 1000)) != SLA_POOL_NONE) {
        sla_deadline_t *d = sla_timers_at(t, i);
        disorder += d->due_us < last ||
                    (d->due_us == last && memcmp(d->id, last_id, SW_EVENTID_SIZE) <= 0);
        last = d->due_us;
        memcpy(last_id, d->id, SW_EVENTID_SIZE);
        CHECK_EQ(d->heap_pos, 0);
        popped++;
    }
    CHECK_EQ(disorder, 0);
    CHECK_EQ(popped, N - (N + 2) / 3);
    CHECK_EQ(sla_timers_scheduled(t), 0);
    sla_timers_destroy(&t);
}

static void test_pool(void)
{
    sla_pool_t *p = sla_pool_new(24, 70000);
    CHECK(p != NULL);
    uint32_t first = sla_pool_alloc(p);
    memset(sla_pool_at(p, first), 0xab, 24);
    sla_pool_free(p, first);
    uint32_t again = sla_pool_alloc(p);
    CHECK_EQ(again, first); /* reused ... */
    uint8_t zero[24] = {0};
    CHECK_MEM(sla_pool_at(p, again), zero, 24); /* ... and zeroed */
    for (int i = 1; i < 70000; i++)
        CHECK_EQ(sla_pool_alloc(p), (uint32_t)i);
    CHECK_EQ(sla_pool_alloc(p), SLA_POOL_NONE); /* full */
    CHECK_EQ(sla_pool_size(p), 70000);
    CHECK(sla_pool_bytes(p) >= 2 * 65536 * 24);
    sla_pool_destroy(&p);
    CHECK(p == NULL);
}

static void test_case_ids(void)
{
    int bad_round_trips = 0;
    for (int i = 0; i < 10000; i++) {
        uint8_t id[SW_EVENTID_SIZE];
        char name[16], text[SW_CASEID_STRLEN + 1], back[SW_CASEID_STRLEN + 1];
        snprintf(name, sizeof name, "%d", i);
        sw_eventid_make(id, "test", name, strlen(name));
        sw_caseid_from_event(id, text);
        sla_case_t c = {0};
        bad_round_trips += sla_case_key(text, &c.key) != 0;
        sla_case_set_flags(&c, SLA_CASE_ROUTED | SLA_CASE_CLOSED, true);
        sla_case_id(&c, back);
        bad_round_trips += strcmp(text, back) != 0;
        bad_round_trips += sla_case_flags(&c) != (SLA_CASE_ROUTED | SLA_CASE_CLOSED);
    }
    CHECK_EQ(bad_round_trips, 0);
    uint64_t key;
    const char *bad[] = {"",
                         "SW-0000-0000-000",
                         "SW-0000-0000-00000",
                         "sw-0000-0000-0000",
                         "SW-0000-0000-000I", /* not Crockford */
                         "SW-0000-0000-000u",
                         "SW-00000000-00000",
                         "XX-0000-0000-0000",
                         NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(sla_case_key(bad[i], &key), -1);
    CHECK_EQ(sla_case_key("SW-ZZZZ-ZZZZ-ZZZZ", &key), 0);
    CHECK_EQ(key, (UINT64_C(1) << 60) - 1);
}

static void test_cases_random(void)
{
    sla_cases_t *cases = sla_cases_new(100000);
    enum { KEYS = 30000 };
    static uint64_t keys[KEYS];
    static uint32_t where[KEYS]; /* record index, SLA_POOL_NONE when absent */
    for (int i = 0; i < KEYS; i++) {
        /* clustered keys stress the probing */
        keys[i] = i % 2 ? s_rand() & ((UINT64_C(1) << 60) - 1) : (uint64_t)i * 1024;
        where[i] = SLA_POOL_NONE;
    }
    int wrong = 0;
    for (int step = 0; step < 200000; step++) {
        int k = (int)(s_rand() % KEYS);
        int op = (int)(s_rand() % 3);
        if (op == 0) {
            uint32_t ci = sla_cases_ensure(cases, keys[k]);
            wrong += where[k] != SLA_POOL_NONE && ci != where[k];
            where[k] = ci;
            sla_cases_at(cases, ci)->received_at_us = (int64_t)keys[k];
        } else if (op == 1 && where[k] != SLA_POOL_NONE) {
            sla_cases_remove(cases, where[k]);
            where[k] = SLA_POOL_NONE;
        } else {
            uint32_t ci = sla_cases_find(cases, keys[k]);
            wrong += ci != where[k];
            if (ci != SLA_POOL_NONE)
                wrong += sla_cases_at(cases, ci)->received_at_us != (int64_t)keys[k];
        }
    }
    CHECK_EQ(wrong, 0);
    size_t present = 0, seen = 0, cursor = 0;
    for (int i = 0; i < KEYS; i++)
        present += where[i] != SLA_POOL_NONE;
    CHECK_EQ(sla_cases_size(cases), present);
    uint32_t ci;
    while (sla_cases_next(cases, &cursor, &ci))
        seen++;
    CHECK_EQ(seen, present);
    CHECK(sla_cases_bytes(cases) > present * sizeof(sla_case_t));
    sla_cases_destroy(&cases);
    CHECK(cases == NULL);
}

static void test_people(void)
{
    sla_people_t *people = sla_people_new();
    CHECK_EQ(sla_people_intern(people, NULL), 0);
    CHECK_EQ(sla_people_intern(people, ""), 0);
    CHECK_STR(sla_people_name(people, 0), "");
    CHECK_STR(sla_people_name(people, 999), "");
    int wrong = 0;
    enum { NAMES = 50000 };
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < NAMES; i++) {
            char name[32];
            snprintf(name, sizeof name, "staff-%d", i);
            uint32_t id = sla_people_intern(people, name);
            wrong += id != (uint32_t)i + 1; /* ids in order of first sight, stable */
            wrong += strcmp(sla_people_name(people, id), name) != 0;
        }
    CHECK_EQ(wrong, 0);
    CHECK_EQ(sla_people_size(people), NAMES);
    uint32_t fo = sla_people_intern(people, "fo-01"),
             dept = sla_people_intern(people, "front");
    CHECK_EQ(sla_people_department(people, fo), 0);
    sla_people_set_department(people, fo, dept);
    CHECK_EQ(sla_people_department(people, fo), dept);
    CHECK_EQ(sla_people_head(people, dept), 0);
    sla_people_destroy(&people);
    CHECK(people == NULL);
}

int main(void)
{
    test_heap_random();
    test_bulk();
    test_pool();
    test_case_ids();
    test_cases_random();
    test_people();
    SW_TEST_DONE();
}
