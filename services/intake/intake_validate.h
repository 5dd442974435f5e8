/*  intake_validate: checks a branch's request field by field.  Every input
    from a branch is untrusted: a failure names a reason code and the field. */
#ifndef INTAKE_VALIDATE_H
#define INTAKE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "sw_envelope.h"

/* Reason codes sent to branches (BranchReply.code). */
#define INTAKE_MALFORMED     "MALFORMED"     /* not a BranchRequest */
#define INTAKE_OVERSIZE      "OVERSIZE"      /* frame larger than allowed */
#define INTAKE_MISSING_FIELD "MISSING_FIELD" /* a required field is empty */
#define INTAKE_UNKNOWN_ENUM  "UNKNOWN_ENUM"  /* enum value we do not know */
#define INTAKE_TOO_LONG      "FIELD_TOO_LONG"
#define INTAKE_BAD_UTF8      "BAD_UTF8"
#define INTAKE_BAD_PHONE     "BAD_PHONE"
#define INTAKE_BAD_ID        "BAD_ID" /* id with characters outside [A-Za-z0-9._:-] */
#define INTAKE_REUSED_ID     "REQUEST_ID_REUSED"
#define INTAKE_UNSUPPORTED   "UNSUPPORTED"
#define INTAKE_UNKNOWN_CASE  "UNKNOWN_CASE" /* no such case in the log */
#define INTAKE_BAD_DIRECTORY                                                             \
    "BAD_DIRECTORY" /* the file does not load: line and reason                           \
                     */

/* Largest request frame a branch may send. */
#define INTAKE_MAX_REQUEST (64 * 1024)

typedef struct {
    const char *code; /* one of the codes above */
    char message[160];
} intake_rejection_t;

/* Envelope-level checks: request id, branch id, a body.  0 or -1. */
int intake_validate_request(const Shouwen__V1__BranchRequest *req,
                            intake_rejection_t *why);
/* An inquiry (R1, R2).  Fills defaults (urgency normal).  0 or -1. */
int intake_validate_submit(Shouwen__V1__InquirySubmit *submit, intake_rejection_t *why);
/* A staff action (R13..R19, R24).  Field checks only; whether the action
   fits the case's state is router's decision.  0 or -1. */
int intake_validate_command(const Shouwen__V1__Command *cmd, intake_rejection_t *why);
/* A directory load: kind, size, loaded_by.  The content is parsed by the
   caller.  0 or -1. */
int intake_validate_directory_load(const Shouwen__V1__DirectoryLoad *load,
                                   intake_rejection_t *why);
bool intake_utf8_valid(const char *s, size_t len);

/* A calendar file (text, len bytes) checked with the loader sla uses
   (sw_calendar_new_from_text), so that one sla would refuse never enters the
   log.  0 with the file's "version" (empty if it has none) in
   version[version_size]; or -1 with *error, the caller's to free, naming the
   file, the line and the reason: "cn-2026.conf: line 12: offices/hq/zone:
   'Asia/Shanghia' is not a time zone of the zoneinfo database" (file_name
   NULL or empty: "file").  sla's time limits (the "policies" section) are
   not checked here. */
int intake_validate_calendar(const char *text, size_t len, const char *file_name,
                             char *version, size_t version_size, char **error);

#endif
