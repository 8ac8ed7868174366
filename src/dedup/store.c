/*
 * store.c - opening and closing a dedup store: the directory, the writer lock, the LMDB
 * environment and its sub-databases, and meta (format version and settings, checked on open
 * so that a store is never misread). The layout is described in store_db.h.
 */
#include "dedup/store_db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define POSTINGS_FLAGS (MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERKEY | MDB_INTEGERDUP)

static const char *const db_names[DB_COUNT] = {"meta",      "docs",      "ids",       "order",
                                               "filters",   "postings0", "postings1", "postings2",
                                               "postings3", "postings4", "postings5"};
static const unsigned db_flags[DB_COUNT] = {0,
                                            MDB_INTEGERKEY,
                                            MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP,
                                            0,
                                            MDB_INTEGERKEY,
                                            POSTINGS_FLAGS,
                                            POSTINGS_FLAGS,
                                            POSTINGS_FLAGS,
                                            POSTINGS_FLAGS,
                                            POSTINGS_FLAGS,
                                            POSTINGS_FLAGS};


void rp_store_options_init(rp_store_options *sopts)
{
    memset(sopts, 0, sizeof(*sopts));
}

/* ---- messages ---- */

rp_status rp_store_fail(char *msg, size_t msglen, rp_status st, const char *fmt, ...)
{
    va_list ap;

    if (msg && msglen) {
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* An LMDB error as a status: a full map is a limit, the rest are I/O. */
rp_status rp_store_mdb_status(int rc)
{
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID)
        return RP_EFORMAT;
    return rc == MDB_MAP_FULL ? RP_ELIMIT : rc == ENOMEM ? RP_ENOMEM : RP_EIO;
}

rp_status rp_store_mdb_fail(const rp_store *s, int rc, char *msg, size_t msglen)
{
    if (rc == MDB_MAP_FULL)
        return rp_store_fail(msg, msglen, RP_ELIMIT,
                             "store '%s' is full (map size %zu bytes); nothing of this batch was "
                             "added (use --max-items or --max-age, or a larger map)",
                             s->dir, s->sopts.map_size);
    if (rp_store_mdb_status(rc) == RP_EFORMAT)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' is damaged (%s); run 'reprint store check %s'", s->dir,
                             mdb_strerror(rc), s->dir);
    return rp_store_fail(msg, msglen, rp_store_mdb_status(rc), "store '%s': %s", s->dir,
                         mdb_strerror(rc));
}

/* ---- meta ---- */

static void settings_text(const rp_options *o, char *buf, size_t len)
{
    snprintf(buf, len,
             "shingle=%u window=%u fold_case=%d fold_marks=%d fold_quotes=%d fold_spelling=%d "
             "sample=%u",
             o->shingle, o->window, o->fold_case, o->fold_marks, o->fold_quotes, o->fold_spelling,
             RP_DEDUP_SAMPLE);
}

int rp_store_meta_get(const rp_store *s, MDB_txn *txn, const char *key, uint64_t *out)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);

    if (rc == 0 && v.mv_size == sizeof(*out))
        memcpy(out, v.mv_data, sizeof(*out));
    else if (rc == 0)
        rc = MDB_CORRUPTED;
    return rc;
}

int rp_store_meta_put(const rp_store *s, MDB_txn *txn, const char *key, uint64_t value)
{
    MDB_val k = {strlen(key), (void *)key}, v = {sizeof(value), &value};
    return mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
}

/* A new store: its format version and settings. */
static int meta_create(const rp_store *s, MDB_txn *txn, const char *settings)
{
    MDB_val k = {8, (void *)"settings"}, v = {strlen(settings), (void *)settings};
    int rc = rp_store_meta_put(s, txn, "format", RP_STORE_FORMAT);

    if (!rc)
        rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
    if (!rc)
        rc = rp_store_meta_put(s, txn, "next", 0);
    if (!rc)
        rc = rp_store_meta_put(s, txn, "batches", 0);
    if (!rc)
        rc = rp_store_meta_put(s, txn, "level0", LEVEL0_CAP);
    return rc;
}

/* Refuses a store of another format version or made with other settings. */
static rp_status meta_check(rp_store *s, MDB_txn *txn, const char *settings, char *msg,
                            size_t msglen)
{
    MDB_val k = {8, (void *)"settings"}, v;
    uint64_t format;
    int rc = rp_store_meta_get(s, txn, "format", &format);

    if (rc)
        return rp_store_fail(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    bool older = format >= RP_STORE_FORMAT_UPGRADABLE && format < RP_STORE_FORMAT;
    if (older && s->upgrading)
        return s->format = format, RP_OK;
    if (older)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' has format version %llu; upgrade it with 'reprint "
                             "store upgrade %s'",
                             s->dir, (unsigned long long)format, s->dir);
    if (format != RP_STORE_FORMAT)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' has format version %llu; this reprint reads version %u",
                             s->dir, (unsigned long long)format, RP_STORE_FORMAT);
    rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
    if (!rc && s->sopts.any_settings)
        return RP_OK;
    if (rc || v.mv_size != strlen(settings) || memcmp(v.mv_data, settings, v.mv_size) != 0)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' was made with other settings (%.*s); this run has %s: use "
                             "the same --shingle, --window and folds, or another store",
                             s->dir, rc ? 0 : (int)v.mv_size, rc ? "" : (const char *)v.mv_data,
                             settings);
    return RP_OK;
}

/* ---- open and close ---- */

static rp_status take_lock(rp_store *s, char *msg, size_t msglen)
{
    size_t len = strlen(s->dir) + sizeof("/writer.lock");
    char *path = rp_malloc(len);

    if (!path)
        return RP_ENOMEM;
    snprintf(path, len, "%s/writer.lock", s->dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    rp_free(path);
    if (s->lock_fd < 0)
        return rp_store_fail(msg, msglen, RP_EIO, "cannot open store '%s': %s", s->dir,
                             strerror(errno));
    while (flock(s->lock_fd, LOCK_EX | (s->sopts.wait ? 0 : LOCK_NB)) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return rp_store_fail(msg, msglen, RP_ELIMIT,
                                 "store '%s' is in use by another writer (use --wait to wait)",
                                 s->dir);
        return rp_store_fail(msg, msglen, RP_EIO, "cannot lock store '%s': %s", s->dir,
                             strerror(errno));
    }
    return RP_OK;
}

/* DIR/NAME into a new string (NULL when out of memory). */
static char *store_path(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = rp_malloc(len);

    if (path)
        snprintf(path, len, "%s/%s", dir, name);
    return path;
}

/* The size of DIR/data.mdb in *size: RP_OK, RP_ENOTFOUND when there is none, RP_EIO. */
static rp_status data_size(const rp_store *s, long long *size)
{
    char *path = store_path(s->dir, "data.mdb");
    struct stat sb;
    int err;

    if (!path)
        return RP_ENOMEM;
    err = stat(path, &sb) == 0 ? 0 : errno;
    rp_free(path);
    if (err)
        return err == ENOENT ? RP_ENOTFOUND : RP_EIO;
    *size = (long long)sb.st_size;
    return RP_OK;
}

/* Before LMDB reads the file: a store the caller expects must exist, and an empty or
 * shorter-than-its-meta-pages file is refused (LMDB would start an empty one over it). */
static rp_status file_before(const rp_store *s, char *msg, size_t msglen)
{
    long long size = 0, page = (long long)sysconf(_SC_PAGESIZE);
    rp_status st = data_size(s, &size);

    if (st == RP_ENOTFOUND)
        return s->sopts.existing || s->sopts.read_only
                   ? rp_store_fail(msg, msglen, RP_EFORMAT,
                                   "'%s' is not a reprint dedup store (it has no data.mdb)", s->dir)
                   : RP_OK;
    if (st != RP_OK)
        return rp_store_fail(msg, msglen, st, "cannot open store '%s': %s", s->dir,
                             strerror(errno));
    if (size == 0)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' is empty or damaged "
                             "(data.mdb is 0 bytes)",
                             s->dir);
    if (size < 2 * page)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' is damaged (data.mdb is %lld "
                             "bytes, shorter than its two meta pages)",
                             s->dir, size);
    return RP_OK;
}

/* After LMDB read the meta pages, before any other page is mapped: the file must reach the
 * last page the newest meta page records, or reading would fault (SIGBUS) past its end. */
static rp_status file_whole(const rp_store *s, char *msg, size_t msglen)
{
    MDB_envinfo info;
    MDB_stat ms;
    long long size = 0;
    int rc = mdb_env_info(s->env, &info);

    if (!rc)
        rc = mdb_env_stat(s->env, &ms);
    if (rc)
        return rp_store_mdb_fail(s, rc, msg, msglen);
    if (data_size(s, &size) != RP_OK) /* a new store: LMDB made it */
        return RP_OK;
    unsigned long long need = ((unsigned long long)info.me_last_pgno + 1) * ms.ms_psize;
    if ((unsigned long long)size < need)
        return rp_store_fail(msg, msglen, RP_EFORMAT,
                             "store '%s' is damaged: data.mdb is %lld "
                             "bytes but its last page ends at byte %llu (truncated?)",
                             s->dir, size, need);
    return RP_OK;
}

/* Removes the temporary folders a killed compact left (compact.tmp-*): only a writer runs
 * compact, and this one holds the writer lock, so none of them is in use. */
static rp_status sweep_temporaries(const rp_store *s)
{
    static const char prefix[] = "compact.tmp-";
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    DIR *d = opendir(s->dir);
    struct dirent *e;

    if (!d)
        return RP_OK; /* opening the environment says what is wrong */
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, sizeof(prefix) - 1) != 0)
            continue;
        char *tmp = store_path(s->dir, e->d_name);
        for (size_t i = 0; tmp && i < sizeof(files) / sizeof(*files); i++) {
            char *f = store_path(tmp, files[i]);
            if (f)
                unlink(f);
            rp_free(f);
        }
        if (tmp)
            rmdir(tmp);
        rp_free(tmp);
    }
    closedir(d);
    return RP_OK;
}

rp_status rp_store_open_env(rp_store *s, char *msg, size_t msglen)
{
    /* Fully synchronous: a batch that returned survives a system crash. Measured on
     * bench_dedup (200,000 items): MDB_NOMETASYNC saved nothing measurable; MDB_WRITEMAP was
     * slower (msync of the map) and makes data.mdb a sparse file as large as the map. */
    unsigned flags = MDB_NOTLS | (s->sopts.read_only ? MDB_RDONLY : 0);
    int rc = mdb_env_create(&s->env);

    if (!rc)
        rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 1); /* + DB_UPGRADE_DOCS */
    if (!rc)
        rc = mdb_env_set_mapsize(s->env, s->sopts.map_size);
    rp_status st = file_before(s, msg, msglen);

    if (st != RP_OK)
        return st;
    if (!rc)
        rc = mdb_env_open(s->env, s->dir, flags, 0644);
    if (rc)
        return rp_store_fail(msg, msglen, rp_store_mdb_status(rc), "cannot open store '%s': %s",
                             s->dir, mdb_strerror(rc));
    return file_whole(s, msg, msglen);
}

/* Opens sub-database i, creating it when the store is writable (then *created, if given). */
static int open_db(rp_store *s, MDB_txn *txn, int i, bool *created)
{
    /* format 2 keyed ids by the (cut) name, one number each */
    unsigned flags = i == DB_IDS && s->format == 2 ? 0 : db_flags[i];
    int rc = mdb_dbi_open(txn, db_names[i], flags, &s->dbi[i]);

    if (rc == MDB_NOTFOUND && !s->sopts.read_only) {
        if (created)
            *created = true;
        rc = mdb_dbi_open(txn, db_names[i], flags | MDB_CREATE, &s->dbi[i]);
    }
    return rc;
}

unsigned rp_store_db_flags(int i)
{
    return db_flags[i];
}

/* Opens meta and checks it (so a store of another format is refused before its layout is
 * looked at), then the other sub-databases, creating them in a new store. */
rp_status rp_store_open_dbs(rp_store *s, char *msg, size_t msglen)
{
    MDB_txn *txn;
    char settings[160];
    bool fresh = false;
    rp_status st = RP_OK;
    int rc = mdb_txn_begin(s->env, NULL, s->sopts.read_only ? MDB_RDONLY : 0, &txn);

    settings_text(&s->opts, settings, sizeof(settings));
    if (rc)
        return rp_store_mdb_fail(s, rc, msg, msglen);
    rc = open_db(s, txn, DB_META, &fresh);
    if (!rc && !fresh)
        st = meta_check(s, txn, settings, msg, msglen);
    for (int i = DB_META + 1; i < DB_COUNT && !rc && st == RP_OK; i++)
        rc = open_db(s, txn, i, NULL);
    if (st == RP_OK && (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE))
        st = rp_store_fail(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    else if (st == RP_OK && rc)
        st = rp_store_mdb_fail(s, rc, msg, msglen);
    else if (st == RP_OK && fresh && (rc = meta_create(s, txn, settings)) != 0)
        st = rp_store_mdb_fail(s, rc, msg, msglen);
    if (st == RP_OK && (rp_store_meta_get(s, txn, "level0", &s->level0) != 0 || !s->level0))
        st = rp_store_fail(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    if (st == RP_OK) /* even read-only: committing keeps the database handles open */
        rc = mdb_txn_commit(txn), st = rc ? rp_store_mdb_fail(s, rc, msg, msglen) : RP_OK;
    else
        mdb_txn_abort(txn);
    return st;
}

static rp_status make_dir(const char *dir, const rp_store_options *so, char *msg, size_t msglen)
{
    struct stat sb;

    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? RP_OK
                                   : rp_store_fail(msg, msglen, RP_EIO,
                                                   "cannot open store '%s': not a directory", dir);
    if (errno == ENOENT && so->existing)
        return rp_store_fail(msg, msglen, RP_EIO, "store '%s' does not exist", dir);
    if (so->read_only || errno != ENOENT)
        return rp_store_fail(msg, msglen, RP_EIO, "cannot open store '%s': %s", dir,
                             strerror(errno));
    if (mkdir(dir, 0755) != 0)
        return rp_store_fail(msg, msglen, RP_EIO, "cannot create store '%s': %s", dir,
                             strerror(errno));
    return RP_OK;
}

rp_status rp_store_open(const char *dir, const rp_options *opts, const rp_store_options *sopts,
                        rp_store **out, char *msg, size_t msglen)
{
    return rp_store_open_as(dir, opts, sopts, false, out, msg, msglen);
}

rp_status rp_store_open_as(const char *dir, const rp_options *opts, const rp_store_options *sopts,
                           bool upgrading, rp_store **out, char *msg, size_t msglen)
{
    rp_store *s;
    rp_status st;

    if (rp_options_check(opts) != RP_OK)
        return rp_store_fail(msg, msglen, RP_EINVAL, "invalid options");
    st = make_dir(dir, sopts, msg, msglen);
    if (st != RP_OK)
        return st;
    s = rp_calloc(1, sizeof(*s));
    if (!s || !(s->dir = rp_strdup(dir))) {
        rp_free(s);
        return RP_ENOMEM;
    }
    s->lock_fd = -1;
    s->upgrading = upgrading;
    s->format = RP_STORE_FORMAT;
    s->opts = *opts;
    s->sopts = *sopts;
    if (!s->sopts.map_size)
        s->sopts.map_size = RP_STORE_MAP_DEFAULT;
    st = s->sopts.read_only ? RP_OK : take_lock(s, msg, msglen);
    if (st == RP_OK && !s->sopts.read_only)
        st = sweep_temporaries(s);
    if (st == RP_OK)
        st = rp_store_open_env(s, msg, msglen);
    if (st == RP_OK)
        st = rp_store_open_dbs(s, msg, msglen);
    if (st != RP_OK)
        goto fail;
    *out = s;
    return RP_OK;
fail:
    rp_store_close(s);
    return st;
}

void rp_store_close(rp_store *s)
{
    if (!s)
        return;
    rp_store_ahead_drop(s);
    if (s->env)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    rp_free(s->dir);
    rp_free(s);
}
