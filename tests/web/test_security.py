"""Security of the web UI through its routes: login, roles, CSRF, headers, sessions, proxy."""
from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from intake import accounts
from intake.app import App
from intake.config import load_config
from intake.web.app import create_app
from storage import webusers
from storage.db import session_scope
from storage.models import Submission
from tests.web import seed as seeded
from tests.web.pages_helper import PASSWORD, client, csrf_of, site, sqlite_site  # noqa: F401 - fixtures


def _post_routes(app) -> list[str]:
    web = create_app(app, clock=lambda: seeded.NOW)
    paths = []
    for route in web.routes:
        if isinstance(route, Route) and "POST" in (route.methods or ()):
            paths.append(route.path.replace("{id:int}", "4").replace("{action:str}", "accept")
                         .replace("{number}", "4601").replace("{mail_id}", "1"))
    return paths


def test_anonymous_request_gets_the_login_page(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    with client(app, None) as c:
        for path in ("/review", f"/review/{ids['stavanger']}", f"/review/{ids['stavanger']}/doc/0/page/0.png"):
            r = c.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/review")
        page = c.get("/review", follow_redirects=True)
        assert page.status_code == 200 and '<input id="password"' in page.text
        assert "Stavanger" not in page.text and seeded.HOSTILE_FILE not in page.text


@pytest.mark.parametrize("target, landing", [
    ("/review", "/review"), ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
], ids=["own-page", "protocol-relative", "absolute", "backslash"])
def test_login_returns_only_to_a_page_of_this_site(sqlite_site, target, landing):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, None) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"name": "kari", "password": PASSWORD, "csrf_token": token, "next": target})
        assert r.status_code == 303 and r.headers["location"] == landing


def test_every_post_without_a_valid_csrf_token_is_refused(site):  # noqa: F811
    """GIVEN a logged-in reviewer WHEN any POST route gets no token or a wrong one THEN 403."""
    app, ids = site
    paths = _post_routes(app)
    assert {"/login", "/logout", "/review/4/accept"} <= set(paths)
    with client(app, "kari") as c:
        for path in paths:
            assert c.post(path, data={}).status_code == 403, path
            assert c.post(path, data={"csrf_token": "x" * 43}).status_code == 403, path
    with session_scope(app.sessions) as s:
        assert s.get(Submission, ids["stavanger"]).status == "needs_review"


def test_viewer_cannot_accept(site):  # noqa: F811
    app, ids = site
    sid = ids["stavanger"]
    with client(app, "leser") as c:
        page = c.get(f"/review/{sid}")
        assert page.status_code == 200 and "lesetilgang" in page.text and "/accept" not in page.text
        r = c.post(f"/review/{sid}/accept", data={"csrf_token": csrf_of(page.text)})
        assert r.status_code == 403
    with session_scope(app.sessions) as s:
        assert s.get(Submission, sid).status == "needs_review"


def test_hostile_subject_and_file_name_are_escaped(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    with client(app, "kari") as c:
        for path in ("/review", f"/review/{ids['stavanger']}"):
            html = c.get(path).text
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "&lt;script&gt;alert(&#39;fil&#39;)&lt;/script&gt;.pdf" in html
            assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_pages_carry_strict_headers_and_cookie_flags(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, None) as c:
        r = c.get("/login")
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
        login = c.post("/login", data={"name": "kari", "password": PASSWORD, "csrf_token": csrf_of(r.text)})
        cookie = next(v for k, v in login.headers.multi_items()
                      if k == "set-cookie" and v.startswith("akson_session="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def test_secure_cookies_behind_tls(tmp_path):
    path = seeded.write_config(tmp_path, f"sqlite:///{tmp_path / 'a.db'}")
    path.write_text(path.read_text() + "[web]\nsecure_cookies = true\n")
    app = App(load_config(str(path)))
    with TestClient(create_app(app, clock=lambda: seeded.NOW)) as c:
        r = c.get("/login")
        assert "Secure" in r.headers["set-cookie"]
    app.close()


def test_login_is_rate_limited_per_account(sqlite_site):  # noqa: F811
    """GIVEN five wrong passwords for kari WHEN the right one comes THEN it is refused too (429)."""
    app, _ids = sqlite_site
    with client(app, None) as c:
        token = csrf_of(c.get("/login").text)
        for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
            r = c.post("/login", data={"name": "kari", "password": "feil passord", "csrf_token": token})
            assert r.status_code == 401 and "Feil brukernavn eller passord" in r.text
        r = c.post("/login", data={"name": "kari", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 429 and "akson_session" not in r.headers.get("set-cookie", "")
        # Another account from the same address is not locked by kari's failures.
        r = c.post("/login", data={"name": "leser", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 303


def test_login_is_rate_limited_per_address(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, None) as c:
        token = csrf_of(c.get("/login").text)
        for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
            c.post("/login", data={"name": f"gjett{n}", "password": "x", "csrf_token": token})
        r = c.post("/login", data={"name": "leser", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 429


def test_disabling_a_user_ends_their_session(site):  # noqa: F811
    app, ids = site
    with client(app, "kari") as c:
        assert c.get("/review").status_code == 200
        with session_scope(app.sessions) as s:
            assert webusers.disable_user(s, "kari", now=seeded.NOW) == 1
        assert c.get("/review").status_code == 303


def test_logout_ends_the_session_on_the_server(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "kari") as c:
        token = csrf_of(c.get("/review").text)
        cookie = c.cookies.get("akson_session")
        assert c.post("/logout", data={"csrf_token": token}).status_code == 303
        c.cookies.set("akson_session", cookie)       # a copied cookie is dead too
        assert c.get("/review").status_code == 303


def _proxy_app(tmp_path, proxies: str):
    path = seeded.write_config(tmp_path, f"sqlite:///{tmp_path / 'p.db'}")
    path.write_text(path.read_text() + f'[web]\ntrusted_proxies = [{proxies}]\nuser_header = "X-Remote-User"\n')
    from storage.schema import upgrade
    upgrade(f"sqlite:///{tmp_path / 'p.db'}")
    app = App(load_config(str(path)))
    with session_scope(app.sessions) as s:
        webusers.add_user(s, "sso.bruker", "viewer", None, now=seeded.NOW)
    return app


@pytest.mark.parametrize("proxies, client_host, logged_in", [
    ('"10.0.0.0/8"', "10.1.2.3", True),
    ('"10.0.0.0/8"', "192.168.1.9", False),
    ("", "10.1.2.3", False),
], ids=["trusted-proxy", "other-address", "no-proxy-configured"])
def test_proxy_user_header_only_from_trusted_proxies(tmp_path, proxies, client_host, logged_in):
    app = _proxy_app(tmp_path, proxies)
    with TestClient(create_app(app, clock=lambda: seeded.NOW), client=(client_host, 5000),
                    follow_redirects=False) as c:
        r = c.get("/review", headers={"X-Remote-User": "sso.bruker"})
        assert (r.status_code == 200) is logged_in
        if logged_in:   # a user without a password still gets a session and a CSRF token
            assert "sso.bruker" in r.text and csrf_of(r.text)
        r = c.get("/review", headers={"X-Remote-User": "ukjent"})
        assert r.status_code == 303
    app.close()
