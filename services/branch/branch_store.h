/*  branch_store: what the branch's web desk keeps (SQLite, WAL,
    synchronous=NORMAL; `desk/db`, beside the spool):

    - accounts: a staff member's password, hashed with libsodium's
      crypto_pwhash (Argon2id, interactive limits); `shouwen-branch passwd`
      writes them beside the running daemon;
    - sessions: a sign-in, named by the BLAKE2b hash of its cookie (the
      cookie itself is never stored), with its CSRF token and expiry;
    - notices: every notification the hub pushed for the branch, by log
      position, so a browser that reconnects (SSE Last-Event-ID) or a daemon
      that restarts resumes from where it was, none lost and none twice
      (the newest 50,000 are kept);
    - requests: who at the desk made which spooled request, so the hub's
      answer reaches that person (and the 待确认 page lists theirs). */
#ifndef BRANCH_STORE_H
#define BRANCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw_envelope.h"

typedef struct _branch_store_t branch_store_t;

#define BRANCH_TOKEN_LEN    43 /* a cookie: 32 random bytes, base64url, no padding */
#define BRANCH_PASSWORD_MIN 8

branch_store_t *branch_store_new(const char *path);
void branch_store_destroy(branch_store_t **self_p);

/* Accounts.  set: 0, -1 on error.  check: true when staff has an account
   and the password is theirs.  delete: 1 removed, 0 none, -1 error. */
int branch_store_account_set(branch_store_t *self, const char *staff,
                             const char *password, int64_t now_us);
bool branch_store_account_check(branch_store_t *self, const char *staff,
                                const char *password);
int branch_store_account_delete(branch_store_t *self, const char *staff);
/* Calls fn for every account, by staff id; rows or -1. */
int branch_store_accounts(branch_store_t *self,
                          void (*fn)(const char *staff, int64_t updated_us, void *arg),
                          void *arg);

/* Sessions.  new: a fresh token (cookie) and CSRF token for staff. get: 1
   with staff/csrf filled when token names a live session, 0 otherwise. */
int branch_store_session_new(branch_store_t *self, const char *staff, int64_t expires_us,
                             char token[BRANCH_TOKEN_LEN + 1],
                             char csrf[BRANCH_TOKEN_LEN + 1], int64_t now_us);
int branch_store_session_get(branch_store_t *self, const char *token, int64_t now_us,
                             char *staff, size_t staff_size,
                             char csrf[BRANCH_TOKEN_LEN + 1]);
void branch_store_session_delete(branch_store_t *self, const char *token);

/* Notices.  add: 1 stored, 0 already there, -1 error. */
int branch_store_notice_add(branch_store_t *self, const Shouwen__V1__Notification *n);
uint64_t branch_store_notice_last(branch_store_t *self);
/* Calls fn for each notice after position, oldest first, at most max;
   the notice is valid during the call only.  Rows or -1. */
int branch_store_notices(branch_store_t *self, uint64_t after, int max,
                         void (*fn)(const Shouwen__V1__Notification *n, void *arg),
                         void *arg);

/* Requests made at the desk.  add: 0 with *added_us the time the request
   id was first made (a resend keeps it, so it is the same request), 1 when
   the id is another person's, -1 on error.  who: 1 with staff filled, 0
   unknown. */
int branch_store_request_add(branch_store_t *self, const char *request_id,
                             const char *staff, const char *case_id, const char *kind,
                             int64_t now_us, int64_t *added_us);
int branch_store_request_who(branch_store_t *self, const char *request_id, char *staff,
                             size_t size, char *kind, size_t kind_size);
/* The staff member's newest requests (at most max), newest first. */
int branch_store_requests_of(branch_store_t *self, const char *staff, int max,
                             void (*fn)(const char *request_id, const char *case_id,
                                        const char *kind, int64_t added_us, void *arg),
                             void *arg);

#endif
