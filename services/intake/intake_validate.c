/*  intake_validate: field checks on branch input (see intake_validate.h).  */
#define _GNU_SOURCE /* asprintf, strndup */
#include "intake_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_calendar.h"

/* Limits on text a branch may send, in bytes of UTF-8. */
#define S_MAX_ID      64
#define S_MAX_NAME    200
#define S_MAX_UNIT    200
#define S_MAX_PHONE   32
#define S_MAX_ADDRESS 400
#define S_MAX_MATTER  4000

static int s_reject(intake_rejection_t *why, const char *code, const char *fmt,
                    const char *field)
{
    why->code = code;
    snprintf(why->message, sizeof why->message, fmt, field);
    return -1;
}

bool intake_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        unsigned int cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else
            return false;
        if (i + n >= len) /* truncated sequence */
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += n + 1;
    }
    return true;
}

/* A text field: valid UTF-8, no control characters but tab/newline, at
   most max bytes; required fields must be non-empty. */
static int s_text(const char *value, const char *field, size_t max, bool required,
                  intake_rejection_t *why)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return required ? s_reject(why, INTAKE_MISSING_FIELD, "%s is required", field)
                        : 0;
    if (len > max)
        return s_reject(why, INTAKE_TOO_LONG, "%s is too long", field);
    if (!intake_utf8_valid(value, len))
        return s_reject(why, INTAKE_BAD_UTF8, "%s is not valid UTF-8", field);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)value[i] < 0x20 && value[i] != '\n' && value[i] != '\t')
            return s_reject(why, INTAKE_BAD_UTF8, "%s contains control characters",
                            field);
    return 0;
}

/* An identifier: [A-Za-z0-9._:-], 1..64 bytes. */
static int s_id(const char *value, const char *field, bool required,
                intake_rejection_t *why)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return required ? s_reject(why, INTAKE_MISSING_FIELD, "%s is required", field)
                        : 0;
    if (len > S_MAX_ID)
        return s_reject(why, INTAKE_TOO_LONG, "%s is too long", field);
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)value[i]) && !strchr("._:-", value[i]))
            return s_reject(why, INTAKE_BAD_ID, "%s may hold only A-Z a-z 0-9 . _ : -",
                            field);
    return 0;
}

/* Phone numbers as clerks write them: digits, spaces, + ( ) - and an
   extension after 'x' or ',' ; at least 3 digits. */
static int s_phone(const char *value, bool required, intake_rejection_t *why)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return required ? s_reject(why, INTAKE_MISSING_FIELD, "%s is required",
                                   "customer.phone")
                        : 0;
    if (len > S_MAX_PHONE)
        return s_reject(why, INTAKE_TOO_LONG, "%s is too long", "customer.phone");
    int digits = 0;
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        if (isdigit((unsigned char)c))
            digits++;
        else if (!strchr(" +()-x,", c) || (c == '+' && i != 0))
            return s_reject(why, INTAKE_BAD_PHONE, "%s is not a phone number",
                            "customer.phone");
    }
    if (digits < 3)
        return s_reject(why, INTAKE_BAD_PHONE, "%s has too few digits", "customer.phone");
    return 0;
}

static int s_enum(const ProtobufCEnumDescriptor *desc, int value, const char *field,
                  bool required, intake_rejection_t *why)
{
    if (value == 0)
        return required ? s_reject(why, INTAKE_MISSING_FIELD, "%s is required", field)
                        : 0;
    if (!protobuf_c_enum_descriptor_get_value(desc, value))
        return s_reject(why, INTAKE_UNKNOWN_ENUM, "%s has an unknown value", field);
    return 0;
}

int intake_validate_request(const Shouwen__V1__BranchRequest *req,
                            intake_rejection_t *why)
{
    if (s_id(req->request_id, "request_id", true, why) != 0 ||
        s_id(req->branch_id, "branch_id", true, why) != 0)
        return -1;
    if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET)
        return s_reject(why, INTAKE_MISSING_FIELD, "%s is required", "a request body");
    return 0;
}

int intake_validate_submit(Shouwen__V1__InquirySubmit *s, intake_rejection_t *why)
{
    bool phone = s->channel == SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    const Shouwen__V1__Customer *c = s->customer;
    if (s_enum(&shouwen__v1__channel__descriptor, s->channel, "channel", true, why) ||
        s_enum(&shouwen__v1__request_kind__descriptor, s->kind, "kind", true, why) ||
        s_enum(&shouwen__v1__urgency__descriptor, s->urgency, "urgency", false, why))
        return -1;
    if (!c)
        return s_reject(why, INTAKE_MISSING_FIELD, "%s is required", "customer");
    /* R1: unit, name, phone; R2: a phone inquiry at least caller and number */
    if (s_text(c->name, "customer.name", S_MAX_NAME, true, why) ||
        s_text(c->unit, "customer.unit", S_MAX_UNIT, false, why) ||
        s_phone(c->phone, phone, why) ||
        s_text(c->address, "customer.address", S_MAX_ADDRESS, false, why) ||
        s_text(s->matter, "matter", S_MAX_MATTER, true, why) ||
        s_id(s->category, "category", true, why) ||
        s_id(s->receiver_staff_id, "receiver_staff_id", true, why) ||
        s_id(s->named_employee_id, "named_employee_id", false, why) ||
        s_text(s->linked_case_id, "linked_case_id", S_MAX_ID, false, why))
        return -1;
    if (s->received_at_us < 0)
        return s_reject(why, INTAKE_MISSING_FIELD, "%s must be a time after 1970",
                        "received_at_us");
    if (s->urgency == SHOUWEN__V1__URGENCY__URGENCY_UNSPECIFIED)
        s->urgency = SHOUWEN__V1__URGENCY__URGENCY_NORMAL;
    return 0;
}

int intake_validate_command(const Shouwen__V1__Command *c, intake_rejection_t *why)
{
    if (s_enum(&shouwen__v1__command_kind__descriptor, c->kind, "kind", true, why) ||
        s_text(c->case_id, "case_id", S_MAX_ID, true, why) ||
        s_id(c->staff_id, "staff_id", true, why) ||
        s_id(c->to_staff_id, "to_staff_id", false, why) ||
        s_id(c->to_department_id, "to_department_id", false, why) ||
        s_text(c->opinion, "opinion", S_MAX_MATTER, false, why) ||
        s_text(c->text, "text", S_MAX_MATTER, false, why) ||
        s_text(c->reason, "reason", S_MAX_MATTER, false, why) ||
        s_text(c->guidance, "guidance", S_MAX_MATTER, false, why) ||
        s_text(c->override_reason, "override_reason", S_MAX_MATTER, false, why))
        return -1;
    if (c->rating > 5)
        return s_reject(why, INTAKE_UNKNOWN_ENUM, "%s must be 1 to 5 (0: not given)",
                        "rating");
    if (c->n_checklist_attested > 64 || c->n_assisting_department_ids > 16)
        return s_reject(why, INTAKE_TOO_LONG, "%s has too many entries",
                        c->n_checklist_attested > 64 ? "checklist_attested"
                                                     : "assisting_department_ids");
    for (size_t i = 0; i < c->n_checklist_attested; i++)
        if (s_text(c->checklist_attested[i], "checklist_attested", S_MAX_NAME, true, why))
            return -1;
    for (size_t i = 0; i < c->n_assisting_department_ids; i++)
        if (s_id(c->assisting_department_ids[i], "assisting_department_ids", true, why))
            return -1;
    return 0;
}

int intake_validate_directory_load(const Shouwen__V1__DirectoryLoad *load,
                                   intake_rejection_t *why)
{
    if (!load->kind ||
        (strcmp(load->kind, "organisation") && strcmp(load->kind, "calendar")))
        return s_reject(why, INTAKE_UNKNOWN_ENUM, "%s must be organisation or calendar",
                        "kind");
    if (s_id(load->loaded_by, "loaded_by", true, why) ||
        s_text(load->file_name, "file_name", S_MAX_ADDRESS, false, why))
        return -1;
    if (load->content.len == 0)
        return s_reject(why, INTAKE_MISSING_FIELD, "%s is required", "content");
    if (load->content.len > INTAKE_MAX_REQUEST - 1024)
        return s_reject(why, INTAKE_TOO_LONG, "%s is too long", "content");
    if (!intake_utf8_valid((const char *)load->content.data, load->content.len))
        return s_reject(why, INTAKE_BAD_UTF8, "%s is not valid UTF-8", "content");
    return 0;
}

int intake_validate_calendar(const char *text, size_t len, const char *file_name,
                             char *version, size_t version_size, char **error)
{
    const char *file = file_name && *file_name ? file_name : "file";
    char *reason = NULL;
    if (version_size > 0)
        *version = 0;
    *error = NULL;
    sw_calendar_t *calendar = sw_calendar_new_from_text(text, len, &reason);
    if (!calendar) {
        if (asprintf(error, "%s: %s", file,
                     reason ? reason : "the calendar does not load") < 0)
            *error = NULL;
        free(reason);
        return -1;
    }
    sw_calendar_destroy(&calendar);
    /* it loaded: the text is valid ZPL without a NUL byte */
    char *copy = strndup(text, len);
    zconfig_t *root = copy ? zconfig_str_load(copy) : NULL;
    free(copy);
    if (!root) {
        *error = strdup("out of memory");
        return -1;
    }
    if (version_size > 0)
        snprintf(version, version_size, "%s", zconfig_get(root, "version", ""));
    zconfig_destroy(&root);
    return 0;
}
