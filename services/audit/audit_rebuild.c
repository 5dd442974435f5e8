/*  audit_rebuild: a due projection rebuild, in chunks, with progress. */
#include "audit_rebuild.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_migrate.h"
#include "sw_log.h"

/* What the signal handler needs: a handler sees nothing but globals.  Set
   only while audit_rebuild_run runs. */
static PGcancel *volatile s_cancel;  /* the connection's cancel handle */
static volatile sig_atomic_t s_stop; /* SIGTERM or SIGINT came */

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
    PGcancel *cancel = s_cancel;
    if (cancel) { /* PQcancel is safe in a signal handler (libpq's manual) */
        char err[256];
        PQcancel(cancel, err, sizeof err);
    }
}

/* 7300000 as "7,300,000". */
static const char *s_count(long long n, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", n < 0 ? 0 : n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* Seconds as "41 s", "3 min", "2 h 5 min". */
static const char *s_duration(double s, char *buf, size_t size)
{
    long long n = (long long)(s + 0.5);
    if (n < 90)
        snprintf(buf, size, "%lld s", n);
    else if (n < 90 * 60)
        snprintf(buf, size, "%lld min", (n + 30) / 60);
    else
        snprintf(buf, size, "%lld h %lld min", n / 3600, (n % 3600 + 30) / 60);
    return buf;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int audit_rebuild_state(PGconn *conn, audit_rebuild_state_t *state)
{
    memset(state, 0, sizeof *state);
    PGresult *res =
        PQexec(conn, "SELECT to_regclass('shouwen.rebuild_state') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        sw_error("migrate: reading the rebuild state failed: %s",
                 PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    bool exists = *PQgetvalue(res, 0, 0) == 't';
    PQclear(res);
    if (!exists)
        return 0;
    res = PQexec(
        conn, "SELECT coalesce(s.needed_since_version, 0), s.finished_at IS NOT NULL, "
              "       coalesce(s.next_position, 0), "
              "       CASE WHEN s.finished_at IS NULL THEN h.position ELSE s.total END, "
              "       coalesce(s.finished_at::text, '') "
              "  FROM shouwen.rebuild_state s, shouwen.log_head h");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        sw_error("migrate: reading the rebuild state failed: %s",
                 PQresultStatus(res) == PGRES_TUPLES_OK ? "no row"
                                                        : PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    state->since_version = atoi(PQgetvalue(res, 0, 0));
    bool finished = *PQgetvalue(res, 0, 1) == 't';
    state->due = state->since_version > 0 && !finished;
    state->done = state->since_version > 0 && finished;
    state->next_position = atoll(PQgetvalue(res, 0, 2));
    state->total = atoll(PQgetvalue(res, 0, 3));
    snprintf(state->finished_at, sizeof state->finished_at, "%s", PQgetvalue(res, 0, 4));
    PQclear(res);
    return 0;
}

/* The line after each chunk: "1,250,000 of 7,300,000 events (17%), 41 s,
   about 3 min left"; the rate is this run's. */
static void s_progress(long long done, long long total, long long done_before,
                       double started)
{
    char a[32], b[32], t[32], left[32];
    double elapsed = s_now() - started;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    double rate = elapsed > 0 ? (double)(done - done_before) / elapsed : 0;
    if (rate > 0)
        s_duration((double)(total - done) / rate, left, sizeof left);
    else
        snprintf(left, sizeof left, "?");
    sw_info("migrate: rebuilding projections: %s of %s events (%d%%), %s, about %s left",
            s_count(done, a, sizeof a), s_count(total, b, sizeof b), pct,
            s_duration(elapsed, t, sizeof t), left);
    audit_migrate_notify("rebuilding projections: %s of %s events (%d%%), about %s left",
                         a, b, pct, left);
}

/* One chunk in its own transaction (the function's statement).  1 when the
   rebuild finished, 0 when more is left, -1 after logging. */
static int s_chunk(PGconn *conn, int chunk_events, long long *done, long long *total)
{
    char max[16];
    snprintf(max, sizeof max, "%d", chunk_events);
    const char *params[1] = {max};
    PGresult *res = PQexecParams(conn,
                                 "SELECT applied, next_position, total, finished "
                                 "  FROM shouwen.rebuild_chunk($1::int)",
                                 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        if (!s_stop)
            sw_error("migrate: rebuilding projections failed: %s",
                     PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    long long applied = atoll(PQgetvalue(res, 0, 0));
    *done = atoll(PQgetvalue(res, 0, 1)) - 1;
    *total = atoll(PQgetvalue(res, 0, 2));
    bool finished = *PQgetvalue(res, 0, 3) == 't';
    PQclear(res);
    if (!finished && applied == 0) {
        sw_error("migrate: rebuilding projections: no event at position %lld, the log's "
                 "last is %lld (a gap in shouwen.events)",
                 *done + 1, *total);
        return -1;
    }
    return finished ? 1 : 0;
}

static int s_run(PGconn *conn, int chunk_events, const audit_rebuild_state_t *state)
{
    char a[32], b[32], t[32];
    long long done = state->next_position > 0 ? state->next_position - 1 : 0;
    long long total = state->total;
    long long done_before = done;
    if (state->next_position > 0)
        sw_info("migrate: resuming the projection rebuild (due since migration %03d) at "
                "event %s of %s",
                state->since_version, s_count(done + 1, a, sizeof a),
                s_count(total, b, sizeof b));
    else
        sw_info("migrate: rebuilding projections (due since migration %03d): %s events, "
                "%s per transaction",
                state->since_version, s_count(total, b, sizeof b),
                s_count(chunk_events, t, sizeof t));
    double started = s_now();
    for (;;) {
        audit_migrate_notify("rebuilding projections: %s of %s events",
                             s_count(done, a, sizeof a), s_count(total, b, sizeof b));
        int rc = s_stop ? -1 : s_chunk(conn, chunk_events, &done, &total);
        if (rc < 0 && s_stop) {
            audit_rebuild_state_t now;
            if (audit_rebuild_state(conn, &now) == 0 && now.next_position > 0)
                done = now.next_position - 1;
            sw_warn("migrate: interrupted: projections rebuilt up to event %s of %s; the "
                    "next shouwen-audit --migrate resumes there",
                    s_count(done, a, sizeof a), s_count(total, b, sizeof b));
        }
        if (rc < 0)
            return -1;
        if (rc > 0)
            break;
        s_progress(done, total, done_before, started);
    }
    sw_info("migrate: projections rebuilt: %s events, %s", s_count(total, b, sizeof b),
            s_duration(s_now() - started, t, sizeof t));
    return 0;
}

int audit_rebuild_run(PGconn *conn, int chunk_events)
{
    audit_rebuild_state_t state;
    if (audit_rebuild_state(conn, &state) != 0)
        return -1;
    if (!state.due)
        return 0;
    /* Until now libev held SIGTERM and SIGINT for a loop that never runs. */
    struct sigaction on = {0}, old_term, old_int;
    on.sa_handler = s_on_signal;
    sigemptyset(&on.sa_mask);
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGTERM);
    sigaddset(&both, SIGINT);
    s_stop = 0;
    s_cancel = PQgetCancel(conn);
    sigaction(SIGTERM, &on, &old_term);
    sigaction(SIGINT, &on, &old_int);
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    int rc = s_run(conn, chunk_events, &state);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    PGcancel *cancel = s_cancel;
    s_cancel = NULL;
    PQfreeCancel(cancel);
    return rc;
}
