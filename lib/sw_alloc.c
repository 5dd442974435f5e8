/*  sw_alloc: out of memory is fatal (see sw_alloc.h). */
#include "sw_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Said on stderr (the journal) without allocating, then abort. */
static void s_out_of_memory(size_t size)
{
    char line[96];
    snprintf(line, sizeof line, "<%d>out of memory (%zu bytes): aborting\n", LOG_CRIT,
             size);
    fputs(line, stderr);
    abort();
}

void *sw_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_out_of_memory(size);
    return p;
}

void *sw_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        s_out_of_memory(count * size);
    return p;
}

void *sw_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        s_out_of_memory(size);
    return p;
}

char *sw_strdup(const char *text)
{
    char *p = strdup(text);
    if (!p)
        s_out_of_memory(strlen(text) + 1);
    return p;
}

char *sw_strndup(const char *text, size_t max)
{
    char *p = strndup(text, max);
    if (!p)
        s_out_of_memory(max + 1);
    return p;
}
