/* Runs one rules-area class's self-test: selftest <class>. */
#include <czmq.h>

#include "eonjena/eo_calendar.h"
#include "eonjena/eo_reason.h"
#include "eonjena/eo_restrict.h"
#include "eonjena/eo_rules.h"

int main(int argc, char **argv)
{
    zsys_init();
    const char *what = argc > 1 ? argv[1] : "";
    if (streq(what, "calendar"))
        eo_calendar_test(true);
    else if (streq(what, "reason"))
        eo_reason_test(true);
    else if (streq(what, "restrict"))
        eo_restrict_test(true);
    else if (streq(what, "rules"))
        eo_rules_test(true);
    else {
        fprintf(stderr, "selftest: unknown class '%s'\n", what);
        return 2;
    }
    return 0;
}
