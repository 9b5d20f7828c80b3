"""The app's server: ``streamlit run serve.py`` (deploy/multi.py starts each process so).

Streamlit's own server plus the two routes that carry a sign-in across page loads
(core/web_auth.py: /_auth/session sets the HttpOnly session cookie, /_auth/logout clears it),
through Streamlit's public ``st.App(script, routes=...)``. The pages are streamlit_app.py's, as
with ``streamlit run streamlit_app.py``, which still works but keeps a sign-in only as long as
the browser tab.

Before the app is built, the websocket messages a client may send are capped (core/ws_limit.py,
8 MB; ``SHAOXING_WS_MAX_MB``): uvicorn loads this file while its configuration, with
Streamlit's 200 MB, is being set up, and that configuration is lowered for incoming messages
only. What the server sends keeps Streamlit's ``server.maxMessageSize``.
"""
import logging

import streamlit as st

from core import ws_limit
from core.web_auth import routes


def _streamlit_server_module():
    """Streamlit's uvicorn server module (1.67); None, with a warning, if a Streamlit upgrade moved it."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        logging.getLogger("shaoxing.ws_limit").warning("streamlit.web.server.starlette.starlette_server is gone")
        return None
    return starlette_server


ws_limit.install(_streamlit_server_module())
app = st.App("streamlit_app.py", routes=routes())
