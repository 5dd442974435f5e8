/*  fuzz_seeds: writes the seed corpora of the decoder fuzz targets.

        fuzz_seeds DIR [organisation=FILE | calendar=FILE]...

    DIR/fuzz_branch_request/ gets branch requests (inquiries of each
    channel, a staff command, queries, a directory load, a few that intake
    rejects, and a load of each FILE given); DIR/fuzz_envelope/ gets
    envelopes of many event types, a Committed, a ReplayReply, a
    ReplayRequest and a Heartbeat.  The files are committed in
    tests/fuzz/corpus; run this again after adding messages to the proto
    (the wire format only grows, so old seeds stay valid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sw_envelope.h"
#include "sw_eventid.h"

static int s_write(const char *dir, const char *sub, const char *name,
                   const ProtobufCMessage *msg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s.bin", dir, sub, name);
    size_t size = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(size ? size : 1);
    protobuf_c_message_pack(msg, buf);
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(buf, 1, size, f) == size ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(buf);
    if (rc != 0)
        perror(path);
    return rc;
}

/* ------------------------------------------------------ branch requests */

static int s_branch_requests(const char *dir)
{
    const char *sub = "fuzz_branch_request";
    int rc = 0;
    Shouwen__V1__Customer customer = SHOUWEN__V1__CUSTOMER__INIT;
    customer.name = "张三";
    customer.phone = "13800000000";
    Shouwen__V1__InquirySubmit submit = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;
    submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    submit.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    submit.customer = &customer;
    submit.matter = "想预订下周的房间";
    submit.category = "room_booking";
    submit.receiver_staff_id = "fo-01";
    submit.received_at_us = 1780000000000000;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = "req-0001";
    req.branch_id = "local";
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    req.submit = &submit;
    rc |= s_write(dir, sub, "submit-phone", &req.base);

    customer.unit = "杭州西湖文化旅游有限公司";
    customer.phone = "+86 (0571) 8700-1000 x12";
    customer.address = "杭州市西湖区北山街 1 号";
    submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_VISIT;
    submit.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT;
    submit.urgency = SHOUWEN__V1__URGENCY__URGENCY_URGENT;
    submit.matter = "房间空调坏了\n已经两天无人处理 😡\t请尽快";
    submit.named_employee_id = "hk-02";
    submit.linked_case_id = "SW-0000-0000-0001";
    req.request_id = "req:0002.visit_a";
    rc |= s_write(dir, sub, "submit-visit-urgent", &req.base);

    customer.phone = "";
    submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_EMAIL;
    submit.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_REPAIR;
    submit.urgency = SHOUWEN__V1__URGENCY__URGENCY_UNSPECIFIED;
    rc |= s_write(dir, sub, "submit-email-no-phone", &req.base);

    customer.phone = "12";
    submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    rc |= s_write(dir, sub, "reject-phone-few-digits", &req.base);
    customer.phone = "13800000000";
    customer.name = "\xed\xa0\x80";
    rc |= s_write(dir, sub, "reject-surrogate-name", &req.base);
    customer.name = "张三";
    submit.channel = (Shouwen__V1__Channel)99;
    rc |= s_write(dir, sub, "reject-unknown-channel", &req.base);
    submit.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    req.branch_id = "bad branch/id";
    rc |= s_write(dir, sub, "reject-bad-branch-id", &req.base);
    req.branch_id = "local";

    Shouwen__V1__Command command = SHOUWEN__V1__COMMAND__INIT;
    static char *assisting[] = {"housekeeping", "engineering"};
    static char *attested[] = {"where", "phone", "materials"};
    command.kind = SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_TRANSFER;
    command.case_id = "SW-7K3M-9QXZ-2B4D";
    command.staff_id = "fo-01";
    command.to_staff_id = "hk-head";
    command.to_department_id = "housekeeping";
    command.opinion = "属客房部职责，请签收";
    command.n_assisting_department_ids = 2;
    command.assisting_department_ids = assisting;
    command.n_checklist_attested = 3;
    command.checklist_attested = attested;
    command.rating = 5;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND;
    req.command = &command;
    rc |= s_write(dir, sub, "command-transfer", &req.base);

    Shouwen__V1__CaseQuery query = SHOUWEN__V1__CASE_QUERY__INIT;
    query.case_id = "SW-7K3M-9QXZ-2B4D";
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY;
    req.case_query = &query;
    rc |= s_write(dir, sub, "case-query", &req.base);

    Shouwen__V1__StatsQuery stats = SHOUWEN__V1__STATS_QUERY__INIT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS;
    req.stats = &stats;
    rc |= s_write(dir, sub, "stats", &req.base);

    static uint8_t content[] = "directory\n    version = \"hotel-2026.1\"\n";
    Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
    load.kind = "organisation";
    load.content.data = content;
    load.content.len = sizeof content - 1;
    load.loaded_by = "admin-01";
    load.file_name = "hotel.conf";
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD;
    req.directory_load = &load;
    rc |= s_write(dir, sub, "directory-load", &req.base);
    return rc;
}

/* ------------------------------------------------------------ envelopes */

static void s_envelope(sw_envelope_t *env, const char *name, uint64_t seq)
{
    static uint8_t ids[64][SW_EVENTID_SIZE];
    uint8_t *id = ids[seq % 64];
    sw_eventid_make(id, "fuzz", name, strlen(name));
    env->event_id.data = id;
    env->event_id.len = SW_EVENTID_SIZE;
    env->type = (char *)sw_envelope_type_for(env->body_case);
    env->case_id = "SW-7K3M-9QXZ-2B4D";
    env->producer = "router";
    env->producer_seq = seq;
    env->occurred_at_us = 1780000000000000 + (int64_t)seq;
    env->actor = "router";
}

static int s_envelopes(const char *dir)
{
    const char *sub = "fuzz_envelope";
    int rc = 0;
    static uint8_t cause[SW_EVENTID_SIZE];
    sw_eventid_make(cause, "fuzz", "cause", 5);

    Shouwen__V1__Customer customer = SHOUWEN__V1__CUSTOMER__INIT;
    customer.name = "张三";
    customer.phone = "13800000000";
    customer.unit = "\"quoted\" \\ unit";
    Shouwen__V1__InquiryReceived inquiry = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    inquiry.branch_id = "local";
    inquiry.request_id = "req-0001";
    inquiry.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    inquiry.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    inquiry.customer = &customer;
    inquiry.matter = "想预订下周的房间 🏨";
    inquiry.category = "room_booking";
    inquiry.urgency = SHOUWEN__V1__URGENCY__URGENCY_NORMAL;
    inquiry.receiver_staff_id = "fo-01";
    inquiry.received_at_us = 1780000000000000;
    static uint8_t digest[32] = {1, 2, 3};
    inquiry.request_digest.data = digest;
    inquiry.request_digest.len = sizeof digest;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
    env.inquiry_received = &inquiry;
    s_envelope(&env, "inquiry", 1);
    env.producer = "intake";
    rc |= s_write(dir, sub, "inquiry-received", &env.base);

    /* kept for the Committed and ReplayReply seeds below */
    size_t inquiry_size = protobuf_c_message_get_packed_size(&env.base);
    uint8_t *inquiry_bytes = malloc(inquiry_size);
    protobuf_c_message_pack(&env.base, inquiry_bytes);

    static char *departments[] = {"front_office", "housekeeping", "engineering"};
    Shouwen__V1__Routed routed = SHOUWEN__V1__ROUTED__INIT;
    routed.disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_SEVERAL_DEPARTMENTS;
    routed.natural_owner_id = "fo-01";
    routed.factual_owner_id = "fo-01";
    routed.handler_id = "hk-head";
    routed.department_id = "housekeeping";
    routed.n_department_ids = 3;
    routed.department_ids = departments;
    routed.order_known = 1;
    routed.notification = "请到主楼大堂一层前厅部，电话 0571-8700-1001，带身份证";
    routed.directory_version = "hotel-2026.1";
    sw_envelope_t env2 = SHOUWEN__V1__ENVELOPE__INIT;
    env2.body_case = SHOUWEN__V1__ENVELOPE__BODY_ROUTED;
    env2.routed = &routed;
    s_envelope(&env2, "routed", 2);
    env2.case_version = 1;
    env2.causation_id.data = cause;
    env2.causation_id.len = SW_EVENTID_SIZE;
    rc |= s_write(dir, sub, "case-routed", &env2.base);

    Shouwen__V1__Handoff handoff = SHOUWEN__V1__HANDOFF__INIT;
    handoff.from_staff_id = "fo-01";
    handoff.from_department_id = "front_office";
    handoff.to_staff_id = "hk-head";
    handoff.to_department_id = "housekeeping";
    handoff.sender_signer_id = "fo-01";
    handoff.sender_signed_at_us = 1780000000000000;
    handoff.opinion = "属客房部职责";
    handoff.hop = 1;
    Shouwen__V1__Transferred transferred = SHOUWEN__V1__TRANSFERRED__INIT;
    transferred.handoff = &handoff;
    transferred.reason = "scope";
    sw_envelope_t env3 = SHOUWEN__V1__ENVELOPE__INIT;
    env3.body_case = SHOUWEN__V1__ENVELOPE__BODY_TRANSFERRED;
    env3.transferred = &transferred;
    s_envelope(&env3, "transferred", 3);
    env3.case_version = 2;
    rc |= s_write(dir, sub, "case-transferred", &env3.base);

    Shouwen__V1__DeadlineSet deadline = SHOUWEN__V1__DEADLINE_SET__INIT;
    deadline.kind = SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY;
    deadline.due_at_us = 1780086400000000;
    deadline.warn_at_us = 1780064800000000;
    deadline.holder_staff_id = "fo-01";
    deadline.department_id = "front_office";
    deadline.policy = "R11 reply 1 working day";
    deadline.trigger_event_id.data = cause;
    deadline.trigger_event_id.len = SW_EVENTID_SIZE;
    sw_envelope_t env4 = SHOUWEN__V1__ENVELOPE__INIT;
    env4.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
    env4.deadline_set = &deadline;
    s_envelope(&env4, "deadline", 4);
    env4.producer = "sla";
    rc |= s_write(dir, sub, "sla-deadline-set", &env4.base);

    Shouwen__V1__Escalated escalated = SHOUWEN__V1__ESCALATED__INIT;
    escalated.level = SHOUWEN__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_QA_OFFICE;
    escalated.to_staff_id = "qa-01";
    escalated.department_id = "housekeeping";
    escalated.reason = "breach";
    escalated.conflict = 1;
    escalated.cause_event_id.data = cause;
    escalated.cause_event_id.len = SW_EVENTID_SIZE;
    sw_envelope_t env5 = SHOUWEN__V1__ENVELOPE__INIT;
    env5.body_case = SHOUWEN__V1__ENVELOPE__BODY_ESCALATED;
    env5.escalated = &escalated;
    s_envelope(&env5, "escalated", 5);
    rc |= s_write(dir, sub, "case-escalated", &env5.base);

    static char *attested[] = {"where", "phone"};
    Shouwen__V1__Replied replied = SHOUWEN__V1__REPLIED__INIT;
    replied.text = "已为您预订，\u6b22\u8fce\u5165\u4f4f\u3002\x01 control";
    replied.n_checklist_attested = 2;
    replied.checklist_attested = attested;
    sw_envelope_t env6 = SHOUWEN__V1__ENVELOPE__INIT;
    env6.body_case = SHOUWEN__V1__ENVELOPE__BODY_REPLIED;
    env6.replied = &replied;
    s_envelope(&env6, "replied", 6);
    rc |= s_write(dir, sub, "case-replied", &env6.base);

    Shouwen__V1__CommandRejected rejected = SHOUWEN__V1__COMMAND_REJECTED__INIT;
    rejected.code = "OPINION_REQUIRED";
    rejected.message = "an opinion is required to return a case";
    rejected.command_event_id.data = cause;
    rejected.command_event_id.len = SW_EVENTID_SIZE;
    sw_envelope_t env7 = SHOUWEN__V1__ENVELOPE__INIT;
    env7.body_case = SHOUWEN__V1__ENVELOPE__BODY_COMMAND_REJECTED;
    env7.command_rejected = &rejected;
    s_envelope(&env7, "rejected", 7);
    rc |= s_write(dir, sub, "command-rejected", &env7.base);

    static uint8_t content[] = "directory\n    version = \"hotel-2026.1\"\n\0\xff";
    Shouwen__V1__DirectoryLoaded loaded = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    loaded.kind = "organisation";
    loaded.version = "hotel-2026.1";
    loaded.content.data = content;
    loaded.content.len = sizeof content - 1;
    loaded.digest.data = digest;
    loaded.digest.len = sizeof digest;
    loaded.loaded_by = "admin-01";
    sw_envelope_t env8 = SHOUWEN__V1__ENVELOPE__INIT;
    env8.body_case = SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED;
    env8.directory_loaded = &loaded;
    s_envelope(&env8, "directory", 8);
    env8.case_id = "";
    env8.producer = "intake";
    rc |= s_write(dir, sub, "directory-loaded", &env8.base);

    Shouwen__V1__ViolationRecorded violation = SHOUWEN__V1__VIOLATION_RECORDED__INIT;
    violation.type = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_LATE_TRANSFER;
    violation.staff_id = "fo-01";
    violation.department_id = "front_office";
    violation.penalty_yuan = 50;
    violation.occurrence_in_month = 2;
    violation.self_criticism = 1;
    violation.rule = "R10";
    sw_envelope_t env9 = SHOUWEN__V1__ENVELOPE__INIT;
    env9.body_case = SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED;
    env9.violation_recorded = &violation;
    s_envelope(&env9, "violation", 9);
    env9.producer = "sla";
    rc |= s_write(dir, sub, "violation-recorded", &env9.base);

    Shouwen__V1__Committed committed = SHOUWEN__V1__COMMITTED__INIT;
    committed.position = 42;
    committed.case_version = 1;
    committed.committed_at_us = 1780000000000100;
    committed.envelope.data = inquiry_bytes;
    committed.envelope.len = inquiry_size;
    rc |= s_write(dir, sub, "committed", &committed.base);

    Shouwen__V1__Committed committed2 = committed;
    committed2.position = 43;
    Shouwen__V1__Committed *events[] = {&committed, &committed2};
    Shouwen__V1__ReplayReply reply = SHOUWEN__V1__REPLAY_REPLY__INIT;
    reply.n_events = 2;
    reply.events = events;
    reply.head_position = 43;
    rc |= s_write(dir, sub, "replay-reply", &reply.base);

    Shouwen__V1__ReplayRequest ask = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    ask.from_position = 42;
    ask.max_events = 500;
    ask.case_id = "SW-7K3M-9QXZ-2B4D";
    ask.tag = 7;
    rc |= s_write(dir, sub, "replay-request", &ask.base);

    Shouwen__V1__Heartbeat heartbeat = SHOUWEN__V1__HEARTBEAT__INIT;
    heartbeat.head_position = 43;
    rc |= s_write(dir, sub, "heartbeat", &heartbeat.base);
    free(inquiry_bytes);
    return rc;
}

/* A directory load request carrying a real file, "kind=path". */
static int s_directory_file(const char *dir, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL) {
        fprintf(stderr, "fuzz_seeds: expected organisation=FILE or calendar=FILE: %s\n",
                arg);
        return -1;
    }
    FILE *f = fopen(eq + 1, "rb");
    static uint8_t content[60 * 1024];
    size_t len = f ? fread(content, 1, sizeof content, f) : 0;
    if (f == NULL || ferror(f) || !feof(f)) {
        fprintf(stderr, "fuzz_seeds: cannot read %s (or larger than 60 KiB)\n", eq + 1);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    char kind[32], name[128];
    snprintf(kind, sizeof kind, "%.*s", (int)(eq - arg), arg);
    const char *base = strrchr(eq + 1, '/') ? strrchr(eq + 1, '/') + 1 : eq + 1;
    Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
    load.kind = kind;
    load.content.data = content;
    load.content.len = len;
    load.loaded_by = "admin-01";
    load.file_name = (char *)base;
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = "load-0001";
    req.branch_id = "hq";
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD;
    req.directory_load = &load;
    snprintf(name, sizeof name, "directory-load-%s-%s", kind, base);
    return s_write(dir, "fuzz_branch_request", name, &req.base);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_seeds DIR [organisation=FILE | calendar=FILE]...\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    int rc = s_branch_requests(argv[1]) | s_envelopes(argv[1]);
    for (int i = 2; i < argc; i++)
        rc |= s_directory_file(argv[1], argv[i]);
    return rc ? 1 : 0;
}
