/*
 * launch.h - the reprint program under an MPI launcher (mpirun, srun): whether it was started
 * by one, the job's transport for rp_scan_run_shared, and its end. mpi.c implements it with
 * MPI when the program is built with REPRINT_MPI; none.c, without, says "not launched".
 * Linked into the program only: libreprint never depends on MPI.
 */
#ifndef REPRINT_MPI_LAUNCH_H
#define REPRINT_MPI_LAUNCH_H

#include "reprint.h"

/* Whether the environment is a launcher's (OMPI_, PMI_ or PMIX_ variables of a rank), unless
 * REPRINT_MPI=0 says to run alone (a reprint started from inside an MPI job's process). */
bool launch_by_launcher(void);

/* Initialises MPI when started by a launcher: 0, or -1 after an error message. Without a
 * launcher it does nothing (the program behaves as it does alone). */
int launch_start(int *argc, char ***argv);

/* The job's transport (rank, size, MPI's all-to-all and all-reduce), or NULL when not started
 * by a launcher. round_bytes is the caller's to set. */
rp_exchange *launch_exchange(void);

/* The job's ranks on this rank's node (sharing its memory, MPI_COMM_TYPE_SHARED): 1 when not
 * started by a launcher. */
unsigned launch_node_ranks(void);

/* The seconds this rank spent inside the transport's calls so far: *agree in all-reduces
 * (nearly all of it waiting for the slowest rank to reach the same agreement), *exchange in
 * all-to-alls (moving bytes, and waiting for the others to start the same one); *calls the
 * calls of each kind. Zeros when not started by a launcher. */
void launch_waits(double *agree, double *exchange, unsigned long *agrees, unsigned long *exchanges);

/* Ends MPI when launch_start began it (every rank must call it, with the same result). */
void launch_stop(void);

#endif /* REPRINT_MPI_LAUNCH_H */
