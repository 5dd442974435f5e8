/*  branch_server: shouwen-branch, the branch office's only door to the hub.
    Desks at the branch (the CLI, later the web desk) speak the branch
    protocol to a local endpoint (ipc:// in a 0700 directory: local clients
    are trusted by file permissions).  An inquiry or a staff action is
    written to the durable spool (branch_spool) and answered SPOOLED, with
    the case id the hub will give, only once it is on disk; the server then
    delivers it to intake over CURVE with the branch's key and the same
    request id, resending with backoff until intake answers OK or REJECTED,
    and records that outcome.  Case and stats queries are relayed to intake
    without spooling.  See docs/branch.md. */
#ifndef BRANCH_SERVER_H
#define BRANCH_SERVER_H

#include <czmq.h>
#include <ev.h>

#include "branch_spool.h"
#include "sw_clock.h"
#include "sw_directory.h"
#include "sw_envelope.h"
#include "sw_health.h"

typedef struct _branch_server_t branch_server_t;

/* What the web desk (branch_desk) is told.  Every callback is optional;
   the messages are borrowed for the call. */
typedef struct {
    /* the answer to branch_server_ask(ticket): SPOOLED (then `settled`
       follows), or the hub's or the branch's final word */
    void (*answer)(void *arg, uint64_t ticket, const Shouwen__V1__BranchReply *reply);
    /* the hub's outcome of a spooled request, once on the spool's disk */
    void (*settled)(void *arg, const Shouwen__V1__BranchReply *reply);
    /* a notification for the branch, in log order, each position once */
    void (*notification)(void *arg, const Shouwen__V1__Notification *n);
    void *arg;
} branch_observer_t;

/* NULL (logged) on bad config or when a socket cannot be set up. */
branch_server_t *branch_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock);
void branch_server_destroy(branch_server_t **self_p);
/* Stop taking desk requests; what is spooled stays for the next start. */
void branch_server_stop(branch_server_t *self);
void branch_server_log_stats(branch_server_t *self);
/* How the branch is doing: health record (no log position; live: the hub
   answers; pending: spooled for the hub) and systemd's STATUS= line
   (sw_daemon_set_status); details branch, hub ("up"/"down"). */
void branch_server_status_line(branch_server_t *self, sw_health_t *health);

/* The web desk's side door: the request goes exactly where a local desk's
   would (checked, spooled or relayed); the observer's answer(ticket)
   follows, once.  A request_id is required. */
void branch_server_ask(branch_server_t *self, const Shouwen__V1__BranchRequest *req,
                       uint64_t ticket);
void branch_server_observe(branch_server_t *self, const branch_observer_t *observer);
/* Keep a watch on the hub for every notification of the branch, from after
   position (the last one the desk keeps), re-watching after a drop. */
void branch_server_watch(branch_server_t *self, uint64_t from_position);
/* The organisation in force at the hub, as last fetched (refreshed every
   30 s); NULL until the hub has answered once.  Borrowed. */
sw_directory_t *branch_server_directory(branch_server_t *self);
const char *branch_server_branch_id(branch_server_t *self);
/* A spooled request as the spool holds it: 1, 0 unknown, -1 error. */
int branch_server_lookup(branch_server_t *self, const char *request_id,
                         branch_spool_entry_t *entry);
/* Requests still waiting for the hub, or -1. */
int64_t branch_server_pending(branch_server_t *self);
/* true while the hub answers (an answer within the last 15 s) */
bool branch_server_hub_up(branch_server_t *self);

/* `shouwen-branch status`: what the spool of the config's branch still
   holds (all rows with all).  Exit code: 0, or 78 on bad config. */
int branch_server_status(zconfig_t *cfg, bool all);

#endif
