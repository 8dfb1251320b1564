/* eo_sha256: SHA-256 of a buffer, for every hash the project takes (request ids and
 * digests, journal links, API keys, input records, SMS callback keys).
 *
 * OpenSSL 3's one-shot SHA256() looks the digest up in its provider store on every call:
 * half its cost for short inputs, and a lock that the gateway's HTTP threads all take.
 * This looks it up once per process. */
#ifndef EO_SHA256_H
#define EO_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EO_SHA256_LEN 32

/* out = SHA-256(data[0..size)). */
void eo_sha256(const void *data, size_t size, uint8_t out[EO_SHA256_LEN]);

void eo_sha256_test(bool verbose);

#endif
