/*  sla_people: who is who, as sla needs it.  Staff, department and office
    ids are interned (the same id text gives the same small number, 0 is
    "nobody"), so that a million deadlines hold 4-byte ids, not strings.
    Each person's department and each department's head come from the
    organisation directory (sw_directory: the file router loads, from
    sla/directory or through the log) and from the handoffs seen in the
    log. */
#ifndef SLA_PEOPLE_H
#define SLA_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw_directory.h"
#include "sw_snapshot.h"

typedef struct _sla_people_t sla_people_t;

sla_people_t *sla_people_new(void);
void sla_people_destroy(sla_people_t **self_p);

/* The id of a name; 0 for NULL or "" (and, logged once, past 1,000,000
   names). */
uint32_t sla_people_intern(sla_people_t *self, const char *name);
/* The name of an id, borrowed; "" for 0 or an unknown id. */
const char *sla_people_name(sla_people_t *self, uint32_t id);
size_t sla_people_size(sla_people_t *self);

/* staff_id works in department_id (ids from sla_people_intern). */
void sla_people_set_department(sla_people_t *self, uint32_t staff_id,
                               uint32_t department_id);
/* The department of a person, 0 if unknown. */
uint32_t sla_people_department(sla_people_t *self, uint32_t staff_id);
/* The head (负责人) of a department, 0 if unknown. */
uint32_t sla_people_head(sla_people_t *self, uint32_t department_id);

/* The QA office (质检部) the directory names, 0 if none: it receives a copy
   of every breach (R10, V4). */
uint32_t sla_people_qa_office(sla_people_t *self);

/* Learn every person's department and every department's head from the
   organisation directory.  Returns the number of people learnt. */
size_t sla_people_load_directory(sla_people_t *self, sw_directory_t *directory);

/* Snapshots: every name in id order with its department and head, and the
   QA office.  Restoring into a fresh table interns the names in the same
   order, so every id held elsewhere names the same person again; false
   when the snapshot is short or the table was not fresh. */
void sla_people_save(sla_people_t *self, sw_snapshot_t *snap);
bool sla_people_restore(sla_people_t *self, sw_snapshot_t *snap);

#endif
