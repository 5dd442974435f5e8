/*  router_case: one case as router sees it, and the first owner's judgement
    on receipt (R3..R7): in the receiver's own scope, another person of the
    same department, another department (with where and phone for the
    customer), outside the organisation (with guidance), or unclear (the
    supervising leader decides). */
#ifndef ROUTER_CASE_H
#define ROUTER_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include "router_directory.h"
#include "sw_envelope.h"
#include "sw_eventid.h"

typedef struct {
    char case_id[SW_CASEID_STRLEN + 1];
    uint64_t version;                    /* committed events on this case */
    uint8_t inquiry_id[SW_EVENTID_SIZE]; /* the inquiry.received event */
    bool received;                       /* inquiry seen */
    bool routed;                         /* case.routed committed */
    uint64_t proposed_on;                /* version our pending decision used, 0 none */
    char *receiver; /* natural first owner (person first contacted) */
    char *named_employee;
    char *category;
    int urgency;
    int channel;
} router_case_t;

router_case_t *router_case_new(const char *case_id);
void router_case_destroy(router_case_t **self_p);
/* Take the facts of a committed inquiry.received. */
void router_case_received(router_case_t *self, const sw_envelope_t *env);

/* Decide the disposition from the directory.  Fills *out; strings in it
   are borrowed from the directory or from buf (buf_size bytes). */
void router_case_route(const router_case_t *self, router_directory_t *dir,
                       Shouwen__V1__Routed *out, char *buf, size_t buf_size);

#endif
