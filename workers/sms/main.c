/* eonjena-sms: the sms role as its own process (see sms.h). */
#include "sms.h"

int main(int argc, char **argv)
{
    return eo_role_main(
        argc, argv,
        "Serves service \"sms\" for its sites: sends offers and notices through "
        "the adapter\nconfigured per site (kannel, http, sim, file), turns "
        "replies and delivery reports\ninto events for the matcher "
        "(docs/architecture.md).",
        eo_sms_actor, EO_ROLE_STORE);
}
