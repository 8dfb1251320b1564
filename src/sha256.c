/* sha256.c: SHA-256 with the digest looked up once (see eo_sha256.h). */
#include "eonjena/eo_sha256.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

static EVP_MD *s_md;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_fetch(void)
{
    s_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void eo_sha256(const void *data, size_t size, uint8_t out[EO_SHA256_LEN])
{
    pthread_once(&s_once, s_fetch);
    /* without the fetched digest (no default provider?) the one-shot call still hashes */
    if (!s_md || !EVP_Digest(data, size, out, NULL, s_md, NULL)) SHA256(data, size, out);
}

/* --- self-test -------------------------------------------------------------------- */

static void s_hex(const uint8_t *h, char *out)
{
    for (int i = 0; i < EO_SHA256_LEN; i++)
        sprintf(out + 2 * i, "%02x", h[i]);
}

/* Threads hash at once, as the gateway's do, while the digest is looked up. */
static void *s_hasher(void *arg)
{
    uint8_t h[EO_SHA256_LEN], want[EO_SHA256_LEN];
    for (size_t n = 0; n < 2000; n++) {
        eo_sha256(arg, n % 64, h);
        SHA256(arg, n % 64, want);
        if (memcmp(h, want, sizeof h)) return arg;
    }
    return NULL;
}

void eo_sha256_test(bool verbose)
{
    if (verbose) printf(" * eo_sha256: ");
    uint8_t h[EO_SHA256_LEN];
    char hex[2 * EO_SHA256_LEN + 1];
    /* FIPS 180-2's examples */
    eo_sha256("abc", 3, h);
    s_hex(h, hex);
    assert(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    eo_sha256("", 0, h);
    s_hex(h, hex);
    assert(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    /* a buffer larger than a block, the same as OpenSSL's one-shot call */
    static uint8_t big[10000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 1);
    uint8_t want[EO_SHA256_LEN];
    eo_sha256(big, sizeof big, h);
    SHA256(big, sizeof big, want);
    assert(!memcmp(h, want, sizeof h));
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert(pthread_create(&t[i], NULL, s_hasher, big) == 0);
    for (int i = 0; i < 4; i++) {
        void *bad = big;
        assert(pthread_join(t[i], &bad) == 0 && bad == NULL);
    }
    if (verbose) printf("OK\n");
}
