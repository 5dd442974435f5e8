/*  sla_people: interned ids, departments and heads. */
#include "sla_people.h"
#include "sw_alloc.h"

#include <czmq.h>

#include "sw_log.h"

#define S_MAX_NAMES (1u << 20) /* a bound on interned names */

/* What is known of one interned name (a person, a department, an office). */
typedef struct {
    char *name;          /* the id text */
    uint32_t hash;       /* s_hash of name */
    uint32_t department; /* a person's department, 0 unknown */
    uint32_t head;       /* a department's head, 0 unknown */
} s_entry_t;

/* Names are looked up for every event sla replays (holder, department,
   branch): an open-addressing table of ids, probed by a hash kept in the
   entry, costs about half of a zhashx lookup. */
struct _sla_people_t {
    uint32_t *slots; /* entry id, 0 = empty; a power of two of them */
    size_t slot_count;
    s_entry_t *entries; /* by id; entry 0 is "" */
    size_t count;       /* entries used */
    size_t size;        /* entries allocated */
    bool full_logged;   /* the bound was reported */
    uint32_t qa_office; /* the QA office (质检部) of the directory, 0 none */
};

/* FNV-1a, 32 bits. */
static uint32_t s_hash(const char *name, size_t *len)
{
    uint32_t h = 2166136261u;
    const char *p = name;
    for (; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    *len = (size_t)(p - name);
    return h;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t s_probe(sla_people_t *self, const char *name, uint32_t hash)
{
    size_t mask = self->slot_count - 1;
    size_t i = hash & mask;
    while (self->slots[i]) {
        const s_entry_t *e = &self->entries[self->slots[i]];
        if (e->hash == hash && strcmp(e->name, name) == 0)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

/* Double the slots when they are half full. */
static int s_grow(sla_people_t *self)
{
    uint32_t *slots = (uint32_t *)sw_calloc(2 * self->slot_count, sizeof(uint32_t));
    free(self->slots);
    self->slots = slots;
    self->slot_count *= 2;
    for (uint32_t id = 1; id < self->count; id++)
        self->slots[s_probe(self, self->entries[id].name, self->entries[id].hash)] = id;
    return 0;
}

sla_people_t *sla_people_new(void)
{
    sla_people_t *self = (sla_people_t *)zmalloc(sizeof(sla_people_t));
    self->slot_count = 128;
    self->slots = (uint32_t *)sw_calloc(self->slot_count, sizeof(uint32_t));
    self->size = 64;
    self->entries = (s_entry_t *)sw_calloc(self->size, sizeof(s_entry_t));
    self->entries[0].name = sw_strdup("");
    self->count = 1;
    return self;
}

void sla_people_destroy(sla_people_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_people_t *self = *self_p;
    for (size_t i = 0; self->entries && i < self->count; i++)
        free(self->entries[i].name);
    free(self->entries);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

uint32_t sla_people_intern(sla_people_t *self, const char *name)
{
    if (!name || !*name)
        return 0;
    size_t len;
    uint32_t hash = s_hash(name, &len);
    size_t slot = s_probe(self, name, hash);
    if (self->slots[slot])
        return self->slots[slot];
    if (self->count >= S_MAX_NAMES) {
        if (!self->full_logged)
            sw_error("more than %u distinct staff, department and office ids: ignoring "
                     "new ones",
                     S_MAX_NAMES);
        self->full_logged = true;
        return 0;
    }
    if (self->count == self->size) {
        s_entry_t *grown =
            (s_entry_t *)sw_realloc(self->entries, 2 * self->size * sizeof(s_entry_t));
        memset(grown + self->size, 0, self->size * sizeof(s_entry_t));
        self->entries = grown;
        self->size *= 2;
    }
    uint32_t id = (uint32_t)self->count;
    s_entry_t *e = &self->entries[id];
    e->name = (char *)sw_malloc(len + 1);
    memcpy(e->name, name, len + 1);
    e->hash = hash;
    self->count++;
    self->slots[slot] = id;
    if (2 * self->count > self->slot_count && s_grow(self) != 0) {
        self->count--; /* keep the table consistent: forget it again */
        self->slots[slot] = 0;
        free(e->name);
        e->name = NULL;
        return 0;
    }
    return id;
}

const char *sla_people_name(sla_people_t *self, uint32_t id)
{
    return id < self->count ? self->entries[id].name : "";
}

size_t sla_people_size(sla_people_t *self)
{
    return self->count - 1;
}

void sla_people_set_department(sla_people_t *self, uint32_t staff_id,
                               uint32_t department_id)
{
    if (staff_id > 0 && staff_id < self->count && department_id < self->count)
        self->entries[staff_id].department = department_id;
}

uint32_t sla_people_department(sla_people_t *self, uint32_t staff_id)
{
    return staff_id < self->count ? self->entries[staff_id].department : 0;
}

uint32_t sla_people_head(sla_people_t *self, uint32_t department_id)
{
    return department_id < self->count ? self->entries[department_id].head : 0;
}

uint32_t sla_people_qa_office(sla_people_t *self)
{
    return self->qa_office;
}

size_t sla_people_load_directory(sla_people_t *self, sw_directory_t *directory)
{
    size_t learnt = 0;
    const char *qa = sw_directory_qa_office(directory);
    self->qa_office = qa ? sla_people_intern(self, qa) : 0;
    const char **ids = NULL;
    size_t n = sw_directory_staff_ids(directory, &ids);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = sla_people_intern(self, ids[i]);
        uint32_t dept =
            sla_people_intern(self, sw_directory_staff(directory, ids[i], "department"));
        if (id && dept) {
            sla_people_set_department(self, id, dept);
            learnt++;
        }
    }
    n = sw_directory_departments(directory, &ids);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = sla_people_intern(self, ids[i]);
        uint32_t head =
            sla_people_intern(self, sw_directory_department(directory, ids[i], "head"));
        if (id)
            self->entries[id].head = head;
    }
    return learnt;
}

void sla_people_save(sla_people_t *self, sw_snapshot_t *snap)
{
    sw_snapshot_put_u32(snap, (uint32_t)self->count);
    for (size_t id = 1; id < self->count; id++) {
        sw_snapshot_put_str(snap, self->entries[id].name);
        sw_snapshot_put_u32(snap, self->entries[id].department);
        sw_snapshot_put_u32(snap, self->entries[id].head);
    }
    sw_snapshot_put_u32(snap, self->qa_office);
}

bool sla_people_restore(sla_people_t *self, sw_snapshot_t *snap)
{
    uint32_t count;
    if (self->count != 1 || !sw_snapshot_get_u32(snap, &count) || count == 0 ||
        count > S_MAX_NAMES)
        return false;
    for (uint32_t id = 1; id < count; id++) {
        char *name = NULL;
        uint32_t department, head;
        if (!sw_snapshot_get_str(snap, &name) ||
            !sw_snapshot_get_u32(snap, &department) ||
            !sw_snapshot_get_u32(snap, &head) || !name ||
            sla_people_intern(self, name) != id || department >= count || head >= count) {
            free(name);
            return false;
        }
        free(name);
        self->entries[id].department = department;
        self->entries[id].head = head;
    }
    return sw_snapshot_get_u32(snap, &self->qa_office) && self->qa_office < count;
}
