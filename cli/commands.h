/* The subcommands of `eonjena`. Each lives in its own cmd_<name>.c and returns the
 * process exit status; each prints its usage for --help / -h. */
#ifndef EO_CLI_COMMANDS_H
#define EO_CLI_COMMANDS_H

#include <stdbool.h>

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} eo_command_t;

/* True if argv holds -h or --help. */
bool eo_cli_wants_help(int argc, char **argv);

/* Subcommands. */
int eo_cmd_broker(int argc, char **argv);
int eo_cmd_check(int argc, char **argv);
int eo_cmd_demo(int argc, char **argv);
int eo_cmd_export(int argc, char **argv);
int eo_cmd_holiday(int argc, char **argv);
int eo_cmd_import(int argc, char **argv);
int eo_cmd_keygen(int argc, char **argv);
int eo_cmd_log(int argc, char **argv);
int eo_cmd_purge(int argc, char **argv);
int eo_cmd_quote(int argc, char **argv);
int eo_cmd_replay(int argc, char **argv);
int eo_cmd_restrict(int argc, char **argv);
int eo_cmd_serve(int argc, char **argv);

#endif
