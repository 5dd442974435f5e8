/*  sw_directory: the organisation directory (see sw_directory.h; the file
    format is in docs/directory.md).

    Loading parses the text with zconfig, walks the tree section by section
    into tables (entries in file order, indexed by id), checks every
    reference, then derives what the file leaves implicit: inherited
    supervising leaders, implied roles, private contacts and the defaults of
    the directory section.  Strings are borrowed from the zconfig tree, which
    lives as long as the directory.

    Errors carry the line of the offending key, found with zconfig alone:
    each line that names a key becomes one tree node, in pre-order, so the
    k-th node is on the k-th line that zconfig, given that line on its own,
    turns into a key.  Syntax errors are found the same way, line by line
    (see s_syntax_error_line). */
#define _GNU_SOURCE /* strndup, vasprintf */
#include "sw_directory.h"
#include "sw_zpl.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_TEXT   (1 << 20) /* largest directory text, bytes */
#define S_MAX_LINES  20000     /* most lines: zconfig's parse time is quadratic */
#define S_MAX_ID     64        /* longest id */
#define S_MAX_POLICY 100       /* largest max_hops / max_bounces */
#define S_CHANNELS   6         /* window channels */

/* The window channels, whose on-duty person is the natural first owner. */
static const char *const s_channel_names[S_CHANNELS] = {
    "hotline", "online_chat", "forum", "weibo", "mailbox", "callback"};

/* R24 defaults, from the seeds. */
static const char *const s_default_phrases[] = {"不知道",     "不清楚",       "办不了",
                                                "不归我们管", "不是我们的事", "找别人去"};
#define S_DEFAULT_PHRASES (sizeof s_default_phrases / sizeof s_default_phrases[0])

/* Roles the structure of the directory implies (see sw_directory_has_role). */
enum {
    S_ROLE_HEAD = 1,
    S_ROLE_LEADER = 2,
    S_ROLE_DEPUTY_GM = 4,
    S_ROLE_GM = 8,
    S_ROLE_CRS = 16,
};

/* A comma-separated list of ids, split in place. */
typedef struct {
    char *buffer;       /* copy of the value, cut at the commas */
    const char **items; /* the ids, pointing into buffer */
    size_t count;       /* entries in items */
} s_list_t;

/* Entries of one kind in file order, indexed by id. */
typedef struct {
    void **items;     /* the entries */
    const char **ids; /* their ids, borrowed from the tree */
    size_t count;     /* entries used */
    size_t size;      /* entries allocated */
    zhashx_t *index;  /* id -> entry */
} s_table_t;

/* A department (部门 or window 窗口). */
typedef struct {
    const char *id;        /* "front_office" */
    zconfig_t *node;       /* its node in the tree */
    const char *name;      /* "前厅部" */
    const char *location;  /* where the customer finds it (R5) */
    const char *phone;     /* its phone (R5) */
    const char *head;      /* staff id of the head (负责人) */
    const char *leader;    /* supervising leader (分管领导), inherited */
    const char *parent;    /* department id */
    const char *deputy_gm; /* deputy GM above it, inherited */
    const char *branch;    /* branch office it works at (and serves), inherited */
} s_department_t;

/* A branch office (网点): where staff work and a shouwen-branch runs. */
typedef struct {
    const char *id;   /* "town-centre" */
    zconfig_t *node;  /* its node in the tree */
    const char *name; /* "青山镇便民服务中心" */
} s_branch_t;

/* A staff member. */
typedef struct {
    const char *id;                 /* "fo-01" */
    zconfig_t *node;                /* its node in the tree */
    const char *name;               /* "王芳" */
    const char *department;         /* department id */
    const char *contact;            /* phone or other contact */
    const char *designee;           /* takes over hand-overs while away */
    const char *branch;             /* branch office, else the department's */
    const char *roles_text;         /* roles as written */
    const char *channels_text;      /* channels as written */
    s_list_t roles;                 /* role ids */
    s_list_t channels;              /* window channels on whose roster they are */
    unsigned implied;               /* S_ROLE_* bits the structure gives them */
    int contact_private;            /* -1 not given, 0 or 1 */
    sw_availability_t availability; /* on post, away or on a trip */
} s_staff_t;

/* R25: a tiered customer (金/银/铜牌客户) and its account manager (客户经理). */
typedef struct {
    const char *id;      /* "huali-group" */
    zconfig_t *node;     /* its node in the tree */
    const char *name;    /* "浙江华立集团" */
    const char *tier;    /* "gold", "silver" or "bronze" */
    const char *unit;    /* matched against the inquiry's customer unit */
    const char *phone;   /* comma list, matched by digits against the customer phone */
    const char *manager; /* staff id of the account manager */
} s_customer_t;

/* A category: scoped (handled inside) or outside the organisation. */
typedef struct {
    const char *id;         /* "room_booking" */
    const char *name;       /* "客房预订", what a clerk reads; NULL: the id */
    zconfig_t *node;        /* scope/<id> or outside/<id> */
    s_list_t departments;   /* handling departments; items[0] alone when single */
    const char *lead;       /* lead department (主办部门) */
    const char *handler;    /* optional person in the lead department */
    bool ordered;           /* R9: the order of departments is known */
    const char *guidance;   /* R6 guidance when outside, else NULL */
    const char **checklist; /* R3 one-time-notification items */
    size_t checklist_count; /* entries in checklist */
} s_category_t;

struct _sw_directory_t {
    zconfig_t *root;              /* the parsed file; the strings point into it */
    const char *version;          /* directory/version */
    const char *organisation;     /* directory/organisation */
    const char *default_leader;   /* decides when nothing else names a leader */
    const char *gm;               /* general manager, top of the ladder */
    const char *qa_office;        /* department id of the QA office */
    const char *crs;              /* customer-relations supervisor (R18) */
    int max_hops;                 /* R18 */
    int max_bounces;              /* R18 */
    s_table_t departments;        /* s_department_t */
    s_table_t staff;              /* s_staff_t */
    s_table_t categories;         /* s_category_t */
    s_table_t branches;           /* s_branch_t */
    s_table_t customers;          /* s_customer_t (R25) */
    const char *branch;           /* directory/branch: default branch office */
    const char *duty[S_CHANNELS]; /* duty/<channel>, by s_channel_names index */
    const char **phrases;         /* R24 forbidden phrases */
    size_t phrase_count;          /* entries in phrases */
};

/* State of one load. */
typedef struct {
    const char *text; /* the whole text, NUL-terminated, for error lines */
    zconfig_t *root;  /* its tree */
    char **error;     /* where the first error goes, or NULL */
} s_loader_t;

/* ------------------------------------------------------------------------
   Error lines. */

/* The next line of text at *cursor: its start and length; false at the end. */
static bool s_next_line(const char **cursor, const char **start, size_t *length)
{
    if (!**cursor)
        return false;
    const char *newline = strchr(*cursor, '\n');
    *start = *cursor;
    *length = newline ? (size_t)(newline - *cursor) : strlen(*cursor);
    *cursor = newline ? newline + 1 : *cursor + *length;
    return true;
}

static size_t s_indent(const char *start, size_t length)
{
    size_t spaces = 0;
    while (spaces < length && start[spaces] == ' ')
        spaces++;
    return spaces;
}

/* What zconfig makes of one line on its own, its indent cut to the part
   that is not a multiple of 4 spaces (which zconfig rejects): -1 not valid,
   0 no key (blank or comment), 1 a key. */
static int s_line_alone(const char *start, size_t length)
{
    size_t spaces = s_indent(start, length);
    size_t skip = spaces - spaces % 4;
    char *line = strndup(start + skip, length - skip);
    zconfig_t *probe = line ? zconfig_str_load(line) : NULL;
    free(line);
    int result = probe ? zconfig_child(probe) != NULL : -1;
    zconfig_destroy(&probe);
    return result;
}

/* True if the first `lines` lines of text are valid ZPL. */
static bool s_prefix_parses(const char *text, size_t lines)
{
    const char *cursor = text, *start;
    size_t length;
    for (size_t i = 0; i < lines && s_next_line(&cursor, &start, &length); i++)
        ;
    char *prefix = strndup(text, (size_t)(cursor - text));
    zconfig_t *probe = prefix ? zconfig_str_load(prefix) : NULL;
    free(prefix);
    bool parses = probe != NULL;
    zconfig_destroy(&probe);
    return parses;
}

/* True if zconfig accepts the key line cur right after the key line prev
   (NULL: cur is the first key line).  Its place is all that matters: the
   last key line opened a node one level below its own, so cur may sit at
   most one level deeper than prev.  Both lose prev's indent and are parsed
   together. */
static bool s_line_fits(const char *prev, size_t prev_length, const char *cur,
                        size_t cur_length)
{
    size_t cut = prev ? s_indent(prev, prev_length) : 0;
    if (prev && s_indent(cur, cur_length) < cut)
        return true; /* back out to an open level (a multiple of 4: checked alone) */
    char *pair = NULL;
    if (asprintf(&pair, "%.*s\n%.*s", prev ? (int)(prev_length - cut) : 0,
                 prev ? prev + cut : "", (int)(cur_length - cut), cur + cut) < 0)
        return false;
    zconfig_t *probe = zconfig_str_load(pair);
    free(pair);
    bool fits = probe != NULL;
    zconfig_destroy(&probe);
    return fits;
}

/* The line that makes text invalid ZPL: the first line zconfig rejects on
   its own (junk after a value, a missing quote, a bad name, an indent that
   is not a multiple of 4) or in its place (indented too deep).  Each line
   is probed on its own or with the key line before it, since zconfig's
   parse time grows with the square of a section's entries and a 20000-line
   text must not be parsed over and over.  Should no line stand out, bisect
   over prefixes: ZPL is line-oriented, so every prefix before the bad line
   parses and every longer one fails.  zconfig logs each failing probe. */
static size_t s_syntax_error_line(const char *text)
{
    const char *cursor = text, *start, *prev = NULL;
    size_t length, prev_length = 0, line = 0;
    while (s_next_line(&cursor, &start, &length)) {
        line++;
        int alone = s_line_alone(start, length);
        if (alone < 0 || (alone > 0 && !s_line_fits(prev, prev_length, start, length)))
            return line;
        if (alone > 0)
            prev = start, prev_length = length;
    }
    size_t good = 0, bad = line; /* the whole text fails */
    while (bad - good > 1) {
        size_t mid = good + (bad - good) / 2;
        if (s_prefix_parses(text, mid))
            good = mid;
        else
            bad = mid;
    }
    return bad;
}

/* The line a node of the loaded tree came from, 0 if unknown (sw_zpl_line,
   the one way ZPL lines are counted). */
static size_t s_node_line(s_loader_t *loader, zconfig_t *node)
{
    return sw_zpl_line(loader->text, loader->root, node);
}

/* Record the first error, "line N: " in front when node is known; -1. */
static int s_fail(s_loader_t *loader, zconfig_t *node, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(s_loader_t *loader, zconfig_t *node, const char *format, ...)
{
    if (!loader->error || *loader->error)
        return -1;
    va_list args;
    va_start(args, format);
    char *reason = NULL;
    if (vasprintf(&reason, format, args) < 0)
        reason = NULL;
    va_end(args);
    size_t line = reason ? s_node_line(loader, node) : 0;
    if (reason && line > 0) {
        if (asprintf(loader->error, "line %zu: %s", line, reason) < 0)
            *loader->error = NULL;
        free(reason);
    } else
        *loader->error = reason;
    return -1;
}

/* The same, at the key child of node (node itself when the key is absent). */
static int s_fail_key(s_loader_t *loader, zconfig_t *node, const char *key,
                      const char *format, ...) __attribute__((format(printf, 4, 5)));

static int s_fail_key(s_loader_t *loader, zconfig_t *node, const char *key,
                      const char *format, ...)
{
    if (!loader->error || *loader->error)
        return -1;
    zconfig_t *at = zconfig_locate(node, key);
    va_list args;
    va_start(args, format);
    char *reason = NULL;
    if (vasprintf(&reason, format, args) < 0)
        reason = NULL;
    va_end(args);
    s_fail(loader, at ? at : node, "%s", reason ? reason : "out of memory");
    free(reason);
    return -1;
}

/* ------------------------------------------------------------------------
   Lists, tables and small values. */

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

static int s_check_id(s_loader_t *loader, zconfig_t *node, const char *section)
{
    if (s_valid_id(zconfig_name(node)))
        return 0;
    return s_fail(loader, node, "%s/%s: not a valid id (1-%d of a-z, 0-9, '_', '-')",
                  section, zconfig_name(node), S_MAX_ID);
}

static void s_list_free(s_list_t *list)
{
    free(list->buffer);
    free(list->items);
    *list = (s_list_t){NULL, NULL, 0};
}

static char *s_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t length = strlen(s);
    while (length && (s[length - 1] == ' ' || s[length - 1] == '\t'))
        s[--length] = 0;
    return s;
}

static bool s_list_has(const s_list_t *list, const char *id)
{
    for (size_t i = 0; id && i < list->count; i++)
        if (streq(list->items[i], id))
            return true;
    return false;
}

/* Split "a, b, c" (the value of key below node) into ids. */
static int s_list_parse(s_loader_t *loader, zconfig_t *node, const char *path,
                        const char *key, const char *value, s_list_t *list)
{
    size_t commas = 0;
    for (const char *c = value; *c; c++)
        commas += *c == ',';
    list->buffer = strdup(value);
    list->items = calloc(commas + 1, sizeof *list->items);
    if (!list->buffer || !list->items)
        return s_fail(loader, node, "%s/%s: out of memory", path, key);
    for (char *entry = list->buffer; entry;) {
        char *comma = strchr(entry, ',');
        if (comma)
            *comma = 0;
        char *id = s_trim(entry);
        if (!*id)
            return s_fail_key(loader, node, key, "%s/%s: empty entry in '%s'", path, key,
                              value);
        if (!s_valid_id(id))
            return s_fail_key(
                loader, node, key,
                "%s/%s: '%s' is not a valid id (1-%d of a-z, 0-9, '_', '-')", path, key,
                id, S_MAX_ID);
        if (s_list_has(list, id))
            return s_fail_key(loader, node, key, "%s/%s: '%s' is listed twice", path, key,
                              id);
        list->items[list->count++] = id;
        entry = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int s_table_init(s_table_t *table)
{
    table->index = zhashx_new();
    return table->index ? 0 : -1;
}

/* 0, or -1 when the id is taken or memory runs out (*taken says which). */
static int s_table_add(s_table_t *table, const char *id, void *item, bool *taken)
{
    *taken = zhashx_lookup(table->index, id) != NULL;
    if (*taken)
        return -1;
    if (table->count == table->size) {
        size_t size = table->size ? table->size * 2 : 16;
        void **items = realloc(table->items, size * sizeof *items);
        if (!items)
            return -1;
        table->items = items;
        const char **ids = realloc(table->ids, size * sizeof *ids);
        if (!ids)
            return -1;
        table->ids = ids;
        table->size = size;
    }
    if (zhashx_insert(table->index, id, item) != 0)
        return -1;
    table->items[table->count] = item;
    table->ids[table->count++] = id;
    return 0;
}

static void *s_table_get(s_table_t *table, const char *id)
{
    return id && table->index ? zhashx_lookup(table->index, id) : NULL;
}

/* The values of the keys below node.  An unknown, repeated or empty key,
   or one with entries below it, is an error; so is a value on node. */
static int s_read_keys(s_loader_t *loader, zconfig_t *node, const char *path,
                       const char *const *keys, const char **values)
{
    size_t key_count = 0;
    while (keys[key_count])
        values[key_count++] = NULL;
    const char *own = zconfig_value(node);
    if (own && *own)
        return s_fail(loader, node,
                      "%s: takes indented keys below it, not a value ('%s')", path, own);
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        const char *name = zconfig_name(child);
        size_t k = 0;
        while (k < key_count && !streq(keys[k], name))
            k++;
        if (k == key_count) {
            char expected[512] = "";
            for (size_t i = 0; i < key_count; i++)
                snprintf(expected + strlen(expected), sizeof expected - strlen(expected),
                         "%s%s", i ? ", " : "", keys[i]);
            return s_fail(loader, child, "%s/%s: unknown key (expected %s)", path, name,
                          expected);
        }
        const char *value = zconfig_value(child);
        if (zconfig_child(child))
            return s_fail(loader, zconfig_child(child),
                          "%s/%s: takes a value, not indented keys below it", path, name);
        if (values[k])
            return s_fail(loader, child, "%s/%s: given twice", path, name);
        if (!value || !*value)
            return s_fail(loader, child, "%s/%s: empty value (leave the key out instead)",
                          path, name);
        values[k] = value;
    }
    return 0;
}

static int s_parse_bool(s_loader_t *loader, zconfig_t *node, const char *path,
                        const char *key, const char *value, bool *out)
{
    if (streq(value, "true") || streq(value, "false")) {
        *out = streq(value, "true");
        return 0;
    }
    return s_fail_key(loader, node, key, "%s/%s: '%s' is not true or false", path, key,
                      value);
}

static int s_parse_policy_int(s_loader_t *loader, zconfig_t *node, const char *key,
                              const char *value, int def, int *out)
{
    *out = def;
    if (!value)
        return 0;
    int n = 0;
    for (const char *c = value; *c; c++) {
        if (*c < '0' || *c > '9' || n > S_MAX_POLICY)
            return s_fail_key(loader, node, key,
                              "directory/%s: '%s' is not a whole number from 1 to %d",
                              key, value, S_MAX_POLICY);
        n = n * 10 + (*c - '0');
    }
    if (n < 1 || n > S_MAX_POLICY)
        return s_fail_key(loader, node, key,
                          "directory/%s: '%s' is not a whole number from 1 to %d", key,
                          value, S_MAX_POLICY);
    *out = n;
    return 0;
}

static int s_channel_index(const char *channel)
{
    for (int i = 0; channel && i < S_CHANNELS; i++)
        if (streq(s_channel_names[i], channel))
            return i;
    return -1;
}

/* ------------------------------------------------------------------------
   Sections. */

/* The node of a top-level section, or NULL; a second one is an error. */
static int s_section(s_loader_t *loader, const char *name, zconfig_t **section)
{
    *section = NULL;
    for (zconfig_t *node = zconfig_child(loader->root); node; node = zconfig_next(node)) {
        if (!streq(zconfig_name(node), name))
            continue;
        if (*section)
            return s_fail(loader, node,
                          "%s: section given twice (put everything under the first)",
                          name);
        const char *value = zconfig_value(node);
        if (value && *value)
            return s_fail(loader, node,
                          "%s: takes indented entries below it, not a value ('%s')", name,
                          value);
        *section = node;
    }
    return 0;
}

static int s_check_sections(s_loader_t *loader)
{
    static const char *const known[] = {"directory", "department", "staff",     "duty",
                                        "scope",     "outside",    "checklist", "policy",
                                        "branch",    "customer"};
    for (zconfig_t *node = zconfig_child(loader->root); node; node = zconfig_next(node)) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && !streq(known[k], zconfig_name(node)))
            k++;
        if (k == sizeof known / sizeof known[0])
            return s_fail(loader, node,
                          "%s: unknown section (expected directory, branch, department, "
                          "staff, duty, scope, outside, checklist, policy or customer)",
                          zconfig_name(node));
    }
    return 0;
}

static int s_parse_directory(s_loader_t *loader, sw_directory_t *self)
{
    static const char *const keys[] = {"version",        "organisation",
                                       "default_leader", "gm",
                                       "qa_office",      "customer_relations_supervisor",
                                       "max_hops",       "max_bounces",
                                       "branch",         NULL};
    const char *values[9];
    zconfig_t *node;
    if (s_section(loader, "directory", &node) != 0)
        return -1;
    if (!node)
        return s_fail(loader, NULL,
                      "directory: missing (it holds version and organisation)");
    if (s_read_keys(loader, node, "directory", keys, values) != 0)
        return -1;
    if (!values[0])
        return s_fail(loader, node, "directory/version: missing");
    if (!values[1])
        return s_fail(loader, node, "directory/organisation: missing");
    self->version = values[0];
    self->organisation = values[1];
    self->default_leader = values[2];
    self->gm = values[3];
    self->qa_office = values[4];
    self->crs = values[5];
    self->branch = values[8];
    if (s_parse_policy_int(loader, node, "max_hops", values[6], 3, &self->max_hops) != 0)
        return -1;
    return s_parse_policy_int(loader, node, "max_bounces", values[7], 2,
                              &self->max_bounces);
}

static int s_parse_department(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"name",   "location",  "phone",  "head", "leader",
                                       "parent", "deputy_gm", "branch", NULL};
    const char *values[8];
    char path[96];
    if (s_check_id(loader, node, "department") != 0)
        return -1;
    snprintf(path, sizeof path, "department/%s", zconfig_name(node));
    if (s_read_keys(loader, node, path, keys, values) != 0)
        return -1;
    if (!values[0])
        return s_fail(loader, node, "%s/name: missing", path);
    s_department_t *dept = calloc(1, sizeof *dept);
    if (!dept)
        return s_fail(loader, node, "%s: out of memory", path);
    *dept =
        (s_department_t){zconfig_name(node), node,      values[0], values[1], values[2],
                         values[3],          values[4], values[5], values[6], values[7]};
    bool taken;
    if (s_table_add(&self->departments, dept->id, dept, &taken) != 0) {
        free(dept);
        return s_fail(loader, node, taken ? "%s: defined twice" : "%s: out of memory",
                      path);
    }
    return 0;
}

static void s_staff_free(s_staff_t **staff_p)
{
    if (*staff_p) {
        s_list_free(&(*staff_p)->roles);
        s_list_free(&(*staff_p)->channels);
        free(*staff_p);
        *staff_p = NULL;
    }
}

static int s_parse_availability(s_loader_t *loader, zconfig_t *node, const char *path,
                                const char *value, sw_availability_t *out)
{
    *out = SW_AVAILABLE_ON_POST;
    if (!value || streq(value, "on_post"))
        return 0;
    if (streq(value, "away") || streq(value, "trip")) {
        *out = streq(value, "away") ? SW_AVAILABLE_AWAY : SW_AVAILABLE_TRIP;
        return 0;
    }
    return s_fail_key(loader, node, "availability",
                      "%s/availability: '%s' is not on_post, away or trip", path, value);
}

/* Fill a staff entry from the key values (order of the keys in s_parse_staff). */
static int s_staff_fill(s_loader_t *loader, s_staff_t *staff, const char *path,
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
        s_list_parse(loader, node, path, "roles", values[2], &staff->roles) != 0)
        return -1;
    if (values[3] &&
        s_list_parse(loader, node, path, "channels", values[3], &staff->channels) != 0)
        return -1;
    for (size_t i = 0; i < staff->channels.count; i++)
        if (s_channel_index(staff->channels.items[i]) < 0)
            return s_fail_key(loader, node, "channels",
                              "%s/channels: '%s' is not a window channel (hotline, "
                              "online_chat, forum, weibo, mailbox, callback)",
                              path, staff->channels.items[i]);
    bool private = false;
    if (values[5] &&
        s_parse_bool(loader, node, path, "contact_private", values[5], &private) != 0)
        return -1;
    if (values[5])
        staff->contact_private = private;
    return s_parse_availability(loader, node, path, values[6], &staff->availability);
}

static int s_parse_staff(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {
        "name",         "department", "roles",  "channels", "contact", "contact_private",
        "availability", "designee",   "branch", NULL};
    const char *values[9];
    char path[96];
    if (s_check_id(loader, node, "staff") != 0)
        return -1;
    snprintf(path, sizeof path, "staff/%s", zconfig_name(node));
    if (s_read_keys(loader, node, path, keys, values) != 0)
        return -1;
    if (!values[0])
        return s_fail(loader, node, "%s/name: missing", path);
    if (!values[1])
        return s_fail(loader, node, "%s/department: missing", path);
    s_staff_t *staff = calloc(1, sizeof *staff);
    if (!staff)
        return s_fail(loader, node, "%s: out of memory", path);
    staff->id = zconfig_name(node);
    staff->node = node;
    bool taken = false;
    if (s_staff_fill(loader, staff, path, values) != 0 ||
        s_table_add(&self->staff, staff->id, staff, &taken) != 0) {
        s_staff_free(&staff);
        return s_fail(loader, node, taken ? "%s: defined twice" : "%s: out of memory",
                      path);
    }
    return 0;
}

static void s_category_free(s_category_t **category_p)
{
    if (*category_p) {
        s_list_free(&(*category_p)->departments);
        free((*category_p)->checklist);
        free(*category_p);
        *category_p = NULL;
    }
}

static int s_category_add(s_loader_t *loader, sw_directory_t *self,
                          s_category_t *category, const char *path)
{
    bool taken;
    if (s_table_add(&self->categories, category->id, category, &taken) == 0)
        return 0;
    s_category_t *other = s_table_get(&self->categories, category->id);
    bool same_kind = other && (other->guidance == NULL) == (category->guidance == NULL);
    const char *id = category->id;
    zconfig_t *node = category->node;
    s_category_free(&category);
    if (!taken)
        return s_fail(loader, node, "%s: out of memory", path);
    if (same_kind)
        return s_fail(loader, node, "%s: defined twice", path);
    return s_fail(loader, node, "%s: '%s' is both scoped and outside the organisation",
                  path, id);
}

/* The departments of a scope: department = x, or departments = "a, b" with
   an optional lead and ordered. */
static int s_scope_departments(s_loader_t *loader, s_category_t *scope, const char *path,
                               const char **values)
{
    zconfig_t *node = scope->node;
    if (values[0] && values[1])
        return s_fail_key(loader, node, "departments",
                          "%s/departments: give department or departments, not both",
                          path);
    if (!values[0] && !values[1])
        return s_fail(loader, node, "%s/department: missing (or departments = \"a, b\")",
                      path);
    if (values[0]) {
        if (values[2])
            return s_fail_key(loader, node, "lead",
                              "%s/lead: only with departments (several)", path);
        if (values[4])
            return s_fail_key(loader, node, "ordered",
                              "%s/ordered: only with departments (several)", path);
        if (strchr(values[0], ','))
            return s_fail_key(loader, node, "department",
                              "%s/department: names one department; list several as "
                              "departments = \"a, b\"",
                              path);
        return s_list_parse(loader, node, path, "department", values[0],
                            &scope->departments);
    }
    if (s_list_parse(loader, node, path, "departments", values[1], &scope->departments) !=
        0)
        return -1;
    if (values[2] && !s_list_has(&scope->departments, values[2]))
        return s_fail_key(loader, node, "lead",
                          "%s/lead: '%s' is not one of its departments", path, values[2]);
    if (values[4] &&
        s_parse_bool(loader, node, path, "ordered", values[4], &scope->ordered))
        return -1;
    return 0;
}

static int s_parse_scope(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"department", "departments", "lead", "handler",
                                       "ordered",    "name",        NULL};
    const char *values[6];
    char path[96];
    if (s_check_id(loader, node, "scope") != 0)
        return -1;
    snprintf(path, sizeof path, "scope/%s", zconfig_name(node));
    if (s_read_keys(loader, node, path, keys, values) != 0)
        return -1;
    s_category_t *scope = calloc(1, sizeof *scope);
    if (!scope)
        return s_fail(loader, node, "%s: out of memory", path);
    scope->id = zconfig_name(node);
    scope->name = values[5];
    scope->node = node;
    scope->handler = values[3];
    scope->ordered = values[0] != NULL; /* one department: trivially ordered */
    if (s_scope_departments(loader, scope, path, values) != 0) {
        s_category_free(&scope);
        return -1;
    }
    scope->lead = values[2] ? values[2] : scope->departments.items[0];
    return s_category_add(loader, self, scope, path);
}

static int s_parse_outside(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"guidance", "name", NULL};
    const char *values[2];
    char path[96];
    if (s_check_id(loader, node, "outside") != 0)
        return -1;
    snprintf(path, sizeof path, "outside/%s", zconfig_name(node));
    if (s_read_keys(loader, node, path, keys, values) != 0)
        return -1;
    if (!values[0])
        return s_fail(loader, node,
                      "%s/guidance: missing (what the customer is told, R6)", path);
    s_category_t *outside = calloc(1, sizeof *outside);
    if (!outside)
        return s_fail(loader, node, "%s: out of memory", path);
    outside->id = zconfig_name(node);
    outside->name = values[1];
    outside->node = node;
    outside->guidance = values[0];
    return s_category_add(loader, self, outside, path);
}

/* Values of the repeated key below node, in file order (at least one). */
static int s_repeated(s_loader_t *loader, zconfig_t *node, const char *path,
                      const char *key, const char ***items, size_t *count)
{
    const char *own = zconfig_value(node);
    if (own && *own)
        return s_fail(loader, node, "%s: list each %s below it, not as its value", path,
                      key);
    size_t size = 0;
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child))
        size++;
    if (size == 0)
        return s_fail(loader, node, "%s: lists no %s", path, key);
    *items = calloc(size, sizeof **items);
    if (!*items)
        return s_fail(loader, node, "%s: out of memory", path);
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        const char *value = zconfig_value(child);
        if (!streq(zconfig_name(child), key))
            return s_fail(loader, child, "%s/%s: unknown key (expected %s)", path,
                          zconfig_name(child), key);
        if (zconfig_child(child))
            return s_fail(loader, zconfig_child(child),
                          "%s/%s: takes a value, not indented keys below it", path, key);
        if (!value || !*value)
            return s_fail(loader, child, "%s/%s: empty value (leave the key out instead)",
                          path, key);
        for (size_t i = 0; i < *count; i++)
            if (streq((*items)[i], value))
                return s_fail(loader, child, "%s/%s: '%s' is listed twice", path, key,
                              value);
        (*items)[(*count)++] = value;
    }
    return 0;
}

static int s_parse_checklist(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    char path[96];
    if (s_check_id(loader, node, "checklist") != 0)
        return -1;
    snprintf(path, sizeof path, "checklist/%s", zconfig_name(node));
    s_category_t *category = s_table_get(&self->categories, zconfig_name(node));
    if (!category)
        return s_fail(loader, node, "%s: '%s' is neither a scope nor an outside category",
                      path, zconfig_name(node));
    if (category->checklist)
        return s_fail(loader, node, "%s: defined twice", path);
    return s_repeated(loader, node, path, "item", &category->checklist,
                      &category->checklist_count);
}

static int s_parse_policy(s_loader_t *loader, sw_directory_t *self, zconfig_t *section)
{
    static const char *const keys[] = {"forbidden_phrases", NULL};
    for (zconfig_t *node = zconfig_child(section); node; node = zconfig_next(node)) {
        if (!streq(zconfig_name(node), keys[0]))
            return s_fail(loader, node, "policy/%s: unknown key (expected %s)",
                          zconfig_name(node), keys[0]);
        if (self->phrases)
            return s_fail(loader, node, "policy/%s: given twice", keys[0]);
        if (s_repeated(loader, node, "policy/forbidden_phrases", "phrase", &self->phrases,
                       &self->phrase_count) != 0)
            return -1;
    }
    return 0;
}

static int s_parse_branch(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"name", NULL};
    const char *values[1];
    char path[96];
    if (s_check_id(loader, node, "branch") != 0)
        return -1;
    snprintf(path, sizeof path, "branch/%s", zconfig_name(node));
    if (s_read_keys(loader, node, path, keys, values) != 0)
        return -1;
    if (!values[0])
        return s_fail(loader, node, "%s/name: missing", path);
    s_branch_t *branch = calloc(1, sizeof *branch);
    if (!branch)
        return s_fail(loader, node, "%s: out of memory", path);
    *branch = (s_branch_t){zconfig_name(node), node, values[0]};
    bool taken;
    if (s_table_add(&self->branches, branch->id, branch, &taken) != 0) {
        free(branch);
        return s_fail(loader, node, taken ? "%s: defined twice" : "%s: out of memory",
                      path);
    }
    return 0;
}

/* R25: customer/<id>: name, tier, manager, and a unit or phone to know
   the customer by. */
static int s_parse_customer(s_loader_t *loader, sw_directory_t *self, zconfig_t *node)
{
    static const char *const keys[] = {"name", "tier", "unit", "phone", "manager", NULL};
    const char *values[5];
    char path[96];
    if (s_check_id(loader, node, "customer") != 0)
        return -1;
    snprintf(path, sizeof path, "customer/%s", zconfig_name(node));
    if (s_read_keys(loader, node, path, keys, values) != 0)
        return -1;
    if (!values[0])
        return s_fail(loader, node, "%s/name: missing", path);
    if (!values[1])
        return s_fail(loader, node, "%s/tier: missing (gold, silver or bronze)", path);
    if (!streq(values[1], "gold") && !streq(values[1], "silver") &&
        !streq(values[1], "bronze"))
        return s_fail_key(loader, node, "tier",
                          "%s/tier: '%s' is not gold, silver or bronze", path, values[1]);
    if (!values[4])
        return s_fail(loader, node, "%s/manager: missing (the account manager, R25)",
                      path);
    if (!values[2] && !values[3])
        return s_fail(
            loader, node,
            "%s/phone: missing (give a unit or a phone to know the customer by)", path);
    s_customer_t *customer = calloc(1, sizeof *customer);
    if (!customer)
        return s_fail(loader, node, "%s: out of memory", path);
    *customer = (s_customer_t){zconfig_name(node), node,      values[0], values[1],
                               values[2],          values[3], values[4]};
    bool taken;
    if (s_table_add(&self->customers, customer->id, customer, &taken) != 0) {
        free(customer);
        return s_fail(loader, node, taken ? "%s: defined twice" : "%s: out of memory",
                      path);
    }
    return 0;
}

static int s_ref(s_loader_t *loader, s_table_t *table, const char *what, zconfig_t *node,
                 const char *path, const char *key, const char *value);

static int s_check_customers(s_loader_t *loader, sw_directory_t *self)
{
    for (size_t i = 0; i < self->customers.count; i++) {
        s_customer_t *customer = self->customers.items[i];
        char path[96];
        snprintf(path, sizeof path, "customer/%s", customer->id);
        if (s_ref(loader, &self->staff, "staff", customer->node, path, "manager",
                  customer->manager))
            return -1;
    }
    return 0;
}

/* Each child of the section, parsed by parse. */
static int s_parse_entries(s_loader_t *loader, sw_directory_t *self, const char *name,
                           int (*parse)(s_loader_t *, sw_directory_t *, zconfig_t *))
{
    zconfig_t *section;
    if (s_section(loader, name, &section) != 0)
        return -1;
    for (zconfig_t *node = section ? zconfig_child(section) : NULL; node;
         node = zconfig_next(node))
        if (parse(loader, self, node) != 0)
            return -1;
    return 0;
}

static int s_parse_duty(s_loader_t *loader, sw_directory_t *self)
{
    zconfig_t *section;
    if (s_section(loader, "duty", &section) != 0)
        return -1;
    if (!section)
        return 0;
    const char *keys[S_CHANNELS + 1];
    for (int i = 0; i < S_CHANNELS; i++)
        keys[i] = s_channel_names[i];
    keys[S_CHANNELS] = NULL;
    return s_read_keys(loader, section, "duty", keys, self->duty);
}

/* ------------------------------------------------------------------------
   References and what follows from them. */

static int s_ref(s_loader_t *loader, s_table_t *table, const char *what, zconfig_t *node,
                 const char *path, const char *key, const char *value)
{
    if (!value || s_table_get(table, value))
        return 0;
    return s_fail_key(loader, node, key, "%s/%s: '%s' is not a known %s", path, key,
                      value, what);
}

/* Every chain of parents ends at a top department (it cannot loop). */
static int s_check_parents(s_loader_t *loader, sw_directory_t *self, s_department_t *dept,
                           const char *path)
{
    s_department_t *up = dept;
    for (size_t steps = 0; up && up->parent; steps++) {
        up = s_table_get(&self->departments, up->parent);
        if (steps >= self->departments.count)
            return s_fail_key(loader, dept->node, "parent",
                              "%s/parent: the chain of parents loops and never reaches a "
                              "top department",
                              path);
    }
    return 0;
}

static int s_check_departments(s_loader_t *loader, sw_directory_t *self)
{
    for (size_t i = 0; i < self->departments.count; i++) {
        s_department_t *dept = self->departments.items[i];
        char path[96];
        snprintf(path, sizeof path, "department/%s", dept->id);
        if (s_ref(loader, &self->staff, "staff", dept->node, path, "head", dept->head) ||
            s_ref(loader, &self->staff, "staff", dept->node, path, "leader",
                  dept->leader) ||
            s_ref(loader, &self->staff, "staff", dept->node, path, "deputy_gm",
                  dept->deputy_gm) ||
            s_ref(loader, &self->departments, "department", dept->node, path, "parent",
                  dept->parent) ||
            s_ref(loader, &self->branches, "branch", dept->node, path, "branch",
                  dept->branch))
            return -1;
        if (dept->parent && streq(dept->parent, dept->id))
            return s_fail_key(loader, dept->node, "parent",
                              "%s/parent: a department cannot be its own parent", path);
        if (s_check_parents(loader, self, dept, path) != 0)
            return -1;
    }
    return 0;
}

static int s_check_staff(s_loader_t *loader, sw_directory_t *self)
{
    for (size_t i = 0; i < self->staff.count; i++) {
        s_staff_t *staff = self->staff.items[i];
        char path[96];
        snprintf(path, sizeof path, "staff/%s", staff->id);
        if (s_ref(loader, &self->departments, "department", staff->node, path,
                  "department", staff->department) ||
            s_ref(loader, &self->staff, "staff", staff->node, path, "designee",
                  staff->designee) ||
            s_ref(loader, &self->branches, "branch", staff->node, path, "branch",
                  staff->branch))
            return -1;
        if (staff->designee && streq(staff->designee, staff->id))
            return s_fail_key(loader, staff->node, "designee",
                              "%s/designee: a person cannot be their own designee", path);
    }
    return 0;
}

static int s_check_scopes(s_loader_t *loader, sw_directory_t *self)
{
    for (size_t i = 0; i < self->categories.count; i++) {
        s_category_t *scope = self->categories.items[i];
        if (scope->guidance)
            continue;
        char path[96];
        snprintf(path, sizeof path, "scope/%s", scope->id);
        const char *key =
            zconfig_locate(scope->node, "departments") ? "departments" : "department";
        for (size_t d = 0; d < scope->departments.count; d++)
            if (s_ref(loader, &self->departments, "department", scope->node, path, key,
                      scope->departments.items[d]))
                return -1;
        if (s_ref(loader, &self->staff, "staff", scope->node, path, "handler",
                  scope->handler))
            return -1;
        s_staff_t *handler = s_table_get(&self->staff, scope->handler);
        if (handler && !streq(handler->department, scope->lead))
            return s_fail_key(loader, scope->node, "handler",
                              "%s/handler: '%s' is in %s, not in the lead department %s",
                              path, handler->id, handler->department, scope->lead);
    }
    return 0;
}

static int s_check_duty(s_loader_t *loader, sw_directory_t *self)
{
    zconfig_t *section = zconfig_locate(loader->root, "duty");
    for (int i = 0; i < S_CHANNELS; i++) {
        if (s_ref(loader, &self->staff, "staff", section, "duty", s_channel_names[i],
                  self->duty[i]))
            return -1;
        s_staff_t *staff = s_table_get(&self->staff, self->duty[i]);
        if (staff && staff->availability != SW_AVAILABLE_ON_POST)
            return s_fail_key(loader, section, s_channel_names[i],
                              "duty/%s: '%s' is not on post (availability), so cannot be "
                              "on duty",
                              s_channel_names[i], staff->id);
    }
    return 0;
}

/* The one staff member whose roles list role, into *out when not set. */
static int s_role_default(s_loader_t *loader, sw_directory_t *self, const char *role,
                          const char **out)
{
    if (*out)
        return 0;
    for (size_t i = 0; i < self->staff.count; i++) {
        s_staff_t *staff = self->staff.items[i];
        if (!s_list_has(&staff->roles, role))
            continue;
        if (*out)
            return s_fail(loader, zconfig_locate(loader->root, "directory"),
                          "directory/%s: missing, and several staff have the role %s "
                          "(%s, %s): name one",
                          role, role, *out, staff->id);
        *out = staff->id;
    }
    return 0;
}

static int s_check_directory(s_loader_t *loader, sw_directory_t *self)
{
    zconfig_t *node = zconfig_locate(loader->root, "directory");
    if (s_ref(loader, &self->staff, "staff", node, "directory", "default_leader",
              self->default_leader) ||
        s_ref(loader, &self->staff, "staff", node, "directory", "gm", self->gm) ||
        s_ref(loader, &self->departments, "department", node, "directory", "qa_office",
              self->qa_office) ||
        s_ref(loader, &self->staff, "staff", node, "directory",
              "customer_relations_supervisor", self->crs) ||
        s_ref(loader, &self->branches, "branch", node, "directory", "branch",
              self->branch))
        return -1;
    if (s_role_default(loader, self, "gm", &self->gm) != 0 ||
        s_role_default(loader, self, "customer_relations_supervisor", &self->crs) != 0)
        return -1;
    if (!self->default_leader)
        self->default_leader = self->gm;
    s_department_t *qa =
        s_table_get(&self->departments, self->qa_office ? self->qa_office : "qa_office");
    self->qa_office = qa ? qa->id : NULL;
    if (!self->crs && qa)
        self->crs = qa->head;
    return 0;
}

static void s_imply(sw_directory_t *self, const char *staff_id, unsigned role)
{
    s_staff_t *staff = s_table_get(&self->staff, staff_id);
    if (staff)
        staff->implied |= role;
}

/* Inherited leaders, implied roles and private contacts. */
static void s_derive(sw_directory_t *self)
{
    for (size_t i = 0; i < self->departments.count; i++) {
        s_department_t *dept = self->departments.items[i];
        s_imply(self, dept->head, S_ROLE_HEAD);
        s_imply(self, dept->leader, S_ROLE_LEADER);
        s_imply(self, dept->deputy_gm, S_ROLE_DEPUTY_GM);
    }
    for (size_t i = 0; i < self->departments.count; i++) {
        s_department_t *dept = self->departments.items[i];
        for (s_department_t *up = s_table_get(&self->departments, dept->parent);
             up && (!dept->leader || !dept->deputy_gm);
             up = s_table_get(&self->departments, up->parent)) {
            dept->leader = dept->leader ? dept->leader : up->leader;
            dept->deputy_gm = dept->deputy_gm ? dept->deputy_gm : up->deputy_gm;
        }
    }
    /* a department works at its own branch, its parent's, or the default one;
       a staff member at their own branch or their department's */
    for (size_t i = 0; i < self->departments.count; i++) {
        s_department_t *dept = self->departments.items[i];
        for (s_department_t *up = s_table_get(&self->departments, dept->parent);
             up && !dept->branch; up = s_table_get(&self->departments, up->parent))
            dept->branch = up->branch;
        if (!dept->branch)
            dept->branch = self->branch;
    }
    for (size_t i = 0; i < self->staff.count; i++) {
        s_staff_t *staff = self->staff.items[i];
        s_department_t *dept = s_table_get(&self->departments, staff->department);
        if (!staff->branch && dept)
            staff->branch = dept->branch;
    }
    s_imply(self, self->gm, S_ROLE_GM);
    s_imply(self, self->crs, S_ROLE_CRS);
    for (size_t i = 0; i < self->staff.count; i++) {
        s_staff_t *staff = self->staff.items[i];
        if (staff->contact_private < 0)
            staff->contact_private =
                sw_directory_has_role(self, staff->id, "gm") ||
                sw_directory_has_role(self, staff->id, "deputy_gm") ||
                sw_directory_has_role(self, staff->id, "leader") ||
                sw_directory_has_role(self, staff->id, "head");
    }
    if (!self->phrases) {
        self->phrases = calloc(S_DEFAULT_PHRASES, sizeof *self->phrases);
        for (size_t i = 0; self->phrases && i < S_DEFAULT_PHRASES; i++)
            self->phrases[self->phrase_count++] = s_default_phrases[i];
    }
}

static int s_load(s_loader_t *loader, sw_directory_t *self)
{
    zconfig_t *policy;
    if (s_table_init(&self->departments) || s_table_init(&self->staff) ||
        s_table_init(&self->categories) || s_table_init(&self->branches) ||
        s_table_init(&self->customers))
        return s_fail(loader, NULL, "out of memory");
    if (s_check_sections(loader) || s_parse_directory(loader, self) ||
        s_parse_entries(loader, self, "branch", s_parse_branch) ||
        s_parse_entries(loader, self, "department", s_parse_department) ||
        s_parse_entries(loader, self, "staff", s_parse_staff) ||
        s_parse_entries(loader, self, "scope", s_parse_scope) ||
        s_parse_entries(loader, self, "outside", s_parse_outside) ||
        s_parse_entries(loader, self, "checklist", s_parse_checklist) ||
        s_parse_entries(loader, self, "customer", s_parse_customer) ||
        s_parse_duty(loader, self) || s_section(loader, "policy", &policy) ||
        (policy && s_parse_policy(loader, self, policy)))
        return -1;
    if (s_check_directory(loader, self) || s_check_departments(loader, self) ||
        s_check_staff(loader, self) || s_check_scopes(loader, self) ||
        s_check_duty(loader, self) || s_check_customers(loader, self))
        return -1;
    s_derive(self);
    return self->phrases ? 0 : s_fail(loader, NULL, "out of memory");
}

/* ------------------------------------------------------------------------
   Construction. */

/* Offset of the first byte that is not part of valid UTF-8, or len. */
static size_t s_utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;      /* continuation bytes */
        uint32_t code; /* the code point */
        uint32_t min;  /* smallest code point of that length (no overlong forms) */
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, code = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, code = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, code = c & 0x07, min = 0x10000;
        } else
            return i;
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            code = code << 6 | (s[i + k] & 0x3F);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static size_t s_line_of_offset(const char *text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++)
        line += text[i] == '\n';
    return line;
}

/* Reject what zconfig should never see: oversize, NUL bytes, bad UTF-8. */
static int s_check_text(s_loader_t *loader, const char *text, size_t len)
{
    if (!text || len > S_MAX_TEXT)
        return s_fail(loader, NULL, "directory text missing or larger than %d bytes",
                      S_MAX_TEXT);
    size_t lines = 0;
    for (const char *c = text; (c = memchr(c, '\n', len - (size_t)(c - text))); c++)
        lines++;
    if (lines > S_MAX_LINES)
        return s_fail(loader, NULL, "directory text has more than %d lines", S_MAX_LINES);
    const char *nul = memchr(text, 0, len);
    if (nul)
        return s_fail(loader, NULL, "line %zu: holds a NUL byte",
                      s_line_of_offset(text, (size_t)(nul - text)));
    size_t bad = s_utf8_invalid_at((const unsigned char *)text, len);
    if (bad < len)
        return s_fail(loader, NULL, "line %zu: not valid UTF-8",
                      s_line_of_offset(text, bad));
    return 0;
}

sw_directory_t *sw_directory_new_from_text(const char *text, size_t len, char **error)
{
    s_loader_t loader = {NULL, NULL, error};
    if (error)
        *error = NULL;
    if (s_check_text(&loader, text, len) != 0)
        return NULL;
    char *copy = strndup(text, len);
    if (!copy) {
        s_fail(&loader, NULL, "out of memory");
        return NULL;
    }
    loader.text = copy;
    loader.root = zconfig_str_load(copy);
    sw_directory_t *self = NULL;
    if (!loader.root) {
        size_t line = s_syntax_error_line(copy);
        s_fail(
            &loader, NULL,
            "line %zu: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details",
            line);
    } else if (!(self = calloc(1, sizeof *self))) {
        s_fail(&loader, NULL, "out of memory");
        zconfig_destroy(&loader.root);
    } else {
        self->root = loader.root;
        if (s_load(&loader, self) != 0)
            sw_directory_destroy(&self);
    }
    free(copy);
    return self;
}

sw_directory_t *sw_directory_new_from_file(const char *path, char **error)
{
    /* one byte over the limit is read, so the parser reports it */
    zchunk_t *chunk =
        path && zsys_file_exists(path) ? zchunk_slurp(path, S_MAX_TEXT + 1) : NULL;
    if (error)
        *error = NULL;
    if (!chunk) {
        if (error && asprintf(error, "%s: %s", path ? path : "(null)",
                              path && zsys_file_exists(path) ? "cannot read the file"
                                                             : strerror(ENOENT)) < 0)
            *error = NULL;
        return NULL;
    }
    char *reason = NULL;
    sw_directory_t *self = sw_directory_new_from_text((const char *)zchunk_data(chunk),
                                                      zchunk_size(chunk), &reason);
    zchunk_destroy(&chunk);
    if (error && reason && asprintf(error, "%s: %s", path, reason) < 0)
        *error = NULL;
    free(reason);
    return self;
}

void sw_directory_destroy(sw_directory_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_directory_t *self = *self_p;
    for (size_t i = 0; i < self->departments.count; i++)
        free(self->departments.items[i]);
    for (size_t i = 0; i < self->staff.count; i++)
        s_staff_free((s_staff_t **)&self->staff.items[i]);
    for (size_t i = 0; i < self->categories.count; i++)
        s_category_free((s_category_t **)&self->categories.items[i]);
    for (size_t i = 0; i < self->branches.count; i++)
        free(self->branches.items[i]);
    for (size_t i = 0; i < self->customers.count; i++)
        free(self->customers.items[i]);
    s_table_t *tables[] = {&self->departments, &self->staff, &self->categories,
                           &self->branches, &self->customers};
    for (size_t t = 0; t < 5; t++) {
        free(tables[t]->items);
        free(tables[t]->ids);
        zhashx_destroy(&tables[t]->index);
    }
    free(self->phrases);
    zconfig_destroy(&self->root);
    free(self);
    *self_p = NULL;
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
    s_department_t *d = s_table_get(&self->departments, dept);
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
        s_customer_t *c = self->customers.items[i];
        if ((c->phone && phone && *phone && s_phone_listed(c->phone, phone)) ||
            (c->unit && unit && *unit && streq(c->unit, unit)))
            return c->id;
    }
    return NULL;
}

const char *sw_directory_customer(sw_directory_t *self, const char *customer,
                                  const char *field)
{
    s_customer_t *c = customer && field ? s_table_get(&self->customers, customer) : NULL;
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
    s_staff_t *s = s_table_get(&self->staff, staff);
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
    return s_table_get(&self->staff, staff) != NULL;
}

bool sw_directory_department_exists(sw_directory_t *self, const char *dept)
{
    return s_table_get(&self->departments, dept) != NULL;
}

bool sw_directory_has_role(sw_directory_t *self, const char *staff, const char *role)
{
    s_staff_t *s = s_table_get(&self->staff, staff);
    if (!s || !role)
        return false;
    if (s_list_has(&s->roles, role))
        return true;
    const struct {
        const char *role;
        unsigned bit;
    } implied[] = {{"head", S_ROLE_HEAD},
                   {"leader", S_ROLE_LEADER},
                   {"deputy_gm", S_ROLE_DEPUTY_GM},
                   {"gm", S_ROLE_GM},
                   {"customer_relations_supervisor", S_ROLE_CRS}};
    for (size_t i = 0; i < sizeof implied / sizeof implied[0]; i++)
        if (streq(implied[i].role, role))
            return (s->implied & implied[i].bit) != 0;
    return false;
}

bool sw_directory_contact_private(sw_directory_t *self, const char *staff)
{
    s_staff_t *s = s_table_get(&self->staff, staff);
    return !s || s->contact_private != 0;
}

sw_availability_t sw_directory_availability(sw_directory_t *self, const char *staff)
{
    s_staff_t *s = s_table_get(&self->staff, staff);
    return s ? s->availability : SW_AVAILABLE_ON_POST;
}

const char *sw_directory_stand_in(sw_directory_t *self, const char *staff)
{
    s_staff_t *s = s_table_get(&self->staff, staff);
    /* designees may cover each other: a chain longer than the staff list loops */
    for (size_t steps = 0; s && steps <= self->staff.count; steps++) {
        if (s->availability == SW_AVAILABLE_ON_POST)
            return s->id;
        s = s_table_get(&self->staff, s->designee);
    }
    return NULL;
}

bool sw_directory_on_channel(sw_directory_t *self, const char *staff, const char *channel)
{
    s_staff_t *s = s_table_get(&self->staff, staff);
    int index = s_channel_index(channel);
    if (!s || index < 0)
        return false;
    return s_list_has(&s->channels, channel) ||
           (self->duty[index] && streq(self->duty[index], s->id));
}

const char *sw_directory_on_duty(sw_directory_t *self, const char *channel)
{
    int index = s_channel_index(channel);
    if (index < 0)
        return NULL;
    if (self->duty[index])
        return self->duty[index];
    for (size_t i = 0; i < self->staff.count; i++) {
        s_staff_t *s = self->staff.items[i];
        if (s->availability == SW_AVAILABLE_ON_POST && s_list_has(&s->channels, channel))
            return s->id;
    }
    return NULL;
}

/* A scoped category (not one outside the organisation), or NULL. */
static s_category_t *s_scope(sw_directory_t *self, const char *category)
{
    s_category_t *c = s_table_get(&self->categories, category);
    return c && !c->guidance ? c : NULL;
}

const char *sw_directory_category_name(sw_directory_t *self, const char *category)
{
    s_category_t *c = s_table_get(&self->categories, category);
    return !c ? NULL : c->name ? c->name : c->id;
}

/* Window channels: their on-duty person is the natural first owner. */
static const char *const s_window_channels[] = {"hotline", "online_chat", "forum",
                                                "weibo",   "callback",    "mailbox"};

const char *sw_directory_natural_owner(sw_directory_t *self, const char *named,
                                       const char *manager, const char *channel,
                                       const char *receiver)
{
    if (named && *named && sw_directory_staff_exists(self, named))
        return named;
    if (manager && sw_directory_staff_exists(self, manager) &&
        sw_directory_availability(self, manager) == SW_AVAILABLE_ON_POST)
        return manager;
    for (size_t i = 0;
         channel && i < sizeof s_window_channels / sizeof *s_window_channels; i++)
        if (streq(channel, s_window_channels[i])) {
            const char *on_duty = sw_directory_on_duty(self, channel);
            if (on_duty)
                return on_duty;
        }
    return receiver ? receiver : "";
}

const char *sw_directory_scope_department(sw_directory_t *self, const char *category)
{
    s_category_t *scope = s_scope(self, category);
    return scope ? scope->lead : NULL;
}

const char *sw_directory_scope_handler(sw_directory_t *self, const char *category)
{
    s_category_t *scope = s_scope(self, category);
    return scope ? scope->handler : NULL;
}

size_t sw_directory_scope_departments(sw_directory_t *self, const char *category,
                                      const char ***depts)
{
    s_category_t *scope = s_scope(self, category);
    *depts = scope ? scope->departments.items : NULL;
    return scope ? scope->departments.count : 0;
}

bool sw_directory_scope_ordered(sw_directory_t *self, const char *category)
{
    s_category_t *scope = s_scope(self, category);
    return scope && scope->ordered;
}

const char *sw_directory_outside_guidance(sw_directory_t *self, const char *category)
{
    s_category_t *c = s_table_get(&self->categories, category);
    return c ? c->guidance : NULL;
}

size_t sw_directory_checklist(sw_directory_t *self, const char *category,
                              const char ***items)
{
    s_category_t *c = s_table_get(&self->categories, category);
    *items = c ? c->checklist : NULL;
    return c ? c->checklist_count : 0;
}

const char *sw_directory_ladder(sw_directory_t *self, const char *dept, int level)
{
    s_department_t *d = s_table_get(&self->departments, dept);
    s_department_t *qa = s_table_get(&self->departments, self->qa_office);
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
    s_branch_t *b = s_table_get(&self->branches, branch);
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
