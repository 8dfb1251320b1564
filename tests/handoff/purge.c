/* handoff.purge: `eonjena purge` on a real store: delivered items whose service ended
 * before the cut-off lose names, phones and addresses and keep everything else; queued
 * items and recent ones are untouched; a date inside the retention period and a bad
 * date change nothing. */
#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "eonjena/eo_codec.h"
#include "fixture.h"

static void s_put(eo_handoff_queue_t *q, const char *id, const char *end, bool deliver)
{
    Eo__Request req = EO__REQUEST__INIT;
    req.id = "r";
    req.member_phone = "+821099998888";
    req.child_first_name = "하준";
    req.address = "구리시 교문동 3";
    req.dong = 4131052000u;
    Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    item.id = (char *)id;
    item.site = "guri";
    item.kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    item.request = &req;
    item.service_end = fx_time(end);
    item.fee_json = "{\"fee\":34880}";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)id;
    ev.site = "guri";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    assert(eo_handoff_queue_put(q, "p1", &ev, item.service_end) == EO_OK);
    if (deliver)
        assert(eo_handoff_queue_delivered(q, "p1", id, item.service_end + EO_DAY) == EO_OK);
}

/* Run `eonjena purge args...` with the manual clock; exit status, output in out. */
static int s_purge(const char *dir, const char *args, char *out, size_t size)
{
    char *cmd =
        zsys_sprintf("%s/eonjena purge --store %s --clock manual:2026-11-23T10:00 %s 2>&1",
                     getenv("EO_BINARY_DIR"), dir, args);
    FILE *p = popen(cmd, "r");
    assert(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    zstr_free(&cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void s_check(eo_store_t *store, const char *id, bool scrubbed)
{
    eo_handoff_queue_t *q = eo_handoff_queue_new(store);
    Eo__Event *ev = NULL;
    assert(eo_handoff_queue_get(q, id, &ev) == EO_OK);
    const Eo__Request *r = ev->handoff->request;
    assert(streq(r->address, scrubbed ? "" : "구리시 교문동 3"));
    assert(streq(r->member_phone, scrubbed ? "" : "+821099998888"));
    assert(streq(r->child_first_name, scrubbed ? "" : "하준"));
    /* The statistics survive. */
    assert(r->dong == 4131052000u && streq(ev->handoff->site, "guri"));
    assert(streq(ev->handoff->fee_json, "{\"fee\":34880}"));
    eo_event_free(&ev);
    eo_handoff_queue_destroy(&q);
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/purge", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_handoff_queue_t *q = eo_handoff_queue_new(store);
    s_put(q, "old-delivered", "2022-05-01T12:00", true);
    s_put(q, "old-queued", "2022-05-02T12:00", false);
    s_put(q, "recent", "2025-06-01T12:00", true);
    eo_handoff_queue_destroy(&q);
    eo_store_destroy(&store);

    char out[1024];
    /* Inside the retention period (3 years before 2026-11-23): refused. */
    assert(s_purge(dir, "--before 2024-01-01", out, sizeof out) == 2);
    assert(strstr(out, "inside the retention period"));
    assert(s_purge(dir, "--before 2023-13-01", out, sizeof out) == 2);
    assert(strstr(out, "not a date"));
    store = eo_store_new(dir, 64, 0);
    s_check(store, "old-delivered", false);
    eo_store_destroy(&store);

    assert(s_purge(dir, "--before 2023-01-01", out, sizeof out) == 0);
    assert(strstr(out, "purged 0 cases and 1 hand-off items"));
    assert(s_purge(dir, "", out, sizeof out) == 0); /* default cut-off: nothing more */
    assert(strstr(out,
                  "purged 0 cases and 0 hand-off items whose service ended before 2023-11-23"));
    store = eo_store_new(dir, 64, 0);
    s_check(store, "old-delivered", true);
    s_check(store, "old-queued", false); /* not handed off yet: kept whole */
    s_check(store, "recent", false);
    eo_store_destroy(&store);
    fx_remove_tree(dir);
    printf("handoff purge: ok\n");
    return 0;
}
