"""The public self-check under a crowd (a script, not a test):

    python benchmarks/bench_load.py --users 50,100,200 [--procs 2] [--waves 2] [--duration 40]

Starts the app itself (``--procs 1``: one ``streamlit run`` process; ``--procs K``: K processes
behind nginx with a throwaway self-signed certificate, deploy/multi.py) on 127.0.0.1 with an
empty database of its own, then for each N runs ``--waves`` waves of N simulated workers. A
worker is a browser-free client speaking Streamlit's own protocol (``streamlit.proto`` BackMsg /
ForwardMsg over the /_stcore/stream websocket, with the ``websockets`` library): it opens the
page, answers the self-check's questions one by one as a worker did in a recorded session, submits,
then changes answers and sees the result again, with 2-8 s between actions, until the wave ends.
A click's latency is from sending the widget change to receiving the run's ``script_finished``.

Prints per N and wave: click latency (median, p90, max), reruns/s, server CPU per rerun, and the
server's memory (RSS) before, at the peak, and after the wave's sessions have closed. Every loop
is bounded in count and time; it connects to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "deploy"))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

import multi  # noqa: E402  (deploy/multi.py)
from core.i18n import t  # noqa: E402

HOST = "127.0.0.1"
SESSION_TTL = 5            # seconds a closed session is kept (Streamlit's default is 120)
RUN_TIMEOUT = 120          # the longest a click may wait for its run
CLOCK = os.sysconf("SC_CLK_TCK")   # /proc/<pid>/stat counts CPU time in these ticks
MAX_MESSAGES = 5000        # the most messages one run may send before the client gives up
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)

# A recorded worker's session (the browser's BackMsgs, tests/e2e's fill_self_check): widget key,
# kind of value, value. ("option", prefix) picks the shown option that starts with prefix.
FORM = [
    ("sc_poor", "string", t("ui.common.yes")),
    ("sc_province", "string", "四川省"),
    ("sc_county", "string", "金川县"),
    *(("sc_first_date." + part, "string", t(f"date_choice.{part}_value", value=v))    # 年 / 月 / 日 choices
      for part, v in (("year", 2018), ("month", 3), ("day", 1))),
    ("sc_district", "string", "柯桥区"),
    ("sc_si", "string", "12"),
    ("sc_continuous", "string", "13"),
    ("sc_cert", "option", "中级工"),
    *(("sc_cert_date." + part, "string", t(f"date_choice.{part}_value", value=v))
      for part, v in (("year", 2018), ("month", 6), ("day", 1))),
    ("sc_rent", "string", "10"),
    ("sc_submit", "trigger", True),
]
# what a worker then tries on the result ("one more month of insurance?")
AFTER = [("sc_si", "string", "11"), ("sc_si", "string", "12"), ("sc_rent", "string", "6"), ("sc_rent", "string", "10"),
         ("sc_continuous", "string", "5"), ("sc_continuous", "string", "13")]


@dataclass
class Stats:
    clicks: list[float] = field(default_factory=list)      # seconds per click
    sent: list[float] = field(default_factory=list)        # when each click was sent (monotonic)
    loads: list[float] = field(default_factory=list)       # seconds for the first run of a page
    reruns: int = 0
    errors: list[str] = field(default_factory=list)


class Worker:
    """One simulated worker on one websocket."""

    def __init__(self, ws, stats: Stats):
        self.ws, self.stats = ws, stats
        self.ids: dict[str, str] = {}            # widget key -> element id, learnt from the deltas
        self.options: dict[str, list[str]] = {}
        self.states: dict[str, WidgetState] = {}
        self.page_hash = ""

    def _learn(self, fm) -> None:
        el = fm.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.stats.errors.append(el.exception.message[:200])
            return
        sub = getattr(el, kind) if kind else None
        wid = getattr(sub, "id", "") if sub is not None else ""
        if isinstance(wid, str) and wid.startswith("$$ID-"):
            key = wid.split("-", 2)[2]
            self.ids[key] = wid
            if hasattr(sub, "options"):
                self.options[key] = list(sub.options)

    async def run(self, trigger: WidgetState | None = None) -> float:
        """Send a rerun with the widget states so far; the seconds until the run finished."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_script_hash = self.page_hash
        cs.context_info.timezone, cs.context_info.locale = "Asia/Shanghai", "zh-CN"
        cs.widget_states.widgets.extend(self.states.values())
        if trigger is not None:
            cs.widget_states.widgets.append(trigger)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(RUN_TIMEOUT):
            for _ in range(MAX_MESSAGES):
                fm = ForwardMsg.FromString(await self.ws.recv())
                kind = fm.WhichOneof("type")
                if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    self._learn(fm)
                elif kind == "new_session":
                    self.page_hash = fm.new_session.page_script_hash
                elif kind == "script_finished":
                    if fm.script_finished in DONE:
                        self.stats.reruns += 1
                        return time.perf_counter() - start
                    if fm.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        raise RuntimeError("the page did not compile")
        raise RuntimeError(f"no end of run after {MAX_MESSAGES} messages")

    def answer(self, key: str, kind: str, value) -> WidgetState | None:
        """Set one answer (as the browser would send it); a trigger is returned, not kept."""
        if key not in self.ids:
            raise RuntimeError(f"the page shows no widget {key!r}")
        state = WidgetState(id=self.ids[key])
        if kind == "string":
            state.string_value = value
        elif kind == "option":
            state.string_value = next(o for o in self.options[key] if o.startswith(value))
        elif kind == "int":
            state.int_value = value
        elif kind == "trigger":
            state.trigger_value = True
            return state
        self.states[key] = state
        return None


async def worker(uri: str, stats: Stats, start_at: float, end_at: float, think: tuple[float, float],
                 headers: dict, context) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        async with websockets.connect(uri, subprotocols=["streamlit"], additional_headers=headers, ssl=context,
                                      max_size=None, open_timeout=60, close_timeout=5, ping_interval=None) as ws:
            w = Worker(ws, stats)
            stats.loads.append(await w.run())
            actions = FORM + AFTER * 200
            for key, kind, value in actions:          # bounded: the list, and the wave's end
                await asyncio.sleep(random.uniform(*think))
                if time.monotonic() >= end_at:
                    break
                sent = time.monotonic()
                stats.clicks.append(await w.run(w.answer(key, kind, value)))
                stats.sent.append(sent)
    except Exception as exc:  # noqa: BLE001 - a failed worker is counted and shown, not fatal
        stats.errors.append(f"{type(exc).__name__}: {exc}"[:200])


# ---------------------------------------------------------------------------------------------
# the server's processes

def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024



class Servers:
    """The app processes (and nginx in front when procs > 1), each on a free local port."""

    def __init__(self, procs: int, gc: str | None, tmp: Path):
        import socket

        def free_port() -> int:
            with socket.socket() as s:
                s.bind((HOST, 0))
                return s.getsockname()[1]

        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update({"SHAOXING_DB_PATH": str(tmp / "shaoxing.db"), "SHAOXING_ID_KEY_FILE": str(tmp / "id.key"),
                    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})
        extra = ["--server.disconnectedSessionTTL", str(SESSION_TTL)]
        if gc is not None:
            extra += ["--runner.postScriptGC", gc]
        self.ports = [free_port() for _ in range(procs)]
        self.apps = multi.start_apps(self.ports, env, tmp, extra)
        self.nginx = None
        self.context = None
        self.headers_fn = lambda: {}
        for port, proc in zip(self.ports, self.apps):
            multi.wait_healthy(f"http://{HOST}:{port}", proc)
        if procs == 1:
            self.uri = f"ws://{HOST}:{self.ports[0]}/_stcore/stream"
            return
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True,
                       timeout=60)
        tls = free_port()
        run_dir = tmp / "nginx"
        run_dir.mkdir()
        self.nginx = multi.start_nginx(multi.render_nginx(self.ports, free_port(), tls, str(cert), str(key), run_dir),
                                       run_dir)
        self.context = ssl.create_default_context()
        self.context.check_hostname = False          # our own throwaway certificate, on 127.0.0.1
        self.context.verify_mode = ssl.CERT_NONE
        multi.wait_healthy(f"https://{HOST}:{tls}", self.nginx, context=self.context)
        self.uri = f"wss://{HOST}:{tls}/_stcore/stream"
        # what a browser sends after its first page load: the sticky cookie nginx gave it
        self.headers_fn = lambda: {"Cookie": f"stsrv={secrets.token_hex(16)}"}

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.apps]

    def close(self) -> None:
        multi.stop(self.apps + ([self.nginx] if self.nginx else []))


async def wave(servers: Servers, users: int, duration: float, think: tuple[float, float], ramp: float) -> dict:
    stats = Stats()
    peak = rss_mb(servers.pids)
    cpu0, t0, own0 = cpu_seconds(servers.pids), time.monotonic(), sum(os.times()[:2])
    end_at = t0 + duration
    tasks = [asyncio.create_task(worker(servers.uri, stats, t0 + ramp * i / users, end_at, think,
                                        servers.headers_fn(), servers.context)) for i in range(users)]
    pending = set(tasks)
    while pending and time.monotonic() < end_at + RUN_TIMEOUT:      # sample memory while they work
        done, pending = await asyncio.wait(pending, timeout=0.5)
        peak = max(peak, rss_mb(servers.pids))
    for task in pending:                 # (none unless a run outlived RUN_TIMEOUT)
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(servers.pids) - cpu0
    load = os.getloadavg()[0]     # the 1-minute load average: other work on the machine shows here
    own = sum(os.times()[:2]) - own0     # this script's CPU: the workers share the machine with the server
    await asyncio.sleep(SESSION_TTL + 6)           # the closed sessions are dropped after the TTL
    return {"stats": stats, "elapsed": elapsed, "cpu": cpu, "peak": peak, "after": rss_mb(servers.pids),
            "load": load, "own": own, "all_in": t0 + ramp + think[1]}


def ms(seconds: float) -> str:
    return f"{1000 * seconds:,.0f} ms"


def latency(clicks: list[float]) -> str:
    if not clicks:
        return "no click finished"
    clicks = sorted(clicks)
    p90 = clicks[min(len(clicks) - 1, int(0.9 * len(clicks)))]
    return f"median {ms(statistics.median(clicks))}, p90 {ms(p90)}, max {ms(clicks[-1])}"


def report(users: int, n: int, r: dict, before: float) -> None:
    s: Stats = r["stats"]
    clicks = s.clicks
    # once every worker has arrived (their page loads are over): N workers at the same time
    present = [c for c, sent in zip(s.clicks, s.sent) if sent >= r["all_in"]]
    per_rerun = 1000 * r["cpu"] / s.reruns if s.reruns else float("nan")
    print(f"  N={users:<4} wave {n}: {len(clicks):5d} clicks, click {latency(clicks)} "
          f"(all {users} present: {latency(present)}); "
          f"{s.reruns / r['elapsed']:.1f} reruns/s; server CPU {per_rerun:.1f} ms/rerun "
          f"({100 * r['cpu'] / r['elapsed']:.0f} % of a core); memory {before:.0f} -> peak {r['peak']:.0f} "
          f"-> after close {r['after']:.0f} MB; machine load {r['load']:.1f}, "
          f"the workers' own CPU {100 * r['own'] / r['elapsed']:.0f} % of a core"
          + (f"; {len(s.errors)} errors" if s.errors else ""), flush=True)
    for e in sorted(set(s.errors))[:3]:
        print(f"      error: {e}")


async def main_async(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    tmp.chmod(0o755)                  # nginx's workers (nobody when started by root) read its files
    servers = Servers(args.procs, args.gc, tmp)
    try:
        for port in servers.ports:                     # warm each process's caches and imports
            await one_by_one(servers, 2, f"ws://{HOST}:{port}/_stcore/stream")
        report_one_by_one(await one_by_one(servers, args.sessions), args.sessions)
        await asyncio.sleep(SESSION_TTL + 6)
        think = (args.think_min, args.think_max)
        gc_text = {"true": "on", "false": "off"}.get(args.gc, "as in .streamlit/config.toml")
        print(f"{args.procs} app process(es){' behind nginx (TLS)' if args.procs > 1 else ''}; "
              f"postScriptGC {gc_text}; {args.duration:.0f} s per wave, {think[0]:g}-{think[1]:g} s between actions")
        for users in args.users:
            for n in range(1, args.waves + 1):
                before = rss_mb(servers.pids)
                r = await wave(servers, users, args.duration, think, min(args.ramp, users * 0.1))
                report(users, n, r, before)
    finally:
        servers.close()
        shutil.rmtree(tmp, ignore_errors=True)


async def one_by_one(servers: Servers, sessions: int, uri: str | None = None) -> dict[str, list[float]]:
    """``sessions`` whole sessions of one worker, one click at a time with no pause: the server's
    CPU seconds of each run by kind (page load, a form click, a click with the result shown)."""
    cpu: dict[str, list[float]] = {"load": [], "form": [], "result": []}
    stats = Stats()
    for _ in range(sessions):
        async with websockets.connect(uri or servers.uri, subprotocols=["streamlit"],
                                      ssl=None if uri else servers.context, additional_headers=servers.headers_fn(),
                                      max_size=None, open_timeout=60, ping_interval=None) as ws:
            w = Worker(ws, stats)
            before = cpu_seconds(servers.pids)
            await w.run()
            cpu["load"].append(cpu_seconds(servers.pids) - before)
            for i, (key, kind, value) in enumerate(FORM + AFTER):
                trigger = w.answer(key, kind, value)
                before = cpu_seconds(servers.pids)
                await w.run(trigger)
                cpu["form" if i < len(FORM) - 1 else "result"].append(cpu_seconds(servers.pids) - before)
    if stats.errors:
        raise RuntimeError(f"the self-check failed for one worker: {stats.errors[0]}")
    return cpu


def report_one_by_one(cpu: dict[str, list[float]], sessions: int) -> None:
    """Mean CPU per kind of run (the clock of /proc is 10 ms, so one run alone is not measurable;
    the mean over many is), and the median run of a recorded session (1 load, 10 form clicks,
    7 with the result)."""
    means = {k: statistics.fmean(v) for k, v in cpu.items()}
    session = [means["load"]] + [means["form"]] * (len(FORM) - 1) + [means["result"]] * (len(AFTER) + 1)
    print(f"server CPU per rerun, one worker at a time ({sessions} sessions): page load {ms(means['load'])}, "
          f"form click {1000 * means['form']:.1f} ms, click with the result shown {1000 * means['result']:.1f} ms; "
          f"median over a session's runs {1000 * statistics.median(session):.1f} ms (goal <= 15 ms)", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=lambda v: [int(x) for x in v.split(",")], default=[50, 100, 200],
                    help="comma-separated numbers of simulated workers (default 50,100,200)")
    ap.add_argument("--procs", type=int, default=1, help="app processes; more than 1 puts nginx in front")
    ap.add_argument("--waves", type=int, default=2, help="waves per N (memory should not grow between them)")
    ap.add_argument("--duration", type=float, default=40, help="seconds per wave")
    ap.add_argument("--ramp", type=float, default=10, help="seconds over which a wave's workers arrive")
    ap.add_argument("--think-min", type=float, default=2)
    ap.add_argument("--think-max", type=float, default=8)
    ap.add_argument("--sessions", type=int, default=10,
                    help="sessions of one worker at a time for the CPU per rerun (default 10)")
    ap.add_argument("--gc", choices=["true", "false"], default=None,
                    help="override runner.postScriptGC (default: the project's setting)")
    args = ap.parse_args(argv)
    if not all(1 <= u <= 2000 for u in args.users) or not 1 <= args.waves <= 10 or not 1 <= args.procs <= 16:
        ap.error("users 1..2000, waves 1..10, procs 1..16")
    if not 1 <= args.duration <= 3600 or not 1 <= args.sessions <= 200:
        ap.error("duration 1..3600 s, sessions 1..200")
    if args.procs > 1 and multi.find_nginx() is None:
        ap.error("--procs > 1 needs nginx (apt-get install nginx-light)")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
