/*  sw_config: daemon configuration through czmq's zconfig (ZPL files).
    The hub's daemons read /etc/shouwen/shouwen.conf (a branch office's
    shouwen-branch /etc/shouwen/branch.conf) unless -c/--config says
    otherwise, then the drop-ins FILE.d/NAME.conf in name order, each setting
    the keys it holds over the file's; a bad file is reported with the
    file, the line and the reason, and the daemon exits with EX_CONFIG
    (78). */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#define SW_EXIT_CONFIG 78

/* Load path and its drop-ins (path.d/NAME.conf) and return the tree, or NULL
   after logging why. */
zconfig_t *sw_config_load(const char *path);
/* fn(arg, "section/key", value) for every key with a value, in file order. */
typedef void(sw_config_each_fn)(void *arg, const char *path, const char *value);
void sw_config_each(zconfig_t *cfg, sw_config_each_fn *fn, void *arg);
/* Logs each setting of an earlier version that is no longer read. */
void sw_config_warn_gone(zconfig_t *cfg);
/* A daemon's own certificate: DAEMON/cert, else hub/cert (a file of its
   own per daemon, as before the shared shouwen.conf); NULL when neither. */
const char *sw_config_own_cert(zconfig_t *cfg, const char *daemon);
/* Value at path ("audit/postgres"), or def when absent. */
const char *sw_config_str(zconfig_t *cfg, const char *path, const char *def);
/* Integer at path; def when absent; -1 (logged) when present but not an
   integer in [min, max]. */
int sw_config_int(zconfig_t *cfg, const char *path, int64_t def, int64_t min, int64_t max,
                  int64_t *out);

#endif
