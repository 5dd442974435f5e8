/*  sw_anchor: one signed anchor of the event log's hash chain (锚点).
    audit signs the chain head (position, hash) with an Ed25519 key and
    appends the anchor as one text line to a file outside PostgreSQL;
    `shouwen verify --anchors` reads the lines back and compares them with
    the log.  The line, in version 1 (docs/anchors.md):

      shouwen-anchor 1 position=<n> hash=<hex64> at_us=<n> key=<hex64> sig=<hex128>

    sig is Ed25519 (crypto_sign_detached) over the line's first part, up to
    and without the space before "key=":
      "shouwen-anchor 1 position=<n> hash=<hex64> at_us=<n>"
    with decimal numbers without leading zeros and lower-case hex. */
#ifndef SW_ANCHOR_H
#define SW_ANCHOR_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define SW_ANCHOR_VERSION 1
#define SW_ANCHOR_HASH    32
/* Longest line, without its newline: fields plus their hex. */
#define SW_ANCHOR_LINE_MAX 384

typedef struct {
    uint64_t position;                       /* log position of the head */
    uint8_t hash[SW_ANCHOR_HASH];            /* the chain hash at position */
    int64_t at_us;                           /* signed at, UTC microseconds */
    uint8_t key[crypto_sign_PUBLICKEYBYTES]; /* the signer's public key */
    uint8_t sig[crypto_sign_BYTES];          /* over sw_anchor_message */
} sw_anchor_t;

/* The signed bytes into buf (NUL-terminated); their length, or -1 when
   buf is too small. */
int sw_anchor_message(const sw_anchor_t *a, char *buf, size_t size);
/* Sign position, hash and at_us with secret_key (crypto_sign's 64-byte
   form); sets key and sig. */
void sw_anchor_sign(sw_anchor_t *a, const uint8_t *secret_key);
/* True when sig is a valid signature by public_key over the message. */
bool sw_anchor_verify(const sw_anchor_t *a, const uint8_t *public_key);
/* The whole line, without a newline; -1 when line is too small. */
int sw_anchor_format(const sw_anchor_t *a, char *line, size_t size);
/* Parse one line (a trailing newline is allowed); -1 when it is not a
   version 1 anchor line in exactly the form sw_anchor_format writes. */
int sw_anchor_parse(const char *line, sw_anchor_t *a);

#endif
