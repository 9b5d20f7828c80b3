"""core/ws_limit.py: the cap on websocket messages from clients, and its guards against a
Streamlit or uvicorn that moved what it wraps (the server must still start). The server itself
under oversized messages: tests/e2e/test_ws_limit_e2e.py."""
from __future__ import annotations

import logging
import sys
import types

import pytest
import uvicorn

from core import ws_limit
from core.ws_limit import MB


def test_the_cap_is_8_mb_unless_set_and_a_bad_setting_is_logged_and_ignored(caplog):
    assert ws_limit.incoming_cap_bytes({}) == 8 * MB
    assert ws_limit.incoming_cap_bytes({"SHAOXING_WS_MAX_MB": " 4 "}) == 4 * MB
    assert ws_limit.incoming_cap_bytes({"SHAOXING_WS_MAX_MB": "200"}) == 200 * MB
    for bad in ("0", "201", "-3", "eight", "1.5"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="shaoxing.ws_limit"):
            assert ws_limit.incoming_cap_bytes({"SHAOXING_WS_MAX_MB": bad}) == 8 * MB
        assert "SHAOXING_WS_MAX_MB" in caplog.text


def test_capped_never_raises_a_smaller_limit_and_gives_no_limit_the_cap():
    assert ws_limit.capped(200 * MB, 8 * MB) == 8 * MB
    assert ws_limit.capped(1 * MB, 8 * MB) == 1 * MB
    assert ws_limit.capped(None, 8 * MB) == 8 * MB
    assert ws_limit.capped(0, 8 * MB) == 8 * MB


def test_the_config_is_found_in_a_calling_frame_and_lowered():
    def loader():
        config = uvicorn.Config(app="x:app", ws_max_size=200 * MB)      # noqa: F841 - found on the stack
        return inner()

    def inner():
        return ws_limit.config_on_stack(uvicorn.Config)

    assert ws_limit.config_on_stack(uvicorn.Config) is None      # none on this test's stack yet
    found = loader()
    assert isinstance(found, uvicorn.Config)
    assert ws_limit.cap_config(found, 8 * MB) and found.ws_max_size == 8 * MB


def test_an_app_module_imported_by_uvicorn_caps_the_config_that_loads_it(tmp_path, monkeypatch):
    """As `streamlit run serve.py` does: uvicorn's Config (Streamlit's 200 MB) imports the app's
    module from Config.load_app; the module's install() lowers that very Config."""
    (tmp_path / "ws_cap_probe_app.py").write_text(
        "from core import ws_limit\nDONE = ws_limit.install(None)\napp = object()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SHAOXING_WS_MAX_MB", raising=False)
    config = uvicorn.Config(app="ws_cap_probe_app:app", ws_max_size=200 * MB)
    try:
        config.load_app()
        assert sys.modules["ws_cap_probe_app"].DONE["running_config"] is True
    finally:
        sys.modules.pop("ws_cap_probe_app", None)
    assert config.ws_max_size == 8 * MB
    assert config.ws_max_size < 200 * MB


def test_the_kwargs_function_is_wrapped_once_and_keeps_the_other_settings():
    module = types.SimpleNamespace(_get_uvicorn_config_kwargs=lambda: {"ws_max_size": 200 * MB, "ws": "x"})
    assert ws_limit.wrap_kwargs_function(module, 8 * MB)
    assert module._get_uvicorn_config_kwargs() == {"ws_max_size": 8 * MB, "ws": "x"}
    assert ws_limit.wrap_kwargs_function(module, 4 * MB)           # again: one wrapper, the new cap
    assert module._get_uvicorn_config_kwargs.__wrapped__.__name__ == "<lambda>"
    assert module._get_uvicorn_config_kwargs()["ws_max_size"] == 4 * MB


def test_a_streamlit_that_renamed_the_function_is_logged_and_install_does_not_raise(caplog):
    renamed = types.SimpleNamespace(_uvicorn_kwargs=lambda: {})
    with caplog.at_level(logging.WARNING, logger="shaoxing.ws_limit"):
        assert ws_limit.wrap_kwargs_function(renamed, 8 * MB) is False
        done = ws_limit.install(renamed, cap=8 * MB)
    assert done == {"cap": 8 * MB, "running_config": False, "kwargs_function": False}
    assert "_get_uvicorn_config_kwargs was not found" in caplog.text
    assert "NOT capped" in caplog.text
    caplog.clear()

    class Broken:                       # an internal that raises when touched
        def __getattr__(self, name):
            raise RuntimeError("moved")

    with caplog.at_level(logging.WARNING, logger="shaoxing.ws_limit"):
        done = ws_limit.install(Broken(), cap=8 * MB)
    assert done["kwargs_function"] is False and "could not wrap" in caplog.text


def test_a_config_without_ws_max_size_is_logged_not_fatal(caplog):
    class OtherConfig:
        pass

    def loader():
        config = OtherConfig()          # noqa: F841
        return ws_limit.install(None, config_type=OtherConfig, cap=8 * MB)

    with caplog.at_level(logging.WARNING, logger="shaoxing.ws_limit"):
        done = loader()
    assert done["running_config"] is False and "no ws_max_size" in caplog.text


def test_streamlits_own_kwargs_get_the_cap_and_keep_the_outgoing_limit(monkeypatch):
    """The Streamlit pinned in requirements.txt still has the wrapped function (a rename makes
    this fail here, and only a warning in the server); what it returns is capped, while
    server.maxMessageSize, which caps what the server sends, is left as it is."""
    starlette_server = pytest.importorskip("streamlit.web.server.starlette.starlette_server")
    from streamlit import config
    from streamlit.runtime.runtime_util import get_max_message_size_bytes

    monkeypatch.setattr(starlette_server, "_get_uvicorn_config_kwargs", starlette_server._get_uvicorn_config_kwargs)
    assert starlette_server._get_uvicorn_config_kwargs()["ws_max_size"] == get_max_message_size_bytes()
    assert ws_limit.wrap_kwargs_function(starlette_server, 8 * MB)
    assert starlette_server._get_uvicorn_config_kwargs()["ws_max_size"] == 8 * MB
    assert config.get_option("server.maxMessageSize") == 200
    assert get_max_message_size_bytes() == 200 * 10**6


def test_the_cap_bounds_what_comes_in_not_what_the_server_sends():
    """uvicorn hands ws_max_size to the websockets parser as its max_size: a server protocol so
    capped still sends a 20 MB message (a roster's table), and refuses a 20 MB frame from the
    client at its header, before any of its payload."""
    from websockets.exceptions import PayloadTooBig
    from websockets.frames import Close, CloseCode
    from websockets.server import ServerProtocol

    protocol = ServerProtocol(max_size=8 * MB)
    protocol.receive_data(b"GET /_stcore/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          b"Sec-WebSocket-Version: 13\r\n\r\n")
    protocol.send_response(protocol.accept(protocol.events_received()[0]))
    assert protocol.data_to_send()[0].startswith(b"HTTP/1.1 101")
    protocol.send_binary(b"x" * (20 * MB))
    assert sum(len(chunk) for chunk in protocol.data_to_send()) > 20 * MB
    header = bytes([0x82, 0x80 | 127]) + (20 * MB).to_bytes(8, "big") + b"\0\0\0\0"
    protocol.receive_data(header)                     # the header alone, no payload yet
    assert isinstance(protocol.parser_exc, PayloadTooBig)
    sent = b"".join(protocol.data_to_send())
    assert sent[0] == 0x88 and Close.parse(sent[2:]).code == CloseCode.MESSAGE_TOO_BIG
