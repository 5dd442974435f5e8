/*  sw_log: logging for journald.
    Lines go to stderr.  Under systemd (JOURNAL_STREAM set) each line starts
    with the sd-daemon priority prefix "<N>" so journald files it at the
    right level; on a terminal the line starts with the time and level name.
    Logging state is process-wide by nature (like czmq's zsys). */
#ifndef SW_LOG_H
#define SW_LOG_H

#include <syslog.h>

/* Set the daemon name and the lowest priority written (LOG_DEBUG..LOG_ERR). */
void sw_log_init(const char *ident, int max_priority);
void sw_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sw_error(...) sw_log(LOG_ERR, __VA_ARGS__)
#define sw_warn(...)  sw_log(LOG_WARNING, __VA_ARGS__)
#define sw_info(...)  sw_log(LOG_INFO, __VA_ARGS__)
#define sw_debug(...) sw_log(LOG_DEBUG, __VA_ARGS__)

#endif
