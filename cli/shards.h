/* shards: which sites each matcher serves. A site is a shard (its carers, requests and
 * offers live with one matcher and its store), so `eonjena serve` runs several matchers,
 * each with its own store, and an operator spreads them over processes and hosts the
 * same way (docs/deploy.md). */
#ifndef EO_CLI_SHARDS_H
#define EO_CLI_SHARDS_H

#include <czmq.h>

#include "eonjena/eonjena.h"

typedef struct {
    int n;
    char sites[EO_SITE_MAX][EO_SITE_MAX * EO_SITE_SLUG]; /* "suwon,guri" per matcher */
    char stores[EO_SITE_MAX][4096];                      /* eo_shards_serve: their stores */
    bool fresh; /* eo_shards_serve: the split was made now (its stores may be created) */
} eo_shards_t;

/* Matchers when nobody says: one per core. */
int eo_shards_default(void);
/* Every site of the dong table dealt over n matchers (eo_dongs_shards). Returns out->n. */
int eo_shards_plan(const eo_dongs_t *dongs, int n, eo_shards_t *out);
/* The matchers of `eonjena serve` and their stores: server/matchers of them (0: one per
 * core) over every site, the first on the store itself, matcher k on <store>/shard-k. The
 * split is recorded in <store>/shards the first time and must stay the same (a site's
 * cases live in its matcher's store): a different one is refused, saying how to go on.
 * A store that existed before without that file was served by one matcher and keeps
 * one; so does a configuration that names its sites (server/sites). EO_OK, or an error
 * (logged). */
int eo_shards_serve(zconfig_t *config, const eo_dongs_t *dongs, const char *store, bool existed,
                    eo_shards_t *out);

#endif
