/* eonjena: the public headers of libeonjena in one include. */
#ifndef EONJENA_H
#define EONJENA_H

#define EONJENA_VERSION "0.1.0"

#include "eo_error.h"
#include "eo_time.h"
#include "eo_store.h"
#include "eo_dong.h"
#include "eo_log.h"

#endif
