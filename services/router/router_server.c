/*  router_server: case decisions over the committed log.  */
#include "router_server.h"
#include "sw_alloc.h"

#include <errno.h>

#include "router_store.h"
#include "sw_config.h"
#include "sw_snapshot.h"
#include "sw_directory.h"
#include "sw_follower.h"
#include "sw_hash.h"
#include "sw_log.h"
#include "sw_producer.h"

/* A decision waiting to commit: at most one per case. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE];
    uint64_t version; /* the case version it was made on */
} s_pending_t;

#define S_PROGRESS_EVERY 100000 /* events between progress lines of a full replay */

struct _router_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock;          /* borrowed */
    sw_hub_t *hub;              /* internal endpoints and our key */
    sw_producer_t *producer;    /* decisions to audit */
    sw_follower_t *follower;    /* the committed stream */
    router_store_t *state;      /* the organisation and the cases, from the log */
    zhashx_t *pending;          /* case id -> s_pending_t */
    uint64_t pending_deletes;   /* from pending (sw_hash.h) */
    router_decision_t decision; /* scratch for the decision being made */
    uint64_t decided;
    /* snapshots */
    char *snapshot_path;       /* NULL: none kept */
    char *spill_path;          /* closed cases (router_store.h); NULL: a temporary file */
    ev_timer snapshot_timer;   /* every daemon/snapshot_interval_s */
    uint64_t snapshot_at;      /* position of the last snapshot loaded or written */
    bool verify;               /* the first event must be the snapshot's */
    ev_timer restart_timer;    /* the snapshot was of another log: replay anew */
    bool restarting;           /* events are ignored until the follower is new */
    int64_t replay_started_ms; /* zclock_mono when the replay started */
    uint64_t replayed;         /* events applied while replaying */
};

static void s_pending_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

/* Propose what the case needs now, unless that very decision on this very
   case version is already waiting to commit. */
static void s_decide(router_server_t *self, router_case_t *c)
{
    router_decision_t *d = &self->decision;
    sw_directory_t *dir = router_store_directory(self->state);
    if (!dir || !router_case_next(c, dir, d))
        return;
    s_pending_t *p = (s_pending_t *)zhashx_lookup(self->pending, router_case_id(c));
    if (p && p->version == router_case_version(c) &&
        memcmp(p->id, d->id, SW_EVENTID_SIZE) == 0)
        return;
    if (p && memcmp(p->id, d->id, SW_EVENTID_SIZE) != 0)
        sw_producer_forget(self->producer, p->id); /* overtaken */
    if (sw_producer_propose(self->producer, &d->env) != 0)
        return;
    if (!p) {
        p = (s_pending_t *)zmalloc(sizeof(s_pending_t));
        zhashx_insert(self->pending, router_case_id(c), p);
    }
    memcpy(p->id, d->id, SW_EVENTID_SIZE);
    p->version = router_case_version(c);
    self->decided++;
}

static void s_on_committed(void *arg, const sw_committed_t *cm, const sw_envelope_t *env,
                           bool replaying);
static void s_on_live(void *arg);

/* The snapshot's position holds another event, or the log ends before it:
   a log made anew.  The loaded state goes; the whole log is replayed (the
   follower is made anew from the loop, not from inside its callback). */
static void s_snapshot_mismatch(router_server_t *self, const char *what)
{
    sw_warn("snapshot: position %" PRIu64 " %s: the log was made anew; dropping the "
            "loaded state, replaying the whole log",
            router_store_position(self->state), what);
    self->verify = false;
    self->restarting = true;
    self->snapshot_at = 0;
    ev_timer_start(self->loop, &self->restart_timer);
}

static void s_on_restart(struct ev_loop *loop, ev_timer *w, int revents)
{
    router_server_t *self = (router_server_t *)w->data;
    sw_follower_destroy(&self->follower);
    router_store_destroy(&self->state);
    self->state = router_store_new(self->spill_path);
    zhashx_purge(self->pending);
    self->restarting = false;
    self->replay_started_ms = zclock_mono();
    self->replayed = 0;
    self->follower =
        sw_follower_new(loop, "router", self->hub, 1, s_on_committed, s_on_live, self);
    if (!self->follower) { /* the same endpoints worked at start */
        sw_error("snapshot: cannot follow the log again; stopping");
        ev_break(loop, EVBREAK_ALL);
    }
}

static void s_on_committed(void *arg, const sw_committed_t *cm, const sw_envelope_t *env,
                           bool replaying)
{
    router_server_t *self = (router_server_t *)arg;
    if (self->restarting)
        return;
    if (self->verify) { /* the follower starts at the snapshot's own position */
        self->verify = false;
        if (cm->position == router_store_position(self->state) &&
            env->event_id.len == SW_EVENTID_SIZE &&
            memcmp(env->event_id.data, router_store_event_id(self->state),
                   SW_EVENTID_SIZE) == 0)
            return; /* the same log: already applied */
        s_snapshot_mismatch(self, "holds another event");
        return;
    }
    if (env->case_id && *env->case_id && streq(env->producer, "router")) {
        s_pending_t *p = (s_pending_t *)zhashx_lookup(self->pending, env->case_id);
        if (p && memcmp(p->id, env->event_id.data, SW_EVENTID_SIZE) == 0) {
            zhashx_delete(self->pending, env->case_id);
            sw_hashx_deleted(&self->pending, &self->pending_deletes, s_pending_destroy,
                             false);
        }
        sw_producer_forget(self->producer, env->event_id.data);
    }
    router_case_t *c = router_store_apply(self->state, cm, env);
    if (replaying && ++self->replayed % S_PROGRESS_EVERY == 0)
        sw_info("replaying: at position %" PRIu64 ", %zu open cases, %zu closed, %" PRIu64
                " events in %" PRId64 " ms",
                cm->position, router_store_live_cases(self->state),
                router_store_packed_cases(self->state), self->replayed,
                zclock_mono() - self->replay_started_ms);
    if (!c && env->case_id && *env->case_id) {
        /* settled (closed, nothing owed): no decision waits on it */
        s_pending_t *p = (s_pending_t *)zhashx_lookup(self->pending, env->case_id);
        if (p) {
            sw_producer_forget(self->producer, p->id);
            zhashx_delete(self->pending, env->case_id);
            sw_hashx_deleted(&self->pending, &self->pending_deletes, s_pending_destroy,
                             false);
        }
    }
    if (c && !replaying)
        s_decide(self, c);
}

static void s_on_live(void *arg)
{
    router_server_t *self = (router_server_t *)arg;
    if (self->restarting)
        return;
    if (self->verify) {
        s_snapshot_mismatch(self, "is beyond the end of the log");
        return;
    }
    for (router_case_t *c = router_store_first(self->state); c;
         c = router_store_next(self->state))
        s_decide(self, c);
    sw_info("live at position %" PRIu64 ": %zu open cases, %zu closed, %zu decisions "
            "waiting to commit; %" PRIu64 " events replayed in %" PRId64 " ms",
            sw_follower_position(self->follower), router_store_live_cases(self->state),
            router_store_packed_cases(self->state), sw_producer_pending(self->producer),
            self->replayed, zclock_mono() - self->replay_started_ms);
    self->replayed = 0;
    self->replay_started_ms = zclock_mono();
}

/* Writes the state at its position; reason names the occasion in the log. */
static void s_write_snapshot(router_server_t *self, const char *reason)
{
    if (!self->snapshot_path || self->restarting || self->verify ||
        router_store_position(self->state) == 0)
        return;
    int64_t started = zclock_mono();
    const char *why = NULL;
    sw_snapshot_t *snap = router_store_save(self->state, &why);
    if (!snap) {
        sw_error("snapshot: not written: %s (%s)", why, strerror(errno));
        return;
    }
    size_t size = sw_snapshot_size(snap);
    if (sw_snapshot_write(snap, self->snapshot_path, &why) == 0) {
        self->snapshot_at = router_store_position(self->state);
        sw_info("snapshot: wrote position %" PRIu64 " (%zu open cases, %zu closed, %zu "
                "bytes) to %s in %" PRId64 " ms (%s)",
                self->snapshot_at, router_store_live_cases(self->state),
                router_store_packed_cases(self->state), size, self->snapshot_path,
                zclock_mono() - started, reason);
    } else
        sw_error("snapshot: cannot write %s: %s (%s)", self->snapshot_path, why,
                 strerror(errno));
    sw_snapshot_destroy(&snap);
}

static void s_on_snapshot_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    router_server_t *self = (router_server_t *)w->data;
    if (router_store_position(self->state) != self->snapshot_at)
        s_write_snapshot(self, "periodic");
}

/* The state from the snapshot when it can be used (logged either way);
   the position to follow from. */
static uint64_t s_load_snapshot(router_server_t *self)
{
    int64_t started = zclock_mono();
    const char *why = NULL;
    sw_snapshot_t *snap =
        sw_snapshot_open(self->snapshot_path, "router", ROUTER_SNAPSHOT_FORMAT, &why);
    router_store_t *state = NULL;
    if (snap && sw_snapshot_position(snap) == 0)
        why = "position 0";
    else if (snap)
        state = router_store_load(snap, self->spill_path, &why);
    sw_snapshot_destroy(&snap);
    if (!state) {
        sw_info("snapshot: %s not used (%s): replaying the whole log",
                self->snapshot_path, why);
        self->state = router_store_new(self->spill_path);
        return 1;
    }
    self->state = state;
    self->verify = true;
    self->snapshot_at = router_store_position(state);
    sw_info(
        "snapshot: loaded position %" PRIu64 " (%zu open cases, %zu closed) from %s in "
        "%" PRId64 " ms, replaying the tail",
        self->snapshot_at, router_store_live_cases(state),
        router_store_packed_cases(state), self->snapshot_path, zclock_mono() - started);
    return self->snapshot_at; /* its own event first, to check it */
}

router_server_t *router_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    router_server_t *self = (router_server_t *)zmalloc(sizeof(router_server_t));
    self->loop = loop;
    self->clock = clock;
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_pending_destroy);
    ev_timer_init(&self->restart_timer, s_on_restart, 0., 0.);
    self->restart_timer.data = self;
    ev_timer_init(&self->snapshot_timer, s_on_snapshot_timer, 0., 0.);
    self->snapshot_timer.data = self;
    self->hub = sw_hub_new(cfg, "router");
    if (!self->hub) {
        router_server_destroy(&self);
        return NULL;
    }
    self->snapshot_path = sw_snapshot_path(cfg, "router");
    uint64_t from = 1;
    if (self->snapshot_path) {
        size_t len = strlen(self->snapshot_path) + 8;
        self->spill_path = (char *)sw_malloc(len);
        snprintf(self->spill_path, len, "%.*s.closed",
                 (int)(strlen(self->snapshot_path) - strlen(".snapshot")),
                 self->snapshot_path);
        from = s_load_snapshot(self);
        int64_t interval = sw_snapshot_interval_s(cfg);
        if (interval > 0) {
            ev_timer_set(&self->snapshot_timer, (double)interval, (double)interval);
            ev_timer_start(loop, &self->snapshot_timer);
        }
    } else {
        sw_info("snapshot: none kept (no daemon/state_dir): replaying the whole log");
        self->state = router_store_new(NULL);
    }
    self->replay_started_ms = zclock_mono();
    self->producer = sw_producer_new(loop, "router", self->hub, clock);
    self->follower =
        sw_follower_new(loop, "router", self->hub, from, s_on_committed, s_on_live, self);
    if (!self->producer || !self->follower)
        router_server_destroy(&self);
    return self;
}

void router_server_destroy(router_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_server_t *self = *self_p;
    ev_timer_stop(self->loop, &self->snapshot_timer);
    ev_timer_stop(self->loop, &self->restart_timer);
    sw_follower_destroy(&self->follower);
    sw_producer_destroy(&self->producer);
    sw_hub_destroy(&self->hub);
    router_store_destroy(&self->state);
    zhashx_destroy(&self->pending);
    free(self->snapshot_path);
    free(self->spill_path);
    free(self);
    *self_p = NULL;
}

void router_server_stop(router_server_t *self)
{
    ev_timer_stop(self->loop, &self->snapshot_timer);
    s_write_snapshot(self, "stopping");
}

void router_server_reload(router_server_t *self, zconfig_t *cfg)
{
    (void)cfg;
    sw_info("SIGHUP: the organisation in force (version %s) comes from the log; load a "
            "new one with 'shouwen directory load'",
            router_store_directory(self->state)
                ? sw_directory_version(router_store_directory(self->state))
                : "none yet");
}

void router_server_status(router_server_t *self, sw_health_t *health)
{
    sw_health_position(health, router_store_position(self->state));
    health->live = self->follower && !self->verify && sw_follower_is_live(self->follower);
    health->pending = sw_producer_pending(self->producer);
    sw_health_number(health, "open_cases", (int64_t)router_store_live_cases(self->state));
    sw_health_number(health, "closed_cases",
                     (int64_t)router_store_packed_cases(self->state));
    if (self->snapshot_path)
        sw_health_number(health, "snapshot_position", (int64_t)self->snapshot_at);
    snprintf(health->line, sizeof health->line,
             "log at %" PRIu64 ", %s, %zu open cases, %" PRIu64
             " decisions waiting to commit",
             health->position, health->live ? "live" : "catching up",
             router_store_live_cases(self->state), health->pending);
}

void router_server_log_stats(router_server_t *self)
{
    sw_directory_t *dir = router_store_directory(self->state);
    sw_info("stats: position=%" PRIu64 " cases=%zu closed=%zu decided=%" PRIu64
            " pending=%zu republished=%" PRIu64 " replays=%" PRIu64
            " directory=%s snapshot=%" PRIu64,
            router_store_position(self->state), router_store_live_cases(self->state),
            router_store_packed_cases(self->state), self->decided,
            sw_producer_pending(self->producer), sw_producer_republished(self->producer),
            self->follower ? sw_follower_replays(self->follower) : 0,
            dir ? sw_directory_version(dir) : "none", self->snapshot_at);
}
