/* fixture.c: see fixture.h. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eonjena/eo_codec.h"
#include "fixture.h"

static int s_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fx_remove_tree(const char *dir)
{
    nftw(dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

uint8_t *fx_item_event(const char *id, Eo__HandoffItem__Kind kind, eo_time_t created,
                       size_t *size)
{
    Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    item.id = (char *)id;
    item.site = "guri";
    item.kind = kind;
    item.created_at = created;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)id;
    ev.site = "guri";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    uint8_t *bytes = eo_event_encode(&ev, size);
    assert(bytes);
    return bytes;
}

eo_time_t fx_time(const char *when)
{
    eo_time_t t = 0;
    assert(eo_time_parse(when, &t) == EO_OK);
    return t;
}

void fx_set(fixture_t *fx, const char *when)
{
    eo_clock_set_ms(fx->clock, fx_time(when) * 1000);
}

char *fx_config_text(const char *url, const char *secret)
{
    return zsys_sprintf("providers\n"
                        "    p1\n"
                        "        name = \"구리시가족센터\"\n"
                        "        site = guri\n"
                        "        contact = \"+82 31-000-0000\"\n"
                        "        mode = webhook\n"
                        "        url = \"%s\"\n"
                        "        secret = \"%s\"\n"
                        "handoff\n"
                        "    retry_base_ms = 30000\n"
                        "    retry_max_ms = 600000\n"
                        "    http_timeout_ms = 5000\n",
                        url, secret);
}

void fx_start(fixture_t *fx, const char *name, const char *start, const char *sender_secret)
{
    memset(fx, 0, sizeof *fx);
    const char *tmp = getenv("EO_TEST_TMP");
    snprintf(fx->dir, sizeof fx->dir, "%s/%s", tmp ? tmp : "/tmp/eo_handoff_test", name);
    fx_remove_tree(fx->dir);
    fx->store = eo_store_new(fx->dir, 64, 0);
    assert(fx->store);
    fx->clock = eo_clock_new_manual(fx_time(start) * 1000);
    fx->receiver = receiver_new(FX_SECRET, fx->clock);
    assert(fx->receiver);
    char *text =
        fx_config_text(receiver_url(fx->receiver), sender_secret ? sender_secret : FX_SECRET);
    fx->config = zconfig_str_load(text);
    zstr_free(&text);
    assert(fx->config);
    char err[256];
    fx->providers = eo_providers_load(fx->config, err, sizeof err);
    assert(fx->providers);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    assert(eo_handoff_config_load(&cfg, fx->config, err, sizeof err) == 0);
    fx->core = eo_handoff_new(fx->store, fx->clock, fx->providers, "*", &cfg);
    assert(fx->core);
}

void fx_stop(fixture_t *fx)
{
    eo_handoff_destroy(&fx->core);
    eo_providers_destroy(&fx->providers);
    zconfig_destroy(&fx->config);
    receiver_destroy(&fx->receiver);
    eo_store_destroy(&fx->store);
    eo_clock_destroy(&fx->clock);
    fx_remove_tree(fx->dir);
}

void fx_accept(fixture_t *fx, const char *item_id)
{
    /* one request per item: items of one request supersede each other (queue.c) */
    char request_id[64];
    snprintf(request_id, sizeof request_id, "r-%s", item_id);
    Eo__Request req = EO__REQUEST__INIT;
    req.id = request_id;
    req.site = "guri";
    req.member_phone = "+821012345678";
    req.child_first_name = "서연";
    req.address = "구리시 인창동 1-2";
    Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    item.id = (char *)item_id;
    item.site = "guri";
    item.kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    item.request_id = request_id;
    item.request = &req;
    item.fee_json = "{\"fee\":46520}";
    item.created_at = eo_clock_now(fx->clock);
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)item_id;
    ev.site = "guri";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    assert(eo_handoff_accept(fx->core, &ev) == EO_OK);
}

size_t fx_depth(fixture_t *fx)
{
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(eo_handoff_queue(fx->core), "p1", &depth, &since) == 0);
    return depth;
}
