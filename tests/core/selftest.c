/* Runs one core class's self-test: selftest <class>. */
#include <czmq.h>

#include "eonjena/eo_tsv.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_addr.h"
#include "eonjena/eo_keys.h"
#include "eonjena/eo_heap.h"
#include "eonjena/eo_sha256.h"

int main(int argc, char **argv)
{
    zsys_init();
    const char *what = argc > 1 ? argv[1] : "";
    if (streq(what, "time"))
        eo_time_test(true);
    else if (streq(what, "store"))
        eo_store_test(true);
    else if (streq(what, "codec"))
        eo_codec_test(true);
    else if (streq(what, "broker"))
        eo_broker_test(true);
    else if (streq(what, "dong"))
        eo_dongs_test(true);
    else if (streq(what, "cases"))
        eo_cases_test(true);
    else if (streq(what, "keys"))
        eo_keys_test(true);
    else if (streq(what, "addr"))
        eo_addr_test(true);
    else if (streq(what, "log"))
        eo_log_test(true);
    else if (streq(what, "tsv"))
        eo_tsv_test(true);
    else if (streq(what, "sha256"))
        eo_sha256_test(true);
    else if (streq(what, "heap"))
        eo_heap_test(true);
    else {
        fprintf(stderr, "selftest: unknown class '%s'\n", what);
        return 2;
    }
    return 0;
}
