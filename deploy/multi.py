"""Several app processes behind one nginx address (used by deploy/run-multi.sh, the load
benchmark and tests/test_deploy_nginx.py).

    python deploy/multi.py --procs 2 --listen 8080 --tls-listen 8443 --cert C --key K

starts N ``streamlit run serve.py`` processes (streamlit_app.py's pages plus the routes of the
session cookie, core/web_auth.py) on 127.0.0.1 ports (first-port, +1, ...),
all on the same database (DATABASE_URL or SHAOXING_DB_PATH from the environment) and the same
cookie secret, renders deploy/nginx.conf.template into a run directory and starts Debian's nginx
in front of them, in the foreground, until interrupted. Each browser stays on one process
(nginx sets a random ``stsrv`` cookie on the first answer and hashes on it), as Streamlit keeps a
session's state in the process that holds its websocket.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
LOG = logging.getLogger("deploy")


def find_nginx() -> str | None:
    """Debian's nginx binary (nginx-light / nginx), or None."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def inline_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts of the installed Streamlit's index.html, so the policy
    allows exactly those (computed at start, so a Streamlit upgrade needs no edit here)."""
    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    return ["'sha256-%s'" % base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in bodies]


def render_nginx(app_ports: list[int], listen: int, tls_listen: int, cert: str, key: str,
                 run_dir: Path, address: str = "127.0.0.1", server_name: str = "_") -> str:
    """deploy/nginx.conf.template with its placeholders filled in."""
    values = {
        "RUN_DIR": str(run_dir),
        "UPSTREAMS": "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in app_ports),
        "LISTEN": f"{address}:{listen}",
        "TLS_LISTEN": f"{address}:{tls_listen}",
        "TLS_PORT": str(tls_listen),
        "SERVER_NAME": server_name,
        "CERT": cert,
        "KEY": key,
        "SCRIPT_HASHES": " ".join(inline_script_hashes()),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"unfilled placeholders in {TEMPLATE.name}: {left}")
    return text


def app_command(port: int, extra: list[str] = ()) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *extra]


def start_apps(ports: list[int], env: dict, log_dir: Path, extra: list[str] = ()) -> list[subprocess.Popen]:
    """One app process per port, sharing ``env`` (database, id key, cookie secret)."""
    env = dict(env)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))   # the same in every process
    # every connection comes from nginx on this machine: its X-Forwarded-For names the visitor, for
    # the login limits per address and the audit log (else one visitor's failed logins lock out all)
    env.setdefault("SHAOXING_TRUSTED_PROXIES", "127.0.0.1,::1")
    env["PYTHONUNBUFFERED"] = "1"
    procs = []
    for port in ports:
        log = open(log_dir / f"app-{port}.log", "w")
        procs.append(subprocess.Popen(app_command(port, extra), cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT))
    return procs


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 90, context=None) -> None:
    """Until ``url`` + /_stcore/health answers ok (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=context) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process serving {url} ended with {proc.returncode}")
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def start_nginx(conf: str, run_dir: Path, nginx: str | None = None) -> subprocess.Popen:
    """nginx in the foreground with ``conf`` (written to run_dir/nginx.conf); its logs in run_dir."""
    nginx = nginx or find_nginx()
    if nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    (run_dir / "tmp").mkdir(parents=True, exist_ok=True)
    path = run_dir / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    check = subprocess.run([nginx, "-t", "-q", "-p", str(run_dir), "-c", str(path), "-e", str(run_dir / "error.log")],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError("nginx refused the configuration:\n" + check.stderr)
    return subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(path), "-e", str(run_dir / "error.log"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 2, help="app processes (default: one per core)")
    ap.add_argument("--first-port", type=int, default=8601, help="port of the first app process (127.0.0.1)")
    ap.add_argument("--listen", type=int, default=8080, help="plain-HTTP port of nginx (redirects to TLS)")
    ap.add_argument("--tls-listen", type=int, default=8443, help="TLS port of nginx")
    ap.add_argument("--address", default="0.0.0.0", help="address nginx listens on")
    ap.add_argument("--server-name", default="_")
    ap.add_argument("--cert", required=True, help="TLS certificate (PEM, full chain)")
    ap.add_argument("--key", required=True, help="its private key (PEM)")
    ap.add_argument("--run-dir", default=str(ROOT / "var" / "nginx"), help="nginx's configuration, logs, temp files")
    args = ap.parse_args(argv)
    if not 1 <= args.procs <= 64:
        ap.error("--procs must be 1..64")
    run_dir = Path(args.run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    ports = [args.first_port + i for i in range(args.procs)]
    apps = start_apps(ports, dict(os.environ), run_dir)
    procs = list(apps)
    try:
        for port, proc in zip(ports, apps):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        conf = render_nginx(ports, args.listen, args.tls_listen, str(Path(args.cert).resolve()),
                            str(Path(args.key).resolve()), run_dir, args.address, args.server_name)
        nginx = start_nginx(conf, run_dir)
        procs.append(nginx)
        LOG.info("%d app processes on ports %s behind https://%s:%d (logs in %s)",
                 len(ports), ports, args.address, args.tls_listen, run_dir)
        stopping: list[int] = []
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(1)
        if stopping:
            return 0
        LOG.error("a process ended; stopping the others")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(procs)


if __name__ == "__main__":
    sys.exit(main())
