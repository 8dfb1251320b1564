/* console: the operators' console, a page in the browser served by the gateway
 * (docs/console.md). Its files (workers/gateway/console/) are compiled in by
 * console/embed.cmake into eo_console_assets. */
#ifndef EO_GATEWAY_CONSOLE_H
#define EO_GATEWAY_CONSOLE_H

#include <stddef.h>

typedef struct {
    const char *name; /* "index.html", "app.js": the last segment of its URL */
    const char *type; /* its Content-Type */
    const char *data; /* its bytes, NUL-terminated */
    size_t size;
} eo_console_asset_t;

/* Every file, ended by an entry with a NULL name (generated). */
extern const eo_console_asset_t eo_console_assets[];

/* The file named name, or NULL. */
const eo_console_asset_t *eo_console_asset(const char *name);

#endif
