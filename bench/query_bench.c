/*  query_bench: the inbox query p99 at N cases (docs/queries.md).

      query_bench [CASES] [STAFF] [OPEN_PERCENT] [QUERIES]

    Feeds intake_cases (the module intake answers inbox, queue, due and
    find from) the committed events of CASES cases: inquiry.received,
    case.routed (first owner, factual owner and handler among STAFF people,
    in STAFF/10 departments), two sla.deadline_set each, and case.closed
    for all but OPEN_PERCENT of them.  Then times QUERIES inbox queries of
    random staff members the way intake answers them: the staff member's
    cases, sorted by the soonest running deadline, at most 200 made into
    CaseSummary messages and the BranchReply packed.  Baseline, in the same
    run: the same answer found by scanning every case (what answering
    without the per-staff index would cost).  Prints p50, p99 and max. */
#include <czmq.h>
#include <sodium.h>
#include <time.h>

#include "intake_cases.h"
#include "sw_eventid.h"

typedef struct {
    char id[24];
    int owner, factual, handler; /* staff indices */
    bool open;
} s_row_t;

static void s_note(intake_cases_t *cases, uint64_t *pos, sw_envelope_t *env, int n)
{
    uint8_t id[16];
    char name[64];
    snprintf(name, sizeof name, "%s/%d/%" PRIu64, env->case_id, n, *pos);
    sw_eventid_make(id, "bench", name, strlen(name));
    env->event_id.data = id;
    env->event_id.len = 16;
    intake_cases_note(cases, ++*pos, env);
}

static int64_t s_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    const intake_case_t *found[4096];
    size_t n;
} s_found_t;

static bool s_collect(void *arg, const intake_case_t *c)
{
    s_found_t *f = (s_found_t *)arg;
    if (f->n < 4096)
        f->found[f->n++] = c;
    return true;
}

static int s_by_due(const void *x, const void *y)
{
    const intake_case_t *a = *(const intake_case_t *const *)x;
    const intake_case_t *b = *(const intake_case_t *const *)y;
    int64_t da = intake_case_next_due(a), db = intake_case_next_due(b);
    return da < db ? -1 : da > db ? 1 : strcmp(intake_case_id(a), intake_case_id(b));
}

/* the answer as intake builds it: sort, at most 200 summaries, packed */
static size_t s_answer(s_found_t *f, const char *staff)
{
    qsort(f->found, f->n, sizeof f->found[0], s_by_due);
    size_t n = f->n < 200 ? f->n : 200;
    Shouwen__V1__CaseSummary *cs[200];
    for (size_t i = 0; i < n; i++)
        cs[i] = intake_cases_summary(f->found[i], staff);
    Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
    reply.request_id = (char *)"bench";
    reply.n_cases = n;
    reply.cases = cs;
    size_t len = protobuf_c_message_get_packed_size(&reply.base);
    uint8_t *buf = (uint8_t *)malloc(len);
    protobuf_c_message_pack(&reply.base, buf);
    free(buf);
    for (size_t i = 0; i < n; i++)
        intake_cases_summary_free(cs[i]);
    return len;
}

static void s_report(const char *what, int64_t *ns, int q, size_t bytes)
{
    qsort(ns, (size_t)q, sizeof ns[0], s_cmp);
    printf("%-44s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  (%d queries, %zu "
           "bytes/answer avg)\n",
           what, ns[q / 2] / 1e6, ns[(q * 99) / 100] / 1e6, ns[q - 1] / 1e6, q,
           bytes / (size_t)q);
}

int main(int argc, char **argv)
{
    int ncases = argc > 1 ? atoi(argv[1]) : 1000000;
    int nstaff = argc > 2 ? atoi(argv[2]) : 1000;
    int open_pct = argc > 3 ? atoi(argv[3]) : 10;
    int q = argc > 4 ? atoi(argv[4]) : 2000;
    if (sodium_init() < 0 || ncases < 1 || nstaff < 10 || q < 100)
        return 64;
    intake_cases_t *cases = intake_cases_new();
    s_row_t *rows = (s_row_t *)calloc((size_t)ncases, sizeof(s_row_t));
    char **staff = (char **)calloc((size_t)nstaff, sizeof(char *));
    for (int i = 0; i < nstaff; i++)
        staff[i] = zsys_sprintf("st-%04d", i);
    char dept[32];
    uint64_t pos = 0;
    int64_t base_us = 1772413200000000; /* 2026-03-02 09:00 +08:00 */
    srandom(42);
    int64_t t0 = s_now_ns();
    for (int i = 0; i < ncases; i++) {
        s_row_t *r = &rows[i];
        snprintf(r->id, sizeof r->id, "SW-%04X-%04X-%04X", (i >> 24) & 0xffff,
                 (i >> 12) & 0xfff, i & 0xfff);
        r->owner = (int)(random() % nstaff);
        r->factual = (int)(random() % nstaff);
        r->handler = (int)(random() % nstaff);
        r->open = (int)(random() % 100) < open_pct;
        snprintf(dept, sizeof dept, "dept-%03d", r->handler / 10);
        Shouwen__V1__Customer cu = SHOUWEN__V1__CUSTOMER__INIT;
        cu.name = (char *)"张三";
        char phone[16];
        snprintf(phone, sizeof phone, "138%08d", i);
        cu.phone = phone;
        Shouwen__V1__InquiryReceived ir = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
        ir.customer = &cu;
        ir.matter = (char *)"房间需要打扫";
        ir.category = (char *)"room_cleaning";
        ir.receiver_staff_id = staff[r->owner];
        ir.received_at_us = base_us + (int64_t)i * 1000000;
        sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
        env.case_id = r->id;
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
        env.inquiry_received = &ir;
        s_note(cases, &pos, &env, 0);
        Shouwen__V1__Routed ro = SHOUWEN__V1__ROUTED__INIT;
        ro.natural_owner_id = staff[r->owner];
        ro.factual_owner_id = staff[r->factual];
        ro.handler_id = staff[r->handler];
        ro.department_id = dept;
        env.body_case = SHOUWEN__V1__ENVELOPE__BODY_ROUTED;
        env.routed = &ro;
        s_note(cases, &pos, &env, 1);
        for (int k = 0; k < 2; k++) {
            Shouwen__V1__DeadlineSet ds = SHOUWEN__V1__DEADLINE_SET__INIT;
            ds.kind = k ? SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_COMPLETION
                        : SHOUWEN__V1__DEADLINE_KIND__DEADLINE_KIND_REPLY;
            ds.due_at_us = ir.received_at_us + (k ? 5 : 1) * 86400LL * 1000000;
            ds.warn_at_us = ds.due_at_us - 3600LL * 1000000;
            ds.holder_staff_id = staff[r->handler];
            ds.department_id = dept;
            ds.policy = (char *)"R11 reply 1 working day";
            env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DEADLINE_SET;
            env.deadline_set = &ds;
            s_note(cases, &pos, &env, 2 + k);
        }
        if (!r->open) {
            Shouwen__V1__Closed cl = SHOUWEN__V1__CLOSED__INIT;
            cl.reason = (char *)"已回访";
            env.body_case = SHOUWEN__V1__ENVELOPE__BODY_CLOSED;
            env.closed = &cl;
            s_note(cases, &pos, &env, 4);
        }
    }
    double load_s = (s_now_ns() - t0) / 1e9;
    printf("# query_bench: %d cases (%d%% open), %d staff, %" PRIu64
           " events applied in %.1f s; "
           "%d CPUs, load average %s",
           ncases, open_pct, nstaff, pos, load_s, (int)sysconf(_SC_NPROCESSORS_ONLN), "");
    FILE *la = fopen("/proc/loadavg", "r");
    char line[64] = "?";
    if (la && fgets(line, sizeof line, la))
        printf("%.14s", line);
    if (la)
        fclose(la);
    printf("\n");
    int64_t *ns = (int64_t *)calloc((size_t)q, sizeof(int64_t));
    s_found_t *f = (s_found_t *)malloc(sizeof(s_found_t));
    size_t bytes = 0, found = 0;
    for (int i = 0; i < q; i++) {
        const char *who = staff[random() % nstaff];
        int64_t s = s_now_ns();
        f->n = 0;
        intake_cases_of_staff(cases, who, s_collect, f);
        found += f->n;
        bytes += s_answer(f, who);
        ns[i] = s_now_ns() - s;
    }
    printf("# an inbox holds %zu cases on average\n", found / (size_t)q);
    s_report("inbox, intake_cases (per-staff index)", ns, q, bytes);
    /* baseline: the same answer by scanning every case */
    int qb = q / 10;
    bytes = 0;
    for (int i = 0; i < qb; i++) {
        int w = (int)(random() % nstaff);
        int64_t s = s_now_ns();
        f->n = 0;
        for (int k = 0; k < ncases; k++) {
            const s_row_t *r = &rows[k];
            if (r->open && (r->owner == w || r->factual == w || r->handler == w) &&
                f->n < 4096)
                f->found[f->n++] = intake_cases_find(cases, r->id);
        }
        bytes += s_answer(f, staff[w]);
        ns[i] = s_now_ns() - s;
    }
    s_report("baseline: scan of every case", ns, qb, bytes);
    free(f);
    free(ns);
    intake_cases_destroy(&cases);
    for (int i = 0; i < nstaff; i++)
        zstr_free(&staff[i]);
    free(staff);
    free(rows);
    return 0;
}
