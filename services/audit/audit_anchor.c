/*  audit_anchor: signed anchors of the chain head (see audit_anchor.h). */
#include "audit_anchor.h"
#include "sw_alloc.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_store.h"
#include "sw_anchor.h"
#include "sw_config.h"
#include "sw_log.h"

#define S_FINAL_WAIT 5.0 /* seconds the last anchor may take at shutdown */

static const char *s_head_sql = "SELECT position, hash FROM shouwen.log_head";

struct _audit_anchor_t {
    struct ev_loop *loop;
    bool enabled;                               /* a key is configured */
    uint8_t secret[crypto_sign_SECRETKEYBYTES]; /* the Ed25519 signing key */
    uint8_t public_key[crypto_sign_PUBLICKEYBYTES];
    char *path;             /* audit/anchor_file */
    int fd;                 /* open for append, -1 when off */
    int interval_ms;        /* audit/anchor_interval_ms */
    audit_store_t *store;   /* our own connection: reads log_head */
    ev_timer tick;          /* every interval_ms, when > 0 */
    ev_timer final_wait;    /* bounds the last anchor at shutdown */
    bool moved;             /* a batch committed since the head was last read */
    bool querying;          /* a head query is in flight */
    bool query_is_final;    /* ... and it was sent for the last anchor */
    bool have_last;         /* last_position/last_hash are known */
    uint64_t last_position; /* what the last anchor signed */
    uint8_t last_hash[SW_ANCHOR_HASH];
    uint64_t written;      /* anchors written by this process */
    audit_anchor_fn *done; /* the final anchor's continuation */
    void *done_arg;
};

static void s_read_head(audit_anchor_t *self);

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------ the key */

static int s_load_key(audit_anchor_t *self, const char *path)
{
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        sw_error("config audit/anchor_key: cannot read the certificate %s", path);
        return -1;
    }
    int rc = -1;
    const char *role = zcert_meta(cert, "role");
    uint8_t zero[32] = {0}, pk[crypto_sign_PUBLICKEYBYTES];
    const uint8_t *seed = zcert_secret_key(cert);
    if (!role || !streq(role, "anchor"))
        sw_error("config audit/anchor_key: %s is not an anchor key (role '%s'; make one "
                 "with shouwen keygen NAME --anchor)",
                 path, role ? role : "");
    else if (sodium_memcmp(seed, zero, sizeof zero) == 0)
        sw_error("config audit/anchor_key: no secret in %s_secret", path);
    else if (crypto_sign_seed_keypair(pk, self->secret, seed) != 0 ||
             sodium_memcmp(pk, zcert_public_key(cert), sizeof pk) != 0)
        sw_error("config audit/anchor_key: the secret in %s_secret does not belong to "
                 "the public key in %s",
                 path, path);
    else {
        memcpy(self->public_key, pk, sizeof pk);
        rc = 0;
    }
    zcert_destroy(&cert); /* czmq does not wipe its copy of the seed */
    char secret_path[PATH_MAX];
    struct stat st;
    snprintf(secret_path, sizeof secret_path, "%s_secret", path);
    if (rc == 0 && stat(secret_path, &st) == 0 && (st.st_mode & 077))
        sw_warn("anchor key %s is readable by others (mode %03o): chmod 600 it",
                secret_path, (unsigned)(st.st_mode & 0777));
    return rc;
}

/* ----------------------------------------------------------- the file */

/* The last anchor in the file, if it is ours: no new anchor until the
   head moves past it.  A torn last line gets a newline so the next
   anchor starts a line of its own (the verifier reports the torn one). */
static int s_open_file(audit_anchor_t *self)
{
    self->fd = open(self->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (self->fd < 0) {
        sw_error("config audit/anchor_file: cannot open %s for appending: %s", self->path,
                 strerror(errno));
        return -1;
    }
    int in = open(self->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0 || st.st_size == 0) {
        if (in >= 0)
            close(in);
        return 0;
    }
    char tail[1024];
    off_t from =
        st.st_size > (off_t)sizeof tail - 1 ? st.st_size - (off_t)sizeof tail + 1 : 0;
    ssize_t n = pread(in, tail, (size_t)(st.st_size - from), from);
    close(in);
    if (n <= 0)
        return 0;
    tail[n] = 0;
    if (tail[n - 1] != '\n') {
        sw_warn("anchor file %s ends in a torn line; starting a new line", self->path);
        if (write(self->fd, "\n", 1) != 1)
            return -1;
        return 0;
    }
    tail[n - 1] = 0;
    char *line = strrchr(tail, '\n');
    line = line ? line + 1 : tail;
    sw_anchor_t a;
    if (sw_anchor_parse(line, &a) == 0 &&
        sodium_memcmp(a.key, self->public_key, sizeof a.key) == 0) {
        self->have_last = true;
        self->last_position = a.position;
        memcpy(self->last_hash, a.hash, sizeof a.hash);
    }
    return 0;
}

static int s_write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

static void s_anchor(audit_anchor_t *self, uint64_t position, const uint8_t *hash)
{
    sw_anchor_t a = {.position = position, .at_us = s_now_us()};
    memcpy(a.hash, hash, sizeof a.hash);
    sw_anchor_sign(&a, self->secret);
    char line[SW_ANCHOR_LINE_MAX + 2];
    int n = sw_anchor_format(&a, line, sizeof line - 1);
    assert(n > 0);
    sw_info("anchor: %s", line);
    line[n++] = '\n';
    if (s_write_all(self->fd, line, (size_t)n) != 0 || fsync(self->fd) != 0)
        sw_error("anchor file %s: cannot append the anchor at position %" PRIu64 ": %s",
                 self->path, position, strerror(errno));
    self->have_last = true;
    self->last_position = position;
    memcpy(self->last_hash, hash, SW_ANCHOR_HASH);
    self->written++;
}

/* ----------------------------------------------------------- the head */

static void s_finish(audit_anchor_t *self)
{
    ev_timer_stop(self->loop, &self->final_wait);
    audit_anchor_fn *done = self->done;
    self->done = NULL;
    if (done)
        done(self->done_arg);
}

static void s_on_head(void *arg, PGresult *res)
{
    audit_anchor_t *self = (audit_anchor_t *)arg;
    bool final = self->query_is_final;
    self->querying = false;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
        PQgetlength(res, 0, 0) != 8 || PQgetlength(res, 0, 1) != SW_ANCHOR_HASH) {
        sw_error("anchor: cannot read the log head: %s",
                 res ? PQresultErrorMessage(res) : "connection lost");
        self->moved = true; /* try again on the next tick or reconnect */
        if (final || self->done)
            s_finish(self);
        return;
    }
    uint64_t position;
    memcpy(&position, PQgetvalue(res, 0, 0), 8);
    position = be64toh(position);
    const uint8_t *hash = (const uint8_t *)PQgetvalue(res, 0, 1);
    bool same = self->have_last && position == self->last_position &&
                memcmp(hash, self->last_hash, SW_ANCHOR_HASH) == 0;
    if (position > 0 && (final || !same))
        s_anchor(self, position, hash);
    if (final)
        s_finish(self);
    else if (self->done || (self->moved && self->interval_ms == 0))
        s_read_head(self);
}

static void s_read_head(audit_anchor_t *self)
{
    if (self->querying || !audit_store_is_idle(self->store))
        return; /* the answer in flight, or the reconnect, asks again */
    bool final = self->done != NULL;
    if (audit_store_query(self->store, s_head_sql, 0, NULL, 1, s_on_head, self) != 0)
        return;
    self->querying = true;
    self->query_is_final = final;
    self->moved = false;
}

static void s_on_store_state(void *arg, bool up)
{
    audit_anchor_t *self = (audit_anchor_t *)arg;
    if (up) {
        self->moved = true; /* the head may have moved while we were away */
        s_read_head(self);
    }
}

static void s_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    audit_anchor_t *self = (audit_anchor_t *)w->data;
    if (self->moved)
        s_read_head(self);
}

static void s_on_final_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
    audit_anchor_t *self = (audit_anchor_t *)w->data;
    sw_error("anchor: no final anchor, PostgreSQL did not give the head within %.0f s "
             "(last anchor at position %" PRIu64 ")",
             S_FINAL_WAIT, self->last_position);
    s_finish(self);
}

/* ------------------------------------------------------------- public */

audit_anchor_t *audit_anchor_new(struct ev_loop *loop, zconfig_t *cfg,
                                 const char *conninfo)
{
    audit_anchor_t *self = (audit_anchor_t *)zmalloc(sizeof(audit_anchor_t));
    self->loop = loop;
    self->fd = -1;
    ev_timer_init(&self->tick, s_on_tick, 0., 0.);
    self->tick.data = self;
    ev_timer_init(&self->final_wait, s_on_final_wait, S_FINAL_WAIT, 0.);
    self->final_wait.data = self;
    const char *key = sw_config_str(cfg, "audit/anchor_key", NULL);
    const char *file = sw_config_str(cfg, "audit/anchor_file", NULL);
    int64_t interval;
    if (sw_config_int(cfg, "audit/anchor_interval_ms", 1000, 0, 86400000, &interval) !=
        0) {
        audit_anchor_destroy(&self);
        return NULL;
    }
    self->interval_ms = (int)interval;
    if (!key || !*key) {
        sw_info(
            "anchors: off (no audit/anchor_key): the log head is not signed, so a "
            "chain rewritten inside PostgreSQL would go unnoticed; see docs/anchors.md");
        return self;
    }
    if (!file || !*file) {
        sw_error("config: audit/anchor_file (the file anchors are appended to) is "
                 "required with audit/anchor_key");
        audit_anchor_destroy(&self);
        return NULL;
    }
    self->path = sw_strdup(file);
    if (s_load_key(self, key) != 0 || s_open_file(self) != 0) {
        audit_anchor_destroy(&self);
        return NULL;
    }
    self->store = audit_store_new(loop, "anchor", conninfo, s_on_store_state, self);
    self->enabled = true;
    if (self->interval_ms > 0) {
        ev_timer_set(&self->tick, self->interval_ms / 1000.0, self->interval_ms / 1000.0);
        ev_timer_start(loop, &self->tick);
    }
    char hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, self->public_key, sizeof self->public_key);
    char every[48] = "after every committed batch";
    if (self->interval_ms > 0)
        snprintf(every, sizeof every, "every %d ms when the head moved",
                 self->interval_ms);
    sw_info("anchors: signing the log head with key %s into %s, %s", hex, self->path,
            every);
    return self;
}

void audit_anchor_destroy(audit_anchor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_anchor_t *self = *self_p;
    ev_timer_stop(self->loop, &self->tick);
    ev_timer_stop(self->loop, &self->final_wait);
    audit_store_destroy(&self->store);
    if (self->fd >= 0)
        close(self->fd);
    if (self->written > 0)
        sw_info("anchors: %" PRIu64 " written, the last at position %" PRIu64,
                self->written, self->last_position);
    sodium_memzero(self->secret, sizeof self->secret);
    free(self->path);
    free(self);
    *self_p = NULL;
}

void audit_anchor_notify(audit_anchor_t *self)
{
    if (!self->enabled)
        return;
    self->moved = true;
    if (self->interval_ms == 0)
        s_read_head(self);
}

void audit_anchor_final(audit_anchor_t *self, audit_anchor_fn *done, void *arg)
{
    if (!self || !self->enabled) {
        done(arg);
        return;
    }
    self->done = done;
    self->done_arg = arg;
    ev_timer_stop(self->loop, &self->tick);
    ev_timer_start(self->loop, &self->final_wait);
    s_read_head(self); /* else the answer in flight or the reconnect asks */
}
