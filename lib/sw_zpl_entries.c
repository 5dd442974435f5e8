/*  sw_zpl_entries: a ZPL file's nodes in file order (see sw_zpl_entries.h). */
#include "sw_zpl_entries.h"

#include "sw_alloc.h"
#include "sw_zpl.h"

#define S_MAX_BYTES (16 * 1024 * 1024) /* a branch request's limit */
#define S_MAX_DEPTH 32

typedef struct {
    sw_zpl_t *zpl;
    const char *text;
    size_t len;
    sw_zpl_entry_fn *fn;
    void *arg;
} s_walk_t;

/* zconfig gives a section and `key = ""` the same empty value: the line
   tells them apart (its name is followed by "="). */
static bool s_has_value(const s_walk_t *w, size_t line, const char *name)
{
    const char *p = w->text, *end = w->text + w->len;
    for (size_t l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    while (p < end && *p == ' ')
        p++;
    size_t n = strlen(name);
    if ((size_t)(end - p) < n || memcmp(p, name, n) != 0)
        return true; /* not found as expected: keep zconfig's value */
    for (p += n; p < end && (*p == ' ' || *p == '\t');)
        p++;
    return p < end && *p == '=';
}

static void s_walk(const s_walk_t *w, zconfig_t *node, char *path, size_t used,
                   size_t size, int depth)
{
    for (; node; node = zconfig_next(node)) {
        const char *name = zconfig_name(node);
        int n = snprintf(path + used, size - used, "%s%s", used ? "/" : "", name);
        size_t end = n < 0 || (size_t)n >= size - used ? size - 1 : used + (size_t)n;
        size_t line = sw_zpl_line(w->zpl, node);
        const char *value = zconfig_value(node);
        if (value && !*value && !s_has_value(w, line, name))
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
    s_walk_t w = {zpl, text, len, fn, arg};
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
