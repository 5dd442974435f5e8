/*  fill_log: a long log through audit's real commit path (issue 10,
    bench/restart.sh with RESTART_FILL=generate).

    Reads two template cases from audit's replay endpoint, one closed and
    one open, each made by the real hub (a branch's submit and the staff's
    commands through intake, router's and sla's decisions), and proposes
    copies of them to audit as their producers would: CASES copies in all,
    the last OPEN of them of the open template.  Copy i of a template event
    gets its own event id (BLAKE2b of the template id and i), the case id
    intake would give its inquiry, request ids "fill/i" and "fill/i/k", and
    every time shifted so that the closed copies spread over the year
    before NOW and the open ones over the OPEN * 60 ms before it (their
    deadlines are those of the open template, after NOW).  A copy's event
    ids are named as the daemons name them (lib/sw_eventid.h): intake's
    from the branch and the request ids "fill/i" and "fill/i/k", router's
    and sla's derived from the copy's event they answer with the kind the
    template's id shows, so a daemon replaying the copies finds every
    decision it would make already made; the case id is the one intake
    gives the copy's inquiry.  Ids that name other events of the template
    (causation, trigger, deadline, cause, command) name the copy's.

    Each copy goes one event at a time: its next event is proposed once the
    one before is on the committed stream, as a daemon proposes only on
    what is committed; up to WINDOW copies at once.  Nothing is written to
    PostgreSQL but by audit: positions, versions, the chain, duplicate
    detection and the projections are those of the commit path itself.
    Anything not committed within 10 s is proposed again (audit drops what
    it already holds); no progress for 60 s ends it with exit 1.

    usage: fill_log --keys DIR --audit-cert FILE --proposals EP --committed EP
                    --replay EP --closed CASE --open CASE --cases N --open-cases M
                    --now-us T [--window W]
    DIR holds intake.cert, router.cert and sla.cert (the daemons' own keys).
    Prints progress every 10 s and one line at the end:
      FILL cases=.. events=.. seconds=.. events_per_s=.. resent=.. */
#include <czmq.h>
#include <getopt.h>
#include <sodium.h>

#include "sw_envelope.h"
#include "sw_eventid.h"

#define MAX_TEMPLATE 64

/* How the daemons name their events (lib/sw_eventid.h): intake's from the
   branch and request id, router's and sla's derived from the event they
   answer with one of these kinds. */
static const char *s_kinds[] = {"case.routed",
                                "decision",
                                "case.escalated",
                                "case.coordination.lock",
                                "cleared",
                                "breach",
                                "warning",
                                "violation",
                                "sla.deadline_set.unspecified",
                                "sla.deadline_set.transfer",
                                "sla.deadline_set.reply",
                                "sla.deadline_set.phone_same_day",
                                "sla.deadline_set.callback",
                                "sla.deadline_set.completion",
                                "sla.deadline_set.stage_feedback"};

typedef struct {
    sw_envelope_t *env[MAX_TEMPLATE];
    int parent[MAX_TEMPLATE];       /* derived from this event (-1: intake's) */
    const char *kind[MAX_TEMPLATE]; /* with this kind */
    int n;
} template_t;

typedef struct {
    uint64_t i;   /* copy number */
    int step;     /* the event proposed and not yet seen committed */
    bool open;    /* a copy of the open template */
    int64_t sent; /* when it was proposed (ms) */
    uint8_t ids[MAX_TEMPLATE][SW_EVENTID_SIZE]; /* the copy's event ids */
    char case_id[SW_CASEID_STRLEN + 1];
} copy_t;

static zsock_t *s_pub[3]; /* intake, router, sla */
static const char *s_names[3] = {"intake", "router", "sla"};
static int64_t s_now_us;
static uint64_t s_cases, s_open, s_seq = (uint64_t)1 << 32;

/* The request id of copy i's event k from intake. */
static void s_request(char *out, size_t size, uint64_t i, int k)
{
    if (k == 0)
        snprintf(out, size, "fill/%" PRIu64, i);
    else
        snprintf(out, size, "fill/%" PRIu64 "/%d", i, k);
}

/* An id intake gives: branch "/" request id. */
static void s_intake_id(uint8_t out[SW_EVENTID_SIZE], const char *branch,
                        const char *request)
{
    char name[160];
    int len = snprintf(name, sizeof name, "%s/%s", branch, request);
    sw_eventid_make(out, "intake", name, (size_t)len);
}

static const char *s_branch(const sw_envelope_t *e)
{
    if (e->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
        return e->inquiry_received->branch_id;
    if (e->body_case == SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED)
        return e->command_received->branch_id;
    return NULL;
}

/* Finds how the daemon named each template event; -1 if one is not named
   the way the daemons name theirs. */
static int s_learn(template_t *t)
{
    for (int k = 0; k < t->n; k++) {
        const sw_envelope_t *e = t->env[k];
        const char *branch = s_branch(e);
        t->parent[k] = -1;
        t->kind[k] = NULL;
        if (branch) {
            uint8_t id[SW_EVENTID_SIZE];
            const char *request =
                e->body_case == SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED
                    ? e->inquiry_received->request_id
                    : e->command_received->request_id;
            s_intake_id(id, branch, request);
            if (memcmp(id, e->event_id.data, SW_EVENTID_SIZE) == 0)
                continue;
            fprintf(stderr, "fill_log: %s at %d is not named by its request id\n",
                    e->type, k);
            return -1;
        }
        for (int p = 0; p < k && !t->kind[k]; p++)
            for (size_t q = 0; q < sizeof s_kinds / sizeof *s_kinds; q++) {
                uint8_t id[SW_EVENTID_SIZE];
                sw_eventid_derive(id, t->env[p]->event_id.data, s_kinds[q]);
                if (memcmp(id, e->event_id.data, SW_EVENTID_SIZE) == 0) {
                    t->parent[k] = p;
                    t->kind[k] = s_kinds[q];
                    break;
                }
            }
        if (!t->kind[k]) {
            fprintf(stderr, "fill_log: %s at %d is not derived from an earlier event\n",
                    e->type, k);
            return -1;
        }
    }
    return 0;
}

/* Maps bytes field f in place when it names an event of template t. */
typedef struct {
    ProtobufCBinaryData *field, saved;
} idswap_t;

static void s_swap_id(idswap_t *s, ProtobufCBinaryData *f, const template_t *t, copy_t *c)
{
    s->field = NULL;
    if (f->len != SW_EVENTID_SIZE)
        return;
    for (int k = 0; k < t->n; k++)
        if (memcmp(t->env[k]->event_id.data, f->data, SW_EVENTID_SIZE) == 0) {
            s->field = f;
            s->saved = *f;
            f->data = c->ids[k];
            return;
        }
}

static void s_unswap(idswap_t *s)
{
    if (s->field)
        *s->field = s->saved;
}

static int64_t s_delta(const copy_t *c)
{
    if (c->open) /* the last OPEN copies: spread over OPEN * 60 ms before NOW */
        return -(int64_t)(s_cases - c->i) * 60000;
    /* the closed ones: over the year before that */
    uint64_t closed = s_cases - s_open;
    return -(int64_t)s_open * 60000 -
           (int64_t)((double)(closed - c->i) / (double)closed * 365.0 * 86400e6);
}

static void s_shift(int64_t *t, int64_t d)
{
    if (*t > 0)
        *t += d;
}

static void s_shift_handoff(Shouwen__V1__Handoff *h, int64_t d)
{
    if (h) {
        s_shift(&h->sender_signed_at_us, d);
        s_shift(&h->receiver_signed_at_us, d);
    }
}

/* Proposes event c->step of copy c (template t). */
static void s_propose(copy_t *c, const template_t *t)
{
    sw_envelope_t *e = t->env[c->step];
    sw_envelope_t env = *e; /* a shallow copy: only its own fields change */
    int64_t d = s_delta(c);
    env.event_id.data = c->ids[c->step];
    env.case_id = c->case_id;
    env.producer_seq = ++s_seq;
    s_shift(&env.occurred_at_us, d);
    idswap_t sw[3] = {{0}};
    s_swap_id(&sw[0], &env.causation_id, t, c);
    char request[48];
    void *saved = NULL;
    char *saved_case = NULL;
    int64_t saved_t[4] = {0};
    switch (env.body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        saved = e->inquiry_received->request_id;
        saved_t[0] = e->inquiry_received->received_at_us;
        s_request(request, sizeof request, c->i, c->step);
        e->inquiry_received->request_id = request;
        s_shift(&e->inquiry_received->received_at_us, d);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED:
        saved = e->command_received->request_id;
        saved_case =
            e->command_received->command ? e->command_received->command->case_id : NULL;
        s_request(request, sizeof request, c->i, c->step);
        e->command_received->request_id = request;
        if (e->command_received->command)
            e->command_received->command->case_id = c->case_id;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        saved_t[0] = e->deadline_set->due_at_us;
        saved_t[1] = e->deadline_set->warn_at_us;
        s_shift(&e->deadline_set->due_at_us, d);
        s_shift(&e->deadline_set->warn_at_us, d);
        s_swap_id(&sw[1], &e->deadline_set->trigger_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED:
        s_swap_id(&sw[1], &e->deadline_cleared->deadline_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        saved_t[0] = e->deadline_warning->due_at_us;
        s_shift(&e->deadline_warning->due_at_us, d);
        s_swap_id(&sw[1], &e->deadline_warning->deadline_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        saved_t[0] = e->deadline_breached->due_at_us;
        s_shift(&e->deadline_breached->due_at_us, d);
        s_swap_id(&sw[1], &e->deadline_breached->deadline_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED:
        s_swap_id(&sw[1], &e->violation_recorded->cause_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        s_swap_id(&sw[1], &e->escalated->cause_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED:
        s_swap_id(&sw[1], &e->command_rejected->command_event_id, t, c);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        saved_t[0] =
            e->transferred->handoff ? e->transferred->handoff->sender_signed_at_us : 0;
        saved_t[1] =
            e->transferred->handoff ? e->transferred->handoff->receiver_signed_at_us : 0;
        s_shift_handoff(e->transferred->handoff, d);
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        saved_t[0] = e->accepted->handoff ? e->accepted->handoff->sender_signed_at_us : 0;
        saved_t[1] =
            e->accepted->handoff ? e->accepted->handoff->receiver_signed_at_us : 0;
        s_shift_handoff(e->accepted->handoff, d);
        break;
    default:
        break;
    }
    zframe_t *f = sw_pack_frame(&env.base);
    /* the template back as it was */
    switch (env.body_case) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        e->inquiry_received->request_id = saved;
        e->inquiry_received->received_at_us = saved_t[0];
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED:
        e->command_received->request_id = saved;
        if (e->command_received->command)
            e->command_received->command->case_id = saved_case;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        e->deadline_set->due_at_us = saved_t[0];
        e->deadline_set->warn_at_us = saved_t[1];
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        e->deadline_warning->due_at_us = saved_t[0];
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        e->deadline_breached->due_at_us = saved_t[0];
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        if (e->transferred->handoff) {
            e->transferred->handoff->sender_signed_at_us = saved_t[0];
            e->transferred->handoff->receiver_signed_at_us = saved_t[1];
        }
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        if (e->accepted->handoff) {
            e->accepted->handoff->sender_signed_at_us = saved_t[0];
            e->accepted->handoff->receiver_signed_at_us = saved_t[1];
        }
        break;
    default:
        break;
    }
    for (int k = 0; k < 3; k++)
        s_unswap(&sw[k]);
    int p = streq(e->producer, "intake") ? 0 : streq(e->producer, "router") ? 1 : 2;
    char topic[64];
    sw_topic_for(e->type, topic, sizeof topic);
    zstr_sendm(s_pub[p], topic);
    zframe_send(&f, s_pub[p], 0);
    c->sent = zclock_mono();
}

/* A copy's event ids, named as the daemons name them, and its case id: the
   one intake gives its inquiry. */
static void s_start(copy_t *c, uint64_t i, const template_t *closed,
                    const template_t *open)
{
    c->i = i;
    c->step = 0;
    c->open = i >= s_cases - s_open;
    const template_t *t = c->open ? open : closed;
    for (int k = 0; k < t->n; k++) {
        if (t->parent[k] < 0) {
            char request[48];
            s_request(request, sizeof request, i, k);
            s_intake_id(c->ids[k], s_branch(t->env[k]), request);
        } else
            sw_eventid_derive(c->ids[k], c->ids[t->parent[k]], t->kind[k]);
    }
    sw_caseid_from_event(c->ids[0], c->case_id);
}

static int s_template(zsock_t *replay, const char *case_id, template_t *t)
{
    Shouwen__V1__ReplayRequest req = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    req.from_position = 1;
    req.max_events = MAX_TEMPLATE;
    req.case_id = (char *)case_id;
    req.tag = 7;
    zframe_t *f = sw_pack_frame(&req.base);
    zframe_send(&f, replay, 0);
    zsock_set_rcvtimeo(replay, 10000);
    zframe_t *r = zframe_recv(replay);
    if (!r)
        return -1;
    Shouwen__V1__ReplayReply *rep =
        shouwen__v1__replay_reply__unpack(NULL, zframe_size(r), zframe_data(r));
    zframe_destroy(&r);
    if (!rep || rep->n_events == 0 || rep->n_events > MAX_TEMPLATE)
        return -1;
    t->n = 0;
    for (size_t k = 0; k < rep->n_events; k++) {
        const char *why = NULL;
        sw_envelope_t *e = sw_envelope_decode(rep->events[k]->envelope.data,
                                              rep->events[k]->envelope.len, &why);
        if (!e)
            return -1;
        t->env[t->n++] = e;
    }
    shouwen__v1__replay_reply__free_unpacked(rep, NULL);
    if (t->env[0]->body_case != SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED)
        return -1;
    return s_learn(t);
}

static zcert_t *s_cert(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    return zcert_load(path);
}

int main(int argc, char **argv)
{
    const char *keys = NULL, *audit_cert = NULL, *proposals = NULL, *committed = NULL,
               *replay_ep = NULL, *closed_case = NULL, *open_case = NULL;
    long window = 4000;
    static const struct option longopts[] = {
        {"keys", 1, 0, 'k'},      {"audit-cert", 1, 0, 'a'}, {"proposals", 1, 0, 'p'},
        {"committed", 1, 0, 'c'}, {"replay", 1, 0, 'r'},     {"closed", 1, 0, 'C'},
        {"open", 1, 0, 'O'},      {"cases", 1, 0, 'n'},      {"open-cases", 1, 0, 'm'},
        {"now-us", 1, 0, 't'},    {"window", 1, 0, 'w'},     {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'k':
            keys = optarg;
            break;
        case 'a':
            audit_cert = optarg;
            break;
        case 'p':
            proposals = optarg;
            break;
        case 'c':
            committed = optarg;
            break;
        case 'r':
            replay_ep = optarg;
            break;
        case 'C':
            closed_case = optarg;
            break;
        case 'O':
            open_case = optarg;
            break;
        case 'n':
            s_cases = strtoull(optarg, NULL, 10);
            break;
        case 'm':
            s_open = strtoull(optarg, NULL, 10);
            break;
        case 't':
            s_now_us = strtoll(optarg, NULL, 10);
            break;
        case 'w':
            window = atol(optarg);
            break;
        default:
            goto usage;
        }
    }
    if (!keys || !audit_cert || !proposals || !committed || !replay_ep || !closed_case ||
        !open_case || s_cases == 0 || s_open > s_cases || s_cases > 100000000 ||
        s_now_us <= 0 || window < 1 || window > 100000)
        goto usage;
    if (sodium_init() < 0)
        return 1;
    zsys_init();
    zsys_set_logstream(NULL);
    zsys_set_linger(30000);
    zcert_t *audit = zcert_load(audit_cert), *router = s_cert(keys, "router");
    if (!audit || !router) {
        fprintf(stderr, "fill_log: cannot load %s or %s/router.cert\n", audit_cert, keys);
        return 1;
    }
    /* the templates, from the replay endpoint */
    zsock_t *replay = zsock_new(ZMQ_DEALER);
    zcert_apply(router, replay);
    zsock_set_curve_serverkey(replay, zcert_public_txt(audit));
    zsock_connect(replay, "%s", replay_ep);
    template_t tc = {0}, to = {0};
    if (s_template(replay, closed_case, &tc) != 0 ||
        s_template(replay, open_case, &to) != 0) {
        fprintf(stderr, "fill_log: cannot read the template cases %s and %s\n",
                closed_case, open_case);
        return 1;
    }
    zsock_destroy(&replay);
    printf("fill_log: templates: closed %s (%d events), open %s (%d events)\n",
           closed_case, tc.n, open_case, to.n);
    for (int k = 0; k < tc.n; k++)
        printf("  closed %2d %s (%s)\n", k, tc.env[k]->type, tc.env[k]->producer);
    for (int k = 0; k < to.n; k++)
        printf("  open   %2d %s (%s)\n", k, to.env[k]->type, to.env[k]->producer);
    fflush(stdout);

    zsock_t *sub = zsock_new(ZMQ_SUB);
    zcert_apply(router, sub);
    zsock_set_curve_serverkey(sub, zcert_public_txt(audit));
    zsock_set_rcvhwm(sub, 0);
    zsock_set_subscribe(sub, "");
    zsock_connect(sub, "%s", committed);
    for (int p = 0; p < 3; p++) {
        zcert_t *mine = s_cert(keys, s_names[p]);
        if (!mine) {
            fprintf(stderr, "fill_log: no %s/%s.cert\n", keys, s_names[p]);
            return 1;
        }
        s_pub[p] = zsock_new(ZMQ_XPUB);
        zsock_set_sndhwm(s_pub[p], 0);
        zcert_apply(mine, s_pub[p]);
        zsock_set_curve_serverkey(s_pub[p], zcert_public_txt(audit));
        zcert_destroy(&mine);
        zsock_connect(s_pub[p], "%s", proposals);
        zsock_set_rcvtimeo(s_pub[p], 10000);
        zframe_t *subscribed = zframe_recv(s_pub[p]); /* audit's subscription */
        if (!subscribed) {
            fprintf(stderr, "fill_log: audit did not subscribe within 10 s\n");
            return 1;
        }
        zframe_destroy(&subscribed);
    }
    zcert_destroy(&audit);
    zcert_destroy(&router);
    zclock_sleep(200); /* the committed stream's subscription, too */

    copy_t *slots = calloc((size_t)window, sizeof *slots);
    zhashx_t *active = zhashx_new(); /* case id -> slot */
    uint64_t next = 0, done = 0, events = 0, resent = 0;
    long free_top = 0;
    long *free_slots = malloc((size_t)window * sizeof *free_slots);
    for (long k = window - 1; k >= 0; k--)
        free_slots[free_top++] = k;
    int64_t t0 = zclock_mono(), last_progress = t0, last_print = t0, last_scan = t0;
    while (done < s_cases) {
        while (next < s_cases && free_top > 0) {
            copy_t *c = &slots[free_slots[--free_top]];
            s_start(c, next++, &tc, &to);
            zhashx_insert(active, c->case_id, c);
            s_propose(c, c->open ? &to : &tc);
        }
        zmsg_t *m = NULL;
        zsock_set_rcvtimeo(sub, 1000);
        for (int burst = 0; burst < 10000 && (m = zmsg_recv(sub)); burst++) {
            char *topic = zmsg_popstr(m);
            zframe_t *body = zmsg_pop(m);
            if (topic && body && strcmp(topic, SW_TOPIC_HEARTBEAT) != 0) {
                sw_committed_t *cm = shouwen__v1__committed__unpack(
                    NULL, zframe_size(body), zframe_data(body));
                sw_envelope_t *e =
                    cm ? sw_envelope_decode(cm->envelope.data, cm->envelope.len, NULL)
                       : NULL;
                copy_t *c = e ? (copy_t *)zhashx_lookup(active, e->case_id) : NULL;
                if (c &&
                    memcmp(c->ids[c->step], e->event_id.data, SW_EVENTID_SIZE) == 0) {
                    const template_t *t = c->open ? &to : &tc;
                    events++;
                    last_progress = zclock_mono();
                    if (++c->step < t->n)
                        s_propose(c, t);
                    else {
                        zhashx_delete(active, c->case_id);
                        free_slots[free_top++] = c - slots;
                        done++;
                    }
                }
                sw_envelope_free(e);
                if (cm)
                    shouwen__v1__committed__free_unpacked(cm, NULL);
            }
            zstr_free(&topic);
            zframe_destroy(&body);
            zmsg_destroy(&m);
            zsock_set_rcvtimeo(sub, 0);
            if (free_top > window / 4)
                break;
        }
        int64_t now = zclock_mono();
        if (now - last_scan >= 5000) { /* not committed in 10 s: again */
            last_scan = now;
            for (copy_t *c = (copy_t *)zhashx_first(active); c;
                 c = (copy_t *)zhashx_next(active))
                if (now - c->sent >= 10000) {
                    s_propose(c, c->open ? &to : &tc);
                    resent++;
                }
        }
        if (now - last_print >= 10000) {
            last_print = now;
            printf("fill_log: %" PRIu64 " of %" PRIu64 " cases done, %" PRIu64
                   " events, %.0f events/s, %" PRIu64 " resent\n",
                   done, s_cases, events, events * 1000.0 / (double)(now - t0), resent);
            fflush(stdout);
        }
        if (now - last_progress > 60000) {
            fprintf(stderr, "fill_log: nothing committed for 60 s (%" PRIu64 " done)\n",
                    done);
            return 1;
        }
    }
    double secs = (double)(zclock_mono() - t0) / 1000.0;
    printf("FILL cases=%" PRIu64 " events=%" PRIu64 " seconds=%.1f events_per_s=%.0f"
           " resent=%" PRIu64 "\n",
           done, events, secs, events / secs, resent);
    zhashx_destroy(&active);
    for (int k = 0; k < tc.n; k++)
        sw_envelope_free(tc.env[k]);
    for (int k = 0; k < to.n; k++)
        sw_envelope_free(to.env[k]);
    free(slots);
    free(free_slots);
    for (int p = 0; p < 3; p++)
        zsock_destroy(&s_pub[p]);
    zsock_destroy(&sub);
    return 0;
usage:
    fprintf(stderr, "usage: fill_log --keys DIR --audit-cert FILE --proposals EP "
                    "--committed EP --replay EP --closed CASE --open CASE --cases N "
                    "--open-cases M --now-us T [--window W]\n");
    return 64;
}
