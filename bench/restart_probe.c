/*  restart_probe: how soon the hub acknowledges an inquiry again (issue 10,
    bench/restart.sh).

    One DEALER connection to intake with the branch's CURVE key as the CLI
    has it (SHOUWEN_CERT, SHOUWEN_SERVER_CERT), reconnecting every 10 ms
    and sending only on a completed connection (ZMQ_IMMEDIATE).  Every
    --interval-ms (20) it sends a new InquirySubmit (what `shouwen submit`
    sends, request id TAG-n) while fewer than 200 are unanswered; a RETRY
    (HUB_NOT_READY while intake catches up with the log, NO_DIRECTORY before
    its replay has reached the organisation, NOT_COMMITTED when intake's
    ack_timeout_ms ran out, HUB_BUSY) only frees its slot.  It
    stops at the first OK: an inquiry the hub committed and acknowledged.

    Prints one line, times in microseconds of CLOCK_REALTIME (comparable
    with bash's EPOCHREALTIME):
      PROBE start_us=.. connected_us=.. first_answer_us=.. ok_us=.. sent=..
            not_ready=.. not_committed=.. busy=.. no_directory=.. other=..
    (0 for what did not happen).  Exit 0 on an OK, 1 when --timeout (30) s
    passed without one, 64 on bad arguments.  An alarm ends it at
    timeout + 5 s whatever happens.

    usage: restart_probe --endpoint tcp://127.0.0.1:PORT [--timeout S]
                         [--interval-ms MS] [--tag T] */
#include <czmq.h>
#include <getopt.h>
#include <unistd.h>

#include "bench_submit.h"
#include "sw_envelope.h"
#include "sw_zap.h"

#define MAX_INFLIGHT 200

static int64_t s_real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *cert = getenv("SHOUWEN_CERT"),
               *server_cert = getenv("SHOUWEN_SERVER_CERT");
    double timeout_s = 30;
    int interval_ms = 20;
    char tag_buf[40];
    snprintf(tag_buf, sizeof tag_buf, "probe%d", (int)getpid());
    const char *tag = tag_buf;
    static const struct option longopts[] = {{"endpoint", 1, 0, 'e'},
                                             {"timeout", 1, 0, 'T'},
                                             {"interval-ms", 1, 0, 'i'},
                                             {"tag", 1, 0, 't'},
                                             {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'e':
            endpoint = optarg;
            break;
        case 'T':
            timeout_s = atof(optarg);
            break;
        case 'i':
            interval_ms = atoi(optarg);
            break;
        case 't':
            tag = optarg;
            break;
        default:
            goto usage;
        }
    }
    if (!endpoint || !cert || !server_cert || !(timeout_s >= 0.1 && timeout_s <= 600) ||
        interval_ms < 1 || interval_ms > 10000 || strlen(tag) > 40)
        goto usage;
    alarm((unsigned)timeout_s + 5);

    zsys_init();
    zsys_set_logstream(NULL);
    zsys_set_linger(0);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    if (!sock || sw_curve_client(sock, cert, server_cert) != 0) {
        fprintf(stderr, "restart_probe: cannot set up the connection (keys %s, %s)\n",
                cert, server_cert);
        return 64;
    }
    zsock_set_linger(sock, 0);
    zsock_set_reconnect_ivl(sock, 10);
    zsock_set_reconnect_ivl_max(sock, 10);
    zsock_set_immediate(sock, 1);
    zsock_set_sndhwm(sock, 0);
    int64_t start = s_real_us();
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        fprintf(stderr, "restart_probe: cannot connect to %s\n", endpoint);
        return 64;
    }
    void *raw = zsock_resolve(sock);

    Shouwen__V1__Customer customer;
    Shouwen__V1__InquirySubmit submit;
    bench_submit_init(&customer, &submit, "room_booking", "fo-01");

    int64_t connected = 0, first_answer = 0, ok = 0, next_send = start;
    int64_t end = start + (int64_t)(timeout_s * 1e6);
    uint64_t sent = 0, not_ready = 0, not_committed = 0, busy = 0, no_directory = 0,
             other = 0;
    int inflight = 0;
    zmq_pollitem_t item = {.socket = raw, .events = ZMQ_POLLIN};
    while (!ok) {
        int64_t now = s_real_us();
        if (now >= end)
            break;
        if (now >= next_send && inflight < MAX_INFLIGHT) {
            char id[96], matter[128];
            snprintf(id, sizeof id, "%s-%" PRIu64, tag, sent);
            snprintf(matter, sizeof matter,
                     "想预订下周的房间 (restart probe %s, %" PRIu64 ")", tag, sent);
            if (bench_submit_send(raw, id, matter, &submit) == 0) {
                if (!connected)
                    connected = now;
                sent++;
                inflight++;
                next_send = now + (int64_t)interval_ms * 1000;
            } else
                next_send = now + 2000; /* no connection yet: try again soon */
        }
        int64_t wake = next_send < end ? next_send : end;
        long timeout_ms = wake > now ? (long)((wake - now + 999) / 1000) : 0;
        if (zmq_poll(&item, 1, timeout_ms > 100 ? 100 : timeout_ms) <= 0)
            continue;
        for (int k = 0; k < 1024 && !ok; k++) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, raw, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&m);
                break;
            }
            int64_t at = s_real_us();
            Shouwen__V1__BranchReply *rep = shouwen__v1__branch_reply__unpack(
                NULL, zmq_msg_size(&m), (const uint8_t *)zmq_msg_data(&m));
            zmq_msg_close(&m);
            if (!rep) {
                other++;
                continue;
            }
            if (!first_answer)
                first_answer = at;
            if (inflight > 0)
                inflight--;
            if (rep->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK)
                ok = at;
            else if (streq(rep->code, "HUB_NOT_READY"))
                not_ready++;
            else if (streq(rep->code, "NOT_COMMITTED"))
                not_committed++;
            else if (streq(rep->code, "HUB_BUSY"))
                busy++;
            else if (streq(rep->code, "NO_DIRECTORY"))
                no_directory++; /* a RETRY while the replay has not reached it */
            else {
                other++;
                if (other == 1)
                    fprintf(stderr, "restart_probe: answer %s: %s\n", rep->code,
                            rep->message);
            }
            shouwen__v1__branch_reply__free_unpacked(rep, NULL);
        }
    }
    printf("PROBE start_us=%" PRId64 " connected_us=%" PRId64 " first_answer_us=%" PRId64
           " ok_us=%" PRId64 " sent=%" PRIu64 " not_ready=%" PRIu64
           " not_committed=%" PRIu64 " busy=%" PRIu64 " no_directory=%" PRIu64
           " other=%" PRIu64 "\n",
           start, connected, first_answer, ok, sent, not_ready, not_committed, busy,
           no_directory, other);
    fflush(stdout);
    zsock_destroy(&sock);
    return ok ? 0 : 1;
usage:
    fprintf(stderr, "usage: restart_probe --endpoint E [--timeout S] [--interval-ms MS] "
                    "[--tag T]\n  (keys from SHOUWEN_CERT, SHOUWEN_SERVER_CERT)\n");
    return 64;
}
