/*  shouwen_verbs: what each verb runs (the table is shouwen_verbs.c).
    Every handler takes its verb's row and the parsed command line and
    returns the exit code. */
#ifndef SHOUWEN_VERBS_H
#define SHOUWEN_VERBS_H

#include "shouwen_opts.h"

/* shouwen.c: the requests to the hub's intake */
int shouwen_submit(const shouwen_verb_t *verb, shouwen_args_t *a);
int shouwen_command(const shouwen_verb_t *verb, shouwen_args_t *a); /* staff actions */
int shouwen_directory(const shouwen_verb_t *verb, shouwen_args_t *a);
int shouwen_show(const shouwen_verb_t *verb, shouwen_args_t *a);
int shouwen_stats(const shouwen_verb_t *verb, shouwen_args_t *a);
/* shouwen_query.c: inbox, queue, due, find, watch */
int shouwen_query(const shouwen_verb_t *verb, shouwen_args_t *a);
/* shouwen_status.c */
int shouwen_status(const shouwen_verb_t *verb, shouwen_args_t *a);
/* shouwen_anchor.c, shouwen_verify.c */
int shouwen_keygen(const shouwen_verb_t *verb, shouwen_args_t *a);
int shouwen_verify(const shouwen_verb_t *verb, shouwen_args_t *a);

#endif
