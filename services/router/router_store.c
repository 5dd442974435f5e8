/*  router_store: the organisation, the cases, and their snapshot (see
    router_store.h). */
#include "router_store.h"
#include "sw_alloc.h"

#include "sw_log.h"

/* A settled case, packed. */
typedef struct {
    size_t size;
    uint8_t data[];
} s_packed_t;

struct _router_store_t {
    sw_directory_t *dir; /* the organisation in force; NULL before */
    uint8_t *dir_text;   /* what it was parsed from */
    size_t dir_len;
    uint64_t without_dir; /* case events before any organisation (not applied) */
    zhashx_t *cases;      /* case id -> router_case_t, live */
    zhashx_t *packed;     /* case id -> s_packed_t, settled */
    uint64_t position;
    uint8_t event_id[SW_EVENTID_SIZE];
};

static void s_case_destroy(void **item_p)
{
    router_case_destroy((router_case_t **)item_p);
}

static void s_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

router_store_t *router_store_new(void)
{
    router_store_t *self = (router_store_t *)zmalloc(sizeof(router_store_t));
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_destroy);
    self->packed = zhashx_new();
    zhashx_set_destructor(self->packed, s_free);
    return self;
}

void router_store_destroy(router_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_store_t *self = *self_p;
    zhashx_destroy(&self->cases);
    zhashx_destroy(&self->packed);
    sw_directory_destroy(&self->dir);
    free(self->dir_text);
    free(self);
    *self_p = NULL;
}

static s_packed_t *s_pack(router_case_t *c)
{
    zchunk_t *chunk = zchunk_new(NULL, 512);
    router_case_pack(c, chunk);
    size_t size = zchunk_size(chunk);
    s_packed_t *p = (s_packed_t *)sw_malloc(sizeof(s_packed_t) + size);
    p->size = size;
    memcpy(p->data, zchunk_data(chunk), size);
    zchunk_destroy(&chunk);
    return p;
}

/* Takes the organisation's text from the log; false when it does not parse. */
static bool s_set_directory(router_store_t *self, const uint8_t *text, size_t len,
                            char **error)
{
    sw_directory_t *dir = sw_directory_new_from_text((const char *)text, len, error);
    if (!dir)
        return false;
    sw_directory_destroy(&self->dir);
    self->dir = dir;
    free(self->dir_text);
    self->dir_text = (uint8_t *)sw_malloc(len ? len : 1);
    memcpy(self->dir_text, text, len);
    self->dir_len = len;
    return true;
}

static void s_take_directory(router_store_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__DirectoryLoaded *dl = env->directory_loaded;
    if (!streq(dl->kind, "organisation"))
        return;
    char *error = NULL;
    if (!s_set_directory(self, dl->content.data, dl->content.len, &error)) {
        /* intake checked it; a newer parser may disagree */
        sw_error("directory version %s from the log rejected: %s", dl->version, error);
        free(error);
        return;
    }
    sw_info("directory version %s in force (loaded by %s)",
            sw_directory_version(self->dir), dl->loaded_by);
}

router_case_t *router_store_apply(router_store_t *self, const sw_committed_t *cm,
                                  const sw_envelope_t *env)
{
    self->position = cm->position;
    memset(self->event_id, 0, SW_EVENTID_SIZE);
    if (env->event_id.len == SW_EVENTID_SIZE)
        memcpy(self->event_id, env->event_id.data, SW_EVENTID_SIZE);
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED) {
        s_take_directory(self, env);
        return NULL;
    }
    if (!env->case_id || !*env->case_id)
        return NULL;
    if (!self->dir) { /* intake records no case before the log has an organisation */
        if (self->without_dir++ == 0)
            sw_error("position %" PRIu64 ": a case event before any organisation in the "
                     "log; case events are not applied until one is loaded",
                     cm->position);
        return NULL;
    }
    router_case_t *c = (router_case_t *)zhashx_lookup(self->cases, env->case_id);
    if (!c) {
        s_packed_t *p = (s_packed_t *)zhashx_lookup(self->packed, env->case_id);
        if (p) { /* a later event on a settled case: back to work */
            c = router_case_unpack(p->data, p->size);
            assert(c); /* packed by this process */
            zhashx_delete(self->packed, env->case_id);
        } else
            c = router_case_new(env->case_id);
        zhashx_insert(self->cases, router_case_id(c), c);
    }
    router_case_apply(c, cm, env, self->dir);
    if (!router_case_settled(c))
        return c;
    zhashx_insert(self->packed, router_case_id(c), s_pack(c));
    zhashx_delete(self->cases, env->case_id);
    return NULL;
}

sw_directory_t *router_store_directory(router_store_t *self)
{
    return self->dir;
}

uint64_t router_store_position(router_store_t *self)
{
    return self->position;
}

const uint8_t *router_store_event_id(router_store_t *self)
{
    return self->event_id;
}

size_t router_store_live_cases(router_store_t *self)
{
    return zhashx_size(self->cases);
}

size_t router_store_packed_cases(router_store_t *self)
{
    return zhashx_size(self->packed);
}

bool router_store_is_packed(router_store_t *self, const char *case_id)
{
    return zhashx_lookup(self->packed, case_id) != NULL;
}

router_case_t *router_store_first(router_store_t *self)
{
    return (router_case_t *)zhashx_first(self->cases);
}

router_case_t *router_store_next(router_store_t *self)
{
    return (router_case_t *)zhashx_next(self->cases);
}

/* ------------------------------------------------------------ snapshot */

static int s_by_id(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

sw_snapshot_t *router_store_save(router_store_t *self)
{
    sw_snapshot_t *snap =
        sw_snapshot_new("router", ROUTER_SNAPSHOT_FORMAT, self->position, self->event_id);
    sw_snapshot_put_u64(snap, self->without_dir);
    sw_snapshot_put_u8(snap, self->dir ? 1 : 0);
    if (self->dir)
        sw_snapshot_put_bytes(snap, self->dir_text, self->dir_len);
    size_t n = zhashx_size(self->cases) + zhashx_size(self->packed), i = 0;
    const char **ids = (const char **)sw_malloc((n ? n : 1) * sizeof(char *));
    for (void *c = zhashx_first(self->cases); c; c = zhashx_next(self->cases))
        ids[i++] = (const char *)zhashx_cursor(self->cases);
    for (void *p = zhashx_first(self->packed); p; p = zhashx_next(self->packed))
        ids[i++] = (const char *)zhashx_cursor(self->packed);
    qsort(ids, n, sizeof ids[0], s_by_id);
    sw_snapshot_put_u64(snap, n);
    zchunk_t *chunk = zchunk_new(NULL, 4096);
    for (i = 0; i < n; i++) {
        router_case_t *c = (router_case_t *)zhashx_lookup(self->cases, ids[i]);
        if (c) {
            zchunk_set(chunk, NULL, 0);
            router_case_pack(c, chunk);
            sw_snapshot_put_bytes(snap, zchunk_data(chunk), zchunk_size(chunk));
        } else {
            s_packed_t *p = (s_packed_t *)zhashx_lookup(self->packed, ids[i]);
            sw_snapshot_put_bytes(snap, p->data, p->size);
        }
    }
    zchunk_destroy(&chunk);
    free(ids);
    return snap;
}

router_store_t *router_store_load(sw_snapshot_t *snap, const char **why)
{
    router_store_t *self = router_store_new();
    self->position = sw_snapshot_position(snap);
    memcpy(self->event_id, sw_snapshot_event_id(snap), SW_EVENTID_SIZE);
    uint8_t has_dir = 0;
    uint64_t n = 0;
    const uint8_t *data = NULL;
    size_t size = 0;
    *why = NULL;
    if (!sw_snapshot_get_u64(snap, &self->without_dir) ||
        !sw_snapshot_get_u8(snap, &has_dir))
        *why = "payload too short";
    else if (has_dir) {
        char *error = NULL;
        if (!sw_snapshot_get_bytes(snap, &data, &size))
            *why = "payload too short";
        else if (!s_set_directory(self, data, size, &error))
            *why = "its organisation does not parse";
        free(error);
    }
    if (!*why && !sw_snapshot_get_u64(snap, &n))
        *why = "payload too short";
    for (uint64_t i = 0; i < n && !*why; i++) {
        router_case_t *c = NULL;
        if (!sw_snapshot_get_bytes(snap, &data, &size) ||
            !(c = router_case_unpack(data, size)))
            *why = "a case does not read back";
        else if (zhashx_lookup(self->cases, router_case_id(c)) ||
                 zhashx_lookup(self->packed, router_case_id(c))) {
            *why = "a case is there twice";
            router_case_destroy(&c);
        } else if (router_case_settled(c)) {
            s_packed_t *p = (s_packed_t *)sw_malloc(sizeof(s_packed_t) + size);
            p->size = size;
            memcpy(p->data, data, size);
            zhashx_insert(self->packed, router_case_id(c), p);
            router_case_destroy(&c);
        } else
            zhashx_insert(self->cases, router_case_id(c), c);
    }
    if (!*why && !sw_snapshot_done(snap))
        *why = "payload longer than its cases";
    if (*why)
        router_store_destroy(&self);
    return self;
}
