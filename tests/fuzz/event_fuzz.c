/* libFuzzer entry point for the wire codec (eo_codec.h): any bytes from a socket decode
 * to an Event or to an error; what decodes re-encodes to bytes that decode the same. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    Eo__Event *ev = eo_event_decode(data, size, err, sizeof err);
    if (!ev) {
        assert(err[0]);
        return 0;
    }
    assert(eo_event_kind(ev) != NULL);
    size_t n1, n2;
    uint8_t *once = eo_event_encode(ev, &n1);
    /* Canonical bytes are a fixed point. protobuf-c keeps unknown fields as they came
     * (even an invalid field 0), so only events without them must round-trip. */
    if (once && ev->base.n_unknown_fields == 0) {
        Eo__Event *back = eo_event_decode(once, n1, err, sizeof err);
        assert(back && back->body_case == ev->body_case);
        uint8_t *twice = eo_event_encode(back, &n2);
        assert(twice && n1 == n2 && memcmp(once, twice, n1) == 0);
        free(twice);
        eo_event_free(&back);
    }
    free(once);
    eo_event_free(&ev);
    return 0;
}
