/*  router_store: everything router holds that the log builds — the
    organisation in force (and the text it was parsed from), the cases, and
    the position and event id last applied — with its snapshot.

    Live cases are kept as router_case_t.  A case that is closed with
    nothing owed (router_case_settled) leaves memory: it is packed (a few
    hundred bytes) and appended to a spill file, and memory keeps only its
    id, its place in the file and a checksum; a later event on it (a late
    action, a reopen, an sla event) reads it back and unpacks it,
    synchronously, so the log's order is kept.  What is read back is the
    case's state exactly as a full replay leaves it (its events are not
    fetched from the log again: how they were taken depends on the
    organisation in force at each, which the case's events alone do not
    give).  The spill file is only ever appended to; a process that starts
    without a usable snapshot makes it anew.

    The snapshot's payload (format ROUTER_SNAPSHOT_FORMAT): the count of case
    events met before any organisation, the organisation's text (or none),
    the length of the spill file it relies on (written and fdatasync'd
    before the snapshot), then every case in case id order: 0 and the live
    case packed, or 1 and a settled case's id, offset, size and checksum in
    the spill file.  Loading it cuts the spill file back to that length (a
    case settled after the snapshot settles again in the tail).  The same
    log gives the same bytes, whether the state was built by a full replay
    or from a snapshot and the tail (test_router_snapshot). */
#ifndef ROUTER_STORE_H
#define ROUTER_STORE_H

#include "router_case.h"
#include "sw_snapshot.h"

/* Bump when what router_store_save writes (or router_case_pack) changes. */
#define ROUTER_SNAPSHOT_FORMAT 2

typedef struct _router_store_t router_store_t;

/* spill_path: the file settled cases are kept in (made anew); NULL: an
   unnamed temporary file under $TMPDIR or /tmp. */
router_store_t *router_store_new(const char *spill_path);
void router_store_destroy(router_store_t **self_p);

/* Takes one committed event in.  The live case it touched, or NULL (not a
   case event, no organisation yet, or the case is settled and was packed). */
router_case_t *router_store_apply(router_store_t *self, const sw_committed_t *cm,
                                  const sw_envelope_t *env);
/* The organisation in force, NULL before any. */
sw_directory_t *router_store_directory(router_store_t *self);
/* Position of the last event applied (0 before any) and its id. */
uint64_t router_store_position(router_store_t *self);
const uint8_t *router_store_event_id(router_store_t *self);
size_t router_store_live_cases(router_store_t *self);
size_t router_store_packed_cases(router_store_t *self);
/* Bytes of the settled cases in the spill file (garbage left behind not
   counted). */
uint64_t router_store_packed_bytes(router_store_t *self);
/* The live case with that id, NULL when none (or it is packed). */
router_case_t *router_store_case(router_store_t *self, const char *case_id);
/* Settled cases kept one by one before they move into the sorted array a
   snapshot load fills (router_store.c s_compact); tests lower it. */
extern size_t router_store_compact_min;
/* True when the case is held packed (closed, nothing owed). */
bool router_store_is_packed(router_store_t *self, const char *case_id);
/* The live cases, in no particular order. */
router_case_t *router_store_first(router_store_t *self);
router_case_t *router_store_next(router_store_t *self);

/* A snapshot of the state at its position (caller writes and destroys);
   the spill file is written and fdatasync'd first.  NULL with *why when it
   cannot be. */
sw_snapshot_t *router_store_save(router_store_t *self, const char **why);
/* The state in snap (opened with ROUTER_SNAPSHOT_FORMAT), or NULL with
 *why when its payload does not read back. */
router_store_t *router_store_load(sw_snapshot_t *snap, const char *spill_path,
                                  const char **why);

#endif
