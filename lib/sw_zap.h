/*  sw_zap: the ZAP handler (ZeroMQ RFC 27) on the daemon's libev loop.

    Replaces czmq's zauth actor so the daemon can count and log refusals and
    every message carries who sent it.  A socket whose ZMQ_ZAP_DOMAIN is a
    domain registered here admits a CURVE client only if its key is in that
    domain's keyring with a role the domain admits.  The handler answers 200
    with User-Id = the client's key (Z85) and the ZAP metadata "Role",
    "Branch", "Staff", "Daemon" and "Name" (empty ones omitted), so that
    zframe_meta(frame, "Role") works on every message from that peer, on any
    socket type.  Refusals are counted and logged (peer address, domain,
    key, reason), at most 5 lines per 10 s; admissions at debug level. */
#ifndef SW_ZAP_H
#define SW_ZAP_H

#include <czmq.h>
#include <ev.h>
#include <stdint.h>

#include "sw_keyring.h"

typedef struct _sw_zap_t sw_zap_t;

/* Binds inproc://zeromq.zap.01 in czmq's context; create it before any
   CURVE socket binds (libzmq admits everyone while no handler is bound).
   owner names the daemon in logs.  NULL (logged) if the endpoint is taken
   (another handler, such as zauth, in this process). */
sw_zap_t *sw_zap_new(struct ev_loop *loop, const char *owner);
void sw_zap_destroy(sw_zap_t **self_p);

/* Sockets whose ZMQ_ZAP_DOMAIN is domain admit the keys of keyring
   (borrowed) whose role is one of roles, a comma list ("branch,admin" or
   "daemon").  Up to 4 domains.  0 or -1 (logged). */
int sw_zap_domain(sw_zap_t *self, const char *domain, sw_keyring_t *keyring,
                  const char *roles);

/* Counts and logs, as refusals, the handshakes on sock that libzmq fails
   before asking ZAP: a client without CURVE (mechanism mismatch) or a
   CURVE handshake that does not decrypt (a wrong server key).  The log
   names the socket's endpoint, libzmq does not say the peer's address.
   Up to 8 sockets.  0 or -1 (logged). */
int sw_zap_monitor(sw_zap_t *self, zsock_t *sock, const char *domain);

/* Connections admitted and refused since sw_zap_new. */
uint64_t sw_zap_admitted(sw_zap_t *self);
uint64_t sw_zap_refused(sw_zap_t *self);

/* Apply CURVE to a socket: the server side loads cert_path (with its
   _secret file), sets curve_server and the ZAP domain; the client side
   loads its own cert (with _secret) and the server's public cert.  0, or
   -1 logged (file missing, no secret key). */
/* A certificate (czmq's zcert_load); with_secret: its _secret file must be
   there too (only the all-zero text means none).  NULL, logged with what it
   is for. */
zcert_t *sw_cert_load(const char *path, bool with_secret, const char *what);
int sw_curve_server(zsock_t *sock, const char *cert_path, const char *domain);
int sw_curve_client(zsock_t *sock, const char *cert_path, const char *server_cert_path);

#endif
