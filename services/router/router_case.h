/*  router_case: one case as router sees it, and every decision router makes
    on it.  The state is rebuilt from committed events only (router_case_apply);
    router_case_next names the one decision the case needs now, if any:
      - routing on receipt (R3..R9), with the natural first owner per channel;
      - the answer to each staff action, in log order (R13..R19, R24): the
        action's event, or command.rejected with a reason code;
      - ownership locked and a coordination sheet after ping-pong (R18),
        naming who shirked (sla records that violation with its penalty);
      - one rung up the escalation ladder per committed breach (R15).
    At most one decision is outstanding per case; each is stamped with the
    case version it was made on, and its event id derives from the event
    that caused it, so a decision re-made after a restart is the same event.
    The state machine as a table is in docs/case-lifecycle.md. */
#ifndef ROUTER_CASE_H
#define ROUTER_CASE_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

#include "sw_directory.h"
#include "sw_envelope.h"
#include "sw_eventid.h"

typedef enum {
    ROUTER_RECEIVED = 0, /* registered, not yet routed */
    ROUTER_OPEN,         /* routed; with its first (or current) owner */
    ROUTER_TRANSFERRING, /* handed off, waiting for the receiver to sign */
    ROUTER_IN_PROGRESS,  /* the handling department has it */
    ROUTER_WAITING,      /* waiting on the customer (clocks paused) */
    ROUTER_REPLIED,      /* the customer has an answer */
    ROUTER_RESOLVED,     /* handling ended; the first owner calls back */
    ROUTER_CLOSED,
} router_state_t;

typedef struct _router_case_t router_case_t;

/* Storage for one decision: the envelope and every body it may carry. */
typedef struct {
    sw_envelope_t env;
    uint8_t id[SW_EVENTID_SIZE];
    uint8_t cause[SW_EVENTID_SIZE];
    Shouwen__V1__Routed routed;
    Shouwen__V1__Handoff handoff;
    Shouwen__V1__Transferred transferred;
    Shouwen__V1__Accepted accepted;
    Shouwen__V1__Returned returned;
    Shouwen__V1__Forwarded forwarded;
    Shouwen__V1__Escalated escalated;
    Shouwen__V1__Coordination coordination;
    Shouwen__V1__Replied replied;
    Shouwen__V1__Progress progress;
    Shouwen__V1__Resolved resolved;
    Shouwen__V1__CallbackDone callback;
    Shouwen__V1__Reopened reopened;
    Shouwen__V1__Closed closed;
    Shouwen__V1__CommandRejected rejected;
    Shouwen__V1__LeaderContact contact;
    Shouwen__V1__CaseWaiting waiting;
    Shouwen__V1__ViolationRecorded violation;
    Shouwen__V1__QaCopy qa_copy; /* R10 */
    char text[1024];             /* scratch for composed strings */
    char text2[512];
    const char *depts[16]; /* R9 department list */
} router_decision_t;

router_case_t *router_case_new(const char *case_id);
void router_case_destroy(router_case_t **self_p);
const char *router_case_id(router_case_t *self);
uint64_t router_case_version(router_case_t *self);
router_state_t router_case_state(router_case_t *self);
const char *router_case_state_name(router_state_t state);
const char *router_case_factual_owner(router_case_t *self);

/* Take one committed event on this case into the state. */
void router_case_apply(router_case_t *self, const sw_committed_t *c,
                       const sw_envelope_t *env, sw_directory_t *dir);
/* The decision the case needs now.  False when none.  d is filled (strings
   borrowed from the case, the directory or d itself). */
bool router_case_next(router_case_t *self, sw_directory_t *dir, router_decision_t *d);
/* The whole state as one line of text, for tests that compare a case
   rebuilt from the log with the live one; truncated to fit buf (size > 0). */
void router_case_summary(router_case_t *self, char *buf, size_t size);

/* Closed with nothing owed (no action unanswered, no breach to escalate,
   no lock or urgent escalation due): router has no decision to make on it
   until a later event comes (router_store keeps it packed meanwhile). */
bool router_case_settled(router_case_t *self);
/* The whole state appended to out as bytes, the same bytes for the same
   state (sets in key order): what a snapshot stores. */
void router_case_pack(router_case_t *self, zchunk_t *out);
/* The case packed in data, or NULL when the bytes are malformed. */
router_case_t *router_case_unpack(const uint8_t *data, size_t size);

#endif
