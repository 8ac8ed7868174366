/* main.c - the reprint program (placeholder until the CLI lands). */
#include "reprint.h"

#include <stdio.h>

int main(void)
{
    printf("reprint %s\n", rp_version());
    return 0;
}
