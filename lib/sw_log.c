/*  sw_log: logging for journald.
    Each call builds the whole line in a buffer and hands it to stderr in
    one write, so lines from a daemon never interleave.  Under systemd the
    line is "<N>msg" (sd-daemon prefix, journald adds time and name); on a
    terminal it is "HH:MM:SS.mmm LEVEL ident: msg". */
#include "sw_log.h"
#include "sw_alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Process-wide logging state (the one mutable global the style allows). */
static struct {
    bool initialised; /* sw_log_init has run */
    char ident[64];   /* daemon name shown on a terminal */
    int max_priority; /* lines above this (less severe) are dropped */
    bool journal;     /* stderr is connected to journald */
} s_log = {false, "shouwen", LOG_INFO, false};

/* systemd sets JOURNAL_STREAM="<dev>:<inode>" of the stream it connected to
   stderr.  A child that inherits the variable but writes elsewhere (a shell
   started from a user session) must not use the prefix, so the pair is
   compared with stderr itself, as systemd.exec(5) recommends. */
static bool s_stderr_is_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    if (stream == NULL || *stream == '\0')
        return false;
    unsigned long long dev, ino;
    if (sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st;
    if (fstat(STDERR_FILENO, &st) < 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void sw_log_init(const char *ident, int max_priority)
{
    snprintf(s_log.ident, sizeof s_log.ident, "%s", ident ? ident : "shouwen");
    if (max_priority < LOG_EMERG)
        max_priority = LOG_EMERG;
    if (max_priority > LOG_DEBUG)
        max_priority = LOG_DEBUG;
    s_log.max_priority = max_priority;
    s_log.journal = s_stderr_is_journal();
    s_log.initialised = true;
}

static const char *s_level_name(int priority)
{
    static const char *names[] = {"EMERG", "ALERT",  "CRIT", "ERROR",
                                  "WARN",  "NOTICE", "INFO", "DEBUG"};
    return names[priority & 7];
}

/* Line prefix into buf; returns its length. */
static size_t s_prefix(char *buf, size_t size, int priority)
{
    int n;
    if (s_log.journal)
        n = snprintf(buf, size, "<%d>", priority);
    else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        n = snprintf(buf, size, "%02d:%02d:%02d.%03ld %s %s: ", tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, s_level_name(priority),
                     s_log.ident);
    }
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* Write all of buf to stderr, retrying on partial writes and EINTR. */
static void s_write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

void sw_log(int priority, const char *fmt, ...)
{
    int saved_errno = errno;
    if (!s_log.initialised)
        sw_log_init(NULL, LOG_INFO);
    priority &= 7;
    if (priority > s_log.max_priority) {
        errno = saved_errno;
        return;
    }
    char stack[1024];
    char *line = stack;
    size_t size = sizeof stack;
    size_t head = s_prefix(line, size, priority);

    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line + head, size - head, fmt, args);
    va_end(args);
    if (n < 0)
        n = 0;
    if (head + (size_t)n + 2 > size) {
        /* Long message: format again into a buffer that fits. */
        size = head + (size_t)n + 2;
        char *big = sw_malloc(size);
        memcpy(big, line, head);
        va_start(args, fmt);
        vsnprintf(big + head, (size_t)n + 1, fmt, args);
        va_end(args);
        line = big;
    }
    /* One call, one line: control characters inside the message (an
       embedded newline from a peer's text) become spaces. */
    size_t len = head + (size_t)n;
    for (size_t i = head; i < len; i++)
        if ((unsigned char)line[i] < 0x20)
            line[i] = ' ';
    line[len++] = '\n';
    s_write_all(line, len);
    if (line != stack)
        free(line);
    errno = saved_errno;
}
