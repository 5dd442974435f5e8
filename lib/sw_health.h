/*  sw_health: what a daemon is doing, as one record.  Every 5 s the daemon's
    status function fills an sw_health_t; sw_daemon makes systemd's STATUS=
    from its line and writes the whole record to DIR/<name>.health (JSON,
    written to a temporary file and renamed, so a reader never sees half of
    one).  DIR is daemon/health_dir, else $RUNTIME_DIRECTORY (systemd's
    RuntimeDirectory=), else no file.  `shouwen status` reads the files;
    the format is in docs/operations.md ("Health"):

      {"format": 1, "daemon": "router", "pid": 4242,
       "updated_at": 1767225600, "updated_at_iso": "2026-01-01T08:00:00+08:00",
       "state": "ready", "position": 1234, "live": true, "pending": 0,
       "status": "log at 1234, 17 cases, 0 decisions waiting to commit",
       "details": {"open_cases": 17}}

    position is the last log position the daemon has taken in (audit: the
    head of the log; null for a daemon that does not follow the log). */
#ifndef SW_HEALTH_H
#define SW_HEALTH_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define SW_HEALTH_FORMAT      1
#define SW_HEALTH_MAX_DETAILS 8

/* One daemon-specific value: a number, or a word when text is set.  name
   and text are borrowed (string literals). */
typedef struct {
    const char *name;
    const char *text;
    int64_t number;
} sw_health_detail_t;

typedef struct {
    bool has_position;
    uint64_t position; /* last log position taken in (audit: the head) */
    bool live;         /* caught up with the log (false: replaying) */
    uint64_t pending;  /* waiting to be committed */
    sw_health_detail_t details[SW_HEALTH_MAX_DETAILS];
    size_t n_details;
    char line[256]; /* the same in one human line: systemd's STATUS= */
} sw_health_t;

void sw_health_position(sw_health_t *self, uint64_t position);
/* A detail; beyond SW_HEALTH_MAX_DETAILS they are dropped (a programming
   error, asserted). */
void sw_health_number(sw_health_t *self, const char *name, int64_t number);
void sw_health_text(sw_health_t *self, const char *name, const char *text);

/* The directory health records go to: daemon/health_dir of cfg, else
   $RUNTIME_DIRECTORY, else NULL (none).  Borrowed. */
const char *sw_health_dir(zconfig_t *cfg);

/* The record as JSON text (caller frees).  state: "starting", "ready",
   "stopping" or "stopped"; now: unix seconds. */
char *sw_health_json(const sw_health_t *self, const char *daemon, const char *state,
                     time_t now);

/* Writes DIR/<daemon>.health (DIR/.<daemon>.health.tmp, then rename).
   0, or -1 with errno kept for the caller to log. */
int sw_health_write(const sw_health_t *self, const char *dir, const char *daemon,
                    const char *state, time_t now);

/* "2026-01-01T08:00:00+08:00": t in the local zone, with its offset. */
void sw_health_iso(time_t t, char *buf, size_t size);

#endif
