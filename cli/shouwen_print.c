/*  shouwen_print: how the CLI prints the hub's answers: a case's timeline
    (each event's time in the organisation's zone and the hub's one Chinese
    summary) and any other reply, as text or JSON. */
#include "shouwen_print.h"

#include <inttypes.h>
#include <time.h>

#include "sw_envelope.h"
#include "sw_json.h"

static void s_when(int64_t us, char *buf, size_t size)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    /* in the organisation's zone (main sets it), the zone written out:
       "2026-03-02 09:00 +08:00" */
    char zone[8];
    localtime_r(&t, &tm);
    strftime(zone, sizeof zone, "%z", &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    snprintf(buf, size, "%s %.3s:%.2s", date, zone, zone + 3);
}

/* The case's timeline for branch staff (or JSON for scripts). */
void shouwen_print_timeline(const Shouwen__V1__BranchReply *reply, bool json)
{
    sw_json_t *j = sw_json_new();
    if (json)
        printf("[");
    for (size_t i = 0; i < reply->n_timeline; i++) {
        const Shouwen__V1__Committed *c = reply->timeline[i];
        const char *why = NULL;
        sw_envelope_t *env = sw_envelope_decode(c->envelope.data, c->envelope.len, &why);
        if (!env)
            continue;
        char when[40];
        s_when(env->occurred_at_us, when, sizeof when);
        if (json) {
            const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
                env->base.descriptor, env->body_case);
            sw_json_reset(j);
            sw_json_message(
                j, f ? *(const ProtobufCMessage *const *)((const char *)env + f->offset)
                     : NULL);
            sw_json_t *line = sw_json_new();
            sw_json_string(line, c->summary);
            printf("%s{\"position\":%" PRIu64 ",\"case_version\":%" PRIu64
                   ",\"occurred_at_us\":%" PRId64
                   ",\"type\":\"%s\",\"actor\":\"%s\",\"summary\":%s,\"body\":%s}",
                   i ? "," : "", c->position, c->case_version, env->occurred_at_us,
                   env->type, env->actor, sw_json_text(line), sw_json_text(j));
            sw_json_destroy(&line);
        } else {
            /* the one summary of an event: the hub's (SQL event_summary_zh) */
            printf("%6" PRIu64 "  %s  %-20s %-8s %s\n", c->position, when, env->type,
                   env->actor, *c->summary ? c->summary : "-");
        }
        sw_envelope_free(env);
    }
    if (json)
        printf("]\n");
    sw_json_destroy(&j);
}

void shouwen_print_reply(const Shouwen__V1__BranchReply *reply, bool json)
{
    if (json) {
        sw_json_t *j = sw_json_new();
        sw_json_message(j, &reply->base);
        printf("%s\n", sw_json_text(j));
        sw_json_destroy(&j);
    } else if (reply->n_counters) {
        for (size_t i = 0; i < reply->n_counters; i++)
            printf("%-28s %" PRIu64 "\n", reply->counters[i]->name,
                   reply->counters[i]->value);
    } else
        printf("%s\n", reply->case_id);
}
