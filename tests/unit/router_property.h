/*  router_property: what the parts of test_router_case_property share (the
    simulated hub and log, the rule checks, the random staff actions). */
#ifndef ROUTER_PROPERTY_H
#define ROUTER_PROPERTY_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "router_case.h"
#include "sw_directory.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_test.h"

#define S_CASES     300 /* cases opened per seed */
#define S_STEPS     40  /* actions per case at most */
#define S_MAX_FAILS 100 /* stop a run that has gone this wrong */
#define S_ID        80  /* room for an id */
#define S_SUMMARY   16384

/* What router_server keeps: the directory in force and the cases. */
typedef struct {
    sw_directory_t *dir;
    zhashx_t *cases; /* case id -> router_case_t */
} rp_router_t;

/* A breach as committed, and the escalations it caused. */
typedef struct {
    bool owed; /* the case was not closed: router escalates it */
    int escalations;
} rp_breach_t;

/* One case as the committed events show it (and the inquiry as sent). */
typedef struct {
    char id[SW_CASEID_STRLEN + 1];
    uint64_t version; /* events of the case committed */
    int steps;        /* random actions taken on it */
    int channel, kind, urgency;
    char category[S_ID], receiver[S_ID], named[S_ID], linked[S_ID];
    /* seen in the committed events */
    bool routed;
    int disposition;
    char natural[S_ID], factual[S_ID], handler[S_ID], department[S_ID];
    char from_staff[S_ID], to_staff[S_ID], to_dept[S_ID];
    char guidance[1024];
    router_state_t state, before_wait;
    int hops, bounces, level;
    bool locked, lock_due, violation_due;
    uint8_t lock_cause[SW_EVENTID_SIZE];
    char shirker[S_ID], shirker_dept[S_ID];
    char lock_owner[S_ID], lock_dept[S_ID]; /* R18: who takes it */
    char leader[S_ID];                      /* R7: who decides an unclear case */
    bool leader_decided;
    zhashx_t *passed_on;      /* departments that passed it on (ping-pong) */
    zhashx_t *conflict_depts; /* departments a conflict was counted for (R15) */
    zlistx_t *open_commands;  /* ids (hex) not answered yet, in log order */
    zhashx_t *granted;        /* leaders who allowed their contact (R19) */
    /* the live router's proposals */
    bool decided;
    uint64_t decided_version;
    uint8_t decided_id[SW_EVENTID_SIZE];
    int decided_dir; /* the directory in force when it was decided */
    zframe_t *held;  /* a decision proposed, not yet at audit */
    zframe_t *stray; /* one a router that restarted had sent: still on its way */
} rp_case_t;

/* A staff command as committed, with what its answer is checked against. */
typedef struct {
    size_t case_index;
    int kind;
    char staff[S_ID];
    bool override_ok; /* phrase_override with a reason */
    bool opinion_empty;
    int answers;
} rp_command_t;

typedef struct {
    uint64_t seed, rng;
    int64_t now_us;
    rp_router_t *router; /* the live router */
    char *dir_text[2];   /* the hotel and a variant */
    size_t dir_len[2];
    sw_directory_t *dirs[2]; /* the same, parsed for the checks */
    int dir_loaded;          /* which one is in force */
    zframe_t **log;          /* packed Committed, index = position - 1 */
    size_t head, log_size;
    rp_case_t *cases;
    size_t ncases;
    zhashx_t *case_index; /* case id -> index + 1 */
    zhashx_t *event_ids;  /* hex id -> position */
    zhashx_t *commands;   /* hex id -> rp_command_t */
    zhashx_t *breaches;   /* hex id -> rp_breach_t */
    uint64_t seq_intake, seq_router, seq_sla, serial;
    char *staff[64]; /* the hotel's staff and departments, owned */
    size_t nstaff;
    char *depts[32];
    size_t ndepts;
    char *categories[32];
    size_t ncategories;
    router_decision_t *d1, *d2;
    char *sum1, *sum2;
    char scratch[8][512]; /* texts of the command being built */
    /* where the check that failed was */
    uint64_t at_position;
    const char *at_case, *at_type;
    /* figures */
    uint64_t n_commands, n_decisions, n_held, n_stale, n_duplicate, n_breaches, n_noise,
        n_loads, n_restarts, n_replayed, n_locks, n_violations;
    zhashx_t *rejections;  /* code -> count */
    zhashx_t *event_types; /* type -> count */
} rp_sim_t;

/* A check that says where in the run it failed. */
#define CHECK_AT(sim, cond)                                                              \
    do {                                                                                 \
        int sw_f_ = sw_test_failures;                                                    \
        CHECK(cond);                                                                     \
        if (sw_test_failures > sw_f_)                                                    \
            rp_where(sim);                                                               \
    } while (0)

#define CHECK_STR_AT(sim, a, b)                                                          \
    do {                                                                                 \
        int sw_f_ = sw_test_failures;                                                    \
        CHECK_STR(a, b);                                                                 \
        if (sw_test_failures > sw_f_)                                                    \
            rp_where(sim);                                                               \
    } while (0)

/* test_router_case_property.c */
void rp_where(rp_sim_t *sim); /* says where a failed check was */
bool rp_blank(const char *text);
void rp_copy(char *dst, size_t size, const char *src);
void rp_count(zhashx_t *table, const char *key);
sw_directory_t *rp_decided_dir(rp_sim_t *sim, rp_case_t *c);
sw_directory_t *rp_dir(rp_sim_t *sim);
const char *rp_forbidden(rp_sim_t *sim, const char *text);
const char *rp_hex(const uint8_t *id, char *out);
bool rp_in_dept(rp_sim_t *sim, const char *staff, const char *dept);
bool rp_same(const char *a, const char *b);
const char *rp_staff_dept(rp_sim_t *sim, const char *staff);

/* router_property_checks.c */
void rp_observe(rp_sim_t *sim, rp_case_t *c, const sw_committed_t *cm,
                const sw_envelope_t *env);

/* test_router_case_property.c */
uint64_t rp_append(rp_sim_t *sim, const uint8_t *data, size_t len);
uint64_t rp_append_env(rp_sim_t *sim, sw_envelope_t *env, const char *producer,
                       uint64_t seq);
size_t rp_below(rp_sim_t *sim, size_t n);
bool rp_chance(rp_sim_t *sim, unsigned percent);
const char *rp_pick(rp_sim_t *sim, char **items, size_t n);
zframe_t *rp_propose(rp_sim_t *sim, sw_envelope_t *env, const char *producer,
                     uint64_t seq, int64_t at_us);
int64_t rp_tick(rp_sim_t *sim);

/* router_property_actions.c */
bool rp_decide(rp_sim_t *sim, rp_case_t *c, bool hold);
void rp_deliver_held(rp_sim_t *sim, rp_case_t *c);
void rp_load_directory(rp_sim_t *sim);
void rp_random_command(rp_sim_t *sim, rp_case_t *c);
void rp_random_inquiry(rp_sim_t *sim);
void rp_sla_event(rp_sim_t *sim, rp_case_t *c, bool breach);

#endif
