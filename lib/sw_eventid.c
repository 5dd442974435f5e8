/*  sw_eventid: deterministic event ids and case ids.

    id = BLAKE2b-128(ns || 0x00 || name), unkeyed, then stamped as a UUID
    version 8 with the RFC variant.  The namespace is hashed rather than used
    as the BLAKE2b key because keys must be 16..64 bytes and namespaces are
    short words ("intake"); the zero byte keeps ("ab","c") apart from
    ("a","bc").  A derived id hashes the parent's 16 bytes followed by the
    decision kind under the namespace "sw.derive". */
#include "sw_eventid.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#define S_DERIVE_NS "sw.derive"

static void s_stamp_uuid8(uint8_t id[SW_EVENTID_SIZE])
{
    id[6] = (uint8_t)((id[6] & 0x0f) | 0x80); /* version 8 */
    id[8] = (uint8_t)((id[8] & 0x3f) | 0x80); /* variant 10xx */
}

/* BLAKE2b-128 over ns, its terminating zero, then the name in two parts. */
static void s_make(uint8_t out[SW_EVENTID_SIZE], const char *ns, const void *part1,
                   size_t len1, const void *part2, size_t len2)
{
    int rc = sodium_init();
    assert(rc >= 0);
    (void)rc;
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, SW_EVENTID_SIZE);
    crypto_generichash_update(&state, (const unsigned char *)ns, strlen(ns) + 1);
    if (len1 > 0)
        crypto_generichash_update(&state, part1, len1);
    if (len2 > 0)
        crypto_generichash_update(&state, part2, len2);
    crypto_generichash_final(&state, out, SW_EVENTID_SIZE);
    s_stamp_uuid8(out);
}

void sw_eventid_make(uint8_t out[SW_EVENTID_SIZE], const char *ns, const void *name,
                     size_t name_len)
{
    assert(out && ns && (name || name_len == 0));
    s_make(out, ns, name, name_len, NULL, 0);
}

void sw_eventid_derive(uint8_t out[SW_EVENTID_SIZE],
                       const uint8_t parent[SW_EVENTID_SIZE], const char *kind)
{
    assert(out && parent && kind);
    /* Copy first: out may be the parent itself. */
    uint8_t copy[SW_EVENTID_SIZE];
    memcpy(copy, parent, SW_EVENTID_SIZE);
    s_make(out, S_DERIVE_NS, copy, SW_EVENTID_SIZE, kind, strlen(kind));
}

void sw_eventid_format(const uint8_t id[SW_EVENTID_SIZE], char *out)
{
    static const char hex[] = "0123456789abcdef";
    assert(id && out);
    char *p = out;
    for (int i = 0; i < SW_EVENTID_SIZE; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[id[i] >> 4];
        *p++ = hex[id[i] & 0x0f];
    }
    *p = '\0';
}

static int s_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sw_eventid_parse(const char *text, uint8_t out[SW_EVENTID_SIZE])
{
    if (text == NULL || strlen(text) != SW_UUID_STRLEN)
        return -1;
    uint8_t id[SW_EVENTID_SIZE];
    const char *p = text;
    for (int i = 0; i < SW_EVENTID_SIZE; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (*p++ != '-')
                return -1;
        }
        int hi = s_hexval(p[0]);
        int lo = s_hexval(p[1]);
        if (hi < 0 || lo < 0)
            return -1;
        id[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    memcpy(out, id, SW_EVENTID_SIZE);
    return 0;
}

/*  The 60 bits are the id's first 64 bits without the version nibble (the
    high half of byte 6), which is the same in every id and would make the
    case ids of all cases share bits. */
void sw_caseid_from_event(const uint8_t id[SW_EVENTID_SIZE], char *out)
{
    static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    assert(id && out);
    uint64_t bits = 0;
    for (int i = 0; i < 6; i++)
        bits = bits << 8 | id[i];
    bits = bits << 4 | (id[6] & 0x0f);
    bits = bits << 8 | id[7];
    memcpy(out, "SW-", 3);
    char *p = out + 3;
    for (int i = 0; i < 12; i++) {
        if (i == 4 || i == 8)
            *p++ = '-';
        *p++ = crockford[(bits >> (55 - 5 * i)) & 0x1f];
    }
    *p = '\0';
    assert(p - out == SW_CASEID_STRLEN);
}
