/*  sw_zpl_entries: a ZPL file's nodes, in file order, as the auditors'
    directory_entries hold them (line, path from the root such as
    "scope/repair/department", value or none for a section).  intake puts
    them in every directory.loaded event (DirectoryLoaded.entries), so
    PostgreSQL parses no ZPL: the one reader is lib/sw_zpl.c. */
#ifndef SW_ZPL_ENTRIES_H
#define SW_ZPL_ENTRIES_H

#include <stddef.h>

#include "sw_envelope.h"

/* value is NULL for a node without "= value". */
typedef void(sw_zpl_entry_fn)(void *arg, size_t line, const char *path,
                              const char *value);

/* Calls fn for every node of the text in file order: 0, or -1 with *error
   (malloc'ed; error may be NULL) when the text is not ZPL. */
int sw_zpl_entries(const char *text, size_t len, sw_zpl_entry_fn *fn, void *arg,
                   char **error);

/* The same as DirectoryLoaded.entries: *count messages (NULL and 0 when the
   text is not ZPL); free with sw_zpl_entries_free. */
Shouwen__V1__DirectoryEntry **sw_zpl_entries_message(const char *text, size_t len,
                                                     size_t *count);
void sw_zpl_entries_free(Shouwen__V1__DirectoryEntry ***items_p, size_t count);

#endif
