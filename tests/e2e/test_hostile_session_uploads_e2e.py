"""A visitor of the public self-check (no account, no uploader on the page) sends file after
file straight to Streamlit's upload route for their own session: the server holds at most a few
of them (pages/_upload_cap.py), its memory does not grow with every file, and it keeps serving.
Without the limit each 20 MB file stayed in the server's memory until the tab was closed."""
from __future__ import annotations

import urllib.request

import pytest

from pages import _upload_cap

pytestmark = pytest.mark.e2e

FILE_MB = 20
FILES = 10

PUT = """async ([url, n]) => {
    const xsrf = (document.cookie.match(/_streamlit_xsrf=([^;]+)/) || [])[1] || '';
    const form = new FormData();
    form.append('file', new Blob(['x'.repeat(n)]), 'a.csv');
    const r = await fetch(url, {method: 'PUT', body: form, credentials: 'include',
                                headers: {'X-Xsrftoken': decodeURIComponent(xsrf)}});
    return r.status;
}"""


def _server_rss_mb(app_url: str) -> float:
    """The resident memory of the app's server process (Linux /proc), found by its port."""
    from pathlib import Path

    port = app_url.rsplit(":", 1)[1]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"serve.py" in cmd and port.encode() in cmd:
                status = (proc / "status").read_text()
                return int(status.split("VmRSS:")[1].split()[0]) / 1024
        except (OSError, IndexError):
            continue
    raise LookupError("the app's server process was not found")


def test_a_public_session_cannot_fill_the_servers_memory_with_uploads(app_url, browser):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    page = browser.new_page()
    sessions = []

    def received(payload):
        if isinstance(payload, bytes):
            msg = ForwardMsg.FromString(payload)
            if msg.WhichOneof("type") == "new_session":
                sessions.append(msg.new_session.initialize.session_id)

    page.on("websocket", lambda ws: ws.on("framereceived", received))
    page.goto(app_url)          # the self-check, the first page, for anyone
    page.wait_for_function("document.cookie.includes('_streamlit_xsrf')", timeout=30_000)
    for _ in range(300):
        if sessions:
            break
        page.wait_for_timeout(100)
    assert sessions
    before = _server_rss_mb(app_url)
    statuses = [page.evaluate(PUT, [f"{app_url}/_stcore/upload_file/{sessions[0]}/f{i}", FILE_MB << 20])
                for i in range(FILES)]
    grown = _server_rss_mb(app_url) - before
    page.close()
    assert set(statuses) == {204}                       # Streamlit took every file …
    held = min(_upload_cap.MAX_SESSION_FILES, _upload_cap.MAX_SESSION_BYTES // (FILE_MB << 20))
    assert grown < (held + 3) * FILE_MB, grown          # … and holds a few (200 MB without the limit)
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=10) as r:
        assert r.status == 200
