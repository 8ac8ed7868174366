/*
 * mpi.c - the reprint program under an MPI launcher: MPI is initialised only when the
 * environment is a launcher's (mpirun's OMPI_ variables, Slurm's PMI_ or PMIX_ ones), and the
 * job's transport for rp_scan_run_shared is MPI_Alltoallv and MPI_Allreduce on
 * MPI_COMM_WORLD. MPI's default error handler stays: a failed call, or a rank that dies, ends
 * the whole job (the launcher stops every rank), so no rank waits forever.
 *
 * For tests only: REPRINT_MPI_TEST_EXIT=RANK:N makes rank RANK end at once (exit status 3,
 * without MPI_Finalize) on its N-th exchange, as a rank killed mid-run would.
 */
#include "launch.h"

#include <limits.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool started;
static rp_exchange job;
static long test_exit_rank = -1, test_exit_at;
static long calls;
static unsigned node_ranks = 1;
/* time inside the transport's calls (launch_waits): all-reduces, all-to-alls */
static long long in_agree_ns, in_exchange_ns;
static unsigned long agree_calls, exchange_calls;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A rank's variables are inherited by whatever it starts: a reprint run from inside an MPI
 * job's process (a script's subprocess) would join that job. REPRINT_MPI=0 keeps it alone. */
bool launch_by_launcher(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE", "PMI_FD"};
    const char *opt = getenv("REPRINT_MPI");
    if (opt && strcmp(opt, "0") == 0)
        return false;
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

/* MPI_Alltoallv with size_t counts and displacements (each below 2^31, as the buffers are;
 * -1 otherwise). */
static int mpi_alltoallv_at(void *ctx, const void *send, const size_t *send_counts,
                            const size_t *send_displs, void *recv, const size_t *recv_counts,
                            const size_t *recv_displs)
{
    static char none;
    int n = (int)job.size, rc = -1;
    int *v = malloc(4 * (size_t)n * sizeof(int));
    (void)ctx;
    if (test_exit_rank == (long)job.rank && ++calls == test_exit_at)
        _exit(3);
    for (int p = 0; v && p < n; p++) {
        if (send_counts[p] > INT_MAX || send_displs[p] > INT_MAX || recv_counts[p] > INT_MAX ||
            recv_displs[p] > INT_MAX) {
            free(v);
            return -1;
        }
        v[p] = (int)send_counts[p];
        v[n + p] = (int)send_displs[p];
        v[2 * n + p] = (int)recv_counts[p];
        v[3 * n + p] = (int)recv_displs[p];
    }
    long long begun = now_ns();
    if (v)
        rc = MPI_Alltoallv(send ? send : &none, v, v + n, MPI_BYTE, recv ? recv : &none,
                           v + 2 * n, v + 3 * n, MPI_BYTE, MPI_COMM_WORLD) == MPI_SUCCESS
                 ? 0
                 : -1;
    in_exchange_ns += now_ns() - begun;
    exchange_calls++;
    free(v);
    return rc;
}

/* The same with the data packed in rank order: displacements are the counts' prefix sums. */
static int mpi_alltoallv(void *ctx, const void *send, const size_t *send_counts, void *recv,
                         const size_t *recv_counts)
{
    size_t n = job.size, sent = 0, got = 0;
    size_t *displs = malloc(2 * n * sizeof(size_t));
    int rc = -1;
    for (size_t p = 0; displs && p < n; p++) {
        displs[p] = sent;
        displs[n + p] = got;
        sent += send_counts[p];
        got += recv_counts[p];
    }
    if (displs)
        rc = mpi_alltoallv_at(ctx, send, send_counts, displs, recv, recv_counts, displs + n);
    free(displs);
    return rc;
}

/* Waits for a request without holding a core: MPI_Test in a tight loop for the first
 * millisecond (the usual wait between ranks in step), then with sleeps that grow to 2 ms.
 * A blocking MPI_Allreduce polled (sched_yield, with mpi_yield_when_idle) for as long as it
 * waited: a rank waiting for rank 0's clustering and report, or for a slower rank at a stage's
 * end, spent a core of CPU time doing so (a third of a waiting rank's samples at 100 MB, and
 * on a loaded machine time taken from the ranks that work). A wait wakes at most 2 ms late;
 * a job agrees a few dozen times. */
static int wait_idle(MPI_Request *req)
{
    struct timespec begun, now, nap = {0, 50000};
    int done = 0;

    clock_gettime(CLOCK_MONOTONIC, &begun);
    for (;;) {
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
        if (done)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - begun.tv_sec) * 1000000000L + (now.tv_nsec - begun.tv_nsec) <
            1000000L)
            continue;
        nanosleep(&nap, NULL);
        nap.tv_nsec = nap.tv_nsec < 1000000L ? nap.tv_nsec * 2 : 2000000L; /* 2 ms at most */
    }
}

static int mpi_allreduce(void *ctx, uint64_t *values, size_t n, rp_reduce_op op)
{
    MPI_Request req;
    (void)ctx;
    if (n > INT_MAX)
        return -1;
    long long begun = now_ns();
    if (MPI_Iallreduce(MPI_IN_PLACE, values, (int)n, MPI_UINT64_T,
                       op == RP_REDUCE_SUM ? MPI_SUM : MPI_MAX, MPI_COMM_WORLD,
                       &req) != MPI_SUCCESS)
        return -1;
    int rc = wait_idle(&req);
    in_agree_ns += now_ns() - begun;
    agree_calls++;
    return rc;
}

/* Rank 0 stopped by the launcher (SIGTERM: another rank ended, or the job was cancelled):
 * one line saying so, then the default action. No report is half written: rank 0 writes
 * only after the last exchange, and the report's own writer removes its temporary. */
static void stopped_by_launcher(int sig)
{
    static const char msg[] = "reprint: rank 0 was stopped by the launcher (another rank "
                              "ended, see the launcher's message, or the job was cancelled): "
                              "no report written\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

int launch_start(int *argc, char ***argv)
{
    int rank, size;
    const char *hook = getenv("REPRINT_MPI_TEST_EXIT");

    if (!launch_by_launcher())
        return 0;
    /* ranks waiting in a collective while rank 0 clusters and writes give their core away
     * instead of polling it (unless the user chose otherwise) */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "reprint: cannot initialise MPI under the launcher\n");
        return -1;
    }
    started = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    job = (rp_exchange){.rank = (unsigned)rank,
                        .size = (unsigned)size,
                        .alltoallv = mpi_alltoallv,
                        .allreduce = mpi_allreduce,
                        .alltoallv_at = mpi_alltoallv_at};
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        int local = 1;
        if (MPI_Comm_size(node, &local) == MPI_SUCCESS && local > 0)
            node_ranks = (unsigned)local;
        MPI_Comm_free(&node);
    }
    if (hook && sscanf(hook, "%ld:%ld", &test_exit_rank, &test_exit_at) != 2)
        test_exit_rank = -1;
    if (rank == 0 && size > 1) {
        struct sigaction sa;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        sa.sa_handler = stopped_by_launcher;
        sigaction(SIGTERM, &sa, NULL);
    }
    return 0;
}

rp_exchange *launch_exchange(void)
{
    return started ? &job : NULL;
}

unsigned launch_node_ranks(void)
{
    return started ? node_ranks : 1;
}

void launch_waits(double *agree, double *exchange, unsigned long *agrees, unsigned long *exchanges)
{
    *agree = (double)in_agree_ns / 1e9;
    *exchange = (double)in_exchange_ns / 1e9;
    *agrees = agree_calls;
    *exchanges = exchange_calls;
}

void launch_stop(void)
{
    if (started) {
        signal(SIGTERM, SIG_DFL); /* the report is written: no "no report written" from now */
        MPI_Finalize();
    }
    started = false;
}
