/*  test_sw_directory: the organisation directory — both shipped samples,
    every lookup, the defaults of a minimal file, and bad files each
    rejected with its line and reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_directory.h"
#include "sw_test.h"

/* A minimal valid directory; the lines a test appends start at line 12. */
#define S_BASE                                                                           \
    "directory\n"                                                                        \
    "    version = \"t-1\"\n"                                                            \
    "    organisation = \"测试单位\"\n"                                              \
    "department\n"                                                                       \
    "    fo\n"                                                                           \
    "        name = \"前厅部\"\n"                                                     \
    "        head = \"a\"\n"                                                             \
    "staff\n"                                                                            \
    "    a\n"                                                                            \
    "        name = \"甲\"\n"                                                           \
    "        department = \"fo\"\n"

static sw_directory_t *s_load_text(const char *text)
{
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_text(text, strlen(text), &error);
    if (!dir)
        fprintf(stderr, "unexpected rejection: %s\n", error ? error : "(no reason)");
    CHECK(dir != NULL);
    CHECK(error == NULL);
    free(error);
    return dir;
}

static sw_directory_t *s_load_sample(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/deploy/directory/%s", SHOUWEN_SOURCE_DIR, name);
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_file(path, &error);
    if (!dir)
        fprintf(stderr, "%s rejected: %s\n", name, error ? error : "(no reason)");
    CHECK(dir != NULL);
    CHECK(error == NULL);
    free(error);
    return dir;
}

/* text is rejected with exactly this message. */
static void s_rejects(int line, const char *text, size_t len, const char *expected)
{
    char *error = NULL;
    sw_directory_t *dir = sw_directory_new_from_text(text, len, &error);
    sw_test_checks++;
    if (dir || !error || strcmp(error, expected) != 0) {
        sw_test_failures++;
        fprintf(stderr, "%s:%d: rejection differs\n  got      %s\n  expected %s\n",
                __FILE__, line,
                dir     ? "(accepted)"
                : error ? error
                        : "(null)",
                expected);
    }
    sw_directory_destroy(&dir);
    free(error);
}

#define REJECTS(text, expected) s_rejects(__LINE__, (text), strlen(text), (expected))

static void s_test_hotel_organisation(sw_directory_t *dir)
{
    CHECK_STR(sw_directory_version(dir), "hotel-2026.2");
    CHECK_STR(sw_directory_organisation(dir), "西湖国际大酒店");
    CHECK_STR(sw_directory_default_leader(dir), "gm-01");
    CHECK_STR(sw_directory_gm(dir), "gm-01");
    CHECK_STR(sw_directory_qa_office(dir), "qa_office");
    CHECK_STR(sw_directory_customer_relations_supervisor(dir), "qa-01");
    CHECK_EQ(sw_directory_max_hops(dir), 3);
    CHECK_EQ(sw_directory_max_bounces(dir), 2);

    CHECK_STR(sw_directory_department(dir, "front_office", "name"), "前厅部");
    CHECK_STR(sw_directory_department(dir, "front_office", "location"), "主楼大堂一层");
    CHECK_STR(sw_directory_department(dir, "front_office", "phone"), "0571-8700-1001");
    CHECK_STR(sw_directory_department(dir, "front_office", "head"), "fo-head");
    CHECK_STR(sw_directory_department(dir, "front_office", "leader"), "dgm-01");
    CHECK_STR(sw_directory_department(dir, "front_office", "parent"), "gm_office");
    CHECK_STR(sw_directory_department(dir, "front_office", "deputy_gm"), "dgm-01");
    CHECK_STR(sw_directory_department(dir, "engineering", "leader"), "dgm-02");
    CHECK(sw_directory_department(dir, "gm_office", "parent") == NULL);
    CHECK(sw_directory_department(dir, "front_office", "colour") == NULL);
    CHECK(sw_directory_department(dir, "front_office", NULL) == NULL);
    CHECK(sw_directory_department(dir, "parking_office", "name") == NULL);
    CHECK(sw_directory_department(dir, NULL, "name") == NULL);
    CHECK(sw_directory_department_exists(dir, "housekeeping"));
    CHECK(!sw_directory_department_exists(dir, "Housekeeping"));
    CHECK(!sw_directory_department_exists(dir, NULL));

    const char **ids;
    CHECK_EQ(sw_directory_departments(dir, &ids), 7);
    CHECK_STR(ids[0], "gm_office");
    CHECK_STR(ids[6], "engineering");
    CHECK_EQ(sw_directory_staff_ids(dir, &ids), 17);
    CHECK_STR(ids[0], "gm-01");
    size_t n = sw_directory_categories(dir, &ids);
    CHECK_EQ(n, 13);
    CHECK_STR(ids[0], "check_in");
    CHECK_STR(ids[n - 1], "taxi_complaint");
}

static void s_test_hotel_staff(sw_directory_t *dir)
{
    CHECK_STR(sw_directory_staff(dir, "fo-02", "name"), "李娜");
    CHECK_STR(sw_directory_staff(dir, "fo-02", "department"), "front_office");
    CHECK_STR(sw_directory_staff(dir, "fo-02", "contact"), "0571-8700-1004");
    CHECK_STR(sw_directory_staff(dir, "fo-02", "roles"), "reservations");
    CHECK_STR(sw_directory_staff(dir, "fo-02", "availability"), "on_post");
    CHECK(sw_directory_staff(dir, "fo-02", "designee") == NULL);
    CHECK(sw_directory_staff(dir, "fo-02", "channels") == NULL);
    CHECK_STR(sw_directory_staff(dir, "fo-03", "channels"),
              "hotline, online_chat, mailbox");
    CHECK_STR(sw_directory_staff(dir, "hk-02", "designee"), "hk-01");
    CHECK_STR(sw_directory_staff(dir, "hk-02", "availability"), "away");
    CHECK(sw_directory_staff(dir, "hk-01", "roles") == NULL);
    CHECK(sw_directory_staff(dir, "fo-02", "salary") == NULL);
    CHECK(sw_directory_staff(dir, "xx-99", "name") == NULL);
    CHECK(sw_directory_staff_exists(dir, "en-01"));
    CHECK(!sw_directory_staff_exists(dir, "en-99"));
    CHECK(!sw_directory_staff_exists(dir, NULL));

    /* roles as listed, and as the structure implies them */
    CHECK(sw_directory_has_role(dir, "qa-01", "customer_relations_supervisor"));
    CHECK(sw_directory_has_role(dir, "qa-01", "head"));
    CHECK(sw_directory_has_role(dir, "en-01", "repair"));
    CHECK(sw_directory_has_role(dir, "dgm-01", "leader")); /* supervises front_office */
    CHECK(sw_directory_has_role(dir, "dgm-01", "deputy_gm")); /* listed and implied */
    CHECK(sw_directory_has_role(dir, "gm-01", "head"));       /* heads gm_office */
    CHECK(!sw_directory_has_role(dir, "fo-01", "head"));
    CHECK(!sw_directory_has_role(dir, "fo-01", "leader"));
    CHECK(!sw_directory_has_role(dir, "fo-01", NULL));
    CHECK(!sw_directory_has_role(dir, "xx-99", "gm"));

    /* R19: leaders and heads private unless the file says otherwise */
    CHECK(sw_directory_contact_private(dir, "gm-01"));
    CHECK(sw_directory_contact_private(dir, "dgm-02"));
    CHECK(sw_directory_contact_private(dir, "hk-head"));
    CHECK(sw_directory_contact_private(dir, "qa-01"));
    CHECK(!sw_directory_contact_private(dir, "fo-head")); /* contact_private = false */
    CHECK(!sw_directory_contact_private(dir, "fo-01"));
    CHECK(sw_directory_contact_private(dir, "xx-99"));

    CHECK_EQ(sw_directory_availability(dir, "hk-02"), SW_AVAILABLE_AWAY);
    CHECK_EQ(sw_directory_availability(dir, "hk-01"), SW_AVAILABLE_ON_POST);
    CHECK_EQ(sw_directory_availability(dir, "xx-99"), SW_AVAILABLE_ON_POST);
    CHECK_STR(sw_directory_stand_in(dir, "hk-02"), "hk-01");
    CHECK_STR(sw_directory_stand_in(dir, "fo-01"), "fo-01");
    CHECK(sw_directory_stand_in(dir, "xx-99") == NULL);

    CHECK(sw_directory_on_channel(dir, "fo-03", "hotline"));
    CHECK(sw_directory_on_channel(dir, "fo-03", "mailbox"));
    CHECK(!sw_directory_on_channel(dir, "fo-03", "weibo"));
    CHECK(!sw_directory_on_channel(dir, "fo-01", "hotline"));
    CHECK(!sw_directory_on_channel(dir, "fo-03", "phone"));
    CHECK(!sw_directory_on_channel(dir, "fo-03", NULL));
    CHECK_STR(sw_directory_on_duty(dir, "hotline"), "fo-03");
    CHECK_STR(sw_directory_on_duty(dir, "online_chat"), "fo-03");
    CHECK_STR(sw_directory_on_duty(dir, "mailbox"), "fo-03"); /* listed, on post */
    CHECK_STR(sw_directory_on_duty(dir, "callback"), "qa-02");
    CHECK(sw_directory_on_duty(dir, "weibo") == NULL);
    CHECK(sw_directory_on_duty(dir, "visit") == NULL);
    CHECK(sw_directory_on_duty(dir, NULL) == NULL);
}

static void s_test_hotel_scopes(sw_directory_t *dir)
{
    const char **depts = NULL;
    CHECK_STR(sw_directory_scope_department(dir, "check_in"), "front_office");
    CHECK(sw_directory_scope_handler(dir, "check_in") == NULL);
    CHECK_EQ(sw_directory_scope_departments(dir, "check_in", &depts), 1);
    CHECK_STR(depts[0], "front_office");
    CHECK(sw_directory_scope_ordered(dir, "check_in"));
    CHECK_STR(sw_directory_scope_handler(dir, "room_booking"), "fo-02");
    CHECK_STR(sw_directory_scope_handler(dir, "room_cleaning"), "hk-01");
    CHECK_STR(sw_directory_scope_handler(dir, "repair"), "en-01");
    CHECK_STR(sw_directory_scope_department(dir, "luggage"), "concierge");
    CHECK(sw_directory_scope_handler(dir, "banquet") == NULL);

    /* R9: several departments, in order or not */
    CHECK_STR(sw_directory_scope_department(dir, "wedding_banquet"), "food_beverage");
    CHECK_STR(sw_directory_scope_handler(dir, "wedding_banquet"), "fb-01");
    CHECK_EQ(sw_directory_scope_departments(dir, "wedding_banquet", &depts), 3);
    CHECK_STR(depts[0], "food_beverage");
    CHECK_STR(depts[1], "front_office");
    CHECK_STR(depts[2], "engineering");
    CHECK(sw_directory_scope_ordered(dir, "wedding_banquet"));
    CHECK_STR(sw_directory_scope_department(dir, "conference"), "food_beverage");
    CHECK_EQ(sw_directory_scope_departments(dir, "conference", &depts), 3);
    CHECK(!sw_directory_scope_ordered(dir, "conference"));

    /* unclear (R7) and outside (R6) */
    CHECK(sw_directory_scope_department(dir, "parking") == NULL);
    CHECK_EQ(sw_directory_scope_departments(dir, "parking", &depts), 0);
    CHECK(depts == NULL);
    CHECK(!sw_directory_scope_ordered(dir, "parking"));
    CHECK(sw_directory_outside_guidance(dir, "parking") == NULL);
    CHECK(sw_directory_scope_department(dir, "visa") == NULL);
    CHECK(sw_directory_scope_handler(dir, "visa") == NULL);
    CHECK(strstr(sw_directory_outside_guidance(dir, "visa"), "出入境管理局") != NULL);
    CHECK(strstr(sw_directory_outside_guidance(dir, "taxi_complaint"), "12328") != NULL);
    CHECK(sw_directory_outside_guidance(dir, "check_in") == NULL);
    CHECK(sw_directory_scope_department(dir, NULL) == NULL);

    /* R3: one-time notification */
    const char **items = NULL;
    CHECK_EQ(sw_directory_checklist(dir, "check_in", &items), 4);
    CHECK(strstr(items[0], "有效身份证件原件") == items[0]);
    CHECK_STR(items[3], "在前台填写并签署入住登记单");
    CHECK_EQ(sw_directory_checklist(dir, "room_booking", &items), 4);
    CHECK_EQ(sw_directory_checklist(dir, "wedding_banquet", &items), 4);
    CHECK_EQ(sw_directory_checklist(dir, "billing", &items), 0);
    CHECK(items == NULL);
    CHECK_EQ(sw_directory_checklist(dir, "parking", &items), 0);

    /* R8, R15: the ladder */
    CHECK_STR(sw_directory_ladder(dir, "front_office", 1), "fo-head");
    CHECK_STR(sw_directory_ladder(dir, "front_office", 2), "dgm-01");
    CHECK_STR(sw_directory_ladder(dir, "front_office", 3), "qa-01");
    CHECK_STR(sw_directory_ladder(dir, "front_office", 4), "dgm-01");
    CHECK_STR(sw_directory_ladder(dir, "front_office", 5), "gm-01");
    CHECK_STR(sw_directory_ladder(dir, "food_beverage", 2), "dgm-02");
    CHECK(sw_directory_ladder(dir, "gm_office", 4) == NULL);
    CHECK(sw_directory_ladder(dir, "front_office", 0) == NULL);
    CHECK(sw_directory_ladder(dir, "front_office", 6) == NULL);
    CHECK(sw_directory_ladder(dir, "nowhere", 5) == NULL);

    const char **phrases = NULL;
    CHECK_EQ(sw_directory_forbidden_phrases(dir, &phrases), 8);
    CHECK_STR(phrases[0], "不知道");
    CHECK_STR(phrases[7], "下班了，明天再来");
}

/* Branch offices (issue 8): a department works at its own branch, else
   its parent's, else directory/branch; a person at their own, else their
   department's. */
static void s_test_branches(void)
{
    sw_directory_t *dir = s_load_sample("town_service_centre.conf");
    if (!dir)
        return;
    const char **ids;
    CHECK_EQ(sw_directory_branches(dir, &ids), 2);
    CHECK_STR(ids[0], "town-centre");
    CHECK_STR(ids[1], "dongling");
    CHECK_STR(sw_directory_branch_name(dir, "dongling"), "东岭村便民服务代办点");
    CHECK(sw_directory_branch_name(dir, "nowhere") == NULL);
    CHECK_STR(sw_directory_department(dir, "land", "branch"), "town-centre");
    CHECK_STR(sw_directory_department(dir, "dongling_agency", "branch"), "dongling");
    CHECK_STR(sw_directory_staff(dir, "dl-01", "branch"), "dongling");
    CHECK_STR(sw_directory_staff(dir, "zh-01", "branch"), "town-centre");
    sw_directory_destroy(&dir);
    dir = s_load_text(S_BASE "        branch = \"b2\"\n"
                             "branch\n    b1\n        name = \"一\"\n"
                             "    b2\n        name = \"二\"\n");
    CHECK(dir != NULL);
    if (dir) {
        CHECK(sw_directory_department(dir, "fo", "branch") == NULL); /* no default */
        CHECK_STR(sw_directory_staff(dir, "a", "branch"), "b2");
    }
    sw_directory_destroy(&dir);
    REJECTS(S_BASE "        branch = \"b9\"\n",
            "line 12: staff/a/branch: 'b9' is not a known branch");
}

static void s_test_town(void)
{
    sw_directory_t *dir = s_load_sample("town_service_centre.conf");
    if (!dir)
        return;
    CHECK_STR(sw_directory_organisation(dir), "青山镇便民服务中心");
    CHECK_STR(sw_directory_gm(dir), "zz-01"); /* the one staff with role gm */
    CHECK_STR(sw_directory_qa_office(dir), "supervision");
    CHECK_STR(sw_directory_customer_relations_supervisor(dir), "jd-01"); /* QA head */
    CHECK_STR(sw_directory_default_leader(dir), "fzz-01");
    CHECK_EQ(sw_directory_max_hops(dir), 3);
    CHECK_EQ(sw_directory_max_bounces(dir), 2);
    const char **phrases = NULL;
    CHECK_EQ(sw_directory_forbidden_phrases(dir, &phrases), 6);
    CHECK_STR(phrases[0], "不知道");
    CHECK_STR(phrases[5], "找别人去");

    /* each window has its supervising leader; reception inherits hers */
    CHECK_STR(sw_directory_department(dir, "social_insurance", "leader"), "fzz-01");
    CHECK_STR(sw_directory_department(dir, "civil_affairs", "leader"), "fzz-03");
    CHECK_STR(sw_directory_department(dir, "land", "leader"), "fzz-02");
    CHECK_STR(sw_directory_department(dir, "general_reception", "leader"), "fzz-01");
    CHECK_STR(sw_directory_department(dir, "land", "deputy_gm"), "fzz-01");
    const char *ladder[] = {"gt-head", "fzz-02", "jd-01", "fzz-01", "zz-01"};
    for (int level = 1; level <= 5; level++)
        CHECK_STR(sw_directory_ladder(dir, "land", level), ladder[level - 1]);
    CHECK(sw_directory_has_role(dir, "fzz-03", "leader"));
    CHECK(sw_directory_has_role(dir, "zz-01", "gm"));
    CHECK(sw_directory_has_role(dir, "jd-01", "customer_relations_supervisor"));
    CHECK(sw_directory_contact_private(dir, "jw-01"));
    CHECK(!sw_directory_contact_private(dir, "zx-head"));
    CHECK(sw_directory_contact_private(dir, "zh-01")); /* heads reception */
    CHECK(!sw_directory_contact_private(dir, "zh-02"));

    CHECK_STR(sw_directory_on_duty(dir, "hotline"), "zh-01");
    CHECK_STR(sw_directory_on_duty(dir, "online_chat"), "zh-02");
    CHECK_STR(sw_directory_on_duty(dir, "callback"), "jd-01");
    CHECK(sw_directory_on_duty(dir, "forum") == NULL);
    CHECK(sw_directory_on_channel(dir, "zh-02", "hotline"));
    CHECK_EQ(sw_directory_availability(dir, "gt-01"), SW_AVAILABLE_TRIP);
    CHECK_STR(sw_directory_staff(dir, "gt-01", "availability"), "trip");
    CHECK_STR(sw_directory_stand_in(dir, "gt-01"), "gt-head");
    CHECK_STR(sw_directory_stand_in(dir, "sb-02"), "sb-01");

    CHECK_STR(sw_directory_scope_handler(dir, "homestead_approval"), "gt-01");
    const char **depts = NULL;
    CHECK_EQ(sw_directory_scope_departments(dir, "medical_assistance", &depts), 2);
    CHECK_STR(depts[0], "civil_affairs");
    CHECK_STR(depts[1], "social_insurance");
    CHECK(sw_directory_scope_ordered(dir, "medical_assistance"));
    CHECK_STR(sw_directory_scope_department(dir, "land_requisition"), "land");
    CHECK(!sw_directory_scope_ordered(dir, "land_requisition"));
    CHECK(
        strstr(sw_directory_outside_guidance(dir, "household_registration"), "县公安局"));
    const char **items = NULL;
    CHECK_EQ(sw_directory_checklist(dir, "subsistence_allowance", &items), 5);
    CHECK(strstr(items[4], "县民政局审批") != NULL);
    CHECK_EQ(sw_directory_checklist(dir, "pension_registration", &items), 6);
    CHECK_EQ(sw_directory_checklist(dir, "homestead_approval", &items), 6);
    CHECK_EQ(sw_directory_checklist(dir, "household_registration", &items), 1);
    sw_directory_destroy(&dir);
}

/* What a file leaves out. */
static void s_test_defaults(void)
{
    sw_directory_t *dir = s_load_text(S_BASE);
    if (!dir)
        return;
    CHECK(sw_directory_gm(dir) == NULL);
    CHECK(sw_directory_default_leader(dir) == NULL);
    CHECK(sw_directory_qa_office(dir) == NULL);
    CHECK(sw_directory_customer_relations_supervisor(dir) == NULL);
    CHECK_STR(sw_directory_ladder(dir, "fo", 1), "a");
    for (int level = 2; level <= 5; level++)
        CHECK(sw_directory_ladder(dir, "fo", level) == NULL);
    CHECK_EQ(sw_directory_max_hops(dir), 3);
    CHECK_EQ(sw_directory_max_bounces(dir), 2);
    const char **list = NULL;
    CHECK_EQ(sw_directory_forbidden_phrases(dir, &list), 6);
    CHECK_STR(list[1], "不清楚");
    CHECK_STR(list[2], "办不了");
    CHECK_STR(list[3], "不归我们管");
    CHECK_STR(list[4], "不是我们的事");
    CHECK(sw_directory_on_duty(dir, "hotline") == NULL);
    CHECK(sw_directory_contact_private(dir, "a")); /* heads fo */
    CHECK_EQ(sw_directory_categories(dir, &list), 0);
    CHECK(list == NULL);
    sw_directory_destroy(&dir);
    sw_directory_destroy(&dir); /* safe twice */
    sw_directory_destroy(NULL);

    /* gm and the supervisor from roles, default leader from gm, the QA office
       by its usual id, leaders inherited through two levels, policy numbers */
    dir = s_load_text("directory\n"
                      "    version = 2\n"
                      "    organisation = x\n"
                      "    max_hops = 5\n"
                      "    max_bounces = 1\n"
                      "department\n"
                      "    top\n"
                      "        name = 总部\n"
                      "        leader = boss\n"
                      "        deputy_gm = boss\n"
                      "    qa_office\n"
                      "        name = 质检部\n"
                      "        head = q\n"
                      "        parent = top\n"
                      "    mid\n"
                      "        name = 中层\n"
                      "        parent = top\n"
                      "    low\n"
                      "        name = 基层\n"
                      "        parent = mid\n"
                      "staff\n"
                      "    boss\n"
                      "        name = 老板\n"
                      "        department = top\n"
                      "        roles = gm, customer_relations_supervisor\n"
                      "    q\n"
                      "        name = 质检\n"
                      "        department = qa_office\n"
                      "        contact_private = true\n"
                      "    b1\n"
                      "        name = 乙\n"
                      "        department = low\n"
                      "        availability = away\n"
                      "        designee = b2\n"
                      "        channels = weibo\n"
                      "    b2\n"
                      "        name = 丙\n"
                      "        department = low\n"
                      "        availability = trip\n"
                      "        designee = b1\n"
                      "        channels = weibo, forum\n");
    if (!dir)
        return;
    CHECK_STR(sw_directory_version(dir), "2");
    CHECK_STR(sw_directory_gm(dir), "boss");
    CHECK_STR(sw_directory_default_leader(dir), "boss");
    CHECK_STR(sw_directory_customer_relations_supervisor(dir), "boss");
    CHECK_STR(sw_directory_qa_office(dir), "qa_office");
    CHECK_STR(sw_directory_department(dir, "low", "leader"), "boss");
    CHECK_STR(sw_directory_ladder(dir, "low", 3), "q");
    CHECK_STR(sw_directory_ladder(dir, "low", 4), "boss");
    CHECK(sw_directory_ladder(dir, "low", 1) == NULL);
    CHECK(sw_directory_department(dir, "low", "head") == NULL);
    CHECK_EQ(sw_directory_max_hops(dir), 5);
    CHECK_EQ(sw_directory_max_bounces(dir), 1);
    CHECK(sw_directory_contact_private(dir, "q"));
    CHECK(!sw_directory_contact_private(dir, "b1"));
    /* designees covering each other, both away: nobody on post, no loop */
    CHECK(sw_directory_stand_in(dir, "b1") == NULL);
    CHECK(sw_directory_on_channel(dir, "b1", "weibo"));
    CHECK(sw_directory_on_duty(dir, "weibo") == NULL); /* only absent people */
    sw_directory_destroy(&dir);

    /* text need not be NUL-terminated: only len bytes count */
    char buffer[] = S_BASE "garbage that is not ZPL ===";
    char *error = NULL;
    dir = sw_directory_new_from_text(buffer, strlen(S_BASE), &error);
    CHECK(dir != NULL);
    CHECK(error == NULL);
    sw_directory_destroy(&dir);
    /* error may be NULL */
    CHECK(sw_directory_new_from_text("x\n\ty\n", 5, NULL) == NULL);
}

static void s_test_bad_syntax(void)
{
    REJECTS("directory\n    version = 1\n\torganisation = x\n",
            "line 3: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details");
    REJECTS(S_BASE "    b\n          name = \"乙\"\n",
            "line 13: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details");
    REJECTS(S_BASE "    b\n        name = \"乙\n",
            "line 13: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details");
    REJECTS(S_BASE "#   a comment\n\n                contact = 1\n",
            "line 14: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details");
    REJECTS("    directory\n",
            "line 1: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details");
    REJECTS(S_BASE "    b = \"x\" # fine\n    c = x y z\n    d = 'x' y\n",
            "line 14: not valid ZPL (indent by 4 spaces, 'name = value', quote values "
            "holding '#'); zconfig logged the details");
    static const char nul[] = "directory\n    version = 1\n    organisation = \0x\n";
    s_rejects(__LINE__, nul, sizeof nul - 1, "line 3: holds a NUL byte");
    REJECTS(S_BASE "        contact = \"\xe5\x90\"\n", "line 12: not valid UTF-8");
    REJECTS(S_BASE "        contact = \"\xc0\xaf\"\n", "line 12: not valid UTF-8");
    REJECTS(S_BASE "        contact = \"\xed\xa0\x80\"\n", "line 12: not valid UTF-8");
}

static void s_test_bad_structure(void)
{
    REJECTS("", "directory: missing (it holds version and organisation)");
    REJECTS("directory\n    organisation = x\n", "line 1: directory/version: missing");
    REJECTS("directory\n    version = 1\n", "line 1: directory/organisation: missing");
    REJECTS(S_BASE "scopes\n    x\n        department = fo\n",
            "line 12: scopes: unknown section (expected directory, branch, department, "
            "staff, "
            "duty, scope, outside, checklist, policy or customer)");
    REJECTS(S_BASE "        phone = \"110\"\n",
            "line 12: staff/a/phone: unknown key (expected name, department, roles, "
            "channels, contact, contact_private, availability, designee, branch)");
    REJECTS(S_BASE "        name = \"甲二\"\n", "line 12: staff/a/name: given twice");
    REJECTS(S_BASE "        contact = \"\"\n",
            "line 12: staff/a/contact: empty value (leave the key out instead)");
    REJECTS(S_BASE "        contact = 1\n            mobile = 2\n",
            "line 13: staff/a/contact: takes a value, not indented keys below it");
    REJECTS(S_BASE "staff\n    b\n        name = 乙\n        department = fo\n",
            "line 12: staff: section given twice (put everything under the first)");
    REJECTS(S_BASE "    a\n        name = 甲\n        department = fo\n",
            "line 12: staff/a: defined twice");
    REJECTS(S_BASE "    B-1\n        name = 乙\n        department = fo\n",
            "line 12: staff/B-1: not a valid id (1-64 of a-z, 0-9, '_', '-')");
    REJECTS(S_BASE "    b\n        department = fo\n", "line 12: staff/b/name: missing");
    REJECTS(S_BASE "    b\n        name = 乙\n", "line 12: staff/b/department: missing");
    REJECTS(S_BASE "scope = fo\n",
            "line 12: scope: takes indented entries below it, not a value ('fo')");
    REJECTS(S_BASE "policy\n    forbidden_phrases\n",
            "line 13: policy/forbidden_phrases: lists no phrase");
    REJECTS(S_BASE "policy\n    forbidden_phrases\n        word = 不知道\n",
            "line 14: policy/forbidden_phrases/word: unknown key (expected phrase)");
    REJECTS(S_BASE "policy\n    phrases\n", "line 13: policy/phrases: unknown key "
                                            "(expected forbidden_phrases)");
}

static void s_test_bad_references(void)
{
    REJECTS("directory\n    version = 1\n    organisation = x\n"
            "department\n    fo\n        name = 前厅部\n        head = \"x\"\n",
            "line 7: department/fo/head: 'x' is not a known staff");
    REJECTS(S_BASE "        designee = \"zz\"\n",
            "line 12: staff/a/designee: 'zz' is not a known staff");
    REJECTS(S_BASE "        designee = a\n",
            "line 12: staff/a/designee: a person cannot be their own designee");
    REJECTS(S_BASE "    b\n        name = 乙\n        department = hk\n",
            "line 14: staff/b/department: 'hk' is not a known department");
    REJECTS(S_BASE "scope\n    check_in\n        department = hk\n",
            "line 14: scope/check_in/department: 'hk' is not a known department");
    REJECTS(S_BASE "scope\n    check_in\n        department = fo\n        handler = b\n",
            "line 15: scope/check_in/handler: 'b' is not a known staff");
    REJECTS(S_BASE "duty\n    hotline = b\n",
            "line 13: duty/hotline: 'b' is not a known staff");
    REJECTS(
        S_BASE "duty\n    phone = a\n",
        "line 13: duty/phone: unknown key (expected hotline, online_chat, forum, weibo, "
        "mailbox, callback)");
    REJECTS(
        S_BASE "        availability = away\nduty\n    hotline = a\n",
        "line 14: duty/hotline: 'a' is not on post (availability), so cannot be on duty");
    REJECTS("directory\n    version = 1\n    organisation = x\n    gm = boss\n",
            "line 4: directory/gm: 'boss' is not a known staff");
    REJECTS(S_BASE "    qa_office = qa\n",
            "line 12: staff/qa_office: takes indented keys below it, not a value ('qa')");
    REJECTS("directory\n    version = 1\n    organisation = x\n    qa_office = qa\n",
            "line 4: directory/qa_office: 'qa' is not a known department");
    REJECTS(S_BASE
            "    b\n        name = 乙\n        department = fo\n        roles = gm\n"
            "    c\n        name = 丙\n        department = fo\n        roles = gm\n",
            "line 1: directory/gm: missing, and several staff have the role gm (b, c): "
            "name one");
    REJECTS("directory\n    version = 1\n    organisation = x\ndepartment\n"
            "    p\n        name = 甲\n        parent = q\n"
            "    q\n        name = 乙\n        parent = p\n",
            "line 7: department/p/parent: the chain of parents loops and never reaches a "
            "top department");
    REJECTS("directory\n    version = 1\n    organisation = x\ndepartment\n"
            "    p\n        name = 甲\n        parent = p\n",
            "line 7: department/p/parent: a department cannot be its own parent");
}

static void s_test_bad_values(void)
{
    REJECTS(S_BASE "        availability = sick\n",
            "line 12: staff/a/availability: 'sick' is not on_post, away or trip");
    REJECTS(S_BASE "        contact_private = yes\n",
            "line 12: staff/a/contact_private: 'yes' is not true or false");
    REJECTS(S_BASE "        channels = hotline, phone\n",
            "line 12: staff/a/channels: 'phone' is not a window channel (hotline, "
            "online_chat, forum, weibo, mailbox, callback)");
    REJECTS(S_BASE "        roles = head, , reception\n",
            "line 12: staff/a/roles: empty entry in 'head, , reception'");
    REJECTS(
        S_BASE "        roles = head, 前台\n",
        "line 12: staff/a/roles: '前台' is not a valid id (1-64 of a-z, 0-9, '_', '-')");
    REJECTS(S_BASE "        roles = head, head\n",
            "line 12: staff/a/roles: 'head' is listed twice");
    REJECTS("directory\n    version = 1\n    organisation = x\n    max_hops = 0\n",
            "line 4: directory/max_hops: '0' is not a whole number from 1 to 100");
    REJECTS("directory\n    version = 1\n    organisation = x\n    max_bounces = two\n",
            "line 4: directory/max_bounces: 'two' is not a whole number from 1 to 100");
    REJECTS(
        "directory\n    version = 1\n    organisation = x\n    max_hops = 99999999999\n",
        "line 4: directory/max_hops: '99999999999' is not a whole number from 1 to 100");
}

static void s_test_bad_categories(void)
{
    REJECTS(S_BASE "scope\n    check_in\n        handler = a\n",
            "line 13: scope/check_in/department: missing (or departments = \"a, b\")");
    REJECTS(S_BASE "scope\n    x\n        department = fo\n        departments = fo\n",
            "line 15: scope/x/departments: give department or departments, not both");
    REJECTS(S_BASE "scope\n    x\n        department = fo, fo\n",
            "line 14: scope/x/department: names one department; list several as "
            "departments = \"a, b\"");
    REJECTS(S_BASE "scope\n    x\n        departments = fo, fo\n",
            "line 14: scope/x/departments: 'fo' is listed twice");
    REJECTS(S_BASE "scope\n    x\n        departments = fo\n        lead = hk\n",
            "line 15: scope/x/lead: 'hk' is not one of its departments");
    REJECTS(S_BASE "scope\n    x\n        department = fo\n        ordered = true\n",
            "line 15: scope/x/ordered: only with departments (several)");
    REJECTS(S_BASE "scope\n    x\n        departments = fo\n        ordered = maybe\n",
            "line 15: scope/x/ordered: 'maybe' is not true or false");
    REJECTS(S_BASE "department\n", "line 12: department: section given twice (put "
                                   "everything under the first)");
    REJECTS("directory\n    version = 1\n    organisation = x\ndepartment\n"
            "    fo\n        name = 前厅部\n    hk\n        name = 客房部\n"
            "staff\n    b\n        name = 乙\n        department = hk\n"
            "scope\n    x\n        department = fo\n        handler = b\n",
            "line 16: scope/x/handler: 'b' is in hk, not in the lead department fo");
    REJECTS(S_BASE
            "scope\n    x\n        department = fo\n    x\n        department = fo\n",
            "line 15: scope/x: defined twice");
    REJECTS(S_BASE "scope\n    visa\n        department = fo\n"
                   "outside\n    visa\n        guidance = 请咨询出入境管理局\n",
            "line 16: outside/visa: 'visa' is both scoped and outside the organisation");
    REJECTS(S_BASE "outside\n    visa\n",
            "line 13: outside/visa/guidance: missing (what the "
            "customer is told, R6)");
    REJECTS(S_BASE "checklist\n    check_in\n        item = 身份证\n",
            "line 13: checklist/check_in: 'check_in' is neither a scope nor an outside "
            "category");
    REJECTS(S_BASE "scope\n    x\n        department = fo\n"
                   "checklist\n    x\n        item = 身份证\n        item = 身份证\n",
            "line 18: checklist/x/item: '身份证' is listed twice");
    REJECTS(S_BASE "scope\n    x\n        department = fo\n"
                   "checklist\n    x\n        material = 身份证\n",
            "line 17: checklist/x/material: unknown key (expected item)");
    REJECTS(S_BASE "scope\n    x\n        department = fo\n"
                   "checklist\n    x = 身份证\n",
            "line 16: checklist/x: list each item below it, not as its value");
    REJECTS(S_BASE "scope\n    X.1\n        department = fo\n",
            "line 13: scope/X.1: not a valid id (1-64 of a-z, 0-9, '_', '-')");
}

static void s_test_bad_file(void)
{
    char *error = NULL;
    CHECK(sw_directory_new_from_file("/nonexistent/directory.conf", &error) == NULL);
    CHECK_STR(error, "/nonexistent/directory.conf: No such file or directory");
    free(error);
    char path[64] =
        "/tmp/test_sw_directory_"; /* + the six-letter template mkstemp/mkdtemp want */
    memset(path + strlen(path), 'X', 6);
    path[strlen("/tmp/test_sw_directory_") + 6] = 0;
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *file = fdopen(fd, "w");
    fputs(S_BASE "        head = a\n", file);
    fclose(file);
    error = NULL;
    CHECK(sw_directory_new_from_file(path, &error) == NULL);
    char expected[128];
    snprintf(expected, sizeof expected, "%s: line 12: staff/a/head: unknown key", path);
    CHECK(error && strncmp(error, expected, strlen(expected)) == 0);
    free(error);
    remove(path);
}

/* R25: tiered customers, known by a phone (digits only) or their unit. */
static void s_test_customers(void)
{
    sw_directory_t *dir = s_load_text(S_BASE "customer\n    hl\n        name = \"华立\"\n"
                                             "        tier = gold\n"
                                             "        unit = \"浙江华立集团\"\n"
                                             "        phone = \"0571-8888-0001, 139 0000 "
                                             "0001\"\n        manager = a\n");
    if (!dir)
        return;
    CHECK_STR(sw_directory_tiered_customer(dir, NULL, "13900000001"), "hl");
    CHECK_STR(sw_directory_tiered_customer(dir, "", "057188880001"), "hl");
    CHECK_STR(sw_directory_tiered_customer(dir, "浙江华立集团", "110"), "hl");
    CHECK(sw_directory_tiered_customer(dir, "华立", "13900000002") == NULL);
    CHECK(sw_directory_tiered_customer(dir, "", "") == NULL);
    CHECK_STR(sw_directory_customer(dir, "hl", "manager"), "a");
    CHECK_STR(sw_directory_customer(dir, "hl", "tier"), "gold");
    sw_directory_destroy(&dir);
    REJECTS(S_BASE "customer\n    hl\n        name = x\n        tier = platinum\n",
            "line 15: customer/hl/tier: 'platinum' is not gold, silver or bronze");
    REJECTS(S_BASE "customer\n    hl\n        name = x\n        tier = gold\n"
                   "        phone = 1\n        manager = zz\n",
            "line 17: customer/hl/manager: 'zz' is not a known staff");
    REJECTS(S_BASE "customer\n    hl\n        name = x\n        tier = gold\n"
                   "        manager = a\n",
            "line 13: customer/hl/phone: missing (give a unit or a phone to know the "
            "customer by)");
}

int main(void)
{
    sw_directory_t *hotel = s_load_sample("hotel.conf");
    if (hotel) {
        s_test_hotel_organisation(hotel);
        s_test_hotel_staff(hotel);
        s_test_hotel_scopes(hotel);
    }
    sw_directory_destroy(&hotel);
    CHECK(hotel == NULL);
    s_test_town();
    s_test_branches();
    s_test_defaults();
    s_test_bad_syntax();
    s_test_bad_structure();
    s_test_bad_references();
    s_test_bad_values();
    s_test_bad_categories();
    s_test_bad_file();
    s_test_customers();
    SW_TEST_DONE();
}
