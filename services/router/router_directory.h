/*  router_directory: the organisation as router knows it — departments,
    staff, who handles which category (scopes), and categories outside the
    organisation with guidance for the customer.  Parsed with czmq's
    zconfig from a ZPL file (format in docs/directory.md). */
#ifndef ROUTER_DIRECTORY_H
#define ROUTER_DIRECTORY_H

#include <czmq.h>

typedef struct _router_directory_t router_directory_t;

/* NULL with *error (caller frees) naming the path and the reason. */
router_directory_t *router_directory_new_from_file(const char *path, char **error);
router_directory_t *router_directory_new_from_text(const char *text, char **error);
void router_directory_destroy(router_directory_t **self_p);

const char *router_directory_version(router_directory_t *self);
/* The leader who decides when nothing else names one (R7). */
const char *router_directory_default_leader(router_directory_t *self);

/* Department fields ("name", "location", "phone", "head", "leader",
   "parent"); NULL when absent or the department is unknown. */
const char *router_directory_department(router_directory_t *self, const char *dept,
                                        const char *field);
/* Staff fields ("name", "department", ...); NULL when unknown. */
const char *router_directory_staff(router_directory_t *self, const char *staff,
                                   const char *field);
/* Scope of a category: its department and, optionally, its handler. */
const char *router_directory_scope(router_directory_t *self, const char *category,
                                   const char *field);
/* Guidance text when the category is outside the organisation (R6). */
const char *router_directory_outside(router_directory_t *self, const char *category);

#endif
