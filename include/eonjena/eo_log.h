/* eo_log: every line eonjena logs, in one format (docs/operations.md "Logs").
 *
 * The code logs with czmq's zsys_error / zsys_warning / zsys_notice / zsys_info /
 * zsys_debug as before; every executable is linked with those names wrapped
 * (`-Wl,--wrap`, CMakeLists.txt), so the lines come here instead of czmq's
 * "I: 26-11-27 10:00:00" format. A line is:
 *
 *   2026-11-27T19:00:00.437+09:00 info req=suwon-3d99... matcher: ...   (text, default)
 *   {"ts":"2026-11-27T19:00:00.437+09:00","level":"info","request_id":"suwon-3d99...",
 *    "msg":"matcher: ..."}                                                (json)
 *
 * The time is the wall clock in Asia/Seoul with its offset (never the service clock a
 * test sets: logs are for matching with other systems' logs). Levels: error, warn, info
 * (default), debug; zsys_notice is info. Every line goes to stderr (stdout is the
 * commands' own output: JSON lines, tables), or where zsys_set_logstream says (NULL:
 * nowhere; benchmarks use it). A thread that works on a request names it with
 * eo_log_request_set and every line it logs until it clears it carries the id.
 * Anything in a message that is a phone number is masked (eo_phone_mask): a call site
 * that forgets cannot leak one. Names, addresses and children are never put in a log
 * message in the first place (the call sites' rule).
 *
 * Level and format come from the configuration (log/level, log/format, and so from
 * EONJENA_LOG_LEVEL / EONJENA_LOG_FORMAT); a command that reads no configuration still
 * honours those two variables. Thread-safe: one write per line. */
#ifndef EO_LOG_H
#define EO_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    EO_LOG_ERROR = 0,
    EO_LOG_WARN = 1,
    EO_LOG_INFO = 2,
    EO_LOG_DEBUG = 3,
} eo_log_level_t;

typedef enum {
    EO_LOG_TEXT = 0,
    EO_LOG_JSON = 1,
} eo_log_format_t;

/* "error" "warn" "info" "debug" (and "warning"); 0 or EO_EINVAL. */
int eo_log_level_parse(const char *text, eo_log_level_t *out);
const char *eo_log_level_name(eo_log_level_t level);
/* "text" "json"; 0 or EO_EINVAL. */
int eo_log_format_parse(const char *text, eo_log_format_t *out);

/* Lines above this level are dropped. */
void eo_log_set_level(eo_log_level_t level);
eo_log_level_t eo_log_get_level(void);
void eo_log_set_format(eo_log_format_t format);
/* Where lines go (stderr by default; NULL: nowhere). */
void eo_log_set_stream(FILE *stream);

/* Log one line. */
void eo_log(eo_log_level_t level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void eo_log_v(eo_log_level_t level, const char *format, va_list args);

/* libmicrohttpd's error log (MHD_OPTION_EXTERNAL_LOGGER; cls: the server's name) as
 * warnings of this format, instead of its own lines on stderr. */
void eo_log_mhd(void *cls, const char *format, va_list args);

/* The request this thread works on (copied; NULL or "" clears it): named on every line
 * the thread logs until cleared. A message id "<request>:<carer>:<kind>" names its
 * request. */
void eo_log_request_set(const char *id);
const char *eo_log_request(void);

/* One line as it would be written (with its newline), for tests: at ms since the
 * epoch, with request id req (NULL: none). Phones in msg are masked. Returns the
 * length (truncated to size - 1). */
size_t eo_log_line(char *buf, size_t size, eo_log_format_t format, int64_t at_ms,
                   eo_log_level_t level, const char *req, const char *msg);

/* Copy text into out (size bytes, truncated) with every phone number in it masked: a
 * Korean mobile number in any usual writing, or '+' and 8 to 15 digits. Returns out. */
char *eo_log_scrub(const char *text, char *out, size_t size);

void eo_log_test(bool verbose);

#endif
