/* journal.c: the append-only, hash-chained event log of each case.
 *
 * Entry n of case `id` is stored under id \0 n(BE32) as
 *   at_ms(BE64) prev[32] hash[32] who \0 what \0 detail \0
 * with hash = SHA-256(id \0 n at_ms prev who \0 what \0 detail \0). Entry 0's prev is
 * all zero; the case record keeps the last hash, so editing, dropping or reordering any
 * entry breaks the chain that eo_cases_log_print verifies. */
#include <openssl/sha.h>
#include <string.h>

#include "cases_int.h"

#define S_HEAD 72 /* at_ms + prev + hash */

static void s_hash(const char *id, uint32_t n, const uint8_t *entry, size_t size, uint8_t *out)
{
    size_t idn = strlen(id);
    uint8_t *buf = malloc(idn + 5 + size);
    assert(buf);
    memcpy(buf, id, idn);
    buf[idn] = 0;
    eo_be32(buf + idn + 1, n);
    /* at_ms and prev, skip the hash itself, then the texts */
    memcpy(buf + idn + 5, entry, 40);
    memcpy(buf + idn + 45, entry + S_HEAD, size - S_HEAD);
    SHA256(buf, idn + 5 + 40 + size - S_HEAD, out);
    free(buf);
}

int eo_journal_append(eo_cases_t *self, MDB_txn *txn, eo_case_t *c, const char *who,
                      const char *what, const char *detail)
{
    detail = detail ? detail : "";
    size_t nw = strlen(who) + 1, nt = strlen(what) + 1, nd = strlen(detail) + 1;
    size_t size = S_HEAD + nw + nt + nd;
    uint8_t *e = malloc(size);
    if (!e)
        return EO_ENOMEM;
    eo_be64(e, (uint64_t)self->now_ms);
    memcpy(e + 8, c->log_hash, 32);
    memcpy(e + S_HEAD, who, nw);
    memcpy(e + S_HEAD + nw, what, nt);
    memcpy(e + S_HEAD + nw + nt, detail, nd);
    s_hash(c->id, c->log_n, e, size, e + 40);
    uint8_t key[EO_CASE_ID_MAX + 8];
    MDB_val k = {(size_t)eo_offer_key(c->id, c->log_n, key, sizeof key), key};
    MDB_val v = {size, e};
    int rc = mdb_put(txn, self->journal, &k, &v, MDB_NOOVERWRITE);
    if (rc == 0) {
        memcpy(c->log_hash, e + 40, 32);
        c->log_n++;
    }
    free(e);
    return rc ? eo_store_fail("append journal", rc) : EO_OK;
}

static void s_hex(const uint8_t *h, char *out)
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", h[i]);
}

int eo_cases_log_print(eo_cases_t *self, MDB_txn *txn, const char *id, FILE *out)
{
    eo_case_t c;
    int rc = eo_cases_get(self, txn, id, &c);
    if (rc)
        return rc;
    uint8_t prev[32] = {0};
    int result = EO_OK;
    uint32_t n;
    for (n = 0; n < c.log_n; n++) {
        uint8_t key[EO_CASE_ID_MAX + 8];
        MDB_val k = {(size_t)eo_offer_key(id, n, key, sizeof key), key}, v;
        if ((rc = mdb_get(txn, self->journal, &k, &v))) {
            fprintf(out, "BROKEN: entry %u is missing\n", n);
            return EO_EINVAL;
        }
        const uint8_t *e = v.mv_data;
        uint8_t h[32];
        if (v.mv_size < S_HEAD + 3 || e[v.mv_size - 1] != 0) {
            fprintf(out, "BROKEN: entry %u is malformed\n", n);
            return EO_EINVAL;
        }
        s_hash(id, n, e, v.mv_size, h);
        bool ok = memcmp(prev, e + 8, 32) == 0 && memcmp(h, e + 40, 32) == 0;
        const char *who = (const char *)e + S_HEAD;
        const char *what = who + strlen(who) + 1;
        const char *detail = what + strlen(what) + 1;
        if ((const uint8_t *)detail >= e + v.mv_size) {
            fprintf(out, "BROKEN: entry %u is malformed\n", n);
            return EO_EINVAL;
        }
        char when[32], hex[65];
        eo_time_format((eo_time_t)(eo_get_be64(e) / 1000), when, sizeof when);
        s_hex(e + 40, hex);
        fprintf(out, "%3u %s %-12s %-28s %s  %.16s%s\n", n, when, who, what, detail, hex,
                ok ? "" : "  <- BROKEN");
        if (!ok && result == EO_OK)
            result = EO_EINVAL;
        memcpy(prev, e + 40, 32);
    }
    if (result == EO_OK && memcmp(prev, c.log_hash, 32) != 0) {
        fprintf(out, "BROKEN: the case's last hash does not match entry %u\n", n - 1);
        result = EO_EINVAL;
    }
    fprintf(out, "%s: %u entries, chain %s\n", id, c.log_n, result ? "BROKEN" : "verified");
    return result;
}
