/* Runs one sms-side class's self-test: selftest <class>. */
#include <czmq.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_phone.h"
#include "eonjena/eo_reply.h"
#include "eonjena/eo_template.h"

int main(int argc, char **argv)
{
    zsys_init();
    const char *what = argc > 1 ? argv[1] : "";
    if (streq(what, "phone"))
        eo_phone_test(true);
    else if (streq(what, "reply"))
        eo_reply_test(true);
    else if (streq(what, "template"))
        eo_templates_test(true);
    else {
        fprintf(stderr, "selftest: unknown class '%s'\n", what);
        return 2;
    }
    return 0;
}
