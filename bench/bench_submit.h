/*  bench_submit: the inquiry the load and restart benches send, packed and
    sent the way a branch sends it (BranchRequest with an InquirySubmit). */
#ifndef BENCH_SUBMIT_H
#define BENCH_SUBMIT_H

#include "sw_envelope.h"

/* A phone consultation of 张三 in category, taken by receiver. */
void bench_submit_init(Shouwen__V1__Customer *customer,
                       Shouwen__V1__InquirySubmit *submit, const char *category,
                       const char *receiver);
/* Sends tmpl with this request id and matter on sock (a libzmq socket),
   without waiting; 0, or -1 when the socket would block. */
int bench_submit_send(void *sock, const char *request_id, const char *matter,
                      const Shouwen__V1__InquirySubmit *tmpl);

#endif
