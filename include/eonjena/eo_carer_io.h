/* eo_carer_io: carers as TSV text (import / export, docs/index.md "Carer files").
 *
 * A carer file is UTF-8 TSV with a header line naming the columns (any order):
 *   required  id site kind home_dong dongs phone availability check_until training_until
 *   optional  name pool active night_ok providers week_min month_min
 * kind: 1 방문, 2 시설, 3 초청 (or visit / facility / invited); booleans 0/1; dongs and
 * providers comma-separated; dates YYYY-MM-DD (empty = none: never a candidate);
 * availability: space-separated day ranges "mo18:00-22:00 sa08:00-16:00" (days mo tu
 * we th fr sa su; an end before the start runs past midnight into the next day, 24:00
 * ends the day), or "-" for none; week_min / month_min: minutes already booked in the
 * week / month of the import's reference time. Lines starting with '#' are comments. */
#ifndef EO_CARER_IO_H
#define EO_CARER_IO_H

#include <stdio.h>

#include "eo_index.h"

/* Parse availability text into a bitmap. 0 or EO_EINVAL (reason in why). */
int eo_avail_parse(const char *text, uint8_t avail[EO_WEEK_SLOTS / 8], char *why,
                   size_t whylen);
/* Format a bitmap as day ranges that never cross midnight ("-" if empty). */
char *eo_avail_format(const uint8_t avail[EO_WEEK_SLOTS / 8], char *buf, size_t size);

typedef struct eo_carer_tsv_t eo_carer_tsv_t;

/* Parse a header line. NULL with the reason in why if a required column is missing,
 * a column is unknown or repeated. */
eo_carer_tsv_t *eo_carer_tsv_new(const char *header, char *why, size_t whylen);
void eo_carer_tsv_destroy(eo_carer_tsv_t **self_p);
/* Parse one data line (modified in place) into a carer and its booked minutes, and
 * validate it against the dong table. 0 or EO_EINVAL with the reason in why. */
int eo_carer_tsv_parse(eo_carer_tsv_t *self, char *line, const eo_dongs_t *dongs,
                       eo_carer_t *out, uint32_t *week_min, uint32_t *month_min, char *why,
                       size_t whylen);

/* The header line every export writes (all columns, in this order). */
void eo_carer_tsv_write_header(FILE *out);
void eo_carer_tsv_write(FILE *out, const eo_carer_t *carer, uint32_t week_min,
                        uint32_t month_min);

/* Import a carer file into the index, all rows or none: every row is parsed and
 * checked first and each bad row reported to `report` with its line number; only if
 * none is bad are they written, in one transaction that is committed (bulk-loaded if
 * the index is empty, else upserted; a phone used twice is a bad row). Booked minutes
 * are those of the week and month that contain `at`. *rows gets the number of
 * carers. EO_EINVAL if any row is bad (nothing written), EO_EIO if the file cannot be
 * read, else what the store says. */
int eo_carer_import(eo_store_t *store, eo_index_t *index, const char *path, eo_time_t at,
                    FILE *report, size_t *rows);
/* Where an import writes, when not straight into the index: the case store
 * (eo_cases_load_carers / eo_cases_load_carer), so that the load is in its input log and
 * a replay loads the same carers. bulk: every carer into an empty index; one: a carer
 * upserted (week and month 0 when the file has no minutes). Both in the caller's txn. */
typedef struct {
    void *arg;
    int (*bulk)(void *arg, MDB_txn *txn, const eo_carer_t *carers, const uint32_t *week_min,
                const uint32_t *month_min, size_t n, eo_time_t at);
    int (*one)(void *arg, MDB_txn *txn, const eo_carer_t *carer, eo_time_t at,
               uint32_t week_min, uint32_t month_min);
} eo_carer_sink_t;
/* eo_carer_import writing through sink (NULL: into the index). The bulk load is then one
 * transaction. */
int eo_carer_import_to(eo_store_t *store, eo_index_t *index, const char *path, eo_time_t at,
                       FILE *report, size_t *rows, const eo_carer_sink_t *sink);
/* Write every carer as a carer file, with minutes of the week/month containing at. */
int eo_carer_export(eo_store_t *store, eo_index_t *index, FILE *out, eo_time_t at,
                    size_t *rows);

void eo_carer_io_test(bool verbose);

#endif
