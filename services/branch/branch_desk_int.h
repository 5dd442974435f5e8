/*  branch_desk_int: what branch_desk.c (HTTP, waiting, streams) and
    branch_api.c (the JSON routes) share.  Not for other modules. */
#ifndef BRANCH_DESK_INT_H
#define BRANCH_DESK_INT_H

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>

#include "branch_desk.h"
#include "branch_store.h"
#include "branch_view.h"

typedef struct _desk_req_t desk_req_t;
/* Turns the hub's (or the branch's) answer into the page's: calls
   desk_finish, or desk_wait_settle and returns to wait for `settled`. */
typedef void(desk_convert_fn)(desk_req_t *r, const Shouwen__V1__BranchReply *reply);

struct _branch_desk_t {
    struct ev_loop *loop;
    branch_server_t *server;
    branch_store_t *store;
    sw_clock_t *clock;
    struct MHD_Daemon *mhd;
    ev_io io;           /* MHD's epoll descriptor */
    ev_timer timer;     /* MHD's timeout */
    ev_timer wait_tick; /* requests waiting for the hub */
    ev_timer keepalive; /* SSE comments */
    char address[64];
    uint16_t port;
    char root[1024];
    char tz[64];
    bool tls;
    zchunk_t *tls_cert, *tls_key;
    int64_t session_us;
    double wait_s;
    uint64_t next_ticket;
    zhashx_t *asking;   /* ticket -> desk_req_t waiting for an answer */
    zhashx_t *settling; /* request id -> desk_req_t waiting for the hub's word */
    zlistx_t *waiting;  /* suspended desk_req_t, for their deadlines */
    zlistx_t *streams;  /* desk_stream_t */
    zhashx_t *failures; /* staff id -> "count start_s" of failed sign-ins */
    bool stopping;
};

/* One HTTP request. */
struct _desk_req_t {
    branch_desk_t *desk;
    struct MHD_Connection *conn;
    char *body;
    size_t body_len;
    bool too_big;
    /* the signed-in person, once checked */
    char staff[65];
    char department[65];
    char csrf[BRANCH_TOKEN_LEN + 1];
    char set_cookie[256];
    /* waiting for the hub */
    uint64_t ticket;
    desk_convert_fn *convert;
    void (*on_timeout)(desk_req_t *r);
    double deadline;
    bool suspended;
    void *waiting_handle;
    char settle_key[72];
    char case_id[72]; /* of a case page */
    json_t *answer;
    unsigned answer_status;
};

/* An open Server-Sent Events stream of one signed-in person. */
typedef struct {
    branch_desk_t *desk;
    struct MHD_Connection *conn;
    void *handle; /* in desk->streams */
    char staff[65];
    char department[65];
    char *buf;
    size_t len, cap, off;
    bool suspended;
} desk_stream_t;

enum MHD_Result desk_json(desk_req_t *r, unsigned status, json_t *body);
enum MHD_Result desk_error(desk_req_t *r, unsigned status, const char *code,
                           const char *message);
/* Sends req through branch_server_ask; the answer goes to convert. */
enum MHD_Result desk_ask(desk_req_t *r, Shouwen__V1__BranchRequest *req,
                         desk_convert_fn *convert, double wait_s);
/* Another request for the same page (while it waits). */
void desk_reask(desk_req_t *r, Shouwen__V1__BranchRequest *req, desk_convert_fn *convert);
bool desk_wait_settle(desk_req_t *r, const char *request_id);
void desk_finish(desk_req_t *r, unsigned status, json_t *body);
void desk_finish_reply(desk_req_t *r, const Shouwen__V1__BranchReply *reply);

enum MHD_Result desk_stream_open(desk_req_t *r, desk_stream_t **out);
void desk_stream_send(desk_stream_t *s, const char *event, uint64_t id, json_t *data);

/* branch_api.c */
enum MHD_Result desk_api(desk_req_t *r, const char *method, const char *url);
void desk_push_notification(branch_desk_t *self, const Shouwen__V1__Notification *n);
void desk_push_settled(branch_desk_t *self, const Shouwen__V1__BranchReply *reply);

#endif
