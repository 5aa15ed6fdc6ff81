"""gunicorn settings, read by every ``gunicorn wsgi:app`` started in this folder (make run, the tests).

Command-line options (``--workers``, ``--timeout``, ``--access-logfile``) still win over these.
"""

import os

# gunicorn's own answers (bad request line, 414, 431, a request past the timeout) as problem+json.
# GUNICORN_THREADS above 1 runs that many threads in each worker (gunicorn's gthread worker with
# the same answers); `--threads` alone on the command line leaves the sync worker.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = (
    "workflow_service.serving.problem_worker.ProblemThreadWorker"
    if threads > 1
    else "workflow_service.serving.problem_worker.ProblemWorker"
)
# Query-string values (resident IDs and phones typed into search boxes) never reach the logs.
logger_class = "workflow_service.serving.access_log.MaskedQueryLogger"

# /metrics sums every worker's counters: prometheus_client's multiprocess mode keeps them in files in
# PROMETHEUS_MULTIPROC_DIR, which must be set before the app is imported (a fresh folder per start
# unless the operator names one; an operator's folder should be emptied before each start).
import shutil  # noqa: E402
import tempfile  # noqa: E402

_own_metrics_folder = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_folder:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="workflow-metrics-")


def child_exit(server, worker):  # noqa: ANN001, ANN201
    """A worker that exited: its live gauges go (its counters stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201
    if _own_metrics_folder:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


# Each Argon2 password check allocates its 19 MiB in one block. After freeing the first such block,
# glibc's malloc raises its mmap threshold and serves later ones from the heap, which then keeps
# ~19 MiB in every worker for good. A fixed threshold (glibc's default, 128 KiB) hands each block
# back to the system when freed. Set in the master, so every forked worker has it; elsewhere a no-op.
M_MMAP_THRESHOLD = -3
try:
    import ctypes

    ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 128 * 1024)
except (OSError, AttributeError):
    pass
