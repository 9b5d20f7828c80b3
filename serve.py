"""The app's server: ``streamlit run serve.py`` (deploy/multi.py starts each process so).

Streamlit's own server plus the two routes that carry a sign-in across page loads
(core/web_auth.py: /_auth/session sets the HttpOnly session cookie, /_auth/logout clears it),
through Streamlit's public ``st.App(script, routes=...)``. The pages are streamlit_app.py's, as
with ``streamlit run streamlit_app.py``, which still works but keeps a sign-in only as long as
the browser tab.
"""
import streamlit as st

from core.web_auth import routes

app = st.App("streamlit_app.py", routes=routes())
