/*  shouwen status: every daemon's health, read from the records the
    daemons renew every 5 s in the health directory (DIR/<name>.health,
    JSON, lib/sw_health.h):

      shouwen status [--dir DIR] [--json] [--prometheus FILE]

    One line per daemon (or one JSON document), the lag of each behind the
    log head (audit's position minus the daemon's), and with --prometheus
    the same as node_exporter's textfile format, written to FILE.tmp and
    renamed.  A record older than SHOUWEN_STATUS_STALE_S seconds is stale:
    the daemon is not running or hangs.  docs/operations.md, "Health". */
#include "shouwen_status.h"
#include "shouwen_i18n.h"
#include "shouwen_verbs.h"
#include "sw_alloc.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <time.h>

#define S_MAX 64 /* records read from one directory */

/* One daemon's record and what we make of it. */
typedef struct {
    char name[64];   /* the daemon ("audit"), else the file's name */
    json_t *rec;     /* the record; NULL when unreadable */
    const char *why; /* why unreadable */
    int64_t pid, updated_at, age;
    const char *state;  /* "starting", "ready", "stopping", "stopped" */
    const char *status; /* the STATUS= line */
    bool has_position, live;
    uint64_t position, pending;
    json_t *details; /* borrowed from rec (an object) */
    bool up;         /* fresh and running */
    bool healthy;    /* up, ready, live, its database or hub up */
    bool has_lag;
    int64_t lag;         /* head - position */
    const char *verdict; /* "正常 healthy", ... */
} s_daemon_t;

typedef struct {
    const char *dir;
    s_daemon_t d[S_MAX];
    size_t n;
    bool has_head;
    uint64_t head; /* audit's position */
    time_t now;
} s_status_t;

static void s_when(time_t t, char *buf, size_t size, bool iso)
{
    struct tm tm;
    char zone[8], date[24];
    localtime_r(&t, &tm); /* the organisation's zone (main sets TZ) */
    strftime(zone, sizeof zone, "%z", &tm);
    strftime(date, sizeof date, iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, size, "%s%s%.3s:%.2s", date, iso ? "" : " ", zone, zone + 3);
}

static int64_t s_int(json_t *rec, const char *key, bool *ok)
{
    json_t *v = json_object_get(rec, key);
    if (!json_is_integer(v)) {
        *ok = false;
        return 0;
    }
    return json_integer_value(v);
}

/* A detail that says "up" or "down" (audit's postgresql, branch's hub):
   -1 when absent. */
static int s_updown(const s_daemon_t *d, const char *key)
{
    const char *v = json_string_value(json_object_get(d->details, key));
    return v ? streq(v, "up") : -1;
}

/* Reads one record; d->rec stays NULL (with d->why) when it cannot. */
static void s_read(s_daemon_t *d, const char *path, const char *file)
{
    snprintf(d->name, sizeof d->name, "%.*s", (int)(strlen(file) - strlen(".health")),
             file);
    json_error_t err;
    json_t *rec = json_load_file(path, 0, &err);
    if (!rec) {
        d->why = "无法读取 unreadable";
        return;
    }
    bool ok = json_is_object(rec) && json_is_string(json_object_get(rec, "daemon")) &&
              json_is_string(json_object_get(rec, "state"));
    d->pid = s_int(rec, "pid", &ok);
    d->updated_at = s_int(rec, "updated_at", &ok);
    d->pending = (uint64_t)s_int(rec, "pending", &ok);
    json_t *pos = json_object_get(rec, "position");
    if (json_is_integer(pos)) {
        d->has_position = true;
        d->position = (uint64_t)json_integer_value(pos);
    } else if (!json_is_null(pos))
        ok = false;
    if (!ok || !json_is_boolean(json_object_get(rec, "live"))) {
        d->why = "格式不对 bad format";
        json_decref(rec);
        return;
    }
    d->rec = rec;
    snprintf(d->name, sizeof d->name, "%s",
             json_string_value(json_object_get(rec, "daemon")));
    d->state = json_string_value(json_object_get(rec, "state"));
    d->status = json_string_value(json_object_get(rec, "status"));
    d->live = json_is_true(json_object_get(rec, "live"));
    d->details = json_object_get(rec, "details");
}

/* The hub's daemons in the order they start; others after, by name. */
static int s_rank(const char *name)
{
    static const char *order[] = {"audit", "router", "sla", "intake", "branch"};
    for (int i = 0; i < 5; i++)
        if (streq(name, order[i]))
            return i;
    return 5;
}

static int s_compare(const void *a, const void *b)
{
    const s_daemon_t *x = (const s_daemon_t *)a, *y = (const s_daemon_t *)b;
    int rx = s_rank(x->name), ry = s_rank(y->name);
    return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

/* Every DIR/ *.health; -1 when the directory cannot be read. */
static int s_load(s_status_t *st)
{
    DIR *dir = opendir(st->dir);
    if (!dir)
        return -1;
    struct dirent *e;
    while ((e = readdir(dir)) && st->n < S_MAX) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 7 || !streq(e->d_name + len - 7, ".health"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", st->dir, e->d_name);
        s_read(&st->d[st->n++], path, e->d_name);
    }
    closedir(dir);
    qsort(st->d, st->n, sizeof st->d[0], s_compare);
    return 0;
}

/* Is the process still there?  (EPERM: it is, as another user.) */
static bool s_alive(int64_t pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Verdicts, each a problem except the first. */
static void s_judge(s_status_t *st, s_daemon_t *d)
{
    if (!d->rec) {
        d->verdict = d->why;
        return;
    }
    d->age = (int64_t)st->now - d->updated_at;
    bool fresh = d->age <= SHOUWEN_STATUS_STALE_S;
    d->up = fresh && !streq(d->state, "stopped");
    int db = s_updown(d, "postgresql"), hub = s_updown(d, "hub");
    if (streq(d->state, "stopped"))
        d->verdict = "已停止 stopped";
    else if (!fresh)
        d->verdict = s_alive(d->pid) ? "过期 stale：进程在但不更新（卡住 hung）"
                                     : "过期 stale：进程不在了（not running）";
    else if (streq(d->state, "starting"))
        d->verdict = "启动中 starting";
    else if (streq(d->state, "stopping"))
        d->verdict = "正在停止 stopping";
    else if (db == 0)
        d->verdict = "PostgreSQL 断开 down";
    else if (hub == 0)
        d->verdict = "总部无应答 hub down";
    else if (!d->live)
        d->verdict = "追赶日志 replaying";
    else {
        d->verdict = "正常 healthy";
        d->healthy = true;
    }
    if (st->has_head && d->has_position) {
        d->has_lag = true;
        d->lag = st->head > d->position ? (int64_t)(st->head - d->position) : 0;
    }
}

static void s_judge_all(s_status_t *st)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->d[i].rec && streq(st->d[i].name, "audit") && st->d[i].has_position) {
            st->has_head = true;
            st->head = st->d[i].position;
        }
    for (size_t i = 0; i < st->n; i++)
        s_judge(st, &st->d[i]);
}

static void s_print_line(const s_daemon_t *d)
{
    if (!d->rec) {
        printf("%-7s %s\n", d->name, d->verdict);
        return;
    }
    char when[40], pos[24] = "-", lag[24] = "-";
    s_when((time_t)d->updated_at, when, sizeof when, false);
    if (d->has_position)
        snprintf(pos, sizeof pos, "%" PRIu64, d->position);
    if (d->has_lag)
        snprintf(lag, sizeof lag, "%" PRId64, d->lag);
    printf("%-7s %s  位置 position %s  落后 lag %s  待提交 pending %" PRIu64 "  %s",
           d->name, d->verdict, pos, lag, d->pending, d->live ? "live" : "replaying");
    const char *key;
    json_t *v;
    json_object_foreach(d->details, key, v)
    {
        if (json_is_integer(v))
            printf("  %s %" JSON_INTEGER_FORMAT, key, json_integer_value(v));
        else if (json_is_string(v))
            printf("  %s %s", key, json_string_value(v));
    }
    printf("  更新于 %s（%" PRId64 " 秒前）  pid %" PRId64 "\n", when, d->age, d->pid);
}

static int s_print_text(const s_status_t *st)
{
    size_t bad = 0;
    for (size_t i = 0; i < st->n; i++) {
        s_print_line(&st->d[i]);
        bad += !st->d[i].healthy;
    }
    char now[40];
    s_when(st->now, now, sizeof now, false);
    if (!bad)
        printf("全部正常：%zu 个守护进程（%s，%s）\n", st->n, st->dir, now);
    else {
        printf("%zu 个不正常：", bad);
        for (size_t i = 0, k = 0; i < st->n; i++)
            if (!st->d[i].healthy)
                printf("%s%s", k++ ? "、" : "", st->d[i].name);
        printf("（%s，%s；docs/operations.md \"Health\"）\n", st->dir, now);
    }
    return bad ? SHOUWEN_STATUS_UNHEALTHY : 0;
}

static json_t *s_json_daemon(const s_daemon_t *d)
{
    json_t *o = d->rec ? json_deep_copy(d->rec) : json_pack("{s:s}", "daemon", d->name);
    char when[40];
    if (d->rec) {
        s_when((time_t)d->updated_at, when, sizeof when, true);
        json_object_set_new(o, "updated_at_iso", json_string(when));
        json_object_set_new(o, "age_seconds", json_integer(d->age));
        json_object_set_new(o, "stale", json_boolean(d->age > SHOUWEN_STATUS_STALE_S));
    }
    json_object_set_new(o, "up", json_boolean(d->up));
    json_object_set_new(o, "healthy", json_boolean(d->healthy));
    json_object_set_new(o, "verdict", json_string(d->verdict));
    json_object_set_new(o, "lag", d->has_lag ? json_integer(d->lag) : json_null());
    return o;
}

static int s_print_json(const s_status_t *st)
{
    char now[40];
    s_when(st->now, now, sizeof now, true);
    json_t *daemons = json_array();
    bool healthy = true;
    for (size_t i = 0; i < st->n; i++) {
        json_array_append_new(daemons, s_json_daemon(&st->d[i]));
        healthy = healthy && st->d[i].healthy;
    }
    json_t *doc =
        json_pack("{s:s, s:I, s:s, s:i, s:o, s:b, s:o}", "dir", st->dir, "checked_at",
                  (json_int_t)st->now, "checked_at_iso", now, "stale_after_seconds",
                  SHOUWEN_STATUS_STALE_S, "head",
                  st->has_head ? json_integer((json_int_t)st->head) : json_null(),
                  "healthy", healthy, "daemons", daemons);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text);
    free(text);
    json_decref(doc);
    return healthy ? 0 : SHOUWEN_STATUS_UNHEALTHY;
}

/* ------------------------------------------------------------ Prometheus */

/* One metric family: its samples come from value(d), NaN-free; a daemon
   for which value returns false has none. */
typedef bool(s_value_fn)(const s_status_t *st, const s_daemon_t *d, double *value);

static bool s_up(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = d->up, true;
}
static bool s_healthy(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = d->healthy, true;
}
static bool s_live(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = d->live, d->rec != NULL;
}
static bool s_position(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = (double)d->position, d->rec && d->has_position;
}
static bool s_lag(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = (double)d->lag, d->rec && d->has_lag;
}
static bool s_pending(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = (double)d->pending, d->rec != NULL;
}
static bool s_age(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = (double)d->age, d->rec != NULL;
}
static bool s_updated(const s_status_t *st, const s_daemon_t *d, double *v)
{
    return *v = (double)d->updated_at, d->rec != NULL;
}

static const struct {
    const char *name, *type, *help;
    s_value_fn *value;
} s_families[] = {
    {"shouwen_up", "gauge",
     "1 when the daemon's health record is fresh and it has not stopped, else 0.", s_up},
    {"shouwen_healthy", "gauge",
     "1 when the daemon is up, ready, live and its PostgreSQL or hub is up.", s_healthy},
    {"shouwen_live", "gauge", "1 when the daemon follows the log live, 0 replaying.",
     s_live},
    {"shouwen_log_position", "gauge",
     "Last log position the daemon has taken in (audit: the log head).", s_position},
    {"shouwen_lag_events", "gauge", "Events the daemon is behind audit's log head.",
     s_lag},
    {"shouwen_pending", "gauge", "Events the daemon is waiting to see committed.",
     s_pending},
    {"shouwen_health_age_seconds", "gauge",
     "Seconds since the daemon renewed its record.", s_age},
    {"shouwen_health_updated_timestamp_seconds", "gauge",
     "When the daemon last renewed its record (unix seconds).", s_updated},
};

/* Daemon-specific details as metrics; up/down words become 1/0. */
static const struct {
    const char *detail, *name, *type, *help;
} s_detail_families[] = {
    {"busy_refusals", "shouwen_intake_busy_refusals_total", "counter",
     "Requests intake refused as busy (max_pending reached) since it started."},
    {"requests", "shouwen_intake_requests_total", "counter",
     "Requests intake has taken from branches since it started."},
    {"open_cases", "shouwen_router_open_cases", "gauge", "Cases router holds open."},
    {"running_deadlines", "shouwen_sla_running_deadlines", "gauge",
     "Deadlines sla has running."},
    {"queued", "shouwen_audit_queued", "gauge",
     "Proposals audit holds for its next batch."},
    {"committed", "shouwen_audit_committed_total", "counter",
     "Events audit has committed since it started."},
    {"postgresql", "shouwen_postgresql_up", "gauge",
     "1 when audit's connection to PostgreSQL is up."},
    {"hub", "shouwen_hub_up", "gauge", "1 when the branch's hub answers."},
};

static void s_family_head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: daemon names are plain words, but escape as the format says. */
static void s_label(FILE *f, const char *value)
{
    for (const char *c = value; *c; c++)
        if (*c == '\\' || *c == '"')
            fprintf(f, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", f);
        else
            fputc(*c, f);
}

static void s_sample(FILE *f, const char *name, const char *daemon, double value)
{
    fprintf(f, "%s{daemon=\"", name);
    s_label(f, daemon);
    fprintf(f, "\"} %.17g\n", value);
}

static void s_prometheus_details(FILE *f, const s_status_t *st)
{
    for (size_t k = 0; k < sizeof s_detail_families / sizeof s_detail_families[0]; k++) {
        bool head = false;
        for (size_t i = 0; i < st->n; i++) {
            const s_daemon_t *d = &st->d[i];
            json_t *v =
                d->rec ? json_object_get(d->details, s_detail_families[k].detail) : NULL;
            double value;
            if (json_is_integer(v))
                value = (double)json_integer_value(v);
            else if (json_is_string(v) && (streq(json_string_value(v), "up") ||
                                           streq(json_string_value(v), "down")))
                value = streq(json_string_value(v), "up");
            else
                continue;
            if (!head)
                s_family_head(f, s_detail_families[k].name, s_detail_families[k].type,
                              s_detail_families[k].help);
            head = true;
            s_sample(f, s_detail_families[k].name, d->name, value);
        }
    }
}

/* FILE.tmp, then renamed to FILE: node_exporter never reads half of it. */
static int s_prometheus(const s_status_t *st, const char *path)
{
    char *tmp = zsys_sprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, _("shouwen: cannot write %s: %s\n"), tmp, strerror(errno));
        zstr_free(&tmp);
        return -1;
    }
    for (size_t k = 0; k < sizeof s_families / sizeof s_families[0]; k++) {
        s_family_head(f, s_families[k].name, s_families[k].type, s_families[k].help);
        for (size_t i = 0; i < st->n; i++) {
            double value;
            if (s_families[k].value(st, &st->d[i], &value))
                s_sample(f, s_families[k].name, st->d[i].name, value);
        }
    }
    s_prometheus_details(f, st);
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, _("shouwen: cannot write %s: %s\n"), path, strerror(errno));
        unlink(tmp);
    }
    zstr_free(&tmp);
    return rc;
}

int shouwen_status(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    s_status_t *st = (s_status_t *)zmalloc(sizeof *st);
    const char *env = getenv("SHOUWEN_HEALTH_DIR");
    st->dir = a->dir ? a->dir : env && *env ? env : "/run/shouwen";
    const char *prom = a->prometheus;
    bool json = a->json;
    st->now = time(NULL);
    int rc = 0;
    if (s_load(st) != 0) {
        fprintf(stderr, "shouwen: 无法读取健康记录目录 %s: %s\n", st->dir,
                strerror(errno));
        rc = SHOUWEN_STATUS_NOINPUT;
    } else if (st->n == 0) {
        fprintf(stderr,
                "shouwen: %s 里没有健康记录（*.health）：守护进程未运行，或未设 "
                "daemon/health_dir\n",
                st->dir);
        rc = SHOUWEN_STATUS_NOINPUT;
    }
    s_judge_all(st);
    if (prom && s_prometheus(st, prom) != 0)
        rc = SHOUWEN_STATUS_CANTWRITE;
    if (st->n > 0) {
        int shown = json ? s_print_json(st) : s_print_text(st);
        if (rc == 0)
            rc = shown;
    }
    for (size_t i = 0; i < st->n; i++)
        json_decref(st->d[i].rec);
    free(st);
    return rc;
}
