/*  shouwen keygen NAME --anchor: the Ed25519 key audit signs anchors with.
    Kept in czmq's certificate format so nothing new parses it: NAME.cert
    holds the public key, NAME.cert_secret the 32-byte seed (mode 0600),
    both with metadata role = "anchor". */
#include "shouwen_anchor.h"

#include <czmq.h>
#include <sodium.h>
#include <sys/stat.h>

#define S_EXIT_USAGE 64

bool shouwen_anchor_wanted(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (streq(argv[i], "--anchor"))
            return true;
    return false;
}

int shouwen_anchor_keygen(int argc, char **argv)
{
    const char *dir = ".";
    bool usage = argc < 2 || argv[1][0] == '-';
    for (int i = 2; i < argc && !usage; i++) {
        if (streq(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!streq(argv[i], "--anchor"))
            usage = true;
    }
    if (usage) {
        fprintf(stderr, "shouwen: usage: keygen NAME --anchor [--dir DIR]\n");
        return S_EXIT_USAGE;
    }
    char path[512], secret_path[520];
    snprintf(path, sizeof path, "%s/%s.cert", dir, argv[1]);
    snprintf(secret_path, sizeof secret_path, "%s_secret", path);
    struct stat st;
    if (stat(path, &st) == 0 || stat(secret_path, &st) == 0) {
        fprintf(stderr,
                "shouwen: %s already exists: an anchor key is never overwritten\n", path);
        return 1;
    }
    uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
        sk[crypto_sign_SECRETKEYBYTES];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    zcert_t *cert = zcert_new_from(pk, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    zcert_set_meta(cert, "name", "%s", argv[1]);
    zcert_set_meta(cert, "role", "anchor");
    int rc = zcert_save(cert, path);
    zcert_destroy(&cert);
    if (rc != 0 || chmod(secret_path, 0600) != 0) {
        fprintf(stderr, "shouwen: cannot write %s and %s\n", path, secret_path);
        return 1;
    }
    char hex[sizeof pk * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    printf("%s\nkey=%s\n", path, hex);
    return 0;
}
