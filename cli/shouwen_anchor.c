/*  shouwen keygen: every key the CLI makes.  A CURVE key pair with who
    holds it (branch, administrator, daemon), for the allow-lists; and with
    --anchor the Ed25519 key audit signs anchors with.
    Kept in czmq's certificate format so nothing new parses it: NAME.cert
    holds the public key, NAME.cert_secret the 32-byte seed (mode 0600),
    both with metadata role = "anchor". */
#include "shouwen_anchor.h"
#include "shouwen_i18n.h"
#include "shouwen_verbs.h"

#include <czmq.h>
#include <sodium.h>
#include <errno.h>
#include <sys/stat.h>

/* keygen NAME --anchor [--dir DIR]: the Ed25519 key audit signs with. */
static int s_anchor_keygen(const char *name, const char *dir)
{
    char path[512], secret_path[520];
    snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    snprintf(secret_path, sizeof secret_path, "%s_secret", path);
    struct stat st;
    if (stat(path, &st) == 0 || stat(secret_path, &st) == 0) {
        fprintf(stderr,
                _("shouwen: %s already exists: an anchor key is never overwritten\n"),
                path);
        return 1;
    }
    uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
        sk[crypto_sign_SECRETKEYBYTES];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    zcert_t *cert = zcert_new_from(pk, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "role", "anchor");
    int rc = zcert_save(cert, path);
    zcert_destroy(&cert);
    if (rc != 0 || chmod(secret_path, 0600) != 0) {
        fprintf(stderr, _("shouwen: cannot write %s and %s\n"), path, secret_path);
        return 1;
    }
    char hex[sizeof pk * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    printf("%s\nkey=%s\n", path, hex);
    return 0;
}

/* keygen NAME [--dir DIR] [--branch ID | --admin STAFF_ID | --daemon NAME]:
   a CURVE key pair.  NAME.cert, the public half with who holds it (role,
   branch, staff or daemon, and name), goes to an allow-list (lib/sw_keyring.h);
   NAME.cert_secret (0600) stays with its owner.  Without a role: a key with
   only a name, for a hub server. */
int shouwen_keygen(const shouwen_verb_t *verb, shouwen_args_t *a)
{
    const char *name = a->operands[0], *dir = a->dir ? a->dir : ".";
    const char *role = a->key_branch ? "branch" : a->key_admin ? "admin" : "daemon";
    const char *id = a->key_branch  ? a->key_branch
                     : a->key_admin ? a->key_admin
                                    : a->key_daemon;
    const char *id_name = a->key_admin ? "staff" : role;
    int roles = !!a->key_branch + !!a->key_admin + !!a->key_daemon + a->anchor;
    if (roles > 1 || !*dir || (id && !*id)) {
        fprintf(stderr,
                _("shouwen: usage: keygen NAME [--dir DIR] [--branch ID | --admin "
                  "STAFF_ID | --daemon intake|router|sla|audit | --anchor]\n"));
        return SHOUWEN_EXIT_USAGE;
    }
    if (a->anchor) /* Ed25519, not CURVE */
        return s_anchor_keygen(name, dir);
    if (!id)
        role = NULL;
    if (a->key_daemon && !streq(id, "intake") && !streq(id, "router") &&
        !streq(id, "sla") && !streq(id, "audit")) {
        fprintf(stderr,
                _("shouwen: --daemon takes intake, router, sla or audit, not '%s'\n"),
                id);
        return SHOUWEN_EXIT_USAGE;
    }
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "%s", name);
    if (role) {
        zcert_set_meta(cert, "role", "%s", role);
        zcert_set_meta(cert, id_name, "%s", id);
    }
    char path[512], secret[520];
    snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    /* zcert_save creates the secret 0600 but keeps the mode of a file it
       overwrites; and it reports only the secret half's failure */
    int rc = zcert_save_public(cert, path);
    if (rc == 0)
        rc = zcert_save_secret(cert, secret);
    if (rc == 0)
        rc = chmod(secret, 0600);
    zcert_destroy(&cert);
    if (rc != 0) {
        fprintf(stderr, _("shouwen: cannot write %s: %s\n"), path, strerror(errno));
        return 1;
    }
    printf("%s\n", path);
    return 0;
}
