/*  sla_pool: fixed-size records in chunks. */
#include "sla_pool.h"
#include "sw_alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define S_CHUNK_BITS 16
#define S_CHUNK      (1u << S_CHUNK_BITS)

struct _sla_pool_t {
    size_t record_size; /* bytes per record */
    uint32_t max;       /* most records ever held */
    uint8_t **chunks;   /* S_CHUNK records each */
    uint32_t chunk_count;
    uint32_t used;      /* records handed out at least once (high-water mark) */
    uint32_t free_head; /* first freed record, SLA_POOL_NONE if none */
    size_t live;        /* records in use */
};

sla_pool_t *sla_pool_new(size_t record_size, uint32_t max_records)
{
    assert(record_size >= sizeof(uint32_t));
    sla_pool_t *self = sw_calloc(1, sizeof *self);
    self->record_size = record_size;
    self->max = max_records < SLA_POOL_NONE ? max_records : SLA_POOL_NONE - 1;
    self->chunks = sw_calloc((self->max >> S_CHUNK_BITS) + 1, sizeof(uint8_t *));
    self->free_head = SLA_POOL_NONE;
    return self;
}

void sla_pool_destroy(sla_pool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_pool_t *self = *self_p;
    for (uint32_t i = 0; self->chunks && i < self->chunk_count; i++)
        free(self->chunks[i]);
    free(self->chunks);
    free(self);
    *self_p = NULL;
}

void *sla_pool_at(sla_pool_t *self, uint32_t index)
{
    assert(index < self->used);
    return self->chunks[index >> S_CHUNK_BITS] +
           (size_t)(index & (S_CHUNK - 1)) * self->record_size;
}

uint32_t sla_pool_alloc(sla_pool_t *self)
{
    uint32_t index = self->free_head;
    if (index != SLA_POOL_NONE) {
        void *record = sla_pool_at(self, index);
        memcpy(&self->free_head, record, sizeof(uint32_t));
    } else {
        if (self->used >= self->max)
            return SLA_POOL_NONE;
        if ((self->used >> S_CHUNK_BITS) == self->chunk_count) {
            uint8_t *chunk = sw_malloc(S_CHUNK * self->record_size);
            self->chunks[self->chunk_count++] = chunk;
        }
        index = self->used++;
    }
    memset(sla_pool_at(self, index), 0, self->record_size);
    self->live++;
    return index;
}

void sla_pool_free(sla_pool_t *self, uint32_t index)
{
    void *record = sla_pool_at(self, index);
    memcpy(record, &self->free_head, sizeof(uint32_t));
    self->free_head = index;
    self->live--;
}

size_t sla_pool_size(sla_pool_t *self)
{
    return self->live;
}

size_t sla_pool_bytes(sla_pool_t *self)
{
    return (size_t)self->chunk_count * S_CHUNK * self->record_size +
           ((self->max >> S_CHUNK_BITS) + 1) * sizeof(uint8_t *);
}
