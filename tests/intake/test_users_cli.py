"""``akson-intake users``: argon2id hashes, roles, disabling ends sessions."""
from __future__ import annotations

import io

import pytest

from intake import accounts
from intake.app import App
from intake.config import load_config
from storage import webusers
from storage.db import session_scope
from tests.helpers import make_config, run_cli
from tests.web import seed as seeded


@pytest.fixture
def config(tmp_path, db_url):
    path = make_config(tmp_path, inbox=tmp_path / "inbox", db_url=db_url)
    assert run_cli(path, "db", "upgrade").code == 0
    return path


def _cli(monkeypatch, config, stdin: str, *args: str):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_cli(config, *args)


def _hash_of(config, name: str) -> tuple:
    app = App(load_config(str(config)))
    try:
        with session_scope(app.sessions) as s:
            return webusers.find_user(s, name)
    finally:
        app.close()


def test_add_stores_an_argon2id_hash_never_the_password(monkeypatch, config):
    r = _cli(monkeypatch, config, "korrekt hest batteri\n", "users", "add", "kari", "--role", "reviewer",
             "--password-stdin")
    assert r.code == 0, r.err
    user, digest = _hash_of(config, "kari")
    assert user.role == "reviewer" and user.active
    assert digest.startswith("$argon2id$") and "korrekt" not in digest
    assert accounts.verify_password(digest, "korrekt hest batteri")
    assert not accounts.verify_password(digest, "korrekt hest batteri!")


@pytest.mark.parametrize("args, stdin, fragment", [
    (("users", "add", "kari", "--role", "admin", "--password-stdin"), "korrekt hest batteri\n", "invalid choice"),
    (("users", "add", "kort", "--role", "viewer", "--password-stdin"), "kort\n", "at least 10"),
    (("users", "passwd", "ingen", "--password-stdin"), "korrekt hest batteri\n", "no user named"),
    (("users", "disable", "ingen"), "", "no user named"),
], ids=["unknown-role", "short-password", "passwd-unknown", "disable-unknown"])
def test_usage_errors(monkeypatch, config, args, stdin, fragment):
    r = _cli(monkeypatch, config, stdin, *args)
    assert r.code == 2 and fragment in r.err and len(r.err.strip().splitlines()) == 1


def test_duplicate_user_is_refused(monkeypatch, config):
    args = ("users", "add", "kari", "--role", "viewer", "--password-stdin")
    assert _cli(monkeypatch, config, "korrekt hest batteri\n", *args).code == 0
    r = _cli(monkeypatch, config, "korrekt hest batteri\n", *args)
    assert r.code == 2 and "exists already" in r.err


def test_passwd_and_disable_end_sessions(monkeypatch, config):
    assert _cli(monkeypatch, config, "korrekt hest batteri\n", "users", "add", "kari", "--role", "reviewer",
                "--password-stdin").code == 0
    app = App(load_config(str(config)))
    user, _digest = _hash_of(config, "kari")
    with session_scope(app.sessions) as s:
        webusers.create_session(s, user.id, token_hash="a" * 64, csrf_token="c", address="127.0.0.1",
                                now=seeded.NOW, expires_at=seeded.NOW.replace(year=2030))
    assert _cli(monkeypatch, config, "et nytt langt passord\n", "users", "passwd", "kari",
                "--password-stdin").code == 0
    with session_scope(app.sessions) as s:
        assert webusers.session_user(s, "a" * 64, now=seeded.NOW) is None
        webusers.create_session(s, user.id, token_hash="b" * 64, csrf_token="c", address=None,
                                now=seeded.NOW, expires_at=seeded.NOW.replace(year=2030))
    r = run_cli(config, "users", "disable", "kari")
    assert r.code == 0 and "1 session(s) ended" in r.out
    with session_scope(app.sessions) as s:
        assert webusers.session_user(s, "b" * 64, now=seeded.NOW) is None
    assert accounts.authenticate(app, "kari", "et nytt langt passord", "127.0.0.1", now=seeded.NOW).user is None
    app.close()
