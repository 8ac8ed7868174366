/* fixture.c - helpers the cmocka tests share: temporary files, allocation failures. */
#include "fixture.h"
#include "base/base.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fixture_remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *ent;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    if ((d = opendir(path)) != NULL) {
        while ((ent = readdir(d)) != NULL) {
            char child[1024];
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            snprintf(child, sizeof(child), "%s/%s", path, ent->d_name);
            fixture_remove_tree(child);
        }
        closedir(d);
    }
    rmdir(path);
}

rp_scan *fixture_scan_past_allocation_failures(const rp_corpus *c, const rp_options *o)
{
    for (unsigned long fail = 1;; fail++) {
        rp_scan *s = NULL;
        rp_alloc_fail_after(fail);
        rp_status st = rp_scan_run(c, o, NULL, NULL, &s);
        rp_alloc_fail_after(0);
        if (st == RP_OK)
            return s;
        assert_int_equal(st, RP_ENOMEM);
        assert_null(s);
    }
}
