/*  sw_zpl_entries: a ZPL file's nodes in file order (see sw_zpl_entries.h). */
#include "sw_zpl_entries.h"

#include "sw_alloc.h"
#include "sw_zpl.h"

#define S_MAX_BYTES (16 * 1024 * 1024) /* a branch request's limit */
#define S_MAX_DEPTH 32

/* The tree's nodes in pre-order are the text's key lines in order (every
   line neither blank nor a comment names one key, sw_zpl.h): one cursor
   over the lines gives each node its line as the walk reaches it, in one
   pass (sw_zpl_line, which searches from the top, is for one error). */
typedef struct {
    const char *cur, *end; /* the next line not yet read */
    size_t line;           /* its number */
    sw_zpl_entry_fn *fn;
    void *arg;
} s_walk_t;

/* The next key line: its number, and *key pointing at its name. */
static size_t s_next_key(s_walk_t *w, const char **key)
{
    while (w->cur < w->end) {
        const char *p = w->cur, *nl = memchr(p, '\n', (size_t)(w->end - p));
        size_t line = ++w->line;
        w->cur = nl ? nl + 1 : w->end;
        while (p < w->cur && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p < w->cur && *p != '\n' && *p != '#') {
            *key = p;
            return line;
        }
    }
    *key = w->end;
    return 0;
}

/* zconfig gives a section and `key = ""` the same empty value: the line
   tells them apart (its name is followed by "="). */
static bool s_has_value(const s_walk_t *w, const char *key, const char *name)
{
    size_t n = strlen(name);
    if ((size_t)(w->end - key) < n || memcmp(key, name, n) != 0)
        return true; /* not the line expected: keep zconfig's value */
    for (key += n; key < w->end && (*key == ' ' || *key == '\t');)
        key++;
    return key < w->end && *key == '=';
}

static void s_walk(s_walk_t *w, zconfig_t *node, char *path, size_t used, size_t size,
                   int depth)
{
    for (; node; node = zconfig_next(node)) {
        const char *name = zconfig_name(node);
        int n = snprintf(path + used, size - used, "%s%s", used ? "/" : "", name);
        size_t end = n < 0 || (size_t)n >= size - used ? size - 1 : used + (size_t)n;
        const char *key;
        size_t line = s_next_key(w, &key);
        const char *value = zconfig_value(node);
        if (value && !*value && !s_has_value(w, key, name))
            value = NULL; /* a section, or a name without "= value" */
        w->fn(w->arg, line, path, value);
        if (depth < S_MAX_DEPTH)
            s_walk(w, zconfig_child(node), path, end, size, depth + 1);
        path[used] = '\0';
    }
}

int sw_zpl_entries(const char *text, size_t len, sw_zpl_entry_fn *fn, void *arg,
                   char **error)
{
    sw_zpl_limits_t limits = {.what = "file", .max_bytes = S_MAX_BYTES, .max_lines = 0};
    sw_zpl_t *zpl = sw_zpl_new_from_text(text, len, &limits, error);
    if (!zpl)
        return -1;
    char path[1024] = "";
    s_walk_t w = {.cur = text, .end = text + len, .fn = fn, .arg = arg};
    s_walk(&w, zconfig_child(sw_zpl_root(zpl)), path, 0, sizeof path, 0);
    sw_zpl_destroy(&zpl);
    return 0;
}

typedef struct {
    Shouwen__V1__DirectoryEntry **items;
    size_t count, size;
} s_list_t;

static void s_add(void *arg, size_t line, const char *path, const char *value)
{
    s_list_t *list = (s_list_t *)arg;
    if (list->count == list->size) {
        list->size = list->size ? 2 * list->size : 64;
        list->items = sw_realloc(list->items, list->size * sizeof *list->items);
    }
    Shouwen__V1__DirectoryEntry *e = sw_malloc(sizeof *e);
    shouwen__v1__directory_entry__init(e);
    e->line = (uint32_t)line;
    e->path = sw_strdup(path);
    e->value = sw_strdup(value ? value : "");
    e->has_value = value != NULL;
    list->items[list->count++] = e;
}

Shouwen__V1__DirectoryEntry **sw_zpl_entries_message(const char *text, size_t len,
                                                     size_t *count)
{
    s_list_t list = {0};
    if (sw_zpl_entries(text, len, s_add, &list, NULL) != 0) {
        sw_zpl_entries_free(&list.items, list.count);
        list.count = 0;
    }
    *count = list.count;
    return list.items;
}

void sw_zpl_entries_free(Shouwen__V1__DirectoryEntry ***items_p, size_t count)
{
    for (size_t i = 0; *items_p && i < count; i++) {
        free((*items_p)[i]->path);
        free((*items_p)[i]->value);
        free((*items_p)[i]);
    }
    free(*items_p);
    *items_p = NULL;
}
