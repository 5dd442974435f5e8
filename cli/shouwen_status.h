/*  shouwen status [--dir DIR] [--json] [--prometheus FILE]: every daemon's
    health, from the records the daemons write (lib/sw_health.h,
    docs/operations.md "Health"). */
#ifndef SHOUWEN_STATUS_H
#define SHOUWEN_STATUS_H

/* Exit codes: 0 every daemon healthy, 1 one or more not, 64 usage, 66 no
   health record in the directory, 73 the Prometheus file not written. */
#define SHOUWEN_STATUS_UNHEALTHY 1
#define SHOUWEN_STATUS_NOINPUT   66 /* EX_NOINPUT */
#define SHOUWEN_STATUS_CANTWRITE 73 /* EX_CANTCREAT */

/* Records older than this many seconds are stale: the daemon is not
   running, or hangs (it renews its record every 5 s). */
#define SHOUWEN_STATUS_STALE_S 15

/* The verb itself: shouwen_status() in shouwen_verbs.h. */

#endif
