/* config: the configuration every command and role reads (etc/eonjena.cfg), checked
 * against ONE table of every key the code reads (config.c), with its type, range and
 * default (docs/operations.md "Configuration").
 *
 *   - an unknown key, or a value of the wrong type or out of range, refuses to start,
 *     naming the file, the line and the key: "eonjena.cfg:31: matcher/wave_kk: unknown
 *     key";
 *   - every key can be set from the environment: EONJENA_ and the key's path in
 *     capitals with '/' and '-' written '_' (gateway/listen: EONJENA_GATEWAY_LISTEN;
 *     providers/suwon-provider/url: EONJENA_PROVIDERS_SUWON_PROVIDER_URL, for a
 *     section the file has). The environment wins over the file, command-line options
 *     win over both. A variable starting with EONJENA_ that names no key refuses too;
 *   - every key the file leaves out gets its default, so the loaded tree IS the
 *     effective configuration, which `eonjena config check` prints (secrets masked,
 *     each value with where it came from).
 * A new key the code reads needs a row in the table, or a file that sets it is refused. */
#ifndef EO_CONFIG_H
#define EO_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include <czmq.h>

/* Load the file, apply the EONJENA_* variables, check every key, fill in the defaults,
 * and apply what the process itself takes from it (log level and format, the data
 * folder). NULL with why set ("FILE:LINE: KEY: problem", one problem per line, every
 * problem found) when the file cannot be read or anything in it or in the environment is
 * wrong. */
zconfig_t *eo_config_load(const char *path, char *why, size_t whylen);

/* eo_config_load for a program's start: each problem logged as an error, prefixed with
 * prog ("serve"), then NULL. */
zconfig_t *eo_config_open(const char *prog, const char *path);

/* Set a key as a command-line option does (origin names it: "--listen"), checked like a
 * value of the file. 0, or EO_EINVAL with why. */
int eo_config_set(zconfig_t *config, const char *key, const char *value, const char *origin,
                  char *why, size_t whylen);

/* The checks of a whole section, which need the effective configuration: a pull provider
 * (providers/ID/mode = pull, the default) without secret or secret_file would serve its
 * hand-off lists unsigned. Each such provider is one line in why, "FILE:LINE:
 * providers/ID: ..." (the provider's own line); returns how many. */
int eo_config_pull_problems(zconfig_t *config, char *why, size_t whylen);
/* At a program's start, once the command line is applied: each problem of
 * eo_config_pull_problems logged, prefixed with prog; -1 (refuse to start), or, when
 * gateway/insecure_demo = 1 (--insecure-demo), a loud warning for each and 0. 0 when
 * there are none. */
int eo_config_pull_check(zconfig_t *config, const char *prog);

/* The effective configuration, one "key = value  # origin" line per key in the table's
 * order, secrets (passwords, secrets, auth headers) masked. */
void eo_config_print(zconfig_t *config, FILE *out);

/* EONJENA_GATEWAY_LISTEN for "gateway/listen". Returns buf. */
char *eo_config_env_name(const char *key, char *buf, size_t size);

void eo_config_test(bool verbose);

#endif
