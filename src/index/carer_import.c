/* carer_import.c: carer files into and out of the index, all rows or none
 * (see eo_carer_io.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_carer_io.h"
#include "eonjena/eo_error.h"

typedef struct {
    eo_carer_t carer;
    uint32_t week_min, month_min;
    int line;
} s_row_t;

typedef struct {
    s_row_t *rows;
    size_t n, cap;
    bool minutes; /* the file has week_min or month_min */
} s_rows_t;

static int s_rows_add(s_rows_t *r, const s_row_t *row)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        s_row_t *p = realloc(r->rows, cap * sizeof *p);
        if (!p) return EO_ENOMEM;
        r->rows = p;
        r->cap = cap;
    }
    r->rows[r->n++] = *row;
    return EO_OK;
}

/* Read and check every row; returns the number of bad rows (reported), or < 0. */
static int s_read(const char *path, const eo_dongs_t *dongs, FILE *report, s_rows_t *out)
{
    FILE *f = streq(path, "-") ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(report, "%s: %s\n", path, strerror(errno));
        return EO_EIO;
    }
    char *line = NULL, why[160];
    size_t size = 0;
    int lineno = 0, bad = 0, rc = EO_OK;
    eo_carer_tsv_t *tsv = NULL;
    while (rc == EO_OK && getline(&line, &size, f) >= 0) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, "\r\n")] == '\0')
            continue; /* comments and blank lines */
        if (!tsv) {
            if (!(tsv = eo_carer_tsv_new(line, why, sizeof why))) {
                fprintf(report, "%s:%d: %s\n", path, lineno, why);
                bad++;
                break;
            }
            out->minutes = strstr(line, "week_min") || strstr(line, "month_min");
            continue;
        }
        s_row_t row = {.line = lineno};
        if (eo_carer_tsv_parse(tsv, line, dongs, &row.carer, &row.week_min, &row.month_min, why,
                               sizeof why)) {
            if (bad++ < 50) fprintf(report, "%s:%d: %s\n", path, lineno, why);
            continue;
        }
        rc = s_rows_add(out, &row);
    }
    if (rc == EO_OK && ferror(f)) {
        fprintf(report, "%s: read error\n", path);
        rc = EO_EIO;
    }
    if (rc == EO_OK && !tsv && !bad) {
        fprintf(report, "%s: no header line\n", path);
        bad++;
    }
    free(line);
    eo_carer_tsv_destroy(&tsv);
    if (f != stdin) fclose(f);
    return rc ? rc : bad;
}

static int s_cmp_id(const void *a, const void *b)
{
    uint32_t x = ((const s_row_t *)a)->carer.id, y = ((const s_row_t *)b)->carer.id;
    return x < y ? -1 : x > y;
}

static int s_cmp_phone(const void *a, const void *b)
{
    return strcmp((*(const s_row_t *const *)a)->carer.phone,
                  (*(const s_row_t *const *)b)->carer.phone);
}

/* A carer twice, or two carers with one phone, make the later line bad. */
static int s_duplicates(const char *path, s_rows_t *r, FILE *report)
{
    int bad = 0;
    if (r->n < 2) return 0; /* also: qsort of no rows (NULL) is undefined */
    qsort(r->rows, r->n, sizeof *r->rows, s_cmp_id);
    for (size_t i = 1; i < r->n; i++)
        if (r->rows[i].carer.id == r->rows[i - 1].carer.id && bad++ < 50)
            fprintf(
                report, "%s:%d: carer %u is also on line %d\n", path,
                r->rows[i].line > r->rows[i - 1].line ? r->rows[i].line : r->rows[i - 1].line,
                r->rows[i].carer.id,
                r->rows[i].line > r->rows[i - 1].line ? r->rows[i - 1].line : r->rows[i].line);
    s_row_t **by_phone = malloc((r->n + 1) * sizeof *by_phone);
    if (!by_phone) return EO_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        by_phone[i] = &r->rows[i];
    qsort(by_phone, r->n, sizeof *by_phone, s_cmp_phone);
    for (size_t i = 1; i < r->n; i++)
        if (streq(by_phone[i]->carer.phone, by_phone[i - 1]->carer.phone) && bad++ < 50)
            fprintf(report, "%s:%d: phone of carer %u is also carer %u's\n", path,
                    by_phone[i]->line, by_phone[i]->carer.id, by_phone[i - 1]->carer.id);
    free(by_phone);
    return bad;
}

/* Empty index: one bulk load, all or nothing: in chunked transactions into the index, or
 * through the sink in one transaction that finds the index still empty. */
static int s_write_bulk(eo_index_t *index, eo_store_t *store, s_rows_t *r, eo_time_t at,
                        const eo_carer_sink_t *sink)
{
    eo_carer_t *carers = malloc((r->n + 1) * sizeof *carers);
    uint32_t *week = malloc((r->n + 1) * sizeof *week);
    uint32_t *month = malloc((r->n + 1) * sizeof *month);
    int rc = carers && week && month ? EO_OK : EO_ENOMEM;
    for (size_t i = 0; rc == EO_OK && i < r->n; i++) {
        carers[i] = r->rows[i].carer;
        week[i] = r->rows[i].week_min;
        month[i] = r->rows[i].month_min;
    }
    MDB_txn *txn = NULL;
    size_t existing = 0;
    if (rc == EO_OK && !sink)
        rc = eo_index_load_store(index, store, carers, week, month, r->n, at);
    else if (rc == EO_OK && (rc = eo_store_begin(store, true, &txn)) == EO_OK &&
             (rc = eo_index_size(index, txn, &existing)) == EO_OK)
        rc = existing ? EO_EEXIST : sink->bulk(sink->arg, txn, carers, week, month, r->n, at);
    if (rc == EO_OK && txn) rc = eo_store_commit(store, &txn);
    eo_store_abort(&txn);
    free(carers);
    free(week);
    free(month);
    return rc;
}

/* One carer: its minutes (if the file has them), then the record. */
static int s_write_one(eo_index_t *index, MDB_txn *txn, const s_rows_t *r, const s_row_t *row,
                       eo_time_t at, const eo_carer_sink_t *sink)
{
    if (sink)
        return sink->one(sink->arg, txn, &row->carer, at, r->minutes ? row->week_min : 0,
                         r->minutes ? row->month_min : 0);
    int rc = r->minutes ? eo_index_set_booked(index, txn, row->carer.id, at, row->week_min,
                                              row->month_min)
                        : EO_OK;
    return rc ? rc : eo_index_put(index, txn, &row->carer);
}

/* Else: upserts, minutes only if the file has them. */
static int s_write_each(eo_index_t *index, MDB_txn *txn, s_rows_t *r, eo_time_t at,
                        const char *path, FILE *report, const eo_carer_sink_t *sink)
{
    for (size_t i = 0; i < r->n; i++) {
        const s_row_t *row = &r->rows[i];
        int rc = s_write_one(index, txn, r, row, at, sink);
        if (rc == EO_EEXIST)
            fprintf(report, "%s:%d: phone already belongs to another carer\n", path, row->line);
        else if (rc)
            fprintf(report, "%s:%d: %s\n", path, row->line, eo_strerror(rc));
        if (rc) return rc == EO_EEXIST ? EO_EINVAL : rc;
    }
    return EO_OK;
}

int eo_carer_import(eo_store_t *store, eo_index_t *index, const char *path, eo_time_t at,
                    FILE *report, size_t *rows)
{
    return eo_carer_import_to(store, index, path, at, report, rows, NULL);
}

int eo_carer_import_to(eo_store_t *store, eo_index_t *index, const char *path, eo_time_t at,
                       FILE *report, size_t *rows, const eo_carer_sink_t *sink)
{
    s_rows_t r = {NULL, 0, 0, false};
    *rows = 0;
    int bad = s_read(path, eo_index_dongs(index), report, &r);
    if (bad == 0) bad = s_duplicates(path, &r, report);
    if (bad != 0) {
        if (bad > 0)
            fprintf(report, "%s: %d bad row%s: nothing imported\n", path, bad,
                    bad > 1 ? "s" : "");
        free(r.rows);
        return bad > 0 ? EO_EINVAL : bad;
    }
    MDB_txn *txn = NULL;
    size_t existing = 0;
    int rc = eo_store_begin(store, false, &txn);
    if (rc == EO_OK) rc = eo_index_size(index, txn, &existing);
    eo_store_abort(&txn);
    if (rc == EO_OK && existing == 0 && r.n)
        rc = s_write_bulk(index, store, &r, at, sink); /* checks emptiness again */
    else if (rc == EO_OK) {
        rc = eo_store_begin(store, true, &txn);
        if (rc == EO_OK) rc = s_write_each(index, txn, &r, at, path, report, sink);
        if (rc == EO_OK) rc = eo_store_commit(store, &txn);
        eo_store_abort(&txn);
    }
    if (rc) fprintf(report, "%s: nothing imported (%s)\n", path, eo_strerror(rc));
    if (rc == EO_OK) *rows = r.n;
    free(r.rows);
    return rc;
}

typedef struct {
    eo_index_t *index;
    MDB_txn *txn;
    FILE *out;
    eo_time_t at;
    size_t rows;
    int rc;
} s_export_t;

static int s_export_one(void *arg, const eo_carer_t *carer)
{
    s_export_t *x = arg;
    uint32_t week, month;
    x->rc = eo_index_booked(x->index, x->txn, carer->id, x->at, &week, &month);
    if (x->rc) return -1;
    eo_carer_tsv_write(x->out, carer, week, month);
    x->rows++;
    return 0;
}

int eo_carer_export(eo_store_t *store, eo_index_t *index, FILE *out, eo_time_t at, size_t *rows)
{
    s_export_t x = {index, NULL, out, at, 0, EO_OK};
    int rc = eo_store_begin(store, false, &x.txn);
    if (rc) return rc;
    eo_carer_tsv_write_header(out);
    rc = eo_index_each(index, x.txn, s_export_one, &x);
    eo_store_abort(&x.txn);
    *rows = x.rows;
    if (rc == EO_OK && x.rc) rc = x.rc;
    if (rc == EO_OK && (fflush(out) || ferror(out))) rc = EO_EIO;
    return rc;
}
