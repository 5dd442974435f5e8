/*  test_branch_spool: shouwen-branch's durable spool.  What was added is
    there after a reopen (a restart), pending rows come back oldest first
    and in bounded batches, and an outcome is written once. */
#include <stdlib.h>
#include <unistd.h>

#include "branch_spool.h"
#include "sw_test.h"

typedef struct {
    int n;
    char ids[8][72];
    size_t sizes[8];
} s_seen_t;

static void s_collect(const branch_spool_entry_t *e, const uint8_t *request, size_t size,
                      void *arg)
{
    s_seen_t *seen = (s_seen_t *)arg;
    if (seen->n < 8) {
        snprintf(seen->ids[seen->n], sizeof seen->ids[0], "%s", e->request_id);
        seen->sizes[seen->n] = size;
    }
    seen->n++;
}

static void s_add(branch_spool_t *s, const char *id, uint8_t mark, int64_t *seq)
{
    uint8_t digest[BRANCH_SPOOL_DIGEST];
    memset(digest, mark, sizeof digest);
    uint8_t request[5] = {1, 0, 2, 0, mark}; /* bytes, zero included */
    CHECK_EQ(branch_spool_add(s, id, digest, "SW-AAAA-BBBB-CCCC", request, sizeof request,
                              1000 + mark, seq),
             0);
}

int main(void)
{
    char dir[] = "/tmp/test_branch_spool.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/spool.sqlite", dir);

    branch_spool_t *s = branch_spool_new(path, false);
    CHECK(s != NULL);
    int64_t seq1 = 0, seq2 = 0, seq3 = 0;
    CHECK_EQ(branch_spool_begin(s), 0);
    s_add(s, "r-1", 1, &seq1);
    s_add(s, "r-2", 2, &seq2);
    s_add(s, "r-3", 3, &seq3);
    CHECK_EQ(branch_spool_commit(s), 0);
    CHECK(seq1 < seq2 && seq2 < seq3);
    int64_t dup = 0;
    CHECK_EQ(branch_spool_begin(s), 0);
    uint8_t digest[BRANCH_SPOOL_DIGEST] = {0};
    CHECK_EQ(branch_spool_add(s, "r-1", digest, "", digest, 1, 0, &dup), -1); /* unique */
    branch_spool_rollback(s);
    branch_spool_destroy(&s);
    CHECK(s == NULL);

    /* a restart: everything committed is there, in order */
    s = branch_spool_new(path, false);
    CHECK(s != NULL);
    branch_spool_entry_t e;
    CHECK_EQ(branch_spool_lookup(s, "r-2", &e), 1);
    CHECK_STR(e.case_id, "SW-AAAA-BBBB-CCCC");
    CHECK_EQ(e.state, BRANCH_SPOOL_PENDING);
    CHECK_EQ(e.digest[0], 2);
    CHECK_EQ(branch_spool_lookup(s, "nope", &e), 0);
    s_seen_t seen = {0};
    CHECK_EQ(branch_spool_pending(s, 0, 2, s_collect, &seen), 2); /* bounded */
    CHECK_STR(seen.ids[0], "r-1");
    CHECK_STR(seen.ids[1], "r-2");
    CHECK_EQ(seen.sizes[0], 5);
    memset(&seen, 0, sizeof seen);
    CHECK_EQ(branch_spool_pending(s, seq2, 10, s_collect, &seen), 1); /* after a seq */
    CHECK_STR(seen.ids[0], "r-3");

    /* the hub's outcome, written once */
    uint8_t event_id[16];
    memset(event_id, 7, sizeof event_id);
    CHECK_EQ(branch_spool_begin(s), 0);
    CHECK_EQ(branch_spool_settle(s, "r-1", BRANCH_SPOOL_OK, 42, "SW-AAAA-BBBB-CCCC", "",
                                 "recorded", event_id, sizeof event_id, 3, 2000),
             0);
    CHECK_EQ(branch_spool_settle(s, "r-2", BRANCH_SPOOL_REJECTED, 0, "", "UNKNOWN_STAFF",
                                 "no such staff", NULL, 0, 1, 2000),
             0);
    CHECK_EQ(branch_spool_commit(s), 0);
    CHECK_EQ(branch_spool_lookup(s, "r-1", &e), 1);
    CHECK_EQ(e.state, BRANCH_SPOOL_OK);
    CHECK_EQ(e.position, 42);
    CHECK_EQ(e.attempts, 3);
    CHECK(e.has_event_id && e.event_id[15] == 7);
    CHECK_EQ(branch_spool_lookup(s, "r-2", &e), 1);
    CHECK_EQ(e.state, BRANCH_SPOOL_REJECTED);
    CHECK_STR(e.code, "UNKNOWN_STAFF");
    CHECK_STR(e.case_id,
              "SW-AAAA-BBBB-CCCC"); /* an empty case id keeps the spooled one */
    CHECK_EQ(branch_spool_count(s, BRANCH_SPOOL_PENDING), 1);
    CHECK_EQ(branch_spool_count(s, BRANCH_SPOOL_OK), 1);
    memset(&seen, 0, sizeof seen);
    CHECK_EQ(branch_spool_pending(s, 0, 10, s_collect, &seen), 1);
    CHECK_STR(seen.ids[0], "r-3");

    /* status beside the daemon: read-only */
    branch_spool_t *ro = branch_spool_new(path, true);
    CHECK(ro != NULL);
    FILE *out = tmpfile();
    CHECK_EQ(branch_spool_print(ro, true, out), 3);
    CHECK_EQ(branch_spool_print(ro, false, out), 1);
    fclose(out);
    branch_spool_destroy(&ro);
    branch_spool_destroy(&s);

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
    SW_TEST_DONE();
}
