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

#include "sw_clock.h"

typedef struct _branch_server_t branch_server_t;

/* NULL (logged) on bad config or when a socket cannot be set up. */
branch_server_t *branch_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock);
void branch_server_destroy(branch_server_t **self_p);
/* Stop taking desk requests; what is spooled stays for the next start. */
void branch_server_stop(branch_server_t *self);
void branch_server_log_stats(branch_server_t *self);

/* `shouwen-branch status`: what the spool of the config's branch still
   holds (all rows with all).  Exit code: 0, or 78 on bad config. */
int branch_server_status(zconfig_t *cfg, bool all);

#endif
