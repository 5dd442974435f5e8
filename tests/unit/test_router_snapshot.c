/*  test_router_snapshot: a snapshot round trip is the same as a full replay
    (issue 10, "snapshot round trip = full replay (property)").

    The logs come from test_router_case_property's simulation (its file is
    included here with its main renamed, so its generators are reused
    unchanged): random inquiries, staff actions, sla breaches and noise,
    directory loads and router's own decisions, committed as audit would.
    Each log starts with two directory loads, so the organisation comes
    from the log as in the daemon.

    For each seed the log is applied in full to a router_store A.  For a few
    random positions k, a store B takes positions 1..k, is saved, written to
    a file and opened as the daemon does (sw_snapshot_open), and loaded into
    a fresh store C; then B and C take k+1.. in lockstep, and after each
    event the case it touched must be the same in both (live or packed) and
    router must propose the same decision on it (id and packed envelope).
    At the end the snapshot bytes of A, B and C are the same (all but the
    time of writing and the checksum over it).  The runs must pack closed
    cases and bring some back (a late event on a closed case), or the test
    proves less than it says.

    SHOUWEN_PROPERTY_SEED=N runs that one seed; SHOUWEN_ROUTER_SCALE=CLOSED:OPEN
    measures a store of that many cases instead (s_scale). */
#define main s_case_property_main
#include "test_router_case_property.c"
#undef main

#include <malloc.h>
#include <unistd.h>

#include "router_store.h"

#define S_SEEDS      16 /* seeds per run */
#define S_SEED_CASES 80 /* cases opened per seed */
#define S_CUTS       3  /* snapshot positions per seed */

static char s_dir[64]; /* temporary directory for the files */
static uint64_t s_packed_seen, s_unpacked_seen, s_cuts, s_decisions;

/* ---------------------------------------------------------------- the log */

/* test_router_case_property's run, smaller, leaving the log in sim. */
static void s_generate(rp_sim_t *sim, uint64_t seed)
{
    s_sim_init(sim, seed);
    rp_load_directory(sim); /* the variant at position 1, */
    rp_load_directory(sim); /* the hotel at position 2: in force */
    size_t active[S_SEED_CASES], nactive = 0;
    while (sim->ncases < S_SEED_CASES || nactive) {
        if (sim->ncases < S_SEED_CASES && (!nactive || rp_chance(sim, 3))) {
            rp_random_inquiry(sim);
            active[nactive++] = sim->ncases - 1;
            continue;
        }
        size_t pick = rp_below(sim, nactive);
        rp_case_t *c = &sim->cases[active[pick]];
        s_step(sim, c);
        if (c->steps >= S_STEPS)
            active[pick] = active[--nactive];
        size_t roll = rp_below(sim, 10000);
        if (roll < 3)
            s_restart(sim);
        else if (roll < 30)
            rp_load_directory(sim);
    }
    for (size_t i = 0; i < sim->ncases; i++)
        rp_deliver_held(sim, &sim->cases[i]);
    for (size_t i = 0; i < sim->ncases; i++) { /* router catches up */
        int n = 0;
        while (n < 1000 && rp_decide(sim, &sim->cases[i], false))
            n++;
    }
}

/* The follower's delivery and router_server's apply: the case touched, live
   (returned) or not; *case_id its id, "" when not a case event. */
static router_case_t *s_apply(router_store_t *store, zframe_t *frame, uint64_t position,
                              char *case_id, size_t size)
{
    sw_committed_t *cm =
        shouwen__v1__committed__unpack(NULL, zframe_size(frame), zframe_data(frame));
    CHECK(cm && cm->position == position);
    if (!cm)
        return NULL;
    const char *why = NULL;
    sw_envelope_t *env = sw_envelope_decode(cm->envelope.data, cm->envelope.len, &why);
    CHECK(env != NULL);
    router_case_t *c = NULL;
    case_id[0] = '\0';
    if (env) {
        snprintf(case_id, size, "%s", env->case_id ? env->case_id : "");
        c = router_store_apply(store, cm, env);
        CHECK(router_store_position(store) == position);
        CHECK_MEM(router_store_event_id(store), env->event_id.data, SW_EVENTID_SIZE);
        sw_envelope_free(env);
    }
    shouwen__v1__committed__free_unpacked(cm, NULL);
    return c;
}

/* ---------------------------------------------------------- the snapshots */

static uint8_t *s_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = (uint8_t *)malloc(n > 0 ? (size_t)n : 1);
    *size = fread(data, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    return data;
}

/* The file a store's snapshot makes, as bytes, with the time of writing
   (header bytes 56..63) and the checksum that covers it (72..103) zeroed. */
static uint8_t *s_bytes(router_store_t *store, const char *name, size_t *size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.snapshot", s_dir, name);
    const char *why = NULL;
    sw_snapshot_t *snap = router_store_save(store, &why);
    CHECK(snap != NULL);
    if (!snap)
        return NULL;
    CHECK(sw_snapshot_write(snap, path, &why) == 0);
    sw_snapshot_destroy(&snap);
    uint8_t *data = s_slurp(path, size);
    CHECK(data && *size >= 104);
    if (data && *size >= 104) {
        memset(data + 56, 0, 8);
        memset(data + 72, 0, 32);
    }
    return data;
}

static void s_same_bytes(router_store_t *a, router_store_t *b, const char *what,
                         uint64_t seed)
{
    size_t na = 0, nb = 0;
    uint8_t *da = s_bytes(a, "a", &na), *db = s_bytes(b, "b", &nb);
    CHECK(da && db && na == nb && memcmp(da, db, na) == 0);
    if (!(da && db && na == nb && memcmp(da, db, na) == 0))
        fprintf(stderr, "  seed %" PRIu64 ": %s: snapshots differ (%zu and %zu bytes)\n",
                seed, what, na, nb);
    free(da);
    free(db);
}

static void s_copy_file(const char *from, const char *to, long cut)
{
    size_t size = 0;
    uint8_t *data = s_slurp(from, &size);
    FILE *f = fopen(to, "wb");
    CHECK(f != NULL);
    if (f && data) {
        size_t keep = cut > 0 && (size_t)cut < size ? size - (size_t)cut : size;
        CHECK(fwrite(data, 1, keep, f) == keep);
    }
    if (f)
        fclose(f);
    free(data);
}

/* B's state at k through a file, as the daemon loads it; its spill file
   copied for C (B goes on writing its own). */
static router_store_t *s_round_trip(router_store_t *b)
{
    static bool short_tried;
    char path[128], spill_b[128], spill_c[128];
    snprintf(path, sizeof path, "%s/router.snapshot", s_dir);
    snprintf(spill_b, sizeof spill_b, "%s/b.closed", s_dir);
    snprintf(spill_c, sizeof spill_c, "%s/c.closed", s_dir);
    const char *why = NULL;
    sw_snapshot_t *snap = router_store_save(b, &why);
    CHECK(snap != NULL);
    if (!snap)
        return NULL;
    CHECK(sw_snapshot_write(snap, path, &why) == 0);
    sw_snapshot_destroy(&snap);
    if (!short_tried && router_store_packed_cases(b)) {
        /* a spill file shorter than the snapshot says: not used */
        short_tried = true;
        s_copy_file(spill_b, spill_c, 1);
        snap = sw_snapshot_open(path, "router", ROUTER_SNAPSHOT_FORMAT, &why);
        router_store_t *c = snap ? router_store_load(snap, spill_c, &why) : NULL;
        CHECK(snap && !c && why && strstr(why, "shorter"));
        router_store_destroy(&c);
        sw_snapshot_destroy(&snap);
    }
    s_copy_file(spill_b, spill_c, 0);
    snap = sw_snapshot_open(path, "router", ROUTER_SNAPSHOT_FORMAT, &why);
    CHECK(snap != NULL);
    if (!snap)
        return NULL;
    CHECK(sw_snapshot_position(snap) == router_store_position(b));
    CHECK_MEM(sw_snapshot_event_id(snap), router_store_event_id(b), SW_EVENTID_SIZE);
    router_store_t *c = router_store_load(snap, spill_c, &why);
    CHECK(c != NULL);
    if (!c)
        fprintf(stderr, "  snapshot not loaded: %s\n", why);
    sw_snapshot_destroy(&snap);
    return c;
}

/* The same decision (or none) on the case in both stores. */
static void s_same_decision(rp_sim_t *sim, router_store_t *b, router_case_t *cb,
                            router_store_t *c, router_case_t *cc)
{
    CHECK(router_store_directory(b) && router_store_directory(c));
    if (!cb || !cc || !router_store_directory(b) || !router_store_directory(c))
        return;
    CHECK_STR(sw_directory_version(router_store_directory(c)),
              sw_directory_version(router_store_directory(b)));
    bool db = router_case_next(cb, router_store_directory(b), sim->d1);
    bool dc = router_case_next(cc, router_store_directory(c), sim->d2);
    CHECK(db == dc);
    if (!db || !dc)
        return;
    s_decisions++;
    CHECK_MEM(sim->d1->id, sim->d2->id, SW_EVENTID_SIZE);
    zframe_t *fb = rp_propose(sim, &sim->d1->env, "router", 1, 1);
    zframe_t *fc = rp_propose(sim, &sim->d2->env, "router", 1, 1);
    CHECK(zframe_eq(fb, fc));
    zframe_destroy(&fb);
    zframe_destroy(&fc);
}

static void s_cut(rp_sim_t *sim, router_store_t *a, size_t k)
{
    char id_b[64], id_c[64], spill_b[128];
    snprintf(spill_b, sizeof spill_b, "%s/b.closed", s_dir);
    router_store_t *b = router_store_new(spill_b);
    for (size_t i = 0; i < k; i++)
        s_apply(b, sim->log[i], i + 1, id_b, sizeof id_b);
    router_store_t *c = s_round_trip(b);
    if (!c) {
        router_store_destroy(&b);
        return;
    }
    s_same_bytes(b, c, "at the cut", sim->seed);
    CHECK(router_store_live_cases(b) == router_store_live_cases(c));
    CHECK(router_store_packed_cases(b) == router_store_packed_cases(c));
    /* what router proposes once live, on every live case */
    for (router_case_t *cb = router_store_first(b); cb; cb = router_store_next(b)) {
        router_case_t *cc = router_store_case(c, router_case_id(cb));
        CHECK(cc != NULL);
        s_same_decision(sim, b, cb, c, cc);
    }
    for (size_t i = k; i < sim->head; i++) {
        bool was_packed = false;
        router_case_t *cb = s_apply(b, sim->log[i], i + 1, id_b, sizeof id_b);
        if (*id_b)
            was_packed = router_store_is_packed(c, id_b);
        router_case_t *cc = s_apply(c, sim->log[i], i + 1, id_c, sizeof id_c);
        CHECK_STR(id_c, id_b);
        CHECK((cb == NULL) == (cc == NULL));
        if (*id_b) {
            CHECK(router_store_is_packed(b, id_b) == router_store_is_packed(c, id_c));
            s_packed_seen += router_store_is_packed(c, id_c);
            s_unpacked_seen += was_packed && cc;
        }
        s_same_decision(sim, b, cb, c, cc);
    }
    s_same_bytes(a, c, "full replay and snapshot + tail", sim->seed);
    s_same_bytes(a, b, "full replay and full replay", sim->seed);
    s_cuts++;
    router_store_destroy(&b);
    router_store_destroy(&c);
}

static void s_seed(uint64_t seed)
{
    rp_sim_t *sim = (rp_sim_t *)malloc(sizeof(rp_sim_t));
    s_generate(sim, seed);
    char id[64];
    router_store_t *a = router_store_new(NULL);
    for (size_t i = 0; i < sim->head; i++)
        s_apply(a, sim->log[i], i + 1, id, sizeof id);
    size_t packed = router_store_packed_cases(a);
    printf("seed %" PRIu64 ": %zu events, %zu open cases, %zu closed (packed, %" PRIu64
           " bytes each on average)\n",
           seed, sim->head, router_store_live_cases(a), packed,
           packed ? router_store_packed_bytes(a) / packed : 0);
    size_t cuts[S_CUTS + 2] = {1, sim->head}; /* the ends, and random cuts */
    for (size_t j = 2; j < S_CUTS + 2; j++)
        cuts[j] = 1 + rp_below(sim, sim->head);
    for (size_t j = 0; j < S_CUTS + 2; j++)
        s_cut(sim, a, cuts[j]);
    router_store_destroy(&a);
    s_sim_destroy(sim);
    free(sim);
}

/* ------------------------------------------------------------- figures */

static int64_t s_rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (int64_t)resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One committed event, applied as the daemon does. */
static void s_commit(router_store_t *store, sw_envelope_t *env, uint64_t *position,
                     uint64_t version)
{
    sw_committed_t cm = SHOUWEN__V1__COMMITTED__INIT;
    cm.position = ++*position;
    cm.case_version = version;
    router_store_apply(store, &cm, env);
}

/* SHOUWEN_ROUTER_SCALE=CLOSED:OPEN: a store with that many cases closed
   and open (each received, routed by router_route itself, the closed ones
   closed with a reason), its resident memory, and its snapshot's size and
   times.  Figures for docs/scaling.md; not part of the test. */
static void s_scale(const char *spec)
{
    size_t closed = 0, open = 0;
    if (sscanf(spec, "%zu:%zu", &closed, &open) != 2)
        return;
    char path[512];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/deploy/directory/hotel.conf", SHOUWEN_SOURCE_DIR);
    char *text = s_read_file(path, &len);
    char spill[128];
    snprintf(spill, sizeof spill, "%s/scale.closed", s_dir);
    router_store_t *store = router_store_new(spill);
    uint64_t position = 0;
    uint8_t dir_id[SW_EVENTID_SIZE] = {9};
    Shouwen__V1__DirectoryLoaded dl = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    dl.kind = (char *)"organisation";
    dl.version = (char *)"hotel-2026.2";
    dl.content.data = (uint8_t *)text;
    dl.content.len = len;
    dl.loaded_by = (char *)"gm-01";
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    env.event_id.data = dir_id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.producer = (char *)"intake";
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_DIRECTORY_LOADED;
    env.directory_loaded = &dl;
    s_commit(store, &env, &position, 0);
    router_decision_t *d = (router_decision_t *)zmalloc(sizeof(router_decision_t));
    int64_t rss0 = s_rss_kb(), t0 = zclock_mono();
    static const char *categories[] = {"room_cleaning", "room_booking", "lost_property"};
    for (size_t i = 0; i < closed + open; i++) {
        char name[64], case_id[SW_CASEID_STRLEN + 1], phone[32];
        snprintf(name, sizeof name, "branch-1/scale-%zu", i);
        snprintf(phone, sizeof phone, "139%08zu", i);
        uint8_t id[SW_EVENTID_SIZE];
        sw_eventid_make(id, "intake", name, strlen(name));
        sw_caseid_from_event(id, case_id);
        Shouwen__V1__InquiryReceived in = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
        Shouwen__V1__Customer customer = SHOUWEN__V1__CUSTOMER__INIT;
        customer.name = (char *)"张三";
        customer.phone = phone;
        in.customer = &customer;
        in.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
        in.category = (char *)categories[i % 3];
        in.receiver_staff_id = (char *)"fo-01";
        in.matter = (char *)"测试事项";
        sw_envelope_t e = SHOUWEN__V1__ENVELOPE__INIT;
        e.event_id.data = id;
        e.event_id.len = SW_EVENTID_SIZE;
        e.producer = (char *)"intake";
        e.case_id = case_id;
        e.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
        e.inquiry_received = &in;
        s_commit(store, &e, &position, 1);
        router_case_t *c = router_store_case(store, case_id);
        if (!c || !router_case_next(c, router_store_directory(store), d))
            continue;
        d->env.producer = (char *)"router";
        s_commit(store, &d->env, &position, 2);
        if (i >= closed)
            continue;
        Shouwen__V1__Closed cl = SHOUWEN__V1__CLOSED__INIT;
        cl.reason = (char *)"已答复客人，客人满意";
        cl.guidance = (char *)"";
        uint8_t close_id[SW_EVENTID_SIZE];
        sw_eventid_derive(close_id, id, "close");
        sw_envelope_t x = SHOUWEN__V1__ENVELOPE__INIT;
        x.event_id.data = close_id;
        x.event_id.len = SW_EVENTID_SIZE;
        x.producer = (char *)"router";
        x.case_id = case_id;
        x.body_case = SHOUWEN__V1__ENVELOPE__BODY_CLOSED;
        x.closed = &cl;
        s_commit(store, &x, &position, 3);
    }
    int64_t rss1 = s_rss_kb(), t1 = zclock_mono();
    printf("scale: %zu open, %zu closed cases (%" PRIu64
           " bytes packed in the spill file), "
           "%" PRIu64 " events applied in %" PRId64 " ms; resident memory %" PRId64
           " MB -> %" PRId64 " MB\n",
           router_store_live_cases(store), router_store_packed_cases(store),
           router_store_packed_bytes(store), position, t1 - t0, rss0 / 1024, rss1 / 1024);
    snprintf(path, sizeof path, "%s/scale.snapshot", s_dir);
    const char *why = NULL;
    sw_snapshot_t *snap = router_store_save(store, &why);
    CHECK(snap && sw_snapshot_write(snap, path, &why) == 0);
    size_t size = snap ? sw_snapshot_size(snap) : 0;
    sw_snapshot_destroy(&snap);
    int64_t t2 = zclock_mono();
    snap = router_store_save(store, &why); /* again: the spill file is synced */
    CHECK(snap && sw_snapshot_write(snap, path, &why) == 0);
    sw_snapshot_destroy(&snap);
    int64_t t2b = zclock_mono();
    router_store_destroy(&store);
    malloc_trim(0); /* what the built store freed goes back */
    int64_t rss2 = s_rss_kb(), t3 = zclock_mono();
    snap = sw_snapshot_open(path, "router", ROUTER_SNAPSHOT_FORMAT, &why);
    CHECK(snap != NULL);
    store = snap ? router_store_load(snap, spill, &why) : NULL;
    CHECK(store != NULL);
    sw_snapshot_destroy(&snap);
    int64_t t4 = zclock_mono();
    printf("scale: snapshot of %zu bytes saved and written in %" PRId64 " ms (%" PRId64
           " ms once the spill file is synced), opened and loaded in %" PRId64 " ms\n",
           size, t2 - t1, t2b - t2, t4 - t3);
    printf("scale: resident memory %" PRId64 " MB before the load, %" PRId64
           " MB after\n",
           rss2 / 1024, s_rss_kb() / 1024);
    router_store_destroy(&store);
    unlink(path);
    unlink(spill);
    free(d);
    free(text);
}

/* A payload that does not read back is refused with its reason. */
static void s_bad_payloads(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/bad.snapshot", s_dir);
    uint8_t id[SW_EVENTID_SIZE] = {1}, sum[8] = {0};
    const char *why = NULL;
    for (int variant = 0; variant < 4; variant++) {
        sw_snapshot_t *snap = sw_snapshot_new("router", ROUTER_SNAPSHOT_FORMAT, 7, id);
        sw_snapshot_put_u64(snap, 0);
        sw_snapshot_put_u8(snap, 0);  /* no organisation */
        sw_snapshot_put_u64(snap, 0); /* an empty spill file */
        sw_snapshot_put_u64(snap, variant == 3 ? 0 : 1);
        if (variant == 0) { /* a live case that is not one */
            sw_snapshot_put_u8(snap, 0);
            sw_snapshot_put_bytes(snap, "garbage", 7);
        } else if (variant == 2) { /* a closed case beyond the spill file */
            sw_snapshot_put_u8(snap, 1);
            sw_snapshot_put_bytes(snap, "SW-7SER-930A-4769", 17);
            sw_snapshot_put_u64(snap, 0);
            sw_snapshot_put_u32(snap, 100);
            sw_snapshot_put_bytes(snap, sum, sizeof sum);
        } else if (variant == 3)
            sw_snapshot_put_u8(snap, 0); /* more than its cases */
        /* variant 1: the case is missing */
        CHECK(sw_snapshot_write(snap, path, &why) == 0);
        sw_snapshot_destroy(&snap);
        snap = sw_snapshot_open(path, "router", ROUTER_SNAPSHOT_FORMAT, &why);
        CHECK(snap != NULL);
        why = NULL;
        router_store_t *store = snap ? router_store_load(snap, NULL, &why) : NULL;
        CHECK(store == NULL && why != NULL);
        router_store_destroy(&store);
        sw_snapshot_destroy(&snap);
    }
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/test_router_snapshot.XXXXXX");
    CHECK(mkdtemp(s_dir) != NULL);
    s_bad_payloads();
    const char *scale = getenv("SHOUWEN_ROUTER_SCALE");
    if (scale) {
        s_scale(scale);
        char path[128];
        snprintf(path, sizeof path, "%s/bad.snapshot", s_dir);
        unlink(path);
        rmdir(s_dir);
        SW_TEST_DONE();
    }
    /* settled cases move into the sorted array every few closings, so the
       cuts below meet the array, the hash and both */
    router_store_compact_min = 3;
    const char *one = getenv("SHOUWEN_PROPERTY_SEED");
    if (one)
        s_seed(strtoull(one, NULL, 10));
    else
        for (uint64_t seed = 1; seed <= S_SEEDS; seed++)
            s_seed(seed * 7919);
    printf("%" PRIu64 " cuts, %" PRIu64
           " decisions compared; events on packed cases %" PRIu64
           ", packed cases brought back %" PRIu64 "\n",
           s_cuts, s_decisions, s_packed_seen, s_unpacked_seen);
    CHECK(s_cuts > 0 && s_decisions > 0);
    if (!one) { /* the runs exercised what they claim to */
        CHECK(s_packed_seen > 0);
        CHECK(s_unpacked_seen > 0);
    }
    const char *names[] = {"a.snapshot",   "b.snapshot", "router.snapshot",
                           "bad.snapshot", "b.closed",   "c.closed"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", s_dir, names[i]);
        unlink(path);
    }
    rmdir(s_dir);
    SW_TEST_DONE();
}
