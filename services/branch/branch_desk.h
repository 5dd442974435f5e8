/*  branch_desk: the branch's web desk (docs/desk.md), served by
    shouwen-branch over HTTP with libmicrohttpd on the daemon's libev loop
    (MHD's epoll descriptor is watched by an ev_io; its timeout drives an
    ev_timer).  Staff sign in with accounts kept at the branch
    (branch_store); every request a page makes becomes a BranchRequest that
    goes exactly where a local desk's would (branch_server_ask: checked,
    spooled, relayed), acting always as the signed-in person; the hub's
    notifications for the person and their department are pushed to the
    page as Server-Sent Events, resumable by Last-Event-ID. */
#ifndef BRANCH_DESK_H
#define BRANCH_DESK_H

#include <czmq.h>
#include <ev.h>

#include "branch_server.h"
#include "sw_clock.h"

typedef struct _branch_desk_t branch_desk_t;

/* NULL with *rc 0 when the config has no desk (desk/listen empty or
   missing); NULL with *rc 78 (logged) on a bad desk config. */
branch_desk_t *branch_desk_new(struct ev_loop *loop, zconfig_t *cfg,
                               branch_server_t *server, sw_clock_t *clock, int *rc);
void branch_desk_destroy(branch_desk_t **self_p);

/* `shouwen-branch passwd [-c FILE] STAFF [--delete | --list]`: the
   password from standard input (one line).  Exit code. */
int branch_desk_passwd(zconfig_t *cfg, int argc, char **argv);

#endif
