/* eo_handoff_item: the JSON form of a HandoffItem: the body of a webhook POST and an entry of a
 * pull provider's queue listing (docs/handoff.md). Times are ISO 8601 in Seoul time, null when
 * unknown. */
#ifndef EO_HANDOFF_ITEM_H
#define EO_HANDOFF_ITEM_H

#include <jansson.h>

#include "core.pb-c.h"

/* A new JSON object (caller json_decref's), NULL on allocation failure. */
json_t *eo_handoff_item_json(const Eo__HandoffItem *item);
/* "settled", "waiting", "escalated" or "unspecified". */
const char *eo_handoff_kind_name(int kind);

#endif
