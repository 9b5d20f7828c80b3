"""End-to-end fixtures: the real app under `streamlit run`, driven by Debian's Chromium through
Playwright. Without /usr/bin/chromium the e2e tests skip with the reason, unless REQUIRE_E2E=1
(CI), in which case they fail."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:      # the tests import core/ and pages/
    sys.path.insert(0, str(ROOT))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
OFFICER = ("e2e_city_officer", "Shaoxing-e2e-2018!")   # made in the server's own empty database
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test in a real headless Chromium (Playwright)")


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    _need(CHROMIUM.exists(), f"{CHROMIUM} is absent (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need(False, "the python package playwright is not installed")
    return str(CHROMIUM)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(data_dir: Path, officer: tuple[str, str] | None, env_extra: dict | None = None):
    """The app under `python -m streamlit run serve.py` (Streamlit's server with the session
    cookie's routes, core/web_auth.py) on a free port with its own database in ``data_dir`` (and
    ``officer`` made in it first; ``env_extra`` more settings); yields (url, path of the server's
    console log)."""
    port = _free_port()
    env = dict(os.environ)
    for key in ("DATABASE_URL",):
        env.pop(key, None)
    env.update({
        "SHAOXING_DB_PATH": str(data_dir / "shaoxing.db"),
        "SHAOXING_ID_KEY_FILE": str(data_dir / "id.key"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
        **(env_extra or {}),
    })
    log_path = data_dir / "server.log"
    log = open(log_path, "w")
    if officer is not None:
        made = subprocess.run([sys.executable, "-m", "core", "users", "add", officer[0], "--role", "city_officer"],
                              cwd=ROOT, env=env, input=officer[1] + "\n", capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stdout + made.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("the app did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
        yield url, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, chromium_path) -> str:
    """The app with an officer account to log in with (when the app has accounts)."""
    officer = OFFICER if (ROOT / "core" / "db").is_dir() else None
    with serve(tmp_path_factory.mktemp("app-data"), officer) as (url, _):
        yield url


@pytest.fixture
def fresh_app(tmp_path, chromium_path) -> tuple[str, Path]:
    """The app on an empty database (no account yet): (url, server console log)."""
    with serve(tmp_path, None) as served:
        yield served


@pytest.fixture(scope="session")
def officer() -> tuple[str, str] | None:
    """(name, password) of the officer account of the test server; None when the app has no accounts."""
    return OFFICER if (ROOT / "pages" / "login.py").exists() and (ROOT / "core" / "db").is_dir() else None


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class RunWatch:
    """What the page's websocket says about script runs, as Playwright sees its frames.

    A run is over when the server says so (``script_finished``), not when the page's
    ``data-test-script-state`` attribute says "notRunning": under load a whole run's messages
    arrive at once, the page never shows "running", and the attribute still says "notRunning"
    from the run before the click. Every run starts with ``new_session``; a run stopped for a
    newer request ends "early for rerun" and another run follows."""

    def __init__(self):
        self.pending = 0        # rerun requests sent since the last run started
        self.running = False    # a run has started and not finished

    def sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if isinstance(payload, bytes) and BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
            self.pending += 1

    def received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes):
            return
        msg = ForwardMsg.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.pending, self.running = 0, True
        elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.running = False

    @property
    def settled(self) -> bool:
        return self.pending == 0 and not self.running

    def watch(self, websocket) -> None:
        if websocket.url.endswith("/_stcore/stream"):
            self.pending, self.running = 0, False      # a new page load: a new session
            websocket.on("framesent", self.sent)
            websocket.on("framereceived", self.received)


RUNS: dict[int, RunWatch] = {}      # id(page) -> its watcher


def wait_for_run(page, timeout: float = 30_000) -> None:
    """Wait until every run the page asked for has finished (bounded by ``timeout`` ms), then
    until the page has drawn it."""
    watch = RUNS.get(id(page))
    if watch is None:
        raise LookupError("wait_for_run needs a page of the desktop/phone fixtures (they watch its websocket)")
    deadline = time.monotonic() + timeout / 1000
    while not watch.settled:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the script run did not finish within {timeout / 1000:.0f} s")
        page.wait_for_timeout(50)       # Playwright delivers the websocket's frames while waiting
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def _page(browser, viewport, tmp_path):
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN",
                                  device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch = RUNS[id(page)] = RunWatch()
    page.on("websocket", watch.watch)
    return context, page


@pytest.fixture
def desktop(browser, tmp_path):
    context, page = _page(browser, DESKTOP, tmp_path)
    yield page
    context.close()
    RUNS.pop(id(page), None)


@pytest.fixture
def phone(browser, tmp_path):
    context, page = _page(browser, PHONE, tmp_path)
    yield page
    context.close()
    RUNS.pop(id(page), None)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
