/*  branch_view: the web desk's JSON (see branch_view.h). */
#include "branch_view.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sw_json.h"

#define S_LEN 512

/* --------------------------------------------------------------- enums */

const char *branch_view_enum(const ProtobufCEnumDescriptor *d, int value, char *buf,
                             size_t size)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    buf[0] = '\0';
    if (!v || value == 0)
        return buf;
    /* the prefix is the enum's name in upper case: CHANNEL_, DEADLINE_KIND_ */
    const char *name = v->name;
    const char *first = d->values[0].name; /* X_UNSPECIFIED */
    const char *cut = strstr(first, "UNSPECIFIED");
    size_t prefix = cut ? (size_t)(cut - first) : 0;
    if (strlen(name) > prefix && strncmp(name, first, prefix) == 0)
        name += prefix;
    snprintf(buf, size, "%s", name);
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return buf;
}

int branch_view_enum_value(const ProtobufCEnumDescriptor *d, const char *name)
{
    char buf[64];
    for (unsigned i = 1; name && *name && i < d->n_values; i++)
        if (streq(branch_view_enum(d, d->values[i].value, buf, sizeof buf), name))
            return d->values[i].value;
    return -1;
}

static const char *s_label(const char *const table[][2], const char *value)
{
    for (size_t i = 0; table[i][0]; i++)
        if (streq(table[i][0], value))
            return table[i][1];
    return value;
}

static const char *const s_deadline_zh[][2] = {
    {"transfer", "转交时限"},           {"reply", "答复时限"},
    {"phone_same_day", "来电当天答复"}, {"callback", "回访时限"},
    {"completion", "限时办结"},         {"stage_feedback", "阶段性反馈"},
    {"return_contact", "到岗后联系"},   {NULL, NULL}};

/* --------------------------------------------------------------- names */

static const char *s_or(const char *a, const char *b)
{
    return a && *a ? a : b;
}

static const char *s_staff_name(sw_directory_t *dir, const char *id)
{
    const char *name = dir && id && *id ? sw_directory_staff(dir, id, "name") : NULL;
    if (!name && id && (streq(id, "router") || streq(id, "sla") || streq(id, "intake")))
        return "系统"; /* the hub's daemons decide, nobody by name */
    return s_or(name, id ? id : "");
}

static const char *s_dept_name(sw_directory_t *dir, const char *id)
{
    const char *name = dir && id && *id ? sw_directory_department(dir, id, "name") : NULL;
    return s_or(name, id ? id : "");
}

/* key = id, and beside it key with "_id" made "_name" = its name as the
   directory has it (s_staff_name or s_dept_name) */
static void s_named(json_t *o, sw_directory_t *dir, const char *key, const char *id,
                    const char *(*name)(sw_directory_t *, const char *))
{
    char name_key[64];
    json_object_set_new(o, key, json_string(id ? id : ""));
    size_t len = strlen(key);
    snprintf(name_key, sizeof name_key, "%.*s_name", (int)(len > 3 ? len - 3 : len), key);
    if (id && *id)
        json_object_set_new(o, name_key, json_string(name(dir, id)));
}

static void s_enum_set(json_t *o, const char *key, const ProtobufCEnumDescriptor *d,
                       int value)
{
    char buf[64];
    json_object_set_new(o, key, json_string(branch_view_enum(d, value, buf, sizeof buf)));
}

/* --------------------------------------------------------------- cases */

json_t *branch_view_case(sw_directory_t *dir, const Shouwen__V1__CaseSummary *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "case_id", json_string(c->case_id));
    s_enum_set(o, "state", &shouwen__v1__case_state__descriptor, c->state);
    json_t *cust = json_object();
    if (c->customer) {
        json_object_set_new(cust, "unit", json_string(c->customer->unit));
        json_object_set_new(cust, "name", json_string(c->customer->name));
        json_object_set_new(cust, "phone", json_string(c->customer->phone));
    }
    json_object_set_new(o, "customer", cust);
    json_object_set_new(o, "matter", json_string(c->matter));
    json_object_set_new(o, "category", json_string(c->category));
    const char *cat = dir ? sw_directory_category_name(dir, c->category) : NULL;
    json_object_set_new(o, "category_name", json_string(s_or(cat, c->category)));
    s_enum_set(o, "kind", &shouwen__v1__request_kind__descriptor, c->kind);
    s_enum_set(o, "urgency", &shouwen__v1__urgency__descriptor, c->urgency);
    s_enum_set(o, "channel", &shouwen__v1__channel__descriptor, c->channel);
    json_object_set_new(o, "received_at_us", json_integer(c->received_at_us));
    s_named(o, dir, "receiver_staff_id", c->receiver_staff_id, s_staff_name);
    s_named(o, dir, "first_owner_id", c->first_owner_id, s_staff_name);
    s_named(o, dir, "factual_owner_id", c->factual_owner_id, s_staff_name);
    s_named(o, dir, "handler_id", c->handler_id, s_staff_name);
    s_named(o, dir, "department_id", c->department_id, s_dept_name);
    s_named(o, dir, "pending_to_staff_id", c->pending_to_staff_id, s_staff_name);
    s_named(o, dir, "pending_to_department_id", c->pending_to_department_id, s_dept_name);
    json_object_set_new(o, "waiting", json_boolean(c->waiting));
    json_t *roles = json_array();
    for (size_t i = 0; i < c->n_roles; i++)
        json_array_append_new(roles, json_string(c->roles[i]));
    json_object_set_new(o, "roles", roles);
    json_t *deadlines = json_array();
    for (size_t i = 0; i < c->n_deadlines; i++) {
        const Shouwen__V1__RunningDeadline *d = c->deadlines[i];
        json_t *x = json_object();
        char kind[64];
        branch_view_enum(&shouwen__v1__deadline_kind__descriptor, d->kind, kind,
                         sizeof kind);
        json_object_set_new(x, "kind", json_string(kind));
        json_object_set_new(x, "kind_name", json_string(s_label(s_deadline_zh, kind)));
        json_object_set_new(x, "due_at_us", json_integer(d->due_at_us));
        json_object_set_new(x, "warn_at_us", json_integer(d->warn_at_us));
        s_named(x, dir, "holder_staff_id", d->holder_staff_id, s_staff_name);
        s_named(x, dir, "department_id", d->department_id, s_dept_name);
        s_enum_set(x, "state", &shouwen__v1__deadline_state__descriptor, d->state);
        json_object_set_new(x, "policy", json_string(d->policy));
        json_array_append_new(deadlines, x);
    }
    json_object_set_new(o, "deadlines", deadlines);
    json_object_set_new(o, "position", json_integer((json_int_t)c->position));
    return o;
}

/* ------------------------------------------------------------ timeline */

json_t *branch_view_timeline(sw_directory_t *dir, const Shouwen__V1__Committed *c)
{
    Shouwen__V1__Envelope *e =
        shouwen__v1__envelope__unpack(NULL, c->envelope.len, c->envelope.data);
    if (!e)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "position", json_integer((json_int_t)c->position));
    json_object_set_new(o, "type", json_string(e->type));
    json_object_set_new(
        o, "at_us",
        json_integer(e->occurred_at_us ? e->occurred_at_us : c->committed_at_us));
    json_object_set_new(o, "producer", json_string(e->producer));
    s_named(o, dir, "actor_id", e->actor, s_staff_name);
    /* the one summary of an event: the hub's (SQL event_summary_zh) */
    json_object_set_new(o, "summary", json_string(*c->summary ? c->summary : e->type));
    if (e->body_case != SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT &&
        e->body_case != SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED) {
        /* the body as the auditors' jsonb has it; never a leader's contact */
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
            &shouwen__v1__envelope__descriptor, (unsigned)e->body_case);
        const ProtobufCMessage *body =
            f ? *(const ProtobufCMessage *const *)((const char *)e + f->offset) : NULL;
        if (body) {
            sw_json_t *text = sw_json_new();
            sw_json_message(text, body);
            json_t *b = json_loads(sw_json_text(text), 0, NULL);
            if (b)
                json_object_set_new(o, "body", b);
            sw_json_destroy(&text);
        }
    }
    shouwen__v1__envelope__free_unpacked(e, NULL);
    return o;
}

/* -------------------------------------------------------- notifications */

static const char *const s_notice_zh[][2] = {{"received", "新案件"},
                                             {"transferred", "转交给您"},
                                             {"returned", "退回给您"},
                                             {"forwarded", "转送给您"},
                                             {"accepted", "已被签收"},
                                             {"deadline_warning", "时限预警"},
                                             {"breach", "已超时"},
                                             {"escalated", "已升级"},
                                             {"callback_due", "回访到期"},
                                             {"leader_contact", "客人要求联系领导"},
                                             {NULL, NULL}};

json_t *branch_view_notification(sw_directory_t *dir, const Shouwen__V1__Notification *n)
{
    json_t *o = json_object();
    char kind[64], dk[64];
    branch_view_enum(&shouwen__v1__notification_kind__descriptor, n->kind, kind,
                     sizeof kind);
    branch_view_enum(&shouwen__v1__deadline_kind__descriptor, n->deadline_kind, dk,
                     sizeof dk);
    json_object_set_new(o, "position", json_integer((json_int_t)n->position));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "case_id", json_string(n->case_id));
    json_t *staff = json_array(), *depts = json_array();
    for (size_t i = 0; i < n->n_staff_ids; i++)
        json_array_append_new(staff, json_string(n->staff_ids[i]));
    for (size_t i = 0; i < n->n_department_ids; i++)
        json_array_append_new(depts, json_string(n->department_ids[i]));
    json_object_set_new(o, "staff_ids", staff);
    json_object_set_new(o, "department_ids", depts);
    json_object_set_new(o, "occurred_at_us", json_integer(n->occurred_at_us));
    s_named(o, dir, "actor_id", n->actor, s_staff_name);
    json_object_set_new(o, "actor", json_string(n->actor));
    s_named(o, dir, "from_staff_id", n->from_staff_id, s_staff_name);
    s_named(o, dir, "from_department_id", n->from_department_id, s_dept_name);
    json_object_set_new(o, "text", json_string(n->text));
    json_object_set_new(o, "deadline_kind", json_string(dk));
    json_object_set_new(o, "due_at_us", json_integer(n->due_at_us));
    json_object_set_new(o, "level", json_integer(n->level));
    char title[S_LEN];
    const char *what = s_label(s_notice_zh, kind);
    if (*dk)
        snprintf(title, sizeof title, "%s（%s）：%s", what, s_label(s_deadline_zh, dk),
                 n->case_id);
    else if (*n->from_staff_id)
        snprintf(title, sizeof title, "%s：%s（来自 %s）", what, n->case_id,
                 s_staff_name(dir, n->from_staff_id));
    else
        snprintf(title, sizeof title, "%s：%s", what, n->case_id);
    json_object_set_new(o, "title", json_string(title));
    return o;
}

/* ------------------------------------------------------------ directory */

static json_t *s_ids(const char **ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(ids[i]));
    return a;
}

json_t *branch_view_directory(sw_directory_t *dir, const char *branch)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(sw_directory_version(dir)));
    json_object_set_new(o, "organisation",
                        json_string(s_or(sw_directory_organisation(dir), "")));
    const char **ids = NULL;
    size_t n = sw_directory_categories(dir, &ids);
    json_t *cats = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_object();
        const char **depts = NULL;
        size_t nd = sw_directory_scope_departments(dir, ids[i], &depts);
        const char *guidance = sw_directory_outside_guidance(dir, ids[i]);
        json_object_set_new(c, "id", json_string(ids[i]));
        json_object_set_new(c, "name",
                            json_string(sw_directory_category_name(dir, ids[i])));
        json_object_set_new(c, "departments", s_ids(depts, nd));
        json_t *names = json_array();
        for (size_t k = 0; k < nd; k++)
            json_array_append_new(names, json_string(s_dept_name(dir, depts[k])));
        json_object_set_new(c, "department_names", names);
        json_object_set_new(
            c, "handler", json_string(s_or(sw_directory_scope_handler(dir, ids[i]), "")));
        json_object_set_new(c, "outside", json_boolean(guidance != NULL));
        const char **items = NULL; /* R3: what a reply must attest it told */
        size_t ni = sw_directory_checklist(dir, ids[i], &items);
        json_object_set_new(c, "checklist", s_ids(items, ni));
        json_object_set_new(c, "guidance", json_string(guidance ? guidance : ""));
        json_array_append_new(cats, c);
    }
    json_object_set_new(o, "categories", cats);
    n = sw_directory_departments(dir, &ids);
    json_t *depts = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(ids[i]));
        json_object_set_new(d, "name", json_string(s_dept_name(dir, ids[i])));
        json_object_set_new(
            d, "branch_id",
            json_string(s_or(sw_directory_department(dir, ids[i], "branch"), "")));
        json_object_set_new(
            d, "location",
            json_string(s_or(sw_directory_department(dir, ids[i], "location"), "")));
        json_array_append_new(depts, d);
    }
    json_object_set_new(o, "departments", depts);
    n = sw_directory_staff_ids(dir, &ids);
    json_t *staff = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *at = sw_directory_staff(dir, ids[i], "branch");
        if (!at || !streq(at, branch))
            continue; /* only the branch's own people */
        json_t *s = json_object();
        json_object_set_new(s, "id", json_string(ids[i]));
        json_object_set_new(s, "name", json_string(s_staff_name(dir, ids[i])));
        json_object_set_new(
            s, "department_id",
            json_string(s_or(sw_directory_staff(dir, ids[i], "department"), "")));
        json_array_append_new(staff, s);
    }
    json_object_set_new(o, "staff", staff);
    /* leaders a customer may ask for (R19), wherever they work: heads,
       supervising leaders, deputy GMs and the GM; names only */
    json_t *leaders = json_array(), *seen = json_object();
    n = sw_directory_departments(dir, &ids);
    for (size_t i = 0; i <= n; i++) {
        static const char *const fields[] = {"head", "leader", "deputy_gm"};
        for (size_t k = 0; k < 3; k++) {
            const char *who = i < n    ? sw_directory_department(dir, ids[i], fields[k])
                              : k == 0 ? sw_directory_gm(dir)
                                       : NULL;
            if (!who || json_object_get(seen, who))
                continue;
            json_object_set_new(seen, who, json_true());
            json_array_append_new(
                leaders, json_pack("{s:s, s:s, s:s}", "id", who, "name",
                                   s_staff_name(dir, who), "department_id",
                                   s_or(sw_directory_staff(dir, who, "department"), "")));
        }
    }
    json_decref(seen);
    json_object_set_new(o, "leaders", leaders);
    return o;
}

json_t *branch_view_preview(sw_directory_t *dir, const char *category,
                            const char *channel, const char *named, const char *receiver)
{
    json_t *o = json_object();
    const char *owner = sw_directory_natural_owner(dir, named, NULL, channel, receiver);
    const char *odept = sw_directory_staff(dir, owner, "department");
    const char *guidance = sw_directory_outside_guidance(dir, category);
    const char *sdept = sw_directory_scope_department(dir, category);
    const char *disposition = guidance                       ? "outside_organisation"
                              : !sdept                       ? "unclear"
                              : odept && streq(odept, sdept) ? "in_scope"
                                                             : "other_department";
    s_named(o, dir, "natural_owner_id", owner, s_staff_name);
    s_named(o, dir, "department_id", sdept ? sdept : "", s_dept_name);
    json_object_set_new(o, "disposition", json_string(disposition));
    char notice[S_LEN * 2];
    if (guidance)
        snprintf(notice, sizeof notice, "不属本单位职责，请向客人解释并指导：%s",
                 guidance);
    else if (!sdept)
        snprintf(notice, sizeof notice,
                 "职责不明，将报分管领导决定（R7）；首问责任人仍须跟进。");
    else if (streq(disposition, "in_scope"))
        snprintf(notice, sizeof notice, "属首问责任人所在部门（%s）职责，由本部门办理。",
                 s_dept_name(dir, sdept));
    else {
        const char *loc = sw_directory_department(dir, sdept, "location");
        snprintf(notice, sizeof notice,
                 "归口 %s%s%s%s：登记后请转交并签注意见（R5），首问责任人跟进至办结。",
                 s_dept_name(dir, sdept), loc ? "（" : "", loc ? loc : "",
                 loc ? "）" : "");
    }
    json_object_set_new(o, "notice", json_string(notice));
    return o;
}
