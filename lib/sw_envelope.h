/*  sw_envelope: the envelope codec shared by every daemon.
    Packs and unpacks the log's messages (protobuf-c), checks an envelope is
    well-formed, and names each body's event type. */
#ifndef SW_ENVELOPE_H
#define SW_ENVELOPE_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto/shouwen.pb-c.h"

typedef Shouwen__V1__Envelope sw_envelope_t;
typedef Shouwen__V1__Committed sw_committed_t;

/* Largest message a daemon accepts from another daemon or a branch. */
#define SW_MAX_MESSAGE (256 * 1024)

/* "inquiry.received", "case.routed", ... for a body case; NULL if none. */
const char *sw_envelope_type_for(Shouwen__V1__Envelope__BodyCase body);
/* Checks event id size, producer, type matches body.  0 or -1 with *why. */
int sw_envelope_check(const sw_envelope_t *env, const char **why);
/* Unpack and check; NULL (and *why) on bad input.  Free with
   sw_envelope_free. */
sw_envelope_t *sw_envelope_decode(const uint8_t *data, size_t size, const char **why);
void sw_envelope_free(sw_envelope_t *env);

/* Pack any protobuf-c message into a new zframe. */
zframe_t *sw_pack_frame(const ProtobufCMessage *msg);

/* Topic frame text for a type: "<type>." (prefix-safe subscription). */
void sw_topic_for(const char *type, char *out, size_t out_size);

#define SW_TOPIC_HEARTBEAT "hub.heartbeat."

#endif
