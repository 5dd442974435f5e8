/*  sw_alloc: running out of memory is fatal, here and only here.

    As czmq's zmalloc and Redis's zmalloc do, an allocation that fails logs
    "out of memory" and aborts the process: a daemon is restarted by systemd
    and catches up from the log, and nothing it acknowledged is lost (an
    acknowledgement follows the commit).  No caller checks for NULL and no
    code unwinds after a failed allocation; what libraries allocate for us
    (czmq's zmalloc, protobuf-c's unpack, jansson) is checked where it is
    used, as a library's error. */
#ifndef SW_ALLOC_H
#define SW_ALLOC_H

#include <stddef.h>

void *sw_malloc(size_t size);
void *sw_calloc(size_t count, size_t size);
void *sw_realloc(void *ptr, size_t size);
char *sw_strdup(const char *text);
char *sw_strndup(const char *text, size_t max);

#endif
