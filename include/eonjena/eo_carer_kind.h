/* eo_carer_kind: the kinds of carer, shared by the index (caps it enforces) and the
 * rules (the configured caps). */
#ifndef EO_CARER_KIND_H
#define EO_CARER_KIND_H

typedef enum {
    EO_CARER_VISIT = 1,    /* 방문 아이돌보미: 52 h per ISO week in total */
    EO_CARER_FACILITY = 2, /* 시설 돌보미: 12 h per week of this work */
    EO_CARER_INVITED = 3,  /* 초청 돌보미: 14 h per week and 56 h per calendar month */
} eo_carer_kind_t;

#endif
