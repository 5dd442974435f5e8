/*  branch_desk: the web desk's HTTP side (see branch_desk.h): the
    libmicrohttpd daemon on the libev loop, requests that wait for the hub,
    the Server-Sent Event streams, and the pages' static files.  The JSON
    API's routes are in branch_api.c. */
#include "branch_desk.h"
#include "sw_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "branch_desk_int.h"
#include "sw_config.h"
#include "sw_log.h"

#define S_BODY_MAX     (64 * 1024) /* a JSON body larger than this is refused */
#define S_KEEPALIVE_S  15.0        /* an SSE comment this often keeps proxies quiet */
#define S_WAIT_TICK_S  0.1         /* requests waiting for the hub are looked at */
#define S_DEFAULT_ROOT "/usr/share/shouwen/desk"
#define S_DEFAULT_DB   "/var/lib/shouwen-branch/desk.sqlite"

/* ------------------------------------------------------------ answers */

static enum MHD_Result s_queue(struct MHD_Connection *conn, unsigned status,
                               const char *type, const char *body, size_t len,
                               const char *cookie)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (cookie)
        MHD_add_response_header(resp, "Set-Cookie", cookie);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result desk_json(desk_req_t *r, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
    json_decref(body);
    if (!text)
        return MHD_NO;
    enum MHD_Result rc = s_queue(r->conn, status, "application/json; charset=utf-8", text,
                                 strlen(text), r->set_cookie[0] ? r->set_cookie : NULL);
    free(text);
    return rc;
}

enum MHD_Result desk_error(desk_req_t *r, unsigned status, const char *code,
                           const char *message)
{
    return desk_json(r, status,
                     json_pack("{s:s, s:s}", "error", code, "message", message));
}

/* ---------------------------------------------------- waiting for the hub */

/* The answer arrived (or the wait ended): the connection goes on. */
static void s_finish(desk_req_t *r, unsigned status, json_t *body)
{
    branch_desk_t *self = r->desk;
    json_decref(r->answer);
    r->answer = body;
    r->answer_status = status;
    r->ticket = 0;
    if (r->settle_key[0]) {
        if (zhashx_lookup(self->settling, r->settle_key) == r)
            zhashx_delete(self->settling, r->settle_key);
        r->settle_key[0] = '\0';
    }
    if (r->suspended) {
        r->suspended = false;
        zlistx_delete(self->waiting, r->waiting_handle);
        r->waiting_handle = NULL;
        MHD_resume_connection(r->conn);
        ev_feed_event(self->loop, &self->io, EV_READ); /* run MHD again */
    }
}

void desk_finish_reply(desk_req_t *r, const Shouwen__V1__BranchReply *reply)
{
    if (r->convert)
        r->convert(r, reply);
    else
        s_finish(r, 500,
                 json_pack("{s:s,s:s}", "error", "INTERNAL", "message", "内部错误"));
}

void desk_finish(desk_req_t *r, unsigned status, json_t *body)
{
    s_finish(r, status, body);
}

void desk_reask(desk_req_t *r, Shouwen__V1__BranchRequest *req, desk_convert_fn *convert)
{
    branch_desk_t *self = r->desk;
    r->convert = convert;
    r->ticket = ++self->next_ticket;
    char key[32];
    snprintf(key, sizeof key, "%" PRIu64, r->ticket);
    zhashx_insert(self->asking, key, r);
    branch_server_ask(self->server, req, r->ticket);
}

enum MHD_Result desk_ask(desk_req_t *r, Shouwen__V1__BranchRequest *req,
                         desk_convert_fn *convert, double wait_s)
{
    branch_desk_t *self = r->desk;
    r->deadline = ev_now(self->loop) + wait_s;
    desk_reask(r, req, convert);
    if (r->answer) /* answered at once (a refusal, a spooled request's SPOOLED) */
        return desk_json(r, r->answer_status, json_incref(r->answer));
    MHD_suspend_connection(r->conn);
    r->suspended = true;
    r->waiting_handle = zlistx_add_end(self->waiting, r);
    return MHD_YES;
}

/* A spooled request's SPOOLED: wait for the hub's word (settled) unless the
   hub is down or the wait is over. */
bool desk_wait_settle(desk_req_t *r, const char *request_id)
{
    branch_desk_t *self = r->desk;
    if (!branch_server_hub_up(self->server) || ev_now(self->loop) >= r->deadline)
        return false;
    snprintf(r->settle_key, sizeof r->settle_key, "%s", request_id);
    zhashx_update(self->settling, r->settle_key, r);
    return true;
}

static void s_on_answer(void *arg, uint64_t ticket, const Shouwen__V1__BranchReply *reply)
{
    branch_desk_t *self = (branch_desk_t *)arg;
    char key[32];
    snprintf(key, sizeof key, "%" PRIu64, ticket);
    desk_req_t *r = (desk_req_t *)zhashx_lookup(self->asking, key);
    if (!r)
        return; /* the browser's wait ended already */
    zhashx_delete(self->asking, key);
    desk_finish_reply(r, reply);
}

static void s_on_settled(void *arg, const Shouwen__V1__BranchReply *reply)
{
    branch_desk_t *self = (branch_desk_t *)arg;
    desk_req_t *r = (desk_req_t *)zhashx_lookup(self->settling, reply->request_id);
    if (r)
        desk_finish_reply(r, reply);
    desk_push_settled(self, reply);
}

/* Requests whose wait is over are answered with what is known. */
static void s_on_wait_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    branch_desk_t *self = (branch_desk_t *)w->data;
    double now = ev_now(loop);
    desk_req_t *r = (desk_req_t *)zlistx_first(self->waiting);
    while (r) {
        desk_req_t *next = (desk_req_t *)zlistx_next(self->waiting);
        if (r->deadline <= now) {
            char key[32];
            snprintf(key, sizeof key, "%" PRIu64, r->ticket);
            zhashx_delete(self->asking, key);
            if (r->settle_key[0] && r->on_timeout)
                r->on_timeout(r); /* spooled, the hub has not answered yet */
            else
                s_finish(r, 503,
                         json_pack("{s:s,s:s,s:s}", "error", "RETRY", "status", "retry",
                                   "message", "总部暂时没有应答，请稍后再试"));
        }
        r = next;
    }
}

/* ---------------------------------------------------------- SSE streams */

static void s_stream_append(desk_stream_t *s, const char *text, size_t len)
{
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2 + 1024;
        s->buf = (char *)sw_realloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, text, len);
    s->len += len;
}

void desk_stream_send(desk_stream_t *s, const char *event, uint64_t id, json_t *data)
{
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!text)
        return;
    char head[96];
    int n =
        id ? snprintf(head, sizeof head, "event: %s\nid: %" PRIu64 "\ndata: ", event, id)
           : snprintf(head, sizeof head, "event: %s\ndata: ", event);
    s_stream_append(s, head, (size_t)n);
    s_stream_append(s, text, strlen(text));
    s_stream_append(s, "\n\n", 2);
    free(text);
    if (s->suspended) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
        ev_feed_event(s->desk->loop, &s->desk->io, EV_READ);
    }
}

static ssize_t s_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    desk_stream_t *s = (desk_stream_t *)cls;
    if (s->desk->stopping)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (s->off == s->len) {
        s->off = s->len = 0;
        MHD_suspend_connection(s->conn); /* until there is something to say */
        s->suspended = true;
        return 0;
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void s_stream_free(void *cls)
{
    desk_stream_t *s = (desk_stream_t *)cls;
    zlistx_delete(s->desk->streams, s->handle);
    free(s->buf);
    free(s);
}

enum MHD_Result desk_stream_open(desk_req_t *r, desk_stream_t **out)
{
    branch_desk_t *self = r->desk;
    desk_stream_t *s = (desk_stream_t *)sw_calloc(1, sizeof *s);
    s->desk = self;
    s->conn = r->conn;
    snprintf(s->staff, sizeof s->staff, "%s", r->staff);
    snprintf(s->department, sizeof s->department, "%s", r->department);
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16 * 1024, s_stream_read, s, s_stream_free);
    if (!resp) {
        free(s);
        return MHD_NO;
    }
    s->handle = zlistx_add_end(self->streams, s);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    s_stream_append(s, "retry: 2000\n\n", 13);
    *out = s;
    enum MHD_Result rc = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void s_on_keepalive(struct ev_loop *loop, ev_timer *w, int revents)
{
    branch_desk_t *self = (branch_desk_t *)w->data;
    for (desk_stream_t *s = (desk_stream_t *)zlistx_first(self->streams); s;
         s = (desk_stream_t *)zlistx_next(self->streams)) {
        s_stream_append(s, ": keepalive\n\n", 13);
        if (s->suspended) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        }
    }
    ev_feed_event(loop, &self->io, EV_READ);
}

/* --------------------------------------------------------- static files */

static const char *s_content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json; charset=utf-8"},
    };
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (streq(dot, types[i][0]))
            return types[i][1];
    return "application/octet-stream";
}

/* A file under desk/root: names of [A-Za-z0-9._-/] only, no "..". */
static enum MHD_Result s_static(desk_req_t *r, const char *url)
{
    branch_desk_t *self = r->desk;
    if (streq(url, "/"))
        url = "/index.html";
    for (const char *p = url; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
            return desk_error(r, 404, "NOT_FOUND", "没有这个页面");
    if (strstr(url, "..") || strlen(url) > 200)
        return desk_error(r, 404, "NOT_FOUND", "没有这个页面");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", self->root, url);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return desk_error(r, 404, "NOT_FOUND", "没有这个页面");
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", s_content_type(path));
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; "
                            "frame-ancestors 'none'; form-action 'self'");
    enum MHD_Result rc = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ------------------------------------------------------------- requests */

static enum MHD_Result s_access(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version,
                                const char *upload, size_t *upload_size, void **req_cls)
{
    branch_desk_t *self = (branch_desk_t *)cls;
    desk_req_t *r = (desk_req_t *)*req_cls;
    if (!r) {
        r = (desk_req_t *)sw_calloc(1, sizeof *r);
        r->desk = self;
        r->conn = conn;
        *req_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body_len + *upload_size > S_BODY_MAX)
            r->too_big = true;
        else {
            r->body = (char *)sw_realloc(r->body, r->body_len + *upload_size + 1);
            memcpy(r->body + r->body_len, upload, *upload_size);
            r->body_len += *upload_size;
            r->body[r->body_len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answer) /* resumed with the hub's answer */
        return desk_json(r, r->answer_status, json_incref(r->answer));
    if (r->too_big)
        return desk_error(r, 413, "TOO_LARGE", "提交的内容过大");
    if (strncmp(url, "/api/", 5) == 0)
        return desk_api(r, method, url);
    if (!streq(method, "GET") && !streq(method, "HEAD"))
        return desk_error(r, 405, "METHOD", "不支持的请求方式");
    return s_static(r, url);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                        enum MHD_RequestTerminationCode toe)
{
    branch_desk_t *self = (branch_desk_t *)cls;
    desk_req_t *r = (desk_req_t *)*req_cls;
    if (!r)
        return;
    if (r->ticket) {
        char key[32];
        snprintf(key, sizeof key, "%" PRIu64, r->ticket);
        zhashx_delete(self->asking, key);
    }
    if (r->settle_key[0] && zhashx_lookup(self->settling, r->settle_key) == r)
        zhashx_delete(self->settling, r->settle_key);
    if (r->waiting_handle)
        zlistx_delete(self->waiting, r->waiting_handle);
    json_decref(r->answer);
    free(r->body);
    free(r);
    *req_cls = NULL;
}

/* ------------------------------------------------------- the MHD loop */

static void s_schedule(branch_desk_t *self)
{
    MHD_UNSIGNED_LONG_LONG ms = 0;
    ev_timer_stop(self->loop, &self->timer);
    if (MHD_get_timeout(self->mhd, &ms) == MHD_YES) {
        ev_timer_set(&self->timer, (double)ms / 1000.0, 0.);
        ev_timer_start(self->loop, &self->timer);
    }
}

static void s_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    branch_desk_t *self = (branch_desk_t *)w->data;
    MHD_run(self->mhd);
    s_schedule(self);
}

static void s_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    branch_desk_t *self = (branch_desk_t *)w->data;
    MHD_run(self->mhd);
    s_schedule(self);
}

static void s_on_notification(void *arg, const Shouwen__V1__Notification *n)
{
    desk_push_notification((branch_desk_t *)arg, n);
}

static int s_settings(branch_desk_t *self, zconfig_t *cfg, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    int64_t hours = 0, wait_ms = 0;
    if (!colon || colon == listen || atoi(colon + 1) <= 0 || atoi(colon + 1) > 65535) {
        sw_error("desk/listen: '%s' is not ADDRESS:PORT", listen);
        return -1;
    }
    snprintf(self->address, sizeof self->address, "%.*s", (int)(colon - listen), listen);
    self->port = (uint16_t)atoi(colon + 1);
    snprintf(self->root, sizeof self->root, "%s",
             sw_config_str(cfg, "desk/root", S_DEFAULT_ROOT));
    snprintf(self->tz, sizeof self->tz, "%s",
             sw_config_str(cfg, "desk/tz", "Asia/Shanghai"));
    if (sw_config_int(cfg, "desk/session_hours", 12, 1, 24 * 30, &hours) != 0 ||
        sw_config_int(cfg, "desk/wait_ms", 4000, 0, 60000, &wait_ms) != 0)
        return -1;
    self->session_us = hours * 3600 * INT64_C(1000000);
    self->wait_s = (double)wait_ms / 1000.0;
    struct stat st;
    if (stat(self->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sw_error("desk/root: %s is not a directory of the desk's pages", self->root);
        return -1;
    }
    return 0;
}

static int s_start_mhd(branch_desk_t *self, zconfig_t *cfg)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(self->port)};
    if (inet_pton(AF_INET, self->address, &addr.sin_addr) != 1) {
        sw_error("desk/listen: '%s' is not an IPv4 address", self->address);
        return -1;
    }
    const char *cert = sw_config_str(cfg, "desk/tls_cert", "");
    const char *key = sw_config_str(cfg, "desk/tls_key", "");
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (*cert || *key) {
        self->tls_cert = zchunk_slurp(cert, 0);
        self->tls_key = zchunk_slurp(key, 0);
        if (!self->tls_cert || !self->tls_key) {
            sw_error("desk/tls_cert and desk/tls_key: both PEM files must be readable");
            return -1;
        }
        /* MHD wants NUL-terminated PEM text */
        zchunk_extend(self->tls_cert, "", 1);
        zchunk_extend(self->tls_key, "", 1);
        flags |= MHD_USE_TLS;
        self->tls = true;
    }
    self->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, s_access, self, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
        self->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
        self->tls ? (const char *)zchunk_data(self->tls_cert) : NULL,
        MHD_OPTION_HTTPS_MEM_KEY,
        self->tls ? (const char *)zchunk_data(self->tls_key) : NULL, MHD_OPTION_END);
    if (!self->mhd) {
        sw_error("the desk cannot listen on %s:%u: %s", self->address, self->port,
                 strerror(errno));
        return -1;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(self->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        sw_error("the desk: libmicrohttpd gives no epoll descriptor");
        return -1;
    }
    ev_io_init(&self->io, s_on_io, info->epoll_fd, EV_READ);
    self->io.data = self;
    ev_io_start(self->loop, &self->io);
    ev_init(&self->timer, s_on_timer);
    self->timer.data = self;
    s_schedule(self);
    sw_info("the web desk is served on %s://%s:%u/ (pages from %s)",
            self->tls ? "https" : "http", self->address, self->port, self->root);
    return 0;
}

branch_desk_t *branch_desk_new(struct ev_loop *loop, zconfig_t *cfg,
                               branch_server_t *server, sw_clock_t *clock, int *rc)
{
    *rc = 0;
    const char *listen = sw_config_str(cfg, "desk/listen", "");
    if (!*listen)
        return NULL;
    *rc = SW_EXIT_CONFIG;
    branch_desk_t *self = (branch_desk_t *)sw_calloc(1, sizeof *self);
    self->loop = loop;
    self->server = server;
    self->clock = clock;
    self->asking = zhashx_new();
    self->settling = zhashx_new();
    self->waiting = zlistx_new();
    self->streams = zlistx_new();
    self->failures = zhashx_new();
    zhashx_set_destructor(self->failures, (zhashx_destructor_fn *)zstr_free);
    if (s_settings(self, cfg, listen) != 0 ||
        !(self->store = branch_store_new(sw_config_str(cfg, "desk/db", S_DEFAULT_DB))) ||
        s_start_mhd(self, cfg) != 0) {
        branch_desk_destroy(&self);
        return NULL;
    }
    ev_timer_init(&self->wait_tick, s_on_wait_tick, S_WAIT_TICK_S, S_WAIT_TICK_S);
    self->wait_tick.data = self;
    ev_timer_start(loop, &self->wait_tick);
    ev_timer_init(&self->keepalive, s_on_keepalive, S_KEEPALIVE_S, S_KEEPALIVE_S);
    self->keepalive.data = self;
    ev_timer_start(loop, &self->keepalive);
    branch_observer_t observer = {.answer = s_on_answer,
                                  .settled = s_on_settled,
                                  .notification = s_on_notification,
                                  .arg = self};
    branch_server_observe(server, &observer);
    branch_server_watch(server, branch_store_notice_last(self->store));
    *rc = 0;
    return self;
}

void branch_desk_destroy(branch_desk_t **self_p)
{
    branch_desk_t *self = *self_p;
    if (!self)
        return;
    self->stopping = true;
    if (self->mhd) {
        /* MHD must not be stopped with suspended connections */
        for (desk_req_t *r = (desk_req_t *)zlistx_first(self->waiting); r;
             r = (desk_req_t *)zlistx_next(self->waiting)) {
            r->suspended = false;
            MHD_resume_connection(r->conn);
        }
        for (desk_stream_t *s = (desk_stream_t *)zlistx_first(self->streams); s;
             s = (desk_stream_t *)zlistx_next(self->streams))
            if (s->suspended) {
                s->suspended = false;
                MHD_resume_connection(s->conn);
            }
        MHD_run(self->mhd);
        ev_io_stop(self->loop, &self->io);
        ev_timer_stop(self->loop, &self->timer);
        MHD_stop_daemon(self->mhd);
    }
    if (self->loop) {
        ev_timer_stop(self->loop, &self->wait_tick);
        ev_timer_stop(self->loop, &self->keepalive);
    }
    zhashx_destroy(&self->asking);
    zhashx_destroy(&self->settling);
    zlistx_destroy(&self->waiting);
    zlistx_destroy(&self->streams);
    zhashx_destroy(&self->failures);
    zchunk_destroy(&self->tls_cert);
    zchunk_destroy(&self->tls_key);
    branch_store_destroy(&self->store);
    free(self);
    *self_p = NULL;
}

/* ------------------------------------------------------------- passwd */

static void s_print_account(const char *staff, int64_t updated_us, void *arg)
{
    time_t t = (time_t)(updated_us / 1000000);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    printf("%-24s %s\n", staff, when);
}

/* One line from standard input, without echo when it is a terminal. */
static int s_read_password(char *buf, size_t size)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "新密码（至少 %d 个字符）：", BRANCH_PASSWORD_MIN);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *line = fgets(buf, (int)size, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!line)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int branch_desk_passwd(zconfig_t *cfg, int argc, char **argv)
{
    const char *staff = NULL;
    bool del = false, list = false;
    for (int i = 0; i < argc; i++) {
        if (streq(argv[i], "--delete"))
            del = true;
        else if (streq(argv[i], "--list"))
            list = true;
        else if (argv[i][0] != '-' && !staff)
            staff = argv[i];
        else {
            fprintf(stderr, "usage: shouwen-branch passwd [-c FILE] STAFF_ID [--delete]\n"
                            "       shouwen-branch passwd [-c FILE] --list\n");
            return 64;
        }
    }
    if (!list && (!staff || !*staff || strlen(staff) > 64)) {
        fprintf(stderr, "shouwen-branch passwd: a staff id (工号) is required\n");
        return 64;
    }
    branch_store_t *store = branch_store_new(sw_config_str(cfg, "desk/db", S_DEFAULT_DB));
    if (!store)
        return SW_EXIT_CONFIG;
    int rc = 0;
    if (list)
        rc = branch_store_accounts(store, s_print_account, NULL) < 0 ? 1 : 0;
    else if (del) {
        int n = branch_store_account_delete(store, staff);
        if (n == 0)
            fprintf(stderr, "shouwen-branch passwd: %s has no account\n", staff);
        rc = n == 1 ? 0 : 1;
    } else {
        char password[1024];
        if (s_read_password(password, sizeof password) != 0 ||
            strlen(password) < BRANCH_PASSWORD_MIN) {
            fprintf(stderr,
                    "shouwen-branch passwd: the password must have at least %d "
                    "characters\n",
                    BRANCH_PASSWORD_MIN);
            rc = 65;
        } else if (branch_store_account_set(store, staff, password,
                                            (int64_t)time(NULL) * 1000000) != 0)
            rc = 1;
        else
            fprintf(stderr, "shouwen-branch: the password of %s is set\n", staff);
        sodium_memzero(password, sizeof password);
    }
    branch_store_destroy(&store);
    return rc;
}
