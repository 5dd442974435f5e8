/*  proposal_probe: an impostor on audit's proposals endpoint.  Publishes a
    forged violation.recorded (5,000 yuan against a front-office clerk) and
    a fabricated inquiry for SECONDS seconds, the way a local process that
    reached the endpoint would, and exits; the test then checks that
    nothing of it was committed and that audit counted the refusal.
    usage: proposal_probe ENDPOINT AUDIT_CERT [CERT] [SECONDS]
      without CERT: no CURVE at all; with CERT: CURVE with that key (a key
      not on the daemons' allow-list, or a daemon's own key proposing what
      that daemon may not).  Prints the two event ids (UUID) it forged. */
#include <czmq.h>

#include "sw_envelope.h"
#include "sw_eventid.h"

static zframe_t *s_forged_violation(uint8_t *id, const char *producer)
{
    Shouwen__V1__ViolationRecorded v = SHOUWEN__V1__VIOLATION_RECORDED__INIT;
    v.type = SHOUWEN__V1__VIOLATION_TYPE__VIOLATION_TYPE_TIME_LIMIT_EXCEEDED;
    v.staff_id = "fo-01";
    v.department_id = "front_office";
    v.penalty_yuan = 5000;
    v.rule = "R10";
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    sw_eventid_make(id, "probe", "forged-violation", 16);
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)"violation.recorded";
    env.producer = (char *)producer;
    env.actor = (char *)producer;
    env.occurred_at_us = zclock_time() * 1000;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_VIOLATION_RECORDED;
    env.violation_recorded = &v;
    return sw_pack_frame(&env.base);
}

static zframe_t *s_forged_inquiry(uint8_t *id, const char *producer)
{
    Shouwen__V1__Customer c = SHOUWEN__V1__CUSTOMER__INIT;
    c.name = "伪造";
    c.phone = "13800000000";
    Shouwen__V1__InquiryReceived r = SHOUWEN__V1__INQUIRY_RECEIVED__INIT;
    r.branch_id = "hotel";
    r.request_id = "forged-1";
    r.channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    r.kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_COMPLAINT;
    r.customer = &c;
    r.matter = "伪造的案件";
    r.category = "room_booking";
    r.receiver_staff_id = "fo-01";
    r.received_at_us = zclock_time() * 1000;
    sw_envelope_t env = SHOUWEN__V1__ENVELOPE__INIT;
    sw_eventid_make(id, "probe", "forged-inquiry", 14);
    char case_id[SW_CASEID_STRLEN + 1];
    sw_caseid_from_event(id, case_id);
    env.event_id.data = id;
    env.event_id.len = SW_EVENTID_SIZE;
    env.type = (char *)"inquiry.received";
    env.case_id = case_id;
    env.producer = (char *)producer;
    env.actor = (char *)"fo-01";
    env.occurred_at_us = zclock_time() * 1000;
    env.body_case = SHOUWEN__V1__ENVELOPE__BODY_INQUIRY_RECEIVED;
    env.inquiry_received = &r;
    return sw_pack_frame(&env.base);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: proposal_probe ENDPOINT AUDIT_CERT [CERT] [SECONDS]\n");
        return 64;
    }
    zsys_init();
    zsys_set_logstream(NULL);
    const char *cert_path = argc > 3 && *argv[3] ? argv[3] : NULL;
    int seconds = argc > 4 ? atoi(argv[4]) : 3;
    zsock_t *pub = zsock_new(ZMQ_PUB);
    zsock_set_linger(pub, 500);
    /* claim to be the daemon the key belongs to, else sla (entitled to violations) */
    const char *producer = "sla";
    if (cert_path) {
        zcert_t *mine = zcert_load(cert_path);
        zcert_t *audit = zcert_load(argv[2]);
        if (!mine || !audit) {
            fprintf(stderr, "proposal_probe: cannot load %s or %s\n", cert_path, argv[2]);
            return 1;
        }
        if (zcert_meta(mine, "daemon"))
            producer = zcert_meta(mine, "daemon");
        zcert_apply(mine, pub);
        zsock_set_curve_serverkey(pub, zcert_public_txt(audit));
        producer = strdup(producer);
        zcert_destroy(&mine);
        zcert_destroy(&audit);
    }
    if (zsock_connect(pub, "%s", argv[1]) != 0) {
        fprintf(stderr, "proposal_probe: cannot connect to %s\n", argv[1]);
        return 1;
    }
    uint8_t vid[SW_EVENTID_SIZE], iid[SW_EVENTID_SIZE];
    zframe_t *violation = s_forged_violation(vid, producer);
    zframe_t *inquiry = s_forged_inquiry(iid, producer);
    char text[SW_UUID_STRLEN + 1];
    sw_eventid_format(vid, text);
    printf("%s\n", text);
    sw_eventid_format(iid, text);
    printf("%s\n", text);
    fflush(stdout);
    int64_t until = zclock_mono() + seconds * 1000;
    while (zclock_mono() < until) { /* bounded: SECONDS, one send each 100 ms */
        zstr_sendm(pub, "violation.recorded.");
        zframe_t *f = zframe_dup(violation);
        zframe_send(&f, pub, 0);
        zstr_sendm(pub, "inquiry.received.");
        f = zframe_dup(inquiry);
        zframe_send(&f, pub, 0);
        zclock_sleep(100);
    }
    zframe_destroy(&violation);
    zframe_destroy(&inquiry);
    zsock_destroy(&pub);
    if (cert_path)
        free((char *)producer);
    return 0;
}
