"""The Flask extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from workflow_service.models.base import Base

# Objects keep their loaded state after commit: an answer is built from what the request just wrote,
# instead of reading every row again (on SQLite in a second write transaction).
SESSION_OPTIONS = {"expire_on_commit": False}
db = SQLAlchemy(model_class=Base, session_options=SESSION_OPTIONS)
migrate = Migrate()
api = Api()
# The staff pages (workflow_service.web): session login, CSRF tokens on their forms, zh-CN / English.
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
