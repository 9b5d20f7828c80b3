"""deploy/: Debian's nginx with deploy/nginx.conf.template on loopback ports in front of two app
processes. Checks the security headers, TLS and the redirect to it, that a page,
/_stcore/health and the websocket answer through it, and that clients are spread over both
processes while each client stays on one. Skips (saying why) where nginx is absent, unless
REQUIRE_NGINX=1; the browser part also needs Debian's chromium (REQUIRE_E2E=1 makes it mandatory)."""
from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import multi  # noqa: E402  (deploy/multi.py)
from core.i18n import t  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False          # the test's own self-signed certificate, on 127.0.0.1
    context.verify_mode = ssl.CERT_NONE
    return context


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, cookie: str | None = None):
    """(status, headers, body) of one GET, cookies and redirects left to the caller."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=_insecure()))
    try:
        with opener.open(request, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def sticky_cookie(headers) -> str | None:
    """The Set-Cookie of nginx's sticky cookie (Streamlit sets its own XSRF cookie beside it)."""
    return next((c for c in headers.get_all("Set-Cookie") or [] if c.startswith("stsrv=")), None)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = multi.find_nginx()
    if nginx is None:
        reason = "nginx is absent (apt-get install nginx-light)"
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail(f"REQUIRE_NGINX=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    run = tmp_path_factory.mktemp("deploy")
    run.chmod(0o755)                      # nginx's workers (nobody under root) use its temp folders
    cert, key = run / "cert.pem", run / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({"SHAOXING_DB_PATH": str(run / "shaoxing.db"), "SHAOXING_ID_KEY_FILE": str(run / "id.key")})
    ports = [_free_port(), _free_port()]
    apps = multi.start_apps(ports, env, run)
    procs = list(apps)
    try:
        for port, proc in zip(ports, apps):
            multi.wait_healthy(f"http://127.0.0.1:{port}", proc)
        http, https = _free_port(), _free_port()
        procs.append(multi.start_nginx(multi.render_nginx(ports, http, https, str(cert), str(key), run), run, nginx))
        multi.wait_healthy(f"https://127.0.0.1:{https}", procs[-1], context=_insecure())
        yield {"http": http, "https": https, "ports": ports, "log": run / "access.log", "run": run}
    finally:
        multi.stop(procs)


def in_own_thread(fn):
    """``fn()`` in a thread of its own: the end-to-end tests' browser (Playwright's sync API) keeps an
    event loop running in the main thread for the whole session, where asyncio.run and a second
    sync_playwright cannot start."""
    import threading

    out: dict = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:   # noqa: BLE001 (raised again in the test's thread)
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "timed out"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def test_headers_tls_and_redirect(stack):
    status, headers, body = get(f"https://127.0.0.1:{stack['https']}/")
    assert status == 200 and b'id="root"' in body                          # Streamlit's page
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert [c for c in headers.get_all("Set-Cookie") if c.startswith("stsrv=")] == [sticky_cookie(headers)]
    assert re.fullmatch(r"stsrv=[0-9a-f]{32}; Path=/; HttpOnly; Secure; SameSite=Lax", sticky_cookie(headers))
    assert headers["Server"] == "nginx"                                      # no version shown
    status, headers, body = get(f"https://127.0.0.1:{stack['https']}/_stcore/health")
    assert (status, body.strip()) == (200, b"ok") and headers["X-Frame-Options"] == "DENY"
    status, headers, _ = get(f"http://127.0.0.1:{stack['http']}/self_check?x=1")
    assert status == 301 and headers["Location"] == f"https://127.0.0.1:{stack['https']}/self_check?x=1"


def _upstreams(log: Path) -> dict[str, set[str]]:
    """sticky cookie -> the app ports that answered it (from nginx's access log)."""
    out: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        m = re.search(r"upstream=127\.0\.0\.1:(\d+) sticky=(\S+)", line)
        if m:
            out.setdefault(m.group(2), set()).add(m.group(1))
    return out


async def _websocket_run(url: str, cookie: str) -> list[str]:
    """Open the page's websocket through nginx, ask for the first run; the texts the run shows."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    texts = []
    async with websockets.connect(url, subprotocols=["streamlit"], ssl=_insecure(), open_timeout=30,
                                  additional_headers={"Cookie": cookie}, max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        await ws.send(msg.SerializeToString())
        async with asyncio.timeout(60):
            for _ in range(2000):
                fm = ForwardMsg.FromString(await ws.recv())
                if fm.WhichOneof("type") == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    if el.WhichOneof("type") in ("heading", "markdown"):
                        texts.append(getattr(el, el.WhichOneof("type")).body)
                if fm.WhichOneof("type") == "script_finished":
                    # (the first run of a fresh process reruns itself once, pages/_common.py)
                    if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue
                    assert fm.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                    return texts
    raise AssertionError("the run did not finish")


def test_clients_spread_over_both_processes_and_stay_on_one(stack):
    base = f"https://127.0.0.1:{stack['https']}"
    clients = []
    for _ in range(16):            # a client's first answer gives it its cookie
        _, headers, _ = get(f"{base}/")
        clients.append(re.match(r"stsrv=([0-9a-f]+)", sticky_cookie(headers)).group(1))
    for sticky in clients:         # then it asks again, with the cookie, for pages and the health check
        for path in ("/", "/_stcore/health", "/self_check", "/_stcore/health"):
            status, headers, _ = get(base + path, cookie=f"stsrv={sticky}")
            assert status == 200 and sticky_cookie(headers) is None      # the cookie is kept, not renewed
    served = _upstreams(stack["log"])
    ports = {str(p) for p in stack["ports"]}
    assert all(len(served[s]) == 1 for s in clients), {s: served[s] for s in clients}
    assert set().union(*(served[s] for s in clients)) == ports          # both processes serve

    # the websocket (Upgrade) goes through to the same process as the client's pages, and the
    # app runs in it: the self-check's title comes back
    texts = in_own_thread(lambda: asyncio.run(_websocket_run(base.replace("https", "wss") + "/_stcore/stream",
                                                            f"stsrv={clients[0]}")))
    assert t("ui.self_check.title") in texts
    ws_lines = [ln for ln in stack["log"].read_text().splitlines() if "/_stcore/stream" in ln]
    assert ws_lines and " 101 " in ws_lines[-1] and f"sticky={clients[0]}" in ws_lines[-1]
    assert _upstreams(stack["log"])[clients[0]] == served[clients[0]]


def test_a_browser_runs_the_page_under_the_policy(stack):
    """Streamlit's page works under the Content-Security-Policy: no violation, the form shows."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent (apt-get install chromium)"
        if os.environ.get("REQUIRE_E2E") == "1":
            pytest.fail(f"REQUIRE_E2E=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    problems, helps = [], []

    def browse():
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            try:
                page = browser.new_context(ignore_https_errors=True, locale="zh-CN").new_page()
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.goto(f"https://127.0.0.1:{stack['https']}/", timeout=60_000)
                page.get_by_text(t("ui.self_check.intro")[:12]).first.wait_for(timeout=60_000)
                page.get_by_role("button", name=t("ui.self_check.submit")).wait_for(timeout=30_000)
                page.wait_for_timeout(1500)          # late loads (fonts, icons) would report here
                # Streamlit's own words shown in Chinese: the app's script ran under the policy
                helps.append(page.locator('[data-testid="stTooltipHoverTarget"] button').first
                             .get_attribute("aria-label"))
            finally:
                browser.close()

    in_own_thread(browse)
    # Nothing refused: the favicon is the app's own file (a ":material/..." icon was fetched from
    # fonts.gstatic.com), the translating script is served by the app (pages/_chrome.py)
    blocked = [m for m in problems if "Content Security Policy" in m or "Refused" in m]
    assert not blocked, blocked
    assert helps and helps[0] == t("chrome.help_for").replace("{0}", t("ui.self_check.q_poor"))


def test_the_session_cookie_route_through_nginx(stack):
    """/_auth/session (core/web_auth.py) answers through nginx on either process: a sign-in's
    one-time code becomes an HttpOnly, Secure, SameSite=Lax cookie, the code is not in the access
    log, a used or wrong code gives no cookie; /_auth/logout clears the cookie."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({"SHAOXING_DB_PATH": str(stack["run"] / "shaoxing.db"), "SHAOXING_ID_KEY_FILE": str(stack["run"] / "id.key")})
    made = subprocess.run([sys.executable, "-c", "from core.db import accounts, sessions\n"
                           "accounts.add_user('nginx_officer', 'password-123', 'leader')\n"
                           "print(sessions.begin('nginx_officer')[1])"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()
    base = f"https://127.0.0.1:{stack['https']}"
    status, headers, _ = get(f"{base}/_auth/session?code={code}&next=/dashboard")
    assert status == 303 and headers["Location"] == "/dashboard" and headers["Cache-Control"] == "no-store"
    (cookie,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("sx_session=")]
    assert re.fullmatch(r"sx_session=[A-Za-z0-9_\-]{40,}; HttpOnly; Path=/; SameSite=lax; Secure", cookie), cookie
    assert headers["X-Frame-Options"] == "DENY"                     # the site's headers here too
    status, headers, _ = get(f"{base}/_auth/session?code={code}&next=/dashboard")     # used up
    assert status == 303 and headers["Location"] == "/login"
    assert not [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("sx_session=")]
    status, headers, _ = get(f"{base}/_auth/session?code=x&next=https://elsewhere.example/")
    assert status == 303 and headers["Location"] == "/login"
    status, headers, _ = get(f"{base}/_auth/logout", cookie="sx_session=whatever")
    assert status == 303 and headers["Location"] == "/login"
    (cleared,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("sx_session=")]
    assert "Max-Age=0" in cleared and "HttpOnly" in cleared
    log = stack["log"].read_text()
    assert "/_auth/session" in log and code not in log
