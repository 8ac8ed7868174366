/* fixture.h - helpers the cmocka tests share for their temporary files. */
#ifndef REPRINT_TEST_FIXTURE_H
#define REPRINT_TEST_FIXTURE_H

/* Removes path and everything below it, not following symbolic links; directories a test made
 * unreadable are opened up first. Missing paths are fine. */
void fixture_remove_tree(const char *path);

#endif /* REPRINT_TEST_FIXTURE_H */
