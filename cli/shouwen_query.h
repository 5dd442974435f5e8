/*  The CLI's queries and notifications on the hub (issue 9, docs/queries.md):
      shouwen inbox --staff ID        the cases a staff member holds
      shouwen queue --department ID   a department's cases
      shouwen due [--within MIN] [--callbacks] [--staff ID | --department ID]
      shouwen find (--phone P | --case ID)
      shouwen watch [--staff ID]... [--department ID]... [--from POSITION]
    Every time in the organisation's zone with its zone written out. */
#ifndef SHOUWEN_QUERY_H
#define SHOUWEN_QUERY_H

#include <czmq.h>
#include <stdbool.h>

/* Where the hub is and how to speak to it (from shouwen's main). */
typedef struct {
    const char *endpoint;
    const char *branch_id; /* NULL: the key's */
    const char *cert;      /* this branch's certificate, NULL without CURVE */
    const char *server_cert;
} shouwen_link_t;

/* A DEALER to the hub, connected, speaking CURVE when keys are given; NULL
   (said on stderr) when the keys or the endpoint are wrong. */
zsock_t *shouwen_connect(const shouwen_link_t *link);

/* A request id made for this run: "cli-" and 24 random hex digits. */
void shouwen_fresh_request_id(char *out, size_t size);

/* The verbs themselves: shouwen_query() in shouwen_verbs.h. */

#endif
