/*
 * corpus_jsonl.c - JSON Lines input (jansson): one document per non-blank line, named by its
 * id field (a string as is, an integer in decimal, else "path:LINE"), its text taken from the
 * text field, and every other field kept as metadata (compact JSON, keys sorted). Bad lines
 * (malformed, or nested deeper than 64 levels) are skipped as "path:LINE" and the rest is
 * kept. A file is read line by line (rp_corpus_stream_jsonl), each line bounded by the
 * per-document cap: a longer one is skipped as "path:LINE" and its bytes let go. A copy of a
 * kept document's raw line stays in the corpus so it can be written back unchanged
 * (rp_corpus_raw).
 */
#include "corpus/corpus.h"

#include <jansson.h>
#include <pthread.h>
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

/* Metadata is copied into every report, and many JSON readers (Python's json at about 1,000
 * levels, jq) give up on deep nesting: a line nested deeper than this is skipped. */
#define RP_JSONL_MAX_DEPTH 64

/* True when the line's arrays and objects nest deeper than RP_JSONL_MAX_DEPTH, found by a scan
 * of the bytes (strings and their escapes stepped over) before jansson parses them. */
static bool too_deep(const char *s, size_t len)
{
    size_t depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in_string = false;
        } else if (s[i] == '"') {
            in_string = true;
        } else if (s[i] == '[' || s[i] == '{') {
            if (++depth > RP_JSONL_MAX_DEPTH)
                return true;
        } else if ((s[i] == ']' || s[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return false;
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

    if (too_deep(ln->bytes, ln->len)) {
        snprintf(why, sizeof(why), "JSON nested deeper than %d levels", RP_JSONL_MAX_DEPTH);
        return skip_line(c, ln, why);
    }
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
    if (st == RP_OK) { /* the raw line outlives the bytes read: a copy, kept by the corpus */
        char *raw = rp_malloc(ln->len + 1);
        if (!raw)
            return RP_ENOMEM;
        memcpy(raw, ln->bytes, ln->len);
        raw[ln->len] = '\0';
        if ((st = rp_corpus_keep_blob(c, raw)) != RP_OK)
            return st;
        rp_corpus_set_raw(c, (uint32_t)(rp_corpus_count(c) - 1), raw, ln->len);
    }
    return st;
fail:
    json_decref(obj);
    rp_free(name);
    rp_free(bytes);
    return st;
}

/* A JSONL input read line by line (a buffer, or a stream through rp_corpus_load_stream). */
typedef struct jsonl_reader {
    rp_corpus *c;
    const char *path;
    const rp_read_options *ro;
    size_t cap;
    size_t lineno; /* lines begun so far */
    bool started;  /* past the first line (which may open with a BOM) */
    bool dropping; /* inside a line longer than cap, whose bytes are let go */
} jsonl_reader;

static rp_status skip_long(jsonl_reader *jr)
{
    jsonl_line ln = {jr->path, jr->lineno, NULL, 0};
    char why[RP_WHY_LEN];

    if (jr->cap >= RP_DOC_MAX)
        snprintf(why, sizeof(why), "line longer than 4 GiB");
    else
        snprintf(why, sizeof(why), "line longer than the limit of %zu bytes", jr->cap);
    return skip_line(jr->c, &ln, why);
}

/* True for a line of spaces, tabs, CR, FF and VT only (or none). */
static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return false;
    }
    return true;
}

/* Slack over cap for a line's unfinished bytes: a BOM and a '\r' are not counted. */
#define RP_JSONL_SLACK 4

/* rp_corpus_sink: reads the complete lines, keeps an unfinished one unless it is already too
 * long (then it is skipped, and its bytes let go up to its end). */
static rp_status jsonl_sink(void *ctx, const char *data, size_t len, bool eof, size_t *used)
{
    static const char bom[] = "\xef\xbb\xbf";
    jsonl_reader *jr = ctx;
    jsonl_line ln = {jr->path, 0, NULL, 0};
    size_t ls = 0, le, end;
    const char *nl;
    rp_status st = RP_OK;

    while (ls < len && st == RP_OK) {
        nl = memchr(data + ls, '\n', len - ls);
        if (!nl && !eof) {
            if (!jr->dropping && len - ls > jr->cap + RP_JSONL_SLACK) {
                jr->lineno++;
                jr->started = true;
                jr->dropping = true;
                st = skip_long(jr);
            }
            if (jr->dropping)
                ls = len;
            break;
        }
        le = nl ? (size_t)(nl - data) + 1 : len;
        if (jr->dropping) { /* the end of a line already skipped */
            jr->dropping = false;
            ls = le;
            continue;
        }
        end = nl ? le - 1 : le;
        if (end > ls && data[end - 1] == '\r')
            end--;
        ln.bytes = data + ls;
        if (!jr->started && end - ls >= 3 && memcmp(ln.bytes, bom, 3) == 0)
            ln.bytes += 3;
        jr->started = true;
        ln.lineno = ++jr->lineno;
        ln.len = (size_t)(data + end - ln.bytes);
        ls = le;
        if (blank(ln.bytes, ln.len))
            continue;
        if (ln.len > jr->cap)
            st = skip_long(jr);
        else
            st = read_line(jr->c, &ln, jr->ro, jr->cap);
    }
    *used = ls;
    return st;
}

/* jansson allocates through rp_malloc (so the allocation-failure tests reach its parser too).
 * json_set_alloc_funcs writes globals: set once, before the first parse, however many threads
 * read JSONL at the same time (a follower parsing its next group beside a commit, the pool). */
static pthread_once_t json_alloc_once = PTHREAD_ONCE_INIT;

static void json_alloc_set(void)
{
    json_set_alloc_funcs(rp_malloc, rp_free);
}

static void json_alloc_init(void)
{
    pthread_once(&json_alloc_once, json_alloc_set);
}

rp_status rp_corpus_read_jsonl(rp_corpus *c, const char *path, rp_buf *buf,
                               const rp_read_options *ropts, size_t cap)
{
    jsonl_reader jr = {c, path, ropts, cap, 0, false, false};
    size_t used;
    rp_status st;

    json_alloc_init();
    st = jsonl_sink(&jr, buf->data ? buf->data : "", buf->len, true, &used);
    rp_buf_release(buf);
    return st;
}

rp_status rp_corpus_stream_jsonl(rp_corpus *c, const char *path, int fd,
                                 const rp_read_options *ropts, size_t cap)
{
    jsonl_reader jr = {c, path, ropts, cap, 0, false, false};
    char why[RP_WHY_LEN];
    rp_corpus_mark mark;
    rp_status st;

    json_alloc_init();
    rp_corpus_mark_get(c, &mark);
    st = rp_corpus_load_stream(fd, cap + 2 * RP_JSONL_SLACK, jsonl_sink, &jr, why);
    if (st != RP_OK || !why[0])
        return st;
    rp_corpus_rollback(c, &mark); /* the input is skipped whole */
    return rp_corpus_skip(c, path, why);
}

rp_status rp_corpus_read_jsonl_bytes(rp_corpus *c, const char *name, const void *bytes, size_t len,
                                     size_t first_line, const rp_read_options *ropts)
{
    size_t cap = ropts->max_doc_bytes && ropts->max_doc_bytes < RP_DOC_MAX ? ropts->max_doc_bytes
                                                                           : RP_DOC_MAX;
    jsonl_reader jr = {c, name, ropts, cap, first_line ? first_line - 1 : 0, false, false};
    size_t used;

    json_alloc_init();
    return jsonl_sink(&jr, len ? bytes : "", len, true, &used);
}
