/*  intake_snapshot: intake's state at a log position (issue 10,
    lib/sw_snapshot.h, docs/snapshots-intake.md).

    What intake keeps is written at the position it has followed: the
    requests inside the idempotency window (and those whose outcome is still
    to come), the bloom filter of its events in the log, the organisation
    and calendar in force, the open cases' parties and what the queries
    answer of them, and the kept notifications.  At start it is loaded and
    the follower asks the log from that very position: the first event must
    be the one the snapshot names, or the state is dropped and the whole log
    replayed. */
#include "intake_server_int.h"
#include "sw_alloc.h"
#include "sw_log.h"

#include <sodium.h>

#define S_FORMAT 1 /* the payload below; a change makes older files unused */

static void s_on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    intake_snapshot_write((intake_server_t *)t->data, "periodic");
}

/* A snapshot of another log was loaded: follow this one from 1. */
static void s_on_restart(struct ev_loop *loop, ev_timer *t, int revents)
{
    intake_server_t *self = (intake_server_t *)t->data;
    sw_follower_destroy(&self->follower);
    self->follower = sw_follower_new(self->loop, "intake", self->hub, 1,
                                     intake_on_committed, intake_on_live, self);
    if (self->follower)
        sw_follower_set_heartbeat_fn(self->follower, intake_on_heartbeat);
}

void intake_snapshot_init(intake_server_t *self, zconfig_t *cfg)
{
    self->snap_path = sw_snapshot_path(cfg, "intake");
    self->snap_interval_s = sw_snapshot_interval_s(cfg);
    ev_timer_init(&self->restart, s_on_restart, 0, 0);
    self->restart.data = self;
    ev_timer_init(&self->snap_timer, s_on_timer, (double)self->snap_interval_s,
                  (double)self->snap_interval_s);
    self->snap_timer.data = self;
    if (self->snap_path && self->snap_interval_s > 0)
        ev_timer_start(self->loop, &self->snap_timer);
}

void intake_snapshot_destroy(intake_server_t *self)
{
    ev_timer_stop(self->loop, &self->snap_timer);
    ev_timer_stop(self->loop, &self->restart);
    zstr_free(&self->snap_path);
}

void intake_state_reset(intake_server_t *self)
{
    zhashx_purge(self->uncommitted);
    zlistx_purge(self->window);
    zhashx_purge(self->requests);
    memset(self->seen, 0, S_SEEN_BITS / 8);
    memset(self->in_force, 0, sizeof self->in_force);
    zchunk_destroy(&self->org_text);
    intake_access_destroy(&self->access);
    self->access = intake_access_new();
    intake_cases_destroy(&self->cases);
    self->cases = intake_cases_new();
    intake_watch_destroy(&self->watch);
    self->watch = intake_watch_new((size_t)self->watch_keep, (double)self->watch_idle_s,
                                   intake_q_watch_send, self);
    self->log_now_us = 0;
    self->replayed = 0;
    self->replay_started = self->replay_logged = 0;
}

/* ------------------------------------------------------------ writing */

static void s_put_request(sw_snapshot_t *snap, const intake_request_t *r, bool in_window)
{
    sw_snapshot_put_bytes(snap, r->event_id, SW_EVENTID_SIZE);
    sw_snapshot_put_u8(snap, (uint8_t)r->kind);
    sw_snapshot_put_u8(snap, in_window);
    sw_snapshot_put_str(snap, r->case_id);
    sw_snapshot_put_bytes(snap, r->digest, S_DIGEST);
    sw_snapshot_put_u64(snap, r->position);
    sw_snapshot_put_i64(snap, r->done_us);
    sw_snapshot_put_str(snap, r->code);
    sw_snapshot_put_str(snap, r->message);
}

void intake_snapshot_write(intake_server_t *self, const char *why)
{
    uint64_t position = self->follower ? sw_follower_position(self->follower) : 0;
    /* nothing followed yet, or the loaded snapshot not yet checked */
    if (!self->snap_path || position == 0 || self->verify ||
        ev_is_active(&self->restart) || position == self->snap_position)
        return;
    double started = ev_time();
    sw_snapshot_t *snap = sw_snapshot_new("intake", S_FORMAT, position, self->last_id);
    sw_snapshot_put_i64(snap, self->log_now_us);
    sw_snapshot_put_bytes(snap, self->seen, S_SEEN_BITS / 8);
    for (int k = 0; k < 2; k++) {
        sw_snapshot_put_bytes(snap, self->in_force[k].digest,
                              sizeof self->in_force[k].digest);
        sw_snapshot_put_u64(snap, self->in_force[k].position);
    }
    sw_snapshot_put_u8(snap, self->org_text != NULL);
    if (self->org_text)
        sw_snapshot_put_bytes(snap, zchunk_data(self->org_text),
                              zchunk_size(self->org_text));
    /* the window in its order, then what waits for its outcome in the log
       (a staff action before router's decision, the loads); a request only
       proposed is not kept: the branch sends it again */
    uint64_t count = zlistx_size(self->window);
    for (intake_request_t *r = (intake_request_t *)zhashx_first(self->requests); r;
         r = (intake_request_t *)zhashx_next(self->requests))
        if (r->logged && !r->in_window)
            count++;
    sw_snapshot_put_u64(snap, count);
    for (intake_request_t *r = (intake_request_t *)zlistx_first(self->window); r;
         r = (intake_request_t *)zlistx_next(self->window))
        s_put_request(snap, r, true);
    for (intake_request_t *r = (intake_request_t *)zhashx_first(self->requests); r;
         r = (intake_request_t *)zhashx_next(self->requests))
        if (r->logged && !r->in_window)
            s_put_request(snap, r, false);
    intake_access_save(self->access, snap);
    intake_cases_save(self->cases, snap);
    intake_watch_save(self->watch, snap);
    size_t size = sw_snapshot_size(snap);
    const char *fail = NULL;
    if (sw_snapshot_write(snap, self->snap_path, &fail) == 0) {
        self->snap_position = position;
        sw_info("snapshot: wrote position %" PRIu64 " (%zu open cases, %" PRIu64
                " requests, %zu bytes) to %s in %.0f ms (%s)",
                position, intake_cases_size(self->cases), count, size, self->snap_path,
                (ev_time() - started) * 1000, why);
    } else
        sw_error("snapshot: cannot write %s: %s", self->snap_path, fail ? fail : "error");
    sw_snapshot_destroy(&snap);
}

/* ------------------------------------------------------------ loading */

static bool s_get_request(intake_server_t *self, sw_snapshot_t *snap)
{
    const uint8_t *id = NULL, *digest = NULL;
    size_t id_size = 0, digest_size = 0;
    uint8_t kind = 0, in_window = 0;
    char *case_id = NULL, *code = NULL, *message = NULL;
    uint64_t position = 0;
    int64_t done_us = 0;
    bool ok =
        sw_snapshot_get_bytes(snap, &id, &id_size) && id_size == SW_EVENTID_SIZE &&
        sw_snapshot_get_u8(snap, &kind) && kind <= S_DIRECTORY &&
        sw_snapshot_get_u8(snap, &in_window) && sw_snapshot_get_str(snap, &case_id) &&
        sw_snapshot_get_bytes(snap, &digest, &digest_size) && digest_size == S_DIGEST &&
        sw_snapshot_get_u64(snap, &position) && sw_snapshot_get_i64(snap, &done_us) &&
        sw_snapshot_get_str(snap, &code) && sw_snapshot_get_str(snap, &message);
    if (ok) {
        intake_request_t *r = intake_request_new(id);
        if (zhashx_lookup(self->requests, r->key)) {
            free(r);
            ok = false;
        } else {
            r->kind = (intake_kind_t)kind;
            snprintf(r->case_id, sizeof r->case_id, "%s", case_id ? case_id : "");
            memcpy(r->digest, digest, S_DIGEST);
            r->position = position;
            r->done_us = done_us;
            r->code = code, code = NULL;
            r->message = message, message = NULL;
            r->logged = true;
            zhashx_insert(self->requests, r->key, r);
            if (in_window) /* else waiting for router's decision, as a replay leaves it */
                r->in_window = zlistx_add_end(self->window, r);
        }
    }
    free(case_id);
    free(code);
    free(message);
    return ok;
}

static bool s_load_payload(intake_server_t *self, sw_snapshot_t *snap)
{
    const uint8_t *data = NULL;
    size_t size = 0;
    uint8_t has_org = 0;
    if (!sw_snapshot_get_i64(snap, &self->log_now_us) ||
        !sw_snapshot_get_bytes(snap, &data, &size) || size != S_SEEN_BITS / 8)
        return false;
    memcpy(self->seen, data, size);
    for (int k = 0; k < 2; k++) {
        if (!sw_snapshot_get_bytes(snap, &data, &size) ||
            size != sizeof self->in_force[k].digest ||
            !sw_snapshot_get_u64(snap, &self->in_force[k].position))
            return false;
        memcpy(self->in_force[k].digest, data, size);
    }
    if (!sw_snapshot_get_u8(snap, &has_org))
        return false;
    if (has_org) {
        if (!sw_snapshot_get_bytes(snap, &data, &size))
            return false;
        char *error = NULL;
        sw_directory_t *dir =
            sw_directory_new_from_text((const char *)data, size, &error);
        free(error);
        if (!dir)
            return false;
        intake_access_set_directory(self->access, &dir);
        self->org_text = zchunk_new(data, size);
    }
    uint64_t count = 0;
    if (!sw_snapshot_get_u64(snap, &count))
        return false;
    for (uint64_t i = 0; i < count; i++)
        if (!s_get_request(self, snap))
            return false;
    return intake_access_load(self->access, snap) &&
           intake_cases_load(self->cases, snap) && intake_watch_load(self->watch, snap) &&
           sw_snapshot_done(snap);
}

uint64_t intake_snapshot_load(intake_server_t *self)
{
    if (!self->snap_path) {
        sw_info("snapshot: none configured (daemon/state_dir): replaying the whole log");
        return 1;
    }
    double started = ev_time();
    const char *why = NULL;
    sw_snapshot_t *snap = sw_snapshot_open(self->snap_path, "intake", S_FORMAT, &why);
    if (snap && sw_snapshot_position(snap) == 0)
        why = "position 0";
    else if (snap && !s_load_payload(self, snap))
        why = "its content does not read back";
    else if (snap)
        why = NULL;
    if (!snap || why) {
        sw_info("snapshot: %s not used (%s): replaying the whole log", self->snap_path,
                why ? why : "?");
        sw_snapshot_destroy(&snap);
        intake_state_reset(self);
        return 1;
    }
    self->verify = true;
    self->verify_at = sw_snapshot_position(snap);
    memcpy(self->verify_id, sw_snapshot_event_id(snap), SW_EVENTID_SIZE);
    memcpy(self->last_id, self->verify_id, SW_EVENTID_SIZE);
    self->snap_position = self->verify_at;
    sw_info("snapshot: loaded position %" PRIu64 " (%zu open cases, %zu requests in "
            "the window) from %s in %.0f ms, replaying the tail",
            self->verify_at, intake_cases_size(self->cases), zlistx_size(self->window),
            self->snap_path, (ev_time() - started) * 1000);
    sw_snapshot_destroy(&snap);
    return self->verify_at;
}

bool intake_snapshot_verify(intake_server_t *self, const sw_committed_t *c,
                            const sw_envelope_t *env)
{
    if (ev_is_active(&self->restart))
        return false; /* following anew from 1: nothing before that */
    if (c && c->position == self->verify_at && env->event_id.len == SW_EVENTID_SIZE &&
        memcmp(env->event_id.data, self->verify_id, SW_EVENTID_SIZE) == 0) {
        self->verify = false;
        sw_info("snapshot: position %" PRIu64 " is the same event in the log; "
                "following from there",
                self->verify_at);
        return false; /* applied before the snapshot was written */
    }
    char want[SW_UUID_STRLEN + 1];
    sw_eventid_format(self->verify_id, want);
    if (c)
        sw_warn("snapshot: %s not used (position %" PRIu64 " of the log is not event %s: "
                "another log): replaying the whole log",
                self->snap_path, self->verify_at, want);
    else
        sw_warn("snapshot: %s not used (the log ends before position %" PRIu64
                "): replaying the whole log",
                self->snap_path, self->verify_at);
    self->verify = false;
    self->snap_position = 0;
    intake_state_reset(self);
    ev_timer_set(&self->restart, 0, 0);
    ev_timer_start(self->loop, &self->restart);
    return false;
}
