/* index_events.c: carer events (proto/carer.proto) applied to the index in the caller's
 * transaction. The generated protobuf-c types stay in this file. */
#include <string.h>

#include <czmq.h>

#include "core.pb-c.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_index.h"

int eo_carer_from_upsert(const Eo__CarerUpsert *m, eo_carer_t *c)
{
    memset(c, 0, sizeof *c);
    if (!m->site || strlen(m->site) >= sizeof c->site || !m->phone ||
        strlen(m->phone) >= sizeof c->phone || !m->name || strlen(m->name) >= sizeof c->name ||
        m->n_dongs > EO_CARER_MAX_DONGS || m->n_providers > EO_CARER_MAX_PROVIDERS ||
        m->availability.len != sizeof c->avail || m->kind > 255)
        return EO_EINVAL;
    c->id = m->id;
    strcpy(c->site, m->site);
    c->kind = (uint8_t)m->kind;
    c->pool = m->pool;
    c->active = m->active;
    c->night_ok = m->night_ok;
    c->home_dong = m->home_dong;
    c->n_dongs = (uint8_t)m->n_dongs;
    memcpy(c->dongs, m->dongs, m->n_dongs * sizeof *m->dongs);
    strcpy(c->phone, m->phone);
    strcpy(c->name, m->name);
    memcpy(c->avail, m->availability.data, sizeof c->avail);
    c->check_until = m->check_until;
    c->training_until = m->training_until;
    c->n_providers = (uint8_t)m->n_providers;
    for (size_t i = 0; i < m->n_providers; i++) {
        if (m->providers[i] > UINT16_MAX) return EO_EINVAL;
        c->providers[i] = (uint16_t)m->providers[i];
    }
    return EO_OK;
}

void eo_carer_to_upsert(const eo_carer_t *c, Eo__CarerUpsert *m,
                        uint32_t dongs[EO_CARER_MAX_DONGS],
                        uint32_t providers[EO_CARER_MAX_PROVIDERS])
{
    eo__carer_upsert__init(m);
    m->id = c->id;
    m->site = (char *)c->site;
    m->kind = c->kind;
    m->pool = c->pool;
    m->active = c->active;
    m->night_ok = c->night_ok;
    m->home_dong = c->home_dong;
    m->n_dongs = c->n_dongs;
    memcpy(dongs, c->dongs, c->n_dongs * sizeof *dongs);
    m->dongs = dongs;
    m->phone = (char *)c->phone;
    m->name = (char *)c->name;
    m->availability.len = sizeof c->avail;
    m->availability.data = (uint8_t *)c->avail;
    m->check_until = c->check_until;
    m->training_until = c->training_until;
    m->n_providers = c->n_providers;
    for (int i = 0; i < c->n_providers; i++)
        providers[i] = c->providers[i];
    m->providers = providers;
}

int eo_index_apply(eo_index_t *self, MDB_txn *txn, const struct Eo__Event *event)
{
    if (!event) return EO_EINVAL;
    eo_carer_t c;
    int rc;
    switch (event->body_case) {
    case EO__EVENT__BODY_CARER_UPSERT:
        if (!event->carer_upsert || eo_carer_from_upsert(event->carer_upsert, &c))
            return EO_EINVAL;
        return eo_index_put(self, txn, &c);
    case EO__EVENT__BODY_CARER_DEACTIVATE:
        if (!event->carer_deactivate) return EO_EINVAL;
        if ((rc = eo_index_get(self, txn, event->carer_deactivate->id, &c))) return rc;
        c.active = false;
        return eo_index_put(self, txn, &c);
    case EO__EVENT__BODY_CARER_AVAILABILITY:
        if (!event->carer_availability ||
            event->carer_availability->availability.len != sizeof c.avail)
            return EO_EINVAL;
        if ((rc = eo_index_get(self, txn, event->carer_availability->id, &c))) return rc;
        memcpy(c.avail, event->carer_availability->availability.data, sizeof c.avail);
        return eo_index_put(self, txn, &c);
    default:
        return EO_EINVAL;
    }
}
