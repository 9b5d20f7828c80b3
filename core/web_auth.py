"""The two HTTP routes that carry a sign-in across page loads, added to Streamlit's own server.

Streamlit reads cookies (``st.context.cookies``) but a page cannot set one: its script talks to
the browser over a websocket, and an HttpOnly cookie needs an HTTP response. Streamlit 1.67 runs
on Starlette and takes extra routes through its public ``st.App(script, routes=…)``, which
``streamlit run serve.py`` serves (serve.py at the project root); the routes live beside
Streamlit's in every app process, and everything they know is in the database, so any process
behind nginx answers them.

- ``GET /_auth/session?code=…&next=/roster``: the login page, once the password is right, sends
  the browser here (core.db.sessions: a one-time code, valid a minute). The code is exchanged
  for a random token, which comes back as the cookie ``sx_session`` (HttpOnly, SameSite=Lax,
  Path=/, Secure behind HTTPS; no Max-Age: it ends with the browser, the server ends it earlier),
  and the browser is sent on to ``next`` (a path of this site only). A code from another site's
  link (``Sec-Fetch-Site: cross-site``) is refused, so nobody can sign a visitor into their
  own account.
- ``GET /_auth/logout?next=/login``: the cookie is cleared (the session was already ended in the
  database by the page), then on to ``next``.

Answers are ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer`` (the code is in the
address). No streamlit import here (core/); serve.py hands ``routes()`` to st.App.
"""
from __future__ import annotations

import logging
import re

from core.db.sessions import COOKIE

log = logging.getLogger("shaoxing.auth")

SESSION_PATH = "/_auth/session"
LOGOUT_PATH = "/_auth/logout"
_installed = False
_SAFE_NEXT = re.compile(r"^/(?!/)[A-Za-z0-9_\-/]*$")       # a path of this site: no scheme, host or "//"


def installed() -> bool:
    """True in a server started through serve.py (the routes exist): the pages then send the
    browser through them; without them a sign-in lasts as long as the tab (and says so in the log)."""
    return _installed


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` when it is a plain path of this site, else ``default`` (no open redirect)."""
    return value if isinstance(value, str) and _SAFE_NEXT.match(value) and len(value) <= 200 else default


def session_url(code: str, next_path: str) -> str:
    from urllib.parse import urlencode

    return f"{SESSION_PATH}?{urlencode({'code': code, 'next': safe_next(next_path)})}"


def logout_url(next_path: str = "/login") -> str:
    from urllib.parse import urlencode

    return f"{LOGOUT_PATH}?{urlencode({'next': safe_next(next_path)})}"


def _secure(request) -> bool:
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or proto == "https"


def _redirect(target: str):
    from starlette.responses import RedirectResponse

    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def session_route(request):
    from starlette.concurrency import run_in_threadpool

    from core.db import sessions

    target = safe_next(request.query_params.get("next"))
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        log.warning("a sign-in code came from another site (%s); refused", request.headers.get("sec-fetch-site"))
        return _redirect("/login")
    code = request.query_params.get("code", "")
    try:
        token = await run_in_threadpool(sessions.exchange, code)
    except Exception:        # the database: one line in the log, the visitor signs in again
        log.exception("exchanging a sign-in code failed")
        token = None
    if token is None:
        return _redirect("/login")
    response = _redirect(target)
    response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


async def logout_route(request):
    response = _redirect(safe_next(request.query_params.get("next"), "/login"))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


def routes() -> list:
    """The routes for ``st.App(..., routes=routes())``; marks this process as serving them."""
    global _installed
    from starlette.routing import Route

    _installed = True
    return [Route(SESSION_PATH, session_route, methods=["GET"]),
            Route(LOGOUT_PATH, logout_route, methods=["GET"])]
