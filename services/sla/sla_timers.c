/*  sla_timers: deadline records and the heap of running ones. */
#include "sla_timers.h"
#include "sw_alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* One heap entry: the fire instant and a tie-break copied from the record,
   so that ordering rarely reads the record itself. */
typedef struct {
    int64_t fire_us; /* sla_timers_fire_at of the record when scheduled */
    uint32_t index;  /* the record */
    uint32_t tie;    /* first 4 bytes of the deadline id, big-endian */
} s_entry_t;

_Static_assert(sizeof(sla_deadline_t) == 56, "a deadline record is 56 bytes");

struct _sla_timers_t {
    sla_pool_t *records; /* sla_deadline_t */
    s_entry_t *heap;     /* min-heap by (fire_us, id) */
    size_t count;        /* entries in the heap */
    size_t size;         /* entries allocated */
    bool bulk;           /* appending unordered (replay) */
};

sla_timers_t *sla_timers_new(uint32_t max_deadlines)
{
    sla_timers_t *self = sw_calloc(1, sizeof *self);
    self->records = sla_pool_new(sizeof(sla_deadline_t), max_deadlines);
    self->size = 1024;
    self->heap = sw_malloc(self->size * sizeof(s_entry_t));
    return self;
}

void sla_timers_destroy(sla_timers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_timers_t *self = *self_p;
    sla_pool_destroy(&self->records);
    free(self->heap);
    free(self);
    *self_p = NULL;
}

sla_deadline_t *sla_timers_at(sla_timers_t *self, uint32_t index)
{
    return (sla_deadline_t *)sla_pool_at(self->records, index);
}

uint32_t sla_timers_add(sla_timers_t *self)
{
    uint32_t index = sla_pool_alloc(self->records);
    if (index != SLA_POOL_NONE)
        sla_timers_at(self, index)->next = SLA_POOL_NONE;
    return index;
}

void sla_timers_remove(sla_timers_t *self, uint32_t index)
{
    sla_timers_unschedule(self, index);
    sla_pool_free(self->records, index);
}

int64_t sla_timers_fire_at(const sla_deadline_t *d)
{
    bool warning =
        d->warn_us > 0 && d->warn_us < d->due_us && !(d->flags & SLA_DL_WARNED);
    return warning ? d->warn_us : d->due_us;
}

/* True if entry a fires before entry b. */
static bool s_before(sla_timers_t *self, const s_entry_t *a, const s_entry_t *b)
{
    if (a->fire_us != b->fire_us)
        return a->fire_us < b->fire_us;
    if (a->tie != b->tie)
        return a->tie < b->tie;
    return memcmp(sla_timers_at(self, a->index)->id, sla_timers_at(self, b->index)->id,
                  SW_EVENTID_SIZE) < 0;
}

static void s_place(sla_timers_t *self, size_t pos, const s_entry_t *entry)
{
    self->heap[pos] = *entry;
    sla_timers_at(self, entry->index)->heap_pos = (uint32_t)pos + 1;
}

/* A 4-ary heap: the children of i are 4i+1..4i+4, 64 bytes in a row (one
   cache line), so a pop from a million entries touches 10 lines, not 20. */
#define S_ARITY 4

static void s_sift_up(sla_timers_t *self, size_t pos)
{
    s_entry_t entry = self->heap[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / S_ARITY;
        if (!s_before(self, &entry, &self->heap[parent]))
            break;
        s_place(self, pos, &self->heap[parent]);
        pos = parent;
    }
    s_place(self, pos, &entry);
}

static void s_sift_down(sla_timers_t *self, size_t pos)
{
    s_entry_t entry = self->heap[pos];
    for (;;) {
        size_t first = S_ARITY * pos + 1, best = first;
        if (first >= self->count)
            break;
        size_t end = first + S_ARITY < self->count ? first + S_ARITY : self->count;
        for (size_t child = first + 1; child < end; child++)
            if (s_before(self, &self->heap[child], &self->heap[best]))
                best = child;
        if (!s_before(self, &self->heap[best], &entry))
            break;
        s_place(self, pos, &self->heap[best]);
        pos = best;
    }
    s_place(self, pos, &entry);
}

/* Take the entry at pos out of the heap. */
static void s_delete(sla_timers_t *self, size_t pos)
{
    sla_timers_at(self, self->heap[pos].index)->heap_pos = 0;
    self->count--;
    if (pos == self->count)
        return;
    s_place(self, pos, &self->heap[self->count]);
    if (self->bulk)
        return;
    if (pos > 0 && s_before(self, &self->heap[pos], &self->heap[(pos - 1) / S_ARITY]))
        s_sift_up(self, pos);
    else
        s_sift_down(self, pos);
}

void sla_timers_unschedule(sla_timers_t *self, uint32_t index)
{
    sla_deadline_t *d = sla_timers_at(self, index);
    if (d->heap_pos)
        s_delete(self, d->heap_pos - 1);
}

int sla_timers_schedule(sla_timers_t *self, uint32_t index)
{
    sla_deadline_t *d = sla_timers_at(self, index);
    s_entry_t entry = {sla_timers_fire_at(d), index,
                       (uint32_t)d->id[0] << 24 | (uint32_t)d->id[1] << 16 |
                           (uint32_t)d->id[2] << 8 | d->id[3]};
    if (d->heap_pos) {
        size_t pos = d->heap_pos - 1;
        s_place(self, pos, &entry);
        if (!self->bulk) {
            s_sift_up(self, pos);
            s_sift_down(self, sla_timers_at(self, index)->heap_pos - 1);
        }
        return 0;
    }
    if (self->count == self->size) {
        self->heap = sw_realloc(self->heap, 2 * self->size * sizeof(s_entry_t));
        self->size *= 2;
    }
    s_place(self, self->count++, &entry);
    if (!self->bulk)
        s_sift_up(self, self->count - 1);
    return 0;
}

int64_t sla_timers_next(sla_timers_t *self)
{
    return self->count && !self->bulk ? self->heap[0].fire_us : INT64_MAX;
}

uint32_t sla_timers_pop_due(sla_timers_t *self, int64_t now_us)
{
    if (self->bulk || self->count == 0 || self->heap[0].fire_us > now_us)
        return SLA_POOL_NONE;
    uint32_t index = self->heap[0].index;
    s_delete(self, 0);
    return index;
}

void sla_timers_bulk(sla_timers_t *self, bool on)
{
    bool was = self->bulk;
    self->bulk = on;
    if (was && !on)
        for (size_t pos = self->count / S_ARITY + 1; pos-- > 0;)
            if (pos < self->count)
                s_sift_down(self, pos);
}

size_t sla_timers_size(sla_timers_t *self)
{
    return sla_pool_size(self->records);
}

size_t sla_timers_scheduled(sla_timers_t *self)
{
    return self->count;
}

size_t sla_timers_bytes(sla_timers_t *self)
{
    return sla_pool_bytes(self->records) + self->size * sizeof(s_entry_t);
}
