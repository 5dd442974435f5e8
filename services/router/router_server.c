/*  router_server: case decisions over the committed log.  */
#include "router_server.h"
#include "sw_alloc.h"

#include "router_case.h"
#include "sw_config.h"
#include "sw_directory.h"
#include "sw_follower.h"
#include "sw_log.h"
#include "sw_producer.h"

/* A decision waiting to commit: at most one per case. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE];
    uint64_t version; /* the case version it was made on */
} s_pending_t;

struct _router_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock;          /* borrowed */
    sw_directory_t *dir;        /* the organisation in force, from the log; NULL before */
    uint64_t without_dir;       /* case events before any organisation (not applied) */
    sw_hub_t *hub;              /* internal endpoints and our key */
    sw_producer_t *producer;    /* decisions to audit */
    sw_follower_t *follower;    /* the committed stream */
    zhashx_t *cases;            /* case id -> router_case_t */
    zhashx_t *pending;          /* case id -> s_pending_t */
    router_decision_t decision; /* scratch for the decision being made */
    uint64_t decided;
};

static void s_case_destroy(void **item_p)
{
    router_case_destroy((router_case_t **)item_p);
}

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
    if (!self->dir || !router_case_next(c, self->dir, d))
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

static void s_take_directory(router_server_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__DirectoryLoaded *dl = env->directory_loaded;
    if (!streq(dl->kind, "organisation"))
        return;
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_text((const char *)dl->content.data,
                                                     dl->content.len, &error);
    if (!dir) { /* intake checked it; a newer parser may disagree */
        sw_error("directory version %s from the log rejected: %s", dl->version, error);
        free(error);
        return;
    }
    sw_directory_destroy(&self->dir);
    self->dir = dir;
    sw_info("directory version %s in force (loaded by %s)", sw_directory_version(dir),
            dl->loaded_by);
}

static void s_on_committed(void *arg, const sw_committed_t *cm, const sw_envelope_t *env,
                           bool replaying)
{
    router_server_t *self = (router_server_t *)arg;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED) {
        s_take_directory(self, env);
        return;
    }
    if (!env->case_id || !*env->case_id)
        return;
    if (!self->dir) { /* intake records no case before the log has an organisation */
        if (self->without_dir++ == 0)
            sw_error("position %" PRIu64 ": a case event before any organisation in the "
                     "log; case events are not applied until one is loaded",
                     cm->position);
        return;
    }
    router_case_t *c = (router_case_t *)zhashx_lookup(self->cases, env->case_id);
    if (!c) {
        c = router_case_new(env->case_id);
        zhashx_insert(self->cases, router_case_id(c), c);
    }
    if (streq(env->producer, "router")) {
        s_pending_t *p = (s_pending_t *)zhashx_lookup(self->pending, env->case_id);
        if (p && memcmp(p->id, env->event_id.data, SW_EVENTID_SIZE) == 0)
            zhashx_delete(self->pending, env->case_id);
        sw_producer_forget(self->producer, env->event_id.data);
    }
    router_case_apply(c, cm, env, self->dir);
    if (!replaying)
        s_decide(self, c);
}

static void s_on_live(void *arg)
{
    router_server_t *self = (router_server_t *)arg;
    for (router_case_t *c = (router_case_t *)zhashx_first(self->cases); c;
         c = (router_case_t *)zhashx_next(self->cases))
        s_decide(self, c);
    sw_info("live at position %" PRIu64 ": %zu cases, %zu decisions waiting to commit",
            sw_follower_position(self->follower), zhashx_size(self->cases),
            sw_producer_pending(self->producer));
}

router_server_t *router_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    router_server_t *self = (router_server_t *)zmalloc(sizeof(router_server_t));
    self->loop = loop;
    self->clock = clock;
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_destroy);
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_pending_destroy);
    self->hub = sw_hub_new(cfg, "router");
    if (!self->hub) {
        router_server_destroy(&self);
        return NULL;
    }
    self->producer = sw_producer_new(loop, "router", self->hub, clock);
    self->follower =
        sw_follower_new(loop, "router", self->hub, 1, s_on_committed, s_on_live, self);
    if (!self->producer || !self->follower)
        router_server_destroy(&self);
    return self;
}

void router_server_destroy(router_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_server_t *self = *self_p;
    sw_follower_destroy(&self->follower);
    sw_producer_destroy(&self->producer);
    sw_hub_destroy(&self->hub);
    zhashx_destroy(&self->cases);
    zhashx_destroy(&self->pending);
    sw_directory_destroy(&self->dir);
    free(self);
    *self_p = NULL;
}

void router_server_reload(router_server_t *self, zconfig_t *cfg)
{
    (void)cfg;
    sw_info("SIGHUP: the organisation in force (version %s) comes from the log; load a "
            "new one with 'shouwen directory load'",
            self->dir ? sw_directory_version(self->dir) : "none yet");
}

void router_server_status(router_server_t *self, sw_health_t *health)
{
    sw_health_position(health, sw_follower_position(self->follower));
    health->live = sw_follower_is_live(self->follower);
    health->pending = sw_producer_pending(self->producer);
    sw_health_number(health, "open_cases", (int64_t)zhashx_size(self->cases));
    snprintf(health->line, sizeof health->line,
             "log at %" PRIu64 ", %s, %zu cases, %" PRIu64 " decisions waiting to commit",
             health->position, health->live ? "live" : "catching up",
             zhashx_size(self->cases), health->pending);
}

void router_server_log_stats(router_server_t *self)
{
    sw_info("stats: position=%" PRIu64 " cases=%zu decided=%" PRIu64 " pending=%zu "
            "republished=%" PRIu64 " replays=%" PRIu64 " directory=%s",
            sw_follower_position(self->follower), zhashx_size(self->cases), self->decided,
            sw_producer_pending(self->producer), sw_producer_republished(self->producer),
            sw_follower_replays(self->follower),
            self->dir ? sw_directory_version(self->dir) : "none");
}
