/*  branch_api: the web desk's JSON routes (docs/desk.md).  Every route
    but sign-in needs a session; every POST needs the session's CSRF token
    in X-CSRF-Token and a JSON body.  The acting staff member is always the
    signed-in one: no route takes a staff id for whom to act. */
#include <sodium.h>

#include "branch_desk_int.h"
#include "intake_validate.h"
#include "sw_log.h"

#define S_COOKIE        "shouwen_desk"
#define S_FAIL_MAX      5     /* failed sign-ins of one staff id ... */
#define S_FAIL_WINDOW_S 300.0 /* ... within this long, then 429 */
#define S_QUERY_WAIT_S  8.0   /* a query waits this long for the hub */

/* ------------------------------------------------------------ helpers */

static sw_directory_t *s_dir(desk_req_t *r)
{
    return branch_server_directory(r->desk->server);
}

static const char *s_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static int64_t s_now_us(desk_req_t *r)
{
    return sw_clock_now_us(r->desk->clock);
}

/* A request id from the page: [A-Za-z0-9._:-], 1..64. */
static bool s_good_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._:-", *p))
            return false;
    return true;
}

/* The codes the branch or intake give in English, as a clerk reads them;
   router's refusals (R13, R24, R6 ...) are Chinese already. */
static const char *s_code_zh(const char *code)
{
    static const char *const table[][2] = {
        {INTAKE_MISSING_FIELD, "有必填项没有填写"},
        {INTAKE_BAD_PHONE, "电话号码格式不正确"},
        {INTAKE_TOO_LONG, "填写的内容过长"},
        {INTAKE_BAD_UTF8, "内容含有无法识别的字符"},
        {INTAKE_BAD_TEXT, "内容含有不可见或控制字符"},
        {INTAKE_BAD_ID, "编号格式不正确"},
        {INTAKE_UNKNOWN_ENUM, "选项不在可选范围内"},
        {INTAKE_REUSED_ID, "该请求号已用于另一项登记，请刷新页面后重新提交"},
        {INTAKE_NOT_AUTHORIZED, "本网点无权办理或查看此案件"},
        {INTAKE_STAFF_NOT_AT_BRANCH, "该员工不在本网点"},
        {"UNKNOWN_STAFF", "组织机构中没有这名员工"},
        {INTAKE_NO_DIRECTORY, "总部尚未载入组织机构"},
        {INTAKE_UNKNOWN_CASE, "没有这个案件"},
        {INTAKE_BAD_TIME, "登记时间不合理"},
        {"HUB_UNREACHABLE", "暂时联系不上总部，请稍后再试"},
        {"HUB_NOT_READY", "总部正在启动，请稍后再试"},
        {"SPOOL_FAILED", "网点未能记录，请再次提交"},
        {"BRANCH_BUSY", "网点繁忙，请稍后再试"},
        {"TIMEOUT", "总部暂时没有应答，请稍后再试"},
        {NULL, NULL}};
    for (size_t i = 0; code && table[i][0]; i++)
        if (streq(table[i][0], code))
            return table[i][1];
    return NULL;
}

/* The field an English refusal names, as the form labels it. */
static const char *s_field_zh(const char *message)
{
    static const char *const table[][2] = {
        {"customer.phone", "客户电话"},
        {"customer.name", "客户姓名"},
        {"customer.unit", "单位"},
        {"customer.address", "地址"},
        {"override_reason", "使用忌语的理由"},
        {"to_department_id", "转往部门"},
        {"to_staff_id", "转往人员"},
        {"opinion", "意见（退回、转送须签注明确意见，R13）"},
        {"guidance", "解释指导内容（R6）"},
        {"matter", "事项"},
        {"category", "事项分类"},
        {"reason", "理由"},
        {"text", "内容"},
        {"rating", "满意度评分"},
        {"channel", "渠道"},
        {"urgency", "紧急程度"},
        {"kind", "类别"},
        {NULL, NULL}};
    for (size_t i = 0; message && table[i][0]; i++)
        if (strstr(message, table[i][0]))
            return table[i][1];
    return NULL;
}

static bool s_ascii(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

/* The page's message for a reply: the hub's when it is Chinese, else the
   code's Chinese with the original kept beside it in `detail`. */
static json_t *s_message(json_t *o, const Shouwen__V1__BranchReply *reply)
{
    const char *zh = s_code_zh(reply->code);
    if (*reply->message && !s_ascii(reply->message))
        json_object_set_new(o, "message", json_string(reply->message));
    else {
        const char *field = s_field_zh(reply->message);
        char text[512];
        snprintf(text, sizeof text, "%s%s%s",
                 zh             ? zh
                 : *reply->code ? reply->code
                                : "未能办理",
                 field ? "：" : "", field ? field : "");
        json_object_set_new(o, "message", json_string(text));
        if (*reply->message)
            json_object_set_new(o, "detail", json_string(reply->message));
    }
    return o;
}

static unsigned s_http_status(Shouwen__V1__ReplyStatus status)
{
    switch (status) {
    case SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK:
        return 200;
    case SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED:
        return 202;
    case SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED:
        return 422;
    default:
        return 503;
    }
}

/* An outcome as the pages and the `spool` event carry it. */
static json_t *s_outcome(const Shouwen__V1__BranchReply *reply)
{
    static const char *const names[] = {"retry", "ok", "rejected", "retry", "spooled"};
    unsigned st = reply->status < 5 ? (unsigned)reply->status : 3;
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "request_id", reply->request_id,
                          "status", names[st], "case_id", reply->case_id, "position",
                          (json_int_t)reply->position, "code", reply->code);
    if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK)
        json_object_set_new(o, "message", json_string("已提交，总部已确认"));
    else if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED)
        json_object_set_new(
            o, "message",
            json_string("已在本网点登记，等待总部确认（网点与总部恢复连接后自动"
                        "送达，不会丢失）"));
    else
        s_message(o, reply);
    return o;
}

/* ------------------------------------------------------------ sessions */

static bool s_at_branch(desk_req_t *r, const char *staff)
{
    sw_directory_t *dir = s_dir(r);
    const char *at = dir ? sw_directory_staff(dir, staff, "branch") : NULL;
    return at && streq(at, branch_server_branch_id(r->desk->server));
}

/* The session of the request's cookie; false (answered) when there is none. */
static bool s_signed_in(desk_req_t *r)
{
    const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, S_COOKIE);
    if (!token || branch_store_session_get(r->desk->store, token, s_now_us(r), r->staff,
                                           sizeof r->staff, r->csrf) != 1)
        return false;
    sw_directory_t *dir = s_dir(r);
    const char *dept = dir ? sw_directory_staff(dir, r->staff, "department") : NULL;
    snprintf(r->department, sizeof r->department, "%s", dept ? dept : "");
    return !dir || s_at_branch(r, r->staff);
}

/* POSTs carry the session's CSRF token and JSON (a cross-site form can do
   neither). */
static bool s_csrf_ok(desk_req_t *r)
{
    const char *token =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    const char *type =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    return token && strlen(token) == strlen(r->csrf) &&
           sodium_memcmp(token, r->csrf, strlen(r->csrf)) == 0 && type &&
           strncmp(type, "application/json", 16) == 0;
}

static json_t *s_me(desk_req_t *r)
{
    sw_directory_t *dir = s_dir(r);
    const char *branch = branch_server_branch_id(r->desk->server);
    const char *name = dir ? sw_directory_staff(dir, r->staff, "name") : NULL;
    const char *dname = dir && *r->department
                            ? sw_directory_department(dir, r->department, "name")
                            : NULL;
    const char *bname = dir ? sw_directory_branch_name(dir, branch) : NULL;
    const char *org = dir ? sw_directory_organisation(dir) : NULL;
    const char *tz = r->desk->tz;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "staff_id",
                     r->staff, "name", name ? name : r->staff, "department_id",
                     r->department, "department_name", dname ? dname : r->department,
                     "branch_id", branch, "branch_name", bname ? bname : branch,
                     "organisation", org ? org : "", "csrf", r->csrf, "tz", tz, "tz_name",
                     streq(tz, "Asia/Shanghai") ? "北京时间" : tz);
}

static enum MHD_Result s_login(desk_req_t *r, json_t *in)
{
    branch_desk_t *self = r->desk;
    const char *staff = s_str(in, "staff_id");
    const char *password = s_str(in, "password");
    const char *type =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (!type || strncmp(type, "application/json", 16) != 0)
        return desk_error(r, 403, "CSRF", "请从工作台页面登录");
    if (!s_dir(r))
        return desk_error(r, 503, "NO_DIRECTORY", "尚未从总部取得组织机构，请稍后再试");
    if (!*staff || strlen(staff) > 64)
        return desk_error(r, 401, "BAD_LOGIN", "工号或密码不正确");
    double now = ev_now(self->loop);
    char *fail = (char *)zhashx_lookup(self->failures, staff);
    int count = 0;
    double since = now;
    if (fail && sscanf(fail, "%d %lf", &count, &since) == 2 &&
        now - since < S_FAIL_WINDOW_S && count >= S_FAIL_MAX)
        return desk_error(r, 429, "TOO_MANY", "登录失败次数过多，请 5 分钟后再试");
    if (!s_at_branch(r, staff) ||
        !branch_store_account_check(self->store, staff, password)) {
        if (!fail || now - since >= S_FAIL_WINDOW_S)
            count = 0, since = now;
        zhashx_update(self->failures, staff, zsys_sprintf("%d %f", count + 1, since));
        sw_info("desk: failed sign-in for '%s'", staff);
        return desk_error(r, 401, "BAD_LOGIN", "工号或密码不正确");
    }
    zhashx_delete(self->failures, staff);
    char token[BRANCH_TOKEN_LEN + 1];
    int64_t now_us = s_now_us(r);
    if (branch_store_session_new(self->store, staff, now_us + self->session_us, token,
                                 r->csrf, now_us) != 0)
        return desk_error(r, 503, "STORE", "网点暂时无法登录，请稍后再试");
    snprintf(r->staff, sizeof r->staff, "%s", staff);
    const char *dept = sw_directory_staff(s_dir(r), staff, "department");
    snprintf(r->department, sizeof r->department, "%s", dept ? dept : "");
    snprintf(r->set_cookie, sizeof r->set_cookie,
             S_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
             (long long)(self->session_us / 1000000), self->tls ? "; Secure" : "");
    sw_info("desk: %s signed in", staff);
    return desk_json(r, 200, s_me(r));
}

static enum MHD_Result s_logout(desk_req_t *r)
{
    branch_store_session_delete(
        r->desk->store, MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, S_COOKIE));
    snprintf(r->set_cookie, sizeof r->set_cookie,
             S_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             r->desk->tls ? "; Secure" : "");
    return desk_json(r, 200, json_object());
}

/* ------------------------------------------------------- spooled requests */

/* The outcome of an inquiry or an action: the hub's, or SPOOLED after the
   wait (then a `spool` event follows). */
static void s_on_outcome(desk_req_t *r, const Shouwen__V1__BranchReply *reply)
{
    if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED &&
        desk_wait_settle(r, reply->request_id)) {
        /* keep the SPOOLED answer for the wait's end */
        json_decref(r->answer);
        r->answer = NULL;
        return;
    }
    desk_finish(r, s_http_status(reply->status), s_outcome(reply));
}

static void s_on_outcome_timeout(desk_req_t *r)
{
    branch_spool_entry_t e;
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = r->settle_key;
    reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_SPOOLED;
    if (branch_server_lookup(r->desk->server, r->settle_key, &e) == 1)
        reply.case_id = e.case_id;
    desk_finish(r, 202, s_outcome(&reply));
}

static enum MHD_Result s_spooled(desk_req_t *r, Shouwen__V1__BranchRequest *req,
                                 const char *case_id, const char *kind)
{
    int64_t added = 0;
    int rc = branch_store_request_add(r->desk->store, req->request_id, r->staff, case_id,
                                      kind, s_now_us(r), &added);
    if (rc < 0)
        return desk_error(r, 503, "STORE", "网点未能记录，请再次提交");
    if (rc == 1)
        return desk_error(r, 422, INTAKE_REUSED_ID, s_code_zh(INTAKE_REUSED_ID));
    if (req->body_case == SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT)
        req->submit->received_at_us = added; /* a resend is the same request */
    r->on_timeout = s_on_outcome_timeout;
    return desk_ask(r, req, s_on_outcome, r->desk->wait_s);
}

static int s_enum(json_t *in, const char *key, const ProtobufCEnumDescriptor *d, int def)
{
    const char *v = s_str(in, key);
    if (!*v)
        return def;
    int value = branch_view_enum_value(d, v);
    return value < 0 ? -1 : value;
}

static enum MHD_Result s_inquiry(desk_req_t *r, json_t *in)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__InquirySubmit submit = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;
    Shouwen__V1__Customer customer = SHOUWEN__V1__CUSTOMER__INIT;
    const char *request_id = s_str(in, "request_id");
    if (!s_good_id(request_id))
        return desk_error(r, 400, "BAD_REQUEST_ID", "请求号缺失或格式不正确，请刷新页面");
    int channel = s_enum(in, "channel", &shouwen__v1__channel__descriptor, -1);
    int kind = s_enum(in, "kind", &shouwen__v1__request_kind__descriptor, -1);
    int urgency = s_enum(in, "urgency", &shouwen__v1__urgency__descriptor,
                         SHOUWEN__V1__URGENCY__URGENCY_NORMAL);
    if (channel <= 0 || kind <= 0 || urgency <= 0)
        return desk_error(r, 422, INTAKE_UNKNOWN_ENUM, "请选择渠道、类别和紧急程度");
    customer.unit = (char *)s_str(in, "unit");
    customer.name = (char *)s_str(in, "name");
    customer.phone = (char *)s_str(in, "phone");
    submit.customer = &customer;
    submit.matter = (char *)s_str(in, "matter");
    submit.category = (char *)s_str(in, "category");
    submit.channel = channel;
    submit.kind = kind;
    submit.urgency = urgency;
    submit.receiver_staff_id = r->staff; /* the person first asked: who signed in */
    submit.named_employee_id = (char *)s_str(in, "named_employee_id");
    submit.linked_case_id = (char *)s_str(in, "linked_case_id");
    req.request_id = (char *)request_id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    req.submit = &submit;
    return s_spooled(r, &req, "", "inquiry");
}

static enum MHD_Result s_action(desk_req_t *r, const char *case_id, json_t *in)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__Command c = SHOUWEN__V1__COMMAND__INIT;
    const char *request_id = s_str(in, "request_id");
    if (!s_good_id(request_id))
        return desk_error(r, 400, "BAD_REQUEST_ID", "请求号缺失或格式不正确，请刷新页面");
    int kind = s_enum(in, "kind", &shouwen__v1__command_kind__descriptor, -1);
    if (kind <= 0)
        return desk_error(r, 422, INTAKE_UNKNOWN_ENUM, "不认识的操作");
    c.kind = kind;
    c.case_id = (char *)case_id;
    c.staff_id = r->staff; /* the signed-in person signs */
    c.to_staff_id = (char *)s_str(in, "to_staff_id");
    c.to_department_id = (char *)s_str(in, "to_department_id");
    c.opinion = (char *)s_str(in, "opinion");
    c.text = (char *)s_str(in, "text");
    c.reason = (char *)s_str(in, "reason");
    c.guidance = (char *)s_str(in, "guidance");
    c.override_reason = (char *)s_str(in, "override_reason");
    c.phrase_override = json_is_true(json_object_get(in, "phrase_override"));
    c.reached = json_is_true(json_object_get(in, "reached"));
    json_int_t rating = json_integer_value(json_object_get(in, "rating"));
    c.rating = rating > 0 && rating <= 5 ? (uint32_t)rating : 0;
    char *attested[32], *assisting[16];
    json_t *list = json_object_get(in, "checklist_attested");
    for (size_t i = 0; json_is_array(list) && i < json_array_size(list) && i < 32; i++)
        if (json_is_string(json_array_get(list, i)))
            attested[c.n_checklist_attested++] =
                (char *)json_string_value(json_array_get(list, i));
    c.checklist_attested = attested;
    list = json_object_get(in, "assisting_department_ids");
    for (size_t i = 0; json_is_array(list) && i < json_array_size(list) && i < 16; i++)
        if (json_is_string(json_array_get(list, i)))
            assisting[c.n_assisting_department_ids++] =
                (char *)json_string_value(json_array_get(list, i));
    c.assisting_department_ids = assisting;
    req.request_id = (char *)request_id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_COMMAND;
    req.command = &c;
    return s_spooled(r, &req, case_id, s_str(in, "kind"));
}

/* --------------------------------------------------------------- queries */

static void s_query_id(desk_req_t *r, char *buf, size_t size)
{
    snprintf(buf, size, "desk-%s-%08x%08x", r->staff, randombytes_random(),
             randombytes_random());
}

static bool s_failed(desk_req_t *r, const Shouwen__V1__BranchReply *reply)
{
    if (reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK)
        return false;
    json_t *o = json_pack(
        "{s:s, s:s}", "error", *reply->code ? reply->code : "FAILED", "status",
        reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED ? "rejected"
                                                                          : "retry");
    desk_finish(r, s_http_status(reply->status), s_message(o, reply));
    return true;
}

static void s_on_cases(desk_req_t *r, const Shouwen__V1__BranchReply *reply)
{
    if (s_failed(r, reply))
        return;
    json_t *cases = json_array();
    for (size_t i = 0; i < reply->n_cases; i++)
        json_array_append_new(cases, branch_view_case(s_dir(r), reply->cases[i]));
    desk_finish(r, 200,
                json_pack("{s:o, s:s}", "cases", cases, "message", reply->message));
}

static enum MHD_Result s_cases(desk_req_t *r, const char *what)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__InboxQuery inbox = SHOUWEN__V1__INBOX_QUERY__INIT;
    Shouwen__V1__QueueQuery queue = SHOUWEN__V1__QUEUE_QUERY__INIT;
    Shouwen__V1__DueQuery due = SHOUWEN__V1__DUE_QUERY__INIT;
    Shouwen__V1__FindQuery find = SHOUWEN__V1__FIND_QUERY__INIT;
    char id[128];
    s_query_id(r, id, sizeof id);
    req.request_id = id;
    if (streq(what, "inbox")) {
        inbox.staff_id = r->staff;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_INBOX;
        req.inbox = &inbox;
    } else if (streq(what, "queue")) {
        queue.department_id = r->department;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_QUEUE;
        req.queue = &queue;
    } else if (streq(what, "due")) {
        const char *within =
            MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "within");
        due.within_minutes = within ? (uint32_t)atoi(within) : 60;
        due.callbacks_only = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
                                                         "callbacks") != NULL;
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_DUE;
        req.due = &due;
    } else {
        const char *phone =
            MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "phone");
        const char *case_id =
            MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "case_id");
        find.phone = (char *)(phone ? phone : "");
        find.case_id = (char *)(case_id ? case_id : "");
        req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_FIND;
        req.find = &find;
    }
    return desk_ask(r, &req, s_on_cases, S_QUERY_WAIT_S);
}

/* A case page: its timeline (a case query), then its summary (find). */
static void s_on_case_summary(desk_req_t *r, const Shouwen__V1__BranchReply *reply)
{
    json_t *page = r->answer; /* the timeline, kept while the summary came */
    r->answer = NULL;
    json_t *c =
        reply->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK && reply->n_cases
            ? branch_view_case(s_dir(r), reply->cases[0])
            : json_null();
    json_object_set_new(page, "case", c);
    desk_finish(r, 200, page);
}

static void s_on_timeline(desk_req_t *r, const Shouwen__V1__BranchReply *reply)
{
    if (s_failed(r, reply))
        return;
    json_t *timeline = json_array();
    for (size_t i = 0; i < reply->n_timeline; i++) {
        json_t *entry = branch_view_timeline(s_dir(r), reply->timeline[i]);
        if (entry)
            json_array_append_new(timeline, entry);
    }
    r->answer = json_pack("{s:s, s:o}", "case_id", r->case_id, "timeline", timeline);
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__FindQuery find = SHOUWEN__V1__FIND_QUERY__INIT;
    char id[128];
    s_query_id(r, id, sizeof id);
    find.case_id = r->case_id;
    req.request_id = id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_FIND;
    req.find = &find;
    desk_reask(r, &req, s_on_case_summary);
}

static enum MHD_Result s_case(desk_req_t *r, const char *case_id)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    Shouwen__V1__CaseQuery query = SHOUWEN__V1__CASE_QUERY__INIT;
    char id[128];
    s_query_id(r, id, sizeof id);
    snprintf(r->case_id, sizeof r->case_id, "%s", case_id);
    query.case_id = r->case_id;
    query.time_zone = r->desk->tz; /* the summaries' times as the page shows times */
    req.request_id = id;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_CASE_QUERY;
    req.case_query = &query;
    return desk_ask(r, &req, s_on_timeline, S_QUERY_WAIT_S);
}

/* What the branch has not yet had confirmed, and the person's own requests. */
static void s_mine(const char *request_id, const char *case_id, const char *kind,
                   int64_t added_us, void *arg)
{
    desk_req_t *r = (desk_req_t *)arg;
    json_t *list = json_object_get(r->answer, "requests");
    branch_spool_entry_t e;
    static const char *const states[] = {"pending", "confirmed", "rejected"};
    int found = branch_server_lookup(r->desk->server, request_id, &e);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "request_id", request_id,
                          "case_id", found == 1 && *e.case_id ? e.case_id : case_id,
                          "kind", kind, "added_at_us", (json_int_t)added_us, "state",
                          found == 1 && e.state <= 2 ? states[e.state] : "unknown");
    if (found == 1 && e.state == BRANCH_SPOOL_REJECTED) {
        Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
        reply.code = e.code;
        reply.message = e.message;
        json_object_set_new(o, "code", json_string(e.code));
        s_message(o, &reply);
    }
    json_array_append_new(list, o);
}

static enum MHD_Result s_spool(desk_req_t *r)
{
    r->answer = json_pack("{s:I, s:b, s:[]}", "pending",
                          (json_int_t)branch_server_pending(r->desk->server), "hub_up",
                          branch_server_hub_up(r->desk->server), "requests");
    branch_store_requests_of(r->desk->store, r->staff, 50, s_mine, r);
    json_t *page = r->answer;
    r->answer = NULL;
    return desk_json(r, 200, page);
}

/* ---------------------------------------------------------------- events */

static bool s_for(const desk_stream_t *s, const Shouwen__V1__Notification *n)
{
    for (size_t i = 0; i < n->n_staff_ids; i++)
        if (streq(n->staff_ids[i], s->staff))
            return true;
    for (size_t i = 0; *s->department && i < n->n_department_ids; i++)
        if (streq(n->department_ids[i], s->department))
            return true;
    return false;
}

static void s_backlog(const Shouwen__V1__Notification *n, void *arg)
{
    desk_stream_t *s = (desk_stream_t *)arg;
    if (s_for(s, n))
        desk_stream_send(
            s, "notification", n->position,
            branch_view_notification(branch_server_directory(s->desk->server), n));
}

static enum MHD_Result s_events(desk_req_t *r)
{
    const char *last =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (!last)
        last = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "from");
    desk_stream_t *s = NULL;
    enum MHD_Result rc = desk_stream_open(r, &s);
    if (rc == MHD_YES && s && last && *last)
        branch_store_notices(r->desk->store, strtoull(last, NULL, 10), 1000, s_backlog,
                             s);
    return rc;
}

void desk_push_notification(branch_desk_t *self, const Shouwen__V1__Notification *n)
{
    if (branch_store_notice_add(self->store, n) == 0)
        return; /* kept already: shown already */
    for (desk_stream_t *s = (desk_stream_t *)zlistx_first(self->streams); s;
         s = (desk_stream_t *)zlistx_next(self->streams))
        if (s_for(s, n))
            desk_stream_send(
                s, "notification", n->position,
                branch_view_notification(branch_server_directory(self->server), n));
}

void desk_push_settled(branch_desk_t *self, const Shouwen__V1__BranchReply *reply)
{
    char staff[65], kind[64];
    if (branch_store_request_who(self->store, reply->request_id, staff, sizeof staff,
                                 kind, sizeof kind) != 1)
        return;
    for (desk_stream_t *s = (desk_stream_t *)zlistx_first(self->streams); s;
         s = (desk_stream_t *)zlistx_next(self->streams))
        if (streq(s->staff, staff)) {
            json_t *o = s_outcome(reply);
            json_object_set_new(o, "kind", json_string(kind));
            desk_stream_send(s, "spool", 0, o);
        }
}

/* ---------------------------------------------------------------- routes */

enum MHD_Result desk_api(desk_req_t *r, const char *method, const char *url)
{
    bool post = streq(method, "POST");
    json_t *in = NULL;
    if (post) {
        in = json_loadb(r->body ? r->body : "{}", r->body ? r->body_len : 2, 0, NULL);
        if (!json_is_object(in)) {
            json_decref(in);
            return desk_error(r, 400, "BAD_JSON", "提交的内容不是有效的 JSON");
        }
    }
    enum MHD_Result rc;
    if (post && streq(url, "/api/login"))
        rc = s_login(r, in);
    else if (!s_signed_in(r))
        rc = desk_error(r, 401, "NOT_SIGNED_IN", "请先登录");
    else if (post && !s_csrf_ok(r))
        rc = desk_error(r, 403, "CSRF", "页面已过期，请刷新后重试");
    else if (post && streq(url, "/api/logout"))
        rc = s_logout(r);
    else if (!post && streq(url, "/api/me"))
        rc = desk_json(r, 200, s_me(r));
    else if (!s_dir(r))
        rc = desk_error(r, 503, "NO_DIRECTORY", "尚未从总部取得组织机构，请稍后再试");
    else if (!post && streq(url, "/api/directory"))
        rc = desk_json(
            r, 200,
            branch_view_directory(s_dir(r), branch_server_branch_id(r->desk->server)));
    else if (post && streq(url, "/api/preview"))
        rc = desk_json(r, 200,
                       branch_view_preview(s_dir(r), s_str(in, "category"),
                                           s_str(in, "channel"),
                                           s_str(in, "named_employee_id"), r->staff));
    else if (post && streq(url, "/api/inquiries"))
        rc = s_inquiry(r, in);
    else if (!post && (streq(url, "/api/inbox") || streq(url, "/api/queue") ||
                       streq(url, "/api/due") || streq(url, "/api/find")))
        rc = s_cases(r, url + 5);
    else if (!post && streq(url, "/api/spool"))
        rc = s_spool(r);
    else if (!post && streq(url, "/api/events"))
        rc = s_events(r);
    else if (strncmp(url, "/api/cases/", 11) == 0) {
        char case_id[72];
        const char *rest = url + 11;
        const char *slash = strchr(rest, '/');
        size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
        snprintf(case_id, sizeof case_id, "%.*s", (int)(n < 71 ? n : 71), rest);
        if (!s_good_id(case_id))
            rc = desk_error(r, 404, "NOT_FOUND", "没有这个案件");
        else if (!post && !slash)
            rc = s_case(r, case_id);
        else if (post && slash && streq(slash, "/actions"))
            rc = s_action(r, case_id, in);
        else
            rc = desk_error(r, 404, "NOT_FOUND", "没有这个接口");
    } else
        rc = desk_error(r, 404, "NOT_FOUND", "没有这个接口");
    json_decref(in);
    return rc;
}
