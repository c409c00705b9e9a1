"""The web application: ``create_app(app, clock)`` builds the Starlette app.

It mounts the page modules of ``PAGE_MODULES`` (each exposes ``routes`` and optionally
``nav``), the static files, the error pages and the security middleware. See
``intake/web/__init__.py`` for the conventions a page module follows.
"""
from __future__ import annotations

import datetime as dt
import importlib
from http import HTTPStatus
import logging
from importlib.resources import files
from pathlib import Path
from typing import Callable

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from intake.app import App
from intake.web import common
from intake.web.security import SecurityHeaders

log = logging.getLogger("akson.web")

# In navigation order. A module that does not exist (yet) is left out.
PAGE_MODULES = ("intake.web.dashboard", "intake.web.review", "intake.web.municipalities",
                "intake.web.outbox", "intake.web.auth")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def make_environment(tz) -> SandboxedEnvironment:
    """The one Jinja environment for pages: sandboxed, autoescaped, strict."""
    web_dir = files("templates")
    if not isinstance(web_dir, Path):
        raise RuntimeError(f"packaged web templates are not plain files: {web_dir}")
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(web_dir)), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(datotid=lambda v: _local(v, tz, "%d.%m.%Y %H:%M"),
                       dato=lambda v: _local(v, tz, "%d.%m.%Y"),
                       tall=format_number, prosent=format_share, arsak=reason_text)
    return env


def _local(value, tz, fmt: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime(fmt)
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


# The decision's reason codes (interface.md) in staff's words; the code stays as a tooltip.
REASON_TEXT = {
    "unknown_municipality": "fant ingen kommune", "ambiguous_municipality": "flere mulige kommuner",
    "sender_domain_mismatch": "avsenderdomenet er ikke kommunens", "sender_not_authenticated": "avsender ikke autentisert",
    "sender_lookalike_domain": "avsenderdomenet ligner en kommunes", "not_signed": "ikke signert",
    "not_invited": "kommunen er ikke invitert", "unreadable_attachment": "vedlegget kan ikke leses",
    "no_text_layer": "skannet, uten tekst", "unsupported_format": "filformatet kan ikke leses",
    "decision_without_declaration": "vedtak uten erklæring", "not_a_declaration": "ikke en erklæring",
    "no_document": "uten vedlegg", "question": "spørsmål", "processing_error": "feil under behandlingen",
    "answered_elsewhere": "besvart annet sted", "auto_reply": "autosvar", "bulk_mail": "masseutsendelse",
    "delivery_report": "leveringsrapport", "own_address": "vår egen adresse",
    "low_ocr_confidence": "usikker tolkning av skannet tekst", "signature_invalid": "ugyldig digital signatur",
    "signature_signer_mismatch": "signaturen er ikke underskriverens",
    "conditional_decision": "vedtak med vilkår", "postponed": "saken er utsatt",
    "conflicting_decision": "vedtaket motsier erklæringen", "not_final_decision": "ikke endelig vedtak",
    "several_municipalities": "gjelder flere kommuner",
    "municipality_near_spelling_only": "kommunenavnet er bare nesten riktig stavet",
}


def reason_text(code: str) -> str:
    if code.startswith("staff: "):
        return "avvist av saksbehandler: " + code[len("staff: "):]
    return REASON_TEXT.get(code, code)


def format_number(value) -> str:
    """12 345 (Norwegian groups digits with a space; a no-break space keeps them together)."""
    return f"{int(value):,}".replace(",", "\u00a0")


def format_share(value, decimals: int = 1) -> str:
    """0.4567 -> 45,7 %."""
    return f"{float(value) * 100:.{decimals}f}".replace(".", ",") + "\u00a0%"


def _load_pages() -> list:
    modules = []
    for name in PAGE_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as err:
            if err.name != name:   # a missing module inside the page is a real error
                raise
    return modules


def create_app(app: App, clock: Callable[[], dt.datetime] | None = None) -> Starlette:
    clock = clock or app.clock()
    modules = _load_pages()
    routes: list = []
    nav: list[tuple[str, str]] = []
    for module in modules:
        routes.extend(module.routes)
        if getattr(module, "nav", None):
            nav.append(module.nav)
    if not any(getattr(r, "path", None) == "/" for r in routes):
        routes.append(Route("/", lambda request: RedirectResponse("/review", status_code=303)))
    routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    web = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={common.LoginRequired: _login_required, common.Forbidden: _forbidden,
                                        common.CsrfFailed: _csrf_failed, HTTPException: _http_error,
                                        Exception: _server_error})
    web.state.web = common.WebContext(app=app, clock=clock, env=make_environment(app.config.tz), nav=nav)
    return web


def _error_page(request: Request, status: int, title: str, text: str) -> Response:
    try:
        return common.render(request, "web/error.html", {"title": title, "text": text}, status=status)
    except Exception:  # noqa: BLE001 - the error page itself failed (e.g. database down)
        log.exception("error page failed")
        return Response(f"{status} {title}", status_code=status, media_type="text/plain; charset=utf-8")


def _login_required(request: Request, exc: Exception) -> Response:
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    return _error_page(request, 403, "Ikke innlogget", "Logg inn først.")


def _forbidden(request: Request, exc: Exception) -> Response:
    return _error_page(request, 403, "Ingen tilgang",
                       "Brukeren din kan se, men ikke endre. Spør en administrator om rollen «reviewer».")


def _csrf_failed(request: Request, exc: Exception) -> Response:
    return _error_page(request, 403, "Skjemaet ble avvist",
                       "Skjemaet manglet en gyldig sikkerhetsnøkkel. Last siden på nytt og prøv igjen.")


def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    titles = {404: "Fant ikke siden", 405: "Ikke tillatt"}
    detail = str(getattr(exc, "detail", ""))
    if detail == HTTPStatus(status).phrase:     # Starlette's English default: say it in Norwegian
        detail = "Adressen finnes ikke her." if status == 404 else ""
    return _error_page(request, status, titles.get(status, "Feil"), detail)


def _server_error(request: Request, exc: Exception) -> Response:
    log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, "Noe gikk galt", "Feilen er logget. Prøv igjen, eller meld fra.")
