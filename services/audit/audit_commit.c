/*  audit_commit: the write path (issue 10).

    Proposals wait in the queue; a batch takes up to batch_max of them.
    audit holds the log head (position and chain hash) and, under the
    writer's lease (012), is the only one moving it, so it numbers the
    batch's events itself, checks each case's version against the versions
    it keeps (a bounded cache, filled from the log by one lookup per batch
    for the cases it does not hold), computes the SHA-256 chain
    exactly as shouwen.event_hash does, and sends the rows, one array per
    column, to shouwen.append_rows (013): one INSERT, the projections in
    position order (unless they trail, audit_projector.c) and the head
    moved, in one transaction.  Then it publishes what committed.

    A batch holding an event already in the log fails whole on the unique
    event id; audit asks which ids are in the log, answers those as
    duplicates and sends the rest again.  A head that is not where audit
    thought (SW409), a lost connection (the commit may or may not have
    happened) or a lost lease puts the batch back and reads the head again;
    the version cache is dropped, as it may be behind. */
#include "audit_server_int.h"
#include "sw_alloc.h"

#include <sodium.h>
#include <sys/time.h>

#include "audit_store.h"
#include "sw_envelope.h"
#include "sw_eventid.h"
#include "sw_hash.h"
#include "sw_json.h"
#include "sw_log.h"

static const char *s_head_sql =
    "SELECT position, encode(hash, 'hex') FROM shouwen.log_head";
/* from the log itself, not from shouwen.cases, which trails the log when
   projections are trailing (013) */
static const char *s_lookup_sql =
    "SELECT DISTINCT ON (e.case_id) e.case_id, e.case_version FROM shouwen.events e "
    "WHERE e.case_id = ANY($1::text[]) ORDER BY e.case_id, e.position DESC";
static const char *s_dups_sql =
    "SELECT e.event_id::text FROM shouwen.events e WHERE e.event_id = ANY($1::uuid[])";
static const char *s_append_sql =
    "SELECT shouwen.append_rows($1::bigint, decode($2, 'hex'), $3::uuid[], $4::text[], "
    "$5::text[], $6::bigint[], $7::bigint[], $8::uuid[], $9::text[], $10::bigint[], "
    "$11::text[], $12::bigint[], $13::bigint[], $14::jsonb[], $15::bytea[], "
    "$16::bytea[])";

/* Cases whose version audit keeps; past this the cache starts again empty
   (each batch looks up what it lacks in the log). */
#define S_VERSIONS_MAX 1000000

/* PostgreSQL's first timestamptz in microseconds since 1970 (us_to_ts
   gives NULL before it); its last lies beyond int64. */
#define S_MIN_US (-210866803200000000LL)

/* ------------------------------------------------------------ buffers */

static void s_put(audit_buf_t *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->size) {
        size_t size = b->size ? b->size : 4096;
        while (b->len + n + 1 > size)
            size *= 2;
        b->data = sw_realloc(b->data, size);
        b->size = size;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void s_puts(audit_buf_t *b, const char *text)
{
    s_put(b, text, strlen(text));
}

/* An element of a PostgreSQL array literal: quoted, \ and " escaped; NULL
   for a missing value. */
static void s_elem_text(audit_buf_t *b, const char *text)
{
    s_put(b, b->len > 1 ? "," : "", b->len > 1);
    if (!text) {
        s_puts(b, "NULL");
        return;
    }
    s_put(b, "\"", 1);
    for (const char *p = text; *p;) {
        size_t run = strcspn(p, "\"\\");
        s_put(b, p, run);
        p += run;
        if (*p) {
            char esc[2] = {'\\', *p++};
            s_put(b, esc, 2);
        }
    }
    s_put(b, "\"", 1);
}

static void s_elem_raw(audit_buf_t *b, const char *text)
{
    s_put(b, b->len > 1 ? "," : "", b->len > 1);
    s_puts(b, text);
}

static void s_elem_int(audit_buf_t *b, long long value)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", value);
    s_elem_raw(b, text);
}

static void s_elem_bytea(audit_buf_t *b, const uint8_t *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    s_put(b, b->len > 1 ? "," : "", b->len > 1);
    s_puts(b, "\"\\\\x");
    for (size_t i = 0; i < n; i++) {
        char pair[2] = {hex[data[i] >> 4], hex[data[i] & 0x0f]};
        s_put(b, pair, 2);
    }
    s_put(b, "\"", 1);
}

/* -------------------------------------------------------------- items */

static const ProtobufCMessage *s_body_of(const sw_envelope_t *env)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(env->base.descriptor, env->body_case);
    return f ? *(const ProtobufCMessage *const *)((const char *)env + f->offset) : NULL;
}

/* Text as PostgreSQL will store it: valid UTF-8, no NUL (sw_json's rules). */
static char *s_clean(const char *text)
{
    if (!text || !*text)
        return NULL;
    return sw_json_utf8_clean(text);
}

audit_item_t *audit_item_new(audit_server_t *self, const sw_envelope_t *env,
                             zframe_t *bytes)
{
    audit_item_t *item = sw_calloc(1, sizeof *item);
    sodium_bin2hex(item->key, sizeof item->key, env->event_id.data, SW_EVENTID_SIZE);
    sw_topic_for(env->type, item->topic, sizeof item->topic);
    item->envelope = zframe_dup(bytes);
    memcpy(item->event_id, env->event_id.data, SW_EVENTID_SIZE);
    item->type = s_clean(env->type);
    item->case_id = s_clean(env->case_id);
    item->producer = s_clean(env->producer);
    item->actor = s_clean(env->actor);
    item->wanted = env->case_version;
    item->producer_seq = env->producer_seq;
    item->occurred_us = env->occurred_at_us;
    if (env->causation_id.len == SW_EVENTID_SIZE) {
        item->has_causation = true;
        memcpy(item->causation, env->causation_id.data, SW_EVENTID_SIZE);
    }
    const ProtobufCMessage *body = s_body_of(env);
    sw_json_reset(self->json);
    if (body)
        sw_json_message_jsonb(self->json, body);
    else
        sw_json_raw(self->json, "{}");
    item->body = sw_strdup(sw_json_text(self->json));
    /* what append_batch refused as invalid, checked here */
    item->valid = item->type && item->producer && item->wanted <= INT64_MAX &&
                  item->producer_seq <= INT64_MAX && item->occurred_us >= S_MIN_US &&
                  !(streq(item->type, "inquiry.received") && !item->case_id);
    return item;
}

void audit_item_destroy(audit_item_t **item_p)
{
    if (*item_p) {
        audit_item_t *item = *item_p;
        zframe_destroy(&item->envelope);
        free(item->type);
        free(item->case_id);
        free(item->producer);
        free(item->actor);
        free(item->body);
        free(item);
        *item_p = NULL;
    }
}

/* ---------------------------------------------------------- the chain */

static void s_json_or_null(sw_json_t *j, const char *text)
{
    if (text)
        sw_json_string(j, text);
    else
        sw_json_raw(j, "null");
}

/* shouwen.event_hash (001): sha256(prev || sha256(envelope) || the text of
   jsonb_build_array(position, event_id, type, case_id, case_version,
   based_on_version, causation_id, producer, producer_seq, actor,
   occurred_us, committed_us, body)). */
void audit_chain_link(sw_json_t *j, const uint8_t prev[32], const audit_item_t *item,
                      uint8_t out[32])
{
    char id[SW_UUID_STRLEN + 1];
    char num[24];
    sw_json_reset(j);
    snprintf(num, sizeof num, "[%" PRIu64 ", ", item->position);
    sw_json_raw(j, num);
    sw_eventid_format(item->event_id, id);
    sw_json_string(j, id);
    sw_json_raw(j, ", ");
    sw_json_string(j, item->type);
    sw_json_raw(j, ", ");
    s_json_or_null(j, item->case_id);
    sw_json_raw(j, ", ");
    if (item->case_id)
        sw_json_uint(j, item->version);
    else
        sw_json_raw(j, "null");
    sw_json_raw(j, ", ");
    sw_json_uint(j, item->wanted);
    sw_json_raw(j, ", ");
    if (item->has_causation) {
        sw_eventid_format(item->causation, id);
        sw_json_string(j, id);
    } else
        sw_json_raw(j, "null");
    sw_json_raw(j, ", ");
    sw_json_string(j, item->producer);
    sw_json_raw(j, ", ");
    sw_json_uint(j, item->producer_seq);
    sw_json_raw(j, ", ");
    s_json_or_null(j, item->actor);
    sw_json_raw(j, ", ");
    sw_json_int(j, item->occurred_us);
    sw_json_raw(j, ", ");
    sw_json_int(j, item->committed_us);
    sw_json_raw(j, ", ");
    sw_json_raw(j, item->body);
    sw_json_raw(j, "]");

    uint8_t envelope_hash[32];
    crypto_hash_sha256(envelope_hash, zframe_data(item->envelope),
                       zframe_size(item->envelope));
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, 32);
    crypto_hash_sha256_update(&st, envelope_hash, 32);
    crypto_hash_sha256_update(&st, (const uint8_t *)sw_json_text(j), sw_json_len(j));
    crypto_hash_sha256_final(&st, out);
}

/* ------------------------------------------------------ batch outcome */

static void s_publish(audit_server_t *self, audit_item_t *item)
{
    sw_committed_t c = SHOUWEN__V1__COMMITTED__INIT;
    c.position = item->position;
    c.case_version = item->version;
    c.committed_at_us = item->committed_us;
    c.envelope.data = zframe_data(item->envelope);
    c.envelope.len = zframe_size(item->envelope);
    zframe_t *body = sw_pack_frame(&c.base);
    zstr_sendm(self->committed, item->topic);
    zframe_send(&body, self->committed, ZFRAME_DONTWAIT);
}

static void s_release_inflight(audit_server_t *self)
{
    for (size_t i = 0; i < self->n_inflight; i++) {
        zhashx_delete(self->queued, self->inflight[i]->key);
        sw_hashx_deleted(&self->queued, &self->queued_deletes, NULL, false);
        audit_item_destroy(&self->inflight[i]);
    }
    self->n_inflight = 0;
}

/* Put the in-flight batch back at the head of the queue, in order. */
static void s_requeue_inflight(audit_server_t *self)
{
    for (size_t i = self->n_inflight; i > 0; i--) {
        self->inflight[i - 1]->duplicate = false;
        zlistx_add_start(self->queue, self->inflight[i - 1]);
    }
    self->n_inflight = 0;
}

/* The head is not known for sure any more: put the batch back, forget the
   versions, read the head again (at once when still connected; else the
   reconnect takes the lease and reads it). */
static void s_lost_head(audit_server_t *self)
{
    s_requeue_inflight(self);
    self->head_known = false;
    zhashx_purge(self->versions);
    if (audit_store_is_up(self->writer) && self->lease)
        audit_commit_read_head(self);
}

static bool s_transient(PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (!state)
        return true;
    return strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
           strncmp(state, "53", 2) == 0 || strncmp(state, "40", 2) == 0;
}

static void s_count(audit_server_t *self, audit_item_t *item)
{
    switch (item->status) {
    case AUDIT_COMMITTED:
        self->stats.committed++;
        return;
    case AUDIT_DUPLICATE:
        self->stats.duplicate++;
        break;
    case AUDIT_STALE:
        self->stats.stale++;
        break;
    case AUDIT_UNKNOWN_CASE:
        self->stats.unknown_case++;
        break;
    case AUDIT_CASE_EXISTS:
        self->stats.case_exists++;
        break;
    default:
        self->stats.failed++;
    }
    static const char *names[] = {"committed",    "duplicate",   "stale",
                                  "unknown_case", "case_exists", "invalid"};
    sw_debug("proposal %s not committed: %s", item->key, names[item->status]);
}

static void s_remember_version(audit_server_t *self, const char *case_id,
                               uint64_t version)
{
    if (zhashx_size(self->versions) >= S_VERSIONS_MAX &&
        !zhashx_lookup(self->versions, case_id))
        zhashx_purge(self->versions);
    zhashx_update(self->versions, case_id, (void *)(uintptr_t)version);
}

/* The batch is in the log (or nothing of it needed to be). */
static void s_done(audit_server_t *self, uint64_t head, const uint8_t *head_hash)
{
    for (size_t i = 0; i < self->n_inflight; i++) {
        audit_item_t *item = self->inflight[i];
        if (item->status == AUDIT_COMMITTED) {
            s_publish(self, item);
            if (item->case_id)
                s_remember_version(self, item->case_id, item->version);
        }
        s_count(self, item);
    }
    if (head > self->head) {
        self->head = head;
        memcpy(self->head_hash, head_hash, 32);
    }
    s_release_inflight(self);
    audit_anchor_notify(self->anchor);
    audit_projector_notify(self);
    ev_idle_start(self->loop, &self->kick);
}

/* ------------------------------------------------------- the append */

static void s_on_append(void *arg, PGresult *res);

static uint64_t s_version_now(audit_server_t *self, zhashx_t *pending,
                              const char *case_id)
{
    void *v = zhashx_lookup(pending, case_id);
    if (!v)
        v = zhashx_lookup(self->versions, case_id);
    return (uint64_t)(uintptr_t)v;
}

static int64_t s_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Decide every item of the batch, number and chain the ones that go in,
   and send them. */
static void s_build_and_send(audit_server_t *self)
{
    audit_buf_t *col = self->cols;
    for (int c = 0; c < AUDIT_COLS; c++) {
        col[c].len = 0;
        s_put(&col[c], "{", 1);
    }
    zhashx_t *pending = zhashx_new();
    uint64_t position = self->head;
    uint8_t prev[32];
    memcpy(prev, self->head_hash, 32);
    int64_t now = s_now_us();
    size_t n = 0;
    for (size_t i = 0; i < self->n_inflight; i++) {
        audit_item_t *item = self->inflight[i];
        item->status = AUDIT_COMMITTED;
        if (item->duplicate) {
            item->status = AUDIT_DUPLICATE;
            continue;
        }
        if (!item->valid) {
            item->status = AUDIT_INVALID;
            continue;
        }
        uint64_t current =
            item->case_id ? s_version_now(self, pending, item->case_id) : 0;
        if (item->case_id && streq(item->type, "inquiry.received")) {
            if (current > 0) {
                item->status = AUDIT_CASE_EXISTS;
                continue;
            }
        } else if (item->case_id && current == 0) {
            item->status = AUDIT_UNKNOWN_CASE;
            continue;
        }
        if (item->wanted > 0 && item->wanted != current) {
            item->status = AUDIT_STALE; /* decided on another version */
            continue;
        }
        item->position = ++position;
        item->version = item->case_id ? current + 1 : 0;
        item->committed_us = now;
        audit_chain_link(self->json, prev, item, item->hash);
        memcpy(prev, item->hash, 32);
        if (item->case_id)
            zhashx_update(pending, item->case_id, (void *)(uintptr_t)item->version);
        char id[SW_UUID_STRLEN + 1];
        sw_eventid_format(item->event_id, id);
        s_elem_raw(&col[0], id);
        s_elem_text(&col[1], item->type);
        s_elem_text(&col[2], item->case_id);
        if (item->case_id)
            s_elem_int(&col[3], (long long)item->version);
        else
            s_elem_raw(&col[3], "NULL");
        s_elem_int(&col[4], (long long)item->wanted);
        if (item->has_causation) {
            sw_eventid_format(item->causation, id);
            s_elem_raw(&col[5], id);
        } else
            s_elem_raw(&col[5], "NULL");
        s_elem_text(&col[6], item->producer);
        s_elem_int(&col[7], (long long)item->producer_seq);
        s_elem_text(&col[8], item->actor);
        s_elem_int(&col[9], item->occurred_us);
        s_elem_int(&col[10], now);
        s_elem_text(&col[11], item->body);
        s_elem_bytea(&col[12], zframe_data(item->envelope), zframe_size(item->envelope));
        s_elem_bytea(&col[13], item->hash, 32);
        n++;
    }
    zhashx_destroy(&pending);
    if (n == 0) { /* nothing to write: answer the batch as it is */
        self->stats.batches++;
        s_done(self, self->head, self->head_hash);
        return;
    }
    char after[24], after_hash[65];
    snprintf(after, sizeof after, "%" PRIu64, self->head);
    sodium_bin2hex(after_hash, sizeof after_hash, self->head_hash, 32);
    const char *params[3 + AUDIT_COLS] = {after, after_hash};
    params[2 + AUDIT_COLS] = self->trailing ? "false" : "true";
    for (int c = 0; c < AUDIT_COLS; c++) {
        s_put(&col[c], "}", 1);
        params[2 + c] = col[c].data;
    }
    self->batch_head = position;
    memcpy(self->batch_hash, prev, 32);
    if (audit_store_query(self->writer, s_append_sql, 2 + AUDIT_COLS, params, 0,
                          s_on_append, self) != 0)
        s_requeue_inflight(self);
}

/* Which of the batch's events are in the log already. */
static void s_on_dups(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (res)
            sw_warn("cannot look the batch's event ids up: %s",
                    PQresultErrorMessage(res));
        s_lost_head(self);
        return;
    }
    int found = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        uint8_t id[SW_EVENTID_SIZE];
        if (sw_eventid_parse(PQgetvalue(res, r, 0), id) != 0)
            continue;
        for (size_t i = 0; i < self->n_inflight; i++)
            if (memcmp(self->inflight[i]->event_id, id, SW_EVENTID_SIZE) == 0 &&
                !self->inflight[i]->duplicate) {
                self->inflight[i]->duplicate = true;
                found++;
            }
    }
    if (found == 0) { /* the conflict was not on an event id after all */
        sw_warn(
            "append refused on a unique key, but no event of the batch is in the log; "
            "retrying one by one");
        self->solo = self->n_inflight;
        s_requeue_inflight(self);
        ev_idle_start(self->loop, &self->kick);
        return;
    }
    sw_debug("%d of %zu proposals already in the log: sending the rest", found,
             self->n_inflight);
    s_build_and_send(self);
}

static void s_ask_dups(audit_server_t *self)
{
    audit_buf_t *ids = &self->cols[0];
    ids->len = 0;
    s_put(ids, "{", 1);
    char id[SW_UUID_STRLEN + 1];
    for (size_t i = 0; i < self->n_inflight; i++) {
        sw_eventid_format(self->inflight[i]->event_id, id);
        s_elem_raw(ids, id);
    }
    s_put(ids, "}", 1);
    const char *params[1] = {ids->data};
    if (audit_store_query(self->writer, s_dups_sql, 1, params, 0, s_on_dups, self) != 0)
        s_lost_head(self);
}

static void s_on_append(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    if (!res) { /* connection lost: the batch may or may not be in */
        s_lost_head(self);
        return;
    }
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        self->stats.batches++;
        s_done(self, self->batch_head, self->batch_hash);
        return;
    }
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && streq(state, "23505")) { /* an event id already in the log */
        s_ask_dups(self);
        return;
    }
    if (state && streq(state, "SW409")) {
        sw_warn("append refused: %s; reading the head again", PQresultErrorMessage(res));
        s_lost_head(self);
        return;
    }
    if (state && streq(state, "55P03")) { /* the lease is not ours (012) */
        sw_error("append refused: %s", PQresultErrorMessage(res));
        self->lease = false;
        s_lost_head(self);
        ev_timer_start(self->loop, &self->lease_retry);
        return;
    }
    if (s_transient(res) || self->n_inflight == 0) {
        sw_warn("append failed, will retry: %s", PQresultErrorMessage(res));
        s_requeue_inflight(self);
    } else if (self->n_inflight == 1) {
        sw_error("proposal %s refused by the database and dropped: %s",
                 self->inflight[0]->key, PQresultErrorMessage(res));
        self->stats.failed++;
        s_release_inflight(self);
    } else {
        /* find the poisonous proposal: send this batch one at a time */
        sw_warn("append of %zu failed (%s); retrying one by one", self->n_inflight,
                PQresultErrorMessage(res));
        self->solo = self->n_inflight;
        s_requeue_inflight(self);
    }
    ev_idle_start(self->loop, &self->kick);
}

/* ------------------------------------------------- versions, head */

static void s_on_lookup(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (res)
            sw_warn("cannot look the batch's cases up: %s", PQresultErrorMessage(res));
        s_lost_head(self);
        return;
    }
    for (int r = 0; r < PQntuples(res); r++)
        s_remember_version(self, PQgetvalue(res, r, 0),
                           strtoull(PQgetvalue(res, r, 1), NULL, 10));
    s_build_and_send(self);
}

/* Ask shouwen.cases for the versions of the batch's cases audit does not
   hold, then build; or build at once. */
static void s_lookup_then_build(audit_server_t *self)
{
    audit_buf_t *ids = &self->cols[0];
    ids->len = 0;
    s_put(ids, "{", 1);
    zhashx_t *asked = zhashx_new();
    for (size_t i = 0; i < self->n_inflight; i++) {
        const char *c = self->inflight[i]->case_id;
        if (c && !zhashx_lookup(self->versions, c) && !zhashx_lookup(asked, c)) {
            zhashx_insert(asked, c, (void *)1);
            s_elem_text(ids, c);
        }
    }
    size_t n = zhashx_size(asked);
    zhashx_destroy(&asked);
    if (n == 0) {
        s_build_and_send(self);
        return;
    }
    s_put(ids, "}", 1);
    const char *params[1] = {ids->data};
    if (audit_store_query(self->writer, s_lookup_sql, 1, params, 0, s_on_lookup, self) !=
        0)
        s_requeue_inflight(self);
}

void audit_commit_flush(audit_server_t *self)
{
    if (self->n_inflight > 0 || !self->head_known || !audit_store_is_idle(self->writer)) {
        audit_check_drained(self);
        return;
    }
    size_t limit = self->solo > 0 ? 1 : (size_t)self->batch_max;
    audit_item_t *item;
    while (self->n_inflight < limit &&
           (item = (audit_item_t *)zlistx_first(self->queue))) {
        zlistx_detach_cur(self->queue);
        self->inflight[self->n_inflight++] = item;
    }
    if (self->n_inflight == 0) {
        audit_check_drained(self);
        return;
    }
    if (self->solo > 0)
        self->solo--;
    s_lookup_then_build(self);
    if (!self->draining && zlistx_size(self->queue) < (size_t)self->max_queue)
        sw_zwatch_start(self->proposals_w);
}

static void s_on_head(void *arg, PGresult *res)
{
    audit_server_t *self = (audit_server_t *)arg;
    uint8_t hash[32];
    size_t hash_len = 0;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
        sodium_hex2bin(hash, sizeof hash, PQgetvalue(res, 0, 1),
                       strlen(PQgetvalue(res, 0, 1)), NULL, &hash_len, NULL) != 0 ||
        hash_len != 32) {
        sw_error("cannot read the log head: %s",
                 res ? PQresultErrorMessage(res) : "connection lost");
        return; /* a reconnect asks again */
    }
    uint64_t position = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    if (position != self->head || memcmp(hash, self->head_hash, 32) != 0)
        zhashx_purge(self->versions); /* somebody else wrote, or an answer was lost */
    self->head = position;
    memcpy(self->head_hash, hash, 32);
    self->head_known = true;
    sw_info("log head at position %" PRIu64, self->head);
    audit_heartbeat_now(self);
    if (!self->ready_sent) {
        self->ready_sent = true;
        if (self->on_ready)
            self->on_ready(self->ready_arg);
    }
    ev_idle_start(self->loop, &self->kick);
}

void audit_commit_read_head(audit_server_t *self)
{
    audit_store_query(self->writer, s_head_sql, 0, NULL, 0, s_on_head, self);
}

void audit_commit_init(audit_server_t *self)
{
    self->versions = zhashx_new();
}

void audit_commit_destroy(audit_server_t *self)
{
    zhashx_destroy(&self->versions);
    for (int c = 0; c < AUDIT_COLS; c++)
        free(self->cols[c].data);
}
