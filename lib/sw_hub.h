/*  sw_hub: how a hub daemon reaches audit's internal endpoints — the
    proposals, the committed stream and replay — and with which key.

    The endpoints come from hub/proposals, hub/committed and hub/replay
    (tcp:// across hosts, or ipc:// in a 0700 runtime directory when the
    daemons share one); every internal socket speaks CURVE: the daemon's own
    certificate (hub/cert, with its _secret file) as client, audit's public
    certificate (hub/audit_cert) as the server key.  audit admits only the
    keys in hub/daemon_keys (docs/security.md). */
#ifndef SW_HUB_H
#define SW_HUB_H

#include <czmq.h>

typedef struct {
    char *proposals;  /* audit's proposal SUB */
    char *committed;  /* audit's committed PUB */
    char *replay;     /* audit's replay ROUTER */
    char *cert;       /* this daemon's certificate; NULL: no CURVE (benchmarks only) */
    char *audit_cert; /* audit's public certificate */
} sw_hub_t;

/* The default endpoints, one place for all. */
#define SW_HUB_BRANCHES  "tcp://127.0.0.1:7701"
#define SW_HUB_PROPOSALS "tcp://127.0.0.1:7702"
#define SW_HUB_COMMITTED "tcp://127.0.0.1:7703"
#define SW_HUB_REPLAY    "tcp://127.0.0.1:7704"

/* From the daemon's config.  Keys are required: NULL (logged, a config
   error) when hub/cert or hub/audit_cert is missing or unreadable. */
sw_hub_t *sw_hub_new(zconfig_t *cfg, const char *daemon);
/* Plain endpoints without keys (benchmarks over inproc://). */
sw_hub_t *sw_hub_new_plain(const char *proposals, const char *committed,
                           const char *replay);
void sw_hub_destroy(sw_hub_t **self_p);
/* Make sock a CURVE client of audit with this daemon's key (before connect).
   0, or -1 logged. */
int sw_hub_secure(const sw_hub_t *self, zsock_t *sock);

#endif
