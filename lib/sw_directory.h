/*  sw_directory: the organisation directory (组织目录) — departments, staff,
    who handles which category (scopes), categories outside the organisation,
    one-time-notification checklists (一次性告知), on-duty rosters of the
    window channels, the escalation ladder and the first-inquiry policies.

    An administrator loads it with `shouwen directory load FILE`; it travels
    through the event log as text, so intake (to reject a bad file before it
    is recorded), router and sla all parse it from text in memory.  The file
    is ZPL, parsed with czmq's zconfig; the format, every key, the defaults
    and the validation rules are in docs/directory.md.

    Every lookup takes ids as they come (possibly from the network): an
    unknown or NULL id gives NULL, false or 0, never a crash.  Returned
    strings and arrays are borrowed from the directory and live until it is
    destroyed. */
#ifndef SW_DIRECTORY_H
#define SW_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _sw_directory_t sw_directory_t;

/* Availability of a staff member (R4, R7, R26). */
typedef enum {
    SW_AVAILABLE_ON_POST = 0, /* 在岗 */
    SW_AVAILABLE_AWAY = 1,    /* 不在岗: leave, off shift; hand-overs are registered */
    SW_AVAILABLE_TRIP = 2     /* 出差: on a business trip (R7) */
} sw_availability_t;

/* Parse a directory from text (len bytes, need not be NUL-terminated).
   NULL on a bad file with *error set (malloc'ed, the caller frees; error
   may be NULL): "line N: not valid ZPL ..." for a syntax error, and
   "line N: path: reason" for a bad value, e.g. "line 42: department/fo/head:
   'x' is not a known staff" — N is the line of the offending key (or of its
   section when a key is missing); a whole-file problem has no line. */
sw_directory_t *sw_directory_new_from_text(const char *text, size_t len, char **error);
/* The same from a file; *error is then prefixed with "PATH: ". */
sw_directory_t *sw_directory_new_from_file(const char *path, char **error);
void sw_directory_destroy(sw_directory_t **self_p);

/* directory/version and directory/organisation (both required). */
const char *sw_directory_version(sw_directory_t *self);
const char *sw_directory_organisation(sw_directory_t *self);
/* The leader who decides when nothing else names one (R7): directory/
   default_leader, else the general manager; NULL if neither. */
const char *sw_directory_default_leader(sw_directory_t *self);
/* The general manager (总经理, top of the ladder): directory/gm, else the one
   staff member whose roles list gm; NULL if none. */
const char *sw_directory_gm(sw_directory_t *self);

/* Department fields: "name", "location", "phone", "head", "leader"
   (supervising leader 分管领导), "parent", "deputy_gm".  "leader" and
   "deputy_gm" are inherited from the parent department when the department
   names none; "branch" (the branch office it works at and serves) from the
   parent, else directory/branch.  NULL when the department, the field or the value is
   unknown. */
const char *sw_directory_department(sw_directory_t *self, const char *dept,
                                    const char *field);
/* Staff fields: "name", "department", "contact" (as written: R19 is the
   caller's to apply, see sw_directory_contact_private), "designee" (who
   takes over hand-overs while away), "availability" ("on_post", "away" or
   "trip"), "roles" and "channels" (the lists as written), "branch" (the
   branch office they work at: their own, else their department's).  NULL when the
   staff member, the field or the value is unknown. */
const char *sw_directory_staff(sw_directory_t *self, const char *staff,
                               const char *field);
bool sw_directory_staff_exists(sw_directory_t *self, const char *staff);
bool sw_directory_department_exists(sw_directory_t *self, const char *dept);
/* True if the staff member's roles list the role, or the structure implies
   it: "head" (heads a department), "leader" (supervises one), "deputy_gm"
   (a department's deputy GM), "gm" (sw_directory_gm) and
   "customer_relations_supervisor" (sw_directory_customer_relations_supervisor). */
bool sw_directory_has_role(sw_directory_t *self, const char *staff, const char *role);
/* R19: true if the contact may not be given out without the person's
   permission.  contact_private in the file, else true for anyone who has
   (see sw_directory_has_role) the role gm, deputy_gm, leader or head.
   True for an unknown staff id. */
bool sw_directory_contact_private(sw_directory_t *self, const char *staff);
/* On post when unknown or not given. */
sw_availability_t sw_directory_availability(sw_directory_t *self, const char *staff);
/* Who actually takes a hand-over for this staff member (R4, R26): the
   person if on post, else the designee, following designees that are
   themselves away; NULL if nobody on that chain is on post. */
const char *sw_directory_stand_in(sw_directory_t *self, const char *staff);

/* R25: the tiered customer (金/银/铜牌客户, customer/<id>) an inquiry comes
   from: the first, in file order, one of whose phones has the digits of
   phone, or whose unit is unit exactly; NULL if none (or either is empty). */
const char *sw_directory_tiered_customer(sw_directory_t *self, const char *unit,
                                         const char *phone);
/* Its fields: "name", "tier" ("gold", "silver", "bronze"), "unit", "phone"
   (as written) and "manager" (staff id of the account manager 客户经理);
   NULL when unknown. */
const char *sw_directory_customer(sw_directory_t *self, const char *customer,
                                  const char *field);

/* Window channels: "hotline", "online_chat", "forum", "weibo", "mailbox",
   "callback".  True if the staff member is on that channel's roster (the
   staff entry lists it, or duty/<channel> names the person). */
bool sw_directory_on_channel(sw_directory_t *self, const char *staff,
                             const char *channel);
/* The on-duty person of a window channel — the natural first owner of what
   arrives there: duty/<channel>, else the first staff member in file order
   who lists the channel and is on post; NULL if none. */
const char *sw_directory_on_duty(sw_directory_t *self, const char *channel);

/* What a clerk reads for a category (its `name`, else its id); NULL if the
   directory has no such category. */
const char *sw_directory_category_name(sw_directory_t *self, const char *category);

/* 自然首问责任人 (R2, R25): the employee the customer named, a tiered
   customer's account manager when on post, the on-duty person of a window
   channel (channel as a lower-case name: "hotline"), else the receiver.
   Shared by router (which decides) and the web desk (which shows it before
   saving). */
const char *sw_directory_natural_owner(sw_directory_t *self, const char *named,
                                       const char *manager, const char *channel,
                                       const char *receiver);

/* Scopes: which department (and optionally person) handles a category.
   The lead department (主办部门; the only one, or the lead of several: R9);
   NULL if the category is not scoped. */
const char *sw_directory_scope_department(sw_directory_t *self, const char *category);
/* The person who handles it, within the lead department; NULL if none. */
const char *sw_directory_scope_handler(sw_directory_t *self, const char *category);
/* All departments involved, in the order the customer goes through them
   when sw_directory_scope_ordered; *depts is borrowed (NULL when 0). */
size_t sw_directory_scope_departments(sw_directory_t *self, const char *category,
                                      const char ***depts);
/* R9: true if the order of the departments is known (always for one
   department); false when only their heads can be named, or unscoped. */
bool sw_directory_scope_ordered(sw_directory_t *self, const char *category);
/* R6: the guidance text of a category outside the organisation, else NULL. */
const char *sw_directory_outside_guidance(sw_directory_t *self, const char *category);
/* R3: the one-time-notification items (materials, forms, steps) of a
   category, in file order; *items is borrowed (NULL when 0). */
size_t sw_directory_checklist(sw_directory_t *self, const char *category,
                              const char ***items);

/* The escalation ladder of a department (逐级上报, R8, R15): level 1 head,
   2 supervising leader, 3 head of the QA office, 4 deputy GM, 5 GM.  NULL if
   that rung is empty, the level is not 1..5 or the department is unknown.
   Two rungs may name the same person (a supervising leader who is also the
   deputy GM); callers escalating step by step skip a repeat. */
const char *sw_directory_ladder(sw_directory_t *self, const char *dept, int level);
/* Department id of the QA office (质检部): directory/qa_office, else the
   department called "qa_office"; NULL if none. */
const char *sw_directory_qa_office(sw_directory_t *self);
/* R18: staff id of the customer-relations supervisor who receives the
   coordination sheets: directory/customer_relations_supervisor, else the
   one staff member whose roles list it, else the QA office head; NULL if none. */
const char *sw_directory_customer_relations_supervisor(sw_directory_t *self);

/* Policies, with the seeds' defaults when absent.
   R24: forbidden service phrases (服务忌语); *phrases is borrowed.  Default
   不知道 不清楚 办不了 不归我们管 不是我们的事 找别人去. */
size_t sw_directory_forbidden_phrases(sw_directory_t *self, const char ***phrases);
/* R18: transfers of one case before ownership locks; default 3. */
int sw_directory_max_hops(sw_directory_t *self);
/* R18: returns of a wrong transfer before ownership locks; default 2. */
int sw_directory_max_bounces(sw_directory_t *self);

/* Every id of a kind, in file order; the arrays are borrowed.  Categories
   are the scoped ones, then those outside the organisation. */
size_t sw_directory_departments(sw_directory_t *self, const char ***ids);
size_t sw_directory_staff_ids(sw_directory_t *self, const char ***ids);
/* Branch offices (网点, section branch), and a branch's name (NULL if unknown). */
size_t sw_directory_branches(sw_directory_t *self, const char ***ids);
const char *sw_directory_branch_name(sw_directory_t *self, const char *branch);
size_t sw_directory_categories(sw_directory_t *self, const char ***ids);

#endif
