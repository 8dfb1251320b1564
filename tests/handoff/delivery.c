/* handoff.* delivery tests: business hours, holidays, retries with backoff, signatures.
 * Every delivery goes over real HTTP to the receiver on loopback; time is a manual clock
 * and eo_handoff_run() is called by the test, so nothing here sleeps.
 *   test_handoff_delivery weekend|holiday|retry|hmac */
#include <curl/curl.h>
#include <string.h>

#include "eonjena/eo_calendar.h"
#include "fixture.h"

static int s_wait_ms = 10000;

static size_t s_run(fixture_t *fx)
{
    size_t delivered = 0;
    assert(eo_handoff_run(fx->core, &delivered) == EO_OK);
    return delivered;
}

/* Settled Friday 21:00: nothing until Monday 09:00, then delivered. */
static void s_weekend(void)
{
    fixture_t fx;
    fx_start(&fx, "weekend", "2026-11-20T21:00", NULL);
    fx_accept(&fx, "case-fri-2100");
    assert(s_run(&fx) == 0 && receiver_requests(fx.receiver) == 0);
    assert(eo_handoff_next_due_ms(fx.core) == fx_time("2026-11-23T09:00") * 1000);
    fx_set(&fx, "2026-11-21T10:00"); /* Saturday */
    assert(s_run(&fx) == 0);
    fx_set(&fx, "2026-11-23T08:59");
    assert(s_run(&fx) == 0 && receiver_requests(fx.receiver) == 0 && fx_depth(&fx) == 1);
    fx_set(&fx, "2026-11-23T09:00");
    assert(s_run(&fx) == 1);
    assert(receiver_accepted(fx.receiver) == 1 && receiver_requests(fx.receiver) == 1);
    char key[64];
    assert(streq(receiver_key(fx.receiver, 0, key, sizeof key), "case-fri-2100"));
    assert(fx_depth(&fx) == 0);
    assert(eo_handoff_next_due_ms(fx.core) == INT64_MAX);
    bool delivered;
    eo_time_t at;
    assert(eo_handoff_queue_state(eo_handoff_queue(fx.core), "case-fri-2100", &delivered,
                                  &at) == 0 &&
           delivered && at == fx_time("2026-11-23T09:00"));
    char *metrics = eo_handoff_metrics(fx.core);
    assert(metrics && strstr(metrics, "\"p1\":{\"site\":\"guri\",\"mode\":\"webhook\","
                                      "\"depth\":0,\"oldest_age_s\":0"));
    free(metrics);
    fx_stop(&fx);
}

static bool s_is_holiday(void *ctx, int32_t key)
{
    return eo_calendar_is_holiday(ctx, key);
}

/* Monday a holiday (an ad-hoc 임시공휴일 in a temporary calendar file): Tuesday 09:00. */
static void s_holiday(void)
{
    fixture_t fx;
    fx_start(&fx, "holiday", "2026-11-20T21:00", NULL);
    char *path = zsys_sprintf("%s.holidays.tsv", fx.dir);
    FILE *f = fopen(path, "w");
    assert(f);
    fprintf(f, "# date\tkind\tfacility\tname\n2026-11-23\ttemporary\topen\t임시공휴일\n");
    assert(fclose(f) == 0);
    char err[256];
    eo_calendar_t *calendar = eo_calendar_load(path, err, sizeof err);
    if (!calendar) fprintf(stderr, "calendar: %s\n", err);
    assert(calendar && eo_calendar_is_holiday(calendar, 20261123));
    eo_handoff_set_holidays(fx.core, s_is_holiday, calendar);
    fx_accept(&fx, "case-holiday");
    assert(eo_handoff_next_due_ms(fx.core) == fx_time("2026-11-24T09:00") * 1000);
    fx_set(&fx, "2026-11-23T09:00");
    assert(s_run(&fx) == 0);
    fx_set(&fx, "2026-11-24T08:59");
    assert(s_run(&fx) == 0 && receiver_requests(fx.receiver) == 0);
    fx_set(&fx, "2026-11-24T09:00");
    assert(s_run(&fx) == 1 && receiver_accepted(fx.receiver) == 1 && fx_depth(&fx) == 0);
    fx_stop(&fx);
    eo_calendar_destroy(&calendar);
    remove(path);
    zstr_free(&path);
}

/* Three failures then success: backoff 30, 60, 120 s by the clock; the head blocks the
 * items behind it; the receiver gets each item once; the queue empties in order. */
static void s_retry(void)
{
    fixture_t fx;
    fx_start(&fx, "retry", "2026-11-23T10:00", NULL);
    fx_accept(&fx, "item-1");
    fx_accept(&fx, "item-2");
    fx_accept(&fx, "item-3");
    receiver_fail_next(fx.receiver, 3, 503);
    int64_t waits[] = {30000, 60000, 120000};
    for (int i = 0; i < 3; i++) {
        assert(s_run(&fx) == 0);
        assert(receiver_requests(fx.receiver) == (size_t)i + 1); /* only the head was tried */
        int64_t now = eo_clock_now_ms(fx.clock);
        assert(eo_handoff_next_due_ms(fx.core) == now + waits[i]);
        eo_clock_advance_ms(fx.clock, waits[i] - 1);
        assert(s_run(&fx) == 0 && receiver_requests(fx.receiver) == (size_t)i + 1);
        eo_clock_advance_ms(fx.clock, 1);
    }
    char *metrics = eo_handoff_metrics(fx.core);
    assert(
        strstr(metrics, "\"depth\":3,\"oldest_age_s\":210,\"attempts\":3,\"last_status\":503"));
    free(metrics);
    assert(s_run(&fx) == 3);
    assert(receiver_requests(fx.receiver) == 6 && receiver_accepted(fx.receiver) == 3);
    assert(receiver_duplicates(fx.receiver) == 0);
    char key[64];
    for (size_t i = 0; i < 3; i++) {
        char want[16];
        snprintf(want, sizeof want, "item-%zu", i + 1);
        assert(streq(receiver_key(fx.receiver, i, key, sizeof key), want));
    }
    assert(fx_depth(&fx) == 0);
    /* The matcher's outbox re-sends an item already delivered: acknowledged, not
     * delivered again. */
    fx_accept(&fx, "item-2");
    assert(fx_depth(&fx) == 0 && s_run(&fx) == 0 && receiver_requests(fx.receiver) == 6);
    /* Backoff follows business hours: a failure at 17:59:50 retries next morning. */
    fx_set(&fx, "2026-11-23T17:59:50");
    fx_accept(&fx, "item-4");
    receiver_fail_next(fx.receiver, 1, 500);
    assert(s_run(&fx) == 0);
    assert(eo_handoff_next_due_ms(fx.core) == fx_time("2026-11-24T09:00") * 1000);
    fx_stop(&fx);
}

/* POST body with a given signature header straight to the receiver; the status. */
static long s_post(const char *url, const char *sig, const char *key, const char *body)
{
    CURL *curl = curl_easy_init();
    char h1[160], h2[160];
    snprintf(h1, sizeof h1, "%s: %s", EO_HMAC_HEADER, sig);
    snprintf(h2, sizeof h2, "Idempotency-Key: %s", key);
    struct curl_slist *headers = curl_slist_append(NULL, h1);
    headers = curl_slist_append(headers, h2);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)s_wait_ms);
    long status = 0;
    assert(curl_easy_perform(curl) == CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

/* What a receiver detects: a sender with the wrong secret (and the item stays queued),
 * an altered body, a replay of a stale signature. */
static void s_hmac(void)
{
    fixture_t fx;
    fx_start(&fx, "hmac", "2026-11-23T10:00", "not-the-shared-secret");
    fx_accept(&fx, "item-x");
    assert(s_run(&fx) == 0);
    assert(receiver_rejected(fx.receiver, EO_HMAC_MISMATCH) == 1);
    assert(receiver_accepted(fx.receiver) == 0 && fx_depth(&fx) == 1);

    const char *url = receiver_url(fx.receiver);
    const char *body = "{\"id\":\"item-y\",\"site\":\"guri\"}";
    char sig[EO_HMAC_SIG_MAX];
    eo_time_t now = eo_clock_now(fx.clock);
    assert(eo_hmac_sign(FX_SECRET, now, body, strlen(body), sig, sizeof sig) == 0);
    /* One byte changed in transit. */
    assert(s_post(url, sig, "item-y", "{\"id\":\"item-y\",\"site\":\"gurj\"}") == 401);
    assert(receiver_rejected(fx.receiver, EO_HMAC_MISMATCH) == 2);
    /* The same signed request replayed 5 minutes and 1 s later. */
    eo_clock_advance_ms(fx.clock, (EO_HMAC_TOLERANCE + 1) * 1000LL);
    assert(s_post(url, sig, "item-y", body) == 401);
    assert(receiver_rejected(fx.receiver, EO_HMAC_STALE) == 1);
    /* A missing or mangled header. */
    assert(s_post(url, "t=abc", "item-y", body) == 401);
    assert(receiver_rejected(fx.receiver, EO_HMAC_MALFORMED) == 1);
    /* Freshly signed, it is accepted. */
    now = eo_clock_now(fx.clock);
    assert(eo_hmac_sign(FX_SECRET, now, body, strlen(body), sig, sizeof sig) == 0);
    assert(s_post(url, sig, "item-y", body) == 200);
    assert(receiver_accepted(fx.receiver) == 1);
    fx_stop(&fx);
}

int main(int argc, char **argv)
{
    zsys_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *what = argc > 1 ? argv[1] : "";
    if (streq(what, "weekend"))
        s_weekend();
    else if (streq(what, "holiday"))
        s_holiday();
    else if (streq(what, "retry"))
        s_retry();
    else if (streq(what, "hmac"))
        s_hmac();
    else {
        fprintf(stderr, "usage: test_handoff_delivery weekend|holiday|retry|hmac\n");
        return 2;
    }
    curl_global_cleanup();
    printf("handoff %s: ok\n", what);
    return 0;
}
