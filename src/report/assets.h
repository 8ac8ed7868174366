/*
 * assets.h - private: the HTML report's style sheets and scripts, written as real files in
 * src/report/assets/ and embedded at build time (assets/embed.cmake generates their C source
 * in the build tree). A page's script is already assembled: base.js, the page's own, page.js,
 * and carries the hash that the page's Content-Security-Policy allows it by.
 */
#ifndef REPRINT_REPORT_ASSETS_H
#define REPRINT_REPORT_ASSETS_H

#include <stddef.h>

typedef struct rp_asset {
    const unsigned char *bytes; /* NUL-terminated too */
    size_t len;
    const char *csp; /* a script's CSP source, 'sha256-BASE64' of its bytes; NULL for a style */
} rp_asset;

extern const rp_asset rp_asset_report_css;    /* every page's style */
extern const rp_asset rp_asset_quotes_css;    /* the quotes page's own, after report.css */
extern const rp_asset rp_asset_scan_script;   /* the scan page's script */
extern const rp_asset rp_asset_quotes_script; /* the quotes page's script */
extern const rp_asset rp_asset_onerror_script; /* the first script: errors shown in the page */

#endif /* REPRINT_REPORT_ASSETS_H */
