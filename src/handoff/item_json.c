/* item_json.c: HandoffItem -> JSON (see eo_handoff_item.h). */
#include <stdbool.h>
#include <stdint.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_handoff_item.h"

const char *eo_handoff_kind_name(int kind)
{
    switch (kind) {
    case EO__HANDOFF_ITEM__KIND__KIND_SETTLED:
        return "settled";
    case EO__HANDOFF_ITEM__KIND__KIND_WAITING:
        return "waiting";
    case EO__HANDOFF_ITEM__KIND__KIND_ESCALATED:
        return "escalated";
    case EO__HANDOFF_ITEM__KIND__KIND_REOPENED:
        return "reopened";
    case EO__HANDOFF_ITEM__KIND__KIND_REFUSED:
        return "refused";
    default:
        return "unspecified";
    }
}

static json_t *s_time(int64_t t)
{
    char buf[32];
    return t ? json_string(eo_time_format(t, buf, sizeof buf)) : json_null();
}

static const char *s_service_name(int type)
{
    return type == EO__SERVICE_TYPE__SERVICE_VISIT      ? "visit"
           : type == EO__SERVICE_TYPE__SERVICE_FACILITY ? "facility"
                                                        : "unspecified";
}

static json_t *s_request(const Eo__Request *r)
{
    if (!r) return json_null();
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:i, s:s, s:o, s:s, s:s, s:s, s:s, s:i, s:b}",
                     "id", r->id, "site", r->site, "dong", (json_int_t)r->dong, "start",
                     s_time(r->start), "end", s_time(r->end), "carers_needed",
                     (int)r->carers_needed, "type", s_service_name(r->type), "requested_at",
                     s_time(r->requested_at), "member_id", r->member_id, "member_phone",
                     r->member_phone, "child_first_name", r->child_first_name, "address",
                     r->address, "child_age_months", (int)r->child_age_months,
                     "member_verified", (int)r->member_verified);
}

/* fee_json is the rules' breakdown: embed it as JSON when it parses, else as text. */
static json_t *s_fee(const char *text)
{
    if (!text || !*text) return json_null();
    json_t *fee = json_loads(text, JSON_DECODE_ANY, NULL);
    return fee ? fee : json_string(text);
}

json_t *eo_handoff_item_json(const Eo__HandoffItem *item)
{
    json_t *carers = json_array(), *history = json_array();
    for (size_t i = 0; carers && i < item->n_carer_ids; i++)
        json_array_append_new(carers, json_integer(item->carer_ids[i]));
    for (size_t i = 0; history && i < item->n_offer_history; i++)
        json_array_append_new(history, json_string(item->offer_history[i]));
    /* json_pack steals the "o" references, also on failure. */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o?, s:o, s:o, s:o, s:o?, s:o}",
                     "id", item->id, "site", item->site, "provider", item->provider, "kind",
                     eo_handoff_kind_name(item->kind), "request_id", item->request_id,
                     "generation", (json_int_t)item->generation, "request",
                     s_request(item->request), "carer_ids", carers, "service_start",
                     s_time(item->service_start), "service_end", s_time(item->service_end),
                     "fee", s_fee(item->fee_json), "offer_history", history, "created_at",
                     s_time(item->created_at));
}
