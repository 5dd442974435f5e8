/*  router_case: case state and the routing judgement (see router_case.h). */
#include "router_case.h"

#include <czmq.h>

router_case_t *router_case_new(const char *case_id)
{
    router_case_t *self = (router_case_t *)zmalloc(sizeof(router_case_t));
    snprintf(self->case_id, sizeof self->case_id, "%s", case_id);
    return self;
}

void router_case_destroy(router_case_t **self_p)
{
    if (self_p && *self_p) {
        router_case_t *self = *self_p;
        free(self->receiver);
        free(self->named_employee);
        free(self->category);
        free(self);
        *self_p = NULL;
    }
}

void router_case_received(router_case_t *self, const sw_envelope_t *env)
{
    const Shouwen__V1__InquiryReceived *in = env->inquiry_received;
    memcpy(self->inquiry_id, env->event_id.data, SW_EVENTID_SIZE);
    self->received = true;
    free(self->receiver);
    free(self->named_employee);
    free(self->category);
    self->receiver = strdup(in->receiver_staff_id);
    self->named_employee = strdup(in->named_employee_id);
    self->category = strdup(in->category);
    self->urgency = in->urgency;
    self->channel = in->channel;
}

/* 一次性告知: where the customer goes and whom to call. */
static void s_where(router_directory_t *dir, const char *dept, char *buf, size_t size)
{
    const char *name = router_directory_department(dir, dept, "name");
    const char *loc = router_directory_department(dir, dept, "location");
    const char *phone = router_directory_department(dir, dept, "phone");
    snprintf(buf, size, "%s%s%s%s%s", name ? name : dept, loc ? ", " : "", loc ? loc : "",
             phone ? ", tel " : "", phone ? phone : "");
}

static void s_unclear(router_directory_t *dir, const char *receiver_dept,
                      Shouwen__V1__Routed *out, const char *reason)
{
    out->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_UNCLEAR;
    const char *leader =
        receiver_dept ? router_directory_department(dir, receiver_dept, "leader") : NULL;
    if (!leader)
        leader = router_directory_default_leader(dir);
    out->leader_id = (char *)(leader ? leader : "");
    out->department_id = (char *)(receiver_dept ? receiver_dept : "");
    out->reason = (char *)reason;
}

void router_case_route(const router_case_t *self, router_directory_t *dir,
                       Shouwen__V1__Routed *out, char *buf, size_t buf_size)
{
    shouwen__v1__routed__init(out);
    const char *receiver = self->receiver ? self->receiver : "";
    const char *rdept = router_directory_staff(dir, receiver, "department");
    /* the natural first owner is the person first contacted; the factual
       owner stays with them until a transfer is signed (R14) */
    out->natural_owner_id = (char *)receiver;
    out->factual_owner_id = (char *)receiver;
    out->directory_version = (char *)router_directory_version(dir);
    const char *guidance = router_directory_outside(dir, self->category);
    if (guidance) { /* R6 */
        out->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OUTSIDE_ORGANISATION;
        out->guidance = (char *)guidance;
        out->handler_id = (char *)receiver;
        out->department_id = (char *)(rdept ? rdept : "");
        out->reason = (char *)"outside the organisation's competence";
        return;
    }
    const char *sdept = router_directory_scope(dir, self->category, "department");
    const char *handler = router_directory_scope(dir, self->category, "handler");
    if (!rdept || !sdept) { /* R7 */
        s_unclear(dir, rdept, out,
                  rdept ? "no department is responsible for this category"
                        : "the receiver is not in the directory");
        return;
    }
    out->department_id = (char *)sdept;
    if (streq(sdept, rdept) && (!handler || streq(handler, receiver))) { /* R3 */
        out->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_IN_SCOPE;
        out->handler_id = (char *)receiver;
        out->reason = (char *)"in the receiver's own scope";
    } else if (streq(sdept, rdept)) { /* R4 */
        out->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_SAME_DEPARTMENT;
        out->handler_id = (char *)handler;
        out->reason = (char *)"another person of the same department handles it";
    } else { /* R5 */
        out->disposition = SHOUWEN__V1__DISPOSITION__DISPOSITION_OTHER_DEPARTMENT;
        const char *head = router_directory_department(dir, sdept, "head");
        out->handler_id = (char *)(handler ? handler : head ? head : "");
        s_where(dir, sdept, buf, buf_size);
        out->notification = buf;
        out->reason = (char *)"another department handles it";
    }
}
