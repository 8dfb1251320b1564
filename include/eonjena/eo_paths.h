/* eo_paths: where a program finds its configuration, its data files and its state,
 * whether it runs from a checkout or from an installation (docs/operations.md).
 *
 * A program run from the build tree (its executable under the build folder: `make run`,
 * `make test`) uses the checkout: etc/eonjena.cfg, data/ and ./var. Anywhere else it is
 * installed (`make install`, the Debian package) and uses the FHS places compiled in from
 * the install prefix: /etc/eonjena/eonjena.cfg, <prefix>/share/eonjena (found next to the
 * executable, so a copy installed under DESTDIR or another prefix finds its own data) and
 * /var/lib/eonjena. The configuration names every path explicitly (server/data,
 * server/store, gateway/keys_file), and its values win over these defaults. */
#ifndef EO_PATHS_H
#define EO_PATHS_H

#include <stdbool.h>

/* This executable is an installed one (not in the build tree). */
bool eo_paths_installed(void);
/* The configuration file used when no --config is given. */
const char *eo_paths_config(void);
/* The folder stores and keys are in by default: "var" (relative, a checkout) or
 * /var/lib/eonjena. */
const char *eo_paths_state(void);
/* The data files' folder from now on (configuration server/data); NULL or "" goes back
 * to the default: $EO_DATA_DIR if set, else the installation's or the checkout's data/.
 * eo_data_dir() (eo_dong.h) answers it. Call before threads that read data start. */
void eo_paths_set_data(const char *dir);

#endif
