/* api.units: the gateway's small pieces: problems, body checks, path segments. */
#include <czmq.h>

#include "gateway/body.h"
#include "gateway/path.h"
#include "gateway/problems.h"

int main(void)
{
    zsys_init();
    eo_problems_test(true);
    eo_body_test(true);
    eo_path_test(true);
    return 0;
}
