/*  branch_store: the web desk's accounts, sessions, notices and requests
    (see branch_store.h). */
#include "branch_store.h"
#include "sw_alloc.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "sw_log.h"

#ifndef streq
#define streq(a, b) (strcmp((a), (b)) == 0)
#endif

#define S_PWHASH_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define S_PWHASH_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

#define S_NOTICES_KEPT 50000 /* a reconnecting page is sent at most these */

struct _branch_store_t {
    sqlite3 *db;
    unsigned notices_added; /* since the last pruning */
};

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS accounts ("
    " staff_id TEXT PRIMARY KEY,"
    " pwhash TEXT NOT NULL," /* crypto_pwhash_str: Argon2id, with its salt */
    " updated_us INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    " token_hash BLOB PRIMARY KEY," /* BLAKE2b of the cookie */
    " staff_id TEXT NOT NULL,"
    " csrf TEXT NOT NULL,"
    " created_us INTEGER NOT NULL,"
    " expires_us INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notices ("
    " position INTEGER PRIMARY KEY," /* of the event on the hub's log */
    " notice BLOB NOT NULL);"        /* the packed Notification */
    "CREATE TABLE IF NOT EXISTS requests ("
    " request_id TEXT PRIMARY KEY,"
    " staff_id TEXT NOT NULL,"
    " case_id TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " added_us INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS requests_by_staff ON requests (staff_id, added_us);";

static int s_fail(branch_store_t *self, const char *what)
{
    sw_error("desk store: %s: %s", what, sqlite3_errmsg(self->db));
    return -1;
}

static sqlite3_stmt *s_prepare(branch_store_t *self, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        s_fail(self, sql);
        return NULL;
    }
    return stmt;
}

/* Runs a statement that returns no rows: 0, or -1. */
static int s_done(branch_store_t *self, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : s_fail(self, what);
}

branch_store_t *branch_store_new(const char *path)
{
    branch_store_t *self = (branch_store_t *)sw_calloc(1, sizeof *self);
    if (sodium_init() < 0) {
        free(self);
        return NULL;
    }
    char *err = NULL;
    if (sqlite3_open_v2(path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(self->db, 2000) != SQLITE_OK ||
        sqlite3_exec(self->db,
                     /* NORMAL, not FULL: every notice comes in the hub batch's
                        path, and what a crash may lose here is re-sent (the
                        watch resumes from the last notice kept), a session or
                        an account change is made again; the spool, which
                        holds what the hub has not confirmed, stays FULL */
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     " PRAGMA foreign_keys=ON;",
                     NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(self->db, s_schema, NULL, NULL, &err) != SQLITE_OK) {
        sw_error("desk store: cannot open %s: %s", path,
                 err        ? err
                 : self->db ? sqlite3_errmsg(self->db)
                            : "out of memory");
        sqlite3_free(err);
        branch_store_destroy(&self);
        return NULL;
    }
    return self;
}

void branch_store_destroy(branch_store_t **self_p)
{
    branch_store_t *self = *self_p;
    if (!self)
        return;
    sqlite3_close(self->db);
    free(self);
    *self_p = NULL;
}

/* ------------------------------------------------------------ accounts */

int branch_store_account_set(branch_store_t *self, const char *staff,
                             const char *password, int64_t now_us)
{
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, strlen(password), S_PWHASH_OPS, S_PWHASH_MEM) !=
        0) {
        sw_error("desk store: cannot hash a password (out of memory)");
        return -1;
    }
    sqlite3_stmt *stmt = s_prepare(self, "INSERT INTO accounts VALUES (?1, ?2, ?3)"
                                         " ON CONFLICT (staff_id) DO UPDATE"
                                         " SET pwhash = ?2, updated_us = ?3");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, staff, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 3, now_us);
    return s_done(self, stmt, "set an account");
}

bool branch_store_account_check(branch_store_t *self, const char *staff,
                                const char *password)
{
    sqlite3_stmt *stmt =
        s_prepare(self, "SELECT pwhash FROM accounts WHERE staff_id = ?1");
    if (!stmt)
        return false;
    sqlite3_bind_text(stmt, 1, staff, -1, SQLITE_TRANSIENT);
    bool ok = false;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(stmt, 0);
        ok = hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    } else {
        /* no such account: spend the same time, so timing does not tell
           which staff ids have accounts */
        char hash[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(hash, password, strlen(password), S_PWHASH_OPS,
                              S_PWHASH_MEM) != 0)
            sw_warn("desk store: cannot hash a password (out of memory)");
    }
    sqlite3_finalize(stmt);
    return ok;
}

int branch_store_account_delete(branch_store_t *self, const char *staff)
{
    sqlite3_stmt *stmt = s_prepare(self, "DELETE FROM accounts WHERE staff_id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, staff, -1, SQLITE_TRANSIENT);
    if (s_done(self, stmt, "delete an account") != 0)
        return -1;
    int n = sqlite3_changes(self->db);
    stmt = s_prepare(self, "DELETE FROM sessions WHERE staff_id = ?1");
    if (stmt) {
        sqlite3_bind_text(stmt, 1, staff, -1, SQLITE_TRANSIENT);
        s_done(self, stmt, "end the account's sessions");
    }
    return n > 0 ? 1 : 0;
}

int branch_store_accounts(branch_store_t *self,
                          void (*fn)(const char *staff, int64_t updated_us, void *arg),
                          void *arg)
{
    sqlite3_stmt *stmt =
        s_prepare(self, "SELECT staff_id, updated_us FROM accounts ORDER BY staff_id");
    if (!stmt)
        return -1;
    int n = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        fn((const char *)sqlite3_column_text(stmt, 0), sqlite3_column_int64(stmt, 1),
           arg);
        n++;
    }
    sqlite3_finalize(stmt);
    return n;
}

/* ------------------------------------------------------------ sessions */

static void s_token(char out[BRANCH_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, BRANCH_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void s_token_hash(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int branch_store_session_new(branch_store_t *self, const char *staff, int64_t expires_us,
                             char token[BRANCH_TOKEN_LEN + 1],
                             char csrf[BRANCH_TOKEN_LEN + 1], int64_t now_us)
{
    s_token(token);
    s_token(csrf);
    unsigned char hash[32];
    s_token_hash(token, hash);
    /* expired sessions go as new ones come */
    sqlite3_stmt *stmt = s_prepare(self, "DELETE FROM sessions WHERE expires_us < ?1");
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, now_us);
        s_done(self, stmt, "prune sessions");
    }
    stmt = s_prepare(self, "INSERT INTO sessions VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt)
        return -1;
    sqlite3_bind_blob(stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, staff, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, csrf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, now_us);
    sqlite3_bind_int64(stmt, 5, expires_us);
    return s_done(self, stmt, "add a session");
}

int branch_store_session_get(branch_store_t *self, const char *token, int64_t now_us,
                             char *staff, size_t staff_size,
                             char csrf[BRANCH_TOKEN_LEN + 1])
{
    if (!token || strlen(token) != BRANCH_TOKEN_LEN)
        return 0;
    unsigned char hash[32];
    s_token_hash(token, hash);
    sqlite3_stmt *stmt = s_prepare(self, "SELECT staff_id, csrf FROM sessions"
                                         " WHERE token_hash = ?1 AND expires_us > ?2");
    if (!stmt)
        return 0;
    sqlite3_bind_blob(stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, now_us);
    int found = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        snprintf(staff, staff_size, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(csrf, BRANCH_TOKEN_LEN + 1, "%s",
                 (const char *)sqlite3_column_text(stmt, 1));
        found = 1;
    }
    sqlite3_finalize(stmt);
    return found;
}

void branch_store_session_delete(branch_store_t *self, const char *token)
{
    if (!token)
        return;
    unsigned char hash[32];
    s_token_hash(token, hash);
    sqlite3_stmt *stmt = s_prepare(self, "DELETE FROM sessions WHERE token_hash = ?1");
    if (!stmt)
        return;
    sqlite3_bind_blob(stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
    s_done(self, stmt, "end a session");
}

/* ------------------------------------------------------------- notices */

int branch_store_notice_add(branch_store_t *self, const Shouwen__V1__Notification *n)
{
    size_t len = protobuf_c_message_get_packed_size(&n->base);
    uint8_t *buf = (uint8_t *)sw_malloc(len ? len : 1);
    protobuf_c_message_pack(&n->base, buf);
    sqlite3_stmt *stmt = s_prepare(
        self, "INSERT OR IGNORE INTO notices (position, notice) VALUES (?1, ?2)");
    int rc = -1;
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, (sqlite3_int64)n->position);
        sqlite3_bind_blob(stmt, 2, buf, (int)len, SQLITE_TRANSIENT);
        rc = s_done(self, stmt, "keep a notice");
        if (rc == 0)
            rc = sqlite3_changes(self->db) > 0 ? 1 : 0;
    }
    free(buf);
    if (rc == 1 && ++self->notices_added >= 1000) { /* the newest are kept */
        self->notices_added = 0;
        stmt =
            s_prepare(self, "DELETE FROM notices WHERE position < (SELECT position FROM"
                            " notices ORDER BY position DESC LIMIT 1 OFFSET ?1)");
        if (stmt) {
            sqlite3_bind_int(stmt, 1, S_NOTICES_KEPT - 1);
            s_done(self, stmt, "prune notices");
        }
    }
    return rc;
}

uint64_t branch_store_notice_last(branch_store_t *self)
{
    sqlite3_stmt *stmt =
        s_prepare(self, "SELECT coalesce(max(position), 0) FROM notices");
    uint64_t last = 0;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        last = (uint64_t)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return last;
}

int branch_store_notices(branch_store_t *self, uint64_t after, int max,
                         void (*fn)(const Shouwen__V1__Notification *n, void *arg),
                         void *arg)
{
    sqlite3_stmt *stmt = s_prepare(self, "SELECT notice FROM notices WHERE position > ?1"
                                         " ORDER BY position LIMIT ?2");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)after);
    sqlite3_bind_int(stmt, 2, max);
    int n = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        Shouwen__V1__Notification *notice = shouwen__v1__notification__unpack(
            NULL, (size_t)sqlite3_column_bytes(stmt, 0),
            (const uint8_t *)sqlite3_column_blob(stmt, 0));
        if (notice) {
            fn(notice, arg);
            shouwen__v1__notification__free_unpacked(notice, NULL);
        }
        n++;
    }
    sqlite3_finalize(stmt);
    return n;
}

/* ------------------------------------------------------------ requests */

int branch_store_request_add(branch_store_t *self, const char *request_id,
                             const char *staff, const char *case_id, const char *kind,
                             int64_t now_us, int64_t *added_us)
{
    sqlite3_stmt *stmt =
        s_prepare(self, "INSERT OR IGNORE INTO requests VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, staff, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, case_id ? case_id : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 5, now_us);
    if (s_done(self, stmt, "note a desk request") != 0)
        return -1;
    stmt =
        s_prepare(self, "SELECT staff_id, added_us FROM requests WHERE request_id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, request_id, -1, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *added_us = sqlite3_column_int64(stmt, 1);
        rc = streq((const char *)sqlite3_column_text(stmt, 0), staff) ? 0 : 1;
    }
    sqlite3_finalize(stmt);
    return rc;
}

int branch_store_request_who(branch_store_t *self, const char *request_id, char *staff,
                             size_t size, char *kind, size_t kind_size)
{
    sqlite3_stmt *stmt =
        s_prepare(self, "SELECT staff_id, kind FROM requests WHERE request_id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, request_id, -1, SQLITE_TRANSIENT);
    int found = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        snprintf(staff, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(kind, kind_size, "%s", (const char *)sqlite3_column_text(stmt, 1));
        found = 1;
    }
    sqlite3_finalize(stmt);
    return found;
}

int branch_store_requests_of(branch_store_t *self, const char *staff, int max,
                             void (*fn)(const char *request_id, const char *case_id,
                                        const char *kind, int64_t added_us, void *arg),
                             void *arg)
{
    sqlite3_stmt *stmt =
        s_prepare(self, "SELECT request_id, case_id, kind, added_us FROM requests"
                        " WHERE staff_id = ?1 ORDER BY added_us DESC LIMIT ?2");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, staff, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 2, max);
    int n = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        fn((const char *)sqlite3_column_text(stmt, 0),
           (const char *)sqlite3_column_text(stmt, 1),
           (const char *)sqlite3_column_text(stmt, 2), sqlite3_column_int64(stmt, 3),
           arg);
        n++;
    }
    sqlite3_finalize(stmt);
    return n;
}
