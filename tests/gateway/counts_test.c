/* gateway.counts: the HTTP request counters stay bounded whatever methods clients send
 * (eo_http_counts_test). */
#include "gateway/counts.h"

int main(void)
{
    zsys_init();
    eo_http_counts_test(true);
    return 0;
}
