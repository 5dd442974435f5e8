/*  sw_policy: the time limits and penalties sla applies (docs/sla.md):
    the seeds' defaults, the `policies` section of the calendar file that
    overrides them, and the rule for a deadline of a case.  A limit itself
    (parsed, formatted, counted on the calendar) is sw_policy_limit.c's. */
#include "sw_policy.h"
#include "sw_alloc.h"
#include "sw_zpl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/shouwen.pb-c.h"

#define S_KINDS      8  /* DeadlineKind values 0..7 */
#define S_VIOLATIONS 8  /* ViolationType values 0..7 */
#define S_MAX_WHEN   16 /* overrides per deadline kind */

/* A set of proto enum values (all below 32); 0 = any. */
typedef uint32_t s_mask_t;

/* What an override or a rule applies to. */
typedef struct {
    s_mask_t kinds;        /* request kinds */
    s_mask_t channels;     /* channels */
    s_mask_t urgency;      /* urgencies */
    s_mask_t dispositions; /* routing dispositions */
} s_match_t;

/* One `when` override: the first whose match fits wins. */
typedef struct {
    char label[48];    /* its name in the file, shown in the policy text */
    s_match_t match;   /* what it applies to */
    bool has_limit;    /* limit given */
    sw_limit_t limit;  /* the limit for those cases */
    int warn_permille; /* -1: not given */
    int enabled;       /* -1: not given, else 0 or 1 */
} s_when_t;

/* The rule of one deadline kind. */
typedef struct {
    bool configurable;         /* a kind some event starts */
    bool enabled;              /* the deadline is set at all */
    s_match_t match;           /* cases it applies to */
    sw_limit_t limit;          /* default limit */
    int warn_permille;         /* -1: the policies' warn_at */
    int violation;             /* recorded at a breach; 0 = none */
    char rule[16];             /* "R11" */
    s_when_t when[S_MAX_WHEN]; /* overrides, in file order */
    size_t when_count;
} s_kind_rule_t;

/* V2 penalties of one violation type. */
typedef struct {
    uint32_t yuan;              /* first offence of the month */
    uint32_t repeat_from;       /* this occurrence and later are repeats (0: never) */
    uint32_t repeat_yuan;       /* a repeat's penalty */
    bool repeat_self_criticism; /* a repeat brings a written self-criticism (书面检查) */
} s_penalty_t;

struct _sla_policy_t {
    int warn_permille;                   /* default warning point */
    s_kind_rule_t kinds[S_KINDS];        /* by DeadlineKind */
    s_penalty_t penalties[S_VIOLATIONS]; /* by ViolationType */
    uint32_t department_from;            /* department penalty at this violation */
    uint32_t department_yuan;            /* department penalty */
    sw_limit_t long_matter;              /* stage feedback for longer completion limits */
};

/* ------------------------------------------------------------------------
   Defaults (REQUIREMENTS.md R3, R10, R11, R16, R21, R22, V2). */

#define S_BIT(v) ((s_mask_t)1 << (v))

static void s_kind(sw_policy_t *self, int kind, const char *rule, sw_unit_t unit,
                   int64_t amount, int violation)
{
    s_kind_rule_t *r = &self->kinds[kind];
    r->configurable = true;
    r->enabled = true;
    r->limit.unit = unit;
    r->limit.amount = amount;
    r->warn_permille = -1;
    r->violation = violation;
    snprintf(r->rule, sizeof r->rule, "%s", rule);
}

static void s_when(s_kind_rule_t *r, const char *label, s_mask_t kinds, s_mask_t urgency,
                   sw_unit_t unit, int64_t amount)
{
    s_when_t *w = &r->when[r->when_count++];
    snprintf(w->label, sizeof w->label, "%s", label);
    w->match.kinds = kinds;
    w->match.urgency = urgency;
    w->has_limit = true;
    w->limit.unit = unit;
    w->limit.amount = amount;
    w->warn_permille = -1;
    w->enabled = -1;
}

static void s_defaults(sw_policy_t *self)
{
    const int late = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_LATE_TRANSFER;
    const int exceeded = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_TIME_LIMIT_EXCEEDED;
    self->warn_permille = 750;
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_TRANSFER, "R10",
           SW_UNIT_WORKING_MINUTES, 60, late);
    self->kinds[SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_TRANSFER].match.dispositions =
        S_BIT(SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT) |
        S_BIT(SHOUWEN__V1__DISPOSITION__DISPOSITION_SEVERAL_DEPARTMENTS);
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY, "R11",
           SW_UNIT_WORKING_DAYS, 1, exceeded);
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_PHONE_SAME_DAY, "R21",
           SW_UNIT_SAME_DAY, 0, exceeded);
    self->kinds[SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_PHONE_SAME_DAY].match.channels =
        S_BIT(SHOUWEN__V1__CHANNEL__CHANNEL_PHONE) |
        S_BIT(SHOUWEN__V1__CHANNEL__CHANNEL_HOTLINE);
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK, "R16",
           SW_UNIT_WORKING_DAYS, 2, exceeded);
    self->kinds[SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK].match.kinds =
        S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT);
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_COMPLETION, "R22",
           SW_UNIT_WORKING_DAYS, 5, exceeded);
    s_kind_rule_t *done =
        &self->kinds[SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_COMPLETION];
    s_when(done, "urgent", 0, S_BIT(SHOUWEN__V1__URGENCY__URGENCY_URGENT),
           SW_UNIT_WORKING_DAYS, 1);
    s_when(done, "quick",
           S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION) |
               S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_HELP) |
               S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_REPAIR),
           0, SW_UNIT_WORKING_DAYS, 1);
    s_when(done, "on_site",
           S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_ON_SITE_SUPPORT), 0,
           SW_UNIT_WORKING_DAYS, 3);
    s_when(done, "long",
           S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_REPORT) |
               S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_SUGGESTION) |
               S_BIT(SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_TRAINING),
           0, SW_UNIT_WORKING_DAYS, 10);
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_STAGE_FEEDBACK, "R3",
           SW_UNIT_WORKING_DAYS, 3, exceeded);
    /* R26: "promptly" on returning to post; the seeds give no number */
    s_kind(self, SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_RETURN_CONTACT, "R26",
           SW_UNIT_WORKING_MINUTES, 120,
           SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_NO_CONTACT_AFTER_RETURN);
    self->long_matter.unit = SW_UNIT_WORKING_DAYS;
    self->long_matter.amount = 5;
    for (int t = 0; t < S_VIOLATIONS; t++)
        self->penalties[t] = (s_penalty_t){100, 2, 200, true};
    self->department_from = 3;
    self->department_yuan = 200;
}

sw_policy_t *sw_policy_new(void)
{
    sw_policy_t *self = sw_calloc(1, sizeof *self);
    s_defaults(self);
    return self;
}

void sw_policy_destroy(sw_policy_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

/* ------------------------------------------------------------------------
   Parsing the `policies` section (its values read with sw_zpl, so errors
   carry the key's line when the section came from text). */

/* "other_department" -> DISPOSITION_OTHER_DEPARTMENT's value; -1 if none. */
static int s_enum_value(const ProtobufCEnumDescriptor *desc, const char *prefix,
                        const char *name)
{
    char full[96];
    int n = snprintf(full, sizeof full, "%s%s", prefix, name);
    if (n < 0 || (size_t)n >= sizeof full || !*name)
        return -1;
    for (size_t i = strlen(prefix); i < (size_t)n; i++)
        full[i] = (char)toupper((unsigned char)full[i]);
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(desc, full);
    return v && v->value > 0 && v->value < 32 ? v->value : -1;
}

/* A list of enum names ("phone, hotline"), or "any". */
static int s_parse_mask(sw_zpl_t *zpl, zconfig_t *kv, const char *where,
                        const ProtobufCEnumDescriptor *desc, const char *prefix,
                        s_mask_t *out)
{
    *out = 0;
    char word[64];
    for (const char *rest = sw_zpl_value(kv);
         (rest = sw_zpl_next_item(rest, word, sizeof word));) {
        for (char *c = word; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (streq(word, "any")) {
            *out = 0;
            return 0;
        }
        int v = s_enum_value(desc, prefix, word);
        if (v < 0)
            return sw_zpl_fail(zpl, kv, "%s/%s: '%s' is not a %s", where,
                               zconfig_name(kv), word, desc->short_name);
        *out |= S_BIT(v);
    }
    return 0;
}

static int s_parse_permille(sw_zpl_t *zpl, zconfig_t *kv, const char *where, int *out)
{
    const char *text = sw_zpl_value(kv);
    char *end;
    double v = strtod(text, &end);
    bool percent = *end == '%';
    if (percent)
        end++;
    if (end == text || *end || v < 0 || (percent ? v > 100 : v > 1))
        return sw_zpl_fail(
            zpl, kv, "%s/warn_at: '%s' is not a fraction (0.75) or a percentage (75%%)",
            where, text);
    *out = (int)(percent ? v * 10 + 0.5 : v * 1000 + 0.5);
    return 0;
}

/* A boolean key into *out (0 or 1). */
static int s_parse_flag(sw_zpl_t *zpl, zconfig_t *kv, const char *where, int *out)
{
    bool flag;
    if (sw_zpl_bool(zpl, kv, where, SW_ZPL_YES_NO, &flag) != 0)
        return -1;
    *out = flag;
    return 0;
}

static int s_parse_uint(sw_zpl_t *zpl, zconfig_t *kv, const char *where, uint32_t max,
                        uint32_t *out)
{
    int64_t n;
    if (sw_zpl_int(zpl, kv, where, 0, max, &n) != 0)
        return -1;
    *out = (uint32_t)n;
    return 0;
}

static int s_parse_limit(sw_zpl_t *zpl, zconfig_t *kv, const char *where, sw_limit_t *out)
{
    if (sw_limit_parse(sw_zpl_value(kv), out) != 0)
        return sw_zpl_fail(
            zpl, kv,
            "%s/%s: '%s' is not a limit (e.g. '1 working hour', '1 working day', "
            "'same working day', '2 days'; at most 366 days)",
            where, zconfig_name(kv), sw_zpl_value(kv));
    return 0;
}

static int s_parse_match(sw_zpl_t *zpl, zconfig_t *kv, const char *where,
                         s_match_t *match)
{
    const char *key = zconfig_name(kv);
    if (streq(key, "kinds"))
        return s_parse_mask(zpl, kv, where, &shouwen__v1__request_kind__descriptor,
                            "REQUEST_KIND_", &match->kinds);
    if (streq(key, "channels"))
        return s_parse_mask(zpl, kv, where, &shouwen__v1__channel__descriptor, "CHANNEL_",
                            &match->channels);
    if (streq(key, "urgency"))
        return s_parse_mask(zpl, kv, where, &shouwen__v1__urgency__descriptor, "URGENCY_",
                            &match->urgency);
    return s_parse_mask(zpl, kv, where, &shouwen__v1__disposition__descriptor,
                        "DISPOSITION_", &match->dispositions);
}

/* The keys of one `when` override. */
static int s_parse_when_keys(sw_zpl_t *zpl, s_when_t *w, const char *at, zconfig_t *item)
{
    static const char *const keys[] = {"kinds", "channels", "urgency", "dispositions",
                                       "limit", "warn_at",  "enabled", NULL};
    uint32_t seen = 0;
    int index;
    for (zconfig_t *kv = zconfig_child(item); kv; kv = zconfig_next(kv)) {
        const char *key = zconfig_name(kv);
        if (sw_zpl_once(zpl, kv, at, keys, &seen, &index) != 0)
            return -1;
        if (index < 0 || zconfig_child(kv))
            return sw_zpl_fail(zpl, kv,
                               "%s: unknown key '%s' (expected kinds, channels, "
                               "urgency, dispositions, limit, warn_at or enabled)",
                               at, key);
        int rc = streq(key, "limit") ? s_parse_limit(zpl, kv, at, &w->limit)
                 : streq(key, "warn_at")
                     ? s_parse_permille(zpl, kv, at, &w->warn_permille)
                 : streq(key, "enabled") ? s_parse_flag(zpl, kv, at, &w->enabled)
                                         : s_parse_match(zpl, kv, at, &w->match);
        if (rc != 0)
            return -1;
        w->has_limit |= streq(key, "limit");
    }
    return 0;
}

static int s_parse_when(sw_zpl_t *zpl, const char *where, s_kind_rule_t *rule,
                        zconfig_t *node)
{
    rule->when_count = 0; /* a `when` section replaces the default overrides */
    for (zconfig_t *item = zconfig_child(node); item; item = zconfig_next(item)) {
        char at[256];
        snprintf(at, sizeof at, "%s/when/%s", where, zconfig_name(item));
        if (rule->when_count == S_MAX_WHEN)
            return sw_zpl_fail(zpl, item, "%s: more than %d overrides", at, S_MAX_WHEN);
        for (size_t i = 0; i < rule->when_count; i++)
            if (streq(rule->when[i].label, zconfig_name(item)))
                return sw_zpl_fail(zpl, item, "%s: override defined twice", at);
        s_when_t *w = &rule->when[rule->when_count++];
        memset(w, 0, sizeof *w);
        snprintf(w->label, sizeof w->label, "%s", zconfig_name(item));
        w->warn_permille = -1;
        w->enabled = -1;
        if (s_parse_when_keys(zpl, w, at, item) != 0)
            return -1;
    }
    return 0;
}

static int s_parse_violation(sw_zpl_t *zpl, zconfig_t *kv, const char *where, int *out)
{
    const char *value = sw_zpl_value(kv);
    if (streq(value, "none")) {
        *out = 0;
        return 0;
    }
    int v =
        s_enum_value(&shouwen__v1__violation_type__descriptor, "VIOLATION_TYPE_", value);
    if (v < 0 || v >= S_VIOLATIONS)
        return sw_zpl_fail(zpl, kv,
                           "%s/violation: '%s' is not a violation type (late_transfer, "
                           "time_limit_exceeded, ... or none)",
                           where, value);
    *out = v;
    return 0;
}

static int s_parse_rule_id(sw_zpl_t *zpl, zconfig_t *kv, const char *where,
                           s_kind_rule_t *rule)
{
    const char *value = sw_zpl_value(kv);
    if (strlen(value) >= sizeof rule->rule || !*value)
        return sw_zpl_fail(zpl, kv, "%s/rule: '%s' is not a rule id such as R11", where,
                           value);
    snprintf(rule->rule, sizeof rule->rule, "%s", value);
    return 0;
}

static int s_parse_kind(sw_zpl_t *zpl, sw_policy_t *self, s_kind_rule_t *rule,
                        const char *where, zconfig_t *node, bool stage)
{
    static const char *const keys[] = {"enabled",  "limit",   "warn_at",      "kinds",
                                       "channels", "urgency", "dispositions", "violation",
                                       "rule",     "when",    "long_matter",  NULL};
    uint32_t seen = 0;
    int index, flag = 0;
    for (zconfig_t *kv = zconfig_child(node); kv; kv = zconfig_next(kv)) {
        const char *key = zconfig_name(kv);
        if (sw_zpl_once(zpl, kv, where, keys, &seen, &index) != 0)
            return -1;
        if (index < 0 || (streq(key, "long_matter") && !stage) ||
            (zconfig_child(kv) && !streq(key, "when")))
            return sw_zpl_fail(zpl, kv, "%s: unknown key '%s'", where, key);
        int rc = 0;
        if (streq(key, "when"))
            rc = s_parse_when(zpl, where, rule, kv);
        else if (streq(key, "enabled")) {
            rc = s_parse_flag(zpl, kv, where, &flag);
            rule->enabled = flag == 1;
        } else if (streq(key, "limit"))
            rc = s_parse_limit(zpl, kv, where, &rule->limit);
        else if (streq(key, "long_matter"))
            rc = s_parse_limit(zpl, kv, where, &self->long_matter);
        else if (streq(key, "warn_at"))
            rc = s_parse_permille(zpl, kv, where, &rule->warn_permille);
        else if (streq(key, "violation"))
            rc = s_parse_violation(zpl, kv, where, &rule->violation);
        else if (streq(key, "rule"))
            rc = s_parse_rule_id(zpl, kv, where, rule);
        else
            rc = s_parse_match(zpl, kv, where, &rule->match);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int s_parse_penalty(sw_zpl_t *zpl, s_penalty_t *penalty, const char *where,
                           zconfig_t *node)
{
    static const char *const keys[] = {"yuan", "repeat_from", "repeat_yuan",
                                       "repeat_self_criticism", NULL};
    uint32_t seen = 0;
    for (zconfig_t *kv = zconfig_child(node); kv; kv = zconfig_next(kv)) {
        int index, flag = 0, rc;
        if (sw_zpl_once(zpl, kv, where, keys, &seen, &index) != 0)
            return -1;
        if (index < 0 || zconfig_child(kv))
            return sw_zpl_fail(zpl, kv,
                               "%s: unknown key '%s' (expected yuan, repeat_from, "
                               "repeat_yuan or repeat_self_criticism)",
                               where, zconfig_name(kv));
        if (index == 0)
            rc = s_parse_uint(zpl, kv, where, 1000000, &penalty->yuan);
        else if (index == 1)
            rc = s_parse_uint(zpl, kv, where, 1000, &penalty->repeat_from);
        else if (index == 2)
            rc = s_parse_uint(zpl, kv, where, 1000000, &penalty->repeat_yuan);
        else {
            rc = s_parse_flag(zpl, kv, where, &flag);
            penalty->repeat_self_criticism = flag == 1;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int s_parse_department(sw_zpl_t *zpl, sw_policy_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"from", "yuan", NULL};
    const char *where = "policies/penalties/department";
    uint32_t seen = 0;
    int index;
    for (zconfig_t *kv = zconfig_child(node); kv; kv = zconfig_next(kv)) {
        if (sw_zpl_once(zpl, kv, where, keys, &seen, &index) != 0)
            return -1;
        if (index < 0 || zconfig_child(kv))
            return sw_zpl_fail(zpl, kv, "%s: unknown key '%s' (expected from or yuan)",
                               where, zconfig_name(kv));
        uint32_t *slot = index == 0 ? &self->department_from : &self->department_yuan;
        if (s_parse_uint(zpl, kv, where, 1000000, slot) != 0)
            return -1;
    }
    return 0;
}

static int s_parse_penalties(sw_zpl_t *zpl, sw_policy_t *self, zconfig_t *node)
{
    /* `default` first, whatever its place, so that named types override it */
    zconfig_t *def = zconfig_locate(node, "default");
    if (def) {
        s_penalty_t p = self->penalties[0];
        if (s_parse_penalty(zpl, &p, "policies/penalties/default", def) != 0)
            return -1;
        for (int t = 0; t < S_VIOLATIONS; t++)
            self->penalties[t] = p;
    }
    uint32_t seen = 0;
    for (zconfig_t *type = zconfig_child(node); type; type = zconfig_next(type)) {
        const char *name = zconfig_name(type);
        char where[160];
        snprintf(where, sizeof where, "policies/penalties/%s", name);
        if (streq(name, "default"))
            continue;
        int v = streq(name, "department")
                    ? 0
                    : s_enum_value(&shouwen__v1__violation_type__descriptor,
                                   "VIOLATION_TYPE_", name);
        if (v < 0 || v >= S_VIOLATIONS)
            return sw_zpl_fail(zpl, type,
                               "%s: not a violation type, default or department", where);
        if (seen & S_BIT(v))
            return sw_zpl_fail(zpl, type, "%s: given twice", where);
        seen |= S_BIT(v);
        int rc = v == 0 ? s_parse_department(zpl, self, type)
                        : s_parse_penalty(zpl, &self->penalties[v], where, type);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Each top-level key at most once: bit S_KINDS for warn_at, S_KINDS + 1
   for penalties, the deadline kind's for a kind. */
static int s_once_top(sw_zpl_t *zpl, zconfig_t *node, const char *where, int bit,
                      uint32_t *seen)
{
    if (*seen & S_BIT(bit))
        return sw_zpl_fail(zpl, node, "%s: given twice", where);
    *seen |= S_BIT(bit);
    return 0;
}

static int s_parse_policies(sw_zpl_t *zpl, sw_policy_t *self, zconfig_t *root)
{
    uint32_t seen = 0;
    for (zconfig_t *node = zconfig_child(root); node; node = zconfig_next(node)) {
        const char *name = zconfig_name(node);
        char where[160];
        snprintf(where, sizeof where, "policies/%s", name);
        int rc;
        if (streq(name, "warn_at"))
            rc = s_once_top(zpl, node, where, S_KINDS, &seen) ||
                 s_parse_permille(zpl, node, "policies", &self->warn_permille);
        else if (streq(name, "penalties"))
            rc = s_once_top(zpl, node, where, S_KINDS + 1, &seen) ||
                 s_parse_penalties(zpl, self, node);
        else {
            int kind = s_enum_value(&shouwen__v1__deadline_kind__descriptor,
                                    "DEADLINE_KIND_", name);
            if (kind < 0 || kind >= S_KINDS || !self->kinds[kind].configurable)
                return sw_zpl_fail(zpl, node,
                                   "%s: unknown key (expected warn_at, penalties, "
                                   "transfer, reply, phone_same_day, callback, "
                                   "completion, stage_feedback or return_contact)",
                                   where);
            rc = s_once_top(zpl, node, where, kind, &seen) ||
                 s_parse_kind(
                     zpl, self, &self->kinds[kind], where, node,
                     kind == SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_STAGE_FEEDBACK);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The defaults overridden by policies (NULL: none); NULL on an error. */
static sw_policy_t *s_new(sw_zpl_t *zpl, zconfig_t *policies)
{
    sw_policy_t *self = sw_policy_new();
    if (policies && s_parse_policies(zpl, self, policies) != 0)
        sw_policy_destroy(&self);
    return self;
}

sw_policy_t *sw_policy_new_from_zconfig(zconfig_t *policies, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_tree(policies, error);
    sw_policy_t *self = s_new(zpl, policies);
    sw_zpl_destroy(&zpl);
    return self;
}

int sw_policy_load(const char *text, size_t len, sw_calendar_t **calendar,
                   sw_policy_t **policy, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_text(text, len, &sw_calendar_limits, error);
    *calendar = zpl ? sw_calendar_new_from_zpl(zpl) : NULL;
    *policy = *calendar ? s_new(zpl, zconfig_locate(sw_zpl_root(zpl), "policies")) : NULL;
    sw_zpl_destroy(&zpl);
    if (!*policy)
        sw_calendar_destroy(calendar);
    return *policy ? 0 : -1;
}

/* ------------------------------------------------------------------------
   Lookups. */

static bool s_in(s_mask_t mask, int value)
{
    return mask == 0 || (value > 0 && value < 32 && (mask & S_BIT(value)));
}

static bool s_matches(const s_match_t *m, const sw_case_facts_t *f)
{
    return s_in(m->kinds, f->request_kind) && s_in(m->channels, f->channel) &&
           s_in(m->urgency, f->urgency) && s_in(m->dispositions, f->disposition);
}

static const char *s_kind_name(int kind)
{
    switch (kind) {
    case SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_TRANSFER:
        return "transfer";
    case SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY:
        return "reply";
    case SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_PHONE_SAME_DAY:
        return "phone answered";
    case SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_CALLBACK:
        return "callback";
    case SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_COMPLETION:
        return "completion";
    case SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_RETURN_CONTACT:
        return "contact on return to post";
    default:
        return "stage feedback";
    }
}

bool sw_policy_rule(sw_policy_t *self, int deadline_kind, const sw_case_facts_t *facts,
                    sw_rule_t *out)
{
    assert(self && facts && out);
    if (deadline_kind <= 0 || deadline_kind >= S_KINDS)
        return false;
    const s_kind_rule_t *r = &self->kinds[deadline_kind];
    if (!r->configurable || !r->enabled || !s_matches(&r->match, facts))
        return false;
    out->limit = r->limit;
    out->warn_permille = r->warn_permille >= 0 ? r->warn_permille : self->warn_permille;
    out->violation = r->violation;
    out->rule = r->rule;
    out->label = NULL;
    out->kind = deadline_kind;
    for (size_t i = 0; i < r->when_count; i++) {
        const s_when_t *w = &r->when[i];
        if (!s_matches(&w->match, facts))
            continue;
        if (w->enabled == 0)
            return false;
        if (w->has_limit)
            out->limit = w->limit;
        if (w->warn_permille >= 0)
            out->warn_permille = w->warn_permille;
        out->label = w->label;
        break;
    }
    return true;
}

void sw_rule_text(const sw_rule_t *rule, char *out, size_t size)
{
    char limit[48];
    sw_limit_format(&rule->limit, limit, sizeof limit);
    const char *label = rule->label;
    snprintf(out, size, "%s: %s %s %s%s%s%s", rule->rule, s_kind_name(rule->kind),
             rule->limit.unit == SW_UNIT_SAME_DAY ? "by the end of the" : "within", limit,
             label ? " (" : "", label ? label : "", label ? ")" : "");
}

int sw_policy_violation(sw_policy_t *self, int deadline_kind, const char **rule)
{
    if (deadline_kind <= 0 || deadline_kind >= S_KINDS ||
        !self->kinds[deadline_kind].configurable) {
        *rule = "V1";
        return SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_TIME_LIMIT_EXCEEDED;
    }
    *rule = self->kinds[deadline_kind].rule;
    return self->kinds[deadline_kind].violation;
}

bool sw_policy_is_working(sw_policy_t *self, int deadline_kind)
{
    return deadline_kind <= 0 || deadline_kind >= S_KINDS ||
           sw_limit_is_working(&self->kinds[deadline_kind].limit);
}

const sw_limit_t *sw_policy_long_matter(sw_policy_t *self)
{
    return &self->long_matter;
}

void sw_policy_penalty(sw_policy_t *self, int violation_type, uint32_t occurrence,
                       uint32_t *yuan, bool *self_criticism)
{
    const s_penalty_t *p =
        &self->penalties[violation_type > 0 && violation_type < S_VIOLATIONS
                             ? violation_type
                             : 0];
    bool repeat = p->repeat_from > 0 && occurrence >= p->repeat_from;
    *yuan = repeat ? p->repeat_yuan : p->yuan;
    *self_criticism = repeat && p->repeat_self_criticism;
}

void sw_policy_department_penalty(sw_policy_t *self, uint32_t *from, uint32_t *yuan)
{
    *from = self->department_from;
    *yuan = self->department_yuan;
}
