"""gunicorn settings, read by every ``gunicorn wsgi:app`` started in this folder (make run, the tests).

Command-line options (``--workers``, ``--timeout``, ``--access-logfile``) still win over these.
"""

# gunicorn's own answers (bad request line, 414, 431, a request past the timeout) as problem+json.
worker_class = "workflow_service.serving.problem_worker.ProblemWorker"
# Query-string values (resident IDs and phones typed into search boxes) never reach the logs.
logger_class = "workflow_service.serving.access_log.MaskedQueryLogger"
