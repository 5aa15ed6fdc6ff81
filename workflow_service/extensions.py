"""The Flask extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from workflow_service.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
