/*  shouwen_print: the CLI's printing of the hub's answers. */
#ifndef SHOUWEN_PRINT_H
#define SHOUWEN_PRINT_H

#include <stdbool.h>

#include "sw_envelope.h"

/* A case query's answer: its timeline, one line an event (or JSON). */
void shouwen_print_timeline(const Shouwen__V1__BranchReply *reply, bool json);
/* Any other answer: status, case id, message, counters (or JSON). */
void shouwen_print_reply(const Shouwen__V1__BranchReply *reply, bool json);

#endif
