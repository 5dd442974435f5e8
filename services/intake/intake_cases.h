/*  intake_cases: what the branch queries read (issue 9, docs/queries.md).

    Built from the committed log like everything intake knows: for every
    case its customer, who holds it (first owner 首问责任人, factual owner,
    handler, department, a transfer not yet signed for) and its running
    deadlines with their state.  Indexed by staff member, by department and
    by customer phone, so an inbox is a lookup plus the cases it holds, not
    a scan of the log.  Confinement is the caller's: intake_server checks
    who asks and filters every case through intake_access_may_read. */
#ifndef INTAKE_CASES_H
#define INTAKE_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw_envelope.h"
#include "sw_snapshot.h"

typedef struct _intake_cases_t intake_cases_t;

/* One case, opaque; the answer is built by intake_cases_summary. */
typedef struct _intake_case_t intake_case_t;

intake_cases_t *intake_cases_new(void);
void intake_cases_destroy(intake_cases_t **self_p);

/* A committed event at position.  A case that closes leaves memory
   (issue 10); true when the event reopens a case not in memory: the caller
   reads its events from the log and gives them to intake_cases_rebuild. */
bool intake_cases_note(intake_cases_t *self, uint64_t position, const sw_envelope_t *env);
/* A case not in memory rebuilt from its events (positions[i] of envs[i],
   in log order; other cases' events skipped): kept if it ends open
   (true), dropped again if it ends closed. */
bool intake_cases_rebuild(intake_cases_t *self, const char *case_id, size_t n,
                          const uint64_t *positions, sw_envelope_t **envs);
/* The open cases into a snapshot, and back (false: the snapshot is bad). */
void intake_cases_save(intake_cases_t *self, sw_snapshot_t *snap);
bool intake_cases_load(intake_cases_t *self, sw_snapshot_t *snap);

size_t intake_cases_size(intake_cases_t *self);

/* Called for each case found, until it returns false. */
typedef bool(intake_cases_fn)(void *arg, const intake_case_t *c);

/* The open (not closed) cases a staff member holds as first owner, factual
   owner, handler or receiver of a pending transfer. */
void intake_cases_of_staff(intake_cases_t *self, const char *staff, intake_cases_fn *fn,
                           void *arg);
/* The open cases a department handles or was passed. */
void intake_cases_of_department(intake_cases_t *self, const char *dept,
                                intake_cases_fn *fn, void *arg);
/* Every open case of a customer phone number, compared with only its
   digits and a leading '+' (closed cases are not kept: issue 10). */
void intake_cases_of_phone(intake_cases_t *self, const char *phone, intake_cases_fn *fn,
                           void *arg);
/* Every open case with a running deadline due at or before due_before_us. */
void intake_cases_due(intake_cases_t *self, int64_t due_before_us, intake_cases_fn *fn,
                      void *arg);
const intake_case_t *intake_cases_find(intake_cases_t *self, const char *case_id);

const char *intake_case_id(const intake_case_t *c);
/* True if the case has a running deadline matching: due at or before
   due_before_us (0: any), of kind (0: any), held by staff or of dept (NULL:
   any). */
bool intake_case_has_deadline(const intake_case_t *c, int64_t due_before_us, int kind,
                              const char *staff, const char *dept);
/* True if a running deadline due at or before due_before_us, of kind (0:
   any), satisfies pred(arg, holder, department) (either may be NULL). */
typedef bool(intake_deadline_pred)(void *arg, const char *holder, const char *dept);
bool intake_case_any_deadline(const intake_case_t *c, int64_t due_before_us, int kind,
                              intake_deadline_pred *pred, void *arg);
/* The earliest running deadline's due time, INT64_MAX when none. */
int64_t intake_case_next_due(const intake_case_t *c);

/* The case as a query answers it; free with intake_cases_summary_free.
   staff, when given, fills roles with what it is to that person. */
Shouwen__V1__CaseSummary *intake_cases_summary(const intake_case_t *c, const char *staff);
void intake_cases_summary_free(Shouwen__V1__CaseSummary *s);

#endif
