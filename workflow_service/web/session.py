"""Staff browser sessions: log in and out, change a password, pick the language; guards for page blueprints.

A session is a server-side credential (services.directory.authentication): the signed cookie carries only its
random token, looked up on every request, so a cookie re-signed with another user's id opens nothing,
and logout, a password change, a reset or disabling the account end it at once. It also ends
``WEB_SESSION_LIFETIME_SECONDS`` after login, however active the user is.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput, NotAuthenticated
from workflow_service.extensions import csrf, db, login_manager
from workflow_service.models import CredentialKind, Role, User
from workflow_service.services.directory import credentials
from workflow_service.services.directory.authentication import (
    IssuedToken,
    credential_for,
    revoke,
    start_session,
)
from workflow_service.services.directory.login_protection import TooManyLogins

LANGUAGES = {"zh_CN": "中文", "en": "English"}

blp = Blueprint("session", __name__)


class StaffSession:
    """What Flask-Login keeps for a logged-in user: the session's token (its id in the cookie), and the
    account and credential row it names, looked up on every request."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User, token: str, credential_id: int) -> None:
        self.user = user
        self.token = token
        self.credential_id = credential_id

    def get_id(self) -> str:
        return self.token


@login_manager.user_loader
def _load_session(token: str) -> StaffSession | None:
    # A block on failed logins stops password guessing, not work: a session opened with the password
    # goes on, as API tokens do, so nobody can throw a clerk out of the pages by mistyping.
    credential = credential_for(token, CredentialKind.SESSION)
    if credential is None:
        return None
    return StaffSession(credential.user, token, credential.id)


def _begin(issued: IssuedToken) -> None:
    """Put a new session into the cookie; nothing from before it survives (session fixation)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session["signed_in"] = True  # so that an ended session is told apart from never having logged in
    session.permanent = True
    login_user(StaffSession(issued.user, issued.token, issued.credential_id))


def staff() -> User:
    """The logged-in user of this request (pages behind :func:`require_login` only)."""
    return current_user.user


def require_login() -> Response | None:
    """A live session and a chosen password, else to the login (or password) page."""
    if not current_user.is_authenticated:
        if session.pop("signed_in", None):
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
    if user.has_role(Role.ANALYST):  # no inbox to work: the process library is their desk
        return url_for("process_pages.library")
    if user.roles == [Role.ADMIN]:  # an administrator only: no inbox to work
        return url_for("admin_pages.home")
    if user.has_role(Role.SUPERVISOR):  # the county's supervisors and a township's command room
        return url_for("supervision_pages.dashboard_page")
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
        issued = start_session(username, request.form.get("password", ""), request.remote_addr)
    except NotAuthenticated:
        flash(_("用户名或密码错误"), "error")
        return render_template("login.html", next=next_page, username=username), 401
    except TooManyLogins as error:
        wait = error.retry_after or 60
        flash(_("登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=-(-wait // 60)), "error")
        page = render_template("login.html", next=next_page, username=username)
        return page, 429, {"Retry-After": str(wait)}
    _begin(issued)
    return redirect(next_page or home_for(issued.user))


@blp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        revoke(current_user.token, CredentialKind.SESSION)
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
        credentials.change_password(
            staff(),
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            client_address=request.remote_addr,
            keep_credential=current_user.credential_id,
        )
    except InvalidInput as error:
        return render_template("password.html", errors=error.errors), 422
    except TooManyLogins as error:
        minutes = -(-(error.retry_after or 60) // 60)
        errors = {"current_password": [_("当前密码错误次数过多，请 %(minutes)s 分钟后再试", minutes=minutes)]}
        return render_template("password.html", errors=errors), 429
    # The password changed: this session continues, every other session and token of the user ended.
    user = db.session.get_one(User, staff().id)
    flash(_("密码已修改"), "info")
    return redirect(home_for(user))


def select_locale() -> str:
    return session.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"]
