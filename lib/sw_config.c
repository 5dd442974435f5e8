/*  sw_config: daemon configuration through czmq's zconfig (ZPL files). */
#include "sw_config.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sw_log.h"
#include "sw_zpl.h"

static zconfig_t *s_load_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        sw_error("config %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        sw_error("config %s: not a regular file", path);
        return NULL;
    }
    /* the one ZPL reader (sw_zpl.h): a refusal names the file and line */
    sw_zpl_limits_t limits = {.what = "config", .max_bytes = 1024 * 1024, .max_lines = 0};
    char *error = NULL;
    sw_zpl_t *zpl = sw_zpl_new_from_file(path, &limits, &error);
    if (!zpl) {
        sw_error("config %s", error ? error : path);
        free(error);
        return NULL;
    }
    zconfig_t *cfg = sw_zpl_take_root(zpl);
    sw_zpl_destroy(&zpl);
    free(error);
    return cfg;
}

static void s_each(zconfig_t *node, const char *prefix, sw_config_each_fn *fn, void *arg)
{
    for (; node; node = zconfig_next(node)) {
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "/" : "",
                 zconfig_name(node));
        const char *value = zconfig_value(node);
        if (value && *value)
            fn(arg, path, value);
        s_each(zconfig_child(node), path, fn, arg);
    }
}

void sw_config_each(zconfig_t *cfg, sw_config_each_fn *fn, void *arg)
{
    s_each(zconfig_child(cfg), "", fn, arg);
}

/* A drop-in's value set over the tree, at the same path. */
static void s_put(void *into, const char *path, const char *value)
{
    zconfig_put((zconfig_t *)into, path, value);
}

/* The *.conf files of dir in name order; NULL when there is no dir. */
static zlistx_t *s_dropins(const char *dir, bool *failed)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT) {
            sw_error("config %s: %s", dir, strerror(errno));
            *failed = true;
        }
        return NULL;
    }
    zlistx_t *names = zlistx_new();
    zlistx_set_destructor(names, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(names, (zlistx_comparator_fn *)strcmp);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 5 && streq(e->d_name + len - 5, ".conf"))
            zlistx_add_end(names, zsys_sprintf("%s/%s", dir, e->d_name));
    }
    closedir(d);
    zlistx_sort(names);
    return names;
}

zconfig_t *sw_config_load(const char *path)
{
    assert(path);
    zconfig_t *cfg = s_load_file(path);
    char *dir = zsys_sprintf("%s.d", path);
    bool failed = false;
    zlistx_t *dropins = cfg ? s_dropins(dir, &failed) : NULL;
    zstr_free(&dir);
    if (failed)
        zconfig_destroy(&cfg);
    for (char *file = dropins ? (char *)zlistx_first(dropins) : NULL; file && cfg;
         file = (char *)zlistx_next(dropins)) {
        zconfig_t *dropin = s_load_file(file);
        if (dropin)
            sw_config_each(dropin, s_put, cfg);
        else
            zconfig_destroy(&cfg); /* logged, with the drop-in's name and line */
        zconfig_destroy(&dropin);
    }
    zlistx_destroy(&dropins);
    return cfg;
}

void sw_config_warn_gone(zconfig_t *cfg)
{
    /* the daemons read these files themselves before the organisation and
       the calendar came only from the log (intake_seed.c) */
    static const char *const gone[] = {"intake/directory", "router/directory",
                                       "sla/directory", "sla/calendar", NULL};
    for (const char *const *path = gone; *path; path++)
        if (sw_config_str(cfg, *path, NULL))
            sw_warn(
                "config: %s is no longer read: the organisation and the calendar come "
                "from the log (intake seeds an empty log from hub/directory and "
                "hub/calendar; change them with 'shouwen directory load')",
                *path);
}

const char *sw_config_own_cert(zconfig_t *cfg, const char *daemon)
{
    char path[64];
    snprintf(path, sizeof path, "%s/cert", daemon);
    const char *own = sw_config_str(cfg, path, NULL);
    return own && *own ? own : sw_config_str(cfg, "hub/cert", NULL);
}

const char *sw_config_str(zconfig_t *cfg, const char *path, const char *def)
{
    assert(cfg && path);
    zconfig_t *item = zconfig_locate(cfg, path);
    return item ? zconfig_value(item) : def;
}

int sw_config_int(zconfig_t *cfg, const char *path, int64_t def, int64_t min, int64_t max,
                  int64_t *out)
{
    assert(cfg && path && out && min <= max);
    zconfig_t *item = zconfig_locate(cfg, path);
    if (item == NULL) {
        *out = def;
        return 0;
    }
    const char *value = zconfig_value(item);
    char *end;
    errno = 0;
    long long n = strtoll(value, &end, 10);
    if (*value == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
        sw_error("config %s: '%s' is not an integer in [%" PRId64 ",%" PRId64 "]", path,
                 value, min, max);
        return -1;
    }
    *out = n;
    return 0;
}
