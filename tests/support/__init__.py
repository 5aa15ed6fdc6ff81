"""What the tests act through, one module a job.

- ``api``: the API client, the demo case body, the audit rows.
- ``clock``: the one controllable service clock.
- ``steps``: the moves of a case (``only_task``, ``accept``, ``review``, ``issue`` …).
- ``bpmn``: a small builder for the processes tests write themselves.
- ``allowance``: the 最低生活保障申请 application and its moves.
- ``pages``: a test client that uses the staff pages as a browser would.
- ``live``: real gunicorn on a loopback port; ``slow_app`` is an app it serves for timeouts.
- ``browser``: the Playwright people and the cases they start.
"""
