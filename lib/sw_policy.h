/*  sw_policy: the time limits (时限) and penalties sla applies.
    One rule per deadline kind (transfer R10, reply R11, phone_same_day R21,
    callback R16, completion R22, stage_feedback R3): whether it applies to
    a case (by request kind, channel, urgency and routing disposition), its
    limit ("1 working hour", "1 working day", "same working day", "2 days"),
    its warning point, and the violation its breach records (V1).  Per
    violation type the penalty in yuan, with the repeat offence of the
    month (V2: a second offence brings a written self-criticism and 200
    yuan) and the department penalty.  Every value has the seeds' default;
    the `policies` section of the calendar file overrides them.  Format and
    defaults: docs/sla.md. */
#ifndef SW_POLICY_H
#define SW_POLICY_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw_calendar.h"

typedef struct _sla_policy_t sw_policy_t;

/* How a limit counts. */
typedef enum {
    SW_UNIT_WORKING_MINUTES, /* working time (工作时间) on the office calendar */
    SW_UNIT_WORKING_DAYS,    /* "N working days later" (N个工作日内) */
    SW_UNIT_SAME_DAY,        /* by the end of the same working day (当天) */
    SW_UNIT_MINUTES          /* wall-clock time ("2 days" = 2880 minutes) */
} sw_unit_t;

/* A time limit. */
typedef struct {
    sw_unit_t unit;
    int64_t amount; /* minutes or days; 0 for SW_UNIT_SAME_DAY */
} sw_limit_t;

/* What the policy says for one deadline of one case. */
typedef struct {
    sw_limit_t limit;
    int warn_permille; /* warn when this share of the allowed time is gone; 0 none */
    int violation;     /* Shouwen__V1__ViolationType; 0 = the breach records none */
    const char *rule;  /* "R11", borrowed */
    const char *label; /* the `when` override that applied, borrowed; NULL if none */
    int kind;          /* the deadline kind (Shouwen__V1__DeadlineKind) */
} sw_rule_t;

/* The case facts a rule is matched on (proto enum values; 0 = unknown). */
typedef struct {
    int request_kind; /* Shouwen__V1__RequestKind */
    int channel;      /* Shouwen__V1__Channel */
    int urgency;      /* Shouwen__V1__Urgency */
    int disposition;  /* Shouwen__V1__Disposition */
} sw_case_facts_t;

/* The defaults of the seeds. */
sw_policy_t *sw_policy_new(void);
/* The defaults overridden by a `policies` section (NULL node: defaults).
   NULL on a bad section, with *error a malloc'ed "policies/reply/limit:
   ..." message (the caller's to free). */
sw_policy_t *sw_policy_new_from_zconfig(zconfig_t *policies, char **error);
void sw_policy_destroy(sw_policy_t **self_p);

/* The calendar file as a whole: its calendar (holidays, offices) and its
   policies section.  0 with both set, or -1 with *error as
   sw_calendar_new_from_text gives it (the caller's to free). */
int sw_policy_load(const char *text, size_t len, sw_calendar_t **calendar,
                   sw_policy_t **policy, char **error);

/* Fills *out with the rule for a deadline kind (Shouwen__V1__DeadlineKind)
   of a case; false if that deadline does not apply to the case. */
bool sw_policy_rule(sw_policy_t *self, int deadline_kind, const sw_case_facts_t *facts,
                    sw_rule_t *out);

/* The violation type a breach of a deadline kind records (0 = none) and
   its rule id ("R10"), whatever the case. */
int sw_policy_violation(sw_policy_t *self, int deadline_kind, const char **rule);
/* True if a deadline kind counts working time by default (its limit
   without overrides). */
bool sw_policy_is_working(sw_policy_t *self, int deadline_kind);

/* When the stage feedback clock (R3) runs: the case's completion limit
   reaches at least this far. */
const sw_limit_t *sw_policy_long_matter(sw_policy_t *self);

/* V2: the penalty of the occurrence-th violation of a type by one person
   in one month (1 = the first). */
void sw_policy_penalty(sw_policy_t *self, int violation_type, uint32_t occurrence,
                       uint32_t *yuan, bool *self_criticism);
/* The department penalty: recorded once a month, at the department's
   from-th violation of the month (from 0: never). */
void sw_policy_department_penalty(sw_policy_t *self, uint32_t *from, uint32_t *yuan);

/* The rule as text for DeadlineSet.policy: "R11: reply within 1 working
   day", "R22: completion within 1 working day (quick)". */
void sw_rule_text(const sw_rule_t *rule, char *out, size_t size);

/* The instant a limit ends when counted from start_us; -1 on a calendar
   error (unknown office, out of range). */
int64_t sw_limit_due(const sw_limit_t *limit, sw_calendar_t *calendar, const char *office,
                     int64_t start_us);
/* The warning point: permille of the allowed time between start and due,
   counted as the limit counts (working or wall-clock time); 0 for none. */
int64_t sw_limit_warn(const sw_limit_t *limit, sw_calendar_t *calendar,
                      const char *office, int64_t start_us, int64_t due_us, int permille);
/* True for limits counted in working time (a pause moves them by working
   time); false for wall-clock limits. */
bool sw_limit_is_working(const sw_limit_t *limit);
/* "1 working day", "60 working minutes", "same working day", "2 days". */
void sw_limit_format(const sw_limit_t *limit, char *out, size_t size);
/* Parse a limit; 0 or -1. */
int sw_limit_parse(const char *text, sw_limit_t *out);

#endif
