/* fixture.c - helpers the cmocka tests share for their temporary files. */
#include "fixture.h"

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
