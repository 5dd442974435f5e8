/*  sw_hub: the internal endpoints and this daemon's key (see sw_hub.h).  */
#include "sw_hub.h"

#include "sw_config.h"
#include "sw_log.h"

static sw_hub_t *s_new(const char *proposals, const char *committed, const char *replay)
{
    sw_hub_t *self = (sw_hub_t *)zmalloc(sizeof(sw_hub_t));
    self->proposals = strdup(proposals);
    self->committed = strdup(committed);
    self->replay = strdup(replay);
    return self;
}

/* A certificate that loads; with_secret: its _secret file too. */
static bool s_cert_ok(const char *path, bool with_secret)
{
    zcert_t *cert = path ? zcert_load(path) : NULL;
    bool ok =
        cert && (!with_secret || !streq(zcert_secret_txt(cert),
                                        "0000000000000000000000000000000000000000"));
    zcert_destroy(&cert);
    return ok;
}

sw_hub_t *sw_hub_new(zconfig_t *cfg, const char *daemon)
{
    const char *cert = sw_config_str(cfg, "hub/cert", NULL);
    const char *audit = sw_config_str(cfg, "hub/audit_cert", NULL);
    if (!s_cert_ok(cert, true)) {
        sw_error("config: hub/cert must name %s's certificate with its _secret file "
                 "(shouwen keygen %s --daemon %s); got '%s'",
                 daemon, daemon, daemon, cert ? cert : "(none)");
        return NULL;
    }
    if (!s_cert_ok(audit, false)) {
        sw_error("config: hub/audit_cert must name audit's public certificate; got '%s'",
                 audit ? audit : "(none)");
        return NULL;
    }
    sw_hub_t *self = s_new(sw_config_str(cfg, "hub/proposals", SW_HUB_PROPOSALS),
                           sw_config_str(cfg, "hub/committed", SW_HUB_COMMITTED),
                           sw_config_str(cfg, "hub/replay", SW_HUB_REPLAY));
    self->cert = strdup(cert);
    self->audit_cert = strdup(audit);
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
    if (!self->cert)
        return 0;
    zcert_t *mine = zcert_load(self->cert);
    zcert_t *audit = zcert_load(self->audit_cert);
    int rc = mine && audit ? 0 : -1;
    if (rc == 0) {
        zcert_apply(mine, sock);
        zsock_set_curve_serverkey(sock, zcert_public_txt(audit));
    } else
        sw_error("cannot load %s or %s", self->cert, self->audit_cert);
    zcert_destroy(&mine);
    zcert_destroy(&audit);
    return rc;
}
