/* broker_priv.h: the frames of the eonjena broker protocol (docs/protocol.md), shared by
 * broker.c, client.c and worker.c. Internal to libeonjena.
 *
 * Every message starts with a 4-byte header naming the peer kind and the protocol
 * version ("EOC1" client, "EOW1" worker) and a 1-byte command. Keeping the header and
 * command as tiny fixed frames lets the broker dispatch on a memcmp and a switch. */
#ifndef EO_BROKER_PRIV_H
#define EO_BROKER_PRIV_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#define EO_WIRE_CLIENT "EOC1"
#define EO_WIRE_WORKER "EOW1"
#define EO_WIRE_HDR_LEN 4
#define EO_WIRE_VERSION '1'

enum {
    EO_CMD_READY = 1,      /* W->B service, sites, window */
    EO_CMD_REQUEST = 2,    /* C->B service, site, corr, body; B->W seq, site, corr, body */
    EO_CMD_REPLY = 3,      /* W->B seq, body; B->C corr, body */
    EO_CMD_EVENT = 4,      /* C->B service, site, id, body; B->W seq, site, id, body */
    EO_CMD_ACK = 5,        /* W->B seq; B->C id */
    EO_CMD_HEARTBEAT = 6,  /* W<->B (empty); C->B (empty); B->C epoch */
    EO_CMD_DISCONNECT = 7, /* W<->B */
    EO_CMD_ERROR = 8,      /* B->C corr, reason; B->W reason */
    EO_CMD_RELEASE = 9,    /* W->B seq: the worker gives the item back, unanswered */
};

/* The longest service, site or id we accept (bytes). */
#define EO_WIRE_NAME_MAX 255
/* Most frames a valid message has (routing id included). */
#define EO_WIRE_FRAMES_MAX 8

/* Receive one whole message from a socket into frames[] without waiting. Returns the
 * number of frames (0 if nothing was waiting); a message with more than
 * EO_WIRE_FRAMES_MAX frames is drained and returns -1. */
int eo_wire_recv(void *sock, zframe_t **frames, int max);
/* Destroy n frames. */
void eo_wire_free(zframe_t **frames, int n);
/* Send a message made of a header, a command and up to n more frames. The frames
 * are sent with ZFRAME_REUSE (the caller keeps them; libzmq shares their data). A
 * NULL entry sends an empty frame. routing: a routing id frame first, or NULL. */
int eo_wire_send(void *sock, zframe_t *routing, const char *header, int cmd, zframe_t **frames,
                 int n);
/* Same, with plain buffers (ptrs[i], sizes[i]) after the header and command. */
int eo_wire_sendv(void *sock, zframe_t *routing, const char *header, int cmd, const void **ptrs,
                  const size_t *sizes, int n);
/* Copy a frame into a NUL-terminated buffer; false if it does not fit, is empty when
 * not allowed, or holds a NUL. */
bool eo_wire_str(zframe_t *frame, char *buf, size_t cap, bool allow_empty);
/* Error value <-> reason text on the wire ("EOVERLOAD", ...). */
const char *eo_wire_reason(int err);
int eo_wire_reason_value(zframe_t *frame);
/* True if tcp:// (the only transport that gets CURVE). */
bool eo_wire_is_tcp(const char *endpoint);
/* (Re)make *sock_p a DEALER connected to endpoint, the socket of a client and of a
 * worker: no linger, fast reconnect, sends that never block, and CURVE on tcp when
 * server_public (the broker's public cert file) is given, with this peer's cert secret
 * (NULL: a fresh ephemeral one). hwm > 0 sets both high-water marks (before the
 * connect, where they take effect). `who` names the caller in the log.
 * EO_OK, EO_EINVAL (a certificate) or EO_EIO, logged. */
int eo_wire_dealer(zsock_t **sock_p, const char *endpoint, const char *server_public,
                   const char *secret, int hwm, const char *who);

/* Wait for input on sock until `deadline` or `next_ping` (a heartbeat is due), whichever
 * comes first, at least 1 ms (zclock_mono times). 0, or -1 if the poll failed. */
int eo_wire_wait(zsock_t *sock, int64_t now, int64_t deadline, int64_t next_ping);

#endif
