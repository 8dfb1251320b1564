/* eo_providers: the provider agencies (서비스제공기관) of each site, from the `providers`
 * section of the configuration, and how each wants its hand-offs.
 *
 *   providers
 *       suwon-family                      # provider id (the key of its queue)
 *           name = "수원시가족센터"
 *           site = suwon                  # slug (data/sites.tsv)
 *           default = 1                   # takes the site's items that name no provider
 *           hours = "mon-fri 09:00-18:00" # default; closed on holidays unless
 *           holidays = closed             #   holidays = open
 *           contact = "+82 31-000-0000"
 *           mode = webhook                # webhook | pull
 *           url = "https://provider.example/eonjena/handoff"
 *           secret = "..."                # HMAC key; or secret_file = path (pull: optional)
 *           number = 1                    # 시설형: the number carers' records name it by
 *           facility_dong = 4111156000    # 시설형: where its facility is
 *           regular = "09:00-18:00"       # 시설형: the facility's regular hours
 *           centre = 0                    # 1: the site's 아동돌봄센터
 *
 * A misconfigured provider stops loading with a message naming it (no half-loaded
 * set). The first provider of a site is its default unless one says default = 1. */
#ifndef EO_PROVIDER_H
#define EO_PROVIDER_H

#include <czmq.h>

#include "eonjena/eo_hours.h"

#define EO_PROVIDER_ID_MAX 64

typedef enum { EO_DELIVERY_WEBHOOK = 1, EO_DELIVERY_PULL = 2 } eo_delivery_mode_t;

typedef struct {
    char id[EO_PROVIDER_ID_MAX];
    char *name;
    char site[32];
    char *contact;
    eo_hours_t hours;
    eo_delivery_mode_t mode;
    char *url;    /* webhook only */
    char *secret; /* HMAC key: webhooks (required), pull lists (optional, "" if none) */
    bool is_default;
    /* 시설형 (issue 17): where its facility is, the number carers' records name it by
     * (eo_carer_t.providers), its regular hours (no carer allowance inside them) and
     * whether it is the site's 아동돌봄센터 (the third tier of the matching order) */
    uint16_t number;              /* 0: carers do not name it */
    uint32_t facility_dong;       /* adm_cd of its facility; 0: it runs none */
    int regular_from, regular_to; /* minutes of the day; equal: none */
    bool centre;
} eo_provider_t;

typedef struct eo_providers_t eo_providers_t;

/* Read the `providers` section of config (may be absent: an empty set). NULL on a bad
 * entry with the reason in err. */
eo_providers_t *eo_providers_load(zconfig_t *config, char *err, size_t errlen);
void eo_providers_destroy(eo_providers_t **self_p);
size_t eo_providers_count(const eo_providers_t *self);
const eo_provider_t *eo_providers_at(const eo_providers_t *self, size_t i);
/* By id; NULL if unknown. */
const eo_provider_t *eo_providers_find(const eo_providers_t *self, const char *id);
/* The provider that takes an item of `site` naming `id` ("" or NULL: the site's
 * default). NULL if none, or if the named one belongs to another site. */
const eo_provider_t *eo_providers_route(const eo_providers_t *self, const char *site,
                                        const char *id);

void eo_providers_test(bool verbose);

#endif
