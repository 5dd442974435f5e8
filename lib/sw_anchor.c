/*  sw_anchor: signed anchors of the hash chain (see sw_anchor.h). */
#include "sw_anchor.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int sw_anchor_message(const sw_anchor_t *a, char *buf, size_t size)
{
    char hash[SW_ANCHOR_HASH * 2 + 1];
    sodium_bin2hex(hash, sizeof hash, a->hash, sizeof a->hash);
    int n = snprintf(buf, size,
                     "shouwen-anchor %d position=%" PRIu64 " hash=%s at_us=%" PRId64,
                     SW_ANCHOR_VERSION, a->position, hash, a->at_us);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

void sw_anchor_sign(sw_anchor_t *a, const uint8_t *secret_key)
{
    char msg[SW_ANCHOR_LINE_MAX];
    int n = sw_anchor_message(a, msg, sizeof msg);
    crypto_sign_ed25519_sk_to_pk(a->key, secret_key);
    crypto_sign_detached(a->sig, NULL, (const unsigned char *)msg, (size_t)n, secret_key);
}

bool sw_anchor_verify(const sw_anchor_t *a, const uint8_t *public_key)
{
    char msg[SW_ANCHOR_LINE_MAX];
    int n = sw_anchor_message(a, msg, sizeof msg);
    return n > 0 && crypto_sign_verify_detached(a->sig, (const unsigned char *)msg,
                                                (size_t)n, public_key) == 0;
}

int sw_anchor_format(const sw_anchor_t *a, char *line, size_t size)
{
    char key[sizeof a->key * 2 + 1], sig[sizeof a->sig * 2 + 1];
    int n = sw_anchor_message(a, line, size);
    if (n < 0)
        return -1;
    sodium_bin2hex(key, sizeof key, a->key, sizeof a->key);
    sodium_bin2hex(sig, sizeof sig, a->sig, sizeof a->sig);
    int m = snprintf(line + n, size - (size_t)n, " key=%s sig=%s", key, sig);
    return m < 0 || (size_t)m >= size - (size_t)n ? -1 : n + m;
}

/* Exactly 2*size lower-case hex digits. */
static int s_hex(const char *text, size_t len, uint8_t *out, size_t size)
{
    if (len != size * 2 || strspn(text, "0123456789abcdef") < len)
        return -1;
    size_t got = 0;
    if (sodium_hex2bin(out, size, text, len, NULL, &got, NULL) != 0 || got != size)
        return -1;
    return 0;
}

int sw_anchor_parse(const char *line, sw_anchor_t *a)
{
    char hash[65], key[65], sig[129];
    uint64_t position;
    int64_t at_us;
    int version, end = 0;
    memset(a, 0, sizeof *a);
    if (sscanf(line,
               "shouwen-anchor %d position=%" SCNu64 " hash=%64s at_us=%" SCNd64
               " key=%64s sig=%128s%n",
               &version, &position, hash, &at_us, key, sig, &end) != 6 ||
        version != SW_ANCHOR_VERSION)
        return -1;
    if (line[end] != '\0' && strcmp(line + end, "\n") != 0)
        return -1;
    if (s_hex(hash, strlen(hash), a->hash, sizeof a->hash) != 0 ||
        s_hex(key, strlen(key), a->key, sizeof a->key) != 0 ||
        s_hex(sig, strlen(sig), a->sig, sizeof a->sig) != 0)
        return -1;
    a->position = position;
    a->at_us = at_us;
    /* only the canonical form: the line must read back exactly as written */
    char again[SW_ANCHOR_LINE_MAX];
    int n = sw_anchor_format(a, again, sizeof again);
    if (n < 0 || strncmp(again, line, (size_t)n) != 0 || n != end)
        return -1;
    return 0;
}
