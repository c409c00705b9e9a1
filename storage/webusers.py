"""Staff accounts, their server-side sessions and refused logins.

Pure storage: the password hashing and the rules (how many failures lock what, how long
a session lasts) live in ``intake.accounts`` and ``intake.web``; these functions only
read and write rows. None of them commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import WEB_ROLES, LoginFailure, WebSession, WebUser


class UserError(StorageError):
    """A user name that does not exist, or exists already."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str
    active: bool


def _info(row: WebUser) -> UserInfo:
    return UserInfo(row.id, row.name, row.role, row.disabled_at is None)


def add_user(s: Session, name: str, role: str, password_hash: str | None, *, now: datetime) -> UserInfo:
    if role not in WEB_ROLES:
        raise UserError(f"role must be one of {', '.join(WEB_ROLES)}, not {role!r}")
    if s.scalar(select(WebUser.id).where(WebUser.name == name)) is not None:
        raise UserError(f"user {name!r} exists already")
    row = WebUser(name=name, role=role, password_hash=password_hash, disabled_at=None,
                  created_at=now, updated_at=now)
    s.add(row)
    s.flush()
    return _info(row)


def _get(s: Session, name: str) -> WebUser:
    row = s.scalars(select(WebUser).where(WebUser.name == name)).first()
    if row is None:
        raise UserError(f"no user named {name!r}")
    return row


def find_user(s: Session, name: str) -> tuple[UserInfo, str | None] | None:
    """The user and their password hash, or None."""
    row = s.scalars(select(WebUser).where(WebUser.name == name)).first()
    return None if row is None else (_info(row), row.password_hash)


def set_password(s: Session, name: str, password_hash: str, *, now: datetime) -> UserInfo:
    """A new password ends every session of the user: whoever knew the old one is out."""
    row = _get(s, name)
    row.password_hash = password_hash
    row.updated_at = now
    s.execute(delete(WebSession).where(WebSession.user_id == row.id))
    return _info(row)


def set_role(s: Session, name: str, role: str, *, now: datetime) -> UserInfo:
    if role not in WEB_ROLES:
        raise UserError(f"role must be one of {', '.join(WEB_ROLES)}, not {role!r}")
    row = _get(s, name)
    row.role = role
    row.updated_at = now
    return _info(row)


def disable_user(s: Session, name: str, *, now: datetime) -> int:
    """Disable the account and end its sessions; returns how many sessions ended."""
    row = _get(s, name)
    row.disabled_at = row.disabled_at or now
    row.updated_at = now
    return s.execute(delete(WebSession).where(WebSession.user_id == row.id)).rowcount or 0


def list_users(s: Session) -> list[UserInfo]:
    return [_info(r) for r in s.scalars(select(WebUser).order_by(WebUser.name))]


def create_session(s: Session, user_id: int, *, token_hash: str, csrf_token: str, address: str | None,
                   now: datetime, expires_at: datetime) -> None:
    s.add(WebSession(token_hash=token_hash, user_id=user_id, csrf_token=csrf_token,
                     address=(address or "")[:64] or None, created_at=now, expires_at=expires_at))
    s.flush()


@dataclass(frozen=True)
class SessionInfo:
    user: UserInfo
    csrf_token: str
    token_hash: str


def session_user(s: Session, token_hash: str, *, now: datetime) -> SessionInfo | None:
    """The live session with this token hash: not expired, its user not disabled."""
    row = s.execute(select(WebSession, WebUser).join(WebUser, WebUser.id == WebSession.user_id)
                    .where(WebSession.token_hash == token_hash)).first()
    if row is None:
        return None
    sess, user = row
    if sess.expires_at <= now or user.disabled_at is not None:
        return None
    return SessionInfo(_info(user), sess.csrf_token, sess.token_hash)


def end_session(s: Session, token_hash: str) -> None:
    s.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def purge_expired(s: Session, *, now: datetime, failures_before: datetime) -> None:
    s.execute(delete(WebSession).where(WebSession.expires_at <= now))
    s.execute(delete(LoginFailure).where(LoginFailure.at < failures_before))


def record_failure(s: Session, username: str, address: str, *, now: datetime) -> None:
    s.add(LoginFailure(at=now, username=username[:255], address=address[:64]))
    s.flush()


def failures_since(s: Session, *, since: datetime, username: str | None = None,
                   address: str | None = None) -> int:
    query = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    if username is not None:
        query = query.where(LoginFailure.username == username)
    if address is not None:
        query = query.where(LoginFailure.address == address)
    return s.scalar(query) or 0


def clear_failures(s: Session, username: str) -> None:
    s.execute(delete(LoginFailure).where(LoginFailure.username == username))
