"""Logging in and out."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from intake import accounts
from intake.web import common

# Field sizes: nobody's user name or password is longer; a bigger form is not a login.
MAX_FIELD = 256


def login_page(request: Request):
    if common.current_user(request) is not None:
        return common.redirect(request, common.safe_next(request.query_params.get("next")))
    return common.render(request, "web/login.html", {
        "title": "Logg inn", "next": common.safe_next(request.query_params.get("next")),
        "error": None, "name": ""})


async def login(request: Request):
    form = await common.checked_form(request)
    name = str(form.get("name", ""))[:MAX_FIELD]
    password = str(form.get("password", ""))[:MAX_FIELD]
    target = common.safe_next(str(form.get("next", "/")))
    return await run_in_threadpool(_login, request, name, password, target)


def _login(request: Request, name: str, password: str, target: str):
    web = common.ctx(request)
    result = accounts.authenticate(web.app, name, password, common.client_address(request), now=web.clock())
    if result.user is None:
        if result.limited:
            error, status = "For mange mislykkede forsøk. Vent et kvarter og prøv igjen.", 429
        else:
            error, status = "Feil brukernavn eller passord.", 401
        return common.render(request, "web/login.html", {
            "title": "Logg inn", "next": target, "error": error, "name": name}, status=status)
    common.end_session(request)          # a fresh session id at login (no fixation)
    common.start_session(request, result.user)
    return common.redirect(request, target, flash=f"Logget inn som {result.user.name}.")


async def logout(request: Request):
    await common.checked_form(request)
    await run_in_threadpool(common.end_session, request)
    return common.redirect(request, "/login", flash="Du er logget ut.")


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
