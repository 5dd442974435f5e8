/*  audit_anchor: signs the head of the hash chain (锚点) and keeps the
    signatures outside PostgreSQL, so a chain rewritten inside the database
    (an event changed and every later hash recomputed) no longer matches
    what was signed.  Each anchor is one line (lib/sw_anchor.h) written to
    audit's log (journald) and appended to audit/anchor_file, fsync'ed.

    Settings (audit's config; docs/anchors.md):
      audit/anchor_key          the Ed25519 key's public certificate NAME.cert
                                (`shouwen keygen NAME --anchor`); the seed
                                is read from NAME.cert_secret.  No key: no
                                anchors (said once at start).
      audit/anchor_file         the append-only file of anchor lines
      audit/anchor_interval_ms  at most one anchor per interval, when the
                                head moved (default 1000; 0 = after every
                                committed batch)
    The head is read from shouwen.log_head on a connection of its own, so
    anchoring never holds up the writer or a replay. */
#ifndef AUDIT_ANCHOR_H
#define AUDIT_ANCHOR_H

#include <czmq.h>
#include <ev.h>

typedef struct _audit_anchor_t audit_anchor_t;
typedef void(audit_anchor_fn)(void *arg);

/* NULL on bad configuration (logged); with no audit/anchor_key an object
   that does nothing. */
audit_anchor_t *audit_anchor_new(struct ev_loop *loop, zconfig_t *cfg,
                                 const char *conninfo);
void audit_anchor_destroy(audit_anchor_t **self_p);
/* A batch committed: the head may have moved. */
void audit_anchor_notify(audit_anchor_t *self);
/* The last anchor, written whether or not the head moved, then done(arg);
   done runs at once when anchoring is off, and after at most 5 s when
   PostgreSQL does not answer (logged).  Safe on NULL. */
void audit_anchor_final(audit_anchor_t *self, audit_anchor_fn *done, void *arg);

#endif
