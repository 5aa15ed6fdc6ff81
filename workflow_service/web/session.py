"""Staff browser sessions: log in and out, change a password, pick the language; guards for page blueprints.

A session is tied to the password it was opened with: a reset or change by anyone ends every other
session of that user, as it revokes their API tokens. It also ends ``WEB_SESSION_LIFETIME_SECONDS``
after login, however active the user is.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, NotAuthenticated
from workflow_service.extensions import csrf, db, login_manager
from workflow_service.models import Role, User
from workflow_service.services import accounts
from workflow_service.services.authentication import TooManyLogins, start_session
from workflow_service.services.clock import now

LANGUAGES = {"zh_CN": "中文", "en": "English"}

blp = Blueprint("session", __name__)


class StaffSession:
    """What Flask-Login keeps for a logged-in user: the account, checked on every request."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{password_fingerprint(self.user)}"


def password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


@login_manager.user_loader
def _load_session(session_id: str) -> StaffSession | None:
    user_id, _sep, fingerprint = session_id.partition(":")
    started = session.get("started_at")
    if not user_id.isdigit() or not started:
        return None
    lifetime = current_app.config["WEB_SESSION_LIFETIME_SECONDS"]
    if (now() - datetime.fromisoformat(started)).total_seconds() > lifetime:
        return None
    user = db.session.execute(
        select(User).options(joinedload(User.organisation)).where(User.id == int(user_id))
    ).scalar_one_or_none()
    # A lockout stops password guessing, not work: a session opened with the password goes on, as
    # API tokens do, so nobody can throw a clerk out of the pages by mistyping their username.
    if user is None or not user.active:
        return None
    if password_fingerprint(user) != fingerprint:
        return None
    return StaffSession(user)


def staff() -> User:
    """The logged-in user of this request (pages behind :func:`require_login` only)."""
    return current_user.user  # type: ignore[union-attr]


def require_login() -> Response | None:
    """A live session and a chosen password, else to the login (or password) page."""
    if not current_user.is_authenticated:
        if session.pop("started_at", None):
            flash(_("登录已过期，请重新登录"), "warning")
        return login_manager.unauthorized()
    if staff().must_change_password and request.endpoint != "session.password":
        return redirect(url_for("session.password"))
    return None


def check_csrf() -> None:
    """Every form post carries the session's CSRF token (400 otherwise)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def open_redirects_in_full(response: Response) -> Response:
    """htmx would follow a redirect itself (to the login, once a session has ended) and put the page
    it lands on into the polled header, the inbox row or the checklist: it is told to open it instead."""
    if request.headers.get("HX-Request") and response.status_code in (301, 302, 303, 307, 308):
        return Response(status=204, headers={"HX-Redirect": response.location or url_for("session.login")})
    return response


def page_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of staff pages: every view needs a session, every form a CSRF token."""
    blueprint = Blueprint(name, import_name)
    blueprint.before_request(check_csrf)
    blueprint.before_request(require_login)
    blueprint.after_request(open_redirects_in_full)
    return blueprint


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, so the login form cannot be used to send users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:  # browsers read "/\\host" like "//host"
        return None
    return target


def home_for(user: User) -> str:
    if user.has_role(Role.CLERK):
        return url_for("window.my_window")
    if user.roles == [Role.ADMIN]:  # an administrator only: no inbox to work
        return url_for("admin_pages.home")
    return url_for("work.inbox")


blp.before_request(check_csrf)


@blp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(home_for(staff()))
        return render_template("login.html", next=safe_next(request.args.get("next")))
    username = request.form.get("username", "").strip()
    next_page = safe_next(request.form.get("next"))
    try:
        user = start_session(username, request.form.get("password", ""), request.remote_addr)
    except NotAuthenticated:
        flash(_("用户名或密码错误"), "error")
        return render_template("login.html", next=next_page, username=username), 401
    except TooManyLogins as error:
        wait = error.retry_after or 60
        flash(_("登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=-(-wait // 60)), "error")
        page = render_template("login.html", next=next_page, username=username)
        return page, 429, {"Retry-After": str(wait)}
    language = session.get("language")
    session.clear()  # a fresh session on login: nothing from before it survives (session fixation)
    if language:
        session["language"] = language
    session["started_at"] = now().isoformat()
    session.permanent = True
    login_user(StaffSession(user))
    return redirect(next_page or home_for(user))


@blp.post("/logout")
def logout() -> Response:
    logout_user()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    flash(_("已退出登录"), "info")
    return redirect(url_for("session.login"))


@blp.post("/language")
def language() -> Response:
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session["language"] = chosen
    return redirect(safe_next(request.form.get("next")) or url_for("session.login"))


@blp.route("/password", methods=["GET", "POST"])
def password() -> str | Response | tuple[str, int]:
    guard = require_login()
    if guard is not None:
        return guard
    if request.method == "GET":
        return render_template("password.html", errors={})
    if request.form.get("new_password") != request.form.get("repeat_password"):
        errors = {"repeat_password": [_("两次输入的新密码不一致")]}
        return render_template("password.html", errors=errors), 422
    try:
        accounts.change_password(
            staff(), request.form.get("current_password", ""), request.form.get("new_password", "")
        )
    except InvalidInput as error:
        return render_template("password.html", errors=error.errors), 422
    # The password changed: this session continues under the new one, every other one has ended.
    user = db.session.get_one(User, staff().id)
    login_user(StaffSession(user))
    flash(_("密码已修改"), "info")
    return redirect(home_for(user))


def select_locale() -> str:
    return session.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"]
