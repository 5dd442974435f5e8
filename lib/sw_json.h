/*  sw_json: a protobuf-c message as JSON text, by reflection over its
    descriptor (so every event body reaches PostgreSQL as jsonb that
    auditors can query).  Field names as in the .proto; enums by value name;
    64-bit integers as JSON numbers; a bytes field of exactly 16 bytes (an
    event id) as a UUID string, other bytes as lower-case hex.  Fields at
    their proto3 default are left out, except in repeated fields. */
#ifndef SW_JSON_H
#define SW_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct _sw_json_t sw_json_t;

/* A growing JSON text buffer. */
sw_json_t *sw_json_new(void);
void sw_json_destroy(sw_json_t **self_p);
void sw_json_reset(sw_json_t *self);
const char *sw_json_text(sw_json_t *self);
size_t sw_json_len(sw_json_t *self);

/* Raw append (caller supplies punctuation). */
void sw_json_raw(sw_json_t *self, const char *text);
/* A JSON string literal, escaped (invalid UTF-8 bytes become U+FFFD). */
void sw_json_string(sw_json_t *self, const char *text);
void sw_json_stringn(sw_json_t *self, const char *text, size_t len);
/* A fresh copy of text (caller frees) with what sw_json_string would
   replace by U+FFFD replaced: the text PostgreSQL stores from its JSON. */
char *sw_json_utf8_clean(const char *text);
void sw_json_int(sw_json_t *self, long long value);
void sw_json_uint(sw_json_t *self, unsigned long long value);
/* Bytes as a hex string literal. */
void sw_json_hex(sw_json_t *self, const void *data, size_t len);
/* The message as an object, appended. */
void sw_json_message(sw_json_t *self, const ProtobufCMessage *msg);
/* The same object as PostgreSQL prints it once stored as jsonb
   (jsonb::text): keys shorter first then in byte order, ", " and ": "
   between.  audit hashes this text into the log's chain (event_hash). */
void sw_json_message_jsonb(sw_json_t *self, const ProtobufCMessage *msg);

#endif
