"""Logged-in Starlette TestClients on the seeded campaign (tests/web/seed.py)."""
from __future__ import annotations

import html
import re
from contextlib import contextmanager

import pytest

from starlette.testclient import TestClient

from intake import accounts
from intake.web.app import create_app
from storage import webusers
from storage.db import session_scope
from tests.web import seed as seeded

PASSWORD = "korrekt hest batteri"
USERS = {"leser": "viewer", "kari": "reviewer"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_users(app) -> None:
    with session_scope(app.sessions) as s:
        for name, role in USERS.items():
            webusers.add_user(s, name, role, accounts.hash_password(PASSWORD), now=seeded.NOW)


def page_text(page: str) -> str:
    """A page's text roughly as read: tags out, entities decoded, whitespace folded,
    no-break spaces as plain ones."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    return html.unescape(text).replace("\u00a0", " ")


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@contextmanager
def client(app, name: str | None):
    """A client logged in as ``name`` (None: anonymous), on the campaign clock."""
    web = create_app(app, clock=lambda: seeded.NOW)
    with TestClient(web, follow_redirects=False) as c:
        if name:
            page = c.get("/login")
            r = c.post("/login", data={"name": name, "password": PASSWORD, "next": "/",
                                       "csrf_token": csrf_of(page.text)})
            assert r.status_code == 303, r.text
        yield c


def _site(tmp_path, db_url):
    app, ids = seeded.seeded_app(tmp_path, db_url)
    add_users(app)
    try:
        yield app, ids
    finally:
        app.close()


@pytest.fixture
def site(tmp_path, db_url):
    """The seeded campaign with a viewer (leser) and a reviewer (kari), on both backends;
    yields (app, ids). For tests that change data."""
    yield from _site(tmp_path, db_url)


@pytest.fixture
def sqlite_site(tmp_path):
    """The same on SQLite only: for tests that only read pages (the queries behind them
    run on both backends in test_figures.py)."""
    yield from _site(tmp_path, f"sqlite:///{tmp_path / 'akson.db'}")
