/*  sw_snapshot: a daemon's state at a log position, in one file written
    atomically and checksummed.

    A daemon that follows the log (router, sla, intake) writes what it holds
    in memory at the position it has applied, periodically and on SIGTERM,
    and at start loads it and replays only the tail of the log.  The file is
    written to NAME.tmp, fsync'd, renamed over the old one and the directory
    fsync'd, so a crash leaves either the old snapshot or the new one whole.
    A BLAKE2b-256 checksum (libsodium) covers header and payload.

    The header names the daemon, the payload's format version, the position
    and the id of the event at that position: the daemon asks the log for
    the tail from that position (not the next one) and checks that the
    first event it gets back has that id, so a snapshot of another log (a
    cluster made anew) is never applied.  Anything wrong (missing, short,
    checksum, other daemon, older or newer format) makes sw_snapshot_open
    return NULL with the reason; the daemon then replays the whole log.

    The payload is a flat sequence of values the daemon puts and gets back
    in the same order: fixed-width integers (little-endian), and byte
    strings with their length. */
#ifndef SW_SNAPSHOT_H
#define SW_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>

typedef struct _sw_snapshot_t sw_snapshot_t;

/* ---- where and when (shared by every daemon that snapshots) */

/* STATE_DIR/DAEMON.snapshot, STATE_DIR being daemon/state_dir or else
   $STATE_DIRECTORY (systemd's StateDirectory=); NULL when neither is set:
   the daemon keeps no snapshot and replays the whole log at start.
   Caller frees. */
char *sw_snapshot_path(zconfig_t *cfg, const char *daemon);
/* daemon/snapshot_interval_s: seconds between periodic snapshots while the
   position moves (default 300; 0: only on SIGTERM). */
/* daemon/snapshot_interval_s: seconds between periodic snapshots while the
   position moves (default 300; 0: only on SIGTERM; a bad value is logged
   and the default used). */
int64_t sw_snapshot_interval_s(zconfig_t *cfg);

/* ---- writing */

/* A snapshot of daemon's state in format `format` at `position`, whose
   event has id event_id (16 bytes; zeros when position is 0). */
sw_snapshot_t *sw_snapshot_new(const char *daemon, uint32_t format, uint64_t position,
                               const uint8_t event_id[16]);
void sw_snapshot_put_u8(sw_snapshot_t *self, uint8_t value);
void sw_snapshot_put_u32(sw_snapshot_t *self, uint32_t value);
void sw_snapshot_put_u64(sw_snapshot_t *self, uint64_t value);
void sw_snapshot_put_i64(sw_snapshot_t *self, int64_t value);
void sw_snapshot_put_bytes(sw_snapshot_t *self, const void *data, size_t size);
/* A C string (NULL is stored apart from "" and comes back as NULL). */
void sw_snapshot_put_str(sw_snapshot_t *self, const char *text);
/* Payload bytes so far. */
size_t sw_snapshot_size(const sw_snapshot_t *self);
/* Writes the file atomically (see above).  0, or -1 with errno and *why. */
int sw_snapshot_write(sw_snapshot_t *self, const char *path, const char **why);

/* ---- reading */

/* Loads and checks path: NULL with *why ("none", "checksum mismatch",
   "format 1, this build reads 2", ...) when it cannot be used. */
sw_snapshot_t *sw_snapshot_open(const char *path, const char *daemon, uint32_t format,
                                const char **why);
uint64_t sw_snapshot_position(const sw_snapshot_t *self);
const uint8_t *sw_snapshot_event_id(const sw_snapshot_t *self);
/* Microseconds since the epoch when it was written. */
int64_t sw_snapshot_written_us(const sw_snapshot_t *self);
/* Each get returns false (and every later get too) past the end. */
bool sw_snapshot_get_u8(sw_snapshot_t *self, uint8_t *value);
bool sw_snapshot_get_u32(sw_snapshot_t *self, uint32_t *value);
bool sw_snapshot_get_u64(sw_snapshot_t *self, uint64_t *value);
bool sw_snapshot_get_i64(sw_snapshot_t *self, int64_t *value);
/* Borrowed pointer into the snapshot, valid until it is destroyed. */
bool sw_snapshot_get_bytes(sw_snapshot_t *self, const uint8_t **data, size_t *size);
/* A fresh copy (caller frees), or NULL for a stored NULL; false past the end. */
bool sw_snapshot_get_str(sw_snapshot_t *self, char **text);
/* True when every value was read and none failed. */
bool sw_snapshot_done(const sw_snapshot_t *self);

void sw_snapshot_destroy(sw_snapshot_t **self_p);

#endif
