/*  sw_envelope: the envelope codec shared by every daemon. */
#include "sw_envelope.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sw_eventid.h"

const char *sw_envelope_type_for(Shouwen__V1__Envelope__BodyCase body)
{
    switch (body) {
    case SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED:
        return "inquiry.received";
    case SHOUWEN__V1__ENVELOPE__BODY_ROUTED:
        return "case.routed";
    case SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED:
        return "case.transferred";
    case SHOUWEN__V1__ENVELOPE__BODY_ACCEPTED:
        return "case.accepted";
    case SHOUWEN__V1__ENVELOPE__BODY_RETURNED:
        return "case.returned";
    case SHOUWEN__V1__ENVELOPE__BODY_FORWARDED:
        return "case.forwarded";
    case SHOUWEN__V1__ENVELOPE__BODY_ESCALATED:
        return "case.escalated";
    case SHOUWEN__V1__ENVELOPE__BODY_COORDINATION:
        return "case.coordination";
    case SHOUWEN__V1__ENVELOPE__BODY_REPLIED:
        return "case.replied";
    case SHOUWEN__V1__ENVELOPE__BODY_PROGRESS:
        return "case.progress";
    case SHOUWEN__V1__ENVELOPE__BODY_RESOLVED:
        return "case.resolved";
    case SHOUWEN__V1__ENVELOPE__BODY_CALLBACK:
        return "case.callback";
    case SHOUWEN__V1__ENVELOPE__BODY_REOPENED:
        return "case.reopened";
    case SHOUWEN__V1__ENVELOPE__BODY_CLOSED:
        return "case.closed";
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED:
        return "command.received";
    case SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED:
        return "command.rejected";
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET:
        return "sla.deadline_set";
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING:
        return "sla.warning";
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
        return "sla.breached";
    case SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_CLEARED:
        return "sla.deadline_cleared";
    case SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED:
        return "violation.recorded";
    case SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED:
        return "directory.loaded";
    case SHOUWEN__V1__ENVELOPE__BODY_LEADER_CONTACT:
        return "case.leader_contact";
    case SHOUWEN__V1__ENVELOPE__BODY_WAITING:
        return "case.waiting";
    default:
        return NULL;
    }
}

/* Events about one case, which must name it. */
static bool s_is_case_type(const char *type)
{
    static const char *prefixes[] = {"inquiry.", "case.", "command.", "sla."};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(type, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* The body member is set, not only its case (a hand-built envelope). */
static bool s_body_present(const sw_envelope_t *env)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field(
        &shouwen__v1__envelope__descriptor, (unsigned)env->body_case);
    if (field == NULL)
        return false;
    return *(void *const *)((const char *)env + field->offset) != NULL;
}

int sw_envelope_check(const sw_envelope_t *env, const char **why)
{
    assert(env);
    const char *reason = NULL;
    const char *type = sw_envelope_type_for(env->body_case);
    if (env->event_id.len != SW_EVENTID_SIZE)
        reason = "event id is not 16 bytes";
    else if (env->producer == NULL || *env->producer == '\0')
        reason = "no producer";
    else if (type == NULL || !s_body_present(env))
        reason = "no body";
    else if (env->type == NULL || strcmp(env->type, type) != 0)
        reason = "type does not match body";
    else if (s_is_case_type(type) && (env->case_id == NULL || *env->case_id == '\0'))
        reason = "case event without case id";
    else if (env->causation_id.len != 0 && env->causation_id.len != SW_EVENTID_SIZE)
        reason = "causation id is not 16 bytes";
    if (why)
        *why = reason;
    return reason ? -1 : 0;
}

sw_envelope_t *sw_envelope_decode(const uint8_t *data, size_t size, const char **why)
{
    const char *reason = NULL;
    sw_envelope_t *env = NULL;
    if (data == NULL || size == 0)
        reason = "empty message";
    else if (size > SW_MAX_MESSAGE)
        reason = "message too large";
    else if ((env = shouwen__v1__envelope__unpack(NULL, size, data)) == NULL)
        reason = "malformed protobuf";
    else if (sw_envelope_check(env, &reason) < 0) {
        sw_envelope_free(env);
        env = NULL;
    }
    if (why)
        *why = reason;
    return env;
}

void sw_envelope_free(sw_envelope_t *env)
{
    if (env)
        shouwen__v1__envelope__free_unpacked(env, NULL);
}

zframe_t *sw_pack_frame(const ProtobufCMessage *msg)
{
    assert(msg);
    size_t size = protobuf_c_message_get_packed_size(msg);
    zframe_t *frame = zframe_new(NULL, size);
    if (frame == NULL)
        return NULL;
    size_t packed = protobuf_c_message_pack(msg, zframe_data(frame));
    assert(packed == size);
    (void)packed;
    return frame;
}

void sw_topic_for(const char *type, char *out, size_t out_size)
{
    assert(type && out);
    int n = snprintf(out, out_size, "%s.", type);
    assert(n >= 0 && (size_t)n < out_size);
    (void)n;
}
