/* eo_carer_kind: the kinds of carer, shared by the index (caps it enforces) and the
 * rules (the configured caps). */
#ifndef EO_CARER_KIND_H
#define EO_CARER_KIND_H

typedef enum {
    EO_CARER_VISIT = 1,    /* 방문 아이돌보미: 52 h per ISO week in total */
    EO_CARER_FACILITY = 2, /* 시설 돌보미: 12 h per week of this work */
    EO_CARER_INVITED = 3,  /* 초청 돌보미: 14 h per week and 56 h per calendar month */
} eo_carer_kind_t;

#include <stdint.h>

#define EO_CARER_KINDS 4 /* index by kind; 0 is no kind */

/* Working-hour caps in minutes by kind, per ISO week and per calendar month (0: no
 * monthly cap). The numbers are the rules' (data/rules.cfg, eo_rules_caps); the index
 * enforces whatever it is given (eo_index_set_caps). */
typedef struct {
    uint32_t week_min[EO_CARER_KINDS];
    uint32_t month_min[EO_CARER_KINDS];
} eo_caps_t;

#endif
