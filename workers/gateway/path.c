/* path.c: segments, query arguments, who asks (see path.h). */
#include <microhttpd.h>
#include <string.h>

#include "path.h"

static int s_hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

const char *eo_path_segment(const char *path, int n)
{
    static __thread char bufs[4][EO_SEGMENT_MAX + 1];
    static __thread int turn;
    char *out = bufs[turn++ & 3];
    out[0] = 0;
    const char *p = path;
    for (int i = 0; p && i <= n; i++) {
        if (*p != '/') return out;
        p++;
        size_t len = strcspn(p, "/");
        if (i < n) {
            p += len;
            continue;
        }
        size_t o = 0;
        for (size_t k = 0; k < len; k++) {
            if (o >= EO_SEGMENT_MAX) return out[0] = 0, out;
            int h, l;
            if (p[k] == '%' && k + 2 < len + 1 && (h = s_hex(p[k + 1])) >= 0 &&
                (l = s_hex(p[k + 2])) >= 0) {
                out[o++] = (char)(h * 16 + l);
                k += 2;
            } else
                out[o++] = p[k];
        }
        out[o] = 0;
        if (memchr(out, 0, o)) out[0] = 0;
    }
    return out;
}

typedef struct {
    const char *const *allowed;
    eo_problems_t *p;
    char seen[512];
} s_args_t;

static enum MHD_Result s_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                             const char *value)
{
    (void)kind, (void)value;
    s_args_t *a = cls;
    bool known = false;
    for (const char *const *k = a->allowed; *k && !known; k++)
        known = streq(*k, key);
    if (!known)
        eo_problems_add(a->p, "unknown_field", key, "알 수 없는 조회 조건입니다",
                        "unknown query argument", key);
    else {
        char mark[80];
        snprintf(mark, sizeof mark, "|%s|", key);
        if (strstr(a->seen, mark))
            eo_problems_add(a->p, "bad_field", key, "같은 조회 조건이 두 번 있습니다",
                            "a query argument is given twice", key);
        else if (strlen(a->seen) + strlen(mark) < sizeof a->seen)
            strcat(a->seen, mark);
    }
    return MHD_YES;
}

void eo_query_args_check(const eo_http_request_t *req, const char *const *allowed,
                         eo_problems_t *p)
{
    s_args_t a = {allowed, p, ""};
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, s_arg, &a);
}

void eo_view_who(const eo_http_request_t *req, char *out, size_t size)
{
    snprintf(out, size, "%s:%s", eo_role_name(req->who.role), req->who.id);
}

void eo_path_test(bool verbose)
{
    if (verbose) printf(" * eo_path: ");
    assert(streq(eo_path_segment("/v1/requests/suwon-1/cancel", 2), "suwon-1"));
    assert(streq(eo_path_segment("/v1/requests/suwon-1/cancel", 3), "cancel"));
    assert(streq(eo_path_segment("/v1/requests/suwon-1/cancel", 4), ""));
    assert(streq(eo_path_segment("/v1/offers/suwon-1%3A12/accept", 2), "suwon-1:12"));
    assert(streq(eo_path_segment("/v1/members/a%00b", 2), ""));
    const char *a = eo_path_segment("/a/b", 0), *b = eo_path_segment("/a/b", 1);
    assert(streq(a, "a") && streq(b, "b"));
    if (verbose) printf("OK\n");
}
