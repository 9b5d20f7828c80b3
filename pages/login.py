"""Login, logout and the first administrator's setup (core.db.accounts)."""
import logging

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core.db import accounts
from core.i18n import t
from pages._common import after_login_page, client_ip, current_user, lang, logout, plain, ui_text
from pages._registry import visible_pages
from pages._session import after_sign_in


log = logging.getLogger("shaoxing.pages")


def _t(key: str, **fmt) -> str:
    return t(f"db.{key}", lang(), **fmt)


def _ip() -> str | None:
    return client_ip()


st.title(_t("login.title"))
st.caption(_t("login.public_hint", page=ui_text("nav.self_check")))
if current_user() is None:      # on a phone the menu is folded away: the way to the self-check
    try:
        st.page_link("pages/self_check.py", label=ui_text("nav.self_check"), icon=":material/fact_check:")
    except StreamlitPageNotFoundError:      # this page run on its own, outside the app's menu
        pass

expired = st.session_state.pop("user_expired", None)
if expired:
    st.warning(_t("login.expired"))
    try:        # once: the browser keeps the stale cookie until it closes, the message does not come back
        accounts.expiry_shown(expired)
    except Exception:
        log.exception("could not note that the expiry was shown")

user = current_user()
if user is not None:
    st.success(_t("login.logged_in_as", name=plain(user.name), role=_t(f"role.{user.role}")))
    if st.button(_t("login.logout"), key="db_logout"):
        logout()            # the session ended in the database, the cookie cleared (pages/_session.py)
        st.rerun()
    st.stop()

if accounts.setup_code_required():
    st.subheader(_t("login.setup_title"))
    st.info(_t("login.setup_hint"))
    with st.form("db_setup"):
        code = st.text_input(_t("login.setup_code"))
        name = st.text_input(_t("login.username"))
        pw1 = st.text_input(_t("login.password"), type="password")
        pw2 = st.text_input(_t("login.password_again"), type="password")
        if st.form_submit_button(_t("login.setup_submit")):
            if pw1 != pw2:
                st.error(_t("account.passwords_differ"))
            else:
                try:
                    accounts.create_first_admin(code, name, pw1, ip=_ip())
                except accounts.AccountError as exc:
                    st.error(plain(exc.text(lang())))
                else:
                    st.success(_t("login.setup_done"))
    st.stop()

with st.form("db_login"):
    name = st.text_input(_t("login.username"))
    password = st.text_input(_t("login.password"), type="password")
    if st.form_submit_button(_t("login.submit")):
        try:
            found = accounts.authenticate(name, password, ip=_ip())
        except accounts.LoginRefused as exc:       # a limit holds: how long to wait, nothing checked
            st.error(plain(exc.text(lang())))
            st.stop()
        if found is None:
            st.error(_t("login.failed"))
        else:
            code = accounts.session_login(st.session_state, found, ip=_ip())
            # on to the page the visitor was sent here from, else the first page of their role,
            # through /_auth/session, which sets the session cookie (pages/_session.py)
            back = after_login_page()
            theirs = [spec.path for spec in visible_pages(found, True) if spec.roles is not None]
            after_sign_in(code, (back if back in theirs else theirs[0]) if theirs else None)
