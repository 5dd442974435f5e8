/*  test_sw_log: the line format on a terminal and under journald.
    stderr is pointed at a pipe for each case and read back. */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw_log.h"
#include "sw_test.h"

/* A pipe standing in for stderr. */
typedef struct {
    int fds[2];      /* read end, write end */
    int saved;       /* the real stderr */
    char text[8192]; /* what was written, NUL-terminated */
} capture_t;

static void s_capture_start(capture_t *cap)
{
    if (pipe(cap->fds) < 0)
        abort();
    fflush(stderr);
    cap->saved = dup(STDERR_FILENO);
    dup2(cap->fds[1], STDERR_FILENO);
}

/* "<dev>:<ino>" of the pipe, as systemd would set for its stream. */
static void s_capture_journal_env(capture_t *cap)
{
    struct stat st;
    if (fstat(cap->fds[1], &st) < 0)
        abort();
    char value[64];
    snprintf(value, sizeof value, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", value, 1);
}

static void s_capture_end(capture_t *cap)
{
    dup2(cap->saved, STDERR_FILENO);
    close(cap->saved);
    close(cap->fds[1]);
    size_t len = 0;
    ssize_t n;
    while (len < sizeof cap->text - 1 &&
           (n = read(cap->fds[0], cap->text + len, sizeof cap->text - 1 - len)) > 0)
        len += (size_t)n;
    cap->text[len] = '\0';
    close(cap->fds[0]);
}

/* "HH:MM:SS.mmm " at p. */
static bool s_has_clock(const char *p)
{
    const char *shape = "dd:dd:dd.ddd ";
    for (int i = 0; shape[i]; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)p[i]) : p[i] != shape[i])
            return false;
    }
    return true;
}

static void test_terminal(void)
{
    capture_t cap;
    unsetenv("JOURNAL_STREAM");
    s_capture_start(&cap);
    sw_log_init("intake", LOG_INFO);
    sw_info("case %s opened", "SW-0000-0000-0001");
    sw_error("bad %d", 7);
    sw_debug("not shown at LOG_INFO");
    s_capture_end(&cap);

    char *second = strchr(cap.text, '\n');
    CHECK(second != NULL);
    CHECK(s_has_clock(cap.text));
    CHECK(strncmp(cap.text + 13, "INFO intake: case SW-0000-0000-0001 opened\n", 43) ==
          0);
    if (second) {
        CHECK(s_has_clock(second + 1));
        CHECK_STR(second + 1 + 13, "ERROR intake: bad 7\n");
    }
}

static void test_journal(void)
{
    capture_t cap;
    s_capture_start(&cap);
    s_capture_journal_env(&cap);
    sw_log_init("intake", LOG_DEBUG);
    sw_info("ready");
    sw_warn("slow %s", "peer");
    sw_debug("detail");
    sw_log(LOG_CRIT, "crit");
    s_capture_end(&cap);
    CHECK_STR(cap.text, "<6>ready\n<4>slow peer\n<7>detail\n<2>crit\n");
}

/* Inherited from another stream (a shell under a user session): no prefix. */
static void test_journal_elsewhere(void)
{
    capture_t cap;
    setenv("JOURNAL_STREAM", "1:2", 1);
    s_capture_start(&cap);
    sw_log_init("sla", LOG_INFO);
    sw_info("x");
    s_capture_end(&cap);
    CHECK(s_has_clock(cap.text));
    CHECK_STR(cap.text + 13, "INFO sla: x\n");
    unsetenv("JOURNAL_STREAM");
}

static void test_one_line(void)
{
    capture_t cap;
    s_capture_start(&cap);
    s_capture_journal_env(&cap);
    sw_log_init("router", LOG_INFO);
    errno = EAGAIN;
    sw_info("text from a branch:\nsecond line\r\tend");
    CHECK_EQ(errno, EAGAIN); /* logging leaves errno alone */
    char big[3001];
    memset(big, 'x', 3000);
    big[3000] = '\0';
    sw_warn("%s|", big);
    s_capture_end(&cap);

    const char *first = "<6>text from a branch: second line  end\n";
    CHECK(strncmp(cap.text, first, strlen(first)) == 0);
    const char *rest = cap.text + strlen(first);
    CHECK_EQ(strlen(rest), 3 + 3000 + 2);
    CHECK(strncmp(rest, "<4>xxx", 6) == 0);
    CHECK(strcmp(rest + 3 + 3000, "|\n") == 0);
    unsetenv("JOURNAL_STREAM");
}

int main(void)
{
    test_terminal();
    test_journal();
    test_journal_elsewhere();
    test_one_line();
    sw_log_init("test_sw_log", LOG_INFO);
    SW_TEST_DONE();
}
