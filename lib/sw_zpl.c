/*  sw_zpl: what every ZPL loader needs beside czmq's zconfig (sw_zpl.h).  */
#include "sw_zpl.h"

#include <string.h>

/* Position of target in pre-order below node; true when found. */
static bool s_preorder(zconfig_t *node, zconfig_t *target, size_t *index)
{
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        if (child == target)
            return true;
        (*index)++;
        if (s_preorder(child, target, index))
            return true;
    }
    return false;
}

size_t sw_zpl_line(const char *text, zconfig_t *root, zconfig_t *node)
{
    size_t index = 0;
    if (!text || !node || !s_preorder(root, node, &index))
        return 0;
    size_t line = 0;
    for (const char *c = text; *c;) {
        line++;
        const char *first = c + strspn(c, " \t\r");
        if (*first && *first != '\n' && *first != '#' && index-- == 0)
            return line;
        const char *newline = strchr(c, '\n');
        c = newline ? newline + 1 : c + strlen(c);
    }
    return 0;
}
