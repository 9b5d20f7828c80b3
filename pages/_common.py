"""Helpers shared by the Streamlit pages: text lookup, the page boundary, the signed-in user and
the role check of every page, the day of the check, the roster read once per file content and
what the database keeps. The page registry and the roles are in ``pages/_registry.py``, the
roster's tables as shown in ``pages/_roster_tables.py``. The functions that touch Streamlit
(``ui_text``, ``current_user``, ``require_role``) read session state only.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import streamlit as st

from core import i18n
from pages._registry import has_role, user_role  # noqa: F401  (user_role: the pages import it from here)

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "pages"

MAX_UPLOAD_MB = 50            # the upload limit shown to officers and enforced by the uploader

STATUS_COLORS = {"eligible": "green", "not_eligible": "red", "unknown": "orange", "error": "violet"}

log = logging.getLogger("shaoxing.pages")


def _through_the_apps_navigation() -> None:
    """Streamlit treats an app with a ``pages/`` folder as an old-style multipage app until
    streamlit_app.py has once called ``st.navigation`` in the server process. A deep link (a
    bookmarked /roster) opened first after a server start would run that page alone, under a menu
    of every file in pages/. The first page run of the process (this module is imported once)
    switches that mode off and reruns the same page through streamlit_app.py's navigation, which
    finds it by the same URL path. Tested end to end (tests/e2e, a deep link on a fresh server)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx(suppress_warning=True) is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


_through_the_apps_navigation()


# ----------------------------------------------------------------------------------------------
# confirmations that survive the rerun after a change (so the tables above are fresh)

_NOTICE = "_notice"


def done(message: str, clear: Iterable[str] = ()) -> None:
    """Confirm a change and rerun the page: the message shows at the top of the next run, and the
    widgets ``clear`` start empty (a form that keeps its input until it is saved)."""
    for key in clear:
        st.session_state.pop(key, None)
    st.session_state[_NOTICE] = message
    st.rerun()


def show_notice() -> None:
    """The confirmation of the change made on the previous run, once."""
    if _NOTICE in st.session_state:
        st.success(plain(st.session_state.pop(_NOTICE)))


# ----------------------------------------------------------------------------------------------
# the page boundary: no exception reaches the screen, no user text is read as Markdown

def guarded(fn, *args, where: str | None = None, **kwargs):
    """``fn(*args, **kwargs)``, or None after a failure: one sentence of the catalog on screen,
    the details (a stack trace, SQL and its parameters) in the server log only. Streamlit's own
    control flow (st.stop, st.rerun, st.switch_page) is not an Exception and passes through."""
    try:
        return fn(*args, **kwargs)
    except Exception:
        log.exception("%s failed", where or getattr(fn, "__name__", fn))
        st.error(ui_text("common.internal_error"), icon=":material/error:")
        return None


def run_page(page) -> None:
    """Run a page (``st.navigation``'s ``page.run``) inside ``guarded``: the app's page boundary."""
    guarded(page.run, where=f"page {getattr(page, 'url_path', None) or getattr(page, 'title', page)}")


# every ASCII character Markdown or Streamlit's directives (:red[…], :material/…:, $…$) may read
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|:$<>~=&\"'])")


def plain(text) -> str:
    """Text typed by a user (a name, an employer, a file's header or cell quoted in a message),
    made safe for an element that reads Markdown (st.error, st.caption, st.table…): each ASCII
    punctuation character escaped, so ``![x](http://…)`` is shown as typed, never loaded or
    linked. Text that has no Markdown looks the same either way."""
    if text is None:
        return ""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", "  \n")


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for st.table (which reads Markdown in its cells): every text cell ``plain``."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].map(lambda v: plain(v) if isinstance(v, str) else v)
    return out


def client_ip() -> str | None:
    """The visitor's address for the audit log and the login limits: the connection's, or behind
    a trusted reverse proxy (SHAOXING_TRUSTED_PROXIES) the one it forwards (core.db.throttle)."""
    try:
        peer = getattr(st.context, "ip_address", None)
        forwarded = (st.context.headers or {}).get("X-Forwarded-For")
    except Exception:  # no request context (unit tests)
        return None
    from core.db.throttle import client_address

    return client_address(peer if isinstance(peer, str) else None, forwarded)


# ----------------------------------------------------------------------------------------------
# text

def lang() -> str:
    """The language chosen in the sidebar (Chinese unless the user switched)."""
    try:
        value = st.session_state.get("lang", i18n.DEFAULT_LANG)
    except Exception:  # outside a Streamlit run (unit tests)
        value = i18n.DEFAULT_LANG
    return value if value in i18n.LANGUAGES else i18n.DEFAULT_LANG


def ui_text(key: str, **fmt) -> str:
    """``core.i18n.t`` for this app's namespace: ``ui_text("roster.title")`` = ``t("ui.roster.title")``."""
    return i18n.t(f"ui.{key}", lang(), **fmt)


def officer_text(key: str, **fmt) -> str:
    """``core.i18n.t`` for the officers' namespace: ``officer_text("store_title")`` = ``t("officer.store_title")``."""
    return i18n.t(f"officer.{key}", lang(), **fmt)


def item_title(item: str) -> str:
    return ui_text(f"items.{item}")


def money(value) -> str:
    """Yuan with thousands separators: ``12,500 元``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return ui_text("money", amount=f"{int(round(float(value))):,}")


# ----------------------------------------------------------------------------------------------
# users and roles

def accounts_enabled() -> bool:
    """True once the accounts module (core/db) and the login page exist; until then officer
    pages are reachable without login (development and demonstration only)."""
    return (PAGES / "login.py").exists() and importlib.util.find_spec("core.db") is not None


def current_user():
    """The signed-in user (an object with .name, .role, .district) or None. With accounts, the
    session is checked by core.db.accounts (idle sessions expire, disabled accounts drop out)."""
    if accounts_enabled():
        from core.db.accounts import session_user
        from pages._session import session_token

        # the session is in the database: found again through the cookie after a reload
        return session_user(st.session_state, token=session_token())
    return st.session_state.get("user")


def logout() -> None:
    if accounts_enabled():
        from core.db.accounts import session_logout
        from pages._session import after_logout

        session_logout(st.session_state, ip=client_ip())
        after_logout()          # the cookie cleared through /_auth/logout (pages/_session.py)
    else:
        st.session_state.pop("user", None)


LOGIN_PAGE = "pages/login.py"
AFTER_LOGIN = "_after_login"


def _calling_page() -> str | None:
    """The page file whose run called ``require_role`` (``pages/roster.py``): the nearest caller
    that is a page of pages/ (not this module)."""
    import sys

    pages = PAGES.resolve()
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.parent == pages and not path.name.startswith("_"):
            return f"pages/{path.name}"
        frame = frame.f_back
    return None


def after_login_page() -> str | None:
    """The page a visitor was sent to sign in from (once), or None."""
    return st.session_state.pop(AFTER_LOGIN, None)


def require_role(*roles: str):
    """Stop the page with a clear message unless the signed-in user has one of ``roles``.

    Returns the user (None while accounts are not set up). The one place that decides access.
    """
    user = current_user()
    enabled = accounts_enabled()
    if has_role(user, roles, enabled):
        if not enabled:
            st.caption(ui_text("common.no_accounts"))
        return user
    if user is None:
        st.warning(ui_text("common.login_required"))
        if (ROOT / LOGIN_PAGE).exists():
            # back to this page once signed in (pages/login.py)
            st.session_state[AFTER_LOGIN] = _calling_page()
            st.page_link(LOGIN_PAGE, label=ui_text("nav.login"), icon=":material/login:")
    else:
        st.error(ui_text("common.forbidden"))
    st.stop()


def user_district(user) -> str | None:
    """The district a district officer is limited to; None for everyone else."""
    if user_role(user) == "district_officer":
        return getattr(user, "district", None) or None
    return None


def as_of() -> date | None:
    """The date the rules are applied on: today, unless a test or demonstration set
    ``st.session_state["as_of"]``."""
    value = st.session_state.get("as_of")
    return value if isinstance(value, date) else None


# ----------------------------------------------------------------------------------------------
# the roster: read once per file content

def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class LoadedRoster:
    """One uploaded file, read and evaluated once (kept in session state under its hash)."""

    digest: str
    filename: str
    result: object = None          # core.engine.RosterResult
    table: pd.DataFrame | None = None   # display_table(result.frame), prepared once
    error: str | None = None       # the reader's one-sentence reason when the file is unreadable
    seconds: float = 0.0
    downloads: dict = field(default_factory=dict)   # format -> bytes, made on first request
    data: bytes = b""              # the file as uploaded (kept for storing it)
    stored: str | None = None      # core.db's one-sentence report once the result is stored
    evaluated: object = None       # the engine's result before the database's view (what is stored)


def process_roster(data: bytes, filename: str, district: str | None = None, on_step=None,
                   standards: dict | None = None, view=None) -> LoadedRoster:
    """Read, evaluate and prepare the table of one file; ``on_step(fraction, text)`` reports progress.

    An unreadable file gives a LoadedRoster with ``error`` set (never an exception)."""
    import time

    from core.engine import evaluate_roster
    from core.reader import RosterReadError, read_roster_isolated

    step = on_step or (lambda fraction, text: None)
    loaded = LoadedRoster(content_hash(data), filename, data=data)
    start = time.perf_counter()
    step(0.05, ui_text("roster.reading"))
    try:
        raw = read_roster_isolated(data, filename)   # in a separate process: no file can stop the server
    except RosterReadError as exc:
        loaded.error = exc.text(lang())
        prefix = ui_text("roster.read_error", reason="")   # the page says "文件无法读取：" itself
        if prefix and loaded.error.startswith(prefix):
            loaded.error = loaded.error[len(prefix):]
        return loaded
    step(0.4, ui_text("roster.validating", rows=f"{len(raw.frame):,}"))
    loaded.result = evaluate_roster(raw, as_of=as_of(), standards=standards, only_district=district, lang=lang())
    if view is not None:       # e.g. the result as the database keeps it (load_roster)
        view(loaded)
    step(0.8, ui_text("roster.preparing"))
    from pages._roster_tables import display_table

    loaded.table = display_table(loaded.result.frame)
    loaded.seconds = time.perf_counter() - start
    step(1.0, ui_text("roster.done", rows=f"{len(loaded.table):,}", seconds=f"{loaded.seconds:.1f}"))
    return loaded


def _as_stored(user):
    """The step that shows a result as the database keeps it, for ``process_roster``."""
    def view(loaded: LoadedRoster) -> None:
        from core.db.uploads import as_stored

        stored = as_stored(loaded.result, user, loaded.data, lang(), ip=client_ip())
        loaded.evaluated, loaded.result, loaded.stored = loaded.result, stored.result, stored.message
    return view


def load_roster(uploaded, state_key: str, district: str | None = None, user=None) -> LoadedRoster:
    """The uploaded file read once: a rerun with the same content (same hash, same district
    limit, same language, same local standards) reuses the result kept in session state; a new
    file is read with a progress bar. For a user who can store uploads, the result is shown as
    the database keeps it (``core.db.uploads.as_stored``): what earlier uploads paid is not paid
    again, and a file already stored shows the result stored then, in any language."""
    data = uploaded.getvalue()
    digest = content_hash(data)
    standards = local_standards()
    key = f"{digest}:{district or ''}:{lang()}:{sorted(standards.items()) if standards else ''}:{as_of()}"
    kept = st.session_state.get(state_key)
    if kept is not None and kept[0] == key:
        return kept[1]
    bar = st.progress(0.0)
    loaded = process_roster(data, uploaded.name, district, on_step=lambda f, text: bar.progress(f, text=text),
                            standards=standards, view=_as_stored(user) if can_store(user) else None)
    bar.empty()
    st.session_state[state_key] = (key, loaded)
    return loaded


# ----------------------------------------------------------------------------------------------
# stored data (core.db), used only once accounts exist

def local_standards() -> dict | None:
    """The local standards an administrator entered (engine ``standards``), or None."""
    if not accounts_enabled():
        return None
    from core.db.targets import get_standards

    return get_standards() or None


def year_targets(year: int) -> dict | None:
    """The year's city targets: the notice's (2018) or an administrator's; None without accounts."""
    if not accounts_enabled():
        return None
    from core.db.targets import get_targets

    return get_targets(year)


def can_store(user) -> bool:
    if not accounts_enabled() or user is None:
        return False
    from core.db.accounts import can

    return can(user, "upload")


def store_roster(loaded: LoadedRoster, user) -> LoadedRoster:
    """Keep the evaluated roster in the database (core.db.uploads.store_upload). The stored
    result (one-time items already paid in an earlier upload set to 0, with a warning) replaces
    the one on screen and in the downloads."""
    from core.db.uploads import store_upload

    summary = store_upload(loaded.evaluated or loaded.result, user, loaded.filename, loaded.data, lang=lang(),
                           ip=client_ip())
    if summary.result is not None:
        from pages._roster_tables import display_table

        loaded.result = summary.result
        loaded.table = display_table(summary.result.frame)
        loaded.downloads = {}
    loaded.stored = summary.message
    from pages._session import drop_unsaved

    drop_unsaved()          # saved: nothing unsaved is left to bring back after a reload
    return loaded


def stored_rows(user) -> pd.DataFrame | None:
    """Stored evaluated rows this user may see, or None (no accounts, or nothing stored)."""
    if not accounts_enabled():
        return None
    from core.db.uploads import load_rows

    rows = load_rows(user=user)
    return rows if len(rows) else None


def stored_fairs() -> pd.DataFrame | None:
    if not accounts_enabled():
        return None
    from core.db.events import fairs_frame

    fairs = fairs_frame()
    return fairs if len(fairs) else None


def result_file(loaded: LoadedRoster, fmt: str) -> bytes:
    """The result as xlsx or CSV (core.output), made once per file."""
    if fmt not in loaded.downloads:
        from core import output

        writer = output.to_xlsx_bytes if fmt == "xlsx" else output.to_csv_bytes
        loaded.downloads[fmt] = writer(loaded.result, lang=lang())
    return loaded.downloads[fmt]


def result_filename(filename: str, fmt: str) -> str:
    stem = Path(filename).stem or "roster"
    return f"{stem}_{ui_text('roster.result_suffix')}.{fmt}"


@st.cache_data(show_spinner=False)
def template_file(fmt: str) -> tuple[bytes, str]:
    """The blank roster template (core.template) as (bytes, file name), made once."""
    from core.template import template_bytes, template_filename

    return template_bytes(fmt), template_filename(fmt)
