/*  branch_spool: the branch's durable spool (see branch_spool.h). */
#include "branch_spool.h"
#include "sw_alloc.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "sw_log.h"

struct _branch_spool_t {
    sqlite3 *db;
    sqlite3_stmt *lookup;  /* one row by request id */
    sqlite3_stmt *add;     /* a new pending row */
    sqlite3_stmt *settle;  /* the hub's outcome */
    sqlite3_stmt *pending; /* pending rows after a seq */
    sqlite3_stmt *count;   /* rows in a state */
    bool readonly;
};

#define S_COLUMNS                                                                        \
    "seq, request_id, digest, case_id, state, position, code, message, event_id, "       \
    "attempts, added_us"

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS spool ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT," /* arrival order */
    " request_id TEXT NOT NULL UNIQUE,"
    " digest BLOB NOT NULL,"
    " case_id TEXT NOT NULL DEFAULT '',"
    " request BLOB NOT NULL," /* the packed BranchRequest sent to the hub */
    " state INTEGER NOT NULL DEFAULT 0,"
    " position INTEGER NOT NULL DEFAULT 0,"
    " code TEXT NOT NULL DEFAULT '',"
    " message TEXT NOT NULL DEFAULT '',"
    " event_id BLOB,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " added_us INTEGER NOT NULL,"
    " settled_us INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS spool_pending ON spool (seq) WHERE state = 0;";

static int s_fail(branch_spool_t *self, const char *what)
{
    sw_error("spool: %s: %s", what, sqlite3_errmsg(self->db));
    return -1;
}

static int s_prepare(branch_spool_t *self, sqlite3_stmt **stmt, const char *sql)
{
    if (sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) !=
        SQLITE_OK)
        return s_fail(self, "prepare");
    return 0;
}

static int s_exec(branch_spool_t *self, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(self->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        sw_error("spool: %s: %s", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

branch_spool_t *branch_spool_new(const char *path, bool readonly)
{
    branch_spool_t *self = (branch_spool_t *)sw_calloc(1, sizeof *self);
    self->readonly = readonly;
    int flags =
        readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &self->db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sw_error("spool: cannot open %s: %s", path,
                 self->db ? sqlite3_errmsg(self->db) : "out of memory");
        branch_spool_destroy(&self);
        return NULL;
    }
    sqlite3_busy_timeout(self->db, 2000);
    /* WAL and FULL: a commit is on disk (fsync of the log) when it returns */
    if ((!readonly &&
         (s_exec(self, "PRAGMA journal_mode=WAL") != 0 ||
          s_exec(self, "PRAGMA synchronous=FULL") != 0 || s_exec(self, s_schema) != 0)) ||
        s_prepare(self, &self->lookup,
                  "SELECT " S_COLUMNS " FROM spool WHERE request_id = ?1") != 0 ||
        s_prepare(self, &self->pending,
                  "SELECT " S_COLUMNS ", request FROM spool WHERE state = 0 AND seq > ?1 "
                  "ORDER BY seq LIMIT ?2") != 0 ||
        s_prepare(self, &self->count, "SELECT count(*) FROM spool WHERE state = ?1") !=
            0) {
        branch_spool_destroy(&self);
        return NULL;
    }
    if (!readonly &&
        (s_prepare(self, &self->add,
                   "INSERT INTO spool (request_id, digest, case_id, request, added_us) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)") != 0 ||
         s_prepare(self, &self->settle,
                   "UPDATE spool SET state = ?2, position = ?3, case_id = "
                   "coalesce(nullif(?4, ''), case_id), code = ?5, message = ?6, "
                   "event_id = ?7, settled_us = ?8, attempts = ?9 WHERE request_id = ?1 "
                   "AND state = 0") != 0)) {
        branch_spool_destroy(&self);
        return NULL;
    }
    return self;
}

void branch_spool_destroy(branch_spool_t **self_p)
{
    branch_spool_t *self = *self_p;
    if (!self)
        return;
    sqlite3_finalize(self->lookup);
    sqlite3_finalize(self->add);
    sqlite3_finalize(self->settle);
    sqlite3_finalize(self->pending);
    sqlite3_finalize(self->count);
    sqlite3_close(self->db);
    free(self);
    *self_p = NULL;
}

int branch_spool_begin(branch_spool_t *self)
{
    return s_exec(self, "BEGIN IMMEDIATE");
}

int branch_spool_commit(branch_spool_t *self)
{
    if (s_exec(self, "COMMIT") != 0) {
        branch_spool_rollback(self);
        return -1;
    }
    return 0;
}

void branch_spool_rollback(branch_spool_t *self)
{
    if (!sqlite3_get_autocommit(self->db))
        s_exec(self, "ROLLBACK");
}

static void s_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

static void s_row(sqlite3_stmt *st, branch_spool_entry_t *e)
{
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(st, 0);
    s_text(st, 1, e->request_id, sizeof e->request_id);
    if (sqlite3_column_bytes(st, 2) == BRANCH_SPOOL_DIGEST)
        memcpy(e->digest, sqlite3_column_blob(st, 2), BRANCH_SPOOL_DIGEST);
    s_text(st, 3, e->case_id, sizeof e->case_id);
    e->state = (branch_spool_state_t)sqlite3_column_int(st, 4);
    e->position = (uint64_t)sqlite3_column_int64(st, 5);
    s_text(st, 6, e->code, sizeof e->code);
    s_text(st, 7, e->message, sizeof e->message);
    if (sqlite3_column_bytes(st, 8) == (int)sizeof e->event_id) {
        memcpy(e->event_id, sqlite3_column_blob(st, 8), sizeof e->event_id);
        e->has_event_id = true;
    }
    e->attempts = sqlite3_column_int(st, 9);
    e->added_us = sqlite3_column_int64(st, 10);
}

int branch_spool_lookup(branch_spool_t *self, const char *request_id,
                        branch_spool_entry_t *e)
{
    sqlite3_reset(self->lookup);
    sqlite3_bind_text(self->lookup, 1, request_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(self->lookup);
    int found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : s_fail(self, "lookup");
    if (found == 1)
        s_row(self->lookup, e);
    sqlite3_reset(self->lookup);
    return found;
}

int branch_spool_add(branch_spool_t *self, const char *request_id,
                     const uint8_t digest[BRANCH_SPOOL_DIGEST], const char *case_id,
                     const uint8_t *request, size_t size, int64_t now_us, int64_t *seq)
{
    sqlite3_stmt *st = self->add;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, digest, BRANCH_SPOOL_DIGEST, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, request, (int)size, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return s_fail(self, "add");
    *seq = sqlite3_last_insert_rowid(self->db);
    return 0;
}

int branch_spool_settle(branch_spool_t *self, const char *request_id,
                        branch_spool_state_t state, uint64_t position,
                        const char *case_id, const char *code, const char *message,
                        const uint8_t *event_id, size_t event_id_size, int attempts,
                        int64_t now_us)
{
    sqlite3_stmt *st = self->settle;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)state);
    sqlite3_bind_int64(st, 3, (int64_t)position);
    sqlite3_bind_text(st, 4, case_id ? case_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, code ? code : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, message ? message : "", -1, SQLITE_STATIC);
    if (event_id && event_id_size == 16)
        sqlite3_bind_blob(st, 7, event_id, 16, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, now_us);
    sqlite3_bind_int(st, 9, attempts);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(self, "settle");
}

int branch_spool_pending(branch_spool_t *self, int64_t after, int max,
                         branch_spool_fn *fn, void *arg)
{
    sqlite3_stmt *st = self->pending;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        branch_spool_entry_t e;
        s_row(st, &e);
        fn(&e, (const uint8_t *)sqlite3_column_blob(st, 11),
           (size_t)sqlite3_column_bytes(st, 11), arg);
        n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : s_fail(self, "pending");
}

int64_t branch_spool_count(branch_spool_t *self, branch_spool_state_t state)
{
    sqlite3_reset(self->count);
    sqlite3_bind_int(self->count, 1, (int)state);
    int64_t n = sqlite3_step(self->count) == SQLITE_ROW
                    ? sqlite3_column_int64(self->count, 0)
                    : s_fail(self, "count");
    sqlite3_reset(self->count);
    return n;
}

int64_t branch_spool_print(branch_spool_t *self, bool all, FILE *out)
{
    static const char *names[] = {"pending", "confirmed", "rejected"};
    sqlite3_stmt *st = NULL;
    if (s_prepare(self, &st,
                  "SELECT " S_COLUMNS
                  " FROM spool WHERE ?1 OR state = 0 ORDER BY seq") != 0)
        return -1;
    sqlite3_bind_int(st, 1, all ? 1 : 0);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        branch_spool_entry_t e;
        s_row(st, &e);
        fprintf(out, "%-40s %-9s %-17s %8" PRIu64 " %3d %s%s%s\n", e.request_id,
                e.state <= BRANCH_SPOOL_REJECTED ? names[e.state] : "?", e.case_id,
                e.position, e.attempts, e.code, *e.code ? ": " : "", e.message);
        n++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}
