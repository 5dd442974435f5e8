/*  sw_eventid: deterministic event ids and case ids.
    An event id is 16 bytes derived from a name with BLAKE2b (libsodium's
    crypto_generichash) keyed by a namespace, laid out as an RFC 9562 UUID:
    name-based like UUIDv5 but with BLAKE2b instead of SHA-1, so it carries
    version 8 ("custom") and the RFC variant bits.

    intake:  id = sw_eventid_make("intake", branch_id "/" request_id), so a
             branch's retry is the same event;
    router, sla: id = sw_eventid_derive(trigger_id, decision_kind), so
             re-deciding after a restart gives the same id. */
#ifndef SW_EVENTID_H
#define SW_EVENTID_H

#include <stddef.h>
#include <stdint.h>

#define SW_EVENTID_SIZE  16
#define SW_UUID_STRLEN   36 /* without the terminating NUL */
#define SW_CASEID_STRLEN 17 /* "SW-7SER-930A-4769" */

void sw_eventid_make(uint8_t out[SW_EVENTID_SIZE], const char *ns, const void *name,
                     size_t name_len);
void sw_eventid_derive(uint8_t out[SW_EVENTID_SIZE],
                       const uint8_t parent[SW_EVENTID_SIZE], const char *kind);
/* Canonical lower-case 8-4-4-4-12 text into out (SW_UUID_STRLEN + 1 bytes). */
void sw_eventid_format(const uint8_t id[SW_EVENTID_SIZE], char *out);
/* Parse the canonical text form; 0 on success, -1 on bad input. */
int sw_eventid_parse(const char *text, uint8_t out[SW_EVENTID_SIZE]);
/* Case id for the case an inquiry event opens: "SW-" and 12 Crockford
   base32 characters (60 bits of the event id) in groups of four, easy to
   read out over the phone.  out holds SW_CASEID_STRLEN + 1 bytes. */
void sw_caseid_from_event(const uint8_t id[SW_EVENTID_SIZE], char *out);

#endif
