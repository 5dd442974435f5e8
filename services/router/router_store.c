/*  router_store: the organisation, the cases, and their snapshot (see
    router_store.h). */
#include "router_store.h"
#include "sw_alloc.h"
#include "sw_hash.h"

#include "sw_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_SPILL_BUFFER (64 * 1024)
#define S_SUM          8 /* bytes of a packed case's checksum */

/* Where a settled case is in the spill file, and its checksum. */
typedef struct {
    uint64_t offset;
    uint32_t size;
    uint8_t sum[S_SUM];
} s_place_t;

/* A settled case as the snapshot loaded names it: a sorted array, no
   allocation per case, so loading a million closed cases takes one pass. */
typedef struct {
    char id[SW_CASEID_STRLEN + 1];
    bool gone; /* brought back since */
    s_place_t place;
} s_loaded_t;

/* The spill file: settled cases, packed, one after the other, only ever
   appended to (a case brought back leaves its old bytes behind).  A
   snapshot names the length it relies on and each case's place: loading
   it cuts the file back to that length. */
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
    uint64_t without_dir;        /* case events before any organisation (not applied) */
    zhashx_t *cases;             /* case id -> router_case_t, live */
    uint64_t case_deletes;       /* from cases (sw_hash.h) */
    zhashx_t *packed;            /* case id -> s_place_t, settled since the start */
    s_loaded_t *loaded;          /* settled at the snapshot loaded, in case id order */
    size_t nloaded, loaded_live; /* entries, and those not brought back since */
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

static void s_sum(const uint8_t *data, size_t size, uint8_t *sum)
{
    static const uint8_t key[crypto_shorthash_KEYBYTES] = {0};
    crypto_shorthash(sum, data, size, key); /* SipHash-2-4: damage, not forgery */
}

/* Appends; false when the bytes cannot be kept (p unset). */
static bool s_spill_put(s_spill_t *sp, const uint8_t *data, size_t size, s_place_t *p)
{
    if (sp->failed || sp->fd < 0 || size == 0 || size > UINT32_MAX)
        return false;
    if (sp->buffered + size > S_SPILL_BUFFER && !s_spill_flush(sp))
        return false;
    p->offset = sp->flushed + sp->buffered;
    p->size = (uint32_t)size;
    s_sum(data, size, p->sum);
    if (size > S_SPILL_BUFFER) { /* larger than the buffer: straight to the file */
        for (size_t done = 0; done < size;) {
            ssize_t n =
                pwrite(sp->fd, data + done, size - done, (off_t)(p->offset + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                sp->failed = true;
                return false;
            }
            done += (size_t)n;
        }
        sp->flushed += size;
    } else {
        memcpy(sp->buf + sp->buffered, data, size);
        sp->buffered += size;
    }
    return true;
}

/* The bytes at p (caller frees).  A spill file that cannot be read back,
   or bytes that do not match their checksum, are fatal, as running out of
   memory is; the file is emptied first, so that the restarted daemon does
   not use the snapshot that relies on it and replays the whole log. */
static uint8_t *s_spill_get(s_spill_t *sp, const s_place_t *p)
{
    uint8_t *data = (uint8_t *)sw_malloc(p->size ? p->size : 1);
    const char *wrong = NULL;
    if (p->offset >= sp->flushed)
        memcpy(data, sp->buf + (p->offset - sp->flushed), p->size);
    else
        for (size_t done = 0; done < p->size && !wrong;) {
            ssize_t n =
                pread(sp->fd, data + done, p->size - done, (off_t)(p->offset + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                wrong = n < 0 ? strerror(errno) : "the file is shorter";
            else
                done += (size_t)n;
        }
    uint8_t sum[S_SUM];
    s_sum(data, p->size, sum);
    if (!wrong && memcmp(sum, p->sum, S_SUM) != 0)
        wrong = "checksum mismatch";
    if (wrong) {
        sw_error("router: cannot read back a closed case at %" PRIu64 " in %s (%s); "
                 "emptying it and stopping: the restart replays the whole log",
                 p->offset, sp->path, wrong);
        if (ftruncate(sp->fd, 0) != 0)
            sw_error("router: cannot empty %s: %s", sp->path, strerror(errno));
        abort();
    }
    return data;
}

/* Opens the spill file: made anew (keep 0), or cut back to the keep bytes
   a snapshot relies on.  NULL path: an unnamed temporary file. */
static const char *s_spill_open(s_spill_t *sp, const char *path, uint64_t keep)
{
    sp->fd = -1;
    sp->buf = (uint8_t *)sw_malloc(S_SPILL_BUFFER);
    if (path) {
        sp->path = sw_strdup(path);
        sp->fd = open(path, O_RDWR | O_CREAT | (keep ? 0 : O_TRUNC) | O_CLOEXEC, 0600);
    } else { /* a file no one else sees, gone with the process */
        const char *tmp = getenv("TMPDIR");
        size_t len = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
        sp->path = (char *)sw_malloc(len);
        snprintf(sp->path, len, "%s/router-closed.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        sp->fd = keep ? -1 : mkstemp(sp->path);
        if (sp->fd >= 0) {
            fcntl(sp->fd, F_SETFD, FD_CLOEXEC);
            unlink(sp->path);
        }
    }
    if (sp->fd < 0) {
        sp->failed = true;
        if (keep)
            return "no closed cases file";
        sw_error("router: cannot open %s: %s; closed cases stay in memory", sp->path,
                 strerror(errno));
        return NULL;
    }
    struct stat st;
    if (keep && (fstat(sp->fd, &st) != 0 || (uint64_t)st.st_size < keep))
        return "its closed cases file is shorter than it says";
    if (keep && ftruncate(sp->fd, (off_t)keep) != 0)
        return "its closed cases file cannot be cut back";
    sp->flushed = keep;
    return NULL;
}

static void s_spill_close(s_spill_t *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    free(sp->path);
    free(sp->buf);
}

static void s_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static zhashx_t *s_packed_new(void)
{
    zhashx_t *packed = zhashx_new();
    zhashx_set_destructor(packed, s_free);
    return packed;
}

static router_store_t *s_new(const char *spill_path, uint64_t keep, const char **why)
{
    router_store_t *self = (router_store_t *)zmalloc(sizeof(router_store_t));
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_destroy);
    self->packed = s_packed_new();
    const char *wrong = s_spill_open(&self->spill, spill_path, keep);
    if (why)
        *why = wrong;
    return self;
}

router_store_t *router_store_new(const char *spill_path)
{
    return s_new(spill_path, 0, NULL);
}

void router_store_destroy(router_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_store_t *self = *self_p;
    zhashx_destroy(&self->cases);
    zhashx_destroy(&self->packed);
    free(self->loaded);
    s_spill_close(&self->spill);
    sw_directory_destroy(&self->dir);
    free(self->dir_text);
    free(self);
    *self_p = NULL;
}

static s_loaded_t *s_find_loaded(router_store_t *self, const char *case_id)
{
    size_t low = 0, high = self->nloaded;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = strcmp(self->loaded[mid].id, case_id);
        if (cmp == 0)
            return self->loaded[mid].gone ? NULL : &self->loaded[mid];
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return NULL;
}

/* Where the settled case is, NULL when it is not settled. */
static s_place_t *s_find_packed(router_store_t *self, const char *case_id)
{
    s_place_t *p = (s_place_t *)zhashx_lookup(self->packed, case_id);
    if (p || !self->nloaded)
        return p;
    s_loaded_t *l = s_find_loaded(self, case_id);
    return l ? &l->place : NULL;
}

/* The settled case is brought back: forgotten where it was kept. */
static void s_forget_packed(router_store_t *self, const char *case_id, s_place_t *p)
{
    self->packed_bytes -= p->size;
    if (zhashx_lookup(self->packed, case_id))
        zhashx_delete(self->packed, case_id);
    else {
        s_loaded_t *l = s_find_loaded(self, case_id);
        l->gone = true;
        self->loaded_live--;
    }
}

size_t router_store_compact_min = 65536;

static int s_loaded_by_id(const void *a, const void *b)
{
    return strcmp(((const s_loaded_t *)a)->id, ((const s_loaded_t *)b)->id);
}

/* Moves the cases settled since the start (a hash entry, a key and a place
   each, some 120 bytes) into the sorted array a loaded snapshot fills (48
   bytes each), once they are router_store_compact_min and half the array:
   after a full replay of a million closed cases router held 207 MB of heap,
   against 80 MB for the same state loaded from a snapshot.  Growing by
   halves keeps the sorting to O(n log n) over a replay. */
static void s_compact(router_store_t *self)
{
    size_t np = zhashx_size(self->packed);
    if (np < router_store_compact_min || np < self->nloaded / 2)
        return;
    size_t n = 0;
    for (size_t k = 0; k < self->nloaded; k++)
        if (!self->loaded[k].gone)
            self->loaded[n++] = self->loaded[k];
    self->loaded = (s_loaded_t *)sw_realloc(self->loaded, (n + np) * sizeof(s_loaded_t));
    for (s_place_t *p = (s_place_t *)zhashx_first(self->packed); p;
         p = (s_place_t *)zhashx_next(self->packed)) {
        s_loaded_t *l = &self->loaded[n++];
        memset(l, 0, sizeof *l);
        snprintf(l->id, sizeof l->id, "%s", (const char *)zhashx_cursor(self->packed));
        l->place = *p;
    }
    qsort(self->loaded, n, sizeof(s_loaded_t), s_loaded_by_id);
    self->nloaded = self->loaded_live = n;
    zhashx_destroy(&self->packed);
    self->packed = s_packed_new();
}

/* Keeps a settled case in the spill; false when it cannot (it stays live). */
static bool s_pack(router_store_t *self, router_case_t *c)
{
    zchunk_t *chunk = zchunk_new(NULL, 512);
    router_case_pack(c, chunk);
    s_place_t *p = (s_place_t *)sw_malloc(sizeof(s_place_t));
    bool kept = s_spill_put(&self->spill, zchunk_data(chunk), zchunk_size(chunk), p);
    if (kept) {
        zhashx_insert(self->packed, router_case_id(c), p);
        self->packed_bytes += p->size;
    } else
        free(p);
    zchunk_destroy(&chunk);
    return kept;
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
        s_place_t *p = s_find_packed(self, env->case_id);
        if (p) { /* a later event on a settled case: back to work */
            uint8_t *data = s_spill_get(&self->spill, p);
            c = router_case_unpack(data, p->size);
            free(data);
            assert(c); /* packed by this build, checksum matched */
            s_forget_packed(self, env->case_id, p);
        } else
            c = router_case_new(env->case_id);
        zhashx_insert(self->cases, router_case_id(c), c);
    }
    router_case_apply(c, cm, env, self->dir);
    if (!router_case_settled(c) || !s_pack(self, c))
        return c;
    zhashx_delete(self->cases, env->case_id);
    sw_hashx_deleted(&self->cases, &self->case_deletes, s_case_destroy, false);
    s_compact(self);
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
    return zhashx_size(self->packed) + self->loaded_live;
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
    return s_find_packed(self, case_id) != NULL;
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

sw_snapshot_t *router_store_save(router_store_t *self, const char **why)
{
    *why = NULL;
    if ((self->spill.fd >= 0 || zhashx_size(self->packed)) &&
        (!s_spill_flush(&self->spill) || fdatasync(self->spill.fd) != 0)) {
        *why = "the closed cases file cannot be written";
        return NULL;
    }
    sw_snapshot_t *snap =
        sw_snapshot_new("router", ROUTER_SNAPSHOT_FORMAT, self->position, self->event_id);
    sw_snapshot_put_u64(snap, self->without_dir);
    sw_snapshot_put_u8(snap, self->dir ? 1 : 0);
    if (self->dir)
        sw_snapshot_put_bytes(snap, self->dir_text, self->dir_len);
    sw_snapshot_put_u64(snap, self->spill.flushed);
    /* the live and newly settled cases sorted, merged with the loaded ones */
    size_t n = zhashx_size(self->cases) + zhashx_size(self->packed), i = 0, j = 0;
    const char **ids = (const char **)sw_malloc((n ? n : 1) * sizeof(char *));
    for (void *c = zhashx_first(self->cases); c; c = zhashx_next(self->cases))
        ids[i++] = (const char *)zhashx_cursor(self->cases);
    for (void *p = zhashx_first(self->packed); p; p = zhashx_next(self->packed))
        ids[i++] = (const char *)zhashx_cursor(self->packed);
    qsort(ids, n, sizeof ids[0], s_by_id);
    sw_snapshot_put_u64(snap, n + self->loaded_live);
    zchunk_t *chunk = zchunk_new(NULL, 4096);
    for (i = 0;;) {
        while (j < self->nloaded && self->loaded[j].gone)
            j++;
        const char *id = NULL;
        const s_place_t *p = NULL;
        router_case_t *c = NULL;
        if (j < self->nloaded && (i == n || strcmp(self->loaded[j].id, ids[i]) < 0)) {
            id = self->loaded[j].id;
            p = &self->loaded[j++].place;
        } else if (i < n) {
            id = ids[i++];
            c = (router_case_t *)zhashx_lookup(self->cases, id);
            if (!c)
                p = (const s_place_t *)zhashx_lookup(self->packed, id);
        } else
            break;
        if (c) { /* live: the whole case */
            sw_snapshot_put_u8(snap, 0);
            zchunk_set(chunk, NULL, 0);
            router_case_pack(c, chunk);
            sw_snapshot_put_bytes(snap, zchunk_data(chunk), zchunk_size(chunk));
        } else { /* settled: its place in the spill file */
            sw_snapshot_put_u8(snap, 1);
            sw_snapshot_put_bytes(snap, id, strlen(id));
            sw_snapshot_put_u64(snap, p->offset);
            sw_snapshot_put_u32(snap, p->size);
            sw_snapshot_put_bytes(snap, p->sum, S_SUM);
        }
    }
    zchunk_destroy(&chunk);
    free(ids);
    return snap;
}

router_store_t *router_store_load(sw_snapshot_t *snap, const char *spill_path,
                                  const char **why)
{
    uint64_t without_dir = 0, spill_length = 0, n = 0;
    uint8_t has_dir = 0;
    const uint8_t *dir_text = NULL, *data = NULL;
    size_t dir_len = 0, size = 0;
    *why = NULL;
    if (!sw_snapshot_get_u64(snap, &without_dir) || !sw_snapshot_get_u8(snap, &has_dir) ||
        (has_dir && !sw_snapshot_get_bytes(snap, &dir_text, &dir_len)) ||
        !sw_snapshot_get_u64(snap, &spill_length) || !sw_snapshot_get_u64(snap, &n)) {
        *why = "payload too short";
        return NULL;
    }
    router_store_t *self = s_new(spill_path, spill_length, why);
    self->position = sw_snapshot_position(snap);
    memcpy(self->event_id, sw_snapshot_event_id(snap), SW_EVENTID_SIZE);
    self->without_dir = without_dir;
    char *error = NULL;
    if (!*why && has_dir && !s_set_directory(self, dir_text, dir_len, &error))
        *why = "its organisation does not parse";
    free(error);
    char id[SW_CASEID_STRLEN + 1], last[SW_CASEID_STRLEN + 1] = "";
    size_t cap = 0;
    for (uint64_t i = 0; i < n && !*why; i++) {
        uint8_t settled = 0;
        if (!sw_snapshot_get_u8(snap, &settled) ||
            !sw_snapshot_get_bytes(snap, &data, &size)) {
            *why = "payload too short";
            break;
        }
        if (!settled) { /* live: the whole case */
            router_case_t *c = router_case_unpack(data, size);
            if (!c)
                *why = "a case does not read back";
            else if (strcmp(last, router_case_id(c)) >= 0) {
                *why = "cases out of order";
                router_case_destroy(&c);
            } else {
                snprintf(last, sizeof last, "%s", router_case_id(c));
                zhashx_insert(self->cases, router_case_id(c), c);
            }
            continue;
        }
        /* settled: its id, and its place in the spill file */
        uint64_t offset = 0;
        uint32_t psize = 0;
        const uint8_t *sum = NULL;
        size_t sum_size = 0;
        if (size == 0 || size > SW_CASEID_STRLEN || memchr(data, 0, size)) {
            *why = "a case does not read back";
            break;
        }
        memcpy(id, data, size);
        id[size] = '\0';
        if (!sw_snapshot_get_u64(snap, &offset) || !sw_snapshot_get_u32(snap, &psize) ||
            !sw_snapshot_get_bytes(snap, &sum, &sum_size) || sum_size != S_SUM ||
            psize == 0 || offset > spill_length || psize > spill_length - offset)
            *why = "a closed case's place does not read back";
        else if (strcmp(last, id) >= 0)
            *why = "cases out of order";
        if (*why)
            break;
        memcpy(last, id, size + 1);
        if (self->nloaded == cap) {
            cap = cap ? cap * 2 : 1024;
            self->loaded =
                (s_loaded_t *)sw_realloc(self->loaded, cap * sizeof(s_loaded_t));
        }
        s_loaded_t *l = &self->loaded[self->nloaded++];
        memset(l, 0, sizeof *l);
        memcpy(l->id, id, size + 1);
        l->place.offset = offset;
        l->place.size = psize;
        memcpy(l->place.sum, sum, S_SUM);
        self->loaded_live++;
        self->packed_bytes += psize;
    }
    if (!*why && !sw_snapshot_done(snap))
        *why = "payload longer than its cases";
    if (*why)
        router_store_destroy(&self);
    return self;
}
