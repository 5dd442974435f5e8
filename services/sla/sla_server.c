/*  sla_server: the sla daemon object.  Follows the committed log into
    sla_rules, proposes its decisions through sw_producer, and wakes up for
    the next warning or breach: on a real clock one ev_periodic armed at
    the earliest deadline (absolute wall-clock time, so a clock step moves
    it too); on a test or file clock a short ev_timer that looks at the
    clock, since only the test moves it. */
#include "sla_server.h"
#include "sw_alloc.h"

#include "sw_calendar.h"
#include "sw_policy.h"
#include "sla_rules.h"
#include "sw_config.h"
#include "sw_directory.h"
#include "sw_follower.h"
#include "sw_log.h"
#include "sw_producer.h"
#include "sw_eventid.h"
#include "sw_snapshot.h"

#define S_MAX_FILE  (1 << 20) /* largest calendar or directory file */
#define S_BACKOFF_S 0.010     /* wait while too many proposals are uncommitted */
#define S_PROGRESS  100000    /* events between progress lines of a replay */

struct _sla_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock;       /* borrowed */
    sla_rules_t *rules;      /* the deadlines */
    sw_hub_t *hub;           /* internal endpoints and our key */
    sw_producer_t *producer; /* decisions to audit */
    sw_follower_t *follower; /* the committed stream */
    bool live;               /* caught up once */
    int64_t batch;           /* expiries per loop iteration (sla/batch) */
    int64_t max_pending;     /* uncommitted proposals before expiry waits */
    ev_periodic alarm;       /* real clock: the next deadline */
    int64_t armed_us;        /* instant alarm is set for, 0 if stopped */
    ev_timer poll;           /* test clock: look at the clock */
    ev_idle more;            /* more due than one batch: go on next iteration */
    ev_timer backoff;        /* too many uncommitted: try again shortly */
    uint64_t proposed;       /* proposals made (statistics) */
    zconfig_t *cfg;          /* borrowed: to make the rules again */
    /* snapshots (docs/snapshots-sla.md) */
    char *snap_path;                  /* NULL: none kept */
    ev_timer snap_timer;              /* every sw_snapshot_interval_s */
    uint64_t position;                /* last position applied */
    uint8_t last_id[SW_EVENTID_SIZE]; /* the event id at position */
    uint64_t snap_position;           /* of the last snapshot loaded or written */
    bool verify;                      /* loaded: the first event must be last_id */
    bool restart;                     /* the log is not the snapshot's: start over */
    ev_idle restart_w;                /* starts over outside the follower's callback */
    uint64_t replay_start;            /* first position of this replay */
    int64_t replay_started_us;        /* its start, for the progress lines */
};

static void s_expire(sla_server_t *self);

/* ------------------------------------------------------------------ timers */

/* Real clock: set the alarm at the earliest deadline. */
static void s_arm(sla_server_t *self)
{
    if (sw_clock_is_test(self->clock) || !self->live)
        return;
    int64_t next = sla_rules_next_fire(self->rules);
    if (next == INT64_MAX || ev_is_active(&self->more) || ev_is_active(&self->backoff)) {
        ev_periodic_stop(self->loop, &self->alarm);
        self->armed_us = 0;
        return;
    }
    if (next == self->armed_us && ev_is_active(&self->alarm))
        return;
    ev_periodic_stop(self->loop, &self->alarm);
    ev_periodic_set(&self->alarm, (ev_tstamp)next / 1e6, 0, 0);
    ev_periodic_start(self->loop, &self->alarm);
    self->armed_us = next;
}

static void s_on_alarm(struct ev_loop *loop, ev_periodic *w, int revents)
{
    sla_server_t *self = (sla_server_t *)w->data;
    self->armed_us = 0;
    s_expire(self);
}

static void s_on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_expire((sla_server_t *)w->data);
}

static void s_on_more(struct ev_loop *loop, ev_idle *w, int revents)
{
    ev_idle_stop(loop, w);
    s_expire((sla_server_t *)w->data);
}

static void s_on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_expire((sla_server_t *)w->data);
}

/* Fire what is due, one bounded batch per loop iteration, and not while
   audit has not yet committed max_pending of our proposals (the PUB
   socket would drop them and the republish tick would take long). */
static void s_expire(sla_server_t *self)
{
    if (!self->live)
        return;
    if ((int64_t)sw_producer_pending(self->producer) >= self->max_pending) {
        ev_idle_stop(self->loop, &self->more);
        if (!ev_is_active(&self->backoff)) {
            ev_timer_set(&self->backoff, S_BACKOFF_S, 0.);
            ev_timer_start(self->loop, &self->backoff);
        }
        s_arm(self);
        return;
    }
    size_t fired =
        sla_rules_expire(self->rules, sw_clock_now_us(self->clock), (size_t)self->batch);
    if (fired == (size_t)self->batch)
        ev_idle_start(self->loop, &self->more);
    s_arm(self);
}

/* ------------------------------------------------------------ the log */

static void s_propose(void *arg, sw_envelope_t *env)
{
    sla_server_t *self = (sla_server_t *)arg;
    if (sw_producer_propose(self->producer, env) == 0)
        self->proposed++;
}

/* The organisation: who works in which department, who heads each. */
static void s_load_directory(sla_server_t *self, const char *what,
                             sw_directory_t *directory, char *error,
                             const sw_envelope_t *env, bool replaying)
{
    if (!directory) {
        sw_error("organisation %s rejected: %s; departments unchanged", what,
                 error ? error : "?");
        free(error);
        return;
    }
    size_t n = sla_people_load_directory(sla_rules_people(self->rules), directory);
    sw_info("organisation %s (%s): %zu people's departments known", what,
            sw_directory_version(directory), n);
    if (env) /* R26: handlers back on post */
        sla_rules_back_on_post(self->rules, directory, env, replaying);
    sw_directory_destroy(&directory);
}

/* A directory.loaded in the log: a calendar (with its policies) or the
   organisation.  A bad one is logged and the old one kept. */
static void s_on_directory(sla_server_t *self, const sw_envelope_t *env, bool replaying)
{
    const Shouwen__V1__DirectoryLoaded *d = env->directory_loaded;
    char what[160];
    snprintf(what, sizeof what, "'%s' loaded by %s", d->version ? d->version : "",
             d->loaded_by && *d->loaded_by ? d->loaded_by : "intake (the seed)");
    char *text = d->content.len <= S_MAX_FILE
                     ? sw_strndup((const char *)d->content.data, d->content.len)
                     : NULL;
    if (!text || strlen(text) != d->content.len) {
        sw_error("%s %s: empty, too large or holding a NUL byte; ignored", d->kind, what);
        free(text);
        return;
    }
    if (d->kind && streq(d->kind, "calendar")) {
        char *error = NULL;
        if (sla_rules_load_calendar(self->rules, text, d->content.len, &error) == 0)
            sw_info("calendar %s in force for new deadlines", what);
        else
            sw_error("calendar %s rejected: %s", what, error ? error : "?");
        free(error);
    } else if (d->kind && streq(d->kind, "organisation")) {
        char *error = NULL;
        sw_directory_t *directory =
            sw_directory_new_from_text(text, d->content.len, &error);
        s_load_directory(self, what, directory, error, env, replaying);
    }
    free(text);
}

/* The snapshot's event was not at its position: drop what was loaded. */
static void s_not_this_log(sla_server_t *self, const char *what)
{
    sw_warn("snapshot: %s is not the log the snapshot of position %" PRIu64
            " was taken from (%s): dropping it and replaying the whole log",
            self->snap_path, self->snap_position, what);
    self->verify = false;
    self->restart = true;
    ev_idle_start(self->loop, &self->restart_w);
}

/* The first event of the tail is the one the snapshot was taken at. */
static void s_verify(sla_server_t *self, const sw_committed_t *cm,
                     const sw_envelope_t *env)
{
    if (cm->position == self->position && env->event_id.len == SW_EVENTID_SIZE &&
        memcmp(env->event_id.data, self->last_id, SW_EVENTID_SIZE) == 0) {
        self->verify = false;
        self->replay_start = cm->position + 1; /* the tail */
        sw_info("snapshot: event at position %" PRIu64 " matches; replaying the tail",
                cm->position);
        return;
    }
    char what[96];
    snprintf(what, sizeof what, "another event at position %" PRIu64, cm->position);
    s_not_this_log(self, what);
}

static void s_progress(sla_server_t *self, uint64_t position)
{
    if ((position - self->replay_start) % S_PROGRESS != 0 ||
        position == self->replay_start)
        return;
    double secs = (double)(zclock_usecs() - self->replay_started_us) / 1e6;
    sw_info("replaying: at position %" PRIu64 " (%" PRIu64 " events in %.1f s): %zu "
            "cases, %zu deadlines",
            position, position - self->replay_start, secs, sla_rules_cases(self->rules),
            sla_rules_deadlines(self->rules));
}

static void s_on_committed(void *arg, const sw_committed_t *cm, const sw_envelope_t *env,
                           bool replaying)
{
    sla_server_t *self = (sla_server_t *)arg;
    if (self->restart)
        return; /* starting over */
    if (self->verify) {
        s_verify(self, cm, env);
        return; /* applied already: it is in the snapshot */
    }
    self->position = cm->position;
    if (env->event_id.len == SW_EVENTID_SIZE)
        memcpy(self->last_id, env->event_id.data, SW_EVENTID_SIZE);
    else
        memset(self->last_id, 0, SW_EVENTID_SIZE);
    if (replaying)
        s_progress(self, cm->position);
    if (env->producer && streq(env->producer, "sla"))
        sw_producer_forget(self->producer, env->event_id.data);
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED)
        s_on_directory(self, env, replaying);
    else
        sla_rules_apply(self->rules, env, replaying);
    if (!replaying)
        s_arm(self);
}

static void s_on_live(void *arg)
{
    sla_server_t *self = (sla_server_t *)arg;
    if (self->restart)
        return;
    if (self->verify) { /* the log ends before the snapshot's position */
        char what[96];
        snprintf(what, sizeof what, "the log ends at position %" PRIu64,
                 sw_follower_position(self->follower));
        s_not_this_log(self, what);
        return;
    }
    bool first = !self->live;
    sla_rules_live(self->rules);
    self->live = true;
    sw_info("live at position %" PRIu64 ": %zu cases, %zu deadlines (%zu running), %zu "
            "decisions waiting to commit",
            sw_follower_position(self->follower), sla_rules_cases(self->rules),
            sla_rules_deadlines(self->rules), sla_rules_running(self->rules),
            sw_producer_pending(self->producer));
    uint64_t at = sw_follower_position(self->follower);
    if (first)
        sw_info("replayed positions %" PRIu64 "..%" PRIu64 " (%" PRIu64
                " events) in %.1f s",
                self->replay_start, at,
                at >= self->replay_start ? at - self->replay_start + 1 : 0,
                (double)(zclock_usecs() - self->replay_started_us) / 1e6);
    s_expire(self);
}

/* ------------------------------------------------------------ life */

/* The deadlines, without a calendar until the log brings one. */
static sla_rules_t *s_rules_new(sla_server_t *self, zconfig_t *cfg)
{
    int64_t max_deadlines = 0, max_cases = 0;
    if (sw_config_int(cfg, "sla/max_deadlines", 16000000, 1000, 1000000000,
                      &max_deadlines) ||
        sw_config_int(cfg, "sla/max_cases", 16000000, 1000, 1000000000, &max_cases))
        return NULL;
    return sla_rules_new(zconfig_locate(cfg, "sla/offices"), (uint32_t)max_deadlines,
                         (uint32_t)max_cases, s_propose, self);
}

/* ------------------------------------------------------------ snapshots */

/* Load the snapshot into the fresh rules: the position to replay from (its
   own, checked by s_verify), or 1 after logging why not. */
static uint64_t s_load_snapshot(sla_server_t *self)
{
    if (!self->snap_path) {
        sw_info("snapshot: no state directory (daemon/state_dir): replaying the whole "
                "log");
        return 1;
    }
    int64_t started = zclock_usecs();
    const char *why = NULL;
    sw_snapshot_t *snap =
        sw_snapshot_open(self->snap_path, "sla", SLA_SNAPSHOT_FORMAT, &why);
    if (snap && sw_snapshot_position(snap) == 0)
        why = "position 0";
    else if (snap && !sla_rules_restore(self->rules, snap, &why)) {
        sla_rules_destroy(&self->rules);
        self->rules = s_rules_new(self, self->cfg);
    } else if (snap) {
        self->position = self->snap_position = sw_snapshot_position(snap);
        memcpy(self->last_id, sw_snapshot_event_id(snap), SW_EVENTID_SIZE);
        self->verify = true;
        sw_info("snapshot: loaded position %" PRIu64 " (%zu open cases, %zu deadlines, "
                "%zu running) from %s in %.0f ms, replaying the tail",
                self->position, sla_rules_cases(self->rules),
                sla_rules_deadlines(self->rules), sla_rules_running(self->rules),
                self->snap_path, (double)(zclock_usecs() - started) / 1e3);
        sw_snapshot_destroy(&snap);
        return self->position;
    }
    sw_snapshot_destroy(&snap);
    sw_info("snapshot: %s not used (%s): replaying the whole log", self->snap_path, why);
    return 1;
}

int sla_server_snapshot(sla_server_t *self, const char *when)
{
    if (!self->snap_path || self->verify || self->restart || self->position == 0 ||
        !self->rules)
        return 0;
    int64_t started = zclock_usecs();
    sw_snapshot_t *snap =
        sw_snapshot_new("sla", SLA_SNAPSHOT_FORMAT, self->position, self->last_id);
    sla_rules_save(self->rules, snap);
    size_t bytes = sw_snapshot_size(snap);
    const char *why = NULL;
    int rc = sw_snapshot_write(snap, self->snap_path, &why);
    sw_snapshot_destroy(&snap);
    if (rc != 0) {
        sw_error("snapshot: %s not written (%s: %s); the previous one stays",
                 self->snap_path, why ? why : "?", strerror(errno));
        return -1;
    }
    self->snap_position = self->position;
    sw_info("snapshot: position %" PRIu64 " (%zu open cases, %zu deadlines) written to "
            "%s (%s) in %.0f ms, %zu bytes",
            self->position, sla_rules_cases(self->rules),
            sla_rules_deadlines(self->rules), self->snap_path, when,
            (double)(zclock_usecs() - started) / 1e3, bytes);
    return 0;
}

static void s_on_snap_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    sla_server_t *self = (sla_server_t *)w->data;
    if (self->position != self->snap_position)
        sla_server_snapshot(self, "periodic");
}

static sw_follower_t *s_follow(sla_server_t *self, uint64_t from)
{
    self->replay_start = from;
    self->replay_started_us = zclock_usecs();
    return sw_follower_new(self->loop, "sla", self->hub, from, s_on_committed, s_on_live,
                           self);
}

/* The snapshot's log is not this one: forget it all and replay from 1. */
static void s_on_restart(struct ev_loop *loop, ev_idle *w, int revents)
{
    sla_server_t *self = (sla_server_t *)w->data;
    ev_idle_stop(loop, w);
    sw_follower_destroy(&self->follower);
    sla_rules_destroy(&self->rules);
    self->rules = s_rules_new(self, self->cfg);
    self->position = self->snap_position = 0;
    memset(self->last_id, 0, SW_EVENTID_SIZE);
    self->restart = false;
    self->follower = self->rules ? s_follow(self, 1) : NULL;
    if (!self->follower) {
        sw_error("cannot follow the log again; stopping");
        ev_break(loop, EVBREAK_ALL);
    }
}

sla_server_t *sla_server_new(struct ev_loop *loop, zconfig_t *cfg, sw_clock_t *clock)
{
    int64_t poll_ms = 5;
    sla_server_t *self = (sla_server_t *)zmalloc(sizeof(sla_server_t));
    self->loop = loop;
    self->clock = clock;
    self->cfg = cfg;
    ev_timer_init(&self->snap_timer, s_on_snap_timer, 0., 0.);
    self->snap_timer.data = self;
    ev_idle_init(&self->restart_w, s_on_restart);
    self->restart_w.data = self;
    if (sw_config_int(cfg, "sla/batch", 1000, 1, 1000000, &self->batch) ||
        sw_config_int(cfg, "sla/max_pending", 50000, 100, 10000000, &self->max_pending) ||
        sw_config_int(cfg, "sla/poll_ms", 5, 1, 1000, &poll_ms) ||
        !(self->rules = s_rules_new(self, cfg))) {
        sla_server_destroy(&self);
        return NULL;
    }
    ev_periodic_init(&self->alarm, s_on_alarm, 0, 0, 0);
    self->alarm.data = self;
    ev_idle_init(&self->more, s_on_more);
    self->more.data = self;
    ev_timer_init(&self->backoff, s_on_backoff, S_BACKOFF_S, 0.);
    self->backoff.data = self;
    ev_timer_init(&self->poll, s_on_poll, (double)poll_ms / 1e3, (double)poll_ms / 1e3);
    self->poll.data = self;
    if (sw_clock_is_test(clock))
        ev_timer_start(loop, &self->poll);
    self->hub = sw_hub_new(cfg, "sla");
    if (!self->hub) {
        sla_server_destroy(&self);
        return NULL;
    }
    self->producer = sw_producer_new(loop, "sla", self->hub, clock);
    self->snap_path = sw_snapshot_path(cfg, "sla");
    int64_t interval = sw_snapshot_interval_s(cfg);
    if (self->snap_path && interval > 0) {
        ev_timer_set(&self->snap_timer, (double)interval, (double)interval);
        ev_timer_start(loop, &self->snap_timer);
    }
    self->follower = s_follow(self, s_load_snapshot(self));
    if (!self->producer || !self->follower)
        sla_server_destroy(&self);
    return self;
}

void sla_server_destroy(sla_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_server_t *self = *self_p;
    ev_periodic_stop(self->loop, &self->alarm);
    ev_timer_stop(self->loop, &self->poll);
    ev_timer_stop(self->loop, &self->backoff);
    ev_idle_stop(self->loop, &self->more);
    ev_timer_stop(self->loop, &self->snap_timer);
    ev_idle_stop(self->loop, &self->restart_w);
    sw_follower_destroy(&self->follower);
    sw_producer_destroy(&self->producer);
    sw_hub_destroy(&self->hub);
    sla_rules_destroy(&self->rules);
    free(self->snap_path);
    free(self);
    *self_p = NULL;
}

const char *const sla_hot_settings[] = {"sla/batch", "sla/max_pending", NULL};

int sla_server_apply(sla_server_t *self, zconfig_t *fresh)
{
    int64_t batch, max_pending;
    if (sw_config_int(fresh, "sla/batch", 1000, 1, 1000000, &batch) ||
        sw_config_int(fresh, "sla/max_pending", 50000, 100, 10000000, &max_pending))
        return -1;
    self->batch = batch;
    self->max_pending = max_pending;
    return 0;
}

void sla_server_reload(sla_server_t *self)
{
    (void)self;
    sw_info("SIGHUP: the calendar and the organisation in force come from the log; load "
            "new ones with 'shouwen directory load'");
}

void sla_server_status(sla_server_t *self, sw_health_t *health)
{
    size_t running = sla_rules_running(self->rules);
    sw_health_position(health, sw_follower_position(self->follower));
    health->live = sw_follower_is_live(self->follower);
    health->pending = sw_producer_pending(self->producer);
    sw_health_number(health, "running_deadlines", (int64_t)running);
    if (self->snap_path)
        sw_health_number(health, "snapshot_position", (int64_t)self->snap_position);
    snprintf(health->line, sizeof health->line,
             "log at %" PRIu64 ", %s, %zu deadlines running, %" PRIu64
             " waiting to commit",
             health->position, health->live ? "live" : "catching up", running,
             health->pending);
}

void sla_server_log_stats(sla_server_t *self)
{
    const sla_rules_stats_t *s = sla_rules_stats(self->rules);
    sw_info("stats: position=%" PRIu64 " cases=%zu deadlines=%zu running=%zu bytes=%zu "
            "applied=%" PRIu64 " ignored=%" PRIu64 " sets=%" PRIu64 " clears=%" PRIu64
            " warnings=%" PRIu64 " breaches=%" PRIu64 " violations=%" PRIu64
            " errors=%" PRIu64 " proposed=%" PRIu64 " pending=%zu republished=%" PRIu64
            " replays=%" PRIu64,
            sw_follower_position(self->follower), sla_rules_cases(self->rules),
            sla_rules_deadlines(self->rules), sla_rules_running(self->rules),
            sla_rules_bytes(self->rules), s->applied, s->ignored, s->sets, s->clears,
            s->warnings, s->breaches, s->violations, s->errors, self->proposed,
            sw_producer_pending(self->producer), sw_producer_republished(self->producer),
            sw_follower_replays(self->follower));
}
