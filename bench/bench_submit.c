/*  bench_submit: the benches' inquiry (see bench_submit.h). */
#include "bench_submit.h"

#include <assert.h>
#include <zmq.h>

void bench_submit_init(Shouwen__V1__Customer *customer,
                       Shouwen__V1__InquirySubmit *submit, const char *category,
                       const char *receiver)
{
    shouwen__v1__customer__init(customer);
    customer->name = "张三";
    customer->phone = "13800000000";
    shouwen__v1__inquiry_submit__init(submit);
    submit->channel = SHOUWEN__V1__CHANNEL__CHANNEL_PHONE;
    submit->kind = SHOUWEN__V1__REQUEST_KIND__REQUEST_KIND_CONSULTATION;
    submit->customer = customer;
    submit->category = (char *)category;
    submit->receiver_staff_id = (char *)receiver;
}

int bench_submit_send(void *sock, const char *request_id, const char *matter,
                      const Shouwen__V1__InquirySubmit *tmpl)
{
    Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
    req.request_id = (char *)request_id;
    req.branch_id = "";
    req.protocol_version = SHOUWEN__V1__BRANCH_PROTOCOL__BRANCH_PROTOCOL_CURRENT;
    req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_SUBMIT;
    Shouwen__V1__InquirySubmit s = *tmpl;
    s.matter = (char *)matter;
    req.submit = &s;
    uint8_t buf[1024];
    size_t len = protobuf_c_message_get_packed_size(&req.base);
    assert(len <= sizeof buf);
    protobuf_c_message_pack(&req.base, buf);
    return zmq_send(sock, buf, len, ZMQ_DONTWAIT) == (int)len ? 0 : -1;
}
