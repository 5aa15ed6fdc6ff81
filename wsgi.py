"""gunicorn entry point: ``gunicorn wsgi:app``."""

from workflow_service import create_app

app = create_app()
