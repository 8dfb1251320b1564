/* records.c: the input log's carer loads and configuration as protobuf messages
 * (proto/inputs.proto), so that what a store recorded means the same to every later
 * build (see cases_priv.h). */
#include <stdlib.h>
#include <string.h>

#include "cases_priv.h"
#include "inputs.pb-c.h"

uint8_t *eo_carer_load_encode(const eo_carer_t *carers, const uint32_t *week_min,
                              const uint32_t *month_min, size_t n, eo_time_t at, size_t *size)
{
    Eo__CarerLoad load = EO__CARER_LOAD__INIT;
    Eo__CarerUpsert *msgs = calloc(n + 1, sizeof *msgs);
    Eo__CarerUpsert **ptrs = calloc(n + 1, sizeof *ptrs);
    uint32_t(*dongs)[EO_CARER_MAX_DONGS] = calloc(n + 1, sizeof *dongs);
    uint32_t(*providers)[EO_CARER_MAX_PROVIDERS] = calloc(n + 1, sizeof *providers);
    uint32_t *zeros = calloc(n + 1, sizeof *zeros);
    uint8_t *out = NULL;
    if (msgs && ptrs && dongs && providers && zeros) {
        for (size_t i = 0; i < n; i++) {
            eo_carer_to_upsert(&carers[i], &msgs[i], dongs[i], providers[i]);
            ptrs[i] = &msgs[i];
        }
        load.at = at;
        load.n_carers = load.n_week_min = load.n_month_min = n;
        load.carers = ptrs;
        load.week_min = (uint32_t *)(week_min ? week_min : zeros);
        load.month_min = (uint32_t *)(month_min ? month_min : zeros);
        *size = eo__carer_load__get_packed_size(&load);
        if ((out = malloc(*size ? *size : 1))) eo__carer_load__pack(&load, out);
    }
    free(msgs);
    free(ptrs);
    free(dongs);
    free(providers);
    free(zeros);
    return out;
}

int eo_carer_load_decode(const uint8_t *data, size_t size, eo_carer_t **carers,
                         uint32_t **week_min, uint32_t **month_min, size_t *n, eo_time_t *at)
{
    *carers = NULL;
    *week_min = *month_min = NULL;
    Eo__CarerLoad *load = eo__carer_load__unpack(NULL, size, data);
    if (!load) return EO_EINVAL;
    size_t count = load->n_carers;
    int rc = load->n_week_min == count && load->n_month_min == count ? EO_OK : EO_EINVAL;
    if (rc == EO_OK) {
        *carers = malloc((count + 1) * sizeof **carers);
        *week_min = malloc((count + 1) * sizeof **week_min);
        *month_min = malloc((count + 1) * sizeof **month_min);
        rc = *carers && *week_min && *month_min ? EO_OK : EO_ENOMEM;
    }
    for (size_t i = 0; rc == EO_OK && i < count; i++) {
        rc = eo_carer_from_upsert(load->carers[i], &(*carers)[i]);
        (*week_min)[i] = load->week_min[i];
        (*month_min)[i] = load->month_min[i];
    }
    *n = count;
    *at = load->at;
    eo__carer_load__free_unpacked(load, NULL);
    if (rc) {
        free(*carers);
        free(*week_min);
        free(*month_min);
        *carers = NULL;
        *week_min = *month_min = NULL;
    }
    return rc;
}

uint8_t *eo_cases_config_encode(const eo_cases_config_t *cfg, size_t *size)
{
    Eo__CasesConfig m = EO__CASES_CONFIG__INIT;
    m.wave_k = cfg->wave_k;
    m.n_wave_timeout_s = EO_SITE_MAX;
    m.wave_timeout_s = (int32_t *)cfg->wave_timeout_s;
    m.min_lead_s = cfg->min_lead_s;
    m.escalate_lead_s = cfg->escalate_lead_s;
    m.always_pool = cfg->always_pool;
    m.callcentre_phone = (char *)cfg->callcentre_phone;
    *size = eo__cases_config__get_packed_size(&m);
    uint8_t *out = malloc(*size ? *size : 1);
    if (out) eo__cases_config__pack(&m, out);
    return out;
}

int eo_cases_config_decode(const uint8_t *data, size_t size, eo_cases_config_t *cfg)
{
    Eo__CasesConfig *m = eo__cases_config__unpack(NULL, size, data);
    if (!m) return EO_EINVAL;
    eo_cases_config_defaults(cfg);
    int rc = m->n_wave_timeout_s <= EO_SITE_MAX && m->callcentre_phone &&
                     strlen(m->callcentre_phone) < sizeof cfg->callcentre_phone
                 ? EO_OK
                 : EO_EINVAL;
    if (rc == EO_OK) {
        cfg->wave_k = m->wave_k;
        for (size_t i = 0; i < m->n_wave_timeout_s; i++)
            cfg->wave_timeout_s[i] = m->wave_timeout_s[i];
        cfg->min_lead_s = m->min_lead_s;
        cfg->escalate_lead_s = m->escalate_lead_s;
        cfg->always_pool = m->always_pool;
        snprintf(cfg->callcentre_phone, sizeof cfg->callcentre_phone, "%s",
                 m->callcentre_phone);
    }
    eo__cases_config__free_unpacked(m, NULL);
    return rc;
}
