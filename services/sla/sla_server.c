/*  sla_server: deadlines over the committed log.  */
#include "sla_server.h"

#include "sla_calendar.h"
#include "sw_config.h"
#include "sw_eventid.h"
#include "sw_follower.h"
#include "sw_log.h"
#include "sw_producer.h"

#define S_REPLY_POLICY "R11: reply within 1 working day of receipt"

/* What sla knows of one case. */
typedef struct {
    char case_id[SW_CASEID_STRLEN + 1];
    int64_t received_at_us;            /* when the first owner took it */
    char *branch_id;                   /* office calendar to use */
    bool routed;
    uint8_t routed_id[SW_EVENTID_SIZE];
    char *holder;                      /* who must reply */
    char *department;
    bool reply_set;                    /* the reply deadline is committed */
    bool reply_proposed;               /* ...or waiting to commit */
} s_case_t;

struct _sla_server_t {
    struct ev_loop *loop;
    sw_clock_t *clock;            /* borrowed */
    sla_calendar_t *calendar;     /* working days per office */
    zconfig_t *offices;           /* sla/offices: branch id -> office, borrowed */
    sw_producer_t *producer;
    sw_follower_t *follower;
    zhashx_t *cases;              /* case id -> s_case_t */
    uint64_t proposed;
};

static void s_case_destroy(void **item_p)
{
    s_case_t *c = (s_case_t *) *item_p;
    if (c) {
        free(c->branch_id);
        free(c->holder);
        free(c->department);
        free(c);
        *item_p = NULL;
    }
}

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = strdup(value ? value : "");
}

static const char *s_office(sla_server_t *self, const char *branch_id)
{
    zconfig_t *o = self->offices && branch_id && *branch_id && !strchr(branch_id, '/')
                       ? zconfig_locate(self->offices, branch_id)
                       : NULL;
    return o && zconfig_value(o) ? zconfig_value(o) : "default";
}

static void s_propose_reply(sla_server_t *self, s_case_t *c)
{
    const char *office = s_office(self, c->branch_id);
    int64_t due = sla_calendar_add_working_days(self->calendar, office, c->received_at_us, 1);
    if (due < 0) {
        sw_error("case %s: no working calendar for office '%s'", c->case_id, office);
        return;
    }
    int64_t allowed = sla_calendar_working_between(self->calendar, office, c->received_at_us, due);
    int64_t warn = sla_calendar_add_working(self->calendar, office, c->received_at_us,
                                            allowed * 3 / 4);
    Shouwen__V1__DeadlineSet body = SHOUWEN__V1__DEADLINE_SET__INIT;
    body.kind = SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY;
    body.due_at_us = due;
    body.warn_at_us = warn;
    body.holder_staff_id = c->holder;
    body.department_id = c->department;
    body.policy = (char *) S_REPLY_POLICY;
    body.trigger_event_id.data = c->routed_id;
    body.trigger_event_id.len = SW_EVENTID_SIZE;

    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_derive(id, c->routed_id, "sla.deadline_set.reply");
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *) sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET);
    env.case_id = c->case_id;
    env.causation_id.data = c->routed_id;
    env.causation_id.len = SW_EVENTID_SIZE;
    env.actor = (char *) "sla";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
    env.deadline_set = &body;
    if (sw_producer_propose(self->producer, &env) == 0) {
        c->reply_proposed = true;
        self->proposed++;
    }
}

static void s_decide(sla_server_t *self, s_case_t *c)
{
    if (c->routed && !c->reply_set && !c->reply_proposed)
        s_propose_reply(self, c);
}

static void s_on_committed(void *arg, const sw_committed_t *cm, const sw_envelope_t *env,
                           bool replaying)
{
    sla_server_t *self = (sla_server_t *) arg;
    if (!env->case_id || !*env->case_id)
        return;
    s_case_t *c = (s_case_t *) zhashx_lookup(self->cases, env->case_id);
    if (!c) {
        c = (s_case_t *) zmalloc(sizeof(s_case_t));
        snprintf(c->case_id, sizeof c->case_id, "%s", env->case_id);
        zhashx_insert(self->cases, c->case_id, c);
    }
    switch (env->body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        c->received_at_us = env->inquiry_received->received_at_us
                                ? env->inquiry_received->received_at_us
                                : env->occurred_at_us;
        s_set(&c->branch_id, env->inquiry_received->branch_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        c->routed = true;
        memcpy(c->routed_id, env->event_id.data, SW_EVENTID_SIZE);
        s_set(&c->holder, *env->routed->handler_id ? env->routed->handler_id
                                                    : env->routed->factual_owner_id);
        s_set(&c->department, env->routed->department_id);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        if (env->deadline_set->kind == SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY) {
            c->reply_set = true;
            sw_producer_forget(self->producer, env->event_id.data);
        }
        break;
    default:
        break;
    }
    if (!replaying)
        s_decide(self, c);
}

static void s_on_live(void *arg)
{
    sla_server_t *self = (sla_server_t *) arg;
    for (s_case_t *c = (s_case_t *) zhashx_first(self->cases); c;
         c = (s_case_t *) zhashx_next(self->cases))
        s_decide(self, c);
    sw_info("live at position %" PRIu64 ": %zu cases, %zu deadlines waiting to commit",
            sw_follower_position(self->follower), zhashx_size(self->cases),
            sw_producer_pending(self->producer));
}

sla_server_t *sla_server_new(struct ev_loop *loop, zconfig_t *cfg, sw_clock_t *clock)
{
    const char *path = sw_config_str(cfg, "sla/calendar", NULL);
    if (!path) {
        sw_error("config: sla/calendar (the working-day calendar file) is required");
        return NULL;
    }
    char *error = NULL;
    sla_calendar_t *calendar = sla_calendar_new_from_file(path, &error);
    if (!calendar) {
        sw_error("calendar rejected: %s", error);
        free(error);
        return NULL;
    }
    sla_server_t *self = (sla_server_t *) zmalloc(sizeof(sla_server_t));
    self->loop = loop;
    self->clock = clock;
    self->calendar = calendar;
    self->offices = zconfig_locate(cfg, "sla/offices");
    self->cases = zhashx_new();
    zhashx_set_destructor(self->cases, s_case_destroy);
    self->producer = sw_producer_new(loop, "sla",
                                     sw_config_str(cfg, "hub/proposals", "tcp://127.0.0.1:7702"),
                                     clock);
    self->follower = sw_follower_new(
        loop, "sla", sw_config_str(cfg, "hub/committed", "tcp://127.0.0.1:7703"),
        sw_config_str(cfg, "hub/replay", "tcp://127.0.0.1:7704"), 1, s_on_committed, s_on_live,
        self);
    if (!self->producer || !self->follower)
        sla_server_destroy(&self);
    return self;
}

void sla_server_destroy(sla_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_server_t *self = *self_p;
    sw_follower_destroy(&self->follower);
    sw_producer_destroy(&self->producer);
    zhashx_destroy(&self->cases);
    sla_calendar_destroy(&self->calendar);
    free(self);
    *self_p = NULL;
}

void sla_server_log_stats(sla_server_t *self)
{
    sw_info("stats: position=%" PRIu64 " cases=%zu proposed=%" PRIu64 " pending=%zu "
            "republished=%" PRIu64 " replays=%" PRIu64,
            sw_follower_position(self->follower), zhashx_size(self->cases), self->proposed,
            sw_producer_pending(self->producer), sw_producer_republished(self->producer),
            sw_follower_replays(self->follower));
}
