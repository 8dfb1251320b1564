/* eonjena: one command, many subcommands (`eonjena help` lists them). */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "eonjena/eonjena.h"

/* One line per subcommand; keep sorted by name. */
static const eo_command_t s_commands[] = {
    {"broker", "run a standalone broker", eo_cmd_broker},
    {"check", "verify the invariants over a store", eo_cmd_check},
    {"demo", "load W1 demo carers into an empty store", eo_cmd_demo},
    {"export", "write the carers of a store as a TSV file", eo_cmd_export},
    {"holiday", "list, add or remove holidays of the calendar file", eo_cmd_holiday},
    {"import", "import carers (TSV) into a store, or a new dong table", eo_cmd_import},
    {"keygen", "write a CURVE certificate pair", eo_cmd_keygen},
    {"log", "print and verify a request's event log", eo_cmd_log},
    {"purge", "remove personal data past its retention period", eo_cmd_purge},
    {"quote", "fee, pay and route breakdown of a service as JSON", eo_cmd_quote},
    {"replay", "rebuild a store from another's input log and compare", eo_cmd_replay},
    {"restrict", "record, impose, check or list use restrictions (이용제한)", eo_cmd_restrict},
    {"serve", "run every role in one process (the embedded default)", eo_cmd_serve},
    {NULL, NULL, NULL},
};

bool eo_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (streq(argv[i], "-h") || streq(argv[i], "--help"))
            return true;
    return false;
}

static void s_usage(FILE *out)
{
    fprintf(out, "usage: eonjena <command> [options]   (eonjena <command> --help)\n\n"
                 "eonjena %s: dispatch server for emergency and after-hours child care.\n\n"
                 "commands:\n",
            EONJENA_VERSION);
    for (const eo_command_t *c = s_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "  %-10s %s\n", "version", "print the version");
}

int main(int argc, char **argv)
{
    if (argc < 2 || streq(argv[1], "help") || streq(argv[1], "-h") ||
        streq(argv[1], "--help")) {
        s_usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (streq(argv[1], "version") || streq(argv[1], "--version")) {
        printf("eonjena %s\n", EONJENA_VERSION);
        return 0;
    }
    for (const eo_command_t *c = s_commands; c->name; c++)
        if (streq(argv[1], c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "eonjena: unknown command '%s'\n", argv[1]);
    s_usage(stderr);
    return 2;
}
