/*  router_directory: the organisation directory (see router_directory.h). */
#include "router_directory.h"

struct _router_directory_t {
    zconfig_t *root; /* the parsed file; lookups walk it by path */
};

static const char *s_get(router_directory_t *self, const char *section, const char *id,
                         const char *field)
{
    if (!id || !*id || strchr(id, '/'))
        return NULL;
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", section, id, field);
    const char *v = zconfig_get(self->root, path, NULL);
    return v && *v ? v : NULL;
}

static bool s_exists(router_directory_t *self, const char *section, const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", section, id);
    return id && *id && !strchr(id, '/') && zconfig_locate(self->root, path) != NULL;
}

/* Every reference in the file must name something that exists. */
static char *s_check_ref(router_directory_t *self, zconfig_t *item, const char *section,
                         const char *field, const char *target)
{
    const char *ref = zconfig_get(item, field, NULL);
    if (!ref || !*ref || s_exists(self, target, ref))
        return NULL;
    return zsys_sprintf("%s/%s/%s: '%s' is not a known %s", section, zconfig_name(item),
                        field, ref, target);
}

static char *s_validate(router_directory_t *self)
{
    if (!zconfig_get(self->root, "directory/version", NULL))
        return strdup("directory/version: missing");
    static const struct {
        const char *section, *field, *target;
    } refs[] = {
        {"department", "head", "staff"},        {"department", "leader", "staff"},
        {"department", "parent", "department"}, {"staff", "department", "department"},
        {"scope", "department", "department"},  {"scope", "handler", "staff"}};
    for (size_t r = 0; r < sizeof refs / sizeof refs[0]; r++) {
        zconfig_t *sec = zconfig_locate(self->root, refs[r].section);
        for (zconfig_t *it = sec ? zconfig_child(sec) : NULL; it; it = zconfig_next(it)) {
            char *err =
                s_check_ref(self, it, refs[r].section, refs[r].field, refs[r].target);
            if (err)
                return err;
        }
    }
    zconfig_t *staff = zconfig_locate(self->root, "staff");
    for (zconfig_t *it = staff ? zconfig_child(staff) : NULL; it; it = zconfig_next(it))
        if (!zconfig_get(it, "department", NULL))
            return zsys_sprintf("staff/%s/department: missing", zconfig_name(it));
    zconfig_t *scope = zconfig_locate(self->root, "scope");
    for (zconfig_t *it = scope ? zconfig_child(scope) : NULL; it; it = zconfig_next(it))
        if (!zconfig_get(it, "department", NULL))
            return zsys_sprintf("scope/%s/department: missing", zconfig_name(it));
    const char *leader = zconfig_get(self->root, "directory/default_leader", NULL);
    if (leader && !s_exists(self, "staff", leader))
        return zsys_sprintf("directory/default_leader: '%s' is not a known staff",
                            leader);
    return NULL;
}

static router_directory_t *s_new(zconfig_t *root, char **error)
{
    router_directory_t *self = (router_directory_t *)zmalloc(sizeof(router_directory_t));
    self->root = root;
    char *why = s_validate(self);
    if (why) {
        *error = why;
        router_directory_destroy(&self);
    }
    return self;
}

router_directory_t *router_directory_new_from_file(const char *path, char **error)
{
    zconfig_t *root = zconfig_load(path);
    if (!root) {
        *error = zsys_sprintf("%s: cannot read or parse the file", path);
        return NULL;
    }
    return s_new(root, error);
}

router_directory_t *router_directory_new_from_text(const char *text, char **error)
{
    zconfig_t *root = zconfig_str_load(text);
    if (!root) {
        *error = strdup("the directory text is not valid ZPL");
        return NULL;
    }
    return s_new(root, error);
}

void router_directory_destroy(router_directory_t **self_p)
{
    if (self_p && *self_p) {
        zconfig_destroy(&(*self_p)->root);
        free(*self_p);
        *self_p = NULL;
    }
}

const char *router_directory_version(router_directory_t *self)
{
    return zconfig_get(self->root, "directory/version", "");
}

const char *router_directory_default_leader(router_directory_t *self)
{
    return zconfig_get(self->root, "directory/default_leader", NULL);
}

const char *router_directory_department(router_directory_t *self, const char *dept,
                                        const char *field)
{
    return s_get(self, "department", dept, field);
}

const char *router_directory_staff(router_directory_t *self, const char *staff,
                                   const char *field)
{
    return s_get(self, "staff", staff, field);
}

const char *router_directory_scope(router_directory_t *self, const char *category,
                                   const char *field)
{
    return s_get(self, "scope", category, field);
}

const char *router_directory_outside(router_directory_t *self, const char *category)
{
    return s_get(self, "outside", category, "guidance");
}
