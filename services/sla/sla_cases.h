/*  sla_cases: what sla knows of each case, 40 bytes a case.
    A case id "SW-7SER-930A-4769" is 60 bits of Crockford base32
    (sw_caseid_from_event), so it is kept as a number: the record holds it
    with four flags in the spare bits, and an open-addressing table of
    32-bit record indexes finds it (linear probing, deletion by backward
    shift).  A million cases cost about 48 MB instead of the ~150 MB of a
    string-keyed zhashx with a malloc'ed record each. */
#ifndef SLA_CASES_H
#define SLA_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla_pool.h"
#include "sw_eventid.h"

/* Flags of a case (kept in the top 4 bits of key). */
#define SLA_CASE_RECEIVED 0x1 /* its inquiry.received is known */
#define SLA_CASE_ROUTED   0x2 /* its case.routed is known */
#define SLA_CASE_WAITING  0x4 /* it waits on the customer: clocks paused */
#define SLA_CASE_CLOSED   0x8 /* closed: forgotten once its deadlines are gone */

/* One case. */
typedef struct {
    uint64_t key;           /* the case id's 60 bits, flags in bits 60..63 */
    int64_t received_at_us; /* when the first owner took it (R1) */
    uint32_t holder;        /* interned staff id of who holds it now */
    uint32_t department;    /* interned id of the holding department */
    uint32_t first_owner;   /* interned natural first owner (首问责任人) */
    uint32_t deadlines;     /* first of its deadlines (sla_timers), SLA_POOL_NONE */
    uint32_t branch;        /* interned branch id: the office calendar to use */
    uint8_t channel;        /* Shouwen__V1__Channel */
    uint8_t request_kind;   /* Shouwen__V1__RequestKind */
    uint8_t urgency;        /* Shouwen__V1__Urgency */
    uint8_t disposition;    /* Shouwen__V1__Disposition, once routed */
} sla_case_t;

typedef struct _sla_cases_t sla_cases_t;

sla_cases_t *sla_cases_new(uint32_t max_cases);
void sla_cases_destroy(sla_cases_t **self_p);

/* "SW-7SER-930A-4769" to its 60 bits; 0 or -1 if not in that exact form. */
int sla_case_key(const char *case_id, uint64_t *key);
/* The case id text of a record (SW_CASEID_STRLEN + 1 bytes). */
void sla_case_id(const sla_case_t *c, char *out);
int sla_case_flags(const sla_case_t *c);
void sla_case_set_flags(sla_case_t *c, int flags, bool on);

/* The record of a case id, SLA_POOL_NONE if unknown. */
uint32_t sla_cases_find(sla_cases_t *self, uint64_t key);
/* The record of a case id, created (zeroed, no deadlines) if unknown;
   SLA_POOL_NONE when full or out of memory. */
uint32_t sla_cases_ensure(sla_cases_t *self, uint64_t key);
sla_case_t *sla_cases_at(sla_cases_t *self, uint32_t index);
/* Forget a case (its deadlines must be gone). */
void sla_cases_remove(sla_cases_t *self, uint32_t index);

/* Every case, in no order: start with *cursor = 0; false after the last.
   No case may be added or removed while iterating. */
bool sla_cases_next(sla_cases_t *self, size_t *cursor, uint32_t *index);

size_t sla_cases_size(sla_cases_t *self);
size_t sla_cases_bytes(sla_cases_t *self);

#endif
