/* tsv.c: tab-separated lines (see eo_tsv.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "eonjena/eo_tsv.h"

void eo_tsv_chomp(char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
}

int eo_tsv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) return n;
        *tab = '\0';
        p = tab + 1;
    }
    return max + 1; /* too many */
}

void eo_tsv_test(bool verbose)
{
    if (verbose) printf(" * eo_tsv: ");
    char line[] = "a\tb\t\tc\r\n", *f[4];
    eo_tsv_chomp(line);
    assert(strcmp(line, "a\tb\t\tc") == 0);
    assert(eo_tsv_split(line, f, 4) == 4);
    assert(strcmp(f[0], "a") == 0 && strcmp(f[1], "b") == 0 && *f[2] == '\0' &&
           strcmp(f[3], "c") == 0);
    char more[] = "1\t2\t3", *g[2];
    assert(eo_tsv_split(more, g, 2) == 3 && strcmp(g[0], "1") == 0);
    char one[] = "", *h[1];
    assert(eo_tsv_split(one, h, 1) == 1 && *h[0] == '\0');
    if (verbose) printf("OK\n");
}
