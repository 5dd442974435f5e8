/*  The CLI's keys and anchor commands (docs/security.md, docs/anchors.md):
      shouwen keygen NAME [--branch ID | --admin STAFF | --daemon NAME]
      shouwen keygen NAME --anchor [--dir DIR]
      shouwen verify --anchors FILE [--postgres CONNINFO] [--key PUBLIC_CERT] */
#ifndef SHOUWEN_ANCHOR_H
#define SHOUWEN_ANCHOR_H

#include <stdbool.h>

/* keygen NAME [--dir DIR] [--branch ID | --admin STAFF | --daemon NAME |
   --anchor]: argv[0] is "keygen"; exit code. */
int shouwen_keygen(int argc, char **argv);
/* True when a keygen command line asks for an anchor key (--anchor). */
bool shouwen_anchor_wanted(int argc, char **argv);
/* keygen NAME --anchor [--dir DIR]: argv[0] is "keygen"; exit code. */
int shouwen_anchor_keygen(int argc, char **argv);
/* verify ...: argv[0] is "verify"; 0 intact, 1 disagreement, 2 usage or
   connection error. */
int shouwen_verify(int argc, char **argv);

#endif
