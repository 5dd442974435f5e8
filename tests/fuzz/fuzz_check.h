/*  fuzz_check: what the decoder fuzz targets assert besides "no crash".
    A reference UTF-8 check written from the Unicode standard's table of
    well-formed byte sequences (independent of intake_utf8_valid), a JSON
    syntax check strict enough for PostgreSQL's jsonb (no \u0000, no lone
    surrogate escapes, valid UTF-8), and a pack/unpack round trip.  A
    failed check prints what failed and aborts, which both libFuzzer and
    fuzz_driver report as a crash with the input that caused it. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", __FILE__, __LINE__,       \
                    #cond);                                                              \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Unicode 15, table 3-7: the well-formed UTF-8 byte sequences. */
static inline bool fuzz_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c <= 0x7F) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c == 0xE0)
            n = 3, lo = 0xA0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            n = 3;
        else if (c == 0xED)
            n = 3, hi = 0x9F;
        else if (c == 0xF0)
            n = 4, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3)
            n = 4;
        else if (c == 0xF4)
            n = 4, hi = 0x8F;
        else
            return false;
        if (len - i < n || p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k < n; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return false;
        i += n;
    }
    return true;
}

typedef struct {
    const char *p;   /* next character */
    const char *end; /* one past the text */
} fuzz_json_t;

static inline void fuzz_json_space(fuzz_json_t *j)
{
    while (j->p < j->end && strchr(" \t\r\n", *j->p) && *j->p)
        j->p++;
}

static inline bool fuzz_json_lit(fuzz_json_t *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return false;
    j->p += n;
    return true;
}

static inline bool fuzz_json_digits(fuzz_json_t *j)
{
    const char *start = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > start;
}

static inline bool fuzz_json_number(fuzz_json_t *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!fuzz_json_digits(j))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!fuzz_json_digits(j))
            return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!fuzz_json_digits(j))
            return false;
    }
    return true;
}

static inline int fuzz_json_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A string literal: escapes that jsonb takes, raw text valid UTF-8. */
static inline bool fuzz_json_string(fuzz_json_t *j)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    const char *run = j->p;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return false;
        if (c != '\\') {
            j->p++;
            continue;
        }
        if (!fuzz_utf8_valid((const uint8_t *)run, (size_t)(j->p - run)))
            return false;
        if (j->end - j->p < 2)
            return false;
        char e = j->p[1];
        if (e == 'u') {
            if (j->end - j->p < 6)
                return false;
            unsigned cp = 0;
            for (int k = 2; k < 6; k++) {
                int h = fuzz_json_hex(j->p[k]);
                if (h < 0)
                    return false;
                cp = cp << 4 | (unsigned)h;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return false; /* jsonb refuses both; sw_json never writes them */
            j->p += 6;
        } else if (strchr("\"\\/bfnrt", e) && e) {
            j->p += 2;
        } else
            return false;
        run = j->p;
    }
    if (j->p >= j->end || !fuzz_utf8_valid((const uint8_t *)run, (size_t)(j->p - run)))
        return false;
    j->p++;
    return true;
}

static inline bool fuzz_json_value(fuzz_json_t *j, int depth);

static inline bool fuzz_json_members(fuzz_json_t *j, int depth, char close, bool keyed)
{
    j->p++;
    fuzz_json_space(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        if (keyed) {
            if (!fuzz_json_string(j))
                return false;
            fuzz_json_space(j);
            if (j->p >= j->end || *j->p != ':')
                return false;
            j->p++;
        }
        if (!fuzz_json_value(j, depth + 1))
            return false;
        fuzz_json_space(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            fuzz_json_space(j);
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return true;
        }
        return false;
    }
}

static inline bool fuzz_json_value(fuzz_json_t *j, int depth)
{
    if (depth > 64)
        return false;
    fuzz_json_space(j);
    if (j->p >= j->end)
        return false;
    switch (*j->p) {
    case '{':
        return fuzz_json_members(j, depth, '}', true);
    case '[':
        return fuzz_json_members(j, depth, ']', false);
    case '"':
        return fuzz_json_string(j);
    case 't':
        return fuzz_json_lit(j, "true");
    case 'f':
        return fuzz_json_lit(j, "false");
    case 'n':
        return fuzz_json_lit(j, "null");
    default:
        return fuzz_json_number(j);
    }
}

/* One JSON object and nothing after it. */
static inline bool fuzz_json_object_valid(const char *text, size_t len)
{
    fuzz_json_t j = {text, text + len};
    fuzz_json_space(&j);
    if (j.p >= j.end || *j.p != '{' || !fuzz_json_value(&j, 0))
        return false;
    fuzz_json_space(&j);
    return j.p == j.end;
}

/* True when msg or a message inside it kept an unknown field numbered 0.
   protobuf-c 1.4 accepts such a field when its tag is a non-minimal varint
   (0x80 0x00), keeps it, and packs it back as the byte 0x00, which its own
   unpack then refuses.  No daemon re-packs what it decoded (audit stores
   the producer's bytes verbatim), so such input is only kept out of the
   round-trip check below. */
static inline bool fuzz_has_field_zero(const ProtobufCMessage *msg)
{
    for (unsigned i = 0; i < msg->n_unknown_fields; i++)
        if (msg->unknown_fields[i].tag == 0)
            return true;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *member = (const char *)msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)member;
            for (size_t k = 0; k < n; k++)
                if (items[k] && fuzz_has_field_zero(items[k]))
                    return true;
        } else {
            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(const uint32_t *)((const char *)msg + f->quantifier_offset) != f->id)
                continue;
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *)member;
            if (sub && fuzz_has_field_zero(sub))
                return true;
        }
    }
    return false;
}

/* pack(unpack(pack(msg))) == pack(msg), and the packed size is right. */
static inline void fuzz_round_trip(const ProtobufCMessage *msg)
{
    if (fuzz_has_field_zero(msg))
        return;
    size_t size = protobuf_c_message_get_packed_size(msg);
    uint8_t *first = malloc(size ? size : 1);
    FUZZ_ASSERT(first);
    FUZZ_ASSERT(protobuf_c_message_pack(msg, first) == size);
    ProtobufCMessage *again =
        protobuf_c_message_unpack(msg->descriptor, NULL, size, first);
    FUZZ_ASSERT(again != NULL);
    size_t size2 = protobuf_c_message_get_packed_size(again);
    FUZZ_ASSERT(size2 == size);
    uint8_t *second = malloc(size2 ? size2 : 1);
    FUZZ_ASSERT(second);
    FUZZ_ASSERT(protobuf_c_message_pack(again, second) == size2);
    FUZZ_ASSERT(memcmp(first, second, size) == 0);
    protobuf_c_message_free_unpacked(again, NULL);
    free(second);
    free(first);
}

#endif
