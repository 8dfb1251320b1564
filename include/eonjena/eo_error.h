/* eo_error: the error values every libeonjena function returns.
 *
 * Functions return 0 (EO_OK) on success and a negative EO_E* value on failure; LMDB
 * failures are reported (zsys_error with mdb_strerror) where they happen and returned
 * as EO_ESTORE, so a caller never has to decode an MDB_* code. */
#ifndef EO_ERROR_H
#define EO_ERROR_H

enum {
    EO_OK = 0,
    EO_EINVAL = -1,    /* bad argument: a caller's mistake, nothing was changed */
    EO_ENOTFOUND = -2, /* no such record */
    EO_EEXIST = -3,    /* already there (e.g. "already won") */
    EO_EBUSY = -4,     /* a carer's slot is taken */
    EO_ECAP = -5,      /* a weekly or monthly cap would be exceeded */
    EO_ESTORE = -6,    /* LMDB failed; the error was logged with mdb_strerror */
    EO_ENOMEM = -7,
    EO_ETIMEOUT = -8,     /* nobody answered in time */
    EO_EOVERLOAD = -9,    /* a bounded queue is full: try later */
    EO_ECLOSED = -10,     /* the request is no longer open */
    EO_EIO = -11,         /* a file, socket or HTTP peer failed */
    EO_EREFUSED = -12,    /* the input was refused for what it says: nothing was written */
    EO_EDEADLETTER = -13, /* the work was given back by its workers too often: given up */
    EO_EFULL = -14,       /* the store is full (its map cannot grow further) */
};

/* A short stable name for an error value ("EINVAL", ...), never NULL. */
const char *eo_strerror(int err);

#endif
