/*  sla_people: interned ids, departments and heads. */
#include "sla_people.h"

#include "sw_log.h"

#define S_MAX_NAMES (1u << 20) /* a bound on interned names */

/* What is known of one interned name (a person, a department, an office). */
typedef struct {
    char *name;          /* the id text */
    uint32_t department; /* a person's department, 0 unknown */
    uint32_t head;       /* a department's head, 0 unknown */
} s_entry_t;

struct _sla_people_t {
    zhashx_t *ids;      /* name -> id (as a pointer-sized integer) */
    s_entry_t *entries; /* by id; entry 0 is "" */
    size_t count;       /* entries used */
    size_t size;        /* entries allocated */
    bool full_logged;   /* the bound was reported */
};

sla_people_t *sla_people_new(void)
{
    sla_people_t *self = (sla_people_t *) zmalloc(sizeof(sla_people_t));
    self->ids = zhashx_new();
    self->size = 64;
    self->entries = (s_entry_t *) calloc(self->size, sizeof(s_entry_t));
    if (!self->ids || !self->entries) {
        sla_people_destroy(&self);
        return NULL;
    }
    self->entries[0].name = strdup("");
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
    zhashx_destroy(&self->ids);
    free(self);
    *self_p = NULL;
}

uint32_t sla_people_intern(sla_people_t *self, const char *name)
{
    if (!name || !*name)
        return 0;
    void *found = zhashx_lookup(self->ids, name);
    if (found)
        return (uint32_t)(uintptr_t) found;
    if (self->count >= S_MAX_NAMES) {
        if (!self->full_logged)
            sw_error("more than %u distinct staff, department and office ids: ignoring new ones",
                     S_MAX_NAMES);
        self->full_logged = true;
        return 0;
    }
    if (self->count == self->size) {
        s_entry_t *grown = (s_entry_t *) realloc(self->entries,
                                                 2 * self->size * sizeof(s_entry_t));
        if (!grown)
            return 0;
        memset(grown + self->size, 0, self->size * sizeof(s_entry_t));
        self->entries = grown;
        self->size *= 2;
    }
    uint32_t id = (uint32_t) self->count;
    self->entries[id].name = strdup(name);
    if (!self->entries[id].name)
        return 0;
    self->count++;
    zhashx_insert(self->ids, name, (void *)(uintptr_t) id);
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

void sla_people_set_department(sla_people_t *self, uint32_t staff_id, uint32_t department_id)
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

size_t sla_people_load_directory(sla_people_t *self, zconfig_t *root)
{
    size_t learnt = 0;
    zconfig_t *staff = root ? zconfig_locate(root, "staff") : NULL;
    for (zconfig_t *p = staff ? zconfig_child(staff) : NULL; p; p = zconfig_next(p)) {
        uint32_t id = sla_people_intern(self, zconfig_name(p));
        uint32_t dept = sla_people_intern(self, zconfig_get(p, "department", ""));
        if (id && dept) {
            sla_people_set_department(self, id, dept);
            learnt++;
        }
    }
    zconfig_t *depts = root ? zconfig_locate(root, "department") : NULL;
    for (zconfig_t *d = depts ? zconfig_child(depts) : NULL; d; d = zconfig_next(d)) {
        uint32_t id = sla_people_intern(self, zconfig_name(d));
        uint32_t head = sla_people_intern(self, zconfig_get(d, "head", ""));
        if (id && head < self->count)
            self->entries[id].head = head;
    }
    return learnt;
}
