/*  fuzz_envelope: the log's bytes, as the daemons take them from each other.
    audit decodes every proposal with sw_envelope_decode and stores its body
    as jsonb (sw_json_message); followers unpack a Committed from the
    committed stream, or a ReplayReply from the replay endpoint, and decode
    the envelope inside each; audit unpacks a ReplayRequest, followers a
    Heartbeat.  The same input is tried as all of these.
    Beyond "no crash, no leak, no undefined behaviour" this target asserts:
      - decode either fails with a reason or returns an envelope that
        sw_envelope_check accepts, whose type names its body;
      - the envelope (and any other message decoded) as JSON is valid JSON
        that PostgreSQL's jsonb accepts;
      - re-packing gives the same bytes after a round trip. */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check_json(const ProtobufCMessage *msg)
{
    sw_json_t *json = sw_json_new();
    FUZZ_ASSERT(json);
    sw_json_message(json, msg);
    FUZZ_ASSERT(strlen(sw_json_text(json)) == sw_json_len(json));
    FUZZ_ASSERT(fuzz_json_object_valid(sw_json_text(json), sw_json_len(json)));
    sw_json_destroy(&json);
}

/* As audit (a proposal) and as a follower (the envelope in a Committed). */
static void s_decode(const uint8_t *data, size_t size)
{
    const char *why = "unset";
    sw_envelope_t *env = sw_envelope_decode(data, size, &why);
    if (env == NULL) {
        FUZZ_ASSERT(why != NULL && *why != '\0');
        return;
    }
    FUZZ_ASSERT(why == NULL);
    FUZZ_ASSERT(size > 0 && size <= SW_MAX_MESSAGE);
    FUZZ_ASSERT(sw_envelope_check(env, NULL) == 0);
    FUZZ_ASSERT(env->event_id.len == SW_EVENTID_SIZE);
    const char *type = sw_envelope_type_for(env->body_case);
    FUZZ_ASSERT(type && env->type && strcmp(type, env->type) == 0);
    FUZZ_ASSERT(env->producer && *env->producer);
    char topic[64];
    sw_topic_for(env->type, topic, sizeof topic);
    FUZZ_ASSERT(strlen(topic) == strlen(type) + 1);
    s_check_json(&env->base);
    fuzz_round_trip(&env->base);
    sw_envelope_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_decode(data, size);
    if (size > SW_MAX_MESSAGE + 1024)
        return 0; /* followers drop larger committed frames unread */
    sw_committed_t *c = shouwen__v1__committed__unpack(NULL, size, data);
    if (c) {
        s_check_json(&c->base);
        fuzz_round_trip(&c->base);
        s_decode(c->envelope.data, c->envelope.len);
        shouwen__v1__committed__free_unpacked(c, NULL);
    }
    Shouwen__V1__ReplayReply *rep = shouwen__v1__replay_reply__unpack(NULL, size, data);
    if (rep) {
        s_check_json(&rep->base);
        fuzz_round_trip(&rep->base);
        for (size_t i = 0; i < rep->n_events; i++) {
            FUZZ_ASSERT(rep->events[i] != NULL);
            s_decode(rep->events[i]->envelope.data, rep->events[i]->envelope.len);
        }
        shouwen__v1__replay_reply__free_unpacked(rep, NULL);
    }
    /* what audit's replay endpoint and a follower's heartbeat take */
    Shouwen__V1__ReplayRequest *ask =
        shouwen__v1__replay_request__unpack(NULL, size, data);
    if (ask) {
        s_check_json(&ask->base);
        fuzz_round_trip(&ask->base);
        shouwen__v1__replay_request__free_unpacked(ask, NULL);
    }
    Shouwen__V1__Heartbeat *hb = shouwen__v1__heartbeat__unpack(NULL, size, data);
    if (hb) {
        s_check_json(&hb->base);
        shouwen__v1__heartbeat__free_unpacked(hb, NULL);
    }
    return 0;
}
