/* webhook.c: a signed JSON POST with libcurl (see eo_webhook.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "eonjena/eo_hmac.h"
#include "eonjena/eo_webhook.h"

static pthread_once_t s_curl_once = PTHREAD_ONCE_INIT;

/* curl_global_init is not thread-safe: run it once, before the first handle. */
static void s_curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The provider's answer body is not used: drop it. */
static size_t s_discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

int eo_webhook_post(const char *url, const char *secret, const char *idempotency_key,
                    const char *body, eo_time_t now, long timeout_ms, char *err, size_t errlen)
{
    char sig[EO_HMAC_SIG_MAX], line[320];
    if (eo_hmac_sign(secret, now, body, strlen(body), sig, sizeof sig)) return EO_EINVAL;
    pthread_once(&s_curl_once, s_curl_init);
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(err, errlen, "curl_easy_init failed");
        return EO_EIO;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(line, sizeof line, "%s: %s", EO_HMAC_HEADER, sig);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof line, "Idempotency-Key: %.250s", idempotency_key);
    headers = curl_slist_append(headers, line);
    headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* we run in a thread of an actor */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "eonjena/" EONJENA_VERSION);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(err, errlen, "%s", *curl_err ? curl_err : curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK && status >= 100 ? (int)status : EO_EIO;
}
