"""What large websocket messages from clients cost the app server (docs/DATA_PROTECTION.md).

Starts the app as the e2e tests do (``python -m streamlit run serve.py``, tests/e2e/conftest.py
``serve``), then opens ``/_stcore/stream`` as the browser does (subprotocol ``streamlit``; the
XSRF token is only read for Streamlit's own sign-in, which the app does not use) and sends one
binary message of ``--mb`` MB, then the same from ``--clients`` clients at once. The server's
RSS is sampled every 50 ms (psutil) before, during and after; during each wave ``/_stcore/health``
and the page (``GET /``) are fetched and their times noted; after each wave, whether the sending
connection was closed and with which code.

    python benchmarks/bench_ws_limit.py --mb 150 --clients 4
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))


def server_process(url: str) -> psutil.Process:
    port = int(url.rsplit(":", 1)[1])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return psutil.Process(conn.pid)
    raise RuntimeError(f"no process listens on {port}")


class Sampler(threading.Thread):
    def __init__(self, proc: psutil.Process):
        super().__init__(daemon=True)
        self.proc, self.peak, self.stop_at = proc, 0, False

    def run(self):
        while not self.stop_at:
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.05)


def fetch(url: str, timeout: float = 30) -> tuple[int | str, float]:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return r.status, time.monotonic() - start
    except Exception as exc:      # noqa: BLE001 - the figure is what failed
        return type(exc).__name__, time.monotonic() - start


async def send_one(ws_url: str, payload: bytes) -> str:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    try:
        async with connect(ws_url, subprotocols=["streamlit"], compression=None, max_size=None,
                           open_timeout=60, close_timeout=10, ping_interval=None) as ws:
            await ws.send(payload)
            try:
                await asyncio.wait_for(ws.recv(), timeout=30)
                # the server may answer (e.g. after a bad message) or close; wait for the close
                await asyncio.wait_for(ws.wait_closed(), timeout=5)
            except asyncio.TimeoutError:
                return "still open"
            except ConnectionClosed:
                pass
            return f"closed {ws.close_code}"
    except ConnectionClosed as exc:
        return f"closed {exc.rcvd.code if exc.rcvd else None}"
    except Exception as exc:       # noqa: BLE001
        return type(exc).__name__


def wave(url: str, proc: psutil.Process, clients: int, size: int) -> dict:
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    payload = b"\x00" * size
    before = proc.memory_info().rss
    sampler = Sampler(proc)
    sampler.start()
    checks: list = []
    done = threading.Event()

    def probe():
        while not done.is_set():
            checks.append((fetch(url + "/_stcore/health"), fetch(url + "/")))
            time.sleep(0.5)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    start = time.monotonic()

    async def run():
        return await asyncio.gather(*(send_one(ws_url, payload) for _ in range(clients)))

    outcomes = asyncio.run(run())
    elapsed = time.monotonic() - start
    done.set()
    prober.join()
    time.sleep(3)
    sampler.stop_at = True
    sampler.join()
    after = proc.memory_info().rss
    worst_health = max((c[0][1] for c in checks), default=0.0)
    worst_page = max((c[1][1] for c in checks), default=0.0)
    failed = [c for c in checks if c[0][0] != 200 or c[1][0] != 200]
    return {"clients": clients, "mb": size / 1e6, "seconds": round(elapsed, 1),
            "rss_before_mb": round(before / 1e6), "rss_peak_mb": round(sampler.peak / 1e6),
            "rss_after_mb": round(after / 1e6), "outcomes": outcomes, "probes": len(checks),
            "probes_failed": len(failed), "worst_health_s": round(worst_health, 2),
            "worst_page_s": round(worst_page, 2), "alive": proc.is_running()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=150.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    args = parser.parse_args(argv)
    from conftest import serve

    env = dict(item.split("=", 1) for item in args.env)
    size = int(args.mb * 1e6)
    with tempfile.TemporaryDirectory(prefix="shaoxing-ws-") as folder:
        with serve(Path(folder), None, env) as (url, log_path):
            proc = server_process(url)
            fetch(url + "/")
            time.sleep(2)
            for clients in (1, args.clients):
                print(wave(url, proc, clients, size), flush=True)
            print("server log tail:\n" + Path(log_path).read_text()[-1500:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
