/*
 * date.c - a document's date, one rule for the scan and dedup: a metadata field (JSONL, or a
 * feed item's pubDate/published/updated kept as "date") holding an RFC 3339 or RFC 822 date,
 * or an integer count of seconds since the epoch. Civil dates become days with Hinnant's
 * days_from_civil, so no time zone database or locale is consulted.
 */
#include "corpus/corpus.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool time_ok(int mon, int day, int h, int mi, int s)
{
    return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

/* "Z", "+hh:mm", "-hhmm": offset east of UTC in seconds. */
static bool numeric_zone(const char **p, bool colon, int *off)
{
    int sign = **p == '-' ? -1 : 1, h, m;

    if (**p != '+' && **p != '-')
        return false;
    (*p)++;
    if (!digits(p, 2, &h))
        return false;
    if (colon && **p == ':')
        (*p)++;
    if (!digits(p, 2, &m) || h > 23 || m > 59)
        return false;
    *off = sign * (h * 3600 + m * 60);
    return true;
}

static bool parse_rfc3339(const char *p, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, s = 0, off = 0;

    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':' && (p++, !digits(&p, 2, &s)))
            return false;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p && !numeric_zone(&p, true, &off))
            return false;
    }
    if (*p || !time_ok(mo, d, h, mi, s))
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
    return true;
}

/* RFC 822 zone names (RFC 2822 section 4.3 keeps these). */
static bool named_zone(const char *p, int *off)
{
    static const struct {
        const char *name;
        int hours;
    } zones[] = {{"GMT", 0},  {"UT", 0},   {"UTC", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
                 {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};

    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        if (strcmp(p, zones[i].name) == 0) {
            *off = zones[i].hours * 3600;
            return true;
        }
    }
    return false;
}

static int month_number(const char *p)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int i = 0; i < 12; i++)
        if (strncmp(p, months + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

static bool parse_rfc822(const char *p, int64_t *out)
{
    int d, mo, y, h, mi, s = 0, off = 0;
    const char *comma = strchr(p, ',');

    if (comma)
        p = comma + 1;
    while (*p == ' ')
        p++;
    if (!digits(&p, 2, &d) && !digits(&p, 1, &d))
        return false;
    if (*p++ != ' ' || !(mo = month_number(p)))
        return false;
    p += 3;
    if (*p++ != ' ')
        return false;
    if (digits(&p, 4, &y))
        ;
    else if (digits(&p, 2, &y))
        y += y < 50 ? 2000 : 1900;
    else
        return false;
    if (*p++ != ' ' || !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
        return false;
    if (*p == ':' && (p++, !digits(&p, 2, &s)))
        return false;
    while (*p == ' ')
        p++;
    if (*p && !numeric_zone(&p, false, &off) && !named_zone(p, &off))
        return false;
    if (*p == '+' || *p == '-' || !time_ok(mo, d, h, mi, s))
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
    return true;
}

rp_status rp_date_parse(const char *text, int64_t *out)
{
    int64_t t;
    char buf[64];
    size_t len = strlen(text);

    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n'))
        len--;
    while (len && (*text == ' ' || *text == '\t' || *text == '\n'))
        text++, len--;
    if (len >= sizeof(buf))
        return RP_EFORMAT;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (!parse_rfc3339(buf, &t) && !parse_rfc822(buf, &t))
        return RP_EFORMAT;
    *out = t;
    return RP_OK;
}

bool rp_corpus_value_date(const struct json_t *v, int64_t *out)
{
    if (json_is_string(v))
        return rp_date_parse(json_string_value(v), out) == RP_OK;
    if (json_is_integer(v)) { /* seconds since the epoch */
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    return false;
}

bool rp_corpus_meta_date(const char *meta, const char *field, int64_t *out)
{
    json_t *obj;
    bool ok;

    if (!field || !meta)
        return false;
    obj = json_loads(meta, 0, NULL);
    ok = rp_corpus_value_date(json_object_get(obj, field), out);
    json_decref(obj);
    return ok;
}

/* Year, month and day of a count of days since 1970-01-01 (Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void rp_date_format(int64_t seconds, char out[RP_DATE_LEN])
{
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t rest = seconds - days * 86400, y;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, RP_DATE_LEN, "%" PRId64, seconds); /* out of ISO 8601's plain years */
        return;
    }
    snprintf(out, RP_DATE_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, (int)(rest / 3600),
             (int)(rest / 60 % 60), (int)(rest % 60));
}
