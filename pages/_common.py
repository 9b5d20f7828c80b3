"""Helpers shared by the Streamlit pages: text lookup, the signed-in user, role checks, ID masking,
and the small table preparations the pages show (filtering, display columns, summaries).

The pure functions here (``mask_ids``, ``filter_rows``, ``display_table``, ``summary_table``,
``error_list``, ``visible_pages``) take and return plain pandas objects and are unit-tested; the
few that touch Streamlit (``ui_text``, ``current_user``, ``require_role``) read session state only.
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
from core.reference import columns
from core.cells import neutralise
from core.output import item_total
from core.items import ITEMS, WORKER_ITEMS
from core.validate import readable

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "pages"

MAX_UPLOAD_MB = 50            # the upload limit shown to officers and enforced by the uploader
ROLES = ("admin", "city_officer", "district_officer", "leader")
ROSTER_ROLES = ("admin", "city_officer", "district_officer")
DASHBOARD_ROLES = ("admin", "city_officer", "leader")

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


def user_role(user) -> str | None:
    return getattr(user, "role", None) if user is not None else None


def has_role(user, roles: Iterable[str], enabled: bool) -> bool:
    """Whether this user may open a page meant for ``roles``. Without accounts, everyone may."""
    if not enabled:
        return True
    return user_role(user) in set(roles)


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


@dataclass(frozen=True)
class PageSpec:
    path: str          # relative to the repository root, e.g. "pages/roster.py"
    title_key: str     # ui.nav.<...>
    icon: str
    roles: tuple[str, ...] | None   # None = public
    section: str = ""               # the menu group: "" the main row, else ui.nav.section_<section>


# Our own pages, listed explicitly; login and admin pages are added when their files exist.
APP_PAGES = (
    PageSpec("pages/self_check.py", "nav.self_check", ":material/fact_check:", None),
    PageSpec("pages/roster.py", "nav.roster", ":material/table_view:", ROSTER_ROLES),
    PageSpec("pages/dashboard.py", "nav.dashboard", ":material/monitoring:", DASHBOARD_ROLES),
    PageSpec("pages/district.py", "nav.district", ":material/location_city:", ("district_officer",)),
    PageSpec("pages/reconcile.py", "nav.reconcile", ":material/compare_arrows:", ROSTER_ROLES, section="year_round"),
    PageSpec("pages/reports.py", "nav.reports", ":material/summarize:", ROLES, section="year_round"),
)
OPTIONAL_PAGES = (
    PageSpec("pages/login.py", "nav.login", ":material/login:", None),
    PageSpec("pages/people.py", "nav.people", ":material/person_search:", ROLES, section="year_round"),
    PageSpec("pages/work_ledger.py", "nav.work_ledger", ":material/event_note:", ROLES, section="year_round"),
    PageSpec("pages/account.py", "nav.account", ":material/key:", ROLES),
    PageSpec("pages/events.py", "nav.events", ":material/event:", ("admin", "city_officer"), section="admin"),
    PageSpec("pages/share.py", "nav.share", ":material/qr_code_2:", ROSTER_ROLES),
    PageSpec("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", ("admin",), section="admin"),
    PageSpec("pages/admin_users.py", "nav.admin_users", ":material/group:", ("admin",), section="admin"),
    PageSpec("pages/admin_targets.py", "nav.admin_targets", ":material/flag:", ("admin",), section="admin"),
    PageSpec("pages/admin_audit.py", "nav.admin_audit", ":material/history:", ("admin",), section="admin"),
)


def app_pages(root: Path = ROOT) -> list[PageSpec]:
    """Every page of the app, in menu order (optional pages when their file exists). All are
    registered with the navigation so that a bookmarked link always finds its page; the ones a
    user may not use are hidden from the menu and refuse in ``require_role``."""
    return [spec for spec in APP_PAGES + OPTIONAL_PAGES
            if spec not in OPTIONAL_PAGES or (root / spec.path).exists()]


def visible_pages(user, enabled: bool, root: Path = ROOT) -> list[PageSpec]:
    """The pages this user sees in the navigation, in menu order.

    Public users see the self-check (and the login page once accounts exist); a signed-in user
    sees the pages of their role. Optional pages are listed only when their file exists.
    """
    out = []
    for spec in app_pages(root):
        if spec.path == "pages/login.py" and user is not None:
            continue
        if spec.roles is None or has_role(user, spec.roles, enabled):
            out.append(spec)
    return out


# ----------------------------------------------------------------------------------------------
# tables

def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mask_ids(ids: pd.Series) -> pd.Series:
    """ID numbers masked for the screen: the region code and the last four characters stay and
    the middle becomes eight stars (``513226********123X``); a value shorter than 11 characters
    is shown as stars only. Blank stays blank."""
    s = ids.astype("string").str.strip().fillna("")
    n = s.str.len()
    masked = s.str.slice_replace(6, -4, "*" * 8)
    masked = masked.mask(n < 11, "*" * 4)
    return masked.mask(n == 0, "")


def row_filter(frame: pd.DataFrame, errors_only: bool = False, query: str = "") -> np.ndarray:
    """Which rows to show (a boolean array): rows with errors only, and/or rows whose name or
    full ID number contains ``query`` (the search sees the real number; the screen shows it masked)."""
    keep = pd.Series(True, index=frame.index)
    if errors_only:
        keep &= ~frame["valid"].astype("boolean").fillna(False)
    query = (query or "").strip()
    if query:
        name = frame["name"].astype("string").fillna("")
        ident = frame["id_number"].astype("string").fillna("").str.upper()
        keep &= name.str.contains(query, regex=False) | ident.str.contains(query.upper(), regex=False)
    return keep.to_numpy(dtype=bool)


def _header(field: str) -> str:
    for col in columns():
        if col.field == field:
            return col.header
    return field


DISPLAY_INPUT_FIELDS = ("name", "id_number", "home_province", "home_county", "registered_poor",
                        "first_employment_date", "work_district", "employer")


def display_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The result table as shown on screen, in the order an officer reads a row: the verdict,
    who (姓名, the masked ID number), the worker's total, why (errors, the reasons, warnings),
    then the row number, the other inputs, one amount column per item. Chinese headers, status
    words; whole columns, no per-row Python (the download keeps ROSTER.md's order)."""
    out = pd.DataFrame(index=frame.index)
    valid = frame["valid"].astype("boolean").fillna(False)
    out[ui_text("table.valid")] = np.where(valid.to_numpy(), ui_text("table.ok"), ui_text("table.error"))
    for name in ("name", "id_number"):
        if name in frame.columns:
            values = mask_ids(frame[name]) if name == "id_number" else frame[name]
            out[_header(name)] = values.astype("string").fillna("").to_numpy()
    if "total_to_worker" in frame.columns:
        out[ui_text("table.total_to_worker")] = pd.to_numeric(frame["total_to_worker"], errors="coerce").fillna(0).astype("int64").to_numpy()
    out[ui_text("table.errors")] = readable(frame["errors"], lang())
    if "reason" in frame.columns:
        out[ui_text("table.reason")] = frame["reason"].astype("string").fillna("").to_numpy()
    if "warnings" in frame.columns:   # e.g. "already paid in upload 1": why an amount is 0
        out[ui_text("table.warnings")] = readable(frame["warnings"], lang())
    out[ui_text("table.row")] = frame["row"].to_numpy()
    for name in DISPLAY_INPUT_FIELDS:
        if name not in frame.columns or name in ("name", "id_number"):
            continue
        values = frame[name]
        if name == "registered_poor":
            values = values.astype("boolean").map({True: ui_text("common.yes"), False: ui_text("common.no")}).astype("string")
        elif name == "first_employment_date":
            values = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d").astype("string")
        out[_header(name)] = values.astype("string").fillna("").to_numpy()
    if "category" in frame.columns:
        cats = frame["category"].astype("string")
        labels = {c: ui_text(f"category.{c}") for c in ("paired_four", "other_central_western", "not_counted")}
        out[ui_text("table.category")] = cats.map(labels).astype("string").to_numpy()
    for item in ITEMS:
        if item in frame.columns:
            out[item_title(item)] = pd.to_numeric(frame[item], errors="coerce").fillna(0).astype("int64").to_numpy()
    if "total_payable_to_worker" in frame.columns:
        out[ui_text("table.total_payable_to_worker")] = pd.to_numeric(
            frame["total_payable_to_worker"], errors="coerce").fillna(0).astype("int64").to_numpy()
    if "claim_closed" in frame.columns:     # every row says whether what is due can still be paid
        closed = frame["claim_closed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out[ui_text("table.claim_status")] = pd.Categorical.from_codes(
            closed.astype("int8"), categories=[ui_text("table.claim_open"), ui_text("table.claim_closed")])
    return neutralise(out.reset_index(drop=True))      # the table's CSV download cannot run formulas


def summary_table(summary: dict) -> pd.DataFrame:
    """Each item's total, as a two-column table: the items paid to the workers, their sum, then
    the items paid to organisers and employers (so the column adds up where it says 合计)."""
    amounts = summary.get("amounts", {}) or {}
    payable = summary.get("payable", {}) or {}
    to_worker = [item for item in ITEMS if item in amounts and item in WORKER_ITEMS]
    to_others = [item for item in ITEMS if item in amounts and item not in WORKER_ITEMS]

    def paid(item):     # what can be paid on the day of the check; nothing where no amount is set
        return None if item_total(summary, item) is None else int(payable.get(item, item_total(summary, item)))

    labels = [item_title(item) for item in to_worker]    # short enough for a phone; 未配置 says the rest
    totals = [item_total(summary, item) for item in to_worker]
    payables = [paid(item) for item in to_worker]
    labels.append(ui_text("table.total_to_worker"))
    totals.append(int(summary.get("total_to_worker", 0) or 0))
    payables.append(int(summary.get("total_payable_to_worker", totals[-1]) or 0))
    labels += [item_title(item) for item in to_others]
    totals += [item_total(summary, item) for item in to_others]
    payables += [paid(item) for item in to_others]
    # yuan with thousands separators; an amount left to an unset local standard says so

    def shown(values):
        return [f"{v:,}" if v is not None else ui_text("common.not_set") for v in values]
    return pd.DataFrame({ui_text("summary.item"): labels, ui_text("summary.amount"): shown(totals),
                         ui_text("summary.payable"): shown(payables)})


def error_list(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with errors, of the whole row or of some items, as (row number, 姓名, masked ID
    number, the reasons in Chinese), in input order: the officer finds the person, not only the
    line of the file."""
    bad = frame["errors"].astype("string").fillna("") != ""
    sub = frame.loc[bad.to_numpy()]
    out = {ui_text("table.row"): sub["row"].to_numpy()}
    if "name" in sub.columns:
        out[_header("name")] = sub["name"].astype("string").fillna("").to_numpy()
    if "id_number" in sub.columns:
        out[_header("id_number")] = mask_ids(sub["id_number"]).to_numpy()
    out[ui_text("table.errors")] = readable(sub["errors"], lang())
    return neutralise(pd.DataFrame(out))


def as_of() -> date | None:
    """The date the rules are applied on: today, unless a test or demonstration set
    ``st.session_state["as_of"]``."""
    value = st.session_state.get("as_of")
    return value if isinstance(value, date) else None


# ----------------------------------------------------------------------------------------------
# the roster: read once per file content

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
