/*  shouwen verify --anchors FILE [--postgres CONNINFO] [--key PUBLIC_CERT]
    Checks the event log against the anchors audit signed (docs/anchors.md):
    every anchor's signature, then the whole hash chain recomputed here, in
    C, from the rows (not by shouwen.event_hash or verify_chain, which
    whoever rewrote the chain could have rewritten too), compared with the
    stored hash of every row and with the anchored hash at every anchored
    position.  Exit 0 intact, 1 the log or the anchors disagree, 2 usage
    or connection error. */
#include "shouwen_anchor.h"
#include "shouwen_i18n.h"
#include "sw_alloc.h"

#include <czmq.h>
#include <endian.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <time.h>

#include "sw_anchor.h"

#define S_INTACT   0
#define S_DISAGREE 1
#define S_ERROR    2
#define S_PAGE     1000 /* rows per FETCH (the statement below says it too) */

/* The canonical JSON part of a chain link, as shouwen.event_hash builds it
   (services/audit/sql/001_events.sql), from built-in functions only:
   shouwen.ts_to_us is written out, since it is the schema owner's too. */
static const char *s_declare_sql =
    "DECLARE chain NO SCROLL CURSOR FOR "
    "SELECT e.position, e.hash, e.envelope, "
    "       pg_catalog.convert_to(pg_catalog.jsonb_build_array("
    "         e.position, e.event_id, e.type, e.case_id, e.case_version, "
    "         e.based_on_version, e.causation_id, e.producer, e.producer_seq, e.actor, "
    "         (extract(epoch FROM e.occurred_at AT TIME ZONE 'UTC') * 1000000)::bigint, "
    "         (extract(epoch FROM e.committed_at AT TIME ZONE 'UTC') * 1000000)::bigint, "
    "         e.body)::text, 'UTF8') "
    "  FROM shouwen.events e ORDER BY e.position";

/* One line of the anchor file. */
typedef struct {
    sw_anchor_t a;
    size_t line; /* line number in the file, from 1 */
} s_line_t;

/* The check's state while the chain is walked. */
typedef struct {
    s_line_t *anchors; /* the well-signed anchors, by position */
    size_t n_anchors, next;
    size_t checked;       /* anchors compared with the log */
    uint64_t last_agree;  /* position of the last anchor that agreed (0: none) */
    size_t disagree;      /* anchors that disagree */
    uint64_t first_break; /* first row whose stored hash does not recompute */
    uint64_t first_gap;   /* first position missing or out of order */
    uint64_t position;    /* last row read */
    uint8_t link[32];     /* recomputed hash at position */
    uint8_t stored[32];   /* stored hash at position */
} s_walk_t;

static void s_hex(const uint8_t *bin, size_t len, char *out, size_t size)
{
    sodium_bin2hex(out, size, bin, len);
}

/* UTC microseconds as "2026-12-03 09:12:01 UTC". */
static void s_utc(int64_t us, char *buf, size_t size)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "at_us=%" PRId64, us);
}

static int s_by_position(const void *x, const void *y)
{
    const s_line_t *a = (const s_line_t *)x, *b = (const s_line_t *)y;
    if (a->a.position != b->a.position)
        return a->a.position < b->a.position ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* Reads FILE; keeps the anchors whose signature holds (against key when
   given, else the key in the line) and reports the others.  Returns the
   number of bad lines, or -1 when the file cannot be read. */
static int s_read_anchors(const char *file, const uint8_t *key, s_walk_t *w)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, _("shouwen: cannot read %s: %s\n"), file, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t cap = 0, line = 0, alloc = 0;
    int bad = 0;
    uint8_t first_key[crypto_sign_PUBLICKEYBYTES];
    size_t keys = 0;
    while (getline(&text, &cap, f) >= 0) {
        line++;
        s_line_t l = {.line = line};
        if (sw_anchor_parse(text, &l.a) != 0) {
            printf("line %zu of %s: not an anchor line (damaged or edited)\n", line,
                   file);
            bad++;
            continue;
        }
        if (!key && keys++ == 0)
            memcpy(first_key, l.a.key, sizeof first_key);
        else if (!key && sodium_memcmp(first_key, l.a.key, sizeof first_key) != 0) {
            char hex[65];
            s_hex(l.a.key, sizeof l.a.key, hex, sizeof hex);
            printf("line %zu of %s: signed by another key than line 1's (%s)\n", line,
                   file, hex);
        }
        if (!sw_anchor_verify(&l.a, key ? key : l.a.key)) {
            char when[40];
            s_utc(l.a.at_us, when, sizeof when);
            printf("line %zu of %s: bad signature (anchor at position %" PRIu64
                   ", dated %s)%s\n",
                   line, file, l.a.position, when,
                   key && sodium_memcmp(key, l.a.key, 32) != 0
                       ? ": the line names another key than --key"
                       : "");
            bad++;
            continue;
        }
        if (w->n_anchors == alloc) {
            alloc = alloc ? alloc * 2 : 256;
            w->anchors = (s_line_t *)sw_realloc(w->anchors, alloc * sizeof(s_line_t));
        }
        w->anchors[w->n_anchors++] = l;
    }
    free(text);
    fclose(f);
    if (w->n_anchors > 1)
        qsort(w->anchors, w->n_anchors, sizeof(s_line_t), s_by_position);
    return bad;
}

/* Compares the anchors at w->position with the recomputed link. */
static void s_check_anchors(s_walk_t *w)
{
    char when[40], anchored[65], has[65], stored[65];
    /* anchored positions the log skipped: their rows are gone */
    while (w->next < w->n_anchors && w->anchors[w->next].a.position < w->position) {
        const sw_anchor_t *a = &w->anchors[w->next++].a;
        w->checked++;
        s_utc(a->at_us, when, sizeof when);
        if (w->disagree++ == 0)
            printf("position %" PRIu64 ": anchored (signed %s) but missing from the "
                   "log\n",
                   a->position, when);
    }
    while (w->next < w->n_anchors && w->anchors[w->next].a.position == w->position) {
        const sw_anchor_t *a = &w->anchors[w->next++].a;
        w->checked++;
        if (sodium_memcmp(a->hash, w->link, 32) == 0) {
            if (w->disagree == 0)
                w->last_agree = w->position;
            continue;
        }
        if (w->disagree++ > 0)
            continue;
        s_utc(a->at_us, when, sizeof when);
        s_hex(a->hash, 32, anchored, sizeof anchored);
        s_hex(w->link, 32, has, sizeof has);
        s_hex(w->stored, 32, stored, sizeof stored);
        printf("position %" PRIu64 ": the log disagrees with the anchor signed %s "
               "(anchored hash %s, log has %s%s%s); the change lies in ",
               w->position, when, anchored, has,
               memcmp(w->stored, w->link, 32) ? ", stored as " : "",
               memcmp(w->stored, w->link, 32) ? stored : "");
        if (w->last_agree + 1 == w->position)
            printf("position %" PRIu64, w->position);
        else
            printf("positions %" PRIu64 "..%" PRIu64, w->last_agree + 1, w->position);
        if (w->last_agree > 0)
            printf(" (the anchor at %" PRIu64 " agrees)\n", w->last_agree);
        else
            printf(" (no earlier anchor agrees)\n");
    }
}

/* One row: position, stored hash, envelope, canonical JSON (binary). */
static void s_link(s_walk_t *w, PGresult *res, int r)
{
    uint64_t position;
    memcpy(&position, PQgetvalue(res, r, 0), 8);
    position = be64toh(position);
    if (position != w->position + 1 && w->first_gap == 0) {
        w->first_gap = w->position + 1;
        printf("position %" PRIu64 ": missing (the next row is at %" PRIu64
               "): rows were removed or inserted\n",
               w->position + 1, position);
    }
    uint8_t envelope_hash[32];
    crypto_hash_sha256(envelope_hash, (const uint8_t *)PQgetvalue(res, r, 2),
                       (unsigned long long)PQgetlength(res, r, 2));
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, w->link, 32); /* the previous link */
    crypto_hash_sha256_update(&st, envelope_hash, 32);
    crypto_hash_sha256_update(&st, (const uint8_t *)PQgetvalue(res, r, 3),
                              (unsigned long long)PQgetlength(res, r, 3));
    crypto_hash_sha256_final(&st, w->link);
    w->position = position;
    memset(w->stored, 0, 32);
    if (PQgetlength(res, r, 1) == 32)
        memcpy(w->stored, PQgetvalue(res, r, 1), 32);
    if (memcmp(w->stored, w->link, 32) != 0 && w->first_break == 0) {
        char stored[65], link[65];
        w->first_break = position;
        s_hex(w->stored, 32, stored, sizeof stored);
        s_hex(w->link, 32, link, sizeof link);
        printf("position %" PRIu64 ": stored hash %s, but the row recomputes to %s: the "
               "row or its hash was changed without recomputing the chain\n",
               position, stored, link);
    }
    s_check_anchors(w);
}

static PGresult *s_exec(PGconn *conn, const char *sql, int binary)
{
    PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, binary);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        fprintf(stderr, "shouwen: %s: %s", sql, PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Walks the whole chain; -1 on a database error (reported). */
static int s_walk(PGconn *conn, s_walk_t *w, uint64_t *head, uint8_t *head_hash)
{
    PGresult *res = s_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0);
    if (!res)
        return -1;
    PQclear(res);
    if (!(res = s_exec(conn, "SELECT position, hash FROM shouwen.log_head", 1)))
        return -1;
    if (PQntuples(res) == 1 && PQgetlength(res, 0, 1) == 32) {
        memcpy(head, PQgetvalue(res, 0, 0), 8);
        *head = be64toh(*head);
        memcpy(head_hash, PQgetvalue(res, 0, 1), 32);
    }
    PQclear(res);
    if (!(res = s_exec(conn, s_declare_sql, 0)))
        return -1;
    PQclear(res);
    memset(w->link, 0, 32); /* shouwen.chain_genesis(): 32 zero bytes */
    memset(w->stored, 0, 32);
    s_check_anchors(w); /* anchors at position 0, if any, sign the genesis */
    for (;;) {
        if (!(res = s_exec(conn, "FETCH 1000 FROM chain", 1)))
            return -1;
        int rows = PQntuples(res);
        for (int r = 0; r < rows; r++)
            s_link(w, res, r);
        PQclear(res);
        if (rows < S_PAGE)
            break;
    }
    if ((res = s_exec(conn, "COMMIT", 0)))
        PQclear(res);
    return 0;
}

/* Anchors beyond the end of the log, and a head that is not the last row. */
static int s_check_end(s_walk_t *w, uint64_t head, const uint8_t *head_hash)
{
    int bad = 0;
    if (w->next < w->n_anchors) {
        const sw_anchor_t *a = &w->anchors[w->n_anchors - 1].a;
        char when[40];
        s_utc(a->at_us, when, sizeof when);
        printf("position %" PRIu64 ": anchored (signed %s) but the log ends at position "
               "%" PRIu64 ": events were removed\n",
               a->position, when, w->position);
        w->disagree += w->n_anchors - w->next;
        bad++;
    }
    if (head != w->position || memcmp(head_hash, w->stored, 32) != 0) {
        char h[65];
        s_hex(head_hash, 32, h, sizeof h);
        printf("log_head says position %" PRIu64 " hash %s, but the last row is at "
               "position %" PRIu64 " with another hash\n",
               head, h, w->position);
        bad++;
    }
    return bad;
}

/* The public key of a certificate written by keygen --anchor; -1 when
   missing (reported). */
static int s_load_key(const char *path, uint8_t *key)
{
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        fprintf(stderr, _("shouwen: cannot read the certificate %s\n"), path);
        return -1;
    }
    const char *role = zcert_meta(cert, "role");
    if (!role || !streq(role, "anchor"))
        fprintf(stderr, _("shouwen: note: %s is not marked role = \"anchor\"\n"), path);
    memcpy(key, zcert_public_key(cert), crypto_sign_PUBLICKEYBYTES);
    zcert_destroy(&cert);
    return 0;
}

int shouwen_verify(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    /* --anchors is required: the parser says so (exit 2, S_ERROR) */
    const char *file = a->anchors, *conninfo = a->postgres ? a->postgres : "",
               *key_path = a->key;
    uint8_t key[crypto_sign_PUBLICKEYBYTES];
    if (key_path && s_load_key(key_path, key) != 0)
        return S_ERROR;
    s_walk_t w = {0};
    int bad = s_read_anchors(file, key_path ? key : NULL, &w);
    if (bad < 0)
        return S_ERROR;
    char hex[65];
    if (key_path) {
        s_hex(key, sizeof key, hex, sizeof hex);
        printf("signatures checked against %s (key %s)\n", key_path, hex);
    } else if (w.n_anchors > 0) {
        s_hex(w.anchors[0].a.key, 32, hex, sizeof hex);
        printf("signatures checked against the key named in each line (%s), no --key "
               "given: give audit's public certificate with --key to know the lines are "
               "audit's\n",
               hex);
    }
    if (w.n_anchors == 0 && bad == 0) {
        fprintf(stderr,
                _("shouwen: %s holds no anchors: nothing to check the log against\n"),
                file);
        return S_ERROR;
    }
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, _("shouwen: cannot connect to PostgreSQL: %s"),
                PQerrorMessage(conn));
        PQfinish(conn);
        free(w.anchors);
        return S_ERROR;
    }
    uint64_t head = 0;
    uint8_t head_hash[32] = {0};
    int rc = s_walk(conn, &w, &head, head_hash);
    PQfinish(conn);
    if (rc != 0) {
        free(w.anchors);
        return S_ERROR;
    }
    int end = s_check_end(&w, head, head_hash);
    bool intact =
        bad == 0 && end == 0 && w.disagree == 0 && w.first_break == 0 && w.first_gap == 0;
    if (intact)
        printf("intact: %zu anchors checked, chain recomputed to position %" PRIu64 "\n",
               w.checked, w.position);
    else
        printf("NOT intact: %zu of %zu well-signed anchors disagree with the log, %d "
               "anchor line(s) bad, chain recomputed to position %" PRIu64 "%s\n",
               w.disagree, w.n_anchors, bad, w.position,
               w.first_break || w.first_gap ? ", stored hashes or positions broken" : "");
    free(w.anchors);
    return intact ? S_INTACT : S_DISAGREE;
}
