"""The Flask extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from workflow_service.models.base import Base
from workflow_service.problem_document import ProblemSchema

# Objects keep their loaded state after commit: an answer is built from what the request just wrote,
# instead of reading every row again (on SQLite in a second write transaction).
SESSION_OPTIONS = {"expire_on_commit": False}
db = SQLAlchemy(model_class=Base, session_options=SESSION_OPTIONS)
migrate = Migrate()


class ServiceApi(Api):
    """flask-smorest, told that errors are problem+json: api.problems lists each operation's."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # its ``{code, status, message}`` default error is never sent


api = ServiceApi()
# The staff pages (workflow_service.web): session login, CSRF tokens on their forms, zh-CN / English.
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
