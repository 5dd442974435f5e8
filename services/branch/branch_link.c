/*  branch_link: what the branch asks the hub for itself: one watch for
    every notification of the branch (acked, renewed after silence or an
    intake restart, each position passed on once) and the organisation in
    force (fetched at start and every 30 s), for the web desk; and the web
    desk's side door into the same paths as a local desk's
    (branch_server_ask and the accessors). */
#include "branch_server_int.h"
#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>
#include "branch_spool.h"
#include "intake_validate.h"
#include "sw_config.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_log.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

/* A request of the branch's own to the hub (watch, ack, directory). */
static bool s_send_own(branch_server_t *self, Shouwen__V1__BranchRequest *req)
{
    req->branch_id = self->branch_id;
    req->protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
    zframe_t *out = sw_pack_frame(&req->base);
    if (zframe_send(&out, self->hub, ZFRAME_DONTWAIT) == 0)
        return true;
    zframe_destroy(&out); /* not connected (ZMQ_IMMEDIATE): the tick tries again */
    return false;
}

/* Watch every notification of the branch from after the last passed on. */
void branch_watch_start(branch_server_t *self)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__WatchRequest watch = SHOUWEN__V1__WATCH_REQUEST__INIT;
    snprintf(self->watch.id, sizeof self->watch.id, "branch-watch-%u-%08x",
             ++self->watch.serial, randombytes_random());
    watch.from_position = self->watch.position;
    req.request_id = self->watch.id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH;
    req.watch = &watch;
    self->watch.heard = self->watch.acked = ev_now(self->loop);
    if (!s_send_own(self, &req))
        self->watch.id[0] = '\0'; /* the link is not up yet: the next tick watches */
}

static void s_watch_ack(branch_server_t *self)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__WatchAck ack = SHOUWEN__V1__WATCH_ACK__INIT;
    char id[64];
    snprintf(id, sizeof id, "%s-ack", self->watch.id);
    ack.watch_request_id = self->watch.id;
    ack.position = self->watch.position;
    req.request_id = id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH_ACK;
    req.watch_ack = &ack;
    s_send_own(self, &req);
    self->watch.acked = ev_now(self->loop);
}

/* Keeps the watch alive: acks, and a new watch after silence. */
void branch_watch_tick(branch_server_t *self)
{
    if (!self->watch.wanted)
        return;
    double now = ev_now(self->loop);
    if (!*self->watch.id || now - self->watch.heard > S_WATCH_SILENT_S)
        branch_watch_start(self);
    else if (now - self->watch.acked > S_WATCH_ACK_S)
        s_watch_ack(self);
}

/* An answer to the watch or its ack: true when it was one. */
bool branch_watch_reply(branch_server_t *self, const Shouwen__V1__BranchReply *reply)
{
    if (!*self->watch.id ||
        strncmp(reply->request_id, self->watch.id, strlen(self->watch.id)) != 0)
        return strncmp(reply->request_id, "branch-watch-", 13) == 0; /* an old one */
    self->watch.heard = ev_now(self->loop);
    if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY ||
        reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
        /* NOT_WATCHING (intake restarted), not ready: watch again soon */
        sw_info("the hub's watch for branch %s: %s: %s; watching again", self->branch_id,
                reply->code, reply->message);
        self->watch.id[0] = '\0';
        return true;
    }
    const Shouwen__V1__NotificationBatch *batch = reply->notifications;
    if (!batch)
        return true;
    if (batch->oldest_kept && batch->oldest_kept > self->watch.position + 1 &&
        self->watch.position)
        sw_warn("the hub no longer keeps notifications after %" PRIu64
                " (oldest kept %" PRIu64 "): those between are not shown at the desk",
                self->watch.position, batch->oldest_kept);
    for (size_t i = 0; i < batch->n_notifications; i++) {
        const Shouwen__V1__Notification *n = batch->notifications[i];
        if (n->position <= self->watch.position)
            continue; /* shown already */
        self->watch.position = n->position;
        if (self->observer.notification)
            self->observer.notification(self->observer.arg, n);
    }
    return true;
}

/* Ask the hub for the organisation in force (the desk's names, categories). */
void branch_directory_ask(branch_server_t *self)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__DirectoryQuery query = SHOUWEN__V1__DIRECTORY_QUERY__INIT;
    snprintf(self->directory_ask, sizeof self->directory_ask, "branch-directory-%08x",
             randombytes_random());
    req.request_id = self->directory_ask;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_QUERY;
    req.directory_query = &query;
    s_send_own(self, &req);
    self->directory_at = ev_now(self->loop);
}

bool branch_directory_reply(branch_server_t *self, const Shouwen__V1__BranchReply *reply)
{
    if (strncmp(reply->request_id, "branch-directory-", 17) != 0)
        return false;
    if (!streq(reply->request_id, self->directory_ask) ||
        reply->status != SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK)
        return true;
    self->directory_ask[0] = '\0';
    if (self->directory && streq(sw_directory_version(self->directory), reply->message))
        return true;
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_text((const char *)reply->directory.data,
                                                     reply->directory.len, &error);
    if (dir) {
        sw_directory_destroy(&self->directory);
        self->directory = dir;
        sw_info("branch %s: the organisation in force is %s", self->branch_id,
                sw_directory_version(dir));
    } else
        sw_warn("the hub's organisation does not load here: %s", error ? error : "?");
    free(error);
    return true;
}

/* ------------------------------------------------------ the web desk */

void branch_server_ask(branch_server_t *self, const Shouwen__V1__BranchRequest *req,
                       uint64_t ticket)
{
    branch_asker_t a = {.ticket = ticket};
    zframe_t *body = sw_pack_frame((ProtobufCMessage *)&req->base);
    self->stats.requests++;
    bool txn = branch_spool_begin(self->spool) == 0;
    branch_request(self, &a, body);
    zframe_destroy(&body);
    branch_commit_batch(self, txn);
}

void branch_server_observe(branch_server_t *self, const branch_observer_t *observer)
{
    self->observer = *observer;
}

void branch_server_watch(branch_server_t *self, uint64_t from_position)
{
    self->watch.wanted = true;
    self->watch.position = from_position;
    branch_watch_start(self);
}

sw_directory_t *branch_server_directory(branch_server_t *self)
{
    return self->directory;
}

const char *branch_server_branch_id(branch_server_t *self)
{
    return self->branch_id;
}

int64_t branch_server_pending(branch_server_t *self)
{
    return branch_spool_count(self->spool, BRANCH_SPOOL_PENDING);
}

bool branch_server_hub_up(branch_server_t *self)
{
    return self->hub_heard > 0 && ev_now(self->loop) - self->hub_heard < S_HUB_UP_S;
}

int branch_server_lookup(branch_server_t *self, const char *request_id,
                         branch_spool_entry_t *entry)
{
    return branch_spool_lookup(self->spool, request_id, entry);
}
