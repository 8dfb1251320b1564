/* eo_tsv: the tab-separated lines of the data files (dong tables, carer imports). */
#ifndef EO_TSV_H
#define EO_TSV_H

#include <stdbool.h>

/* Drop the line's trailing "\n" or "\r\n" in place. */
void eo_tsv_chomp(char *line);
/* Split line on tabs in place into at most max fields; the count, or max + 1 when the
 * line has more fields than that (the extra ones are not split off). */
int eo_tsv_split(char *line, char **fields, int max);

void eo_tsv_test(bool verbose);

#endif
