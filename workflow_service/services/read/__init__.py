"""Read models: what the API answers and the pages show about a case or a task, as dataclasses.

Each view is built by one function in a stated number of SQL statements (its docstring says how
many; tests/test_read_models.py counts them), with everything a reader needs already computed —
due colours, the clock, labels, and what the caller may do (``may_work``, ``delegated_from``) —
so the API's schemas only dump and the templates only print. This package sits above the domains
it reads from; the services that change a case return the case, and their callers read it here.
"""
