/*  sw_config: daemon configuration through czmq's zconfig (ZPL files). */
#include "sw_config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sw_log.h"
#include "sw_zpl.h"

zconfig_t *sw_config_load(const char *path)
{
    assert(path);
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
