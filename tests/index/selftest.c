/* index.selftest: the class self-tests of the index area. */
#include <czmq.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_w1.h"

int main(void)
{
    zsys_init();
    eo_index_test(true);
    eo_w1_test(true);
    return 0;
}
