/* index_query.c: the matching query (see eo_index.h, docs/index.md).
 *
 * Each dong has 168 sorted lists (DUPSORT|DUPFIXED keys in "carer_list", described in
 * index_priv.h) of the pool carers who prefer it and are free somewhere in a 4-hour
 * block of the week, or all through a 4-hour or a 2-hour block; entries are ordered by
 * minutes booked in the reference week (a lower bound of them: booking does not re-key
 * the lists), then id, and carry the availability bitmap, kind and validity. Every
 * candidate of a window is in several of these lists: the query reads the shortest.
 * For a window that starts in the reference week the lists are nearly in answer order:
 * the query walks the request dong's list (tier 1), then merges its neighbours' lists
 * lazily (tier 2), tests each entry in memory, keeps the best k hits by actual minutes
 * and stops once the next key sorts after the k-th. Only entries that pass the bitmap
 * cost reads (their minutes, and the bookings of carers who may hold any). Other
 * weeks, and any week while a re-key is under way (index_rekey.c): the same lists,
 * scanned whole, then sorted. */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "index_priv.h"

typedef struct {
    eo_index_t *index;
    MDB_txn *txn;
    const eo_query_t *q;
    eo_window_t w;
    bool ref;   /* the window starts in the reference week: keys are in its order */
    bool moved; /* some carer was booked since its entries were written */
    bool rekey; /* a re-key is under way: no key, booking count or mark is trusted */
} s_ctx_t;

/* A read position in one dong's list, a page of entries at a time. */
typedef struct {
    MDB_cursor *cur;
    const uint8_t *page;
    size_t n, i;
    uint64_t head; /* sort key of the current entry, host order: merges compare this */
    bool done;
} s_stream_t;

static uint64_t s_key_of(const uint8_t *p)
{
    return (uint64_t)eo_be32_get(p) << 32 | eo_be32_get(p + 4);
}

static int s_stream_open(s_ctx_t *ctx, size_t key, s_stream_t *s)
{
    memset(s, 0, sizeof *s);
    int rc = mdb_cursor_open(ctx->txn, ctx->index->lists, &s->cur);
    if (rc) return eo_store_fail("carer_list cursor", rc);
    MDB_val k = {sizeof key, &key}, v;
    rc = mdb_cursor_get(s->cur, &k, &v, MDB_SET);
    if (rc == 0) rc = mdb_cursor_get(s->cur, &k, &v, MDB_GET_MULTIPLE);
    if (rc == MDB_NOTFOUND) {
        s->done = true;
        return EO_OK;
    }
    if (rc) return eo_store_fail("carer_list get", rc);
    s->page = v.mv_data;
    s->n = v.mv_size / sizeof(eo_entry_t);
    s->done = s->n == 0;
    if (!s->done) s->head = s_key_of(s->page);
    return EO_OK;
}

static const uint8_t *s_stream_peek(const s_stream_t *s)
{
    return s->done ? NULL : s->page + s->i * sizeof(eo_entry_t);
}

static int s_stream_next(s_stream_t *s)
{
    if (++s->i < s->n) {
        s->head = s_key_of(s->page + s->i * sizeof(eo_entry_t));
        return EO_OK;
    }
    MDB_val k, v;
    int rc = mdb_cursor_get(s->cur, &k, &v, MDB_NEXT_MULTIPLE);
    if (rc == MDB_NOTFOUND) {
        s->done = true;
        return EO_OK;
    }
    if (rc) return eo_store_fail("carer_list next", rc);
    s->page = v.mv_data;
    s->n = v.mv_size / sizeof(eo_entry_t);
    s->i = 0;
    s->done = s->n == 0;
    if (!s->done) s->head = s_key_of(s->page);
    return EO_OK;
}

static void s_stream_close(s_stream_t *s)
{
    if (s->cur) mdb_cursor_close(s->cur);
    s->cur = NULL;
}

static bool s_excluded(const eo_query_t *q, uint32_t id)
{
    for (uint32_t i = 0; i < q->n_exclude; i++)
        if (q->exclude[i] == id) return true;
    return false;
}

/* Is this carer a candidate? raw: its entry in a list page (not aligned: fields are
 * copied out). *booked0 gets its actual minutes in the start's week (the entry's sort
 * key is only a lower bound of them in the reference week). */
static int s_check(s_ctx_t *ctx, const uint8_t *raw, uint32_t *booked0, bool *ok)
{
    *ok = false;
    /* Cheap tests first, on the mapped entry alone: availability and validity. */
    if (!eo_window_fits(&ctx->w, raw + offsetof(eo_entry_t, avail))) return EO_OK;
    int32_t valid_until;
    memcpy(&valid_until, raw + offsetof(eo_entry_t, valid_until), sizeof valid_until);
    if (valid_until < ctx->w.last_date) return EO_OK;
    uint8_t kind = raw[offsetof(eo_entry_t, kind)];
    if (ctx->q->kinds && (kind >= 8 || !(ctx->q->kinds & (1u << kind)))) return EO_OK;
    uint32_t id = eo_be32_get(raw + offsetof(eo_entry_t, id_be));
    if (s_excluded(ctx->q, id)) return EO_OK;
    eo_index_t *ix = ctx->index;
    uint32_t week[2] = {0, 0}, month[2] = {0, 0}, key = eo_be32_get(raw);
    const eo_caps_t *caps = &ctx->index->caps;
    if (kind >= EO_CARER_KINDS) return EO_OK;
    if (ctx->ref && key + ctx->w.week_min[0] > caps->week_min[kind])
        return EO_OK; /* over the cap even at the lower bound: no need to read anything */
    /* Booked since its entries were written? Then the key is only a lower bound and
     * the entry's booking count is stale: read the minutes, look at the bookings. */
    bool moved = false;
    int rc = ctx->moved ? eo_index_moved(ix, ctx->txn, id, &moved) : EO_OK;
    if (rc) return rc;
    if (ctx->ref && !moved)
        week[0] = key;
    else if ((rc = eo_index_minutes(ix, ctx->txn, id, 'W', ctx->w.week[0], &week[0])))
        return rc;
    *booked0 = week[0];
    if (ctx->w.week[1] &&
        (rc = eo_index_minutes(ix, ctx->txn, id, 'W', ctx->w.week[1], &week[1])))
        return rc;
    if (caps->month_min[kind]) {
        if ((rc = eo_index_minutes(ix, ctx->txn, id, 'M', ctx->w.month[0], &month[0])))
            return rc;
        if (ctx->w.month[1] &&
            (rc = eo_index_minutes(ix, ctx->txn, id, 'M', ctx->w.month[1], &month[1])))
            return rc;
    }
    if (!eo_window_caps_ok(&ctx->w, caps, kind, week, month)) return EO_OK;
    /* Bookings to look at: those the entry counted when it was written, and any made
     * since (the carer is then marked moved until its entries are rewritten). During a
     * re-key an entry may count the bookings of its target-week 'T' row while the mark
     * speaks of the other: look always. */
    if (raw[offsetof(eo_entry_t, n_book)] || moved || ctx->rekey) {
        bool overlap;
        if ((rc = eo_index_overlaps(ix, ctx->txn, id, ctx->w.start, ctx->w.end, &overlap)))
            return rc;
        if (overlap) return EO_OK;
    }
    *ok = true;
    return EO_OK;
}

/* Pick the stream whose head sorts first; NULL when all are done. */
static s_stream_t *s_merge_min(s_stream_t *s, int n)
{
    s_stream_t *best = NULL;
    for (int i = 0; i < n; i++)
        if (!s[i].done && (!best || s[i].head < best->head)) best = &s[i];
    return best;
}

/* What a walk found, in walk order. */
typedef struct {
    eo_candidate_t *out;
    uint32_t n, cap;
} s_found_t;

static int s_found_add(s_found_t *f, uint32_t id, uint8_t tier, uint32_t booked)
{
    if (f->n == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 64;
        eo_candidate_t *p = realloc(f->out, cap * sizeof *p);
        if (!p) return EO_ENOMEM;
        f->out = p;
        f->cap = cap;
    }
    f->out[f->n++] = (eo_candidate_t){.carer_id = id, .tier = tier, .booked_min = booked};
    return EO_OK;
}

static int s_cmp_candidate(const void *a, const void *b)
{
    const eo_candidate_t *x = a, *y = b;
    if (x->tier != y->tier) return x->tier < y->tier ? -1 : 1;
    if (x->booked_min != y->booked_min) return x->booked_min < y->booked_min ? -1 : 1;
    return x->carer_id < y->carer_id ? -1 : x->carer_id > y->carer_id;
}

/* Keep found->out[from ..] sorted by (booked, id) and at most `want` long overall:
 * insert the new last element in place, then drop what falls past want. */
static void s_found_settle(s_found_t *f, uint32_t from, uint32_t want)
{
    eo_candidate_t c = f->out[f->n - 1];
    uint32_t i = f->n - 1;
    for (; i > from && s_cmp_candidate(&f->out[i - 1], &c) > 0; i--)
        f->out[i] = f->out[i - 1];
    f->out[i] = c;
    if (f->n > want) f->n = want;
}

/* Walk the lists (dongs[i], list) merged in (key, id) order, skipping repeats
 * of a carer (adjacent in the merge: all its entries carry the same key) and the
 * carers found in tier 1 (found->out[0 .. skip_below)): a tier-1 carer that failed
 * there fails here too, as the test does not depend on the tier.
 * Bounded (want < UINT32_MAX, the reference week): the keys are lower bounds of the
 * actual minutes, so hits are kept sorted by (actual minutes, id), the best `want`
 * only, and the walk stops when the next (key, id) sorts after the last kept hit:
 * nothing further can beat it. Unbounded: every hit, in walk order. */
static int s_walk(s_ctx_t *ctx, const uint32_t *dongs, int n_dongs, int list, uint8_t tier,
                  uint32_t skip_below, uint32_t want, s_found_t *found)
{
    s_stream_t streams[EO_DONG_MAX_NB];
    int n = 0, rc = EO_OK;
    bool bounded = want != UINT32_MAX;
    for (; n < n_dongs && rc == EO_OK; n++)
        rc = s_stream_open(ctx, eo_list_key(dongs[n], list), &streams[n]);
    uint32_t last_id = 0, from = found->n;
    while (rc == EO_OK && (bounded || found->n < want)) {
        s_stream_t *s =
            n == 1 ? (streams[0].done ? NULL : &streams[0]) : s_merge_min(streams, n);
        if (!s) break;
        if (bounded && found->n == want) {
            const eo_candidate_t *kth = &found->out[want - 1];
            if (s->head > ((uint64_t)kth->booked_min << 32 | kth->carer_id)) break;
        }
        const uint8_t *raw = s_stream_peek(s);
        uint32_t id = (uint32_t)s->head;
        bool ok = false;
        uint32_t booked = 0;
        if (id != last_id) {
            rc = s_check(ctx, raw, &booked, &ok);
            /* Only hits can be tier-1 carers seen again: look for them then. */
            for (uint32_t i = 0; ok && i < skip_below; i++)
                ok = found->out[i].carer_id != id;
            if (rc == EO_OK && ok) rc = s_found_add(found, id, tier, booked);
            if (rc == EO_OK && ok && bounded) s_found_settle(found, from, want);
        }
        last_id = id;
        if (rc == EO_OK) rc = s_stream_next(s);
    }
    for (int i = 0; i < n; i++)
        s_stream_close(&streams[i]);
    return rc;
}

/* The list (see index_priv.h) whose copies for these dongs are shortest together:
 * "full" / "half" lists of the blocks the window covers, "any" lists of those it
 * touches. */
static int s_pick_list(s_ctx_t *ctx, const uint32_t *dongs, int n_dongs, int *list)
{
    int lists[EO_LIST_COUNT] = {0}, n = 0;
    for (int i = 0; i < ctx->w.n_bytes; i++) {
        int b = ctx->w.bytes[i];
        uint8_t m = ctx->w.mask[b];
        if (m == 0xff) lists[n++] = EO_LIST_FULL + b;
        for (int half = 0; half < 2; half++)
            if (((m >> (half * 4)) & 0xf) == 0xf) lists[n++] = EO_LIST_HALF + 2 * b + half;
    }
    for (int i = 0; i < ctx->w.n_bytes; i++)
        lists[n++] = ctx->w.bytes[i];
    *list = lists[0];
    unsigned best = UINT_MAX;
    for (int i = 0; i < n && n > 1 && best; i++) {
        unsigned total = 0;
        for (int d = 0; d < n_dongs && total < best; d++)
            total += eo_index_count(ctx->index, ctx->txn, dongs[d], lists[i]);
        if (total < best) {
            best = total;
            *list = lists[i];
        }
    }
    return EO_OK;
}

static int s_query_valid(eo_index_t *self, const eo_query_t *q, const eo_dong_t **dong)
{
    if (!q || !q->site || (q->n_exclude && !q->exclude)) return EO_EINVAL;
    int site = eo_dongs_site_find(self->dongs, q->site);
    *dong = eo_dongs_find(self->dongs, q->dong);
    if (site < 0 || !*dong || (*dong)->site != site) return EO_EINVAL;
    return EO_OK;
}

int eo_index_query(eo_index_t *self, MDB_txn *txn, const eo_query_t *q, eo_candidate_t *out,
                   uint32_t *n)
{
    *n = 0;
    const eo_dong_t *dong;
    s_ctx_t ctx = {.index = self, .txn = txn, .q = q};
    if (s_query_valid(self, q, &dong) || eo_window_init(&ctx.w, q->start, q->end))
        return EO_EINVAL;
    if (q->k == 0) return EO_OK;
    eo_time_t ref;
    eo_rekey_t rk;
    int rc = eo_index_ref_week(self, txn, &ref);
    if (rc == EO_OK) rc = eo_index_rekey_get(self, txn, &rk);
    if (rc) return rc;
    ctx.rekey = rk.target != 0;
    ctx.ref = ref && ref == ctx.w.week_start && !ctx.rekey;
    if (!ctx.rekey && (rc = eo_index_moved_any(self, txn, &ctx.moved))) return rc;
    atomic_fetch_add_explicit(ctx.ref ? &self->queries_fast : &self->queries_full, 1,
                              memory_order_relaxed);
    /* In the reference week the walk keeps the best k in order and stops early; else
     * everything is gathered and sorted (entries are not in that week's order). */
    uint32_t want = ctx.ref ? q->k : UINT32_MAX;
    s_found_t found = {NULL, 0, 0};
    /* Several lists hold every candidate: take the shortest, chosen apart for tier 1
     * and tier 2. */
    int list = 0;
    if ((rc = s_pick_list(&ctx, &dong->code, 1, &list))) return rc;
    rc = s_walk(&ctx, &dong->code, 1, list, 1, 0, want, &found);
    if (rc == EO_OK && !ctx.ref && found.n > 1) {
        qsort(found.out, found.n, sizeof *found.out, s_cmp_candidate);
        if (found.n > q->k) found.n = q->k;
    }
    if (rc == EO_OK && found.n < q->k) {
        uint32_t tier1 = found.n;
        rc = s_pick_list(&ctx, dong->nb, dong->n_nb, &list);
        if (rc == EO_OK) rc = s_walk(&ctx, dong->nb, dong->n_nb, list, 2, tier1, want, &found);
        if (rc == EO_OK && !ctx.ref && found.n - tier1 > 1) {
            qsort(found.out + tier1, found.n - tier1, sizeof *found.out, s_cmp_candidate);
            /* Sorted by (booked, id): a carer listed under two neighbours is adjacent. */
            uint32_t w = tier1;
            for (uint32_t i = tier1; i < found.n; i++)
                if (w == tier1 || found.out[w - 1].carer_id != found.out[i].carer_id)
                    found.out[w++] = found.out[i];
            found.n = w;
        }
    }
    if (rc == EO_OK) {
        *n = found.n < q->k ? found.n : q->k;
        if (*n) memcpy(out, found.out, *n * sizeof *out);
    }
    free(found.out);
    return rc;
}
