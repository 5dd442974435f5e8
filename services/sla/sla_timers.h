/*  sla_timers: every deadline sla knows, and when the next one fires.
    Deadline records (56 bytes) live in an sla_pool; the running ones are
    in a 4-ary min-heap of 16-byte entries (fire instant, record index,
    the first 4 bytes of the deadline id), ordered by fire instant, then by
    deadline id, so that deadlines due at the same microsecond fire in the
    same order on every run.  A record knows its heap position, so a
    deadline met early leaves the heap in O(log n).  The daemon arms one
    libev watcher at sla_timers_next (docs/sla.md, "Timers").

    While replaying the log, bulk mode appends to the heap unordered and
    turning it off orders the whole heap at once (Floyd, O(n)): rebuilding a
    million deadlines costs one pass, not a million sift-ups. */
#ifndef SLA_TIMERS_H
#define SLA_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla_pool.h"
#include "sw_eventid.h"

/* Where a deadline is in its life. */
typedef enum {
    SLA_DEADLINE_PROPOSED = 1, /* its sla.deadline_set is decided, not yet committed */
    SLA_DEADLINE_OPEN,         /* committed and running (or paused) */
    SLA_DEADLINE_ENDING,       /* met or superseded: sla.deadline_cleared decided */
    SLA_DEADLINE_BREACHING,    /* due: sla.breached proposed */
    SLA_DEADLINE_VIOLATING     /* breach committed: its violation.recorded decided; then
                                  holder and department are the violator's, due_us the
                                  breach instant and warn_us penalty_yuan << 32 | the
                                  occurrence in the month */
} sla_deadline_state_t;

/* Flags of a deadline. */
#define SLA_DL_WORKING                                                                   \
    0x01 /* counted in working time (a pause moves it by working time) */
#define SLA_DL_PAUSED   0x02 /* the case waits on the customer: not running */
#define SLA_DL_WARNED   0x04 /* its warning is proposed or committed */
#define SLA_DL_SET_DONE 0x08 /* its sla.deadline_set is committed */
#define SLA_DL_FOLLOWS_CASE                                                              \
    0x10 /* a breach is charged to whoever holds the case then                           \
          */
#define SLA_DL_FOLLOWS_DEPT                                                              \
    0x100 /* ... while the case stays in the deadline's department */

/* One deadline (时限). */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE]; /* the sla.deadline_set event id */
    int64_t due_us;              /* breached at this instant */
    int64_t warn_us;             /* warned at this instant; 0 for no warning */
    uint32_t case_ref;           /* the case's record (sla_cases) */
    uint32_t next;       /* next deadline of the same case, SLA_POOL_NONE at the end */
    uint32_t holder;     /* interned staff id of who must act (责任人) */
    uint32_t department; /* interned department id */
    uint32_t heap_pos;   /* position in the heap + 1; 0 when not scheduled */
    uint8_t kind;        /* Shouwen__V1__DeadlineKind */
    uint8_t state;       /* sla_deadline_state_t */
    uint16_t flags;      /* SLA_DL_* */
} sla_deadline_t;

typedef struct _sla_timers_t sla_timers_t;

sla_timers_t *sla_timers_new(uint32_t max_deadlines);
void sla_timers_destroy(sla_timers_t **self_p);

/* A new zeroed record (next = SLA_POOL_NONE); SLA_POOL_NONE when full. */
uint32_t sla_timers_add(sla_timers_t *self);
/* Unschedule and free a record. */
void sla_timers_remove(sla_timers_t *self, uint32_t index);
sla_deadline_t *sla_timers_at(sla_timers_t *self, uint32_t index);

/* The instant a deadline fires next: its warning point while that is
   still to come, else its due instant. */
int64_t sla_timers_fire_at(const sla_deadline_t *d);
/* (Re)schedule at sla_timers_fire_at (0, or -1 out of memory);
   unschedule. */
int sla_timers_schedule(sla_timers_t *self, uint32_t index);
void sla_timers_unschedule(sla_timers_t *self, uint32_t index);

/* The earliest fire instant, INT64_MAX when nothing is scheduled (or in
   bulk mode). */
int64_t sla_timers_next(sla_timers_t *self);
/* Unschedule and return the earliest deadline firing at or before now_us;
   SLA_POOL_NONE if none (or in bulk mode). */
uint32_t sla_timers_pop_due(sla_timers_t *self, int64_t now_us);

/* Bulk mode on: scheduling appends unordered.  Off: order the heap. */
void sla_timers_bulk(sla_timers_t *self, bool on);

size_t sla_timers_size(sla_timers_t *self);      /* records */
size_t sla_timers_scheduled(sla_timers_t *self); /* in the heap */
size_t sla_timers_bytes(sla_timers_t *self);     /* records and heap */

#endif
