/*
 * corpus_decode.c - loads one input's bytes: reads a file descriptor to its end (growing
 * buffer, sized up front when the size is known), inflates gzip (zlib, concatenated members)
 * and zstd (streaming frames) found by magic bytes, converts UTF-16 with a BOM to UTF-8, and
 * rejects binary content. Output beyond a cap stops the read and no buffer grows past the cap,
 * so one input never holds more than the cap; a compressed stream whose output passes
 * RP_BOMB_OUTPUT at a ratio over RP_BOMB_RATIO stops early as a likely bomb. Streamed (JSONL and
 * split inputs, rp_corpus_load_stream): the decoded bytes go to a sink as lines complete, and
 * the cap bounds only the bytes the sink has not let go yet.
 */
#include "corpus/corpus.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define READ_CHUNK ((size_t)65536)

/* Binary rule: NUL bytes are over 1% of the first 64 KiB, or the first 8 KiB holds a NUL and
 * over 5% of it is control bytes (C0 other than \t \n \v \f \r ESC, and DEL). Text with a stray
 * NUL stays text; compressed or machine data (about 10% controls) does not. */
#define BINARY_SAMPLE ((size_t)65536)
#define BINARY_HEAD ((size_t)8192)

/* A likely decompression bomb: over 64 MiB of output at more than 1,000 bytes per input byte.
 * Text compresses about 3-10:1, and even a file of one repeated line stays under 1,000:1 with
 * gzip (its ceiling is 1,032:1); zstd reaches 30,000:1 only on machine-made input. */
#define RP_BOMB_OUTPUT ((size_t)64 << 20)
#define RP_BOMB_RATIO ((size_t)1000)

typedef struct loader {
    int fd;
    size_t cap; /* more output than this: skip */
    rp_buf *out;
    char *why;
    unsigned char *in; /* compressed input chunk */
    size_t in_len;
    size_t in_pos;
    size_t in_total; /* compressed bytes read so far */
    bool eof;
    rp_corpus_sink sink; /* streamed: hands it the output (NULL: keep it all) */
    void *ctx;
    size_t dropped;  /* streamed: output the sink let go */
    bool decided;    /* streamed: the binary rule has been applied */
    bool hold;       /* streamed: UTF-16, kept whole to be converted at the end */
    bool line_ended; /* streamed: a line break arrived since the sink last ran */
    size_t kept;     /* streamed: bytes the sink kept when it last ran */
} loader;

/* Output goes to the sink as it comes (not held whole). */
static bool streaming(const loader *ld)
{
    return ld->sink && !ld->hold;
}

void rp_corpus_errno_reason(int err, char *why)
{
    if (strerror_r(err, why, RP_WHY_LEN) != 0)
        snprintf(why, RP_WHY_LEN, "error %d", err);
}

void rp_corpus_limit_reason(size_t cap, char *why)
{
    if (cap >= RP_DOC_MAX)
        snprintf(why, RP_WHY_LEN, "document larger than 4 GiB");
    else
        snprintf(why, RP_WHY_LEN, "document larger than the limit of %zu bytes", cap);
}

/* read() that retries on EINTR: bytes read, 0 at end, -1 with errno. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Makes room for READ_CHUNK more output bytes plus the NUL, growing by half but never past
 * the cap's one byte over plus the NUL: a read that runs into the cap has held no more. */
static rp_status out_room(loader *ld)
{
    rp_buf *out = ld->out;
    size_t most = ld->cap > SIZE_MAX - 2 ? SIZE_MAX : ld->cap + 2;
    size_t want, need;
    char *grown;

    if (out->len > SIZE_MAX - READ_CHUNK - 1)
        return RP_ENOMEM;
    need = out->len + READ_CHUNK + 1;
    if (need > most)
        need = most;
    if (need <= out->cap)
        return RP_OK;
    want = out->cap < 8 ? 8 : out->cap + out->cap / 2;
    want = want < need ? need : want > most ? most : want;
    if (!(grown = rp_realloc(out->data, want)))
        return RP_ENOMEM;
    out->data = grown;
    out->cap = want;
    return RP_OK;
}

/* After a decoding step: RP_ELIMIT past the cap, RP_EFORMAT for a likely bomb (why set). */
static rp_status check_output(loader *ld)
{
    size_t out = ld->dropped + ld->out->len, in = ld->in_total ? ld->in_total : 1;

    if (!streaming(ld) && out > ld->cap) {
        rp_corpus_limit_reason(ld->cap, ld->why);
        return RP_ELIMIT;
    }
    if (out > RP_BOMB_OUTPUT && out / in > RP_BOMB_RATIO) {
        snprintf(ld->why, RP_WHY_LEN,
                 "likely a decompression bomb (%zu bytes from %zu compressed, over %zu:1)", out,
                 ld->in_total, RP_BOMB_RATIO);
        return RP_EFORMAT;
    }
    return RP_OK;
}

/* Output space to hand a decoder: never more than one byte past the cap. */
static size_t out_avail(const loader *ld)
{
    size_t avail = ld->out->cap - ld->out->len - 1;
    size_t left = ld->cap + 1 - ld->out->len;
    if (avail > left)
        avail = left;
    return avail > UINT_MAX ? UINT_MAX : avail;
}

/* Refills an empty input chunk: RP_OK (ld->eof at the end) or RP_EIO with ld->why set. */
static rp_status refill(loader *ld)
{
    ssize_t n;
    if (ld->in_pos < ld->in_len || ld->eof)
        return RP_OK;
    n = read_some(ld->fd, ld->in, READ_CHUNK);
    if (n < 0) {
        rp_corpus_errno_reason(errno, ld->why);
        return RP_EIO;
    }
    ld->in_len = (size_t)n;
    ld->in_total += (size_t)n;
    ld->in_pos = 0;
    ld->eof = n == 0;
    return RP_OK;
}

static void *zalloc_rp(void *opaque, unsigned items, unsigned size)
{
    size_t bytes;
    (void)opaque;
    if (!rp_mul_ok(items, size, &bytes))
        return NULL;
    return rp_malloc(bytes);
}

static void zfree_rp(void *opaque, void *ptr)
{
    (void)opaque;
    rp_free(ptr);
}

static rp_status drain(loader *ld, size_t before, bool eof);

/* One inflate step: RP_OK, RP_ENOMEM, or RP_EFORMAT (why set). */
static rp_status gunzip_step(loader *ld, z_stream *z, bool *member_done, size_t *produced)
{
    size_t avail_out = out_avail(ld), consumed;
    int ret;

    z->next_in = ld->in + ld->in_pos;
    z->avail_in = (uInt)(ld->in_len - ld->in_pos);
    z->next_out = (unsigned char *)ld->out->data + ld->out->len;
    z->avail_out = (uInt)avail_out;
    ret = inflate(z, Z_NO_FLUSH);
    consumed = ld->in_len - ld->in_pos - z->avail_in;
    ld->in_pos += consumed;
    *produced = avail_out - z->avail_out;
    ld->out->len += *produced;
    if (ret == Z_MEM_ERROR)
        return RP_ENOMEM;
    if (ret == Z_STREAM_END) {
        *member_done = true;
        return inflateReset(z) == Z_OK ? RP_OK : RP_ENOMEM;
    }
    if (ret != Z_OK && ret != Z_BUF_ERROR) {
        snprintf(ld->why, RP_WHY_LEN, "corrupt gzip stream (%s)", z->msg ? z->msg : "bad data");
        return RP_EFORMAT;
    }
    if (consumed > 0)
        *member_done = false;
    return RP_OK;
}

static rp_status gunzip(loader *ld)
{
    z_stream z;
    bool member_done = false;
    size_t produced = 1;
    rp_status st = RP_OK;

    memset(&z, 0, sizeof(z));
    z.zalloc = zalloc_rp;
    z.zfree = zfree_rp;
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return RP_ENOMEM;
    while (st == RP_OK && !(ld->eof && ld->in_pos == ld->in_len && produced == 0)) {
        if ((st = refill(ld)) != RP_OK || (st = out_room(ld)) != RP_OK)
            break;
        st = gunzip_step(ld, &z, &member_done, &produced);
        if (st == RP_OK)
            st = check_output(ld);
        if (st == RP_OK)
            st = drain(ld, ld->out->len - produced, false);
    }
    if (st == RP_OK && !member_done) {
        snprintf(ld->why, RP_WHY_LEN, "truncated gzip stream");
        st = RP_EFORMAT;
    }
    inflateEnd(&z);
    return st;
}

/* One zstd step: as gunzip_step. */
static rp_status unzstd_step(loader *ld, ZSTD_DStream *zs, bool *frame_done, size_t *produced)
{
    ZSTD_inBuffer inb = {ld->in, ld->in_len, ld->in_pos};
    ZSTD_outBuffer outb = {ld->out->data + ld->out->len, out_avail(ld), 0};
    size_t ret = ZSTD_decompressStream(zs, &outb, &inb);

    if (ZSTD_isError(ret)) {
        if (ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation)
            return RP_ENOMEM;
        snprintf(ld->why, RP_WHY_LEN, "corrupt zstd stream (%s)", ZSTD_getErrorName(ret));
        return RP_EFORMAT;
    }
    if (inb.pos > ld->in_pos || outb.pos > 0)
        *frame_done = ret == 0;
    ld->in_pos = inb.pos;
    ld->out->len += outb.pos;
    *produced = outb.pos;
    return RP_OK;
}

static rp_status unzstd(loader *ld)
{
    ZSTD_DStream *zs = ZSTD_createDStream();
    bool frame_done = false;
    size_t produced = 1;
    rp_status st = RP_OK;

    if (!zs)
        return RP_ENOMEM;
    while (st == RP_OK && !(ld->eof && ld->in_pos == ld->in_len && produced == 0)) {
        if ((st = refill(ld)) != RP_OK || (st = out_room(ld)) != RP_OK)
            break;
        st = unzstd_step(ld, zs, &frame_done, &produced);
        if (st == RP_OK)
            st = check_output(ld);
        if (st == RP_OK)
            st = drain(ld, ld->out->len - produced, false);
    }
    if (st == RP_OK && !frame_done) {
        snprintf(ld->why, RP_WHY_LEN, "truncated zstd stream");
        st = RP_EFORMAT;
    }
    ZSTD_freeDStream(zs);
    return st;
}

static bool has_utf16_bom(const rp_buf *buf);

/* True once the first BINARY_SAMPLE bytes are in and say binary (UTF-16 aside, which holds
 * NULs until converted): a device such as /dev/zero, or a huge binary file, stops there. */
static bool binary_so_far(const rp_buf *out, size_t before)
{
    return before < BINARY_SAMPLE && out->len >= BINARY_SAMPLE && !has_utf16_bom(out) &&
           rp_corpus_is_binary(out->data, out->len);
}

/* Streamed: after output [before, len) arrived (or at the end), applies the binary rule once
 * the first BINARY_SAMPLE bytes are in, then hands the bytes held to the sink when a line
 * ended, the cap is passed, the bytes held grew by a quarter, or at the end, and lets go of
 * what it used. The cap bounds the bytes held: a sink must use enough to stay under it. */
static rp_status drain(loader *ld, size_t before, bool eof)
{
    rp_buf *out = ld->out;
    size_t used = 0;
    rp_status st;

    if (!streaming(ld))
        return RP_OK;
    if (!ld->line_ended && before < out->len && memchr(out->data + before, '\n', out->len - before))
        ld->line_ended = true;
    if (!ld->decided) {
        if (!eof && out->len < BINARY_SAMPLE)
            return RP_OK;
        ld->decided = true;
        if (has_utf16_bom(out)) {
            ld->hold = true; /* converted whole at the end, under the cap */
            return RP_OK;
        }
        if (rp_corpus_is_binary(out->data, out->len)) {
            snprintf(ld->why, RP_WHY_LEN, "binary file");
            return RP_EFORMAT;
        }
    }
    /* a long unfinished line is shown again each time it grows by a quarter, so a sink can
     * give up on it long before the cap, at a linear cost */
    if (!eof && !ld->line_ended && out->len <= ld->cap &&
        out->len < ld->kept + ld->kept / 4 + 16 * READ_CHUNK)
        return RP_OK;
    ld->line_ended = false;
    out->data[out->len] = '\0';
    if ((st = ld->sink(ld->ctx, out->data, out->len, eof, &used)) != RP_OK)
        return st;
    if (used > 0) {
        memmove(out->data, out->data + used, out->len - used);
        out->len -= used;
        ld->dropped += used;
    }
    ld->kept = out->len;
    if (out->len > ld->cap) { /* a sink that kept too much */
        rp_corpus_limit_reason(ld->cap, ld->why);
        return RP_ELIMIT;
    }
    return RP_OK;
}

/* Plain bytes: read straight into the output buffer. */
static rp_status read_plain(loader *ld)
{
    rp_buf *out = ld->out;
    ssize_t n;

    size_t before = out->len;
    rp_status st;

    for (;;) {
        if ((st = drain(ld, before, false)) != RP_OK)
            return st;
        if (out->len > ld->cap) {
            rp_corpus_limit_reason(ld->cap, ld->why);
            return RP_ELIMIT;
        }
        if (out->cap - out->len < 2 && out_room(ld) != RP_OK)
            return RP_ENOMEM;
        before = out->len;
        n = read_some(ld->fd, out->data + out->len, out->cap - out->len - 1);
        if (n < 0) {
            rp_corpus_errno_reason(errno, ld->why);
            return RP_EIO;
        }
        if (n == 0)
            return RP_OK;
        out->len += (size_t)n;
        if (!ld->sink && binary_so_far(out, out->len - (size_t)n)) {
            snprintf(ld->why, RP_WHY_LEN, "binary file");
            return RP_EFORMAT;
        }
    }
}

/* Reads up to 4 bytes (fewer only at the end) to look for a magic number. */
static rp_status read_head(loader *ld, unsigned char *head, size_t *len)
{
    ssize_t n;
    *len = 0;
    while (*len < 4) {
        n = read_some(ld->fd, head + *len, 4 - *len);
        if (n < 0) {
            rp_corpus_errno_reason(errno, ld->why);
            return RP_EIO;
        }
        if (n == 0)
            break;
        *len += (size_t)n;
    }
    return RP_OK;
}

/* The magic numbers of the compressed inputs decoded here, at the start of s[0, len). */
static bool is_gzip(const unsigned char *s, size_t len)
{
    return len >= 2 && s[0] == 0x1f && s[1] == 0x8b;
}

static bool is_zstd(const unsigned char *s, size_t len)
{
    return len >= 4 && s[0] == 0x28 && s[1] == 0xb5 && s[2] == 0x2f && s[3] == 0xfd;
}

static bool compressed(const unsigned char *s, size_t len)
{
    return is_gzip(s, len) || is_zstd(s, len);
}

/* A regular file of size_hint bytes, not streamed: one read for its head and (nearly always)
 * all of it, into a buffer with room for the whole file, the NUL and the probe for the end,
 * instead of a separate read for the magic number. Plain: the output holds what was read and
 * the rest is read as read_plain does (RP_OK with out->len set, or read_plain's status).
 * Compressed: the head is handed back (head, *head_len) with the file put back just past it
 * and the output left empty, so that decoding reads the input as it always has. Nothing done
 * (*head_len 0, output empty) for other inputs. */
static rp_status read_whole(loader *ld, size_t size_hint, unsigned char *head, size_t *head_len)
{
    rp_buf *out = ld->out;
    size_t first = size_hint > ld->cap ? ld->cap : size_hint;
    ssize_t n;

    *head_len = 0;
    if (ld->sink || first < 4)
        return RP_OK;
    if (RP_GROW(out->data, out->cap, first + 2) != RP_OK)
        return RP_ENOMEM;
    while (out->len < 4) {
        n = read_some(ld->fd, out->data + out->len, out->cap - out->len - 1);
        if (n < 0) {
            rp_corpus_errno_reason(errno, ld->why);
            out->len = 0;
            return RP_EIO;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
    }
    if (!out->len) /* empty after all: read as an empty file is (by read_head) */
        return RP_OK;
    if (compressed((const unsigned char *)out->data, out->len)) {
        *head_len = out->len < 4 ? out->len : 4;
        memcpy(head, out->data, *head_len);
        out->len = 0;
        if (lseek(ld->fd, (off_t)*head_len, SEEK_SET) != (off_t)*head_len) {
            rp_corpus_errno_reason(errno, ld->why);
            return RP_EIO;
        }
        return RP_OK;
    }
    if (binary_so_far(out, 0)) {
        snprintf(ld->why, RP_WHY_LEN, "binary file");
        return RP_EFORMAT;
    }
    /* a read of a regular file that asked for one byte more than it holds and got exactly its
     * size met the end: no further read to see it again */
    if (out->len == first && first == size_hint)
        return RP_OK;
    return read_plain(ld);
}

static rp_status decode(loader *ld, size_t size_hint)
{
    unsigned char head[4];
    size_t head_len, first;
    rp_status st;

    if ((st = read_whole(ld, size_hint, head, &head_len)) != RP_OK || ld->out->len)
        return st;
    if (!head_len && (st = read_head(ld, head, &head_len)) != RP_OK)
        return st;
    if (is_gzip(head, head_len)) {
        ld->in = rp_malloc(READ_CHUNK);
        if (!ld->in)
            return RP_ENOMEM;
        memcpy(ld->in, head, head_len);
        ld->in_len = ld->in_total = head_len;
        return gunzip(ld);
    }
    if (is_zstd(head, head_len)) {
        ld->in = rp_malloc(READ_CHUNK);
        if (!ld->in)
            return RP_ENOMEM;
        memcpy(ld->in, head, head_len);
        ld->in_len = ld->in_total = head_len;
        return unzstd(ld);
    }
    /* room for the whole file, the NUL and a one-byte probe for the end: no realloc (streamed:
     * a chunk's worth, grown only by a long line) */
    first = size_hint > ld->cap ? ld->cap : size_hint;
    if (ld->sink)
        first = 16 * READ_CHUNK < ld->cap ? 16 * READ_CHUNK : ld->cap;
    if (RP_GROW(ld->out->data, ld->out->cap, first + 2) != RP_OK)
        return RP_ENOMEM;
    memcpy(ld->out->data, head, head_len);
    ld->out->len = head_len;
    return read_plain(ld);
}

/* Appends code point cp as UTF-8 at p; returns the bytes written. */
static size_t put_utf8(unsigned char *p, unsigned long cp)
{
    if (cp < 0x80) {
        p[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (unsigned char)(0xc0 | cp >> 6);
        p[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (unsigned char)(0xe0 | cp >> 12);
        p[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        p[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    p[0] = (unsigned char)(0xf0 | cp >> 18);
    p[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    p[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    p[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The code point at s[*i] (advancing *i); unpaired surrogates and an odd last byte become
 * U+FFFD, so every input converts. */
static unsigned long utf16_next(const unsigned char *s, size_t len, bool le, size_t *i)
{
    unsigned long u, lo;
    if (*i + 1 >= len) {
        *i = len;
        return 0xfffd;
    }
    u = le ? (unsigned long)s[*i] | (unsigned long)s[*i + 1] << 8
           : (unsigned long)s[*i] << 8 | s[*i + 1];
    *i += 2;
    if (u < 0xd800 || u > 0xdfff)
        return u;
    if (u >= 0xdc00 || *i + 1 >= len)
        return 0xfffd;
    lo = le ? (unsigned long)s[*i] | (unsigned long)s[*i + 1] << 8
            : (unsigned long)s[*i] << 8 | s[*i + 1];
    if (lo < 0xdc00 || lo > 0xdfff)
        return 0xfffd;
    *i += 2;
    return 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
}

/* UTF-16 with a BOM (FF FE little-endian, FE FF big-endian) to UTF-8 without a BOM: every
 * 2 input bytes give at most 3 output bytes. Offsets then refer to the converted bytes. */
static rp_status utf16_to_utf8(rp_buf *buf, size_t cap, char *why)
{
    const unsigned char *s = (const unsigned char *)buf->data;
    bool le = s[0] == 0xff;
    rp_buf out = RP_BUF_INIT;
    size_t i = 2;

    if (RP_GROW(out.data, out.cap, buf->len / 2 * 3 + 4) != RP_OK)
        return RP_ENOMEM;
    while (i < buf->len)
        out.len += put_utf8((unsigned char *)out.data + out.len, utf16_next(s, buf->len, le, &i));
    out.data[out.len] = '\0';
    rp_buf_release(buf);
    *buf = out;
    if (buf->len > cap)
        rp_corpus_limit_reason(cap, why);
    return RP_OK;
}

static bool utf16_bom(const unsigned char *s, size_t len)
{
    return len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff));
}

static bool has_utf16_bom(const rp_buf *buf)
{
    return utf16_bom((const unsigned char *)buf->data, buf->len);
}

bool rp_corpus_is_coded(const char *bytes, size_t len)
{
    const unsigned char *s = (const unsigned char *)bytes;
    return compressed(s, len) || utf16_bom(s, len);
}

static bool is_control(unsigned char c)
{
    if (c == 0x7f)
        return true;
    return c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b;
}

bool rp_corpus_is_binary(const char *bytes, size_t len)
{
    const unsigned char *s = (const unsigned char *)bytes;
    size_t sample = len < BINARY_SAMPLE ? len : BINARY_SAMPLE;
    size_t head = len < BINARY_HEAD ? len : BINARY_HEAD;
    size_t nul = 0, ctrl = 0;

    if (!memchr(s, 0, sample > head ? sample : head))
        return false; /* no NUL (nearly every text): neither test below can say binary */
    for (size_t i = 0; i < sample; i++)
        nul += s[i] == 0;
    if (nul * 100 > sample)
        return true;
    if (!memchr(s, 0, head))
        return false;
    for (size_t i = 0; i < head; i++)
        ctrl += is_control(s[i]);
    return ctrl * 20 > head;
}

rp_status rp_corpus_load(int fd, size_t cap, size_t size_hint, rp_buf *out, char *why)
{
    rp_buf buf = RP_BUF_INIT;
    loader ld = {.fd = fd, .cap = cap, .out = &buf, .why = why};
    rp_status st;

    why[0] = '\0';
    st = decode(&ld, size_hint);
    rp_free(ld.in);
    if (st == RP_OK && !buf.data)
        st = rp_buf_add(&buf, "", 0);
    if (st == RP_ENOMEM)
        goto fail;
    if (st == RP_OK) {
        buf.data[buf.len] = '\0';
        if (has_utf16_bom(&buf) && utf16_to_utf8(&buf, cap, why) != RP_OK)
            goto fail;
        if (!why[0] && rp_corpus_is_binary(buf.data, buf.len))
            snprintf(why, RP_WHY_LEN, "binary file");
    }
    if (why[0])
        rp_buf_release(&buf);
    *out = buf;
    return RP_OK;
fail:
    rp_buf_release(&buf);
    return RP_ENOMEM;
}

rp_status rp_corpus_load_stream(int fd, size_t cap, rp_corpus_sink sink, void *ctx, char *why)
{
    rp_buf buf = RP_BUF_INIT;
    loader ld = {.fd = fd,
                 .cap = cap < BINARY_SAMPLE ? BINARY_SAMPLE : cap,
                 .out = &buf,
                 .why = why,
                 .sink = sink,
                 .ctx = ctx};
    size_t used = 0;
    rp_status st;

    why[0] = '\0';
    st = decode(&ld, 0);
    rp_free(ld.in);
    if (st == RP_OK && !buf.data)
        st = rp_buf_add(&buf, "", 0);
    if (st == RP_OK)
        st = drain(&ld, buf.len, true);
    if (st == RP_OK && ld.hold) { /* UTF-16: converted whole, then handed over at once */
        buf.data[buf.len] = '\0';
        st = utf16_to_utf8(&buf, ld.cap, why);
        if (st == RP_OK && !why[0] && rp_corpus_is_binary(buf.data, buf.len))
            snprintf(why, RP_WHY_LEN, "binary file");
        if (st == RP_OK && !why[0])
            st = sink(ctx, buf.data, buf.len, true, &used);
    }
    rp_buf_release(&buf);
    if (st != RP_OK && st != RP_ENOMEM && why[0])
        st = RP_OK; /* skipped for the reason in why */
    return st;
}
