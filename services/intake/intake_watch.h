/*  intake_watch: notifications pushed to a branch (issue 9, docs/queries.md).

    Each committed event that concerns staff or departments of a branch
    (a new case routed to them, a case transferred, returned or forwarded
    to them, the case they passed on signed for, a deadline warning or
    breach, an escalation, a callback due, a customer asking for a leader:
    R19) becomes one notification for that branch, named by the event's log
    position.  intake_watch keeps the last `keep` of them, so a branch that
    lost its connection resumes from the last position it showed and gets
    every later one once (from before the kept ones, its caller reads the
    log for it: intake_watch_page); and it pushes new ones to the
    connections that watch.  A branch gets only its own: the staff and departments the
    organisation in force places at it. */
#ifndef INTAKE_WATCH_H
#define INTAKE_WATCH_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw_directory.h"
#include "sw_envelope.h"
#include "sw_snapshot.h"

typedef struct _intake_watch_t intake_watch_t;

/* Sends a reply to a connection (routing id, REQ delimiter). */
typedef void(intake_watch_send_fn)(void *arg, zframe_t *routing_id, bool delimiter,
                                   Shouwen__V1__BranchReply *reply);

intake_watch_t *intake_watch_new(size_t keep, double idle_s, intake_watch_send_fn *send,
                                 void *arg);
void intake_watch_destroy(intake_watch_t **self_p);

/* A committed event at position, placed with the organisation in force
   (dir may be NULL: nobody is placed, nothing is told).  Pushes to the
   watching connections of each branch concerned. */
void intake_watch_note(intake_watch_t *self, uint64_t position, const sw_envelope_t *env,
                       sw_directory_t *dir);

/* Subscribe a connection (replacing its earlier watch): branch's
   notifications for staff[] and depts[] (none of either: all the branch's)
   after from_position; the kept ones are sent at once, in batches, the
   last (possibly empty) one saying the log position examined (head).
   From before the oldest kept (at most max_page events back; 0: never):
   nothing is sent yet and true is returned with *page_from, the first
   position the caller reads from the log for intake_watch_page. */
bool intake_watch_subscribe(intake_watch_t *self, zframe_t *routing_id, bool delimiter,
                            const char *request_id, const char *branch, char **staff,
                            size_t n_staff, char **depts, size_t n_depts,
                            uint64_t from_position, uint64_t head, double now,
                            uint64_t max_page, uint64_t *page_from);

/* A page of the log (positions[i] of envs[i], in order) for a watch that
   resumes from before the kept notifications, placed with dir: what it
   wants is pushed.  1: more wanted from *next; 0: done (the kept ones
   pushed, the watch is live); -1: the watch is gone or replaced. */
int intake_watch_page(intake_watch_t *self, zframe_t *routing_id, const char *request_id,
                      size_t n, const uint64_t *positions, sw_envelope_t **envs,
                      sw_directory_t *dir, uint64_t head, uint64_t *next);

/* An ack from a connection for its watch: true if it still watches (it is
   kept alive), false if not (the client should watch again). */
bool intake_watch_ack(intake_watch_t *self, zframe_t *routing_id,
                      const char *watch_request_id, uint64_t position, double now);

/* Ends watches not heard from for idle_s. */
void intake_watch_sweep(intake_watch_t *self, double now);

/* The kept notifications into a snapshot, and back (false: bad). */
void intake_watch_save(intake_watch_t *self, sw_snapshot_t *snap);
bool intake_watch_load(intake_watch_t *self, sw_snapshot_t *snap);

size_t intake_watch_watchers(intake_watch_t *self);
uint64_t intake_watch_pushed(intake_watch_t *self);
/* Oldest position kept (0: nothing dropped yet). */
uint64_t intake_watch_oldest(intake_watch_t *self);

#endif
