/*  branch_view: what the web desk shows, as JSON (jansson): a case with
    names beside ids, a timeline entry with a Chinese summary, a
    notification with a Chinese title, the organisation as the 首问 form
    needs it, and who would own a new inquiry.  Enum values are lower-case
    names without their prefix ("open", "transfer", "warned"), as in
    docs/desk.md.  The leader's number is never part of any view (R19). */
#ifndef BRANCH_VIEW_H
#define BRANCH_VIEW_H

#include <jansson.h>

#include "sw_directory.h"
#include "sw_envelope.h"

/* "CHANNEL_HOTLINE" of descriptor d -> "hotline" into buf ("" unknown). */
const char *branch_view_enum(const ProtobufCEnumDescriptor *d, int value, char *buf,
                             size_t size);
/* The value named "hotline" (prefix-free, lower case), or -1. */
int branch_view_enum_value(const ProtobufCEnumDescriptor *d, const char *name);

json_t *branch_view_case(sw_directory_t *dir, const Shouwen__V1__CaseSummary *c);
/* NULL when the entry cannot be decoded. */
json_t *branch_view_timeline(sw_directory_t *dir, const Shouwen__V1__Committed *c);
json_t *branch_view_notification(sw_directory_t *dir, const Shouwen__V1__Notification *n);
/* Categories, departments, and the staff of branch. */
json_t *branch_view_directory(sw_directory_t *dir, const char *branch);
/* The natural first owner and the department a new inquiry would go to. */
json_t *branch_view_preview(sw_directory_t *dir, const char *category,
                            const char *channel, const char *named, const char *receiver);

#endif
