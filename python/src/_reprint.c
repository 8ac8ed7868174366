/*
 * _reprint.c - the CPython extension under the reprint package: a thin layer over libreprint on
 * the Limited API (abi3, 3.9+). Documents arrive as lists of UTF-8 bytes (the package encodes
 * them), reports leave as the library's own JSON (written to a memory stream), so every field
 * the library writes reaches Python. The GIL is released around every call that may take time;
 * a Deduper or Store serializes its own calls with a lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "reprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors: one exception class per library status ---- */

static PyObject *rp_error;     /* reprint.Error */
static PyObject *rp_errors[9]; /* per status; RP_ENOMEM uses MemoryError */

static void raise_status(rp_status st, const char *what, const char *msg)
{
    if (st == RP_ENOMEM) {
        PyErr_NoMemory();
        return;
    }
    PyObject *cls = (unsigned)st < 9 && rp_errors[st] ? rp_errors[st] : rp_error;
    if (msg && msg[0])
        PyErr_Format(cls, "%s: %s", what, msg);
    else
        PyErr_Format(cls, "%s: %s", what, rp_strerror(st));
}

static int add_error(PyObject *m, rp_status st, const char *name, PyObject *also,
                     const char *doc)
{
    char full[64];
    PyObject *bases = also ? PyTuple_Pack(2, rp_error, also) : PyTuple_Pack(1, rp_error);

    if (!bases)
        return -1;
    snprintf(full, sizeof(full), "reprint.%s", name);
    rp_errors[st] = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
    Py_DECREF(bases);
    if (!rp_errors[st])
        return -1;
    Py_INCREF(rp_errors[st]);
    return PyModule_AddObject(m, name, rp_errors[st]);
}

/* ---- options from a dict the package builds (it has checked types and ranges) ---- */

static int opt_uint(PyObject *d, const char *key, uint32_t *out)
{
    PyObject *v = PyDict_GetItemString(d, key); /* borrowed */
    unsigned long x;

    if (!v)
        return 0;
    x = PyLong_AsUnsignedLong(v);
    if (PyErr_Occurred())
        return -1;
    if (x > UINT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s must be below 2**32", key);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

static int opt_double(PyObject *d, const char *key, double *out)
{
    PyObject *v = PyDict_GetItemString(d, key);

    if (!v)
        return 0;
    *out = PyFloat_AsDouble(v);
    return PyErr_Occurred() ? -1 : 0;
}

static int opt_bool(PyObject *d, const char *key, bool *out)
{
    PyObject *v = PyDict_GetItemString(d, key);
    int t;

    if (!v)
        return 0;
    if ((t = PyObject_IsTrue(v)) < 0)
        return -1;
    *out = t != 0;
    return 0;
}

static int options_from(PyObject *d, rp_options *o)
{
    uint32_t threads = 0, memory_mb = 0, memory_kb = 0;

    rp_options_init(o);
    if (!d || d == Py_None)
        return 0;
    if (!PyDict_Check(d)) {
        PyErr_SetString(PyExc_TypeError, "options must be a dict");
        return -1;
    }
    if (opt_uint(d, "shingle", &o->shingle) || opt_uint(d, "window", &o->window) ||
        opt_uint(d, "min_tokens", &o->min_tokens) ||
        opt_double(d, "min_identity", &o->min_identity) || opt_uint(d, "max_df", &o->max_df) ||
        opt_uint(d, "boilerplate_docs", &o->boilerplate_docs) ||
        opt_uint(d, "boilerplate_tokens", &o->boilerplate_tokens) ||
        opt_uint(d, "threads", &threads) || opt_uint(d, "kinds", &o->kinds) ||
        opt_uint(d, "max_passages", &o->max_passages) ||
        opt_uint(d, "memory_mb", &memory_mb) || opt_uint(d, "memory_kb", &memory_kb) ||
        opt_bool(d, "fold_case", &o->fold_case) ||
        opt_bool(d, "fold_marks", &o->fold_marks) ||
        opt_bool(d, "fold_quotes", &o->fold_quotes) ||
        opt_bool(d, "fold_spelling", &o->fold_spelling))
        return -1;
    o->threads = threads;
    o->memory = ((size_t)memory_mb << 20) + ((size_t)memory_kb << 10);
    if (rp_options_check(o) != RP_OK) {
        PyErr_SetString(rp_errors[RP_EINVAL], "options out of range");
        return -1;
    }
    return 0;
}

static PyObject *defaults(PyObject *self, PyObject *unused)
{
    rp_options o;
    rp_dedup_options d;
    rp_quotes_options q;

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    rp_quotes_options_init(&q);
    return Py_BuildValue(
        "{sIsIsIsdsIsIsIsIsOsOsOsOsdsdsIsI}", "shingle", o.shingle, "window", o.window,
        "min_tokens", o.min_tokens, "min_identity", o.min_identity, "max_df", o.max_df,
        "boilerplate_docs", o.boilerplate_docs, "boilerplate_tokens", o.boilerplate_tokens,
        "max_passages", o.max_passages, "fold_case", o.fold_case ? Py_True : Py_False,
        "fold_marks", o.fold_marks ? Py_True : Py_False, "fold_quotes",
        o.fold_quotes ? Py_True : Py_False, "fold_spelling", o.fold_spelling ? Py_True : Py_False,
        "resemblance", d.resemblance, "containment", d.containment, "min_words", q.min_words,
        "max_sources", q.max_sources);
}

/* ---- corpus from two lists of bytes (names, texts) ---- */

static rp_corpus *corpus_from(PyObject *names, PyObject *texts)
{
    rp_corpus *corpus = NULL;
    Py_ssize_t n;
    rp_status st;

    if (!PyList_Check(texts) || (names != Py_None && !PyList_Check(names))) {
        PyErr_SetString(PyExc_TypeError, "names and texts must be lists of bytes");
        return NULL;
    }
    n = PyList_Size(texts);
    if (names != Py_None && PyList_Size(names) != n) {
        PyErr_SetString(PyExc_ValueError, "names and texts differ in length");
        return NULL;
    }
    if ((st = rp_corpus_new(&corpus)) != RP_OK) {
        raise_status(st, "corpus", NULL);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        static char empty[] = "";
        char *name = NULL, *text;
        Py_ssize_t text_len;
        if (names != Py_None && PyBytes_AsStringAndSize(PyList_GetItem(names, i), &name, NULL))
            goto fail; /* a NUL inside a name fails here too */
        if (names == Py_None)
            name = empty;
        if (PyBytes_AsStringAndSize(PyList_GetItem(texts, i), &text, &text_len))
            goto fail;
        if ((st = rp_corpus_add(corpus, name, text, (size_t)text_len, NULL)) != RP_OK) {
            raise_status(st, "document", NULL);
            goto fail;
        }
    }
    return corpus;
fail:
    rp_corpus_free(corpus);
    return NULL;
}

/* A memory stream's text as str (the reports are UTF-8). Frees buf. */
static PyObject *take_text(char *buf, size_t len)
{
    PyObject *s = PyUnicode_DecodeUTF8(buf ? buf : "", (Py_ssize_t)len, "strict");
    free(buf);
    return s;
}

/* An id (UTF-8, surrogates passed through as the package encoded them) as str. */
static PyObject *decode_id(void *id)
{
    const char *s = id;

    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogatepass");
}

/* ---- scan ---- */

static PyObject *scan(PyObject *self, PyObject *args)
{
    PyObject *names, *texts, *od;
    rp_options opts;
    rp_corpus *corpus;
    rp_scan *result = NULL;
    rp_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!PyArg_ParseTuple(args, "OOO", &names, &texts, &od) || options_from(od, &opts))
        return NULL;
    if (!(corpus = corpus_from(names, texts)))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    st = rp_scan_run(corpus, &opts, NULL, NULL, &result);
    if (st == RP_OK) {
        FILE *mem = open_memstream(&buf, &len);
        st = mem ? rp_report_scan(mem, RP_FORMAT_JSON, corpus, result, &opts) : RP_ENOMEM;
        if (mem && fclose(mem) != 0 && st == RP_OK)
            st = RP_ENOMEM;
    }
    rp_scan_free(result);
    rp_corpus_free(corpus);
    Py_END_ALLOW_THREADS
    if (st != RP_OK) {
        free(buf);
        raise_status(st, "scan failed",
                     st == RP_EBUDGET ? "the scan would grow past memory_mb even spilling" : NULL);
        return NULL;
    }
    return take_text(buf, len);
}

/* ---- quotes ---- */

static PyObject *quotes(PyObject *self, PyObject *args)
{
    PyObject *names, *texts, *od;
    unsigned min_words, max_sources;
    rp_options opts;
    rp_quotes_options qopts;
    rp_corpus *corpus;
    rp_quotes *result = NULL;
    rp_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!PyArg_ParseTuple(args, "OOOII", &names, &texts, &od, &min_words, &max_sources) ||
        options_from(od, &opts))
        return NULL;
    rp_quotes_options_init(&qopts);
    qopts.min_words = min_words;
    qopts.max_sources = max_sources;
    if (!(corpus = corpus_from(names, texts)))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    st = rp_quotes_run(corpus, &opts, &qopts, &result);
    if (st == RP_OK) {
        FILE *mem = open_memstream(&buf, &len);
        st = mem ? rp_report_quotes(mem, RP_FORMAT_JSON, corpus, result, &opts, &qopts)
                 : RP_ENOMEM;
        if (mem && fclose(mem) != 0 && st == RP_OK)
            st = RP_ENOMEM;
    }
    rp_quotes_free(result);
    rp_corpus_free(corpus);
    Py_END_ALLOW_THREADS
    if (st != RP_OK) {
        free(buf);
        raise_status(st, "quotes failed", NULL);
        return NULL;
    }
    return take_text(buf, len);
}

/* ---- tokens: (start, end, normalized, hash) per token, byte offsets ---- */

static PyObject *token_list(const rp_tokens *t)
{
    PyObject *list = PyList_New((Py_ssize_t)t->count);

    for (size_t i = 0; list && i < t->count; i++) {
        const char *norm = t->norm + t->norm_off[i];
        PyObject *item = Py_BuildValue("(IIs#K)", t->items[i].start, t->items[i].end, norm,
                                       (Py_ssize_t)(t->norm_off[i + 1] - t->norm_off[i]),
                                       (unsigned long long)t->items[i].hash);
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, (Py_ssize_t)i, item);
    }
    return list;
}

static PyObject *tokens(PyObject *self, PyObject *args)
{
    PyObject *od, *list;
    const char *text;
    Py_ssize_t len;
    rp_options opts;
    rp_tokens toks;
    rp_status st;

    if (!PyArg_ParseTuple(args, "y#O", &text, &len, &od) || options_from(od, &opts))
        return NULL;
    rp_tokens_init(&toks);
    Py_BEGIN_ALLOW_THREADS
    st = rp_text_tokenize(&opts, text, (size_t)len, true, &toks);
    Py_END_ALLOW_THREADS
    if (st != RP_OK) {
        rp_tokens_release(&toks);
        raise_status(st, "tokens failed", NULL);
        return NULL;
    }
    list = token_list(&toks);
    rp_tokens_release(&toks);
    return list;
}

/* ---- byte offsets to str indices: code points before each offset ---- */

static PyObject *char_offsets(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, n;
    PyObject *offs, *out;
    size_t pos = 0, chars = 0;

    if (!PyArg_ParseTuple(args, "y#O", &data, &len, &offs))
        return NULL;
    if (!PyList_Check(offs)) {
        PyErr_SetString(PyExc_TypeError, "offsets must be a list of ascending ints");
        return NULL;
    }
    n = PyList_Size(offs);
    if (!(out = PyList_New(n)))
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        size_t off = PyLong_AsSize_t(PyList_GetItem(offs, i));
        if (PyErr_Occurred() || off > (size_t)len || off < pos) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "offsets must ascend inside the text");
            Py_DECREF(out);
            return NULL;
        }
        for (; pos < off; pos++)
            chars += (data[pos] & 0xC0) != 0x80; /* count lead bytes only */
        PyList_SetItem(out, i, PyLong_FromSize_t(chars));
    }
    return out;
}

/* ---- Deduper: a dedup stream ---- */

/* The stream remembers its group firsts' names itself (in memory or, past its budget, in its
 * temporary files), so `of`'s id comes from the library. */
typedef struct {
    PyObject_HEAD
    rp_dedup_stream *stream;
    PyThread_type_lock lock;
} Deduper;

static int deduper_init(PyObject *op, PyObject *args, PyObject *kw)
{
    Deduper *self = (Deduper *)op;
    PyObject *od;
    rp_options opts;
    rp_dedup_options dopts;
    rp_status st;

    rp_dedup_options_init(&dopts);
    if (!PyArg_ParseTuple(args, "Odd", &od, &dopts.resemblance, &dopts.containment) ||
        options_from(od, &opts))
        return -1;
    if (self->stream)
        return 0;
    if ((st = rp_dedup_stream_new(&opts, &dopts, &self->stream)) != RP_OK) {
        raise_status(st, "dedup", NULL);
        return -1;
    }
    if (!(self->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void deduper_dealloc(PyObject *op)
{
    Deduper *self = (Deduper *)op;
    PyTypeObject *tp = Py_TYPE(op);
    freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);

    rp_dedup_stream_free(self->stream);
    if (self->lock)
        PyThread_free_lock(self->lock);
    tp_free(op);
    Py_DECREF(tp);
}

/* (verdict, of position or None, of id or None, resemblance, containment) per member. Called
 * with self->lock held: the names of `of` are the stream's until its next batch. */
static PyObject *member_list(Deduper *self, const rp_dedup_member *m, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n), *item;

    for (size_t i = 0; list && i < n; i++) {
        if (m[i].of == UINT32_MAX) {
            item = Py_BuildValue("(sOOdd)", rp_verdict_name(m[i].verdict), Py_None, Py_None,
                                 m[i].resemblance, m[i].containment);
        } else {
            const char *id = rp_dedup_stream_of_name(self->stream, i);
            item = Py_BuildValue("(sIO&dd)", rp_verdict_name(m[i].verdict), m[i].of,
                                 decode_id, (void *)(id ? id : ""), m[i].resemblance,
                                 m[i].containment);
        }
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, (Py_ssize_t)i, item);
    }
    return list;
}

static PyObject *deduper_add(PyObject *op, PyObject *args)
{
    Deduper *self = (Deduper *)op;
    PyObject *names, *texts, *list = NULL;
    rp_corpus *corpus;
    rp_dedup_member *m;
    rp_status st;
    size_t n;

    if (!PyArg_ParseTuple(args, "OO", &names, &texts))
        return NULL;
    if (!self->stream) {
        PyErr_SetString(PyExc_RuntimeError, "the dedup stream failed before: start a new one");
        return NULL;
    }
    if (!(corpus = corpus_from(names, texts)))
        return NULL;
    n = rp_corpus_count(corpus);
    if (!(m = calloc(n + 1, sizeof(*m)))) {
        rp_corpus_free(corpus);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    st = self->stream ? rp_dedup_stream_add(self->stream, corpus, m) : RP_EINVAL;
    if (st != RP_OK && self->stream) { /* it may hold part of the batch: of no further use */
        rp_dedup_stream_free(self->stream);
        self->stream = NULL;
    }
    rp_corpus_free(corpus);
    Py_END_ALLOW_THREADS
    if (st == RP_OK)
        list = member_list(self, m, n);
    PyThread_release_lock(self->lock);
    if (st != RP_OK)
        raise_status(st, "dedup failed",
                     st == RP_EIO ? "its temporary files (in $TMPDIR, else /tmp) could not be "
                                    "made, written or read"
                                  : NULL);
    free(m);
    return list;
}

static PyMethodDef deduper_methods[] = {
    {"add", deduper_add, METH_VARARGS,
     "add(ids, texts) -> [(verdict, of position, of id, resemblance, containment)] for lists "
     "of UTF-8 bytes"},
    {NULL, NULL, 0, NULL}};

static PyType_Slot deduper_slots[] = {
    {Py_tp_init, (void *)deduper_init},
    {Py_tp_new, (void *)PyType_GenericNew},
    {Py_tp_dealloc, (void *)deduper_dealloc},
    {Py_tp_methods, deduper_methods},
    {Py_tp_doc, (void *)"Deduper(options, resemblance, containment): a dedup stream."},
    {0, NULL}};

static PyType_Spec deduper_spec = {"reprint._reprint.Deduper", sizeof(Deduper), 0,
                                   Py_TPFLAGS_DEFAULT, deduper_slots};

/* ---- StoreHandle: an open LMDB store ---- */

typedef struct {
    PyObject_HEAD
    rp_store *store;
    PyThread_type_lock lock;
} StoreHandle;

static int store_init(PyObject *op, PyObject *args, PyObject *kw)
{
    StoreHandle *self = (StoreHandle *)op;
    const char *path;
    PyObject *od;
    int read_only, wait;
    unsigned long long max_items, map_mb;
    long long max_age;
    rp_options opts;
    rp_store_options sopts;
    rp_status st;
    char msg[512] = "";

    if (!PyArg_ParseTuple(args, "sOppKLK", &path, &od, &read_only, &wait, &max_items, &max_age,
                          &map_mb) ||
        options_from(od, &opts))
        return -1;
    if (self->store)
        return 0;
    rp_store_options_init(&sopts);
    sopts.read_only = read_only;
    sopts.wait = wait;
    sopts.max_items = max_items;
    sopts.max_age = max_age;
    sopts.map_size = (size_t)map_mb << 20;
    if (!(self->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    Py_BEGIN_ALLOW_THREADS
    st = rp_store_open(path, &opts, &sopts, &self->store, msg, sizeof(msg));
    Py_END_ALLOW_THREADS
    if (st != RP_OK) {
        self->store = NULL;
        raise_status(st, path, msg);
        return -1;
    }
    return 0;
}

static void store_dealloc(PyObject *op)
{
    StoreHandle *self = (StoreHandle *)op;
    PyTypeObject *tp = Py_TYPE(op);
    freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);

    rp_store_close(self->store);
    if (self->lock)
        PyThread_free_lock(self->lock);
    tp_free(op);
    Py_DECREF(tp);
}

static int store_open_check(const StoreHandle *self)
{
    if (!self->store) {
        PyErr_SetString(PyExc_ValueError, "the store is closed");
        return -1;
    }
    return 0;
}

static PyObject *store_close(PyObject *op, PyObject *unused)
{
    StoreHandle *self = (StoreHandle *)op;

    if (self->store) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        rp_store_close(self->store);
        self->store = NULL;
        PyThread_release_lock(self->lock);
        Py_END_ALLOW_THREADS
    }
    Py_RETURN_NONE;
}

/* (id, verdict, of or None, resemblance, containment, original, seq) per verdict. */
static PyObject *verdict_list(const rp_store_verdict *v, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);

    for (size_t i = 0; list && i < n; i++) {
        PyObject *item = Py_BuildValue("(sszddsK)", v[i].id, rp_verdict_name(v[i].verdict),
                                       v[i].of, v[i].resemblance, v[i].containment,
                                       rp_verdict_name(v[i].original),
                                       (unsigned long long)v[i].seq);
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, (Py_ssize_t)i, item);
    }
    return list;
}

typedef rp_status (*store_batch_fn)(rp_store *, const rp_corpus *, const rp_dedup_options *,
                                    rp_store_verdict **, size_t *, char *, size_t);

static PyObject *store_batch(StoreHandle *self, PyObject *args, store_batch_fn fn,
                             const char *what)
{
    PyObject *names, *texts, *list = NULL;
    rp_dedup_options dopts;
    rp_corpus *corpus;
    rp_store_verdict *v = NULL;
    size_t count = 0;
    rp_status st;
    char msg[512] = "";

    rp_dedup_options_init(&dopts);
    if (store_open_check(self) ||
        !PyArg_ParseTuple(args, "OOdd", &names, &texts, &dopts.resemblance, &dopts.containment))
        return NULL;
    if (!(corpus = corpus_from(names, texts)))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    st = self->store ? fn(self->store, corpus, &dopts, &v, &count, msg, sizeof(msg)) : RP_EINVAL;
    PyThread_release_lock(self->lock);
    rp_corpus_free(corpus);
    Py_END_ALLOW_THREADS
    if (st == RP_OK)
        list = verdict_list(v, count);
    else
        raise_status(st, what, st == RP_EINVAL && !msg[0] ? "the store is closed" : msg);
    rp_store_verdicts_free(v, count);
    return list;
}

static PyObject *store_add(PyObject *op, PyObject *args)
{
    return store_batch((StoreHandle *)op, args, rp_store_add, "store add failed");
}

static PyObject *store_query(PyObject *op, PyObject *args)
{
    return store_batch((StoreHandle *)op, args, rp_store_query, "store query failed");
}

/* The ids as C strings borrowed from a list of bytes (NULL and an exception on a bad item). */
static const char **borrowed_ids(PyObject *ids, Py_ssize_t *n)
{
    const char **out;

    if (!PyList_Check(ids)) {
        PyErr_SetString(PyExc_TypeError, "ids must be a list of bytes");
        return NULL;
    }
    *n = PyList_Size(ids);
    if (!(out = calloc((size_t)*n + 1, sizeof(*out)))) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        char *id;
        if (PyBytes_AsStringAndSize(PyList_GetItem(ids, i), &id, NULL)) {
            free(out);
            return NULL;
        }
        out[i] = id;
    }
    return out;
}

static PyObject *store_delete(PyObject *op, PyObject *ids)
{
    StoreHandle *self = (StoreHandle *)op;
    Py_ssize_t n = 0;
    const char **c_ids;
    size_t deleted = 0;
    rp_status st;
    char msg[512] = "";

    if (store_open_check(self) || !(c_ids = borrowed_ids(ids, &n)))
        return NULL;
    /* the package passes a list of its own: nothing frees its bytes while unlocked */
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    st = self->store ? rp_store_delete(self->store, c_ids, (size_t)n, &deleted, msg, sizeof(msg))
                     : RP_EINVAL;
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    free(c_ids);
    if (st != RP_OK) {
        raise_status(st, "store delete failed",
                     st == RP_EINVAL && !msg[0] ? "the store is closed" : msg);
        return NULL;
    }
    return PyLong_FromSize_t(deleted);
}

typedef rp_status (*store_dump_fn)(rp_store *, FILE *);

static PyObject *store_dump(PyObject *op, store_dump_fn fn, const char *what)
{
    StoreHandle *self = (StoreHandle *)op;
    char *buf = NULL;
    size_t len = 0;
    rp_status st;

    if (store_open_check(self))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    FILE *mem = open_memstream(&buf, &len);
    st = !mem ? RP_ENOMEM : self->store ? fn(self->store, mem) : RP_EINVAL;
    if (mem && fclose(mem) != 0 && st == RP_OK)
        st = RP_ENOMEM;
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    if (st != RP_OK) {
        free(buf);
        raise_status(st, what, st == RP_EINVAL ? "the store is closed" : NULL);
        return NULL;
    }
    return take_text(buf, len);
}

static PyObject *store_stats(PyObject *op, PyObject *unused)
{
    return store_dump(op, rp_store_stats, "store stats failed");
}

static PyObject *store_export(PyObject *op, PyObject *unused)
{
    return store_dump(op, rp_store_export, "store export failed");
}

static PyMethodDef store_methods[] = {
    {"add", store_add, METH_VARARGS, "add(names, texts, resemblance, containment) -> verdicts"},
    {"query", store_query, METH_VARARGS,
     "query(names, texts, resemblance, containment) -> verdicts, the store unchanged"},
    {"delete", store_delete, METH_O, "delete(ids) -> how many of these ids were held"},
    {"stats", store_stats, METH_NOARGS, "stats() -> the store's stats as JSON text"},
    {"export", store_export, METH_NOARGS, "export() -> one JSON line per stored document"},
    {"close", store_close, METH_NOARGS, "close(): releases the store (and its writer lock)"},
    {NULL, NULL, 0, NULL}};

static PyType_Slot store_slots[] = {
    {Py_tp_init, (void *)store_init},
    {Py_tp_new, (void *)PyType_GenericNew},
    {Py_tp_dealloc, (void *)store_dealloc},
    {Py_tp_methods, store_methods},
    {Py_tp_doc, (void *)"StoreHandle(path, options, read_only, wait, max_items, max_age, "
                        "map_mb): an open dedup store."},
    {0, NULL}};

static PyType_Spec store_spec = {"reprint._reprint.StoreHandle", sizeof(StoreHandle), 0,
                                 Py_TPFLAGS_DEFAULT, store_slots};

/* ---- the module ---- */

static PyMethodDef module_methods[] = {
    {"scan", scan, METH_VARARGS, "scan(names, texts, options) -> the JSON scan report"},
    {"quotes", quotes, METH_VARARGS,
     "quotes(names, texts, options, min_words, max_sources) -> the JSON quotes report"},
    {"tokens", tokens, METH_VARARGS,
     "tokens(text, options) -> [(byte_start, byte_end, normalized, hash)]"},
    {"char_offsets", char_offsets, METH_VARARGS,
     "char_offsets(utf8, offsets) -> code points before each ascending byte offset"},
    {"defaults", defaults, METH_NOARGS, "defaults() -> the library's default options"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "reprint._reprint",
                                        "libreprint, under the reprint package.", -1,
                                        module_methods, NULL, NULL, NULL, NULL};

static int add_type(PyObject *m, PyType_Spec *spec, const char *name)
{
    PyObject *type = PyType_FromSpec(spec);

    return type ? PyModule_AddObject(m, name, type) : -1;
}

static int add_errors(PyObject *m)
{
    rp_error = PyErr_NewExceptionWithDoc(
        "reprint.Error", "A failure of libreprint; the message is the library's.", NULL, NULL);
    if (!rp_error)
        return -1;
    Py_INCREF(rp_error);
    if (PyModule_AddObject(m, "Error", rp_error) < 0)
        return -1;
    return add_error(m, RP_EIO, "IOFailure", PyExc_OSError,
                     "Reading or writing failed (a store that cannot be created or opened).") ||
                   add_error(m, RP_EUTF8, "Utf8Error", PyExc_ValueError,
                             "Text is not valid UTF-8 where validity is required.") ||
                   add_error(m, RP_EINVAL, "InvalidError", PyExc_ValueError,
                             "The library refused an option as out of range.") ||
                   add_error(m, RP_ELIMIT, "LimitError", NULL,
                             "A limit was passed: a store held by another writer, a full "
                             "store map, a document of 4 GiB or more.") ||
                   add_error(m, RP_EFORMAT, "FormatError", NULL,
                             "Input or a store is not in the expected format (or a store was "
                             "made with other settings).") ||
                   add_error(m, RP_ENOTFOUND, "NotFoundError", PyExc_LookupError,
                             "A named document or location does not exist.") ||
                   add_error(m, RP_EBUDGET, "BudgetError", NULL,
                             "The scan would grow past memory_mb even spilling to temporary files.")
               ? -1
               : 0;
}

PyMODINIT_FUNC PyInit__reprint(void)
{
    PyObject *m = PyModule_Create(&module_def);

    if (!m)
        return NULL;
    if (add_errors(m) || add_type(m, &deduper_spec, "Deduper") ||
        add_type(m, &store_spec, "StoreHandle") ||
        PyModule_AddStringConstant(m, "library_version", rp_version())) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
