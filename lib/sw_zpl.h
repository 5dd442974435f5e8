/*  sw_zpl: what every ZPL loader (directory, calendar, policies) needs
    beside czmq's zconfig: the line of the text a node came from, so an
    error says "line N: path: reason". */
#ifndef SW_ZPL_H
#define SW_ZPL_H

#include <czmq.h>
#include <stddef.h>

/* The line of ZPL text (as loaded into root) that node came from, 0 if
   unknown: in valid ZPL every line that is neither blank nor a comment
   names one key, and the keys are the tree's nodes in pre-order. */
size_t sw_zpl_line(const char *text, zconfig_t *root, zconfig_t *node);

#endif
