/*  test_sla_rules: the time limits as a state machine over a simulated log.
    The test plays audit: it feeds committed events to sla_rules, collects
    what the rules propose, and commits those proposals back in order.
    Instants are office wall-clock times in Asia/Shanghai (08:30-12:00,
    14:00-17:30, Mon-Fri) in March 2026. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_calendar.h"
#include "sw_policy.h"
#include "sla_rules.h"
#include "sw_directory.h"
#include "sw_eventid.h"
#include "sw_log.h"
#include "sw_test.h"

#define MINUTE (60 * 1000000LL)

static const char *s_calendar_text = "holidays\n"
                                     "    cn\n"
                                     "        holiday\n"
                                     "            2026-04-04..2026-04-06 = 清明节\n"
                                     "offices\n"
                                     "    default\n"
                                     "        zone = Asia/Shanghai\n"
                                     "        hours = 08:30-12:00, 14:00-17:30\n"
                                     "        holidays = cn\n"
                                     "policies\n"
                                     "    warn_at = 75%\n"
                                     "    callback\n"
                                     "        limit = 2 working days\n"
                                     "        kinds = complaint\n";

/* The sample hotel's organisation. */
#define S_DIRECTORY SHOUWEN_SOURCE_DIR "/deploy/directory/hotel.conf"

/* ------------------------------------------------------------------------
   The simulated log. */

#define S_MAX_PROPOSALS 256

typedef struct {
    sla_rules_t *rules;
    zframe_t *proposals[S_MAX_PROPOSALS]; /* packed envelopes, in order */
    size_t count;                         /* proposals collected */
    size_t committed;                     /* of them, fed back */
    zframe_t *history[S_MAX_PROPOSALS];   /* every committed event, in log order */
    size_t length;                        /* of the history */
    sw_calendar_t *calendar;              /* for building instants */
    int seq;                              /* test event counter */
} s_log_t;

static void s_collect(void *arg, sw_envelope_t *env)
{
    s_log_t *log = (s_log_t *)arg;
    env->producer = (char *)"sla";
    CHECK(log->count < S_MAX_PROPOSALS);
    if (log->count < S_MAX_PROPOSALS)
        log->proposals[log->count++] = sw_pack_frame(&env->base);
    env->producer = NULL;
}

static sw_envelope_t *s_proposal(s_log_t *log, size_t i)
{
    return sw_envelope_decode(zframe_data(log->proposals[i]),
                              zframe_size(log->proposals[i]), NULL);
}

/* An event committed: kept in the history and applied live. */
static void s_apply(s_log_t *log, sw_envelope_t *env)
{
    CHECK(log->length < S_MAX_PROPOSALS);
    if (log->length < S_MAX_PROPOSALS)
        log->history[log->length++] = sw_pack_frame(&env->base);
    sla_rules_apply(log->rules, env, false);
}

/* Feed the next n proposals back as committed. */
static void s_commit(s_log_t *log, size_t n)
{
    while (n-- > 0 && log->committed < log->count) {
        sw_envelope_t *env = s_proposal(log, log->committed++);
        CHECK(env != NULL);
        if (env)
            s_apply(log, env);
        sw_envelope_free(env);
    }
}

/* Feed every proposal not yet committed back as committed (and those
   that committing them causes). */
static void s_commit_all(s_log_t *log)
{
    while (log->committed < log->count) {
        sw_envelope_t *env = s_proposal(log, log->committed++);
        CHECK(env != NULL);
        if (env)
            s_apply(log, env);
        sw_envelope_free(env);
    }
}

static sla_rules_t *s_rules(s_log_t *log)
{
    char *error = NULL;
    sw_calendar_t *calendar;
    sw_policy_t *policy;
    int rc = sw_policy_load(s_calendar_text, strlen(s_calendar_text), &calendar, &policy,
                            &error);
    CHECK_EQ(rc, 0);
    if (error)
        fprintf(stderr, "calendar: %s\n", error);
    free(error);
    sla_rules_t *rules = sla_rules_new(NULL, 100000, 100000, s_collect, log);
    CHECK(rules != NULL);
    sla_rules_set_calendar(rules, &calendar, &policy);
    char *why = NULL;
    sw_directory_t *dir = sw_directory_new_from_file(S_DIRECTORY, &why);
    CHECK(dir != NULL);
    if (!dir)
        fprintf(stderr, "directory: %s\n", why);
    free(why);
    CHECK(dir && sla_people_load_directory(sla_rules_people(rules), dir) >= 10);
    sw_directory_destroy(&dir);
    return rules;
}

static void s_log_init(s_log_t *log)
{
    memset(log, 0, sizeof *log);
    char *error = NULL;
    log->calendar =
        sw_calendar_new_from_text(s_calendar_text, strlen(s_calendar_text), &error);
    CHECK(log->calendar != NULL);
    free(error);
    log->rules = s_rules(log);
    sla_rules_live(log->rules);
}

static void s_log_destroy(s_log_t *log)
{
    for (size_t i = 0; i < log->count; i++)
        zframe_destroy(&log->proposals[i]);
    for (size_t i = 0; i < log->length; i++)
        zframe_destroy(&log->history[i]);
    sla_rules_destroy(&log->rules);
    sw_calendar_destroy(&log->calendar);
}

/* March 2026, Shanghai wall clock. */
static int64_t s_at(s_log_t *log, int day, int hh, int mm)
{
    return sw_calendar_local_to_utc(log->calendar, "default", 2026, 3, day, hh, mm, 0);
}

/* A committed event from outside sla (intake, router), fed at once. */
typedef struct {
    sw_envelope_t env;
    uint8_t id[SW_EVENTID_SIZE];
    char case_id[SW_CASEID_STRLEN + 1];
} s_event_t;

static void s_event(s_log_t *log, s_event_t *e, const char *case_id,
                    Shouwen__V1__Envelope__BodyCase body, int64_t at)
{
    char name[32];
    snprintf(name, sizeof name, "event-%d", ++log->seq);
    sw_eventid_make(e->id, "test", name, strlen(name));
    shouwen__v1__envelope__init(&e->env);
    e->env.event_id.data = e->id;
    e->env.event_id.len = SW_EVENTID_SIZE;
    e->env.body_case = body;
    e->env.type = (char *)sw_envelope_type_for(body);
    e->env.producer = (char *)"router";
    e->env.occurred_at_us = at;
    if (case_id)
        snprintf(e->case_id, sizeof e->case_id, "%s", case_id);
    else
        sw_caseid_from_event(e->id, e->case_id);
    e->env.case_id = e->case_id;
}

/* An inquiry received by fo-01 at `at`; returns the case id in case_id. */
static void s_inquiry(s_log_t *log, char *case_id, Shouwen__V1__Channel channel,
                      Shouwen__V1__RequestKind kind, int64_t at)
{
    s_event_t e;
    s_event(log, &e, NULL, SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED, at);
    Shouwen__V1__InquiryReceived body = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    body.branch_id = (char *)"hq-branch";
    body.channel = channel;
    body.kind = kind;
    body.urgency = SHOUWEN__V1__URGENCY__URGENCY_NORMAL;
    body.receiver_staff_id = (char *)"fo-01";
    body.received_at_us = at;
    e.env.producer = (char *)"intake";
    e.env.inquiry_received = &body;
    s_apply(log, &e.env);
    snprintf(case_id, SW_CASEID_STRLEN + 1, "%s", e.case_id);
}

static void s_routed(s_log_t *log, const char *case_id,
                     Shouwen__V1__Disposition disposition, const char *handler,
                     const char *department, int64_t at)
{
    s_event_t e;
    s_event(log, &e, case_id, SHOUWEN__V1__ENVELOPE__BODY_ROUTED, at);
    Shouwen__V1__Routed body = SHOUWEN__V1__ROUTED__INIT;
    body.disposition = disposition;
    body.natural_owner_id = (char *)"fo-01";
    body.factual_owner_id = (char *)handler;
    body.handler_id = (char *)handler;
    body.department_id = (char *)department;
    e.env.routed = &body;
    s_apply(log, &e.env);
}

static void s_handoff(s_log_t *log, const char *case_id,
                      Shouwen__V1__Envelope__BodyCase kind, const char *from,
                      const char *from_dept, const char *to, const char *to_dept,
                      int64_t at)
{
    s_event_t e;
    s_event(log, &e, case_id, kind, at);
    Shouwen__V1__Handoff h = SHOUWEN__V1__HANDOFF__INIT;
    h.from_staff_id = (char *)from;
    h.from_department_id = (char *)from_dept;
    h.to_staff_id = (char *)to;
    h.to_department_id = (char *)to_dept;
    h.sender_signer_id = (char *)from;
    h.sender_signed_at_us = at;
    h.hop = 1;
    Shouwen__V1__Transferred t = SHOUWEN__V1__TRANSFERRED__INIT;
    Shouwen__V1__Accepted a = SHOUWEN__V1__ACCEPTED__INIT;
    Shouwen__V1__Returned r = SHOUWEN__V1__RETURNED__INIT;
    t.handoff = a.handoff = r.handoff = &h;
    if (kind == SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED)
        e.env.transferred = &t;
    else if (kind == SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED)
        e.env.accepted = &a;
    else
        e.env.returned = &r;
    s_apply(log, &e.env);
}

/* A fact with an empty body message (replied, progress, resolved, ...). */
static void s_fact(s_log_t *log, const char *case_id,
                   Shouwen__V1__Envelope__BodyCase kind, int64_t at)
{
    s_event_t e;
    s_event(log, &e, case_id, kind, at);
    Shouwen__V1__Replied replied = SHOUWEN__V1__REPLIED__INIT;
    Shouwen__V1__Progress progress = SHOUWEN__V1__PROGRESS__INIT;
    Shouwen__V1__Resolved resolved = SHOUWEN__V1__RESOLVED__INIT;
    Shouwen__V1__CallbackDone callback = SHOUWEN__V1__CALLBACK_DONE__INIT;
    Shouwen__V1__Closed closed = SHOUWEN__V1__CLOSED__INIT;
    Shouwen__V1__CaseWaiting waiting = SHOUWEN__V1__CASE_WAITING__INIT;
    Shouwen__V1__CaseWaiting resumed = SHOUWEN__V1__CASE_WAITING__INIT;
    waiting.waiting = true;
    switch (kind) {
    case SHOUWEN__V1__ENVELOPE__BODY_REPLIED:
        e.env.replied = &replied;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_PROGRESS:
        e.env.progress = &progress;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        e.env.resolved = &resolved;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CALLBACK:
        e.env.callback = &callback;
        break;
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        e.env.closed = &closed;
        break;
    default:
        e.env.waiting = at < 0 ? &resumed : &waiting;
        e.env.occurred_at_us = at < 0 ? -at : at;
        break;
    }
    s_apply(log, &e.env);
}

/* ------------------------------------------------------------------------
   Looking at the proposals. */

/* The index of the n-th (from 0) proposal of a type at or after from, or -1. */
static int s_find(s_log_t *log, size_t from, const char *type, int kind)
{
    for (size_t i = from; i < log->count; i++) {
        sw_envelope_t *env = s_proposal(log, i);
        bool match = env && streq(env->type, type);
        if (match && kind && env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET)
            match = (int)env->deadline_set->kind == kind;
        if (match && kind &&
            env->body_case == SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED)
            match = (int)env->deadline_breached->kind == kind;
        sw_envelope_free(env);
        if (match)
            return (int)i;
    }
    return -1;
}

static size_t s_count(s_log_t *log, size_t from, const char *type)
{
    size_t n = 0;
    for (size_t i = from; i < log->count; i++) {
        sw_envelope_t *env = s_proposal(log, i);
        n += env && streq(env->type, type);
        sw_envelope_free(env);
    }
    return n;
}

/* ------------------------------------------------------------------------
   Tests. */

#define K(x) SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_##x

/* R10, R11, R21, R22 set on routing; R10 warns at 75% and breaches at 60
   working minutes against the first owner; the breach's violation. */
static void test_routing_and_transfer_breach(void)
{
    s_log_t log;
    s_log_init(&log);
    char c1[SW_CASEID_STRLEN + 1];
    int64_t t0 = s_at(&log, 2, 11, 30); /* Monday 11:30, lunch at 12:00 */
    s_inquiry(&log, c1, SHOUWEN__V1__CHANNEL__CHANNEL_PHONE,
              SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION, t0);
    s_routed(&log, c1, SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT, "hk-01",
             "housekeeping", t0 + MINUTE);
    CHECK_EQ(log.count, 4); /* transfer, reply, phone, completion; no stage feedback */
    int transfer = s_find(&log, 0, "sla.deadline_set", K(TRANSFER));
    int reply = s_find(&log, 0, "sla.deadline_set", K(REPLY));
    int phone = s_find(&log, 0, "sla.deadline_set", K(PHONE_SAME_DAY));
    int done = s_find(&log, 0, "sla.deadline_set", K(COMPLETION));
    CHECK(transfer >= 0 && reply >= 0 && phone >= 0 && done >= 0);
    if (transfer < 0 || reply < 0 || phone < 0 || done < 0)
        return;
    sw_envelope_t *e = s_proposal(&log, (size_t)transfer);
    /* 1 working hour from 11:30: 30 min before lunch, 30 after: 14:30 */
    CHECK_EQ(e->deadline_set->due_at_us, s_at(&log, 2, 14, 30));
    CHECK_EQ(e->deadline_set->warn_at_us, s_at(&log, 2, 14, 15));
    CHECK_STR(e->deadline_set->holder_staff_id, "fo-01");
    CHECK_STR(e->deadline_set->department_id, "front_office");
    CHECK_STR(e->deadline_set->policy, "R10: transfer within 1 working hour");
    CHECK_STR(e->actor, "sla");
    sw_envelope_free(e);
    e = s_proposal(&log, (size_t)reply);
    CHECK_EQ(e->deadline_set->due_at_us, s_at(&log, 3, 11, 30));
    CHECK_STR(e->deadline_set->holder_staff_id, "hk-01");
    CHECK_STR(e->deadline_set->department_id, "housekeeping");
    /* the reply deadline id is the spine's: derived from the routing */
    uint8_t id[SW_EVENTID_SIZE];
    CHECK_EQ(e->deadline_set->trigger_event_id.len, SW_EVENTID_SIZE);
    sw_eventid_derive(id, e->deadline_set->trigger_event_id.data,
                      "sla.deadline_set.reply");
    CHECK_MEM(e->event_id.data, id, SW_EVENTID_SIZE);
    sw_envelope_free(e);
    e = s_proposal(&log, (size_t)phone);
    CHECK_EQ(e->deadline_set->due_at_us, s_at(&log, 2, 17, 30));
    CHECK_STR(e->deadline_set->policy,
              "R21: phone answered by the end of the same working day");
    sw_envelope_free(e);
    e = s_proposal(&log, (size_t)done);
    CHECK_STR(e->deadline_set->policy, "R22: completion within 1 working day (quick)");
    sw_envelope_free(e);

    /* nothing fires before the sets commit */
    CHECK_EQ(sla_rules_expire(log.rules, s_at(&log, 9, 9, 0), 100), 0);
    s_commit_all(&log);
    CHECK_EQ(sla_rules_running(log.rules), 4);
    CHECK_EQ(sla_rules_next_fire(log.rules), s_at(&log, 2, 14, 15));
    CHECK_EQ(sla_rules_expire(log.rules, s_at(&log, 2, 14, 14), 100), 0);
    CHECK_EQ(sla_rules_expire(log.rules, s_at(&log, 2, 14, 15), 100), 1);
    CHECK_EQ(s_count(&log, 4, "sla.warning"), 1);
    CHECK_EQ(sla_rules_next_fire(log.rules), s_at(&log, 2, 14, 30));
    CHECK_EQ(sla_rules_expire(log.rules, s_at(&log, 2, 14, 30), 100), 1);
    int breach = s_find(&log, 4, "sla.breached", K(TRANSFER));
    CHECK(breach >= 0);
    s_commit_all(&log); /* warning and breach commit: the violation follows */
    int v = s_find(&log, (size_t)breach, "violation.recorded", 0);
    CHECK(v >= 0);
    if (v >= 0) {
        e = s_proposal(&log, (size_t)v);
        Shouwen__V1__ViolationRecorded *r = e->violation_recorded;
        CHECK_EQ(r->type, SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_LATE_TRANSFER);
        CHECK_STR(r->staff_id, "fo-01");
        CHECK_STR(r->department_id, "front_office");
        CHECK_EQ(r->penalty_yuan, 100);
        CHECK_EQ(r->occurrence_in_month, 1);
        CHECK(!r->self_criticism);
        CHECK_STR(r->rule, "R10");
        /* deterministic: derived from the deadline */
        sw_envelope_t *t = s_proposal(&log, (size_t)transfer);
        sw_eventid_derive(id, t->event_id.data, "violation");
        CHECK_MEM(e->event_id.data, id, SW_EVENTID_SIZE);
        sw_eventid_derive(id, t->event_id.data, "breach");
        CHECK_MEM(r->cause_event_id.data, id, SW_EVENTID_SIZE);
        sw_envelope_free(t);
        sw_envelope_free(e);
    }
    s_commit_all(&log);
    CHECK_EQ(sla_rules_deadlines(log.rules), 3);

    /* the phone is answered: R11 and R21 are met */
    size_t before = log.count;
    s_fact(&log, c1, SHOUWEN__V1__ENVELOPE__BODY_REPLIED, s_at(&log, 2, 15, 0));
    CHECK_EQ(s_count(&log, before, "sla.deadline_cleared"), 2);
    e = s_proposal(&log, before);
    CHECK_STR(e->deadline_cleared->reason, "met: case.replied");
    sw_envelope_free(e);
    s_commit_all(&log);
    CHECK_EQ(sla_rules_deadlines(log.rules), 1); /* completion: Tue 11:30, warns 09:45 */
    CHECK_EQ(sla_rules_expire(log.rules, s_at(&log, 3, 9, 44), 100), 0);

    /* a second violation of fo-01 this month: a repeat (V2) */
    char c2[SW_CASEID_STRLEN + 1];
    s_inquiry(&log, c2, SHOUWEN__V1__CHANNEL__CHANNEL_VISIT,
              SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_BUSINESS, s_at(&log, 4, 9, 0));
    s_routed(&log, c2, SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT, "hk-01",
             "housekeeping", s_at(&log, 4, 9, 0));
    s_commit_all(&log);
    before = log.count;
    sla_rules_expire(log.rules, s_at(&log, 4, 10, 1), 100);
    s_commit_all(&log);
    v = s_find(&log, before, "violation.recorded", 0);
    CHECK(v >= 0);
    if (v >= 0) {
        e = s_proposal(&log, (size_t)v);
        CHECK_STR(e->violation_recorded->staff_id, "fo-01");
        CHECK_EQ(e->violation_recorded->occurrence_in_month, 2);
        CHECK(e->violation_recorded->self_criticism);
        CHECK_EQ(e->violation_recorded->penalty_yuan, 200);
        sw_envelope_free(e);
    }
    s_log_destroy(&log);
}

/* R11 moves with the case: a transfer meets R10 and gives the receiving
   department 1 working day; acceptance names the holder. */
static void test_handoffs(void)
{
    s_log_t log;
    s_log_init(&log);
    char c[SW_CASEID_STRLEN + 1];
    s_inquiry(&log, c, SHOUWEN__V1__CHANNEL__CHANNEL_VISIT,
              SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT, s_at(&log, 2, 9, 0));
    s_routed(&log, c, SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT, "hk-01",
             "housekeeping", s_at(&log, 2, 9, 0));
    /* complaint: completion 5 working days, so stage feedback too */
    CHECK(s_find(&log, 0, "sla.deadline_set", K(STAGE_FEEDBACK)) >= 0);
    CHECK(s_find(&log, 0, "sla.deadline_set", K(PHONE_SAME_DAY)) < 0);
    s_commit_all(&log);
    size_t before = log.count;
    s_handoff(&log, c, SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED, "fo-01", "front_office",
              "", "housekeeping", s_at(&log, 2, 9, 40));
    CHECK_EQ(s_count(&log, before, "sla.deadline_cleared"),
             2); /* transfer met, reply moved */
    int reply = s_find(&log, before, "sla.deadline_set", K(REPLY));
    CHECK(reply >= 0);
    if (reply >= 0) {
        sw_envelope_t *e = s_proposal(&log, (size_t)reply);
        CHECK_EQ(e->deadline_set->due_at_us, s_at(&log, 3, 9, 40));
        CHECK_STR(e->deadline_set->holder_staff_id,
                  "hk-head"); /* the department's head */
        CHECK_STR(e->deadline_set->department_id, "housekeeping");
        sw_envelope_free(e);
    }
    sw_envelope_t *e = s_proposal(&log, before);
    CHECK_STR(e->deadline_cleared->reason, "met: case.transferred");
    sw_envelope_free(e);
    s_commit_all(&log);
    s_handoff(&log, c, SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED, "fo-01", "front_office",
              "hk-01", "housekeeping", s_at(&log, 2, 9, 50));
    /* the reply is late: charged to whoever signed for it in housekeeping */
    before = log.count;
    sla_rules_expire(log.rules, s_at(&log, 3, 9, 40), 100);
    int breach = s_find(&log, before, "sla.breached", K(REPLY));
    CHECK(breach >= 0);
    if (breach >= 0) {
        e = s_proposal(&log, (size_t)breach);
        CHECK_STR(e->deadline_breached->holder_staff_id, "hk-01");
        CHECK_STR(e->deadline_breached->department_id, "housekeeping");
        sw_envelope_free(e);
    }
    s_commit_all(&log);
    /* resolved: completion met, callback (R16, complaints) for the first owner */
    before = log.count;
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_RESOLVED, s_at(&log, 3, 16, 0));
    int callback = s_find(&log, before, "sla.deadline_set", K(CALLBACK));
    CHECK(callback >= 0);
    if (callback >= 0) {
        e = s_proposal(&log, (size_t)callback);
        CHECK_EQ(e->deadline_set->due_at_us, s_at(&log, 5, 16, 0)); /* 2 working days */
        CHECK_STR(e->deadline_set->holder_staff_id, "fo-01");
        CHECK_STR(e->deadline_set->department_id, "front_office");
        sw_envelope_free(e);
    }
    s_commit_all(&log);
    CHECK_EQ(sla_rules_deadlines(log.rules), 1);
    /* missed: R16 breached against the first owner */
    before = log.count;
    sla_rules_expire(log.rules, s_at(&log, 5, 16, 0), 100);
    CHECK(s_find(&log, before, "sla.breached", K(CALLBACK)) >= 0);
    s_commit_all(&log);
    int v = s_find(&log, before, "violation.recorded", 0);
    CHECK(v >= 0);
    if (v >= 0) {
        e = s_proposal(&log, (size_t)v);
        CHECK_STR(e->violation_recorded->rule, "R16");
        CHECK_EQ(e->violation_recorded->type,
                 SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_TIME_LIMIT_EXCEEDED);
        sw_envelope_free(e);
    }
    /* closed: forgotten */
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_CLOSED, s_at(&log, 6, 9, 0));
    s_commit_all(&log);
    CHECK_EQ(sla_rules_cases(log.rules), 0);
    CHECK_EQ(sla_rules_deadlines(log.rules), 0);
    s_log_destroy(&log);
}

/* Waiting on the customer pauses the clocks; their return moves each due
   by the paused working time. */
static void test_waiting(void)
{
    s_log_t log;
    s_log_init(&log);
    char c[SW_CASEID_STRLEN + 1];
    s_inquiry(&log, c, SHOUWEN__V1__CHANNEL__CHANNEL_VISIT,
              SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION, s_at(&log, 2, 9, 0));
    s_routed(&log, c, SHOUWEN__V1__DISPOSITION__DISPOSITION_IN_SCOPE, "fo-01",
             "front_office", s_at(&log, 2, 9, 0));
    CHECK_EQ(log.count, 2); /* reply and completion */
    s_commit_all(&log);
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_WAITING, s_at(&log, 2, 10, 0));
    CHECK_EQ(sla_rules_running(log.rules), 0);
    CHECK_EQ(sla_rules_expire(log.rules, s_at(&log, 9, 10, 0), 100), 0);
    size_t before = log.count;
    /* back at 11:00 the next day: 1.5 h + 2.5 h + ... paused */
    int64_t resume = s_at(&log, 3, 11, 0);
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_WAITING, -resume);
    CHECK_EQ(s_count(&log, before, "sla.deadline_cleared"), 2);
    int reply = s_find(&log, before, "sla.deadline_set", K(REPLY));
    CHECK(reply >= 0);
    if (reply >= 0) {
        sw_envelope_t *e = s_proposal(&log, (size_t)reply);
        /* 1 hour had run (09:00-10:00) of the 7 working hours to Tue 09:00:
           6 left from Tue 11:00: 11:00-12:00, 14:00-17:30, Wed 08:30-10:00 */
        CHECK_EQ(e->deadline_set->due_at_us, s_at(&log, 4, 10, 0));
        CHECK(strstr(e->deadline_set->policy, "waited on the customer") != NULL);
        sw_envelope_free(e);
        e = s_proposal(&log, before);
        CHECK(strstr(e->deadline_cleared->reason,
                     "superseded: paused 480 working minutes") != NULL);
        sw_envelope_free(e);
    }
    s_commit_all(&log);
    CHECK_EQ(sla_rules_running(log.rules), 2);
    CHECK_EQ(sla_rules_deadlines(log.rules), 2);
    s_log_destroy(&log);
}

/* A restart replays the log: the same decisions, proposed only if not in
   the log; warnings and breaches never twice. */
static void test_replay(void)
{
    s_log_t log;
    s_log_init(&log);
    char c[SW_CASEID_STRLEN + 1];
    s_inquiry(&log, c, SHOUWEN__V1__CHANNEL__CHANNEL_PHONE,
              SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION, s_at(&log, 2, 9, 0));
    s_routed(&log, c, SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT, "hk-01",
             "housekeeping", s_at(&log, 2, 9, 0));
    s_commit_all(&log);
    sla_rules_expire(log.rules, s_at(&log, 2, 9, 45), 100); /* transfer warning */
    sla_rules_expire(log.rules, s_at(&log, 2, 10, 0), 100); /* transfer breach */
    s_commit(&log, 2); /* both commit; the violation is proposed */
    CHECK_EQ(log.committed, log.count - 1);
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_REPLIED, s_at(&log, 2, 10, 30));
    CHECK_EQ(log.committed, log.count - 3); /* violation, two clears uncommitted */

    /* the process dies; a new one replays the whole log */
    s_log_t again;
    memset(&again, 0, sizeof again);
    again.rules = s_rules(&again);
    for (size_t i = 0; i < log.length; i++) {
        sw_envelope_t *env = sw_envelope_decode(zframe_data(log.history[i]),
                                                zframe_size(log.history[i]), NULL);
        sla_rules_apply(again.rules, env, true);
        sw_envelope_free(env);
    }
    CHECK_EQ(again.count, 0); /* nothing while replaying */
    sla_rules_live(again.rules);
    CHECK_EQ(again.count, 3); /* exactly what the log lacks, byte for byte */
    for (size_t i = 0; i < again.count; i++) {
        bool same = false;
        for (size_t j = log.committed; j < log.count; j++)
            same |= zframe_eq(again.proposals[i], log.proposals[j]);
        CHECK(same);
    }
    /* warning and breach are in the log: nothing fires again, ever */
    CHECK_EQ(sla_rules_expire(again.rules, s_at(&log, 30, 10, 0), 100),
             1); /* completion */
    CHECK_EQ(s_count(&again, 0, "sla.warning"), 0);
    CHECK_EQ(s_count(&again, 0, "sla.breached"), 1);
    CHECK(s_find(&again, 0, "sla.breached", K(COMPLETION)) >= 0);
    for (size_t i = 0; i < again.count; i++)
        zframe_destroy(&again.proposals[i]);
    sla_rules_destroy(&again.rules);

    /* died right after the routing committed: the deadlines it decided are
       decided again when live, the very same events (instants computed late) */
    s_log_t early;
    memset(&early, 0, sizeof early);
    early.rules = s_rules(&early);
    for (size_t i = 0; i < 2; i++) { /* inquiry, routing */
        sw_envelope_t *env = sw_envelope_decode(zframe_data(log.history[i]),
                                                zframe_size(log.history[i]), NULL);
        sla_rules_apply(early.rules, env, true);
        sw_envelope_free(env);
    }
    CHECK_EQ(early.count, 0);
    sla_rules_live(early.rules);
    CHECK_EQ(early.count, 4);
    for (size_t i = 0; i < early.count; i++) {
        bool same = false;
        for (size_t j = 0; j < 4; j++)
            same |= zframe_eq(early.proposals[i], log.proposals[j]);
        CHECK(same);
        zframe_destroy(&early.proposals[i]);
    }
    sla_rules_destroy(&early.rules);
    s_log_destroy(&log);
}

/* R3 stage feedback runs again after each progress report; a reopened
   case gets a new completion limit; a closed one is forgotten and its
   reopening sets nothing. */
static void test_progress_and_reopen(void)
{
    s_log_t log;
    s_log_init(&log);
    char c[SW_CASEID_STRLEN + 1];
    s_inquiry(&log, c, SHOUWEN__V1__CHANNEL__CHANNEL_VISIT,
              SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_REPORT, s_at(&log, 2, 9, 0));
    s_routed(&log, c, SHOUWEN__V1__DISPOSITION__DISPOSITION_IN_SCOPE, "fo-01",
             "front_office", s_at(&log, 2, 9, 0));
    int stage = s_find(&log, 0, "sla.deadline_set", K(STAGE_FEEDBACK));
    CHECK(stage >= 0);
    s_commit_all(&log);
    size_t before = log.count;
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_PROGRESS, s_at(&log, 4, 10, 0));
    CHECK_EQ(s_count(&log, before, "sla.deadline_cleared"), 1);
    int again = s_find(&log, before, "sla.deadline_set", K(STAGE_FEEDBACK));
    CHECK(again >= 0);
    if (again >= 0) {
        sw_envelope_t *e = s_proposal(&log, (size_t)again);
        CHECK_EQ(e->deadline_set->due_at_us,
                 s_at(&log, 9, 10, 0)); /* Wed + 3 working days */
        sw_envelope_free(e);
    }
    s_commit_all(&log);
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_RESOLVED, s_at(&log, 5, 10, 0));
    s_commit_all(&log);
    CHECK_EQ(sla_rules_deadlines(log.rules), 0); /* a report: no callback clock */
    before = log.count;
    s_event_t e;
    s_event(&log, &e, c, SHOUWEN__V1__ENVELOPE__BODY_REOPENED, s_at(&log, 6, 10, 0));
    Shouwen__V1__Reopened reopened = SHOUWEN__V1__REOPENED__INIT;
    e.env.reopened = &reopened;
    s_apply(&log, &e.env);
    int done = s_find(&log, before, "sla.deadline_set", K(COMPLETION));
    CHECK(done >= 0);
    if (done >= 0) {
        sw_envelope_t *d = s_proposal(&log, (size_t)done);
        CHECK_EQ(d->deadline_set->due_at_us, s_at(&log, 20, 10, 0)); /* 10 working days */
        sw_envelope_free(d);
    }
    CHECK(s_find(&log, before, "sla.deadline_set", K(STAGE_FEEDBACK)) >= 0);
    s_commit_all(&log);
    s_fact(&log, c, SHOUWEN__V1__ENVELOPE__BODY_CLOSED, s_at(&log, 6, 11, 0));
    s_commit_all(&log);
    CHECK_EQ(sla_rules_cases(log.rules), 0);
    before = log.count;
    s_event(&log, &e, c, SHOUWEN__V1__ENVELOPE__BODY_REOPENED, s_at(&log, 6, 12, 0));
    e.env.reopened = &reopened;
    s_apply(&log, &e.env);
    CHECK_EQ(log.count, before);
    CHECK_EQ(sla_rules_cases(log.rules), 0);
    s_log_destroy(&log);
}

/* V2: the department's third violation of the month brings its penalty,
   once. */
static void test_department_penalty(void)
{
    s_log_t log;
    s_log_init(&log);
    for (int i = 0; i < 4; i++) {
        char c[SW_CASEID_STRLEN + 1];
        s_inquiry(&log, c, SHOUWEN__V1__CHANNEL__CHANNEL_VISIT,
                  SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_BUSINESS,
                  s_at(&log, 9 + i, 9, 0));
        s_routed(&log, c, SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT, "hk-01",
                 "housekeeping", s_at(&log, 9 + i, 9, 0));
        s_commit_all(&log);
        sla_rules_expire(log.rules, s_at(&log, 9 + i, 10, 0), 100);
        s_commit_all(&log);
        s_commit_all(&log);
    }
    /* fo-01's late transfers (R10) and hk-01's late replies (R11) */
    size_t front = 0, housekeeping = 0;
    for (size_t i = 0; i < log.count; i++) {
        sw_envelope_t *e = s_proposal(&log, i);
        if (e->body_case == SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED &&
            !*e->violation_recorded->staff_id) {
            bool fo = streq(e->violation_recorded->department_id, "front_office");
            front += fo;
            housekeeping += !fo;
            CHECK_EQ(e->violation_recorded->penalty_yuan, 200);
            CHECK_EQ(e->violation_recorded->occurrence_in_month, 3);
            CHECK_STR(e->violation_recorded->rule, "V2");
        }
        sw_envelope_free(e);
    }
    CHECK_EQ(front, 1);
    CHECK_EQ(housekeeping, 1);
    s_log_destroy(&log);
}

int main(void)
{
    sw_log_init("test_sla_rules", LOG_ERR);
    test_routing_and_transfer_breach();
    test_handoffs();
    test_waiting();
    test_replay();
    test_progress_and_reopen();
    test_department_penalty();
    SW_TEST_DONE();
}
