/*  sw_config: daemon configuration through czmq's zconfig (ZPL files).
    Every daemon reads /etc/shouwen/<name>.conf unless -c/--config says
    otherwise; a bad file is reported with the reason and the daemon exits
    with EX_CONFIG (78). */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#define SW_EXIT_CONFIG 78

/* Load and return the tree, or NULL after logging why. */
zconfig_t *sw_config_load(const char *path);
/* Value at path ("audit/postgres"), or def when absent. */
const char *sw_config_str(zconfig_t *cfg, const char *path, const char *def);
/* Integer at path; def when absent; -1 (logged) when present but not an
   integer in [min, max]. */
int sw_config_int(zconfig_t *cfg, const char *path, int64_t def, int64_t min, int64_t max,
                  int64_t *out);

#endif
