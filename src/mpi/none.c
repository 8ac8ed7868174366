/*
 * none.c - the program built without MPI (REPRINT_MPI off): never launched, no transport.
 * A launcher starting it runs N independent copies, as it would any program.
 */
#include "launch.h"

bool launch_by_launcher(void)
{
    return false;
}

int launch_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

rp_exchange *launch_exchange(void)
{
    return NULL;
}

unsigned launch_node_ranks(void)
{
    return 1;
}

void launch_waits(double *agree, double *exchange, unsigned long *agrees, unsigned long *exchanges)
{
    *agree = *exchange = 0;
    *agrees = *exchanges = 0;
}

void launch_stop(void)
{
}
