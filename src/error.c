/* error.c: names for the EO_E* values. */
#include "eonjena/eo_error.h"

const char *eo_strerror(int err)
{
    switch (err) {
    case EO_OK:
        return "OK";
    case EO_EINVAL:
        return "EINVAL";
    case EO_ENOTFOUND:
        return "ENOTFOUND";
    case EO_EEXIST:
        return "EEXIST";
    case EO_EBUSY:
        return "EBUSY";
    case EO_ECAP:
        return "ECAP";
    case EO_ESTORE:
        return "ESTORE";
    case EO_ENOMEM:
        return "ENOMEM";
    case EO_ETIMEOUT:
        return "ETIMEOUT";
    case EO_EOVERLOAD:
        return "EOVERLOAD";
    case EO_ECLOSED:
        return "ECLOSED";
    case EO_EIO:
        return "EIO";
    case EO_EREFUSED:
        return "EREFUSED";
    case EO_EDEADLETTER:
        return "EDEADLETTER";
    case EO_EFULL:
        return "EFULL";
    default:
        return "EUNKNOWN";
    }
}
