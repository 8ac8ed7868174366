/*
 * store_compact.c - rewriting a store compactly: mdb_env_copy2 with MDB_CP_COMPACT into a
 * temporary directory inside the store, then swapped in by rename.
 */
#include "dedup/store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- compact ---- */

static rp_status compact_copy(rp_store *s, char *tmp, char *msg, size_t msglen)
{
    int rc;

    if (!mkdtemp(tmp))
        return rp_store_fail(msg, msglen, RP_EIO, "cannot compact store '%s': %s", s->dir,
                             strerror(errno));
    rc = mdb_env_copy2(s->env, tmp, MDB_CP_COMPACT);
    if (rc)
        return rp_store_fail(msg, msglen, rp_store_mdb_status(rc), "cannot compact store '%s': %s",
                             s->dir, mdb_strerror(rc));
    return RP_OK;
}

rp_status rp_store_compact(rp_store *s, char *msg, size_t msglen)
{
    size_t len = strlen(s->dir) + 64;
    char *tmp = rp_malloc(len), *from = rp_malloc(len), *to = rp_malloc(len);
    rp_status st = RP_ENOMEM;

    if (s->sopts.read_only)
        st = rp_store_fail(msg, msglen, RP_EINVAL, "store '%s' is open for reading only", s->dir);
    else if (tmp && from && to) {
        snprintf(tmp, len, "%s/compact.tmp-XXXXXX", s->dir);
        st = compact_copy(s, tmp, msg, msglen);
        snprintf(from, len, "%s/data.mdb", tmp);
        snprintf(to, len, "%s/data.mdb", s->dir);
        if (st == RP_OK) {
            mdb_env_close(s->env); /* the old map goes; the writer lock stays held */
            s->env = NULL;
            if (rename(from, to) != 0)
                st = rp_store_fail(msg, msglen, RP_EIO, "cannot compact store '%s': %s", s->dir,
                                   strerror(errno));
            if (rp_store_open_env(s, msg, msglen) == RP_OK)
                st = st == RP_OK ? rp_store_open_dbs(s, msg, msglen) : st;
            else
                st = RP_EIO;
        }
        unlink(from);
        rmdir(tmp);
    }
    rp_free(tmp);
    rp_free(from);
    rp_free(to);
    return st;
}
