/*  router_case_int: what the files of router_case share (router_case.c the
    state and the next decision, router_route.c routing, escalation and the
    lock, router_actions.c the staff actions).  Not for other modules. */
#ifndef ROUTER_CASE_INT_H
#define ROUTER_CASE_INT_H

#include <czmq.h>

#include "router_case.h"

/* A staff action committed to the log and not yet answered. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE]; /* the command.received event */
    int64_t at_us;               /* when the staff acted: their signature's time */
    Shouwen__V1__Command *cmd;   /* our own copy */
} router_command_t;

struct _router_case_t {
    char case_id[SW_CASEID_STRLEN + 1];
    uint64_t version; /* committed events on this case */
    router_state_t state;
    router_state_t before_wait; /* state to go back to on resume */
    bool received, routed;
    uint8_t inquiry_id[SW_EVENTID_SIZE];
    uint8_t routed_id[SW_EVENTID_SIZE];
    /* the register entry (R1) */
    char *receiver, *named_employee, *category, *linked_case, *customer_name,
        *customer_phone, *customer_unit;
    int urgency, channel, kind;
    /* custody */
    int disposition;
    char *natural_owner; /* 自然首问责任人 */
    char *leader;        /* the leader who decides (R7, R8), when routed to one */
    char *factual_owner; /* 事实首问责任人 */
    char *handler;       /* 经办人 */
    char *department;    /* the department holding the case */
    char *guidance;      /* R6 guidance given so far */
    /* a handoff in flight (R14) */
    char *from_staff, *from_dept, *to_staff, *to_dept, *sender;
    int64_t sent_at_us;
    int hops;            /* transfers and forwards so far */
    int bounces;         /* returns so far */
    int level;           /* escalation rung reached, 0..5 */
    bool urgent_pending; /* R8: an escalation follows routing */
    bool locked;         /* R18: no further transfer */
    bool lock_pending;
    uint8_t lock_cause[SW_EVENTID_SIZE];
    char *shirker, *shirker_dept; /* V1: who passed it on once too often */
    char *lock_owner, *lock_dept; /* R18: who takes it towards the customer */
    bool leader_decided;          /* R7: the deciding leader has acted */
    zhashx_t *passed_on;          /* departments that passed it on (ping-pong) */
    zhashx_t *conflict_depts;     /* departments a conflict was counted for (R15) */
    bool called_back;
    zlistx_t *commands; /* router_command_t, in log order */
    zlistx_t *breaches; /* breach event ids (16 bytes) to escalate */
    zhashx_t *granted;  /* leaders who allowed their contact (R19) */
};

static inline bool s_eq(const char *a, const char *b)
{
    return a && b && streq(a, b);
}

static inline const char *s_or(const char *a, const char *b)
{
    return a && *a ? a : b;
}

/* --------------------------------------------------------- router_case.c */

/* printf onto the end of buf, keeping *n the length it would have. */
void router_append(char *buf, size_t size, size_t *n, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
/* A text cut to fit its buffer ends inside a character at worst: drop
   that character's first bytes, so what is recorded stays UTF-8. */
void router_utf8_trim(char *buf);

/* -------------------------------------------------------- router_route.c */

/* Common envelope of a decision: id derived from its cause and kind; actor
   NULL is router itself. */
void router_decision(router_case_t *self, router_decision_t *d, const uint8_t *cause,
                     const char *kind, Shouwen__V1__Envelope__BodyCase body,
                     const char *actor);
/* Routing on receipt (R3..R9, R25, V5). */
void router_route(router_case_t *self, sw_directory_t *dir, router_decision_t *d);
/* One rung up the ladder of the holding department (R8, R15); decided_by
   names who already decided (R8), or is NULL. */
void router_escalate(router_case_t *self, sw_directory_t *dir, router_decision_t *d,
                     const uint8_t *cause, const char *reason, const char *actor,
                     const char *decided_by);
/* Ownership locked, and a coordination sheet (R18). */
void router_lock(router_case_t *self, sw_directory_t *dir, router_decision_t *d);

/* ------------------------------------------------------ router_actions.c */

/* The answer to the oldest staff action k: its event, or command.rejected
   with a reason code.  Always true: there is an answer. */
bool router_act(router_case_t *self, sw_directory_t *dir, router_command_t *k,
                router_decision_t *d);

#endif
