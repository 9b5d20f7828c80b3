"""The routes that carry a sign-in across page loads (core/web_auth.py), called as the ASGI
server calls them: the cookie's attributes, a code from another site refused, no open redirect,
logout."""
from __future__ import annotations

import pytest

from core import web_auth
from core.db import accounts, sessions
from tests.db_conftest_helpers import sqlite_db  # noqa: F401  (fixture)



class Answer:
    def __init__(self, status, headers):
        self.status_code = status
        self.headers = {}
        for k, v in headers:
            self.headers.setdefault(k.decode("latin-1"), v.decode("latin-1"))


class Client:
    """One GET through the routes' Starlette application (no HTTP server, no extra library)."""

    def __init__(self, app):
        self.app = app

    def get(self, url, headers=None, cookies=None):
        import asyncio
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        if cookies:
            raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": parts.path, "raw_path": parts.path.encode(),
                 "query_string": parts.query.encode(), "root_path": "", "headers": [(b"host", b"app.test"), *raw],
                 "client": ("127.0.0.1", 1234), "server": ("app.test", 80)}
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        # in a thread of its own: in the full suite the browser tests keep an event loop running in
        # the main thread, where asyncio.run refuses to start another
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, self.app(scope, receive, send)).result()
        start = next(m for m in sent if m["type"] == "http.response.start")
        return Answer(start["status"], start["headers"])


@pytest.fixture
def client(sqlite_db, monkeypatch):
    from starlette.applications import Starlette

    monkeypatch.setattr(web_auth, "_installed", False)     # routes() marks the process; undone after
    accounts.add_user("han", "password-123", "city_officer")
    return Client(Starlette(routes=web_auth.routes()))


def test_the_code_becomes_an_httponly_cookie_once(client):
    _, code = sessions.begin("han")
    r = client.get(web_auth.session_url(code, "/roster"), headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303 and r.headers["location"] == "/roster"
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    cookie = r.headers["set-cookie"]
    token = cookie.split(";")[0].split("=", 1)[1]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()
    assert sessions.check(token=token).user.name == "han"
    again = client.get(web_auth.session_url(code, "/roster"))
    assert again.headers["location"] == "/login" and "set-cookie" not in again.headers


def test_behind_https_the_cookie_is_secure(client):
    _, code = sessions.begin("han")
    r = client.get(web_auth.session_url(code, "/"), headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in r.headers["set-cookie"]


def test_a_code_sent_from_another_site_is_refused(client):
    _, code = sessions.begin("han")
    r = client.get(web_auth.session_url(code, "/"), headers={"Sec-Fetch-Site": "cross-site"})
    assert r.headers["location"] == "/login" and "set-cookie" not in r.headers
    assert sessions.exchange(code)          # and the code was not used up by the refusal


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil", "javascript:alert(1)",
                                    "/roster?x=1", "", None])
def test_next_is_a_path_of_this_site_only(target):
    assert not web_auth.installed()         # (the client fixture's mark does not outlive its test)
    assert web_auth.safe_next(target) == "/"
    assert web_auth.safe_next("/admin_users") == "/admin_users"


def test_logout_clears_the_cookie(client):
    r = client.get(web_auth.logout_url("/login"), cookies={sessions.COOKIE: "anything"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert r.headers["set-cookie"].startswith(f"{sessions.COOKIE}=") and "Max-Age=0" in r.headers["set-cookie"]
