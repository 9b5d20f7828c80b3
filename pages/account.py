"""Every signed-in user: change my own password (also the page a user whose password an
administrator reset sees first, until it is changed; streamlit_app.py)."""
import streamlit as st

from core.db import accounts
from core.i18n import t
from pages._common import client_ip, done, lang, plain, require_role, show_notice
from pages._registry import ROLES

user = require_role(*ROLES)


def _t(key: str, **fmt) -> str:
    return t(f"account.{key}", lang(), **fmt)


st.title(_t("title"))
show_notice()
if st.session_state.get(accounts.MUST_CHANGE):
    st.warning(_t("must_change"), icon=":material/key:")
st.caption(_t("intro", name=plain(user.name)))
# the typed passwords are not kept on screen after a submit, refused or done
with st.form("change_password", clear_on_submit=True):
    old = st.text_input(_t("old_password"), type="password", key="pw_old")
    new1 = st.text_input(_t("new_password"), type="password", key="pw_new1")
    new2 = st.text_input(_t("new_password_again"), type="password", key="pw_new2")
    if st.form_submit_button(_t("submit")):
        if new1 != new2:
            st.error(t("db.account.passwords_differ", lang()))
        else:
            try:
                accounts.change_password(user.name, old, new1, keep_session=st.session_state.get("user_session"),
                                         ip=client_ip())
            except accounts.AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                st.session_state.pop(accounts.MUST_CHANGE, None)
                done(_t("changed"))
