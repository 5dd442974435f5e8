/*  router_store: the organisation, the cases, and their snapshot (see
    router_store.h). */
#include "router_store.h"
#include "sw_alloc.h"

#include "sw_log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define S_SPILL_BUFFER (64 * 1024)
#define S_SIZE_BITS    24 /* a packed case's place: offset << 24 | size */

/* The spill file: settled cases, packed, one after the other; a case
   brought back leaves its old bytes behind.  Made anew by every process
   (the snapshot and the log are what lasts), read back with pread. */
typedef struct {
    int fd;
    char *path;
    uint64_t flushed; /* bytes in the file */
    uint8_t *buf;     /* bytes after those, not written yet */
    size_t buffered;
    bool failed; /* a write failed: cases stay live */
} s_spill_t;

struct _router_store_t {
    sw_directory_t *dir; /* the organisation in force; NULL before */
    uint8_t *dir_text;   /* what it was parsed from */
    size_t dir_len;
    uint64_t without_dir; /* case events before any organisation (not applied) */
    zhashx_t *cases;      /* case id -> router_case_t, live */
    zhashx_t *packed;     /* case id -> its place in the spill file, settled */
    s_spill_t spill;
    uint64_t packed_bytes; /* of the settled cases now in the spill */
    uint64_t position;
    uint8_t event_id[SW_EVENTID_SIZE];
};

static void s_case_destroy(void **item_p)
{
    router_case_destroy((router_case_t **)item_p);
}

static bool s_spill_flush(s_spill_t *sp)
{
    size_t done = 0;
    while (done < sp->buffered) {
        ssize_t n = pwrite(sp->fd, sp->buf + done, sp->buffered - done,
                           (off_t)(sp->flushed + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sw_error("router: cannot write %s: %s; closed cases stay in memory", sp->path,
                     strerror(errno));
            sp->failed = true;
            return false;
        }
        done += (size_t)n;
    }
    sp->flushed += sp->buffered;
    sp->buffered = 0;
    return true;
}

/* Appends; the place of the bytes, or 0 when they cannot be kept. */
static uintptr_t s_spill_put(s_spill_t *sp, const uint8_t *data, size_t size)
{
    if (sp->failed || sp->fd < 0 || size == 0 || size >= ((size_t)1 << S_SIZE_BITS))
        return 0;
    if (sp->buffered + size > S_SPILL_BUFFER && !s_spill_flush(sp))
        return 0;
    uint64_t offset = sp->flushed + sp->buffered;
    if (size > S_SPILL_BUFFER) { /* larger than the buffer: straight to the file */
        for (size_t done = 0; done < size;) {
            ssize_t n = pwrite(sp->fd, data + done, size - done, (off_t)(offset + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                sp->failed = true;
                return 0;
            }
            done += (size_t)n;
        }
        sp->flushed += size;
    } else {
        memcpy(sp->buf + sp->buffered, data, size);
        sp->buffered += size;
    }
    return (uintptr_t)(offset << S_SIZE_BITS | size);
}

/* The bytes at place (caller frees), their size in *size.  A spill file
   that cannot be read back is fatal, as running out of memory is: the
   restarted daemon rebuilds it from the snapshot and the log. */
static uint8_t *s_spill_get(s_spill_t *sp, uintptr_t place, size_t *size)
{
    uint64_t offset = (uint64_t)place >> S_SIZE_BITS;
    *size = (size_t)(place & (((uintptr_t)1 << S_SIZE_BITS) - 1));
    uint8_t *data = (uint8_t *)sw_malloc(*size);
    if (offset >= sp->flushed) {
        memcpy(data, sp->buf + (offset - sp->flushed), *size);
        return data;
    }
    for (size_t done = 0; done < *size;) {
        ssize_t n = pread(sp->fd, data + done, *size - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sw_error("router: cannot read back a closed case from %s: %s", sp->path,
                     n < 0 ? strerror(errno) : "short file");
            abort();
        }
        done += (size_t)n;
    }
    return data;
}

static void s_spill_open(s_spill_t *sp, const char *path)
{
    sp->fd = -1;
    sp->buf = (uint8_t *)sw_malloc(S_SPILL_BUFFER);
    if (path) {
        sp->path = sw_strdup(path);
        sp->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    } else { /* a file no one else sees, gone with the process */
        const char *tmp = getenv("TMPDIR");
        size_t len = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
        sp->path = (char *)sw_malloc(len);
        snprintf(sp->path, len, "%s/router-closed.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        sp->fd = mkstemp(sp->path);
        if (sp->fd >= 0) {
            fcntl(sp->fd, F_SETFD, FD_CLOEXEC);
            unlink(sp->path);
        }
    }
    if (sp->fd < 0) {
        sw_error("router: cannot open %s: %s; closed cases stay in memory", sp->path,
                 strerror(errno));
        sp->failed = true;
    }
}

static void s_spill_close(s_spill_t *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    free(sp->path);
    free(sp->buf);
}

router_store_t *router_store_new(const char *spill_path)
{
    router_store_t *self = (router_store_t *)zmalloc(sizeof(router_store_t));
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_destroy);
    self->packed = zhashx_new();
    s_spill_open(&self->spill, spill_path);
    return self;
}

void router_store_destroy(router_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_store_t *self = *self_p;
    zhashx_destroy(&self->cases);
    zhashx_destroy(&self->packed);
    s_spill_close(&self->spill);
    sw_directory_destroy(&self->dir);
    free(self->dir_text);
    free(self);
    *self_p = NULL;
}

/* Keeps a settled case in the spill; false when it cannot (it stays live). */
static bool s_pack(router_store_t *self, router_case_t *c)
{
    zchunk_t *chunk = zchunk_new(NULL, 512);
    router_case_pack(c, chunk);
    uintptr_t place = s_spill_put(&self->spill, zchunk_data(chunk), zchunk_size(chunk));
    if (place) {
        zhashx_insert(self->packed, router_case_id(c), (void *)place);
        self->packed_bytes += zchunk_size(chunk);
    }
    zchunk_destroy(&chunk);
    return place != 0;
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
        uintptr_t place = (uintptr_t)zhashx_lookup(self->packed, env->case_id);
        if (place) { /* a later event on a settled case: back to work */
            size_t size = 0;
            uint8_t *data = s_spill_get(&self->spill, place, &size);
            c = router_case_unpack(data, size);
            free(data);
            assert(c); /* packed by this process */
            zhashx_delete(self->packed, env->case_id);
            self->packed_bytes -= size;
        } else
            c = router_case_new(env->case_id);
        zhashx_insert(self->cases, router_case_id(c), c);
    }
    router_case_apply(c, cm, env, self->dir);
    if (!router_case_settled(c) || !s_pack(self, c))
        return c;
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

uint64_t router_store_packed_bytes(router_store_t *self)
{
    return self->packed_bytes;
}

router_case_t *router_store_case(router_store_t *self, const char *case_id)
{
    return (router_case_t *)zhashx_lookup(self->cases, case_id);
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
        sw_snapshot_put_u8(snap, c ? 0 : 1); /* live, or settled */
        if (c) {
            zchunk_set(chunk, NULL, 0);
            router_case_pack(c, chunk);
            sw_snapshot_put_bytes(snap, zchunk_data(chunk), zchunk_size(chunk));
        } else {
            size_t size = 0;
            uint8_t *data = s_spill_get(
                &self->spill, (uintptr_t)zhashx_lookup(self->packed, ids[i]), &size);
            sw_snapshot_put_bytes(snap, data, size);
            free(data);
        }
    }
    zchunk_destroy(&chunk);
    free(ids);
    return snap;
}

/* The case id a packed case starts with (router_case_pack), into id. */
static bool s_packed_id(const uint8_t *data, size_t size, char *id)
{
    if (size < 4)
        return false;
    uint32_t len = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                   (uint32_t)data[3] << 24;
    if (len == 0 || len > SW_CASEID_STRLEN || len > size - 4 || memchr(data + 4, 0, len))
        return false;
    memcpy(id, data + 4, len);
    id[len] = '\0';
    return true;
}

router_store_t *router_store_load(sw_snapshot_t *snap, const char *spill_path,
                                  const char **why)
{
    router_store_t *self = router_store_new(spill_path);
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
    char id[SW_CASEID_STRLEN + 1];
    for (uint64_t i = 0; i < n && !*why; i++) {
        router_case_t *c = NULL;
        uint8_t settled = 0;
        if (!sw_snapshot_get_u8(snap, &settled) ||
            !sw_snapshot_get_bytes(snap, &data, &size) || !s_packed_id(data, size, id))
            *why = "a case does not read back";
        else if (zhashx_lookup(self->cases, id) || zhashx_lookup(self->packed, id))
            *why = "a case is there twice";
        else if (settled) { /* kept packed as it is: the checksum covered it */
            uintptr_t place = s_spill_put(&self->spill, data, size);
            if (place) {
                zhashx_insert(self->packed, id, (void *)place);
                self->packed_bytes += size;
            } else if (!(c = router_case_unpack(data, size)))
                *why = "a case does not read back";
            else
                zhashx_insert(self->cases, id, c);
        } else if (!(c = router_case_unpack(data, size)))
            *why = "a case does not read back";
        else
            zhashx_insert(self->cases, id, c);
    }
    if (!*why && !sw_snapshot_done(snap))
        *why = "payload longer than its cases";
    if (*why)
        router_store_destroy(&self);
    return self;
}
