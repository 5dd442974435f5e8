/*  sla_cases: compact case records and their index. */
#include "sla_cases.h"
#include "sw_alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_BITS  60
#define S_KEY_MASK  ((UINT64_C(1) << S_KEY_BITS) - 1)
#define S_EMPTY     UINT32_MAX
#define S_MIN_SLOTS 1024

_Static_assert(sizeof(sla_case_t) == 40, "a case record is 40 bytes");

static const char s_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct _sla_cases_t {
    sla_pool_t *records; /* sla_case_t */
    uint32_t *slots;     /* record index or S_EMPTY; a power of two of them */
    size_t slot_count;
    size_t used; /* occupied slots */
};

int sla_case_key(const char *case_id, uint64_t *key)
{
    if (!case_id || strlen(case_id) != SW_CASEID_STRLEN ||
        strncmp(case_id, "SW-", 3) != 0 || case_id[7] != '-' || case_id[12] != '-')
        return -1;
    uint64_t bits = 0;
    for (const char *p = case_id + 3; *p; p++) {
        if (*p == '-')
            continue;
        const char *at = *p ? strchr(s_crockford, *p) : NULL;
        if (!at)
            return -1;
        bits = bits << 5 | (uint64_t)(at - s_crockford);
    }
    *key = bits;
    return 0;
}

void sla_case_id(const sla_case_t *c, char *out)
{
    uint64_t bits = c->key & S_KEY_MASK;
    memcpy(out, "SW-", 3);
    char *p = out + 3;
    for (int i = 0; i < 12; i++) {
        if (i == 4 || i == 8)
            *p++ = '-';
        *p++ = s_crockford[(bits >> (55 - 5 * i)) & 0x1f];
    }
    *p = '\0';
}

int sla_case_flags(const sla_case_t *c)
{
    return (int)(c->key >> S_KEY_BITS);
}

void sla_case_set_flags(sla_case_t *c, int flags, bool on)
{
    uint64_t bits = (uint64_t)(flags & 0xf) << S_KEY_BITS;
    c->key = on ? c->key | bits : c->key & ~bits;
}

static size_t s_home(const sla_cases_t *self, uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (self->slot_count - 1);
}

sla_cases_t *sla_cases_new(uint32_t max_cases)
{
    sla_cases_t *self = sw_calloc(1, sizeof *self);
    self->records = sla_pool_new(sizeof(sla_case_t), max_cases);
    self->slot_count = S_MIN_SLOTS;
    self->slots = sw_malloc(self->slot_count * sizeof(uint32_t));
    memset(self->slots, 0xff, self->slot_count * sizeof(uint32_t));
    return self;
}

void sla_cases_destroy(sla_cases_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_cases_t *self = *self_p;
    sla_pool_destroy(&self->records);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

sla_case_t *sla_cases_at(sla_cases_t *self, uint32_t index)
{
    return (sla_case_t *)sla_pool_at(self->records, index);
}

static uint64_t s_key_of(sla_cases_t *self, uint32_t index)
{
    return sla_cases_at(self, index)->key & S_KEY_MASK;
}

uint32_t sla_cases_find(sla_cases_t *self, uint64_t key)
{
    key &= S_KEY_MASK;
    for (size_t i = s_home(self, key), n = 0; n < self->slot_count;
         i = (i + 1) & (self->slot_count - 1), n++) {
        uint32_t index = self->slots[i];
        if (index == S_EMPTY)
            return SLA_POOL_NONE;
        if (s_key_of(self, index) == key)
            return index;
    }
    return SLA_POOL_NONE;
}

static void s_put(sla_cases_t *self, uint32_t index)
{
    size_t i = s_home(self, s_key_of(self, index));
    while (self->slots[i] != S_EMPTY)
        i = (i + 1) & (self->slot_count - 1);
    self->slots[i] = index;
}

/* Double the table when it is 70% full. */
static int s_grow(sla_cases_t *self)
{
    uint32_t *old = self->slots;
    size_t old_count = self->slot_count;
    uint32_t *slots = sw_malloc(2 * old_count * sizeof(uint32_t));
    memset(slots, 0xff, 2 * old_count * sizeof(uint32_t));
    self->slots = slots;
    self->slot_count = 2 * old_count;
    for (size_t i = 0; i < old_count; i++)
        if (old[i] != S_EMPTY)
            s_put(self, old[i]);
    free(old);
    return 0;
}

uint32_t sla_cases_ensure(sla_cases_t *self, uint64_t key)
{
    key &= S_KEY_MASK;
    uint32_t index = sla_cases_find(self, key);
    if (index != SLA_POOL_NONE)
        return index;
    if ((self->used + 1) * 10 > self->slot_count * 7 && s_grow(self) != 0)
        return SLA_POOL_NONE;
    index = sla_pool_alloc(self->records);
    if (index == SLA_POOL_NONE)
        return SLA_POOL_NONE;
    sla_case_t *c = sla_cases_at(self, index);
    c->key = key;
    c->deadlines = SLA_POOL_NONE;
    s_put(self, index);
    self->used++;
    return index;
}

void sla_cases_remove(sla_cases_t *self, uint32_t index)
{
    size_t mask = self->slot_count - 1;
    size_t i = s_home(self, s_key_of(self, index));
    while (self->slots[i] != index) {
        assert(self->slots[i] != S_EMPTY);
        i = (i + 1) & mask;
    }
    /* backward shift: move later members of the cluster into the hole */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; self->slots[j] != S_EMPTY; j = (j + 1) & mask) {
        size_t home = s_home(self, s_key_of(self, self->slots[j]));
        bool movable =
            hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            self->slots[hole] = self->slots[j];
            hole = j;
        }
    }
    self->slots[hole] = S_EMPTY;
    self->used--;
    sla_pool_free(self->records, index);
}

bool sla_cases_next(sla_cases_t *self, size_t *cursor, uint32_t *index)
{
    while (*cursor < self->slot_count) {
        uint32_t found = self->slots[(*cursor)++];
        if (found != S_EMPTY) {
            *index = found;
            return true;
        }
    }
    return false;
}

size_t sla_cases_size(sla_cases_t *self)
{
    return self->used;
}

size_t sla_cases_bytes(sla_cases_t *self)
{
    return sla_pool_bytes(self->records) + self->slot_count * sizeof(uint32_t);
}
