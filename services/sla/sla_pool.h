/*  sla_pool: fixed-size records in chunks of 65,536, named by a 32-bit
    index, with a free list.  The records of a million deadlines or cases
    sit in a few dozen chunks with no per-record allocation, and growing
    never copies or doubles what is there (a realloc'ed array would). */
#ifndef SLA_POOL_H
#define SLA_POOL_H

#include <stddef.h>
#include <stdint.h>

#define SLA_POOL_NONE UINT32_MAX /* "no record" */

typedef struct _sla_pool_t sla_pool_t;

/* Records of record_size bytes (at least 4), at most max_records. */
sla_pool_t *sla_pool_new(size_t record_size, uint32_t max_records);
void sla_pool_destroy(sla_pool_t **self_p);

/* A zeroed record's index, SLA_POOL_NONE when full or out of memory. */
uint32_t sla_pool_alloc(sla_pool_t *self);
void sla_pool_free(sla_pool_t *self, uint32_t index);
/* The record at an index from sla_pool_alloc. */
void *sla_pool_at(sla_pool_t *self, uint32_t index);
/* Records in use. */
size_t sla_pool_size(sla_pool_t *self);
/* Bytes held (chunks and their table). */
size_t sla_pool_bytes(sla_pool_t *self);

#endif
