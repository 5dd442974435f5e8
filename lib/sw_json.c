/*  sw_json: a protobuf-c message as JSON text, by reflection over its
    descriptor.  The text goes into PostgreSQL as jsonb, so it must always
    be valid JSON whatever a branch sent: strings are escaped per RFC 8259,
    bytes that are not UTF-8 become U+FFFD, and NUL (which jsonb refuses as
    \u0000) becomes U+FFFD too. */
#include "sw_json.h"
#include "sw_alloc.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_eventid.h"

struct _sw_json_t {
    char *data;  /* NUL-terminated text */
    size_t len;  /* bytes of text, without the NUL */
    size_t size; /* bytes allocated */
    bool jsonb;  /* sw_json_message_jsonb under way */
};

sw_json_t *sw_json_new(void)
{
    sw_json_t *self = sw_calloc(1, sizeof *self);
    self->size = 256;
    self->data = sw_malloc(self->size);
    self->data[0] = '\0';
    return self;
}

void sw_json_destroy(sw_json_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->data);
        free(*self_p);
        *self_p = NULL;
    }
}

void sw_json_reset(sw_json_t *self)
{
    assert(self);
    self->len = 0;
    self->data[0] = '\0';
}

const char *sw_json_text(sw_json_t *self)
{
    assert(self);
    return self->data;
}

size_t sw_json_len(sw_json_t *self)
{
    assert(self);
    return self->len;
}

/* Room for extra more bytes plus the NUL. */
static void s_reserve(sw_json_t *self, size_t extra)
{
    if (self->len + extra + 1 <= self->size)
        return;
    size_t size = self->size;
    while (self->len + extra + 1 > size)
        size *= 2;
    self->data = sw_realloc(self->data, size);
    self->size = size;
}

static void s_append(sw_json_t *self, const char *text, size_t len)
{
    s_reserve(self, len);
    memcpy(self->data + self->len, text, len);
    self->len += len;
    self->data[self->len] = '\0';
}

void sw_json_raw(sw_json_t *self, const char *text)
{
    assert(self && text);
    s_append(self, text, strlen(text));
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms, no
   surrogates, nothing above U+10FFFF), or 0 if the byte starts none. */
static size_t s_utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void sw_json_stringn(sw_json_t *self, const char *text, size_t len)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    static const char hex[] = "0123456789abcdef";
    assert(self && (text || len == 0));
    const unsigned char *p = (const unsigned char *)text;
    s_append(self, "\"", 1);
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t n = s_utf8_len(p + i, len - i);
            if (n == 0) {
                s_append(self, replacement, 3);
                i++;
            } else {
                s_append(self, (const char *)p + i, n);
                i += n;
            }
            continue;
        }
        /* Copy the run of characters that need no escape in one go. */
        size_t run = i;
        while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' &&
               p[run] != '\\')
            run++;
        if (run > i) {
            s_append(self, (const char *)p + i, run - i);
            i = run;
            continue;
        }
        if (c == '\0') {
            s_append(self, replacement, 3);
            i++;
            continue;
        }
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0f];
        }
        s_append(self, esc, strlen(esc));
        i++;
    }
    s_append(self, "\"", 1);
}

char *sw_json_utf8_clean(const char *text)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    size_t len = strlen(text);
    char *out = sw_malloc(3 * len + 1);
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t n = p[i] < 0x80 ? 1 : s_utf8_len(p + i, len - i);
        if (n == 0) {
            memcpy(out + o, replacement, 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}

void sw_json_string(sw_json_t *self, const char *text)
{
    assert(text);
    sw_json_stringn(self, text, strlen(text));
}

void sw_json_int(sw_json_t *self, long long value)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", value);
    s_append(self, text, (size_t)n);
}

void sw_json_uint(sw_json_t *self, unsigned long long value)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%llu", value);
    s_append(self, text, (size_t)n);
}

void sw_json_hex(sw_json_t *self, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    assert(self && (data || len == 0));
    const uint8_t *p = data;
    s_reserve(self, 2 * len + 2);
    s_append(self, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        char pair[2] = {hex[p[i] >> 4], hex[p[i] & 0x0f]};
        s_append(self, pair, 2);
    }
    s_append(self, "\"", 1);
}

/* Non-finite numbers as the strings proto3's JSON mapping uses. */
static void s_double(sw_json_t *self, double value, int digits)
{
    if (isnan(value))
        sw_json_raw(self, "\"NaN\"");
    else if (isinf(value))
        sw_json_raw(self, value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else {
        char text[40];
        int n = snprintf(text, sizeof text, "%.*g", digits, value);
        s_append(self, text, (size_t)n);
    }
}

static void s_bytes(sw_json_t *self, const ProtobufCBinaryData *bin)
{
    if (bin->len == SW_EVENTID_SIZE) {
        char uuid[SW_UUID_STRLEN + 1];
        sw_eventid_format(bin->data, uuid);
        sw_json_string(self, uuid);
    } else
        sw_json_hex(self, bin->data, bin->len);
}

static void s_enum(sw_json_t *self, const ProtobufCEnumDescriptor *desc, int value)
{
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(desc, value);
    if (ev)
        sw_json_string(self, ev->name);
    else
        sw_json_int(self, value);
}

/* One value of a field, at p (the member itself, or an array element). */
static void s_value(sw_json_t *self, const ProtobufCFieldDescriptor *field, const void *p)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        sw_json_int(self, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        sw_json_int(self, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        sw_json_uint(self, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        sw_json_uint(self, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        s_double(self, *(const float *)p, 9);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        s_double(self, *(const double *)p, 17);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        sw_json_raw(self, *(const protobuf_c_boolean *)p ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM:
        s_enum(self, field->descriptor, *(const int *)p);
        break;
    case PROTOBUF_C_TYPE_STRING: {
        const char *text = *(char *const *)p;
        sw_json_string(self, text ? text : "");
        break;
    }
    case PROTOBUF_C_TYPE_BYTES:
        s_bytes(self, p);
        break;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        if (sub)
            sw_json_message(self, sub);
        else
            sw_json_raw(self, "null");
        break;
    }
    }
}

/* Bytes one array element takes in a repeated field. */
static size_t s_element_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* True when a singular value is its proto3 default (and so left out). */
static bool s_is_default(const ProtobufCFieldDescriptor *field, const void *p)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return *(const uint32_t *)p == 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    case PROTOBUF_C_TYPE_ENUM:
        return *(const int *)p == 0;
    case PROTOBUF_C_TYPE_STRING: {
        const char *text = *(char *const *)p;
        return text == NULL || *text == '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    }
    return true;
}

/* Whether a singular field is present: oneof members by their case,
   proto2/explicit-optional scalars by has_, the rest unless default. */
static bool s_is_present(const ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *field, const void *p)
{
    const char *base = (const char *)msg;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + field->quantifier_offset) == field->id;
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL &&
        field->type != PROTOBUF_C_TYPE_STRING && field->type != PROTOBUF_C_TYPE_MESSAGE)
        return *(const protobuf_c_boolean *)(base + field->quantifier_offset);
    if (field->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    return !s_is_default(field, p);
}

static void s_key(sw_json_t *self, bool *first, const char *name)
{
    if (!*first)
        s_append(self, self->jsonb ? ", " : ",", self->jsonb ? 2 : 1);
    *first = false;
    sw_json_string(self, name);
    s_append(self, self->jsonb ? ": " : ":", self->jsonb ? 2 : 1);
}

/* jsonb keeps an object's keys shorter first, then in byte order. */
static int s_jsonb_key_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    return memcmp(a, b, la);
}

void sw_json_message(sw_json_t *self, const ProtobufCMessage *msg)
{
    assert(self && msg && msg->descriptor);
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    const char *base = (const char *)msg;
    bool first = true;
    /* the order fields are written in: the descriptor's, or jsonb's (sorted
       here, on the stack for any message of ours) */
    unsigned stack[64];
    unsigned *order = NULL;
    if (self->jsonb) {
        order = desc->n_fields <= 64 ? stack : sw_malloc(desc->n_fields * sizeof *order);
        for (unsigned i = 0; i < desc->n_fields; i++) {
            unsigned j = i;
            while (j > 0 && s_jsonb_key_cmp(desc->fields[order[j - 1]].name,
                                            desc->fields[i].name) > 0) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
    s_append(self, "{", 1);
    for (unsigned k = 0; k < desc->n_fields; k++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[order ? order[k] : k];
        const void *p = base + field->offset;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + field->quantifier_offset);
            if (n == 0)
                continue;
            const char *array = *(char *const *)p;
            size_t step = s_element_size(field->type);
            s_key(self, &first, field->name);
            s_append(self, "[", 1);
            for (size_t j = 0; j < n; j++) {
                if (j > 0)
                    s_append(self, self->jsonb ? ", " : ",", self->jsonb ? 2 : 1);
                s_value(self, field, array + j * step);
            }
            s_append(self, "]", 1);
        } else if (s_is_present(msg, field, p)) {
            s_key(self, &first, field->name);
            s_value(self, field, p);
        }
    }
    if (order != stack)
        free(order);
    s_append(self, "}", 1);
}

void sw_json_message_jsonb(sw_json_t *self, const ProtobufCMessage *msg)
{
    bool was = self->jsonb;
    self->jsonb = true;
    sw_json_message(self, msg);
    self->jsonb = was;
}
