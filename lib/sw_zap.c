/*  sw_zap: the ZAP handler on the daemon's loop (see sw_zap.h).

    libzmq asks "inproc://zeromq.zap.01" during each handshake on a socket
    with CURVE (or with a ZAP domain); the request arrives on our ROUTER as
        [routing id][""][version "1.0"][request id][domain][address]
        [identity][mechanism][credentials...]
    (CURVE: one credential, the client's 32-byte public key) and is answered
        [routing id][""]["1.0"][request id][status code][status text]
        [user id][metadata]
    where metadata uses the ZMTP property encoding (1-byte name length,
    name, 4-byte big-endian value length, value).  libzmq attaches the user
    id and the properties to every message it receives on that connection. */
#include "sw_zap.h"
#include "sw_alloc.h"

#include <inttypes.h>

#include "sw_log.h"
#include "sw_zwatch.h"

#define SW_ZAP_ENDPOINT  "inproc://zeromq.zap.01"
#define SW_ZAP_DOMAINS   4
#define SW_ZAP_MONITORS  8
#define SW_ZAP_BATCH     64   /* requests handled per loop iteration */
#define SW_ZAP_LOG_LINES 5    /* refusals logged per window */
#define SW_ZAP_LOG_S     10.0 /* the window */
#define SW_ZAP_NO_SECRET "0000000000000000000000000000000000000000"

enum { ROLE_BRANCH = 1, ROLE_ADMIN = 2, ROLE_DAEMON = 4 };

/* One ZAP domain: the keys and roles its sockets admit. */
typedef struct {
    char *name;            /* ZMQ_ZAP_DOMAIN of its sockets */
    sw_keyring_t *keyring; /* borrowed allow-list */
    unsigned roles;        /* ROLE_* bits admitted */
} s_domain_t;

/* A socket whose failed handshakes (before ZAP) we count. */
typedef struct {
    sw_zap_t *zap;      /* counts and logs */
    zsock_t *pipe;      /* PAIR connected to the socket's monitor */
    sw_zwatch_t *watch; /* pipe on the loop */
    char *domain;       /* the socket's ZAP domain, for logs */
} s_monitor_t;

struct _sw_zap_t {
    struct ev_loop *loop;                   /* the daemon's loop */
    char *owner;                            /* daemon name for logs */
    zsock_t *handler;                       /* ROUTER bound at SW_ZAP_ENDPOINT */
    sw_zwatch_t *watch;                     /* handler on the loop */
    s_domain_t domains[SW_ZAP_DOMAINS];     /* registered domains */
    size_t ndomains;                        /* used entries of domains */
    s_monitor_t *monitors[SW_ZAP_MONITORS]; /* watched sockets */
    size_t nmonitors;                       /* used entries of monitors */
    uint64_t admitted;                      /* connections admitted */
    uint64_t refused;                       /* connections refused */
    ev_timer window;                        /* the refusal log window */
    int logged;                             /* refusals logged in this window */
    uint64_t unlogged;                      /* refusals not logged in this window */
};

/* ------------------------------------------------------------- refusals */

static void s_window_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    sw_zap_t *self = w->data;
    if (self->unlogged > 0)
        sw_warn("%s: %" PRIu64 " more refused connections not logged", self->owner,
                self->unlogged);
    self->logged = 0;
    self->unlogged = 0;
}

/* Counts a refusal and logs it, at most SW_ZAP_LOG_LINES per window. */
static void s_refused(sw_zap_t *self, const char *address, const char *domain,
                      const char *key, const char *reason)
{
    self->refused++;
    if (!ev_is_active(&self->window)) {
        ev_timer_set(&self->window, SW_ZAP_LOG_S, 0.);
        ev_timer_start(self->loop, &self->window);
    }
    if (self->logged < SW_ZAP_LOG_LINES) {
        self->logged++;
        sw_warn("%s: refused a connection from %s on domain '%s', key %s: %s",
                self->owner, address, domain, key, reason);
    } else
        self->unlogged++;
}

/* ------------------------------------------------------------ decisions */

static unsigned s_role_bit(const char *role)
{
    return streq(role, "branch")   ? ROLE_BRANCH
           : streq(role, "admin")  ? ROLE_ADMIN
           : streq(role, "daemon") ? ROLE_DAEMON
                                   : 0;
}

static s_domain_t *s_domain(sw_zap_t *self, const char *name)
{
    for (size_t i = 0; i < self->ndomains; i++)
        if (streq(self->domains[i].name, name))
            return &self->domains[i];
    return NULL;
}

/* The principal admitted, or NULL with the reason in why. */
static const sw_principal_t *s_decide(sw_zap_t *self, const char *domain,
                                      const char *mechanism, zframe_t *credentials,
                                      char *key, char *why, size_t why_size)
{
    if (!streq(mechanism, "CURVE")) {
        snprintf(why, why_size, "CURVE required");
        return NULL;
    }
    if (!credentials || zframe_size(credentials) != 32) {
        snprintf(why, why_size, "malformed CURVE credentials");
        return NULL;
    }
    zmq_z85_encode(key, zframe_data(credentials), 32);
    s_domain_t *d = s_domain(self, domain);
    if (!d) {
        snprintf(why, why_size, "unknown ZAP domain");
        return NULL;
    }
    const sw_principal_t *who = sw_keyring_lookup(d->keyring, key);
    if (!who) {
        snprintf(why, why_size, "key not on the allow-list");
        return NULL;
    }
    if (!(d->roles & s_role_bit(who->role))) {
        snprintf(why, why_size, "a %s key may not connect here", who->role);
        return NULL;
    }
    return who;
}

/* ---------------------------------------------------------------- replies */

static void s_property(zchunk_t *meta, const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    if (value_len == 0)
        return;
    byte head[1] = {(byte)name_len};
    byte size[4] = {(byte)(value_len >> 24), (byte)(value_len >> 16),
                    (byte)(value_len >> 8), (byte)value_len};
    zchunk_extend(meta, head, 1);
    zchunk_extend(meta, name, name_len);
    zchunk_extend(meta, size, 4);
    zchunk_extend(meta, value, value_len);
}

/* The ZAP metadata frame of a principal. */
static zframe_t *s_metadata(const sw_principal_t *who)
{
    zchunk_t *meta = zchunk_new(NULL, 256);
    s_property(meta, "Role", who->role);
    s_property(meta, "Branch", who->branch);
    s_property(meta, "Staff", who->staff);
    s_property(meta, "Daemon", who->daemon);
    s_property(meta, "Name", who->name);
    zframe_t *frame = zframe_new(zchunk_data(meta), zchunk_size(meta));
    zchunk_destroy(&meta);
    return frame;
}

static void s_reply(sw_zap_t *self, zframe_t **routing_p, zframe_t *request_id,
                    const char *status, const char *text, const char *user_id,
                    zframe_t **metadata_p)
{
    zmsg_t *reply = zmsg_new();
    zmsg_append(reply, routing_p);
    zmsg_addmem(reply, "", 0);
    zmsg_addstr(reply, "1.0");
    zmsg_addmem(reply, zframe_data(request_id), zframe_size(request_id));
    zmsg_addstr(reply, status);
    zmsg_addstr(reply, text);
    zmsg_addstr(reply, user_id);
    if (metadata_p && *metadata_p)
        zmsg_append(reply, metadata_p);
    else
        zmsg_addmem(reply, "", 0);
    if (zmsg_send(&reply, self->handler) != 0) {
        sw_error("%s: cannot answer a ZAP request: %s", self->owner, zmq_strerror(errno));
        zmsg_destroy(&reply);
    }
}

/* Answers one ZAP request (libzmq's own, but checked all the same). */
static void s_answer(sw_zap_t *self, zmsg_t *request)
{
    zframe_t *routing = zmsg_pop(request);
    zframe_t *delimiter = zmsg_pop(request);
    char *version = zmsg_popstr(request);
    zframe_t *request_id = zmsg_pop(request);
    char *domain = zmsg_popstr(request);
    char *address = zmsg_popstr(request);
    zframe_t *identity = zmsg_pop(request);
    char *mechanism = zmsg_popstr(request);
    zframe_t *credentials = zmsg_pop(request);
    char key[41] = "-", why[96];
    if (!routing || !delimiter || zframe_size(delimiter) != 0 || !request_id)
        sw_error("%s: dropped a malformed ZAP request", self->owner);
    else if (!version || !streq(version, "1.0") || !mechanism || !address || !domain) {
        s_refused(self, address ? address : "?", domain ? domain : "?", key,
                  "malformed ZAP request");
        s_reply(self, &routing, request_id, "500", "malformed ZAP request", "", NULL);
    } else {
        const sw_principal_t *who =
            s_decide(self, domain, mechanism, credentials, key, why, sizeof why);
        if (who) {
            self->admitted++;
            sw_debug("%s: admitted %s from %s on domain '%s', key %s (%s)", self->owner,
                     who->name, address, domain, key, who->role);
            zframe_t *metadata = s_metadata(who);
            s_reply(self, &routing, request_id, "200", "OK", key, &metadata);
        } else {
            s_refused(self, address, domain, key, why);
            s_reply(self, &routing, request_id, "400", why, "", NULL);
        }
    }
    zframe_destroy(&routing);
    zframe_destroy(&delimiter);
    zstr_free(&version);
    zframe_destroy(&request_id);
    zstr_free(&domain);
    zstr_free(&address);
    zframe_destroy(&identity);
    zstr_free(&mechanism);
    zframe_destroy(&credentials);
}

static void s_handler_cb(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    sw_zap_t *self = arg;
    for (int i = 0; i < SW_ZAP_BATCH && (zsock_events(self->handler) & ZMQ_POLLIN); i++) {
        zmsg_t *request = zmsg_recv(self->handler);
        if (!request)
            return;
        s_answer(self, request);
        zmsg_destroy(&request);
    }
}

/* ------------------------------------------------------------- monitors */

/* A handshake libzmq failed before asking ZAP: monitor events are
   [event (16 bits) value (32 bits), host order][endpoint]. */
static void s_monitor_cb(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    s_monitor_t *m = arg;
    for (int i = 0; i < SW_ZAP_BATCH && (zsock_events(m->pipe) & ZMQ_POLLIN); i++) {
        zmsg_t *event = zmsg_recv(m->pipe);
        if (!event)
            return;
        zframe_t *head = zmsg_first(event);
        char *endpoint = zmsg_size(event) == 2 ? zframe_strdup(zmsg_last(event)) : NULL;
        uint16_t what = 0;
        uint32_t value = 0;
        if (head && zframe_size(head) == 6) {
            memcpy(&what, zframe_data(head), 2);
            memcpy(&value, zframe_data(head) + 2, 4);
        }
        /* ZAP's own failures are counted where the refusal was decided */
        if (what == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
            (value & 0xF0000000) != 0x20000000) {
            char why[96];
            if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
                snprintf(why, sizeof why,
                         "CURVE required (the client offered another mechanism)");
            else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
                snprintf(why, sizeof why, "CURVE handshake failed (wrong server key?)");
            else
                snprintf(why, sizeof why,
                         "handshake failed (protocol error 0x%08" PRIx32 ")", value);
            char address[128];
            snprintf(address, sizeof address, "a peer of %s", endpoint ? endpoint : "?");
            s_refused(m->zap, address, m->domain, "-", why);
        }
        zstr_free(&endpoint);
        zmsg_destroy(&event);
    }
}

static void s_monitor_destroy(s_monitor_t **m_p)
{
    s_monitor_t *m = *m_p;
    if (!m)
        return;
    sw_zwatch_destroy(&m->watch);
    zsock_destroy(&m->pipe);
    free(m->domain);
    free(m);
    *m_p = NULL;
}

int sw_zap_monitor(sw_zap_t *self, zsock_t *sock, const char *domain)
{
    assert(self && sock && domain);
    if (self->nmonitors == SW_ZAP_MONITORS) {
        sw_error("%s: more than %d sockets to monitor", self->owner, SW_ZAP_MONITORS);
        return -1;
    }
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://sw-zap-monitor-%p", (void *)sock);
    if (zmq_socket_monitor(zsock_resolve(sock), endpoint,
                           ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0) {
        sw_error("%s: cannot monitor a socket: %s", self->owner, zmq_strerror(errno));
        return -1;
    }
    s_monitor_t *m = (s_monitor_t *)zmalloc(sizeof(s_monitor_t));
    m->zap = self;
    m->domain = sw_strdup(domain);
    m->pipe = zsock_new(ZMQ_PAIR);
    if (m->pipe)
        zsock_set_linger(m->pipe, 0);
    if (!m->pipe || zsock_connect(m->pipe, "%s", endpoint) != 0 ||
        !(m->watch = sw_zwatch_new(self->loop, m->pipe, ZMQ_POLLIN, s_monitor_cb, m))) {
        sw_error("%s: cannot monitor a socket", self->owner);
        s_monitor_destroy(&m);
        return -1;
    }
    sw_zwatch_start(m->watch);
    self->monitors[self->nmonitors++] = m;
    return 0;
}

/* ------------------------------------------------------------ the class */

sw_zap_t *sw_zap_new(struct ev_loop *loop, const char *owner)
{
    assert(loop && owner);
    sw_zap_t *self = (sw_zap_t *)zmalloc(sizeof(sw_zap_t));
    self->loop = loop;
    self->owner = sw_strdup(owner);
    ev_timer_init(&self->window, s_window_cb, SW_ZAP_LOG_S, 0.);
    self->window.data = self;
    self->handler = zsock_new(ZMQ_ROUTER);
    if (self->handler) {
        zsock_set_linger(self->handler, 0);
        if (zsock_bind(self->handler, SW_ZAP_ENDPOINT) != 0) {
            sw_error("%s: cannot bind the ZAP handler at " SW_ZAP_ENDPOINT
                     " (%s): another handler such as zauth runs in this process?",
                     owner, zmq_strerror(errno));
            zsock_destroy(&self->handler);
        }
    }
    if (self->handler)
        self->watch = sw_zwatch_new(loop, self->handler, ZMQ_POLLIN, s_handler_cb, self);
    if (!self->watch) {
        sw_zap_destroy(&self);
        return NULL;
    }
    sw_zwatch_start(self->watch);
    return self;
}

void sw_zap_destroy(sw_zap_t **self_p)
{
    assert(self_p);
    sw_zap_t *self = *self_p;
    if (!self)
        return;
    if (ev_is_active(&self->window)) {
        ev_timer_stop(self->loop, &self->window);
        s_window_cb(self->loop, &self->window, 0);
    }
    for (size_t i = 0; i < self->nmonitors; i++)
        s_monitor_destroy(&self->monitors[i]);
    for (size_t i = 0; i < self->ndomains; i++)
        free(self->domains[i].name);
    sw_zwatch_destroy(&self->watch);
    zsock_destroy(&self->handler);
    free(self->owner);
    free(self);
    *self_p = NULL;
}

int sw_zap_domain(sw_zap_t *self, const char *domain, sw_keyring_t *keyring,
                  const char *roles)
{
    assert(self && domain && roles);
    if (!keyring || self->ndomains == SW_ZAP_DOMAINS || s_domain(self, domain)) {
        sw_error("%s: ZAP domain '%s' %s", self->owner, domain,
                 !keyring                 ? "has no keyring"
                 : s_domain(self, domain) ? "is already set"
                                          : "is one too many");
        return -1;
    }
    unsigned bits = 0;
    char *list = sw_strdup(roles), *save = NULL;
    for (char *role = strtok_r(list, ",", &save); role;
         role = strtok_r(NULL, ",", &save)) {
        unsigned bit = s_role_bit(role);
        if (!bit) {
            sw_error("%s: ZAP domain '%s': unknown role '%s' (branch, admin, daemon)",
                     self->owner, domain, role);
            free(list);
            return -1;
        }
        bits |= bit;
    }
    free(list);
    if (!bits) {
        sw_error("%s: ZAP domain '%s' admits no role", self->owner, domain);
        return -1;
    }
    s_domain_t *d = &self->domains[self->ndomains++];
    d->name = sw_strdup(domain);
    d->keyring = keyring;
    d->roles = bits;
    return 0;
}

uint64_t sw_zap_admitted(sw_zap_t *self)
{
    assert(self);
    return self->admitted;
}

uint64_t sw_zap_refused(sw_zap_t *self)
{
    assert(self);
    return self->refused;
}

/* ------------------------------------------------------------ sockets */

zcert_t *sw_cert_load(const char *path, bool with_secret, const char *what)
{
    if (!zsys_has_curve()) {
        sw_error("CURVE: this libzmq was built without CURVE");
        return NULL;
    }
    zcert_t *cert = path ? zcert_load(path) : NULL;
    if (!cert)
        sw_error("CURVE: cannot load %s '%s'", what, path ? path : "(none)");
    else if (with_secret && streq(zcert_secret_txt(cert), SW_ZAP_NO_SECRET)) {
        sw_error("CURVE: %s '%s' has no secret key (%s_secret is missing)", what, path,
                 path);
        zcert_destroy(&cert);
    }
    return cert;
}

int sw_curve_server(zsock_t *sock, const char *cert_path, const char *domain)
{
    assert(sock && domain);
    zcert_t *cert = sw_cert_load(cert_path, true, "the server certificate");
    if (!cert)
        return -1;
    zcert_apply(cert, sock);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, domain);
    zcert_destroy(&cert);
    return 0;
}

int sw_curve_client(zsock_t *sock, const char *cert_path, const char *server_cert_path)
{
    assert(sock);
    zcert_t *mine = sw_cert_load(cert_path, true, "the client certificate");
    zcert_t *server =
        mine ? sw_cert_load(server_cert_path, false, "the server's certificate") : NULL;
    if (!server) {
        zcert_destroy(&mine);
        return -1;
    }
    zcert_apply(mine, sock);
    zsock_set_curve_serverkey(sock, zcert_public_txt(server));
    zcert_destroy(&mine);
    zcert_destroy(&server);
    return 0;
}
