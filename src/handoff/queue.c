/* queue.c: the durable per-provider hand-off queue (see eo_handoff_queue.h).
 *
 * handoff.items  item id -> s_record_t + the encoded Event
 * handoff.queue  provider "\0" seq (8 bytes, big-endian) -> since (int64) + item id
 * handoff.meta   "seq" -> the last sequence number given (uint64)
 * handoff.current request id -> the id of its newest item: a request has one current
 *                record; a newer item takes an older one out of the queue if it was not
 *                delivered yet (marked superseded), so a provider is never handed a stale
 *                version of a case
 * Sequence numbers are global and increasing, so a cursor over one provider's prefix
 * walks its queue in arrival order. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_codec.h"
#include "eonjena/eo_handoff_item.h"
#include "eonjena/eo_provider.h"
#include "eonjena/eo_handoff_queue.h"

#define S_VERSION 1
#define S_KEY_MAX (EO_PROVIDER_ID_MAX + 8)
#define S_ID_MAX EO_HANDOFF_ITEM_ID_MAX

enum { S_QUEUED = 1, S_DELIVERED = 2, S_SUPERSEDED = 3 };

typedef struct {
    uint8_t version;
    uint8_t state;
    uint8_t purged;
    uint8_t pad[5];
    uint64_t seq;
    int64_t queued_at;
    int64_t delivered_at;
    int64_t ends_at; /* what the retention period counts from */
    char provider[EO_PROVIDER_ID_MAX];
} s_record_t;

struct eo_handoff_queue_t {
    eo_store_t *store;
    MDB_dbi items, queue, meta, current;
};

eo_handoff_queue_t *eo_handoff_queue_new(eo_store_t *store)
{
    eo_handoff_queue_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->store = store;
    if (eo_store_dbi(store, "handoff.items", 0, &self->items) ||
        eo_store_dbi(store, "handoff.queue", 0, &self->queue) ||
        eo_store_dbi(store, "handoff.meta", 0, &self->meta) ||
        eo_store_dbi(store, "handoff.current", 0, &self->current)) {
        free(self);
        return NULL;
    }
    return self;
}

void eo_handoff_queue_destroy(eo_handoff_queue_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

/* The queue key of (provider, seq); returns its length. */
static size_t s_qkey(char key[S_KEY_MAX], const char *provider, uint64_t seq)
{
    size_t n = strlen(provider) + 1;
    memcpy(key, provider, n);
    for (int i = 7; i >= 0; i--, seq >>= 8)
        key[n + (size_t)i] = (char)(seq & 0xff);
    return n + 8;
}

static bool s_valid_provider(const char *provider)
{
    return provider && *provider && strlen(provider) < EO_PROVIDER_ID_MAX;
}

/* Read the record header of item id. 0, EO_ENOTFOUND or EO_ESTORE; *val keeps the
 * whole value (valid until the transaction ends). */
static int s_get(eo_handoff_queue_t *self, MDB_txn *txn, const char *id, s_record_t *rec,
                 MDB_val *val)
{
    MDB_val key = {strlen(id), (void *)id};
    int rc = mdb_get(txn, self->items, &key, val);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("handoff get", rc);
    if (val->mv_size < sizeof *rec) {
        zsys_error("handoff: item %s has a short record", id);
        return EO_ESTORE;
    }
    memcpy(rec, val->mv_data, sizeof *rec);
    return rec->version == S_VERSION ? EO_OK : EO_ESTORE;
}

static Eo__Event *s_decode(const MDB_val *val)
{
    char err[128];
    Eo__Event *event = eo_event_decode((const char *)val->mv_data + sizeof(s_record_t),
                                       val->mv_size - sizeof(s_record_t), err, sizeof err);
    if (!event) zsys_error("handoff: stored item unreadable: %s", err);
    return event;
}

/* Write record + encoded event under id (flags: MDB_NOOVERWRITE or 0). */
static int s_put_record(eo_handoff_queue_t *self, MDB_txn *txn, const char *id,
                        const s_record_t *rec, const Eo__Event *event, unsigned flags)
{
    size_t size = 0;
    uint8_t *bytes = eo_event_encode(event, &size);
    if (!bytes) return EO_EINVAL;
    MDB_val key = {strlen(id), (void *)id}, val = {sizeof *rec + size, NULL};
    int rc = mdb_put(txn, self->items, &key, &val, flags | MDB_RESERVE);
    if (rc == 0) {
        memcpy(val.mv_data, rec, sizeof *rec);
        memcpy((char *)val.mv_data + sizeof *rec, bytes, size);
    }
    free(bytes);
    if (rc == MDB_KEYEXIST) return EO_EEXIST;
    return rc ? eo_store_fail("handoff put item", rc) : EO_OK;
}

static int s_next_seq(eo_handoff_queue_t *self, MDB_txn *txn, uint64_t *seq)
{
    MDB_val key = {3, "seq"}, val;
    int rc = mdb_get(txn, self->meta, &key, &val);
    *seq = 0;
    if (rc == 0 && val.mv_size == sizeof *seq)
        memcpy(seq, val.mv_data, sizeof *seq);
    else if (rc && rc != MDB_NOTFOUND)
        return eo_store_fail("handoff get seq", rc);
    (*seq)++;
    val = (MDB_val){sizeof *seq, seq};
    rc = mdb_put(txn, self->meta, &key, &val, 0);
    return rc ? eo_store_fail("handoff put seq", rc) : EO_OK;
}

static eo_time_t s_ends_at(const Eo__HandoffItem *item, eo_time_t now)
{
    if (item->service_end) return item->service_end;
    if (item->request && item->request->end) return item->request->end;
    return item->created_at ? item->created_at : now;
}

/* The current item of item's request, if any: *old gets its id (NULL: none) and rec,
 * val its record. */
static int s_current(eo_handoff_queue_t *self, MDB_txn *txn, const Eo__HandoffItem *item,
                     char *old, s_record_t *rec, MDB_val *val, bool *found)
{
    *found = false;
    if (!item->request_id || !*item->request_id || strlen(item->request_id) > S_ID_MAX)
        return EO_OK; /* not about a request: its own record */
    MDB_val k = {strlen(item->request_id), item->request_id}, v;
    int rc = mdb_get(txn, self->current, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc || v.mv_size > S_ID_MAX)
        return eo_store_fail("handoff current get", rc ? rc : MDB_CORRUPTED);
    memcpy(old, v.mv_data, v.mv_size);
    old[v.mv_size] = 0;
    rc = s_get(self, txn, old, rec, val);
    *found = rc == EO_OK;
    return rc == EO_ENOTFOUND ? EO_OK : rc;
}

/* Is the current item of item's request newer (a higher generation)? Items may arrive
 * out of order after retries: an older one is kept, superseded from the start. */
static int s_stale(eo_handoff_queue_t *self, MDB_txn *txn, const Eo__HandoffItem *item,
                   bool *stale)
{
    char old[S_ID_MAX + 1];
    s_record_t rec;
    MDB_val val;
    bool found;
    *stale = false;
    int rc = s_current(self, txn, item, old, &rec, &val, &found);
    if (rc || !found) return rc;
    Eo__Event *ev = s_decode(&val);
    if (!ev) return EO_ESTORE;
    *stale = ev->handoff && ev->handoff->generation > item->generation;
    eo_event_free(&ev);
    return EO_OK;
}

/* item is the newest of its request: an older one still queued leaves the queue
 * (superseded: the provider never sees a stale version), and item becomes current. */
static int s_supersede(eo_handoff_queue_t *self, MDB_txn *txn, const Eo__HandoffItem *item)
{
    char old[S_ID_MAX + 1];
    s_record_t rec;
    MDB_val val;
    bool found;
    int rc = s_current(self, txn, item, old, &rec, &val, &found);
    if (rc || !item->request_id || !*item->request_id || strlen(item->request_id) > S_ID_MAX)
        return rc;
    if (found && rec.state == S_QUEUED) {
        Eo__Event *ev = s_decode(&val);
        if (!ev) return EO_ESTORE;
        char key[S_KEY_MAX];
        MDB_val qk = {s_qkey(key, rec.provider, rec.seq), key};
        rc = mdb_del(txn, self->queue, &qk, NULL);
        rec.state = S_SUPERSEDED;
        rc = rc && rc != MDB_NOTFOUND ? eo_store_fail("handoff supersede", rc)
                                      : s_put_record(self, txn, old, &rec, ev, 0);
        eo_event_free(&ev);
        if (rc) return rc;
    }
    MDB_val k = {strlen(item->request_id), item->request_id};
    MDB_val v = {strlen(item->id), item->id};
    rc = mdb_put(txn, self->current, &k, &v, 0);
    return rc ? eo_store_fail("handoff current put", rc) : EO_OK;
}

static int s_put_once(eo_handoff_queue_t *self, const char *provider, const Eo__Event *event,
                      eo_time_t now);

int eo_handoff_queue_put(eo_handoff_queue_t *self, const char *provider, const Eo__Event *event,
                         eo_time_t now)
{
    int rc = s_put_once(self, provider, event, now);
    for (int i = 0; rc == EO_EFULL && i < 4 && eo_store_grow(self->store) == EO_OK; i++)
        rc = s_put_once(self, provider, event, now); /* the map grew: again */
    return rc;
}

/* The item's writes in txn (a put's whole transaction, or one nested in a batch's). */
static int s_put_in(eo_handoff_queue_t *self, MDB_txn *txn, const char *provider,
                    const Eo__Event *event, eo_time_t now)
{
    if (!s_valid_provider(provider) || !event || event->body_case != EO__EVENT__BODY_HANDOFF ||
        !event->handoff || !event->handoff->id || !*event->handoff->id ||
        strlen(event->handoff->id) > S_ID_MAX)
        return EO_EINVAL;
    const Eo__HandoffItem *item = event->handoff;
    int rc;
    bool stale = false;
    s_record_t rec = {.version = S_VERSION,
                      .state = S_QUEUED,
                      .queued_at = now,
                      .ends_at = s_ends_at(item, now)};
    snprintf(rec.provider, sizeof rec.provider, "%s", provider);
    if ((rc = s_stale(self, txn, item, &stale))) return rc;
    if (stale) rec.state = S_SUPERSEDED;
    if ((rc = s_next_seq(self, txn, &rec.seq)) ||
        (rc = s_put_record(self, txn, item->id, &rec, event, MDB_NOOVERWRITE)))
        return rc;
    if (stale) /* kept for the record, never queued */
        return EO_OK;
    char key[S_KEY_MAX];
    size_t idlen = strlen(item->id);
    int64_t since = item->created_at ? item->created_at : now;
    char value[sizeof since + S_ID_MAX];
    memcpy(value, &since, sizeof since);
    memcpy(value + sizeof since, item->id, idlen);
    MDB_val k = {s_qkey(key, provider, rec.seq), key}, v = {sizeof since + idlen, value};
    if ((rc = mdb_put(txn, self->queue, &k, &v, MDB_NOOVERWRITE)))
        return eo_store_fail("handoff put queue", rc);
    return s_supersede(self, txn, item);
}

static int s_put_once(eo_handoff_queue_t *self, const char *provider, const Eo__Event *event,
                      eo_time_t now)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc) return rc;
    rc = s_put_in(self, txn, provider, event, now);
    if (rc == EO_OK) return eo_store_commit(self->store, &txn);
    eo_store_abort(&txn);
    return rc;
}

/* A batch in one transaction: each item in a nested one, so an item refused (known,
 * malformed) or failing leaves no trace while the others stand, as with its own put. */
static int s_put_batch_once(eo_handoff_queue_t *self, const char *const *providers,
                            const Eo__Event *const *events, size_t n, eo_time_t now, int *rcs)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        MDB_txn *item = NULL;
        int mrc = mdb_txn_begin(eo_store_env(self->store), txn, 0, &item);
        if (mrc) {
            eo_store_abort(&txn);
            return eo_store_fail("handoff batch item begin", mrc);
        }
        rcs[i] = s_put_in(self, item, providers[i], events[i], now);
        if (rcs[i] == EO_EFULL) { /* the map is full: the whole batch again, grown */
            mdb_txn_abort(item);
            eo_store_abort(&txn);
            return EO_EFULL;
        }
        if (rcs[i] == EO_OK && (mrc = mdb_txn_commit(item)))
            rcs[i] = eo_store_fail("handoff batch item commit", mrc);
        else if (rcs[i] != EO_OK)
            mdb_txn_abort(item);
    }
    return eo_store_commit(self->store, &txn);
}

int eo_handoff_queue_put_batch(eo_handoff_queue_t *self, const char *const *providers,
                               const Eo__Event *const *events, size_t n, eo_time_t now,
                               int *rcs)
{
    int rc = s_put_batch_once(self, providers, events, n, now, rcs);
    for (int i = 0; rc == EO_EFULL && i < 4 && eo_store_grow(self->store) == EO_OK; i++)
        rc = s_put_batch_once(self, providers, events, n, now, rcs); /* the map grew */
    return rc;
}

/* A cursor positioned on provider's first queue entry: 0, EO_ENOTFOUND or EO_ESTORE. */
static int s_first(eo_handoff_queue_t *self, MDB_cursor *cur, const char *provider,
                   MDB_val *key, MDB_val *val, MDB_cursor_op op)
{
    size_t plen = strlen(provider) + 1;
    char prefix[S_KEY_MAX];
    if (op == MDB_SET_RANGE) {
        memcpy(prefix, provider, plen);
        *key = (MDB_val){plen, prefix};
    }
    int rc = mdb_cursor_get(cur, key, val, op);
    (void)self;
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("handoff queue cursor", rc);
    if (key->mv_size != plen + 8 || memcmp(key->mv_data, provider, plen) != 0)
        return EO_ENOTFOUND;
    return EO_OK;
}

/* Walk provider's queue in order, calling fn for each entry until it returns non-zero
 * (stop) or the queue ends. */
typedef int(s_visit_fn)(void *ctx, MDB_txn *txn, int64_t since, const char *id);

static int s_walk(eo_handoff_queue_t *self, MDB_txn *txn, const char *provider, s_visit_fn *fn,
                  void *ctx)
{
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(txn, self->queue, &cur);
    if (rc) return eo_store_fail("handoff cursor", rc);
    MDB_val key, val;
    MDB_cursor_op op = MDB_SET_RANGE;
    while ((rc = s_first(self, cur, provider, &key, &val, op)) == EO_OK) {
        op = MDB_NEXT;
        int64_t since;
        char id[S_ID_MAX + 1];
        size_t idlen = val.mv_size - sizeof since;
        if (val.mv_size < sizeof since || idlen > S_ID_MAX) {
            rc = EO_ESTORE;
            break;
        }
        memcpy(&since, val.mv_data, sizeof since);
        memcpy(id, (char *)val.mv_data + sizeof since, idlen);
        id[idlen] = '\0';
        if ((rc = fn(ctx, txn, since, id))) break;
    }
    mdb_cursor_close(cur);
    return rc == EO_ENOTFOUND || rc > 0 ? EO_OK : rc;
}

typedef struct {
    eo_handoff_queue_t *self;
    Eo__Event *event; /* head */
    json_t *list;     /* list */
    size_t limit, depth;
    int64_t oldest;
} s_walk_t;

static int s_take_head(void *ctx, MDB_txn *txn, int64_t since, const char *id)
{
    s_walk_t *w = ctx;
    s_record_t rec;
    MDB_val val;
    (void)since;
    int rc = s_get(w->self, txn, id, &rec, &val);
    if (rc) return rc;
    w->event = s_decode(&val);
    return w->event ? 1 : EO_ESTORE;
}

int eo_handoff_queue_head(eo_handoff_queue_t *self, const char *provider, Eo__Event **event)
{
    if (!s_valid_provider(provider)) return EO_EINVAL;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc) return rc;
    s_walk_t w = {.self = self};
    rc = s_walk(self, txn, provider, s_take_head, &w);
    eo_store_abort(&txn);
    *event = w.event;
    return rc ? rc : w.event ? EO_OK : EO_ENOTFOUND;
}

int eo_handoff_queue_delivered(eo_handoff_queue_t *self, const char *provider,
                               const char *item_id, eo_time_t now)
{
    if (!s_valid_provider(provider) || !item_id || !*item_id || strlen(item_id) > S_ID_MAX)
        return EO_EINVAL;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc) return rc;
    s_record_t rec;
    MDB_val val;
    if ((rc = s_get(self, txn, item_id, &rec, &val))) goto fail;
    if (!streq(rec.provider, provider)) {
        rc = EO_ENOTFOUND;
        goto fail;
    }
    if (rec.state == S_DELIVERED) {
        eo_store_abort(&txn);
        return EO_OK;
    }
    Eo__Event *event = s_decode(&val);
    if (!event) {
        rc = EO_ESTORE;
        goto fail;
    }
    char key[S_KEY_MAX];
    MDB_val k = {s_qkey(key, provider, rec.seq), key};
    rc = mdb_del(txn, self->queue, &k, NULL);
    if (rc && rc != MDB_NOTFOUND) {
        eo_event_free(&event);
        rc = eo_store_fail("handoff del queue", rc);
        goto fail;
    }
    rec.state = S_DELIVERED;
    rec.delivered_at = now;
    rc = s_put_record(self, txn, item_id, &rec, event, 0);
    eo_event_free(&event);
    if (rc) goto fail;
    return eo_store_commit(self->store, &txn);
fail:
    eo_store_abort(&txn);
    return rc;
}

int eo_handoff_queue_ack(eo_handoff_queue_t *self, const char *provider, const char *item_id,
                         eo_time_t now)
{
    return eo_handoff_queue_delivered(self, provider, item_id, now);
}

static int s_add_listed(void *ctx, MDB_txn *txn, int64_t since, const char *id)
{
    s_walk_t *w = ctx;
    s_record_t rec;
    MDB_val val;
    (void)since;
    int rc = s_get(w->self, txn, id, &rec, &val);
    if (rc) return rc;
    Eo__Event *event = s_decode(&val);
    if (!event) return EO_ESTORE;
    json_t *obj = eo_handoff_item_json(event->handoff);
    eo_event_free(&event);
    char buf[32];
    if (!obj ||
        json_object_set_new(obj, "queued_at",
                            json_string(eo_time_format(rec.queued_at, buf, sizeof buf))) ||
        json_array_append_new(w->list, obj))
        return EO_ENOMEM;
    return w->limit && json_array_size(w->list) >= w->limit ? 1 : 0;
}

int eo_handoff_queue_list(eo_handoff_queue_t *self, const char *provider, size_t limit,
                          json_t **out)
{
    *out = NULL;
    if (!s_valid_provider(provider)) return EO_EINVAL;
    s_walk_t w = {.self = self, .list = json_array(), .limit = limit};
    if (!w.list) return EO_ENOMEM;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc == 0) rc = s_walk(self, txn, provider, s_add_listed, &w);
    eo_store_abort(&txn);
    if (rc) {
        json_decref(w.list);
        return rc;
    }
    *out = w.list;
    return EO_OK;
}

static int s_count(void *ctx, MDB_txn *txn, int64_t since, const char *id)
{
    s_walk_t *w = ctx;
    (void)txn;
    (void)id;
    if (w->depth++ == 0) w->oldest = since;
    return 0;
}

int eo_handoff_queue_depth(eo_handoff_queue_t *self, const char *provider, size_t *depth,
                           eo_time_t *oldest_since)
{
    if (!s_valid_provider(provider)) return EO_EINVAL;
    s_walk_t w = {.self = self};
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc == 0) rc = s_walk(self, txn, provider, s_count, &w);
    eo_store_abort(&txn);
    *depth = w.depth;
    *oldest_since = w.oldest;
    return rc;
}

int eo_handoff_queue_depths(eo_handoff_queue_t *self, json_t **out)
{
    *out = json_object();
    if (!*out) return EO_ENOMEM;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc) goto fail;
    if ((rc = mdb_cursor_open(txn, self->queue, &cur))) {
        rc = eo_store_fail("handoff depths cursor", rc);
        goto fail;
    }
    MDB_val key, val;
    int mrc;
    for (mrc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        char provider[EO_PROVIDER_ID_MAX];
        int64_t since;
        if (key.mv_size <= 9 || key.mv_size - 8 > sizeof provider || val.mv_size < sizeof since)
            continue;
        memcpy(provider, key.mv_data, key.mv_size - 8); /* includes its NUL */
        provider[key.mv_size - 9] = '\0';
        memcpy(&since, val.mv_data, sizeof since);
        json_t *entry = json_object_get(*out, provider);
        if (entry) /* entries come in queue order: the first one is the oldest */
            json_object_set_new(
                entry, "depth",
                json_integer(json_integer_value(json_object_get(entry, "depth")) + 1));
        else if (json_object_set_new(
                     *out, provider,
                     json_pack("{s:i, s:I}", "depth", 1, "oldest_since", (json_int_t)since))) {
            rc = EO_ENOMEM;
            goto fail;
        }
    }
    if (mrc != MDB_NOTFOUND) {
        rc = eo_store_fail("handoff depths walk", mrc);
        goto fail;
    }
    mdb_cursor_close(cur);
    eo_store_abort(&txn);
    return EO_OK;
fail:
    if (cur) mdb_cursor_close(cur);
    eo_store_abort(&txn);
    json_decref(*out);
    *out = NULL;
    return rc;
}

typedef struct {
    eo_handoff_queue_t *self;
    const char *to;
    size_t moved;
} s_move_t;

/* Re-key one queued item under m->to (the walk's cursor is on another database). */
static int s_move_one(void *ctx, MDB_txn *txn, int64_t since, const char *id)
{
    s_move_t *m = ctx;
    s_record_t rec;
    MDB_val val;
    int rc = s_get(m->self, txn, id, &rec, &val);
    if (rc) return rc;
    Eo__Event *event = s_decode(&val);
    if (!event) return EO_ESTORE;
    char key[S_KEY_MAX], value[sizeof since + S_ID_MAX];
    MDB_val k = {s_qkey(key, rec.provider, rec.seq), key};
    if ((rc = mdb_del(txn, m->self->queue, &k, NULL))) {
        eo_event_free(&event);
        return eo_store_fail("handoff move del", rc);
    }
    snprintf(rec.provider, sizeof rec.provider, "%s", m->to);
    if ((rc = s_next_seq(m->self, txn, &rec.seq)) == EO_OK)
        rc = s_put_record(m->self, txn, id, &rec, event, 0);
    eo_event_free(&event);
    if (rc) return rc;
    size_t idlen = strlen(id);
    memcpy(value, &since, sizeof since);
    memcpy(value + sizeof since, id, idlen);
    k = (MDB_val){s_qkey(key, m->to, rec.seq), key};
    MDB_val v = {sizeof since + idlen, value};
    if ((rc = mdb_put(txn, m->self->queue, &k, &v, MDB_NOOVERWRITE)))
        return eo_store_fail("handoff move put", rc);
    m->moved++;
    return 0;
}

/* Move only the first entry, then stop the walk (its cursor must not outlive the
 * change of the database under it). */
static int s_move_one_first(void *ctx, MDB_txn *txn, int64_t since, const char *id)
{
    int rc = s_move_one(ctx, txn, since, id);
    return rc ? rc : 1;
}

int eo_handoff_queue_move(eo_handoff_queue_t *self, const char *from, const char *to,
                          size_t *moved)
{
    *moved = 0;
    if (!s_valid_provider(from) || !s_valid_provider(to) || streq(from, to)) return EO_EINVAL;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc) return rc;
    s_move_t m = {.self = self, .to = to};
    /* One item per walk, from the head each time, until the source queue is empty. */
    size_t before;
    do {
        before = m.moved;
        rc = s_walk(self, txn, from, s_move_one_first, &m);
    } while (rc == EO_OK && m.moved > before);
    if (rc) {
        eo_store_abort(&txn);
        return rc;
    }
    if ((rc = eo_store_commit(self->store, &txn))) return rc;
    *moved = m.moved;
    return EO_OK;
}

int eo_handoff_queue_get(eo_handoff_queue_t *self, const char *item_id, Eo__Event **event)
{
    *event = NULL;
    if (!item_id || !*item_id || strlen(item_id) > S_ID_MAX) return EO_EINVAL;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc) return rc;
    s_record_t rec;
    MDB_val val;
    rc = s_get(self, txn, item_id, &rec, &val);
    if (rc == EO_OK && !(*event = s_decode(&val))) rc = EO_ESTORE;
    eo_store_abort(&txn);
    return rc;
}

int eo_handoff_queue_state(eo_handoff_queue_t *self, const char *item_id, bool *delivered,
                           eo_time_t *delivered_at)
{
    if (!item_id || !*item_id || strlen(item_id) > S_ID_MAX) return EO_EINVAL;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc) return rc;
    s_record_t rec;
    MDB_val val;
    rc = s_get(self, txn, item_id, &rec, &val);
    eo_store_abort(&txn);
    if (rc == EO_OK) {
        *delivered = rec.state == S_DELIVERED;
        *delivered_at = rec.delivered_at;
    }
    return rc;
}

/* Empty a personal field in place: the packed record then carries "" for it. */
static void s_scrub(char *text)
{
    if (text && *text) {
        memset(text, 0, strlen(text));
    }
}

/* Anonymise one record at the cursor (already known to be due). */
static int s_purge_one(eo_handoff_queue_t *self, MDB_cursor *cur, MDB_val *key, MDB_val *val,
                       s_record_t *rec)
{
    Eo__Event *event = s_decode(val);
    if (!event) return EO_ESTORE;
    Eo__Request *req = event->handoff ? event->handoff->request : NULL;
    if (req) {
        s_scrub(req->member_phone);
        s_scrub(req->child_first_name);
        s_scrub(req->address);
    }
    rec->purged = 1;
    size_t size = 0;
    uint8_t *bytes = eo_event_encode(event, &size);
    eo_event_free(&event);
    if (!bytes) return EO_ESTORE;
    MDB_val nv = {sizeof *rec + size, NULL};
    /* The key, as the cursor gave it, points into the page this put rewrites: a copy. */
    char id[S_ID_MAX + 1];
    if (key->mv_size > S_ID_MAX) {
        free(bytes);
        return EO_ESTORE;
    }
    memcpy(id, key->mv_data, key->mv_size);
    MDB_val k = {key->mv_size, id};
    int rc = mdb_cursor_put(cur, &k, &nv, MDB_CURRENT | MDB_RESERVE);
    if (rc == 0) {
        memcpy(nv.mv_data, rec, sizeof *rec);
        memcpy((char *)nv.mv_data + sizeof *rec, bytes, size);
    }
    free(bytes);
    (void)self;
    return rc ? eo_store_fail("handoff purge put", rc) : EO_OK;
}

/* Is the record at this value one the purge anonymises now? */
static bool s_purge_due(const MDB_val *val, eo_time_t before, s_record_t *rec)
{
    if (val->mv_size < sizeof *rec) return false;
    memcpy(rec, val->mv_data, sizeof *rec);
    return rec->version == S_VERSION && rec->state == S_DELIVERED && !rec->purged &&
           rec->ends_at < before;
}

/* Position cur on the first item after walk->after ("" : the first item). */
static int s_walk_start(MDB_cursor *cur, const eo_handoff_purge_walk_t *walk, MDB_val *key,
                        MDB_val *val)
{
    if (!*walk->after) return mdb_cursor_get(cur, key, val, MDB_FIRST);
    *key = (MDB_val){strlen(walk->after), (void *)walk->after};
    int mrc = mdb_cursor_get(cur, key, val, MDB_SET_RANGE);
    if (mrc == 0 && key->mv_size == strlen(walk->after) &&
        memcmp(key->mv_data, walk->after, key->mv_size) == 0)
        mrc = mdb_cursor_get(cur, key, val, MDB_NEXT);
    return mrc;
}

int eo_handoff_queue_purge_step(eo_handoff_queue_t *self, eo_time_t before, size_t limit,
                                eo_handoff_purge_walk_t *walk)
{
    if (walk->done) return EO_OK;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc) return rc;
    if ((rc = mdb_cursor_open(txn, self->items, &cur))) {
        rc = eo_store_fail("handoff purge cursor", rc);
        goto fail;
    }
    MDB_val key, val;
    size_t looked = 0, n = 0;
    char last[S_ID_MAX + 1] = "";
    int mrc;
    for (mrc = s_walk_start(cur, walk, &key, &val); mrc == 0 && looked < (limit ? limit : 1);
         mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        looked++;
        if (key.mv_size <= S_ID_MAX) /* longer keys are never written (put refuses them) */
            snprintf(last, sizeof last, "%.*s", (int)key.mv_size, (const char *)key.mv_data);
        s_record_t rec;
        if (!s_purge_due(&val, before, &rec)) continue;
        if ((rc = s_purge_one(self, cur, &key, &val, &rec))) goto fail;
        n++;
        /* A put that changed the value's size may leave the cursor where MDB_NEXT gives
         * the same item again: stand on it by its key, so the walk goes on after it. */
        MDB_val at = {strlen(last), last};
        if ((mrc = mdb_cursor_get(cur, &at, &val, MDB_SET_KEY))) {
            rc = eo_store_fail("handoff purge walk", mrc);
            goto fail;
        }
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        rc = eo_store_fail("handoff purge walk", mrc);
        goto fail;
    }
    mdb_cursor_close(cur);
    if ((rc = eo_store_commit(self->store, &txn))) return rc;
    /* Only once committed does the walk move on: a failed batch is looked at again. */
    walk->looked += looked;
    walk->purged += n;
    walk->done = mrc == MDB_NOTFOUND;
    memcpy(walk->after, last, sizeof last);
    return EO_OK;
fail:
    if (cur) mdb_cursor_close(cur);
    eo_store_abort(&txn);
    return rc;
}

int eo_handoff_queue_purge(eo_handoff_queue_t *self, eo_time_t before, size_t *purged)
{
    eo_handoff_purge_walk_t walk = {.after = ""};
    int rc = EO_OK;
    while (rc == EO_OK && !walk.done)
        rc = eo_handoff_queue_purge_step(self, before, EO_HANDOFF_PURGE_BATCH, &walk);
    *purged = walk.purged;
    return rc;
}

/* --- self-test ------------------------------------------------------------------ */

static Eo__Event *s_test_event(const char *id, eo_time_t end)
{
    static Eo__Request req = EO__REQUEST__INIT;
    static Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    static Eo__Event ev = EO__EVENT__INIT;
    req.member_phone = "+821012345678";
    req.child_first_name = "서연";
    req.address = "수원시 장안구 1";
    req.end = end;
    item.id = (char *)id;
    item.site = "suwon";
    item.kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    item.request = &req;
    ev.id = (char *)id;
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    return &ev;
}

void eo_handoff_queue_test(bool verbose)
{
    if (verbose) printf(" * eo_handoff_queue: ");
    char dir[] = "/tmp/eo_handoff_queue_XXXXXX";
    assert(mkdtemp(dir));
    eo_store_t *store = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    assert(store);
    eo_handoff_queue_t *q = eo_handoff_queue_new(store);
    assert(q);
    eo_time_t t = eo_time_from_local(2026, 11, 20, 21, 0, 0);
    assert(eo_handoff_queue_put(q, "p", s_test_event("a", t - EO_DAY), t) == EO_OK);
    assert(eo_handoff_queue_put(q, "p", s_test_event("b", t), t + 1) == EO_OK);
    assert(eo_handoff_queue_put(q, "p", s_test_event("a", t), t + 2) == EO_EEXIST);
    assert(eo_handoff_queue_put(q, "", s_test_event("c", t), t) == EO_EINVAL);
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(q, "p", &depth, &since) == 0 && depth == 2 && since == t);
    Eo__Event *head = NULL;
    assert(eo_handoff_queue_head(q, "p", &head) == 0 && streq(head->handoff->id, "a"));
    eo_event_free(&head);
    assert(eo_handoff_queue_head(q, "other", &head) == EO_ENOTFOUND && !head);
    json_t *list = NULL;
    assert(eo_handoff_queue_list(q, "p", 0, &list) == 0 && json_array_size(list) == 2);
    json_decref(list);
    json_t *depths = NULL;
    assert(eo_handoff_queue_depths(q, &depths) == 0);
    assert(json_integer_value(json_object_get(json_object_get(depths, "p"), "depth")) == 2);
    json_decref(depths);
    assert(eo_handoff_queue_ack(q, "other", "a", t) == EO_ENOTFOUND);
    assert(eo_handoff_queue_delivered(q, "p", "a", t + 10) == EO_OK);
    assert(eo_handoff_queue_delivered(q, "p", "a", t + 20) == EO_OK); /* repeated */
    bool delivered;
    eo_time_t at;
    assert(eo_handoff_queue_state(q, "a", &delivered, &at) == 0 && delivered && at == t + 10);
    assert(eo_handoff_queue_head(q, "p", &head) == 0 && streq(head->handoff->id, "b"));
    eo_event_free(&head);
    /* Purge: only delivered items that ended before the cut, once. */
    size_t purged;
    assert(eo_handoff_queue_purge(q, t, &purged) == 0 && purged == 1);
    assert(eo_handoff_queue_purge(q, t, &purged) == 0 && purged == 0);
    Eo__Event *got = NULL;
    assert(eo_handoff_queue_get(q, "a", &got) == 0);
    assert(streq(got->handoff->request->address, "") &&
           streq(got->handoff->request->member_phone, "") &&
           streq(got->handoff->request->child_first_name, "") && streq(got->site, "suwon"));
    eo_event_free(&got);
    assert(eo_handoff_queue_get(q, "b", &got) == 0);
    assert(streq(got->handoff->request->child_first_name, "서연"));
    eo_event_free(&got);
    assert(eo_handoff_queue_get(q, "zz", &got) == EO_ENOTFOUND && !got);
    eo_handoff_queue_destroy(&q);
    eo_store_destroy(&store);
    assert(q == NULL);
    assert(eo_store_remove(dir) == 0);
    if (verbose) printf("OK\n");
}
