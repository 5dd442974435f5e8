/*  sw_daemon: the common shape of a shouwen daemon's main.  */
#include "sw_daemon.h"
#include "sw_alloc.h"

#include <errno.h>
#include <signal.h>

#include "sw_config.h"
#include "sw_log.h"
#include "sw_notify.h"

struct _sw_daemon_t {
    char *name; /* "intake", "router", "sla", "audit" */
    char *config_path;
    zconfig_t *config;
    sw_clock_t *clock; /* hub/clock */
    zlistx_t *flags;   /* extra flags given */
    struct ev_loop *loop;
    ev_signal sigterm, sigint, sighup, sigusr1;
    ev_timer drain_limit; /* ends a drain that takes too long */
    sw_watchdog_t *watchdog;
    sw_daemon_fn *on_stop, *on_reload, *on_stats;
    void *arg;
    bool verbose;                   /* -v: debug whatever log/level says */
    bool test;                      /* -t: check the configuration and exit */
    int log_level;                  /* in force (LOG_DEBUG..LOG_ERR) */
    sw_daemon_status_fn *status_fn; /* STATUS= for systemd */
    void *status_arg;
    ev_timer status;
    char status_line[256];
    sw_health_t health; /* what the status function said last */
    char *health_dir;   /* daemon/health_dir or $RUNTIME_DIRECTORY; NULL: no file */
    bool health_failed; /* the last write failed (logged when it starts failing) */
    double drain_s;
    bool stopping;
    zlistx_t *hot; /* s_hot_t: settings applied at SIGHUP */
};

typedef struct {
    char *path;
    sw_daemon_hot_fn *apply;
    void *arg;
} s_hot_t;

static void s_hot_destroy(void **item)
{
    s_hot_t *hot = (s_hot_t *)*item;
    free(hot->path);
    free(hot);
    *item = NULL;
}

static void s_usage(const char *name, const char *const *extra)
{
    printf("usage: shouwen-%s [-c FILE] [-v]", name);
    for (const char *const *f = extra; f && *f; f++)
        printf(" [%s]", *f);
    printf(
        "\n  -c, --config FILE  configuration (default /etc/shouwen/%s.conf, then "
        "FILE.d/*.conf)\n"
        "  -v, --verbose      log debug messages\n"
        "  -t, --test         check the configuration file and exit (0, or 78 with the "
        "line)\n"
        "  -h, --help         this text\n"
        "      --version      the version of shouwen\n",
        streq(name, "branch") ? "branch" : "shouwen");
}

static bool s_is_extra(const char *arg, const char *const *extra)
{
    for (const char *const *f = extra; f && *f; f++)
        if (streq(arg, *f))
            return true;
    return false;
}

static void s_end_loop(sw_daemon_t *self)
{
    ev_timer_stop(self->loop, &self->drain_limit);
    ev_timer_stop(self->loop, &self->status);
    ev_break(self->loop, EVBREAK_ALL);
}

static void s_on_drain_limit(struct ev_loop *loop, ev_timer *w, int revents)
{
    sw_daemon_t *self = (sw_daemon_t *)w->data;
    sw_warn("drain did not finish within %.1f s; stopping anyway", self->drain_s);
    s_end_loop(self);
}

static const struct {
    const char *name;
    int priority;
} s_levels[] = {{"debug", LOG_DEBUG},
                {"info", LOG_INFO},
                {"notice", LOG_NOTICE},
                {"warning", LOG_WARNING},
                {"error", LOG_ERR}};

/* log/level of cfg: LOG_INFO when absent, -1 (logged) when not a level. */
static int s_log_level(zconfig_t *cfg)
{
    const char *level = sw_config_str(cfg, "log/level", "info");
    for (size_t i = 0; i < sizeof s_levels / sizeof s_levels[0]; i++)
        if (streq(level, s_levels[i].name))
            return s_levels[i].priority;
    sw_error("config: log/level '%s' is not debug, info, notice, warning or error",
             level);
    return -1;
}

static const char *s_level_name(int priority)
{
    for (size_t i = 0; i < sizeof s_levels / sizeof s_levels[0]; i++)
        if (s_levels[i].priority == priority)
            return s_levels[i].name;
    return "?";
}

/* Every "path = value" of a configuration, one string each. */
static void s_flatten(void *out, const char *path, const char *value)
{
    zlistx_add_end((zlistx_t *)out, zsys_sprintf("%s = %s", path, value));
}

static s_hot_t *s_hot_find(sw_daemon_t *self, const char *path)
{
    for (s_hot_t *hot = (s_hot_t *)zlistx_first(self->hot); hot;
         hot = (s_hot_t *)zlistx_next(self->hot))
        if (streq(hot->path, path))
            return hot;
    return NULL;
}

/* Whether a setting is this daemon's: the shared sections and its own (the
   hub's daemons share shouwen.conf; another daemon's section is not ours). */
static bool s_ours(sw_daemon_t *self, const char *path)
{
    size_t len = strcspn(path, "/");
    static const char *const shared[] = {"hub", "log", "daemon", NULL};
    for (const char *const *s = shared; *s; s++)
        if (strlen(*s) == len && strncmp(path, *s, len) == 0)
            return true;
    return strlen(self->name) == len && strncmp(path, self->name, len) == 0;
}

/* One setting whose "path = value" line is new in the file (value NULL:
   the setting was removed).  A hot setting is offered to its daemon and,
   taken, becomes the running one; any other waits for a restart.  Returns
   whether it was applied. */
static bool s_reload_setting(sw_daemon_t *self, zconfig_t *fresh, const char *path,
                             const char *value)
{
    if (streq(path, "log/level") || !s_ours(self, path))
        return true; /* done above, or another daemon's */
    s_hot_t *hot = s_hot_find(self, path);
    const char *was = sw_config_str(self->config, path, NULL);
    if (!hot) {
        if (value)
            sw_warn("SIGHUP: '%s = %s' takes effect at the next restart", path, value);
        else
            sw_warn("SIGHUP: '%s = %s' removed: takes effect at the next restart", path,
                    was ? was : "");
        return false;
    }
    if (hot->apply(hot->arg, path, fresh) != 0) {
        sw_warn("SIGHUP: %s = %s refused (see above); %s stays", path,
                value ? value : "(default)", was ? was : "the default");
        return false;
    }
    sw_info("SIGHUP: %s %s -> %s, in force now", path, was ? was : "(default)",
            value ? value : "(default)");
    if (value)
        zconfig_put(self->config, path, value);
    else {
        zconfig_t *item = zconfig_locate(self->config, path);
        if (item) /* an empty value reads as absent (s_flatten) */
            zconfig_set_value(item, "%s", "");
    }
    return true;
}

/* SIGHUP: the file again.  log/level and the daemon's hot settings
   (sw_daemon_hot) take effect now; every other change is named in the log
   as waiting for a restart (the running settings stay as they were). */
static void s_reload_config(sw_daemon_t *self)
{
    zconfig_t *fresh = sw_config_load(self->config_path);
    if (!fresh) {
        sw_warn("SIGHUP: %s not reloaded (see above); the running settings stay",
                self->config_path);
        return;
    }
    int level = s_log_level(fresh);
    if (level >= 0 && !self->verbose && level != self->log_level) {
        sw_info("SIGHUP: log/level %s -> %s", s_level_name(self->log_level),
                s_level_name(level));
        self->log_level = level;
        sw_log_init(self->name, level);
    }
    zlistx_t *was = zlistx_new(), *now = zlistx_new();
    zlistx_set_destructor(was, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_destructor(now, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(was, (zlistx_comparator_fn *)strcmp);
    zlistx_set_comparator(now, (zlistx_comparator_fn *)strcmp);
    sw_config_each(self->config, s_flatten, was);
    sw_config_each(fresh, s_flatten, now);
    int changed = 0;
    for (char *line = (char *)zlistx_first(now); line; line = (char *)zlistx_next(now))
        if (!zlistx_find(was, line)) {
            char *eq = strstr(line, " = ");
            *eq = '\0';
            changed += !streq(line, "log/level") && s_ours(self, line);
            s_reload_setting(self, fresh, line, eq + 3);
            *eq = ' ';
        }
    for (char *line = (char *)zlistx_first(was); line; line = (char *)zlistx_next(was)) {
        char *eq = strstr(line, " = ");
        *eq = '\0';
        if (!sw_config_str(fresh, line, NULL)) { /* gone, not changed */
            changed += !streq(line, "log/level") && s_ours(self, line);
            s_reload_setting(self, fresh, line, NULL);
        }
        *eq = ' ';
    }
    if (!changed)
        sw_info("SIGHUP: nothing else changed in %s", self->config_path);
    zlistx_destroy(&was);
    zlistx_destroy(&now);
    zconfig_destroy(&fresh);
}

void sw_daemon_hot(sw_daemon_t *self, const char *path, sw_daemon_hot_fn *apply,
                   void *arg)
{
    s_hot_t *hot = (s_hot_t *)sw_malloc(sizeof *hot);
    hot->path = sw_strdup(path);
    hot->apply = apply;
    hot->arg = arg;
    zlistx_add_end(self->hot, hot);
}

static void s_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    sw_daemon_t *self = (sw_daemon_t *)w->data;
    if (w->signum == SIGHUP) {
        sw_notify_reloading();
        sw_info("SIGHUP: reloading");
        s_reload_config(self);
        if (self->on_reload)
            self->on_reload(self->arg);
        sw_notify_ready();
        return;
    }
    if (w->signum == SIGUSR1) {
        if (self->on_stats)
            self->on_stats(self->arg);
        return;
    }
    if (self->stopping) {
        sw_warn("second stop signal: stopping now");
        s_end_loop(self);
        return;
    }
    self->stopping = true;
    sw_notify_stopping();
    sw_info("stopping (signal %d)", w->signum);
    if (!self->on_stop) {
        s_end_loop(self);
        return;
    }
    ev_timer_set(&self->drain_limit, self->drain_s, 0.);
    ev_timer_start(loop, &self->drain_limit);
    self->on_stop(self->arg);
}

static int s_parse(sw_daemon_t *self, int argc, char **argv, const char *const *extra,
                   bool *verbose)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((streq(a, "-c") || streq(a, "--config")) && i + 1 < argc) {
            free(self->config_path);
            self->config_path = sw_strdup(argv[++i]);
        } else if (streq(a, "-v") || streq(a, "--verbose"))
            *verbose = true;
        else if (streq(a, "-t") || streq(a, "--test"))
            self->test = true;
        else if (streq(a, "-h") || streq(a, "--help")) {
            s_usage(self->name, extra);
            return 0;
        } else if (streq(a, "--version")) {
            printf("shouwen-%s %s\n", self->name, SHOUWEN_VERSION);
            return 0;
        } else if (s_is_extra(a, extra))
            zlistx_add_end(self->flags, (void *)a);
        else {
            fprintf(stderr, "shouwen-%s: unknown argument '%s'\n", self->name, a);
            s_usage(self->name, extra);
            return 64;
        }
    }
    return -1;
}

sw_daemon_t *sw_daemon_new(const char *name, int argc, char **argv,
                           const char *const *extra, int *exit_code)
{
    sw_daemon_t *self = (sw_daemon_t *)zmalloc(sizeof(sw_daemon_t));
    self->name = sw_strdup(name);
    /* the hub's daemons share one file; a branch office has its own */
    self->config_path = zsys_sprintf("/etc/shouwen/%s.conf",
                                     streq(name, "branch") ? "branch" : "shouwen");
    self->flags = zlistx_new();
    self->hot = zlistx_new();
    zlistx_set_destructor(self->hot, s_hot_destroy);
    bool verbose = false;
    int rc = s_parse(self, argc, argv, extra, &verbose);
    sw_log_init(name, verbose ? LOG_DEBUG : LOG_INFO);
    if (rc < 0 && !(self->config = sw_config_load(self->config_path)))
        rc = SW_EXIT_CONFIG;
    if (self->config)
        sw_config_warn_gone(self->config);
    if (rc < 0 && !(self->clock = sw_clock_new_from_spec(
                        sw_config_str(self->config, "hub/clock", "real")))) {
        sw_error(
            "config: hub/clock must be 'real', 'test[:unix seconds]' or 'file:PATH'");
        rc = SW_EXIT_CONFIG;
    }
    self->verbose = verbose;
    self->log_level = rc < 0 ? s_log_level(self->config) : LOG_INFO;
    if (rc < 0 && self->log_level < 0)
        rc = SW_EXIT_CONFIG;
    if (rc < 0 && self->test) { /* -t: the file reads and the shared settings hold */
        printf("shouwen-%s: %s: the configuration reads (the daemon's own settings are "
               "checked when it starts)\n",
               name, self->config_path);
        rc = 0;
    }
    if (rc >= 0) {
        *exit_code = rc;
        sw_daemon_destroy(&self);
        return NULL;
    }
    if (verbose)
        self->log_level = LOG_DEBUG;
    sw_log_init(name, self->log_level);
    zsys_handler_set(NULL); /* libev owns the signals */
    zsys_init();
    self->loop = ev_default_loop(EVFLAG_AUTO);
    ev_timer_init(&self->drain_limit, s_on_drain_limit, 5., 0.);
    self->drain_limit.data = self;
    ev_signal *sigs[] = {&self->sigterm, &self->sigint, &self->sighup, &self->sigusr1};
    int nums[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    for (int i = 0; i < 4; i++) {
        ev_signal_init(sigs[i], s_on_signal, nums[i]);
        sigs[i]->data = self;
        ev_signal_start(self->loop, sigs[i]);
        ev_unref(self->loop); /* signal watchers alone do not keep the loop */
    }
    signal(SIGPIPE, SIG_IGN);
    return self;
}

void sw_daemon_destroy(sw_daemon_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_daemon_t *self = *self_p;
    sw_watchdog_destroy(&self->watchdog);
    if (self->loop) {
        ev_signal *sigs[] = {&self->sigterm, &self->sigint, &self->sighup,
                             &self->sigusr1};
        for (int i = 0; i < 4; i++) {
            ev_ref(self->loop);
            ev_signal_stop(self->loop, sigs[i]);
        }
        ev_timer_stop(self->loop, &self->drain_limit);
        ev_timer_stop(self->loop, &self->status);
    }
    zconfig_destroy(&self->config);
    sw_clock_destroy(&self->clock);
    zlistx_destroy(&self->flags);
    zlistx_destroy(&self->hot);
    free(self->config_path);
    free(self->health_dir);
    free(self->name);
    free(self);
    *self_p = NULL;
}

struct ev_loop *sw_daemon_loop(sw_daemon_t *self)
{
    return self->loop;
}

zconfig_t *sw_daemon_config(sw_daemon_t *self)
{
    return self->config;
}

sw_clock_t *sw_daemon_clock(sw_daemon_t *self)
{
    return self->clock;
}

const char *sw_daemon_config_path(sw_daemon_t *self)
{
    return self->config_path;
}

bool sw_daemon_flag(sw_daemon_t *self, const char *flag)
{
    for (const char *f = (const char *)zlistx_first(self->flags); f;
         f = (const char *)zlistx_next(self->flags))
        if (streq(f, flag))
            return true;
    return false;
}

void sw_daemon_set_handlers(sw_daemon_t *self, sw_daemon_fn *on_stop,
                            sw_daemon_fn *on_reload, sw_daemon_fn *on_stats, void *arg,
                            double drain_s)
{
    self->on_stop = on_stop;
    self->on_reload = on_reload;
    self->on_stats = on_stats;
    self->arg = arg;
    self->drain_s = drain_s > 0 ? drain_s : 5.;
}

#define S_STATUS_S 5.0 /* STATUS= is renewed this often */

/* Asks the daemon how it is doing (ask) and writes its health record,
   state "starting", "ready", "stopping" or "stopped" (sw_health.h). */
static void s_health(sw_daemon_t *self, const char *state, bool ask)
{
    if (ask) {
        memset(&self->health, 0, sizeof self->health);
        self->status_fn(self->status_arg, &self->health);
    }
    if (!self->health_dir)
        return;
    time_t now = time(NULL);
    if (sw_health_write(&self->health, self->health_dir, self->name, state, now) != 0) {
        if (!self->health_failed)
            sw_warn("health: cannot write %s/%s.health: %s", self->health_dir, self->name,
                    strerror(errno));
        self->health_failed = true;
    } else if (self->health_failed) {
        sw_info("health: %s/%s.health written again", self->health_dir, self->name);
        self->health_failed = false;
    }
}

static void s_on_status(struct ev_loop *loop, ev_timer *w, int revents)
{
    sw_daemon_t *self = (sw_daemon_t *)w->data;
    s_health(self, self->stopping ? "stopping" : "ready", true);
    const char *line = self->health.line;
    if (!streq(line, self->status_line)) { /* only what changed reaches systemd */
        snprintf(self->status_line, sizeof self->status_line, "%s", line);
        sw_notify_status("%s", line);
    }
}

void sw_daemon_set_status(sw_daemon_t *self, sw_daemon_status_fn *fn, void *arg)
{
    self->status_fn = fn;
    self->status_arg = arg;
    const char *dir = sw_health_dir(self->config);
    free(self->health_dir);
    self->health_dir = dir ? sw_strdup(dir) : NULL;
    if (fn)
        s_health(self, "starting", true);
}

void sw_daemon_ready(sw_daemon_t *self)
{
    sw_notify_ready();
    sw_notify_status("ready");
    if (self->status_fn)
        s_health(self, "ready", true);
    if (self->status_fn && !ev_is_active(&self->status)) {
        ev_timer_init(&self->status, s_on_status, S_STATUS_S, S_STATUS_S);
        self->status.data = self;
        ev_timer_start(self->loop, &self->status);
    }
    if (!self->watchdog)
        self->watchdog = sw_watchdog_new(self->loop);
    sw_info("ready");
}

void sw_daemon_stopped(sw_daemon_t *self)
{
    s_end_loop(self);
}

int sw_daemon_run(sw_daemon_t *self)
{
    ev_run(self->loop, 0);
    if (self->status_fn) /* the last record says so: not hung, stopped */
        s_health(self, "stopped", false);
    return 0;
}
