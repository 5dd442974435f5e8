/*  sw_directory: the lookups of the organisation directory (sw_directory.h;
    the file format is in docs/directory.md).  Loading is in
    sw_directory_load.c, the reference checks and what the file leaves
    implicit in sw_directory_check.c; what they share is in
    sw_directory_int.h. */
#include "sw_directory_int.h"

#include <string.h>

/* The window channels, whose on-duty person is the natural first owner. */
static const char *const s_channel_names[SW_DIR_CHANNELS] = {
    "hotline", "online_chat", "forum", "weibo", "mailbox", "callback"};

void *sw_dir_table_get(sw_dir_table_t *table, const char *id)
{
    return id && table->index ? zhashx_lookup(table->index, id) : NULL;
}

int sw_dir_channel_index(const char *name)
{
    for (int i = 0; name && i < SW_DIR_CHANNELS; i++)
        if (streq(s_channel_names[i], name))
            return i;
    return -1;
}

const char *sw_dir_channel_name(int index)
{
    assert(index >= 0 && index < SW_DIR_CHANNELS);
    return s_channel_names[index];
}

/* ------------------------------------------------------------------------
   Lookups. */

const char *sw_directory_version(sw_directory_t *self)
{
    return self->version;
}

const char *sw_directory_organisation(sw_directory_t *self)
{
    return self->organisation;
}

const char *sw_directory_default_leader(sw_directory_t *self)
{
    return self->default_leader;
}

const char *sw_directory_gm(sw_directory_t *self)
{
    return self->gm;
}

const char *sw_directory_department(sw_directory_t *self, const char *dept,
                                    const char *field)
{
    sw_dir_department_t *d = sw_dir_table_get(&self->departments, dept);
    if (!d || !field)
        return NULL;
    const struct {
        const char *field, *value;
    } fields[] = {{"name", d->name},           {"location", d->location},
                  {"phone", d->phone},         {"head", d->head},
                  {"leader", d->leader},       {"parent", d->parent},
                  {"deputy_gm", d->deputy_gm}, {"branch", d->branch}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (streq(fields[i].field, field))
            return fields[i].value;
    return NULL;
}

static const char *s_availability_name(sw_availability_t availability)
{
    return availability == SW_AVAILABLE_AWAY   ? "away"
           : availability == SW_AVAILABLE_TRIP ? "trip"
                                               : "on_post";
}

/* The digits of a phone number, at most size - 1 of them. */
static void s_digits(const char *phone, const char *end, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = phone; p < end && *p && n + 1 < size; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = '\0';
}

/* True if one of the comma-separated numbers of list is phone, comparing
   digits only ("0571-8888 0001" is 057188880001). */
static bool s_phone_listed(const char *list, const char *phone)
{
    char want[48], have[48];
    s_digits(phone, phone + strlen(phone), want, sizeof want);
    if (!*want)
        return false;
    for (const char *entry = list; entry;) {
        const char *comma = strchr(entry, ',');
        s_digits(entry, comma ? comma : entry + strlen(entry), have, sizeof have);
        if (streq(have, want))
            return true;
        entry = comma ? comma + 1 : NULL;
    }
    return false;
}

const char *sw_directory_tiered_customer(sw_directory_t *self, const char *unit,
                                         const char *phone)
{
    for (size_t i = 0; i < self->customers.count; i++) {
        sw_dir_customer_t *c = self->customers.items[i];
        if ((c->phone && phone && *phone && s_phone_listed(c->phone, phone)) ||
            (c->unit && unit && *unit && streq(c->unit, unit)))
            return c->id;
    }
    return NULL;
}

const char *sw_directory_customer(sw_directory_t *self, const char *customer,
                                  const char *field)
{
    sw_dir_customer_t *c =
        customer && field ? sw_dir_table_get(&self->customers, customer) : NULL;
    if (!c)
        return NULL;
    if (streq(field, "name"))
        return c->name;
    if (streq(field, "tier"))
        return c->tier;
    if (streq(field, "unit"))
        return c->unit;
    if (streq(field, "phone"))
        return c->phone;
    if (streq(field, "manager"))
        return c->manager;
    return NULL;
}

const char *sw_directory_staff(sw_directory_t *self, const char *staff, const char *field)
{
    sw_dir_staff_t *s = sw_dir_table_get(&self->staff, staff);
    if (!s || !field)
        return NULL;
    const struct {
        const char *field, *value;
    } fields[] = {{"name", s->name},
                  {"department", s->department},
                  {"contact", s->contact},
                  {"designee", s->designee},
                  {"availability", s_availability_name(s->availability)},
                  {"roles", s->roles_text},
                  {"channels", s->channels_text},
                  {"branch", s->branch}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (streq(fields[i].field, field))
            return fields[i].value;
    return NULL;
}

bool sw_directory_staff_exists(sw_directory_t *self, const char *staff)
{
    return sw_dir_table_get(&self->staff, staff) != NULL;
}

bool sw_directory_department_exists(sw_directory_t *self, const char *dept)
{
    return sw_dir_table_get(&self->departments, dept) != NULL;
}

bool sw_directory_has_role(sw_directory_t *self, const char *staff, const char *role)
{
    sw_dir_staff_t *s = sw_dir_table_get(&self->staff, staff);
    if (!s || !role)
        return false;
    if (sw_zpl_list_has(&s->roles, role))
        return true;
    const struct {
        const char *role;
        unsigned bit;
    } implied[] = {{"head", SW_DIR_ROLE_HEAD},
                   {"leader", SW_DIR_ROLE_LEADER},
                   {"deputy_gm", SW_DIR_ROLE_DEPUTY_GM},
                   {"gm", SW_DIR_ROLE_GM},
                   {"customer_relations_supervisor", SW_DIR_ROLE_CRS}};
    for (size_t i = 0; i < sizeof implied / sizeof implied[0]; i++)
        if (streq(implied[i].role, role))
            return (s->implied & implied[i].bit) != 0;
    return false;
}

bool sw_directory_contact_private(sw_directory_t *self, const char *staff)
{
    sw_dir_staff_t *s = sw_dir_table_get(&self->staff, staff);
    return !s || s->contact_private != 0;
}

sw_availability_t sw_directory_availability(sw_directory_t *self, const char *staff)
{
    sw_dir_staff_t *s = sw_dir_table_get(&self->staff, staff);
    return s ? s->availability : SW_AVAILABLE_ON_POST;
}

const char *sw_directory_stand_in(sw_directory_t *self, const char *staff)
{
    sw_dir_staff_t *s = sw_dir_table_get(&self->staff, staff);
    /* designees may cover each other: a chain longer than the staff list loops */
    for (size_t steps = 0; s && steps <= self->staff.count; steps++) {
        if (s->availability == SW_AVAILABLE_ON_POST)
            return s->id;
        s = sw_dir_table_get(&self->staff, s->designee);
    }
    return NULL;
}

bool sw_directory_on_channel(sw_directory_t *self, const char *staff, const char *channel)
{
    sw_dir_staff_t *s = sw_dir_table_get(&self->staff, staff);
    int index = sw_dir_channel_index(channel);
    if (!s || index < 0)
        return false;
    return sw_zpl_list_has(&s->channels, channel) ||
           (self->duty[index] && streq(self->duty[index], s->id));
}

const char *sw_directory_on_duty(sw_directory_t *self, const char *channel)
{
    int index = sw_dir_channel_index(channel);
    if (index < 0)
        return NULL;
    if (self->duty[index])
        return self->duty[index];
    for (size_t i = 0; i < self->staff.count; i++) {
        sw_dir_staff_t *s = self->staff.items[i];
        if (s->availability == SW_AVAILABLE_ON_POST &&
            sw_zpl_list_has(&s->channels, channel))
            return s->id;
    }
    return NULL;
}

/* A scoped category (not one outside the organisation), or NULL. */
static sw_dir_category_t *s_scope(sw_directory_t *self, const char *category)
{
    sw_dir_category_t *c = sw_dir_table_get(&self->categories, category);
    return c && !c->guidance ? c : NULL;
}

const char *sw_directory_category_name(sw_directory_t *self, const char *category)
{
    sw_dir_category_t *c = sw_dir_table_get(&self->categories, category);
    return !c ? NULL : c->name ? c->name : c->id;
}

const char *sw_directory_natural_owner(sw_directory_t *self, const char *named,
                                       const char *manager, const char *channel,
                                       const char *receiver)
{
    if (named && *named && sw_directory_staff_exists(self, named))
        return named;
    if (manager && sw_directory_staff_exists(self, manager) &&
        sw_directory_availability(self, manager) == SW_AVAILABLE_ON_POST)
        return manager;
    const char *on_duty = sw_directory_on_duty(self, channel); /* window channels */
    if (on_duty)
        return on_duty;
    return receiver ? receiver : "";
}

const char *sw_directory_scope_department(sw_directory_t *self, const char *category)
{
    sw_dir_category_t *scope = s_scope(self, category);
    return scope ? scope->lead : NULL;
}

const char *sw_directory_scope_handler(sw_directory_t *self, const char *category)
{
    sw_dir_category_t *scope = s_scope(self, category);
    return scope ? scope->handler : NULL;
}

size_t sw_directory_scope_departments(sw_directory_t *self, const char *category,
                                      const char ***depts)
{
    sw_dir_category_t *scope = s_scope(self, category);
    *depts = scope ? scope->departments.items : NULL;
    return scope ? scope->departments.count : 0;
}

bool sw_directory_scope_ordered(sw_directory_t *self, const char *category)
{
    sw_dir_category_t *scope = s_scope(self, category);
    return scope && scope->ordered;
}

const char *sw_directory_outside_guidance(sw_directory_t *self, const char *category)
{
    sw_dir_category_t *c = sw_dir_table_get(&self->categories, category);
    return c ? c->guidance : NULL;
}

size_t sw_directory_checklist(sw_directory_t *self, const char *category,
                              const char ***items)
{
    sw_dir_category_t *c = sw_dir_table_get(&self->categories, category);
    *items = c ? c->checklist : NULL;
    return c ? c->checklist_count : 0;
}

const char *sw_directory_ladder(sw_directory_t *self, const char *dept, int level)
{
    sw_dir_department_t *d = sw_dir_table_get(&self->departments, dept);
    sw_dir_department_t *qa = sw_dir_table_get(&self->departments, self->qa_office);
    if (!d)
        return NULL;
    switch (level) {
    case 1:
        return d->head;
    case 2:
        return d->leader;
    case 3:
        return qa ? qa->head : NULL;
    case 4:
        return d->deputy_gm;
    case 5:
        return self->gm;
    default:
        return NULL;
    }
}

const char *sw_directory_qa_office(sw_directory_t *self)
{
    return self->qa_office;
}

const char *sw_directory_customer_relations_supervisor(sw_directory_t *self)
{
    return self->crs;
}

size_t sw_directory_forbidden_phrases(sw_directory_t *self, const char ***phrases)
{
    *phrases = self->phrases;
    return self->phrase_count;
}

int sw_directory_max_hops(sw_directory_t *self)
{
    return self->max_hops;
}

int sw_directory_max_bounces(sw_directory_t *self)
{
    return self->max_bounces;
}

size_t sw_directory_departments(sw_directory_t *self, const char ***ids)
{
    *ids = self->departments.count ? self->departments.ids : NULL;
    return self->departments.count;
}

size_t sw_directory_branches(sw_directory_t *self, const char ***ids)
{
    *ids = self->branches.count ? self->branches.ids : NULL;
    return self->branches.count;
}

const char *sw_directory_branch_name(sw_directory_t *self, const char *branch)
{
    sw_dir_branch_t *b = sw_dir_table_get(&self->branches, branch);
    return b ? b->name : NULL;
}

size_t sw_directory_staff_ids(sw_directory_t *self, const char ***ids)
{
    *ids = self->staff.count ? self->staff.ids : NULL;
    return self->staff.count;
}

size_t sw_directory_categories(sw_directory_t *self, const char ***ids)
{
    *ids = self->categories.count ? self->categories.ids : NULL;
    return self->categories.count;
}
