/*  fuzz_text: what the ZPL file targets (fuzz_directory, fuzz_calendar)
    share: the input as text, and the check that a syntax error is reported
    with a line of the input. */
#ifndef FUZZ_TEXT_H
#define FUZZ_TEXT_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_check.h"

/* Lines of text as an editor counts them (a last line without '\n' too). */
static inline size_t fuzz_text_lines(const uint8_t *data, size_t size)
{
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || i + 1 == size;
    return lines;
}

/* True if the bytes are ZPL zconfig accepts (false with a NUL byte). */
static inline bool fuzz_text_is_zpl(const uint8_t *data, size_t size)
{
    if (memchr(data, 0, size))
        return false;
    char *text = strndup((const char *)data, size);
    FUZZ_ASSERT(text);
    zconfig_t *root = zconfig_str_load(text);
    bool ok = root != NULL;
    zconfig_destroy(&root);
    free(text);
    return ok;
}

/* error is "line N: ..." with N a line of the input. */
static inline void fuzz_text_check_line(const char *error, size_t lines)
{
    size_t line = 0;
    int used = 0;
    FUZZ_ASSERT(error && sscanf(error, "line %zu: %n", &line, &used) == 1 && used > 0);
    FUZZ_ASSERT(line >= 1 && line <= lines);
    FUZZ_ASSERT(error[used] != 0); /* and a reason */
}

#endif
