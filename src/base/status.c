/*
 * status.c - the public status strings and the version.
 */
#include "reprint.h"
#include "version.h"

const char *rp_strerror(rp_status status)
{
    switch (status) {
    case RP_OK: return "success";
    case RP_ENOMEM: return "out of memory";
    case RP_EIO: return "input/output error";
    case RP_EUTF8: return "invalid UTF-8";
    case RP_EINVAL: return "invalid argument";
    case RP_ELIMIT: return "size limit exceeded";
    case RP_EFORMAT: return "malformed input";
    case RP_ENOTFOUND: return "not found";
    case RP_EBUDGET: return "over the memory budget";
    case RP_EEXCHANGE: return "an exchange between processes failed";
    }
    return "unknown status";
}

const char *rp_version(void)
{
    return RP_VERSION_STRING;
}
