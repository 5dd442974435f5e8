/*  router_server: case decisions over the committed log.  */
#include "router_server.h"

#include "router_case.h"
#include "router_directory.h"
#include "sw_config.h"
#include "sw_follower.h"
#include "sw_log.h"
#include "sw_producer.h"

struct _router_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock;       /* borrowed */
    router_directory_t *dir; /* the organisation */
    char *dir_path;          /* where it was loaded from */
    sw_producer_t *producer; /* decisions to audit */
    sw_follower_t *follower; /* the committed stream */
    zhashx_t *cases;         /* case id -> router_case_t */
    uint64_t decided;        /* decisions proposed (statistics) */
};

static void s_case_destroy(void **item_p)
{
    router_case_destroy((router_case_t **)item_p);
}

/* Route a received, unrouted case, unless a decision on this very case
   version is already waiting to commit. */
static void s_decide(router_server_t *self, router_case_t *c)
{
    if (!c->received || c->routed || c->proposed_on == c->version)
        return;
    char where[512];
    Shouwen__V1__Routed routed;
    router_case_route(c, self->dir, &routed, where, sizeof where);

    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_derive(id, c->inquiry_id, "case.routed");
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_ROUTED);
    env.case_id = c->case_id;
    env.case_version = c->version;
    env.causation_id.data = c->inquiry_id;
    env.causation_id.len = SW_EVENTID_SIZE;
    env.actor = (char *)"router";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_ROUTED;
    env.routed = &routed;
    if (sw_producer_propose(self->producer, &env) == 0) {
        c->proposed_on = c->version;
        self->decided++;
    }
}

static void s_on_committed(void *arg, const sw_committed_t *cm, const sw_envelope_t *env,
                           bool replaying)
{
    router_server_t *self = (router_server_t *)arg;
    if (!env->case_id || !*env->case_id)
        return;
    router_case_t *c = (router_case_t *)zhashx_lookup(self->cases, env->case_id);
    if (!c) {
        c = router_case_new(env->case_id);
        zhashx_insert(self->cases, c->case_id, c);
    }
    c->version = cm->case_version;
    if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
        router_case_received(c, env);
    else if (env->body_case == SHOUWEN__V1__ENVELOPE__BODY_ROUTED) {
        c->routed = true;
        c->proposed_on = 0;
        sw_producer_forget(self->producer, env->event_id.data);
    }
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

static router_directory_t *s_load(const char *path)
{
    char *error = NULL;
    router_directory_t *dir = router_directory_new_from_file(path, &error);
    if (!dir) {
        sw_error("directory %s rejected: %s", path, error);
        free(error);
    } else
        sw_info("directory %s loaded (version %s)", path, router_directory_version(dir));
    return dir;
}

router_server_t *router_server_new(struct ev_loop *loop, zconfig_t *cfg,
                                   sw_clock_t *clock)
{
    const char *path = sw_config_str(cfg, "router/directory", NULL);
    if (!path) {
        sw_error("config: router/directory (the organisation file) is required");
        return NULL;
    }
    router_directory_t *dir = s_load(path);
    if (!dir)
        return NULL;
    router_server_t *self = (router_server_t *)zmalloc(sizeof(router_server_t));
    self->loop = loop;
    self->clock = clock;
    self->dir = dir;
    self->dir_path = strdup(path);
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_destroy);
    self->producer = sw_producer_new(
        loop, "router", sw_config_str(cfg, "hub/proposals", "tcp://127.0.0.1:7702"),
        clock);
    self->follower = sw_follower_new(
        loop, "router", sw_config_str(cfg, "hub/committed", "tcp://127.0.0.1:7703"),
        sw_config_str(cfg, "hub/replay", "tcp://127.0.0.1:7704"), 1, s_on_committed,
        s_on_live, self);
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
    zhashx_destroy(&self->cases);
    router_directory_destroy(&self->dir);
    free(self->dir_path);
    free(self);
    *self_p = NULL;
}

void router_server_reload(router_server_t *self, zconfig_t *cfg)
{
    router_directory_t *dir = s_load(self->dir_path);
    if (dir) {
        router_directory_destroy(&self->dir);
        self->dir = dir;
    }
}

void router_server_log_stats(router_server_t *self)
{
    sw_info("stats: position=%" PRIu64 " cases=%zu decided=%" PRIu64 " pending=%zu "
            "republished=%" PRIu64 " replays=%" PRIu64,
            sw_follower_position(self->follower), zhashx_size(self->cases), self->decided,
            sw_producer_pending(self->producer), sw_producer_republished(self->producer),
            sw_follower_replays(self->follower));
}
