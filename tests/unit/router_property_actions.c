/*  router_property_actions: the random staff actions, breaches, noise and
    directory loads the simulated branches and sla send. */
#include "router_property.h"

/* ------------------------------------------------------ random actions */

static const char *s_clear_texts[] = {
    "已为您查询，请稍候",
    "已联系相关部门，15 分钟内答复您",
    "经查属本部门职责，马上处理",
    "材料已收到，正在办理",
    "已安排专人跟进，今天下班前回复",
    "请您留下联系方式，我们主动回访",
};

/* Some text: empty, with a forbidden phrase, or clear. */
static const char *s_text(rp_sim_t *sim, int slot, unsigned empty_pct,
                          unsigned forbidden_pct)
{
    size_t roll = rp_below(sim, 100);
    if (roll < empty_pct)
        return "";
    if (roll < empty_pct + forbidden_pct) {
        const char **phrases = NULL;
        size_t n = sw_directory_forbidden_phrases(rp_dir(sim), &phrases);
        snprintf(sim->scratch[slot], sizeof sim->scratch[slot], "这个%s，你再问问吧",
                 n ? phrases[rp_below(sim, n)] : "不知道");
        return sim->scratch[slot];
    }
    return s_clear_texts[rp_below(sim, sizeof s_clear_texts / sizeof s_clear_texts[0])];
}

static const char *s_any_staff(rp_sim_t *sim)
{
    return rp_chance(sim, 4) ? "ghost-01" : rp_pick(sim, sim->staff, sim->nstaff);
}

static const char *s_member(rp_sim_t *sim, const char *dept)
{
    const char *members[64];
    size_t n = 0;
    for (size_t i = 0; i < sim->nstaff; i++)
        if (rp_in_dept(sim, sim->staff[i], dept))
            members[n++] = sim->staff[i];
    return n ? members[rp_below(sim, n)] : s_any_staff(sim);
}

static const char *s_any_dept(rp_sim_t *sim)
{
    size_t roll = rp_below(sim, 100);
    return roll < 5 ? "nowhere" : roll < 10 ? "" : rp_pick(sim, sim->depts, sim->ndepts);
}

/* Someone with a part in the case. */
static const char *s_relevant(rp_sim_t *sim, rp_case_t *c, int kind)
{
    sw_directory_t *dir = rp_dir(sim);
    switch (kind) {
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_ACCEPT:
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_RETURN:
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_FORWARD:
        return s_member(sim,
                        c->state == ROUTER_TRANSFERRING ? c->to_dept : c->department);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CALLBACK:
        return *c->natural ? c->natural : s_any_staff(sim);
    case SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_GRANT_CONTACT: {
        const char *leader = sw_directory_department(dir, c->department, "leader");
        return leader && rp_chance(sim, 70) ? leader : s_any_staff(sim);
    }
    default: {
        const char *head = sw_directory_department(dir, c->department, "head");
        const char *who[] = {c->factual, c->handler, head ? head : c->natural,
                             c->natural};
        const char *w = who[rp_below(sim, 4)];
        return *w ? w : s_any_staff(sim);
    }
    }
}

/* A kind that makes sense in the state, mostly. */
static int s_plausible_kind(rp_sim_t *sim, rp_case_t *c)
{
    static const int open[] = {1, 1, 1, 5, 5, 7, 15, 10, 11, 13, 14, 12, 6};
    static const int transferring[] = {2, 2, 2, 3, 3, 4, 4, 5, 6, 15, 10, 13};
    static const int in_progress[] = {7, 7, 5, 5, 6, 4, 3, 1, 15, 10, 11, 14};
    static const int waiting[] = {16, 16, 16, 5, 7, 6, 12, 10};
    static const int replied[] = {7, 7, 12, 12, 9, 15, 6, 8};
    static const int resolved[] = {8, 8, 8, 12, 12, 9, 15, 6};
    static const int closed[] = {9, 9, 9, 5, 1, 8};
#define S_KIND(a) a[rp_below(sim, sizeof a / sizeof a[0])]
    switch (c->state) {
    case ROUTER_TRANSFERRING:
        return S_KIND(transferring);
    case ROUTER_IN_PROGRESS:
        return S_KIND(in_progress);
    case ROUTER_WAITING:
        return S_KIND(waiting);
    case ROUTER_REPLIED:
        return S_KIND(replied);
    case ROUTER_RESOLVED:
        return S_KIND(resolved);
    case ROUTER_CLOSED:
        return S_KIND(closed);
    default:
        return S_KIND(open);
    }
#undef S_KIND
}

/* (a) a staff command, as intake records it. */
void rp_random_command(rp_sim_t *sim, rp_case_t *c)
{
    sw_directory_t *dir = rp_dir(sim);
    Shouwen__V1__Command cmd = SHOUWEN__V1__COMMAND__INIT;
    cmd.kind = (Shouwen__V1__CommandKind)(rp_chance(sim, 10) ? (int)rp_below(sim, 18)
                                                             : s_plausible_kind(sim, c));
    cmd.case_id = c->id;
    cmd.staff_id =
        (char *)(rp_chance(sim, 75) ? s_relevant(sim, c, cmd.kind) : s_any_staff(sim));
    size_t roll = rp_below(sim, 100);
    const char *scope = sw_directory_scope_department(dir, c->category);
    cmd.to_department_id = (char *)(roll < 25 && scope ? scope
                                    : roll < 35        ? ""
                                                       : s_any_dept(sim));
    roll = rp_below(sim, 100);
    cmd.to_staff_id = (char *)(roll < 70   ? ""
                               : roll < 85 ? s_member(sim, cmd.to_department_id)
                               : roll < 95 ? s_any_staff(sim)
                                           : "ghost-02");
    if (cmd.kind == SHOUWEN__V1__COMMAND_KIND__COMMAND_KIND_CONTACT_LEADER) {
        const char *leaders[] = {"dgm-01",  "dgm-02", "gm-01",
                                 "fo-head", "qa-01",  "fo-01"};
        cmd.to_staff_id = (char *)(rp_chance(sim, 90) ? leaders[rp_below(sim, 6)] : "");
    }
    cmd.opinion = (char *)s_text(sim, 0, 15, 15);
    cmd.text = (char *)s_text(sim, 1, 10, 15);
    cmd.reason = (char *)s_text(sim, 2, 15, 5);
    cmd.guidance = (char *)(rp_chance(sim, 30) ? "请前往市民服务中心咨询" : "");
    cmd.reached = rp_chance(sim, 70);
    cmd.rating = (uint32_t)(rp_chance(sim, 80) ? 1 + rp_below(sim, 5) : rp_below(sim, 7));
    /* R3: the checklist, whole, in part, or with an item too many */
    const char **items = NULL;
    size_t n = sw_directory_checklist(dir, c->category, &items);
    char *attested[16];
    size_t na = 0;
    roll = rp_below(sim, 100);
    for (size_t i = 0; i < n && na < 15; i++)
        if (roll < 65 || rp_chance(sim, 50))
            attested[na++] = (char *)items[i];
    if (rp_chance(sim, 10))
        attested[na++] = (char *)"已告知营业时间";
    cmd.n_checklist_attested = na;
    cmd.checklist_attested = attested;
    char *assisting[4];
    size_t nd = rp_below(sim, 4);
    for (size_t i = 0; i < nd; i++)
        assisting[i] = (char *)(rp_chance(sim, 90) ? rp_pick(sim, sim->depts, sim->ndepts)
                                                   : "nowhere");
    cmd.n_assisting_department_ids = nd;
    cmd.assisting_department_ids = assisting;
    cmd.phrase_override = rp_chance(sim, 20);
    cmd.override_reason = (char *)(rp_chance(sim, 70) ? "引用客人原话" : "");

    Shouwen__V1__CommandReceived body = SHOUWEN__V1__COMMAND_RECEIVED__INIT;
    char request[48];
    snprintf(request, sizeof request, "cmd-%" PRIu64, ++sim->serial);
    body.branch_id = (char *)"branch-1";
    body.request_id = request;
    body.command = &cmd;
    uint8_t id[SW_EVENTID_SIZE];
    char name[64];
    snprintf(name, sizeof name, "branch-1/%s", request);
    sw_eventid_make(id, "intake", name, strlen(name));
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED);
    env.case_id = c->id;
    env.actor = cmd.staff_id;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_COMMAND_RECEIVED;
    env.command_received = &body;
    rp_append_env(sim, &env, "intake", ++sim->seq_intake);
}

/* A new inquiry: random channel, kind, urgency, category, receiver. */
void rp_random_inquiry(rp_sim_t *sim)
{
    Shouwen__V1__InquiryReceived in = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    Shouwen__V1__Customer customer = SHOUWEN__V1__CUSTOMER__INIT;
    char request[48], name[64];
    snprintf(request, sizeof request, "inq-%" PRIu64, ++sim->serial);
    in.branch_id = (char *)"branch-1";
    in.request_id = request;
    in.channel = (Shouwen__V1__Channel)rp_below(sim, 14);
    in.kind = (Shouwen__V1__RequestKind)(rp_chance(sim, 20) ? 3 : rp_below(sim, 11));
    customer.name = (char *)(rp_chance(sim, 90) ? "张三" : "");
    customer.phone = (char *)(rp_chance(sim, 90) ? "13800000000" : "");
    in.customer = &customer;
    in.matter = (char *)"测试事项";
    size_t roll = rp_below(sim, 100);
    in.category = (char *)(roll < 80   ? rp_pick(sim, sim->categories, sim->ncategories)
                           : roll < 90 ? "parking" /* nobody's: R7 */
                           : roll < 95 ? "first_inquiry_conduct"
                                       : "zz_unknown");
    in.urgency = (Shouwen__V1__Urgency)(rp_chance(sim, 25) ? 2 : rp_below(sim, 2));
    in.receiver_staff_id =
        (char *)(rp_chance(sim, 93) ? rp_pick(sim, sim->staff, sim->nstaff) : "ghost-03");
    roll = rp_below(sim, 100);
    in.named_employee_id = (char *)(roll < 80   ? ""
                                    : roll < 95 ? rp_pick(sim, sim->staff, sim->nstaff)
                                                : "ghost-04");
    if (sim->ncases && in.kind == SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT &&
        rp_chance(sim, 50)) /* V5: about another case's first-inquiry conduct */
        in.linked_case_id = sim->cases[rp_below(sim, sim->ncases)].id;
    in.received_at_us = sim->now_us;
    uint8_t id[SW_EVENTID_SIZE];
    snprintf(name, sizeof name, "branch-1/%s", request);
    sw_eventid_make(id, "intake", name, strlen(name));
    char case_id[SW_CASEID_STRLEN + 1];
    sw_caseid_from_event(id, case_id);
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED);
    env.case_id = case_id;
    env.actor = in.receiver_staff_id;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
    env.inquiry_received = &in;
    /* the register as sent, for the routing checks */
    rp_case_t *c = &sim->cases[sim->ncases];
    memset(c, 0, sizeof *c);
    c->channel = in.channel;
    c->kind = in.kind;
    c->urgency = in.urgency;
    rp_copy(c->category, sizeof c->category, in.category);
    rp_copy(c->receiver, sizeof c->receiver, in.receiver_staff_id);
    rp_copy(c->named, sizeof c->named, in.named_employee_id);
    rp_copy(c->linked, sizeof c->linked, in.linked_case_id);
    CHECK_AT(sim, rp_append_env(sim, &env, "intake", ++sim->seq_intake) > 0);
}

/* (b) sla's breach of one of the case's deadlines, or sla noise. */
void rp_sla_event(rp_sim_t *sim, rp_case_t *c, bool breach)
{
    char name[64];
    snprintf(name, sizeof name, "sla-%" PRIu64, ++sim->serial);
    uint8_t id[SW_EVENTID_SIZE], deadline[SW_EVENTID_SIZE];
    sw_eventid_make(id, "sla", name, strlen(name));
    sw_eventid_derive(deadline, id, "deadline");
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.case_id = c->id;
    env.actor = (char *)"sla";
    env.causation_id.data = deadline;
    env.causation_id.len = SW_EVENTID_SIZE;
    Shouwen__V1__DeadlineBreached b = SHOUWEN__V1__DEADLINE_BREACHED__INIT;
    Shouwen__V1__ViolationRecorded v = SHOUWEN__V1__VIOLATION_RECORDED__INIT;
    if (breach) {
        b.kind = (Shouwen__V1__DeadlineKind)(1 + rp_below(sim, 7));
        b.due_at_us = sim->now_us;
        b.deadline_event_id.data = deadline;
        b.deadline_event_id.len = SW_EVENTID_SIZE;
        b.holder_staff_id = c->factual;
        b.department_id = c->department;
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
        env.deadline_breached = &b;
    } else { /* sla's own violation: not router's to clear anything with */
        v.type = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_TIME_LIMIT_EXCEEDED;
        v.staff_id = c->factual;
        v.department_id = c->department;
        v.rule = (char *)"R22";
        v.cause_event_id.data = deadline;
        v.cause_event_id.len = SW_EVENTID_SIZE;
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED;
        env.violation_recorded = &v;
        sim->n_noise++;
    }
    env.type = (char *)sw_envelope_type_for(env.body_case);
    rp_append_env(sim, &env, "sla", ++sim->seq_sla);
}

/* An administrator loads the other version of the directory. */
void rp_load_directory(rp_sim_t *sim)
{
    int which = 1 - sim->dir_loaded;
    Shouwen__V1__DirectoryLoaded dl = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    dl.kind = (char *)"organisation";
    dl.version = (char *)(which ? "hotel-prop" : "hotel-2026.2");
    dl.content.data = (uint8_t *)sim->dir_text[which];
    dl.content.len = sim->dir_len[which];
    dl.loaded_by = (char *)"gm-01";
    char name[64];
    snprintf(name, sizeof name, "branch-1/dir-%" PRIu64, ++sim->serial);
    uint8_t id[SW_EVENTID_SIZE];
    sw_eventid_make(id, "intake", name, strlen(name));
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)sw_envelope_type_for(SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED);
    env.actor = (char *)"gm-01";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED;
    env.directory_loaded = &dl;
    if (rp_append_env(sim, &env, "intake", ++sim->seq_intake)) {
        sim->dir_loaded = which;
        sim->n_loads++;
        CHECK_STR_AT(sim, sw_directory_version(rp_dir(sim)), dl.version);
    }
}

/* (c) router decides: the one decision the case needs now, packed as the
   daemon proposes it; committed at once, or held for later. */
bool rp_decide(rp_sim_t *sim, rp_case_t *c, bool hold)
{
    router_case_t *rc = (router_case_t *)zhashx_lookup(sim->router->cases, c->id);
    if (!rc || !router_case_next(rc, rp_dir(sim), sim->d1))
        return false;
    CHECK_AT(sim, sim->d1->env.case_version == c->version);
    /* at most one decision outstanding: the same version, the same decision */
    if (c->decided && c->decided_version == c->version)
        CHECK_AT(sim, memcmp(c->decided_id, sim->d1->id, SW_EVENTID_SIZE) == 0);
    c->decided = true;
    c->decided_version = c->version;
    c->decided_dir = sim->dir_loaded;
    memcpy(c->decided_id, sim->d1->id, SW_EVENTID_SIZE);
    uint64_t seq = ++sim->seq_router;
    int64_t at = rp_tick(sim);
    zframe_t *f = rp_propose(sim, &sim->d1->env, "router", seq, at);
    /* deciding again before anything commits gives the very same bytes */
    CHECK_AT(sim, router_case_next(rc, rp_dir(sim), sim->d2));
    zframe_t *again = rp_propose(sim, &sim->d2->env, "router", seq, at);
    CHECK_AT(sim, zframe_eq(f, again));
    zframe_destroy(&again);
    sim->n_decisions++;
    zframe_destroy(&c->held); /* the producer keeps only the newest */
    if (hold) {
        c->held = f;
        sim->n_held++;
    } else {
        rp_append(sim, zframe_data(f), zframe_size(f));
        zframe_destroy(&f);
    }
    return true;
}

static void s_deliver(rp_sim_t *sim, zframe_t **frame_p)
{
    if (*frame_p) {
        zframe_t *f = *frame_p;
        *frame_p = NULL;
        rp_append(sim, zframe_data(f), zframe_size(f));
        zframe_destroy(&f);
    }
}

/* What waits to reach audit arrives: a stray from before a restart
   (duplicate or stale if the new router's same decision got there first),
   then the held proposal. */
void rp_deliver_held(rp_sim_t *sim, rp_case_t *c)
{
    s_deliver(sim, &c->stray);
    s_deliver(sim, &c->held);
}
