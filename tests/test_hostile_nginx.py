"""nginx in front of the app (deploy/nginx.conf.template) against one client sending uploads:
a body larger than the app takes is refused by nginx itself (not buffered to its disk and passed
on), and one address cannot send upload after upload without pause. Skips where nginx is absent
(as tests/test_deploy_nginx.py, whose stack it uses)."""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

from pages._common import MAX_UPLOAD_MB
from tests.test_deploy_nginx import _insecure, stack  # noqa: F401  (fixture)


def _put(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="PUT",
                                     headers={"Content-Type": "multipart/form-data; boundary=x"})
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=_insecure()))
    try:
        with opener.open(request, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:         # nginx may close the connection while the body is still being sent
        return 413          # (what it did is in its log, checked below)


def _upstreams(log, path: str) -> list[str]:
    return re.findall(rf'"PUT {re.escape(path)}[^"]*" \d+ \d+ upstream=(\S+)', log.read_text())


def test_a_body_larger_than_the_app_takes_is_refused_by_nginx(stack):
    path = "/_stcore/upload_file/no-session/too-large"
    status = _put(f"https://127.0.0.1:{stack['https']}{path}", b"x" * ((MAX_UPLOAD_MB + 8) << 20))
    assert status == 413, status
    # nginx writes the request's log line when it has closed the connection, which it may do
    # some seconds after answering (it reads what the client still sends: lingering close)
    deadline = time.monotonic() + 60
    while not _upstreams(stack["log"], path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _upstreams(stack["log"], path) == ["-"], stack["log"].read_text()[-2000:]   # no app process saw it


def test_one_address_cannot_send_uploads_without_pause(stack):
    path = "/_stcore/upload_file/no-session/burst"
    statuses = [_put(f"https://127.0.0.1:{stack['https']}{path}", b"--x--\r\n") for _ in range(60)]
    assert 429 in statuses                                 # nginx's rate limit
    assert statuses[0] != 429                              # the first ones pass (to the app, which refuses them)
