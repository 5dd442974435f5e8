/*  sw_zpl: the one ZPL reader of the loaders (sw_directory, sw_calendar,
    sw_policy).  czmq's zconfig parses the text; this module does, once,
    what every loader needs around it:

    - loading text or a file within limits: at most max_bytes (and
      max_lines), no NUL byte, valid UTF-8, valid ZPL; a refusal names its
      line where it has one ("line 7: not valid ZPL ...");
    - errors "line N: path: reason", N the line of the node at fault, with
      "FILE: " in front when the text came from a file; the first error of
      a load is kept, later ones are dropped;
    - typed readers of values (a node's string keys, keys given once, whole
      numbers in a range, booleans, comma lists, repeated keys), whose
      errors read the same in every file.

    Lines are found with zconfig alone: in valid ZPL every line that is
    neither blank nor a comment names one key, and the keys are the tree's
    nodes in pre-order.  The line of a syntax error is the first line
    zconfig rejects on its own or after the key line before it. */
#ifndef SW_ZPL_H
#define SW_ZPL_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sw_zpl_t sw_zpl_t;

/* What a loader accepts. */
typedef struct {
    const char *what; /* names the text in errors: "directory" */
    size_t max_bytes; /* a longer text is refused */
    size_t max_lines; /* a text with more newlines is refused; 0: no limit */
} sw_zpl_limits_t;

/* Check and parse text (len bytes, need not be NUL-terminated).  NULL if
   it is refused, with *error a malloc'ed message (error may be NULL);
   else *error is NULL, and the errors the loader then reports with
   sw_zpl_fail go there (the first one only, the caller frees it). */
sw_zpl_t *sw_zpl_new_from_text(const char *text, size_t len,
                               const sw_zpl_limits_t *limits, char **error);
/* The same from a file (reads at most max_bytes + 1 bytes); every error
   starts with "PATH: " ("PATH: No such file or directory"). */
sw_zpl_t *sw_zpl_new_from_file(const char *path, const sw_zpl_limits_t *limits,
                               char **error);
/* A tree parsed elsewhere, borrowed (may be NULL): errors have no line. */
sw_zpl_t *sw_zpl_new_from_tree(zconfig_t *root, char **error);
void sw_zpl_destroy(sw_zpl_t **self_p);

/* The tree, borrowed. */
zconfig_t *sw_zpl_root(sw_zpl_t *self);
/* The tree, now the caller's to destroy (after the reader: strings the
   loader kept point into it); the reader still uses it until destroyed. */
zconfig_t *sw_zpl_take_root(sw_zpl_t *self);

/* The line of the text node came from; 0 if unknown (no text, no node). */
size_t sw_zpl_line(sw_zpl_t *self, zconfig_t *node);

/* Record "line N: reason" (N the line of node; no "line N: " when it is
   unknown) unless an error is recorded already; always -1. */
int sw_zpl_fail(sw_zpl_t *self, zconfig_t *node, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at the child key of node (node itself when key is absent). */
int sw_zpl_fail_key(sw_zpl_t *self, zconfig_t *node, const char *key, const char *format,
                    ...) __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------------
   Typed readers.  path names the node in errors ("staff/fo-01"); a key's
   errors read "path/key: ..." and give the key's line.  Each returns 0, or
   -1 with the error recorded. */

/* A key's value; "" when it has none. */
const char *sw_zpl_value(zconfig_t *key);

/* The string values of the keys below node, by the NULL-terminated list
   of names keys: values[i] is NULL when keys[i] is absent.  An unknown key,
   a key given twice, with an empty value or with keys below it is an
   error; so is a value on node itself. */
int sw_zpl_keys(sw_zpl_t *self, zconfig_t *node, const char *path,
                const char *const *keys, const char **values);

/* For a section that reads its keys one by one: *index is key's place in
   names (NULL-terminated, at most 32), -1 when it is none of them; a name
   already marked in *seen is an error ("path/name: given twice"). */
int sw_zpl_once(sw_zpl_t *self, zconfig_t *key, const char *path,
                const char *const *names, uint32_t *seen, int *index);

/* The value of key as a whole number (digits only) from min to max. */
int sw_zpl_int(sw_zpl_t *self, zconfig_t *key, const char *path, int64_t min, int64_t max,
               int64_t *out);

/* Which words a boolean may be. */
typedef enum {
    SW_ZPL_TRUE_FALSE, /* "true" or "false" */
    SW_ZPL_YES_NO      /* also "yes", "no", "1", "0"; any case */
} sw_zpl_bool_t;

/* The value of key as a boolean. */
int sw_zpl_bool(sw_zpl_t *self, zconfig_t *key, const char *path, sw_zpl_bool_t words,
                bool *out);

/* A comma list ("a, b, c") split in place. */
typedef struct {
    char *buffer;       /* copy of the value, cut at the commas */
    const char **items; /* the items, trimmed, pointing into buffer */
    size_t count;       /* entries in items */
} sw_zpl_list_t;

/* Split key's value at its commas.  An empty item, an item given twice and
   one check refuses are errors: check gives NULL for a good item, else
   what is wrong with it ("is not a valid id"); a NULL check takes any.
   Free the list with sw_zpl_list_free whatever the result. */
int sw_zpl_list(sw_zpl_t *self, zconfig_t *key, const char *path,
                const char *(*check)(const char *item), sw_zpl_list_t *list);
void sw_zpl_list_free(sw_zpl_list_t *list);
/* True if item (may be NULL) is in the list. */
bool sw_zpl_list_has(const sw_zpl_list_t *list, const char *item);

/* The next item of a list separated by commas and/or blanks ("08:30-12:00
   14:00-17:30", "mon-fri, sat"), copied into item[size] (cut to fit);
   returns the rest of the list, NULL at its end. */
const char *sw_zpl_next_item(const char *list, char *item, size_t size);

/* The values of the repeated key below node ("item = ..." lines), in file
   order, at least one: *items is malloc'ed (the caller frees it, also on
   an error), the strings are borrowed from the tree.  Another key, an
   empty value, keys below one, a value listed twice and a value on node
   itself are errors. */
int sw_zpl_repeated(sw_zpl_t *self, zconfig_t *node, const char *path, const char *key,
                    const char ***items, size_t *count);

#endif
