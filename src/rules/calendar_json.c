/* calendar_json.c: the holiday list as JSON, for GET /v1/holidays (see eo_calendar.h). */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "eonjena/eo_calendar.h"

char *eo_calendar_list_json(eo_calendar_t *self, int32_t from, int32_t to)
{
    size_t n = eo_calendar_list(self, from, to, NULL, 0);
    eo_holiday_t *days = calloc(n ? n : 1, sizeof *days);
    json_t *list = json_array();
    char *text = NULL;
    if (!days || !list) goto done;
    n = eo_calendar_list(self, from, to, days, n);
    for (size_t i = 0; i < n; i++) {
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d", days[i].date / 10000,
                 days[i].date / 100 % 100, days[i].date % 100);
        json_t *item = json_pack("{s:s, s:s, s:b, s:s}", "date", date, "kind",
                                 eo_holiday_kind_name(days[i].kind), "facility_closed",
                                 days[i].facility_closed, "name", days[i].name);
        if (!item || json_array_append_new(list, item)) goto done;
    }
    text = json_dumps(list, JSON_COMPACT);
done:
    json_decref(list);
    free(days);
    return text;
}
