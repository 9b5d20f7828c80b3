"""The largest websocket message a client may send the app server (serve.py applies it).

Streamlit hands uvicorn ``ws_max_size = server.maxMessageSize`` (200 MB): uvicorn's websocket
parser (the ``websockets`` package) then takes any client message up to 200 MB into memory
before Streamlit looks at it. Streamlit's own check of a client message (``server.
maxWidgetStateSize``, 25 MB) runs only on the whole message, already buffered. Measured
(benchmarks/bench_ws_limit.py, docs/DATA_PROTECTION.md): one 150 MB message raised the
server's RSS by about 270 MB, four at once by about 650 MB, from anyone who opens the public
self-check.

The cap here is for what comes IN: uvicorn's parser refuses a frame whose declared length is
over it (or a fragmented message that grows over it) as soon as it reads the frame's header,
and closes the connection with 1009, so the message is never held in memory. What the server
SENDS (a roster's table in st.dataframe) is capped by Streamlit's ``server.maxMessageSize``
in its own code, which stays as it is.

A browser sends small messages: widget values on each rerun (the longest is a text area's
content; the notes take 2,000 characters, about 12 KB for two), never a file (uploads go over
HTTP). The whole self-check in Chromium sent 1,268 bytes at most (tests/e2e/test_ws_limit_e2e.py):
8 MB leaves a margin of over 600 times the notes and thousands of times the self-check.
``SHAOXING_WS_MAX_MB`` sets another cap (1 to 200).

No streamlit import here (core/): serve.py passes Streamlit's server module in.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any

log = logging.getLogger("shaoxing.ws_limit")

DEFAULT_MB = 8
ENV = "SHAOXING_WS_MAX_MB"
MB = 1024 * 1024
KWARGS_FUNCTION = "_get_uvicorn_config_kwargs"      # Streamlit 1.67, starlette_server.py


def incoming_cap_bytes(environ: dict | None = None) -> int:
    """The cap in bytes: ``SHAOXING_WS_MAX_MB`` when it is a whole number from 1 to 200, else
    8 MB (a bad value is logged and ignored)."""
    raw = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not raw:
        return DEFAULT_MB * MB
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 200:
        log.warning("%s=%r is not a whole number of MB from 1 to 200; using %s MB", ENV, raw, DEFAULT_MB)
        return DEFAULT_MB * MB
    return value * MB


def capped(current: Any, cap: int) -> int:
    """The smaller of the configured size and the cap (None, no limit, becomes the cap)."""
    return cap if not isinstance(current, int) or current <= 0 else min(current, cap)


def config_on_stack(config_type: type, depth: int = 80, frame=None) -> Any | None:
    """The ``config_type`` object (uvicorn.Config) held by a caller's frame, or None.

    ``streamlit run serve.py`` hands uvicorn the import string ``serve:app``; uvicorn builds
    its Config (with Streamlit's ws_max_size) first and imports serve.py from ``Config.load``,
    so while serve.py runs, that Config is ``self`` in a frame below. uvicorn reads
    ``config.ws_max_size`` for each new websocket connection, so changing it then applies to
    every connection."""
    frame = sys._getframe(1) if frame is None else frame
    for _ in range(depth):
        if frame is None:
            return None
        for value in frame.f_locals.values():
            if isinstance(value, config_type):
                return value
        frame = frame.f_back
    return None


def cap_config(config: Any, cap: int) -> bool:
    """Lower ``config.ws_max_size`` to ``cap``; False (and a warning) when it has no such field."""
    if not hasattr(config, "ws_max_size"):
        log.warning("the server's configuration has no ws_max_size; websocket messages are not capped here")
        return False
    config.ws_max_size = capped(config.ws_max_size, cap)
    return True


def wrap_kwargs_function(module: Any, cap: int, name: str = KWARGS_FUNCTION) -> bool:
    """Wrap ``module.<name>`` (Streamlit's function that returns uvicorn's Config kwargs) so a
    Config built after this gets ``ws_max_size`` capped too. A module without that function (a
    Streamlit that renamed it) is logged as a warning and left alone; the server still starts."""
    original = getattr(module, name, None) if module is not None else None
    if not callable(original):
        log.warning("Streamlit's %s was not found (renamed in this Streamlit version?); "
                    "the websocket cap is not applied through it", name)
        return False
    if getattr(original, "_ws_cap", None) is not None:     # already wrapped: keep one wrapper
        original = original.__wrapped__

    def with_cap(*args, **kwargs):
        kw = original(*args, **kwargs)
        if isinstance(kw, dict):
            kw["ws_max_size"] = capped(kw.get("ws_max_size"), cap)
        return kw

    with_cap.__wrapped__ = original
    with_cap._ws_cap = cap
    setattr(module, name, with_cap)
    return True


def install(server_module: Any, config_type: type | None = None, cap: int | None = None,
            frame=None) -> dict:
    """Cap incoming websocket messages for this server process: the uvicorn Config that is
    loading this app (found on the stack) and any Config Streamlit's server module builds later.
    Never raises: what could not be done is logged. Returns what was done (for the log/tests)."""
    cap = incoming_cap_bytes() if cap is None else cap
    done = {"cap": cap, "running_config": False, "kwargs_function": False}
    try:
        if config_type is None:
            from uvicorn import Config as config_type
        config = config_on_stack(config_type, frame=frame if frame is not None else sys._getframe(1))
        if config is not None:
            done["running_config"] = cap_config(config, cap)
    except Exception:       # an internal that moved: the server starts uncapped, the log says so
        log.warning("could not cap the running server's websocket messages", exc_info=True)
    try:
        done["kwargs_function"] = wrap_kwargs_function(server_module, cap)
    except Exception:
        log.warning("could not wrap Streamlit's server configuration", exc_info=True)
    if done["running_config"]:
        log.info("websocket messages from clients capped at %.1f MB", cap / MB)
    elif done["kwargs_function"]:
        log.warning("the running server's configuration was not found; websocket messages are capped "
                    "only if Streamlit builds its server after this")
    else:
        log.warning("websocket messages from clients are NOT capped (up to Streamlit's server.maxMessageSize)")
    return done
