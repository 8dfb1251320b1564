/* handoff.retention_schedule: the hand-off role's daily retention (workers/handoff/
 * retention.c) on a queue with items ending on both sides of the privacy cut-off, stepped
 * by hand in milliseconds that do not sit on whole seconds. Nothing happens before
 * store/purge_hour (04:00:00.000 Seoul, not a millisecond earlier); the run then looks at
 * store/purge_batch items per step until the last, anonymises exactly the delivered items
 * whose service ended before midnight three years back (handoff/retention_years, the
 * cut-off of `eonjena purge`), keeps the waiting and the recent ones whole, and sets the
 * next run to 04:00 the next day. The whole run of `eonjena purge` over several items
 * leaves each findable by its id. */
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_codec.h"
#include "fixture.h"
#include "handoff/retention.h"

static eo_time_t s_at(const char *when)
{
    return fx_time(when);
}

static int64_t s_ms(const char *when)
{
    int64_t ms;
    assert(eo_time_parse_ms(when, &ms) == EO_OK);
    return ms;
}

/* Queue an item for p1 whose request ends at `end`; delivered when asked. */
static void s_put(eo_handoff_queue_t *q, const char *id, const char *end, bool delivered)
{
    Eo__Request req = EO__REQUEST__INIT;
    req.id = (char *)id;
    req.member_phone = "+821055501234";
    req.child_first_name = "다온";
    req.address = "수원시 장안구 잊혀질로 7";
    req.end = s_at(end);
    Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    item.id = (char *)id;
    item.site = "guri";
    item.request_id = (char *)id;
    item.kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    item.request = &req;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)id;
    ev.site = "guri";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    assert(eo_handoff_queue_put(q, "p1", &ev, req.end + 60) == EO_OK);
    if (delivered) assert(eo_handoff_queue_delivered(q, "p1", id, req.end + 120) == EO_OK);
}

/* Is the item's personal data still there (1), gone (0)? The rest must be kept. */
static int s_personal(eo_handoff_queue_t *q, const char *id)
{
    Eo__Event *ev = NULL;
    assert(eo_handoff_queue_get(q, id, &ev) == EO_OK && ev->handoff && ev->handoff->request);
    const Eo__Request *req = ev->handoff->request;
    int kept = *req->member_phone + *req->child_first_name + *req->address ? 1 : 0;
    if (kept) assert(*req->member_phone && *req->child_first_name && *req->address);
    assert(streq(ev->handoff->request_id, id) && streq(ev->handoff->site, "guri") && req->end);
    eo_event_free(&ev);
    return kept;
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/retention_schedule", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    eo_handoff_queue_t *q = store ? eo_handoff_queue_new(store) : NULL;
    assert(q);
    /* The run of 2026-11-29 cuts at 2023-11-29T00:00 Seoul. */
    s_put(q, "old-1", "2022-01-10T02:00", true);
    s_put(q, "old-2", "2023-03-01T23:00", true);
    s_put(q, "old-3", "2023-11-28T23:59:59", true); /* the last second before the cut */
    s_put(q, "edge", "2023-11-29T00:00", true);     /* on the cut: kept */
    s_put(q, "fresh", "2026-11-20T22:00", true);
    s_put(q, "waiting", "2022-01-10T03:00", false); /* not delivered: never purged */

    eo_retention_config_t cfg;
    eo_retention_config_defaults(&cfg);
    char err[256] = "";
    zconfig_t *config = zconfig_str_load("store\n    purge_hour = 4\n    purge_batch = 2\n"
                                         "handoff\n    retention_years = 3\n");
    assert(config && eo_retention_config_load(&cfg, config, err, sizeof err) == EO_OK);
    int64_t t0 = s_ms("2026-11-29T03:59:59.350");
    eo_handoff_retention_t *run = eo_handoff_retention_new(&cfg, t0);
    assert(run);
    int64_t at = s_ms("2026-11-29T04:00:00.000");
    assert(eo_handoff_retention_due_ms(run) == at);

    /* Before the hour, to the millisecond: nothing. */
    assert(eo_handoff_retention_step(run, q, t0) == EO_OK);
    assert(eo_handoff_retention_step(run, q, at - 1) == EO_OK);
    eo_handoff_retention_counts_t c;
    eo_handoff_retention_counts(run, &c);
    assert(c.runs == 0 && !c.running && c.next_ms == at);
    assert(s_personal(q, "old-1") == 1);

    /* From 04:00:00.000 (here a little after it): batches of 2 over 6 items, due at once
     * between them, so the caller's loop comes straight back. */
    int steps = 0;
    int64_t now = at + 213;
    do {
        assert(eo_handoff_retention_step(run, q, now) == EO_OK);
        steps++;
        now += 7;
        eo_handoff_retention_counts(run, &c);
        if (c.running) assert(eo_handoff_retention_due_ms(run) <= now);
    } while (c.running && steps < 100);
    printf("handoff retention schedule: %d steps, %llu anonymised\n", steps,
           (unsigned long long)c.anonymised);
    assert(steps == 3); /* 2+2+2: the third step finds the end */
    assert(c.runs == 1 && c.anonymised == 3 && c.failures == 0);
    assert(c.next_ms == s_ms("2026-11-30T04:00:00.000"));
    assert(c.last_ms >= at);
    assert(s_personal(q, "old-1") == 0 && s_personal(q, "old-2") == 0 &&
           s_personal(q, "old-3") == 0);
    assert(s_personal(q, "edge") == 1 && s_personal(q, "fresh") == 1 &&
           s_personal(q, "waiting") == 1);
    bool delivered;
    eo_time_t when;
    assert(eo_handoff_queue_state(q, "old-1", &delivered, &when) == EO_OK && delivered);
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(q, "p1", &depth, &since) == EO_OK && depth == 1);

    /* Not again the same day; the next day's run takes the item that crossed the cut
     * ("edge" ended on 2023-11-29) and nothing else. */
    assert(eo_handoff_retention_step(run, q, now + 3600 * 1000) == EO_OK);
    eo_handoff_retention_counts(run, &c);
    assert(c.runs == 1 && !c.running && s_personal(q, "edge") == 1);
    now = s_ms("2026-11-30T04:00:00.001");
    for (steps = 0; steps < 100; steps++) {
        assert(eo_handoff_retention_step(run, q, now) == EO_OK);
        eo_handoff_retention_counts(run, &c);
        if (!c.running) break;
    }
    assert(c.runs == 2 && c.anonymised == 4 && s_personal(q, "edge") == 0);
    assert(s_personal(q, "fresh") == 1 && s_personal(q, "waiting") == 1);
    assert(c.next_ms == s_ms("2026-12-01T04:00:00.000"));

    /* `eonjena purge`'s whole run over several items of one page: each anonymised item
     * is still found by its own id (the put once re-inserted it under bytes of the page
     * it rewrote), and a second run changes nothing. */
    const char *more[] = {"x-1", "x-2", "x-3", "x-4", "x-5"};
    for (size_t i = 0; i < 5; i++)
        s_put(q, more[i], "2021-05-05T20:00", true);
    size_t purged = 0;
    assert(eo_handoff_queue_purge(q, s_at("2023-11-29T00:00"), &purged) == EO_OK);
    assert(purged == 5);
    for (size_t i = 0; i < 5; i++)
        assert(s_personal(q, more[i]) == 0);
    assert(eo_handoff_queue_purge(q, s_at("2023-11-29T00:00"), &purged) == EO_OK && !purged);
    assert(s_personal(q, "fresh") == 1 && s_personal(q, "waiting") == 1);

    eo_handoff_retention_destroy(&run);
    assert(run == NULL);
    zconfig_destroy(&config);
    eo_handoff_queue_destroy(&q);
    eo_store_destroy(&store);
    fx_remove_tree(dir);
    printf("handoff retention schedule: ok\n");
    return 0;
}
