"""What every page needs: the context object, rendering, users, roles, CSRF, flash, db."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import jinja2
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from intake.app import App
from storage import webusers
from storage.db import session_scope
from storage.models import Submission

log = logging.getLogger("akson.web")

SESSION_COOKIE = "akson_session"
ANON_CSRF_COOKIE = "akson_csrf"
FLASH_COOKIE = "akson_flash"
PENDING_COOKIES = "akson.cookies"   # scope key: cookies the security middleware sets
ROLE_RANK = {"viewer": 1, "reviewer": 2}


class LoginRequired(Exception):
    """No logged-in user: GET goes to the login page, anything else is refused."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this."""


class CsrfFailed(Exception):
    """A state-changing request without the form's token."""


@dataclass
class WebContext:
    app: App
    clock: Callable[[], dt.datetime]
    env: jinja2.Environment
    nav: list[tuple[str, str]] = field(default_factory=list)
    _notifier: Any = None

    @property
    def config(self):
        return self.app.config

    @property
    def trusted_proxies(self) -> list:
        return [ipaddress.ip_network(n, strict=False) for n in self.config["web.trusted_proxies"]]

    def notifier(self):
        if self._notifier is None:
            from intake.worker import make_notifier
            self._notifier = make_notifier(self.app)
        return self._notifier


def ctx(request: Request) -> WebContext:
    return request.app.state.web


def now(request: Request) -> dt.datetime:
    return ctx(request).clock()


@contextmanager
def db(request: Request) -> Iterator[Any]:
    """One transaction: committed when the block ends, rolled back on an error."""
    with session_scope(ctx(request).app.sessions) as s:
        yield s


# --- cookies ------------------------------------------------------------------------

def set_cookie(request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    """Queue a cookie for the response (the security middleware writes it)."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if ctx(request).config["web.secure_cookies"]:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    request.scope.setdefault(PENDING_COOKIES, []).append("; ".join(parts))


def delete_cookie(request: Request, name: str) -> None:
    set_cookie(request, name, "", max_age=0)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# --- users and sessions ---------------------------------------------------------------

def client_address(request: Request) -> str:
    """The peer's address; behind a trusted proxy, the last hop it reports."""
    host = request.client.host if request.client else ""
    if _from_trusted_proxy(request, host):
        forwarded = request.headers.get("x-forwarded-for", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return host[:64]


def _from_trusted_proxy(request: Request, host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in ctx(request).trusted_proxies)


def start_session(request: Request, user: webusers.UserInfo) -> webusers.SessionInfo:
    context = ctx(request)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    current = context.clock()
    with db(request) as s:
        webusers.create_session(s, user.id, token_hash=_token_hash(token), csrf_token=csrf,
                                address=client_address(request), now=current,
                                expires_at=current + dt.timedelta(hours=context.config["web.session_hours"]))
    set_cookie(request, SESSION_COOKIE, token)
    info = webusers.SessionInfo(user, csrf, _token_hash(token))
    request.state.session = info
    return info


def end_session(request: Request) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db(request) as s:
            webusers.end_session(s, _token_hash(token))
    delete_cookie(request, SESSION_COOKIE)
    request.state.session = None


def current_session(request: Request) -> webusers.SessionInfo | None:
    """The logged-in user's session (cached per request); sync, call in a threadpool."""
    if "session" in request.state._state:
        return request.state.session
    session = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db(request) as s:
            session = webusers.session_user(s, _token_hash(token), now=now(request))
    session = _proxy_user(request, session)
    request.state.session = session
    return session


def _proxy_user(request: Request, session: webusers.SessionInfo | None) -> webusers.SessionInfo | None:
    """Single sign-on: the proxy's user header, believed only from a configured proxy."""
    header = ctx(request).config["web.user_header"]
    if not header or header.lower() not in request.headers:
        return session
    host = request.client.host if request.client else ""
    if not _from_trusted_proxy(request, host):
        log.warning("ignored %s header from %s: not a trusted proxy", header, host)
        return session
    name = request.headers[header.lower()].strip()
    if session is not None and session.user.name == name:
        return session
    with db(request) as s:
        found = webusers.find_user(s, name)
    if found is None or not found[0].active:
        log.warning("proxy named unknown or disabled user %r", name)
        return None
    return start_session(request, found[0])


def current_user(request: Request) -> webusers.UserInfo | None:
    session = current_session(request)
    return session.user if session else None


def require_role(request: Request, role: str) -> webusers.UserInfo:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    if ROLE_RANK[user.role] < ROLE_RANK[role]:
        raise Forbidden()
    return user


# --- CSRF ----------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The token forms carry: the session's, or before login a cookie's (double submit)."""
    session = current_session(request)
    if session is not None:
        return session.csrf_token
    token = request.cookies.get(ANON_CSRF_COOKIE)
    if not token or len(token) < 20:
        token = getattr(request.state, "anon_csrf", None) or secrets.token_urlsafe(32)
        if getattr(request.state, "anon_csrf", None) is None:
            request.state.anon_csrf = token
            set_cookie(request, ANON_CSRF_COOKIE, token)
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches; CsrfFailed (403) otherwise."""
    form = await request.form()
    sent = form.get("csrf_token")
    session = await run_in_threadpool(current_session, request)
    expected = session.csrf_token if session else request.cookies.get(ANON_CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed()
    return form


# --- flash messages and responses ------------------------------------------------------

def redirect(request: Request, url: str, *, flash: str | None = None, kind: str = "info") -> RedirectResponse:
    if flash:
        payload = json.dumps([kind, flash[:500]], ensure_ascii=True).encode("ascii")
        set_cookie(request, FLASH_COOKIE, base64.urlsafe_b64encode(payload).decode("ascii"))
    return RedirectResponse(url, status_code=303)


def _take_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    delete_cookie(request, FLASH_COOKIE)
    try:
        kind, text = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except (ValueError, TypeError):
        return None
    kind = kind if kind in ("info", "error") else "info"
    return {"kind": kind, "text": str(text)[:500]}


def review_count(request: Request) -> int:
    with db(request) as s:
        return s.scalar(select(func.count()).select_from(Submission)
                        .where(Submission.status == "needs_review")) or 0


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    web = ctx(request)
    user = current_user(request)
    base = {
        "user": user,
        "nav": web.nav if user else [],
        "review_count": review_count(request) if user else 0,
        "csrf_token": csrf_token(request),
        "flash": _take_flash(request),
        "campaign_name": web.config["campaign.name"],
        "path": request.url.path,
    }
    html = web.env.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status)


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (//x, /\\x, scheme:)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
