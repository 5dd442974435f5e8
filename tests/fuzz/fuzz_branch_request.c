/*  fuzz_branch_request: a branch's bytes, as intake takes them.
    intake unpacks a BranchRequest from an untrusted frame of at most
    INTAKE_MAX_REQUEST bytes, checks it (intake_validate_request, then
    intake_validate_submit, _command or _directory_load by body; a directory
    that passes is parsed, as intake does before it reaches the log) and
    records it.  Beyond "no crash, no leak, no undefined behaviour" this
    target asserts:
      - a rejection names a known reason code and a message;
      - whatever passes is what the checks promise: ids of [A-Za-z0-9._:-],
        known enums, urgency filled in, required text present, valid
        UTF-8 without control characters, bounded lists;
      - a directory either parses or says why;
      - intake_utf8_valid agrees with an independent UTF-8 check;
      - the request as JSON (how the log stores it) is valid JSON;
      - re-packing the request gives the same bytes after a round trip. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "intake_validate.h"
#include "sw_directory.h"
#include "sw_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool s_known_code(const char *code)
{
    static const char *codes[] = {
        INTAKE_MALFORMED,           INTAKE_OVERSIZE,     INTAKE_MISSING_FIELD,
        INTAKE_UNKNOWN_ENUM,        INTAKE_TOO_LONG,     INTAKE_BAD_UTF8,
        INTAKE_BAD_PHONE,           INTAKE_BAD_ID,       INTAKE_REUSED_ID,
        INTAKE_UNSUPPORTED,         INTAKE_UNKNOWN_CASE, INTAKE_BAD_DIRECTORY,
        INTAKE_UNSUPPORTED_VERSION, INTAKE_BAD_TEXT,     INTAKE_BAD_TIME};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

static void s_check_rejection(const intake_rejection_t *why)
{
    FUZZ_ASSERT(why->code && s_known_code(why->code));
    size_t len = strnlen(why->message, sizeof why->message);
    FUZZ_ASSERT(len > 0 && len < sizeof why->message);
}

static void s_check_id(const char *id, bool required)
{
    size_t len = id ? strlen(id) : 0;
    FUZZ_ASSERT(!required || len > 0);
    FUZZ_ASSERT(len <= 64);
    for (size_t i = 0; i < len; i++)
        FUZZ_ASSERT(isalnum((unsigned char)id[i]) || strchr("._:-", id[i]));
}

static void s_check_text(const char *text, bool required)
{
    size_t len = text ? strlen(text) : 0;
    FUZZ_ASSERT(!required || len > 0);
    FUZZ_ASSERT(len == 0 || fuzz_utf8_valid((const uint8_t *)text, len));
    for (size_t i = 0; i < len; i++)
        FUZZ_ASSERT((unsigned char)text[i] >= 0x20 || text[i] == '\n' || text[i] == '\t');
}

static void s_check_accepted_submit(const Shouwen__V1__InquirySubmit *s)
{
    FUZZ_ASSERT(protobuf_c_enum_descriptor_get_value(&shouwen__v1__channel__descriptor,
                                                     (int)s->channel));
    FUZZ_ASSERT(s->channel != 0 && s->kind != 0);
    FUZZ_ASSERT(protobuf_c_enum_descriptor_get_value(
        &shouwen__v1__request_kind__descriptor, (int)s->kind));
    FUZZ_ASSERT(s->urgency == SHOUWEN__V1__URGENCY__URGENCY_NORMAL ||
                s->urgency == SHOUWEN__V1__URGENCY__URGENCY_URGENT);
    FUZZ_ASSERT(s->customer != NULL);
    s_check_text(s->customer->name, true);
    s_check_text(s->customer->unit, false);
    s_check_text(s->customer->address, false);
    s_check_text(s->matter, true);
    s_check_text(s->linked_case_id, false);
    s_check_id(s->category, true);
    s_check_id(s->receiver_staff_id, true);
    s_check_id(s->named_employee_id, false);
    FUZZ_ASSERT(s->received_at_us >= 0);
    const char *phone = s->customer->phone ? s->customer->phone : "";
    int digits = 0;
    for (const char *c = phone; *c; c++)
        digits += isdigit((unsigned char)*c) ? 1 : 0;
    if (s->channel == SHOUWEN__V1__CHANNEL__CHANNEL_PHONE || *phone)
        FUZZ_ASSERT(digits >= 3 && strlen(phone) <= 32);
}

static void s_check_accepted_command(const Shouwen__V1__Command *c)
{
    FUZZ_ASSERT(c->kind != 0 &&
                protobuf_c_enum_descriptor_get_value(
                    &shouwen__v1__command_kind__descriptor, (int)c->kind));
    s_check_text(c->case_id, true);
    FUZZ_ASSERT(strlen(c->case_id) <= 64);
    s_check_id(c->staff_id, true);
    s_check_id(c->to_staff_id, false);
    s_check_id(c->to_department_id, false);
    s_check_text(c->opinion, false);
    s_check_text(c->text, false);
    s_check_text(c->reason, false);
    s_check_text(c->guidance, false);
    s_check_text(c->override_reason, false);
    FUZZ_ASSERT(c->rating <= 5);
    FUZZ_ASSERT(c->n_checklist_attested <= 64 && c->n_assisting_department_ids <= 16);
    for (size_t i = 0; i < c->n_checklist_attested; i++)
        s_check_text(c->checklist_attested[i], true);
    for (size_t i = 0; i < c->n_assisting_department_ids; i++)
        s_check_id(c->assisting_department_ids[i], true);
}

/* As intake: an organisation file is parsed, a calendar read as ZPL. */
static void s_directory_load(const Shouwen__V1__DirectoryLoad *load)
{
    FUZZ_ASSERT(strcmp(load->kind, "organisation") == 0 ||
                strcmp(load->kind, "calendar") == 0);
    s_check_id(load->loaded_by, false);
    FUZZ_ASSERT(load->content.len > 0 && load->content.len <= INTAKE_MAX_REQUEST);
    FUZZ_ASSERT(fuzz_utf8_valid(load->content.data, load->content.len));
    const char *text = (const char *)load->content.data;
    if (strcmp(load->kind, "organisation") == 0) {
        char *error = NULL;
        sw_directory_t *dir = sw_directory_new_from_text(text, load->content.len, &error);
        FUZZ_ASSERT((dir != NULL) != (error != NULL));
        if (dir)
            FUZZ_ASSERT(sw_directory_version(dir) != NULL);
        else
            FUZZ_ASSERT(*error != '\0');
        sw_directory_destroy(&dir);
        free(error);
    } else {
        char *copy = strndup(text, load->content.len);
        FUZZ_ASSERT(copy);
        zconfig_t *cfg = zconfig_str_load(copy);
        zconfig_destroy(&cfg);
        free(copy);
    }
}

static void s_check_json(const ProtobufCMessage *msg)
{
    sw_json_t *json = sw_json_new();
    FUZZ_ASSERT(json);
    sw_json_message(json, msg);
    FUZZ_ASSERT(strlen(sw_json_text(json)) == sw_json_len(json));
    FUZZ_ASSERT(fuzz_json_object_valid(sw_json_text(json), sw_json_len(json)));
    sw_json_destroy(&json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the UTF-8 check on raw bytes, whatever they are */
    FUZZ_ASSERT(intake_utf8_valid((const char *)data, size) ==
                fuzz_utf8_valid(data, size));
    /* the frame as intake takes it: size, protobuf, strings cut by a NUL,
       protocol version, kind of request, envelope fields */
    Shouwen__V1__BranchRequest *req = NULL;
    intake_rejection_t why = {0};
    if (intake_request_decode(data, size, &req, &why) != 0) {
        FUZZ_ASSERT(req == NULL);
        s_check_rejection(&why);
        return 0;
    }
    FUZZ_ASSERT(req != NULL && size <= INTAKE_MAX_REQUEST);
    FUZZ_ASSERT(req->protocol_version <= INTAKE_PROTOCOL);
    fuzz_round_trip(&req->base);
    {
        s_check_id(req->request_id, true);
        s_check_id(req->branch_id, false);
        FUZZ_ASSERT(req->body_case != SHOUWEN__V1__BRANCH_REQUEST__BODY__NOT_SET);
        intake_rejection_t why2 = {0};
        switch (req->body_case) {
        case SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT:
            FUZZ_ASSERT(req->submit != NULL);
            if (intake_validate_submit(req->submit, &why2) != 0)
                s_check_rejection(&why2);
            else
                s_check_accepted_submit(req->submit);
            break;
        case SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND:
            FUZZ_ASSERT(req->command != NULL);
            if (intake_validate_command(req->command, &why2) != 0)
                s_check_rejection(&why2);
            else
                s_check_accepted_command(req->command);
            break;
        case SHOUWEN__V1__BRANCH_REQUEST__BODY_DIRECTORY_LOAD:
            FUZZ_ASSERT(req->directory_load != NULL);
            if (intake_validate_directory_load(req->directory_load, &why2) != 0)
                s_check_rejection(&why2);
            else
                s_directory_load(req->directory_load);
            break;
        default:
            break;
        }
    }
    s_check_json(&req->base);
    fuzz_round_trip(&req->base);
    shouwen__v1__branch_request__free_unpacked(req, NULL);
    return 0;
}
