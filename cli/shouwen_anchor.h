/*  The CLI's keys (docs/security.md, docs/anchors.md):
      shouwen keygen NAME [--branch ID | --admin STAFF | --daemon NAME]
      shouwen keygen NAME --anchor [--dir DIR]
    and the anchors' check, shouwen verify (shouwen_verify.c).  The verbs
    themselves, shouwen_keygen() and shouwen_verify(), are declared in
    shouwen_verbs.h. */
#ifndef SHOUWEN_ANCHOR_H
#define SHOUWEN_ANCHOR_H

#include "shouwen_verbs.h"

#endif
