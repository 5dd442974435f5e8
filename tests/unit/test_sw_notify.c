/*  test_sw_notify: what systemd would receive on NOTIFY_SOCKET.
    The test binds its own datagram socket and points NOTIFY_SOCKET at it. */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sw_log.h"
#include "sw_notify.h"
#include "sw_test.h"

/* Next datagram, or "" when none is waiting. */
static const char *s_recv(int fd, char *buf, size_t size)
{
    ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void s_break_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    ev_break(loop, EVBREAK_ALL);
}

static void test_messages(int fd)
{
    char buf[600];
    sw_notify_ready();
    CHECK_STR(s_recv(fd, buf, sizeof buf), "READY=1");
    sw_notify_reloading();
    CHECK_STR(s_recv(fd, buf, sizeof buf), "RELOADING=1");
    sw_notify_status("%d cases open, %s", 12, "PostgreSQL connected");
    CHECK_STR(s_recv(fd, buf, sizeof buf), "STATUS=12 cases open, PostgreSQL connected");
    sw_notify_stopping();
    CHECK_STR(s_recv(fd, buf, sizeof buf), "STOPPING=1");
    CHECK_STR(s_recv(fd, buf, sizeof buf), "");
}

static void test_watchdog(int fd, struct ev_loop *loop)
{
    char buf[64];
    /* No watchdog configured: a harmless object, nothing sent. */
    unsetenv("WATCHDOG_USEC");
    sw_watchdog_t *watchdog = sw_watchdog_new(loop);
    CHECK(watchdog != NULL);
    CHECK_STR(s_recv(fd, buf, sizeof buf), "");
    sw_watchdog_destroy(&watchdog);
    CHECK(watchdog == NULL);

    /* WatchdogSec=100ms: petted at once, then every 50 ms. */
    setenv("WATCHDOG_USEC", "100000", 1);
    watchdog = sw_watchdog_new(loop);
    CHECK(watchdog != NULL);
    /* The watchdog alone does not keep the loop running. */
    ev_run(loop, 0);
    ev_timer stop;
    ev_timer_init(&stop, s_break_cb, 0.32, 0);
    ev_timer_start(loop, &stop);
    ev_run(loop, 0);
    int pets = 0;
    while (strcmp(s_recv(fd, buf, sizeof buf), "WATCHDOG=1") == 0)
        pets++;
    CHECK_STR(buf, "");
    /* 1 at once + 6 in 320 ms; fewer when the machine is busy (libev does
       not catch up missed intervals), never more. */
    CHECK(pets >= 3 && pets <= 8);
    sw_watchdog_destroy(&watchdog);

    /* Destroyed: no more pets. */
    ev_timer_set(&stop, 0.12, 0);
    ev_timer_start(loop, &stop);
    ev_run(loop, 0);
    CHECK_STR(s_recv(fd, buf, sizeof buf), "");
    unsetenv("WATCHDOG_USEC");
}

int main(void)
{
    sw_log_init("test_sw_notify", LOG_WARNING);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "/tmp/test_sw_notify.%d",
             (int)getpid());
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    unlink(addr.sun_path);
    CHECK_EQ(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    setenv("NOTIFY_SOCKET", addr.sun_path, 1);
    unsetenv("WATCHDOG_PID");

    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    test_messages(fd);
    test_watchdog(fd, loop);
    ev_loop_destroy(loop);
    close(fd);
    unlink(addr.sun_path);
    SW_TEST_DONE();
}
