/*  test_sw_envelope: every body has a type; decode takes well-formed
    envelopes and turns everything else away with a reason. */
#include <string.h>

#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_test.h"

static void test_type_table(void)
{
    /* Every member of the body oneof, straight from the descriptor, so a
       body added to the .proto without a type fails here. */
    const ProtobufCMessageDescriptor *desc = &shouwen__v1__envelope__descriptor;
    int bodies = 0;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        bodies++;
        const char *type =
            sw_envelope_type_for((Shouwen__V1__Envelope__BodyCase)field->id);
        CHECK(type != NULL);
        if (type == NULL) {
            fprintf(stderr, "  no type for body %s\n", field->name);
            continue;
        }
        /* "<area>.<name>", and unique. */
        const char *dot = strchr(type, '.');
        CHECK(dot != NULL && dot != type && dot[1] != '\0');
        for (unsigned j = 0; j < i; j++) {
            const ProtobufCFieldDescriptor *other = &desc->fields[j];
            if (other->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                CHECK(strcmp(type, sw_envelope_type_for(
                                       (Shouwen__V1__Envelope__BodyCase)other->id)) != 0);
        }
    }
    CHECK_EQ(bodies, 24);
    CHECK(sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY__NOT_SET) == NULL);
    CHECK(sw_envelope_type_for((Shouwen__V1__Envelope__BodyCase)99) == NULL);
    CHECK_STR(sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED),
              "inquiry.received");
    CHECK_STR(sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_CALLBACK),
              "case.callback");
    CHECK_STR(sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_WARNING),
              "sla.warning");
    CHECK_STR(sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED),
              "directory.loaded");

    char topic[64];
    sw_topic_for("case.transferred", topic, sizeof topic);
    CHECK_STR(topic, "case.transferred.");
}

/* A valid resolved-case envelope; the parts live in the caller's storage. */
typedef struct {
    uint8_t id[SW_EVENTID_SIZE];
    uint8_t cause[SW_EVENTID_SIZE];
    Shouwen__V1__Resolved resolved;
    Shouwen__V1__Envelope env;
} sample_t;

static void s_sample(sample_t *s)
{
    sw_eventid_make(s->id, "test", "resolved", 8);
    sw_eventid_make(s->cause, "test", "command", 7);
    Shouwen__V1__Resolved resolved = SHOUWEN__V1__RESOLVED__INIT;
    Shouwen__V1__Envelope env = SHOUWEN__V1__ENVELOPE__INIT;
    s->resolved = resolved;
    s->env = env;
    s->resolved.summary = "已修复";
    s->env.event_id.data = s->id;
    s->env.event_id.len = SW_EVENTID_SIZE;
    s->env.causation_id.data = s->cause;
    s->env.causation_id.len = SW_EVENTID_SIZE;
    s->env.type = "case.resolved";
    s->env.case_id = "SW-0000-0000-0001";
    s->env.case_version = 4;
    s->env.producer = "router";
    s->env.producer_seq = 12;
    s->env.body_case = SHOUWEN__V1__ENVELOPE__BODY_RESOLVED;
    s->env.resolved = &s->resolved;
}

/* Pack env and decode it; returns the reason, or NULL when it decodes. */
static const char *s_round_trip(const Shouwen__V1__Envelope *env)
{
    zframe_t *frame = sw_pack_frame(&env->base);
    CHECK(frame != NULL);
    const char *why = "unset";
    sw_envelope_t *back =
        sw_envelope_decode(zframe_data(frame), zframe_size(frame), &why);
    CHECK((back == NULL) == (why != NULL));
    sw_envelope_free(back);
    zframe_destroy(&frame);
    return why;
}

static void test_round_trip(void)
{
    sample_t s;
    s_sample(&s);
    const char *why = "unset";
    CHECK_EQ(sw_envelope_check(&s.env, &why), 0);
    CHECK(why == NULL);

    zframe_t *frame = sw_pack_frame(&s.env.base);
    CHECK_EQ(zframe_size(frame), protobuf_c_message_get_packed_size(&s.env.base));
    sw_envelope_t *back =
        sw_envelope_decode(zframe_data(frame), zframe_size(frame), &why);
    CHECK(back != NULL);
    CHECK(why == NULL);
    if (back) {
        CHECK_MEM(back->event_id.data, s.id, SW_EVENTID_SIZE);
        CHECK_MEM(back->causation_id.data, s.cause, SW_EVENTID_SIZE);
        CHECK_STR(back->type, "case.resolved");
        CHECK_STR(back->case_id, "SW-0000-0000-0001");
        CHECK_EQ(back->case_version, 4);
        CHECK_STR(back->producer, "router");
        CHECK_EQ(back->producer_seq, 12);
        CHECK_EQ(back->body_case, SHOUWEN__V1__ENVELOPE__BODY_RESOLVED);
        CHECK(back->resolved && strcmp(back->resolved->summary, "已修复") == 0);
    }
    sw_envelope_free(back);
    sw_envelope_free(NULL);

    /* Truncated at every length: never accepted. */
    size_t size = zframe_size(frame);
    for (size_t n = 1; n < size; n++) {
        why = NULL;
        back = sw_envelope_decode(zframe_data(frame), n, &why);
        CHECK(back == NULL);
        CHECK(why != NULL);
        sw_envelope_free(back);
    }
    /* The same bytes inside a larger buffer decode the same way. */
    back = sw_envelope_decode(zframe_data(frame), size, NULL);
    CHECK(back != NULL);
    sw_envelope_free(back);
    zframe_destroy(&frame);

    /* Events outside any case need no case id. */
    Shouwen__V1__DirectoryLoaded loaded = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    loaded.kind = "organisation";
    s.env.type = "directory.loaded";
    s.env.case_id = "";
    s.env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED;
    s.env.directory_loaded = &loaded;
    CHECK(s_round_trip(&s.env) == NULL);
    Shouwen__V1__ViolationRecorded violation = SHOUWEN__V1__VIOLATION_RECORDED__INIT;
    s.env.type = "violation.recorded";
    s.env.body_case = SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED;
    s.env.violation_recorded = &violation;
    s.env.causation_id.len = 0; /* no cause is fine */
    CHECK(s_round_trip(&s.env) == NULL);
}

static void test_rejections(void)
{
    const char *why = NULL;
    uint8_t byte = 0;
    CHECK(sw_envelope_decode(&byte, 0, &why) == NULL);
    CHECK_STR(why, "empty message");
    CHECK(sw_envelope_decode(NULL, 0, &why) == NULL);
    CHECK_STR(why, "empty message");

    /* Over the limit, even though the bytes would parse. */
    size_t big = SW_MAX_MESSAGE + 1;
    uint8_t *zeros = calloc(1, big);
    CHECK(sw_envelope_decode(zeros, big, &why) == NULL);
    CHECK_STR(why, "message too large");
    free(zeros);

    uint8_t junk[] = {0x0a, 0x10, 0x01}; /* event_id claims 16 bytes, has 1 */
    CHECK(sw_envelope_decode(junk, sizeof junk, &why) == NULL);
    CHECK_STR(why, "malformed protobuf");
    uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(sw_envelope_decode(garbage, sizeof garbage, &why) == NULL);
    CHECK_STR(why, "malformed protobuf");

    sample_t s;
    s_sample(&s);
    s.env.type = "case.closed";
    CHECK_STR(s_round_trip(&s.env), "type does not match body");
    s.env.type = "";
    CHECK_STR(s_round_trip(&s.env), "type does not match body");

    s_sample(&s);
    s.env.case_id = "";
    CHECK_STR(s_round_trip(&s.env), "case event without case id");
    const struct {
        Shouwen__V1__Envelope__BodyCase body;
        const char *type;
    } case_bodies[] = {
        {SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED, "inquiry.received"},
        {SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED, "command.rejected"},
        {SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED, "sla.breached"},
    };
    for (size_t i = 0; i < sizeof case_bodies / sizeof case_bodies[0]; i++) {
        s.env.body_case = case_bodies[i].body;
        s.env.type = (char *)case_bodies[i].type;
        CHECK_EQ(sw_envelope_check(&s.env, &why), -1);
        CHECK_STR(why, "case event without case id");
    }

    s_sample(&s);
    s.env.event_id.len = 15;
    CHECK_STR(s_round_trip(&s.env), "event id is not 16 bytes");
    s.env.event_id.len = 0;
    CHECK_STR(s_round_trip(&s.env), "event id is not 16 bytes");

    s_sample(&s);
    s.env.causation_id.len = 8;
    CHECK_STR(s_round_trip(&s.env), "causation id is not 16 bytes");

    s_sample(&s);
    s.env.producer = "";
    CHECK_STR(s_round_trip(&s.env), "no producer");

    s_sample(&s);
    s.env.body_case = SHOUWEN__V1__ENVELOPE__BODY__NOT_SET;
    s.env.resolved = NULL;
    CHECK_STR(s_round_trip(&s.env), "no body");
    /* Checked before packing: a case with no member is not a body. */
    s_sample(&s);
    s.env.resolved = NULL;
    CHECK_EQ(sw_envelope_check(&s.env, &why), -1);
    CHECK_STR(why, "no body");
}

int main(void)
{
    test_type_table();
    test_round_trip();
    test_rejections();
    SW_TEST_DONE();
}
