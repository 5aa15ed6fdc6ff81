"""API clients (portals, line systems): register, list, disable, enable and rotate them; issue and check
their access tokens; the regions a client may submit for.

Secrets and tokens are 32 random bytes, of which only the SHA-256 is stored: guessing one is as hard as
guessing the random value, so the slow password hash of staff accounts would buy nothing here and cost
every token request. Disabling a client or rotating its secret deletes its tokens, and a token is only
taken while its client is active, so a disabled client is refused at its next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from workflow_service.database import reading_before_writes, rows_changed
from workflow_service.errors import AlreadyExists, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import ApiClient, ApiClientToken, Region, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory.permissions import require_admin

# Wider than applications:read: the online applications of every client whose matter township lies in
# this client's regions (an admin grants it, e.g. to a county platform that follows all its portals).
READ_ALL_APPLICATIONS = "applications:read-all"
# What a client may be granted (DESIGN §6), each a part of the portal API.
SCOPES = (
    "services:read",
    "applications:write",
    "applications:read",
    "events:write",
    "webhooks:manage",
    READ_ALL_APPLICATIONS,
)
# Client tokens start with this: a token without it is a staff token and is looked up only there, a
# token with it only among the clients' ('.' is no character of the random part, base64url).
TOKEN_PREFIX = "pc."  # noqa: S105 (a prefix, no secret)
MAX_NAME_LENGTH = 64
ADMINISTER_CLIENTS = "只有系统管理员可以管理接入系统"


class InsufficientScope(PermissionDenied):
    title = "令牌未获授权此范围"
    type_slug = "insufficient-scope"


@dataclass(frozen=True)
class ClientSecret:
    """A client with its secret in clear: shown once, at creation or rotation, never stored."""

    client: ApiClient
    secret: str


@dataclass(frozen=True)
class IssuedClientToken:
    access_token: str
    expires_in: int
    scopes: list[str]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _check(name: str, scopes: Sequence[str], regions: Sequence[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        errors["name"] = [f"名称须为 1–{MAX_NAME_LENGTH} 个字符"]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        errors["scopes"] = [
            f"取值须为 {' / '.join(SCOPES)}，至少一项" + (f"；未知：{', '.join(unknown)}" if unknown else "")
        ]
    known = set(db.session.execute(select(Region.code).where(Region.code.in_(list(regions)))).scalars())
    missing = [code for code in regions if code not in known]
    if missing:
        errors["regions"] = [f"没有区划代码 {', '.join(missing)}"]
    return errors


def _ordered(values: Iterable[str], order: Sequence[str] | None = None) -> list[str]:
    unique = list(dict.fromkeys(value.strip() for value in values if value.strip()))
    return sorted(unique, key=order.index) if order else unique


def create_client(
    actor: User | None, name: str, scopes: Sequence[str], regions: Sequence[str]
) -> ClientSecret:
    """Register a client with the scopes it may ask for and the regions it may submit for (codes; a
    county covers its townships). The secret comes back here only."""
    require_admin(actor, ADMINISTER_CLIENTS)
    name = name.strip()
    scopes = [scope.strip() for scope in scopes if scope.strip()]
    regions = _ordered(regions)
    errors = _check(name, scopes, regions)
    if errors:
        raise InvalidInput("接入系统信息有误", errors=errors)
    if db.session.execute(select(ApiClient.id).where(ApiClient.name == name)).first():
        raise AlreadyExists(f"已有名为 {name} 的接入系统")
    secret = _new_secret()
    client = ApiClient(
        client_id="pc-" + secrets.token_hex(8),
        name=name,
        secret_hash=_digest(secret),
        scopes=_ordered(scopes, SCOPES),
        regions=regions,
        created_at=now(),
    )
    db.session.add(client)
    audit.record(
        "api_client.created",
        actor,
        summary={"client_id": client.client_id, "name": name, "scopes": client.scopes, "regions": regions},
    )
    db.session.commit()
    return ClientSecret(client, secret)


def set_scopes(actor: User | None, client_id: str, scopes: Sequence[str]) -> ApiClient:
    """Grant the client these scopes instead of its current ones. Tokens already issued keep only what
    the client still holds (``require_scope`` checks both); a newly granted scope needs a new token."""
    client = get_client(actor, client_id)
    scopes = [scope.strip() for scope in scopes if scope.strip()]
    errors = _check(client.name, scopes, [])
    if errors:
        raise InvalidInput("接入系统信息有误", errors=errors)
    before = list(client.scopes)
    client.scopes = _ordered(scopes, SCOPES)
    if client.scopes != before:
        audit.record(
            "api_client.scopes_changed",
            actor,
            summary={"client_id": client_id, "before": before, "after": client.scopes},
        )
    db.session.commit()
    return client


def list_clients(actor: User | None) -> list[ApiClient]:
    require_admin(actor, ADMINISTER_CLIENTS)
    return list(db.session.execute(select(ApiClient).order_by(ApiClient.name)).scalars())


def get_client(actor: User | None, client_id: str) -> ApiClient:
    require_admin(actor, ADMINISTER_CLIENTS)
    client = db.session.execute(
        select(ApiClient).where(ApiClient.client_id == client_id)
    ).scalar_one_or_none()
    if client is None:
        raise NotFound(f"没有接入系统 {client_id}")
    return client


def _revoke_tokens(client: ApiClient) -> int:
    return rows_changed(
        delete(ApiClientToken)
        .where(ApiClientToken.client_id == client.id)
        .execution_options(synchronize_session=False)
    )


def disable_client(actor: User | None, client_id: str) -> ApiClient:
    """Refuse the client from now on: its tokens end at once and it gets no new ones. Idempotent."""
    client = get_client(actor, client_id)
    revoked = _revoke_tokens(client)
    if client.disabled_at is None:
        client.disabled_at = now()
        audit.record(
            "api_client.disabled", actor, summary={"client_id": client_id, "tokens_revoked": revoked}
        )
    db.session.commit()
    return client


def enable_client(actor: User | None, client_id: str) -> ApiClient:
    """Let a disabled client ask for tokens again (with its secret as it was). Idempotent."""
    client = get_client(actor, client_id)
    if client.disabled_at is not None:
        client.disabled_at = None
        audit.record("api_client.enabled", actor, summary={"client_id": client_id})
    db.session.commit()
    return client


def rotate_secret(actor: User | None, client_id: str) -> ClientSecret:
    """A new secret (returned here only); the old one is refused from now on and the client's tokens
    end, since a rotation is usually because the old secret was seen by someone else."""
    client = get_client(actor, client_id)
    secret = _new_secret()
    client.secret_hash = _digest(secret)
    client.secret_rotated_at = now()
    revoked = _revoke_tokens(client)
    audit.record(
        "api_client.secret_rotated", actor, summary={"client_id": client_id, "tokens_revoked": revoked}
    )
    db.session.commit()
    return ClientSecret(client, secret)


def active_client(client_id: str) -> ApiClient | None:
    """The active client with this public id, for the token endpoint; None if unknown or disabled.
    Read in a transaction of its own, ended here, so the write lock waits for the token's insert."""
    with reading_before_writes():
        client = db.session.execute(
            select(ApiClient).where(ApiClient.client_id == client_id)
        ).scalar_one_or_none()
    db.session.commit()
    return client if client is not None and client.active else None


def secret_matches(client: ApiClient, secret: str) -> bool:
    return hmac.compare_digest(client.secret_hash, _digest(secret))


def unknown_scopes(client: ApiClient, requested: Iterable[str]) -> list[str]:
    """The requested scopes this client was not granted (or that do not exist)."""
    return sorted(set(requested) - set(client.scopes))


def issue_token(
    client: ApiClient, access_token: str, scopes: Sequence[str], lifetime_seconds: int
) -> datetime:
    """Store the token the token endpoint generated (its hash) for ``lifetime_seconds``; the client's
    expired tokens go meanwhile. Returns when it expires."""
    issued_at = now()
    expires_at = issued_at + timedelta(seconds=lifetime_seconds)
    db.session.add(
        ApiClientToken(
            token_sha256=_digest(access_token),
            client_id=client.id,
            scopes=list(scopes),
            created_at=issued_at,
            expires_at=expires_at,
        )
    )
    db.session.execute(
        delete(ApiClientToken)
        .where(ApiClientToken.client_id == client.id, ApiClientToken.expires_at <= issued_at)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "api_client.token_issued", None, summary={"client_id": client.client_id, "scopes": list(scopes)}
    )
    db.session.commit()
    return expires_at


def new_access_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_client_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


def client_for_token(token: str) -> ApiClientToken:
    """The live token row (``.client`` its active client) behind ``token``; raises NotAuthenticated if
    unknown, expired, revoked or its client disabled. Read in a transaction of its own, as staff
    tokens are (services.directory.authentication.user_for_token)."""
    with reading_before_writes():
        row = db.session.execute(
            select(ApiClientToken)
            .options(joinedload(ApiClientToken.client))
            .where(ApiClientToken.token_sha256 == _digest(token))
        ).scalar_one_or_none()
    db.session.commit()
    if row is None or row.expires_at <= now() or not row.client.active:
        raise NotAuthenticated("接入令牌无效或已过期")
    return row


def holds_scope(credential: ApiClientToken, scope: str) -> bool:
    """Whether the token was granted ``scope`` and its client still holds it."""
    return scope in credential.scopes and scope in credential.client.scopes


def require_scope(credential: ApiClientToken, scope: str) -> None:
    """403 unless the token was granted ``scope`` and its client still holds it."""
    if not holds_scope(credential, scope):
        raise InsufficientScope(f"令牌未获授权 {scope}")


def client_may_submit_for(client: ApiClient, region: Region) -> bool:
    """Whether the client may submit for ``region``: it is one of the client's regions, or lies within
    one (a county covers its townships, a city its counties)."""
    allowed = set(client.regions)
    current: Region | None = region
    while current is not None:
        if current.code in allowed:
            return True
        current = current.parent
    return False
