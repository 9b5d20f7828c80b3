"""Behind nginx every connection to an app process comes from 127.0.0.1: unless the app believes
nginx's X-Forwarded-For, every visitor has the same address, and one visitor's failed logins
(core.db.throttle: 20 in 15 minutes per address) lock every officer out. deploy/multi.py starts
the app processes trusting the local proxy."""
from __future__ import annotations

import subprocess
import sys

from core.db import throttle
from core.paths import ROOT

sys.path.insert(0, str(ROOT / "deploy"))
import multi  # noqa: E402  (deploy/multi.py)


def _started_env(monkeypatch, tmp_path, env: dict) -> dict:
    seen = []

    class Fake:
        def __init__(self, cmd, cwd=None, env=None, stdout=None, stderr=None):
            seen.append(env)

    monkeypatch.setattr(subprocess, "Popen", Fake)
    multi.start_apps([8601], env, tmp_path)
    return seen[0]


def test_the_app_processes_behind_nginx_tell_visitors_apart(monkeypatch, tmp_path):
    monkeypatch.delenv("SHAOXING_TRUSTED_PROXIES", raising=False)
    env = _started_env(monkeypatch, tmp_path, {})
    assert throttle.client_address("127.0.0.1", "203.0.113.9") == "127.0.0.1"   # what an app believes without it
    monkeypatch.setenv("SHAOXING_TRUSTED_PROXIES", env.get("SHAOXING_TRUSTED_PROXIES", ""))
    # nginx appends the address it saw; what the client wrote before it is not believed
    assert throttle.client_address("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert throttle.client_address("127.0.0.1", "10.9.9.9, 198.51.100.7") == "198.51.100.7"
    assert throttle.client_address("::1", "2001:db8::5") == "2001:db8::5"


def test_a_proxy_list_the_operator_set_is_kept(monkeypatch, tmp_path):
    env = _started_env(monkeypatch, tmp_path, {"SHAOXING_TRUSTED_PROXIES": "10.0.0.0/8"})
    assert env["SHAOXING_TRUSTED_PROXIES"] == "10.0.0.0/8"
