/*  sla_tally: monthly violation counts. */
#include "sla_tally.h"
#include "sw_alloc.h"

#include <czmq.h>

struct _sla_tally_t {
    zhashx_t *counts; /* "p/<staff>/<month>" or "d/<dept>/<month>" -> count */
    int latest;       /* newest month seen */
};

sla_tally_t *sla_tally_new(void)
{
    sla_tally_t *self = (sla_tally_t *)zmalloc(sizeof(sla_tally_t));
    self->counts = zhashx_new(); /* czmq aborts when out of memory */
    return self;
}

void sla_tally_destroy(sla_tally_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->counts);
    free(*self_p);
    *self_p = NULL;
}

/* A new month: drop the counts of months before the previous one. */
static void s_prune(sla_tally_t *self, int month)
{
    self->latest = month;
    zlistx_t *old = zlistx_new();
    for (void *v = zhashx_first(self->counts); v; v = zhashx_next(self->counts)) {
        const char *key = (const char *)zhashx_cursor(self->counts);
        const char *slash = strrchr(key, '/');
        if (slash && atoi(slash + 1) < month - 1)
            zlistx_add_end(old, (void *)key);
    }
    for (void *key = zlistx_first(old); key; key = zlistx_next(old))
        zhashx_delete(self->counts, key);
    zlistx_destroy(&old);
}

static uint32_t s_count(sla_tally_t *self, char who, uint32_t id, int month)
{
    if (month > self->latest)
        s_prune(self, month);
    char key[48];
    snprintf(key, sizeof key, "%c/%u/%d", who, id, month);
    uint32_t count = (uint32_t)(uintptr_t)zhashx_lookup(self->counts, key) + 1;
    zhashx_update(self->counts, key, (void *)(uintptr_t)count);
    return count;
}

uint32_t sla_tally_person(sla_tally_t *self, uint32_t staff, int month)
{
    return s_count(self, 'p', staff, month);
}

uint32_t sla_tally_department(sla_tally_t *self, uint32_t department, int month)
{
    return s_count(self, 'd', department, month);
}

size_t sla_tally_size(sla_tally_t *self)
{
    return zhashx_size(self->counts);
}

static int s_compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sla_tally_save(sla_tally_t *self, sw_snapshot_t *snap)
{
    sw_snapshot_put_i64(snap, self->latest);
    size_t n = zhashx_size(self->counts), k = 0;
    const char **keys = (const char **)sw_malloc((n ? n : 1) * sizeof(char *));
    for (void *v = zhashx_first(self->counts); v && k < n; v = zhashx_next(self->counts))
        keys[k++] = (const char *)zhashx_cursor(self->counts);
    qsort(keys, k, sizeof *keys, s_compare_keys); /* zlistx_sort leaves some unsorted */
    sw_snapshot_put_u32(snap, (uint32_t)k);
    for (size_t i = 0; i < k; i++) {
        sw_snapshot_put_str(snap, keys[i]);
        sw_snapshot_put_u32(snap,
                            (uint32_t)(uintptr_t)zhashx_lookup(self->counts, keys[i]));
    }
    free(keys);
}

bool sla_tally_restore(sla_tally_t *self, sw_snapshot_t *snap)
{
    int64_t latest;
    uint32_t n;
    if (!sw_snapshot_get_i64(snap, &latest) || !sw_snapshot_get_u32(snap, &n) ||
        latest < 0 || latest > INT32_MAX)
        return false;
    self->latest = (int)latest;
    for (uint32_t i = 0; i < n; i++) {
        char *key = NULL;
        uint32_t count;
        bool ok = sw_snapshot_get_str(snap, &key) && sw_snapshot_get_u32(snap, &count) &&
                  key && strlen(key) < 48 && count > 0;
        if (ok)
            zhashx_update(self->counts, key, (void *)(uintptr_t)count);
        free(key);
        if (!ok)
            return false;
    }
    return true;
}
