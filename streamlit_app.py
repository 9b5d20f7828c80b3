"""Entry point: ``streamlit run streamlit_app.py``.

Builds the navigation with st.navigation from an explicit list of page files; which pages are
listed depends on who is signed in (``st.session_state["user"]``), see pages/_common.py.
"""
from pathlib import Path

import streamlit as st

from core import i18n
from pages import _chrome, _upload_cap
from pages._common import (
    accounts_enabled, current_user, guarded, lang, logout, plain, run_page, ui_text, user_role,
)
from pages._registry import app_pages, visible_pages

FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

# the favicon is a file of the app, served by this server (a material icon or emoji would be
# fetched from a font host abroad on every visit)
st.set_page_config(page_title=ui_text("app.title"), page_icon=str(FAVICON))
_chrome.install(lang())     # Streamlit's own English words in the page's language (pages/_chrome.py)
_upload_cap.install()       # uploads one session may hold in memory (pages/_upload_cap.py)


@st.cache_resource(show_spinner=False)
def _start_storage() -> bool:
    """Once per server process: migrate the database and, while no account exists, print the
    one-time setup code for the first administrator to the server console (core.db.accounts)."""
    from core.db.accounts import setup_code_required

    setup_code_required()
    return True


if accounts_enabled():
    guarded(_start_storage)     # a database that cannot be reached: one sentence, details in the log
    # the Sichuan helped counties administrators added, as another server process may have
    # changed them (a small read at most every 30 s; core.db.counties)
    from core.db.counties import refresh

    guarded(refresh)

with st.sidebar:
    langs = list(i18n.LANGUAGES)
    st.selectbox(ui_text("app.lang_label"), langs, key="lang",
                 format_func=lambda code: i18n.LANGUAGES[code])
    user = guarded(current_user)
    if user is not None:
        st.caption(ui_text("app.signed_in", name=plain(getattr(user, "name", "")),
                           role=ui_text(f"role.{user_role(user)}") if user_role(user) else ""))
        if st.button(ui_text("app.logout"), key="logout"):
            logout()
            st.rerun()

# Every page is registered, so a bookmarked link always finds its page; the menu shows the ones
# this user may use, and require_role (pages/_common.py) refuses the others on the page itself.
visible = visible_pages(user, accounts_enabled())
specs = app_pages()
must_change = user is not None and bool(st.session_state.get("must_change_password"))
if must_change:
    # a password an administrator reset (core.db.accounts.reset_password): the user's own first;
    # every address leads to pages/account.py until it is changed
    visible = [spec for spec in specs if spec.path == "pages/account.py"]
pages = [st.Page(spec.path, title=ui_text(spec.title_key), icon=spec.icon, default=(i == 0),
                 visibility="visible" if spec in visible else "hidden")
         for i, spec in enumerate(specs)]
# the pages of the year-round work and of administration are grouped under a menu each (a row of
# twelve pages did not fit a laptop's top bar); the others, hidden ones included, are in the main row
groups: dict[str, list] = {}
for p, spec in zip(pages, specs):
    groups.setdefault(spec.section if spec in visible else "", []).append(p)
menu = {(ui_text(f"nav.section_{name}") if name else ""): group
        for name, group in sorted(groups.items(), key=lambda kv: ("", "year_round", "admin").index(kv[0]))}
menu = menu if len(menu) > 1 else menu.get("", [])
page = st.navigation(menu, position="top" if len(visible) > 1 else "hidden")
if must_change and getattr(page, "url_path", None) != "account":
    st.switch_page("pages/account.py")
run_page(page)      # a failure: one sentence on screen, the details in the server log
st.caption(ui_text("app.footer"))
