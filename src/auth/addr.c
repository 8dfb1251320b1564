/* addr.c: address allowlists (eo_addr.h). */
#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_addr.h"

/* One address in binary: family and 16 bytes (IPv4 in the first 4). */
typedef struct {
    int family;
    uint8_t bytes[16];
} s_addr_t;

static bool s_parse(const char *text, s_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, out->bytes) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, text, out->bytes) == 1)
        out->family = AF_INET6;
    return out->family != 0;
}

/* Parse one entry "addr" or "addr/bits" (copied out of the list, trimmed). */
static bool s_entry(const char *entry, s_addr_t *net, int *bits)
{
    char text[64];
    const char *slash = strchr(entry, '/');
    size_t n = slash ? (size_t)(slash - entry) : strlen(entry);
    if (n == 0 || n >= sizeof text) return false;
    memcpy(text, entry, n);
    text[n] = '\0';
    if (!s_parse(text, net)) return false;
    int max = net->family == AF_INET ? 32 : 128;
    *bits = max;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || b < 0 || b > max) return false;
        *bits = (int)b;
    }
    return true;
}

static bool s_match(const s_addr_t *net, int bits, const s_addr_t *ip)
{
    if (net->family != ip->family) return false;
    int full = bits / 8, rest = bits % 8;
    if (memcmp(net->bytes, ip->bytes, (size_t)full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (net->bytes[full] & mask) == (ip->bytes[full] & mask);
}

/* Call fn on each trimmed entry of list until it returns false; false then. */
static bool s_each(const char *list, bool (*fn)(const char *entry, void *arg), void *arg)
{
    const char *p = list;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ",");
        while (n > 0 && p[n - 1] == ' ')
            n--;
        char entry[80];
        if (n >= sizeof entry) return fn("", arg);
        memcpy(entry, p, n);
        entry[n] = '\0';
        if (!fn(entry, arg)) return false;
        p += n;
        while (*p == ' ')
            p++;
    }
    return true;
}

typedef struct {
    char *err;
    size_t errlen;
} s_valid_t;

static bool s_valid_one(const char *entry, void *arg)
{
    s_valid_t *v = arg;
    s_addr_t net;
    int bits;
    if (s_entry(entry, &net, &bits)) return true;
    snprintf(v->err, v->errlen, "'%s' is not an IP address or CIDR block", entry);
    return false;
}

bool eo_addr_list_valid(const char *list, char *err, size_t errlen)
{
    s_valid_t v = {err, errlen};
    return s_each(list ? list : "", s_valid_one, &v);
}

typedef struct {
    s_addr_t ip;
    bool found;
} s_find_t;

static bool s_find_one(const char *entry, void *arg)
{
    s_find_t *f = arg;
    s_addr_t net;
    int bits;
    if (s_entry(entry, &net, &bits) && s_match(&net, bits, &f->ip)) f->found = true;
    return !f->found;
}

bool eo_addr_in_list(const char *list, const char *ip)
{
    s_find_t f = {.found = false};
    if (!list || !ip || !s_parse(ip, &f.ip)) return false;
    s_each(list, s_find_one, &f);
    return f.found;
}

void eo_addr_test(bool verbose)
{
    if (verbose) printf(" * eo_addr: ");
    char err[128];
    const char *list = "127.0.0.1, ::1,10.20.0.0/16 ,192.168.1.128/25";
    assert(eo_addr_list_valid(list, err, sizeof err));
    assert(eo_addr_in_list(list, "127.0.0.1"));
    assert(!eo_addr_in_list(list, "127.0.0.2"));
    assert(eo_addr_in_list(list, "::1"));
    assert(eo_addr_in_list(list, "10.20.255.7"));
    assert(!eo_addr_in_list(list, "10.21.0.1"));
    assert(eo_addr_in_list(list, "192.168.1.200"));
    assert(!eo_addr_in_list(list, "192.168.1.127"));
    assert(!eo_addr_in_list(list, "not-an-ip"));
    assert(!eo_addr_in_list("", "127.0.0.1"));
    assert(eo_addr_in_list("0.0.0.0/0", "8.8.8.8") && !eo_addr_in_list("0.0.0.0/0", "::1"));
    assert(!eo_addr_list_valid("127.0.0.1,localhost", err, sizeof err));
    assert(strstr(err, "localhost"));
    assert(!eo_addr_list_valid("10.0.0.0/33", err, sizeof err));
    assert(eo_addr_list_valid("", err, sizeof err));
    if (verbose) printf("OK\n");
}
