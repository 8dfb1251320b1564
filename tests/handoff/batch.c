/* handoff.batch: the hand-off intake's group commit. eo_handoff_queue_put_batch stores
 * a batch of items in ONE commit (the store's commit count moves by one), and each item
 * comes out as its own put would have it: new ones queued in order, a known id EO_EEXIST
 * with nothing changed, a malformed item or provider EO_EINVAL with nothing written. */
#include <czmq.h>

#include "eonjena/eo_handoff_queue.h"
#include "eonjena/eo_store.h"
#include "eonjena/eo_time.h"

#define S_N 64

static Eo__Request s_req[S_N];
static Eo__HandoffItem s_item[S_N];
static Eo__Event s_ev[S_N];
static char s_ids[S_N][16];

/* Event i: hand-off item `id` of suwon, its own record. */
static Eo__Event *s_event(int i, const char *id, eo_time_t end)
{
    eo__request__init(&s_req[i]);
    eo__handoff_item__init(&s_item[i]);
    eo__event__init(&s_ev[i]);
    snprintf(s_ids[i], sizeof s_ids[i], "%s", id);
    s_req[i].end = end;
    s_item[i].id = s_ids[i];
    s_item[i].request_id = s_ids[i]; /* each its own request: none supersedes another */
    s_item[i].site = "suwon";
    s_item[i].kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    s_item[i].request = &s_req[i];
    s_ev[i].id = s_ids[i];
    s_ev[i].site = "suwon";
    s_ev[i].body_case = EO__EVENT__BODY_HANDOFF;
    s_ev[i].handoff = &s_item[i];
    return &s_ev[i];
}

static uint64_t s_commits(eo_store_t *store)
{
    uint64_t commits, us;
    eo_store_commit_stats(store, &commits, &us);
    return commits;
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/handoff_batch",
             getenv("EO_TEST_TMP") ? getenv("EO_TEST_TMP") : "/tmp");
    eo_store_remove(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_handoff_queue_t *q = store ? eo_handoff_queue_new(store) : NULL;
    assert(store && q);
    eo_time_t t = eo_time_from_local(2026, 11, 27, 21, 0, 0);
    assert(eo_handoff_queue_put(q, "p", s_event(0, "k0", t), t) == EO_OK);

    /* new, new, known, malformed (no id), a bad provider id */
    const Eo__Event *ev[] = {s_event(1, "k1", t), s_event(2, "k2", t), s_event(3, "k0", t),
                             s_event(4, "", t), s_event(5, "k5", t)};
    const char *prov[] = {"p", "p", "p", "p", ""};
    int rcs[5];
    uint64_t before = s_commits(store);
    assert(eo_handoff_queue_put_batch(q, prov, ev, 5, t + 1, rcs) == EO_OK);
    assert(s_commits(store) - before == 1);
    assert(rcs[0] == EO_OK && rcs[1] == EO_OK && rcs[2] == EO_EEXIST && rcs[3] == EO_EINVAL &&
           rcs[4] == EO_EINVAL);
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(q, "p", &depth, &since) == 0 && depth == 3);
    json_t *list = NULL;
    assert(eo_handoff_queue_list(q, "p", 0, &list) == 0 && json_array_size(list) == 3);
    const char *order[] = {"k0", "k1", "k2"}; /* arrival order, the batch's in its order */
    for (size_t i = 0; i < 3; i++) {
        json_t *item = json_array_get(list, i);
        const char *id = json_string_value(json_object_get(item, "id"));
        assert(id && streq(id, order[i]));
    }
    json_decref(list);
    Eo__Event *got = NULL;
    assert(eo_handoff_queue_get(q, "k5", &got) == EO_ENOTFOUND && !got);

    /* a full window's worth: one commit for all of them */
    const Eo__Event *many[S_N];
    const char *provs[S_N];
    int many_rcs[S_N];
    for (int i = 0; i < S_N; i++) { /* the events above are no longer needed */
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        many[i] = s_event(i, id, t);
        provs[i] = "p";
    }
    before = s_commits(store);
    assert(eo_handoff_queue_put_batch(q, provs, many, S_N, t + 2, many_rcs) == EO_OK);
    assert(s_commits(store) - before == 1);
    for (int i = 0; i < S_N; i++)
        assert(many_rcs[i] == EO_OK);
    assert(eo_handoff_queue_depth(q, "p", &depth, &since) == 0 && depth == 3 + S_N);
    eo_handoff_queue_destroy(&q);
    eo_store_destroy(&store);
    eo_store_remove(dir);
    printf("handoff.batch: OK\n");
    return 0;
}
