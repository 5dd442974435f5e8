/*  sla_rules_int: what the files of sla_rules share (sla_rules.c the object
    and the log, sla_clocks.c a case's deadlines, sla_handlers.c the case
    events, sla_violations.c sla's own events and the violations they
    decide, sla_emit.c the events proposed).  Not for other modules. */
#ifndef SLA_RULES_INT_H
#define SLA_RULES_INT_H

#include "sla_cases.h"
#include "sla_rules.h"
#include "sla_tally.h"
#include "sla_timers.h"
#include "sw_eventid.h"

/* Deadline flags of the rules (sla_timers.h has the others). */
#define S_SET_SENT       0x20  /* its sla.deadline_set was proposed by this process */
#define S_CLEAR_SENT     0x40  /* its sla.deadline_cleared was proposed by this process */
#define S_MOVED          0x80  /* it replaces a deadline paused while the case waited */
#define S_HAS_TRIGGER    0x200 /* an entry in the triggers table */
#define S_HAS_ENDING     0x400 /* an entry in the endings table */
#define S_SELF_CRITICISM 0x800 /* violating: a repeat offence (V2) */
#define S_VIOLATION_SENT 0x1000 /* violating: its violation.recorded was proposed */
#define S_DEFERRED       0x2000 /* proposed while replaying: due_us is still the start */
#define S_WARN_DONE      0x4000 /* its sla.warning is committed (SLA_DL_WARNED: proposed) */

#define S_MAX_PER_CASE 32 /* deadline records of one case handled at once */

#define K_TRANSFER   SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_TRANSFER
#define K_REPLY      SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY
#define K_PHONE      SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_PHONE_SAME_DAY
#define K_CALLBACK   SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK
#define K_COMPLETION SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_COMPLETION
#define K_STAGE      SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_STAGE_FEEDBACK
#define K_RETURN     SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_RETURN_CONTACT

/* Why and by what a deadline ends (kept until its sla.deadline_cleared is
   proposed). */
typedef struct {
    char reason[128];               /* "met: case.replied", "ended: case closed", ... */
    uint8_t cause[SW_EVENTID_SIZE]; /* the event that ended it */
} sla_ending_t;

/* What a violation.recorded says. */
typedef struct {
    int type;            /* Shouwen__V1__ViolationType */
    uint32_t staff;      /* interned; 0 for a department penalty */
    uint32_t department; /* interned */
    uint32_t yuan;       /* penalty */
    uint32_t occurrence; /* in the month, this one included */
    bool self_criticism; /* V2 repeat: written self-criticism */
    char rule[16];       /* "R10", ... or "V2" */
} sla_verdict_t;

/* A violation decided, until committed, when no deadline record carries
   it: a department penalty, a shirker (R18), or a breach of a deadline
   sla does not hold. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE];    /* violation.recorded event id */
    uint8_t cause[SW_EVENTID_SIZE]; /* the breach (or the staff violation) */
    char case_id[SW_CASEID_STRLEN + 1];
    sla_verdict_t verdict;
    int64_t occurred_at_us; /* the breach instant */
    bool sent;              /* proposed by this process */
} sla_violation_t;

struct _sla_rules_t {
    sw_calendar_t *calendar; /* working days per office */
    sw_policy_t *policy;     /* limits and penalties */
    zconfig_t *offices;      /* branch id -> office name, borrowed, may be NULL */
    sla_people_t *people;    /* interned ids, departments, heads */
    sla_cases_t *cases;      /* what we know of each case */
    sla_timers_t *timers;    /* every deadline and the heap of running ones */
    sla_tally_t *tally;      /* violations per person/department and month */
    zhashx_t *waiting;       /* case record index -> int64_t since (UTC us) */
    zhashx_t *away;          /* case record index -> uint32_t interned handler who
                                was away at the hand-over (R26), until back on post */
    zhashx_t *endings;       /* deadline record index -> sla_ending_t */
    zhashx_t *triggers;   /* deadline record index -> trigger id, until its set commits */
    zhashx_t *violations; /* violation id (hex) -> sla_violation_t (the rare ones) */
    bool live;            /* sla_rules_live was called: the heap is ordered */
    char *calendar_text;  /* the text calendar and policy were parsed from, or NULL */
    size_t calendar_len;
    sla_rules_propose_fn *propose;
    void *arg;
    sla_rules_stats_t stats;
};

static inline sla_case_t *s_case(sla_rules_t *self, uint32_t ci)
{
    return sla_cases_at(self->cases, ci);
}

static inline sla_deadline_t *s_dl(sla_rules_t *self, uint32_t di)
{
    return sla_timers_at(self->timers, di);
}

/* ------------------------------------------------------------ sla_rules.c */

/* The decimal text of a record index (at most 10 digits and a NUL): the
   key of the tables indexed by a case or deadline record. */
void sla_index_key(uint32_t index, char *key);
/* An event id as hex (2 * SW_EVENTID_SIZE + 1 bytes). */
void sla_hex(const uint8_t *id, char *out);

/* ----------------------------------------------------------- sla_clocks.c */

/* "transfer", "reply", ...: the name of a deadline kind. */
const char *sla_kind_name(int kind);
/* The office whose calendar a case follows ("default" when sla/offices
   does not map its branch). */
const char *sla_office(sla_rules_t *self, const sla_case_t *c);
sw_case_facts_t sla_facts(const sla_case_t *c);
/* The facts a deadline kind's rule is looked up with. */
sw_case_facts_t sla_facts_for(const sla_case_t *c, int kind, uint16_t flags);
uint32_t sla_find_deadline(sla_rules_t *self, sla_case_t *c, const uint8_t *id);
/* The case's deadline records, at most S_MAX_PER_CASE, into out. */
size_t sla_deadlines_of(sla_rules_t *self, sla_case_t *c, uint32_t *out);
bool sla_active(const sla_deadline_t *d);
bool sla_has_active(sla_rules_t *self, sla_case_t *c, int kind);
void sla_forget_case_if_done(sla_rules_t *self, uint32_t ci);
void sla_remove_deadline(sla_rules_t *self, uint32_t ci, uint32_t di);
void sla_schedule(sla_rules_t *self, uint32_t di);
uint32_t sla_start(sla_rules_t *self, uint32_t ci, int kind, const uint8_t *trigger,
                   int64_t start_us, uint32_t holder, uint32_t department,
                   const sw_case_facts_t *facts, uint16_t extra, bool replaying);
bool sla_resolve(sla_rules_t *self, uint32_t ci, uint32_t di);
bool sla_is_long(sla_rules_t *self, uint32_t ci, const sw_case_facts_t *facts,
                 int64_t start_us);
void sla_end(sla_rules_t *self, uint32_t ci, uint32_t di, const char *reason,
             const uint8_t *cause, bool replaying);
/* Every active deadline of a kind (0: of every kind) ends. */
void sla_end_kind(sla_rules_t *self, uint32_t ci, int kind, const char *reason,
                  const uint8_t *cause, bool replaying);
/* case.waiting: the case waits on the customer (its clocks stop), or is
   back (each paused clock is superseded by one moved by the time lost). */
void sla_on_waiting(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                    bool replaying);

/* --------------------------------------------------------- sla_handlers.c */

/* A committed event of a known case (ci a case record). */
void sla_on_case_event(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                       bool replaying);

/* ------------------------------------------------------- sla_violations.c */

void sla_on_set(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env, bool replaying);
void sla_on_warning(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env);
void sla_on_deadline_done(sla_rules_t *self, uint32_t ci, const ProtobufCBinaryData *id);
/* ci may be SLA_POOL_NONE for the next two. */
void sla_on_breached(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                     bool replaying);
void sla_on_violation(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                      bool replaying);
/* R18: the shirker a coordination sheet names (V1, with its V2 penalty). */
void sla_record_shirking(sla_rules_t *self, uint32_t ci, const sw_envelope_t *env,
                         bool replaying);

/* ------------------------------------------------------------- sla_emit.c */

void sla_send_set(sla_rules_t *self, uint32_t ci, uint32_t di);
void sla_send_clear(sla_rules_t *self, uint32_t ci, uint32_t di);
/* A running deadline's warning (breach false) or breach. */
void sla_send_alarm(sla_rules_t *self, uint32_t ci, uint32_t di, bool breach);
/* A violation kept in the side table. */
void sla_send_violation(sla_rules_t *self, sla_violation_t *v);
/* The violation a breached deadline record carries (SLA_DEADLINE_VIOLATING). */
void sla_send_violation_of(sla_rules_t *self, uint32_t ci, uint32_t di);

#endif
