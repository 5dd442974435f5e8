/*  sw_directory_load: building a directory from its ZPL text (format in
    docs/directory.md): the text read with sw_zpl, each section walked into
    tables (entries in file order, indexed by id) with every value checked,
    then sw_directory_check.c for the references; and the destructor.
    Errors carry the line of the offending key (sw_zpl_fail). */
#include "sw_directory_int.h"
#include "sw_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_ID     64                           /* longest id */
#define S_ID_RULE    "1-64 of a-z, 0-9, '_', '-'" /* what an id is, for errors */
#define S_MAX_POLICY 100                          /* largest max_hops / max_bounces */
#define S_PATH       96                           /* room for "section/id" */

/* What a directory text may be: zconfig's parse time is quadratic, hence
   the lines. */
static const sw_zpl_limits_t s_limits = {"directory", 1 << 20, 20000};

/* ------------------------------------------------------------------------
   Ids and tables. */

static bool s_valid_id(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > S_MAX_ID)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '-'))
            return false;
    return true;
}

/* For sw_zpl_list: what is wrong with an id in a list, or NULL. */
static const char *s_id_check(const char *id)
{
    return s_valid_id(id) ? NULL : "is not a valid id (" S_ID_RULE ")";
}

static int s_check_id(sw_zpl_t *zpl, zconfig_t *node, const char *section)
{
    if (s_valid_id(zconfig_name(node)))
        return 0;
    return sw_zpl_fail(zpl, node, "%s/%s: not a valid id (" S_ID_RULE ")", section,
                       zconfig_name(node));
}

/* 0, or -1 when the id is taken. */
static int s_table_add(sw_dir_table_t *table, const char *id, void *item)
{
    if (zhashx_insert(table->index, id, item) != 0)
        return -1;
    if (table->count == table->size) {
        table->size = table->size ? table->size * 2 : 16;
        table->items = sw_realloc(table->items, table->size * sizeof *table->items);
        table->ids = sw_realloc(table->ids, table->size * sizeof *table->ids);
    }
    table->items[table->count] = item;
    table->ids[table->count++] = id;
    return 0;
}

static void s_table_free(sw_dir_table_t *table)
{
    free(table->items);
    free(table->ids);
    zhashx_destroy(&table->index);
}

/* ------------------------------------------------------------------------
   Sections and their entries. */

/* The node of a top-level section, or NULL; a second one is an error. */
static int s_section(sw_zpl_t *zpl, const char *name, zconfig_t **section)
{
    *section = NULL;
    for (zconfig_t *node = zconfig_child(sw_zpl_root(zpl)); node;
         node = zconfig_next(node)) {
        if (!streq(zconfig_name(node), name))
            continue;
        if (*section)
            return sw_zpl_fail(zpl, node,
                               "%s: section given twice (put everything under the first)",
                               name);
        const char *value = zconfig_value(node);
        if (value && *value)
            return sw_zpl_fail(zpl, node,
                               "%s: takes indented entries below it, not a value ('%s')",
                               name, value);
        *section = node;
    }
    return 0;
}

static int s_check_sections(sw_zpl_t *zpl)
{
    static const char *const known[] = {"directory", "department", "staff",     "duty",
                                        "scope",     "outside",    "checklist", "policy",
                                        "branch",    "customer"};
    for (zconfig_t *node = zconfig_child(sw_zpl_root(zpl)); node;
         node = zconfig_next(node)) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && !streq(known[k], zconfig_name(node)))
            k++;
        if (k == sizeof known / sizeof known[0])
            return sw_zpl_fail(zpl, node,
                               "%s: unknown section (expected directory, branch, "
                               "department, staff, duty, scope, outside, checklist, "
                               "policy or customer)",
                               zconfig_name(node));
    }
    return 0;
}

/* The start of every entry: its id checked, its path ("staff/fo-01") into
   path[S_PATH], the values of its keys read, the first `required` given. */
static int s_entry(sw_zpl_t *zpl, zconfig_t *node, const char *section,
                   const char *const *keys, size_t required, const char **values,
                   char *path)
{
    if (s_check_id(zpl, node, section) != 0)
        return -1;
    snprintf(path, S_PATH, "%s/%s", section, zconfig_name(node));
    if (sw_zpl_keys(zpl, node, path, keys, values) != 0)
        return -1;
    for (size_t k = 0; k < required; k++)
        if (!values[k])
            return sw_zpl_fail(zpl, node, "%s/%s: missing", path, keys[k]);
    return 0;
}

/* Add an entry under its id; on -1 ("defined twice") it is the caller's to
   free. */
static int s_entry_add(sw_zpl_t *zpl, sw_dir_table_t *table, zconfig_t *node,
                       const char *path, void *entry)
{
    if (s_table_add(table, zconfig_name(node), entry) == 0)
        return 0;
    return sw_zpl_fail(zpl, node, "%s: defined twice", path);
}

/* A copy of the entry (size bytes) added under its id; NULL if the id is
   defined twice. */
static void *s_entry_new(sw_zpl_t *zpl, sw_dir_table_t *table, zconfig_t *node,
                         const char *path, const void *entry, size_t size)
{
    void *copy = sw_malloc(size);
    memcpy(copy, entry, size);
    if (s_entry_add(zpl, table, node, path, copy) != 0) {
        free(copy);
        return NULL;
    }
    return copy;
}

/* directory/max_hops and max_bounces: 1..S_MAX_POLICY, def when absent. */
static int s_policy_int(sw_zpl_t *zpl, zconfig_t *node, const char *key, int def,
                        int *out)
{
    zconfig_t *at = zconfig_locate(node, key);
    int64_t n = def;
    if (at && sw_zpl_int(zpl, at, "directory", 1, S_MAX_POLICY, &n) != 0)
        return -1;
    *out = (int)n;
    return 0;
}

static int s_parse_directory(sw_zpl_t *zpl, sw_directory_t *self)
{
    static const char *const keys[] = {"version",        "organisation",
                                       "default_leader", "gm",
                                       "qa_office",      "customer_relations_supervisor",
                                       "max_hops",       "max_bounces",
                                       "branch",         NULL};
    const char *values[9];
    zconfig_t *node;
    if (s_section(zpl, "directory", &node) != 0)
        return -1;
    if (!node)
        return sw_zpl_fail(zpl, NULL,
                           "directory: missing (it holds version and organisation)");
    if (sw_zpl_keys(zpl, node, "directory", keys, values) != 0)
        return -1;
    if (!values[0])
        return sw_zpl_fail(zpl, node, "directory/version: missing");
    if (!values[1])
        return sw_zpl_fail(zpl, node, "directory/organisation: missing");
    self->version = values[0];
    self->organisation = values[1];
    self->default_leader = values[2];
    self->gm = values[3];
    self->qa_office = values[4];
    self->crs = values[5];
    self->branch = values[8];
    if (s_policy_int(zpl, node, "max_hops", 3, &self->max_hops) != 0)
        return -1;
    return s_policy_int(zpl, node, "max_bounces", 2, &self->max_bounces);
}

static int s_parse_department(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"name",   "location",  "phone",  "head", "leader",
                                       "parent", "deputy_gm", "branch", NULL};
    const char *values[8];
    char path[S_PATH];
    if (s_entry(zpl, node, "department", keys, 1, values, path) != 0)
        return -1;
    sw_dir_department_t dept = {zconfig_name(node), node,      values[0], values[1],
                                values[2],          values[3], values[4], values[5],
                                values[6],          values[7]};
    return s_entry_new(zpl, &self->departments, node, path, &dept, sizeof dept) ? 0 : -1;
}

static void s_staff_free(sw_dir_staff_t **staff_p)
{
    if (*staff_p) {
        sw_zpl_list_free(&(*staff_p)->roles);
        sw_zpl_list_free(&(*staff_p)->channels);
        free(*staff_p);
        *staff_p = NULL;
    }
}

static int s_parse_availability(sw_zpl_t *zpl, zconfig_t *node, const char *path,
                                const char *value, sw_availability_t *out)
{
    *out = SW_AVAILABLE_ON_POST;
    if (!value || streq(value, "on_post"))
        return 0;
    if (streq(value, "away") || streq(value, "trip")) {
        *out = streq(value, "away") ? SW_AVAILABLE_AWAY : SW_AVAILABLE_TRIP;
        return 0;
    }
    return sw_zpl_fail_key(zpl, node, "availability",
                           "%s/availability: '%s' is not on_post, away or trip", path,
                           value);
}

/* Fill a staff entry from the key values (order of the keys in s_parse_staff). */
static int s_staff_fill(sw_zpl_t *zpl, sw_dir_staff_t *staff, const char *path,
                        const char **values)
{
    zconfig_t *node = staff->node;
    staff->name = values[0];
    staff->department = values[1];
    staff->roles_text = values[2];
    staff->channels_text = values[3];
    staff->contact = values[4];
    staff->designee = values[7];
    staff->branch = values[8];
    staff->contact_private = -1;
    if (values[2] &&
        sw_zpl_list(zpl, zconfig_locate(node, "roles"), path, s_id_check, &staff->roles))
        return -1;
    if (values[3] && sw_zpl_list(zpl, zconfig_locate(node, "channels"), path, s_id_check,
                                 &staff->channels))
        return -1;
    for (size_t i = 0; i < staff->channels.count; i++)
        if (sw_dir_channel_index(staff->channels.items[i]) < 0)
            return sw_zpl_fail_key(zpl, node, "channels",
                                   "%s/channels: '%s' is not a window channel (hotline, "
                                   "online_chat, forum, weibo, mailbox, callback)",
                                   path, staff->channels.items[i]);
    bool private = false;
    if (values[5] && sw_zpl_bool(zpl, zconfig_locate(node, "contact_private"), path,
                                 SW_ZPL_TRUE_FALSE, &private) != 0)
        return -1;
    if (values[5])
        staff->contact_private = private;
    return s_parse_availability(zpl, node, path, values[6], &staff->availability);
}

static int s_parse_staff(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {
        "name",         "department", "roles",  "channels", "contact", "contact_private",
        "availability", "designee",   "branch", NULL};
    const char *values[9];
    char path[S_PATH];
    if (s_entry(zpl, node, "staff", keys, 2, values, path) != 0)
        return -1;
    sw_dir_staff_t *staff = sw_calloc(1, sizeof *staff);
    staff->id = zconfig_name(node);
    staff->node = node;
    if (s_staff_fill(zpl, staff, path, values) != 0 ||
        s_entry_add(zpl, &self->staff, node, path, staff) != 0) {
        s_staff_free(&staff);
        return -1;
    }
    return 0;
}

static void s_category_free(sw_dir_category_t **category_p)
{
    if (*category_p) {
        sw_zpl_list_free(&(*category_p)->departments);
        free((*category_p)->checklist);
        free(*category_p);
        *category_p = NULL;
    }
}

static int s_category_add(sw_zpl_t *zpl, sw_directory_t *self,
                          sw_dir_category_t *category, const char *path)
{
    if (s_table_add(&self->categories, category->id, category) == 0)
        return 0;
    sw_dir_category_t *other = sw_dir_table_get(&self->categories, category->id);
    bool same_kind = other && (other->guidance == NULL) == (category->guidance == NULL);
    const char *id = category->id;
    zconfig_t *node = category->node;
    s_category_free(&category);
    if (same_kind)
        return sw_zpl_fail(zpl, node, "%s: defined twice", path);
    return sw_zpl_fail(zpl, node, "%s: '%s' is both scoped and outside the organisation",
                       path, id);
}

/* The departments of a scope: department = x, or departments = "a, b" with
   an optional lead and ordered. */
static int s_scope_departments(sw_zpl_t *zpl, sw_dir_category_t *scope, const char *path,
                               const char **values)
{
    zconfig_t *node = scope->node;
    if (values[0] && values[1])
        return sw_zpl_fail_key(zpl, node, "departments",
                               "%s/departments: give department or departments, not both",
                               path);
    if (!values[0] && !values[1])
        return sw_zpl_fail(zpl, node,
                           "%s/department: missing (or departments = \"a, b\")", path);
    if (values[0]) {
        if (values[2])
            return sw_zpl_fail_key(zpl, node, "lead",
                                   "%s/lead: only with departments (several)", path);
        if (values[4])
            return sw_zpl_fail_key(zpl, node, "ordered",
                                   "%s/ordered: only with departments (several)", path);
        if (strchr(values[0], ','))
            return sw_zpl_fail_key(zpl, node, "department",
                                   "%s/department: names one department; list several "
                                   "as departments = \"a, b\"",
                                   path);
        return sw_zpl_list(zpl, zconfig_locate(node, "department"), path, s_id_check,
                           &scope->departments);
    }
    if (sw_zpl_list(zpl, zconfig_locate(node, "departments"), path, s_id_check,
                    &scope->departments) != 0)
        return -1;
    if (values[2] && !sw_zpl_list_has(&scope->departments, values[2]))
        return sw_zpl_fail_key(zpl, node, "lead",
                               "%s/lead: '%s' is not one of its departments", path,
                               values[2]);
    if (values[4] && sw_zpl_bool(zpl, zconfig_locate(node, "ordered"), path,
                                 SW_ZPL_TRUE_FALSE, &scope->ordered))
        return -1;
    return 0;
}

static int s_parse_scope(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"department", "departments", "lead", "handler",
                                       "ordered",    "name",        NULL};
    const char *values[6];
    char path[S_PATH];
    if (s_entry(zpl, node, "scope", keys, 0, values, path) != 0)
        return -1;
    sw_dir_category_t *scope = sw_calloc(1, sizeof *scope);
    scope->id = zconfig_name(node);
    scope->name = values[5];
    scope->node = node;
    scope->handler = values[3];
    scope->ordered = values[0] != NULL; /* one department: trivially ordered */
    if (s_scope_departments(zpl, scope, path, values) != 0) {
        s_category_free(&scope);
        return -1;
    }
    scope->lead = values[2] ? values[2] : scope->departments.items[0];
    return s_category_add(zpl, self, scope, path);
}

static int s_parse_outside(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"guidance", "name", NULL};
    const char *values[2];
    char path[S_PATH];
    if (s_entry(zpl, node, "outside", keys, 0, values, path) != 0)
        return -1;
    if (!values[0])
        return sw_zpl_fail(zpl, node,
                           "%s/guidance: missing (what the customer is told, R6)", path);
    sw_dir_category_t *outside = sw_calloc(1, sizeof *outside);
    outside->id = zconfig_name(node);
    outside->name = values[1];
    outside->node = node;
    outside->guidance = values[0];
    return s_category_add(zpl, self, outside, path);
}

static int s_parse_checklist(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    char path[S_PATH];
    if (s_check_id(zpl, node, "checklist") != 0)
        return -1;
    snprintf(path, sizeof path, "checklist/%s", zconfig_name(node));
    sw_dir_category_t *category = sw_dir_table_get(&self->categories, zconfig_name(node));
    if (!category)
        return sw_zpl_fail(zpl, node,
                           "%s: '%s' is neither a scope nor an outside category", path,
                           zconfig_name(node));
    if (category->checklist)
        return sw_zpl_fail(zpl, node, "%s: defined twice", path);
    return sw_zpl_repeated(zpl, node, path, "item", &category->checklist,
                           &category->checklist_count);
}

static int s_parse_policy(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *section)
{
    static const char *const keys[] = {"forbidden_phrases", NULL};
    for (zconfig_t *node = zconfig_child(section); node; node = zconfig_next(node)) {
        if (!streq(zconfig_name(node), keys[0]))
            return sw_zpl_fail(zpl, node, "policy/%s: unknown key (expected %s)",
                               zconfig_name(node), keys[0]);
        if (self->phrases)
            return sw_zpl_fail(zpl, node, "policy/%s: given twice", keys[0]);
        if (sw_zpl_repeated(zpl, node, "policy/forbidden_phrases", "phrase",
                            &self->phrases, &self->phrase_count) != 0)
            return -1;
    }
    return 0;
}

static int s_parse_branch(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"name", NULL};
    const char *values[1];
    char path[S_PATH];
    if (s_entry(zpl, node, "branch", keys, 1, values, path) != 0)
        return -1;
    sw_dir_branch_t branch = {zconfig_name(node), node, values[0]};
    return s_entry_new(zpl, &self->branches, node, path, &branch, sizeof branch) ? 0 : -1;
}

/* R25: customer/<id>: name, tier, manager, and a unit or phone to know
   the customer by. */
static int s_parse_customer(sw_zpl_t *zpl, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"name", "tier", "unit", "phone", "manager", NULL};
    const char *values[5];
    char path[S_PATH];
    if (s_entry(zpl, node, "customer", keys, 1, values, path) != 0)
        return -1;
    if (!values[1])
        return sw_zpl_fail(zpl, node, "%s/tier: missing (gold, silver or bronze)", path);
    if (!streq(values[1], "gold") && !streq(values[1], "silver") &&
        !streq(values[1], "bronze"))
        return sw_zpl_fail_key(zpl, node, "tier",
                               "%s/tier: '%s' is not gold, silver or bronze", path,
                               values[1]);
    if (!values[4])
        return sw_zpl_fail(zpl, node, "%s/manager: missing (the account manager, R25)",
                           path);
    if (!values[2] && !values[3])
        return sw_zpl_fail(
            zpl, node,
            "%s/phone: missing (give a unit or a phone to know the customer by)", path);
    sw_dir_customer_t customer = {zconfig_name(node), node,      values[0], values[1],
                                  values[2],          values[3], values[4]};
    return s_entry_new(zpl, &self->customers, node, path, &customer, sizeof customer)
               ? 0
               : -1;
}

/* Each child of the section, parsed by parse. */
static int s_parse_entries(sw_zpl_t *zpl, sw_directory_t *self, const char *name,
                           int (*parse)(sw_zpl_t *, sw_directory_t *, zconfig_t *))
{
    zconfig_t *section;
    if (s_section(zpl, name, &section) != 0)
        return -1;
    for (zconfig_t *node = section ? zconfig_child(section) : NULL; node;
         node = zconfig_next(node))
        if (parse(zpl, self, node) != 0)
            return -1;
    return 0;
}

static int s_parse_duty(sw_zpl_t *zpl, sw_directory_t *self)
{
    zconfig_t *section;
    if (s_section(zpl, "duty", &section) != 0)
        return -1;
    if (!section)
        return 0;
    const char *keys[SW_DIR_CHANNELS + 1];
    for (int i = 0; i < SW_DIR_CHANNELS; i++)
        keys[i] = sw_dir_channel_name(i);
    keys[SW_DIR_CHANNELS] = NULL;
    return sw_zpl_keys(zpl, section, "duty", keys, self->duty);
}

/* ------------------------------------------------------------------------
   Construction. */

static int s_load(sw_zpl_t *zpl, sw_directory_t *self)
{
    zconfig_t *policy;
    sw_dir_table_t *tables[] = {&self->departments, &self->staff, &self->categories,
                                &self->branches, &self->customers};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        tables[i]->index = zhashx_new(); /* czmq aborts if memory runs out */
    if (s_check_sections(zpl) || s_parse_directory(zpl, self) ||
        s_parse_entries(zpl, self, "branch", s_parse_branch) ||
        s_parse_entries(zpl, self, "department", s_parse_department) ||
        s_parse_entries(zpl, self, "staff", s_parse_staff) ||
        s_parse_entries(zpl, self, "scope", s_parse_scope) ||
        s_parse_entries(zpl, self, "outside", s_parse_outside) ||
        s_parse_entries(zpl, self, "checklist", s_parse_checklist) ||
        s_parse_entries(zpl, self, "customer", s_parse_customer) ||
        s_parse_duty(zpl, self) || s_section(zpl, "policy", &policy) ||
        (policy && s_parse_policy(zpl, self, policy)))
        return -1;
    return sw_dir_check(zpl, self);
}

/* The directory of a loaded text; takes over its tree. */
static sw_directory_t *s_new(sw_zpl_t **zpl_p)
{
    sw_zpl_t *zpl = *zpl_p;
    if (!zpl)
        return NULL;
    sw_directory_t *self = sw_calloc(1, sizeof *self);
    if (s_load(zpl, self) != 0)
        sw_directory_destroy(&self);
    else
        self->root = sw_zpl_take_root(zpl);
    sw_zpl_destroy(zpl_p);
    return self;
}

sw_directory_t *sw_directory_new_from_text(const char *text, size_t len, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_text(text, len, &s_limits, error);
    return s_new(&zpl);
}

sw_directory_t *sw_directory_new_from_file(const char *path, char **error)
{
    sw_zpl_t *zpl = sw_zpl_new_from_file(path, &s_limits, error);
    return s_new(&zpl);
}

void sw_directory_destroy(sw_directory_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_directory_t *self = *self_p;
    for (size_t i = 0; i < self->departments.count; i++)
        free(self->departments.items[i]);
    for (size_t i = 0; i < self->staff.count; i++)
        s_staff_free((sw_dir_staff_t **)&self->staff.items[i]);
    for (size_t i = 0; i < self->categories.count; i++)
        s_category_free((sw_dir_category_t **)&self->categories.items[i]);
    for (size_t i = 0; i < self->branches.count; i++)
        free(self->branches.items[i]);
    for (size_t i = 0; i < self->customers.count; i++)
        free(self->customers.items[i]);
    s_table_free(&self->departments);
    s_table_free(&self->staff);
    s_table_free(&self->categories);
    s_table_free(&self->branches);
    s_table_free(&self->customers);
    free(self->phrases);
    zconfig_destroy(&self->root);
    free(self);
    *self_p = NULL;
}
