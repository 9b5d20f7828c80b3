"""The app server under websocket messages over the cap (core/ws_limit.py, 8 MB): the connection
that sent one is closed with 1009 before the message is held in memory, the server stays
healthy, and a browser session on the same server still renders and answers its widgets; the
largest message that browser sent is measured against the cap; what the server SENDS is not
capped by it (a 40,000-row roster's table arrives as one message of about 20 MB)."""
from __future__ import annotations

import base64
import logging
import os
import socket
import struct
import threading
import time
import urllib.request

import psutil
import pytest

from conftest import serve  # tests/e2e/conftest.py
from core.i18n import t
from core.ws_limit import DEFAULT_MB, MB
from core.synthetic import synthetic_roster
from test_app_e2e import fill_self_check, log_in, open_page, settle, ui

pytestmark = pytest.mark.e2e
CAP = DEFAULT_MB * MB


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):
    with serve(tmp_path_factory.mktemp("ws-limit"), None) as served:
        yield served


class PeakRss(threading.Thread):
    """The server's largest RSS while the block runs, sampled every 20 ms (a buffered message is
    freed once refused, so only the peak shows it: +270 MB for 150 MB without the cap)."""

    def __init__(self, proc: psutil.Process):
        super().__init__(daemon=True)
        self.proc, self.running = proc, True
        self.before = self.peak = proc.memory_info().rss

    def run(self):
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self.running = False
        self.join()

    @property
    def grown(self) -> int:
        return self.peak - self.before


def _server_process(url: str) -> psutil.Process:
    port = int(url.rsplit(":", 1)[1])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return psutil.Process(conn.pid)
    raise LookupError(port)


def _send(url: str, message) -> int | None:
    """Open /_stcore/stream as the browser does (subprotocol "streamlit"), send ``message``
    (bytes, or a list of bytes: one message in fragments), return the close code. The sync
    client: Playwright's sync API holds the test thread's event loop."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    quiet = logging.getLogger("test_ws_limit.client")      # a reset while writing is expected here
    quiet.setLevel(logging.CRITICAL)
    with connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                 compression=None, max_size=None, open_timeout=30, close_timeout=10, logger=quiet) as ws:
        try:
            ws.send(message)
            while True:
                ws.recv(timeout=30)
        except (ConnectionClosed, TimeoutError):
            pass
        return ws.close_code


def _declare(url: str, length: int, whole_fragments: int = 0) -> int | None:
    """Open /_stcore/stream over a plain socket, send ``whole_fragments`` fragments of 1 MB of a
    binary message, then only the header of a frame declaring ``length`` bytes (and 1 KB of
    it), and return the close code the server answers with (None if it waits for the rest)."""
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: streamlit\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(4096)
        head, _, rest = answer.partition(b"\r\n\r\n")
        assert b" 101 " in head.split(b"\r\n")[0], head

        def frame_header(opcode: int, fin: bool, size: int) -> bytes:      # a client's frames are masked
            return bytes([opcode | (0x80 if fin else 0), 0x80 | 127]) + struct.pack("!Q", size) + b"\0\0\0\0"

        for i in range(whole_fragments):
            sock.sendall(frame_header(0x2 if i == 0 else 0x0, False, MB) + b"\0" * MB)
        sock.sendall(frame_header(0x2 if whole_fragments == 0 else 0x0, True, length) + b"\0" * 1024)
        data = rest
        try:
            while True:
                while len(data) >= 2:
                    size, start = data[1] & 0x7F, 2
                    if size == 126:
                        size, start = struct.unpack("!H", data[2:4])[0], 4
                    elif size == 127:
                        size, start = struct.unpack("!Q", data[2:10])[0], 10
                    if len(data) < start + size:
                        break
                    if data[0] & 0x0F == 0x8:                                  # the close frame
                        return struct.unpack("!H", data[start:start + 2])[0]
                    data = data[start + size:]
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                data += chunk
        except socket.timeout:
            return None


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as r:
        return r.status == 200 and r.read().strip() == b"ok"


def test_a_message_over_the_cap_closes_only_that_connection_before_it_is_buffered(server):
    url, log_path = server
    proc = _server_process(url)
    # refused as soon as the frame's header says it is over the cap: the rest is never awaited
    assert _declare(url, CAP + 1) == 1009
    assert _declare(url, 200 * 10**6) == 1009
    # a message in fragments: refused at the header of the fragment that would take it over
    assert _declare(url, 1, whole_fragments=DEFAULT_MB) == 1009
    start = time.monotonic()
    # 150 MB: refused at its header; the client may still be writing when the server closes the
    # socket, and then sees the connection reset (1006) instead of the close frame
    with PeakRss(proc) as peak:
        assert _send(url, b"\0" * (150 * 10**6)) in (1009, 1006)
    refused_in = time.monotonic() - start
    grown_mb = peak.grown / MB
    # under the cap the message reaches Streamlit, which closes on a frame that is no BackMsg (1002)
    assert _send(url, b"\0" * (2 * MB)) == 1002
    assert _healthy(url)
    log = log_path.read_text()
    # Streamlit's own check runs only on a whole buffered message: it never saw one
    assert "Client WebSocket message size" not in log
    print(f"150 MB refused in {refused_in:.2f} s; server RSS grew {grown_mb:.0f} MB")
    assert grown_mb < 60, f"the server grew {grown_mb:.0f} MB: oversized messages were buffered"


def test_a_browser_session_still_works_and_sends_far_less_than_the_cap(server, desktop):
    url, _ = server
    _send(url, b"\0" * (CAP + 1))           # someone else's oversized message first
    sent: list[int] = []

    def watch(websocket):
        if websocket.url.endswith("/_stcore/stream"):
            websocket.on("framesent", lambda payload: sent.append(len(payload)))

    desktop.on("websocket", watch)
    desktop.goto(url)
    desktop.get_by_text(ui("self_check.intro")[:12]).first.wait_for()
    settle(desktop)
    fill_self_check(desktop)                # every answer a widget round trip
    desktop.get_by_text(ui("self_check.result_title"), exact=True).wait_for()
    assert t("ui.self_check.badge.eligible") in desktop.locator(".st-key-card_stabilization").inner_text()
    assert len(sent) > 10 and _healthy(url)
    print(f"{len(sent)} messages from the browser, the largest {max(sent)} bytes")
    assert max(sent) < CAP / 1000


def test_a_rosters_table_larger_than_the_cap_still_reaches_the_officer(app_url, desktop, officer, tmp_path):
    """The cap is for messages from the browser: the result table of a 40,000-row roster (one
    message of about 20 MB) still arrives on the same socket, which stays open."""
    received: list[int] = []
    closed: list[bool] = []

    def watch(websocket):
        if websocket.url.endswith("/_stcore/stream"):
            websocket.on("framereceived", lambda payload: received.append(len(payload)))
            websocket.on("close", lambda _: closed.append(True))

    desktop.on("websocket", watch)
    path = tmp_path / "名单.csv"
    path.write_bytes(synthetic_roster(40_000, seed=7, error_rate=0.1).to_csv(index=False).encode("gbk"))
    log_in(desktop, app_url, officer)
    open_page(desktop, app_url, ui("nav.roster"), "roster")
    desktop.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    desktop.get_by_text(ui("roster.summary_title")).wait_for(timeout=300_000)
    settle(desktop, 300_000)
    metric = desktop.locator('[data-testid="stMetric"]').filter(has_text=ui("roster.rows")).first
    assert "40,000" in metric.inner_text()
    assert desktop.locator('[data-testid="stDataFrame"]').count() >= 1
    print(f"largest message to the browser {max(received)} bytes")
    assert max(received) > CAP and not closed
