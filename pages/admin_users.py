"""Administrators: accounts (add, list, disable)."""
import pandas as pd
import streamlit as st

from core.cells import neutralise
from core.db import accounts
from core.i18n import t
from pages._common import done, lang, plain, require_role, show_notice

user = require_role("admin")


def _t(key: str, **fmt) -> str:
    return t(f"db.{key}", lang(), **fmt)


st.title(_t("admin.users_title"))
show_notice()
people = accounts.list_users()
st.dataframe(neutralise(pd.DataFrame({
    _t("admin.name"): [u.name for u in people],
    _t("admin.role"): [_t(f"role.{u.role}") for u in people],
    _t("admin.district"): [u.district or "" for u in people],
    _t("admin.active"): [u.active for u in people],
    _t("admin.created_at"): [u.created_at for u in people],
    _t("admin.created_by"): [u.created_by or "" for u in people],
})), hide_index=True, width="stretch")     # neutralise: the table's CSV download cannot run formulas

from core.reference import districts  # noqa: E402

st.subheader(_t("admin.add_user"))
FIELDS = ("au_name", "au_role", "au_district", "au_pw1", "au_pw2")
# the form keeps what was typed when the account is refused (a missing district, a weak
# password), and starts empty again once it is made
with st.form("db_add_user"):
    name = st.text_input(_t("admin.name"), key="au_name")
    role = st.selectbox(_t("admin.role"), accounts.ROLES, format_func=lambda r: _t(f"role.{r}"),
                        index=accounts.ROLES.index("district_officer"), key="au_role")
    district = st.selectbox(_t("admin.district"), list(districts()["name"]), key="au_district", index=None,
                            placeholder=_t("admin.no_district"))
    pw1 = st.text_input(_t("login.password"), type="password", key="au_pw1")
    pw2 = st.text_input(_t("login.password_again"), type="password", key="au_pw2")
    if st.form_submit_button(_t("admin.add")):
        if pw1 != pw2:
            st.error(_t("account.passwords_differ"))
        else:
            try:
                accounts.add_user(name, pw1, role, district or None, actor=getattr(user, "name", None))
            except accounts.AccountError as exc:
                st.error(plain(exc.text(lang())))
            else:
                done(_t("cli.user_added", name=name.strip(), role=_t(f"role.{role}")), FIELDS)

active = [u.name for u in people if u.active and u.name != getattr(user, "name", None)]
if active:
    st.subheader(_t("admin.disable_user"))
    with st.form("db_disable_user"):
        who = st.selectbox(_t("admin.name"), active)
        if st.form_submit_button(_t("admin.disable")):
            accounts.disable_user(who, actor=getattr(user, "name", None))
            done(_t("cli.user_disabled", name=who))
