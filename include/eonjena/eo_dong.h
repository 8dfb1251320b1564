/* eo_dongs: the 행정동 table and the sites (시군) that own them.
 *
 * Loaded once from data/dong/dong.tsv and data/sites.tsv and read-only afterwards, so it
 * may be shared by every actor of a process without locks. A dong is named by its
 * 10-digit adm_cd, which fits a uint32_t for Seoul (11...) and Gyeonggi (41...).
 * Neighbours are restricted to dongs of the same site (a site is a shard) and made
 * symmetric, as W1 (docs/workload.md) requires. */
#ifndef EO_DONG_H
#define EO_DONG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EO_SITE_MAX 32      /* sites in one table */
#define EO_SITE_SLUG 16     /* bytes, with the NUL */
#define EO_DONG_MAX_NB 16   /* neighbours kept per dong */

enum { EO_SERVICE_VISIT = 1, EO_SERVICE_FACILITY = 2 };

typedef struct {
    char slug[EO_SITE_SLUG]; /* "suwon" */
    char name[32];           /* "수원시" */
    unsigned services;       /* EO_SERVICE_* bits */
    uint32_t n_dongs;
} eo_site_t;

typedef struct {
    uint32_t code;           /* adm_cd */
    int site;                /* index into the sites, -1 if no site serves it */
    char sigungu[40];        /* "수원시 장안구" */
    char name[48];           /* "파장동" */
    double lat, lon;
    uint8_t n_nb;            /* same-site neighbours, symmetric, sorted by code */
    uint32_t nb[EO_DONG_MAX_NB];
} eo_dong_t;

typedef struct eo_dongs_t eo_dongs_t;

/* Load both files. On failure returns NULL and writes a message naming the file and
 * line into err. */
eo_dongs_t *eo_dongs_load(const char *dong_tsv, const char *sites_tsv, char *err, size_t errlen);
/* Load from the data/ folder of the source tree (or $EO_DATA_DIR). */
eo_dongs_t *eo_dongs_load_default(char *err, size_t errlen);
void eo_dongs_destroy(eo_dongs_t **self_p);

size_t eo_dongs_count(const eo_dongs_t *self);
const eo_dong_t *eo_dongs_at(const eo_dongs_t *self, size_t i);        /* sorted by code */
const eo_dong_t *eo_dongs_find(const eo_dongs_t *self, uint32_t code); /* NULL if unknown */
/* Parse a 10-digit code; 0 if the text is not one. */
uint32_t eo_dong_code_parse(const char *text);

size_t eo_dongs_site_count(const eo_dongs_t *self);
const eo_site_t *eo_dongs_site(const eo_dongs_t *self, int site);
/* Index of a site by slug, -1 if unknown. */
int eo_dongs_site_find(const eo_dongs_t *self, const char *slug);
/* The dongs of a site, in code order: *n gets the count. */
const eo_dong_t *const *eo_dongs_of_site(const eo_dongs_t *self, int site, size_t *n);

/* Where the data files are (eo_paths.h): the configuration's server/data, else
 * $EO_DATA_DIR, else the installation's share/eonjena or the checkout's data/. */
const char *eo_data_dir(void);

void eo_dongs_test(bool verbose);

#endif
