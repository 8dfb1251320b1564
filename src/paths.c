/* paths.c: the checkout's or the installation's files (see eo_paths.h). */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eonjena/eo_dong.h"
#include "eonjena/eo_paths.h"

/* Compiled in by CMakeLists.txt: the build tree, and the installation's places. */
#ifndef EO_BINARY_DIR
#error "EO_BINARY_DIR must be defined"
#endif

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static bool s_installed;
static char s_share[PATH_MAX + 64]; /* the installation's data: next to the executable */
static char s_data[PATH_MAX];       /* set from the configuration */

static void s_init(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    size_t build = strlen(EO_BINARY_DIR);
    s_installed = !(n > 0 && strncmp(exe, EO_BINARY_DIR, build) == 0 && exe[build] == '/');
    /* <prefix>/bin/eonjena -> <prefix>/share/eonjena, if it is there */
    char *slash = strrchr(exe, '/');
    struct stat st;
    if (slash) {
        *slash = 0;
        char real[PATH_MAX];
        snprintf(s_share, sizeof s_share, "%.*s/../" EO_DATADIR_REL, PATH_MAX - 1, exe);
        if (realpath(s_share, real) && stat(real, &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(s_share, sizeof s_share, "%s", real);
        else
            s_share[0] = 0;
    }
    if (!s_share[0])
        snprintf(s_share, sizeof s_share, "%s", EO_INSTALL_PREFIX "/" EO_DATADIR_REL);
}

bool eo_paths_installed(void)
{
    pthread_once(&s_once, s_init);
    return s_installed;
}

const char *eo_paths_config(void)
{
    return eo_paths_installed() ? EO_SYSCONFDIR "/eonjena.cfg"
                                : EO_SOURCE_DIR "/etc/eonjena.cfg";
}

const char *eo_paths_state(void)
{
    return eo_paths_installed() ? EO_STATEDIR : "var";
}

void eo_paths_set_data(const char *dir)
{
    snprintf(s_data, sizeof s_data, "%s", dir ? dir : "");
}

const char *eo_data_dir(void)
{
    if (s_data[0]) return s_data;
    const char *env = getenv("EO_DATA_DIR");
    if (env && *env) return env;
    return eo_paths_installed() ? s_share : EO_SOURCE_DIR "/data";
}
