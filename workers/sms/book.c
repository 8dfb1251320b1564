/* book.c: the sms role's LMDB databases (see book.h). */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "book.h"

struct eo_sms_book_t {
    eo_store_t *store;
    MDB_dbi msgs, queue, offers, won, phones, replies, outbox;
    MDB_txn *txn; /* the batch, NULL between commits */
    uint64_t next_seq;
};

static int s_txn(eo_sms_book_t *self)
{
    return self->txn ? EO_OK : eo_store_begin(self->store, true, &self->txn);
}

static MDB_val s_val(const void *data, size_t size)
{
    return (MDB_val){size, (void *)data};
}

static MDB_val s_str(const char *s)
{
    return s_val(s, strlen(s));
}

void eo_sms_book_destroy(eo_sms_book_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_store_abort(&(*self_p)->txn);
    free(*self_p);
    *self_p = NULL;
}

eo_sms_book_t *eo_sms_book_new(eo_store_t *store)
{
    eo_sms_book_t *self = calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    if (eo_store_dbi(store, "sms.msgs", 0, &self->msgs) ||
        eo_store_dbi(store, "sms.queue", 0, &self->queue) ||
        eo_store_dbi(store, "sms.offers", 0, &self->offers) ||
        eo_store_dbi(store, "sms.won", 0, &self->won) ||
        eo_store_dbi(store, "sms.phones", 0, &self->phones) ||
        eo_store_dbi(store, "sms.replies", 0, &self->replies) ||
        eo_store_dbi(store, "sms.outbox", 0, &self->outbox))
        goto fail;
    /* the outbox sequence continues after the last row */
    MDB_txn *txn;
    if (eo_store_begin(store, false, &txn)) goto fail;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->outbox, &cur);
    if (rc == 0) {
        MDB_val k, v;
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        if (rc == 0 && k.mv_size == 8) {
            const uint8_t *b = k.mv_data;
            for (int i = 0; i < 8; i++)
                self->next_seq = self->next_seq << 8 | b[i];
            self->next_seq++;
        }
        mdb_cursor_close(cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    eo_store_abort(&txn);
    if (rc) {
        eo_store_fail("sms.outbox last", rc);
        goto fail;
    }
    if (self->next_seq == 0) self->next_seq = 1;
    return self;
fail:
    eo_sms_book_destroy(&self);
    return NULL;
}

bool eo_sms_book_dirty(eo_sms_book_t *self)
{
    return self->txn != NULL;
}

int eo_sms_book_commit(eo_sms_book_t *self)
{
    return self->txn ? eo_store_commit(self->store, &self->txn) : EO_OK;
}

void eo_sms_book_abort(eo_sms_book_t *self)
{
    eo_store_abort(&self->txn);
}

static int s_put(eo_sms_book_t *self, MDB_dbi dbi, MDB_val k, MDB_val v, const char *what)
{
    int rc = s_txn(self);
    if (rc) return rc;
    rc = mdb_put(self->txn, dbi, &k, &v, 0);
    return rc ? eo_store_fail(what, rc) : EO_OK;
}

static int s_del(eo_sms_book_t *self, MDB_dbi dbi, MDB_val k, const char *what)
{
    int rc = s_txn(self);
    if (rc) return rc;
    rc = mdb_del(self->txn, dbi, &k, NULL);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail(what, rc) : EO_OK;
}

/* A message as an encoded Event, optionally without its text (offers, wins), stamped
 * with when it was booked (a 취소 without a code is about the latest win). */
static uint8_t *s_encode(const Eo__Message *msg, bool with_text, int64_t now, size_t *size)
{
    Eo__Message copy = *msg;
    if (!with_text) copy.text = "";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = msg->id;
    ev.site = msg->site;
    ev.at_ms = now;
    ev.body_case = EO__EVENT__BODY_MESSAGE;
    ev.message = &copy;
    return eo_event_encode(&ev, size);
}

/* "phone\0rest" keys. */
static size_t s_key2(char *buf, size_t size, const char *phone, const char *rest)
{
    size_t a = strlen(phone), b = strlen(rest);
    if (a + 1 + b > size || a + 1 + b > 511) return 0;
    memcpy(buf, phone, a);
    buf[a] = 0;
    memcpy(buf + a + 1, rest, b);
    return a + 1 + b;
}

/* Close the open offers of (phone, request). */
static int s_close_request(eo_sms_book_t *self, const char *phone, const char *request_id)
{
    zlistx_t *open = eo_sms_book_offers(self, phone);
    int rc = open ? EO_OK : EO_ESTORE;
    for (Eo__Event *ev = open ? zlistx_first(open) : NULL; ev && !rc; ev = zlistx_next(open))
        if (streq(ev->message->request_id, request_id))
            rc = eo_sms_book_offer_close(self, phone, ev->message->id);
    zlistx_destroy(&open);
    return rc;
}

int eo_sms_book_put(eo_sms_book_t *self, const Eo__Message *msg, int64_t now, bool *dup)
{
    int rc = s_txn(self);
    if (rc) return rc;
    MDB_val k = s_str(msg->id), v;
    rc = mdb_get(self->txn, self->msgs, &k, &v);
    *dup = rc == 0;
    if (rc == 0) return EO_OK;
    if (rc != MDB_NOTFOUND) return eo_store_fail("sms.msgs get", rc);
    size_t size;
    uint8_t *body = s_encode(msg, true, now, &size);
    if (!body) return EO_EINVAL;
    uint8_t *rec = malloc(size + 1);
    assert(rec);
    rec[0] = EO_SMS_QUEUED;
    memcpy(rec + 1, body, size);
    free(body);
    rc = s_put(self, self->msgs, k, s_val(rec, size + 1), "sms.msgs put");
    free(rec);
    if (!rc) rc = s_put(self, self->queue, k, s_val("", 0), "sms.queue put");
    char key[600];
    size_t klen;
    Eo__Message__Kind kind = msg->kind;
    if (!rc && kind == EO__MESSAGE__KIND__KIND_OFFER &&
        (klen = s_key2(key, sizeof key, msg->to, msg->id))) {
        body = s_encode(msg, false, now, &size);
        rc = body ? s_put(self, self->offers, s_val(key, klen), s_val(body, size),
                          "sms.offers put")
                  : EO_EINVAL;
        free(body);
    }
    /* the carer will not answer this request any more once told it is over */
    if (!rc && *msg->request_id &&
        (kind == EO__MESSAGE__KIND__KIND_FILLED || kind == EO__MESSAGE__KIND__KIND_WINNER ||
         kind == EO__MESSAGE__KIND__KIND_WITHDRAWN))
        rc = s_close_request(self, msg->to, msg->request_id);
    if (!rc && kind == EO__MESSAGE__KIND__KIND_WINNER &&
        (klen = s_key2(key, sizeof key, msg->to, msg->request_id))) {
        body = s_encode(msg, false, now, &size);
        rc = body ? s_put(self, self->won, s_val(key, klen), s_val(body, size), "sms.won put")
                  : EO_EINVAL;
        free(body);
    }
    if (!rc && msg->carer_id && *msg->site) {
        char who[64];
        int n = snprintf(who, sizeof who, "%s%c%u", msg->site, 0, msg->carer_id);
        rc = s_put(self, self->phones, s_str(msg->to), s_val(who, (size_t)n), "sms.phones put");
    }
    return rc;
}

Eo__Event *eo_sms_book_get(eo_sms_book_t *self, const char *id, int *state)
{
    MDB_txn *txn = self->txn;
    if (!txn && eo_store_begin(self->store, false, &txn)) return NULL;
    MDB_val k = s_str(id), v;
    Eo__Event *ev = NULL;
    int rc = mdb_get(txn, self->msgs, &k, &v);
    if (rc == 0 && v.mv_size > 1) {
        char err[128];
        ev = eo_event_decode((uint8_t *)v.mv_data + 1, v.mv_size - 1, err, sizeof err);
        if (ev && ev->body_case != EO__EVENT__BODY_MESSAGE) eo_event_free(&ev);
        if (state) *state = *(uint8_t *)v.mv_data;
    } else if (rc && rc != MDB_NOTFOUND)
        eo_store_fail("sms.msgs get", rc);
    if (txn != self->txn) eo_store_abort(&txn);
    return ev;
}

int eo_sms_book_set_state(eo_sms_book_t *self, const char *id, int state)
{
    int rc = s_txn(self);
    if (rc) return rc;
    MDB_val k = s_str(id), v;
    rc = mdb_get(self->txn, self->msgs, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("sms.msgs get", rc);
    uint8_t *copy = malloc(v.mv_size);
    assert(copy);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[0] = (uint8_t)state;
    rc = s_put(self, self->msgs, k, s_val(copy, v.mv_size), "sms.msgs state");
    free(copy);
    return rc;
}

int eo_sms_book_unqueue(eo_sms_book_t *self, const char *id)
{
    return s_del(self, self->queue, s_str(id), "sms.queue del");
}

/* Walk the keys of dbi starting with prefix (read in the batch if open). */
typedef int (*s_walk_fn)(void *arg, MDB_val *k, MDB_val *v);

static int s_scan(eo_sms_book_t *self, MDB_dbi dbi, const void *prefix, size_t plen,
                  s_walk_fn fn, void *arg)
{
    MDB_txn *txn = self->txn;
    int rc = txn ? EO_OK : eo_store_begin(self->store, false, &txn);
    if (rc) return rc;
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc == 0) {
        MDB_val k = s_val(prefix, plen), v;
        rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
        while (rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, prefix, plen) == 0) {
            if (fn(arg, &k, &v)) break;
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
    }
    if (txn != self->txn) eo_store_abort(&txn);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("sms scan", rc) : EO_OK;
}

static int s_collect_key(void *arg, MDB_val *k, MDB_val *v)
{
    (void)v;
    zlistx_add_end(arg, zsys_sprintf("%.*s", (int)k->mv_size, (char *)k->mv_data));
    return 0;
}

zlistx_t *eo_sms_book_queued(eo_sms_book_t *self)
{
    zlistx_t *ids = zlistx_new();
    zlistx_set_destructor(ids, (zlistx_destructor_fn *)zstr_free);
    if (s_scan(self, self->queue, "", 0, s_collect_key, ids)) zlistx_destroy(&ids);
    return ids;
}

static void s_event_free(void **item)
{
    eo_event_free((Eo__Event **)item);
}

static int s_collect_event(void *arg, MDB_val *k, MDB_val *v)
{
    (void)k;
    char err[128];
    Eo__Event *ev = eo_event_decode(v->mv_data, v->mv_size, err, sizeof err);
    if (ev && ev->body_case == EO__EVENT__BODY_MESSAGE)
        zlistx_add_end(arg, ev);
    else
        eo_event_free(&ev);
    return 0;
}

static zlistx_t *s_events_of(eo_sms_book_t *self, MDB_dbi dbi, const char *phone)
{
    zlistx_t *list = zlistx_new();
    zlistx_set_destructor(list, s_event_free);
    /* the prefix includes the NUL after the phone */
    if (s_scan(self, dbi, phone, strlen(phone) + 1, s_collect_event, list))
        zlistx_destroy(&list);
    return list;
}

zlistx_t *eo_sms_book_offers(eo_sms_book_t *self, const char *phone)
{
    return s_events_of(self, self->offers, phone);
}

zlistx_t *eo_sms_book_wins(eo_sms_book_t *self, const char *phone)
{
    return s_events_of(self, self->won, phone);
}

int eo_sms_book_offer_close(eo_sms_book_t *self, const char *phone, const char *msg_id)
{
    char key[600];
    size_t klen = s_key2(key, sizeof key, phone, msg_id);
    return klen ? s_del(self, self->offers, s_val(key, klen), "sms.offers del") : EO_EINVAL;
}

int eo_sms_book_request_close(eo_sms_book_t *self, const char *phone, const char *request_id)
{
    int rc = s_txn(self);
    return rc ? rc : s_close_request(self, phone, request_id);
}

int eo_sms_book_phone(eo_sms_book_t *self, const char *phone, char *site, uint32_t *carer_id)
{
    MDB_txn *txn = self->txn;
    int rc = txn ? EO_OK : eo_store_begin(self->store, false, &txn);
    if (rc) return rc;
    MDB_val k = s_str(phone), v;
    rc = mdb_get(txn, self->phones, &k, &v);
    if (rc == 0) {
        const char *rec = v.mv_data;
        size_t slen = strnlen(rec, v.mv_size);
        snprintf(site, EO_SITE_SLUG, "%.*s", (int)slen, rec);
        char num[16] = "";
        if (slen + 1 < v.mv_size)
            snprintf(num, sizeof num, "%.*s", (int)(v.mv_size - slen - 1), rec + slen + 1);
        *carer_id = (uint32_t)strtoul(num, NULL, 10);
    }
    if (txn != self->txn) eo_store_abort(&txn);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    return rc ? eo_store_fail("sms.phones get", rc) : EO_OK;
}

int eo_sms_book_reply_seen(eo_sms_book_t *self, const char *reply_id, bool *seen)
{
    int rc = s_txn(self);
    if (rc) return rc;
    MDB_val k = s_str(reply_id), v = s_val("", 0);
    if (k.mv_size == 0 || k.mv_size > 511) return EO_EINVAL;
    rc = mdb_put(self->txn, self->replies, &k, &v, MDB_NOOVERWRITE);
    *seen = rc == MDB_KEYEXIST;
    return rc && rc != MDB_KEYEXIST ? eo_store_fail("sms.replies put", rc) : EO_OK;
}

int eo_sms_book_outbox_add(eo_sms_book_t *self, const char *site, const Eo__Event *ev,
                           uint64_t *seq)
{
    size_t size;
    uint8_t *body = eo_event_encode(ev, &size);
    if (!body) return EO_EINVAL;
    size_t slen = strlen(site);
    uint8_t *rec = malloc(slen + 1 + size);
    assert(rec);
    memcpy(rec, site, slen + 1);
    memcpy(rec + slen + 1, body, size);
    free(body);
    uint8_t key[8];
    *seq = self->next_seq;
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(*seq >> (56 - 8 * i));
    int rc =
        s_put(self, self->outbox, s_val(key, 8), s_val(rec, slen + 1 + size), "sms.outbox put");
    free(rec);
    if (!rc) self->next_seq++;
    return rc;
}

int eo_sms_book_outbox_del(eo_sms_book_t *self, uint64_t seq)
{
    uint8_t key[8];
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(seq >> (56 - 8 * i));
    return s_del(self, self->outbox, s_val(key, 8), "sms.outbox del");
}

typedef struct {
    void (*fn)(void *arg, uint64_t seq, const char *site, const void *body, size_t size);
    void *arg;
} s_outbox_walk_t;

static int s_outbox_row(void *arg, MDB_val *k, MDB_val *v)
{
    s_outbox_walk_t *w = arg;
    if (k->mv_size != 8) return 0;
    uint64_t seq = 0;
    for (int i = 0; i < 8; i++)
        seq = seq << 8 | ((uint8_t *)k->mv_data)[i];
    const char *rec = v->mv_data;
    size_t slen = strnlen(rec, v->mv_size);
    if (slen >= v->mv_size || slen >= EO_SITE_SLUG) return 0;
    char site[EO_SITE_SLUG];
    memcpy(site, rec, slen + 1);
    w->fn(w->arg, seq, site, rec + slen + 1, v->mv_size - slen - 1);
    return 0;
}

int eo_sms_book_outbox_each(eo_sms_book_t *self,
                            void (*fn)(void *arg, uint64_t seq, const char *site,
                                       const void *body, size_t size),
                            void *arg)
{
    s_outbox_walk_t w = {fn, arg};
    return s_scan(self, self->outbox, "", 0, s_outbox_row, &w);
}

/* When a row was booked: the at_ms of its Event (after the state byte in sms.msgs);
 * -1 if it does not decode (such a row is left alone). */
static int64_t s_booked_ms(const MDB_val *v, size_t skip)
{
    if (v->mv_size <= skip) return -1;
    char err[128];
    Eo__Event *ev =
        eo_event_decode((uint8_t *)v->mv_data + skip, v->mv_size - skip, err, sizeof err);
    int64_t at = ev ? ev->at_ms : -1;
    eo_event_free(&ev);
    return at;
}

/* The keys of up to max rows of dbi after walk's key booked before before_ms; walk's key
 * moves to the last row looked at, *end set when the table is done. */
static int s_forget_scan(eo_sms_book_t *self, MDB_dbi dbi, size_t skip, int64_t before_ms,
                         size_t max, eo_sms_forget_t *walk, zlistx_t *old, bool *end)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(self->txn, dbi, &cur);
    if (rc) return eo_store_fail("sms forget cursor", rc);
    MDB_val k = s_val(walk->key, walk->keylen), v;
    rc = mdb_cursor_get(cur, &k, &v, walk->keylen ? MDB_SET_RANGE : MDB_FIRST);
    if (rc == 0 && walk->keylen && k.mv_size == walk->keylen &&
        memcmp(k.mv_data, walk->key, k.mv_size) == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* looked at in the last batch */
    for (size_t n = 0; rc == 0 && n < max; n++) {
        int64_t at = s_booked_ms(&v, skip);
        if (at >= 0 && at < before_ms) zlistx_add_end(old, zchunk_new(k.mv_data, k.mv_size));
        if (k.mv_size <= sizeof walk->key) {
            memcpy(walk->key, k.mv_data, k.mv_size);
            walk->keylen = k.mv_size;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    *end = rc == MDB_NOTFOUND;
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("sms forget walk", rc) : EO_OK;
}

int eo_sms_book_forget(eo_sms_book_t *self, int64_t before_ms, size_t max,
                       eo_sms_forget_t *walk)
{
    if (walk->phase >= 3) return EO_OK;
    int rc = s_txn(self);
    if (rc) return rc;
    MDB_dbi dbi = walk->phase == 0 ? self->msgs : walk->phase == 1 ? self->offers : self->won;
    zlistx_t *old = zlistx_new();
    zlistx_set_destructor(old, (zlistx_destructor_fn *)zchunk_destroy);
    bool end = false;
    rc = s_forget_scan(self, dbi, walk->phase == 0 ? 1 : 0, before_ms, max, walk, old, &end);
    for (zchunk_t *key = zlistx_first(old); key && !rc; key = zlistx_next(old)) {
        MDB_val k = s_val(zchunk_data(key), zchunk_size(key));
        rc = s_del(self, dbi, k, "sms forget del");
        if (!rc && walk->phase == 0) rc = s_del(self, self->queue, k, "sms.queue del");
        if (!rc) walk->phase == 0 ? walk->messages++ : walk->entries++;
    }
    zlistx_destroy(&old);
    if (!rc && end) {
        walk->phase++;
        walk->keylen = 0;
    }
    return rc;
}
