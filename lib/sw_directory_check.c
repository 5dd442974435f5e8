/*  sw_directory_check: what a loaded directory must hold together — every
    id it names is defined, no chain of parents loops, on-duty people are on
    post — and what follows from it: the directory section's defaults,
    inherited leaders, deputy GMs and branches, implied roles, private
    contacts and the default forbidden phrases (docs/directory.md). */
#include "sw_directory_int.h"
#include "sw_alloc.h"

#include <stdio.h>
#include <stdlib.h>

/* R24 defaults, from the seeds. */
static const char *const s_default_phrases[] = {"不知道",     "不清楚",       "办不了",
                                                "不归我们管", "不是我们的事", "找别人去"};
#define S_DEFAULT_PHRASES (sizeof s_default_phrases / sizeof s_default_phrases[0])

/* ------------------------------------------------------------------------
   References. */

/* value (if given) is the id of an entry of table; what names the kind. */
static int s_ref(sw_zpl_t *zpl, sw_dir_table_t *table, const char *what, zconfig_t *node,
                 const char *path, const char *key, const char *value)
{
    if (!value || sw_dir_table_get(table, value))
        return 0;
    return sw_zpl_fail_key(zpl, node, key, "%s/%s: '%s' is not a known %s", path, key,
                           value, what);
}

/* Every chain of parents ends at a top department (it cannot loop). */
static int s_check_parents(sw_zpl_t *zpl, sw_directory_t *self, sw_dir_department_t *dept,
                           const char *path)
{
    sw_dir_department_t *up = dept;
    for (size_t steps = 0; up && up->parent; steps++) {
        up = sw_dir_table_get(&self->departments, up->parent);
        if (steps >= self->departments.count)
            return sw_zpl_fail_key(zpl, dept->node, "parent",
                                   "%s/parent: the chain of parents loops and never "
                                   "reaches a top department",
                                   path);
    }
    return 0;
}

static int s_check_departments(sw_zpl_t *zpl, sw_directory_t *self)
{
    for (size_t i = 0; i < self->departments.count; i++) {
        sw_dir_department_t *dept = self->departments.items[i];
        char path[96];
        snprintf(path, sizeof path, "department/%s", dept->id);
        if (s_ref(zpl, &self->staff, "staff", dept->node, path, "head", dept->head) ||
            s_ref(zpl, &self->staff, "staff", dept->node, path, "leader", dept->leader) ||
            s_ref(zpl, &self->staff, "staff", dept->node, path, "deputy_gm",
                  dept->deputy_gm) ||
            s_ref(zpl, &self->departments, "department", dept->node, path, "parent",
                  dept->parent) ||
            s_ref(zpl, &self->branches, "branch", dept->node, path, "branch",
                  dept->branch))
            return -1;
        if (dept->parent && streq(dept->parent, dept->id))
            return sw_zpl_fail_key(zpl, dept->node, "parent",
                                   "%s/parent: a department cannot be its own parent",
                                   path);
        if (s_check_parents(zpl, self, dept, path) != 0)
            return -1;
    }
    return 0;
}

static int s_check_staff(sw_zpl_t *zpl, sw_directory_t *self)
{
    for (size_t i = 0; i < self->staff.count; i++) {
        sw_dir_staff_t *staff = self->staff.items[i];
        char path[96];
        snprintf(path, sizeof path, "staff/%s", staff->id);
        if (s_ref(zpl, &self->departments, "department", staff->node, path, "department",
                  staff->department) ||
            s_ref(zpl, &self->staff, "staff", staff->node, path, "designee",
                  staff->designee) ||
            s_ref(zpl, &self->branches, "branch", staff->node, path, "branch",
                  staff->branch))
            return -1;
        if (staff->designee && streq(staff->designee, staff->id))
            return sw_zpl_fail_key(zpl, staff->node, "designee",
                                   "%s/designee: a person cannot be their own designee",
                                   path);
    }
    return 0;
}

static int s_check_scopes(sw_zpl_t *zpl, sw_directory_t *self)
{
    for (size_t i = 0; i < self->categories.count; i++) {
        sw_dir_category_t *scope = self->categories.items[i];
        if (scope->guidance)
            continue;
        char path[96];
        snprintf(path, sizeof path, "scope/%s", scope->id);
        const char *key =
            zconfig_locate(scope->node, "departments") ? "departments" : "department";
        for (size_t d = 0; d < scope->departments.count; d++)
            if (s_ref(zpl, &self->departments, "department", scope->node, path, key,
                      scope->departments.items[d]))
                return -1;
        if (s_ref(zpl, &self->staff, "staff", scope->node, path, "handler",
                  scope->handler))
            return -1;
        sw_dir_staff_t *handler = sw_dir_table_get(&self->staff, scope->handler);
        if (handler && !streq(handler->department, scope->lead))
            return sw_zpl_fail_key(
                zpl, scope->node, "handler",
                "%s/handler: '%s' is in %s, not in the lead department %s", path,
                handler->id, handler->department, scope->lead);
    }
    return 0;
}

static int s_check_duty(sw_zpl_t *zpl, sw_directory_t *self)
{
    zconfig_t *section = zconfig_locate(sw_zpl_root(zpl), "duty");
    for (int i = 0; i < SW_DIR_CHANNELS; i++) {
        const char *channel = sw_dir_channel_name(i);
        if (s_ref(zpl, &self->staff, "staff", section, "duty", channel, self->duty[i]))
            return -1;
        sw_dir_staff_t *staff = sw_dir_table_get(&self->staff, self->duty[i]);
        if (staff && staff->availability != SW_AVAILABLE_ON_POST)
            return sw_zpl_fail_key(zpl, section, channel,
                                   "duty/%s: '%s' is not on post (availability), so "
                                   "cannot be on duty",
                                   channel, staff->id);
    }
    return 0;
}

static int s_check_customers(sw_zpl_t *zpl, sw_directory_t *self)
{
    for (size_t i = 0; i < self->customers.count; i++) {
        sw_dir_customer_t *customer = self->customers.items[i];
        char path[96];
        snprintf(path, sizeof path, "customer/%s", customer->id);
        if (s_ref(zpl, &self->staff, "staff", customer->node, path, "manager",
                  customer->manager))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   The directory section and its defaults. */

/* The one staff member whose roles list role, into *out when not set. */
static int s_role_default(sw_zpl_t *zpl, sw_directory_t *self, const char *role,
                          const char **out)
{
    if (*out)
        return 0;
    for (size_t i = 0; i < self->staff.count; i++) {
        sw_dir_staff_t *staff = self->staff.items[i];
        if (!sw_zpl_list_has(&staff->roles, role))
            continue;
        if (*out)
            return sw_zpl_fail(zpl, zconfig_locate(sw_zpl_root(zpl), "directory"),
                               "directory/%s: missing, and several staff have the role "
                               "%s (%s, %s): name one",
                               role, role, *out, staff->id);
        *out = staff->id;
    }
    return 0;
}

static int s_check_directory(sw_zpl_t *zpl, sw_directory_t *self)
{
    zconfig_t *node = zconfig_locate(sw_zpl_root(zpl), "directory");
    if (s_ref(zpl, &self->staff, "staff", node, "directory", "default_leader",
              self->default_leader) ||
        s_ref(zpl, &self->staff, "staff", node, "directory", "gm", self->gm) ||
        s_ref(zpl, &self->departments, "department", node, "directory", "qa_office",
              self->qa_office) ||
        s_ref(zpl, &self->staff, "staff", node, "directory",
              "customer_relations_supervisor", self->crs) ||
        s_ref(zpl, &self->branches, "branch", node, "directory", "branch", self->branch))
        return -1;
    if (s_role_default(zpl, self, "gm", &self->gm) != 0 ||
        s_role_default(zpl, self, "customer_relations_supervisor", &self->crs) != 0)
        return -1;
    if (!self->default_leader)
        self->default_leader = self->gm;
    sw_dir_department_t *qa = sw_dir_table_get(
        &self->departments, self->qa_office ? self->qa_office : "qa_office");
    self->qa_office = qa ? qa->id : NULL;
    if (!self->crs && qa)
        self->crs = qa->head;
    return 0;
}

/* ------------------------------------------------------------------------
   Derivation. */

static void s_imply(sw_directory_t *self, const char *staff_id, unsigned role)
{
    sw_dir_staff_t *staff = sw_dir_table_get(&self->staff, staff_id);
    if (staff)
        staff->implied |= role;
}

/* Leaders and deputy GMs inherited from the parent departments; the
   branch a department works at: its own, its parent's, or the default
   one; a staff member's: their own or their department's. */
static void s_inherit(sw_directory_t *self)
{
    for (size_t i = 0; i < self->departments.count; i++) {
        sw_dir_department_t *dept = self->departments.items[i];
        for (sw_dir_department_t *up = sw_dir_table_get(&self->departments, dept->parent);
             up && (!dept->leader || !dept->deputy_gm);
             up = sw_dir_table_get(&self->departments, up->parent)) {
            dept->leader = dept->leader ? dept->leader : up->leader;
            dept->deputy_gm = dept->deputy_gm ? dept->deputy_gm : up->deputy_gm;
        }
    }
    for (size_t i = 0; i < self->departments.count; i++) {
        sw_dir_department_t *dept = self->departments.items[i];
        for (sw_dir_department_t *up = sw_dir_table_get(&self->departments, dept->parent);
             up && !dept->branch; up = sw_dir_table_get(&self->departments, up->parent))
            dept->branch = up->branch;
        if (!dept->branch)
            dept->branch = self->branch;
    }
    for (size_t i = 0; i < self->staff.count; i++) {
        sw_dir_staff_t *staff = self->staff.items[i];
        sw_dir_department_t *dept =
            sw_dir_table_get(&self->departments, staff->department);
        if (!staff->branch && dept)
            staff->branch = dept->branch;
    }
}

/* Inherited leaders and branches, implied roles, private contacts and the
   default phrases. */
static void s_derive(sw_directory_t *self)
{
    for (size_t i = 0; i < self->departments.count; i++) {
        sw_dir_department_t *dept = self->departments.items[i];
        s_imply(self, dept->head, SW_DIR_ROLE_HEAD);
        s_imply(self, dept->leader, SW_DIR_ROLE_LEADER);
        s_imply(self, dept->deputy_gm, SW_DIR_ROLE_DEPUTY_GM);
    }
    s_inherit(self);
    s_imply(self, self->gm, SW_DIR_ROLE_GM);
    s_imply(self, self->crs, SW_DIR_ROLE_CRS);
    for (size_t i = 0; i < self->staff.count; i++) {
        sw_dir_staff_t *staff = self->staff.items[i];
        if (staff->contact_private < 0)
            staff->contact_private =
                sw_directory_has_role(self, staff->id, "gm") ||
                sw_directory_has_role(self, staff->id, "deputy_gm") ||
                sw_directory_has_role(self, staff->id, "leader") ||
                sw_directory_has_role(self, staff->id, "head");
    }
    if (!self->phrases) {
        self->phrases = sw_calloc(S_DEFAULT_PHRASES, sizeof *self->phrases);
        for (size_t i = 0; i < S_DEFAULT_PHRASES; i++)
            self->phrases[self->phrase_count++] = s_default_phrases[i];
    }
}

int sw_dir_check(sw_zpl_t *zpl, sw_directory_t *self)
{
    if (s_check_directory(zpl, self) || s_check_departments(zpl, self) ||
        s_check_staff(zpl, self) || s_check_scopes(zpl, self) ||
        s_check_duty(zpl, self) || s_check_customers(zpl, self))
        return -1;
    s_derive(self);
    return 0;
}
