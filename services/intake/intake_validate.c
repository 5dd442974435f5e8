/*  intake_validate: field checks on branch input (see intake_validate.h).  */
#include "intake_validate.h"
#include "sw_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_calendar.h"
#include "sw_policy.h"

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

/* The code point at s (valid UTF-8), and its length in *n. */
static unsigned s_code_point(const unsigned char *s, size_t *n)
{
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    size_t more = s[0] >= 0xF0 ? 3 : s[0] >= 0xE0 ? 2 : 1;
    unsigned cp = s[0] & (0x3F >> more);
    for (size_t k = 1; k <= more; k++)
        cp = (cp << 6) | (s[k] & 0x3F);
    *n = more + 1;
    return cp;
}

/* Characters that reorder or hide text (bidi embeddings, overrides and
   isolates, marks, zero-width characters): in a register a clerk and an
   auditor read, what is shown must be what was said. */
static bool s_invisible(unsigned cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0x061C || cp == 0xFEFF ||
           (cp >= 0x7F && cp <= 0x9F);
}

/* White space, ASCII and the ideographic space (全角空格) among others. */
static bool s_space(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 ||
           cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F;
}

/* A text field: valid UTF-8, at most max bytes, no invisible characters,
   no control characters (tab and newline only where lines is true);
   required fields must hold more than white space. */
static int s_text_lines(const char *value, const char *field, size_t max, bool required,
                        bool lines, intake_rejection_t *why)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return required ? s_reject(why, INTAKE_MISSING_FIELD, "%s is required", field)
                        : 0;
    if (len > max)
        return s_reject(why, INTAKE_TOO_LONG, "%s is too long", field);
    if (!intake_utf8_valid(value, len))
        return s_reject(why, INTAKE_BAD_UTF8, "%s is not valid UTF-8", field);
    bool blank = true;
    for (size_t i = 0, n; i < len; i += n) {
        unsigned cp = s_code_point((const unsigned char *)value + i, &n);
        if (cp < 0x20 && !(lines && (cp == '\n' || cp == '\t')))
            return s_reject(why, INTAKE_BAD_UTF8, "%s contains control characters",
                            field);
        if (s_invisible(cp))
            return s_reject(why, INTAKE_BAD_TEXT,
                            "%s contains invisible or text-reordering characters", field);
        blank = blank && s_space(cp);
    }
    if (blank && required)
        return s_reject(why, INTAKE_MISSING_FIELD, "%s holds only white space", field);
    if (blank)
        return s_reject(why, INTAKE_MISSING_FIELD,
                        "%s holds only white space (leave it out instead)", field);
    return 0;
}

/* Free text (a matter, an opinion): lines allowed. */
static int s_text(const char *value, const char *field, size_t max, bool required,
                  intake_rejection_t *why)
{
    return s_text_lines(value, field, max, required, true, why);
}

/* A name or a unit: one line. */
static int s_name(const char *value, const char *field, size_t max, bool required,
                  intake_rejection_t *why)
{
    return s_text_lines(value, field, max, required, false, why);
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

/* The queries and the watch of issue 9 (docs/queries.md): ids as ids, a
   phone as a phone, lists bounded. */
static int s_validate_query(const Shouwen__V1__BranchRequest *req,
                            intake_rejection_t *why)
{
    switch (req->body_case) {
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_INBOX:
        return s_id(req->inbox->staff_id, "inbox.staff_id", true, why);
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_QUEUE:
        return s_id(req->queue->department_id, "queue.department_id", true, why);
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_DUE:
        if (req->due->within_minutes > 60 * 24 * 366)
            return s_reject(why, INTAKE_TOO_LONG, "%s is more than a year",
                            "due.within_minutes");
        return s_id(req->due->staff_id, "due.staff_id", false, why) ||
                       s_id(req->due->department_id, "due.department_id", false, why)
                   ? -1
                   : 0;
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_FIND:
        if (!*req->find->case_id && !*req->find->phone)
            return s_reject(why, INTAKE_MISSING_FIELD, "%s is required",
                            "find.case_id or find.phone");
        return s_id(req->find->case_id, "find.case_id", false, why) ||
                       s_phone(req->find->phone, false, why)
                   ? -1
                   : 0;
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH:
        if (req->watch->n_staff_ids > 64 || req->watch->n_department_ids > 64)
            return s_reject(why, INTAKE_TOO_LONG, "%s names more than 64", "watch");
        for (size_t i = 0; i < req->watch->n_staff_ids; i++)
            if (s_id(req->watch->staff_ids[i], "watch.staff_ids", true, why))
                return -1;
        for (size_t i = 0; i < req->watch->n_department_ids; i++)
            if (s_id(req->watch->department_ids[i], "watch.department_ids", true, why))
                return -1;
        return 0;
    case SHOUWEN__V1__BRANCH_REQUEST__BODY_WATCH_ACK:
        return s_id(req->watch_ack->watch_request_id, "watch_ack.watch_request_id", true,
                    why);
    default:
        return 0;
    }
}

int intake_validate_request(const Shouwen__V1__BranchRequest *req,
                            intake_rejection_t *why)
{
    /* the branch id may be left out: the key says which branch speaks */
    if (s_id(req->request_id, "request_id", true, why) != 0 ||
        s_id(req->branch_id, "branch_id", false, why) != 0)
        return -1;
    if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET)
        return s_reject(why, INTAKE_MISSING_FIELD, "%s is required", "a request body");
    return s_validate_query(req, why);
}

/* ------------------------------------------------------ decoding frames */

/* protobuf-c ends a string at an embedded NUL; it allocates len + 1 bytes
   for every string it unpacks, so an allocator that remembers sizes tells
   a string cut short (strlen + 1 < its allocation) from a whole one. */
typedef struct {
    const void *ptr;
    size_t size;
} s_alloc_t;

typedef struct {
    s_alloc_t *items;
    size_t count, cap;
} s_allocs_t;

static void *s_rec_alloc(void *data, size_t size)
{
    s_allocs_t *a = (s_allocs_t *)data;
    void *p = sw_malloc(size ? size : 1);
    if (a->count == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->items = (s_alloc_t *)sw_realloc(a->items, a->cap * sizeof *a->items);
    }
    a->items[a->count++] = (s_alloc_t){p, size};
    return p;
}

static void s_rec_free(void *data, void *ptr)
{
    free(ptr);
}

static int s_alloc_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const s_alloc_t *)a)->ptr;
    uintptr_t y = (uintptr_t)((const s_alloc_t *)b)->ptr;
    return x < y ? -1 : x > y;
}

/* False if the string was cut short by an embedded NUL. */
static bool s_whole(const s_allocs_t *a, const char *s)
{
    if (!s)
        return true;
    s_alloc_t key = {s, 0};
    const s_alloc_t *hit =
        (const s_alloc_t *)bsearch(&key, a->items, a->count, sizeof key, s_alloc_cmp);
    return !hit || strlen(s) + 1 == hit->size; /* not ours: a default "" */
}

static bool s_strings_whole(const ProtobufCMessage *m, const s_allocs_t *a)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        size_t n = 1;
        const void *const *items = (const void *const *)(base + f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)(base + f->quantifier_offset);
            items = *(const void *const *const *)(base + f->offset);
        }
        for (size_t k = 0; k < n; k++) {
            if (f->type == PROTOBUF_C_TYPE_STRING && !s_whole(a, (const char *)items[k]))
                return false;
            if (f->type == PROTOBUF_C_TYPE_MESSAGE && items[k] &&
                !s_strings_whole((const ProtobufCMessage *)items[k], a))
                return false;
        }
    }
    return true;
}

/* True if no string of the encoded request holds a NUL byte. */
static bool s_no_nul(const uint8_t *data, size_t size)
{
    s_allocs_t a = {0};
    ProtobufCAllocator rec = {s_rec_alloc, s_rec_free, &a};
    Shouwen__V1__BranchRequest *req =
        shouwen__v1__branch_request__unpack(&rec, size, data);
    bool ok = false;
    if (req) {
        qsort(a.items, a.count, sizeof *a.items, s_alloc_cmp);
        ok = s_strings_whole(&req->base, &a);
        shouwen__v1__branch_request__free_unpacked(req, &rec);
    }
    free(a.items);
    return ok;
}

int intake_request_decode(const uint8_t *data, size_t size,
                          Shouwen__V1__BranchRequest **req_p, intake_rejection_t *why)
{
    *req_p = NULL;
    if (size > INTAKE_MAX_REQUEST)
        return s_reject(why, INTAKE_OVERSIZE, "%s larger than 64 KiB", "request");
    Shouwen__V1__BranchRequest *req =
        shouwen__v1__branch_request__unpack(NULL, size, data);
    if (!req)
        return s_reject(why, INTAKE_MALFORMED,
                        "not a valid %s (truncated or malformed protobuf)",
                        "BranchRequest");
    int rc = 0;
    if (!s_no_nul(data, size))
        rc = s_reject(why, INTAKE_MALFORMED, "%s holds a NUL byte", "a string");
    else if (req->protocol_version > INTAKE_PROTOCOL) {
        why->code = INTAKE_UNSUPPORTED_VERSION;
        snprintf(why->message, sizeof why->message,
                 "this hub speaks branch protocol %d; the request speaks %u",
                 INTAKE_PROTOCOL, req->protocol_version);
        rc = -1;
    } else if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET &&
               req->base.n_unknown_fields > 0)
        rc = s_reject(why, INTAKE_UNSUPPORTED,
                      "this hub does not know that kind of request (%s)",
                      "branch protocol 1");
    else
        rc = intake_validate_request(req, why);
    if (rc != 0)
        shouwen__v1__branch_request__free_unpacked(req, NULL);
    else
        *req_p = req;
    return rc;
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
    if (s_name(c->name, "customer.name", S_MAX_NAME, true, why) ||
        s_name(c->unit, "customer.unit", S_MAX_UNIT, false, why) ||
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
    if (s_id(load->loaded_by, "loaded_by", false, why) ||
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
    /* the file as sla loads it: its calendar and its policies */
    sw_calendar_t *calendar = NULL;
    sw_policy_t *policy = NULL;
    if (sw_policy_load(text, len, &calendar, &policy, &reason) != 0) {
        const char *why = reason ? reason : "the calendar does not load";
        size_t size = strlen(file) + strlen(why) + 3;
        *error = sw_malloc(size);
        snprintf(*error, size, "%s: %s", file, why);
        free(reason);
        return -1;
    }
    sw_calendar_destroy(&calendar);
    sw_policy_destroy(&policy);
    /* it loaded: the text is valid ZPL without a NUL byte */
    char *copy = sw_strndup(text, len);
    zconfig_t *root = zconfig_str_load(copy);
    free(copy);
    if (root && version_size > 0)
        snprintf(version, version_size, "%s", zconfig_get(root, "version", ""));
    zconfig_destroy(&root);
    return 0;
}
