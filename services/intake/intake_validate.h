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
#define INTAKE_UNSUPPORTED   "UNSUPPORTED" /* a kind of request this hub does not know */
#define INTAKE_UNSUPPORTED_VERSION                                                       \
    "UNSUPPORTED_VERSION"          /* a branch protocol this hub does not speak */
#define INTAKE_BAD_TEXT "BAD_TEXT" /* bidi or invisible control characters */
#define INTAKE_BAD_TIME "BAD_TIME" /* received_at_us outside the plausible window */
/* Who may do what (docs/security.md). */
#define INTAKE_NOT_AUTHORIZED "NOT_AUTHORIZED" /* not this key's branch, case or verb */
#define INTAKE_NOT_ADMIN      "NOT_ADMIN"      /* a load needs an administrator's key */
#define INTAKE_STAFF_NOT_AT_BRANCH                                                       \
    "STAFF_NOT_AT_BRANCH" /* the directory places the staff member elsewhere */
#define INTAKE_NO_DIRECTORY "NO_DIRECTORY" /* no organisation in force yet */
#define INTAKE_UNKNOWN_CASE "UNKNOWN_CASE" /* no such case in the log */
#define INTAKE_BAD_DIRECTORY                                                             \
    "BAD_DIRECTORY" /* the file does not load: line and reason                           \
                     */

/* Largest request frame a branch may send. */
#define INTAKE_MAX_REQUEST (64 * 1024)

typedef struct {
    const char *code; /* one of the codes above */
    char message[160];
} intake_rejection_t;

/* The branch protocol this hub speaks (BranchRequest.protocol_version; 0
   means 1). */
#define INTAKE_PROTOCOL 1

/* A branch's frame as a request: size, protobuf, no string cut short by an
   embedded NUL, a protocol version this hub speaks, a kind of request it
   knows, then intake_validate_request.  Every valid encoding of a valid
   request is accepted (explicit defaults, any field order).  0 with *req
   (the caller frees it with shouwen__v1__branch_request__free_unpacked), or
   -1 with why and *req NULL. */
int intake_request_decode(const uint8_t *data, size_t size,
                          Shouwen__V1__BranchRequest **req, intake_rejection_t *why);

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
