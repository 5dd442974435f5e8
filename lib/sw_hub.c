/*  sw_hub: the internal endpoints and this daemon's key (see sw_hub.h).  */
#include "sw_hub.h"
#include "sw_alloc.h"

#include "sw_config.h"
#include "sw_log.h"
#include "sw_zap.h"

static sw_hub_t *s_new(const char *proposals, const char *committed, const char *replay)
{
    sw_hub_t *self = (sw_hub_t *)zmalloc(sizeof(sw_hub_t));
    self->proposals = sw_strdup(proposals);
    self->committed = sw_strdup(committed);
    self->replay = sw_strdup(replay);
    return self;
}

/* A certificate that loads; with_secret: its _secret file too. */
static bool s_cert_ok(const char *path, bool with_secret, const char *what)
{
    zcert_t *cert = sw_cert_load(path, with_secret, what);
    bool ok = cert != NULL;
    zcert_destroy(&cert);
    return ok;
}

sw_hub_t *sw_hub_new(zconfig_t *cfg, const char *daemon)
{
    const char *cert = sw_config_own_cert(cfg, daemon);
    const char *audit = sw_config_str(cfg, "hub/audit_cert", NULL);
    if (!s_cert_ok(cert, true, "the daemon's certificate")) {
        sw_error("config: %s/cert (or hub/cert) must name %s's certificate with its "
                 "_secret file (shouwen keygen %s --daemon %s); got '%s'",
                 daemon, daemon, daemon, daemon, cert ? cert : "(none)");
        return NULL;
    }
    if (!s_cert_ok(audit, false, "hub/audit_cert")) {
        sw_error("config: hub/audit_cert must name audit's public certificate; got '%s'",
                 audit ? audit : "(none)");
        return NULL;
    }
    sw_hub_t *self = s_new(sw_config_str(cfg, "hub/proposals", SW_HUB_PROPOSALS),
                           sw_config_str(cfg, "hub/committed", SW_HUB_COMMITTED),
                           sw_config_str(cfg, "hub/replay", SW_HUB_REPLAY));
    self->cert = sw_strdup(cert);
    self->audit_cert = sw_strdup(audit);
    return self;
}

sw_hub_t *sw_hub_new_plain(const char *proposals, const char *committed,
                           const char *replay)
{
    return s_new(proposals, committed, replay);
}

void sw_hub_destroy(sw_hub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sw_hub_t *self = *self_p;
    free(self->proposals);
    free(self->committed);
    free(self->replay);
    free(self->cert);
    free(self->audit_cert);
    free(self);
    *self_p = NULL;
}

int sw_hub_secure(const sw_hub_t *self, zsock_t *sock)
{
    return self->cert ? sw_curve_client(sock, self->cert, self->audit_cert) : 0;
}
