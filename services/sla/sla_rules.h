/*  sla_rules: the time limits of the seeds as a state machine over the
    committed log.  Each committed event is applied in log order: an event
    that starts a clock decides an sla.deadline_set, one that meets or
    supersedes a clock decides an sla.deadline_cleared, a case waiting on
    the customer pauses the clocks and its return moves them, and a
    committed sla.breached decides the violation.recorded it causes (with
    the month's repeat count, V2).  Warnings and breaches fire from the
    timers (sla_rules_expire).  Which event does what: docs/sla.md.

    Every decision's event id derives from the event that caused it
    (sw_eventid_derive), so a decision re-made after a restart or a replay
    is the same event, and audit keeps it once.  Decisions are handed to
    the propose callback only when live; while replaying they wait, and
    sla_rules_live proposes those the log does not hold yet. */
#ifndef SLA_RULES_H
#define SLA_RULES_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw_calendar.h"
#include "sla_people.h"
#include "sw_policy.h"
#include "sw_directory.h"
#include "sw_envelope.h"
#include "sw_snapshot.h"

typedef struct _sla_rules_t sla_rules_t;

/* A decision to propose: a complete envelope (producer and sequence are
   the producer's to stamp).  Borrowed for the call. */
typedef void(sla_rules_propose_fn)(void *arg, sw_envelope_t *env);

/* What the rules did (statistics). */
typedef struct {
    uint64_t applied;    /* committed events applied */
    uint64_t ignored;    /* events of no known case, or with a bad case id */
    uint64_t sets;       /* sla.deadline_set proposed */
    uint64_t clears;     /* sla.deadline_cleared proposed */
    uint64_t warnings;   /* sla.warning proposed */
    uint64_t breaches;   /* sla.breached proposed */
    uint64_t violations; /* violation.recorded proposed */
    uint64_t errors;     /* deadlines not set: calendar or memory errors */
} sla_rules_stats_t;

/* Without a calendar: case events are counted as errors and set no
   deadline until sla_rules_set_calendar (the log's first calendar comes
   before its first case).  offices (branch id -> office name, may be NULL)
   is borrowed.  max_deadlines and max_cases bound memory. */
sla_rules_t *sla_rules_new(zconfig_t *offices, uint32_t max_deadlines, uint32_t max_cases,
                           sla_rules_propose_fn *propose, void *arg);
void sla_rules_destroy(sla_rules_t **self_p);

/* New calendar and policies for the deadlines set from now on (those set
   keep their instants). */
void sla_rules_set_calendar(sla_rules_t *self, sw_calendar_t **calendar_p,
                            sw_policy_t **policy_p);
/* The same from the calendar file's text (kept for snapshots): 0, or -1
   with *error (caller frees) and the calendar in force kept. */
int sla_rules_load_calendar(sla_rules_t *self, const char *text, size_t len,
                            char **error);
/* Who is who (departments and heads, from the organisation directory). */
sla_people_t *sla_rules_people(sla_rules_t *self);

/* A committed event, in log order.  replaying: decisions wait for
   sla_rules_live instead of being proposed now. */
void sla_rules_apply(sla_rules_t *self, const sw_envelope_t *env, bool replaying);
/* R26: an organisation loaded through the log (env, its directory.loaded):
   each handler who was away when a case was handed over (case.routed
   away_handler_id) and is on post in dir has the return-contact clock
   started on that case, counted from the load. */
void sla_rules_back_on_post(sla_rules_t *self, sw_directory_t *dir,
                            const sw_envelope_t *env, bool replaying);
/* Caught up with the log: order the timers (first call) and propose every
   decision still waiting. */
void sla_rules_live(sla_rules_t *self);

/* The earliest instant a warning or breach fires, INT64_MAX if none. */
int64_t sla_rules_next_fire(sla_rules_t *self);
/* Fire the warnings and breaches due at now_us, at most max of them;
   returns how many fired.  Only when live. */
size_t sla_rules_expire(sla_rules_t *self, int64_t now_us, size_t max);

const sla_rules_stats_t *sla_rules_stats(sla_rules_t *self);
size_t sla_rules_cases(sla_rules_t *self);
size_t sla_rules_deadlines(sla_rules_t *self);
size_t sla_rules_running(sla_rules_t *self);
/* Bytes held by the case and deadline structures. */
size_t sla_rules_bytes(sla_rules_t *self);

/* ---- snapshots (sla_snapshot.c; docs/snapshots-sla.md) */

/* The payload format sla_rules_save writes; raise it when it changes. */
#define SLA_SNAPSHOT_FORMAT 1

/* Everything a replay of the log builds, in a canonical order (cases by
   id, their deadlines in list order, tables sorted), without what only
   this process knows: a decision proposed and not yet committed is
   written as undecided, so the process that loads it proposes it again
   (the same event id; audit keeps one). */
void sla_rules_save(sla_rules_t *self, sw_snapshot_t *snap);
/* Into a fresh rules object (no event applied, no calendar): false with
   *why when the payload is malformed (the object is then to destroy).
   The running deadlines are scheduled as a replay leaves them; the heap
   is ordered at sla_rules_live. */
bool sla_rules_restore(sla_rules_t *self, sw_snapshot_t *snap, const char **why);

#endif
