/*  sla_tally: violations counted per person and per department and month
    (月度考核), for V2: the second offence of a person within the month is
    a repeat (self-criticism and the repeat penalty), and a department's
    n-th violation of the month brings the department penalty.  Months are
    numbered year * 12 + month - 1 in the office's time zone; counts older
    than the previous month are dropped as months go by. */
#ifndef SLA_TALLY_H
#define SLA_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw_snapshot.h"

typedef struct _sla_tally_t sla_tally_t;

sla_tally_t *sla_tally_new(void);
void sla_tally_destroy(sla_tally_t **self_p);

/* Count one violation of a person (interned staff id) in a month; the
   person's count for that month, this one included. */
uint32_t sla_tally_person(sla_tally_t *self, uint32_t staff, int month);
/* The same for a department. */
uint32_t sla_tally_department(sla_tally_t *self, uint32_t department, int month);
/* Counts held. */
size_t sla_tally_size(sla_tally_t *self);
/* Snapshots: the newest month and every count, sorted by key; restoring
   into a fresh tally gives it back (false when the snapshot is short). */
void sla_tally_save(sla_tally_t *self, sw_snapshot_t *snap);
bool sla_tally_restore(sla_tally_t *self, sw_snapshot_t *snap);

#endif
