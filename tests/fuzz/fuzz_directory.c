/*  fuzz_directory: an organisation file, as intake, router and sla parse it
    from the log (sw_directory_new_from_text on untrusted bytes).  Beyond
    "no crash, no leak, no undefined behaviour" this target asserts:
      - the text gives a directory or an error, never both or neither;
      - text that is not ZPL is refused with "line N: ..." naming a line of
        the input;
      - on a directory, every accessor of sw_directory.h answers for every
        department, staff member and category it lists (and for unknown
        and NULL ids): ids it lists exist, what it names is a known
        department or staff member, and the escalation ladder, stand-ins and
        on-duty people are people of the directory. */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_text.h"
#include "sw_directory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_MAX_LINES 20000 /* sw_directory.c refuses longer texts first */

static const char *s_channels[] = {"hotline", "online_chat", "forum", "weibo",
                                   "mailbox", "callback",    "visit", NULL};
static const char *s_roles[] = {
    "head",  "leader", "deputy_gm", "gm", "customer_relations_supervisor",
    "clerk", "",       NULL};

/* A borrowed string: NULL, or a readable C string. */
static size_t s_str(const char *s)
{
    return s ? strlen(s) : 0;
}

static void s_check_staff_ref(sw_directory_t *dir, const char *staff)
{
    FUZZ_ASSERT(!staff || sw_directory_staff_exists(dir, staff));
}

static void s_check_department(sw_directory_t *dir, const char *dept)
{
    static const char *fields[] = {"name",   "location",  "phone",  "head", "leader",
                                   "parent", "deputy_gm", "branch", "nope", NULL};
    FUZZ_ASSERT(dept && sw_directory_department_exists(dir, dept));
    for (const char **f = fields; *f; f++)
        s_str(sw_directory_department(dir, dept, *f));
    s_str(sw_directory_department(dir, dept, NULL));
    const char *parent = sw_directory_department(dir, dept, "parent");
    FUZZ_ASSERT(!parent || sw_directory_department_exists(dir, parent));
    for (int level = -1; level <= 6; level++) {
        const char *rung = sw_directory_ladder(dir, dept, level);
        FUZZ_ASSERT(level >= 1 && level <= 5 ? true : rung == NULL);
        s_str(rung);
    }
}

static void s_check_staff(sw_directory_t *dir, const char *staff)
{
    static const char *fields[] = {"name",         "department", "contact",  "designee",
                                   "availability", "roles",      "channels", "branch",
                                   "nope",         NULL};
    FUZZ_ASSERT(staff && sw_directory_staff_exists(dir, staff));
    for (const char **f = fields; *f; f++)
        s_str(sw_directory_staff(dir, staff, *f));
    s_str(sw_directory_staff(dir, staff, NULL));
    for (const char **r = s_roles; *r; r++)
        sw_directory_has_role(dir, staff, *r);
    sw_directory_has_role(dir, staff, NULL);
    sw_directory_contact_private(dir, staff);
    sw_availability_t a = sw_directory_availability(dir, staff);
    FUZZ_ASSERT(a == SW_AVAILABLE_ON_POST || a == SW_AVAILABLE_AWAY ||
                a == SW_AVAILABLE_TRIP);
    const char *stand_in = sw_directory_stand_in(dir, staff);
    s_check_staff_ref(dir, stand_in);
    FUZZ_ASSERT(!stand_in ||
                sw_directory_availability(dir, stand_in) == SW_AVAILABLE_ON_POST);
    FUZZ_ASSERT(a != SW_AVAILABLE_ON_POST || (stand_in && strcmp(stand_in, staff) == 0));
    for (const char **c = s_channels; *c; c++)
        sw_directory_on_channel(dir, staff, *c);
    sw_directory_on_channel(dir, staff, NULL);
}

static void s_check_category(sw_directory_t *dir, const char *category)
{
    FUZZ_ASSERT(category);
    const char *lead = sw_directory_scope_department(dir, category);
    FUZZ_ASSERT(!lead || sw_directory_department_exists(dir, lead));
    s_check_staff_ref(dir, sw_directory_scope_handler(dir, category));
    const char **depts = NULL;
    size_t n = sw_directory_scope_departments(dir, category, &depts);
    FUZZ_ASSERT(n == 0 || depts);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(depts[i] && sw_directory_department_exists(dir, depts[i]));
    FUZZ_ASSERT(!lead || n > 0);
    sw_directory_scope_ordered(dir, category);
    s_str(sw_directory_outside_guidance(dir, category));
    const char **items = NULL;
    n = sw_directory_checklist(dir, category, &items);
    FUZZ_ASSERT(n == 0 || items);
    for (size_t i = 0; i < n; i++)
        s_str(items[i]);
}

/* What an unknown or NULL id gives: NULL, false or 0. */
static void s_check_unknown(sw_directory_t *dir, const char *id)
{
    if (id &&
        (sw_directory_staff_exists(dir, id) || sw_directory_department_exists(dir, id)))
        return;
    FUZZ_ASSERT(!sw_directory_department(dir, id, "name"));
    FUZZ_ASSERT(!sw_directory_staff(dir, id, "name"));
    FUZZ_ASSERT(!sw_directory_stand_in(dir, id));
    FUZZ_ASSERT(!sw_directory_ladder(dir, id, 1));
    FUZZ_ASSERT(sw_directory_contact_private(dir, id));
    FUZZ_ASSERT(sw_directory_availability(dir, id) == SW_AVAILABLE_ON_POST);
    FUZZ_ASSERT(!sw_directory_on_channel(dir, id, "hotline"));
    FUZZ_ASSERT(!sw_directory_has_role(dir, id, "clerk"));
    const char **list = NULL;
    if (!sw_directory_scope_department(dir, id))
        FUZZ_ASSERT(sw_directory_scope_departments(dir, id, &list) == 0);
    s_str(sw_directory_outside_guidance(dir, id));
    sw_directory_checklist(dir, id, &list);
}

static void s_check_directory(sw_directory_t *dir)
{
    FUZZ_ASSERT(sw_directory_version(dir) && sw_directory_organisation(dir));
    s_check_staff_ref(dir, sw_directory_default_leader(dir));
    s_check_staff_ref(dir, sw_directory_gm(dir));
    s_check_staff_ref(dir, sw_directory_customer_relations_supervisor(dir));
    const char *qa = sw_directory_qa_office(dir);
    FUZZ_ASSERT(!qa || sw_directory_department_exists(dir, qa));
    for (const char **c = s_channels; *c; c++)
        s_check_staff_ref(dir, sw_directory_on_duty(dir, *c));
    FUZZ_ASSERT(!sw_directory_on_duty(dir, NULL));
    const char **phrases = NULL;
    size_t n = sw_directory_forbidden_phrases(dir, &phrases);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(phrases[i]);
    FUZZ_ASSERT(sw_directory_max_hops(dir) >= 0 && sw_directory_max_bounces(dir) >= 0);

    const char **ids = NULL;
    n = sw_directory_departments(dir, &ids);
    FUZZ_ASSERT(n == 0 || ids);
    for (size_t i = 0; i < n; i++)
        s_check_department(dir, ids[i]);
    n = sw_directory_staff_ids(dir, &ids);
    FUZZ_ASSERT(n == 0 || ids);
    for (size_t i = 0; i < n; i++)
        s_check_staff(dir, ids[i]);
    n = sw_directory_categories(dir, &ids);
    FUZZ_ASSERT(n == 0 || ids);
    for (size_t i = 0; i < n; i++)
        s_check_category(dir, ids[i]);
    s_check_unknown(dir, NULL);
    s_check_unknown(dir, "");
    s_check_unknown(dir, "no-such-id-\xe5\xbc\xa0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *error = (char *)"unset";
    sw_directory_t *dir = sw_directory_new_from_text((const char *)data, size, &error);
    FUZZ_ASSERT(!dir == (error != NULL));
    if (dir) {
        s_check_directory(dir);
        sw_directory_destroy(&dir);
        FUZZ_ASSERT(dir == NULL);
        return 0;
    }
    FUZZ_ASSERT(*error);
    size_t lines = fuzz_text_lines(data, size);
    if (lines <= S_MAX_LINES && !fuzz_text_is_zpl(data, size))
        fuzz_text_check_line(error, lines);
    free(error);
    return 0;
}
