"""The signed-in session as the pages see it (core.db.sessions, core.web_auth): the cookie's token,
sending the browser through /_auth/session after a sign-in and /_auth/logout after a logout, and
the officer's unsaved roster that survives a reload."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import streamlit as st

from core import web_auth
from core.db.sessions import COOKIE

log = logging.getLogger("shaoxing.pages")
_warned = False


def session_token() -> str | None:
    """The session cookie this tab's connection was opened with, when the server sets cookies."""
    if not web_auth.installed():
        return None
    try:
        value = (st.context.cookies or {}).get(COOKIE)
    except Exception:  # no request context (unit tests)
        return None
    return value if isinstance(value, str) and value else None


def send_browser(url: str) -> None:
    """Send the browser to ``url`` of this site as a full page load (where an HTTP answer can set
    or clear the cookie). Streamlit's st.login uses the same message (``auth_redirect``); a
    link stays on screen in case the browser does not follow."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from pages._common import ui_text

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)
    st.info(ui_text_account("signing_in"))
    st.markdown(f"[{ui_text_account('continue')}]({url})")
    st.stop()


def ui_text_account(key: str, **fmt) -> str:
    from core.i18n import t
    from pages._common import lang

    return t(f"account.{key}", lang(), **fmt)


def after_sign_in(code: str, page_path: str | None) -> None:
    """Once the password is right: through /_auth/session (the cookie) to ``page_path``
    ("pages/roster.py"), or straight there when the server has no such route."""
    global _warned
    if web_auth.installed():
        next_path = "/" + page_path.rsplit("/", 1)[-1].removesuffix(".py") if page_path else "/"
        send_browser(web_auth.session_url(code, next_path))
    if not _warned:
        log.warning("started without serve.py: a sign-in lasts as long as the browser tab")
        _warned = True
    if page_path:
        st.switch_page(page_path)
    st.rerun()


def after_logout() -> None:
    """Once the session is ended in the database: clear the cookie through /_auth/logout."""
    if web_auth.installed():
        send_browser(web_auth.logout_url("/login"))


# ----------------------------------------------------------------------------------------------
# the officer's unsaved roster

_CHECKED, _RESTORED, _KEPT = "_draft_checked", "_draft_restored", "_draft_kept"


@dataclass
class RestoredUpload:
    """An upload taken back from the session (what load_roster reads of st.file_uploader's file)."""
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


def restore_unsaved() -> None:
    """Before the page's widgets: on the first run of a reloaded tab, the officer's unsaved roster
    of this session (core.db.sessions.load_draft) and the day of the check it was read for."""
    token = session_token()
    if token is None or _CHECKED in st.session_state:
        return
    st.session_state[_CHECKED] = True
    from core.db import sessions

    try:
        draft = sessions.load_draft(token)
    except Exception:       # keeping the draft is a convenience: the page goes on without it
        log.exception("the unsaved roster could not be restored")
        return
    if draft is not None:
        name, data, meta = draft
        st.session_state[_RESTORED] = RestoredUpload(name, data)
        if meta.get("as_of"):
            st.session_state["as_of"] = dt.date.fromisoformat(meta["as_of"])


def keep_unsaved(uploaded):
    """After the uploader: a new upload is kept for this session (encrypted under the cookie's
    token, core.db.sessions.save_draft) so that it survives a reload; with nothing uploaded, the
    roster restored after a reload stands in for it."""
    token = session_token()
    if token is None:
        return uploaded
    from core.db import sessions

    try:
        if uploaded is not None:
            st.session_state.pop(_RESTORED, None)
            key = (uploaded.name, getattr(uploaded, "file_id", None) or len(uploaded.getvalue()))
            if st.session_state.get(_KEPT) != key:
                as_of = st.session_state.get("as_of")
                sessions.save_draft(token, uploaded.name, uploaded.getvalue(),
                                    {"as_of": as_of.isoformat() if isinstance(as_of, dt.date) else None})
                st.session_state[_KEPT] = key
            return uploaded
        restored = st.session_state.get(_RESTORED)
        if restored is not None:
            from pages._common import plain

            st.caption(ui_text_account("restored", name=plain(restored.name)))
            return restored
        if st.session_state.pop(_KEPT, None) is not None:        # the officer removed the file
            sessions.clear_draft(token)
    except Exception:       # keeping the draft is a convenience: the page goes on without it
        log.exception("the unsaved roster could not be kept")
    return uploaded


def drop_unsaved() -> None:
    """The result was saved: nothing unsaved is left to restore."""
    token = session_token()
    if token is not None:
        from core.db import sessions

        sessions.clear_draft(token)
        st.session_state.pop(_KEPT, None)
