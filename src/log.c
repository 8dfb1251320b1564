/* log.c: one log format for every executable (see eo_log.h), and the wrapped zsys_*
 * logging functions that feed it. */
#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>
#include <jansson.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_log.h"
#include "eonjena/eo_phone.h"
#include "eonjena/eo_time.h"

#define S_LINE_MAX 4096 /* a longer message is cut */
#define S_REQUEST_MAX 64

static atomic_int s_level = EO_LOG_INFO;
static atomic_int s_format = EO_LOG_TEXT;
static FILE *s_stream;    /* NULL until set: stderr */
static bool s_stream_set; /* set (possibly to NULL: silent) */
static pthread_once_t s_env_once = PTHREAD_ONCE_INIT;
static _Thread_local char s_request[S_REQUEST_MAX];

static const char *s_levels[] = {"error", "warn", "info", "debug"};

int eo_log_level_parse(const char *text, eo_log_level_t *out)
{
    for (int i = 0; text && i < 4; i++)
        if (streq(text, s_levels[i])) {
            *out = (eo_log_level_t)i;
            return EO_OK;
        }
    if (text && streq(text, "warning")) {
        *out = EO_LOG_WARN;
        return EO_OK;
    }
    return EO_EINVAL;
}

const char *eo_log_level_name(eo_log_level_t level)
{
    return level >= EO_LOG_ERROR && level <= EO_LOG_DEBUG ? s_levels[level] : "info";
}

int eo_log_format_parse(const char *text, eo_log_format_t *out)
{
    if (text && (streq(text, "text") || streq(text, "json"))) {
        *out = streq(text, "json") ? EO_LOG_JSON : EO_LOG_TEXT;
        return EO_OK;
    }
    return EO_EINVAL;
}

/* Commands that read no configuration still follow the two variables (the same names
 * the configuration's naming rule gives log/level and log/format). */
static void s_from_env(void)
{
    eo_log_level_t level;
    eo_log_format_t format;
    if (eo_log_level_parse(getenv("EONJENA_LOG_LEVEL"), &level) == EO_OK)
        atomic_store(&s_level, level);
    if (eo_log_format_parse(getenv("EONJENA_LOG_FORMAT"), &format) == EO_OK)
        atomic_store(&s_format, format);
}

void eo_log_set_level(eo_log_level_t level)
{
    pthread_once(&s_env_once, s_from_env);
    atomic_store(&s_level, level);
}

eo_log_level_t eo_log_get_level(void)
{
    pthread_once(&s_env_once, s_from_env);
    return (eo_log_level_t)atomic_load(&s_level);
}

void eo_log_set_format(eo_log_format_t format)
{
    pthread_once(&s_env_once, s_from_env);
    atomic_store(&s_format, format);
}

void eo_log_set_stream(FILE *stream)
{
    s_stream = stream;
    s_stream_set = true;
}

void eo_log_request_set(const char *id)
{
    /* a message id "<request>:<carer>:<kind>" names its request (request ids have no ':') */
    size_t n = id ? strcspn(id, ":") : 0;
    snprintf(s_request, sizeof s_request, "%.*s", (int)n, id ? id : "");
}

const char *eo_log_request(void)
{
    return s_request;
}

/* --- phones ------------------------------------------------------------------------ */

/* The length of a phone-like token at p: digits with '-' '.' between them, an optional
 * leading '+', and after a "+CC" group one space. 0 if there is none. */
static size_t s_phone_token(const char *p, size_t *digits)
{
    size_t i = 0, n = 0;
    if (p[0] == '+') i++;
    while (p[i]) {
        if (isdigit((unsigned char)p[i])) {
            n++, i++;
            continue;
        }
        bool sep = p[i] == '-' || p[i] == '.' || (p[i] == ' ' && p[0] == '+' && n <= 3);
        if (sep && isdigit((unsigned char)p[i + 1]) && n > 0) {
            i++;
            continue;
        }
        break;
    }
    *digits = n;
    return n ? i : 0;
}

char *eo_log_scrub(const char *text, char *out, size_t size)
{
    assert(size > 0);
    size_t o = 0;
    const char *p = text;
    while (*p && o + 1 < size) {
        bool start = (*p == '+' || isdigit((unsigned char)*p)) &&
                     (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'));
        size_t digits = 0, len = start ? s_phone_token(p, &digits) : 0;
        if (len && digits >= 9 && digits <= 15 && !isalnum((unsigned char)p[len]) &&
            p[len] != '_') {
            char token[40], e164[EO_PHONE_MAX], masked[EO_PHONE_MASK_MAX];
            snprintf(token, sizeof token, "%.*s", (int)len, p);
            bool plus_e164 = false;
            if (token[0] == '+') { /* "+1 202-555-0100": digits only, then E.164 */
                char bare[40];
                size_t b = 0;
                for (const char *t = token; *t; t++)
                    if (*t == '+' || isdigit((unsigned char)*t)) bare[b++] = *t;
                bare[b] = 0;
                plus_e164 = eo_phone_valid(bare);
                if (plus_e164) snprintf(token, sizeof token, "%s", bare);
            }
            if (plus_e164 || eo_phone_normalise(token, e164, sizeof e164) == EO_OK) {
                eo_phone_mask(token, masked, sizeof masked);
                o += (size_t)snprintf(out + o, size - o, "%s", masked);
                if (o >= size) o = size - 1;
                p += len;
                continue;
            }
        }
        /* not a phone: copy the token (or the character) as it is */
        size_t n = len ? len : 1;
        while (n-- && *p && o + 1 < size)
            out[o++] = *p++;
    }
    out[o] = 0;
    return out;
}

/* --- lines ------------------------------------------------------------------------- */

/* "2026-11-27T19:00:00.437+09:00" */
static void s_timestamp(int64_t at_ms, char *buf, size_t size)
{
    eo_local_t l;
    eo_time_t t = (eo_time_t)(at_ms >= 0 ? at_ms / 1000 : (at_ms - 999) / 1000);
    eo_time_local(t, &l);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+09:00", l.year, l.month, l.day,
             l.hour, l.minute, l.second, (int)(at_ms - t * 1000));
}

size_t eo_log_line(char *buf, size_t size, eo_log_format_t format, int64_t at_ms,
                   eo_log_level_t level, const char *req, const char *msg)
{
    char ts[40], clean[S_LINE_MAX];
    s_timestamp(at_ms, ts, sizeof ts);
    eo_log_scrub(msg, clean, sizeof clean);
    bool has_req = req && *req;
    int n;
    if (format == EO_LOG_JSON) {
        json_t *o = json_pack("{s:s, s:s}", "ts", ts, "level", eo_log_level_name(level));
        if (o && has_req) json_object_set_new(o, "request_id", json_string(req));
        /* a message that is not UTF-8 is still logged, with its bad bytes replaced */
        json_t *m = o ? json_string(clean) : NULL;
        if (o && !m) {
            for (char *c = clean; *c; c++)
                if ((unsigned char)*c >= 0x80) *c = '?';
            m = json_string(clean);
        }
        if (m) json_object_set_new(o, "msg", m);
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        n = snprintf(buf, size, "%s\n", text ? text : "{}");
        free(text);
        json_decref(o);
    } else
        n = snprintf(buf, size, "%s %s%s%s %s\n", ts, eo_log_level_name(level),
                     has_req ? " req=" : "", has_req ? req : "", clean);
    if (n < 0) return 0;
    if ((size_t)n >= size) { /* cut: still one line */
        buf[size - 2] = '\n';
        return size - 1;
    }
    return (size_t)n;
}

void eo_log_v(eo_log_level_t level, const char *format, va_list args)
{
    pthread_once(&s_env_once, s_from_env);
    if ((int)level > atomic_load(&s_level)) return;
    FILE *out = s_stream_set ? s_stream : stderr;
    if (!out) return;
    char msg[S_LINE_MAX], line[S_LINE_MAX + 256];
    vsnprintf(msg, sizeof msg, format, args);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    size_t n = eo_log_line(line, sizeof line, (eo_log_format_t)atomic_load(&s_format), ms,
                           level, s_request, msg);
    fwrite(line, 1, n, out); /* one call: lines of threads never interleave */
    fflush(out);
}

void eo_log(eo_log_level_t level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    eo_log_v(level, format, args);
    va_end(args);
}

void eo_log_mhd(void *cls, const char *format, va_list args)
{
    char msg[S_LINE_MAX];
    vsnprintf(msg, sizeof msg, format, args);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0; /* its messages end with a newline; ours add one */
    eo_log(EO_LOG_WARN, "%s: http: %s", cls ? (const char *)cls : "http", msg);
}

/* --- czmq's logging, wrapped at link time (CMakeLists.txt) ---------------------------- */

void __wrap_zsys_error(const char *format, ...);
void __wrap_zsys_warning(const char *format, ...);
void __wrap_zsys_notice(const char *format, ...);
void __wrap_zsys_info(const char *format, ...);
void __wrap_zsys_debug(const char *format, ...);
void __wrap_zsys_set_logstream(FILE *stream);
void __real_zsys_set_logstream(FILE *stream);

#define S_WRAP(name, level)                                                                    \
    void __wrap_zsys_##name(const char *format, ...)                                           \
    {                                                                                          \
        va_list args;                                                                          \
        va_start(args, format);                                                                \
        eo_log_v(level, format, args);                                                         \
        va_end(args);                                                                          \
    }
S_WRAP(error, EO_LOG_ERROR)
S_WRAP(warning, EO_LOG_WARN)
S_WRAP(notice, EO_LOG_INFO)
S_WRAP(info, EO_LOG_INFO)
S_WRAP(debug, EO_LOG_DEBUG)

/* czmq's own lines (from inside libczmq) go where ours go */
void __wrap_zsys_set_logstream(FILE *stream)
{
    eo_log_set_stream(stream);
    __real_zsys_set_logstream(stream);
}

/* --- self-test --------------------------------------------------------------------- */

void eo_log_test(bool verbose)
{
    if (verbose) printf(" * eo_log: ");
    char out[256];
    /* phones in any usual writing are masked; ids, dates, times and counts are not */
    assert(
        streq(eo_log_scrub("from +821012345678.", out, sizeof out), "from +82 10-****-5678."));
    assert(streq(eo_log_scrub("to 010-1234-5678, ok", out, sizeof out),
                 "to +82 10-****-5678, ok"));
    assert(streq(eo_log_scrub("p=01012345678", out, sizeof out), "p=+82 10-****-5678"));
    assert(streq(eo_log_scrub("+82 10-1234-5678", out, sizeof out), "+82 10-****-5678"));
    assert(streq(eo_log_scrub("call +82215771234", out, sizeof out), "call ****1234"));
    assert(streq(eo_log_scrub("us +1 202-555-0100", out, sizeof out), "us ****0100"));
    const char *kept[] = {"2026-11-27T19:00:00+09:00", "id 1a21c729310a23a00000 wave 3",
                          "at_ms 1795773600437",       "suwon-3d999ecaf906963d1de1779f",
                          "dong 4111156000",           "+82 10-****-5678",
                          "v0.1.0 1.2.3.4:8080"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        assert(streq(eo_log_scrub(kept[i], out, sizeof out), kept[i]));
    assert(streq(eo_log_scrub("0101234567890123456", out, 8), "0101234"));

    /* 2026-11-27 10:00:00.437 UTC (1795773600437 ms) is 19:00:00.437 in Seoul */
    int64_t at = 1795773600437;
    char line[512];
    eo_log_line(line, sizeof line, EO_LOG_TEXT, at, EO_LOG_WARN, NULL, "x: y");
    assert(streq(line, "2026-11-27T19:00:00.437+09:00 warn x: y\n"));
    eo_log_line(line, sizeof line, EO_LOG_TEXT, at, EO_LOG_INFO, "r-1", "to 010-1234-5678");
    assert(streq(line, "2026-11-27T19:00:00.437+09:00 info req=r-1 to +82 10-****-5678\n"));
    eo_log_line(line, sizeof line, EO_LOG_JSON, at, EO_LOG_ERROR, "r-1", "a \"b\"\n");
    assert(streq(line, "{\"ts\":\"2026-11-27T19:00:00.437+09:00\",\"level\":\"error\","
                       "\"request_id\":\"r-1\",\"msg\":\"a \\\"b\\\"\\n\"}\n"));
    eo_log_line(line, sizeof line, EO_LOG_JSON, at, EO_LOG_DEBUG, "", "\xff");
    assert(streq(line, "{\"ts\":\"2026-11-27T19:00:00.437+09:00\",\"level\":\"debug\","
                       "\"msg\":\"?\"}\n"));
    /* a line too long for the buffer is cut, and still ends the line */
    assert(eo_log_line(line, 20, EO_LOG_TEXT, at, EO_LOG_INFO, NULL, "long") == 19);
    assert(line[18] == '\n');

    eo_log_level_t level;
    eo_log_format_t format;
    assert(eo_log_level_parse("debug", &level) == EO_OK && level == EO_LOG_DEBUG);
    assert(eo_log_level_parse("warning", &level) == EO_OK && level == EO_LOG_WARN);
    assert(eo_log_level_parse("verbose", &level) == EO_EINVAL);
    assert(eo_log_format_parse("json", &format) == EO_OK && format == EO_LOG_JSON);
    assert(eo_log_format_parse("xml", &format) == EO_EINVAL);

    /* the level filters, the request id is the thread's, zsys_* come here */
    char *mem = NULL;
    size_t memsize = 0;
    FILE *f = open_memstream(&mem, &memsize);
    assert(f);
    eo_log_level_t was = eo_log_get_level();
    eo_log_set_stream(f);
    eo_log_set_level(EO_LOG_INFO);
    zsys_debug("hidden");
    eo_log_request_set("case-7");
    zsys_info("shown %d", 1);
    eo_log_request_set("case-8:12:offer");
    zsys_warning("a message");
    eo_log_request_set(NULL);
    zsys_error("no request");
    fflush(f);
    assert(!strstr(mem, "hidden"));
    assert(strstr(mem, " info req=case-7 shown 1\n"));
    assert(strstr(mem, " warn req=case-8 a message\n"));
    assert(strstr(mem, " error no request\n"));
    eo_log_set_stream(stderr);
    eo_log_set_level(was);
    fclose(f);
    free(mem);
    if (verbose) printf("OK\n");
}
