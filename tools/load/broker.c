/* broker.c: eonjena-load's direct mode: W1 requests straight into the broker (see load.h).
 *
 * What the gateway does with a POST /v1/requests, minus HTTP and the API key: the body is
 * read by the gateway's own intake (the same checks, the same request ids), sent as a
 * Request event to (match, site), and the matcher's answer is read as the gateway reads
 * it, so a run through the broker counts the same 201s and the same error codes as one
 * through the API. What it leaves out is the gateway's share of the pipeline: the two
 * figures side by side say what the API costs. */
#include <string.h>

#include "gateway/ask.h"
#include "gateway/intake.h"
#include "load.h"

struct eo_load_broker_t {
    eo_client_t *client;
    const eo_dongs_t *dongs;
    char owner[48];
    int64_t clock_offset_ms; /* the deployment's clock minus ours */
};

eo_load_broker_t *eo_load_broker_new(const eo_load_broker_config_t *config)
{
    eo_load_broker_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->dongs = config->dongs;
    self->clock_offset_ms = config->clock_offset_ms;
    /* the requests' owner, as a credential's id would be: it keys their idempotency */
    snprintf(self->owner, sizeof self->owner, "load-%s", config->run ? config->run : "");
    self->client = eo_client_new(config->endpoint, config->server_public, config->secret);
    if (!self->client) eo_load_broker_destroy(&self);
    return self;
}

void eo_load_broker_destroy(eo_load_broker_t **self_p)
{
    eo_load_broker_t *self = *self_p;
    if (!self) return;
    eo_client_destroy(&self->client);
    free(self);
    *self_p = NULL;
}

int eo_load_broker_send(eo_load_broker_t *self, const char *tag, const char *body, char *code,
                        size_t codesize)
{
    int64_t now_ms = zclock_time() + self->clock_offset_ms;
    Eo__Request request;
    eo_intake_error_t err;
    if (eo_intake_parse(body, self->dongs, now_ms, self->owner, NULL, &request, &err)) {
        snprintf(code, codesize, "%s", err.n ? err.items[0].code : "malformed");
        return EO_EINVAL;
    }
    char id[33];
    Eo__Event event = EO__EVENT__INIT;
    event.id = eo_id_new(id, sizeof id, now_ms);
    event.site = request.site;
    event.at_ms = now_ms;
    event.trace_id = (char *)tag;
    event.body_case = EO__EVENT__BODY_REQUEST;
    event.request = &request;
    size_t size;
    uint8_t *bytes = eo_event_encode(&event, &size);
    int rc = bytes ? eo_client_send(self->client, "match", request.site, tag, bytes, size)
                   : EO_ENOMEM;
    free(bytes);
    eo_intake_clear(&request);
    if (rc) snprintf(code, codesize, "%s", rc == EO_ENOMEM ? "no_memory" : "not_sent");
    return rc;
}

/* One answer as the gateway would give it: 201 and the request's id, or the error. */
static void s_read(int rc, zframe_t *answer, int *status, char *code, size_t codesize, char *id,
                   size_t idsize)
{
    if (rc != EO_OK) {
        snprintf(code, codesize, "%s", eo_ask_broker_code(rc, status));
        return;
    }
    if (!answer) {
        *status = 502;
        snprintf(code, codesize, "bad_reply");
        return;
    }
    char err[128];
    Eo__Event *back =
        eo_event_decode(zframe_data(answer), zframe_size(answer), err, sizeof err);
    const Eo__Error *e =
        back && back->body_case == EO__EVENT__BODY_STATUS ? back->status->error : NULL;
    if (!back || back->body_case != EO__EVENT__BODY_STATUS) {
        *status = 502;
        snprintf(code, codesize, "bad_reply");
    } else if (e && e->code && *e->code) {
        *status = eo_ask_status(e->code);
        snprintf(code, codesize, "%s", e->code);
    } else if (back->status->request_id && *back->status->request_id) {
        *status = 201;
        snprintf(id, idsize, "%s", back->status->request_id);
    } else {
        *status = 201;
        snprintf(code, codesize, "no_id");
    }
    eo_event_free(&back);
}

int eo_load_broker_wait(eo_load_broker_t *self, int timeout_ms, eo_load_answer_fn *done,
                        void *arg)
{
    zmq_pollitem_t item = {zsock_resolve(eo_client_sock(self->client)), 0, ZMQ_POLLIN, 0};
    if (timeout_ms > 0 && zmq_poll(&item, 1, timeout_ms) < 0) return 0;
    /* every answer waiting, then none: eo_client_recv also keeps the heartbeats going */
    int n = 0;
    char *tag = NULL;
    int rc;
    zframe_t *answer = NULL;
    while (eo_client_recv(self->client, 0, &tag, &rc, &answer) == EO_OK) {
        int status = 0;
        char code[32] = "", id[EO_LOAD_ID_MAX] = "";
        s_read(rc, answer, &status, code, sizeof code, id, sizeof id);
        if (tag) done(arg, tag, status, code, id);
        free(tag);
        tag = NULL;
        zframe_destroy(&answer);
        n++;
    }
    return n;
}
