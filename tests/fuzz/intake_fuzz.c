/* libFuzzer entry point for request intake (workers/gateway/intake.h): any body a client
 * can send gets either a valid Request or a coded error, never a crash or a leak. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static eo_dongs_t *dongs;
    if (!dongs) {
        char err[256];
        dongs = eo_dongs_load_default(err, sizeof err);
        assert(dongs);
    }
    char *body = malloc(size + 1);
    assert(body);
    memcpy(body, data, size);
    body[size] = '\0';
    Eo__Request req;
    eo_intake_error_t err;
    if (eo_intake_parse(body, dongs, 1795770000000LL, "fuzz", NULL, &req, &err) == 0) {
        const eo_dong_t *d = eo_dongs_find(dongs, req.dong);
        assert(d && d->site == eo_dongs_site_find(dongs, req.site));
        /* the times parse; what they may be is the rules' (the matcher's) to say */
        assert(req.start && req.end);
        assert(req.carers_needed >= 1 && req.carers_needed <= 2);
        assert(strncmp(req.id, req.site, strlen(req.site)) == 0);
        eo_intake_clear(&req);
    } else
        assert(err.n > 0 && *err.items[0].code && *err.items[0].ko && *err.items[0].en);
    free(body);
    return 0;
}
