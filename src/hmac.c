/* hmac.c: webhook signatures, HMAC-SHA256 over "<t>.<body>" (see eo_hmac.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_hmac.h"

#define S_MAC_LEN 32

/* mac = HMAC-SHA256(secret, "<t>.<body>"). 0 or an error value. */
static int s_mac(const char *secret, eo_time_t t, const void *body, size_t size,
                 unsigned char mac[S_MAC_LEN])
{
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "%" PRId64 ".", t);
    unsigned char *msg = malloc((size_t)n + size + 1);
    if (!msg) return EO_ENOMEM;
    memcpy(msg, prefix, (size_t)n);
    if (size) memcpy(msg + n, body, size);
    unsigned int len = 0;
    unsigned char *ok =
        HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, (size_t)n + size, mac, &len);
    free(msg);
    return ok && len == S_MAC_LEN ? EO_OK : EO_EINVAL;
}

int eo_hmac_sign(const char *secret, eo_time_t t, const void *body, size_t size, char *out,
                 size_t outlen)
{
    if (!secret || !*secret || outlen < EO_HMAC_SIG_MAX) return EO_EINVAL;
    unsigned char mac[S_MAC_LEN];
    int rc = s_mac(secret, t, body, size, mac);
    if (rc) return rc;
    int n = snprintf(out, outlen, "t=%" PRId64 ",v1=", t);
    for (int i = 0; i < S_MAC_LEN; i++)
        n += snprintf(out + n, outlen - (size_t)n, "%02x", mac[i]);
    return EO_OK;
}

static int s_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parse "t=<digits>,v1=<64 hex>" (the two parts in either order). 0 or -1. */
static int s_parse(const char *header, eo_time_t *t, unsigned char mac[S_MAC_LEN])
{
    bool have_t = false, have_v1 = false;
    const char *p = header;
    while (p && *p) {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 2 && strncmp(p, "t=", 2) == 0) {
            char *stop;
            long long v = strtoll(p + 2, &stop, 10);
            if (stop != p + len || v <= 0) return -1;
            *t = v;
            have_t = true;
        } else if (len == 3 + 2 * S_MAC_LEN && strncmp(p, "v1=", 3) == 0) {
            for (int i = 0; i < S_MAC_LEN; i++) {
                int hi = s_hex(p[3 + 2 * i]), lo = s_hex(p[4 + 2 * i]);
                if (hi < 0 || lo < 0) return -1;
                mac[i] = (unsigned char)(hi << 4 | lo);
            }
            have_v1 = true;
        }
        p = end ? end + 1 : NULL;
    }
    return have_t && have_v1 ? 0 : -1;
}

eo_hmac_result_t eo_hmac_verify(const char *secret, const char *header, const void *body,
                                size_t size, eo_time_t now, int tolerance_s)
{
    eo_time_t t = 0;
    unsigned char got[S_MAC_LEN], want[S_MAC_LEN];
    if (!secret || !*secret || !header || s_parse(header, &t, got)) return EO_HMAC_MALFORMED;
    if (s_mac(secret, t, body, size, want)) return EO_HMAC_MALFORMED;
    if (CRYPTO_memcmp(got, want, S_MAC_LEN) != 0) return EO_HMAC_MISMATCH;
    eo_time_t skew = now > t ? now - t : t - now;
    return skew > tolerance_s ? EO_HMAC_STALE : EO_HMAC_VALID;
}

const char *eo_hmac_result_name(eo_hmac_result_t result)
{
    switch (result) {
    case EO_HMAC_VALID:
        return "valid";
    case EO_HMAC_MALFORMED:
        return "malformed";
    case EO_HMAC_MISMATCH:
        return "mismatch";
    case EO_HMAC_STALE:
        return "stale";
    }
    return "unknown";
}

void eo_hmac_test(bool verbose)
{
    if (verbose) printf(" * eo_hmac: ");
    const char *body = "{\"id\":\"h1\"}";
    char sig[EO_HMAC_SIG_MAX];
    assert(eo_hmac_sign("s3cret", 1763978400, body, strlen(body), sig, sizeof sig) == 0);
    assert(strncmp(sig, "t=1763978400,v1=", 16) == 0 && strlen(sig) == 16 + 64);
    assert(eo_hmac_verify("s3cret", sig, body, strlen(body), 1763978400, 300) == EO_HMAC_VALID);
    assert(eo_hmac_verify("other", sig, body, strlen(body), 1763978400, 300) ==
           EO_HMAC_MISMATCH);
    assert(eo_hmac_verify("s3cret", sig, "{\"id\":\"h2\"}", strlen(body), 1763978400, 300) ==
           EO_HMAC_MISMATCH);
    assert(eo_hmac_verify("s3cret", sig, body, strlen(body), 1763978400 + 301, 300) ==
           EO_HMAC_STALE);
    assert(eo_hmac_verify("s3cret", "t=1,v1=zz", body, strlen(body), 1, 300) ==
           EO_HMAC_MALFORMED);
    assert(eo_hmac_verify("s3cret", NULL, body, strlen(body), 1, 300) == EO_HMAC_MALFORMED);
    /* A forged timestamp with the old MAC is a mismatch, not a fresh request. */
    char forged[EO_HMAC_SIG_MAX];
    snprintf(forged, sizeof forged, "t=1763978999,%s", strchr(sig, ',') + 1);
    assert(eo_hmac_verify("s3cret", forged, body, strlen(body), 1763978999, 300) ==
           EO_HMAC_MISMATCH);
    assert(eo_hmac_sign("", 1, body, 1, sig, sizeof sig) == EO_EINVAL);
    if (verbose) printf("OK\n");
}
