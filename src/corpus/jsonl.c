/*
 * corpus_jsonl.c - JSON Lines input (jansson): one document per non-blank line, named by its
 * id field (a string as is, an integer in decimal, else "path:LINE"), its text taken from the
 * text field, and every other field kept as metadata (compact JSON, keys sorted). Bad lines
 * are skipped as "path:LINE" and the rest is kept. The input buffer stays in the corpus so a
 * document's raw line can be written back unchanged (rp_corpus_raw).
 */
#include "corpus/corpus.h"

#include <jansson.h>
#include <string.h>

typedef struct jsonl_line {
    const char *path;
    size_t lineno;
    const char *bytes;
    size_t len;
} jsonl_line;

static rp_status skip_line(rp_corpus *c, const jsonl_line *ln, const char *reason)
{
    rp_buf input = RP_BUF_INIT;
    rp_status st;

    if (rp_buf_addf(&input, "%s:%zu", ln->path, ln->lineno) != RP_OK)
        return RP_ENOMEM;
    st = rp_corpus_skip(c, input.data, reason);
    rp_buf_release(&input);
    return st;
}

/* The document's name: *used says whether the id field gave it (else "path:LINE"). */
static char *line_name(const jsonl_line *ln, json_t *obj, const char *id_field, bool *used)
{
    json_t *id = json_object_get(obj, id_field);
    rp_buf name = RP_BUF_INIT;
    char *out = NULL;

    *used = true;
    /* a name is a C string: an id holding a NUL byte (\u0000) names the line by place */
    if (json_is_string(id) && json_string_length(id) > 0 &&
        memchr(json_string_value(id), '\0', json_string_length(id)) == NULL)
        return rp_strndup(json_string_value(id), json_string_length(id));
    if (json_is_integer(id)) {
        if (rp_buf_addf(&name, "%" JSON_INTEGER_FORMAT, json_integer_value(id)) != RP_OK)
            return NULL;
    } else {
        *used = false;
        if (rp_buf_addf(&name, "%s:%zu", ln->path, ln->lineno) != RP_OK)
            return NULL;
    }
    rp_buf_detach(&name, &out);
    return out;
}

/* The other fields as compact JSON with sorted keys (deterministic), or NULL when none. */
static rp_status line_meta(json_t *obj, const rp_read_options *ro, bool id_used, char **meta)
{
    json_object_del(obj, ro->text_field);
    if (id_used)
        json_object_del(obj, ro->id_field);
    *meta = NULL;
    if (json_object_size(obj) == 0)
        return RP_OK;
    *meta = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    return *meta ? RP_OK : RP_ENOMEM;
}

/* Checks a parsed line; sets why when it cannot be a document. */
static json_t *line_text(json_t *obj, const char *text_field, size_t cap, char *why)
{
    json_t *text;

    if (!json_is_object(obj)) {
        snprintf(why, RP_WHY_LEN, "not a JSON object");
        return NULL;
    }
    text = json_object_get(obj, text_field);
    if (!json_is_string(text)) {
        snprintf(why, RP_WHY_LEN, "no string field '%s'", text_field);
        return NULL;
    }
    if (json_string_length(text) > cap) {
        rp_corpus_limit_reason(cap, why);
        return NULL;
    }
    return text;
}

static rp_status read_line(rp_corpus *c, const jsonl_line *ln, const rp_read_options *ro,
                           size_t cap)
{
    char why[RP_WHY_LEN], *name = NULL, *bytes = NULL, *meta = NULL;
    json_error_t err;
    json_t *obj, *text;
    bool id_used;
    size_t len;
    rp_status st = RP_ENOMEM;

    memset(&err, 0, sizeof(err)); /* jansson leaves it unset when an allocation fails */
    obj = json_loadb(ln->bytes, ln->len, JSON_ALLOW_NUL, &err);
    if (!obj) {
        if (json_error_code(&err) == json_error_out_of_memory || err.text[0] == '\0')
            return RP_ENOMEM;
        snprintf(why, sizeof(why), "malformed JSON: %s", err.text);
        return skip_line(c, ln, why);
    }
    if (!(text = line_text(obj, ro->text_field, cap, why))) {
        json_decref(obj);
        return skip_line(c, ln, why);
    }
    len = json_string_length(text);
    name = line_name(ln, obj, ro->id_field, &id_used);
    bytes = rp_malloc(len + 1);
    if (!name || !bytes)
        goto fail;
    memcpy(bytes, json_string_value(text), len); /* before line_meta drops the text field */
    if (line_meta(obj, ro, id_used, &meta) != RP_OK)
        goto fail;
    json_decref(obj);
    st = rp_corpus_take(c, name, bytes, len, 0, meta);
    if (st == RP_OK)
        rp_corpus_set_raw(c, (uint32_t)(rp_corpus_count(c) - 1), ln->bytes, ln->len);
    return st;
fail:
    json_decref(obj);
    rp_free(name);
    rp_free(bytes);
    return st;
}

/* The lines of buf, numbered from skipped + 1. */
static rp_status read_lines(rp_corpus *c, const char *path, rp_buf *buf,
                            const rp_read_options *ropts, size_t cap, size_t skipped)
{
    static const char bom[] = "\xef\xbb\xbf";
    size_t before = rp_corpus_count(c), ls, le, end;
    jsonl_line ln = {path, skipped, NULL, 0};
    const char *nl;
    rp_status st = RP_OK;

    json_set_alloc_funcs(rp_malloc, rp_free);
    for (ls = 0; ls < buf->len && st == RP_OK; ls = le) {
        nl = memchr(buf->data + ls, '\n', buf->len - ls);
        le = nl ? (size_t)(nl - buf->data) + 1 : buf->len;
        end = nl ? le - 1 : le;
        if (end > ls && buf->data[end - 1] == '\r')
            end--;
        ln.lineno++;
        ln.bytes = buf->data + ls;
        if (ls == 0 && end >= 3 && memcmp(ln.bytes, bom, 3) == 0)
            ln.bytes += 3;
        ln.len = (size_t)(buf->data + end - ln.bytes);
        if (ln.len == 0 || strspn(ln.bytes, " \t\r\f\v") >= ln.len)
            continue;
        st = read_line(c, &ln, ropts, cap);
    }
    if (st == RP_OK && rp_corpus_count(c) > before) {
        char *blob = buf->data;
        *buf = (rp_buf)RP_BUF_INIT;
        return rp_corpus_keep_blob(c, blob);
    }
    rp_buf_release(buf);
    return st;
}

rp_status rp_corpus_read_jsonl(rp_corpus *c, const char *path, rp_buf *buf,
                               const rp_read_options *ropts, size_t cap)
{
    return read_lines(c, path, buf, ropts, cap, 0);
}

rp_status rp_corpus_read_jsonl_bytes(rp_corpus *c, const char *name, const void *bytes,
                                     size_t len, size_t first_line,
                                     const rp_read_options *ropts)
{
    rp_buf buf = RP_BUF_INIT;
    size_t cap = ropts->max_doc_bytes && ropts->max_doc_bytes < RP_DOC_MAX ? ropts->max_doc_bytes
                                                                           : RP_DOC_MAX;

    if (len && rp_buf_add(&buf, bytes, len) != RP_OK)
        return RP_ENOMEM;
    return read_lines(c, name, &buf, ropts, cap, first_line ? first_line - 1 : 0);
}
