/* reader: a process that holds a read transaction on a store and never
 * lets go, for the stale-reader fault test (stale_readers_test.py).
 *
 *   reader DIR
 *
 * Opens the LMDB environment DIR read-only through sos_store_open (which
 * clears reader slots left by dead processes first, and logs how many on
 * stderr as event=store.stale_readers), begins a read transaction, prints
 * "ready" on stdout and sleeps until killed. The test SIGKILLs it, so its
 * reader slot is left behind for the next opener to clear.
 *
 * Exit codes: 64 usage, 74 the store could not be opened or the
 * transaction could not begin (e.g. every reader slot taken). */
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

int main(int argc, char **argv)
{
    sos_store *st = NULL;
    sos_txn *t = NULL;
    int rc = EX_IOERR;
    if (argc != 2) {
        fprintf(stderr, "usage: reader DIR\n");
        return EX_USAGE;
    }
    sos_log_init("reader", SOS_LOG_INFO);
    sos_store_opts o = {argv[1], NULL, 0, 0, 0, true};
    if (sos_store_open(&o, &st) != SOS_OK) {
        fprintf(stderr, "reader: cannot open %s\n", argv[1]);
        goto out;
    }
    int trc = sos_txn_begin(st, false, &t);
    if (trc != SOS_OK) {
        fprintf(stderr, "reader: read transaction refused: %s\n", sos_store_errstr(trc));
        goto out;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause(); /* holds the snapshot until SIGKILL */
out:
    sos_txn_abort(&t);
    sos_store_destroy(&st);
    return rc;
}
