/*  load: branch clients offering inquiries to a running hub at a fixed rate
    (issue 10; bench/load.sh brings the hub up and runs the steps).

    N DEALER connections to intake, each with the branch's CURVE key as the
    CLI has it (SHOUWEN_CERT, SHOUWEN_SERVER_CERT), send InquirySubmit
    requests (what `shouwen submit` sends), each with its own request id
    TAG-<n>, on a fixed schedule: request n is due at t0 + n / RATE, sent
    round-robin over the connections whatever the answers (open loop).

    An answer OK is the acknowledgement: the hub committed the inquiry.
    RETRY (HUB_BUSY: intake/max_pending reached; NOT_COMMITTED: intake's
    ack_timeout_ms ran out; HUB_NOT_READY) is resent with the same request
    id after a backoff (100 ms doubling to 1 s, as the CLI does), until
    --drain seconds after the last scheduled send; REJECTED is final.

    Latencies (microseconds, log-linear histogram, 0.2 % resolution):
      ack       scheduled send of the first attempt -> OK (retries included;
                from the schedule, so a late sender does not hide queueing)
      accepted  the attempt that was answered OK -> OK
      busy      an attempt -> its RETRY HUB_BUSY (how fast back-pressure is)
    At the end every request id is in exactly one state: acknowledged,
    rejected, refused (its last answer was RETRY, and the run ended before a
    resend was answered OK) or unanswered (sent, no answer by the end: lost
    unless the log has it).  A second OK for one id is counted (dup_ok).

    While the requests are offered it samples /proc every 500 ms for the
    processes named by --proc NAME=PID (and --proc-tree NAME=PID: the
    process and its children, e.g. the postmaster and its backends): CPU
    (utime+stime) over the offered period, as % of one core, and peak
    resident memory (VmRSS, VmHWM; Pss summed for a tree).

    Bounded: at most 256 connections, 20,000 requests/s, 600 s offered,
    120 s of drain, 2,000,000 requests, 50 attempts a request; an alarm
    ends the process at seconds + drain + 60 s whatever happens.

    usage: load --endpoint tcp://127.0.0.1:PORT --rate R --seconds S
                [--clients N] [--drain S] [--tag T] [--acked FILE]
                [--proc NAME=PID]... [--proc-tree NAME=PID]...
    Prints human lines and one line "RESULT key=value ..." for the script.
    Exit 0 when nothing is unanswered, 1 otherwise, 2 if the hub did not
    answer the connections' first request (a stats query) within 10 s. */
#include <czmq.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_submit.h"
#include "sw_envelope.h"
#include "sw_zap.h"

#define MAX_CLIENTS  256
#define MAX_RATE     20000
#define MAX_SECONDS  600
#define MAX_DRAIN    120
#define MAX_REQUESTS 2000000
#define MAX_ATTEMPTS 50
#define MAX_PROCS    16
#define SAMPLE_US    500000

/* ------------------------------------------------------------ time */

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------- histogram */

/* values below 1024 µs exactly; above, 512 steps per power of two */
#define H_SUB     512
#define H_LINEAR  1024
#define H_BUCKETS (H_LINEAR + 40 * H_SUB)

typedef struct {
    uint32_t count[H_BUCKETS];
    uint64_t n;
    int64_t max;
} hist_t;

static void h_add(hist_t *h, int64_t v)
{
    if (v < 0)
        v = 0;
    size_t i;
    if (v < H_LINEAR)
        i = (size_t)v;
    else {
        int e = 63 - __builtin_clzll((unsigned long long)v) - 9; /* >= 1 */
        i = H_LINEAR + (size_t)(e - 1) * H_SUB + (size_t)((v >> e) - H_SUB);
        if (i >= H_BUCKETS)
            i = H_BUCKETS - 1;
    }
    h->count[i]++;
    h->n++;
    if (v > h->max)
        h->max = v;
}

static double h_value(size_t i)
{
    if (i < H_LINEAR)
        return (double)i;
    size_t e = (i - H_LINEAR) / H_SUB + 1, m = (i - H_LINEAR) % H_SUB + H_SUB;
    return ((double)m + 0.5) * (double)(1ULL << e);
}

/* the q-quantile in milliseconds; -1 when empty */
static double h_ms(const hist_t *h, double q)
{
    if (!h->n)
        return -1;
    uint64_t rank = (uint64_t)ceil(q * (double)h->n);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < H_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            double v = h_value(i);
            return (v > (double)h->max ? (double)h->max : v) / 1000.0;
        }
    }
    return (double)h->max / 1000.0;
}

/* ------------------------------------------------------- requests */

enum { Q_UNSENT, Q_WAITING, Q_BACKOFF, Q_OK, Q_REJECTED };

typedef struct {
    int64_t last_send_us; /* the attempt in flight (or last answered) */
    int64_t resend_us;    /* when in Q_BACKOFF */
    uint16_t attempts;
    uint8_t state;
    uint8_t ok_count;
    uint8_t last_retry; /* code of the last RETRY: 1 busy, 2 not committed, 3 other */
} req_t;

/* a min-heap of requests waiting to be resent, by resend time */
typedef struct {
    uint32_t *idx;
    size_t n, cap;
} heap_t;

static req_t *s_reqs;

static bool s_before(uint32_t a, uint32_t b)
{
    return s_reqs[a].resend_us < s_reqs[b].resend_us;
}

static void heap_push(heap_t *h, uint32_t v)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->idx = (uint32_t *)realloc(h->idx, h->cap * sizeof(uint32_t));
        assert(h->idx);
    }
    size_t i = h->n++;
    h->idx[i] = v;
    while (i > 0 && s_before(h->idx[i], h->idx[(i - 1) / 2])) {
        uint32_t t = h->idx[i];
        h->idx[i] = h->idx[(i - 1) / 2];
        h->idx[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static uint32_t heap_pop(heap_t *h)
{
    uint32_t top = h->idx[0];
    h->idx[0] = h->idx[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && s_before(h->idx[l], h->idx[m]))
            m = l;
        if (r < h->n && s_before(h->idx[r], h->idx[m]))
            m = r;
        if (m == i)
            break;
        uint32_t t = h->idx[i];
        h->idx[i] = h->idx[m];
        h->idx[m] = t;
        i = m;
    }
    return top;
}

/* ------------------------------------------------------- processes */

typedef struct {
    char name[32];
    int pid;
    bool tree;
    /* per pid of the tree at the window's start: its ticks then */
    int start_pid[512];
    uint64_t start_ticks[512];
    size_t n_start;
    uint64_t ticks; /* over the window */
    long peak_kb;   /* VmRSS (Pss summed for a tree) */
    long hwm_kb;    /* VmHWM at the end (the process itself) */
    bool gone;
} proc_t;

static proc_t s_procs[MAX_PROCS];
static size_t s_n_procs;

/* utime+stime and ppid of a pid; -1 if it is gone */
static int s_stat(int pid, uint64_t *ticks, int *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command may hold spaces */
    if (!p)
        return -1;
    /* after ')': state ppid pgrp session tty tpgid flags minflt cminflt
       majflt cmajflt utime stime */
    char state;
    int pp;
    unsigned long long ut, st;
    if (sscanf(p + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &pp,
               &ut, &st) != 4)
        return -1;
    *ticks = ut + st;
    if (ppid)
        *ppid = pp;
    return 0;
}

/* a "Key:   123 kB" line of a /proc file, in kB; -1 if absent */
static long s_kb(int pid, const char *file, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t klen = strlen(key);
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = atol(line + klen + 1);
            break;
        }
    fclose(f);
    return v;
}

/* the pids of a tree: the process and its children */
static size_t s_tree(int root, int *pids, size_t cap)
{
    size_t n = 0;
    pids[n++] = root;
    DIR *d = opendir("/proc");
    if (!d)
        return n;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        int pid = atoi(e->d_name);
        if (pid <= 0 || pid == root)
            continue;
        uint64_t t;
        int pp;
        if (s_stat(pid, &t, &pp) == 0 && pp == root)
            pids[n++] = pid;
    }
    closedir(d);
    return n;
}

/* start != 0: the window starts (ticks noted); else: memory sampled, and
   at the end (finish) the ticks since the start summed */
static void s_sample(bool start, bool finish)
{
    for (size_t k = 0; k < s_n_procs; k++) {
        proc_t *p = &s_procs[k];
        int pids[512];
        size_t n = p->tree ? s_tree(p->pid, pids, 512) : (pids[0] = p->pid, 1);
        long rss = 0;
        uint64_t ticks_sum = 0;
        if (start)
            p->n_start = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t t;
            if (s_stat(pids[i], &t, NULL) != 0) {
                if (i == 0)
                    p->gone = true;
                continue;
            }
            if (start) {
                p->start_pid[p->n_start] = pids[i];
                p->start_ticks[p->n_start++] = t;
            } else if (finish) {
                uint64_t t0 = 0; /* born in the window: all of it */
                for (size_t j = 0; j < p->n_start; j++)
                    if (p->start_pid[j] == pids[i])
                        t0 = p->start_ticks[j];
                ticks_sum += t >= t0 ? t - t0 : 0;
            }
            long kb = p->tree ? s_kb(pids[i], "smaps_rollup", "Pss")
                              : s_kb(pids[i], "status", "VmRSS");
            if (kb > 0)
                rss += kb;
        }
        if (rss > p->peak_kb)
            p->peak_kb = rss;
        if (finish) {
            p->ticks = ticks_sum;
            p->hwm_kb = s_kb(p->pid, "status", "VmHWM");
        }
    }
}

/* ------------------------------------------------------------ main */

typedef struct {
    const char *endpoint, *cert, *server_cert, *tag, *acked_path;
    const char *receiver, *category;
    int clients, drain_s;
    double rate, seconds;
} opts_t;

static void s_usage(void)
{
    fprintf(stderr,
            "usage: load --endpoint E --rate R --seconds S [--clients N] [--drain S] "
            "[--tag T]\n            [--acked FILE] [--receiver STAFF] [--category C] "
            "[--proc NAME=PID]... [--proc-tree NAME=PID]...\n");
    exit(64);
}

static int s_add_proc(const char *arg, bool tree)
{
    const char *eq = strchr(arg, '=');
    if (!eq || s_n_procs == MAX_PROCS || eq - arg >= 32 || atoi(eq + 1) <= 0)
        return -1;
    proc_t *p = &s_procs[s_n_procs++];
    snprintf(p->name, sizeof p->name, "%.*s", (int)(eq - arg), arg);
    p->pid = atoi(eq + 1);
    p->tree = tree;
    return 0;
}

static Shouwen__V1__Customer s_customer = SHOUWEN__V1__CUSTOMER__INIT;
static Shouwen__V1__InquirySubmit s_submit = SHOUWEN__V1__INQUIRY_SUBMIT__INIT;

/* sends request i (its attempt number already counted) on its connection */
static int s_send(void **socks, int n_socks, const char *tag, uint32_t i)
{
    char id[96], matter[128];
    snprintf(id, sizeof id, "%s-%u", tag, i);
    snprintf(matter, sizeof matter, "想预订下周的房间 (load %s, %u)", tag, i);
    return bench_submit_send(socks[i % (uint32_t)n_socks], id, matter, &s_submit);
}

int main(int argc, char **argv)
{
    opts_t o = {.cert = getenv("SHOUWEN_CERT"),
                .server_cert = getenv("SHOUWEN_SERVER_CERT"),
                .receiver = "fo-01",
                .category = "room_booking",
                .clients = 16,
                .drain_s = 30};
    char tag_buf[32];
    snprintf(tag_buf, sizeof tag_buf, "load%d", (int)getpid());
    o.tag = tag_buf;
    static const struct option longopts[] = {
        {"endpoint", 1, 0, 'e'},    {"cert", 1, 0, 'c'},
        {"server-cert", 1, 0, 's'}, {"clients", 1, 0, 'n'},
        {"rate", 1, 0, 'r'},        {"seconds", 1, 0, 'S'},
        {"drain", 1, 0, 'd'},       {"tag", 1, 0, 't'},
        {"acked", 1, 0, 'a'},       {"proc", 1, 0, 'p'},
        {"proc-tree", 1, 0, 'P'},   {"receiver", 1, 0, 'R'},
        {"category", 1, 0, 'g'},    {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'e':
            o.endpoint = optarg;
            break;
        case 'c':
            o.cert = optarg;
            break;
        case 's':
            o.server_cert = optarg;
            break;
        case 'n':
            o.clients = atoi(optarg);
            break;
        case 'r':
            o.rate = atof(optarg);
            break;
        case 'S':
            o.seconds = atof(optarg);
            break;
        case 'd':
            o.drain_s = atoi(optarg);
            break;
        case 't':
            o.tag = optarg;
            break;
        case 'a':
            o.acked_path = optarg;
            break;
        case 'R':
            o.receiver = optarg;
            break;
        case 'g':
            o.category = optarg;
            break;
        case 'p':
        case 'P':
            if (s_add_proc(optarg, ch == 'P') != 0) {
                fprintf(stderr, "load: --proc takes NAME=PID (at most %d)\n", MAX_PROCS);
                return 64;
            }
            break;
        default:
            s_usage();
        }
    }
    if (!o.endpoint || !o.cert || !o.server_cert || o.clients < 1 ||
        o.clients > MAX_CLIENTS || !(o.rate >= 1 && o.rate <= MAX_RATE) ||
        !(o.seconds >= 1 && o.seconds <= MAX_SECONDS) || o.drain_s < 1 ||
        o.drain_s > MAX_DRAIN || strlen(o.tag) > 40) {
        fprintf(stderr,
                "load: --endpoint, keys (SHOUWEN_CERT, SHOUWEN_SERVER_CERT), "
                "1-%d clients, rate 1-%d/s, 1-%d s, drain 1-%d s, a tag of at "
                "most 40 characters\n",
                MAX_CLIENTS, MAX_RATE, MAX_SECONDS, MAX_DRAIN);
        s_usage();
    }
    uint32_t total = (uint32_t)llround(o.rate * o.seconds);
    if (total < 1 || total > MAX_REQUESTS) {
        fprintf(stderr, "load: %u requests: at most %d a run\n", total, MAX_REQUESTS);
        return 64;
    }
    /* the overall bound, whatever happens below */
    alarm((unsigned)(o.seconds + o.drain_s + 60));

    zsys_init();
    zsys_set_logstream(NULL);
    zsys_set_linger(0);
    bench_submit_init(&s_customer, &s_submit, o.category, o.receiver);

    zsock_t *socks[MAX_CLIENTS];
    void *raw[MAX_CLIENTS];
    zmq_pollitem_t items[MAX_CLIENTS];
    for (int c = 0; c < o.clients; c++) {
        socks[c] = zsock_new(ZMQ_DEALER);
        if (!socks[c] || sw_curve_client(socks[c], o.cert, o.server_cert) != 0) {
            fprintf(stderr, "load: cannot set up connection %d (keys %s, %s)\n", c,
                    o.cert, o.server_cert);
            return 64;
        }
        zsock_set_sndhwm(socks[c], 0); /* the schedule, not the pipe, limits */
        zsock_set_rcvhwm(socks[c], 0);
        zsock_set_linger(socks[c], 0);
        if (zsock_connect(socks[c], "%s", o.endpoint) != 0) {
            fprintf(stderr, "load: cannot connect to %s\n", o.endpoint);
            return 64;
        }
        raw[c] = zsock_resolve(socks[c]);
        items[c] = (zmq_pollitem_t){.socket = raw[c], .events = ZMQ_POLLIN};
    }

    /* every connection's first request: a stats query, answered at once
       once the CURVE handshake is done */
    {
        int answered = 0;
        bool got[MAX_CLIENTS] = {0};
        for (int c = 0; c < o.clients; c++) {
            char id[96];
            snprintf(id, sizeof id, "%s-hello-%d", o.tag, c);
            Shouwen__V1__StatsQuery q = SHOUWEN__V1__STATS_QUERY__INIT;
            Shouwen__V1__BranchRequest req = SHOUWEN__V1__BRANCH_REQUEST__INIT;
            req.request_id = id;
            req.branch_id = "";
            req.body_case = SHOUWEN__V1__BRANCH_REQUEST__BODY_STATS;
            req.stats = &q;
            zframe_t *f = sw_pack_frame(&req.base);
            zsock_set_sndtimeo(socks[c], 10000);
            if (zframe_send(&f, socks[c], 0) != 0)
                zframe_destroy(&f);
        }
        int64_t give_up = s_now_us() + 10000000;
        while (answered < o.clients && s_now_us() < give_up) {
            if (zmq_poll(items, o.clients, 200) <= 0)
                continue;
            for (int c = 0; c < o.clients; c++) {
                if (!(items[c].revents & ZMQ_POLLIN))
                    continue;
                zframe_t *f = zframe_recv_nowait(socks[c]);
                if (f && !got[c]) {
                    got[c] = true;
                    answered++;
                }
                zframe_destroy(&f);
            }
        }
        if (answered < o.clients) {
            fprintf(stderr, "load: %d of %d connections answered their first request\n",
                    answered, o.clients);
            return 2;
        }
    }

    s_reqs = (req_t *)calloc(total, sizeof(req_t));
    hist_t *h_ack = (hist_t *)calloc(1, sizeof(hist_t));
    hist_t *h_accepted = (hist_t *)calloc(1, sizeof(hist_t));
    hist_t *h_busy = (hist_t *)calloc(1, sizeof(hist_t));
    hist_t *h_first = (hist_t *)calloc(1, sizeof(hist_t)); /* OK at the first attempt */
    heap_t heap = {0};
    assert(s_reqs && h_ack && h_accepted && h_busy && h_first);
    uint64_t n_sent = 0, n_resent = 0, n_send_fail = 0, n_ok = 0, n_dup_ok = 0,
             n_rejected = 0, n_busy = 0, n_not_committed = 0, n_retry_other = 0,
             n_stray = 0, n_undecodable = 0;
    char first_reject[200] = "";
    int64_t max_lag_us = 0, last_ok_us = 0;

    int64_t t0 = s_now_us() + 100000;
    double interval_us = 1e6 / o.rate;
    int64_t send_end = t0 + (int64_t)(o.seconds * 1e6);
    int64_t end = send_end + (int64_t)o.drain_s * 1000000;
    /* a resend later than this might not be answered before the end
       (intake answers a wait within ack_timeout_ms, 3 s by default) */
    int64_t resend_cutoff = end - 4000000;
    uint32_t next = 0;
    uint64_t waiting = 0;
    int64_t next_sample = t0 + SAMPLE_US;
    bool cpu_done = false;
    size_t tag_len = strlen(o.tag);

    while (s_now_us() < t0)
        zclock_sleep(1);
    s_sample(true, false);
    for (;;) {
        int64_t now = s_now_us();
        /* the schedule */
        while (next < total) {
            int64_t due = t0 + (int64_t)((double)next * interval_us);
            if (due > now)
                break;
            if (now - due > max_lag_us)
                max_lag_us = now - due;
            req_t *r = &s_reqs[next];
            r->attempts = 1;
            r->last_send_us = now;
            if (s_send(raw, o.clients, o.tag, next) == 0) {
                r->state = Q_WAITING;
                waiting++;
                n_sent++;
            } else { /* cannot happen without a HWM; counted, resent */
                n_send_fail++;
                r->state = Q_BACKOFF;
                r->resend_us = now + 10000;
                heap_push(&heap, next);
            }
            next++;
        }
        /* resends due */
        while (heap.n && s_reqs[heap.idx[0]].resend_us <= now) {
            if (now > resend_cutoff)
                break; /* left in Q_BACKOFF: refused */
            uint32_t i = heap_pop(&heap);
            req_t *r = &s_reqs[i];
            r->attempts++;
            r->last_send_us = now;
            if (s_send(raw, o.clients, o.tag, i) == 0) {
                r->state = Q_WAITING;
                waiting++;
                n_resent++;
            } else {
                n_send_fail++;
                r->resend_us = now + 10000;
                heap_push(&heap, i);
            }
        }
        if (!cpu_done && now >= send_end) {
            s_sample(false, true);
            cpu_done = true;
        } else if (!cpu_done && now >= next_sample) {
            s_sample(false, false);
            next_sample += SAMPLE_US;
        }
        if (next >= total && waiting == 0 && heap.n == 0 && cpu_done)
            break;
        if (now >= end)
            break;
        if (next >= total && waiting == 0 && (heap.n == 0 || now > resend_cutoff) &&
            cpu_done)
            break;
        /* wait for answers until the next thing to do */
        int64_t wake = end;
        if (next < total)
            wake = t0 + (int64_t)((double)next * interval_us);
        if (heap.n && s_reqs[heap.idx[0]].resend_us < wake)
            wake = s_reqs[heap.idx[0]].resend_us;
        if (!cpu_done && next_sample < wake)
            wake = next_sample;
        if (!cpu_done && send_end < wake)
            wake = send_end;
        long timeout_ms = wake > now ? (long)((wake - now + 999) / 1000) : 0;
        if (timeout_ms > 100)
            timeout_ms = 100;
        if (zmq_poll(items, o.clients, timeout_ms) <= 0)
            continue;
        now = s_now_us();
        for (int c = 0; c < o.clients; c++) {
            if (!(items[c].revents & ZMQ_POLLIN))
                continue;
            for (int k = 0; k < 1024; k++) {
                zmq_msg_t m;
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, raw[c], ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&m);
                    break;
                }
                Shouwen__V1__BranchReply *rep = shouwen__v1__branch_reply__unpack(
                    NULL, zmq_msg_size(&m), (const uint8_t *)zmq_msg_data(&m));
                zmq_msg_close(&m);
                if (!rep) {
                    n_undecodable++;
                    continue;
                }
                const char *rid = rep->request_id;
                char *endp = NULL;
                unsigned long i = ULONG_MAX;
                if (strncmp(rid, o.tag, tag_len) == 0 && rid[tag_len] == '-')
                    i = strtoul(rid + tag_len + 1, &endp, 10);
                if (i >= total || !endp || *endp) {
                    n_stray++; /* a late hello, or not ours */
                    shouwen__v1__branch_reply__free_unpacked(rep, NULL);
                    continue;
                }
                req_t *r = &s_reqs[i];
                if (rep->status == SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK) {
                    if (r->ok_count < 255)
                        r->ok_count++;
                    if (r->state == Q_OK) {
                        n_dup_ok++;
                    } else if (r->state == Q_WAITING) {
                        int64_t due = t0 + (int64_t)((double)i * interval_us);
                        h_add(h_ack, now - due);
                        h_add(h_accepted, now - r->last_send_us);
                        if (r->attempts == 1)
                            h_add(h_first, now - due);
                        r->state = Q_OK;
                        waiting--;
                        n_ok++;
                        last_ok_us = now;
                    } else
                        n_stray++;
                } else if (r->state != Q_WAITING) {
                    n_stray++;
                } else if (rep->status ==
                           SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_REJECTED) {
                    r->state = Q_REJECTED;
                    waiting--;
                    n_rejected++;
                    if (!*first_reject)
                        snprintf(first_reject, sizeof first_reject, "%s: %s", rep->code,
                                 rep->message);
                } else { /* RETRY, or anything else: resent */
                    bool busy = streq(rep->code, "HUB_BUSY");
                    if (busy) {
                        n_busy++;
                        h_add(h_busy, now - r->last_send_us);
                        r->last_retry = 1;
                    } else if (streq(rep->code, "NOT_COMMITTED")) {
                        n_not_committed++;
                        r->last_retry = 2;
                    } else {
                        n_retry_other++;
                        r->last_retry = 3;
                    }
                    waiting--;
                    r->state = Q_BACKOFF;
                    if (r->attempts < MAX_ATTEMPTS) {
                        int64_t backoff = 100000;
                        for (int a = 1; a < r->attempts && backoff < 1000000; a++)
                            backoff *= 2;
                        r->resend_us = now + (backoff > 1000000 ? 1000000 : backoff);
                        heap_push(&heap, (uint32_t)i);
                    }
                }
                shouwen__v1__branch_reply__free_unpacked(rep, NULL);
            }
        }
    }
    int64_t finished = s_now_us();
    if (!cpu_done)
        s_sample(false, true);

    /* every request id in exactly one state */
    uint64_t st_ok = 0, st_rej = 0, st_refused = 0, st_refused_busy = 0,
             st_unanswered = 0, st_unsent = 0, ok_more_than_once = 0;
    FILE *acked = o.acked_path ? fopen(o.acked_path, "w") : NULL;
    for (uint32_t i = 0; i < total; i++) {
        req_t *r = &s_reqs[i];
        if (r->ok_count > 1)
            ok_more_than_once++;
        switch (r->state) {
        case Q_OK:
            st_ok++;
            if (acked)
                fprintf(acked, "%s-%u\n", o.tag, i);
            break;
        case Q_REJECTED:
            st_rej++;
            break;
        case Q_BACKOFF:
            st_refused++;
            st_refused_busy += r->last_retry == 1;
            break;
        case Q_WAITING:
            st_unanswered++;
            break;
        default:
            st_unsent++;
        }
    }
    if (acked)
        fclose(acked);

    double offered_s = o.seconds;
    double ack_window_s = last_ok_us > t0 ? (double)(last_ok_us - t0) / 1e6
                                          : offered_s; /* to the last OK */
    double acked_per_s =
        (double)st_ok / (ack_window_s > offered_s ? ack_window_s : offered_s);
    long tck = sysconf(_SC_CLK_TCK);
    printf("load %s: %u inquiries offered at %.0f/s for %.0f s over %d connections "
           "(sender's worst lag %.1f ms)\n",
           o.tag, total, o.rate, o.seconds, o.clients, (double)max_lag_us / 1000.0);
    printf("  acknowledged %" PRIu64 " (%.1f/s, the last %.1f s after the first send), "
           "rejected %" PRIu64 ", refused %" PRIu64 " (last answer HUB_BUSY: %" PRIu64
           "), unanswered %" PRIu64 ", OK twice %" PRIu64 "\n",
           st_ok, acked_per_s, ack_window_s, st_rej, st_refused, st_refused_busy,
           st_unanswered, ok_more_than_once);
    printf("  answers: RETRY HUB_BUSY %" PRIu64 ", NOT_COMMITTED %" PRIu64
           ", other RETRY %" PRIu64 ", resends %" PRIu64 ", duplicate OK %" PRIu64
           ", stray %" PRIu64 "%s%s\n",
           n_busy, n_not_committed, n_retry_other, n_resent, n_dup_ok, n_stray,
           *first_reject ? ", first rejection: " : "", first_reject);
    printf("  ack latency (schedule -> OK) n=%" PRIu64
           " p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms\n",
           h_ack->n, h_ms(h_ack, .5), h_ms(h_ack, .99), h_ms(h_ack, .999),
           (double)h_ack->max / 1000.0);
    printf("  accepted attempt -> OK    n=%" PRIu64 " p50 %.1f p99 %.1f p99.9 %.1f ms\n",
           h_accepted->n, h_ms(h_accepted, .5), h_ms(h_accepted, .99),
           h_ms(h_accepted, .999));
    printf("  OK at the first attempt   n=%" PRIu64 " p50 %.1f p99 %.1f p99.9 %.1f ms\n",
           h_first->n, h_ms(h_first, .5), h_ms(h_first, .99), h_ms(h_first, .999));
    printf("  attempt -> HUB_BUSY       n=%" PRIu64 " p50 %.1f p99 %.1f max %.1f ms\n",
           h_busy->n, h_ms(h_busy, .5), h_ms(h_busy, .99), (double)h_busy->max / 1000.0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double self_cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("  CPU over the %.0f s offered (%% of one core), peak resident:", o.seconds);
    for (size_t k = 0; k < s_n_procs; k++)
        printf(" %s %.0f%% %.0f MB%s", s_procs[k].name,
               100.0 * (double)s_procs[k].ticks / (double)tck / o.seconds,
               (double)s_procs[k].peak_kb / 1024.0, s_procs[k].gone ? " (GONE)" : "");
    printf(" | this client %.0f%% (whole run)\n",
           100.0 * self_cpu / ((double)(finished - t0) / 1e6));

    printf("RESULT tag=%s offered=%.0f seconds=%.0f clients=%d total=%u sent=%" PRIu64
           " acked=%" PRIu64 " acked_per_s=%.1f ack_window_s=%.2f rejected=%" PRIu64
           " refused=%" PRIu64 " refused_busy=%" PRIu64 " unanswered=%" PRIu64
           " ok_twice=%" PRIu64 " busy=%" PRIu64 " not_committed=%" PRIu64
           " retry_other=%" PRIu64 " resends=%" PRIu64
           " p50=%.2f p99=%.2f p999=%.2f max=%.2f acc_p50=%.2f acc_p99=%.2f acc_p999=%.2f"
           " first_n=%" PRIu64 " first_p99=%.2f busy_p50=%.2f busy_p99=%.2f lag_ms=%.1f"
           " client_cpu=%.0f",
           o.tag, o.rate, o.seconds, o.clients, total, n_sent, st_ok, acked_per_s,
           ack_window_s, st_rej, st_refused, st_refused_busy, st_unanswered,
           ok_more_than_once, n_busy, n_not_committed, n_retry_other, n_resent,
           h_ms(h_ack, .5), h_ms(h_ack, .99), h_ms(h_ack, .999),
           (double)h_ack->max / 1000.0, h_ms(h_accepted, .5), h_ms(h_accepted, .99),
           h_ms(h_accepted, .999), h_first->n, h_ms(h_first, .99), h_ms(h_busy, .5),
           h_ms(h_busy, .99), (double)max_lag_us / 1000.0,
           100.0 * self_cpu / ((double)(finished - t0) / 1e6));
    for (size_t k = 0; k < s_n_procs; k++)
        printf(" cpu_%s=%.0f rss_%s=%.0f hwm_%s=%.0f", s_procs[k].name,
               100.0 * (double)s_procs[k].ticks / (double)tck / o.seconds,
               s_procs[k].name, (double)s_procs[k].peak_kb / 1024.0, s_procs[k].name,
               (double)(s_procs[k].hwm_kb > 0 ? s_procs[k].hwm_kb : 0) / 1024.0);
    printf("\n");
    fflush(stdout);

    for (int c = 0; c < o.clients; c++)
        zsock_destroy(&socks[c]);
    free(heap.idx);
    free(s_reqs);
    free(h_ack);
    free(h_accepted);
    free(h_busy);
    free(h_first);
    return st_unanswered ? 1 : 0;
}
