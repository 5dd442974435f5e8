/*  notify_listen: stands in for systemd's notification socket in tests.

        notify_listen SOCKET SECONDS [UNTIL]

    Binds a unix datagram socket at SOCKET (what NOTIFY_SOCKET names) and
    prints every assignment a daemon sends with sd_notify as one line,
    "PID KEY=VALUE", PID being the sender's process id as the kernel
    vouches for it (SCM_CREDENTIALS, as systemd checks NotifyAccess=main).
    Lines are flushed at once, so a test can follow them in a file.
    Exits 0 when a datagram holding the assignment UNTIL arrived (for
    example STOPPING=1), or after SECONDS when no UNTIL was given; exits 1
    when SECONDS pass without UNTIL, 2 on a usage or socket error. */
#define _GNU_SOURCE /* struct ucred, SCM_CREDENTIALS */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_DATAGRAM 4096

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_bind(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "notify_listen: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
        perror("notify_listen: socket");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("notify_listen: bind");
        close(fd);
        return -1;
    }
    return fd;
}

/* Receives one datagram into text (NUL-terminated); the sender's pid in
 *pid (0 when the kernel sent no credentials).  Length or -1. */
static ssize_t s_receive(int fd, char *text, size_t size, long *pid)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = {.iov_base = text, .iov_len = size - 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0)
        return -1;
    text[n] = '\0';
    *pid = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            *pid = (long)cred.pid;
        }
    return n;
}

/* Prints each newline-separated assignment; true if one equals until. */
static bool s_print(const char *text, long pid, const char *until)
{
    bool found = false;
    const char *line = text;
    while (*line) {
        size_t len = strcspn(line, "\n");
        if (len > 0) {
            printf("%ld %.*s\n", pid, (int)len, line);
            if (until && strlen(until) == len && strncmp(line, until, len) == 0)
                found = true;
        }
        line += len;
        if (*line == '\n')
            line++;
    }
    fflush(stdout);
    return found;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: notify_listen SOCKET SECONDS [UNTIL]\n");
        return 2;
    }
    const char *path = argv[1];
    double seconds = atof(argv[2]);
    const char *until = argc == 4 ? argv[3] : NULL;
    if (seconds <= 0 || seconds > 3600) {
        fprintf(stderr, "notify_listen: SECONDS must be in (0, 3600]\n");
        return 2;
    }
    int fd = s_bind(path);
    if (fd < 0)
        return 2;
    int rc = until ? 1 : 0;
    double deadline = s_now() + seconds;
    for (double left = seconds; left > 0; left = deadline - s_now()) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, (int)(left * 1000) + 1);
        if (ready < 0 && errno != EINTR) {
            perror("notify_listen: poll");
            rc = 2;
            break;
        }
        if (ready <= 0)
            continue;
        char text[S_MAX_DATAGRAM];
        long pid;
        if (s_receive(fd, text, sizeof text, &pid) < 0)
            continue;
        if (s_print(text, pid, until)) {
            rc = 0;
            break;
        }
    }
    close(fd);
    unlink(path);
    return rc;
}
