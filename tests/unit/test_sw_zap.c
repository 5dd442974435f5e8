/*  test_sw_zap: principals' keys and the ZAP handler, on real sockets.

    A CURVE ROUTER on loopback TCP with domain "branch" (branch and admin
    keys) and a CURVE SUB with domain "hub" (daemon keys), both answered by
    sw_zap on a real libev loop.  What is checked is what a daemon sees: the
    messages that arrive and the principal stamped on them, and the refusal
    counter; a refused peer's message never arrives.  Every wait is bounded
    (s_run_until) so a missing message fails instead of hanging. */
#include <czmq.h>
#include <ev.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "sw_keyring.h"
#include "sw_log.h"
#include "sw_test.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

#define PORT_ROUTER 26001 /* CURVE ROUTER, domain branch */
#define PORT_NULL   26002 /* ROUTER without CURVE, domain branch */
#define PORT_SUB    26003 /* CURVE SUB, domain hub */
#define WAIT_S      5.0   /* the longest wait for something that must happen */
#define QUIET_S     0.3   /* how long nothing must arrive */

/* ---------------------------------------------------------------- files */

static void s_tmpdir(char *dir, size_t size, const char *name)
{
    snprintf(dir, size, "/tmp/%s.", name);
    size_t len = strlen(dir);
    if (len + 7 > size)
        abort();
    memset(dir + len, 'X', 6); /* the six-letter template mkdtemp wants */
    dir[len + 6] = 0;
    if (mkdtemp(dir) == NULL)
        abort();
}

static void s_rmdir(const char *path)
{
    zdir_t *dir = zdir_new(path, NULL);
    if (dir)
        zdir_remove(dir, true);
    zdir_destroy(&dir);
}

/* A key pair named name with role (NULL: none) and id_name = id (NULL: none). */
static zcert_t *s_cert(const char *name, const char *role, const char *id_name,
                       const char *id)
{
    zcert_t *cert = zcert_new();
    if (!cert)
        abort();
    zcert_set_meta(cert, "name", "%s", name);
    if (role)
        zcert_set_meta(cert, "role", "%s", role);
    if (id_name)
        zcert_set_meta(cert, id_name, "%s", id);
    return cert;
}

/* dir/name.cert, public only (public == false: with its _secret too). */
static void s_save(zcert_t *cert, const char *dir, const char *name, bool public_only)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    int rc = public_only ? zcert_save_public(cert, path) : zcert_save(cert, path);
    CHECK_EQ(rc, 0);
}

static void s_unlink(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    CHECK_EQ(unlink(path), 0);
}

/* -------------------------------------------------------------- keyring */

static void test_keyring(void)
{
    char dir[64];
    s_tmpdir(dir, sizeof dir, "test_sw_zap_keyring");
    zcert_t *b1 = s_cert("Front desk", "branch", "branch", "B001");
    zcert_t *admin = s_cert("Wang Li", "admin", "staff", "S042");
    zcert_t *sla = s_cert("sla at hub-1", "daemon", "daemon", "sla");
    zcert_t *old = s_cert("old-b7", NULL, "branch", "B007"); /* keygen NAME --branch ID */
    zcert_t *janitor = s_cert("janitor", "janitor", NULL, NULL);
    zcert_t *no_staff = s_cert("no staff id", "admin", "branch", "B001");
    zcert_t *no_role = s_cert("hub server", NULL, NULL, NULL);
    zcert_t *bad_daemon = s_cert("bad daemon", "daemon", "daemon", "cron");
    s_save(b1, dir, "b1", true);
    s_save(admin, dir, "admin", true);
    s_save(sla, dir, "sla", true);
    s_save(old, dir, "old", true);
    s_save(janitor, dir, "janitor", true);
    s_save(no_staff, dir, "no_staff", true);
    s_save(no_role, dir, "no_role", true);
    s_save(bad_daemon, dir, "bad_daemon", true);

    sw_keyring_t *ring = sw_keyring_new(dir);
    CHECK(ring != NULL);
    CHECK_EQ(sw_keyring_size(ring), 4);
    CHECK_STR(sw_keyring_dir(ring), dir);

    const sw_principal_t *p = sw_keyring_lookup(ring, zcert_public_txt(b1));
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->key, zcert_public_txt(b1));
        CHECK_STR(p->role, "branch");
        CHECK_STR(p->branch, "B001");
        CHECK_STR(p->staff, "");
        CHECK_STR(p->daemon, "");
        CHECK_STR(p->name, "Front desk");
    }
    p = sw_keyring_lookup(ring, zcert_public_txt(admin));
    CHECK(p && streq(p->role, "admin") && streq(p->staff, "S042") &&
          streq(p->branch, ""));
    p = sw_keyring_lookup(ring, zcert_public_txt(sla));
    CHECK(p && streq(p->role, "daemon") && streq(p->daemon, "sla") &&
          streq(p->staff, ""));
    p = sw_keyring_lookup(ring, zcert_public_txt(old));
    CHECK(p && streq(p->role, "branch") && streq(p->branch, "B007"));
    CHECK(p && streq(p->name, "old-b7"));
    CHECK(sw_keyring_lookup(ring, zcert_public_txt(janitor)) == NULL);
    CHECK(sw_keyring_lookup(ring, zcert_public_txt(no_staff)) == NULL);
    CHECK(sw_keyring_lookup(ring, zcert_public_txt(no_role)) == NULL);
    CHECK(sw_keyring_lookup(ring, zcert_public_txt(bad_daemon)) == NULL);
    CHECK(sw_keyring_lookup(ring, "too short") == NULL);
    CHECK(sw_keyring_lookup(ring, NULL) == NULL);

    /* revoked: the file deleted, the next lookup refuses it */
    s_unlink(dir, "b1");
    CHECK(sw_keyring_lookup(ring, zcert_public_txt(b1)) == NULL);
    CHECK_EQ(sw_keyring_size(ring), 3);
    /* added: a file copied in, the next lookup finds it */
    s_save(b1, dir, "b1-again", true);
    p = sw_keyring_lookup(ring, zcert_public_txt(b1));
    CHECK(p && streq(p->branch, "B001"));
    /* rewritten in place (the directory's mtime stays): seen within 2 s */
    zcert_t *moved = zcert_new_from(zcert_public_key(old), zcert_secret_key(old));
    zcert_set_meta(moved, "role", "branch");
    zcert_set_meta(moved, "branch", "B008");
    s_save(moved, dir, "old", true);
    zcert_destroy(&moved);
    zclock_sleep(2100);
    p = sw_keyring_lookup(ring, zcert_public_txt(old));
    CHECK(p && streq(p->branch, "B008"));

    CHECK(sw_keyring_new("/nonexistent/shouwen-keys") == NULL);
    /* the directory gone: no key is admitted */
    s_rmdir(dir);
    CHECK(sw_keyring_lookup(ring, zcert_public_txt(admin)) == NULL);
    CHECK_EQ(sw_keyring_size(ring), 0);

    sw_keyring_destroy(&ring);
    sw_keyring_destroy(&ring); /* safe twice */
    CHECK(ring == NULL);
    zcert_t **certs[] = {&b1,      &admin,    &sla,     &old,
                         &janitor, &no_staff, &no_role, &bad_daemon};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        zcert_destroy(certs[i]);
}

/* ---------------------------------------------------------------- loop */

/* A server socket on the loop and what the last message carried. */
typedef struct {
    zsock_t *sock;      /* ROUTER (echoes) or SUB */
    sw_zwatch_t *watch; /* sock on the loop */
    int messages;       /* messages received */
    char role[16];      /* metadata of the last message ("" if absent) */
    char branch[32];    /* ... */
    char staff[32];     /* ... */
    char daemon[16];    /* ... */
    char name[64];      /* ... */
    char user_id[48];   /* ... */
} server_t;

static void s_copy_meta(char *dst, size_t size, zframe_t *frame, const char *property)
{
    const char *value = zframe_meta(frame, property);
    snprintf(dst, size, "%s", value ? value : "");
}

static void s_server_cb(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    server_t *s = arg;
    for (int i = 0; i < 64 && (zsock_events(s->sock) & ZMQ_POLLIN); i++) {
        zmsg_t *msg = zmsg_recv(s->sock);
        if (!msg)
            return;
        zframe_t *body = zmsg_last(msg);
        s_copy_meta(s->role, sizeof s->role, body, "Role");
        s_copy_meta(s->branch, sizeof s->branch, body, "Branch");
        s_copy_meta(s->staff, sizeof s->staff, body, "Staff");
        s_copy_meta(s->daemon, sizeof s->daemon, body, "Daemon");
        s_copy_meta(s->name, sizeof s->name, body, "Name");
        s_copy_meta(s->user_id, sizeof s->user_id, body, "User-Id");
        s->messages++;
        if (zsock_type(s->sock) == ZMQ_ROUTER)
            zmsg_send(&msg, s->sock); /* echo to the sender */
        zmsg_destroy(&msg);
    }
}

static void s_server_start(server_t *s, struct ev_loop *loop, int type, int port)
{
    CHECK_EQ(zsock_bind(s->sock, "tcp://127.0.0.1:%d", port), port);
    if (type == ZMQ_SUB)
        zsock_set_subscribe(s->sock, "");
    s->watch = sw_zwatch_new(loop, s->sock, ZMQ_POLLIN, s_server_cb, s);
    CHECK(s->watch != NULL);
    sw_zwatch_start(s->watch);
}

static void s_server_destroy(server_t *s)
{
    sw_zwatch_destroy(&s->watch);
    zsock_destroy(&s->sock);
}

typedef bool(s_done_fn)(void *arg);

/* A bounded wait: done is polled every 10 ms until true or the deadline. */
typedef struct {
    s_done_fn *done;    /* NULL: wait the whole time */
    void *arg;          /* done's argument */
    ev_tstamp deadline; /* ev_now at which the wait gives up */
} s_wait_t;

static void s_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_wait_t *wait = w->data;
    if ((wait->done && wait->done(wait->arg)) || ev_now(loop) >= wait->deadline)
        ev_break(loop, EVBREAK_ONE);
}

static bool s_run_until(struct ev_loop *loop, s_done_fn *done, void *arg, double seconds)
{
    ev_now_update(loop);
    s_wait_t wait = {done, arg, ev_now(loop) + seconds};
    ev_timer poll;
    ev_timer_init(&poll, s_poll_cb, 0.01, 0.01);
    poll.data = &wait;
    ev_timer_start(loop, &poll);
    ev_run(loop, 0);
    ev_timer_stop(loop, &poll);
    return done ? done(arg) : true;
}

/* Waits: until a server has more than `than` messages. */
typedef struct {
    server_t *server; /* watched */
    int than;         /* messages before */
    zsock_t *pub;     /* a PUB client to publish from while waiting, or NULL */
} s_more_t;

static bool s_more_messages(void *arg)
{
    s_more_t *m = arg;
    if (m->pub && m->server->messages <= m->than)
        zstr_send(m->pub, "proposal"); /* until the subscription has arrived */
    return m->server->messages > m->than;
}

/* Waits: until the handler has refused more than `than` connections. */
typedef struct {
    sw_zap_t *zap; /* watched */
    uint64_t than; /* refusals before */
} s_refusals_t;

static bool s_more_refusals(void *arg)
{
    s_refusals_t *r = arg;
    return sw_zap_refused(r->zap) > r->than;
}

/* ------------------------------------------------------------- clients */

/* A client of port; name: its key own/name.cert (NULL: no CURVE). */
static zsock_t *s_client(int type, const char *own, const char *name, int port)
{
    zsock_t *sock = zsock_new(type);
    if (!sock)
        abort();
    zsock_set_linger(sock, 0);
    zsock_set_rcvtimeo(sock, 2000);
    zsock_set_sndtimeo(sock, 2000);
    if (name) {
        char mine[256], hub[256];
        snprintf(mine, sizeof mine, "%s/%s.cert", own, name);
        snprintf(hub, sizeof hub, "%s/hub.cert", own);
        CHECK_EQ(sw_curve_client(sock, mine, hub), 0);
    }
    CHECK_EQ(zsock_connect(sock, "tcp://127.0.0.1:%d", port), 0);
    return sock;
}

/* A message from client reaches server (and, on a ROUTER, comes back). */
static void s_served(struct ev_loop *loop, server_t *server, zsock_t *client,
                     const char *text)
{
    s_more_t more = {server, server->messages, NULL};
    CHECK_EQ(zstr_send(client, text), 0);
    CHECK(s_run_until(loop, s_more_messages, &more, WAIT_S));
    char *echo = zstr_recv(client);
    CHECK_STR(echo, text);
    zstr_free(&echo);
}

/* client is refused: counted, and its message never reaches server. */
static void s_refused(struct ev_loop *loop, sw_zap_t *zap, server_t *server,
                      zsock_t **client_p)
{
    int messages = server->messages;
    s_refusals_t refusals = {zap, sw_zap_refused(zap)};
    zstr_send(*client_p, "let me in");
    CHECK(s_run_until(loop, s_more_refusals, &refusals, WAIT_S));
    s_run_until(loop, NULL, NULL, QUIET_S);
    CHECK_EQ(server->messages, messages);
    zsock_destroy(client_p);
}

/* ------------------------------------------------------------------ zap */

static void test_zap(struct ev_loop *loop)
{
    char own[64], allow[64], path[256];
    s_tmpdir(own, sizeof own,
             "test_sw_zap_own"); /* key pairs, as their owners keep them */
    s_tmpdir(allow, sizeof allow, "test_sw_zap_allow"); /* the allow-list */
    zcert_t *hub = s_cert("hub", NULL, NULL, NULL);
    zcert_t *b1 = s_cert("b1 desk", "branch", "branch", "B001");
    zcert_t *b2 = s_cert("b2 desk", "branch", "branch", "B002");
    zcert_t *admin = s_cert("Wang Li", "admin", "staff", "S042");
    zcert_t *router = s_cert("router at hub-1", "daemon", "daemon", "router");
    zcert_t *stranger = s_cert("stranger", "branch", "branch", "B009");
    s_save(hub, own, "hub", false);
    s_save(b1, own, "b1", false);
    s_save(b2, own, "b2", false);
    s_save(admin, own, "admin", false);
    s_save(router, own, "router", false);
    s_save(stranger, own, "stranger", false);
    s_save(b1, allow, "b1", true);
    s_save(b2, allow, "b2", true);
    s_save(admin, allow, "admin", true);
    s_save(router, allow, "router", true);

    /* zcert_save leaves the secret half to its owner alone */
    struct stat st;
    snprintf(path, sizeof path, "%s/b1.cert_secret", own);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 077) == 0);

    sw_keyring_t *ring = sw_keyring_new(allow);
    CHECK(ring && sw_keyring_size(ring) == 4);
    sw_zap_t *zap = sw_zap_new(loop, "test");
    CHECK(zap != NULL);
    CHECK(sw_zap_new(loop, "second") == NULL); /* one handler per context */
    CHECK_EQ(sw_zap_domain(zap, "branch", ring, "branch,admin"), 0);
    CHECK_EQ(sw_zap_domain(zap, "hub", ring, "daemon"), 0);
    CHECK_EQ(sw_zap_domain(zap, "branch", ring, "admin"), -1);         /* twice */
    CHECK_EQ(sw_zap_domain(zap, "other", ring, "branch,janitor"), -1); /* no such role */
    CHECK_EQ(sw_zap_domain(zap, "other", NULL, "branch"), -1);

    /* the server's certificate must come with its secret half */
    zsock_t *bad = zsock_new(ZMQ_ROUTER);
    snprintf(path, sizeof path, "%s/b1.cert", allow);
    CHECK_EQ(sw_curve_server(bad, path, "branch"), -1);
    CHECK_EQ(sw_curve_server(bad, "/nonexistent/hub.cert", "branch"), -1);
    snprintf(path, sizeof path, "%s/b1.cert", own);
    CHECK_EQ(sw_curve_client(bad, path, "/nonexistent/hub.cert"), -1);
    zsock_destroy(&bad);

    /* the hub's branch endpoint: CURVE ROUTER, domain branch */
    snprintf(path, sizeof path, "%s/hub.cert", own);
    server_t branch_ep = {.sock = zsock_new(ZMQ_ROUTER)};
    zsock_set_linger(branch_ep.sock, 0);
    CHECK_EQ(sw_curve_server(branch_ep.sock, path, "branch"), 0);
    CHECK_EQ(sw_zap_monitor(zap, branch_ep.sock, "branch"), 0);
    s_server_start(&branch_ep, loop, ZMQ_ROUTER, PORT_ROUTER);

    /* an allowed branch key is served, its principal on the message */
    zsock_t *c_b1 = s_client(ZMQ_DEALER, own, "b1", PORT_ROUTER);
    s_served(loop, &branch_ep, c_b1, "hello from b1");
    CHECK_STR(branch_ep.role, "branch");
    CHECK_STR(branch_ep.branch, "B001");
    CHECK_STR(branch_ep.staff, "");
    CHECK_STR(branch_ep.daemon, "");
    CHECK_STR(branch_ep.name, "b1 desk");
    CHECK_STR(branch_ep.user_id, zcert_public_txt(b1));
    CHECK_EQ(sw_zap_admitted(zap), 1);
    CHECK_EQ(sw_zap_refused(zap), 0);
    s_served(loop, &branch_ep, c_b1, "again"); /* on every message, not only the first */
    CHECK_STR(branch_ep.branch, "B001");

    /* an administrator's key too */
    zsock_t *c_admin = s_client(ZMQ_DEALER, own, "admin", PORT_ROUTER);
    s_served(loop, &branch_ep, c_admin, "hello from admin");
    CHECK_STR(branch_ep.role, "admin");
    CHECK_STR(branch_ep.staff, "S042");
    CHECK_STR(branch_ep.branch, "");
    CHECK_STR(branch_ep.user_id, zcert_public_txt(admin));
    CHECK_EQ(sw_zap_admitted(zap), 2);

    /* a key not in the directory gets nothing */
    zsock_t *c_stranger = s_client(ZMQ_DEALER, own, "stranger", PORT_ROUTER);
    s_refused(loop, zap, &branch_ep, &c_stranger);

    /* a client without CURVE: libzmq refuses the mechanism before ZAP is
       asked; the monitor counts it */
    zsock_t *c_plain = s_client(ZMQ_DEALER, own, NULL, PORT_ROUTER);
    s_refused(loop, zap, &branch_ep, &c_plain);

    /* ... and on a socket with a ZAP domain but no CURVE, ZAP refuses it */
    server_t null_ep = {.sock = zsock_new(ZMQ_ROUTER)};
    zsock_set_linger(null_ep.sock, 0);
    zsock_set_zap_domain(null_ep.sock, "branch");
    s_server_start(&null_ep, loop, ZMQ_ROUTER, PORT_NULL);
    c_plain = s_client(ZMQ_DEALER, own, NULL, PORT_NULL);
    s_refused(loop, zap, &null_ep, &c_plain);

    /* a daemon key on the branch endpoint */
    zsock_t *c_router = s_client(ZMQ_DEALER, own, "router", PORT_ROUTER);
    s_refused(loop, zap, &branch_ep, &c_router);

    /* revoked without a restart: b2 is served, its file is deleted, and its
       next connection is refused */
    zsock_t *c_b2 = s_client(ZMQ_DEALER, own, "b2", PORT_ROUTER);
    s_served(loop, &branch_ep, c_b2, "hello from b2");
    CHECK_STR(branch_ep.branch, "B002");
    s_unlink(allow, "b2");
    zsock_t *c_b2_again = s_client(ZMQ_DEALER, own, "b2", PORT_ROUTER);
    s_refused(loop, zap, &branch_ep, &c_b2_again);
    /* ZAP only decides at the handshake: the connection b2 already had
       still delivers, stamped with the key the daemon must look up again */
    s_served(loop, &branch_ep, c_b2, "still here");
    CHECK_STR(branch_ep.user_id, zcert_public_txt(b2));
    CHECK(sw_keyring_lookup(ring, branch_ep.user_id) == NULL);
    uint64_t admitted = sw_zap_admitted(zap);
    CHECK_EQ(admitted, 3);

    /* a CURVE SUB bound as server, a PUB client with a daemon key: the
       principal arrives on SUB messages too */
    server_t hub_ep = {.sock = zsock_new(ZMQ_SUB)};
    zsock_set_linger(hub_ep.sock, 0);
    snprintf(path, sizeof path, "%s/hub.cert", own);
    CHECK_EQ(sw_curve_server(hub_ep.sock, path, "hub"), 0);
    s_server_start(&hub_ep, loop, ZMQ_SUB, PORT_SUB);
    zsock_t *c_pub = s_client(ZMQ_PUB, own, "router", PORT_SUB);
    s_more_t more = {&hub_ep, 0, c_pub};
    CHECK(s_run_until(loop, s_more_messages, &more, WAIT_S));
    CHECK_STR(hub_ep.role, "daemon");
    CHECK_STR(hub_ep.daemon, "router");
    CHECK_STR(hub_ep.name, "router at hub-1");
    CHECK_STR(hub_ep.branch, "");
    CHECK_STR(hub_ep.user_id, zcert_public_txt(router));
    CHECK_EQ(sw_zap_admitted(zap), admitted + 1);
    /* a branch key may not publish there */
    zsock_t *c_b1_pub = s_client(ZMQ_PUB, own, "b1", PORT_SUB);
    s_refusals_t refusals = {zap, sw_zap_refused(zap)};
    CHECK(s_run_until(loop, s_more_refusals, &refusals, WAIT_S));
    zsock_destroy(&c_b1_pub);
    CHECK_EQ(sw_zap_admitted(zap), admitted + 1);

    zsock_destroy(&c_pub);
    zsock_destroy(&c_b2);
    zsock_destroy(&c_admin);
    zsock_destroy(&c_b1);
    s_server_destroy(&hub_ep);
    s_server_destroy(&null_ep);
    s_server_destroy(&branch_ep);
    sw_zap_destroy(&zap);
    sw_zap_destroy(&zap); /* safe twice */
    CHECK(zap == NULL);
    sw_keyring_destroy(&ring);
    zcert_t **certs[] = {&hub, &b1, &b2, &admin, &router, &stranger};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        zcert_destroy(certs[i]);
    s_rmdir(own);
    s_rmdir(allow);
}

int main(void)
{
    sw_log_init("test_sw_zap", LOG_DEBUG);
    zsys_init();
    zsys_handler_set(NULL);
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    test_keyring();
    test_zap(loop);
    ev_loop_destroy(loop);
    zsys_shutdown();
    SW_TEST_DONE();
}
