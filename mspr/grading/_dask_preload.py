"""Dask worker preload of a local grading cluster: the terminal's Ctrl-C is the grading process's to handle.

The workers are forked from a fork server started with SIGINT ignored, and so
start with it ignored; this keeps it so, whatever Dask sets up meanwhile. The
grading process closes the cluster itself: a worker would otherwise print
asyncio's tracebacks on the terminal.
"""

import signal


def dask_setup(worker) -> None:
    """Ignore SIGINT in this worker process (Dask's preload hook; runs in the worker's main thread).

    Parameters
    ----------
    worker : distributed.Worker
        The worker being started (unused).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
