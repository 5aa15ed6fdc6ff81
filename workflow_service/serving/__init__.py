"""How gunicorn serves the app: its own error answers as problem+json, an access log without personal data.

Both are named in gunicorn.conf.py at the project root, which gunicorn reads when started there.
"""
