/*  sw_zpl: the one ZPL reader of the loaders: limits, lines, errors and
    typed values around czmq's zconfig (sw_zpl.h). */
#include "sw_zpl.h"
#include "sw_alloc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct _sw_zpl_t {
    char *text;      /* the text, NUL-terminated; NULL for a tree from elsewhere */
    zconfig_t *root; /* its tree */
    bool owns_root;  /* the tree is destroyed with the reader */
    char *file;      /* the file the text came from, for errors; or NULL */
    char **error;    /* where the first error goes, or NULL */
};

/* ------------------------------------------------------------------------
   Errors: "FILE: line N: reason", the one way they are built. */

/* The text printf would write, the caller's to free. */
static char *s_vformat(const char *format, va_list args)
{
    va_list again;
    va_copy(again, args);
    int n = vsnprintf(NULL, 0, format, again);
    va_end(again);
    size_t size = n > 0 ? (size_t)n + 1 : 1;
    char *text = sw_malloc(size);
    text[0] = 0;
    if (n > 0)
        vsnprintf(text, size, format, args);
    return text;
}

static char *s_format(const char *format, ...) __attribute__((format(printf, 1, 2)));

static char *s_format(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = s_vformat(format, args);
    va_end(args);
    return text;
}

/* Set *error to reason with the file and the line (0: none) in front. */
static void s_record(char **error, const char *file, size_t line, const char *reason)
{
    char at[40] = "";
    if (line > 0)
        snprintf(at, sizeof at, "line %zu: ", line);
    *error = s_format("%s%s%s%s", file ? file : "", file ? ": " : "", at, reason);
}

/* The first error of the load, at node (or at line when node is NULL). */
static int s_vfail(sw_zpl_t *self, zconfig_t *node, size_t line, const char *format,
                   va_list args)
{
    if (!self->error || *self->error)
        return -1;
    char *reason = s_vformat(format, args);
    s_record(self->error, self->file, node ? sw_zpl_line(self, node) : line, reason);
    free(reason);
    return -1;
}

int sw_zpl_fail(sw_zpl_t *self, zconfig_t *node, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    s_vfail(self, node, 0, format, args);
    va_end(args);
    return -1;
}

int sw_zpl_fail_key(sw_zpl_t *self, zconfig_t *node, const char *key, const char *format,
                    ...)
{
    zconfig_t *at = node ? zconfig_locate(node, key) : NULL;
    va_list args;
    va_start(args, format);
    s_vfail(self, at ? at : node, 0, format, args);
    va_end(args);
    return -1;
}

static int s_fail_line(sw_zpl_t *self, size_t line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail_line(sw_zpl_t *self, size_t line, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    s_vfail(self, NULL, line, format, args);
    va_end(args);
    return -1;
}

/* ------------------------------------------------------------------------
   Lines. */

/* Position of target in pre-order below node; true when found. */
static bool s_preorder(zconfig_t *node, zconfig_t *target, size_t *index)
{
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        if (child == target)
            return true;
        (*index)++;
        if (s_preorder(child, target, index))
            return true;
    }
    return false;
}

size_t sw_zpl_line(sw_zpl_t *self, zconfig_t *node)
{
    size_t index = 0;
    if (!self->text || !node || !s_preorder(self->root, node, &index))
        return 0;
    size_t line = 0;
    for (const char *c = self->text; *c;) {
        line++;
        const char *first = c + strspn(c, " \t\r");
        if (*first && *first != '\n' && *first != '#' && index-- == 0)
            return line;
        const char *newline = strchr(c, '\n');
        c = newline ? newline + 1 : c + strlen(c);
    }
    return 0;
}

/* The line of the byte at offset. */
static size_t s_line_of_offset(const char *text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++)
        line += text[i] == '\n';
    return line;
}

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
    char *line = sw_strndup(start + skip, length - skip);
    zconfig_t *probe = zconfig_str_load(line);
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
    char *prefix = sw_strndup(text, (size_t)(cursor - text));
    zconfig_t *probe = zconfig_str_load(prefix);
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
    char *pair = s_format("%.*s\n%.*s", prev ? (int)(prev_length - cut) : 0,
                          prev ? prev + cut : "", (int)(cur_length - cut), cur + cut);
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
   parse time grows with the square of a section's entries and a long text
   must not be parsed over and over.  Should no line stand out, bisect over
   prefixes: ZPL is line-oriented, so every prefix before the bad line
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

/* ------------------------------------------------------------------------
   Loading. */

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

/* Refuse what zconfig should never see: oversize, NUL bytes, bad UTF-8. */
static int s_check_text(sw_zpl_t *self, const char *text, size_t len,
                        const sw_zpl_limits_t *limits)
{
    if (!text || len > limits->max_bytes)
        return s_fail_line(self, 0, "%s text missing or larger than %zu bytes",
                           limits->what, limits->max_bytes);
    size_t lines = 0;
    for (const char *c = text; (c = memchr(c, '\n', len - (size_t)(c - text))); c++)
        lines++;
    if (limits->max_lines && lines > limits->max_lines)
        return s_fail_line(self, 0, "%s text has more than %zu lines", limits->what,
                           limits->max_lines);
    const char *nul = memchr(text, 0, len);
    if (nul)
        return s_fail_line(self, s_line_of_offset(text, (size_t)(nul - text)),
                           "holds a NUL byte");
    size_t bad = s_utf8_invalid_at((const unsigned char *)text, len);
    if (bad < len)
        return s_fail_line(self, s_line_of_offset(text, bad), "not valid UTF-8");
    return 0;
}

/* A reader with nothing loaded yet; *error cleared. */
static sw_zpl_t *s_new(const char *file, char **error)
{
    if (error)
        *error = NULL;
    sw_zpl_t *self = sw_calloc(1, sizeof *self);
    self->file = file ? sw_strdup(file) : NULL;
    self->error = error;
    return self;
}

static sw_zpl_t *s_load(const char *file, const char *text, size_t len,
                        const sw_zpl_limits_t *limits, char **error)
{
    sw_zpl_t *self = s_new(file, error);
    if (s_check_text(self, text, len, limits) != 0) {
        sw_zpl_destroy(&self);
        return NULL;
    }
    self->text = sw_strndup(text, len);
    self->root = zconfig_str_load(self->text);
    self->owns_root = true;
    if (!self->root)
        s_fail_line(self, s_syntax_error_line(self->text),
                    "not valid ZPL (indent by 4 spaces, 'name = value', quote values "
                    "holding '#'); zconfig logged the details");
    if (!self->root)
        sw_zpl_destroy(&self);
    return self;
}

sw_zpl_t *sw_zpl_new_from_text(const char *text, size_t len,
                               const sw_zpl_limits_t *limits, char **error)
{
    return s_load(NULL, text, len, limits, error);
}

sw_zpl_t *sw_zpl_new_from_file(const char *path, const sw_zpl_limits_t *limits,
                               char **error)
{
    if (error)
        *error = NULL;
    bool exists = path && zsys_file_exists(path);
    /* one byte over the limit is read, so the check reports it */
    zchunk_t *chunk = exists ? zchunk_slurp(path, limits->max_bytes + 1) : NULL;
    if (!chunk) {
        if (error)
            s_record(error, path ? path : "(null)", 0,
                     exists ? "cannot read the file" : strerror(ENOENT));
        return NULL;
    }
    sw_zpl_t *self =
        s_load(path, (const char *)zchunk_data(chunk), zchunk_size(chunk), limits, error);
    zchunk_destroy(&chunk);
    return self;
}

sw_zpl_t *sw_zpl_new_from_tree(zconfig_t *root, char **error)
{
    sw_zpl_t *self = s_new(NULL, error);
    self->root = root;
    return self;
}

void sw_zpl_destroy(sw_zpl_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_zpl_t *self = *self_p;
    if (self->owns_root)
        zconfig_destroy(&self->root);
    free(self->text);
    free(self->file);
    free(self);
    *self_p = NULL;
}

zconfig_t *sw_zpl_root(sw_zpl_t *self)
{
    return self->root;
}

zconfig_t *sw_zpl_take_root(sw_zpl_t *self)
{
    self->owns_root = false;
    return self->root;
}

/* ------------------------------------------------------------------------
   Typed readers. */

const char *sw_zpl_value(zconfig_t *key)
{
    const char *value = zconfig_value(key);
    return value ? value : "";
}

int sw_zpl_keys(sw_zpl_t *self, zconfig_t *node, const char *path,
                const char *const *keys, const char **values)
{
    size_t key_count = 0;
    while (keys[key_count])
        values[key_count++] = NULL;
    const char *own = zconfig_value(node);
    if (own && *own)
        return sw_zpl_fail(self, node,
                           "%s: takes indented keys below it, not a value ('%s')", path,
                           own);
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
            return sw_zpl_fail(self, child, "%s/%s: unknown key (expected %s)", path,
                               name, expected);
        }
        const char *value = zconfig_value(child);
        if (zconfig_child(child))
            return sw_zpl_fail(self, zconfig_child(child),
                               "%s/%s: takes a value, not indented keys below it", path,
                               name);
        if (values[k])
            return sw_zpl_fail(self, child, "%s/%s: given twice", path, name);
        if (!value || !*value)
            return sw_zpl_fail(self, child,
                               "%s/%s: empty value (leave the key out instead)", path,
                               name);
        values[k] = value;
    }
    return 0;
}

int sw_zpl_once(sw_zpl_t *self, zconfig_t *key, const char *path,
                const char *const *names, uint32_t *seen, int *index)
{
    const char *name = zconfig_name(key);
    *index = -1;
    for (int i = 0; names[i]; i++) {
        assert(i < 32);
        if (!streq(names[i], name))
            continue;
        if (*seen & (UINT32_C(1) << i))
            return sw_zpl_fail(self, key, "%s/%s: given twice", path, name);
        *seen |= UINT32_C(1) << i;
        *index = i;
        break;
    }
    return 0;
}

int sw_zpl_int(sw_zpl_t *self, zconfig_t *key, const char *path, int64_t min, int64_t max,
               int64_t *out)
{
    assert(max < INT64_MAX / 10);
    const char *value = sw_zpl_value(key);
    int64_t n = 0;
    bool ok = *value != 0;
    for (const char *c = value; ok && *c; c++) {
        ok = isdigit((unsigned char)*c) && n <= max; /* stop before it overflows */
        n = ok ? n * 10 + (*c - '0') : n;
    }
    if (!ok || n < min || n > max)
        return sw_zpl_fail(
            self, key, "%s/%s: '%s' is not a whole number from %" PRId64 " to %" PRId64,
            path, zconfig_name(key), value, min, max);
    *out = n;
    return 0;
}

int sw_zpl_bool(sw_zpl_t *self, zconfig_t *key, const char *path, sw_zpl_bool_t words,
                bool *out)
{
    const char *value = sw_zpl_value(key);
    bool any = words == SW_ZPL_YES_NO;
    int (*compare)(const char *, const char *) = any ? strcasecmp : strcmp;
    if (compare(value, "true") == 0 ||
        (any && (compare(value, "yes") == 0 || streq(value, "1"))))
        *out = true;
    else if (compare(value, "false") == 0 ||
             (any && (compare(value, "no") == 0 || streq(value, "0"))))
        *out = false;
    else
        return sw_zpl_fail(self, key, "%s/%s: '%s' is not true or false", path,
                           zconfig_name(key), value);
    return 0;
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

int sw_zpl_list(sw_zpl_t *self, zconfig_t *key, const char *path,
                const char *(*check)(const char *item), sw_zpl_list_t *list)
{
    const char *name = zconfig_name(key), *value = sw_zpl_value(key);
    size_t commas = 0;
    for (const char *c = value; *c; c++)
        commas += *c == ',';
    *list =
        (sw_zpl_list_t){sw_strdup(value), sw_calloc(commas + 1, sizeof *list->items), 0};
    for (char *entry = list->buffer; entry;) {
        char *comma = strchr(entry, ',');
        if (comma)
            *comma = 0;
        char *item = s_trim(entry);
        const char *wrong = check && *item ? check(item) : NULL;
        if (!*item)
            return sw_zpl_fail(self, key, "%s/%s: empty entry in '%s'", path, name,
                               value);
        if (wrong)
            return sw_zpl_fail(self, key, "%s/%s: '%s' %s", path, name, item, wrong);
        if (sw_zpl_list_has(list, item))
            return sw_zpl_fail(self, key, "%s/%s: '%s' is listed twice", path, name,
                               item);
        list->items[list->count++] = item;
        entry = comma ? comma + 1 : NULL;
    }
    return 0;
}

void sw_zpl_list_free(sw_zpl_list_t *list)
{
    free(list->buffer);
    free(list->items);
    *list = (sw_zpl_list_t){NULL, NULL, 0};
}

bool sw_zpl_list_has(const sw_zpl_list_t *list, const char *item)
{
    for (size_t i = 0; item && i < list->count; i++)
        if (streq(list->items[i], item))
            return true;
    return false;
}

const char *sw_zpl_next_item(const char *list, char *item, size_t size)
{
    list += strspn(list, ", \t");
    if (!*list)
        return NULL;
    size_t length = strcspn(list, ", \t");
    size_t copy = length < size - 1 ? length : size - 1;
    memcpy(item, list, copy);
    item[copy] = 0;
    return list + length;
}

int sw_zpl_repeated(sw_zpl_t *self, zconfig_t *node, const char *path, const char *key,
                    const char ***items, size_t *count)
{
    const char *own = zconfig_value(node);
    if (own && *own)
        return sw_zpl_fail(self, node, "%s: list each %s below it, not as its value",
                           path, key);
    size_t size = 0;
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child))
        size++;
    if (size == 0)
        return sw_zpl_fail(self, node, "%s: lists no %s", path, key);
    *items = sw_calloc(size, sizeof **items);
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        const char *value = zconfig_value(child);
        if (!streq(zconfig_name(child), key))
            return sw_zpl_fail(self, child, "%s/%s: unknown key (expected %s)", path,
                               zconfig_name(child), key);
        if (zconfig_child(child))
            return sw_zpl_fail(self, zconfig_child(child),
                               "%s/%s: takes a value, not indented keys below it", path,
                               key);
        if (!value || !*value)
            return sw_zpl_fail(
                self, child, "%s/%s: empty value (leave the key out instead)", path, key);
        for (size_t i = 0; i < *count; i++)
            if (streq((*items)[i], value))
                return sw_zpl_fail(self, child, "%s/%s: '%s' is listed twice", path, key,
                                   value);
        (*items)[(*count)++] = value;
    }
    return 0;
}
